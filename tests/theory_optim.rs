//! The optimizer predictions of `perturbo::theory` (noisy GD, the SGD
//! bound, weight and input perturbation, saddle escape, Anti-PGD), checked
//! against independent computations: brute-force iteration of moment
//! recursions, Gauss-Hermite quadrature, a QR least-squares solve, finite
//! differences, closed forms for special cases, and Monte Carlo with
//! `Z * standard error` tolerances. Proofs: `proofs/*.md` as cited per test.
//! The tests that run the optimizers themselves against these predictions
//! live with the optimizers.

use nalgebra::{DMatrix, DVector};
use perturbo::landscape::{Gradient, Hessian, Objective};
use perturbo::rng::{Rng, Seed};
use perturbo::theory::anti_pgd::{anti_pgd_stationary_variance, pgd_stationary_variance};
use perturbo::theory::input_noise::{
    expected_empirical_loss, expected_sample_loss, ridge_minimizer,
};
use perturbo::theory::lyapunov::solve_discrete_lyapunov;
use perturbo::theory::weight_perturbation::second_order_expected_loss;
use perturbo::theory::{
    NoisyGd, QuadraticSgd, SaddleEscape, SeparableQuartic, SgdBound, WideningValley,
};
use perturbo::Error;
use proptest::prelude::*;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Standard errors allowed between a Monte Carlo mean and its exact value.
/// Five standard errors: a false alarm has probability below 6e-7 per
/// comparison, and the seeds are fixed, so the tests are deterministic.
const Z: f64 = 5.0;

fn normal(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Mean and standard error of the mean of `samples`.
fn mean_se(samples: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    for x in samples {
        n += 1.0;
        let delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
    }
    (mean, (m2 / (n - 1.0) / n).sqrt())
}

/// Asserts `|estimate - exact| <= Z * se` with a message.
fn assert_within_se(what: &str, estimate: f64, se: f64, exact: f64) {
    assert!(
        (estimate - exact).abs() <= Z * se,
        "{what}: Monte Carlo {estimate} +- {se} vs exact {exact} ({:.2} standard errors)",
        (estimate - exact).abs() / se
    );
}

/// A symmetric positive definite matrix with eigenvalues `lambdas` in a
/// fixed non-trivial orthonormal basis (a product of plane rotations), so
/// that nothing is diagonal by accident.
fn rotated(lambdas: &[f64]) -> DMatrix<f64> {
    let n = lambdas.len();
    let mut q = DMatrix::<f64>::identity(n, n);
    for i in 0..n {
        for j in (i + 1)..n {
            let angle = 0.3 + 0.7 * (i + 2 * j) as f64;
            let mut g = DMatrix::<f64>::identity(n, n);
            g[(i, i)] = angle.cos();
            g[(j, j)] = angle.cos();
            g[(i, j)] = -angle.sin();
            g[(j, i)] = angle.sin();
            q *= g;
        }
    }
    let d = DMatrix::from_diagonal(&DVector::from_column_slice(lambdas));
    let h = &q * d * q.transpose();
    (&h + h.transpose()) * 0.5
}

/// Spectral norm of a symmetric matrix.
fn sym_norm(m: &DMatrix<f64>) -> f64 {
    m.clone().symmetric_eigen().eigenvalues.amax()
}

/// `S_{k+1} = M S_k M^T + Q` from `S_0 = 0` until the increment is below
/// `1e-17 |S|` (it contracts like `rho(M)^2` per step).
fn brute_force_stationary(m: &DMatrix<f64>, q: &DMatrix<f64>) -> DMatrix<f64> {
    let mut s = DMatrix::zeros(m.nrows(), m.ncols());
    for _ in 0..1_000_000 {
        let next = m * &s * m.transpose() + q;
        let change = (&next - &s).amax();
        s = next;
        if change <= 1e-17 * s.amax() {
            return s;
        }
    }
    panic!("the covariance recursion did not converge");
}

// ---------------------------------------------------------------------------
// Noisy GD on a quadratic (proofs/noisy_gd_covariance.md)
// ---------------------------------------------------------------------------

/// The closed form, the Lyapunov solve and the brute-force recursion agree.
/// Tolerance: the recursion is stopped at a relative increment of 1e-17 and
/// the Lyapunov LU solve is backward stable with condition number about
/// `1 / (1 - rho(M)^2)` (at most 20 here), so 1e-11 relative leaves two
/// orders of margin over `20 * n^2 * eps` while catching any error in a
/// formula (a missing factor `1 - lr lambda / 2` is a 5 % change).
#[test]
fn langevin_covariance_matches_lyapunov_and_the_recursion() {
    let h = rotated(&[0.5, 2.0, 4.0]);
    let temperature = 0.7;
    for lr in [0.01, 0.1, 0.45] {
        let gd = NoisyGd::new(&h, lr).unwrap();
        let closed = gd.langevin_covariance(temperature).unwrap();
        let c = DMatrix::identity(3, 3) * (2.0 * temperature / lr);
        let lyap = gd.stationary_covariance(&c).unwrap();
        let q = DMatrix::identity(3, 3) * (2.0 * lr * temperature);
        let brute = brute_force_stationary(&gd.step_matrix(), &q);
        let scale = brute.amax();
        assert!(
            (&closed - &brute).amax() <= 1e-11 * scale,
            "closed form, lr = {lr}"
        );
        assert!(
            (&lyap - &brute).amax() <= 1e-11 * scale,
            "Lyapunov, lr = {lr}"
        );
        // Per eigen-direction: T / (lambda (1 - lr lambda / 2)).
        for (l, var) in gd
            .eigenvalues()
            .iter()
            .zip(gd.langevin_eigen_variances(temperature).unwrap())
        {
            assert!((var - temperature / (l * (1.0 - 0.5 * lr * l))).abs() <= 1e-14 * var);
        }
    }
}

/// Anisotropic gradient noise that does not commute with `H`: the Lyapunov
/// solve against the recursion (same tolerance argument as above).
#[test]
fn anisotropic_gradient_noise_matches_the_recursion() {
    let h = rotated(&[1.0, 3.0, 7.0]);
    let c = DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.0, 0.5, 1.0, -0.3, 0.0, -0.3, 0.4]);
    let lr = 0.2;
    let gd = NoisyGd::new(&h, lr).unwrap();
    let s = gd.stationary_covariance(&c).unwrap();
    let brute = brute_force_stationary(&gd.step_matrix(), &(&c * (lr * lr)));
    assert!((&s - &brute).amax() <= 1e-11 * brute.amax());
}

/// The Gibbs limit: `|S - T H^{-1}|` is first order in `lr` (fitted log-log
/// slope 1) and `|S - (T H^{-1} + lr T / 2 I)|` second order (slope 2),
/// equal to the exact remainder `T lr^2 lambda / (4 (1 - lr lambda / 2))`.
/// Slope tolerance 0.02: over `lr` in `[1e-3, 0.032]` the relative
/// next-order term is at most `lr lambda_max / 2 = 0.064`, which moves a
/// fitted slope by less than 0.02 (computed: the remainder's own slope is
/// `2 + d ln(1/(1 - lr l / 2)) / d ln lr`, at most 2.034 at the top).
#[test]
fn gibbs_limit_and_its_first_order_correction() {
    let h = rotated(&[0.5, 1.5, 4.0]);
    let temperature = 0.3;
    let lrs: Vec<f64> = (0..6).map(|k| 1e-3 * 2f64.powi(k)).collect();
    let mut first = Vec::new();
    let mut second = Vec::new();
    for &lr in &lrs {
        let gd = NoisyGd::new(&h, lr).unwrap();
        let exact = gd.langevin_covariance(temperature).unwrap();
        let gibbs = gd.gibbs_covariance(temperature).unwrap();
        let corrected = gd.first_order_covariance(temperature).unwrap();
        first.push(sym_norm(&(&exact - &gibbs)));
        let rem = sym_norm(&(&exact - &corrected));
        let predicted = gd.first_order_remainder(temperature).unwrap();
        assert!(
            (rem / predicted - 1.0).abs() < 1e-6,
            "remainder {rem} vs {predicted}"
        );
        second.push(rem);
        // The first-order term is lr T / 2 in every direction.
        assert!((first.last().unwrap() - 0.5 * lr * temperature).abs() <= 1.01 * rem);
    }
    let slope = |ys: &[f64]| fit_slope(&lrs, ys);
    assert!(
        (slope(&first) - 1.0).abs() < 0.02,
        "first-order slope {}",
        slope(&first)
    );
    assert!(
        (slope(&second) - 2.0).abs() < 0.04,
        "second-order slope {}",
        slope(&second)
    );
}

/// Least-squares slope of `ln y` against `ln x`.
fn fit_slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let lx: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    let ly: Vec<f64> = ys.iter().map(|y| y.ln()).collect();
    let mx = lx.iter().sum::<f64>() / n;
    let my = ly.iter().sum::<f64>() / n;
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// Simulated noisy GD (Langevin form) in 2-D: the sample covariance of
/// 20,000 independent chains after a burn-in of 60 relaxation times
/// (`rho(M)^(2 * 600) < 1e-20`, so the initial condition is gone) against
/// the closed form. The standard error of a Gaussian sample covariance
/// entry is `sqrt((S_ii S_jj + S_ij^2) / N)`.
#[test]
fn simulated_noisy_gd_has_the_predicted_covariance() {
    let h = rotated(&[1.0, 5.0]);
    let (lr, temperature) = (0.1, 0.5);
    let gd = NoisyGd::new(&h, lr).unwrap();
    let s = gd.langevin_covariance(temperature).unwrap();
    let m = gd.step_matrix();
    let amp = (2.0 * lr * temperature).sqrt();
    let chains = 20_000;
    let mut rng = Seed(11).rng();
    let mut acc = [0.0; 3];
    for _ in 0..chains {
        let (mut x0, mut x1) = (0.0, 0.0);
        for _ in 0..600 {
            let y0 = m[(0, 0)] * x0 + m[(0, 1)] * x1 + amp * normal(&mut rng);
            let y1 = m[(1, 0)] * x0 + m[(1, 1)] * x1 + amp * normal(&mut rng);
            (x0, x1) = (y0, y1);
        }
        acc[0] += x0 * x0;
        acc[1] += x0 * x1;
        acc[2] += x1 * x1;
    }
    let n = chains as f64;
    for (k, (i, j)) in [(0, 0), (0, 1), (1, 1)].into_iter().enumerate() {
        let se = ((s[(i, i)] * s[(j, j)] + s[(i, j)].powi(2)) / n).sqrt();
        assert_within_se(&format!("S[{i}{j}]"), acc[k] / n, se, s[(i, j)]);
    }
}

#[test]
fn noisy_gd_rejects_unstable_or_invalid_problems() {
    let h = rotated(&[1.0, 4.0]);
    assert!(matches!(
        NoisyGd::new(&h, 0.5),
        Err(Error::OutOfRange { name: "lr", .. })
    ));
    assert!(NoisyGd::new(&h, 0.499).is_ok());
    assert!(NoisyGd::new(&h, 0.0).is_err());
    assert!(matches!(
        NoisyGd::new(&rotated(&[-1.0, 2.0]), 0.1),
        Err(Error::NotPositiveDefinite { .. })
    ));
    let skew = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.0, 1.0]);
    assert!(NoisyGd::new(&skew, 0.1).is_err());
    let gd = NoisyGd::new(&h, 0.1).unwrap();
    assert!(gd.langevin_covariance(0.0).is_err());
    assert!(gd.stationary_covariance(&DMatrix::identity(3, 3)).is_err());
}

// ---------------------------------------------------------------------------
// SGD bound and exact error curve (proofs/sgd_bound.md)
// ---------------------------------------------------------------------------

/// The exact curve against the brute-force moment recursion
/// `m <- M m`, `Sigma <- M Sigma M^T + lr^2 C`, `E|e|^2 = |m|^2 + tr Sigma`,
/// at every `t` up to 400. Tolerance 1e-12 relative: both are sums of a
/// few hundred positive terms, each rounded to a few ulps.
#[test]
fn exact_error_curve_matches_the_moment_recursion() {
    let h = rotated(&[0.2, 1.0, 3.0]);
    let c = DMatrix::from_row_slice(3, 3, &[1.0, 0.2, 0.1, 0.2, 0.5, 0.0, 0.1, 0.0, 2.0]);
    let lr = 0.3;
    let e0 = [1.0, -2.0, 0.5];
    let sgd = QuadraticSgd::new(&h, lr, &c).unwrap();
    let m_mat = DMatrix::identity(3, 3) - &h * lr;
    let mut mean = DVector::from_column_slice(&e0);
    let mut cov = DMatrix::<f64>::zeros(3, 3);
    for t in 0..=400u64 {
        let brute: f64 = mean.norm_squared() + cov.trace();
        let exact = sgd.mean_square_error(&e0, t).unwrap();
        assert!(
            (exact / brute - 1.0).abs() < 1e-12,
            "t = {t}: {exact} vs {brute}"
        );
        mean = &m_mat * mean;
        cov = &m_mat * cov * m_mat.transpose() + &c * (lr * lr);
    }
    // Its limit is the trace of noisy GD's stationary covariance.
    let s = NoisyGd::new(&h, lr)
        .unwrap()
        .stationary_covariance(&c)
        .unwrap();
    assert!((sgd.stationary_mean_square_error() / s.trace() - 1.0).abs() < 1e-11);
}

/// Simulated SGD with Gaussian gradient noise: the mean of `|e_t|^2` over
/// 20,000 runs against the exact curve at several `t`.
#[test]
fn simulated_sgd_follows_the_exact_curve() {
    let h = rotated(&[0.5, 2.0]);
    let (lr, s2) = (0.2, 0.8);
    let sgd = QuadraticSgd::isotropic(&h, lr, s2).unwrap();
    let e0 = [1.5, -1.0];
    let checkpoints = [0u64, 5, 20, 80];
    let runs = 20_000;
    let mut samples: Vec<Vec<f64>> = checkpoints
        .iter()
        .map(|_| Vec::with_capacity(runs))
        .collect();
    let mut rng = Seed(12).rng();
    let s = s2.sqrt();
    for _ in 0..runs {
        let mut e = e0;
        let mut k = 0;
        for t in 0..=*checkpoints.last().unwrap() {
            if t == checkpoints[k] {
                samples[k].push(e[0] * e[0] + e[1] * e[1]);
                k += 1;
            }
            let g0 = h[(0, 0)] * e[0] + h[(0, 1)] * e[1] + s * normal(&mut rng);
            let g1 = h[(1, 0)] * e[0] + h[(1, 1)] * e[1] + s * normal(&mut rng);
            e = [e[0] - lr * g0, e[1] - lr * g1];
        }
    }
    for (k, &t) in checkpoints.iter().enumerate() {
        let (mean, se) = mean_se(samples[k].iter().copied());
        let exact = sgd.mean_square_error(&e0, t).unwrap();
        if t == 0 {
            assert!((mean - exact).abs() < 1e-12);
        } else {
            assert_within_se(&format!("E|e_{t}|^2"), mean, se, exact);
        }
    }
}

/// The bound is attained: `f = mu x^2 / 2` with `lr = 1 / mu = 1 / L`
/// reaches `x*` in one step, after which `E|e_t|^2 = lr^2 sigma^2`, which
/// is exactly the floor `lr sigma^2 / mu`. So the bound cannot be lowered
/// and its floor is not off by a factor.
#[test]
fn the_bound_is_attained_in_one_dimension() {
    let mu = 2.0;
    let lr = 1.0 / mu;
    let sigma2 = 0.3;
    let sgd = QuadraticSgd::isotropic(&DMatrix::from_element(1, 1, mu), lr, sigma2).unwrap();
    let bound = SgdBound::new(lr, mu, mu, sigma2).unwrap();
    for t in 1..5 {
        let exact = sgd.mean_square_error(&[3.0], t).unwrap();
        let b = bound.bound(9.0, t).unwrap();
        assert!((exact / b - 1.0).abs() < 1e-14, "t = {t}: {exact} vs {b}");
    }
}

/// A flat direction receiving noise is a random walk: `E e^2 = e0^2 + t lr^2 s2`.
#[test]
fn a_flat_direction_grows_linearly() {
    let h = DMatrix::from_diagonal(&DVector::from_column_slice(&[0.0, 1.0]));
    let (lr, s2) = (0.1, 0.5);
    let sgd = QuadraticSgd::isotropic(&h, lr, s2).unwrap();
    for t in [0u64, 1, 10, 1000] {
        let want = 1.0 + t as f64 * lr * lr * s2 // flat direction
            + (1.0 - 0.1f64).powi(2 * t as i32) * 0.0 // stiff direction starts at 0
            + lr * lr * s2 * (1.0 - 0.81f64.powi(t as i32)) / (1.0 - 0.81);
        let got = sgd.mean_square_error(&[1.0, 0.0], t).unwrap();
        assert!((got / want - 1.0).abs() < 1e-12, "t = {t}: {got} vs {want}");
    }
    assert!(sgd.stationary_mean_square_error().is_infinite());
}

#[test]
fn sgd_bound_rejects_what_it_does_not_cover() {
    assert!(SgdBound::new(0.6, 1.0, 2.0, 1.0).is_err()); // lr > 1/L
    assert!(SgdBound::new(0.1, 3.0, 2.0, 1.0).is_err()); // mu > L
    assert!(SgdBound::new(0.1, 1.0, 2.0, -1.0).is_err());
    assert!(SgdBound::new(0.1, 0.0, 2.0, 1.0).is_err());
    let h = rotated(&[1.0, 4.0]);
    assert!(QuadraticSgd::isotropic(&h, 0.5, 1.0).is_err()); // lr = 2 / lambda_max
    assert!(QuadraticSgd::isotropic(&rotated(&[-0.5, 1.0]), 0.1, 1.0).is_err());
    assert!(QuadraticSgd::new(&h, 0.1, &rotated(&[-1.0, 1.0])).is_err());
    let sgd = QuadraticSgd::isotropic(&h, 0.1, 1.0).unwrap();
    assert!(sgd.mean_square_error(&[1.0], 3).is_err());
    assert!(sgd.mean_square_error(&[1.0, f64::NAN], 3).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// On every quadratic whose eigenvalues lie in `[mu, L]`, with any
    /// noise covariance of trace `sigma^2` and any `lr <= 1 / L`, the exact
    /// error stays below the bound at every checked `t`. The slack `1e-12`
    /// relative is rounding in the two evaluations; the one-dimensional
    /// test above shows the bound is attained, so this is not vacuous.
    #[test]
    fn exact_error_never_exceeds_the_bound(
        mu in 0.05..2.0f64,
        ratio in 1.0..20.0f64,
        lambdas in prop::collection::vec(0.0..1.0f64, 1..5),
        lr_frac in 0.01..=1.0f64,
        noise in prop::collection::vec(0.0..3.0f64, 5),
        e0 in prop::collection::vec(-5.0..5.0f64, 5),
        t in 0u64..3000,
    ) {
        let l_smooth = mu * ratio;
        let n = lambdas.len();
        let eig: Vec<f64> = lambdas.iter().map(|u| mu + u * (l_smooth - mu)).collect();
        let h = rotated(&eig);
        let c = rotated(&noise[..n]);
        let lr = lr_frac / l_smooth;
        let sgd = QuadraticSgd::new(&h, lr, &c).unwrap();
        let e0 = &e0[..n];
        let r0: f64 = e0.iter().map(|x| x * x).sum();
        let bound = SgdBound::new(lr, mu, l_smooth, sgd.noise_variance()).unwrap();
        let exact = sgd.mean_square_error(e0, t).unwrap();
        prop_assert!(exact <= bound.bound(r0, t).unwrap() * (1.0 + 1e-12));
    }
}

// ---------------------------------------------------------------------------
// Weight perturbation (proofs/weight_perturbation.md)
// ---------------------------------------------------------------------------

/// The `n`-point Gauss-Hermite rule for the standard normal law
/// (Golub-Welsch: eigenvalues of the Jacobi matrix of the probabilists'
/// Hermite polynomials, off-diagonal `sqrt(k)`); exact for polynomials of
/// degree `<= 2n - 1`.
fn gauss_hermite(n: usize) -> Vec<(f64, f64)> {
    let j = DMatrix::from_fn(n, n, |r, c| {
        if r + 1 == c || c + 1 == r {
            (r.max(c) as f64).sqrt()
        } else {
            0.0
        }
    });
    let eig = j.symmetric_eigen();
    (0..n)
        .map(|i| (eig.eigenvalues[i], eig.eigenvectors[(0, i)].powi(2)))
        .collect()
}

/// The exact quartic formula against Gauss-Hermite quadrature of each
/// coordinate (exact for degree 4 with 5 nodes; 8 used). Tolerance 1e-12
/// relative: the quadrature weights are eigenvector components, accurate to
/// a few ulps each.
#[test]
fn quartic_expected_loss_matches_gauss_hermite() {
    let h = vec![1.0, -2.0, 0.5];
    let q = vec![0.3, 1.0, 0.0];
    let quartic = SeparableQuartic::new(h.clone(), q.clone()).unwrap();
    let rule = gauss_hermite(8);
    for (x, sigma) in [
        (vec![0.0, 0.0, 0.0], 0.5),
        (vec![1.0, -0.7, 2.0], 0.1),
        (vec![-1.5, 1.2, 0.3], 1.3),
    ] {
        let mut want = 0.0;
        for i in 0..3 {
            for &(z, w) in &rule {
                let y = x[i] + sigma * z;
                want += w * (0.5 * h[i] * y * y + 0.25 * q[i] * y.powi(4));
            }
        }
        let got = quartic.expected_perturbed_loss(&x, sigma).unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{got} vs {want}"
        );
        // The second-order formula misses exactly 3 sigma^4 / 4 sum q.
        let second = second_order_expected_loss(&quartic, &x, sigma).unwrap();
        let missing = 0.75 * sigma.powi(4) * q.iter().sum::<f64>();
        assert!((got - second - missing).abs() <= 1e-12 * want.abs().max(1.0));
    }
}

/// The exact expected gradient is the gradient of the exact expected loss:
/// central differences with step 1e-4 (truncation `O(h^2 V''') ~ 1e-8`,
/// rounding `eps V / h ~ 1e-12`), so 1e-7 absolute.
#[test]
fn quartic_expected_gradient_is_the_gradient_of_the_expected_loss() {
    let quartic = SeparableQuartic::new(vec![1.0, -2.0], vec![0.5, 2.0]).unwrap();
    let (x, sigma) = ([0.8, -1.1], 0.4);
    let mut grad = [0.0; 2];
    quartic
        .expected_perturbed_gradient(&x, sigma, &mut grad)
        .unwrap();
    let step = 1e-4;
    for i in 0..2 {
        let mut xp = x;
        let mut xm = x;
        xp[i] += step;
        xm[i] -= step;
        let fd = (quartic.expected_perturbed_loss(&xp, sigma).unwrap()
            - quartic.expected_perturbed_loss(&xm, sigma).unwrap())
            / (2.0 * step);
        assert!(
            (grad[i] - fd).abs() < 1e-7,
            "component {i}: {} vs {fd}",
            grad[i]
        );
    }
}

/// A non-polynomial loss with a known Gaussian smoothing:
/// `L = cos(2 x_0) + exp(x_0 + x_1)`, for which
/// `E L(x + eps) = cos(2 x_0) e^{-2 sigma^2} + exp(x_0 + x_1) e^{sigma^2}`.
#[derive(Debug)]
struct CosExp;

impl Objective for CosExp {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        (2.0 * x[0]).cos() + (x[0] + x[1]).exp()
    }
}

impl Gradient for CosExp {
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let e = (x[0] + x[1]).exp();
        g[0] = -2.0 * (2.0 * x[0]).sin() + e;
        g[1] = e;
    }
}

impl Hessian for CosExp {
    fn hessian(&self, x: &[f64], h: &mut DMatrix<f64>) {
        let e = (x[0] + x[1]).exp();
        h[(0, 0)] = -4.0 * (2.0 * x[0]).cos() + e;
        h[(0, 1)] = e;
        h[(1, 0)] = e;
        h[(1, 1)] = e;
    }
}

/// The second-order formula's error is `O(sigma^4)`: its fitted log-log
/// slope over `sigma` in `[0.0125, 0.1]` is 4 within 0.05 (the next term is
/// a relative `O(sigma^2) < 0.02` here), and the error over `sigma^4`
/// tends to the Taylor coefficient `2 cos(2 x_0) + exp(x_0 + x_1) / 2`
/// (from `e^{-2 s^2} = 1 - 2 s^2 + 2 s^4 - ...` and
/// `e^{s^2} = 1 + s^2 + s^4 / 2 + ...`), within the next term's relative
/// `O(sigma^2)`: below 1e-3 at `sigma = 0.0125`.
#[test]
fn second_order_error_is_fourth_order_in_sigma() {
    let x: [f64; 2] = [0.3, -0.2];
    let sigmas: Vec<f64> = (0..4).map(|k| 0.1 / 2f64.powi(k)).collect();
    let errors: Vec<f64> = sigmas
        .iter()
        .map(|&s| {
            let exact =
                (2.0 * x[0]).cos() * (-2.0 * s * s).exp() + (x[0] + x[1]).exp() * (s * s).exp();
            (exact - second_order_expected_loss(&CosExp, &x, s).unwrap()).abs()
        })
        .collect();
    let slope = fit_slope(&sigmas, &errors);
    assert!((slope - 4.0).abs() < 0.05, "slope {slope}");
    let coefficient = 2.0 * (2.0 * x[0]).cos() + 0.5 * (x[0] + x[1]).exp();
    let smallest = *sigmas.last().unwrap();
    assert!((errors.last().unwrap() / smallest.powi(4) / coefficient - 1.0).abs() < 1e-3);
}

#[test]
fn weight_perturbation_rejects_bad_inputs() {
    assert!(SeparableQuartic::new(vec![], vec![]).is_err());
    assert!(SeparableQuartic::new(vec![1.0], vec![1.0, 2.0]).is_err());
    assert!(SeparableQuartic::new(vec![f64::NAN], vec![1.0]).is_err());
    let quartic = SeparableQuartic::new(vec![1.0], vec![1.0]).unwrap();
    assert!(quartic.expected_perturbed_loss(&[1.0], -0.1).is_err());
    assert!(quartic.expected_perturbed_loss(&[1.0, 2.0], 0.1).is_err());
    assert!(second_order_expected_loss(&CosExp, &[1.0], 0.1).is_err());
}

// ---------------------------------------------------------------------------
// Input noise = ridge (proofs/input_noise_ridge.md)
// ---------------------------------------------------------------------------

/// A small fixed regression data set: `n = 6` samples, `p = 3` features.
fn data() -> (Vec<f64>, Vec<f64>, usize, usize) {
    let inputs = vec![
        1.0, 0.5, -0.3, //
        0.2, -1.0, 0.8, //
        -0.7, 0.3, 0.1, //
        1.5, 1.2, -0.4, //
        0.0, -0.6, 1.1, //
        -1.1, 0.9, 0.6,
    ];
    let targets = vec![0.7, -1.2, 0.3, 2.0, -0.5, 0.1];
    (inputs, targets, 6, 3)
}

/// One sample: the Monte Carlo mean of `((a + sigma z) . x - y)^2 / 2` over
/// 200,000 draws of `z` against the closed form, and the mean of the
/// perturbed-input gradient `(a~ . x - y) a~` against `(a . x - y) a + sigma^2 x`.
#[test]
fn input_noise_adds_sigma_squared_norm_on_average() {
    let (a, y, x, sigma) = ([1.0, -0.5, 0.3], 0.4, [0.8, 1.5, -2.0], 0.7);
    let mut rng = Seed(13).rng();
    let draws = 200_000;
    let mut losses = Vec::with_capacity(draws);
    let mut grads: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(draws)).collect();
    for _ in 0..draws {
        let at: Vec<f64> = a.iter().map(|ai| ai + sigma * normal(&mut rng)).collect();
        let r: f64 = at.iter().zip(&x).map(|(a, x)| a * x).sum::<f64>() - y;
        losses.push(0.5 * r * r);
        for (g, ai) in grads.iter_mut().zip(&at) {
            g.push(r * ai);
        }
    }
    let (mean, se) = mean_se(losses);
    assert_within_se(
        "E l",
        mean,
        se,
        expected_sample_loss(&a, y, &x, sigma).unwrap(),
    );
    let r: f64 = a.iter().zip(&x).map(|(a, x)| a * x).sum::<f64>() - y;
    for i in 0..3 {
        let (mean, se) = mean_se(grads[i].iter().copied());
        assert_within_se(
            &format!("E grad_{i}"),
            mean,
            se,
            r * a[i] + sigma * sigma * x[i],
        );
    }
}

/// The ridge minimiser against an independent QR least-squares solve of
/// the stacked system `[A / sqrt(n); sigma I] x = [y / sqrt(n); 0]`, and
/// its optimality (zero central-difference gradient of the expected loss).
/// Tolerance 1e-10: both solves are backward stable on a system with
/// condition number below 1e3.
#[test]
fn ridge_minimizer_matches_a_qr_solve_and_is_stationary() {
    let (inputs, targets, n, p) = data();
    for sigma in [0.0, 0.3, 2.0] {
        let x = ridge_minimizer(&inputs, &targets, n, p, sigma).unwrap();
        let mut stacked = DMatrix::zeros(n + p, p);
        let mut rhs = DVector::zeros(n + p);
        let root_n = (n as f64).sqrt();
        for i in 0..n {
            for j in 0..p {
                stacked[(i, j)] = inputs[i * p + j] / root_n;
            }
            rhs[i] = targets[i] / root_n;
        }
        for j in 0..p {
            stacked[(n + j, j)] = sigma;
        }
        let qr = stacked.qr();
        let qty = qr.q().transpose() * rhs;
        let reference = qr.r().solve_upper_triangular(&qty).unwrap();
        for j in 0..p {
            assert!((x[j] - reference[j]).abs() < 1e-10, "sigma {sigma}, x[{j}]");
        }
        let step = 1e-5;
        for j in 0..p {
            let mut xp = x.clone();
            let mut xm = x.clone();
            xp[j] += step;
            xm[j] -= step;
            let fd = (expected_empirical_loss(&inputs, &targets, n, p, sigma, &xp).unwrap()
                - expected_empirical_loss(&inputs, &targets, n, p, sigma, &xm).unwrap())
                / (2.0 * step);
            assert!(
                fd.abs() < 1e-8,
                "gradient component {j} = {fd} at sigma {sigma}"
            );
        }
    }
}

#[test]
fn input_noise_rejects_bad_data() {
    let (inputs, targets, n, p) = data();
    assert!(ridge_minimizer(&inputs, &targets, n, p + 1, 0.1).is_err());
    assert!(ridge_minimizer(&inputs, &targets[1..], n, p, 0.1).is_err());
    assert!(ridge_minimizer(&inputs, &targets, n, p, -0.1).is_err());
    // Two identical columns and no noise: the minimiser is not unique.
    let dup: Vec<f64> = (0..n)
        .flat_map(|i| [inputs[i * p], inputs[i * p]])
        .collect();
    assert!(matches!(
        ridge_minimizer(&dup, &targets, n, 2, 0.0),
        Err(Error::NotPositiveDefinite { .. })
    ));
    assert!(ridge_minimizer(&dup, &targets, n, 2, 0.1).is_ok());
    assert!(expected_sample_loss(&[1.0, 2.0], 0.0, &[1.0], 0.1).is_err());
}

// ---------------------------------------------------------------------------
// Saddle escape (proofs/saddle_escape.md)
// ---------------------------------------------------------------------------

/// A uniform point in the `d`-ball of radius `r`: a Gaussian direction
/// times `r U^(1/d)`.
fn uniform_ball(rng: &mut Rng, d: usize, r: f64) -> Vec<f64> {
    let g: Vec<f64> = (0..d).map(|_| normal(rng)).collect();
    let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let radius = r * rng.random::<f64>().powf(1.0 / d as f64);
    g.iter().map(|v| v * radius / norm).collect()
}

/// GD on the full `d`-dimensional landscape
/// `-gamma x_1^2 / 2 + x_1^4 / 4 + sum h_i x_i^2 / 2`, counting steps until
/// `|x_1| >= R`: an implementation independent of the 1-D map.
fn full_gd_count(x: &[f64], gamma: f64, h: &[f64], lr: f64, escape: f64) -> u64 {
    let mut x = x.to_vec();
    let mut count = 0;
    while x[0].abs() < escape {
        let g0 = -gamma * x[0] + x[0].powi(3);
        x[0] -= lr * g0;
        for (xi, hi) in x[1..].iter_mut().zip(h) {
            *xi -= lr * hi * *xi;
        }
        count += 1;
    }
    count
}

#[test]
fn exact_counts_match_full_gd_and_lie_between_the_linear_bounds() {
    let (gamma, lr, escape, r) = (1.0, 0.1, 0.5, 1e-3);
    let h = [0.5, 2.0, 3.0];
    let saddle = SaddleEscape::new(gamma, lr, escape, r, 4).unwrap();
    let mut rng = Seed(14).rng();
    for _ in 0..200 {
        let x = uniform_ball(&mut rng, 4, r);
        let exact = saddle.iterations(x[0]).unwrap();
        assert_eq!(exact, full_gd_count(&x, gamma, &h, lr, escape));
        let lower = saddle.linear_iterations(x[0]).unwrap();
        let slowest = (1.0 + lr * (gamma - escape * escape)).ln();
        let upper = ((escape / x[0].abs()).ln() / slowest).ceil() as u64;
        assert!(
            lower <= exact && exact <= upper,
            "{lower} <= {exact} <= {upper}"
        );
    }
    assert!(saddle.iterations(0.0).is_err());
    assert_eq!(saddle.iterations(0.7).unwrap(), 0);
}

/// The law of `|x_1(0)|`: closed forms for `d = 1` (uniform) and `d = 3`
/// (`P(|x_1| <= s) = (3/2)(u - u^3/3)`, `u = s / r`), the density as the
/// derivative of the CDF (central differences, step 1e-6, error `O(1e-12)`
/// relative to a density of order 1 / r), and Monte Carlo for `d = 10`
/// with the binomial standard error `sqrt(F (1 - F) / N)`.
#[test]
fn law_of_the_perturbed_coordinate() {
    let r = 0.2;
    let one = SaddleEscape::new(1.0, 0.1, 0.5, r, 1).unwrap();
    let three = SaddleEscape::new(1.0, 0.1, 0.5, r, 3).unwrap();
    for u in [0.1, 0.5, 0.9] {
        assert!((one.start_cdf(u * r) - u).abs() < 1e-14);
        let want = 1.5 * (u - u.powi(3) / 3.0);
        assert!((three.start_cdf(u * r) - want).abs() < 1e-12);
    }
    let ten = SaddleEscape::new(1.0, 0.1, 0.5, r, 10).unwrap();
    for s in [0.01, 0.05, 0.1, 0.19] {
        let step = 1e-6;
        let fd = (ten.start_cdf(s + step) - ten.start_cdf(s - step)) / (2.0 * step);
        assert!(
            (fd / ten.start_density(s) - 1.0).abs() < 1e-6,
            "density at {s}"
        );
    }
    let mut rng = Seed(15).rng();
    let draws = 100_000;
    let starts: Vec<f64> = (0..draws)
        .map(|_| uniform_ball(&mut rng, 10, r)[0].abs())
        .collect();
    for s in [0.01, 0.03, 0.06, 0.12] {
        let f = ten.start_cdf(s);
        let hits = starts.iter().filter(|&&x| x <= s).count() as f64 / draws as f64;
        assert_within_se(
            &format!("P(|x_1| <= {s})"),
            hits,
            (f * (1.0 - f) / draws as f64).sqrt(),
            f,
        );
    }
}

/// The mean iteration count over starts uniform in the ball, by Monte
/// Carlo over 20,000 perturbations, against the exact tail sum; the mean
/// linear count against `E ln(R / |x_1|) / ln(1 + lr gamma)` (within its
/// ceiling, which adds between 0 and 1); and the ordering
/// `linear mean <= exact mean`.
#[test]
fn mean_escape_time_matches_monte_carlo() {
    for (d, gamma, lr) in [(2usize, 1.0f64, 0.2), (20, 0.5, 0.1)] {
        let (escape, r) = (0.6 * gamma.sqrt(), 1e-2);
        let saddle = SaddleEscape::new(gamma, lr, escape, r, d).unwrap();
        let mut rng = Seed(16 + d as u64).rng();
        let draws = 20_000;
        let mut counts = Vec::with_capacity(draws);
        let mut logs = Vec::with_capacity(draws);
        for _ in 0..draws {
            let x1 = uniform_ball(&mut rng, d, r)[0];
            counts.push(saddle.iterations(x1).unwrap() as f64);
            logs.push((escape / x1.abs()).ln() / (lr * gamma).ln_1p());
        }
        let (mean, se) = mean_se(counts);
        assert_within_se(
            &format!("mean count, d = {d}"),
            mean,
            se,
            saddle.mean_iterations(),
        );
        let (mean_log, se_log) = mean_se(logs);
        let linear = saddle.linear_mean_iterations();
        assert_within_se(
            &format!("mean linear count, d = {d}"),
            mean_log,
            se_log,
            linear,
        );
        assert!(linear <= saddle.mean_iterations());
    }
}

/// Jin et al.'s `log(d) / (lr gamma)` scale with its constant:
/// `E ln(r / |x_1(0)|) = (psi(d/2 + 1) - psi(1/2)) / 2 = ln(2d)/2 + gamma_E/2 + O(1/d)`.
/// At `d = 1e6` the `O(1/d)` term is below 1e-6.
#[test]
fn mean_log_distance_grows_like_half_log_dimension() {
    let euler_gamma = 0.577_215_664_901_532_9;
    let (lr, gamma) = (0.01, 1.0);
    for d in [1_000_000usize, 4_000_000] {
        // R = r so that ln(R / r) = 0 and the mean is the digamma term alone.
        let saddle = SaddleEscape::new(gamma, lr, 0.1, 0.1, d).unwrap();
        let mean_log = saddle.linear_mean_iterations() * (lr * gamma).ln_1p();
        let want = 0.5 * (2.0 * d as f64).ln() + 0.5 * euler_gamma;
        assert!(
            (mean_log - want).abs() < 1e-6,
            "d = {d}: {mean_log} vs {want}"
        );
    }
}

#[test]
fn saddle_escape_rejects_bad_parameters() {
    assert!(SaddleEscape::new(1.0, 0.1, 1.0, 0.01, 2).is_err()); // R = sqrt(gamma)
    assert!(SaddleEscape::new(1.0, 0.1, 0.5, 0.6, 2).is_err()); // r > R
    assert!(SaddleEscape::new(1.0, 0.1, 0.5, 0.01, 0).is_err());
    assert!(SaddleEscape::new(1.0, 2.0, 0.9, 0.01, 2).is_err()); // g not monotone
    assert!(SaddleEscape::new(-1.0, 0.1, 0.5, 0.01, 2).is_err());
    let slow = SaddleEscape::new(1.0, 1e-12, 0.5, 0.01, 2).unwrap();
    assert!(matches!(slow.iterations(1e-3), Err(Error::Unsupported(_))));
}

// ---------------------------------------------------------------------------
// Anti-PGD on the widening valley (proofs/anti_pgd.md)
// ---------------------------------------------------------------------------

/// `E f(Z)` for `Z ~ N(0, I_dims)` by the tensor-product Gauss-Hermite rule
/// with `nodes` points per axis: exact for polynomials of degree
/// `<= 2 nodes - 1` in each variable.
fn gauss_hermite_expectation(dims: usize, nodes: usize, f: impl Fn(&[f64]) -> f64) -> f64 {
    let rule = gauss_hermite(nodes);
    let mut index = vec![0usize; dims];
    let mut z = vec![0.0; dims];
    let mut total = 0.0;
    loop {
        let mut weight = 1.0;
        for (k, &i) in index.iter().enumerate() {
            z[k] = rule[i].0;
            weight *= rule[i].1;
        }
        total += weight * f(&z);
        let mut k = 0;
        loop {
            if k == dims {
                return total;
            }
            index[k] += 1;
            if index[k] < nodes {
                break;
            }
            index[k] = 0;
            k += 1;
        }
    }
}

/// The exact one-step expectations against Gauss-Hermite quadrature of the
/// steps themselves (each change is a polynomial of degree at most 4 in
/// every noise coordinate, so 4 nodes per axis are exact): the Anti-PGD
/// clean iterate `w' = w - lr grad L(w + xi)` and the PGD iterate
/// `x' = x - lr grad L(x) + xi'`. The points include the valley floor,
/// and `lr`, `sigma` are large enough that the `lr^2` terms are a sizeable
/// part of each drift (a wrong Gaussian moment in them is caught).
/// Tolerance 1e-12 relative to the largest term: rounding in a few hundred
/// weighted sums.
#[test]
fn one_step_drifts_match_gauss_hermite() {
    let (d, lr, sigma) = (3, 0.4, 0.6);
    let valley = WideningValley::new(d, lr, sigma).unwrap();
    for (u, v) in [
        (vec![1.0, -0.5, 0.8], 0.0),
        (vec![0.3, 0.2, -0.1], 1.2),
        (vec![2.0, 0.0, 0.0], 0.4),
    ] {
        let u_sq: f64 = u.iter().map(|x| x * x).sum();
        // Anti-PGD: the gradient is taken at the perturbed point (u + s z, v + s z_v).
        let anti_step = |z: &[f64]| -> (Vec<f64>, f64) {
            let ub: Vec<f64> = u.iter().zip(z).map(|(x, z)| x + sigma * z).collect();
            let vb = v + sigma * z[d];
            let ub_sq: f64 = ub.iter().map(|x| x * x).sum();
            let un = u
                .iter()
                .zip(&ub)
                .map(|(x, b)| x - lr * vb * vb * b)
                .collect();
            (un, v - lr * vb * ub_sq)
        };
        // PGD: the gradient at the point, fresh noise added after the step.
        let pgd_step = |z: &[f64]| -> (Vec<f64>, f64) {
            let un = u
                .iter()
                .zip(z)
                .map(|(x, z)| x - lr * v * v * x + sigma * z)
                .collect();
            (un, v - lr * v * u_sq + sigma * z[d])
        };
        let sq = |w: &[f64]| w.iter().map(|x| x * x).sum::<f64>();
        let e = |f: &dyn Fn(&[f64]) -> f64| gauss_hermite_expectation(d + 1, 4, f);
        let a = valley.anti_pgd_drift(u_sq, v);
        let p = valley.pgd_drift(u_sq, v);
        let cases: [(&str, f64, f64); 4] = [
            (
                "Anti-PGD d|u|^2",
                e(&|z| sq(&anti_step(z).0) - u_sq),
                a.u_sq,
            ),
            (
                "Anti-PGD dv^2",
                e(&|z| anti_step(z).1.powi(2) - v * v),
                a.v_sq,
            ),
            ("PGD d|u|^2", e(&|z| sq(&pgd_step(z).0) - u_sq), p.u_sq),
            ("PGD dv^2", e(&|z| pgd_step(z).1.powi(2) - v * v), p.v_sq),
        ];
        for (name, quadrature, exact) in cases {
            let scale = 1.0 + u_sq + v * v;
            assert!(
                (quadrature - exact).abs() <= 1e-12 * scale * scale,
                "{name} at v = {v}: quadrature {quadrature} vs {exact}"
            );
        }
        let mut mean_u = vec![0.0; d];
        let mean_v = valley.anti_pgd_mean_step(&u, v, &mut mean_u).unwrap();
        for i in 0..d {
            let quadrature = e(&|z| anti_step(z).0[i] - u[i]);
            assert!(
                (quadrature - mean_u[i]).abs() <= 1e-12 * (1.0 + u_sq),
                "mean step u[{i}]"
            );
        }
        let quadrature = e(&|z| anti_step(z).1 - v);
        assert!(
            (quadrature - mean_v).abs() <= 1e-12 * (1.0 + u_sq + v * v),
            "mean step v"
        );
    }
}

/// The mean Anti-PGD step is `-lr` times the gradient of the smoothed loss
/// (central differences of `smoothed_loss` in `u` through `|u|^2` and in
/// `v`; step 1e-5, polynomial of degree 4, so 1e-8 absolute), and to
/// leading order in `lr` the drift of `|u|^2` is `2 u . mean step`
/// (relative gap `O(lr)`: below 2e-3 at `lr = 1e-4` for these values).
#[test]
fn mean_step_is_gradient_descent_on_the_smoothed_loss() {
    let (d, lr, sigma) = (2, 1e-4, 0.5);
    let valley = WideningValley::new(d, lr, sigma).unwrap();
    let u = [0.7, -1.1];
    let v = 0.9;
    let smoothed = |u: &[f64], v: f64| valley.smoothed_loss(u.iter().map(|x| x * x).sum(), v);
    let mut step_u = [0.0; 2];
    let step_v = valley.anti_pgd_mean_step(&u, v, &mut step_u).unwrap();
    let h = 1e-5;
    for i in 0..d {
        let mut up = u;
        let mut um = u;
        up[i] += h;
        um[i] -= h;
        let grad = (smoothed(&up, v) - smoothed(&um, v)) / (2.0 * h);
        assert!((step_u[i] + lr * grad).abs() < 1e-8 * lr.max(1e-3));
    }
    let grad_v = (smoothed(&u, v + h) - smoothed(&u, v - h)) / (2.0 * h);
    assert!((step_v + lr * grad_v).abs() < 1e-8);
    let drift = valley.anti_pgd_drift(0.7f64.powi(2) + 1.1f64.powi(2), v);
    let first_order = 2.0 * (u[0] * step_u[0] + u[1] * step_u[1]);
    assert!((drift.u_sq / first_order - 1.0).abs() < 2e-3);
}

/// On the valley floor `v = 0` PGD pushes `|u|^2` out by exactly `d sigma^2`
/// per step (towards sharper regions) and `v^2` by `sigma^2`, while
/// Anti-PGD pulls `|u|^2` in: its drift there is
/// `-2 lr s^2 U + 3 lr^2 s^4 (U + d s^2)`, led by the regulariser's
/// `-2 lr s^2 U`, and negative exactly above
/// `U* = 3 lr d s^4 / (2 - 3 lr s^2)`.
#[test]
fn on_the_valley_floor_pgd_drifts_out_and_anti_pgd_drifts_in() {
    let (d, lr, sigma) = (10, 0.05, 0.2);
    let valley = WideningValley::new(d, lr, sigma).unwrap();
    let s2 = sigma * sigma;
    for u_sq in [0.5, 2.0, 8.0] {
        let pgd = valley.pgd_drift(u_sq, 0.0);
        assert!((pgd.u_sq - d as f64 * s2).abs() < 1e-15);
        assert!((pgd.v_sq - s2).abs() < 1e-15);
        let anti = valley.anti_pgd_drift(u_sq, 0.0);
        assert!(anti.u_sq < 0.0, "Anti-PGD should contract |u|^2 = {u_sq}");
        let correction = 3.0 * lr * lr * s2 * s2 * (u_sq + d as f64 * s2);
        assert!((anti.u_sq - (-2.0 * lr * s2 * u_sq + correction)).abs() < 1e-15);
        assert!(
            correction < 0.1 * 2.0 * lr * s2 * u_sq,
            "leading term must dominate"
        );
    }
    let threshold = 3.0 * lr * d as f64 * s2 * s2 / (2.0 - 3.0 * lr * s2);
    assert!(valley.anti_pgd_drift(0.99 * threshold, 0.0).u_sq > 0.0);
    assert!(valley.anti_pgd_drift(1.01 * threshold, 0.0).u_sq < 0.0);
}

/// The quadratic stationary variances against the discrete Lyapunov solver:
/// PGD as the 1-D recursion `x' = m x + xi`, Anti-PGD as the 2-D state
/// `(x_n, xi_n)` with `x' = m x - xi + xi'`, `xi' = xi'`, whose noise enters
/// both components (`Q = sigma^2 [[1, 1], [1, 1]]`). Tolerance 1e-11
/// relative (backward-stable solve, condition number `1 / (1 - m^2)`).
#[test]
fn quadratic_stationary_variances_match_the_lyapunov_solver() {
    let sigma: f64 = 0.4;
    for (h, lr) in [(1.0, 0.1), (0.01, 0.5), (3.0, 0.6)] {
        let m = 1.0 - lr * h;
        let pgd = solve_discrete_lyapunov(
            &DMatrix::from_element(1, 1, m),
            &DMatrix::from_element(1, 1, sigma * sigma),
        )
        .unwrap()[(0, 0)];
        assert!((pgd_stationary_variance(h, lr, sigma).unwrap() / pgd - 1.0).abs() < 1e-11);
        let a = DMatrix::from_row_slice(2, 2, &[m, -1.0, 0.0, 0.0]);
        let q = DMatrix::from_element(2, 2, sigma * sigma);
        let anti = solve_discrete_lyapunov(&a, &q).unwrap()[(0, 0)];
        assert!((anti_pgd_stationary_variance(h, lr, sigma).unwrap() / anti - 1.0).abs() < 1e-11);
    }
    // As the curvature vanishes PGD's variance blows up like
    // sigma^2 / (2 lr h), while Anti-PGD's tends to sigma^2 (relative gaps
    // lr h / 2 = 5e-8 at h = 1e-6, lr = 0.1).
    let (h, lr) = (1e-6, 0.1);
    let pgd = pgd_stationary_variance(h, lr, sigma).unwrap();
    assert!((pgd * 2.0 * lr * h / (sigma * sigma) - 1.0).abs() < 1e-7);
    let anti = anti_pgd_stationary_variance(h, lr, sigma).unwrap();
    assert!((anti / (sigma * sigma) - 1.0).abs() < 1e-7);
    assert!(pgd_stationary_variance(10.0, 0.2, sigma).is_err());
    assert!(anti_pgd_stationary_variance(0.0, 0.2, sigma).is_err());
    assert!(WideningValley::new(0, 0.1, 0.1).is_err());
    assert!(WideningValley::new(2, 0.1, -0.1).is_err());
}
