//! Anti-correlated parameter noise (Anti-PGD; Orvieto, Kersting, Proske,
//! Bach, Lucchi 2022, "Anticorrelated noise injection for improved
//! generalization", ICML):
//! `x_{n+1} = x_n - lr grad L(x_n) + (xi_{n+1} - xi_n)`, `xi_n ~ N(0, sigma^2 I)`
//! independent, so consecutive perturbations have correlation -1/2 and the
//! perturbations telescope (their sum stays bounded instead of diffusing).
//! To second order it adds the regulariser `(sigma^2 / 2) Tr H` to the loss
//! (derived in `proofs/anti_pgd.md`; Orvieto et al. state it as their
//! implicit-regularisation result).
//!
//! Placed after `sgd:lr` (it perturbs the parameters, not the gradient).

use super::transform::{standard_normals, Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Anti-correlated perturbation of scale `sigma` (times intensity).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AntiCorrelated {
    sigma: f64,
}

/// The previous and the new standard normal draw.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AntiCorrelatedState {
    previous: Vec<f64>,
    next: Vec<f64>,
}

impl AntiCorrelated {
    /// Scale `sigma > 0`.
    pub fn new(sigma: f64) -> Result<Self> {
        Ok(Self {
            sigma: ensure_positive("sigma", sigma)?,
        })
    }
}

impl Transform for AntiCorrelated {
    type State = AntiCorrelatedState;

    fn site(&self) -> Option<Site> {
        Some(Site::Parameters)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    /// `xi_0` is drawn here, so the first step already adds `xi_1 - xi_0`.
    fn init(&self, dim: usize, rng: &mut Rng) -> AntiCorrelatedState {
        let mut previous = vec![0.0; dim];
        standard_normals(rng, &mut previous);
        AntiCorrelatedState {
            previous,
            next: vec![0.0; dim],
        }
    }

    fn update(
        &self,
        s: &mut AntiCorrelatedState,
        step: &mut Step<'_, '_>,
        update: &mut [f64],
    ) -> Result<()> {
        standard_normals(step.rng, &mut s.next);
        let scale = self.sigma * step.intensity;
        for ((u, new), old) in update.iter_mut().zip(&s.next).zip(&s.previous) {
            *u += scale * (new - old);
        }
        std::mem::swap(&mut s.previous, &mut s.next);
        Ok(())
    }
}
