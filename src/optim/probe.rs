//! The evaluation rule: which gradient an optimizer step starts from.
//!
//! Parameter-site perturbations that change *where* the gradient is taken
//! (random weight perturbation, SAM, ASAM, oscillation) are probes: they
//! read the gradient oracle ([`Evaluator::gradient`]) at one or more points
//! and return one vector. The plain probe returns `grad L(x)`.

use std::fmt::Debug;

use serde::{de::DeserializeOwned, Serialize};

use super::evaluator::Evaluator;
use super::transform::Site;
use crate::error::Result;
use crate::rng::Rng;

/// A rule for the gradient a step starts from.
pub trait Probe: Debug + Clone + Send + Sync {
    /// Buffers and anything carried between steps.
    type State: Debug + Clone + Send + Serialize + DeserializeOwned;
    /// The site the probe perturbs, `None` for the plain gradient.
    fn site(&self) -> Option<Site>;
    /// The state before the first step.
    fn init(&self, dim: usize, rng: &mut Rng) -> Self::State;
    /// Writes the step's gradient at parameters `x` (iteration `t`) into
    /// `out`.
    fn gradient(
        &self,
        state: &mut Self::State,
        t: u64,
        x: &[f64],
        eval: &Evaluator<'_>,
        rng: &mut Rng,
        out: &mut [f64],
    ) -> Result<()>;
}

/// The gradient at the current parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plain;

impl Probe for Plain {
    type State = ();

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn gradient(
        &self,
        _state: &mut (),
        _t: u64,
        x: &[f64],
        eval: &Evaluator<'_>,
        _rng: &mut Rng,
        out: &mut [f64],
    ) -> Result<()> {
        eval.gradient(x, out);
        Ok(())
    }
}
