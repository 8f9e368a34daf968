//! Perturbed gradient descent (Jin, Ge, Netrapalli, Kakade, Jordan 2017,
//! "How to escape saddle points efficiently", ICML, Algorithm 2): when the
//! gradient is small (`|g| <= g_thres`) and no perturbation happened in the
//! last `t_thres` steps, jump by `xi` drawn uniformly from the ball of radius
//! `r`.
//!
//! Near a strict saddle the jump has a component along the negative
//! curvature direction, which gradient descent then amplifies geometrically
//! (`proofs/saddle_escape.md`). Two differences from the paper's listing,
//! both deliberate: the jump is added to the step in which the small
//! gradient was observed (the paper perturbs first and then takes the
//! gradient at the perturbed point; the two differ by `lr H xi`, of order
//! `lr |H| r`); and the paper's stopping rule (return the pre-perturbation
//! point if the loss did not drop) is left out, because perturbo studies the
//! dynamics, not a terminating algorithm.
//!
//! Placed after `sgd:lr`.

use rand::RngExt;

use super::transform::{norm, standard_normals, Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Jin et al.'s perturbation rule.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PerturbOnSmallGradient {
    radius: f64,
    g_thres: f64,
    t_thres: u64,
}

/// When the last perturbation happened, and a draw buffer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PgdState {
    last: Option<u64>,
    xi: Vec<f64>,
}

impl PerturbOnSmallGradient {
    /// Ball radius `radius > 0`, gradient threshold `g_thres > 0`, and the
    /// least number of steps `t_thres` between perturbations.
    pub fn new(radius: f64, g_thres: f64, t_thres: u64) -> Result<Self> {
        Ok(Self {
            radius: ensure_positive("radius", radius)?,
            g_thres: ensure_positive("g_thres", g_thres)?,
            t_thres,
        })
    }
}

impl Transform for PerturbOnSmallGradient {
    type State = PgdState;

    fn site(&self) -> Option<Site> {
        Some(Site::Parameters)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> PgdState {
        PgdState {
            last: None,
            xi: vec![0.0; dim],
        }
    }

    fn update(&self, s: &mut PgdState, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        let rested = s.last.is_none_or(|last| step.t - last > self.t_thres);
        if !rested || norm(step.gradient) > self.g_thres {
            return Ok(());
        }
        s.last = Some(step.t);
        // Uniform in the n-ball: a uniform direction times r U^(1/n).
        standard_normals(step.rng, &mut s.xi);
        let u: f64 = step.rng.random();
        let n = s.xi.len() as f64;
        let scale = step.intensity * self.radius * u.powf(1.0 / n) / norm(&s.xi);
        update
            .iter_mut()
            .zip(&s.xi)
            .for_each(|(a, z)| *a += scale * z);
        Ok(())
    }
}
