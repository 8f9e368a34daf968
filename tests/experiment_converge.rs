//! `perturbo converge`: the quick config runs, replays bit-identically for
//! any thread count, follows the exact SGD curve under the bound, shows the
//! floor's proportionality to the step, and rejects bad configs.
//!
//! Tolerances: Monte Carlo comparisons use `Z = 5` standard errors of the
//! chain mean (chains are independent, so the SE is exact up to the CLT;
//! at 5 SE a two-sided false alarm has probability about 6e-7 per
//! comparison, and the seeds are fixed).

mod common;

use common::on_threads;
use perturbo::experiments::converge::{self, ConvergeConfig, ConvergeReport, MethodResult};
use perturbo::Error;

/// Standard errors allowed between a chain mean and its prediction.
const Z: f64 = 5.0;

fn quick() -> ConvergeReport {
    converge::run(&ConvergeConfig::quick(), &|_| {}).expect("quick config runs")
}

fn method<'a>(r: &'a ConvergeReport, spec: &str) -> &'a MethodResult {
    r.methods
        .iter()
        .find(|m| m.spec == spec)
        .unwrap_or_else(|| panic!("method {spec} in the quick config"))
}

#[test]
fn quick_config_runs_and_replays_for_any_thread_count() {
    let cfg = ConvergeConfig::quick();
    let a = quick();
    let one_thread =
        on_threads(1, || converge::run(&cfg, &|_| {})).expect("quick config runs on one thread");
    assert_eq!(a, one_thread, "the report depends on the thread count");
    assert_eq!(a.methods.len(), cfg.methods.len());
    for m in &a.methods {
        assert_eq!(m.finished + m.diverged.len(), cfg.chains);
        let curve = m.curve.as_ref().expect("every quick method finishes");
        assert_eq!(curve.sq_distance.len(), a.times.len());
        assert_eq!(curve.loss_gap.len(), a.times.len());
    }
    assert_eq!(a.times.first(), Some(&1));
    assert_eq!(a.times.last(), Some(&cfg.steps));
    assert!(a.times.windows(2).all(|w| w[0] < w[1]));
    let table = converge::format_table(&a);
    assert!(cfg.methods.iter().all(|m| table.contains(m.as_str())));
    let figure = converge::figure(&a).expect("the figure builds");
    perturbo::plot::render_svg(&figure).expect("the figure renders");
}

/// SGD and noisy GD on the quadratic with additive noise: the measured
/// `E|x_t - x*|^2` is within `Z` SE of the exact curve (eq. (E) of
/// proofs/sgd_bound.md) at every recorded `t`, below the bound (B) plus
/// `Z` SE, and the measured floor (window average) within `Z` SE of the
/// exact window average.
#[test]
fn sgd_follows_the_exact_curve_below_the_bound() {
    let r = quick();
    let mut checked = 0;
    for m in &r.methods {
        let Some(theory) = &m.theory else { continue };
        let curve = m.curve.as_ref().expect("SGD-type methods finish");
        let bound = theory
            .bound
            .as_ref()
            .expect("every quick SGD-type step is <= 1/L");
        for (i, est) in curve.sq_distance.iter().enumerate() {
            let t = r.times[i];
            assert!(
                (est.mean - theory.exact[i]).abs() <= Z * est.std_error,
                "{} at t = {t}: measured {} +- {}, exact {}",
                m.spec,
                est.mean,
                est.std_error,
                theory.exact[i]
            );
            assert!(
                est.mean <= bound.values[i] + Z * est.std_error,
                "{} at t = {t}: measured {} +- {} above the bound {}",
                m.spec,
                est.mean,
                est.std_error,
                bound.values[i]
            );
        }
        assert!(
            (curve.floor.mean - theory.exact_floor).abs() <= Z * curve.floor.std_error,
            "{}: floor {} +- {}, exact {}",
            m.spec,
            curve.floor.mean,
            curve.floor.std_error,
            theory.exact_floor
        );
        checked += 1;
    }
    // sgd at two steps and noisy-gd; the others have no exact theory.
    assert_eq!(checked, 3, "the theory should apply to exactly 3 methods");
    assert!(method(&r, "adam:lr=0.01").theory.is_none());
    assert!(method(&r, "momentum:lr=0.01,beta=0.9").theory.is_none());
}

/// Halving the step halves the floor, to first order in `lr L`: the exact
/// ratio is between 2 and `2 + lr L / (2 - lr L)` (module docs of
/// `converge`), and the measured ratio of the two SGD floors is within
/// `Z` SE of the exact ratio. The ratio's SE is the delta-method
/// `R sqrt((se_a/a)^2 + (se_b/b)^2)` of two independent estimates
/// (different seeds per method).
#[test]
fn halving_the_step_halves_the_floor() {
    let r = quick();
    let big = method(&r, "sgd:lr=0.1");
    let small = method(&r, "sgd:lr=0.05");
    let (a, b) = (
        big.curve.as_ref().expect("finished").floor,
        small.curve.as_ref().expect("finished").floor,
    );
    let (ta, tb) = (
        big.theory.as_ref().expect("sgd has theory"),
        small.theory.as_ref().expect("sgd has theory"),
    );
    let exact_ratio = ta.exact_floor / tb.exact_floor;
    let x = ta.lr * r.smoothness;
    // Deterministic: the window averages include a transient of relative
    // size below 1e-8 here ((1 - lr mu)^(2 steps/2) |x0 - x*|^2), so the
    // stationary interval holds to that accuracy.
    assert!(
        (2.0 - 1e-6..=2.0 + x / (2.0 - x) + 1e-6).contains(&exact_ratio),
        "exact ratio {exact_ratio} outside [2, {}]",
        2.0 + x / (2.0 - x)
    );
    let ratio = a.mean / b.mean;
    let se = ratio * ((a.std_error / a.mean).powi(2) + (b.std_error / b.mean).powi(2)).sqrt();
    assert!(
        (ratio - exact_ratio).abs() <= Z * se,
        "measured floor ratio {ratio} +- {se}, exact {exact_ratio}"
    );
    // The claim is testable at this size: 2 and 1 (no dependence on the
    // step) are far apart in SE units.
    assert!(Z * se < 0.5, "ratio SE {se} too large to test the claim");
}

#[test]
fn bad_configs_are_rejected_with_clear_errors() {
    let run = |cfg: ConvergeConfig| converge::run(&cfg, &|_| {});
    let base = || ConvergeConfig {
        chains: 4,
        steps: 10,
        ..ConvergeConfig::quick()
    };
    match run(ConvergeConfig {
        problem: "double-well".into(),
        ..base()
    }) {
        Err(Error::Unsupported(msg)) => assert!(msg.contains("quadratic"), "{msg}"),
        other => panic!("a non-quadratic problem was accepted: {other:?}"),
    }
    assert!(matches!(
        run(ConvergeConfig {
            chains: 1,
            ..base()
        }),
        Err(Error::OutOfRange { name: "chains", .. })
    ));
    assert!(matches!(
        run(ConvergeConfig { steps: 1, ..base() }),
        Err(Error::OutOfRange { name: "steps", .. })
    ));
    assert!(matches!(
        run(ConvergeConfig {
            records: 1,
            ..base()
        }),
        Err(Error::OutOfRange {
            name: "records",
            ..
        })
    ));
    assert!(matches!(
        run(ConvergeConfig {
            gradient_noise: 0.0,
            ..base()
        }),
        Err(Error::NonPositive {
            name: "gradient_noise",
            ..
        })
    ));
    assert!(matches!(
        run(ConvergeConfig {
            start_distance: f64::NAN,
            ..base()
        }),
        Err(Error::OutOfRange {
            name: "start_distance",
            ..
        })
    ));
    assert!(matches!(
        run(ConvergeConfig {
            methods: vec![],
            ..base()
        }),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        run(ConvergeConfig {
            methods: vec!["warp-drive:lr=1".into()],
            ..base()
        }),
        Err(Error::Unknown { .. })
    ));
    assert!(matches!(
        run(ConvergeConfig {
            methods: vec!["sgd".into()],
            ..base()
        }),
        Err(Error::BadSpec { .. })
    ));
    assert!(serde_json::from_str::<ConvergeConfig>(r#"{"chainz": 3}"#).is_err());
    let parsed: ConvergeConfig =
        serde_json::from_str(r#"{"chains": 3}"#).expect("a partial config takes the defaults");
    assert_eq!(parsed.chains, 3);
    assert_eq!(parsed.methods, ConvergeConfig::default().methods);
}
