//! Same-seed pins, rescaling, validation and determinism of every optimizer
//! piece, through the one driver.

mod common;

use common::on_threads;
use perturbo::experiments::run::{self, RunExperiment};
use perturbo::landscape::{self, Quadratic};
use perturbo::optim::{self, run_chains, RunConfig};
use perturbo::rng::Seed;
use perturbo::Error;

/// A short run of `optimizer` on a 2-D quadratic (or a model when the spec
/// needs one): the final states of three chains.
fn final_states(problem: &str, optimizer: &str, batch: Option<usize>) -> Vec<Vec<f64>> {
    let cfg = RunExperiment {
        problem: problem.into(),
        optimizer: optimizer.into(),
        steps: 200,
        burn_in: 0,
        chains: 3,
        batch,
        start: Some(vec![0.3; dim_of(problem)]),
        trace_every: None,
        seed: 7,
    };
    run::run(&cfg).unwrap().final_states
}

fn dim_of(problem: &str) -> usize {
    if problem.starts_with("least-squares") {
        4
    } else {
        2
    }
}

/// Every named method, as a one-line chain, on an objective it applies to.
const METHODS: [(&str, &str, Option<usize>); 23] = [
    ("quadratic:h=1,3", "gd:lr=0.1", None),
    ("least-squares:n=64,p=4", "sgd:lr=0.05", Some(8)),
    ("quadratic:h=1,3", "noisy-gd:lr=0.1,temperature=0.2", None),
    (
        "least-squares:n=64,p=4",
        "sgld:lr=0.01,temperature=0.1",
        Some(8),
    ),
    ("quadratic:h=1,3", "gni:lr=0.1,eta=0.3", None),
    ("quadratic:h=1,3", "sgd-noise:lr=0.1,batch=4", None),
    ("quadratic:h=1,3", "levy:lr=0.1,sigma=0.1,alpha=1.5", None),
    ("quadratic:h=1,3", "pgd:lr=0.1,radius=0.1,g_thres=0.5", None),
    ("quadratic:h=1,3", "anti-pgd:lr=0.1,sigma=0.1", None),
    ("quadratic:h=1,3", "rwp:lr=0.1,sigma=0.1", None),
    ("quadratic:h=1,3", "sam:lr=0.1,rho=0.05", None),
    ("quadratic:h=1,3", "asam:lr=0.1,rho=0.05", None),
    (
        "quadratic:h=1,3",
        "oscillate:lr=0.1,amplitude=0.1,period=20",
        None,
    ),
    ("quadratic:h=1,3", "momentum:lr=0.05", None),
    ("quadratic:h=1,3", "nesterov:lr=0.05", None),
    ("quadratic:h=1,3", "adam:lr=0.01", None),
    (
        "least-squares:n=64,p=4",
        "var-noise:lr=0.05,target=0.5",
        Some(8),
    ),
    (
        "quadratic:h=1,3",
        "curv-noise:lr=0.1,sigma=0.1,reference=1",
        None,
    ),
    (
        "quadratic:h=1,3",
        "curv-noise:lr=0.1,sigma=0.1,reference=1,top=2,power=-1",
        None,
    ),
    (
        "quadratic:h=1,3",
        "cosine:period=50 + noise:sigma=0.1 + clip:max_norm=1 + gd:lr=0.1",
        None,
    ),
    (
        "quadratic:h=1,3",
        "weight-decay:lambda=0.01 + adam:lr=0.01",
        None,
    ),
    (
        "least-squares:n=64,p=4",
        "input-noise:sigma=0.3 + sgd:lr=0.05",
        Some(8),
    ),
    (
        "least-squares:n=64,p=4",
        "dropout:p=0.2 + sgd:lr=0.05",
        None,
    ),
];

/// Two runs with the same seed give bit-identical chains, for every method.
#[test]
fn every_method_replays_from_its_seed() {
    for (problem, optimizer, batch) in METHODS {
        let a = final_states(problem, optimizer, batch);
        let b = final_states(problem, optimizer, batch);
        assert_eq!(a, b, "{optimizer} on {problem} did not replay");
        assert!(
            a.iter().flatten().all(|v| v.is_finite()),
            "{optimizer}: {a:?}"
        );
    }
}

/// Different chains of a noisy method draw different noise (a chain that
/// ignored its stream would make all chains equal).
#[test]
fn chains_of_noisy_methods_differ() {
    for (problem, optimizer, batch) in METHODS {
        let deterministic = [
            "gd:",
            "sam:",
            "asam:",
            "momentum:",
            "nesterov:",
            "adam:",
            "weight-decay:",
        ];
        if deterministic.iter().any(|m| optimizer.starts_with(m)) {
            continue;
        }
        let s = final_states(problem, optimizer, batch);
        assert_ne!(s[0], s[1], "{optimizer}: chains 0 and 1 coincide");
    }
}

/// The noise pieces are linear in their scale: with the same seed, scaling
/// sigma by `c` scales the displacement away from the noise-free step by
/// exactly `c` (up to rounding). One step from the same point is enough
/// and keeps the comparison free of the dynamics' nonlinearity. Left out,
/// because their output is not linear in the scale: input noise (the
/// least-squares gradient is quadratic in the input perturbation), the
/// variance controller (`sqrt(target - v / B)`), and oscillation (no
/// displacement at `t = 0`, where `sin 0 = 0`; deterministic given its
/// direction).
#[test]
fn rescaled_noise_gives_rescaled_output() {
    let pairs = [
        ("noise:sigma=0.1 + gd:lr=0.1", "noise:sigma=0.3 + gd:lr=0.1"),
        (
            "levy:lr=0.1,sigma=0.1,alpha=1.5",
            "levy:lr=0.1,sigma=0.3,alpha=1.5",
        ),
        ("anti-pgd:lr=0.1,sigma=0.1", "anti-pgd:lr=0.1,sigma=0.3"),
        (
            "pgd:lr=0.1,radius=0.1,g_thres=10",
            "pgd:lr=0.1,radius=0.3,g_thres=10",
        ),
        // Variance scales by 1/B: batch 9 -> 1 multiplies the noise by 3.
        ("sgd-noise:lr=0.1,batch=9", "sgd-noise:lr=0.1,batch=1"),
        // On a quadratic the gradient is linear, so grad V(x + sigma z) - grad V(x) = sigma H z.
        ("rwp:lr=0.1,sigma=0.1", "rwp:lr=0.1,sigma=0.3"),
        // Neelakantan's sigma_t = sqrt(eta) (1 + t)^(-gamma / 2): eta x 9 is noise x 3.
        ("gni:lr=0.1,eta=0.01", "gni:lr=0.1,eta=0.09"),
        // Hutchinson with Rademacher probes is exact on a diagonal Hessian
        // (z^T H z = Tr H for z in {-1, 1}^n), so kappa = Tr H / 2 = 2 and
        // the multiplier is 2 / reference: reference 3 -> 1 scales by 3.
        (
            "curv-noise:lr=0.1,sigma=0.1,reference=3",
            "curv-noise:lr=0.1,sigma=0.1,reference=1",
        ),
        (
            "noisy-gd:lr=0.1,temperature=0.01",
            "noisy-gd:lr=0.1,temperature=0.09",
        ),
    ];
    let problem = "quadratic:h=1,3";
    let one_step = |optimizer: &str| {
        let cfg = RunExperiment {
            problem: problem.into(),
            optimizer: optimizer.into(),
            steps: 1,
            burn_in: 0,
            chains: 2,
            batch: None,
            start: Some(vec![0.3, -0.2]),
            trace_every: None,
            seed: 11,
        };
        run::run(&cfg).unwrap().final_states
    };
    let free = one_step("gd:lr=0.1");
    for (small, large) in pairs {
        let (a, b) = (one_step(small), one_step(large));
        for c in 0..2 {
            for i in 0..2 {
                let (da, db) = (a[c][i] - free[c][i], b[c][i] - free[c][i]);
                // Exact linearity; the only error is rounding of O(1e-16) on
                // values of order 1 (subtracting the free step).
                assert!(
                    (db - 3.0 * da).abs() <= 1e-13,
                    "{small} vs {large}: chain {c} coordinate {i}: {da} x 3 != {db}"
                );
                assert!(da.abs() > 1e-6, "{small}: no noise at all ({da})");
            }
        }
    }
}

/// Bad hyper-parameters are rejected when the spec is parsed, with an
/// error naming the parameter.
#[test]
fn bad_hyper_parameters_are_rejected_at_construction() {
    let cases = [
        ("gd:lr=-0.1", "lr"),
        ("gd:lr=0", "lr"),
        ("sam:lr=0.1,rho=-1", "rho"),
        ("asam:lr=0.1,rho=0.1,eta=0", "eta"),
        ("noise:sigma=-1 + gd:lr=0.1", "sigma"),
        ("noisy-gd:lr=0.1,temperature=-1", "temperature"),
        ("gni:lr=0.1,eta=0.3,gamma=-0.5", "gamma"),
        ("levy:lr=0.1,sigma=1,alpha=2.5", "alpha"),
        ("momentum:lr=0.1,beta=1", "beta"),
        ("adam:lr=0.1,b2=1.5", "b2"),
        ("exp:rate=1.5 + noise:sigma=1 + gd:lr=0.1", "rate"),
        (
            "cyclic:period=10,low=2,high=1 + noise:sigma=1 + gd:lr=0.1",
            "low",
        ),
        ("pgd:lr=0.1,radius=0.1,g_thres=0.1,t_thres=2.5", "t_thres"),
        ("dropout:p=1 + gd:lr=0.1", "p"),
        ("gd:lr=0.1,rho=1", "rho"),
        ("gd:lr=0.1 + sgd:lr=0.1", "learning rate"),
        ("noise:sigma=1", "learning rate"),
        ("rwp:sigma=0.1 + sam:lr=0.1,rho=0.1", "probe"),
        ("gd:lr=0.1 + cosine:period=10", "no noise piece follows"),
        ("warp:lr=0.1", "unknown optimizer"),
    ];
    for (spec, needle) in cases {
        let err = optim::parse(spec).expect_err(spec).to_string();
        assert!(
            err.contains(needle),
            "{spec}: `{err}` does not mention {needle}"
        );
    }
}

/// A piece that needs a capability the objective lacks fails before the
/// first step, naming what is missing.
#[test]
fn missing_capabilities_fail_up_front() {
    let quadratic = Quadratic::diagonal(&[1.0, 2.0], vec![0.0, 0.0]).unwrap();
    let cfg = RunConfig {
        steps: 10,
        burn_in: 0,
        batch: None,
    };
    let start = vec![vec![1.0, 1.0]];
    for (spec, needle) in [
        ("input-noise:sigma=0.1 + gd:lr=0.1", "sample inputs"),
        ("var-noise:lr=0.1,target=1", "per-sample gradients"),
    ] {
        let opt = optim::parse(spec).unwrap();
        let err = run_chains(&quadratic, &opt, &start, &cfg, Seed(1), |_| ()).unwrap_err();
        assert!(err.to_string().contains(needle), "{spec}: {err}");
    }
    let batched = RunConfig {
        batch: Some(4),
        ..cfg
    };
    let gd = optim::parse("gd:lr=0.1").unwrap();
    let err = run_chains(&quadratic, &gd, &start, &batched, Seed(1), |_| ()).unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
}

/// A diverging chain is reported with its step and left out of the moments.
#[test]
fn divergence_is_reported_with_its_step() {
    // lr = 1.1 on V = x^2: x_t = (-1.2)^t. Step t computes the update
    // -2.2 x_t, which overflows first, at the least t with
    // 2.2 * 1.2^t > f64::MAX; the new x is then infinite.
    let cfg = RunExperiment {
        problem: "quadratic:h=2".into(),
        optimizer: "gd:lr=1.1".into(),
        steps: 10_000,
        burn_in: 0,
        chains: 1,
        start: Some(vec![1.0]),
        ..RunExperiment::default()
    };
    let report = run::run(&cfg).unwrap();
    let step = report.diverged[0].expect("must diverge");
    let predicted = ((f64::MAX.ln() - 2.2f64.ln()) / 1.2f64.ln()).ceil() as u64;
    assert!(
        step.abs_diff(predicted) <= 1,
        "diverged at {step}, predicted {predicted}"
    );
    assert!(
        report.cov.is_none(),
        "a diverged chain must not enter the moments"
    );
}

/// The report is bit-identical for 1 and 3 threads.
#[test]
fn reports_do_not_depend_on_the_thread_count() {
    let cfg = RunExperiment {
        problem: "least-squares:n=64,p=4".into(),
        optimizer: "rwp:sigma=0.05 + momentum:lr=0.02".into(),
        steps: 2_000,
        burn_in: 100,
        chains: 5,
        batch: Some(8),
        ..RunExperiment::default()
    };
    let with = |threads| {
        on_threads(threads, || {
            serde_json::to_string(&run::run(&cfg).unwrap()).unwrap()
        })
    };
    assert_eq!(with(1), with(3));
}

/// Every landscape name parses as a problem for `perturbo run`.
#[test]
fn every_landscape_runs_gradient_descent() {
    for name in landscape::registry::LANDSCAPE_NAMES {
        let problem = run::RunExperiment {
            problem: name.into(),
            optimizer: "gd:lr=0.01".into(),
            steps: 10,
            burn_in: 0,
            chains: 1,
            ..RunExperiment::default()
        };
        let report = run::run(&problem).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.final_loss[0].is_finite(), "{name}");
    }
}

/// Every method runs unchanged on a data-driven model with minibatches, as
/// on the landscapes: the same traits serve both.
#[test]
fn every_method_runs_on_a_data_driven_model() {
    for (_, optimizer, _) in METHODS {
        let states = final_states("least-squares:n=64,p=4", optimizer, Some(8));
        assert!(
            states.iter().flatten().all(|v| v.is_finite()),
            "{optimizer} on least squares: {states:?}"
        );
    }
}

/// A batch larger than `optim::INPUT_SLICE` with the inputs site active is
/// taken in slices whose means are recombined with weights `slice / batch`:
/// with inputs that the site leaves unchanged (dropout with `p = 0`), the
/// chain equals plain SGD's on the same minibatches up to that
/// recombination's rounding. Per step the two gradients differ by a few
/// roundings of terms of size `|g|`; the bound below allows 64 `f64`
/// roundings of the largest state per step over the 20 steps, far below the
/// step's own size (`lr |g| ~ 1e-2`), so a wrong weight (which rescales a
/// slice by an O(1) factor) fails it.
#[test]
fn large_batches_at_perturbed_inputs_are_recombined_exactly() {
    let batch = optim::INPUT_SLICE * 2 + 300;
    let run = |optimizer: &str| {
        let cfg = RunExperiment {
            problem: "least-squares:n=3000,p=4".into(),
            optimizer: optimizer.into(),
            steps: 20,
            burn_in: 0,
            chains: 1,
            batch: Some(batch),
            start: Some(vec![0.3; 4]),
            trace_every: None,
            seed: 5,
        };
        run::run(&cfg).unwrap().final_states.remove(0)
    };
    let sliced = run("dropout:p=0 + sgd:lr=0.05");
    let plain = run("sgd:lr=0.05");
    let scale = plain.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    let tol = 20.0 * 64.0 * f64::EPSILON * scale;
    for (a, b) in sliced.iter().zip(&plain) {
        assert!((a - b).abs() <= tol, "{sliced:?} vs {plain:?}");
    }
    assert_ne!(sliced, run("dropout:p=0.5 + sgd:lr=0.05"));
}
