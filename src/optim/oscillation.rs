//! Parameter-space oscillation: the gradient at
//! `x + A sin(2 pi t / P) e`, with `e` a unit direction drawn once per chain.
//!
//! A deterministic, periodic perturbation of where the gradient is taken: a
//! first-order model of the cyclic perturbations the seed lists (see also
//! cyclical step sizes, Smith 2017). Averaged over a period it descends
//! `L(x) + (A^2 / 4) e^T H e + O(A^4)` (the mean of `sin^2` is 1/2), a
//! curvature penalty along `e`.

use super::evaluator::Evaluator;
use super::probe::Probe;
use super::transform::{norm, standard_normals, Site};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Sinusoidal displacement of amplitude `amplitude` and period `period` steps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Oscillation {
    amplitude: f64,
    period: f64,
}

/// The direction `e` and the displaced point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OscillationState {
    direction: Vec<f64>,
    point: Vec<f64>,
}

impl Oscillation {
    /// Amplitude `> 0` and period `> 0` (in steps).
    pub fn new(amplitude: f64, period: f64) -> Result<Self> {
        Ok(Self {
            amplitude: ensure_positive("amplitude", amplitude)?,
            period: ensure_positive("period", period)?,
        })
    }
}

impl Probe for Oscillation {
    type State = OscillationState;

    fn site(&self) -> Option<Site> {
        Some(Site::Parameters)
    }

    fn init(&self, dim: usize, rng: &mut Rng) -> OscillationState {
        let mut direction = vec![0.0; dim];
        standard_normals(rng, &mut direction);
        let n = norm(&direction);
        direction.iter_mut().for_each(|e| *e /= n);
        OscillationState {
            direction,
            point: vec![0.0; dim],
        }
    }

    fn gradient(
        &self,
        s: &mut OscillationState,
        t: u64,
        x: &[f64],
        eval: &Evaluator<'_>,
        _rng: &mut Rng,
        out: &mut [f64],
    ) -> Result<()> {
        let phase = std::f64::consts::TAU * t as f64 / self.period;
        let shift = self.amplitude * phase.sin();
        for ((p, x), e) in s.point.iter_mut().zip(x).zip(&s.direction) {
            *p = x + shift * e;
        }
        eval.gradient(&s.point, out);
        Ok(())
    }
}
