//! Heavy-tailed gradient noise: `u <- u + s_t sigma zeta`, with `zeta_i`
//! independent standard symmetric alpha-stable variables (characteristic
//! function `exp(-|k|^alpha)`, drawn by Chambers-Mallows-Stuck; see
//! [`crate::noise::alpha_stable`]).
//!
//! The discrete counterpart of the Levy-driven flow whose exit times scale
//! as `eps^-alpha` whatever the barrier height (Simsekli, Sagun,
//! Gurbuzbalaban 2019, "A tail-index analysis of stochastic gradient noise
//! in deep neural networks", ICML; theory in `proofs/alpha_stable_exit.md`).
//! For `alpha = 2` the law is `N(0, 2)`.

use rand::RngExt;

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::noise::alpha_stable::SymmetricStable;
use crate::rng::Rng;

/// Symmetric alpha-stable noise of scale `sigma`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StableNoise {
    sigma: f64,
    law: SymmetricStable,
}

impl StableNoise {
    /// Scale `sigma > 0` and stability index `0 < alpha <= 2`.
    pub fn new(sigma: f64, alpha: f64) -> Result<Self> {
        Ok(Self {
            sigma: ensure_positive("sigma", sigma)?,
            law: SymmetricStable::new(alpha)?,
        })
    }
}

impl Transform for StableNoise {
    type State = ();

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn update(&self, _state: &mut (), step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        let s = self.sigma * step.intensity;
        for u in update.iter_mut() {
            *u += s * step.rng.sample(self.law);
        }
        Ok(())
    }
}
