//! Noise driven by the gradient variance: inject just enough isotropic
//! noise that the total per-coordinate gradient-noise variance is `target`.
//!
//! Every `every` steps the controller computes the per-sample gradients of
//! the step's minibatch, their mean per-coordinate variance
//! `s^2 = sum_i |g_i - g_bar|^2 / ((B - 1) d)`, and an exponential moving
//! average `v` of `s^2` (rate `beta`, bias-corrected as in Adam). The
//! minibatch gradient then already carries noise of per-coordinate variance
//! `v / B`, and the controller multiplies the intensity by
//! `sqrt(max(0, target - v / B))`: a Gaussian noise piece of `sigma = 1`
//! after it tops the gradient noise up to `target`.
//!
//! The trade: far from a minimum, where minibatch noise is large, nothing is
//! added (exploitation: the gradient signal is not drowned); near an
//! interpolating minimum, where minibatch noise vanishes, the injected
//! noise keeps exploration at a fixed level instead of letting the iterate
//! freeze in whichever basin it reached. This is the "noise as a
//! controlled quantity" reading of Zhu et al. 2019 (ICML) and of
//! Neelakantan et al. 2015, with the injected noise set by the measured
//! variance rather than by a fixed schedule.
//!
//! # Requirements
//! Per-sample gradients and a minibatch of at least two samples.

use super::oracle::Capabilities;
use super::transform::{Step, Transform};
use crate::error::{ensure_at_least, ensure_positive, Error, Result};
use crate::rng::Rng;

/// The gradient-variance controller.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VarianceControl {
    target: f64,
    beta: f64,
    every: u64,
}

/// The running variance estimate and the current multiplier.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VarianceState {
    average: f64,
    weight: f64,
    multiplier: f64,
    mean: Vec<f64>,
    sample: Vec<f64>,
}

impl VarianceControl {
    /// Target per-coordinate variance `target > 0`, averaging rate
    /// `0 <= beta < 1`, refresh period `every >= 1` steps.
    pub fn new(target: f64, beta: f64, every: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&beta) {
            return Err(Error::OutOfRange {
                name: "beta",
                value: beta,
                expected: "0 <= beta < 1",
            });
        }
        ensure_at_least("every", every as usize, 1, "at least 1 step")?;
        Ok(Self {
            target: ensure_positive("target", target)?,
            beta,
            every,
        })
    }

    /// Mean per-coordinate variance of the per-sample gradients on the batch.
    fn batch_variance(&self, s: &mut VarianceState, step: &Step<'_, '_>) -> Result<f64> {
        let batch = step.eval.batch();
        if batch.len() < 2 {
            return Err(Error::Unsupported(
                "the gradient-variance controller needs a minibatch of at least 2 samples (--batch)".into(),
            ));
        }
        // Two passes (mean, then squared deviations) keep the variance
        // accurate when it is small relative to the mean gradient.
        s.mean.fill(0.0);
        for &i in batch {
            step.eval.sample_gradient(step.params, i, &mut s.sample)?;
            s.mean.iter_mut().zip(&s.sample).for_each(|(m, g)| *m += g);
        }
        let b = batch.len() as f64;
        s.mean.iter_mut().for_each(|m| *m /= b);
        let mut squares = 0.0;
        for &i in batch {
            step.eval.sample_gradient(step.params, i, &mut s.sample)?;
            squares += s
                .sample
                .iter()
                .zip(&s.mean)
                .map(|(g, m)| (g - m) * (g - m))
                .sum::<f64>();
        }
        Ok(squares / ((b - 1.0) * s.mean.len() as f64))
    }
}

impl Transform for VarianceControl {
    type State = VarianceState;

    fn site(&self) -> Option<super::transform::Site> {
        None
    }

    fn needs(&self) -> Capabilities {
        Capabilities {
            finite_sum: true,
            ..Capabilities::default()
        }
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> VarianceState {
        VarianceState {
            average: 0.0,
            weight: 0.0,
            multiplier: 1.0,
            mean: vec![0.0; dim],
            sample: vec![0.0; dim],
        }
    }

    fn update(
        &self,
        s: &mut VarianceState,
        step: &mut Step<'_, '_>,
        _update: &mut [f64],
    ) -> Result<()> {
        if step.t.is_multiple_of(self.every) {
            let variance = self.batch_variance(s, step)?;
            s.average = self.beta * s.average + (1.0 - self.beta) * variance;
            s.weight = self.beta * s.weight + (1.0 - self.beta);
            let minibatch_noise = s.average / s.weight / step.eval.batch().len() as f64;
            s.multiplier = (self.target - minibatch_noise).max(0.0).sqrt();
        }
        step.intensity *= s.multiplier;
        Ok(())
    }
}
