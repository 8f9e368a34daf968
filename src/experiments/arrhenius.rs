//! The Arrhenius plot: log mean escape time against 1/eps, for a sharp and a
//! flat minimum of equal depth under white noise.
//!
//! Both minima of the `sharp-flat` landscape sit at V = 0 below one barrier,
//! so Kramers' law `E tau ~ (2 pi / |V''(s)|) sqrt(|V''(s)| / V''(m)) exp(dV / eps)`
//! (`proofs/kramers.md`) predicts parallel lines of slope dV in (1/eps, log tau)
//! whose offset is set by the curvature at the minimum alone: under white
//! noise curvature only enters the prefactor, the flat minimum is kept longer
//! by the factor `sqrt(k_sharp / k_flat)`. The Monte Carlo points (with 95%
//! intervals) are held against Kramers and the exact MFPT
//! (`proofs/mfpt_1d.md`).

use serde::{Deserialize, Serialize};

use super::escape::{self, EscapeConfig, NoiseKind, Target};
use super::sweep::{self, SweepPoint};
use crate::error::Result;
use crate::landscape::{self, Landscape, Objective};
use crate::plot::Figure;

/// Configuration; the defaults draw `figures/arrhenius.png`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArrheniusConfig {
    /// A 1-D landscape with two minima and a barrier between them.
    pub landscape: String,
    /// The values of `dV / eps` simulated (the barrier over the temperature).
    pub barrier_over_eps: Vec<f64>,
    /// Paths per point.
    pub paths: usize,
    /// Time step.
    pub dt: f64,
    /// Horizon in units of the predicted mean exit time.
    pub horizon_factor: f64,
    /// Master seed.
    pub seed: u64,
}

impl Default for ArrheniusConfig {
    fn default() -> Self {
        Self {
            landscape: "sharp-flat:left=16,right=2".into(),
            barrier_over_eps: vec![2.0, 3.0, 4.0, 5.0, 6.0],
            paths: 1000,
            dt: 1e-3,
            horizon_factor: 20.0,
            seed: 1,
        }
    }
}

/// The simulated points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrheniusReport {
    /// The configuration.
    pub config: ArrheniusConfig,
    /// Barrier height `V(saddle) - V(minimum)`.
    pub barrier: f64,
    /// Curvatures of the two minima.
    pub curvatures: [f64; 2],
    /// One point per (minimum, eps).
    pub points: Vec<SweepPoint>,
}

const CURVES: [&str; 2] = ["sharp minimum", "flat minimum"];

fn escape_config(cfg: &ArrheniusConfig, minimum: usize, eps: f64) -> EscapeConfig {
    EscapeConfig {
        landscape: cfg.landscape.clone(),
        noise: NoiseKind::Gaussian,
        eps,
        dt: cfg.dt,
        paths: cfg.paths,
        from_minimum: minimum,
        target: Target::OtherMinimum,
        ..EscapeConfig::default()
    }
}

/// Runs the sweep.
pub fn run(cfg: &ArrheniusConfig, log: &dyn Fn(&str)) -> Result<ArrheniusReport> {
    let land = landscape::parse(&cfg.landscape)?;
    let (minima, saddles) = (land.minima(), land.saddles());
    let saddle = saddles.first().ok_or_else(|| {
        crate::Error::Unsupported(format!(
            "the Arrhenius plot needs a landscape with a saddle, got {}",
            land.name()
        ))
    })?;
    let barrier = land.value(saddle) - land.value(&minima[0]);
    let curvatures = [0, 1].map(|m| landscape::curvature_1d(&land, minima[m][0]));
    let mut configs = Vec::new();
    for (m, curve) in CURVES.iter().enumerate() {
        for &k in &cfg.barrier_over_eps {
            let eps = barrier / k;
            configs.push((curve.to_string(), 1.0 / eps, escape_config(cfg, m, eps)));
        }
    }
    let points = sweep::run(configs, cfg.seed, cfg.horizon_factor, log)?;
    Ok(ArrheniusReport {
        config: cfg.clone(),
        barrier,
        curvatures,
        points,
    })
}

/// The figure: Monte Carlo with intervals, Kramers (dashed) and exact MFPT.
pub fn figure(report: &ArrheniusReport) -> Result<Figure> {
    let cfg = &report.config;
    let xs: Vec<f64> = report.points.iter().map(|p| p.x).collect();
    let (lo, hi) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(0.0, f64::max),
    );
    let grid = sweep::linspace(0.9 * lo, 1.05 * hi, 40);
    let mut series = Vec::new();
    for (m, curve) in CURVES.iter().enumerate() {
        series.push(sweep::monte_carlo_series(&report.points, curve, m));
        let predicted = |x: f64| escape::predict(&escape_config(cfg, m, 1.0 / x));
        series.push(sweep::theory_series(
            format!("{curve}: exact MFPT"),
            &grid,
            m,
            |x| Ok(predicted(x)?.exact_mfpt),
        )?);
        series.push(sweep::theory_series(
            format!("{curve}: Kramers"),
            &grid,
            m + 2,
            |x| Ok(predicted(x)?.kramers),
        )?);
    }
    Ok(Figure {
        title: format!(
            "Escape under white noise: sharp (V''={:.0}) vs flat (V''={:.0}) minimum, barrier {:.3}",
            report.curvatures[0], report.curvatures[1], report.barrier
        ),
        x_label: "1 / eps".into(),
        y_label: "mean escape time".into(),
        log_x: false,
        log_y: true,
        series,
    })
}
