//! The stationary law of noisy gradient descent on a quadratic.
//!
//! On `V(x) = x^T H x / 2` (`H` symmetric positive definite), gradient
//! descent with additive gradient noise,
//!
//! ```text
//! x_{k+1} = x_k - lr (H x_k + g_k),     g_k ~ N(0, C) independent,
//! ```
//!
//! is the linear recursion `x_{k+1} = M x_k + xi_k` with `M = I - lr H` and
//! `Cov xi_k = lr^2 C`. Its stationary law is `N(0, S)` with `S` the unique
//! solution of the discrete Lyapunov equation `S = M S M^T + lr^2 C`, which
//! exists iff the spectral radius of `M` is below 1, i.e. iff
//! `0 < lr < 2 / lambda_max(H)` (the stability condition; outside it the
//! iterates diverge and there is no stationary law).
//!
//! The discretised overdamped Langevin dynamics at temperature `T`,
//! `x_{k+1} = x_k - lr H x_k + sqrt(2 lr T) xi_k`, `xi_k ~ N(0, I)`, is the
//! case `C = (2 T / lr) I`; then `S` is diagonal in `H`'s eigenbasis with
//!
//! ```text
//! S = sum_i  T / (lambda_i (1 - lr lambda_i / 2))  v_i v_i^T
//!   = T H^{-1} + (lr T / 2) I + O(lr^2),
//! ```
//!
//! whose `lr -> 0` limit `T H^{-1}` is the covariance of the Gibbs law
//! `exp(-V / T)`. The `O(lr)` correction is isotropic: noisy GD is hotter
//! than its continuous limit by `lr T / 2` in every direction; the
//! remainder is exactly `T lr^2 lambda / (4 (1 - lr lambda / 2))` per
//! eigen-direction.
//!
//! Derivations: `proofs/noisy_gd_covariance.md`. The general solve goes
//! through [`super::lyapunov::solve_discrete_lyapunov`] (dimension at most
//! [`super::lyapunov::MAX_LYAPUNOV_DIM`]); the Langevin closed forms have no
//! size limit.

use nalgebra::DMatrix;

use super::checks::{symmetric_spectrum, Spectrum};
use super::lyapunov::solve_discrete_lyapunov;
use crate::error::{ensure_positive, Error, Result};

/// Noisy gradient descent with step `lr` on the quadratic with Hessian `H`.
#[derive(Debug, Clone)]
pub struct NoisyGd {
    lr: f64,
    hessian: DMatrix<f64>,
    spectrum: Spectrum,
}

impl NoisyGd {
    /// The recursion for Hessian `h` (symmetric positive definite) and step
    /// `lr`, which must satisfy the stability condition
    /// `0 < lr < 2 / lambda_max(h)`.
    ///
    /// See `proofs/noisy_gd_covariance.md`.
    pub fn new(h: &DMatrix<f64>, lr: f64) -> Result<Self> {
        ensure_positive("lr", lr)?;
        let spectrum = symmetric_spectrum("H", h)?;
        if spectrum.min() <= 0.0 {
            return Err(Error::NotPositiveDefinite { name: "H" });
        }
        let limit = 2.0 / spectrum.max();
        if lr >= limit {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "below 2 / lambda_max(H) (noisy GD diverges otherwise)",
            });
        }
        Ok(Self {
            lr,
            hessian: h.clone(),
            spectrum,
        })
    }

    /// The step `lr`.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The eigenvalues of `H`, in the order of [`Self::langevin_eigen_variances`].
    pub fn eigenvalues(&self) -> Vec<f64> {
        self.spectrum.values.iter().copied().collect()
    }

    /// The iteration matrix `M = I - lr H`.
    pub fn step_matrix(&self) -> DMatrix<f64> {
        let n = self.hessian.nrows();
        DMatrix::identity(n, n) - &self.hessian * self.lr
    }

    /// The stationary covariance `S = M S M^T + lr^2 C` for gradient noise of
    /// covariance `c` (symmetric, same size as `H`, at most
    /// [`super::lyapunov::MAX_LYAPUNOV_DIM`]).
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 1.
    pub fn stationary_covariance(&self, c: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        solve_discrete_lyapunov(&self.step_matrix(), &(c * (self.lr * self.lr)))
    }

    /// The stationary variance `T / (lambda_i (1 - lr lambda_i / 2))` along
    /// each eigenvector of `H` for the Langevin recursion at temperature
    /// `temperature > 0` (in the order of [`Self::eigenvalues`]).
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 2.
    pub fn langevin_eigen_variances(&self, temperature: f64) -> Result<Vec<f64>> {
        ensure_positive("temperature", temperature)?;
        Ok(self
            .spectrum
            .values
            .iter()
            .map(|&l| self.langevin_variance(l, temperature))
            .collect())
    }

    fn langevin_variance(&self, lambda: f64, temperature: f64) -> f64 {
        temperature / (lambda * (1.0 - 0.5 * self.lr * lambda))
    }

    /// The exact stationary covariance of the Langevin recursion
    /// `x <- x - lr H x + sqrt(2 lr T) xi` at temperature `temperature > 0`,
    /// assembled in `H`'s eigenbasis from [`Self::langevin_eigen_variances`].
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 2.
    pub fn langevin_covariance(&self, temperature: f64) -> Result<DMatrix<f64>> {
        ensure_positive("temperature", temperature)?;
        Ok(self
            .spectrum
            .map(|l| self.langevin_variance(l, temperature)))
    }

    /// The continuous-time limit `T H^{-1}`: the covariance of the Gibbs law
    /// `exp(-V / T)`.
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 3.
    pub fn gibbs_covariance(&self, temperature: f64) -> Result<DMatrix<f64>> {
        ensure_positive("temperature", temperature)?;
        Ok(self.spectrum.map(|l| temperature / l))
    }

    /// The Gibbs covariance with its first-order step-size correction,
    /// `T H^{-1} + (lr T / 2) I`; it differs from
    /// [`Self::langevin_covariance`] by exactly
    /// `T lr^2 lambda / (4 (1 - lr lambda / 2))` per eigen-direction
    /// ([`Self::first_order_remainder`]).
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 3.
    pub fn first_order_covariance(&self, temperature: f64) -> Result<DMatrix<f64>> {
        ensure_positive("temperature", temperature)?;
        let shift = 0.5 * self.lr * temperature;
        Ok(self.spectrum.map(|l| temperature / l + shift))
    }

    /// The spectral norm of the remainder
    /// `langevin_covariance - first_order_covariance`:
    /// `max_i T lr^2 lambda_i / (4 (1 - lr lambda_i / 2))`, attained at
    /// `lambda_max`.
    ///
    /// See `proofs/noisy_gd_covariance.md`, Section 3.
    pub fn first_order_remainder(&self, temperature: f64) -> Result<f64> {
        ensure_positive("temperature", temperature)?;
        let l = self.spectrum.max();
        Ok(temperature * self.lr * self.lr * l / (4.0 * (1.0 - 0.5 * self.lr * l)))
    }
}
