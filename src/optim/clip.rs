//! Global-norm clipping `u <- u min(1, c / |u|)` (Pascanu, Mikolov, Bengio
//! 2013, "On the difficulty of training recurrent neural networks", ICML,
//! Algorithm 1).

use super::transform::{norm, Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Clip the update to Euclidean norm at most `max_norm`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Clip {
    max_norm: f64,
}

impl Clip {
    /// The largest norm `max_norm > 0`.
    pub fn new(max_norm: f64) -> Result<Self> {
        Ok(Self {
            max_norm: ensure_positive("max_norm", max_norm)?,
        })
    }
}

impl Transform for Clip {
    type State = ();

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn update(&self, _state: &mut (), _step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        let n = norm(update);
        if n > self.max_norm {
            let s = self.max_norm / n;
            update.iter_mut().for_each(|u| *u *= s);
        }
        Ok(())
    }
}
