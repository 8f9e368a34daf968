//! Flatness measures (`perturbo::measure::flatness`) on matrices and
//! quadratics of known spectrum. Deterministic tolerances are multiples of
//! `eps ||H||` stated next to each assertion; Monte Carlo ones are
//! `Z * standard error` with the standard error known in closed form where
//! possible. Mathematics: `proofs/flatness_measures.md`.

use nalgebra::{DMatrix, DVector};
use perturbo::landscape::Quadratic;
use perturbo::measure::flatness::lanczos::{lanczos, top_eigenvalues};
use perturbo::measure::flatness::sharpness::{keskar_sharpness_at, sam_sharpness_at};
use perturbo::measure::flatness::{
    exact, hutchinson, measure, perturbed_loss, probes, slq, FlatnessConfig, HutchinsonConfig,
    LanczosConfig, PerturbedLossConfig, SharpnessConfig, SlqConfig, TraceSource,
};
use perturbo::optim::{Capabilities, Oracle};
use perturbo::rng::{Rng, Seed};
use perturbo::{Error, Result};
use rand::RngExt;
use rand_distr::StandardNormal;

/// Standard errors allowed between a Monte Carlo estimate and its exact
/// expectation: a false alarm has probability below `6e-7` per assertion
/// (two-sided normal tail at 5), and the seeds are fixed.
const Z: f64 = 5.0;

const EPS: f64 = f64::EPSILON;

/// `v -> A v` for a dense matrix.
fn dense(a: &DMatrix<f64>) -> impl FnMut(&[f64], &mut [f64]) + '_ {
    move |v, out| {
        let y = a * DVector::from_column_slice(v);
        out.copy_from_slice(y.as_slice());
    }
}

/// `v -> diag(d) v`.
fn diagonal(d: &[f64]) -> impl FnMut(&[f64], &mut [f64]) + '_ {
    move |v, out| {
        for ((o, di), vi) in out.iter_mut().zip(d).zip(v) {
            *o = di * vi;
        }
    }
}

/// `Q diag(spectrum) Q^T` with `Q` a random orthogonal matrix (QR of a
/// Gaussian matrix), symmetrised.
fn with_spectrum(spectrum: &[f64], seed: u64) -> DMatrix<f64> {
    let n = spectrum.len();
    let mut rng = Seed(seed).rng();
    let g = DMatrix::from_fn(n, n, |_, _| rng.sample::<f64, _>(StandardNormal));
    let q = g.qr().q();
    let a = &q * DMatrix::from_diagonal(&DVector::from_column_slice(spectrum)) * q.transpose();
    (&a + a.transpose()) * 0.5
}

/// Descending copy.
fn sorted_desc(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    s
}

fn frobenius_sq(a: &DMatrix<f64>) -> f64 {
    a.iter().map(|v| v * v).sum()
}

/// Chebyshev polynomial `C_d(t)` for `t >= 1`.
fn chebyshev(d: usize, t: f64) -> f64 {
    (d as f64 * t.acosh()).cosh()
}

// ---------------------------------------------------------------- exact ---

#[test]
fn exact_spectrum_recovers_a_constructed_spectrum() {
    let spectrum = [9.0, 7.5, 3.0, 2.0, 1.0, 0.5, 0.25, 0.1];
    let a = with_spectrum(&spectrum, 11);
    let q = Quadratic::new(a, vec![0.0; spectrum.len()]).unwrap();
    let got = exact::spectrum_at(&q, &[0.3; 8]).unwrap();
    assert_eq!(got.evaluations.hessians, 1);
    let n = spectrum.len() as f64;
    // Forming Q D Q^T and diagonalising it are each backward stable with
    // error O(n eps ||H||) (Golub and Van Loan 2013, Sections 5.2 and 8.3);
    // 16 n eps ||H|| covers both with a factor 8 each.
    let tol = 16.0 * n * EPS * spectrum[0];
    for (g, w) in got.result.iter().zip(&spectrum) {
        assert!((g - w).abs() <= tol, "eigenvalue {g} vs {w} (tol {tol:e})");
    }
}

#[test]
fn exact_spectrum_rejects_bad_input() {
    assert!(exact::spectrum(&DMatrix::zeros(0, 0)).is_err());
    assert!(exact::spectrum(&DMatrix::zeros(2, 3)).is_err());
    let mut h = DMatrix::identity(2, 2);
    h[(1, 0)] = f64::NAN;
    assert!(matches!(exact::spectrum(&h), Err(Error::NonFinite { .. })));
}

// -------------------------------------------------------------- lanczos ---

#[test]
fn lanczos_with_m_equal_n_recovers_every_eigenvalue() {
    let spectrum = [
        12.0, 9.0, 8.5, 5.0, 3.0, 2.5, 1.0, 0.5, 0.2, 0.1, -0.3, -1.0,
    ];
    let n = spectrum.len();
    let a = with_spectrum(&spectrum, 5);
    let mut start = vec![0.0; n];
    probes::fill_gaussian(&mut Seed(6).rng(), &mut start);
    let t = lanczos(&mut dense(&a), &start, n).unwrap();
    assert_eq!(t.steps(), n, "distinct eigenvalues: no early breakdown");
    let ritz = t.ritz();
    let norm = spectrum.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    // With full reorthogonalisation the Krylov basis is orthonormal to
    // O(n eps), so T_n is similar to H up to O(n eps ||H||); the assembly of
    // H adds the same order. 16 n eps ||H|| as for the exact solver.
    let tol = 16.0 * n as f64 * EPS * norm;
    for (g, w) in ritz.values.iter().zip(&spectrum) {
        assert!((g - w).abs() <= tol, "Ritz value {g} vs {w} (tol {tol:e})");
    }
    let weight_sum: f64 = ritz.weights.iter().sum();
    // The weights are the squared first row of an orthogonal matrix.
    assert!((weight_sum - 1.0).abs() <= 4.0 * n as f64 * EPS);
}

#[test]
fn lanczos_top_k_obeys_the_kaniel_paige_saad_bound() {
    // Diagonal H: eigenvectors are the unit vectors, so tan(q_1, u_i) is
    // read off the start vector. Three separated top eigenvalues over a
    // bulk in [0, 4].
    let n = 300;
    let mut d: Vec<f64> = (0..n).map(|i| 4.0 * i as f64 / (n - 1) as f64).collect();
    d[n - 1] = 10.0;
    d[n - 2] = 8.0;
    d[n - 3] = 6.5;
    let lambda = sorted_desc(&d);
    let (lmax, lmin) = (lambda[0], lambda[n - 1]);
    let mut start = vec![0.0; n];
    probes::fill_gaussian(&mut Seed(21).rng(), &mut start);
    let start_sq: f64 = start.iter().map(|s| s * s).sum();
    for m in [6, 10, 16] {
        let t = lanczos(&mut diagonal(&d), &start, m).unwrap();
        let theta = t.ritz().values;
        // Rounding in the run: O(m eps ||H||) per step; 16 n eps ||H|| covers it.
        let round = 16.0 * n as f64 * EPS * lmax;
        for i in 0..3 {
            let index = n - 1 - i; // position of lambda_{i+1} in d
            let cos_sq = start[index].powi(2) / start_sq;
            let tan = ((1.0 - cos_sq) / cos_sq).sqrt();
            let gamma = (lambda[i] - lambda[i + 1]) / (lambda[i + 1] - lmin);
            let kappa: f64 = (0..i)
                .map(|j| (theta[j] - lmin) / (theta[j] - lambda[i]))
                .product();
            let bound =
                (lmax - lmin) * (kappa * tan / chebyshev(m - 1 - i, 1.0 + 2.0 * gamma)).powi(2);
            let err = lambda[i] - theta[i];
            assert!(
                err >= -round,
                "m={m}: Ritz value {} above lambda_{}",
                theta[i],
                i + 1
            );
            assert!(
                err <= bound + round,
                "m={m}: lambda_{} - theta = {err:e} exceeds the KPS bound {bound:e}",
                i + 1
            );
        }
    }
}

#[test]
fn lanczos_stops_on_an_invariant_subspace() {
    // Two distinct eigenvalues: K_2 is invariant whatever the start.
    let d = [3.0, 3.0, 3.0, 1.0, 1.0];
    let cfg = LanczosConfig { steps: 5, top_k: 3 };
    let top = top_eigenvalues(&mut diagonal(&d), d.len(), &cfg, &mut Seed(2).rng()).unwrap();
    assert!(top.tridiagonal.invariant);
    assert_eq!(top.tridiagonal.steps(), 2);
    assert_eq!(top.values.len(), 2, "one copy per distinct eigenvalue");
    // Breakdown leaves Ritz values exact up to beta_j <= 8 n eps ||T||.
    let tol = 16.0 * d.len() as f64 * EPS * 3.0;
    assert!((top.values[0] - 3.0).abs() <= tol && (top.values[1] - 1.0).abs() <= tol);
    // The zero operator breaks down at once with the single Ritz value 0.
    let zero = top_eigenvalues(&mut diagonal(&[0.0; 4]), 4, &cfg, &mut Seed(2).rng()).unwrap();
    assert!(zero.tridiagonal.invariant && zero.values.len() == 1 && zero.values[0].abs() <= EPS);
}

#[test]
fn ritz_residual_bounds_enclose_an_eigenvalue() {
    let spectrum: Vec<f64> = (0..40).map(|i| 1.0 + 0.25 * i as f64).collect();
    let a = with_spectrum(&spectrum, 8);
    let cfg = LanczosConfig { steps: 8, top_k: 8 };
    let top = top_eigenvalues(&mut dense(&a), spectrum.len(), &cfg, &mut Seed(9).rng()).unwrap();
    // Parlett 1998, Theorem 4.5.1: some eigenvalue lies within the residual
    // norm of each Ritz value; the computed residual carries O(n eps ||H||).
    let round = 16.0 * spectrum.len() as f64 * EPS * 10.75;
    for (theta, bound) in top.values.iter().zip(&top.error_bounds) {
        let nearest = spectrum
            .iter()
            .map(|l| (l - theta).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= bound + round,
            "theta {theta}: nearest {nearest} > {bound}"
        );
    }
}

// ----------------------------------------------------------- hutchinson ---

#[test]
fn hutchinson_is_unbiased_with_the_stated_variance() {
    let spectrum: Vec<f64> = (0..30).map(|i| 0.2 + 0.3 * i as f64).collect();
    let a = with_spectrum(&spectrum, 3);
    let trace: f64 = spectrum.iter().sum();
    let diag_sq: f64 = (0..30).map(|i| a[(i, i)].powi(2)).sum();
    let var = 2.0 * (frobenius_sq(&a) - diag_sq);
    let probes = 400;
    let cfg = HutchinsonConfig { probes };
    let est = hutchinson::trace(&mut dense(&a), 30, &cfg, &mut Seed(17).rng()).unwrap();
    let se = (var / probes as f64).sqrt();
    // Unbiasedness against the exact standard error (Hutchinson 1990,
    // Proposition 1: Var = 2 (||H||_F^2 - sum H_ii^2) per probe).
    assert!(
        (est.mean - trace).abs() <= Z * se,
        "estimate {} vs trace {trace}, se {se}",
        est.mean
    );
    // The reported standard error estimates the exact one: the sample
    // standard deviation of 400 draws has relative spread about
    // sqrt((kurtosis - 1) / (4 * 400)); z^T H z is a sum of 435 weighted
    // Rademacher products, close to Gaussian (kurtosis about 3), so the
    // spread is about 0.035 and a band of +-30% is more than 8 of them.
    assert!(
        (est.std_error / se - 1.0).abs() <= 0.3,
        "reported se {} vs exact {se}",
        est.std_error
    );
}

#[test]
fn hutchinson_is_exact_on_a_diagonal_matrix() {
    let d = [5.0, 0.5, 2.0, 3.25, 1e-3, 7.0, 0.0, 4.0];
    let trace: f64 = d.iter().sum();
    let q = Quadratic::diagonal(&[5.0, 0.5, 2.0, 3.25, 1e-3, 7.0, 1.0], vec![0.0; 7]).unwrap();
    let est = hutchinson::trace(
        &mut diagonal(&d),
        d.len(),
        &HutchinsonConfig { probes: 7 },
        &mut Seed(1).rng(),
    )
    .unwrap();
    // Every probe returns sum_i z_i^2 d_i = Tr D (z_i^2 = 1), up to the
    // rounding of an n-term sum: n eps Tr D.
    let tol = d.len() as f64 * EPS * trace;
    assert!((est.mean - trace).abs() <= tol);
    assert!(
        est.std_error <= tol,
        "zero variance, got se {}",
        est.std_error
    );
    // The same through an oracle (the landscape's dense Hessian-vector product).
    let at = hutchinson::trace_at(
        &q,
        &[1.0; 7],
        &HutchinsonConfig { probes: 5 },
        &mut Seed(4).rng(),
    )
    .unwrap();
    let q_trace = 18.751;
    assert!((at.result.mean - q_trace).abs() <= 7.0 * EPS * q_trace);
    assert!(at.result.std_error <= 7.0 * EPS * q_trace);
    assert_eq!(at.evaluations.hessian_vectors, 5);
}

// ------------------------------------------------------------------ slq ---

#[test]
fn slq_density_integrates_to_one_and_its_mean_is_the_trace() {
    let spectrum: Vec<f64> = (0..60)
        .map(|i| {
            if i < 3 {
                20.0 - 4.0 * i as f64
            } else {
                0.05 * i as f64
            }
        })
        .collect();
    let n = spectrum.len();
    let a = with_spectrum(&spectrum, 31);
    let cfg = SlqConfig {
        runs: 40,
        steps: 12,
        grid_points: 600,
        bandwidth: 0.02,
    };
    let dens = slq::spectral_density(&mut dense(&a), n, &cfg, &mut Seed(32).rng()).unwrap();
    for rule in &dens.rules {
        let s: f64 = rule.weights.iter().sum();
        // Squared first row of an orthogonal m x m matrix: 1 up to 4 m eps.
        assert!(
            (s - 1.0).abs() <= 4.0 * cfg.steps as f64 * EPS,
            "weights sum {s}"
        );
    }
    // Trapezoid rule on the grid: the grid reaches 8 sigma beyond the extreme
    // nodes (tail mass < 1.4e-15) and its spacing is below sigma / 2, where
    // the trapezoid error on a Gaussian is below exp(-2 pi^2 (sigma/h)^2)
    // ~ 1e-34; what remains is summation rounding, far below 1e-10.
    let h = dens.grid[1] - dens.grid[0];
    assert!(h <= 0.5 * dens.sigma);
    let integral: f64 = h
        * (dens.density.iter().sum::<f64>()
            - 0.5 * (dens.density[0] + dens.density[cfg.grid_points - 1]));
    assert!((integral - 1.0).abs() <= 1e-10, "integral {integral}");
    // Mean of the density = Hutchinson with 40 Rademacher probes / n.
    let mean_exact = spectrum.iter().sum::<f64>() / n as f64;
    let m = dens.mean_eigenvalue;
    assert!(
        (m.mean - mean_exact).abs() <= Z * m.std_error,
        "SLQ mean {} vs Tr H / n = {mean_exact}, se {}",
        m.mean,
        m.std_error
    );
    assert!((dens.trace().mean - n as f64 * m.mean).abs() <= EPS * n as f64 * m.mean.abs());
}

#[test]
fn slq_with_m_equal_n_on_a_diagonal_matrix_is_the_spectral_measure() {
    // Rademacher probe v = z / sqrt(n): (v . e_i)^2 = 1/n for every i, so
    // the full quadrature has every eigenvalue as a node with weight 1/n.
    let d = [4.0, 3.0, 2.5, 1.0, 0.5, 0.25];
    let n = d.len();
    let cfg = SlqConfig {
        runs: 3,
        steps: n,
        grid_points: 50,
        bandwidth: 0.01,
    };
    let dens = slq::spectral_density(&mut diagonal(&d), n, &cfg, &mut Seed(3).rng()).unwrap();
    // As in the m = n Lanczos test: 16 n eps ||H|| for nodes, and the
    // weights inherit the eigenvector accuracy relative to the gaps (>= 0.25).
    let tol = 16.0 * n as f64 * EPS * 4.0;
    for rule in &dens.rules {
        for (node, w) in rule.nodes.iter().zip(&d) {
            assert!((node - w).abs() <= tol, "node {node} vs {w}");
        }
        for w in &rule.weights {
            assert!((w - 1.0 / n as f64).abs() <= tol / 0.25, "weight {w}");
        }
    }
    // Every run sees the exact mean Tr D / n, so the error is rounding.
    let mean = d.iter().sum::<f64>() / n as f64;
    assert!((dens.mean_eigenvalue.mean - mean).abs() <= tol);
}

// ------------------------------------------------------------ sharpness ---

/// The value of a convex quadratic's maximum of `g.d + d^T H d / 2` over
/// `||d|| <= rho` for diagonal `H = diag(h)` and all `g_i != 0`: the
/// trust-region solution `d_i = g_i / (mu - h_i)` with `mu > max h` the root
/// of `||d(mu)|| = rho` (found by bisection; `||d(mu)||` decreases in `mu`).
fn ball_max_diagonal(h: &[f64], g: &[f64], rho: f64) -> f64 {
    let d_norm = |mu: f64| -> f64 {
        h.iter()
            .zip(g)
            .map(|(hi, gi)| (gi / (mu - hi)).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let hmax = h.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let (mut lo, mut hi) = (hmax, hmax + 1.0);
    while d_norm(hi) > rho {
        hi = hmax + 2.0 * (hi - hmax);
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if d_norm(mid) > rho {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mu = 0.5 * (lo + hi);
    h.iter()
        .zip(g)
        .map(|(hi, gi)| {
            let di = gi / (mu - hi);
            gi * di + 0.5 * hi * di * di
        })
        .sum()
}

#[test]
fn sam_sharpness_at_a_minimum_is_rho_squared_lambda_max_over_two() {
    let spectrum = [10.0, 5.0, 4.0, 3.0, 2.0, 1.0];
    let n = spectrum.len();
    let centre = vec![0.5, -1.0, 0.0, 2.0, 1.0, -0.5];
    let q = Quadratic::new(with_spectrum(&spectrum, 41), centre.clone()).unwrap();
    let (rho, steps) = (0.1, 60);
    let cfg = SharpnessConfig {
        radius: rho,
        steps,
        random_starts: 3,
    };
    let got = sam_sharpness_at(&q, &centre, &cfg, &mut Seed(42).rng()).unwrap();
    let exact = 0.5 * rho * rho * spectrum[0];
    assert!(
        got.result.first_order_increase.is_none(),
        "zero gradient at the minimum"
    );
    // Ascent error (module docs of `sharpness`, proofs/flatness_measures.md):
    // at most (rho^2/2)(l1 - ln) tan^2(theta_0) r^(2T), r = (1 + l2/l1)/2 =
    // 0.75. For a uniform random direction in R^6, cos^2 theta_0 ~
    // Beta(1/2, 5/2), so P(tan^2 theta_0 > 1e6) < P(cos^2 theta_0 < 1e-6) <
    // 2 sqrt(1e-6) / B(1/2, 5/2) = 16e-3 / (3 pi) < 1.7e-3, and all three
    // starts fail with probability < 5e-9. Rounding of the loss: 16 n eps.
    let r = 0.5 * (1.0 + spectrum[1] / spectrum[0]);
    let ascent = 0.5 * rho * rho * (spectrum[0] - spectrum[n - 1]) * 1e6 * r.powi(2 * steps as i32);
    let round = 16.0 * n as f64 * EPS * exact;
    let err = exact - got.result.max_increase;
    assert!(
        err >= -round,
        "a feasible point cannot beat the maximum: {err:e}"
    );
    assert!(
        err <= ascent + round,
        "deficit {err:e} > bound {:e}",
        ascent + round
    );
    assert!((got.result.sharpness - got.result.max_increase).abs() <= round);
}

#[test]
fn sam_sharpness_away_from_a_minimum_is_a_bracketed_lower_bound() {
    let h = [6.0, 3.0, 1.0, 0.5];
    let centre = vec![0.0; 4];
    let q = Quadratic::diagonal(&h, centre).unwrap();
    let x = [0.05, -0.1, 0.2, 0.3];
    let rho = 0.2;
    let cfg = SharpnessConfig {
        radius: rho,
        steps: 40,
        random_starts: 2,
    };
    let got = sam_sharpness_at(&q, &x, &cfg, &mut Seed(5).rng())
        .unwrap()
        .result;
    let g: Vec<f64> = h.iter().zip(&x).map(|(hi, xi)| hi * xi).collect();
    let exact = ball_max_diagonal(&h, &g, rho);
    let first = got.first_order_increase.expect("non-zero gradient");
    // Feasible points only: at most the maximum; the ascent starts at the
    // first-order point and only accepts increases. Rounding: 16 n eps of
    // the loss scale L(x) + exact.
    let round = 16.0 * 4.0 * EPS * (got.loss + exact);
    assert!(
        got.max_increase <= exact + round,
        "{} > max {exact}",
        got.max_increase
    );
    assert!(got.max_increase >= first - round);
    // The first-order point is strictly suboptimal here (H is not a multiple
    // of I), so this is a real check that the ascent moved.
    assert!(first < exact - 1e-6 * exact);
    assert!(got.max_increase > first);
}

#[test]
fn keskar_sharpness_is_exact_on_a_diagonal_quadratic() {
    // Separable and convex: the maximum over the box sits at the corner
    // delta_i = w_i sign(x_i - c_i) (any corner at the minimum), which is the
    // first-order point itself; the box max is sum h_i ((|a_i| + w_i)^2 - a_i^2) / 2.
    let h = [4.0, 2.0, 0.5];
    let c = vec![1.0, -2.0, 0.0];
    let q = Quadratic::diagonal(&h, c.clone()).unwrap();
    let eps = 1e-2;
    let cfg = SharpnessConfig {
        radius: eps,
        steps: 5,
        random_starts: 2,
    };
    for x in [c.clone(), vec![1.5, -1.0, 0.3]] {
        let got = keskar_sharpness_at(&q, &x, &cfg, &mut Seed(8).rng())
            .unwrap()
            .result;
        let mut loss = 0.0;
        let mut max = 0.0;
        for i in 0..3 {
            let a = x[i] - c[i];
            let w = eps * (x[i].abs() + 1.0);
            loss += 0.5 * h[i] * a * a;
            max += 0.5 * h[i] * ((a.abs() + w).powi(2) - a * a);
        }
        let want = 100.0 * max / (1.0 + loss);
        // Rounding of losses of size <= loss + max: 16 n eps, relative to the
        // increase it is divided into.
        let tol = 100.0 * 16.0 * 3.0 * EPS * (loss + max) / (1.0 + loss);
        assert!(
            (got.sharpness - want).abs() <= tol,
            "{} vs {want}",
            got.sharpness
        );
        assert!((got.max_increase - max).abs() <= tol);
    }
}

#[test]
fn keskar_sharpness_is_at_most_the_best_corner() {
    // A convex function attains its maximum over a box at a corner; with 4
    // dimensions all 16 corners give the exact maximum.
    let a = with_spectrum(&[5.0, 2.0, 1.0, 0.3], 77);
    let q = Quadratic::new(a, vec![0.0; 4]).unwrap();
    let x = [0.2, -0.4, 1.0, 0.0];
    let eps = 0.05;
    let cfg = SharpnessConfig {
        radius: eps,
        steps: 30,
        random_starts: 3,
    };
    let got = keskar_sharpness_at(&q, &x, &cfg, &mut Seed(78).rng())
        .unwrap()
        .result;
    let loss = Oracle::value(&q, &x);
    let mut best = f64::NEG_INFINITY;
    for corner in 0..16u32 {
        let p: Vec<f64> = (0..4)
            .map(|i| {
                let w = eps * (x[i].abs() + 1.0);
                x[i] + if corner >> i & 1 == 1 { w } else { -w }
            })
            .collect();
        best = best.max(Oracle::value(&q, &p) - loss);
    }
    let round = 16.0 * 4.0 * EPS * (loss + best);
    assert!(
        got.max_increase <= best + round,
        "{} > {best}",
        got.max_increase
    );
    assert!(got.max_increase >= got.first_order_increase.unwrap() - round);
}

// ------------------------------------------------------- perturbed loss ---

#[test]
fn perturbed_loss_on_a_quadratic_matches_the_second_order_formula() {
    let spectrum = [8.0, 4.0, 2.0, 1.0, 0.5];
    let a = with_spectrum(&spectrum, 55);
    let fro = frobenius_sq(&a);
    let q = Quadratic::new(a, vec![0.1, 0.2, -0.3, 0.0, 1.0]).unwrap();
    let x = [0.4, -0.2, 0.1, 0.5, 0.3];
    let (sigma, pairs) = (0.3, 2000);
    let cfg = PerturbedLossConfig { sigma, pairs };
    let got = perturbed_loss::expected_loss_at(&q, &x, &cfg, &mut Seed(56).rng()).unwrap();
    assert_eq!(got.evaluations.values, 1 + 2 * pairs as u64);
    let trace: f64 = spectrum.iter().sum();
    let exact = got.result.loss + 0.5 * sigma * sigma * trace;
    // On a quadratic each pair is L(x) + (sigma^2/2) z^T H z exactly, with
    // variance sigma^4 ||H||_F^2 / 2 (Gaussian z): the exact standard error.
    let se = (sigma.powi(4) * fro / 2.0 / pairs as f64).sqrt();
    let mc = got.result.expected;
    assert!(
        (mc.mean - exact).abs() <= Z * se,
        "MC {} vs {exact}, se {se}",
        mc.mean
    );
    // The reported error estimates the exact one: relative spread of a
    // sample standard deviation of 2000 draws of a chi-square-like variable
    // (kurtosis at most 15, one dominant eigenvalue) is about
    // sqrt(14 / 8000) = 0.04; 25% is over 5 of them.
    assert!((mc.std_error / se - 1.0).abs() <= 0.25);
}

// ------------------------------------------------------------- measure ---

fn everything() -> FlatnessConfig {
    FlatnessConfig {
        exact: true,
        lanczos: Some(LanczosConfig { steps: 6, top_k: 2 }),
        hutchinson: Some(HutchinsonConfig { probes: 8 }),
        slq: Some(SlqConfig {
            runs: 3,
            steps: 4,
            grid_points: 32,
            bandwidth: 0.05,
        }),
        sam: Some(SharpnessConfig {
            radius: 0.05,
            steps: 4,
            random_starts: 1,
        }),
        keskar: Some(SharpnessConfig {
            radius: 1e-3,
            steps: 4,
            random_starts: 1,
        }),
        perturbed_loss: Some(PerturbedLossConfig {
            sigma: 0.1,
            pairs: 10,
        }),
    }
}

fn test_quadratic() -> (Quadratic, Vec<f64>) {
    let q = Quadratic::new(
        with_spectrum(&[3.0, 2.0, 1.5, 1.0, 0.5, 0.2], 90),
        vec![0.0; 6],
    )
    .unwrap();
    (q, vec![0.1, 0.0, -0.2, 0.3, 0.0, 0.1])
}

#[test]
fn measure_computes_every_requested_measure_and_counts_its_cost() {
    let (q, x) = test_quadratic();
    let cfg = everything();
    let r = measure(&q, &x, &cfg, &mut Seed(1).rng()).unwrap();
    assert_eq!(r.exact.as_ref().unwrap().evaluations.hessians, 1);
    assert_eq!(r.lanczos.as_ref().unwrap().evaluations.hessian_vectors, 6);
    assert_eq!(r.lanczos.as_ref().unwrap().result.values.len(), 2);
    assert_eq!(
        r.hutchinson.as_ref().unwrap().evaluations.hessian_vectors,
        8
    );
    assert_eq!(r.slq.as_ref().unwrap().evaluations.hessian_vectors, 12);
    assert_eq!(r.perturbed_loss.as_ref().unwrap().evaluations.values, 21);
    for s in [r.sam.as_ref().unwrap(), r.keskar.as_ref().unwrap()] {
        // L(x), and per start at most 1 + steps values; gradients at x and
        // at accepted points.
        let e = s.evaluations;
        assert!(
            e.values >= 3 && e.values <= 1 + 2 * 5,
            "values {}",
            e.values
        );
        assert!(
            e.gradients >= 1 && e.gradients <= 1 + 2 * 4,
            "gradients {}",
            e.gradients
        );
        assert_eq!(e.hessian_vectors + e.hessians, 0);
    }
    let total = r.evaluations();
    assert_eq!(total.hessian_vectors, 6 + 8 + 12);
    assert_eq!(total.hessians, 1);
    // The second-order prediction uses the exact trace when available.
    let so = r.second_order_loss.unwrap();
    assert_eq!(so.trace_from, TraceSource::Exact);
    let loss = r.perturbed_loss.unwrap().result.loss;
    let want = loss + 0.5 * 0.01 * 8.2;
    assert!((so.prediction.mean - want).abs() <= 64.0 * EPS * want);
    // Lanczos top values are lower bounds of the exact top eigenvalues.
    let ex = r.exact.unwrap().result;
    for (l, e) in r.lanczos.unwrap().result.values.iter().zip(&ex) {
        assert!(*l <= e + 16.0 * 6.0 * EPS * 3.0);
    }
}

#[test]
fn measure_replays_and_keeps_streams_independent_of_other_measures() {
    let (q, x) = test_quadratic();
    let cfg = everything();
    let a = measure(&q, &x, &cfg, &mut Seed(7).rng()).unwrap();
    let b = measure(&q, &x, &cfg, &mut Seed(7).rng()).unwrap();
    assert_eq!(a, b, "same seed, same report, bit for bit");
    let only = FlatnessConfig {
        exact: false,
        lanczos: None,
        hutchinson: cfg.hutchinson,
        slq: None,
        sam: None,
        keskar: None,
        perturbed_loss: None,
    };
    let c = measure(&q, &x, &only, &mut Seed(7).rng()).unwrap();
    assert_eq!(
        c.hutchinson, a.hutchinson,
        "other measures do not shift its draws"
    );
    let d = measure(&q, &x, &cfg, &mut Seed(8).rng()).unwrap();
    assert_ne!(d.hutchinson, a.hutchinson, "another seed, other probes");
}

/// An objective with value and gradient only.
struct FirstOrderOnly;

impl Oracle for FirstOrderOnly {
    fn describe(&self) -> String {
        "first-order test objective".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0] * x[0] + 3.0 * x[1] * x[1]
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad[0] = 2.0 * x[0];
        grad[1] = 6.0 * x[1];
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

/// An objective that claims Hessian-vector products but fails to deliver.
struct FailingHvp;

impl Oracle for FailingHvp {
    fn describe(&self) -> String {
        "failing test objective".into()
    }
    fn dim(&self) -> usize {
        3
    }
    fn value(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn gradient(&self, _x: &[f64], grad: &mut [f64]) {
        grad.fill(0.0);
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hessian_vector: true,
            ..Capabilities::default()
        }
    }
    fn hessian_vector(&self, _x: &[f64], _v: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Error::Unsupported("HVP backend failed".into()))
    }
}

#[test]
fn measure_checks_capabilities_first_and_passes_oracle_errors_through() {
    let mut rng = Seed(3).rng();
    let err = measure(
        &FirstOrderOnly,
        &[1.0, 1.0],
        &FlatnessConfig::default(),
        &mut rng,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Hessian-vector products") && msg.contains("first-order test objective"),
        "{msg}"
    );
    let exact_only = FlatnessConfig {
        exact: true,
        lanczos: None,
        hutchinson: None,
        ..FlatnessConfig::default()
    };
    let msg = measure(&FirstOrderOnly, &[1.0, 1.0], &exact_only, &mut rng)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("a Hessian"), "{msg}");
    // Value-and-gradient measures run on a first-order objective.
    let first_order = FlatnessConfig {
        lanczos: None,
        hutchinson: None,
        sam: Some(SharpnessConfig::default()),
        perturbed_loss: Some(PerturbedLossConfig::default()),
        ..FlatnessConfig::default()
    };
    let r = measure(&FirstOrderOnly, &[1.0, 1.0], &first_order, &mut rng).unwrap();
    assert!(r.sam.is_some() && r.perturbed_loss.is_some() && r.second_order_loss.is_none());
    // An oracle's own failure comes back unchanged.
    let err = measure(&FailingHvp, &[0.0; 3], &FlatnessConfig::default(), &mut rng).unwrap_err();
    assert_eq!(err, Error::Unsupported("HVP backend failed".into()));
}

#[test]
fn every_measure_rejects_bad_config_and_input() {
    let (q, x) = test_quadratic();
    let bad_configs = [
        FlatnessConfig {
            lanczos: Some(LanczosConfig { steps: 0, top_k: 1 }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            lanczos: Some(LanczosConfig { steps: 4, top_k: 0 }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            lanczos: Some(LanczosConfig { steps: 3, top_k: 4 }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            hutchinson: Some(HutchinsonConfig { probes: 1 }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            slq: Some(SlqConfig {
                runs: 1,
                ..SlqConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            slq: Some(SlqConfig {
                steps: 0,
                ..SlqConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            slq: Some(SlqConfig {
                grid_points: 1,
                ..SlqConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            slq: Some(SlqConfig {
                bandwidth: 0.0,
                ..SlqConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            sam: Some(SharpnessConfig {
                radius: -0.1,
                ..SharpnessConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            keskar: Some(SharpnessConfig {
                radius: f64::NAN,
                ..SharpnessConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            sam: Some(SharpnessConfig {
                steps: 0,
                ..SharpnessConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            keskar: Some(SharpnessConfig {
                random_starts: 0,
                ..SharpnessConfig::default()
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            perturbed_loss: Some(PerturbedLossConfig {
                sigma: 0.0,
                pairs: 10,
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            perturbed_loss: Some(PerturbedLossConfig {
                sigma: f64::INFINITY,
                pairs: 10,
            }),
            ..FlatnessConfig::default()
        },
        FlatnessConfig {
            perturbed_loss: Some(PerturbedLossConfig {
                sigma: 0.1,
                pairs: 1,
            }),
            ..FlatnessConfig::default()
        },
    ];
    for (i, cfg) in bad_configs.iter().enumerate() {
        assert!(cfg.validate().is_err(), "config {i} validated");
        let err = measure(&q, &x, cfg, &mut Seed(1).rng()).unwrap_err();
        assert!(
            matches!(err, Error::OutOfRange { .. } | Error::NonPositive { .. }),
            "config {i}: {err}"
        );
    }
    // The measure functions check their own configs too.
    let mut rng = Seed(1).rng();
    assert!(hutchinson::trace_at(&q, &x, &HutchinsonConfig { probes: 0 }, &mut rng).is_err());
    assert!(top_eigenvalues(
        &mut dense(q.matrix()),
        6,
        &LanczosConfig { steps: 0, top_k: 0 },
        &mut rng
    )
    .is_err());
    assert!(sam_sharpness_at(
        &q,
        &x,
        &SharpnessConfig {
            radius: 0.0,
            ..SharpnessConfig::default()
        },
        &mut rng
    )
    .is_err());
    // Bad points and dimensions.
    let cfg = FlatnessConfig::default();
    assert!(matches!(
        measure(&q, &x[..5], &cfg, &mut rng),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut nan_x = x.clone();
    nan_x[2] = f64::NAN;
    assert!(matches!(
        measure(&q, &nan_x, &cfg, &mut rng),
        Err(Error::NonFinite { .. })
    ));
    // Each wrapper checks the point itself, not only `measure`.
    assert!(exact::spectrum_at(&q, &x[..5]).is_err());
    let pl = PerturbedLossConfig::default();
    assert!(perturbed_loss::expected_loss_at(&q, &nan_x, &pl, &mut rng).is_err());
    let sam = SharpnessConfig::default();
    assert!(keskar_sharpness_at(&q, &[1.0; 7], &sam, &mut rng).is_err());
    assert!(
        lanczos(&mut dense(q.matrix()), &[0.0; 6], 3).is_err(),
        "zero start vector"
    );
    assert!(hutchinson::trace(
        &mut diagonal(&[]),
        0,
        &HutchinsonConfig { probes: 2 },
        &mut rng
    )
    .is_err());
}

#[test]
fn a_non_finite_product_is_an_error_not_a_silent_nan() {
    let mut nan_op = |_: &[f64], out: &mut [f64]| out.fill(f64::NAN);
    let mut rng: Rng = Seed(1).rng();
    assert!(matches!(
        hutchinson::trace(&mut nan_op, 3, &HutchinsonConfig { probes: 2 }, &mut rng),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        lanczos(&mut nan_op, &[1.0, 0.0, 0.0], 2),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn keskar_rejects_a_loss_at_or_below_minus_one() {
    /// `L(x) = -2 + |x|^2`: Keskar's normalisation 1 + L(x) is negative at 0.
    struct Shifted;
    impl Oracle for Shifted {
        fn describe(&self) -> String {
            "shifted bowl".into()
        }
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &[f64]) -> f64 {
            x[0] * x[0] - 2.0
        }
        fn gradient(&self, x: &[f64], grad: &mut [f64]) {
            grad[0] = 2.0 * x[0];
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::default()
        }
    }
    let r = keskar_sharpness_at(
        &Shifted,
        &[0.0],
        &SharpnessConfig::default(),
        &mut Seed(1).rng(),
    );
    assert!(matches!(r, Err(Error::OutOfRange { .. })));
}

#[test]
fn config_round_trips_through_json_with_defaults() {
    let cfg = everything();
    let json = serde_json::to_string(&cfg).unwrap();
    let back: FlatnessConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);
    let partial: FlatnessConfig = serde_json::from_str(r#"{"exact": true}"#).unwrap();
    assert!(partial.exact && partial.lanczos == FlatnessConfig::default().lanczos);
    assert!(serde_json::from_str::<FlatnessConfig>(r#"{"lanczoss": null}"#).is_err());
}

#[test]
fn long_lanczos_runs_make_no_spurious_copies() {
    // Plain Lanczos loses orthogonality once lambda_1 converges and then
    // repeats it (Paige 1971); with full reorthogonalisation the Ritz values
    // keep Cauchy interlacing, theta_i <= lambda_i, for every i.
    let n = 300;
    let mut d: Vec<f64> = (0..n).map(|i| 4.0 * i as f64 / (n - 1) as f64).collect();
    d[n - 1] = 100.0;
    d[n - 2] = 50.0;
    let lambda = sorted_desc(&d);
    let mut start = vec![0.0; n];
    probes::fill_gaussian(&mut Seed(23).rng(), &mut start);
    let t = lanczos(&mut diagonal(&d), &start, 120).unwrap();
    let theta = t.ritz().values;
    let round = 16.0 * n as f64 * EPS * lambda[0];
    for (i, (th, l)) in theta.iter().zip(&lambda).enumerate() {
        assert!(
            th <= &(l + round),
            "theta_{} = {th} above lambda_{} = {l}",
            i + 1,
            i + 1
        );
    }
}
