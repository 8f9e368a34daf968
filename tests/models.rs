//! Data-driven models (`src/models`) and synthetic data (`src/data`).
//!
//! # Tolerance policy
//!
//! **Finite differences.** As in `tests/landscape_derivatives.rs`: the
//! central difference `D(h)` has truncation error `h^2 f''' / 6 + O(h^4)`,
//! estimated by Richardson's `|D(2h) - D(h)| / 3` from values (gradient
//! check) or gradients (Hessian and HVP checks) only, plus rounding error
//! `C eps F / h`. Here `F` bounds the magnitude of the rounded terms: every
//! model value or gradient entry is an average over `n` samples of terms
//! computed from `z_i = a_i . x` (a `p`-term dot product), each at most
//! `(|a_i|_1 (|x|_inf + 1) + |y_i| + 1)^2` in size (the squared residual of
//! least squares; `softplus`, `sigmoid` and their products with `a_ij` are
//! smaller), plus the ridge term `lambda (|x|_inf + 1)^2`. So each
//! evaluation is within `(n + p) eps F` of exact (recursive summation and
//! dot-product error bounds, Higham 2002, "Accuracy and Stability of
//! Numerical Algorithms", Section 3.1), and `C = 2 (n + p)`. The tolerance
//! is [`Z_FD`] times the sum of the two terms; a wrong coefficient shows up
//! at order 1, many orders above it.
//!
//! **Identities** (HVP against `H v`, averages of per-sample gradients,
//! batch means) compare two evaluations of the same exact quantity in
//! different orders of summation, each within `k eps S` of exact, with `k`
//! the number of rounded operations in a chain and `S` the sum of the
//! absolute values of the terms; the tolerance is [`Z_ROUND`]` k eps S`.
//!
//! **Monte Carlo.** Sample moments of the synthetic laws are held to
//! `|estimate - truth| <= Z_MC * SE`, [`Z_MC`] = 5 (two-sided false-alarm
//! rate 5.7e-7 per assertion under normality of the mean), with `SE` the
//! exact standard error of the law where it is known.

use approx::assert_abs_diff_eq;
use nalgebra::{DMatrix, DVector};
use perturbo::data::{
    Dataset, GaussianMixture, LinearTeacher, LogisticTeacher, SampleLaw, MAX_ENTRIES,
};
use perturbo::landscape::{Gradient, HessianVector, Objective};
use perturbo::models::logistic::{sigmoid, softplus};
use perturbo::models::{
    gradient_covariance, parse, AnyModel, LeastSquares, Logistic, MODEL_HELP, MODEL_NAMES,
};
use perturbo::optim::Oracle;
use perturbo::rng::Seed;
use perturbo::Error;
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;
/// Relative finite-difference step.
const H_REL: f64 = 1e-5;
/// Safety factor on the derived finite-difference bound (neglected `O(h^4)`
/// terms, rounding inside the Richardson estimate, looseness of `C`).
const Z_FD: f64 = 10.0;
/// Safety factor on a-priori rounding bounds (`gamma_k = k eps / (1 - k eps)`
/// rounded to `k eps`, and constants of order one in the cited bounds).
const Z_ROUND: f64 = 4.0;
/// Standard errors allowed in a Monte Carlo moment test.
const Z_MC: f64 = 5.0;

/// Small models of every kind, with and without a ridge.
fn table() -> Vec<AnyModel> {
    [
        "least-squares:n=40,p=3",
        "least-squares:n=40,p=4,noise=0,ridge=0.3",
        "logistic:n=40,p=3",
        "logistic:n=40,p=4,ridge=0.1",
        "mixture:n=40,p=2,separation=2,ridge=0.05",
        "mixture:n=40,p=5,separation=0.5",
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| parse(s, Seed(7).child(i as u64)).unwrap_or_else(|e| panic!("{s}: {e}")))
    .collect()
}

/// `F` of the module docs at `x`.
fn scale(data: &Dataset, ridge: f64, x: &[f64]) -> f64 {
    let xmax = x.iter().fold(0.0_f64, |m, v| m.max(v.abs())) + 1.0;
    let mean: f64 = data
        .samples()
        .map(|(a, y)| {
            let t = a.iter().map(|v| v.abs()).sum::<f64>() * xmax + y.abs() + 1.0;
            t * t
        })
        .sum::<f64>()
        / data.n() as f64;
    1.0 + mean + ridge * xmax * xmax
}

/// Asserts `|analytic - D(h)|` within the finite-difference tolerance, given
/// `d = [D(h), D(2h)]`.
fn assert_fd(analytic: f64, d: [f64; 2], rounding: f64, what: &dyn Fn() -> String) {
    let tol = Z_FD * ((d[1] - d[0]).abs() / 3.0 + rounding);
    assert!(
        (analytic - d[0]).abs() <= tol,
        "{}: analytic {analytic}, finite difference {} (tolerance {tol})",
        what(),
        d[0]
    );
}

/// Gradient against central differences of the value and Hessian against
/// central differences of the gradient, along each axis; the Hessian-vector
/// product against central differences of the gradient along `v`.
fn check_derivatives(m: &AnyModel, x: &[f64], v: &[f64]) {
    let p = m.dim();
    let (data, ridge) = (m.data(), m.ridge());
    let c_eval = 2.0 * (data.n() + p) as f64;
    let mut grad = vec![0.0; p];
    let mut hess = DMatrix::zeros(p, p);
    m.gradient(x, &mut grad);
    m.hessian(x, &mut hess).unwrap();
    let mut probe = x.to_vec();
    let mut g = [vec![0.0; p], vec![0.0; p]];
    for i in 0..p {
        let h = H_REL * x[i].abs().max(1.0);
        let mut values = [[0.0; 2]; 2];
        let mut grads = vec![vec![vec![0.0; p]; 2]; 2];
        let mut dist = [0.0; 2];
        for (s, step) in [h, 2.0 * h].into_iter().enumerate() {
            let ends = [x[i] + step, x[i] - step];
            dist[s] = ends[0] - ends[1];
            for (k, end) in ends.into_iter().enumerate() {
                probe[i] = end;
                values[s][k] = m.value(&probe);
                m.gradient(&probe, &mut grads[s][k]);
            }
        }
        probe[i] = x[i];
        let rounding = c_eval * EPS * scale(data, ridge, x) / h;
        let d = |s: usize| (values[s][0] - values[s][1]) / dist[s];
        assert_fd(grad[i], [d(0), d(1)], rounding, &|| {
            format!("{} at {x:?}: dL/dx{i}", m.describe())
        });
        for j in 0..p {
            let d = |s: usize| (grads[s][0][j] - grads[s][1][j]) / dist[s];
            assert_fd(hess[(j, i)], [d(0), d(1)], rounding, &|| {
                format!("{} at {x:?}: d2L/dx{j}dx{i}", m.describe())
            });
        }
    }
    // Along v: the points x +- s v are rounded coordinatewise, which moves
    // the gradient by at most |H| eps |x| per coordinate; F covers that too.
    let mut hv = vec![0.0; p];
    m.hessian_vector(x, v, &mut hv).unwrap();
    let h = H_REL * x.iter().fold(1.0_f64, |a, b| a.max(b.abs()));
    let mut d = vec![[0.0; 2]; p];
    for (s, step) in [h, 2.0 * h].into_iter().enumerate() {
        for (k, sign) in [1.0, -1.0].into_iter().enumerate() {
            for ((q, xi), vi) in probe.iter_mut().zip(x).zip(v) {
                *q = xi + sign * step * vi;
            }
            m.gradient(&probe, &mut g[k]);
        }
        for j in 0..p {
            d[j][s] = (g[0][j] - g[1][j]) / (2.0 * step);
        }
    }
    let rounding = 2.0 * c_eval * EPS * scale(data, ridge, x) / h;
    for j in 0..p {
        assert_fd(hv[j], d[j], rounding, &|| {
            format!("{} at {x:?}: (H v)_{j} along {v:?}", m.describe())
        });
    }
}

/// The Hessian-vector product equals the dense Hessian times `v`: both sum
/// `phi''_i (a_i . v) a_ij / n + lambda v_j` over the samples, in different
/// orders, each within `k eps T_j` of exact, `k = n + 2p + 2` (`n` terms,
/// a `p`-term dot product per term, and the `p`-term product `H v`), with
/// `T_j = (1/n) sum_i phi''_i |a_ij| (|a_i| . |v|) + lambda |v_j|` and
/// `phi'' <= 1` for both models.
fn check_hvp_identity(m: &AnyModel, x: &[f64], v: &[f64]) {
    let p = m.dim();
    let data = m.data();
    let mut hess = DMatrix::zeros(p, p);
    m.hessian(x, &mut hess).unwrap();
    let dense = &hess * DVector::from_column_slice(v);
    let mut hv = vec![0.0; p];
    m.hessian_vector(x, v, &mut hv).unwrap();
    let k = (data.n() + 2 * p + 2) as f64;
    for j in 0..p {
        let t = data
            .samples()
            .map(|(a, _)| a[j].abs() * a.iter().zip(v).map(|(u, w)| (u * w).abs()).sum::<f64>())
            .sum::<f64>()
            / data.n() as f64
            + m.ridge() * v[j].abs();
        let tol = Z_ROUND * 2.0 * k * EPS * t;
        assert_abs_diff_eq!(hv[j], dense[j], epsilon = tol);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn derivatives_match_finite_differences(
        x in prop::collection::vec(-2.0..2.0_f64, 5),
        v in prop::collection::vec(-1.0..1.0_f64, 5),
    ) {
        for m in table() {
            let p = m.dim();
            check_derivatives(&m, &x[..p], &v[..p]);
            check_hvp_identity(&m, &x[..p], &v[..p]);
        }
    }

    #[test]
    fn per_sample_gradients_average_to_the_gradient(
        x in prop::collection::vec(-2.0..2.0_f64, 5),
        batch in prop::collection::vec(0..40_usize, 1..12),
    ) {
        for m in table() {
            check_finite_sum(&m, &x[..m.dim()], &batch);
        }
    }
}

/// Per-sample values and gradients average to the full value and gradient,
/// and the batch helpers to the mean over the batch (indices may repeat).
/// Tolerances: each side is within `(n + p) eps F` of exact (module docs).
fn check_finite_sum(m: &AnyModel, x: &[f64], batch: &[usize]) {
    let fs = m.finite_sum().expect("models are finite sums");
    let (n, p) = (fs.samples(), m.dim());
    let tol = Z_ROUND * 2.0 * (n + p) as f64 * EPS * scale(m.data(), m.ridge(), x);
    let mut full = vec![0.0; p];
    m.gradient(x, &mut full);
    let mut g = vec![0.0; p];
    let mut mean = vec![0.0; p];
    let mut value = 0.0;
    for i in 0..n {
        fs.sample_gradient(x, i, &mut g);
        for (s, gj) in mean.iter_mut().zip(&g) {
            *s += gj / n as f64;
        }
        value += fs.sample_value(x, i) / n as f64;
    }
    assert_abs_diff_eq!(value, m.value(x), epsilon = tol);
    for j in 0..p {
        assert_abs_diff_eq!(mean[j], full[j], epsilon = tol);
    }
    // The batch helpers against a reference that divides each term by B.
    let b = batch.len() as f64;
    let mut reference = vec![0.0; p];
    let mut ref_value = 0.0;
    for &i in batch {
        fs.sample_gradient(x, i, &mut g);
        for (r, gj) in reference.iter_mut().zip(&g) {
            *r += gj / b;
        }
        ref_value += fs.sample_value(x, i) / b;
    }
    let mut got = vec![0.0; p];
    let mut scratch = vec![0.0; p];
    fs.batch_gradient(x, batch, &mut got, &mut scratch);
    assert_abs_diff_eq!(fs.batch_value(x, batch), ref_value, epsilon = tol);
    for j in 0..p {
        assert_abs_diff_eq!(got[j], reference[j], epsilon = tol);
    }
}

#[test]
fn inputs_site_replaces_one_sample_input() {
    for m in table() {
        let sup = m.supervised().expect("models have inputs");
        let p = m.dim();
        assert_eq!(sup.input_dim(), p);
        let x: Vec<f64> = (0..p).map(|j| 0.3 * j as f64 - 0.4).collect();
        let (mut a, mut b) = (vec![0.0; p], vec![0.0; p]);
        let mut own = vec![0.0; p];
        for i in [0, 7, sup.samples() - 1] {
            sup.read_input(i, &mut own);
            assert_eq!(own, m.data().row(i));
            // Same formula on the same numbers: bit-identical.
            sup.sample_gradient(&x, i, &mut a);
            sup.gradient_at_input(&x, i, &own, &mut b);
            assert_eq!(a, b);
            assert_eq!(
                sup.sample_value(&x, i).to_bits(),
                sup.value_at_input(&x, i, &own).to_bits()
            );
            // Another input: the same as a data set whose row i is that input
            // (again the same formula on the same numbers).
            let other: Vec<f64> = own.iter().map(|v| 0.5 - 2.0 * v).collect();
            let mut inputs = m.data().inputs().to_vec();
            inputs[i * p..(i + 1) * p].copy_from_slice(&other);
            let data = Dataset::new(inputs, m.data().targets().to_vec(), p).unwrap();
            let moved: Box<dyn Oracle> = match &m {
                AnyModel::LeastSquares(_) => Box::new(LeastSquares::new(data, m.ridge()).unwrap()),
                AnyModel::Logistic(_) => Box::new(Logistic::new(data, m.ridge()).unwrap()),
            };
            let moved = moved.supervised().unwrap();
            moved.sample_gradient(&x, i, &mut a);
            sup.gradient_at_input(&x, i, &other, &mut b);
            assert_eq!(a, b);
            assert_eq!(
                moved.sample_value(&x, i).to_bits(),
                sup.value_at_input(&x, i, &other).to_bits()
            );
        }
    }
}

#[test]
fn oracle_reports_all_capabilities() {
    for m in table() {
        let caps = m.capabilities();
        assert!(caps.hessian && caps.hessian_vector && caps.finite_sum && caps.inputs);
        assert!(caps.missing(caps).is_empty());
        assert_eq!(m.finite_sum().unwrap().samples(), m.data().n());
        assert_eq!(m.dim(), m.data().p());
        let name = match &m {
            AnyModel::LeastSquares(_) => "least-squares",
            AnyModel::Logistic(_) => "logistic",
        };
        assert!(m.describe().starts_with(name), "{}", m.describe());
    }
}

/// A data set whose Hessian `A^T A / n` has condition number about `1e8`:
/// columns of standard normal inputs scaled by `1, 1e-2, 1e-4`.
fn ill_conditioned(seed: Seed) -> Dataset {
    let law = LinearTeacher::new(vec![1.0, -2.0, 0.5], 0.3).unwrap();
    let data = law.sample(60, seed).unwrap();
    let scales = [1.0, 1e-2, 1e-4];
    let inputs = data
        .inputs()
        .chunks_exact(3)
        .flat_map(|row| row.iter().zip(scales).map(|(a, s)| a * s))
        .collect();
    Dataset::new(inputs, data.targets().to_vec(), 3).unwrap()
}

/// The 2-norm condition number of a symmetric positive definite matrix.
fn condition(h: &DMatrix<f64>) -> f64 {
    let eig = h.clone().symmetric_eigen().eigenvalues;
    eig.max() / eig.min()
}

#[test]
fn least_squares_minimizer_is_stationary() {
    let cases = [
        (
            LinearTeacher::random(4, 0.5, Seed(1))
                .unwrap()
                .sample(50, Seed(2))
                .unwrap(),
            0.0,
        ),
        (
            LinearTeacher::random(6, 1.0, Seed(3))
                .unwrap()
                .sample(4, Seed(4))
                .unwrap(),
            0.2,
        ),
        (ill_conditioned(Seed(5)), 0.0),
    ];
    for (data, ridge) in cases {
        let (n, p) = (data.n(), data.p());
        let model = LeastSquares::new(data, ridge).unwrap();
        let x = model.minimizer().unwrap();
        let mut g = vec![0.0; p];
        Gradient::gradient(&model, &x, &mut g);
        let mut hess = DMatrix::zeros(p, p);
        perturbo::landscape::Hessian::hessian(&model, &x, &mut hess);
        let norm_h = hess.clone().symmetric_eigen().eigenvalues.max();
        let xmax = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        // Gradient at the computed minimiser. The Cholesky solve is backward
        // stable: (H + dH) x = b with |dH| <= gamma_{3p+1} |R^T| |R| and
        // || |R^T| |R| ||_2 <= p ||H||_2 (Higham 2002, Theorem 10.4), so
        // |H x - b|_inf <= (3p + 1) p^{3/2} eps ||H||_2 |x|_inf, whatever
        // the conditioning. Forming H and b, and evaluating the gradient,
        // add (n + p) eps S_j, S_j = (1/n) sum_i |a_ij| (|a_i| . |x| + |y_i|)
        // + lambda |x_j|.
        for (j, gj) in g.iter().enumerate() {
            let s = model
                .data()
                .samples()
                .map(|(a, y)| {
                    a[j].abs()
                        * (a.iter().zip(&x).map(|(u, v)| (u * v).abs()).sum::<f64>() + y.abs())
                })
                .sum::<f64>()
                / n as f64
                + ridge * x[j].abs();
            let solve = (3 * p + 1) as f64 * (p as f64).powf(1.5) * norm_h * xmax;
            let tol = Z_ROUND * EPS * (2.0 * (n + p) as f64 * s + solve);
            assert!(
                gj.abs() <= tol,
                "gradient {g:?} at the minimiser (tol {tol})"
            );
        }
        // Forward error: against an LU solve of the same system (also
        // backward stable), both within kappa_2(H) (3p + 1) p^{3/2} eps |x|
        // of the exact solution of the computed system (Higham 2002,
        // Theorems 7.2, 9.4, 10.4); this is where the conditioning enters.
        let mut rhs = DVector::zeros(p);
        for (a, y) in model.data().samples() {
            rhs += DVector::from_column_slice(a) * (y / n as f64);
        }
        let lu = hess.clone().lu().solve(&rhs).unwrap();
        let kappa = condition(&hess);
        let tol = Z_ROUND * 2.0 * kappa * (3 * p + 1) as f64 * (p as f64).powf(1.5) * EPS;
        let x = DVector::from_column_slice(&x);
        assert!(
            (&x - &lu).norm() <= tol * x.norm(),
            "Cholesky {x} vs LU {lu}, kappa {kappa:.2e}"
        );
    }
}

#[test]
fn least_squares_minimizer_needs_a_positive_definite_hessian() {
    // n < p without a ridge: A^T A is singular.
    let data = LinearTeacher::random(6, 1.0, Seed(3))
        .unwrap()
        .sample(4, Seed(4))
        .unwrap();
    let err = LeastSquares::new(data, 0.0)
        .unwrap()
        .minimizer()
        .unwrap_err();
    assert!(matches!(err, Error::NotPositiveDefinite { .. }), "{err:?}");
}

#[test]
fn gradient_covariance_matches_the_least_squares_closed_form() {
    // (1/n) sum_i r_i^2 a_i a_i^T - g g^T with g = (1/n) sum_i r_i a_i (the
    // ridge term is common to all samples and cancels). Both sides are sums of
    // n terms of size at most (r_i |a_i|_inf)^2 + |g|_inf^2 after at most
    // n + p + 2 rounded operations each.
    for (ridge, seed) in [(0.0, Seed(11)), (0.7, Seed(12))] {
        let data = LinearTeacher::random(3, 0.8, seed.child(0))
            .unwrap()
            .sample(30, seed.child(1))
            .unwrap();
        let (n, p) = (data.n(), data.p());
        let model = LeastSquares::new(data, ridge).unwrap();
        let x = [0.4, -1.1, 0.25];
        let mut second = DMatrix::zeros(p, p);
        let mut g = DVector::zeros(p);
        let mut size = 0.0_f64;
        for (a, y) in model.data().samples() {
            let a = DVector::from_column_slice(a);
            let r = a.dot(&DVector::from_column_slice(&x)) - y;
            second += &a * a.transpose() * (r * r / n as f64);
            g += &a * (r / n as f64);
            size = size.max((r * a.amax()).powi(2));
        }
        let expected = second - &g * g.transpose();
        let got = model.gradient_covariance(&x);
        assert_eq!(got, gradient_covariance(&model, &x));
        let tol = Z_ROUND * 2.0 * (n + p + 2) as f64 * EPS * (size + g.amax().powi(2));
        assert_abs_diff_eq!(got, expected, epsilon = tol);
        assert_abs_diff_eq!(got.clone(), got.transpose(), epsilon = 0.0);
    }
}

#[test]
fn logistic_is_accurate_for_large_margins() {
    // softplus(z) = log(1 + e^z) and sigmoid against closed forms: for
    // |z| = 40, e^{-40} ~ 4e-18 is below eps, and the stable forms must keep
    // it instead of returning 0 (or overflowing for z = 800). Relative
    // tolerance: a few roundings of exp and log1p, 8 eps.
    let tiny = (-40.0_f64).exp();
    assert_abs_diff_eq!(softplus(-40.0), tiny, epsilon = 8.0 * EPS * tiny);
    assert_abs_diff_eq!(sigmoid(-40.0), tiny, epsilon = 8.0 * EPS * tiny);
    assert_abs_diff_eq!(softplus(800.0), 800.0, epsilon = 8.0 * EPS * 800.0);
    assert_abs_diff_eq!(sigmoid(800.0), 1.0, epsilon = EPS);
    assert_abs_diff_eq!(softplus(0.0), 2.0_f64.ln(), epsilon = 2.0 * EPS);
    // A well-classified sample (label 1, margin z = 40): loss softplus(-40),
    // slope -sigmoid(-40), curvature sigmoid(40) sigmoid(-40), all ~ e^{-40}.
    let data = Dataset::new(vec![40.0], vec![1.0], 1).unwrap();
    let model = Logistic::new(data, 0.0).unwrap();
    let loss = Objective::value(&model, &[1.0]);
    assert_abs_diff_eq!(loss, tiny, epsilon = 8.0 * EPS * tiny);
    let mut g = [0.0];
    Gradient::gradient(&model, &[1.0], &mut g);
    assert_abs_diff_eq!(g[0], -40.0 * tiny, epsilon = 8.0 * EPS * 40.0 * tiny);
    let mut hv = [0.0];
    HessianVector::hessian_vector(&model, &[1.0], &[1.0], &mut hv);
    assert_abs_diff_eq!(hv[0], 1600.0 * tiny, epsilon = 8.0 * EPS * 1600.0 * tiny);
    // Soft labels use the same formulas: l = softplus(z) - y z.
    let data = Dataset::new(vec![0.5, -1.0], vec![0.3], 2).unwrap();
    let model = Logistic::new(data, 0.0).unwrap();
    let z = 0.5 * 2.0 - 1.0 * 0.25;
    assert_abs_diff_eq!(
        Objective::value(&model, &[2.0, 0.25]),
        softplus(z) - 0.3 * z,
        epsilon = 8.0 * EPS
    );
}

// ---------------------------------------------------------------- data laws

/// Asserts `|mean(terms) - truth| <= Z_MC se`.
fn assert_mean(terms: impl Iterator<Item = f64>, truth: f64, se: f64, what: &str) {
    let (sum, count) = terms.fold((0.0, 0usize), |(s, c), t| (s + t, c + 1));
    let mean = sum / count as f64;
    assert!(
        (mean - truth).abs() <= Z_MC * se,
        "{what}: mean {mean:.5} vs {truth:.5} ({:.2} SE, SE {se:.2e})",
        (mean - truth).abs() / se
    );
}

/// Standard normal rows `z` (length `p`, `m` of them): `E z_j = 0` (SE
/// `1/sqrt(m)`), `E z_j^2 = 1` (`Var z^2 = 2`, SE `sqrt(2/m)`) and
/// `E z_j z_k = 0` for `j != k` (`Var = 1`, SE `1/sqrt(m)`).
fn check_standard_normal_rows(rows: &[Vec<f64>], what: &str) {
    let m = rows.len() as f64;
    let p = rows[0].len();
    for j in 0..p {
        assert_mean(rows.iter().map(|z| z[j]), 0.0, 1.0 / m.sqrt(), what);
        assert_mean(
            rows.iter().map(|z| z[j] * z[j]),
            1.0,
            (2.0 / m).sqrt(),
            what,
        );
        for k in 0..j {
            assert_mean(rows.iter().map(|z| z[j] * z[k]), 0.0, 1.0 / m.sqrt(), what);
        }
    }
}

/// Whether `y` is bit for bit one of the labels `0.0`, `1.0` the generators
/// assign.
fn is_label(y: f64) -> bool {
    [0.0_f64, 1.0].iter().any(|l| l.to_bits() == y.to_bits())
}

/// `a . b`.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| u * v).sum()
}

#[test]
fn linear_teacher_matches_its_law() {
    let sd = 0.7;
    let law = LinearTeacher::new(vec![0.5, -1.0, 2.0], sd).unwrap();
    let data = law.sample(20_000, Seed(21)).unwrap();
    let rows: Vec<Vec<f64>> = data.samples().map(|(a, _)| a.to_vec()).collect();
    check_standard_normal_rows(&rows, "linear teacher inputs");
    // Label noise e = y - w*.a ~ N(0, sd^2), independent of a.
    let m = data.n() as f64;
    let noise: Vec<f64> = data
        .samples()
        .map(|(a, y)| y - dot(a, law.teacher()))
        .collect();
    assert_mean(noise.iter().copied(), 0.0, sd / m.sqrt(), "noise mean");
    assert_mean(
        noise.iter().map(|e| e * e),
        sd * sd,
        sd * sd * (2.0 / m).sqrt(),
        "noise variance",
    );
    for j in 0..3 {
        assert_mean(
            noise.iter().zip(&rows).map(|(e, a)| e * a[j]),
            0.0,
            sd / m.sqrt(),
            "noise-input correlation",
        );
    }
    // The random teacher: sqrt(p) w*_j iid N(0, 1).
    let p = 20_000;
    let w = LinearTeacher::random(p, 0.0, Seed(22)).unwrap();
    let scaled: Vec<Vec<f64>> = w
        .teacher()
        .iter()
        .map(|v| vec![v * (p as f64).sqrt()])
        .collect();
    check_standard_normal_rows(&scaled, "random teacher");
}

#[test]
fn logistic_teacher_matches_its_law() {
    let law = LogisticTeacher::new(vec![1.5, -0.5]).unwrap();
    let data = law.sample(20_000, Seed(31)).unwrap();
    let rows: Vec<Vec<f64>> = data.samples().map(|(a, _)| a.to_vec()).collect();
    check_standard_normal_rows(&rows, "logistic teacher inputs");
    assert!(data.targets().iter().all(|&y| is_label(y)));
    // Given a, y - sigmoid(w*.a) has mean 0 and variance s (1 - s), so the
    // mean over the samples has the exact SE sqrt(mean s (1 - s) / n); the
    // same with the weight a_j.
    let m = data.n() as f64;
    let s: Vec<f64> = rows
        .iter()
        .map(|a| sigmoid(dot(a, law.teacher())))
        .collect();
    let resid: Vec<f64> = data.targets().iter().zip(&s).map(|(y, s)| y - s).collect();
    let var = |w: &dyn Fn(usize) -> f64| {
        (0..rows.len())
            .map(|i| s[i] * (1.0 - s[i]) * w(i))
            .sum::<f64>()
            / m
    };
    assert_mean(
        resid.iter().copied(),
        0.0,
        (var(&|_| 1.0) / m).sqrt(),
        "P(y = 1 | a)",
    );
    for j in 0..2 {
        let se = (var(&|i| rows[i][j] * rows[i][j]) / m).sqrt();
        assert_mean(
            resid.iter().zip(&rows).map(|(r, a)| r * a[j]),
            0.0,
            se,
            "P(y = 1 | a) against a_j",
        );
    }
}

#[test]
fn gaussian_mixture_matches_its_law() {
    let (p, separation) = (3, 1.5);
    let law = GaussianMixture::random(p, separation, Seed(41)).unwrap();
    // |mu| = separation up to the rounding of a normalisation (a few ulps).
    let norm = dot(law.mean(), law.mean()).sqrt();
    assert_abs_diff_eq!(norm, separation, epsilon = 8.0 * EPS * separation);
    for n in [20_001, 20_000] {
        let data = law.sample(n, Seed(42)).unwrap();
        assert!(data.targets().iter().all(|&y| is_label(y)));
        let ones = data.targets().iter().filter(|&&y| y > 0.5).count();
        let zeros = data.targets().iter().filter(|&&y| y < 0.5).count();
        assert_eq!((ones, zeros), (n.div_ceil(2), n / 2), "balanced classes");
        // a = (2y - 1) mu + z with z ~ N(0, I).
        let noise: Vec<Vec<f64>> = data
            .samples()
            .map(|(a, y)| {
                let sign = 2.0 * y - 1.0;
                a.iter()
                    .zip(law.mean())
                    .map(|(a, m)| a - sign * m)
                    .collect()
            })
            .collect();
        check_standard_normal_rows(&noise, "mixture noise");
        // And (2y - 1) a estimates mu (SE 1/sqrt(n) per coordinate).
        for j in 0..p {
            assert_mean(
                data.samples().map(|(a, y)| (2.0 * y - 1.0) * a[j]),
                law.mean()[j],
                1.0 / (n as f64).sqrt(),
                "mixture mean",
            );
        }
    }
    // Zero separation is allowed: both classes are N(0, I).
    let flat = GaussianMixture::random(2, 0.0, Seed(43)).unwrap();
    for &m in flat.mean() {
        assert_abs_diff_eq!(m, 0.0, epsilon = 0.0);
    }
}

#[test]
fn laws_are_deterministic_per_seed() {
    let laws: [Box<dyn Fn(usize, Seed) -> Dataset>; 3] = [
        Box::new(|n, s| {
            LinearTeacher::random(3, 0.5, Seed(1))
                .unwrap()
                .sample(n, s)
                .unwrap()
        }),
        Box::new(|n, s| {
            LogisticTeacher::random(3, Seed(1))
                .unwrap()
                .sample(n, s)
                .unwrap()
        }),
        Box::new(|n, s| {
            GaussianMixture::random(3, 2.0, Seed(1))
                .unwrap()
                .sample(n, s)
                .unwrap()
        }),
    ];
    for draw in &laws {
        let a = draw(50, Seed(9));
        assert_eq!(a, draw(50, Seed(9)), "same seed, same data");
        assert_ne!(a, draw(50, Seed(10)), "another seed, other data");
        // The first m samples do not depend on n.
        let b = draw(80, Seed(9));
        assert_eq!(a.inputs(), &b.inputs()[..50 * 3]);
        assert_eq!(a.targets(), &b.targets()[..50]);
    }
    assert_eq!(
        LinearTeacher::random(4, 0.1, Seed(5)).unwrap(),
        LinearTeacher::random(4, 0.1, Seed(5)).unwrap()
    );
    assert_ne!(
        GaussianMixture::random(4, 1.0, Seed(5)).unwrap(),
        GaussianMixture::random(4, 1.0, Seed(6)).unwrap()
    );
    for name in MODEL_NAMES {
        assert_eq!(parse(name, Seed(3)).unwrap(), parse(name, Seed(3)).unwrap());
        assert_ne!(parse(name, Seed(3)).unwrap(), parse(name, Seed(4)).unwrap());
    }
}

#[test]
fn bad_parameters_are_rejected() {
    let range = |r: perturbo::Result<Dataset>| matches!(r, Err(Error::OutOfRange { .. }));
    assert!(range(Dataset::new(vec![], vec![], 2)), "no samples");
    assert!(range(Dataset::new(vec![], vec![1.0], 0)), "p = 0");
    assert!(matches!(
        Dataset::new(vec![1.0; 5], vec![1.0; 2], 3),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Dataset::new(vec![1.0, f64::NAN], vec![1.0], 2),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Dataset::new(vec![1.0, 2.0], vec![f64::INFINITY], 2),
        Err(Error::NonFinite { .. })
    ));
    let law = LinearTeacher::new(vec![1.0, 2.0], 0.1).unwrap();
    assert!(range(law.sample(0, Seed(1))), "n = 0");
    // Rejected before allocating 2e8 entries.
    assert!(range(law.sample(MAX_ENTRIES, Seed(1))), "n p too large");
    assert!(range(law.sample(usize::MAX, Seed(1))), "n p overflows");

    type Check = fn(&Error) -> bool;
    let out_of_range: Check = |e| matches!(e, Error::OutOfRange { .. });
    let non_finite: Check = |e| matches!(e, Error::NonFinite { .. });
    let cases: Vec<(perturbo::Result<()>, Check, &str)> = vec![
        (
            LinearTeacher::new(vec![], 0.1).map(drop),
            out_of_range,
            "empty teacher",
        ),
        (
            LinearTeacher::new(vec![f64::NAN], 0.1).map(drop),
            non_finite,
            "NaN teacher",
        ),
        (
            LinearTeacher::new(vec![1.0], -0.1).map(drop),
            out_of_range,
            "noise < 0",
        ),
        (
            LinearTeacher::new(vec![1.0], f64::NAN).map(drop),
            non_finite,
            "NaN noise",
        ),
        (
            LinearTeacher::random(0, 0.1, Seed(1)).map(drop),
            out_of_range,
            "p = 0",
        ),
        (
            LogisticTeacher::new(vec![]).map(drop),
            out_of_range,
            "empty teacher",
        ),
        (
            LogisticTeacher::new(vec![f64::INFINITY]).map(drop),
            non_finite,
            "inf teacher",
        ),
        (
            LogisticTeacher::random(0, Seed(1)).map(drop),
            out_of_range,
            "p = 0",
        ),
        (
            GaussianMixture::new(vec![f64::NAN]).map(drop),
            non_finite,
            "NaN mean",
        ),
        (
            GaussianMixture::random(2, -1.0, Seed(1)).map(drop),
            out_of_range,
            "separation < 0",
        ),
        (
            GaussianMixture::random(2, f64::NAN, Seed(1)).map(drop),
            non_finite,
            "NaN separation",
        ),
        (
            GaussianMixture::random(0, 1.0, Seed(1)).map(drop),
            out_of_range,
            "p = 0",
        ),
    ];
    for (result, expected, what) in cases {
        let err = result.expect_err(what);
        assert!(expected(&err), "{what}: {err:?}");
    }
    let data = law.sample(10, Seed(2)).unwrap();
    for ridge in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(
            LeastSquares::new(data.clone(), ridge).is_err(),
            "ridge {ridge}"
        );
        assert!(Logistic::new(data.clone(), ridge).is_err(), "ridge {ridge}");
    }
    for label in [-0.5, 1.5] {
        let data = Dataset::new(vec![1.0, 2.0], vec![label], 2).unwrap();
        assert!(matches!(
            Logistic::new(data, 0.0),
            Err(Error::OutOfRange { name: "label", .. })
        ));
    }
}

#[test]
fn registry_parses_every_name_with_the_documented_defaults() {
    let lines: Vec<&str> = MODEL_HELP.lines().collect();
    assert_eq!(lines.len(), MODEL_NAMES.len(), "one help line per model");
    let dims = [4, 4, 2];
    for ((name, line), p) in MODEL_NAMES.iter().zip(&lines).zip(dims) {
        let m = parse(name, Seed(1)).unwrap();
        assert_eq!((m.dim(), m.data().n()), (p, 256), "{name}");
        let documented = line.split_whitespace().next().unwrap();
        assert_eq!(documented.split(':').next(), Some(*name), "{line}");
        assert_eq!(parse(documented, Seed(1)).unwrap(), m, "{line}");
    }
    let m = parse("least-squares:n=10,p=3,noise=0,ridge=0.5", Seed(2)).unwrap();
    assert_abs_diff_eq!(m.ridge(), 0.5, epsilon = 0.0);
    assert_eq!((m.data().n(), m.data().p()), (10, 3));
    // noise = 0: the targets are exactly the teacher's outputs, so the
    // least-squares fit without a ridge recovers a zero residual.
    match parse("least-squares:n=10,p=3,noise=0", Seed(2)).unwrap() {
        AnyModel::LeastSquares(ls) => {
            let x = ls.minimizer().unwrap();
            let scale = scale(ls.data(), 0.0, &x);
            assert_abs_diff_eq!(Objective::value(&ls, &x), 0.0, epsilon = 1e3 * EPS * scale);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("mixture", Seed(1)).unwrap(),
        AnyModel::Logistic(_)
    ));
}

#[test]
fn registry_rejects_bad_specs() {
    match parse("least-square", Seed(1)).unwrap_err() {
        Error::Unknown { kind, name, known } => {
            assert_eq!((kind, name.as_str()), ("model", "least-square"));
            for n in MODEL_NAMES {
                assert!(known.contains(n), "{known}");
            }
        }
        other => panic!("{other:?}"),
    }
    for spec in [
        "least-squares:noise=0.5,nosie=1",
        "logistic:noise=0.5",
        "mixture:sep=2",
        "logistic:n=10,20",
        "least-squares:p=oops",
        "least-squares:n=2.5",
        "logistic:p=-1",
        "",
    ] {
        let err = parse(spec, Seed(1)).unwrap_err();
        assert!(matches!(err, Error::BadSpec { .. }), "{spec}: {err:?}");
    }
    for spec in [
        "least-squares:n=0",
        "logistic:p=0",
        "mixture:n=1e9",
        "least-squares:noise=-1",
        "logistic:ridge=-0.1",
        "mixture:separation=-2",
        "least-squares:n=100000000,p=2",
    ] {
        let err = parse(spec, Seed(1)).unwrap_err();
        assert!(matches!(err, Error::OutOfRange { .. }), "{spec}: {err:?}");
    }
}
