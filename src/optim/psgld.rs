//! Preconditioned SGLD (Li, Chen, Carlson, Carin 2016, "Preconditioned
//! stochastic gradient Langevin dynamics for deep neural networks", AAAI,
//! Algorithm 1): SGLD with RMSprop's diagonal preconditioner.
//!
//! With `g` the (minibatch) gradient of `U` the piece receives:
//! `V <- alpha V + (1 - alpha) g ⊙ g` (from `V = 0`),
//! `G = diag(1 / (lambda + sqrt(V)))`,
//! `x <- x - lr G g + sqrt(2 lr T G) ⊙ xi`, `xi ~ N(0, I)`,
//! in the project's Langevin form (Li et al.'s step `epsilon` is
//! `lr = epsilon / 2`).
//!
//! **The Gamma term is dropped**, as in Li et al.'s Algorithm 1: the exact
//! drift of a position-dependent preconditioner has the extra term
//! `T Gamma(x)`, `Gamma_i = sum_j dG_ij / dx_j` (their eq. 4). Li et al.
//! drop it because with `alpha` near 1 the preconditioner changes slowly
//! (their sec. 3 and Theorem 2: the bias it adds vanishes as `alpha -> 1`).
//! What that costs: the sampled law is not exactly `exp(-U/T)` even as
//! `lr -> 0` at fixed `alpha < 1`. `G` follows the recent path, so it is
//! correlated with the current `x`: after a large excursion `V` is large
//! and `G` small, so the chain returns slowly and the tails are inflated.
//! On `U = h x^2 / 2` stationarity gives exactly
//! `h E x^2 = T + h (-Cov(G, x^2) + lr h E[G^2 x^2] / 2) / E G`
//! (tests/samplers.rs), so the variance is too large by the covariance
//! term, which is small only when the RMSprop memory `1 / (1 - alpha)` is
//! long against the mixing time `1 / (lr G h)`: at fixed `alpha` the bias
//! grows as `lr` decreases, and it vanishes as `alpha -> 1`. On top of it is ULA's discretisation bias at the effective
//! step `lr G`: on a quadratic with curvature `h` and `G` frozen, the
//! variance is `(T/h) / (1 - lr G h / 2)` (the ULA formula with `lr G` for
//! `lr`).
//!
//! Scale: here `V` averages the squared gradient of `U` itself; Li et al.
//! average the mean per-datum likelihood gradient, `N` times smaller, so
//! (for `lambda` negligible) their `G` is `N` times ours and their
//! `epsilon / 2` corresponds to our `lr / N`.
//!
//! The noise standard deviation is multiplied by the step's intensity, so
//! a schedule placed before the piece anneals the temperature.

use super::transform::{Site, Step, Transform};
use crate::error::{ensure_positive, Error, Result};
use crate::rng::Rng;

/// pSGLD at learning rate `lr`, RMSprop decay `alpha`, damping `lambda`,
/// temperature `T`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Psgld {
    lr: f64,
    alpha: f64,
    lambda: f64,
    temperature: f64,
}

impl Psgld {
    /// `lr > 0`, `0 <= alpha < 1`, `lambda > 0`, `T > 0`.
    pub fn new(lr: f64, alpha: f64, lambda: f64, temperature: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&alpha) {
            return Err(Error::OutOfRange {
                name: "alpha",
                value: alpha,
                expected: "0 <= alpha < 1",
            });
        }
        Ok(Self {
            lr: ensure_positive("lr", lr)?,
            alpha,
            lambda: ensure_positive("lambda", lambda)?,
            temperature: ensure_positive("temperature", temperature)?,
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }
}

impl Transform for Psgld {
    /// The running mean of squared gradients `V`.
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
        let noise = 2.0 * self.lr * self.temperature;
        for (u, v) in update.iter_mut().zip(v.iter_mut()) {
            *v = self.alpha * *v + (1.0 - self.alpha) * *u * *u;
            let g = 1.0 / (self.lambda + v.sqrt());
            let z: f64 = step.rng.sample(rand_distr::StandardNormal);
            *u = -self.lr * g * *u + (noise * g).sqrt() * step.intensity * z;
        }
        Ok(())
    }
}
