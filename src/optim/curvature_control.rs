//! Noise driven by curvature: multiply the noise intensity by
//! `min(cap, (kappa / reference)^power)`, with `kappa` the mean Hessian
//! eigenvalue `Tr H / d` (Hutchinson 1990, Rademacher probes) or the top
//! eigenvalue (Lanczos), re-estimated every `every` steps from
//! Hessian-vector products (negative estimates count as 0).
//!
//! The trade is set by the sign of `power`:
//! - `power > 0`, more noise where the loss is sharp: exploration, pushing
//!   the iterate out of sharp basins towards flat ones, the mechanism by
//!   which curvature-aligned noise escapes sharp minima (Zhu, Wu, Yu, Wu, Ma
//!   2019, "The anisotropic noise in stochastic gradient descent", ICML,
//!   Section 3; Xie, Sato, Sugiyama 2021, ICLR);
//! - `power < 0`, less noise where it is sharp: exploitation and stability,
//!   since the stationary variance of noisy GD along an eigen-direction of
//!   curvature `lambda` is `sigma^2 lr / (lambda (2 - lr lambda))`, which
//!   grows without bound as `lr lambda -> 2` (`proofs/noisy_gd_covariance.md`).
//!
//! Between refreshes the last multiplier is reused, so the cost is
//! `probes` (or `steps`) Hessian-vector products every `every` steps.
//!
//! # Requirements
//! Hessian-vector products.

use std::cell::Cell;

use super::oracle::Capabilities;
use super::transform::{Site, Step, Transform};
use crate::error::{ensure_at_least, ensure_positive, Result};
use crate::measure::flatness::hutchinson::{self, HutchinsonConfig};
use crate::measure::flatness::lanczos::{self, LanczosConfig};
use crate::rng::Rng;

/// Which curvature the controller reads.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Curvature {
    /// `Tr H / d` by Hutchinson's estimator with this many probes.
    MeanEigenvalue {
        /// Rademacher probes per refresh (at least 2).
        probes: usize,
    },
    /// The top eigenvalue by this many Lanczos steps.
    TopEigenvalue {
        /// Lanczos steps per refresh (at least 1).
        steps: usize,
    },
}

/// The curvature controller.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvatureControl {
    curvature: Curvature,
    every: u64,
    reference: f64,
    power: f64,
    cap: f64,
}

impl CurvatureControl {
    /// Reads `curvature` every `every >= 1` steps; multiplier
    /// `min(cap, (kappa / reference)^power)` with `reference > 0`, `cap > 0`
    /// and `power` finite.
    pub fn new(
        curvature: Curvature,
        every: u64,
        reference: f64,
        power: f64,
        cap: f64,
    ) -> Result<Self> {
        ensure_at_least("every", every as usize, 1, "at least 1 step")?;
        match curvature {
            Curvature::MeanEigenvalue { probes } => HutchinsonConfig { probes }.validate()?,
            Curvature::TopEigenvalue { steps } => LanczosConfig { steps, top_k: 1 }.validate()?,
        }
        Ok(Self {
            curvature,
            every,
            reference: ensure_positive("reference", reference)?,
            power: crate::error::ensure_finite("power", power)?,
            cap: ensure_positive("cap", cap)?,
        })
    }

    /// The curvature estimate at the step's parameters.
    fn estimate(&self, step: &mut Step<'_, '_>) -> Result<f64> {
        let n = step.params.len();
        let failure = Cell::new(None);
        let (eval, x) = (step.eval, step.params);
        let mut hvp = |v: &[f64], out: &mut [f64]| {
            if let Err(e) = eval.hessian_vector(x, v, out) {
                failure.set(Some(e));
                out.fill(0.0);
            }
        };
        let kappa = match self.curvature {
            Curvature::MeanEigenvalue { probes } => {
                hutchinson::trace(&mut hvp, n, &HutchinsonConfig { probes }, step.rng)?.mean
                    / n as f64
            }
            Curvature::TopEigenvalue { steps } => {
                let cfg = LanczosConfig {
                    steps: steps.min(n),
                    top_k: 1,
                };
                lanczos::top_eigenvalues(&mut hvp, n, &cfg, step.rng)?.values[0]
            }
        };
        match failure.into_inner() {
            Some(e) => Err(e),
            None => Ok(kappa.max(0.0)),
        }
    }
}

/// The current multiplier and when it was computed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvatureState {
    multiplier: f64,
}

impl Transform for CurvatureControl {
    type State = CurvatureState;

    fn site(&self) -> Option<Site> {
        None
    }

    fn needs(&self) -> Capabilities {
        Capabilities {
            hessian_vector: true,
            ..Capabilities::default()
        }
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) -> CurvatureState {
        CurvatureState { multiplier: 1.0 }
    }

    fn update(
        &self,
        s: &mut CurvatureState,
        step: &mut Step<'_, '_>,
        _update: &mut [f64],
    ) -> Result<()> {
        if step.t.is_multiple_of(self.every) {
            let ratio = self.estimate(step)? / self.reference;
            // (0)^power is 0 for power > 0 and +inf for power < 0; the cap
            // bounds the latter.
            s.multiplier = ratio.powf(self.power).min(self.cap);
        }
        step.intensity *= s.multiplier;
        Ok(())
    }
}
