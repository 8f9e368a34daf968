//! The five optimizer-claim figures (`experiments::optim_claims`) in quick
//! mode: they run, replay bit for bit, render, and each report's Monte
//! Carlo agrees with its closed form where the figure claims it does.
//!
//! Every Monte Carlo check allows `Z = 5` standard errors, the standard
//! error taken over independent chains (or independent antithetic pairs),
//! so no autocorrelation model is involved; one check's false-alarm
//! probability is below 6e-7 and the seeds are fixed, so the tests are
//! deterministic. "Tells apart" checks assert the opposite: the estimate is
//! more than `Z` standard errors from the rival prediction, which is what
//! makes the agreement informative.

use std::sync::OnceLock;

use perturbo::experiments::optim_claims::{
    anti_pgd_report, input_noise_ridge_report, noisy_gd_covariance_report, run_all,
    saddle_escape_report, weight_perturbation_report, AntiPgdReport, InputNoiseRidgeReport,
    NoisyGdCovarianceReport, OptimClaimsConfig, SaddleEscapeReport, WeightPerturbationReport,
};
use perturbo::plot;

/// Standard errors allowed between an estimate and its prediction.
const Z: f64 = 5.0;

const QUICK: OptimClaimsConfig = OptimClaimsConfig {
    seed: 11,
    quick: true,
};

struct Reports {
    noisy_gd: NoisyGdCovarianceReport,
    weight: WeightPerturbationReport,
    input: InputNoiseRidgeReport,
    saddle: SaddleEscapeReport,
    anti: AntiPgdReport,
}

/// The quick reports, computed once for the whole binary.
fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let quiet = |_: &str| {};
        Reports {
            noisy_gd: noisy_gd_covariance_report(&QUICK, &quiet).unwrap(),
            weight: weight_perturbation_report(&QUICK, &quiet).unwrap(),
            input: input_noise_ridge_report(&QUICK, &quiet).unwrap(),
            saddle: saddle_escape_report(&QUICK, &quiet).unwrap(),
            anti: anti_pgd_report(&QUICK, &quiet).unwrap(),
        }
    })
}

/// `run_all` gives the five named figures; its reports equal, value for
/// value, the ones computed separately with the same seed (a replay), and
/// every figure renders to SVG.
#[test]
fn run_all_replays_bit_identically_and_renders() {
    let all = run_all(&QUICK, &|_| {}).unwrap();
    let names: Vec<&str> = all.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        names,
        [
            "noisy_gd_covariance",
            "weight_perturbation",
            "input_noise_ridge",
            "saddle_escape",
            "anti_pgd"
        ]
    );
    let r = reports();
    let separate = [
        serde_json::to_value(&r.noisy_gd).unwrap(),
        serde_json::to_value(&r.weight).unwrap(),
        serde_json::to_value(&r.input).unwrap(),
        serde_json::to_value(&r.saddle).unwrap(),
        serde_json::to_value(&r.anti).unwrap(),
    ];
    for ((name, figure, json), again) in all.iter().zip(&separate) {
        assert_eq!(json, again, "{name} did not replay");
        let svg = plot::render_svg(figure).unwrap();
        assert!(svg.starts_with("<svg"), "{name}: not an SVG document");
    }
}

/// Noisy GD's stationary variance along each eigenvector is the discrete
/// Lyapunov value `T / (lambda (1 - lr lambda / 2))` at every step size
/// (`proofs/noisy_gd_covariance.md`); at the largest step the stiff
/// direction is far from the Gibbs `T / lambda`, so the check tells the
/// two apart.
#[test]
fn noisy_gd_variance_is_the_lyapunov_value_not_gibbs() {
    let r = &reports().noisy_gd;
    for p in &r.points {
        for (i, (m, exact)) in p.measured.iter().zip(&p.exact).enumerate() {
            // Z SE over independent chains (module docs).
            assert!(
                (m.mean - exact).abs() <= Z * m.std_error,
                "lr = {}, direction {i}: {} +- {} vs exact {exact}",
                p.lr,
                m.mean,
                m.std_error
            );
        }
    }
    let last = r.points.last().unwrap();
    let gibbs = r.temperature / r.eigenvalues[1];
    let m = last.measured[1];
    assert!(
        (m.mean - gibbs).abs() > Z * m.std_error,
        "cannot tell the stiff direction from Gibbs: {} +- {} vs {gibbs}",
        m.mean,
        m.std_error
    );
}

/// The Monte Carlo expected perturbed loss matches the exact quartic value
/// at every sigma (`proofs/weight_perturbation.md`, Section 2), and at the
/// largest sigma it is more than Z SE from the second-order expansion
/// (whose error `3 sigma^4 / 4 sum q` is then about 1).
#[test]
fn expected_perturbed_loss_is_the_exact_quartic_value() {
    let r = &reports().weight;
    for ((s, m), exact) in r.sigmas.iter().zip(&r.measured).zip(&r.exact) {
        // Z SE over independent antithetic pairs (module docs).
        assert!(
            (m.mean - exact).abs() <= Z * m.std_error,
            "sigma = {s}: {} +- {} vs exact {exact}",
            m.mean,
            m.std_error
        );
    }
    let (m, second) = (r.measured.last().unwrap(), r.second_order.last().unwrap());
    assert!(
        (m.mean - second).abs() > Z * m.std_error,
        "cannot tell the exact value from second order: {} +- {} vs {second}",
        m.mean,
        m.std_error
    );
}

/// The stationary mean of input-noise SGD is the ridge minimiser with
/// `lambda = s^2` at every noise level (`proofs/input_noise_ridge.md`),
/// and at the largest level it is more than Z SE from least squares in
/// some coordinate.
#[test]
fn input_noise_sgd_settles_on_the_ridge_path() {
    let r = &reports().input;
    for p in &r.points {
        for (i, (m, ridge)) in p.measured.iter().zip(&p.ridge).enumerate() {
            // Z SE over independent chains (module docs).
            assert!(
                (m.mean - ridge).abs() <= Z * m.std_error,
                "s = {}, x[{i}]: {} +- {} vs ridge {ridge}",
                p.sigma,
                m.mean,
                m.std_error
            );
        }
    }
    let last = r.points.last().unwrap();
    assert!(
        last.measured
            .iter()
            .zip(&r.ols)
            .any(|(m, ols)| (m.mean - ols).abs() > Z * m.std_error),
        "cannot tell ridge from least squares at s = {}",
        last.sigma
    );
}

/// Every PGD chain escapes within the horizon, the mean escape count
/// matches the exact mean (M) at every d (`proofs/saddle_escape.md`,
/// Section 3), (L) lies below (M), and the count grows with d: the largest
/// d takes more steps than d = 1 by more than Z combined SE.
#[test]
fn pgd_escape_matches_the_exact_mean_and_grows_with_dimension() {
    let r = &reports().saddle;
    for p in &r.points {
        assert_eq!(p.censored, 0, "d = {}: chains did not escape", p.dim);
        // Z SE over independent chains (module docs).
        assert!(
            (p.measured.mean - p.exact).abs() <= Z * p.measured.std_error,
            "d = {}: {} +- {} vs exact {}",
            p.dim,
            p.measured.mean,
            p.measured.std_error,
            p.exact
        );
        assert!(p.linear <= p.exact, "d = {}: (L) above (M)", p.dim);
    }
    let (first, last) = (&r.points[0].measured, &r.points.last().unwrap().measured);
    let se = first.std_error.hypot(last.std_error);
    assert!(
        last.mean - first.mean > Z * se,
        "escape count does not grow with d: {} vs {}",
        first.mean,
        last.mean
    );
}

/// On the widening valley, PGD's first step changes `Tr H` by the exact
/// drift (`theory::WideningValley::pgd_drift`, `proofs/anti_pgd.md`
/// Section 3); by the end Anti-PGD's mean `Tr H` is below the start and
/// PGD's above it, each by more than Z SE (Orvieto et al. 2022).
#[test]
fn anti_pgd_flattens_while_uncorrelated_noise_sharpens() {
    let r = &reports().anti;
    assert_eq!(r.times[0], 1);
    let (anti, pgd) = (&r.methods[0], &r.methods[1]);
    let first = pgd.trace[0];
    // Z SE over independent chains (module docs).
    assert!(
        (first.mean - r.pgd_first_step).abs() <= Z * first.std_error,
        "PGD first step: {} +- {} vs exact {}",
        first.mean,
        first.std_error,
        r.pgd_first_step
    );
    let (a, p) = (anti.trace.last().unwrap(), pgd.trace.last().unwrap());
    assert!(
        a.mean < r.start_trace - Z * a.std_error,
        "Anti-PGD: Tr H = {} +- {}",
        a.mean,
        a.std_error
    );
    assert!(
        p.mean > r.start_trace + Z * p.std_error,
        "PGD: Tr H = {} +- {}",
        p.mean,
        p.std_error
    );
}

/// The config reads from JSON with defaults and rejects unknown keys.
#[test]
fn config_defaults_and_rejects_unknown_fields() {
    let cfg: OptimClaimsConfig = serde_json::from_str(r#"{"quick": true}"#).unwrap();
    assert_eq!(
        cfg,
        OptimClaimsConfig {
            seed: OptimClaimsConfig::default().seed,
            quick: true
        }
    );
    assert!(serde_json::from_str::<OptimClaimsConfig>(r#"{"seeds": 1}"#).is_err());
}
