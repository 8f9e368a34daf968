//! Weight decay `u <- u + lambda x`.
//!
//! Before the learning rate (and before Adam) it is an L2 penalty
//! `lambda |x|^2 / 2`; between Adam and the learning rate it is AdamW's
//! decoupled decay (Loshchilov and Hutter 2019, "Decoupled weight decay
//! regularization", ICLR).

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Weight decay with coefficient `lambda`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightDecay {
    lambda: f64,
}

impl WeightDecay {
    /// Coefficient `lambda > 0`.
    pub fn new(lambda: f64) -> Result<Self> {
        Ok(Self {
            lambda: ensure_positive("lambda", lambda)?,
        })
    }

    /// The coefficient `lambda`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl Transform for WeightDecay {
    type State = ();

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn update(&self, _state: &mut (), step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        for (u, x) in update.iter_mut().zip(step.params) {
            *u += self.lambda * x;
        }
        Ok(())
    }
}
