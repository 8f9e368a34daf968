//! Pooled moments of independent chains against a Gaussian reference, with
//! bootstrap intervals over chains, and log-log slopes with bootstrap
//! confidence intervals.
//!
//! **Bootstrap over chains** (Efron and Tibshirani, "An Introduction to the
//! Bootstrap", 1993, ch. 6 and 13, percentile interval). The chains of one
//! sweep point are independent, so they are the resampling unit: a
//! replicate draws `chains` chain indices uniformly with replacement,
//! merges their moments exactly ([`Moments::merge`]) and recomputes the
//! statistic. The 95% interval is the 2.5% and 97.5% quantiles of the
//! replicates; the standard error is their standard deviation. Sweep points
//! are independent runs, so a slope replicate fits the `j`-th replicate of
//! every point.
//!
//! A W2 or KL estimate from a finite sample is biased upwards (sampling
//! noise in the mean and covariance adds to the distance); the bias is of
//! the order of the bootstrap spread, which the intervals show.

use nalgebra::DMatrix;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::experiments::order::{fit_log_log, SlopeFit};
use crate::measure::moments::Moments;
use crate::measure::posterior::{kl_divergence, wasserstein2, Gaussian};
use crate::rng::Rng;

/// A statistic of the pooled chains with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic of all chains pooled.
    pub estimate: f64,
    /// 2.5% bootstrap quantile.
    pub low: f64,
    /// 97.5% bootstrap quantile.
    pub high: f64,
    /// Standard deviation of the bootstrap replicates.
    pub se: f64,
}

/// The three statistics of one sweep point and their bootstrap replicates.
#[derive(Debug, Clone)]
pub(crate) struct Pooled {
    /// `W2(N(mean, cov) of the pooled chains, reference)`.
    pub w2: Interval,
    /// `KL(N(mean, cov) of the pooled chains || reference)`.
    pub kl: Interval,
    /// `tr` of the pooled sample covariance.
    pub trace: Interval,
    /// Replicates of W2, KL and the trace, in replicate order.
    pub replicates: [Vec<f64>; 3],
}

/// The 2.5% and 97.5% quantiles and the standard deviation of `values`.
fn summarise(estimate: f64, values: &[f64]) -> Interval {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| crate::measure::posterior::chains::quantile_sorted(&sorted, p);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    Interval {
        estimate,
        low: q(0.025),
        high: q(0.975),
        se: var.sqrt(),
    }
}

/// W2, KL and trace of the Gaussian of `moments` against `reference`.
fn statistics(moments: &Moments, reference: &Gaussian) -> Result<[f64; 3]> {
    let law = Gaussian::from_moments(moments)?;
    Ok([
        wasserstein2(&law, reference)?,
        kl_divergence(&law, reference)?,
        law.covariance().trace(),
    ])
}

/// Pools `chains` (at least two) and bootstraps them `replicates` times with
/// `rng`.
pub(crate) fn pooled(
    chains: &[&Moments],
    reference: &Gaussian,
    replicates: usize,
    rng: &mut Rng,
) -> Result<Pooled> {
    let d = reference.dim();
    let merge = |pick: &mut dyn FnMut() -> usize| {
        let mut all = Moments::new(d);
        for _ in 0..chains.len() {
            all.merge(chains[pick()]);
        }
        all
    };
    let mut identity = 0..;
    let full = merge(&mut || identity.next().unwrap_or(0));
    let estimate = statistics(&full, reference)?;
    let mut reps: [Vec<f64>; 3] = std::array::from_fn(|_| Vec::with_capacity(replicates));
    for _ in 0..replicates {
        let resampled = merge(&mut || rng.random_range(0..chains.len()));
        for (r, v) in reps.iter_mut().zip(statistics(&resampled, reference)?) {
            r.push(v);
        }
    }
    Ok(Pooled {
        w2: summarise(estimate[0], &reps[0]),
        kl: summarise(estimate[1], &reps[1]),
        trace: summarise(estimate[2], &reps[2]),
        replicates: reps,
    })
}

/// A fitted log-log slope with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootSlope {
    /// Least-squares fit of the pooled estimates (its `ci95` is the
    /// regression interval from the residuals).
    pub fit: SlopeFit,
    /// The slope's bootstrap 95% interval (percentile, over replicates).
    pub ci95: [f64; 2],
    /// Standard deviation of the bootstrap slopes.
    pub se: f64,
}

/// The slope of `ln y` against `ln x` with a bootstrap interval: `points`
/// are `(x, estimate)`, `replicates[k]` the replicates of point `k` (all the
/// same length). `None` if fewer than three points are positive.
pub(crate) fn boot_slope(points: &[(f64, f64)], replicates: &[&[f64]]) -> Option<BootSlope> {
    let fit = fit_log_log(points)?;
    let count = replicates.iter().map(|r| r.len()).min().unwrap_or(0);
    let slopes: Vec<f64> = (0..count)
        .filter_map(|j| {
            let pts: Vec<(f64, f64)> = points
                .iter()
                .zip(replicates)
                .map(|(&(x, _), r)| (x, r[j]))
                .collect();
            fit_log_log(&pts).map(|f| f.slope)
        })
        .collect();
    if slopes.len() < 2 {
        return None;
    }
    let s = summarise(fit.slope, &slopes);
    Some(BootSlope {
        fit,
        ci95: [s.low, s.high],
        se: s.se,
    })
}

/// The slope of the least-squares fit of exact values (no noise), or
/// `None` with fewer than three positive points.
pub(crate) fn exact_slope(points: &[(f64, f64)]) -> Option<f64> {
    fit_log_log(points).map(|f| f.slope)
}

/// `W2` and `KL` of `N(mean, cov)` against `reference` (the exact
/// stationary law of a sampler, moment-matched, against its target).
pub(crate) fn exact_distances(reference: &Gaussian, cov: DMatrix<f64>) -> Result<(f64, f64)> {
    let law = Gaussian::new(reference.mean().clone(), cov)?;
    Ok((
        wasserstein2(&law, reference)?,
        kl_divergence(&law, reference)?,
    ))
}

/// An error for a sweep point where fewer than two chains finished.
pub(crate) fn too_few(what: &str, finished: usize) -> Error {
    Error::Unsupported(format!(
        "{what}: only {finished} chains finished (at least two are needed for intervals)"
    ))
}
