//! Simulated escape times against closed-form theory.
//!
//! Tolerances: a Monte Carlo estimate is held against theory within
//! `Z * SE + allowance * prediction`, where `Z = 4.5` (false-alarm rate below
//! 1e-5 per comparison under the normal approximation) and the allowance is
//! the discretisation error of Euler-Maruyama stated next to each test.

mod common;

use common::on_threads;
use perturbo::experiments::escape::{self, EscapeConfig, NoiseKind, Target};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Standard errors allowed between a Monte Carlo mean and theory.
const Z: f64 = 4.5;

fn check(cfg: &EscapeConfig, predicted: f64, allowance: f64) {
    let r = escape::run(cfg, &|_| {}).expect("valid config");
    let s = &r.statistics;
    assert_eq!(s.diverged, 0, "no path may diverge: {cfg:?}");
    let (mean, se) = (
        s.mean_exit_time.expect("paths escaped"),
        s.std_error.unwrap(),
    );
    let tol = Z * se + allowance * predicted;
    assert!(
        (mean - predicted).abs() <= tol,
        "mean exit time {mean:.4} +- {se:.4} vs theory {predicted:.4} (tolerance {tol:.4}); {cfg:?}"
    );
}

/// Discretisation allowance of Euler-Maruyama for an exit over a barrier
/// `dv` at temperature `eps`, with curvature at most `k` in magnitude.
///
/// Euler-Maruyama on `dX = -k X dt + sqrt(2 eps) dW` has stationary
/// variance `eps / (k (1 - k dt / 2))` (exact for the linear recursion), i.e.
/// it samples at a temperature off by the factor `1 + k dt / 2 + O(dt^2)`;
/// in the Arrhenius factor `exp(dv / eps)` that is a relative error of about
/// `(dv / eps) k dt / 2`, and the prefactor adds `O(k dt)`. The allowance is
/// twice `(dv / eps + 1) k dt / 2` (a safety factor of two on the leading
/// term, stated rather than fitted).
fn em_allowance(dv: f64, eps: f64, k: f64, dt: f64) -> f64 {
    (dv / eps + 1.0) * k * dt
}

proptest! {
    #![proptest_config(Config { cases: 4, rng_seed: RngSeed::Fixed(2026), failure_persistence: None, ..Config::default() })]

    /// Agreement with the exact 1-D MFPT (quadrature) over a range of
    /// temperatures and tilts of the double well, white noise, escape to the
    /// other minimum.
    #[test]
    fn white_noise_escape_matches_exact_mfpt(eps in 0.25f64..0.5, tilt in -0.3f64..0.3) {
        let cfg = EscapeConfig {
            landscape: format!("tilted-double-well:c={tilt}"),
            eps,
            paths: 2000,
            dt: 1e-3,
            max_time: 1e4,
            seed: 11,
            ..EscapeConfig::default()
        };
        let p = escape::predict(&cfg).unwrap();
        let exact = p.exact_mfpt.expect("1-D white noise has an exact MFPT");
        // Barrier from the left minimum of the tilted well is at most
        // 1 + |c| (the untilted barrier 1 plus the tilt's work over |x| <= 1);
        // curvature magnitude at most 12 x^2 - 4 <= 10 on the path's range
        // (|x| <= 1.1 before the other minimum is reached).
        check(&cfg, exact, em_allowance(1.0 + tilt.abs(), eps, 10.0, cfg.dt));
    }
}

/// SGD-like noise `D(x) = (lr / 2B) |V''(x)|` on the piecewise-quadratic
/// valley (where `|V''|` never vanishes), against the exact MFPT with
/// state-dependent diffusion. In the basin D is constant, `(lr/2B) k`, so the
/// Euler-Maruyama allowance is that of white noise at that temperature.
#[test]
fn sgd_like_escape_matches_exact_mfpt_with_state_dependent_diffusion() {
    for (minimum, scale) in [(0, 0.1), (1, 0.2)] {
        let cfg = EscapeConfig {
            landscape: "piecewise-valley:left=8,right=2,saddle=4,height=1".into(),
            noise: NoiseKind::Sgd,
            lr: 2.0 * scale,
            batch: 1.0,
            from_minimum: minimum,
            target: Target::Saddle,
            paths: 2000,
            dt: 1e-3,
            max_time: 1e4,
            seed: 5,
            ..EscapeConfig::default()
        };
        let exact = escape::predict(&cfg)
            .unwrap()
            .exact_mfpt
            .expect("1-D SGD-like noise has an exact MFPT");
        let k = [8.0, 2.0][minimum];
        check(&cfg, exact, em_allowance(1.0, scale * k, 8.0, cfg.dt));
    }
}

/// The alpha-stable exit law (`proofs/alpha_stable_exit.md`): the mean exit
/// time scales as eps^-alpha and does not depend on the depth of the basin.
///
/// The two valleys have the same geometry (distance d = 1.2247 from the
/// minimum to the saddle) and depths 0.5 and 2 (all curvatures scaled by 4).
/// Allowance, relative: the law is the leading term as eps -> 0 of a path
/// sitting at the minimum when the exit jump comes; the path actually
/// fluctuates around it with the stable law of scale
/// `sigma = eps (alpha k)^(-1/alpha)` (the OU process driven by `eps dL`),
/// which changes the needed jump by a relative `O((sigma / d)^alpha)`
/// (below 0.005 here), and Euler-Maruyama's drift is off by a relative `k dt`
/// per step while the path relaxes after a jump that did not exit. The
/// allowance is their sum, `k dt + (sigma / d)^alpha`; the increments
/// themselves are exact (`dt^(1/alpha) S` has the law of the process's
/// increment), so no jump is lost to discretisation.
#[test]
fn alpha_stable_exit_time_scales_as_eps_to_minus_alpha_and_ignores_depth() {
    let (alpha, dt, distance) = (1.5, 5e-3, 1.5f64.sqrt());
    let allowance =
        |k: f64, eps: f64| k * dt + (eps * (alpha * k).powf(-1.0 / alpha) / distance).powf(alpha);
    let base = EscapeConfig {
        noise: NoiseKind::Levy,
        alpha,
        target: Target::Saddle,
        paths: 1000,
        dt,
        max_time: 1e5,
        ..EscapeConfig::default()
    };
    let mut runs = Vec::new();
    for (i, (k, height, eps)) in [(2.0, 0.5, 0.08), (8.0, 2.0, 0.08), (8.0, 2.0, 0.16)]
        .into_iter()
        .enumerate()
    {
        let cfg = EscapeConfig {
            landscape: format!(
                "piecewise-valley:min={k},saddle={},height={height}",
                k / 2.0
            ),
            eps,
            seed: i as u64,
            ..base.clone()
        };
        let r = escape::run(&cfg, &|_| {}).unwrap();
        let law = r
            .predictions
            .levy_law
            .expect("Levy noise on a 1-D valley has the exit law");
        let s = &r.statistics;
        assert_eq!(s.censored + s.diverged, 0);
        let (m, se) = (s.mean_exit_time.unwrap(), s.std_error.unwrap());
        let a = allowance(k, eps);
        assert!(
            (m - law).abs() <= Z * se + a * law,
            "eps {eps}, k {k}: {m} +- {se} vs law {law} (allowance {a})"
        );
        runs.push((m, se, a));
    }
    // Depth: the shallow and the deep valley at the same eps and geometry
    // (under white noise at a comparable temperature the two would differ by
    // a factor exp(1.5 / eps), far outside this tolerance).
    let ((a, sa, aa), (b, sb, ab)) = (runs[0], runs[1]);
    let tol = Z * (sa * sa + sb * sb).sqrt() + (aa + ab) * a;
    assert!(
        (a - b).abs() <= tol,
        "depth changed the exit time: {a} vs {b} (tolerance {tol})"
    );
    // Scaling: doubling eps divides the time by 2^alpha.
    let ((c, sc, ac), ratio) = (runs[2], 2f64.powf(alpha));
    let got = b / c;
    let se_ratio = got * ((sb / b).powi(2) + (sc / c).powi(2)).sqrt();
    let tol = Z * se_ratio + (ab + ac) * ratio;
    assert!(
        (got - ratio).abs() <= tol,
        "ratio {got} +- {se_ratio} vs 2^alpha = {ratio} (tolerance {tol})"
    );
}

/// Results are bit-identical whatever the thread count.
#[test]
fn escape_is_bit_identical_for_1_2_and_8_threads() {
    let cfg = EscapeConfig {
        eps: 0.5,
        paths: 700,
        max_time: 50.0,
        ..EscapeConfig::default()
    };
    let run_with = |threads: usize| {
        on_threads(threads, || {
            serde_json::to_string(&escape::run(&cfg, &|_| {}).unwrap()).unwrap()
        })
    };
    let one = run_with(1);
    assert_eq!(one, run_with(2));
    assert_eq!(one, run_with(8));
}
