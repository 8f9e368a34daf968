//! The strict saddle `V(x) = -gamma x_1^2 / 2 + x_1^4 / 4 + sum_{i>=2} h_i x_i^2 / 2`.
//!
//! The landscape for the saddle escape of perturbed gradient descent (Jin,
//! Ge, Netrapalli, Kakade and Jordan, "How to escape saddle points
//! efficiently", ICML 2017): at the origin the gradient vanishes and the
//! Hessian `diag(-gamma, h_2, ..., h_n)` has exactly one negative
//! eigenvalue `-gamma` (a strict saddle), along `x_1`. The coordinates
//! decouple, so gradient descent multiplies `x_1` by `1 + lr gamma` per step
//! while `x_1^2 << gamma` and contracts every other coordinate.
//!
//! ```text
//! grad V = (-gamma x_1 + x_1^3, h_2 x_2, ..., h_n x_n),
//! H      = diag(-gamma + 3 x_1^2, h_2, ..., h_n).
//! ```
//!
//! **Critical points** (`gamma > 0`, every `h_i > 0`): the saddle `0`
//! (`V = 0`), and the minima `x_1 = +-sqrt(gamma)`, `x_i = 0` for `i >= 2`,
//! with `V = -gamma^2 / 4` and Hessian `diag(2 gamma, h_2, ..., h_n)`.
//! There are no others (`x_1 (x_1^2 - gamma) = 0` and `h_i x_i = 0`).

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_positive, Result};

/// `V(x) = -gamma x_1^2 / 2 + x_1^4 / 4 + sum_{i>=2} h_i x_i^2 / 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictSaddle {
    gamma: f64,
    h: Vec<f64>,
}

impl StrictSaddle {
    /// The saddle with negative curvature `-gamma` along `x_1` and positive
    /// curvatures `h` along `x_2, ..., x_{1 + len(h)}` (`h` may be empty: a
    /// 1-D double well). Rejects `gamma` or any `h_i` not positive and finite.
    pub fn new(gamma: f64, h: Vec<f64>) -> Result<Self> {
        ensure_positive("gamma", gamma)?;
        for &v in &h {
            ensure_positive("h", v)?;
        }
        Ok(Self { gamma, h })
    }

    /// `gamma`: the Hessian eigenvalue at the saddle is `-gamma`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// The curvatures `h_2, ..., h_n` of the stable directions.
    pub fn stable_curvatures(&self) -> &[f64] {
        &self.h
    }

    /// A minimum: `x_1 = sign sqrt(gamma)`, the rest zero.
    fn minimum(&self, sign: f64) -> Vec<f64> {
        let mut x = vec![0.0; self.dim()];
        x[0] = sign * self.gamma.sqrt();
        x
    }
}

impl Objective for StrictSaddle {
    fn dim(&self) -> usize {
        1 + self.h.len()
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let s = x[0] * x[0];
        let stable: f64 = self.h.iter().zip(&x[1..]).map(|(h, v)| h * v * v).sum();
        s * (0.25 * s - 0.5 * self.gamma) + 0.5 * stable
    }
}

impl Gradient for StrictSaddle {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad[0] = x[0] * (x[0] * x[0] - self.gamma);
        for ((g, h), v) in grad[1..].iter_mut().zip(&self.h).zip(&x[1..]) {
            *g = h * v;
        }
    }
}

impl Hessian for StrictSaddle {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess.fill(0.0);
        hess[(0, 0)] = 3.0 * x[0] * x[0] - self.gamma;
        for (i, h) in self.h.iter().enumerate() {
            hess[(i + 1, i + 1)] = *h;
        }
    }
}

impl Landscape for StrictSaddle {
    fn name(&self) -> &'static str {
        "strict-saddle"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![self.minimum(-1.0), self.minimum(1.0)]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; self.dim()]]
    }
}
