//! The first step at which a chain leaves a slab `|x_i| < radius`: the
//! escape count of a discrete optimizer from a saddle or a basin, as an
//! observer of [`crate::optim::run_chains`].

use crate::error::Result;
use crate::optim::{ChainObserver, Oracle};
use crate::rng::Rng;

/// Records the first step `t` (0-based) after which `|x[coordinate]| >= radius`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FirstExit {
    coordinate: usize,
    radius: f64,
    step: Option<u64>,
}

impl FirstExit {
    /// Watches `|x[coordinate]|` against `radius`.
    pub fn new(coordinate: usize, radius: f64) -> Self {
        Self {
            coordinate,
            radius,
            step: None,
        }
    }

    /// The exit step, if the chain has left the slab.
    pub fn step(&self) -> Option<u64> {
        self.step
    }
}

impl ChainObserver for FirstExit {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if self.step.is_none() && x[self.coordinate].abs() >= self.radius {
            self.step = Some(t);
        }
        Ok(())
    }
}
