//! The Metropolis-adjusted Langevin algorithm (Roberts and Tweedie 1996,
//! "Exponential convergence of Langevin distributions and their discrete
//! approximations", Bernoulli 2(4), sec. 1.3 "MALA"): the reference sampler
//! of `exp(-U/T)`, exact at any step size.
//!
//! From `x`, with `g = grad U(x)` (the probe's full gradient), propose the
//! unadjusted Langevin step
//! `y = x - lr g(x) + sqrt(2 lr T) xi`, `xi ~ N(0, I)`, whose density is
//! `q(y | x) ∝ exp(-|y - x + lr g(x)|^2 / (4 lr T))`, and accept it with
//! probability `min(1, a)`,
//! `log a = -(U(y) - U(x)) / T + log q(x | y) - log q(y | x)`
//! (Metropolis et al. 1953; Hastings 1970). The chain is then reversible
//! with respect to `exp(-U/T)`, so the discretisation bias of ULA
//! (`x <- y` always) is removed. Here `log q(y | x) = -|xi|^2 / 2` exactly,
//! so only the reverse density needs `g(y)`.
//!
//! Cost per step: the probe's gradient at `x`, one gradient at `y`, and the
//! values `U(x)`, `U(y)` (two gradients and two values, all full).
//! Proposals and acceptances go to the run's [`Counts`](super::Counts), so
//! the acceptance rate is in every report.
//!
//! MALA owns the whole step: the ratio is exact only for its own proposal
//! on the full objective, so [`Optimizer::new`](super::Optimizer::new)
//! accepts it only alone (plain probe, no inputs site), and a run with a
//! minibatch is refused: a minibatch value or gradient would make the ratio
//! that of a different, random target.

use rand::RngExt;

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Error, Result};
use crate::rng::Rng;

/// MALA at learning rate `lr` and temperature `T`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mala {
    lr: f64,
    temperature: f64,
}

/// Buffers for the proposal and its gradient (nothing carried between
/// steps: the chain is Markov in `x`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MalaState {
    proposal: Vec<f64>,
    proposal_gradient: Vec<f64>,
}

impl Mala {
    /// Learning rate `lr > 0` and temperature `T > 0`.
    pub fn new(lr: f64, temperature: f64) -> Result<Self> {
        Ok(Self {
            lr: ensure_positive("lr", lr)?,
            temperature: ensure_positive("temperature", temperature)?,
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The temperature.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }
}

/// The error for MALA on minibatches.
pub(crate) fn minibatch_error() -> Error {
    Error::Unsupported(
        "mala needs the full objective: its Metropolis-Hastings ratio compares exact values of U, \
         so a minibatch (--batch) does not apply; use ula or sgld for minibatches"
            .into(),
    )
}

impl Transform for Mala {
    type State = MalaState;

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> MalaState {
        MalaState {
            proposal: vec![0.0; dim],
            proposal_gradient: vec![0.0; dim],
        }
    }

    fn update(&self, s: &mut MalaState, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        if !step.eval.batch().is_empty() {
            return Err(minibatch_error());
        }
        let (x, gx) = (step.params, step.gradient);
        let scale = (2.0 * self.lr * self.temperature).sqrt();
        let mut forward = 0.0;
        for ((y, &xi), &gi) in s.proposal.iter_mut().zip(x).zip(gx) {
            let z: f64 = step.rng.sample(rand_distr::StandardNormal);
            forward += z * z;
            *y = xi - self.lr * gi + scale * z;
        }
        step.eval.gradient(&s.proposal, &mut s.proposal_gradient);
        let reverse: f64 = x
            .iter()
            .zip(&s.proposal)
            .zip(&s.proposal_gradient)
            .map(|((&xi, &yi), &gyi)| (xi - yi + self.lr * gyi).powi(2))
            .sum();
        let energy = (step.eval.value(&s.proposal) - step.eval.value(x)) / self.temperature;
        let log_ratio = -energy - reverse / (4.0 * self.lr * self.temperature) + 0.5 * forward;
        // A NaN ratio (a proposal where U is undefined) is a rejection.
        let accepted = step.rng.random::<f64>().ln() < log_ratio;
        step.eval.record_proposal(accepted);
        for ((u, &yi), &xi) in update.iter_mut().zip(&s.proposal).zip(x) {
            *u = if accepted { yi - xi } else { 0.0 };
        }
        Ok(())
    }
}
