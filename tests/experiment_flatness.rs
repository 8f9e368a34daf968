//! The `flatness` experiment: the quick config runs and replays bit for
//! bit on any thread count, noisy GD ends in the flat basin as often as the
//! Gibbs law predicts, n-D landscapes and models run, and bad configs are
//! rejected.

mod common;

use common::on_threads;
use perturbo::experiments::flatness::{
    self, FlatnessConfig, FlatnessReport, MethodSweep, Proportion,
};
use perturbo::landscape;

/// Standard errors allowed between a Monte Carlo proportion and its
/// prediction: a binomial proportion over a few hundred chains is close to
/// normal, and a 5 SE deviation has probability below 1e-6.
const Z: f64 = 5.0;

fn quiet(_: &str) {}

fn noisy_gd(levels: &[f64]) -> MethodSweep {
    MethodSweep {
        label: "noisy GD".into(),
        template: "noisy-gd:lr=0.01,temperature={s}".into(),
        levels: levels.to_vec(),
        gibbs: true,
    }
}

/// Asserts that the noisy-GD point at `level` matches the Gibbs mass.
fn assert_gibbs(report: &FlatnessReport, level: f64) {
    let p = report
        .points
        .iter()
        .find(|p| p.gibbs_flat.is_some() && p.level.is_some_and(|s| (s - level).abs() < 1e-12))
        .expect("a noisy-GD point at this level");
    let gibbs = p.gibbs_flat.unwrap();
    let flat = p.flat.expect("the landscape lists minima");
    // SE of a binomial proportion at the predicted p (the null hypothesis).
    let se = (gibbs * (1.0 - gibbs) / flat.trials as f64).sqrt();
    assert!(
        (flat.p - gibbs).abs() <= Z * se,
        "T = {level}: fraction flat {} vs Gibbs mass {gibbs} (5 SE = {})",
        flat.p,
        Z * se
    );
}

#[test]
fn quick_config_runs_and_noisy_gd_reaches_the_gibbs_mass() {
    let cfg = FlatnessConfig::quick();
    let report = flatness::run(&cfg, &quiet).unwrap();
    let runs: usize = cfg.methods.iter().map(|m| m.levels.len().max(1)).sum();
    assert_eq!(report.points.len(), runs);
    assert_eq!(
        report.flat_minimum,
        Some(vec![1.0]),
        "V''(1) = 4 < V''(-1) = 24"
    );
    for p in &report.points {
        let flat = p.flat.expect("sharp-flat lists its minima");
        assert!(flat.low <= flat.p && flat.p <= flat.high);
        assert_eq!(flat.trials + p.diverged, cfg.chains);
        // In 1-D the Hutchinson trace and the top eigenvalue of the 1x1
        // Hessian are V'' itself (Rademacher probes: z^2 = 1), up to rounding.
        let exact = p.exact_trace.unwrap().mean;
        let tol = 1e-9 * exact.abs().max(1.0);
        assert!((p.hutchinson_trace.unwrap().mean - exact).abs() <= tol);
        assert!((p.top_eigenvalue.unwrap().mean - exact).abs() <= tol);
    }
    // The hottest quick temperature (T = 2): the Kramers rate out of the
    // flat well is ~ sqrt(4 * 7) / (2 pi) * exp(-1.75 / 2) ~ 0.35 per unit
    // time, so 5000 steps of 0.01 (50 time units) are ~17 relaxation times.
    let hottest = cfg.methods[1].levels.iter().copied().fold(0.0, f64::max);
    assert_gibbs(&report, hottest);
    let table = flatness::format_table(&report);
    assert!(table.contains("noisy GD") && table.contains("Wilson"));
    let figure = flatness::figure(&report).unwrap();
    assert!(figure.log_x);
    assert!(figure.series.iter().any(|s| s.label.contains("Gibbs")));
}

#[test]
fn noisy_gd_at_moderate_temperature_reaches_the_gibbs_mass() {
    // T = 0.5: escape rate from the flat well ~ 0.84 exp(-3.5) ~ 0.025 and
    // from the sharp one ~ 0.06 per unit time, relaxation time ~ 12 against
    // 200 time units simulated. The O(lr) bias of the discrete chain
    // (variance in the sharp well inflated by 1/(1 - lr V''/2) ~ 1.14)
    // moves the mass by ~0.01, well inside 5 SE ~ 0.11.
    let cfg = FlatnessConfig {
        methods: vec![noisy_gd(&[0.5])],
        steps: 20_000,
        chains: 400,
        ..FlatnessConfig::default()
    };
    let report = flatness::run(&cfg, &quiet).unwrap();
    assert_gibbs(&report, 0.5);
}

#[test]
fn replays_bit_identically_for_any_thread_count() {
    let mut cfg = FlatnessConfig::quick();
    cfg.chains = 40;
    cfg.steps = 500;
    let a = flatness::run(&cfg, &quiet).unwrap();
    let b = on_threads(1, || flatness::run(&cfg, &quiet).unwrap());
    assert_eq!(a, b);
    let json = serde_json::to_string(&a).unwrap();
    let back: FlatnessReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.points.len(), a.points.len());
}

#[test]
fn wilson_interval_brackets_and_matches_a_hand_value() {
    // n = 10, k = 0, z = 1.96: upper end z^2 / (n + z^2) = 0.2775.
    let w = Proportion::wilson(0, 10, 1.96);
    assert!(w.low.abs() < 1e-15 && (w.high - 3.8416 / 13.8416).abs() < 1e-12);
    let w = Proportion::wilson(5, 10, 1.96);
    assert!((w.low + w.high - 1.0).abs() < 1e-12, "symmetric at p = 1/2");
}

#[test]
fn gibbs_mass_tends_to_the_laplace_ratio_at_low_temperature() {
    // Equal depths: the well masses are ~ sqrt(2 pi T / V''), so the flat
    // share tends to sqrt(24) / (sqrt(24) + sqrt(4)) = 0.7101 as T -> 0;
    // the first correction is O(T), hence the loose 1e-2 at T = 0.01.
    let l = landscape::parse("sharp-flat:left=24,right=4,width=0.5").unwrap();
    let m = flatness::gibbs_flat_mass(&l, 0.01).unwrap();
    let laplace = 24f64.sqrt() / (24f64.sqrt() + 2.0);
    assert!((m - laplace).abs() < 1e-2, "{m} vs {laplace}");
}

#[test]
fn runs_on_n_d_landscapes_and_models() {
    let base = FlatnessConfig {
        methods: vec![
            MethodSweep {
                label: "GD".into(),
                template: "gd:lr=0.05".into(),
                levels: vec![],
                gibbs: false,
            },
            noisy_gd(&[0.1]),
        ],
        steps: 200,
        chains: 20,
        ..FlatnessConfig::default()
    };
    let cfg = FlatnessConfig {
        problem: "strict-saddle:gamma=1,h=1".into(),
        ..base.clone()
    };
    let r = flatness::run(&cfg, &quiet).unwrap();
    assert!(r
        .points
        .iter()
        .all(|p| p.flat.is_some() && p.exact_trace.is_some()));
    // The Gibbs line is 1-D only.
    assert!(r.points.iter().all(|p| p.gibbs_flat.is_none()));
    let cfg = FlatnessConfig {
        problem: "least-squares:n=64,p=3".into(),
        ..base
    };
    let r = flatness::run(&cfg, &quiet).unwrap();
    assert!(r.flat_minimum.is_none());
    assert!(r
        .points
        .iter()
        .all(|p| p.flat.is_none() && p.hutchinson_trace.is_some()));
    let err = flatness::figure(&r).unwrap_err().to_string();
    assert!(err.contains("no minima"), "{err}");
}

#[test]
fn bad_configs_are_rejected_with_clear_errors() {
    let small = FlatnessConfig {
        steps: 10,
        chains: 2,
        ..FlatnessConfig::quick()
    };
    let reject = |cfg: FlatnessConfig, needle: &str| {
        let err = flatness::run(&cfg, &quiet).unwrap_err().to_string();
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
    };
    reject(
        FlatnessConfig {
            chains: 0,
            ..small.clone()
        },
        "chains",
    );
    reject(
        FlatnessConfig {
            steps: 0,
            ..small.clone()
        },
        "steps",
    );
    reject(
        FlatnessConfig {
            start_range: (1.0, -1.0),
            ..small.clone()
        },
        "start_range",
    );
    reject(
        FlatnessConfig {
            start_range: (f64::NAN, 1.0),
            ..small.clone()
        },
        "start_range",
    );
    reject(
        FlatnessConfig {
            methods: vec![],
            ..small.clone()
        },
        "no methods",
    );
    reject(
        FlatnessConfig {
            problem: "nope".into(),
            ..small.clone()
        },
        "nope",
    );
    let with = |m: MethodSweep| FlatnessConfig {
        methods: vec![m],
        ..small.clone()
    };
    reject(with(noisy_gd(&[])), "no levels");
    reject(with(noisy_gd(&[-0.1])), "noise level");
    reject(
        with(MethodSweep {
            template: "gd:lr=0.01".into(),
            ..noisy_gd(&[0.1])
        }),
        "has no {s}",
    );
    reject(
        with(MethodSweep {
            template: "warp:lr={s}".into(),
            ..noisy_gd(&[0.1])
        }),
        "warp",
    );
    let unknown = serde_json::from_str::<FlatnessConfig>(r#"{"chain": 3}"#).unwrap_err();
    assert!(unknown.to_string().contains("unknown field"));
}
