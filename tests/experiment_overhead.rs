//! `perturbo bench overhead`: the evaluation counts per step are exact and
//! are what each method's definition implies, they replay, methods the
//! objective cannot serve are skipped with the reason, and bad configs are
//! rejected.
//!
//! All count checks are exact integer equalities: the counts come from the
//! driver's evaluator, not from a measurement. There are deliberately no
//! assertions on times (they belong to `benches/overhead.rs`); only the
//! shape of the timing fields is checked.

use perturbo::experiments::overhead::{
    self, MethodCost, ObjectiveConfig, Outcome, OverheadConfig, OverheadReport,
};
use perturbo::optim::{Counts, OPTIMIZER_NAMES};
use perturbo::Error;

/// Steps per run: not a multiple of the refresh periods below, so a
/// controller that refreshed on every step (or never) is caught.
const STEPS: u64 = 50;
/// Minibatch size on the model.
const BATCH: u64 = 4;

/// Extra specs with non-default refresh periods and probe counts.
const VARIANTS: [&str; 2] = [
    "var-noise:lr=0.05,target=0.01,every=3",
    "curv-noise:lr=0.05,sigma=0.01,reference=1,every=7,probes=3",
];

/// A small model with a minibatch and a 2-D landscape with full gradients,
/// every default method plus [`VARIANTS`], one repeat.
fn small() -> OverheadConfig {
    let mut methods = OverheadConfig::default().methods;
    methods.extend(VARIANTS.map(String::from));
    OverheadConfig {
        objectives: vec![
            ObjectiveConfig {
                problem: "least-squares:n=128,p=8".into(),
                batch: Some(BATCH as usize),
                steps: STEPS,
            },
            ObjectiveConfig {
                problem: "quadratic:h=1,10".into(),
                batch: None,
                steps: STEPS,
            },
        ],
        methods,
        repeats: 1,
        ..OverheadConfig::default()
    }
}

/// Refreshes of a controller with period `every` in steps `0..STEPS`
/// (it refreshes when `t` is a multiple of `every`).
fn refreshes(every: u64) -> u64 {
    STEPS.div_ceil(every)
}

/// The counts a spec's definition implies over [`STEPS`] steps with
/// minibatch size `b` (0: full gradients, which count no per-sample
/// gradients). Every method takes one (minibatch) gradient per step except
/// where noted.
fn expected(spec: &str, b: u64) -> Counts {
    let t = STEPS;
    let one_gradient = Counts {
        gradients: t,
        sample_gradients: b * t,
        ..Counts::default()
    };
    match spec.split(':').next().unwrap() {
        // Gradient at x, then at the ascent point (Foret et al. 2021, Alg. 1).
        "sam" | "asam" => Counts {
            gradients: 2 * t,
            sample_gradients: 2 * b * t,
            ..Counts::default()
        },
        // One dense Hessian per step for N(0, |H|/B).
        "sgd-noise" => Counts {
            hessians: t,
            ..one_gradient
        },
        // Two passes over the batch's per-sample gradients per refresh.
        "var-noise" => {
            let every = if spec.contains("every=3") { 3 } else { 1 };
            Counts {
                sample_gradients: b * t + 2 * b * refreshes(every),
                ..one_gradient
            }
        }
        // `probes` Hutchinson HVPs per refresh (defaults every=10, probes=10).
        "curv-noise" => {
            let (every, probes) = if spec.contains("every=7") {
                (7, 3)
            } else {
                (10, 10)
            };
            Counts {
                hessian_vectors: probes * refreshes(every),
                ..one_gradient
            }
        }
        // Metropolis-Hastings: gradient and value at the current point and
        // at the proposal, one proposal per step (full objective only).
        "mala" => Counts {
            gradients: 2 * t,
            values: 2 * t,
            proposals: t,
            ..Counts::default()
        },
        _ => one_gradient,
    }
}

/// `counts` with the accepted proposals (random) taken from `actual`, after
/// checking they are at most the proposals.
fn with_accepted(expected: Counts, actual: &Counts) -> Counts {
    assert!(actual.accepted <= actual.proposals);
    Counts {
        accepted: actual.accepted,
        ..expected
    }
}

fn cost(m: &MethodCost) -> &overhead::Cost {
    match &m.outcome {
        Outcome::Measured(c) => c,
        Outcome::Skipped { reason } => panic!("{} skipped: {reason}", m.spec),
    }
}

fn run(cfg: &OverheadConfig) -> OverheadReport {
    overhead::run(cfg, &|_| {}).expect("the config runs")
}

#[test]
fn default_methods_are_every_named_method() {
    let cfg = OverheadConfig::default();
    let names: Vec<String> = cfg
        .methods
        .iter()
        .map(|m| m.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(names, OPTIMIZER_NAMES.map(String::from).to_vec());
    assert!(cfg.baseline.starts_with("sgd:"));
    assert!(cfg.objectives.iter().any(|o| o.batch.is_some()));
    assert!(cfg.objectives.iter().any(|o| o.batch.is_none()));
}

/// Every measured row's counts equal [`expected`] exactly, and the per-step
/// figures are those counts divided by the steps. On the landscape the
/// methods that need per-sample gradients or sample inputs are skipped.
#[test]
fn counts_per_step_are_exact() {
    let cfg = small();
    let report = run(&cfg);
    assert_eq!(report.objectives.len(), 2);
    let model = &report.objectives[0];
    for m in &model.methods {
        if let Outcome::Skipped { reason } = &m.outcome {
            assert_eq!(m.name, "mala", "{} skipped: {reason}", m.spec);
            assert!(reason.contains("full objective"), "{reason}");
            continue;
        }
        let c = cost(m);
        assert_eq!(c.diverged_at, None, "{}", m.spec);
        assert_eq!(c.steps, STEPS);
        assert_eq!(
            c.counts,
            expected(&m.spec, BATCH),
            "{} on the model",
            m.spec
        );
        let per = |n: u64| n as f64 / STEPS as f64;
        // Exact up to the rounding of one division.
        let tol = 1e-12;
        assert!((c.per_step.gradients - per(c.counts.gradients)).abs() < tol);
        assert!((c.per_step.sample_gradients - per(c.counts.sample_gradients)).abs() < tol);
        assert!((c.per_step.hessian_vectors - per(c.counts.hessian_vectors)).abs() < tol);
        assert!((c.per_step.hessians - per(c.counts.hessians)).abs() < tol);
        assert!(c.per_step.values.abs() < tol);
    }
    let landscape = &report.objectives[1];
    for m in &landscape.methods {
        let needs_data = matches!(m.name.as_str(), "var-noise" | "input-noise" | "dropout");
        match &m.outcome {
            Outcome::Skipped { reason } => {
                assert!(needs_data, "{} skipped: {reason}", m.spec);
                assert!(
                    reason.contains("per-sample gradients") || reason.contains("sample inputs"),
                    "{reason}"
                );
            }
            Outcome::Measured(c) => {
                assert!(!needs_data, "{} ran on a landscape", m.spec);
                assert_eq!(
                    c.counts,
                    with_accepted(expected(&m.spec, 0), &c.counts),
                    "{} on the landscape",
                    m.spec
                );
            }
        }
    }
}

/// The definitions' headline numbers, read off the per-step column.
#[test]
fn headline_costs_per_step() {
    let report = run(&small());
    let model = &report.objectives[0];
    let row = |spec_start: &str| {
        cost(
            model
                .methods
                .iter()
                .find(|m| m.spec.starts_with(spec_start))
                .unwrap_or_else(|| panic!("{spec_start} in the config")),
        )
        .per_step
    };
    let tol = 1e-12;
    assert!((row("sam:").gradients - 2.0).abs() < tol);
    assert!((row("rwp:").gradients - 1.0).abs() < tol);
    assert!((row("sgd-noise:").hessians - 1.0).abs() < tol);
    let b = BATCH as f64;
    assert!((row("var-noise:lr=0.05,target=0.01").sample_gradients - 3.0 * b).abs() < tol);
    assert!((row("sgd:").sample_gradients - b).abs() < tol);
    // probes = 10 every 10 steps over 50 steps: exactly 1 HVP per step.
    assert!((row("curv-noise:lr=0.05,sigma=0.01,reference=1").hessian_vectors - 1.0).abs() < tol);
}

/// Two runs of the same config give the same counts, outcomes and
/// structure (the times differ, and are not compared).
#[test]
fn counts_replay_and_timing_fields_have_their_shape() {
    let mut cfg = small();
    cfg.repeats = 2;
    let a = run(&cfg);
    let b = run(&cfg);
    for (oa, ob) in a.objectives.iter().zip(&b.objectives) {
        assert_eq!(oa.methods.len(), cfg.methods.len());
        assert!(oa.baseline_nanos_per_step.is_some());
        for (ma, mb) in oa.methods.iter().zip(&ob.methods) {
            assert_eq!(ma.spec, mb.spec);
            assert_eq!(ma.sites, mb.sites);
            match (&ma.outcome, &mb.outcome) {
                (Outcome::Measured(ca), Outcome::Measured(cb)) => {
                    assert_eq!(ca.counts, cb.counts, "{}", ma.spec);
                    assert_eq!(ca.ratios.len(), cfg.repeats);
                    assert!(ca.ratios.iter().all(|r| r.is_finite() && *r > 0.0));
                    let (lo, hi) = (
                        ca.ratios[0].min(ca.ratios[1]),
                        ca.ratios[0].max(ca.ratios[1]),
                    );
                    assert!(lo <= ca.median_ratio && ca.median_ratio <= hi);
                }
                (Outcome::Skipped { reason: ra }, Outcome::Skipped { reason: rb }) => {
                    assert_eq!(ra, rb)
                }
                _ => panic!("{} measured once and skipped once", ma.spec),
            }
        }
    }
    let table = overhead::format_table(&a);
    assert!(cfg.methods.iter().all(|m| table.contains(m.as_str())));
    assert!(table.contains("n/a"));
    let json = serde_json::to_string(&a).expect("the report serializes");
    let back: OverheadReport = serde_json::from_str(&json).expect("and parses back");
    assert_eq!(back.config, a.config);
    for (ob, oa) in back.objectives.iter().zip(&a.objectives) {
        for (mb, ma) in ob.methods.iter().zip(&oa.methods) {
            if let (Outcome::Measured(cb), Outcome::Measured(ca)) = (&mb.outcome, &ma.outcome) {
                assert_eq!(cb.counts, ca.counts);
            }
        }
    }
}

#[test]
fn bad_configs_are_rejected() {
    let base = || OverheadConfig {
        methods: vec!["sgd:lr=0.05".into()],
        ..small()
    };
    let err = |cfg: OverheadConfig| overhead::run(&cfg, &|_| {}).unwrap_err();
    assert!(matches!(
        err(OverheadConfig {
            repeats: 0,
            ..base()
        }),
        Error::OutOfRange {
            name: "repeats",
            ..
        }
    ));
    let mut zero_steps = base();
    zero_steps.objectives[0].steps = 0;
    assert!(matches!(
        err(zero_steps),
        Error::OutOfRange { name: "steps", .. }
    ));
    assert!(matches!(
        err(OverheadConfig {
            methods: vec![],
            ..base()
        }),
        Error::Unsupported(_)
    ));
    assert!(matches!(
        err(OverheadConfig {
            methods: vec!["no-such-method:lr=1".into()],
            ..base()
        }),
        Error::Unknown { .. }
    ));
    assert!(matches!(
        err(OverheadConfig {
            start: f64::NAN,
            ..base()
        }),
        Error::NonFinite { .. }
    ));
    // A minibatch on a landscape (no per-sample gradients).
    let mut batch_on_landscape = base();
    batch_on_landscape.objectives[1].batch = Some(2);
    assert!(matches!(err(batch_on_landscape), Error::Unsupported(_)));
    // The variance controller without a minibatch fails in its first step.
    let mut no_batch = OverheadConfig {
        methods: vec!["var-noise:lr=0.05,target=0.01".into()],
        ..base()
    };
    no_batch.objectives[0].batch = None;
    assert!(matches!(err(no_batch), Error::Unsupported(_)));
}
