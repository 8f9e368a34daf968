//! The ULA figures: `ula_bias` (stationary variance against the step, up
//! to the stability limit; `proofs/ula_gaussian.md`) and `ula_w2_bound`
//! (exact W2 against iterations under the Dalalyan-Karagulyan bound;
//! `proofs/ula_w2_bound.md`).
//!
//! Target of both: `N(0, Sigma)`, `Sigma = (1 - rho) I + rho 1 1^T` in
//! dimension 2 with `rho = 0.5` (eigenvalues `sigma^2 = 1.5, 0.5`), so ULA
//! is stable for `lr < 2 lambda_min(Sigma) = 1`.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::super::chain_stats::{ensure_finished, SquaredProjections};
use super::super::sweep::linspace;
use crate::error::Result;
use crate::measure::flatness::estimate::{Estimate, Running};
use crate::models::GaussianTarget;
use crate::optim::{self, run_chains, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::Seed;
use crate::theory::ula::{ula_stability_limit, UlaGaussian};
use crate::theory::ula_bound::UlaW2Bound;

/// The 2-D target of both figures.
fn target() -> Result<GaussianTarget> {
    GaussianTarget::equicorrelated(2, 0.5, 1.0, 0.0)
}

/// Monte Carlo points with their 95% intervals as bars, the lower ends
/// clipped for the log axis (shared by the posterior figures).
pub(super) fn mc_series(label: String, color: usize, points: &[(f64, Estimate)]) -> Series {
    Series::with_bars(
        label,
        color,
        points.iter().map(|(x, e)| (*x, e.mean, e.ci95())),
    )
    .clipped_for_log_axis()
}

/// One step of the `ula_bias` sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UlaBiasPoint {
    /// The step.
    pub lr: f64,
    /// Measured stationary variance along each eigenvector of `Sigma`
    /// (one time average after burn-in per chain; mean and SE over chains).
    pub measured: Vec<Estimate>,
    /// Exact `sigma_i^2 / (1 - lr / (2 sigma_i^2))`.
    pub exact: Vec<f64>,
}

/// The data of `ula_bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UlaBiasReport {
    /// Master seed (point `j` draws from `Seed(seed).child(j)`).
    pub seed: u64,
    /// Eigenvalues `sigma_i^2` of `Sigma`.
    pub sigma2: Vec<f64>,
    /// The stability limit `2 lambda_min(Sigma)`.
    pub stability_limit: f64,
    /// Chains per step, steps per chain, burn-in.
    pub chains: usize,
    /// Steps per chain.
    pub steps: u64,
    /// Discarded steps.
    pub burn_in: u64,
    /// The Monte Carlo sweep.
    pub points: Vec<UlaBiasPoint>,
}

/// Runs `ula:lr` on the 2-D target at a few steps up to 0.9 of the limit;
/// `quick` uses fewer chains and steps.
pub fn ula_bias_report(seed: u64, quick: bool) -> Result<UlaBiasReport> {
    let target = target()?;
    let eig = SymmetricEigen::new(target.covariance().clone());
    let sigma2: Vec<f64> = eig.eigenvalues.iter().copied().collect();
    let directions: Vec<Vec<f64>> = (0..2)
        .map(|i| eig.eigenvectors.column(i).iter().copied().collect())
        .collect();
    let limit = ula_stability_limit(target.covariance())?;
    let (chains, steps, burn_in) = if quick {
        (8, 5_000, 500)
    } else {
        (16, 20_000, 1_000)
    };
    let mut points = Vec::new();
    for (j, frac) in [0.1, 0.3, 0.5, 0.7, 0.9].into_iter().enumerate() {
        let lr = frac * limit;
        let spec = format!("ula:lr={lr}");
        let seed = Seed(seed).child(j as u64);
        let mut rng = seed.child(1).rng();
        let starts: Vec<Vec<f64>> = (0..chains)
            .map(|_| {
                let mut x = vec![0.0; 2];
                target.sample(&mut rng, &mut x);
                x
            })
            .collect();
        let run = RunConfig {
            steps,
            burn_in,
            batch: None,
        };
        let result = run_chains(&target, &optim::parse(&spec)?, &starts, &run, seed, |_| {
            SquaredProjections::new(&directions, burn_in)
        })?;
        ensure_finished(&spec, &result)?;
        let measured = (0..2)
            .map(|i| {
                let mut r = Running::default();
                for c in &result {
                    r.push(c.observer.mean_square(i));
                }
                r.estimate()
            })
            .collect();
        let exact = sigma2
            .iter()
            .map(|&s2| s2 / (1.0 - lr / (2.0 * s2)))
            .collect();
        points.push(UlaBiasPoint {
            lr,
            measured,
            exact,
        });
    }
    Ok(UlaBiasReport {
        seed,
        sigma2,
        stability_limit: limit,
        chains,
        steps,
        burn_in,
        points,
    })
}

/// `ula_bias`: stationary variance per eigen-direction against `lr`, exact
/// (lines, from [`UlaGaussian`]) up to 0.97 of the stability limit, Monte
/// Carlo (95% intervals), the target variances (dashed, flat) and the
/// stability limit (dashed, vertical); log y.
pub fn ula_bias_figure(r: &UlaBiasReport) -> Result<Figure> {
    let grid = linspace(0.01 * r.stability_limit, 0.97 * r.stability_limit, 60);
    let mut series = Vec::new();
    let mut top: f64 = 0.0;
    for (i, &s2) in r.sigma2.iter().enumerate() {
        let one = DMatrix::from_element(1, 1, s2);
        let curve = grid
            .iter()
            .map(|&lr| {
                Ok((
                    lr,
                    UlaGaussian::new(&[0.0], &one, lr, 1.0)?.stationary_eigen_variances()[0],
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        top = top.max(curve.iter().map(|p| p.1).fold(0.0, f64::max));
        series.push(Series::plain(
            format!("exact, sigma^2 = {s2:.2}"),
            Mark::Line,
            i,
            curve,
        ));
        let mc: Vec<(f64, Estimate)> = r.points.iter().map(|p| (p.lr, p.measured[i])).collect();
        series.push(mc_series(format!("ULA, 95% CI, sigma^2 = {s2:.2}"), i, &mc));
        series.push(Series::plain(
            String::new(),
            Mark::Dashed,
            i,
            vec![(grid[0], s2), (r.stability_limit, s2)],
        ));
    }
    let bottom = r.sigma2.iter().copied().fold(f64::INFINITY, f64::min);
    series.push(Series::plain(
        format!("stability limit 2 lambda_min = {:.2}", r.stability_limit),
        Mark::Dashed,
        2,
        vec![(r.stability_limit, bottom), (r.stability_limit, top)],
    ));
    Ok(Figure {
        title: "ULA stationary variance against the step (dashed: target variances)".into(),
        x_label: "lr".into(),
        y_label: "stationary variance along eigenvector".into(),
        log_x: false,
        log_y: true,
        series,
    })
}

/// The data of `ula_w2_bound` (exact, no Monte Carlo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UlaW2BoundReport {
    /// Strong convexity `m = 1 / lambda_max(Sigma)`.
    pub m: f64,
    /// Smoothness `L = 1 / lambda_min(Sigma)`.
    pub smoothness: f64,
    /// The start `x_0`.
    pub start: Vec<f64>,
    /// One curve per step.
    pub curves: Vec<BoundCurve>,
}

/// Exact W2 and the bound for one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundCurve {
    /// The step.
    pub lr: f64,
    /// `(k, exact W2, bound)` at the recorded iterations.
    pub rows: Vec<(u64, f64, f64)>,
}

/// Exact W2 of ULA after `k` steps from `x_0 = (3, -1)` and the bound of
/// Dalalyan and Karagulyan (2019), Theorem 1, for three steps within its
/// condition `lr <= 2 / (m + L)`.
pub fn ula_w2_bound_report() -> Result<UlaW2BoundReport> {
    let target = target()?;
    let eig = SymmetricEigen::new(target.covariance().clone()).eigenvalues;
    let (m, smoothness) = (1.0 / eig.max(), 1.0 / eig.min());
    let start = vec![3.0, -1.0];
    let max_lr = 2.0 / (m + smoothness);
    let ks: Vec<u64> = (0..=60).map(|i| i * 5).collect();
    let curves = [0.05, 0.2, 1.0]
        .into_iter()
        .map(|f| {
            let lr = f * max_lr;
            let ula = UlaGaussian::new(target.mean(), target.covariance(), lr, 1.0)?;
            let bound = UlaW2Bound::new(m, smoothness, 2, lr)?;
            let w0 = ula.w2_after(&start, 0)?;
            let rows = ks
                .iter()
                .map(|&k| Ok((k, ula.w2_after(&start, k)?, bound.bound(k, w0)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(BoundCurve { lr, rows })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(UlaW2BoundReport {
        m,
        smoothness,
        start,
        curves,
    })
}

/// `ula_w2_bound`: exact W2 (lines) and the bound (dashed) against `k`, per
/// step, log y.
pub fn ula_w2_bound_figure(r: &UlaW2BoundReport) -> Result<Figure> {
    let mut series = Vec::new();
    for (i, BoundCurve { lr, rows }) in r.curves.iter().enumerate() {
        series.push(Series::plain(
            format!("exact W2, lr = {lr:.3}"),
            Mark::Line,
            i,
            rows.iter().map(|&(k, w, _)| (k as f64, w)).collect(),
        ));
        series.push(Series::plain(
            format!("Dalalyan-Karagulyan bound, lr = {lr:.3}"),
            Mark::Dashed,
            i,
            rows.iter().map(|&(k, _, b)| (k as f64, b)).collect(),
        ));
    }
    Ok(Figure {
        title: format!(
            "ULA: exact W2 to N(0, Sigma) vs the bound (m = {:.3}, L = {:.1})",
            r.m, r.smoothness
        ),
        x_label: "iteration k".into(),
        y_label: "W2(law of x_k, target)".into(),
        log_x: false,
        log_y: true,
        series,
    })
}
