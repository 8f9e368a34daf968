//! White vs SGD-like vs alpha-stable noise: how escape time grows as the
//! noise weakens, and how it depends on the minimum's curvature.
//!
//! On a piecewise-quadratic valley with a sharp and a flat minimum of equal
//! depth below one barrier (`piecewise-valley`), three noises of decreasing
//! intensity drive the escape from each minimum to the saddle:
//! - white noise at temperature eps: `log E tau` grows linearly in `1/eps`
//!   with slope `dV` for both minima; curvature only shifts the prefactor
//!   (`proofs/kramers.md`);
//! - SGD-like noise `D = (lr / 2B) |V''|` (Xie, Sato and Sugiyama 2021): the
//!   effective temperature in the basin is `(lr / 2B) V''(m)`, so the
//!   exponent is `dV / ((lr / 2B) V''(m))`: the sharp minimum is left
//!   exponentially faster (`proofs/sgd_noise_flat_minima.md`);
//! - alpha-stable noise `eps dL`: `E tau ~ eps^-alpha` grows only
//!   polynomially, set by the distance from the minimum to the saddle and not
//!   by the depth (`proofs/alpha_stable_exit.md`).
//!
//! The x axis is the inverse intensity (`1/eps`, or `2B / lr` for SGD-like
//! noise), both axes logarithmic, so the polynomial law is a straight line
//! and the exponential laws bend upwards.

use serde::{Deserialize, Serialize};

use super::escape::{self, EscapeConfig, NoiseKind, Target};
use super::sweep::{self, SweepPoint};
use crate::error::Result;
use crate::plot::Figure;

/// Configuration; the defaults draw `figures/noise_types.png`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseTypesConfig {
    /// A 1-D landscape whose minima 0 and 1 are the sharp and the flat one.
    pub landscape: String,
    /// White-noise temperatures.
    pub white_eps: Vec<f64>,
    /// SGD-like noise: values of `lr / 2B` (with `B = 1`).
    pub sgd_scale: Vec<f64>,
    /// Alpha-stable amplitudes.
    pub levy_eps: Vec<f64>,
    /// Stability index of the alpha-stable noise.
    pub alpha: f64,
    /// Paths per point.
    pub paths: usize,
    /// Time step.
    pub dt: f64,
    /// Horizon in units of the predicted mean exit time.
    pub horizon_factor: f64,
    /// Master seed.
    pub seed: u64,
}

impl Default for NoiseTypesConfig {
    fn default() -> Self {
        Self {
            landscape: "piecewise-valley:left=8,right=2,saddle=4,height=1".into(),
            white_eps: vec![0.15, 0.2, 0.3, 0.5],
            sgd_scale: vec![0.08, 0.12, 0.18, 0.3],
            levy_eps: vec![0.04, 0.08, 0.16, 0.32],
            alpha: 1.5,
            paths: 1000,
            dt: 2e-3,
            horizon_factor: 20.0,
            seed: 1,
        }
    }
}

/// The simulated points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseTypesReport {
    /// The configuration.
    pub config: NoiseTypesConfig,
    /// One point per (noise, minimum, intensity).
    pub points: Vec<SweepPoint>,
}

const MINIMA: [&str; 2] = ["sharp", "flat"];

/// The escape configuration of `noise` at intensity `level` from `minimum`.
fn escape_config(
    cfg: &NoiseTypesConfig,
    noise: NoiseKind,
    minimum: usize,
    level: f64,
) -> EscapeConfig {
    let mut c = EscapeConfig {
        landscape: cfg.landscape.clone(),
        noise,
        alpha: cfg.alpha,
        dt: cfg.dt,
        paths: cfg.paths,
        from_minimum: minimum,
        target: Target::Saddle,
        ..EscapeConfig::default()
    };
    match noise {
        NoiseKind::Sgd => {
            c.batch = 1.0;
            c.lr = 2.0 * level;
        }
        _ => c.eps = level,
    }
    c
}

fn noises(cfg: &NoiseTypesConfig) -> [(NoiseKind, &'static str, &[f64]); 3] {
    [
        (NoiseKind::Gaussian, "white", &cfg.white_eps),
        (NoiseKind::Sgd, "SGD-like", &cfg.sgd_scale),
        (NoiseKind::Levy, "alpha-stable", &cfg.levy_eps),
    ]
}

/// Runs every sweep.
pub fn run(cfg: &NoiseTypesConfig, log: &dyn Fn(&str)) -> Result<NoiseTypesReport> {
    let mut configs = Vec::new();
    for (noise, name, levels) in noises(cfg) {
        for (m, min_name) in MINIMA.iter().enumerate() {
            for &level in levels {
                configs.push((
                    format!("{name}, {min_name}"),
                    1.0 / level,
                    escape_config(cfg, noise, m, level),
                ));
            }
        }
    }
    let points = sweep::run(configs, cfg.seed, cfg.horizon_factor, log)?;
    Ok(NoiseTypesReport {
        config: cfg.clone(),
        points,
    })
}

/// The figure: Monte Carlo with intervals and the theory of each noise.
pub fn figure(report: &NoiseTypesReport) -> Result<Figure> {
    let cfg = &report.config;
    let mut series = Vec::new();
    for (i, (noise, name, levels)) in noises(cfg).into_iter().enumerate() {
        let lo = levels.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = levels.iter().copied().fold(0.0, f64::max);
        let grid: Vec<f64> = sweep::linspace((0.9 / hi).ln(), (1.1 / lo).ln(), 30)
            .into_iter()
            .map(f64::exp)
            .collect();
        for (m, min_name) in MINIMA.iter().enumerate() {
            let curve = format!("{name}, {min_name}");
            let color = 2 * i + m;
            series.push(sweep::monte_carlo_series(&report.points, &curve, color));
            series.push(sweep::theory_series(
                if color == 0 {
                    // One legend entry stands for every dashed curve, which
                    // keeps the legend small enough to leave the data visible.
                    "dashed: theory (exact MFPT; alpha-stable exit law)".to_string()
                } else {
                    String::new()
                },
                &grid,
                color,
                |x| Ok(escape::predict(&escape_config(cfg, noise, m, 1.0 / x))?.best()),
            )?);
        }
    }
    Ok(Figure {
        title: "Escape from a sharp and a flat minimum: white, SGD-like and alpha-stable noise"
            .into(),
        x_label: "inverse noise intensity (1/eps; 2B/lr for SGD-like)".into(),
        y_label: "mean time to reach the saddle".into(),
        log_x: true,
        log_y: true,
        series,
    })
}
