//! The quadratic bowl `V(x) = (x - c)^T A (x - c) / 2` with `A` symmetric
//! positive definite.
//!
//! Gradient `A (x - c)`, constant Hessian `A`; the single minimum is `c`
//! (with `V(c) = 0`) and there are no saddles. The stationary law of the
//! overdamped Langevin flow on it is Gaussian with covariance `T A^{-1}`,
//! which makes it the reference for posterior and stationary-law checks.

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};

/// `V(x) = (x - c)^T A (x - c) / 2` with `A` symmetric positive definite.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadratic {
    a: DMatrix<f64>,
    centre: Vec<f64>,
}

impl Quadratic {
    /// The bowl with curvature matrix `a` centred at `centre`.
    ///
    /// Rejects an empty or non-square `a`, a `centre` of the wrong length,
    /// non-finite entries, and an `a` that is not symmetric (entrywise within
    /// `8 n eps max|a_ij|`, then symmetrised exactly) or not positive definite
    /// (Cholesky fails).
    pub fn new(a: DMatrix<f64>, centre: Vec<f64>) -> Result<Self> {
        let n = a.nrows();
        if n == 0 {
            return Err(Error::OutOfRange {
                name: "dimension",
                value: 0.0,
                expected: "at least 1",
            });
        }
        ensure_dim("quadratic: columns of A vs rows", n, a.ncols())?;
        ensure_dim("quadratic: centre vs A", n, centre.len())?;
        for &v in a.iter() {
            ensure_finite("A", v)?;
        }
        for &v in &centre {
            ensure_finite("c", v)?;
        }
        let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let tol = 8.0 * n as f64 * f64::EPSILON * scale;
        for i in 0..n {
            for j in 0..i {
                if (a[(i, j)] - a[(j, i)]).abs() > tol {
                    return Err(Error::NotPositiveDefinite { name: "A" });
                }
            }
        }
        let a = (&a + a.transpose()) * 0.5;
        if a.clone().cholesky().is_none() {
            return Err(Error::NotPositiveDefinite { name: "A" });
        }
        Ok(Self { a, centre })
    }

    /// The axis-aligned bowl `A = diag(h)` centred at `centre`; every `h_i`
    /// must be positive and finite.
    pub fn diagonal(h: &[f64], centre: Vec<f64>) -> Result<Self> {
        for &v in h {
            ensure_positive("h", v)?;
        }
        Self::new(
            DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(h)),
            centre,
        )
    }

    /// The curvature matrix `A` (the Hessian everywhere).
    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.a
    }

    /// The centre `c`, the unique minimum.
    pub fn centre(&self) -> &[f64] {
        &self.centre
    }
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.centre.len()
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let mut sum = 0.0;
        for (j, (xj, cj)) in x.iter().zip(&self.centre).enumerate() {
            let mut col = 0.0;
            for (i, (xi, ci)) in x.iter().zip(&self.centre).enumerate() {
                col += self.a[(i, j)] * (xi - ci);
            }
            sum += (xj - cj) * col;
        }
        0.5 * sum
    }
}

impl Gradient for Quadratic {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad.fill(0.0);
        for (j, (xj, cj)) in x.iter().zip(&self.centre).enumerate() {
            let dj = xj - cj;
            for (i, g) in grad.iter_mut().enumerate() {
                *g += self.a[(i, j)] * dj;
            }
        }
    }
}

impl Hessian for Quadratic {
    fn hessian(&self, _x: &[f64], hess: &mut DMatrix<f64>) {
        hess.copy_from(&self.a);
    }
}

impl Landscape for Quadratic {
    fn name(&self) -> &'static str {
        "quadratic"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![self.centre.clone()]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }
}
