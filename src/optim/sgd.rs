//! The learning rate: `u <- -lr u`, turning a direction into a displacement.
//!
//! Alone it is gradient descent `x <- x - lr g`. Pieces placed after it act
//! on the displacement (see [`super::transform`]).

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Scale by `-lr`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sgd {
    lr: f64,
}

impl Sgd {
    /// The learning rate `lr > 0`.
    pub fn new(lr: f64) -> Result<Self> {
        Ok(Self {
            lr: ensure_positive("lr", lr)?,
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }
}

impl Transform for Sgd {
    type State = ();

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn update(&self, _state: &mut (), _step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        update.iter_mut().for_each(|u| *u *= -self.lr);
        Ok(())
    }
}
