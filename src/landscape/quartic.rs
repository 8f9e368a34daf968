//! The separable quartic bowl `V(x) = sum_i (h_i x_i^2 / 2 + q_i x_i^4 / 4)`.
//!
//! With `h_i > 0` and `q_i >= 0`:
//!
//! ```text
//! grad V = (h_i x_i + q_i x_i^3)_i,       H = diag(h_i + 3 q_i x_i^2),
//! ```
//!
//! and the single critical point is the minimum `0` (`V = 0`, `H = diag(h)`);
//! no saddles. It is the smallest landscape on which random weight
//! perturbation is not exactly described by the second-order expansion: for
//! `eps ~ N(0, sigma^2 I)`, the Gaussian moments `E[eps_i^2] = sigma^2`,
//! `E[eps_i^4] = 3 sigma^4` and vanishing odd moments give, exactly,
//!
//! ```text
//! E[V(x + eps)] = V(x) + (sigma^2 / 2) Tr H(x) + (3 sigma^4 / 4) sum_i q_i,
//! ```
//!
//! (expand `(x_i + eps_i)^2` and `(x_i + eps_i)^4` term by term), the
//! identity `crate::theory` holds the weight-perturbation check against.

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};

/// `V(x) = sum_i (h_i x_i^2 / 2 + q_i x_i^4 / 4)` with `h > 0`, `q >= 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quartic {
    h: Vec<f64>,
    q: Vec<f64>,
}

impl Quartic {
    /// The bowl with quadratic coefficients `h` and quartic coefficients `q`
    /// (one length, at least 1). Rejects an `h_i` not positive and finite, a
    /// `q_i` negative or not finite, and lists of different lengths.
    pub fn new(h: Vec<f64>, q: Vec<f64>) -> Result<Self> {
        if h.is_empty() {
            return Err(Error::OutOfRange {
                name: "dimension",
                value: 0.0,
                expected: "at least 1",
            });
        }
        ensure_dim("quartic: q vs h", h.len(), q.len())?;
        for &v in &h {
            ensure_positive("h", v)?;
        }
        for &v in &q {
            ensure_finite("q", v)?;
            if v < 0.0 {
                return Err(Error::OutOfRange {
                    name: "q",
                    value: v,
                    expected: "q >= 0, so that 0 is the only critical point",
                });
            }
        }
        Ok(Self { h, q })
    }

    /// The quadratic coefficients `h` (the Hessian at the minimum).
    pub fn quadratic(&self) -> &[f64] {
        &self.h
    }

    /// The quartic coefficients `q`.
    pub fn quartic(&self) -> &[f64] {
        &self.q
    }
}

impl Objective for Quartic {
    fn dim(&self) -> usize {
        self.h.len()
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let mut sum = 0.0;
        for ((h, q), v) in self.h.iter().zip(&self.q).zip(x) {
            let s = v * v;
            sum += s * (0.5 * h + 0.25 * q * s);
        }
        sum
    }
}

impl Gradient for Quartic {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        for (((g, h), q), v) in grad.iter_mut().zip(&self.h).zip(&self.q).zip(x) {
            *g = v * (h + q * v * v);
        }
    }
}

impl Hessian for Quartic {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess.fill(0.0);
        for (i, ((h, q), v)) in self.h.iter().zip(&self.q).zip(x).enumerate() {
            hess[(i, i)] = h + 3.0 * q * v * v;
        }
    }
}

impl Landscape for Quartic {
    fn name(&self) -> &'static str {
        "quartic"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; self.dim()]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }
}
