//! Additive isotropic Gaussian noise `u <- u + s_t sigma xi`, `xi ~ N(0, I)`,
//! with `s_t` the step's intensity (1 unless a schedule or controller
//! precedes the piece).
//!
//! Before the learning rate it is gradient noise: `gni` is
//! `anneal + gaussian + sgd`, Neelakantan et al. 2015 ("Adding gradient
//! noise improves learning for very deep networks", eq. 1, with
//! `sigma_t^2 = eta / (1 + t)^gamma`). After it, it is the Langevin
//! displacement: `noisy-gd` is `sgd + gaussian:sigma=sqrt(2 lr T)`, the
//! Euler-Maruyama step of `dX = -grad L dt + sqrt(2T) dW` with `dt = lr`,
//! whose stationary law tends to `exp(-L/T)` as `lr -> 0`.

use super::transform::{standard_normals, Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Isotropic Gaussian noise of standard deviation `sigma` (times intensity).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GaussianNoise {
    sigma: f64,
}

impl GaussianNoise {
    /// Standard deviation `sigma > 0`.
    pub fn new(sigma: f64) -> Result<Self> {
        Ok(Self {
            sigma: ensure_positive("sigma", sigma)?,
        })
    }

    /// The standard deviation (before the intensity multiplier).
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Transform for GaussianNoise {
    /// Draw buffer, not carried between steps.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn update(&self, xi: &mut Vec<f64>, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        standard_normals(step.rng, xi);
        let s = self.sigma * step.intensity;
        update
            .iter_mut()
            .zip(xi.iter())
            .for_each(|(u, z)| *u += s * z);
        Ok(())
    }
}
