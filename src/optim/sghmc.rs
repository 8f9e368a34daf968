//! Stochastic gradient Hamiltonian Monte Carlo (Chen, Fox, Guestrin 2014,
//! "Stochastic gradient Hamiltonian Monte Carlo", ICML, eq. 15), and the
//! naive variant of their sec. 3.1 for comparison.
//!
//! With `g` the (minibatch) gradient of `U` the piece receives, velocity
//! `v` (from `v = 0`), friction `a` and gradient-noise estimate `b`:
//! `v <- v - lr g - a v + N(0, 2 (a - b) lr T)`, `x <- x + v`.
//! In Chen et al.'s notation `lr = eta = epsilon^2` (unit mass),
//! `a = alpha = epsilon C` and `b = beta_hat = epsilon B_hat`; at `T = 1`
//! the friction balances the injected noise plus the estimated gradient
//! noise, so the dynamics keep `exp(-U/T)` (times a Gaussian in `v`)
//! invariant as `lr -> 0` (their Theorem 3.2 for the continuous
//! dynamics). With `a = 1` the velocity is forgotten every step and the
//! method is exactly ULA, `x <- x - lr g + sqrt(2 lr T) xi`.
//!
//! **Naive SGHMC** (`corrected = false`): the same noise but no friction
//! term, `v <- v - lr g + N(0, 2 (a - b) lr T)`, i.e. Hamiltonian dynamics
//! driven by noise with nothing to dissipate it. Chen et al. (sec. 3.1,
//! Theorem 3.1) show that `exp(-U/T)` is then not invariant (the entropy
//! grows); on a quadratic the energy grows without bound. It is kept to
//! show that failure, never to sample.
//!
//! The noise standard deviation is multiplied by the step's intensity, so
//! a schedule placed before the piece anneals the temperature.

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_non_negative, ensure_positive, Error, Result};
use crate::rng::Rng;

/// SGHMC (with or without the friction term).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sghmc {
    lr: f64,
    friction: f64,
    beta_hat: f64,
    temperature: f64,
    corrected: bool,
}

impl Sghmc {
    /// `lr > 0`, `0 < friction <= 1`, `0 <= beta_hat < friction`, `T > 0`;
    /// `corrected = false` drops the friction term (naive SGHMC).
    pub fn new(
        lr: f64,
        friction: f64,
        beta_hat: f64,
        temperature: f64,
        corrected: bool,
    ) -> Result<Self> {
        let friction = ensure_positive("friction", friction)?;
        if friction > 1.0 {
            return Err(Error::OutOfRange {
                name: "friction",
                value: friction,
                expected: "0 < friction <= 1 (friction 1 forgets the velocity every step)",
            });
        }
        let beta_hat = ensure_non_negative("beta_hat", beta_hat)?;
        if beta_hat >= friction {
            return Err(Error::OutOfRange {
                name: "beta_hat",
                value: beta_hat,
                expected: "below friction (the injected noise 2 (friction - beta_hat) lr T must be positive)",
            });
        }
        Ok(Self {
            lr: ensure_positive("lr", lr)?,
            friction,
            beta_hat,
            temperature: ensure_positive("temperature", temperature)?,
            corrected,
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }
}

impl Transform for Sghmc {
    /// The velocity `v`.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn update(&self, v: &mut Vec<f64>, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        use rand::RngExt;
        let scale = (2.0 * (self.friction - self.beta_hat) * self.lr * self.temperature).sqrt()
            * step.intensity;
        let keep = if self.corrected {
            1.0 - self.friction
        } else {
            1.0
        };
        for (u, v) in update.iter_mut().zip(v.iter_mut()) {
            let z: f64 = step.rng.sample(rand_distr::StandardNormal);
            *v = keep * *v - self.lr * *u + scale * z;
            *u = *v;
        }
        Ok(())
    }
}
