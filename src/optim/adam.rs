//! Adam (Kingma and Ba 2015, "Adam: a method for stochastic optimization",
//! ICLR, Algorithm 1).
//!
//! `m <- b1 m + (1 - b1) u`, `v <- b2 v + (1 - b2) u^2`,
//! `u <- m_hat / (sqrt(v_hat) + eps)` with the bias corrections
//! `m_hat = m / (1 - b1^k)`, `v_hat = v / (1 - b2^k)` at the k-th update.
//! Placed before the learning rate; AdamW's decoupled weight decay is
//! `adam + weight-decay + sgd` (Loshchilov and Hutter 2019).

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Error, Result};
use crate::rng::Rng;

/// Adam's preconditioning.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adam {
    b1: f64,
    b2: f64,
    eps: f64,
}

/// Adam's moment estimates and update count.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamState {
    m: Vec<f64>,
    v: Vec<f64>,
    updates: i32,
}

impl Adam {
    /// Decay rates `0 <= b1, b2 < 1` and `eps > 0`.
    pub fn new(b1: f64, b2: f64, eps: f64) -> Result<Self> {
        for (name, value) in [("b1", b1), ("b2", b2)] {
            if !(0.0..1.0).contains(&value) {
                return Err(Error::OutOfRange {
                    name,
                    value,
                    expected: "0 <= b < 1",
                });
            }
        }
        Ok(Self {
            b1,
            b2,
            eps: ensure_positive("eps", eps)?,
        })
    }
}

impl Transform for Adam {
    type State = AdamState;

    fn site(&self) -> Option<Site> {
        None
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> AdamState {
        AdamState {
            m: vec![0.0; dim],
            v: vec![0.0; dim],
            updates: 0,
        }
    }

    fn update(
        &self,
        s: &mut AdamState,
        _step: &mut Step<'_, '_>,
        update: &mut [f64],
    ) -> Result<()> {
        s.updates = s.updates.saturating_add(1);
        let c1 = 1.0 - self.b1.powi(s.updates);
        let c2 = 1.0 - self.b2.powi(s.updates);
        for ((u, m), v) in update.iter_mut().zip(s.m.iter_mut()).zip(s.v.iter_mut()) {
            *m = self.b1 * *m + (1.0 - self.b1) * *u;
            *v = self.b2 * *v + (1.0 - self.b2) * *u * *u;
            *u = (*m / c1) / ((*v / c2).sqrt() + self.eps);
        }
        Ok(())
    }
}
