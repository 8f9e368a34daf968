//! Posterior-accuracy metrics (`src/measure/posterior`): Gaussian W2 and
//! KL, one-dimensional W2, kernel Stein discrepancy, ESS, R-hat, marginal
//! KS.
//!
//! # Tolerance policy
//!
//! Exact cases are held to rounding (`Z_ROUND` times an operation count
//! times `eps` times the size of the terms). Monte Carlo cases use
//! [`Z`] = 5 standard errors, with the standard error stated at each
//! assertion (an exact variance formula, or a cited asymptotic one), or an
//! exact inequality (the triangle inequality of `W2`) or a quantile of the
//! cited limit law at false-alarm rate `1e-6`. All seeds are fixed.

use nalgebra::{DMatrix, DVector};
use perturbo::measure::ks::ks_critical_value;
use perturbo::measure::moments::Moments;
use perturbo::measure::posterior::{
    ess, ess_bulk, ess_tail, kl_divergence, ksd_imq, marginal_ks, rhat, split_rhat, w2_samples,
    w2_to_normal, wasserstein2, Gaussian,
};
use perturbo::models::GaussianTarget;
use perturbo::rng::{Rng, Seed};
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ChiSquared, ContinuousCDF};

const EPS: f64 = f64::EPSILON;
/// Standard errors allowed in a Monte Carlo assertion.
const Z: f64 = 5.0;
/// Safety factor on a-priori rounding bounds.
const Z_ROUND: f64 = 4.0;
/// False-alarm rate for assertions against a limit law's quantile.
const ALPHA: f64 = 1e-6;

fn normals(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| StandardNormal.sample(rng)).collect()
}

fn gaussian(mean: &[f64], cov: &[f64]) -> Gaussian {
    let d = mean.len();
    Gaussian::new(
        DVector::from_column_slice(mean),
        DMatrix::from_row_slice(d, d, cov),
    )
    .unwrap()
}

/// A random SPD matrix `B B^T + 0.1 I` and mean, from a seed.
fn random_gaussian(d: usize, seed: Seed) -> Gaussian {
    let mut rng = seed.rng();
    let b = DMatrix::from_vec(d, d, normals(&mut rng, d * d));
    let cov = &b * b.transpose() + DMatrix::identity(d, d) * 0.1;
    Gaussian::new(DVector::from_vec(normals(&mut rng, d)), cov).unwrap()
}

#[test]
fn gaussian_w2_and_kl_exact_cases() {
    // 1-D: W2^2 = (m1 - m2)^2 + (s1 - s2)^2, KL = ln(s2/s1) + (s1^2 + dm^2) / (2 s2^2) - 1/2.
    let (p, q) = (gaussian(&[0.0], &[1.0]), gaussian(&[1.0], &[4.0]));
    let w = wasserstein2(&p, &q).unwrap();
    assert!((w * w - 2.0).abs() <= 16.0 * EPS, "W2^2 = {}", w * w);
    let kl = kl_divergence(&p, &q).unwrap();
    assert!((kl - (2f64.ln() - 0.25)).abs() <= 16.0 * EPS, "KL = {kl}");
    let back = kl_divergence(&q, &p).unwrap();
    // KL(q || p) = ln(1/2) + (4 + 1) / 2 - 1/2: KL is not symmetric.
    assert!(
        (back - (0.5f64.ln() + 2.0)).abs() <= 16.0 * EPS,
        "KL = {back}"
    );
    // Commuting (diagonal) covariances: W2^2 = |dm|^2 + sum (sqrt a - sqrt b)^2.
    let (p, q) = (
        gaussian(&[1.0, 2.0], &[4.0, 0.0, 0.0, 9.0]),
        gaussian(&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0]),
    );
    let w = wasserstein2(&p, &q).unwrap();
    assert!(
        (w * w - (5.0 + 1.0 + 4.0)).abs() <= 64.0 * EPS,
        "W2^2 = {}",
        w * w
    );
    for s in 0..20_u64 {
        let d = 1 + (s % 5) as usize;
        let (p, q) = (
            random_gaussian(d, Seed(s).child(0)),
            random_gaussian(d, Seed(s).child(1)),
        );
        let (pq, qp) = (wasserstein2(&p, &q).unwrap(), wasserstein2(&q, &p).unwrap());
        let size = (p.covariance().trace() + q.covariance().trace()).sqrt() + 1.0;
        // Symmetry: two different eigen-computations of one number; the
        // square-root trace term carries sqrt(eps) relative error at worst
        // (W2 near zero), so compare W2^2 at d^2 eps size^2 scale.
        assert!(
            (pq * pq - qp * qp).abs() <= Z_ROUND * 1e3 * (d * d) as f64 * EPS * size * size,
            "{s}: {pq} vs {qp}"
        );
        // Zero for equal laws, up to the square root of rounding.
        assert!(
            wasserstein2(&p, &p).unwrap() <= 1e-6 * size,
            "{s}: W2(p, p)"
        );
        assert!(
            kl_divergence(&p, &q).unwrap() > 0.0,
            "{s}: KL > 0 for different laws"
        );
        assert!(kl_divergence(&p, &p).unwrap() <= 1e-10, "{s}: KL(p, p)");
        // Triangle inequality with a third law.
        let r = random_gaussian(d, Seed(s).child(2));
        let pr = wasserstein2(&p, &r).unwrap() + wasserstein2(&r, &q).unwrap();
        assert!(pq <= pr + 1e-6 * size, "{s}: triangle");
    }
    assert!(
        wasserstein2(&gaussian(&[0.0], &[1.0]), &p).is_err(),
        "dimensions"
    );
    assert!(Gaussian::new(
        DVector::from_vec(vec![0.0, 0.0]),
        DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0])
    )
    .is_err());
}

/// `2 n KL(N_hat || N)` of the sample mean and covariance of `n` exact
/// draws is asymptotically the likelihood-ratio statistic, chi-squared with
/// `d + d (d + 1) / 2` degrees of freedom (Wilks 1938; Anderson 2003,
/// Section 10.8), so it stays below that law's `1 - 1e-6` quantile; a
/// shifted law is far above.
#[test]
fn kl_from_sample_moments_follows_the_likelihood_ratio_law() {
    let target = random_gaussian(3, Seed(8));
    let n = 20_000;
    let mut moments = Moments::new(3);
    let mut rng = Seed(9).rng();
    let mut x = [0.0; 3];
    for _ in 0..n {
        target.sample(&mut rng, &mut x);
        moments.push(&x);
    }
    let estimate = Gaussian::from_moments(&moments).unwrap();
    let limit = ChiSquared::new(9.0).unwrap().inverse_cdf(1.0 - ALPHA);
    let stat = 2.0 * n as f64 * kl_divergence(&estimate, &target).unwrap();
    assert!(stat <= limit, "2 n KL = {stat} > {limit}");
    let shifted =
        Gaussian::new(target.mean().add_scalar(0.1), target.covariance().clone()).unwrap();
    let stat = 2.0 * n as f64 * kl_divergence(&estimate, &shifted).unwrap();
    assert!(stat > limit, "a 0.1 shift is not detected: {stat}");
    assert!(
        Gaussian::from_moments(&Moments::new(2)).is_err(),
        "no vectors"
    );
}

#[test]
fn w2_1d_exact_cases() {
    let close = |a: f64, b: f64| (a - b).abs() <= 16.0 * EPS * (1.0 + b.abs());
    assert!(close(w2_samples(&[0.0, 1.0], &[2.0, 1.0]).unwrap(), 1.0));
    // {0} vs {0, 1}: half the mass moves by 1.
    assert!(close(
        w2_samples(&[0.0], &[1.0, 0.0]).unwrap(),
        0.5f64.sqrt()
    ));
    // Unequal sizes: {a, b, c} vs the same with every point doubled is 0;
    // and the distance is symmetric.
    let a = [0.3, -1.2, 2.5];
    let b = [1.0, 0.0, -0.5, 4.0, 2.0];
    assert!(close(w2_samples(&a, &[a, a].concat()).unwrap(), 0.0));
    assert!(close(
        w2_samples(&a, &b).unwrap(),
        w2_samples(&b, &a).unwrap()
    ));
    // One point x against N(m, s^2): W2^2 = (x - m)^2 + s^2.
    let w = w2_to_normal(&[1.5], -0.5, 2.0).unwrap();
    assert!((w * w - 8.0).abs() <= 1e-12, "{w}");
    assert!(w2_samples(&[], &a).is_err() && w2_to_normal(&a, 0.0, 0.0).is_err());
    assert!(w2_to_normal(&[f64::NAN], 0.0, 1.0).is_err());
}

/// `|W2(F_n, G) - W2(F, G)| <= W2(F_n, F)` exactly (triangle inequality),
/// for `F = N(0, 1)`, `G = N(mu, s^2)` with `W2(F, G)^2 = mu^2 + (1 - s)^2`;
/// and over replicates the mean error is within `Z` standard errors plus
/// the mean of that bias bound.
#[test]
fn w2_1d_of_gaussian_samples_matches_the_closed_form() {
    let (mu, s) = (0.5_f64, 2.0_f64);
    let exact = (mu * mu + (1.0 - s) * (1.0 - s)).sqrt();
    let (reps, n, m) = (100, 2000, 1500);
    let mut rng = Seed(12).rng();
    let (mut sum, mut sum2, mut bias) = (0.0, 0.0, 0.0);
    for _ in 0..reps {
        let x = normals(&mut rng, n);
        let y: Vec<f64> = normals(&mut rng, m).iter().map(|z| mu + s * z).collect();
        let to_f = w2_to_normal(&x, 0.0, 1.0).unwrap();
        let to_g = w2_to_normal(&y, mu, s).unwrap();
        let one = w2_to_normal(&x, mu, s).unwrap();
        assert!((one - exact).abs() <= to_f + 1e-9, "sample vs normal");
        let two = w2_samples(&x, &y).unwrap();
        assert!((two - exact).abs() <= to_f + to_g + 1e-9, "two samples");
        sum += one;
        sum2 += one * one;
        bias += to_f;
    }
    let r = reps as f64;
    let mean = sum / r;
    let se = ((sum2 / r - mean * mean) / (r - 1.0)).sqrt();
    assert!(
        (mean - exact).abs() <= Z * se + bias / r,
        "mean {mean} vs {exact} (se {se}, bias bound {})",
        bias / r
    );
    // And the empirical law converges: E W2(F_n, F) is small (Bobkov and
    // Ledoux 2019, Corollary 6.14: E W2^2 ~ log log n / n for Gaussians).
    assert!(bias / r < 0.1, "{}", bias / r);
}

/// KSD with the IMQ kernel against a correlated Gaussian.
#[test]
fn ksd_is_null_for_exact_samples_and_detects_shift_and_scale() {
    let target = GaussianTarget::equicorrelated(2, 0.5, 1.0, 0.3).unwrap();
    let n = 1500;
    let exact = target.samples(n, &mut Seed(3).rng());
    let k = ksd_imq(&target, &exact).unwrap();
    // Null: E U = 0 and Var U = 2 E k0^2 / (n (n - 1)) (degenerate kernel).
    assert!(k.u_statistic.abs() <= Z * k.null_se, "{k:?}");
    let shifted: Vec<f64> = exact.iter().map(|x| x + 0.3).collect();
    let scaled: Vec<f64> = exact
        .chunks_exact(2)
        .flat_map(|r| {
            r.iter()
                .zip(target.mean())
                .map(|(x, m)| m + 1.5 * (x - m))
                .collect::<Vec<_>>()
        })
        .collect();
    for (what, sample) in [("shifted", shifted), ("scaled", scaled)] {
        let bad = ksd_imq(&target, &sample).unwrap();
        // Detected: the U-statistic exceeds the null band by Z null SEs, and
        // is positive by Z of its own (Hoeffding) standard errors.
        assert!(bad.u_statistic > Z * bad.null_se, "{what}: {bad:?}");
        assert!(bad.u_statistic > Z * bad.se, "{what}: {bad:?}");
        assert!(bad.ksd() > k.ksd(), "{what}");
    }
}

/// One Stein kernel value against an independent computation with
/// finite-difference kernel derivatives (n = 2: U = k0(x1, x2)).
#[test]
fn ksd_stein_kernel_matches_finite_differences() {
    let target = GaussianTarget::new(
        vec![0.2, -0.1],
        DMatrix::from_row_slice(2, 2, &[1.0, 0.3, 0.3, 0.5]),
    )
    .unwrap();
    let (x, y) = ([0.7, -0.4], [-0.3, 0.9]);
    let k = ksd_imq(&target, &[x, y].concat()).unwrap();
    let kern =
        |a: &[f64], b: &[f64]| (1.0 + (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).powf(-0.5);
    let score = |a: &[f64]| {
        let d = DVector::from_iterator(2, a.iter().zip(target.mean()).map(|(u, m)| u - m));
        -(target.precision() * d)
    };
    let h = 1e-4;
    let shift = |a: &[f64], j: usize, s: f64| {
        let mut b = a.to_vec();
        b[j] += s;
        b
    };
    let dx = |j: usize, a: &[f64], b: &[f64]| {
        (kern(&shift(a, j, h), b) - kern(&shift(a, j, -h), b)) / (2.0 * h)
    };
    let dy = |j: usize, a: &[f64], b: &[f64]| {
        (kern(a, &shift(b, j, h)) - kern(a, &shift(b, j, -h))) / (2.0 * h)
    };
    let (sx, sy) = (score(&x), score(&y));
    let mut k0 = sx.dot(&sy) * kern(&x, &y);
    for j in 0..2 {
        k0 += sx[j] * dy(j, &x, &y) + sy[j] * dx(j, &x, &y);
        k0 += (dy(j, &shift(&x, j, h), &y) - dy(j, &shift(&x, j, -h), &y)) / (2.0 * h);
    }
    // Central differences: truncation O(h^2) ~ 1e-8 relative, rounding
    // eps / h^2 ~ 1e-8 for the nested second difference.
    assert!(
        (k.u_statistic - k0).abs() <= 1e-6,
        "{} vs {k0}",
        k.u_statistic
    );
    assert!(ksd_imq(&target, &[0.0, 0.0]).is_err(), "one sample");
}

/// `M` chains of an AR(1) process `x_t = rho x_{t-1} + sqrt(1 - rho^2) z_t`
/// started in its stationary law N(0, 1).
fn ar1(m: usize, n: usize, rho: f64, seed: Seed) -> Vec<Vec<f64>> {
    (0..m)
        .map(|c| {
            let mut rng = seed.stream(c as u64);
            let mut x: f64 = StandardNormal.sample(&mut rng);
            (0..n)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    x = rho * x + (1.0 - rho * rho).sqrt() * z;
                    x
                })
                .collect()
        })
        .collect()
}

/// `tau_hat` against the exact `tau = (1 + rho) / (1 - rho)` of AR(1):
/// Sokal's (1997, Eq. 3.19) standard deviation
/// `sqrt(2 (2 W + 1) / (M N)) tau` for a window of `W` lags, plus the exact
/// truncation bias of AR(1), `2 sum_{t > W} rho^t = 2 rho^{W+1} / (1 - rho)`.
fn assert_tau(what: &str, e: perturbo::measure::posterior::Ess, rho: f64, total: usize) {
    let tau = (1.0 + rho) / (1.0 - rho);
    let w = e.lags as f64;
    let sd = (2.0 * (2.0 * w + 1.0) / total as f64).sqrt() * tau;
    let bias = 2.0 * rho.powf(w + 1.0) / (1.0 - rho);
    assert!(
        (e.tau - tau).abs() <= Z * sd + bias,
        "{what}: tau {} vs {tau} (sd {sd}, bias {bias}, lags {})",
        e.tau,
        e.lags
    );
    assert!((e.ess - total as f64 / e.tau).abs() <= 1e-9 * e.ess);
}

#[test]
fn ess_of_iid_and_ar1_chains() {
    let (m, n) = (4, 20_000);
    let iid = ar1(m, n, 0.0, Seed(1));
    assert_tau("iid", ess(&iid).unwrap(), 0.0, m * n);
    assert_tau("iid bulk", ess_bulk(&iid).unwrap(), 0.0, m * n);
    // Indicators of iid draws are iid: tau = 1 as well.
    assert_tau("iid tail", ess_tail(&iid).unwrap(), 0.0, m * n);
    let rho = 0.5;
    let chain = ar1(m, n, rho, Seed(2));
    assert_tau("ar1", ess(&chain).unwrap(), rho, m * n);
    // Rank normalisation of a Gaussian chain is close to the identity map
    // on standardised values, so the bulk tau is the same to this order.
    assert_tau("ar1 bulk", ess_bulk(&chain).unwrap(), rho, m * n);
    let slow = ar1(m, n, 0.9, Seed(3));
    assert_tau("ar1 0.9", ess(&slow).unwrap(), 0.9, m * n);
    // A broken estimator (ignoring autocorrelation) would report tau = 1.
    assert!(ess(&slow).unwrap().ess < 0.1 * (m * n) as f64);
    assert!(ess(&[vec![1.0; 10]]).is_err(), "constant chain");
    assert!(ess(&[vec![1.0, 2.0, 3.0]]).is_err(), "too short");
    assert!(
        ess(&[vec![0.0, 1.0, 2.0, 3.0], vec![0.0; 5]]).is_err(),
        "unequal lengths"
    );
}

/// R-hat of `M` iid chains split into `k = 2M` of length `n`:
/// `R^2 = (n - 1) / n + (B/n) / W`, where `(B/n) / W` is about
/// `chi^2_{k-1} / ((k - 1) n)`; so `R^2 - 1 <= q / ((k - 1) n)` with `q` the
/// `1 - 1e-6` quantile of `chi^2_{k-1}`, inflated by `1 / (1 - Z sqrt(2 /
/// (k n)))` for the fluctuation of `W`; and `R^2 >= 1 - 1/n` always.
#[test]
fn rhat_is_one_for_iid_chains_and_large_for_disagreeing_ones() {
    let (m, n_chain) = (4, 2000);
    let chains = ar1(m, n_chain, 0.0, Seed(5));
    let (k, n) = (2 * m, n_chain / 2);
    let q = ChiSquared::new((k - 1) as f64)
        .unwrap()
        .inverse_cdf(1.0 - ALPHA);
    let upper = (1.0 + q / ((k - 1) * n) as f64 / (1.0 - Z * (2.0 / (k * n) as f64).sqrt())).sqrt();
    let lower = (1.0 - 1.0 / n as f64).sqrt();
    for (what, r) in [
        ("split", split_rhat(&chains).unwrap()),
        ("rank", rhat(&chains).unwrap()),
    ] {
        assert!(
            r <= upper && r >= lower - 1e-12,
            "{what}: {r} not in [{lower}, {upper}]"
        );
        assert!(r < 1.01, "{what}: {r}");
    }
    // One chain shifted by 2 sd: split-chain means 0 (x6) and 2 (x2) give
    // B/n = 6/7 for W = 1, R = sqrt(1 + 6/7) = 1.36 in the population.
    let mut shifted = chains.clone();
    shifted[0].iter_mut().for_each(|x| *x += 2.0);
    assert!(split_rhat(&shifted).unwrap() > 1.1);
    assert!(rhat(&shifted).unwrap() > 1.1);
    // One chain with 4 times the spread and the same centre: the raw split
    // R-hat misses it (equal means), the folded rank R-hat does not
    // (E|x| is 0.8 vs 3.2).
    let mut wide = chains;
    wide[0].iter_mut().for_each(|x| *x *= 4.0);
    assert!(split_rhat(&wide).unwrap() < 1.05);
    assert!(rhat(&wide).unwrap() > 1.1);
    // A trend within each chain shows up between the halves.
    let trend: Vec<Vec<f64>> = ar1(m, n_chain, 0.0, Seed(6))
        .into_iter()
        .map(|c| {
            c.iter()
                .enumerate()
                .map(|(t, x)| x + 3.0 * t as f64 / n_chain as f64)
                .collect()
        })
        .collect();
    assert!(rhat(&trend).unwrap() > 1.1);
}

#[test]
fn marginal_ks_accepts_exact_draws_and_rejects_a_shift() {
    let target = GaussianTarget::equicorrelated(3, 0.4, 1.5, -1.0).unwrap();
    let n = 4000;
    let draws = target.samples(n, &mut Seed(7).rng());
    // Bonferroni over the 3 marginals at total false-alarm rate 1e-6.
    let critical = ks_critical_value(n, ALPHA / 3.0);
    for (j, d) in marginal_ks(&draws, target.law())
        .unwrap()
        .into_iter()
        .enumerate()
    {
        assert!(d <= critical, "marginal {j}: {d} > {critical}");
    }
    let shifted: Vec<f64> = draws.iter().map(|x| x + 0.3).collect();
    for (j, d) in marginal_ks(&shifted, target.law())
        .unwrap()
        .into_iter()
        .enumerate()
    {
        assert!(
            d > critical,
            "marginal {j}: shift of 0.2 sd not detected ({d})"
        );
    }
    assert!(marginal_ks(&draws[..5], target.law()).is_err());
}
