//! A Gaussian target `N(m, Sigma)` with any symmetric positive definite
//! covariance, as a potential with exact moments and exact samples.
//!
//! The potential is `U(x) = (x - m)^T Sigma^{-1} (x - m) / 2 = -log N(x; m,
//! Sigma) + const`, so the Langevin form at `T = 1` targets `N(m, Sigma)`.
//! The landscape [`Quadratic`] already is this potential with curvature
//! `A = Sigma^{-1}` and centre `m`; this type wraps it and adds what a
//! sampling test needs: the covariance itself, exact draws `m + L z`
//! (`Sigma = L L^T` Cholesky, `z ~ N(0, I)`) and a spec with a correlation
//! structure. It has no finite-sum structure (there are no data).

use nalgebra::DMatrix;

use crate::error::{ensure_at_least, ensure_positive, Error, Result};
use crate::landscape::{Gradient, Hessian, Landscape, Objective, Quadratic};
use crate::measure::posterior::Gaussian;
use crate::rng::Rng;

/// The target `N(m, Sigma)` with potential `(x - m)^T Sigma^{-1} (x - m) / 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianTarget {
    potential: Quadratic,
    law: Gaussian,
}

impl GaussianTarget {
    /// The target with mean `mean` and covariance `cov`.
    ///
    /// Rejects a non-finite entry, mismatched dimensions, and a `cov` that
    /// is not symmetric or not positive definite (Cholesky fails, of `cov`
    /// or of its computed inverse).
    pub fn new(mean: Vec<f64>, cov: DMatrix<f64>) -> Result<Self> {
        let law = Gaussian::new(mean.clone().into(), cov)?;
        let precision = law
            .covariance()
            .clone()
            .cholesky()
            .ok_or(Error::NotPositiveDefinite { name: "Sigma" })?
            .inverse();
        let precision = (&precision + precision.transpose()) * 0.5;
        Ok(Self {
            potential: Quadratic::new(precision, mean)?,
            law,
        })
    }

    /// `N(mean 1, sd^2 ((1 - rho) I + rho 1 1^T))` in dimension `d`: unit
    /// correlation `rho` between every pair of coordinates. Its eigenvalues
    /// are `sd^2 (1 + (d - 1) rho)` (along `1`) and `sd^2 (1 - rho)`
    /// (`d - 1` times), so it is positive definite exactly for
    /// `-1 / (d - 1) < rho < 1`, with condition number
    /// `(1 + (d - 1) rho) / (1 - rho)` for `rho >= 0`.
    ///
    /// Rejects `d = 0`, `sd` not positive and finite, a non-finite `mean`
    /// and `rho` outside that interval.
    pub fn equicorrelated(d: usize, rho: f64, sd: f64, mean: f64) -> Result<Self> {
        ensure_at_least("d", d, 1, "at least one dimension")?;
        ensure_positive("sd", sd)?;
        let lower = if d > 1 { -1.0 / (d as f64 - 1.0) } else { -1.0 };
        if !(rho > lower && rho < 1.0) {
            return Err(Error::OutOfRange {
                name: "rho",
                value: rho,
                expected: "-1/(d-1) < rho < 1 (positive definite)",
            });
        }
        let var = sd * sd;
        let cov = DMatrix::from_fn(d, d, |i, j| if i == j { var } else { rho * var });
        Self::new(vec![mean; d], cov)
    }

    /// The exact law `N(m, Sigma)`.
    pub fn law(&self) -> &Gaussian {
        &self.law
    }

    /// The mean `m`.
    pub fn mean(&self) -> &[f64] {
        self.potential.centre()
    }

    /// The covariance `Sigma`.
    pub fn covariance(&self) -> &DMatrix<f64> {
        self.law.covariance()
    }

    /// The precision `Sigma^{-1}` (the Hessian of `U`).
    pub fn precision(&self) -> &DMatrix<f64> {
        self.potential.matrix()
    }

    /// Writes one exact draw `m + L z`, `z ~ N(0, I)` from `rng`, into `out`
    /// (see [`Gaussian::sample`]).
    ///
    /// # Panics
    /// If `out` has the wrong length (a programmer bug).
    pub fn sample(&self, rng: &mut Rng, out: &mut [f64]) {
        self.law.sample(rng, out);
    }

    /// `n` exact draws, row-major (`n x d`), from `rng`.
    pub fn samples(&self, n: usize, rng: &mut Rng) -> Vec<f64> {
        self.law.samples(n, rng)
    }
}

impl Objective for GaussianTarget {
    fn dim(&self) -> usize {
        self.potential.dim()
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        self.potential.value(x)
    }
}

impl Gradient for GaussianTarget {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        self.potential.gradient(x, grad);
    }
}

impl Hessian for GaussianTarget {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        self.potential.hessian(x, hess);
    }
}

impl Landscape for GaussianTarget {
    fn name(&self) -> &'static str {
        "gaussian"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        self.potential.minima()
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }
}
