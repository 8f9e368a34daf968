//! Posterior targets (`src/models`: Gaussian target, Bayesian linear and
//! logistic regression, Laplace approximation, posterior registry).
//!
//! # Tolerance policy
//!
//! **Finite differences** (as in `tests/models.rs`): the central difference
//! `D(h)` has truncation error `h^2 f''' / 6 + O(h^4)`, estimated by
//! Richardson's `|D(2h) - D(h)| / 3`, plus rounding `k eps F / h`, with `F`
//! the sum of the absolute values of the rounded terms of the function
//! differenced (computed per case below) and `k = 2 (n + p)` (each
//! evaluation is a sum of `n` terms, each with a `p`-term dot product:
//! Higham 2002, "Accuracy and Stability of Numerical Algorithms", Section
//! 3.1). The tolerance is [`Z_FD`] times their sum.
//!
//! **Identities** (closed-form posterior against the oracle, batch means)
//! compare two computations of one exact quantity: [`Z_ROUND`]` k eps S`
//! with `S` the magnitude of the terms and `k` the operation count; where
//! a linear solve enters, `k` includes the condition number of the matrix
//! (backward-stable solve: forward error `<= cond eps` relative).
//!
//! **Monte Carlo** (exact draws of the Gaussian target): [`Z_MC`] = 5
//! standard errors, with the exact SE of the Gaussian sample mean and
//! covariance.

use nalgebra::{DMatrix, DVector};
use perturbo::data::{Dataset, Mnist};
use perturbo::landscape::FiniteSum;
use perturbo::measure::moments::Moments;
use perturbo::measure::posterior::{kl_divergence, Gaussian};
use perturbo::models::{
    parse_posterior, AnyPosterior, BayesLinear, BayesLogistic, GaussianTarget, POSTERIOR_HELP,
    POSTERIOR_NAMES,
};
use perturbo::optim::Oracle;
use perturbo::rng::Seed;
use perturbo::Error;
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;
/// Relative finite-difference step.
const H_REL: f64 = 1e-5;
/// Safety factor on the finite-difference bound (neglected `O(h^4)`
/// terms, rounding inside the Richardson estimate, looseness of `F`).
const Z_FD: f64 = 10.0;
/// Safety factor on a-priori rounding bounds.
const Z_ROUND: f64 = 4.0;
/// Standard errors allowed in a Monte Carlo test.
const Z_MC: f64 = 5.0;

/// Small targets of every kind.
fn table() -> Vec<AnyPosterior> {
    [
        "gaussian:d=3,rho=0.3,sd=1.5,mean=0.5",
        "gaussian:d=4,rho=-0.2,sd=0.7",
        "bayes-linear:n=40,p=3",
        "bayes-linear:n=30,p=4,noise=2,alpha=0.1",
        "bayes-logistic:n=40,p=3",
        "bayes-logistic:n=60,p=5,alpha=3",
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| {
        parse_posterior(s, Seed(11).child(i as u64)).unwrap_or_else(|e| panic!("{s}: {e}"))
    })
    .collect()
}

/// Number of finite-sum terms (1 for the Gaussian target).
fn terms(m: &AnyPosterior) -> usize {
    m.finite_sum().map_or(1, |f| f.samples())
}

/// Magnitude of the rounded terms of `U(x)` and of each `dU/dx_j`: for a
/// finite sum, the mean of `|u_i|` and of `|d_j u_i - alpha x_j| + alpha
/// |x_j|` (the likelihood and prior parts separately); for the Gaussian
/// target, `sum |d_i| |A_ij| |d_j|` and `sum_j |A_ij| |d_j|`, `d = x - m`.
fn scales(m: &AnyPosterior, x: &[f64]) -> (f64, Vec<f64>) {
    let p = x.len();
    match m {
        AnyPosterior::Gaussian(g) => {
            let a = g.precision();
            let d: Vec<f64> = x.iter().zip(g.mean()).map(|(u, c)| (u - c).abs()).collect();
            let row = |i: usize| (0..p).map(|j| a[(i, j)].abs() * d[j]).sum::<f64>();
            let grad: Vec<f64> = (0..p).map(row).collect();
            (grad.iter().zip(&d).map(|(r, di)| r * di).sum(), grad)
        }
        AnyPosterior::Linear(_) | AnyPosterior::Logistic(_) => {
            let alpha = match m {
                AnyPosterior::Linear(l) => l.prior_precision(),
                AnyPosterior::Logistic(l) => l.prior_precision(),
                AnyPosterior::Gaussian(_) => unreachable!(),
            };
            let fs = m.finite_sum().unwrap();
            let n = fs.samples() as f64;
            let mut g = vec![0.0; p];
            let mut value = 0.0;
            let mut grad = vec![0.0; p];
            for i in 0..fs.samples() {
                value += fs.sample_value(x, i).abs() / n;
                fs.sample_gradient(x, i, &mut g);
                for ((s, gj), xj) in grad.iter_mut().zip(&g).zip(x) {
                    *s += (gj - alpha * xj).abs() / n;
                }
            }
            for (s, xj) in grad.iter_mut().zip(x) {
                *s += alpha * xj.abs();
            }
            (value, grad)
        }
    }
}

/// Asserts `|analytic - D(h)|` within the finite-difference tolerance.
fn assert_fd(analytic: f64, d: [f64; 2], rounding: f64, what: &dyn Fn() -> String) {
    let tol = Z_FD * ((d[1] - d[0]).abs() / 3.0 + rounding);
    assert!(
        (analytic - d[0]).abs() <= tol,
        "{}: analytic {analytic}, finite difference {} (tolerance {tol})",
        what(),
        d[0]
    );
}

/// Central differences of `f` along axis `j` at steps `h` and `2h`.
fn central(f: &dyn Fn(&[f64]) -> f64, x: &[f64], j: usize, h: f64) -> [f64; 2] {
    let at = |s: f64| {
        let mut y = x.to_vec();
        y[j] += s;
        f(&y)
    };
    [
        (at(h) - at(-h)) / (2.0 * h),
        (at(2.0 * h) - at(-2.0 * h)) / (4.0 * h),
    ]
}

/// Gradient against differences of the value, Hessian against differences
/// of the gradient, per-sample gradient against differences of the
/// per-sample value, and the HVP against `H v`.
fn check_derivatives(m: &AnyPosterior, x: &[f64], v: &[f64]) {
    let p = m.dim();
    let k = 2.0 * (terms(m) + p) as f64;
    let (value_scale, grad_scale) = scales(m, x);
    let mut grad = vec![0.0; p];
    m.gradient(x, &mut grad);
    let mut hess = DMatrix::zeros(p, p);
    m.hessian(x, &mut hess).unwrap();
    for j in 0..p {
        let h = H_REL * (1.0 + x[j].abs());
        let d = central(&|y| m.value(y), x, j, h);
        assert_fd(grad[j], d, k * EPS * value_scale / h, &|| {
            format!("{}: dU/dx_{j}", m.describe())
        });
        for i in 0..p {
            let d = central(
                &|y| {
                    let mut g = vec![0.0; p];
                    m.gradient(y, &mut g);
                    g[i]
                },
                x,
                j,
                h,
            );
            assert_fd(hess[(i, j)], d, k * EPS * grad_scale[i] / h, &|| {
                format!("{}: H_{i}{j}", m.describe())
            });
        }
    }
    // H v against the dense product: same terms, k p eps |H| |v| apart.
    let mut hv = vec![0.0; p];
    m.hessian_vector(x, v, &mut hv).unwrap();
    for i in 0..p {
        let dense: f64 = (0..p).map(|j| hess[(i, j)] * v[j]).sum();
        let size: f64 = (0..p).map(|j| hess[(i, j)].abs() * v[j].abs()).sum();
        let tol = Z_ROUND * k * p as f64 * EPS * size.max(EPS);
        assert!((hv[i] - dense).abs() <= tol, "{}: Hv_{i}", m.describe());
    }
    if let Some(fs) = m.finite_sum() {
        let n = fs.samples();
        let mut g = vec![0.0; p];
        for i in [0, n / 2, n - 1] {
            fs.sample_gradient(x, i, &mut g);
            // |u_i| is at most N times the mean-term scale plus the prior.
            let scale_i = fs.sample_value(x, i).abs() + value_scale;
            for j in 0..p {
                let h = H_REL * (1.0 + x[j].abs());
                let d = central(&|y| fs.sample_value(y, i), x, j, h);
                assert_fd(g[j], d, 2.0 * (p + 1) as f64 * EPS * scale_i / h, &|| {
                    format!("{}: du_{i}/dx_{j}", m.describe())
                });
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn derivatives_match_finite_differences(
        x in prop::collection::vec(-2.0..2.0_f64, 5),
        v in prop::collection::vec(-1.0..1.0_f64, 5),
    ) {
        for m in table() {
            let p = m.dim();
            check_derivatives(&m, &x[..p], &v[..p]);
        }
    }
}

/// The pinned convention: `u_i = N l_i + alpha |theta|^2 / 2` with the
/// whole prior in every term, their mean is `U`, and the batch gradient is
/// Welling and Teh's `alpha theta + (N / b) sum_batch grad l_i`.
#[test]
fn finite_sum_follows_the_pinned_convention() {
    let x = [0.3, -0.7, 1.1];
    let m = parse_posterior("bayes-linear:n=40,p=3,noise=0.5,alpha=2", Seed(4)).unwrap();
    let AnyPosterior::Linear(lin) = &m else {
        panic!("{m:?}")
    };
    let (n, beta, alpha) = (40.0, 4.0, 2.0);
    let data = lin.data();
    let prior = 0.5 * alpha * x.iter().map(|v| v * v).sum::<f64>();
    let mut mean = 0.0;
    for i in 0..data.n() {
        let r: f64 = data.row(i).iter().zip(&x).map(|(a, t)| a * t).sum::<f64>() - data.target(i);
        let by_hand = n * beta * r * r / 2.0 + prior;
        let got = lin.sample_value(&x, i);
        // Same formula, different association: a few ulps of each term.
        assert!(
            (got - by_hand).abs() <= Z_ROUND * 8.0 * EPS * by_hand,
            "u_{i}"
        );
        mean += got / n;
    }
    let u = lin.value(&x);
    assert!(
        (u - mean).abs() <= Z_ROUND * 2.0 * (n + 3.0) * EPS * u,
        "{u} vs {mean}"
    );

    for m in table().into_iter().filter(|m| m.finite_sum().is_some()) {
        let fs = m.finite_sum().unwrap();
        let p = m.dim();
        let x = &[0.4, -0.2, 0.9, -1.3, 0.5][..p];
        let n = fs.samples();
        let batch: Vec<usize> = (0..n).step_by(3).chain([0, 0, n - 1]).collect();
        let (mut fast, mut slow, mut g) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        fs.batch_gradient(x, &batch, &mut fast, &mut g);
        // The trait's default: the mean of the per-sample gradients.
        let mut size = vec![0.0; p];
        for &i in &batch {
            fs.sample_gradient(x, i, &mut g);
            for ((s, a), gj) in slow.iter_mut().zip(size.iter_mut()).zip(&g) {
                *s += gj / batch.len() as f64;
                *a += gj.abs() / batch.len() as f64;
            }
        }
        for j in 0..p {
            let tol = Z_ROUND * 2.0 * (batch.len() + p) as f64 * EPS * size[j];
            assert!(
                (fast[j] - slow[j]).abs() <= tol,
                "{}: batch {j}",
                m.describe()
            );
        }
        // The full batch is the full gradient.
        let all: Vec<usize> = (0..n).collect();
        fs.batch_gradient(x, &all, &mut fast, &mut g);
        m.gradient(x, &mut slow);
        let (_, scale) = scales(&m, x);
        for j in 0..p {
            let tol = Z_ROUND * 2.0 * (n + p) as f64 * EPS * scale[j];
            assert!(
                (fast[j] - slow[j]).abs() <= tol,
                "{}: full {j}",
                m.describe()
            );
        }
        // Supervised view: sample i at its own input is the sample term.
        let sup = m.supervised().unwrap();
        let mut own = vec![0.0; sup.input_dim()];
        sup.read_input(2, &mut own);
        sup.gradient_at_input(x, 2, &own, &mut fast);
        sup.sample_gradient(x, 2, &mut slow);
        assert_eq!(fast, slow);
    }
}

/// The 2-norm condition number of a symmetric positive definite matrix.
fn condition(a: &DMatrix<f64>) -> f64 {
    let eig = a.clone().symmetric_eigenvalues();
    eig.max() / eig.min()
}

/// Bishop's closed form against the oracle: the gradient vanishes at
/// `m_N`, the Hessian is `S_N^{-1}`, and the Laplace approximation (Newton
/// from 0) recovers the exact posterior.
#[test]
fn linear_posterior_is_exact() {
    for spec in [
        "bayes-linear:n=40,p=3",
        "bayes-linear:n=200,p=6,noise=0.2,alpha=0.01",
    ] {
        let m = parse_posterior(spec, Seed(21)).unwrap();
        let AnyPosterior::Linear(lin) = &m else {
            panic!("{spec}")
        };
        let post = lin.posterior().unwrap();
        let p = lin.data().p();
        let n = lin.data().n();
        let mut hess = DMatrix::zeros(p, p);
        m.hessian(&vec![0.0; p], &mut hess).unwrap();
        let cond = condition(&hess);
        let mean = post.mean().as_slice().to_vec();
        let mut grad = vec![0.0; p];
        m.gradient(&mean, &mut grad);
        let (_, scale) = scales(&m, &mean);
        for j in 0..p {
            // g = H (m_hat - m_N): the solve's forward error (cond eps) times
            // the terms' size, plus the sum's own rounding.
            let tol = Z_ROUND * (2.0 * (n + p) as f64 + cond) * EPS * scale[j];
            assert!(
                grad[j].abs() <= tol,
                "{spec}: grad_{j} {} at m_N (tol {tol})",
                grad[j]
            );
        }
        // H S_N = I up to the inversion's error, cond eps per entry.
        let product = &hess * post.covariance();
        let err = (product - DMatrix::identity(p, p)).amax();
        assert!(
            err <= Z_ROUND * (p as f64) * cond * EPS * 8.0,
            "{spec}: H S_N - I = {err}"
        );
        // Laplace of a Gaussian posterior is the posterior.
        let laplace = lin.laplace().unwrap();
        let kl = kl_divergence(&laplace, &post).unwrap();
        assert!(
            kl <= 1e3 * cond * cond * EPS,
            "{spec}: KL(Laplace, exact) = {kl}"
        );
    }
}

/// The W3 posterior: Newton converges, the gradient vanishes at the mode,
/// and the covariance is the inverse Hessian there.
#[test]
fn logistic_laplace_is_a_mode_with_inverse_hessian_covariance() {
    let m = parse_posterior("bayes-logistic", Seed(3)).unwrap();
    assert_eq!(m.dim(), 20);
    assert_eq!(m.finite_sum().unwrap().samples(), 10_000);
    check_mode(&m, &m.gaussian_reference().unwrap());
}

/// Checks that `law` is the Laplace approximation of `m`.
fn check_mode(m: &dyn Oracle, law: &Gaussian) {
    let p = m.dim();
    let n = m.finite_sum().unwrap().samples();
    let mode = law.mean().as_slice();
    let mut grad = vec![0.0; p];
    m.gradient(mode, &mut grad);
    let mut hess = DMatrix::zeros(p, p);
    m.hessian(mode, &mut hess).unwrap();
    let cond = condition(&hess);
    // At the mode each gradient entry is a sum of n terms of size at most
    // |a_ij| <= max|a| (logistic slopes are below 1) plus the prior: the
    // remaining gradient is rounding, (n + p + cond) eps times that.
    let mut input = vec![0.0; p];
    let data_scale: f64 = (0..n)
        .map(|i| {
            m.supervised().unwrap().read_input(i, &mut input);
            input.iter().fold(0.0_f64, |a, v| a.max(v.abs()))
        })
        .sum();
    let tol = Z_ROUND * ((n + p) as f64 + cond) * EPS * data_scale;
    let gmax = grad.iter().fold(0.0_f64, |a, g| a.max(g.abs()));
    assert!(
        gmax <= tol,
        "{}: |grad| = {gmax} at the mode (tol {tol})",
        m.describe()
    );
    let err = (&hess * law.covariance() - DMatrix::identity(p, p)).amax();
    assert!(
        err <= Z_ROUND * p as f64 * cond * EPS * 8.0,
        "H Sigma - I = {err}"
    );
}

#[test]
fn mnist_binary_task_has_pooled_features_and_a_bias() {
    let mnist = Mnist::load(std::path::Path::new("data/mnist")).unwrap();
    let split = mnist.train();
    let counts = split.class_counts();
    let m = BayesLogistic::mnist(split, 3, 8, 4, 1.0).unwrap();
    let data: &Dataset = m.data();
    assert_eq!((data.n(), data.p()), (counts[3] + counts[8], 50));
    assert!(data.inputs().iter().all(|v| (0.0..=1.0).contains(v)));
    assert!((0..data.n()).all(|i| (data.row(i)[49] - 1.0).abs() < EPS));
    // Label 1 exactly for the images of the second digit.
    let positives = data.targets().iter().filter(|&&y| y > 0.5).count();
    assert_eq!(positives, counts[8]);
    // The first 3 in the split: its first pooled cell is the mean of a 4x4
    // block of pixels / 255.
    let first = (0..split.n()).find(|&i| split.label(i) == 3).unwrap();
    let image = split.image(first);
    let block: f64 = (0..4)
        .flat_map(|r| (0..4).map(move |c| r * 28 + c + 12 * 28 + 12))
        .map(|k| f64::from(image[k]) / 255.0)
        .sum::<f64>()
        / 16.0;
    assert!(
        (data.row(0)[3 * 7 + 3] - block).abs() <= 16.0 * EPS,
        "cell (3, 3)"
    );
    check_mode(&m, &m.laplace().unwrap());
    for (a, b, pool) in [(3, 3, 4), (3, 10, 4), (3, 8, 5), (3, 8, 0)] {
        assert!(
            BayesLogistic::mnist(split, a, b, pool, 1.0).is_err(),
            "{a} {b} {pool}"
        );
    }
}

/// Exact moments of the Gaussian target and of its exact draws.
#[test]
fn gaussian_target_has_exact_moments() {
    let cov = DMatrix::from_row_slice(3, 3, &[2.0, 0.6, -0.3, 0.6, 1.0, 0.2, -0.3, 0.2, 0.5]);
    let target = GaussianTarget::new(vec![1.0, -2.0, 0.5], cov.clone()).unwrap();
    let err = (target.precision() * &cov - DMatrix::identity(3, 3)).amax();
    assert!(
        err <= Z_ROUND * 3.0 * condition(&cov) * EPS * 8.0,
        "precision: {err}"
    );
    let x = [0.3, 0.1, -0.4];
    let mut grad = [0.0; 3];
    Oracle::gradient(&target, &x, &mut grad);
    let d = DVector::from_iterator(3, x.iter().zip(target.mean()).map(|(a, b)| a - b));
    let expected = target.precision() * d;
    for j in 0..3 {
        assert!((grad[j] - expected[j]).abs() <= 1e-14 * 10.0, "grad_{j}");
    }
    let n = 40_000;
    let draws = target.samples(n, &mut Seed(5).rng());
    let mut moments = Moments::new(3);
    draws.chunks_exact(3).for_each(|r| moments.push(r));
    let (mean, sample_cov) = (moments.mean(), moments.covariance().unwrap());
    let nf = n as f64;
    for i in 0..3 {
        let se = (cov[(i, i)] / nf).sqrt();
        assert!((mean[i] - target.mean()[i]).abs() <= Z_MC * se, "mean_{i}");
        for j in 0..3 {
            // Var of a Gaussian sample covariance entry:
            // (S_ii S_jj + S_ij^2) / n (Anderson 2003, "An Introduction to
            // Multivariate Statistical Analysis", Section 3.4.2).
            let se = ((cov[(i, i)] * cov[(j, j)] + cov[(i, j)].powi(2)) / nf).sqrt();
            assert!(
                (sample_cov[(i, j)] - cov[(i, j)]).abs() <= Z_MC * se,
                "cov_{i}{j}"
            );
        }
    }
    // Equicorrelated: the documented covariance.
    let eq = GaussianTarget::equicorrelated(3, 0.5, 2.0, 1.0).unwrap();
    assert!(
        (eq.covariance()[(0, 1)] - 2.0).abs() < EPS && (eq.covariance()[(2, 2)] - 4.0).abs() < EPS
    );
    assert_eq!(eq.mean(), &[1.0, 1.0, 1.0]);
    for rho in [1.0, -0.5, f64::NAN] {
        assert!(
            GaussianTarget::equicorrelated(3, rho, 1.0, 0.0).is_err(),
            "rho {rho}"
        );
    }
    let not_pd = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
    assert!(matches!(
        GaussianTarget::new(vec![0.0, 0.0], not_pd),
        Err(Error::NotPositiveDefinite { .. })
    ));
}

#[test]
fn registry_parses_every_name_and_rejects_bad_specs() {
    let lines: Vec<&str> = POSTERIOR_HELP.lines().collect();
    assert_eq!(
        lines.len(),
        POSTERIOR_NAMES.len(),
        "one help line per target"
    );
    let dims = [2, 4, 20, 50];
    for ((name, line), p) in POSTERIOR_NAMES.iter().zip(&lines).zip(dims) {
        let m = parse_posterior(name, Seed(1)).unwrap();
        assert_eq!(m.dim(), p, "{name}");
        let documented = line.split_whitespace().next().unwrap();
        assert_eq!(documented.split(':').next(), Some(*name), "{line}");
        if *name != "bayes-mnist" {
            // (bayes-mnist: the same, but loading MNIST twice is slow.)
            assert_eq!(parse_posterior(documented, Seed(1)).unwrap(), m, "{line}");
        }
    }
    assert_ne!(
        parse_posterior("bayes-linear", Seed(1)).unwrap(),
        parse_posterior("bayes-linear", Seed(2)).unwrap()
    );
    assert!(parse_posterior("bayes-linear", Seed(1))
        .unwrap()
        .exact()
        .unwrap()
        .is_some());
    assert!(parse_posterior("bayes-logistic:n=50,p=2", Seed(1))
        .unwrap()
        .exact()
        .unwrap()
        .is_none());
    assert!(matches!(
        parse_posterior("bayes-lin", Seed(1)),
        Err(Error::Unknown { .. })
    ));
    for spec in [
        "gaussian:rho=1",
        "gaussian:d=0",
        "gaussian:sd=0",
        "bayes-linear:noise=0",
        "bayes-linear:alpha=-1",
        "bayes-linear:beta=2",
        "bayes-logistic:alpha=0",
        "bayes-logistic:n=0",
        "bayes-mnist:digits=3",
        "bayes-mnist:digits=3,12",
        "bayes-mnist:digits=3.5,8",
    ] {
        assert!(parse_posterior(spec, Seed(1)).is_err(), "{spec}");
    }
    let data = Dataset::new(vec![1.0, 2.0], vec![1.5], 2).unwrap();
    assert!(BayesLogistic::new(data.clone(), 1.0).is_err(), "label 1.5");
    assert!(BayesLinear::new(data, 1.0, 0.0).is_err(), "beta = 0");
}
