//! Random weight perturbation: the gradient at `x + sigma z`, `z ~ N(0, I)`
//! drawn afresh each step.
//!
//! In expectation it descends the smoothed loss `E L(x + sigma z) =
//! L(x) + (sigma^2 / 2) Tr H(x) + O(sigma^4)` (Taylor expansion and the
//! Gaussian moments; `proofs/weight_perturbation.md`), a curvature penalty
//! (Bisla, Wang, Choromanska 2022, "Low-pass filtering SGD for recovering
//! flat optima", AISTATS). One gradient per step.

use super::evaluator::Evaluator;
use super::probe::Probe;
use super::transform::{standard_normals, Site};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Gradient at a Gaussian-perturbed point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomWeight {
    sigma: f64,
}

impl RandomWeight {
    /// Perturbation standard deviation `sigma > 0`.
    pub fn new(sigma: f64) -> Result<Self> {
        Ok(Self {
            sigma: ensure_positive("sigma", sigma)?,
        })
    }
}

impl Probe for RandomWeight {
    /// The perturbed point.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        Some(Site::Parameters)
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn gradient(
        &self,
        point: &mut Vec<f64>,
        _t: u64,
        x: &[f64],
        eval: &Evaluator<'_>,
        rng: &mut Rng,
        out: &mut [f64],
    ) -> Result<()> {
        standard_normals(rng, point);
        point
            .iter_mut()
            .zip(x)
            .for_each(|(p, x)| *p = x + self.sigma * *p);
        eval.gradient(point, out);
        Ok(())
    }
}
