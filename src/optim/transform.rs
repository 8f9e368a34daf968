//! The composable piece: a config, its explicit state, and an update.
//!
//! An optimizer step starts from the gradient `g` its probe returned and
//! passes a vector `u = g` through a chain of [`Transform`]s; the step ends
//! with `x <- x + u`. So, as in optax (Babuschkin et al. 2020,
//! `GradientTransformation` and `chain`), pieces before the learning-rate
//! piece act on the search direction (noise on the gradient, clipping,
//! momentum, Adam) and pieces after it act on the displacement (Langevin
//! noise `sqrt(2 lr T) xi`, Anti-PGD's `xi_{t+1} - xi_t`, perturbed GD's
//! jump). A piece never owns the loop, never stores the objective, and keeps
//! everything that changes in its `State`, so configs serialize and states
//! checkpoint.

use std::fmt::Debug;

use serde::{de::DeserializeOwned, Serialize};

use super::evaluator::Evaluator;
use super::oracle::Capabilities;
use crate::error::Result;
use crate::rng::Rng;

/// The three places a perturbation can act (DESIGN.md, "The seed's
/// taxonomy").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Site {
    /// The update direction: gradient noise of any law, adaptive noise.
    Gradient,
    /// Where the gradient is evaluated, or a jump of the parameters.
    Parameters,
    /// The data the gradient is computed on.
    Inputs,
}

/// What a transform may read during one step.
pub struct Step<'s, 'a> {
    /// Iteration index, from 0.
    pub t: u64,
    /// The parameters before the step.
    pub params: &'s [f64],
    /// The gradient the probe returned (before any transform).
    pub gradient: &'s [f64],
    /// Noise-intensity multiplier for this step: 1 at the start of the chain;
    /// schedules and adaptive controllers multiply it, noise pieces after
    /// them scale their standard deviation by it.
    pub intensity: f64,
    /// The objective on this step's minibatch (for Hessians, per-sample
    /// gradients, curvature estimates).
    pub eval: &'s Evaluator<'a>,
    /// The chain's random stream.
    pub rng: &'s mut Rng,
}

/// One piece of an optimizer chain.
pub trait Transform: Debug + Clone + Send + Sync {
    /// Everything the piece carries from step to step.
    type State: Debug + Clone + Send + Serialize + DeserializeOwned;
    /// The site the piece perturbs, or `None` for a base optimizer piece.
    fn site(&self) -> Option<Site>;
    /// `true` if the piece draws noise scaled by [`Step::intensity`], so a
    /// schedule or controller placed before it takes effect.
    fn reads_intensity(&self) -> bool {
        false
    }
    /// Capabilities of the objective the piece needs.
    fn needs(&self) -> Capabilities {
        Capabilities::default()
    }
    /// The state before the first step, for parameters of dimension `dim`.
    fn init(&self, dim: usize, rng: &mut Rng) -> Self::State;
    /// Transforms `update` in place.
    fn update(
        &self,
        state: &mut Self::State,
        step: &mut Step<'_, '_>,
        update: &mut [f64],
    ) -> Result<()>;
}

/// Draws `out_i ~ N(0, 1)` from `rng`, in index order.
pub(crate) fn standard_normals(rng: &mut Rng, out: &mut [f64]) {
    use rand::RngExt;
    out.iter_mut()
        .for_each(|z| *z = rng.sample(rand_distr::StandardNormal));
}

/// The Euclidean norm.
pub(crate) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}
