//! Distribution tests of the noise processes and diffusions (`src/noise`).
//!
//! Policy. Every test uses fixed seeds, so it passes or fails
//! deterministically; the stated false-alarm rates say how unlucky a seed
//! would have to be for a correct implementation to fail.
//! - KS tests use the asymptotic critical value at rate [`KS_RATE`] = 1e-3
//!   (`perturbo::measure::ks`), with samples in the thousands.
//! - Moment tests assert `|estimate - truth| <= Z * SE` with [`Z`] = 4.5
//!   (two-sided false-alarm rate 6.8e-6 per assertion, under 1e-4 for the
//!   whole file), SE the standard error of a mean of iid terms (from the
//!   sample standard deviation) or, for Gaussian covariances, the exact
//!   `sqrt((S_ii S_jj + S_ij^2) / n)`.
//! - Deterministic checks use tolerances derived from rounding or from the
//!   accuracy a function documents, stated next to each.

use nalgebra::DMatrix;
use perturbo::landscape::{DoubleWell, Gradient, Hessian, Objective};
use perturbo::measure::ks::{ks_critical_value, ks_statistic};
use perturbo::noise::{
    levy_measure_constant, symmetric_stable_cdf, AlphaStable, AntiCorrelated, AnyDiffusion,
    AnyProcess, Brownian, Diffusion, FullCovariance, Isotropic, NoiseProcess, OrnsteinUhlenbeck,
    Periodic, SgdLike, StateDependent, Structure, SymmetricStable,
};
use perturbo::rng::{Rng, Seed};
use rand_distr::Distribution;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::{gamma, ln_gamma};
use std::f64::consts::PI;

/// False-alarm rate of every KS test.
const KS_RATE: f64 = 1e-3;
/// Standard errors allowed in every moment test.
const Z: f64 = 4.5;

fn assert_ks(sample: &[f64], cdf: impl Fn(f64) -> f64, what: &str) {
    let d = ks_statistic(sample, cdf);
    let crit = ks_critical_value(sample.len(), KS_RATE);
    assert!(
        d < crit,
        "{what}: KS D = {d:.5} >= critical {crit:.5} (n = {})",
        sample.len()
    );
}

/// Asserts that the mean of iid terms is `truth` within `Z` standard errors.
fn assert_mean(terms: &[f64], truth: f64, what: &str) {
    let n = terms.len() as f64;
    let mean = terms.iter().sum::<f64>() / n;
    let var = terms.iter().map(|t| (t - mean) * (t - mean)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(
        (mean - truth).abs() <= Z * se,
        "{what}: mean {mean:.5} vs {truth:.5}, |diff| = {:.2} SE (SE {se:.2e})",
        (mean - truth).abs() / se
    );
}

/// Draws `n` increments of `process` (one per fresh path `i`, stream
/// `seed.stream(i)`) over `[t, t + dt]` and returns them coordinate-pooled.
fn pooled_increments<P: NoiseProcess>(process: &P, seed: Seed, n: usize, dt: f64) -> Vec<f64> {
    let mut out = vec![0.0; process.dim()];
    let mut all = Vec::with_capacity(n * process.dim());
    for i in 0..n {
        let mut rng = seed.stream(i as u64);
        let mut state = process.init(&mut rng);
        process.increment(&mut state, 0.0, dt, &mut rng, &mut out);
        all.extend_from_slice(&out);
    }
    all
}

/// Checks the sample covariance of `G dW` (Brownian `dW` over `dt`, at `x`)
/// against `expected` (= `2 D(x) dt`), entrywise within `Z` exact Gaussian
/// standard errors `sqrt((S_ii S_jj + S_ij^2) / n)` (the mean is known to
/// be 0, so the estimator is `(1/n) sum y_i y_j`).
fn assert_noise_covariance<G: Diffusion>(
    g: &G,
    x: &[f64],
    dt: f64,
    expected: &DMatrix<f64>,
    seed: Seed,
    what: &str,
) {
    let n = 40_000;
    let dim = g.dim();
    let brownian = Brownian::new(g.noise_dim()).unwrap();
    let mut rng = seed.rng();
    let (mut dw, mut y) = (vec![0.0; g.noise_dim()], vec![0.0; dim]);
    let mut sums = DMatrix::<f64>::zeros(dim, dim);
    for _ in 0..n {
        brownian.increment(&mut (), 0.0, dt, &mut rng, &mut dw);
        g.apply(x, 0.0, &dw, &mut y);
        for i in 0..dim {
            for j in 0..dim {
                sums[(i, j)] += y[i] * y[j];
            }
        }
    }
    for i in 0..dim {
        for j in i..dim {
            let est = sums[(i, j)] / n as f64;
            let s = expected;
            let se = ((s[(i, i)] * s[(j, j)] + s[(i, j)] * s[(i, j)]) / n as f64).sqrt();
            assert!(
                (est - s[(i, j)]).abs() <= Z * se,
                "{what}: cov[{i},{j}] = {est:.4e} vs {:.4e} ({:.2} SE)",
                s[(i, j)],
                (est - s[(i, j)]).abs() / se
            );
        }
    }
}

// ---------------------------------------------------------------- Gaussian

#[test]
fn brownian_increments_are_normal_with_variance_dt() {
    let dt = 0.01;
    let sample = pooled_increments(&Brownian::new(3).unwrap(), Seed(11), 10_000, dt);
    let law = Normal::new(0.0, dt.sqrt()).unwrap();
    assert_ks(&sample, |v| law.cdf(v), "Brownian increments vs N(0, dt)");
    // Power check: the same sample is far from N(0, 2 dt) (expected D about
    // 0.08, against a critical value of 0.008).
    let wrong = Normal::new(0.0, (2.0 * dt).sqrt()).unwrap();
    let d = ks_statistic(&sample, |v| wrong.cdf(v));
    assert!(
        d > ks_critical_value(sample.len(), KS_RATE),
        "KS cannot tell dt from 2 dt: D = {d}"
    );
}

#[test]
fn isotropic_noise_has_covariance_two_eps_dt() {
    let (eps, dt) = (0.25, 0.01);
    let g = Isotropic::temperature(3, eps).unwrap();
    let expected = DMatrix::identity(3, 3) * (2.0 * eps * dt);
    assert_noise_covariance(&g, &[0.0; 3], dt, &expected, Seed(12), "isotropic");
    // Along a unit vector, variance_along is 2 eps exactly (up to rounding).
    let v = g.variance_along(&[0.0; 3], 0.0, &[0.6, 0.0, 0.8]);
    assert!((v - 2.0 * eps).abs() < 1e-15, "{v}");
}

fn full_covariance_matrix() -> DMatrix<f64> {
    // Symmetric and strictly diagonally dominant, hence positive definite.
    DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.3, 0.5, 1.0, -0.2, 0.3, -0.2, 0.8])
}

#[test]
fn full_covariance_noise_has_covariance_two_d_dt() {
    let d = full_covariance_matrix();
    let dt = 0.02;
    let g = FullCovariance::new(d.clone()).unwrap();
    assert_noise_covariance(
        &g,
        &[0.0; 3],
        dt,
        &(&d * (2.0 * dt)),
        Seed(13),
        "full covariance",
    );
    // variance_along(n) = 2 n^T D n; rounding of a 3x3 product is ~1e-15.
    let n = [0.48, -0.6, 0.64];
    let nv = nalgebra::DVector::from_row_slice(&n);
    let exact = 2.0 * (nv.transpose() * &d * &nv)[(0, 0)];
    let got = g.variance_along(&[0.0; 3], 0.0, &n);
    assert!((got - exact).abs() < 1e-13, "{got} vs {exact}");
    // Not positive definite, not symmetric: rejected.
    assert!(FullCovariance::new(DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0])).is_err());
    assert!(FullCovariance::new(DMatrix::from_row_slice(2, 2, &[1.0, 0.1, 0.0, 1.0])).is_err());
}

// ------------------------------------------------------------ alpha-stable

/// Bergstrom's convergent series (alpha < 1) for the tail, `1 - F(x) =
/// (1/pi) sum_{k>=1} (-1)^(k+1) Gamma(alpha k) / k! sin(k pi alpha / 2)
/// x^(-alpha k)` (Bergstrom 1952, "On some expansions of stable
/// distribution functions", Ark. Mat. 2; also Zolotarev 1986, *One-
/// dimensional stable distributions*, Section 2.4). Returns the value and
/// the largest term, which bounds the rounding error.
fn bergstrom_tail(alpha: f64, x: f64) -> (f64, f64) {
    let (mut sum, mut largest) = (0.0_f64, 0.0_f64);
    for k in 1..300 {
        let k = k as f64;
        let magnitude = (ln_gamma(alpha * k) - ln_gamma(k + 1.0) - alpha * k * x.ln()).exp();
        let term = magnitude * (k * PI * alpha / 2.0).sin() / PI;
        sum += if k as u64 % 2 == 1 { term } else { -term };
        largest = largest.max(term.abs());
    }
    (sum, largest)
}

/// The power series (alpha > 1) from expanding `sin(ux)` in the Gil-Pelaez
/// integral and integrating termwise, `int_0^inf u^(2k) e^(-u^alpha) du =
/// Gamma((2k+1)/alpha) / alpha`: `F(x) = 1/2 + (1/(pi alpha)) sum_{k>=0}
/// (-1)^k Gamma((2k+1)/alpha) x^(2k+1) / (2k+1)!` (entire for alpha > 1).
/// Returns the value and the largest term.
fn power_series_cdf(alpha: f64, x: f64) -> (f64, f64) {
    let (mut sum, mut largest) = (0.0_f64, 0.0_f64);
    for k in 0..200 {
        let m = 2.0 * k as f64 + 1.0;
        let term =
            (ln_gamma(m / alpha) - ln_gamma(m + 1.0) + m * x.abs().ln()).exp() / (PI * alpha);
        sum += if k % 2 == 0 { term } else { -term };
        largest = largest.max(term);
    }
    (0.5 + sum.copysign(x), largest)
}

/// The accuracy `symmetric_stable_cdf` documents.
const CDF_ACCURACY: f64 = 1e-10;

#[test]
fn stable_cdf_matches_cauchy_and_gaussian_closed_forms() {
    // alpha = 1: F = 1/2 + atan(x)/pi; alpha = 2: N(0, 2). The grid
    // sinh(k/20) spans |x| up to 5e8.
    let gauss = Normal::new(0.0, 2.0_f64.sqrt()).unwrap();
    for k in -400..=400 {
        let x = (k as f64 / 20.0).sinh();
        let cauchy = 0.5 + x.atan() / PI;
        let got = symmetric_stable_cdf(1.0, x);
        assert!(
            (got - cauchy).abs() < CDF_ACCURACY,
            "alpha 1, x {x}: {got} vs {cauchy}"
        );
        let normal = gauss.cdf(x);
        let got = symmetric_stable_cdf(2.0, x);
        assert!(
            (got - normal).abs() < CDF_ACCURACY,
            "alpha 2, x {x}: {got} vs {normal}"
        );
    }
    assert!(symmetric_stable_cdf(2.5, 0.0).is_nan() && symmetric_stable_cdf(0.0, 1.0).is_nan());
    assert!(symmetric_stable_cdf(1.5, f64::NAN).is_nan());
    assert!((symmetric_stable_cdf(0.7, 0.0) - 0.5).abs() < 1e-15);
    assert!((symmetric_stable_cdf(0.7, f64::INFINITY) - 1.0).abs() < 1e-15);
}

#[test]
fn stable_cdf_matches_its_series_expansions() {
    // Where a series is well conditioned (largest term below 1e2, so its
    // rounding, about 1e-13 times that, is below 1e-11), it must agree with
    // the quadrature to the documented accuracy.
    for alpha in [0.1, 0.5, 0.9] {
        for x in [1.0, 2.0, 10.0, 1e3, 1e6, 1e12] {
            let (tail, largest) = bergstrom_tail(alpha, x);
            assert!(
                largest < 1e2,
                "series ill-conditioned at alpha {alpha}, x {x}"
            );
            let got = symmetric_stable_cdf(alpha, x);
            assert!(
                (got - (1.0 - tail)).abs() < CDF_ACCURACY,
                "alpha {alpha}, x {x}: {got} vs {}",
                1.0 - tail
            );
        }
    }
    for alpha in [1.2, 1.5, 1.99] {
        for x in [-2.0, -0.7, 1e-6, 0.1, 0.5, 1.0, 2.0] {
            let (series, largest) = power_series_cdf(alpha, x);
            assert!(
                largest < 1e2,
                "series ill-conditioned at alpha {alpha}, x {x}"
            );
            let got = symmetric_stable_cdf(alpha, x);
            assert!(
                (got - series).abs() < CDF_ACCURACY,
                "alpha {alpha}, x {x}: {got} vs {series}"
            );
        }
    }
}

#[test]
fn levy_measure_constant_is_the_stable_normalisation() {
    // The same constant in the form of the fractional Laplacian, C = (alpha/2)
    // 2^alpha Gamma((1 + alpha)/2) / (sqrt(pi) Gamma(1 - alpha/2)) (the
    // generator of the process is -(-Laplacian)^(alpha/2); Kwasnicki 2017,
    // "Ten equivalent definitions of the fractional Laplace operator", Fract.
    // Calc. Appl. Anal. 20). An independent expression (equal by
    // the duplication and reflection formulas): agreement to rounding.
    for k in 1..40 {
        let alpha = 0.05 * k as f64;
        let fractional = 0.5 * alpha * 2.0_f64.powf(alpha) * gamma(0.5 * (1.0 + alpha))
            / (PI.sqrt() * gamma(1.0 - 0.5 * alpha));
        let c = levy_measure_constant(alpha);
        assert!(
            (c - fractional).abs() < 1e-13 * fractional,
            "alpha {alpha}: {c} vs {fractional}"
        );
    }
    // Cauchy: nu(dy) = dy / (pi y^2); Brownian motion has no jumps.
    assert!((levy_measure_constant(1.0) - 1.0 / PI).abs() < 1e-15);
    assert!(levy_measure_constant(2.0).abs() < 1e-15);
    assert!(levy_measure_constant(0.0).is_nan() && levy_measure_constant(2.1).is_nan());
    // It sets the tail of the law: 1 - F(x) = (C / alpha) x^(-alpha) (1 + r)
    // with |r| <= 4e-5 at alpha = 1/2, x = 1e8 (ratio of the second to the
    // first Bergstrom term, Gamma(1) / (2 Gamma(1/2) sin(pi/4)) x^(-1/2)).
    // The CDF's own error adds 1e-10 / 4e-5 = 2.5e-6 relative. Allowed: 1e-4.
    let (alpha, x) = (0.5, 1e8);
    let tail = 1.0 - symmetric_stable_cdf(alpha, x);
    let first_order = levy_measure_constant(alpha) / alpha * x.powf(-alpha);
    assert!(
        (tail / first_order - 1.0).abs() < 1e-4,
        "{tail} vs {first_order}"
    );
}

/// The CDF of the law `SymmetricStable(alpha)` by its closed form where one
/// exists, else by `symmetric_stable_cdf`.
fn stable_cdf(alpha: f64) -> Box<dyn Fn(f64) -> f64> {
    if (alpha - 1.0).abs() < 1e-15 {
        Box::new(|x: f64| 0.5 + x.atan() / PI)
    } else if (alpha - 2.0).abs() < 1e-15 {
        let law = Normal::new(0.0, 2.0_f64.sqrt()).unwrap();
        Box::new(move |x| law.cdf(x))
    } else {
        Box::new(move |x| symmetric_stable_cdf(alpha, x))
    }
}

#[test]
fn chambers_mallows_stuck_samples_follow_the_stable_law() {
    for (k, alpha) in [0.5, 1.0, 1.5, 2.0].into_iter().enumerate() {
        let law = SymmetricStable::new(alpha).unwrap();
        let mut rng = Seed(20 + k as u64).rng();
        let sample: Vec<f64> = (0..20_000).map(|_| law.sample(&mut rng)).collect();
        assert_ks(
            &sample,
            stable_cdf(alpha),
            &format!("SymmetricStable({alpha})"),
        );
    }
    assert!(SymmetricStable::new(0.0).is_err() && SymmetricStable::new(2.01).is_err());
    assert!(SymmetricStable::new(f64::NAN).is_err());
}

#[test]
fn alpha_stable_increments_scale_as_dt_to_the_one_over_alpha() {
    // dN / dt^(1/alpha) is standard stable for any dt; with dt = 0.01 a
    // wrong exponent (e.g. 1/2) would rescale it by 0.01^(1/alpha - 1/2),
    // a factor 100 at alpha = 1/2 and 2.2 at alpha = 3/2: far outside KS.
    let dt: f64 = 0.01;
    for (k, alpha) in [0.5, 1.5].into_iter().enumerate() {
        let process = AlphaStable::new(2, alpha).unwrap();
        assert!(!process.is_brownian());
        let scale = dt.powf(1.0 / alpha);
        let sample: Vec<f64> = pooled_increments(&process, Seed(30 + k as u64), 5_000, dt)
            .into_iter()
            .map(|v| v / scale)
            .collect();
        assert_ks(
            &sample,
            stable_cdf(alpha),
            &format!("AlphaStable({alpha}) increments / dt^(1/alpha)"),
        );
    }
}

// ---------------------------------------------------------- anti-correlated

#[test]
fn anticorrelated_increments_have_variance_two_and_lag_one_correlation_minus_half() {
    // Per path: a warm-up step (so the carried state is exercised), then
    // increments d1, d2, d3. Across paths and coordinates the triples are
    // iid, so each estimator below is a mean of iid terms.
    let process = AntiCorrelated::new(2).unwrap();
    assert!(!process.is_brownian());
    let (mut sq, mut lag1, mut lag2) = (Vec::new(), Vec::new(), Vec::new());
    let mut d = [[0.0; 2]; 4];
    for i in 0..50_000 {
        let mut rng = Seed(40).stream(i);
        let mut state = process.init(&mut rng);
        for dk in d.iter_mut() {
            // dt must not matter (the variance does not scale with it): vary it.
            process.increment(&mut state, 0.0, 1e-3 * (i % 7 + 1) as f64, &mut rng, dk);
        }
        for ((&d1, &d2), &d3) in d[1].iter().zip(&d[2]).zip(&d[3]) {
            sq.push(d1 * d1);
            // Corr(d1, d2) = -1/2  <=>  E[d1 d2 + d1^2 / 2] = 0 (needs no
            // assumed variance).
            lag1.push(d1 * d2 + 0.5 * d1 * d1);
            lag2.push(d1 * d3);
        }
    }
    assert_mean(&sq, 2.0, "anti-correlated increment variance");
    assert_mean(&lag1, 0.0, "anti-correlated lag-1 correlation + 1/2");
    assert_mean(&lag2, 0.0, "anti-correlated lag-2 covariance");
}

// ------------------------------------------------------ Ornstein-Uhlenbeck

#[test]
fn ou_noise_stays_stationary_and_decorrelates_exponentially() {
    // tau = 0.2, dt = 0.05: after 10 exact steps eta is still N(0, 1/(2 tau)),
    // and E[eta_0 eta_k] 2 tau = exp(-k dt / tau).
    let (tau, dt) = (0.2, 0.05);
    let process = OrnsteinUhlenbeck::new(1, tau).unwrap();
    assert!(!process.is_brownian());
    let lags = [1, 4, 10];
    let mut products: Vec<Vec<f64>> = vec![Vec::new(); lags.len()];
    let mut last = Vec::new();
    let mut out = [0.0];
    for i in 0..50_000 {
        let mut rng = Seed(50).stream(i);
        let mut state = process.init(&mut rng);
        let eta0 = state.eta()[0];
        for step in 1..=10 {
            process.increment(&mut state, 0.0, dt, &mut rng, &mut out);
            if let Some(j) = lags.iter().position(|&l| l == step) {
                products[j].push(2.0 * tau * eta0 * state.eta()[0]);
            }
        }
        last.push(state.eta()[0]);
    }
    let stationary = Normal::new(0.0, (0.5 / tau).sqrt()).unwrap();
    assert_ks(
        &last,
        |v| stationary.cdf(v),
        "OU eta after 10 steps vs N(0, 1/(2 tau))",
    );
    for (lag, terms) in lags.iter().zip(&products) {
        let rho = (-(*lag as f64) * dt / tau).exp();
        assert_mean(terms, rho, &format!("OU autocorrelation at lag {lag}"));
    }
}

#[test]
fn ou_integrated_noise_has_the_exact_variance_over_a_window() {
    // From stationarity, Var int_0^T eta = T - tau (1 - e^{-T/tau}) (twice
    // the double integral of the covariance e^{-|s|/tau} / (2 tau)). With
    // dt = tau / 2 the left-point approximation eta_t dt would give 0.826
    // instead of 0.801 at T = 1, about 10 SE away: the test separates them.
    let (tau, dt, steps) = (0.2, 0.1, 10);
    let window = dt * steps as f64;
    let exact = window - tau * (1.0 - (-window / tau).exp());
    let process = OrnsteinUhlenbeck::new(1, tau).unwrap();
    let mut out = [0.0];
    let squares: Vec<f64> = (0..200_000)
        .map(|i| {
            let mut rng = Seed(51).stream(i);
            let mut state = process.init(&mut rng);
            let mut sum = 0.0;
            for k in 0..steps {
                process.increment(&mut state, k as f64 * dt, dt, &mut rng, &mut out);
                sum += out[0];
            }
            sum * sum
        })
        .collect();
    assert_mean(
        &squares,
        exact,
        "variance of the OU integral over the window",
    );
    assert!(OrnsteinUhlenbeck::new(1, 0.0).is_err() && OrnsteinUhlenbeck::new(0, 1.0).is_err());
}

// ---------------------------------------------------------------- periodic

#[test]
fn periodic_noise_with_random_phase_follows_the_arcsine_law() {
    // N_T = sin(phi) + sum of increments up to T; with phi uniform it is
    // sin of a uniform angle, arcsine distributed.
    let (omega, dt, steps) = (3.0, 0.01, 130);
    let process = Periodic::new(2, omega, true).unwrap();
    assert!(!process.is_brownian());
    let mut out = [0.0; 2];
    let mut sample = Vec::new();
    for i in 0..20_000 {
        let mut rng = Seed(60).stream(i);
        let mut phase = process.init(&mut rng);
        let mut n = process.value(phase, 0.0);
        for k in 0..steps {
            process.increment(&mut phase, k as f64 * dt, dt, &mut rng, &mut out);
            assert_eq!(
                out[0].to_bits(),
                out[1].to_bits(),
                "coordinates must move together"
            );
            n += out[0];
        }
        // The increments telescope: 130 additions of terms below 0.03 round
        // to well under 1e-13.
        let t = steps as f64 * dt;
        assert!(
            (n - process.value(phase, t)).abs() < 1e-13,
            "telescoping: {n}"
        );
        sample.push(n);
    }
    assert_ks(
        &sample,
        |s| 0.5 + s.clamp(-1.0, 1.0).asin() / PI,
        "Periodic N_T vs arcsine law",
    );
    // Without a random phase every path starts at phase 0.
    let fixed = Periodic::new(1, omega, false).unwrap();
    let mut rng = Seed(61).rng();
    let mut phase = fixed.init(&mut rng);
    fixed.increment(&mut phase, 0.2, 0.1, &mut rng, &mut out[..1]);
    let exact = (omega * 0.3).sin() - (omega * 0.2).sin();
    assert!((out[0] - exact).abs() < 1e-15, "{} vs {exact}", out[0]);
    assert!(Periodic::new(1, -1.0, true).is_err());
}

// ---------------------------------------------------------------- SGD-like

/// A 2-D landscape with coupled curvature, `V(x, y) = (x^2 - 1)^2 + 2 x y + y^2`,
/// Hessian `[[12 x^2 - 4, 2], [2, 2]]`: indefinite near `x = 0`, positive
/// definite for `x^2 > 2/3`, with off-diagonal terms throughout.
#[derive(Debug, Clone, Copy)]
struct CoupledWell;

impl Objective for CoupledWell {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        (x[0] * x[0] - 1.0).powi(2) + 2.0 * x[0] * x[1] + x[1] * x[1]
    }
}

impl Gradient for CoupledWell {
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g[0] = 4.0 * x[0] * (x[0] * x[0] - 1.0) + 2.0 * x[1];
        g[1] = 2.0 * x[0] + 2.0 * x[1];
    }
}

impl Hessian for CoupledWell {
    fn hessian(&self, x: &[f64], h: &mut DMatrix<f64>) {
        h[(0, 0)] = 12.0 * x[0] * x[0] - 4.0;
        h[(0, 1)] = 2.0;
        h[(1, 0)] = 2.0;
        h[(1, 1)] = 2.0;
    }
}

const LR: f64 = 0.1;
const BATCH: f64 = 4.0;

#[test]
fn sgd_like_diffusion_is_the_scaled_hessian_absolute_value_in_1d() {
    let g = SgdLike::new(DoubleWell, LR, BATCH).unwrap();
    assert_eq!(g.structure(), Structure::Diagonal);
    let c = LR / (2.0 * BATCH);
    for x in [-1.3_f64, -1.0, -0.3, 0.0, 0.5, 1.2] {
        let h = 12.0 * x * x - 4.0;
        let d = c * h.abs();
        // Each quantity is a few roundings of a product: relative 1e-14.
        let tol = 1e-14 * d.max(1e-300);
        let got = g.diffusion_matrix(&[x])[(0, 0)];
        assert!((got - d).abs() <= tol, "D({x}) = {got} vs {d}");
        let v = g.variance_along(&[x], 0.0, &[-1.0]);
        assert!(
            (v - 2.0 * d).abs() <= 2.0 * tol,
            "variance_along({x}) = {v} vs {}",
            2.0 * d
        );
        let mut out = [0.0];
        g.apply(&[x], 0.0, &[1.0], &mut out);
        assert!(
            (out[0] - (2.0 * d).sqrt()).abs() <= 1e-14 * (2.0 * d).sqrt(),
            "G({x}) = {}",
            out[0]
        );
        // g = sqrt(2c |h|), dg/dx = sqrt(2c) sign(h) 24 x / (2 sqrt|h|).
        // The central difference documents relative error ~4e-11 where g is
        // smooth, times factors g/(x g') and g'''/g' below 1e2 at these
        // points (all at least 0.2 from the inflection points +-0.577):
        // allowed 1e-8 relative, or 1e-8 absolute where g' = 0.
        let (mut gv, mut dg) = ([0.0], [0.0]);
        g.diagonal(&[x], 0.0, &mut gv, &mut dg);
        let exact_dg = (2.0 * c).sqrt() * h.signum() * 12.0 * x / h.abs().sqrt();
        assert!((gv[0] - (2.0 * d).sqrt()).abs() <= 1e-14 * gv[0]);
        assert!(
            (dg[0] - exact_dg).abs() <= 1e-8 * exact_dg.abs().max(1.0),
            "dg({x}) = {} vs {exact_dg}",
            dg[0]
        );
    }
    assert!(
        SgdLike::new(DoubleWell, 0.0, 1.0).is_err() && SgdLike::new(DoubleWell, 0.1, -2.0).is_err()
    );
}

/// The matrix `G` of a diffusion at `x`, column by column from `apply`.
fn g_matrix<G: Diffusion>(g: &G, x: &[f64]) -> DMatrix<f64> {
    let (n, m) = (g.dim(), g.noise_dim());
    let mut out = DMatrix::zeros(n, m);
    let mut col = vec![0.0; n];
    for j in 0..m {
        let mut e = vec![0.0; m];
        e[j] = 1.0;
        g.apply(x, 0.0, &e, &mut col);
        out.column_mut(j).copy_from_slice(&col);
    }
    out
}

#[test]
fn sgd_like_diffusion_is_the_scaled_hessian_absolute_value_in_2d() {
    // |H| is the unique positive semidefinite square root of H^2, so
    // checking (2B/lr D)^2 = H^2, D = D^T and D >= 0 pins it down without
    // re-implementing the eigendecomposition. Tolerances: eigen-solver
    // backward error ~1e-15 ||H|| per entry, squared terms ~||H||^2; at
    // these points ||H|| < 25, so 1e-11 absolute on H^2 entries and 1e-12
    // on symmetry and on the smallest eigenvalue leave a wide margin.
    let g = SgdLike::new(CoupledWell, LR, BATCH).unwrap();
    assert_eq!(g.structure(), Structure::General);
    let c = LR / (2.0 * BATCH);
    for x in [[0.0, 0.0], [0.3, -1.0], [1.0, 0.5], [-1.3, 2.0]] {
        let mut h = DMatrix::zeros(2, 2);
        CoupledWell.hessian(&x, &mut h);
        let d = g.diffusion_matrix(&x);
        let abs_h = &d / c;
        assert!(
            (&abs_h * &abs_h - &h * &h).amax() < 1e-11,
            "|H|^2 != H^2 at {x:?}"
        );
        assert!(
            (&d - d.transpose()).amax() < 1e-12,
            "D not symmetric at {x:?}"
        );
        assert!(
            d.clone().symmetric_eigenvalues().min() > -1e-12,
            "D not PSD at {x:?}"
        );
        // G is the symmetric square root of 2 D.
        let gm = g_matrix(&g, &x);
        assert!(
            (&gm - gm.transpose()).amax() < 1e-12,
            "G not symmetric at {x:?}"
        );
        assert!((&gm * &gm - &d * 2.0).amax() < 1e-12, "G^2 != 2D at {x:?}");
        // variance_along = 2 n^T D n.
        let n = nalgebra::DVector::from_row_slice(&[0.6, -0.8]);
        let exact = 2.0 * (n.transpose() * &d * &n)[(0, 0)];
        let got = g.variance_along(&x, 0.0, n.as_slice());
        assert!(
            (got - exact).abs() < 1e-12,
            "variance_along at {x:?}: {got} vs {exact}"
        );
    }
    // At the origin H has eigenvalues -1 +- sqrt(13): D is not (lr/2B) H.
    let d0 = g.diffusion_matrix(&[0.0, 0.0]);
    assert!(
        d0[(0, 0)] > 0.0,
        "the negative curvature direction must get noise"
    );
}

#[test]
fn sgd_like_noise_has_covariance_two_d_dt() {
    let dt = 0.01;
    let g1 = SgdLike::new(DoubleWell, LR, BATCH).unwrap();
    let d1 = g1.diffusion_matrix(&[0.3]);
    assert_noise_covariance(
        &g1,
        &[0.3],
        dt,
        &(&d1 * (2.0 * dt)),
        Seed(70),
        "SGD-like 1-D",
    );
    let g2 = SgdLike::new(CoupledWell, LR, BATCH).unwrap();
    let x = [0.1, 0.4];
    let d2 = g2.diffusion_matrix(&x);
    assert_noise_covariance(&g2, &x, dt, &(&d2 * (2.0 * dt)), Seed(71), "SGD-like 2-D");
}

// --------------------------------------------------------- state-dependent

#[test]
fn state_dependent_diffusion_applies_sqrt_two_d() {
    // D_ii(x) = (1 + x_i^2) / 2, so g_i = sqrt(1 + x_i^2) and
    // dg_i/dx_i = x_i / sqrt(1 + x_i^2); D_ii' = x_i. All checks are a few
    // roundings: 1e-14 relative.
    let d = |x: &[f64], out: &mut [f64]| {
        for (o, v) in out.iter_mut().zip(x) {
            *o = 0.5 * (1.0 + v * v);
        }
    };
    let general = StateDependent::new(2, d).unwrap();
    assert_eq!(general.structure(), Structure::General);
    let x = [0.5, -2.0];
    let mut out = [0.0; 2];
    general.apply(&x, 0.0, &[1.0, -3.0], &mut out);
    let expect = [1.25_f64.sqrt(), -3.0 * 5.0_f64.sqrt()];
    for i in 0..2 {
        assert!(
            (out[i] - expect[i]).abs() < 1e-14 * expect[i].abs(),
            "{out:?}"
        );
    }
    let v = general.variance_along(&x, 0.0, &[0.6, 0.8]);
    assert!((v - (1.25 * 0.36 + 5.0 * 0.64)).abs() < 1e-14 * v, "{v}");
    let diagonal = general.with_derivative(|x: &[f64], out: &mut [f64]| out.copy_from_slice(x));
    assert_eq!(diagonal.structure(), Structure::Diagonal);
    let (mut g, mut dg) = ([0.0; 2], [0.0; 2]);
    diagonal.diagonal(&x, 0.0, &mut g, &mut dg);
    for i in 0..2 {
        let gi = (1.0 + x[i] * x[i]).sqrt();
        assert!(
            (g[i] - gi).abs() < 1e-14 * gi && (dg[i] - x[i] / gi).abs() < 1e-14,
            "{g:?} {dg:?}"
        );
    }
    assert!(StateDependent::new(0, d).is_err());
}

// ---------------------------------------------------------------- registry

/// Increments of `p` over a few steps of one path, as bit patterns.
fn increment_bits<P: NoiseProcess>(p: &P, seed: Seed) -> Vec<u64> {
    let mut rng: Rng = seed.rng();
    let mut state = p.init(&mut rng);
    let mut out = vec![0.0; p.dim()];
    let mut bits = Vec::new();
    for k in 0..5 {
        p.increment(&mut state, 0.1 * k as f64, 0.1, &mut rng, &mut out);
        bits.extend(out.iter().map(|v| v.to_bits()));
    }
    bits
}

#[test]
fn registry_forwards_bit_for_bit_and_parses_specs() {
    // Bit-reproducibility: wrapping must not change a single draw.
    let seed = Seed(80);
    let cases: Vec<(AnyProcess, Vec<u64>)> = vec![
        (
            AnyProcess::brownian(2).unwrap(),
            increment_bits(&Brownian::new(2).unwrap(), seed),
        ),
        (
            AnyProcess::alpha_stable(2, 1.2).unwrap(),
            increment_bits(&AlphaStable::new(2, 1.2).unwrap(), seed),
        ),
        (
            AnyProcess::anticorrelated(2).unwrap(),
            increment_bits(&AntiCorrelated::new(2).unwrap(), seed),
        ),
        (
            AnyProcess::ornstein_uhlenbeck(2, 0.3).unwrap(),
            increment_bits(&OrnsteinUhlenbeck::new(2, 0.3).unwrap(), seed),
        ),
        (
            AnyProcess::periodic(2, 2.0, true).unwrap(),
            increment_bits(&Periodic::new(2, 2.0, true).unwrap(), seed),
        ),
    ];
    for (any, bits) in &cases {
        assert_eq!(&increment_bits(any, seed), bits, "{any:?}");
        assert_eq!(any.is_brownian(), matches!(any, AnyProcess::Brownian(_)));
    }
    // Specs.
    assert_eq!(AnyProcess::from_spec("brownian", 2).unwrap(), cases[0].0);
    assert_eq!(
        AnyProcess::from_spec("alpha-stable:alpha=1.2", 2).unwrap(),
        cases[1].0
    );
    assert_eq!(
        AnyProcess::from_spec("anticorrelated", 2).unwrap(),
        cases[2].0
    );
    assert_eq!(AnyProcess::from_spec("ou:tau=0.3", 2).unwrap(), cases[3].0);
    assert_eq!(
        AnyProcess::from_spec("periodic:omega=2", 2).unwrap(),
        cases[4].0
    );
    assert_eq!(
        AnyProcess::from_spec("periodic:omega=2,random_phase=0", 1).unwrap(),
        AnyProcess::periodic(1, 2.0, false).unwrap()
    );
    for bad in [
        "pink",
        "alpha-stable:alpha=3",
        "ou:tau=-1",
        "ou:sigma=1",
        "periodic:random_phase=0.5",
    ] {
        assert!(AnyProcess::from_spec(bad, 1).is_err(), "{bad} accepted");
    }
    // Diffusions forward too.
    let iso = Isotropic::temperature(2, 0.3).unwrap();
    let any: AnyDiffusion<DoubleWell> = AnyDiffusion::temperature(2, 0.3).unwrap();
    let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
    iso.apply(&[0.0; 2], 0.0, &[0.1, -0.2], &mut a);
    any.apply(&[0.0; 2], 0.0, &[0.1, -0.2], &mut b);
    assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
    assert_eq!(any.structure(), Structure::Additive);
    let sgd: AnyDiffusion<DoubleWell> = AnyDiffusion::sgd_like(DoubleWell, LR, BATCH).unwrap();
    assert_eq!(sgd.structure(), Structure::Diagonal);
    let full: AnyDiffusion<DoubleWell> =
        AnyDiffusion::full_covariance(full_covariance_matrix()).unwrap();
    assert_eq!((full.dim(), full.noise_dim()), (3, 3));
}

/// Draws `steps` steps of `paths` paths with one call of the block form and
/// checks every increment, bit for bit, against single-step calls of
/// [`NoiseProcess::increment`] from clones of the same generators and
/// states. The ensemble asks for several steps at once only because this
/// holds: a path's noise must not depend on how its steps are grouped.
fn assert_block_replays_single_steps<P: NoiseProcess>(process: &P, what: &str) {
    let (paths, steps, dim, dt) = (5_usize, 7, process.dim(), 0.01);
    let times: Vec<f64> = (0..steps).map(|s| 0.3 + s as f64 * dt).collect();
    let mut rngs: Vec<Rng> = (0..paths).map(|i| Seed(21).stream(i as u64)).collect();
    let mut states: Vec<P::State> = rngs.iter_mut().map(|r| process.init(r)).collect();
    let (mut single_rngs, mut single_states) = (rngs.clone(), states.clone());

    let mut block = vec![0.0; steps * paths * dim];
    process.increment_block(&mut states, &times, dt, &mut rngs, &mut block);

    let mut out = vec![0.0; dim];
    for (s, &t) in times.iter().enumerate() {
        for i in 0..paths {
            process.increment(&mut single_states[i], t, dt, &mut single_rngs[i], &mut out);
            let at = (s * paths + i) * dim;
            let got: Vec<u64> = block[at..at + dim].iter().map(|v| v.to_bits()).collect();
            let want: Vec<u64> = out.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "{what}: step {s}, path {i}");
        }
    }
    assert_eq!(rngs, single_rngs, "{what}: generators end in another state");
}

#[test]
fn block_increments_replay_single_steps_for_every_process() {
    assert_block_replays_single_steps(&Brownian::new(1).unwrap(), "brownian, dim 1");
    assert_block_replays_single_steps(&Brownian::new(3).unwrap(), "brownian, dim 3");
    for name in [
        "brownian",
        "alpha-stable",
        "anticorrelated",
        "ou",
        "periodic",
    ] {
        for dim in [1, 2] {
            let process = AnyProcess::from_spec(name, dim).unwrap();
            assert_block_replays_single_steps(&process, &format!("{name}, dim {dim}"));
        }
    }
}
