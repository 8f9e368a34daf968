//! Convergence orders of the SDE schemes, held against the orders they
//! declare (`proofs/scheme_orders.md`), plus the machinery the measurement
//! rests on: refinable Brownian paths, scheme validation, and thread-count
//! independence.
//!
//! The orders are read from one run of `perturbo order` (the paper's
//! configuration with 10 000 paths per problem instead of 40 000): GBM with
//! `mu = 2, sigma = 1, X0 = 1, T = 1` on `dt = 2^-5 .. 2^-10`.
//!
//! **Tolerance policy for a fitted slope.** `|slope - declared| <=
//! half-width + PRE_ASYMPTOTIC`, where the half-width is the 95% confidence
//! interval of the least-squares slope from its regression residuals, and
//! the half-width itself must be below `MAX_HALF_WIDTH`. The allowance
//! exists because an error expansion `C dt^p (1 + r(dt))` has a local
//! log-log slope `p + d ln(1 + r) / d ln dt`, which differs from `p` until the
//! correction `r` is negligible; on GBM with `mu = 2` Euler-Maruyama's
//! mean-square error `A dt + B dt^2` keeps a visible `B` term over the
//! whole range. Both constants are fixed by what the test must tell apart:
//! the nearest wrong order is 1/2 away (1/2 against 1, 1 against 2), so the
//! total tolerance `0.15 + 0.08 = 0.23` stays below half that gap and a
//! scheme of the wrong order fails (checked by
//! `the_check_rejects_the_neighbouring_order`).

mod common;

use std::sync::OnceLock;

use common::on_threads;
use perturbo::experiments::order::{self, ErrorKind, OrderConfig, OrderReport};
use perturbo::landscape::Quadratic;
use perturbo::noise::{Diffusion, Structure};
use perturbo::rng::Seed;
use perturbo::sde::{
    BrownianPath, EulerMaruyama, Milstein, PerturbedFlow, Scheme, SchemeInfo, StochasticHeun,
    Workspace,
};
use perturbo::Error;

/// Allowance for pre-asymptotic curvature of the log-log error curve (see
/// the module documentation).
const PRE_ASYMPTOTIC: f64 = 0.15;

/// Largest accepted 95% half-width of a fitted slope: a wider interval
/// would let the test pass a scheme of the wrong order.
const MAX_HALF_WIDTH: f64 = 0.08;

/// The shared run (about 5 s on two cores at opt-level 3).
fn report() -> &'static OrderReport {
    static REPORT: OnceLock<OrderReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        let cfg = OrderConfig {
            paths: 10_000,
            ..OrderConfig::default()
        };
        order::run(&cfg).expect("the default configuration is valid")
    })
}

/// Whether the fitted slope of the row is within tolerance of `order`;
/// `Err` describes the failure.
fn slope_matches(problem: &str, scheme: &str, kind: ErrorKind, order: f64) -> Result<(), String> {
    let row = report()
        .row(problem, scheme, kind)
        .ok_or_else(|| format!("no {kind:?} row for {scheme} on {problem}"))?;
    let fit = row
        .fit
        .ok_or_else(|| format!("{scheme} on {problem}: no fit, points {:?}", row.points))?;
    let hw = fit.half_width();
    if hw > MAX_HALF_WIDTH {
        return Err(format!(
            "{scheme} on {problem}: CI half-width {hw} > {MAX_HALF_WIDTH}"
        ));
    }
    let gap = (fit.slope - order).abs();
    if gap > hw + PRE_ASYMPTOTIC {
        return Err(format!(
            "{scheme} {kind:?} on {problem}: slope {} (95% CI {:?}) vs order {order}: |gap| {gap} > {hw} + {PRE_ASYMPTOTIC}",
            fit.slope, fit.ci95
        ));
    }
    Ok(())
}

fn assert_declared_order(problem: &str, scheme: &str, kind: ErrorKind, declared: f64) {
    let row = report().row(problem, scheme, kind).expect("row exists");
    approx::assert_abs_diff_eq!(row.declared_order, declared);
    if let Err(e) = slope_matches(problem, scheme, kind, row.declared_order) {
        panic!("{e}");
    }
}

#[test]
fn euler_maruyama_has_strong_order_one_half_on_gbm() {
    assert_declared_order("gbm", EulerMaruyama.name(), ErrorKind::Strong, 0.5);
}

#[test]
fn milstein_has_strong_order_one_on_gbm() {
    assert_declared_order("gbm", Milstein.name(), ErrorKind::Strong, 1.0);
}

#[test]
fn euler_maruyama_has_weak_order_one_on_gbm() {
    assert_declared_order("gbm", EulerMaruyama.name(), ErrorKind::Weak, 1.0);
}

#[test]
fn heun_has_strong_order_one_on_gbm_against_stratonovich() {
    let name = StochasticHeun.name();
    let row = report().row("gbm", name, ErrorKind::Strong).unwrap();
    assert_eq!(row.calculus, perturbo::sde::Calculus::Stratonovich);
    assert_declared_order("gbm", name, ErrorKind::Strong, 1.0);
}

#[test]
fn baoab_has_weak_order_two_on_the_harmonic_oscillator() {
    // Exact moments: no Monte Carlo error; same slope tolerance.
    assert_declared_order("oscillator", "baoab", ErrorKind::Weak, 2.0);
}

#[test]
fn the_check_rejects_the_neighbouring_order() {
    // Euler-Maruyama is not strong order 1, Milstein not strong order 1/2,
    // BAOAB not weak order 1: the tolerance cannot pass a wrong order.
    assert!(slope_matches("gbm", "euler-maruyama", ErrorKind::Strong, 1.0).is_err());
    assert!(slope_matches("gbm", "milstein", ErrorKind::Strong, 0.5).is_err());
    assert!(slope_matches("oscillator", "baoab", ErrorKind::Weak, 1.0).is_err());
}

#[test]
fn brownian_path_refines_one_realization() {
    let (dim, finest) = (2, 10);
    let path = BrownianPath::new(Seed(7), dim, finest, 2.0).unwrap();
    let fine = path.increments(finest);
    let end = path.value_at_end();
    for level in 0..=finest {
        approx::assert_relative_eq!(path.dt(level) * path.steps(level) as f64, 2.0);
        let coarse = path.increments(level);
        let span = 1usize << (finest - level);
        for k in 0..path.steps(level) {
            for j in 0..dim {
                // Coarse increment k covers fine steps k span .. (k + 1) span.
                // Two summation orders of n terms differ by at most
                // 2 (n - 1) eps sum |w| (the standard rounding bound, twice).
                let terms = (k * span..(k + 1) * span).map(|i| fine[i * dim + j]);
                let sum: f64 = terms.clone().sum();
                let abs: f64 = terms.map(f64::abs).sum();
                let bound = 2.0 * span as f64 * f64::EPSILON * abs;
                assert!(
                    (coarse[k * dim + j] - sum).abs() <= bound,
                    "level {level}, step {k}, coordinate {j}"
                );
            }
        }
        // Every level ends at the same W(T).
        for (j, w_end) in end.iter().enumerate() {
            let terms = coarse.iter().skip(j).step_by(dim);
            let total: f64 = terms.clone().sum();
            let bound =
                2.0 * coarse.len() as f64 * f64::EPSILON * terms.map(|w| w.abs()).sum::<f64>();
            assert!(
                (total - w_end).abs() <= bound,
                "level {level}, coordinate {j}"
            );
        }
    }
}

/// `G(x) = [[1, x_1], [x_0, 1]]`: each row depends on the other coordinate,
/// so the noise is neither additive nor diagonal.
#[derive(Debug)]
struct CrossCoupled;

impl Diffusion for CrossCoupled {
    fn dim(&self) -> usize {
        2
    }
    fn noise_dim(&self) -> usize {
        2
    }
    fn structure(&self) -> Structure {
        Structure::General
    }
    fn apply(&self, x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        out[0] = dn[0] + x[1] * dn[1];
        out[1] = x[0] * dn[0] + dn[1];
    }
    fn variance_along(&self, x: &[f64], _t: f64, n: &[f64]) -> f64 {
        (n[0] + x[0] * n[1]).powi(2) + (x[1] * n[0] + n[1]).powi(2)
    }
}

#[test]
fn milstein_rejects_general_noise() {
    let bowl = Quadratic::new(nalgebra::DMatrix::identity(2, 2), vec![0.0, 0.0]).unwrap();
    let flow = PerturbedFlow::new(bowl, CrossCoupled).unwrap();
    match Milstein.validate(&flow) {
        Err(Error::Unsupported(msg)) => assert!(msg.contains("Levy"), "message: {msg}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let path = BrownianPath::new(Seed(1), 2, 4, 1.0).unwrap();
    let mut ws = Workspace::new(2, 2, 1);
    let mut x = [0.5, -0.5];
    assert!(path.solve(&flow, &Milstein, 4, &mut x, &mut ws).is_err());
    // The other schemes accept it (Heun at strong order 1/2 there).
    assert!(EulerMaruyama.validate(&flow).is_ok());
    assert!(StochasticHeun.validate(&flow).is_ok());
}

#[test]
fn report_is_identical_for_one_and_two_threads() {
    // 600 paths: three blocks, so two threads really split the work.
    let cfg = OrderConfig {
        paths: 600,
        coarsest_level: 2,
        finest_level: 4,
        ..OrderConfig::default()
    };
    let on = |threads: usize| on_threads(threads, || order::run(&cfg).unwrap());
    let (one, two) = (on(1), on(2));
    assert_eq!(one, two);
    // And the JSON the CLI writes is the same text.
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&two).unwrap()
    );
}
