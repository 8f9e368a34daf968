//! The expected loss under random weight perturbation.
//!
//! For `eps ~ N(0, sigma^2 I)` and a loss `L` that is `C^4` with bounded
//! fourth derivatives near `x`, a Taylor expansion and the Gaussian moments
//! `E eps = 0`, `E eps eps^T = sigma^2 I`, `E eps_i eps_j eps_k = 0` give
//!
//! ```text
//! E L(x + eps) = L(x) + (sigma^2 / 2) Tr H(x) + O(sigma^4)
//! ```
//!
//! ([`second_order_expected_loss`]): random weight perturbation, and the
//! parameter-site noise of Anti-PGD ([`super::anti_pgd`]), act on average
//! as a penalty on the trace of the Hessian. On the separable quartic
//! `V(x) = sum_i (h_i x_i^2 / 2 + q_i x_i^4 / 4)` the expansion terminates
//! ([`SeparableQuartic::expected_perturbed_loss`]):
//!
//! ```text
//! E V(x + eps) = V(x) + (sigma^2 / 2) sum_i (h_i + 3 q_i x_i^2) + (3 sigma^4 / 4) sum_i q_i,
//! ```
//!
//! where `sum_i (h_i + 3 q_i x_i^2) = Tr H(x)`, so the `O(sigma^4)`
//! remainder is exactly `(3 sigma^4 / 4) sum_i q_i`, independent of `x`.
//! Derivations: `proofs/weight_perturbation.md`.

use nalgebra::DMatrix;

use crate::error::ensure_non_negative;
use crate::error::{ensure_dim, Error, Result};
use crate::landscape::{Gradient, Hessian, Objective};

/// `L(x) + (sigma^2 / 2) Tr H(x)`: the expected loss under
/// `N(0, sigma^2 I)` weight perturbation to second order in `sigma`
/// (`sigma >= 0`). Forms the dense Hessian once: for setup and
/// measurement, not for per-step loops.
///
/// # Requirements
/// An analytic Hessian ([`Hessian`]).
///
/// See `proofs/weight_perturbation.md`, Section 1.
pub fn second_order_expected_loss<L: Hessian + ?Sized>(
    landscape: &L,
    x: &[f64],
    sigma: f64,
) -> Result<f64> {
    ensure_non_negative("sigma", sigma)?;
    let n = landscape.dim();
    ensure_dim("point x", n, x.len())?;
    let mut hess = DMatrix::zeros(n, n);
    landscape.hessian(x, &mut hess);
    Ok(landscape.value(x) + 0.5 * sigma * sigma * hess.trace())
}

/// The separable quartic `V(x) = sum_i (h_i x_i^2 / 2 + q_i x_i^4 / 4)`,
/// on which the expected perturbed loss is a polynomial in `sigma` with no
/// remainder.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeparableQuartic {
    h: Vec<f64>,
    q: Vec<f64>,
}

impl SeparableQuartic {
    /// The quartic with quadratic coefficients `h` and quartic coefficients
    /// `q` (same non-zero length, finite; any sign).
    ///
    /// See `proofs/weight_perturbation.md`, Section 2.
    pub fn new(h: Vec<f64>, q: Vec<f64>) -> Result<Self> {
        if h.is_empty() {
            return Err(Error::DimensionMismatch {
                context: "quartic coefficients h",
                expected: 1,
                got: 0,
            });
        }
        ensure_dim("quartic coefficients q (one per h)", h.len(), q.len())?;
        if let Some(bad) = h.iter().chain(&q).find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "quartic coefficient",
                value: *bad,
            });
        }
        Ok(Self { h, q })
    }

    /// `Tr H(x) = sum_i (h_i + 3 q_i x_i^2)`.
    pub fn hessian_trace(&self, x: &[f64]) -> f64 {
        self.h
            .iter()
            .zip(&self.q)
            .zip(x)
            .map(|((h, q), x)| h + 3.0 * q * x * x)
            .sum()
    }

    /// The exact `E V(x + eps)`, `eps ~ N(0, sigma^2 I)`, `sigma >= 0`:
    /// `V(x) + (sigma^2 / 2) Tr H(x) + (3 sigma^4 / 4) sum_i q_i`.
    ///
    /// See `proofs/weight_perturbation.md`, Section 2.
    pub fn expected_perturbed_loss(&self, x: &[f64], sigma: f64) -> Result<f64> {
        ensure_non_negative("sigma", sigma)?;
        ensure_dim("point x", self.h.len(), x.len())?;
        let s2 = sigma * sigma;
        let q_sum: f64 = self.q.iter().sum();
        Ok(self.value(x) + 0.5 * s2 * self.hessian_trace(x) + 0.75 * s2 * s2 * q_sum)
    }

    /// The exact `E grad V(x + eps) = grad E V(x + eps)`, written into
    /// `out`: `h_i x_i + q_i x_i^3 + 3 sigma^2 q_i x_i` (`sigma >= 0`).
    ///
    /// See `proofs/weight_perturbation.md`, Section 2.
    pub fn expected_perturbed_gradient(
        &self,
        x: &[f64],
        sigma: f64,
        out: &mut [f64],
    ) -> Result<()> {
        ensure_non_negative("sigma", sigma)?;
        ensure_dim("point x", self.h.len(), x.len())?;
        ensure_dim("gradient buffer", self.h.len(), out.len())?;
        self.gradient(x, out);
        let s2 = sigma * sigma;
        for ((o, q), x) in out.iter_mut().zip(&self.q).zip(x) {
            *o += 3.0 * s2 * q * x;
        }
        Ok(())
    }
}

impl Objective for SeparableQuartic {
    fn dim(&self) -> usize {
        self.h.len()
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.h
            .iter()
            .zip(&self.q)
            .zip(x)
            .map(|((h, q), x)| {
                let x2 = x * x;
                0.5 * h * x2 + 0.25 * q * x2 * x2
            })
            .sum()
    }
}

impl Gradient for SeparableQuartic {
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        for (((g, h), q), x) in grad.iter_mut().zip(&self.h).zip(&self.q).zip(x) {
            *g = h * x + q * x * x * x;
        }
    }
}

impl Hessian for SeparableQuartic {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess.fill(0.0);
        for (i, ((h, q), x)) in self.h.iter().zip(&self.q).zip(x).enumerate() {
            hess[(i, i)] = h + 3.0 * q * x * x;
        }
    }
}
