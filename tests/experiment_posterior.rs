//! `perturbo posterior` and the posterior figures: fitted slopes against the
//! exact theory within their bootstrap intervals, Monte Carlo figure data
//! against the closed forms at Z = 5 standard errors over independent
//! chains, JSON round trips, bit-identical replays, and config errors.

use perturbo::experiments::posterior::{
    self, sgd, sghmc, ula, PosteriorConfig, PosteriorReport, Sampler, SamplerSweep,
};
use perturbo::Error;

/// Standard errors allowed between a Monte Carlo estimate and its exact
/// value (the project's Z for independent chains).
const Z: f64 = 5.0;

/// The default sweeps for the samplers with an exact theory, at CI size.
fn config() -> PosteriorConfig {
    let grid = vec![0.15, 0.3, 0.6, 1.2];
    PosteriorConfig {
        samplers: vec![
            SamplerSweep {
                sampler: Sampler::Ula,
                steps: grid.clone(),
            },
            SamplerSweep {
                sampler: Sampler::Sgld { batch: 8 },
                steps: vec![0.04, 0.08, 0.16, 0.32],
            },
            SamplerSweep {
                sampler: Sampler::Sghmc { friction: 0.5 },
                steps: grid,
            },
        ],
        chains: 16,
        steps: 8_000,
        ..PosteriorConfig::quick()
    }
}

/// Every slope with an exact counterpart agrees with it within Z bootstrap
/// standard errors of the measured slope. The exact slope is that of the
/// exact stationary W2 / KL / excess trace at the same points (not the
/// asymptotic one, which the finite steps do not reach: e.g. ULA's W2 slope
/// over these steps is about 1.2, tending to 1 as lr -> 0); a measured
/// error also contains sampling noise, an upward bias of the order of its
/// bootstrap spread, so points are chosen where the bias dominates.
#[test]
fn slopes_match_the_exact_theory_within_their_intervals() {
    let r = posterior::run(&config(), &|_| {}).unwrap();
    let mut checked = 0;
    for row in &r.slopes {
        let (Some(m), Some(exact)) = (&row.measured, row.exact) else {
            continue;
        };
        assert!(
            (m.fit.slope - exact).abs() <= Z * m.se,
            "{} {} {}: slope {} +- {} vs exact {exact}",
            row.sweep,
            row.sampler,
            row.quantity,
            m.fit.slope,
            m.se
        );
        // The asymptotic slope is the small-step limit of the exact one.
        if let Some(a) = row.asymptotic {
            assert!(
                (exact - a).abs() < 0.5 * a.abs(),
                "{}: {exact} vs {a}",
                row.quantity
            );
        }
        checked += 1;
    }
    // ULA, SGLD, SGHMC (W2, KL each), two batch sweeps, one temperature sweep.
    assert_eq!(checked, 9, "{:#?}", r.slopes);
    let t = r.slopes.iter().find(|s| s.sweep == "temperature").unwrap();
    // W2 scales exactly as sqrt(T) for ULA (all variances scale with T).
    assert!((t.exact.unwrap() - 0.5).abs() < 1e-9);
    // Nothing diverged at these stable steps.
    assert!(r
        .sweeps
        .iter()
        .flat_map(|s| &s.points)
        .all(|p| p.diverged == 0));
}

/// A small run, for round trips and replays.
fn tiny() -> PosteriorConfig {
    PosteriorConfig {
        samplers: vec![SamplerSweep {
            sampler: Sampler::Mala,
            steps: vec![0.3, 0.6, 1.2],
        }],
        batches: vec![4, 16],
        temperatures: vec![0.5, 2.0],
        chains: 4,
        steps: 600,
        burn_in: 100,
        bootstrap: 20,
        ..PosteriorConfig::default()
    }
}

#[test]
fn report_round_trips_through_json_and_replays_bit_for_bit() {
    let a = posterior::run(&tiny(), &|_| {}).unwrap();
    let text = serde_json::to_string(&a).unwrap();
    let back: PosteriorReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, a);
    let b = posterior::run(&tiny(), &|_| {}).unwrap();
    assert_eq!(serde_json::to_string(&b).unwrap(), text);
    // MALA reports its acceptance rate, a probability.
    let acc = a.sweeps[0].points[0].acceptance.unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(posterior::format_table(&a).contains("mala"));
    posterior::sweep_figure(&a).unwrap();
    // The config's JSON (with its sampler tags) round-trips too.
    let cfg: PosteriorConfig =
        serde_json::from_str(&serde_json::to_string(&PosteriorConfig::default()).unwrap()).unwrap();
    assert_eq!(cfg, PosteriorConfig::default());
}

#[test]
fn bad_configs_are_errors() {
    let bad = [
        PosteriorConfig {
            target: "gaussian:d=2".into(),
            ..tiny()
        },
        PosteriorConfig {
            chains: 1,
            ..tiny()
        },
        PosteriorConfig {
            bootstrap: 5,
            ..tiny()
        },
        PosteriorConfig {
            burn_in: 600,
            ..tiny()
        },
        PosteriorConfig {
            temperatures: vec![0.0],
            ..tiny()
        },
        PosteriorConfig {
            batch_step: -1.0,
            ..tiny()
        },
    ];
    for cfg in bad {
        let err = posterior::run(&cfg, &|_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unsupported(_) | Error::OutOfRange { .. } | Error::NonPositive { .. }
            ),
            "{err:?}"
        );
    }
    assert!(serde_json::from_str::<PosteriorConfig>(r#"{"chain": 3}"#).is_err());
    assert!(serde_json::from_str::<PosteriorConfig>(
        r#"{"samplers": [{"sampler": {"kind": "hmc"}, "steps": [1]}]}"#
    )
    .is_err());
}

/// Asserts `|measured - exact| <= Z se`.
fn within(what: &str, mean: f64, se: f64, exact: f64) {
    assert!(
        (mean - exact).abs() <= Z * se,
        "{what}: {mean} +- {se} vs exact {exact}"
    );
}

/// The figures' Monte Carlo data agree with their closed forms.
#[test]
fn figure_data_match_their_closed_forms() {
    let r = ula::ula_bias_report(3, true).unwrap();
    for p in &r.points {
        for (e, exact) in p.measured.iter().zip(&p.exact) {
            within("ula_bias", e.mean, e.std_error, *exact);
        }
    }
    // Near the limit (0.9 of it) the stiff direction's variance is ten
    // times its target `sigma^2 / (1 - 0.9)`: far outside its interval.
    let stiff = if r.sigma2[0] < r.sigma2[1] { 0 } else { 1 };
    let last = &r.points.last().unwrap().measured[stiff];
    assert!(last.mean - Z * last.std_error > 2.0 * r.sigma2[stiff]);

    let r = sghmc::sghmc_friction_report(4, true).unwrap();
    for c in &r.curves {
        for (e, exact) in c.measured.iter().zip(&c.exact) {
            within("sghmc_friction", e.mean, e.std_error, *exact);
        }
    }
    // Corrected SGHMC is near the target, uncorrected is hot, naive grows.
    assert!((r.curves[0].stationary - 1.0).abs() < 0.05);
    assert!(r.curves[1].stationary > 1.3);
    assert!(r.naive.last().unwrap() > &(10.0 * r.naive[0]));

    let r = sgd::sgld_tradeoff_report(5, true).unwrap();
    // At the last time only: each chain's squared error is then a square of
    // a near-normal average (of ~100 or more effective draws), so the mean
    // over chains is near-normal too; at small `m` the squared errors are
    // heavy-tailed and their sample SE unreliable (the figure shows them).
    for (h, exact, measured) in &r.constant {
        let (e, x) = (measured.last().unwrap(), exact.last().unwrap());
        within(&format!("sgld_tradeoff h = {h}"), e.mean, e.std_error, *x);
    }
    // Decreasing steps: MSE decays like m^{-2/3} at the end (slope of the
    // last decade within 0.1 of -2/3: the bias^2 and variance terms are
    // both of that order there).
    let n = r.times.len();
    let slope = (r.decreasing[n - 1] / r.decreasing[n - 5]).ln()
        / (r.times[n - 1] as f64 / r.times[n - 5] as f64).ln();
    assert!((slope + 2.0 / 3.0).abs() < 0.1, "{slope}");

    let r = sgd::mandt_report(6, true).unwrap();
    // The exact discrete KL is smallest near Mandt's lr* (the OU optimum):
    // within a factor 2 on the grid from lr*/4 to 4 lr*.
    let best = r.curve.iter().min_by(|a, b| a.2.total_cmp(&b.2)).unwrap().0;
    assert!(
        best > 0.5 * r.lr_star && best < 2.0 * r.lr_star,
        "{best} vs {}",
        r.lr_star
    );
    // Simulated SGD: the KL at lr* within its interval widened by Z.
    let p = &r.points[2];
    let exact = r
        .curve
        .iter()
        .min_by(|a, b| (a.0 - p.lr).abs().total_cmp(&(b.0 - p.lr).abs()))
        .unwrap();
    assert!((p.kl.estimate - exact.2).abs() <= Z * p.kl.se + 0.05 * exact.2);

    let r = ula::ula_w2_bound_report().unwrap();
    for c in &r.curves {
        for &(_, w, b) in &c.rows {
            assert!(w <= b, "exact W2 {w} above the bound {b}");
        }
    }
}

#[test]
fn every_figure_renders() {
    let figs = posterior::figures(1, true, &|_| {}).unwrap();
    let names: Vec<_> = figs.iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        [
            "posterior_sweep",
            "ula_bias",
            "ula_w2_bound",
            "mandt_sgd",
            "sgld_tradeoff",
            "sghmc_friction"
        ]
    );
    for (name, figure, _) in &figs {
        perturbo::plot::render_svg(figure).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
