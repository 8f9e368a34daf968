//! SGD is a weak order-1 approximation of its SDE limit
//! (`proofs/sgd_weak_order.md`; Li, Tai and E, ICML 2017, Theorem 1), on
//! 1-D least squares where the first two moments are exact.
//!
//! (a) Monte Carlo: `E x_k^2` of `sgd:lr=eta` with batch `B`, run by
//!     `optim::run_chains`, equals the exact discrete moment within `Z = 5`
//!     standard errors over independent chains (false-alarm probability
//!     below 6e-7 per check; seeds are fixed, so the test is deterministic).
//! (b) Exact: the weak error at fixed `T` over `eta` halved 5 times has the
//!     claimed log-log slope, with the tolerance derived from the
//!     next-order term (see [`slope_tolerance`]).

use perturbo::models::{self, AnyModel};
use perturbo::optim::{self, run_chains, RunConfig};
use perturbo::rng::Seed;
use perturbo::theory::{Limit, ScalarLeastSquares, SgdSde, TwoMoments};

/// Standard errors allowed between an estimate and its prediction.
const Z: f64 = 5.0;
/// The data: 32 samples of `y = w* a + 0.5 N(0, 1)`, one feature.
const MODEL: &str = "least-squares:n=32,p=1,noise=0.5";
/// Start, horizon and batch size.
const X0: f64 = 3.0;
const T: f64 = 1.0;
const BATCH: usize = 2;

fn problem() -> (AnyModel, ScalarLeastSquares) {
    let model = models::parse(MODEL, Seed(7)).unwrap();
    let AnyModel::LeastSquares(ls) = &model else {
        panic!("least-squares spec gave another model")
    };
    let stats = ScalarLeastSquares::from_model(ls).unwrap();
    (model, stats)
}

/// Mean and standard error of independent values.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// (a) Monte Carlo `E x_k^2` of minibatch SGD against the exact recursion.
/// The check has power: at every `eta` the SME's `E X_T^2` lies more than
/// `2 Z` standard errors from the Monte Carlo mean, so the test tells the
/// discrete moment from its continuous limit.
#[test]
fn monte_carlo_second_moment_matches_the_exact_recursion() {
    let (model, stats) = problem();
    let chains = 40_000;
    for (j, lr) in [0.2, 0.1, 0.05].into_iter().enumerate() {
        let sgd = SgdSde::new(stats, lr, BATCH).unwrap();
        let steps = sgd.steps_to(T).unwrap();
        let opt = optim::parse(&format!("sgd:lr={lr}")).unwrap();
        let cfg = RunConfig {
            steps,
            burn_in: 0,
            batch: Some(BATCH),
        };
        let starts = vec![vec![X0]; chains];
        let runs = run_chains(
            &model,
            &opt,
            &starts,
            &cfg,
            Seed(11).child(j as u64),
            |_| (),
        )
        .unwrap();
        let squares: Vec<f64> = runs.iter().map(|c| c.final_state[0].powi(2)).collect();
        let (m2, se) = mean_se(&squares);
        let exact = sgd.discrete(X0, steps).unwrap().second;
        assert!(
            (m2 - exact).abs() <= Z * se,
            "lr {lr}: Monte Carlo E x_k^2 = {m2} +- {se}, exact {exact}"
        );
        let sme = sgd.limit(Limit::Sme, X0, T).unwrap().second;
        assert!(
            (m2 - sme).abs() > 2.0 * Z * se,
            "lr {lr}: the SME value {sme} is within 2Z SE of {m2} +- {se}: no power"
        );
    }
}

/// Least-squares slope of `ln y` against `ln x`.
fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (lx, ly): (Vec<f64>, Vec<f64>) = points.iter().map(|(x, y)| (x.ln(), y.ln())).unzip();
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// The tolerance on a fitted slope of order `p`, from the next-order term.
///
/// With `e(eta) = C eta^p (1 + r eta + O(eta^2))`, the local slope is
/// `p + r eta / (1 + r eta) + O(eta^2)`, within `2 |r| eta` of `p` while
/// `|r eta| <= 1/2`; a least-squares slope is a non-negative weighted
/// average of secant slopes, each a mean of local slopes, so the fitted
/// slope is within `2 |r| eta_max` of `p`. `r` is estimated by Richardson
/// from the two smallest steps, where the `O(eta^2)` remainder is smallest:
/// `C (1 + r eta) = e(eta)/eta^p`. The tolerance must come out below 0.25,
/// so the test separates order `p` from `p +- 1` (if the order were not
/// `p`, `e/eta^p` would not tend to a constant, `r` would blow up and this
/// assertion fail).
fn slope_tolerance(points: &[(f64, f64)], order: i32) -> f64 {
    let scaled = |&(eta, e): &(f64, f64)| (eta, e / eta.powi(order));
    let (eta1, c1) = scaled(&points[points.len() - 2]);
    let (eta2, c2) = scaled(&points[points.len() - 1]);
    let slope_in_eta = (c1 - c2) / (eta1 - eta2);
    let leading = c2 - slope_in_eta * eta2;
    let r = slope_in_eta / leading;
    let eta_max = points.iter().map(|p| p.0).fold(0.0, f64::max);
    let tol = 2.0 * r.abs() * eta_max;
    assert!(
        tol < 0.25 && r.abs() * eta_max <= 0.5,
        "next-order term too large for a slope test: r = {r}, eta_max = {eta_max}"
    );
    tol
}

/// The largest step of the order fits: `eta A ~ 0.04`, where the
/// next-order terms of the SME errors give tolerances below 0.25.
const ETA_MAX: f64 = 0.05;

/// The weak errors `|E phi(x_k) - E phi(X_T)|` of one limit at
/// `eta = eta_max / 2^j`, `j = 0..=5` (five halvings).
fn errors(
    stats: ScalarLeastSquares,
    limit: Limit,
    phi: fn(&TwoMoments) -> f64,
    eta_max: f64,
) -> Vec<(f64, f64)> {
    (0..6)
        .map(|j| {
            let lr = eta_max / 2f64.powi(j);
            let sgd = SgdSde::new(stats, lr, BATCH).unwrap();
            let discrete = sgd.discrete(X0, sgd.steps_to(T).unwrap()).unwrap();
            let continuous = sgd.limit(limit, X0, T).unwrap();
            (lr, (phi(&discrete) - phi(&continuous)).abs())
        })
        .collect()
}

fn assert_order(points: &[(f64, f64)], order: i32, what: &str) {
    let slope = log_log_slope(points);
    let tol = slope_tolerance(points, order);
    assert!(
        (slope - order as f64).abs() <= tol,
        "{what}: slope {slope}, expected {order} +- {tol}; errors {points:?}"
    );
}

fn second(m: &TwoMoments) -> f64 {
    m.second
}

fn variance(m: &TwoMoments) -> f64 {
    m.variance()
}

/// (b) `E x^2`: the SME and the gradient flow are both weak order 1; the
/// second-order SME is order 2.
#[test]
fn weak_error_of_the_second_moment_has_the_claimed_order() {
    let (_, stats) = problem();
    assert_order(&errors(stats, Limit::Sme, second, ETA_MAX), 1, "SME, E x^2");
    assert_order(
        &errors(stats, Limit::Sme2, second, ETA_MAX),
        2,
        "SME2, E x^2",
    );
    // On this data the flow's two O(eta) parts (mean error, missing
    // variance) nearly cancel, so its leading constant is small and its
    // next-order ratio r is about -5: the fit needs steps 4x smaller to keep
    // the derived tolerance below 0.25.
    let flow = errors(stats, Limit::GradientFlow, second, ETA_MAX / 4.0);
    assert_order(&flow, 1, "flow, E x^2");
}

/// What the noise term buys: SGD's fluctuations. The SME reproduces
/// `Var x_k` to `O(eta^2)`; the gradient flow has no variance, so its error
/// is SGD's whole variance, `O(eta)`, and larger than the SME's at every
/// step. With the drift corrected, the noise lifts `E x^2` from order 1
/// (modified flow) to order 2 (second-order SME).
#[test]
fn the_noise_term_captures_the_fluctuations() {
    let (_, stats) = problem();
    let sme = errors(stats, Limit::Sme, variance, ETA_MAX);
    let flow = errors(stats, Limit::GradientFlow, variance, ETA_MAX);
    assert_order(&sme, 2, "SME, Var x");
    assert_order(&flow, 1, "flow, Var x");
    for (s, f) in sme.iter().zip(&flow) {
        assert!(
            s.1 < f.1,
            "lr {}: SME variance error {} >= flow's {}",
            s.0,
            s.1,
            f.1
        );
    }
    assert_order(
        &errors(stats, Limit::ModifiedFlow, second, ETA_MAX),
        1,
        "modified flow, E x^2",
    );
}

/// The moment formulas use the data's statistics exactly: at the data
/// set's own samples, the per-sample gradient variance equals the direct
/// population variance of `a_i^2 x - a_i y_i` (a deterministic identity,
/// to rounding).
#[test]
fn gradient_variance_matches_the_data() {
    let (model, stats) = problem();
    let AnyModel::LeastSquares(ls) = &model else {
        unreachable!()
    };
    for x in [-1.0, 0.3, 2.5] {
        let grads: Vec<f64> = ls
            .data()
            .samples()
            .map(|(a, y)| a[0] * a[0] * x - a[0] * y)
            .collect();
        let n = grads.len() as f64;
        let mean = grads.iter().sum::<f64>() / n;
        let var = grads.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
        let got = stats.sample_variance(x);
        assert!(
            (got - var).abs() <= 1e-12 * var.max(1.0),
            "x = {x}: {got} vs {var}"
        );
        assert!(
            (mean - (stats.curvature() * x - stats.curvature() * stats.minimizer())).abs() < 1e-12
        );
    }
}
