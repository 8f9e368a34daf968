//! Pieces the claim experiments share over the chains of
//! [`crate::optim::run_chains`]: a divergence check, and the time average
//! of squared projections that stationary-variance claims measure.

use crate::error::{Error, Result};
use crate::optim::{Chain, ChainObserver, ChainOutcome, Oracle};
use crate::rng::Rng;

/// An error naming the first diverged chain of a run of `spec`. The claim
/// figures run only stable configurations, so a divergence is a bug to
/// report, not an outcome to average.
pub(crate) fn ensure_finished<O>(spec: &str, chains: &[Chain<O>]) -> Result<()> {
    match chains.iter().find_map(|c| match c.outcome {
        ChainOutcome::Diverged { step } => Some(step),
        ChainOutcome::Finished => None,
    }) {
        Some(step) => Err(Error::Unsupported(format!(
            "{spec} diverged at step {step} in a stable configuration"
        ))),
        None => Ok(()),
    }
}

/// Time average of `(v_i . x)^2` over the steps from `burn_in` on, per
/// direction `v_i`: the stationary variance along `v_i` of a chain whose
/// stationary mean is 0.
pub(crate) struct SquaredProjections<'a> {
    directions: &'a [Vec<f64>],
    burn_in: u64,
    sums: Vec<f64>,
    count: u64,
}

impl<'a> SquaredProjections<'a> {
    /// An empty average along `directions`, counting from step `burn_in`.
    pub(crate) fn new(directions: &'a [Vec<f64>], burn_in: u64) -> Self {
        Self {
            directions,
            burn_in,
            sums: vec![0.0; directions.len()],
            count: 0,
        }
    }

    /// The average along direction `i`.
    pub(crate) fn mean_square(&self, i: usize) -> f64 {
        self.sums[i] / self.count as f64
    }
}

impl ChainObserver for SquaredProjections<'_> {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if t >= self.burn_in {
            for (sum, v) in self.sums.iter_mut().zip(self.directions) {
                let p: f64 = v.iter().zip(x).map(|(v, x)| v * x).sum();
                *sum += p * p;
            }
            self.count += 1;
        }
        Ok(())
    }
}
