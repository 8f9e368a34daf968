//! Momentum: heavy ball (Polyak 1964) and Nesterov (1983), in the form
//! optax's `trace` and PyTorch's `SGD(momentum)` use.
//!
//! Heavy ball: `m <- beta m + u`, `u <- m`. Nesterov: `m <- beta m + u`,
//! `u <- u + beta m` (the look-ahead written without a second gradient, as
//! in Sutskever et al. 2013, eq. 4). Placed before the learning rate, so
//! the displacement is `-lr m`.

use super::transform::{Site, Step, Transform};
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Heavy-ball or Nesterov momentum with coefficient `beta`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Momentum {
    beta: f64,
    nesterov: bool,
}

impl Momentum {
    /// Momentum `0 <= beta < 1`; `nesterov` selects the look-ahead form.
    pub fn new(beta: f64, nesterov: bool) -> Result<Self> {
        if !(0.0..1.0).contains(&beta) {
            return Err(Error::OutOfRange {
                name: "beta",
                value: beta,
                expected: "0 <= beta < 1",
            });
        }
        Ok(Self { beta, nesterov })
    }

    /// The coefficient `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `true` for the Nesterov (look-ahead) form.
    pub fn nesterov(&self) -> bool {
        self.nesterov
    }
}

impl Transform for Momentum {
    /// The velocity `m`.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn update(&self, m: &mut Vec<f64>, _step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        for (u, m) in update.iter_mut().zip(m.iter_mut()) {
            *m = self.beta * *m + *u;
            *u = if self.nesterov {
                *u + self.beta * *m
            } else {
                *m
            };
        }
        Ok(())
    }
}
