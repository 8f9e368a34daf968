//! Sweeps of escape experiments over noise intensity, for the figures.
//!
//! Each point is one [`escape::run`] with its own seed (`seed.child(i)` for
//! point `i`) and a horizon of `horizon_factor` times the best theory
//! prediction, so censoring is negligible (`P(tau > 20 E tau) = exp(-20)` for
//! exponential exit times) without simulating needlessly long.

use serde::{Deserialize, Serialize};

use super::escape::{self, EscapeConfig, EscapeReport};
use crate::error::{Error, Result};
use crate::plot::{Mark, Series};
use crate::rng::Seed;

/// One simulated point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The curve it belongs to (e.g. "white, sharp minimum").
    pub curve: String,
    /// The x coordinate it is plotted at (an inverse noise intensity).
    pub x: f64,
    /// The escape report.
    pub report: EscapeReport,
}

/// Runs `configs` (curve name, x, config) in order, point `i` seeded with
/// `seed.child(i)` and horizon `horizon_factor` times the theory prediction.
pub fn run(
    configs: Vec<(String, f64, EscapeConfig)>,
    seed: u64,
    horizon_factor: f64,
    log: &dyn Fn(&str),
) -> Result<Vec<SweepPoint>> {
    configs
        .into_iter()
        .enumerate()
        .map(|(i, (curve, x, mut cfg))| {
            cfg.seed = Seed(seed).child(i as u64).0;
            let predicted = escape::predict(&cfg)?.best().ok_or_else(|| {
                Error::Unsupported(format!(
                    "no theory prediction to set the horizon of {curve} at x = {x}"
                ))
            })?;
            cfg.max_time = horizon_factor * predicted;
            log(&format!(
                "  {curve}: x = {x:.3}, predicted mean exit time {predicted:.4}"
            ));
            let report = escape::run(&cfg, &|_| {})?;
            Ok(SweepPoint { curve, x, report })
        })
        .collect()
}

/// The Monte Carlo points of `curve` with their confidence intervals; a
/// point where no path escaped (so no estimate exists) is left out.
pub fn monte_carlo_series(points: &[SweepPoint], curve: &str, color: usize) -> Series {
    let estimates = points.iter().filter(|p| p.curve == curve).filter_map(|p| {
        let s = &p.report.statistics;
        Some((p.x, s.mean_exit_time?, (s.ci_low?, s.ci_high?)))
    });
    Series::with_bars(format!("{curve}: Monte Carlo, 95% CI"), color, estimates)
}

/// A theory curve: `predict(x)` on `grid`, drawn dashed.
pub fn theory_series(
    label: String,
    grid: &[f64],
    color: usize,
    predict: impl Fn(f64) -> Result<Option<f64>>,
) -> Result<Series> {
    let mut points = Vec::with_capacity(grid.len());
    for &x in grid {
        if let Some(y) = predict(x)? {
            points.push((x, y));
        }
    }
    Ok(Series {
        label,
        mark: Mark::Dashed,
        points,
        error_bars: None,
        color,
    })
}

/// `n` points from `lo` to `hi`, evenly spaced.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1).max(1) as f64)
        .collect()
}
