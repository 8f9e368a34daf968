//! The 2-D double well with a transverse direction whose stiffness depends on
//! position: `V(x, y) = (x^2 - 1)^2 + (1 + a x^2) y^2 / 2`, `a > -1`.
//!
//! Gradient `(4 x (x^2 - 1) + a x y^2, (1 + a x^2) y)`; Hessian
//! `[[12 x^2 - 4 + a y^2, 2 a x y], [2 a x y, 1 + a x^2]]`.
//!
//! Critical points on `y = 0`: minima `(-1, 0)` and `(1, 0)` with Hessian
//! `diag(8, 1 + a)`, and the saddle `(0, 0)` with Hessian `diag(-4, 1)`. So `a`
//! sets how much sharper (`a > 0`) or flatter (`-1 < a < 0`) the minima are
//! across the transition path than the saddle is, which changes the Kramers
//! prefactor but not the barrier height `1`.
//!
//! Caveat for `a < 0`: then `1 + a x^2 < 0` for `|x| > 1 / sqrt(-a)`, so `V` is
//! unbounded below in `y` there, and four further index-1 saddles sit at
//! `x = +-1 / sqrt(-a)`, `y^2 = 4 (x^2 - 1) / (-a)` (where both gradient
//! components vanish with `1 + a x^2 = 0`). They do not separate the two
//! minima and are not listed by [`Landscape::saddles`]; escape experiments
//! with `a < 0` must stop paths at the barrier, well before `|x| = 1/sqrt(-a)`.

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_finite, Error, Result};

/// `V(x, y) = (x^2 - 1)^2 + (1 + a x^2) y^2 / 2` with `a > -1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransverseDoubleWell {
    a: f64,
}

impl TransverseDoubleWell {
    /// The well with transverse stiffening `a`; rejects `a <= -1` (the minima
    /// would lose transverse stability) and non-finite `a`.
    pub fn new(a: f64) -> Result<Self> {
        ensure_finite("a", a)?;
        if a <= -1.0 {
            return Err(Error::OutOfRange {
                name: "a",
                value: a,
                expected: "a > -1, so that the minima have transverse curvature 1 + a > 0",
            });
        }
        Ok(Self { a })
    }

    /// The stiffening parameter `a`: transverse curvature `1 + a` at the
    /// minima, `1` at the saddle.
    pub fn stiffening(&self) -> f64 {
        self.a
    }
}

impl Objective for TransverseDoubleWell {
    fn dim(&self) -> usize {
        2
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let (p, q) = (x[0], x[1]);
        let u = p * p - 1.0;
        u * u + 0.5 * (1.0 + self.a * p * p) * q * q
    }
}

impl Gradient for TransverseDoubleWell {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let (p, q) = (x[0], x[1]);
        grad[0] = 4.0 * p * (p * p - 1.0) + self.a * p * q * q;
        grad[1] = (1.0 + self.a * p * p) * q;
    }
}

impl Hessian for TransverseDoubleWell {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        let (p, q) = (x[0], x[1]);
        let off = 2.0 * self.a * p * q;
        hess[(0, 0)] = 12.0 * p * p - 4.0 + self.a * q * q;
        hess[(0, 1)] = off;
        hess[(1, 0)] = off;
        hess[(1, 1)] = 1.0 + self.a * p * p;
    }
}

impl Landscape for TransverseDoubleWell {
    fn name(&self) -> &'static str {
        "transverse-double-well"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![-1.0, 0.0], vec![1.0, 0.0]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0, 0.0]]
    }
}
