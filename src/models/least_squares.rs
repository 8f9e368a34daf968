//! Linear least squares with an optional ridge penalty.
//!
//! ```text
//! l_i(x) = (a_i . x - y_i)^2 / 2 + lambda |x|^2 / 2,
//! grad l_i(x) = (a_i . x - y_i) a_i + lambda x,
//! H = A^T A / n + lambda I        (constant in x),
//! ```
//!
//! so `L(x) = |A x - y|^2 / (2n) + lambda |x|^2 / 2`, whose unique minimiser
//! when `H` is positive definite solves the normal equations
//! `(A^T A / n + lambda I) x = A^T y / n` ([`LeastSquares::minimizer`]).
//! The per-sample gradient covariance at `x` is
//! `(1/n) sum_i r_i^2 a_i a_i^T - g g^T` with residuals `r_i = a_i . x - y_i`
//! and `g = A^T r / n` ([`LeastSquares::gradient_covariance`]).

use nalgebra::{DMatrix, DVector};

use super::glm::{self, check_ridge, Link};
use crate::data::Dataset;
use crate::error::{Error, Result};

/// `L(x) = (1/n) sum_i (a_i . x - y_i)^2 / 2 + lambda |x|^2 / 2` on a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct LeastSquares {
    data: Dataset,
    ridge: f64,
}

impl LeastSquares {
    /// Least squares on `data` with ridge coefficient `ridge = lambda >= 0`
    /// (finite); rejects a negative or non-finite `ridge`.
    pub fn new(data: Dataset, ridge: f64) -> Result<Self> {
        let ridge = check_ridge(ridge)?;
        Ok(Self { data, ridge })
    }

    /// The minimiser `(A^T A / n + lambda I)^{-1} A^T y / n`, by a Cholesky
    /// factorisation of the Hessian (nalgebra).
    ///
    /// Errors with [`Error::NotPositiveDefinite`] when the factorisation
    /// fails (`lambda = 0` and `A` rank-deficient, for instance `n < p`).
    /// The solve is backward stable, so the gradient at the result is at
    /// rounding level; its distance to the exact minimiser grows with the
    /// condition number of the Hessian.
    pub fn minimizer(&self) -> Result<Vec<f64>> {
        let p = self.data.p();
        let mut hess = DMatrix::zeros(p, p);
        glm::hessian::<Self>(&self.data, self.ridge, &vec![0.0; p], &mut hess);
        let mut rhs = DVector::zeros(p);
        for (a, y) in self.data.samples() {
            for (r, aj) in rhs.iter_mut().zip(a) {
                *r += y * aj;
            }
        }
        rhs /= self.data.n() as f64;
        let chol = hess.cholesky().ok_or(Error::NotPositiveDefinite {
            name: "A^T A / n + ridge I",
        })?;
        Ok(chol.solve(&rhs).iter().copied().collect())
    }
}

impl Link for LeastSquares {
    const NAME: &'static str = "least-squares";

    #[inline]
    fn loss(z: f64, y: f64) -> f64 {
        let r = z - y;
        0.5 * r * r
    }

    #[inline]
    fn slope(z: f64, y: f64) -> f64 {
        z - y
    }

    #[inline]
    fn curvature(_z: f64, _y: f64) -> f64 {
        1.0
    }
}

linear_model!(LeastSquares);
