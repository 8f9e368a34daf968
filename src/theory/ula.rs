//! The unadjusted Langevin algorithm (ULA) on a Gaussian target: its exact
//! law at every step, its stationary law, the stability limit, and the
//! exact W2 and KL of the stationary law to the target.
//!
//! Target `N(m, Sigma)` tempered at `T`, i.e. the Gibbs law `exp(-U / T)` of
//! `U(x) = (x - m)^T Sigma^{-1} (x - m) / 2`, which is `N(m, T Sigma)` (the
//! posterior at `T = 1`). ULA in the project's Langevin form with step `lr`:
//!
//! ```text
//! x_{k+1} = x_k - lr Sigma^{-1} (x_k - m) + sqrt(2 lr T) xi_k,   xi_k ~ N(0, I).
//! ```
//!
//! (Welling and Teh's step `epsilon` is `lr = epsilon / 2`.) With
//! `Sigma = sum_i sigma_i^2 u_i u_i^T` the recursion decouples along the
//! `u_i`, each coordinate an AR(1) with coefficient `rho_i = 1 - lr / sigma_i^2`:
//!
//! ```text
//! s_i = T sigma_i^2 / (1 - lr / (2 sigma_i^2)),         (stationary variance)
//! ```
//!
//! the discrete Lyapunov solution `S = M S M^T + 2 lr T I`, `M = I - lr Sigma^{-1}`,
//! which exists iff `lr < 2 lambda_min(Sigma) = 2 min_i sigma_i^2`. The
//! stationary mean is exactly `m`, and since `S` and `T Sigma` commute,
//!
//! ```text
//! W2^2 = sum_i (sqrt(s_i) - sqrt(T sigma_i^2))^2,
//! KL(N(m, S) || N(m, T Sigma)) = (1/2) sum_i (r_i - 1 - ln r_i),  r_i = 1 / (1 - lr / (2 sigma_i^2)),
//! ```
//!
//! so `W2 = O(lr)` and `KL = O(lr^2)`. From a deterministic start `x_0` the
//! law after `k` steps is `N(m + M^k (x_0 - m), sum_i s_i (1 - rho_i^{2k}) u_i u_i^T)`.
//! Derivations: `proofs/ula_gaussian.md` (the same recursion as
//! [`super::noisy_gd`] with `H = Sigma^{-1}`, `proofs/noisy_gd_covariance.md`).

use nalgebra::{DMatrix, DVector};

use super::checks::{symmetric_spectrum, Spectrum};
use crate::error::{ensure_dim, ensure_positive, Error, Result};

/// ULA with step `lr` at temperature `T` on the target `N(m, T Sigma)`.
#[derive(Debug, Clone)]
pub struct UlaGaussian {
    mean: DVector<f64>,
    /// The spectrum of `Sigma` (target variances `sigma_i^2` at `T = 1`).
    spectrum: Spectrum,
    lr: f64,
    temperature: f64,
}

/// `2 lambda_min(Sigma)`: the largest step for which ULA on `N(m, Sigma)`
/// has a stationary law (`|1 - lr / sigma_i^2| < 1` for every `i`).
///
/// Errors: `Sigma` not symmetric positive definite. See
/// `proofs/ula_gaussian.md`, Section 1.
pub fn ula_stability_limit(cov: &DMatrix<f64>) -> Result<f64> {
    Ok(2.0 * spd_spectrum(cov)?.min())
}

/// The spectrum of a symmetric positive definite `Sigma`.
fn spd_spectrum(cov: &DMatrix<f64>) -> Result<Spectrum> {
    let spectrum = symmetric_spectrum("Sigma", cov)?;
    if spectrum.min() <= 0.0 {
        return Err(Error::NotPositiveDefinite { name: "Sigma" });
    }
    Ok(spectrum)
}

impl UlaGaussian {
    /// ULA on `N(mean, T cov)` with `cov` symmetric positive definite,
    /// `temperature > 0` and `0 < lr < 2 lambda_min(cov)`.
    ///
    /// See `proofs/ula_gaussian.md`.
    pub fn new(mean: &[f64], cov: &DMatrix<f64>, lr: f64, temperature: f64) -> Result<Self> {
        ensure_positive("lr", lr)?;
        ensure_positive("temperature", temperature)?;
        let spectrum = spd_spectrum(cov)?;
        ensure_dim("mean (length must match Sigma)", cov.nrows(), mean.len())?;
        if let Some(bad) = mean.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "mean",
                value: *bad,
            });
        }
        if lr >= 2.0 * spectrum.min() {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "below 2 lambda_min(Sigma) (ULA diverges otherwise)",
            });
        }
        Ok(Self {
            mean: DVector::from_column_slice(mean),
            spectrum,
            lr,
            temperature,
        })
    }

    /// The step `lr`.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The temperature `T`.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// The eigenvalues `sigma_i^2` of `Sigma`, in the order used by every
    /// `*_eigen_variances` method.
    pub fn sigma_eigenvalues(&self) -> Vec<f64> {
        self.spectrum.values.iter().copied().collect()
    }

    /// The iteration matrix `M = I - lr Sigma^{-1}`.
    pub fn step_matrix(&self) -> DMatrix<f64> {
        self.spectrum.map(|s2| 1.0 - self.lr / s2)
    }

    /// The covariance `2 lr T I` of the injected noise per step.
    pub fn noise_covariance(&self) -> DMatrix<f64> {
        let n = self.mean.len();
        DMatrix::identity(n, n) * (2.0 * self.lr * self.temperature)
    }

    /// `s_i = T sigma_i^2 / (1 - lr / (2 sigma_i^2))`.
    fn stationary_variance(&self, s2: f64) -> f64 {
        self.temperature * s2 / (1.0 - self.lr / (2.0 * s2))
    }

    /// The stationary variances `s_i` along the eigenvectors of `Sigma`.
    ///
    /// See `proofs/ula_gaussian.md`, eq. (2).
    pub fn stationary_eigen_variances(&self) -> Vec<f64> {
        self.spectrum
            .values
            .iter()
            .map(|&s2| self.stationary_variance(s2))
            .collect()
    }

    /// The exact stationary covariance `S = sum_i s_i u_i u_i^T`.
    ///
    /// See `proofs/ula_gaussian.md`, eq. (2).
    pub fn stationary_covariance(&self) -> DMatrix<f64> {
        self.spectrum.map(|s2| self.stationary_variance(s2))
    }

    /// The stationary mean: exactly the target mean `m`.
    pub fn stationary_mean(&self) -> DVector<f64> {
        self.mean.clone()
    }

    /// The target covariance `T Sigma`.
    pub fn target_covariance(&self) -> DMatrix<f64> {
        self.spectrum.map(|s2| self.temperature * s2)
    }

    /// `W2(N(m, S), N(m, T Sigma)) = sqrt(sum_i (sqrt(s_i) - sqrt(T sigma_i^2))^2)`,
    /// the exact distance of ULA's stationary law to the target.
    ///
    /// See `proofs/ula_gaussian.md`, eq. (4).
    pub fn stationary_w2(&self) -> f64 {
        self.spectrum
            .values
            .iter()
            .map(|&s2| {
                let d = self.stationary_variance(s2).sqrt() - (self.temperature * s2).sqrt();
                d * d
            })
            .sum::<f64>()
            .sqrt()
    }

    /// `KL(N(m, S) || N(m, T Sigma)) = (1/2) sum_i (r_i - 1 - ln r_i)` with
    /// `r_i = 1 / (1 - lr / (2 sigma_i^2))`: the exact divergence of ULA's
    /// stationary law from the target (computed with `ln_1p` so that it stays
    /// accurate when `r_i` is close to 1).
    ///
    /// See `proofs/ula_gaussian.md`, eq. (5).
    pub fn stationary_kl(&self) -> f64 {
        self.spectrum
            .values
            .iter()
            .map(|&s2| {
                let z = self.lr / (2.0 * s2);
                // r - 1 = z / (1 - z), ln r = -ln(1 - z).
                0.5 * (z / (1.0 - z) + (-z).ln_1p())
            })
            .sum()
    }

    /// The exact W2 distance to the target of the law of `x_k`, started at
    /// the point `x_0 = start`: `N(m + M^k (x_0 - m), sum_i s_i (1 - rho_i^{2k}) u_i u_i^T)`,
    /// whose covariance commutes with `Sigma`, so
    /// `W2^2 = |M^k (x_0 - m)|^2 + sum_i (sqrt(s_i (1 - rho_i^{2k})) - sqrt(T sigma_i^2))^2`.
    /// `k = 0` gives `W2(delta_{x_0}, target) = sqrt(|x_0 - m|^2 + T tr Sigma)`.
    ///
    /// See `proofs/ula_gaussian.md`, eq. (6).
    pub fn w2_after(&self, start: &[f64], k: u64) -> Result<f64> {
        ensure_dim(
            "start (length must match Sigma)",
            self.mean.len(),
            start.len(),
        )?;
        if let Some(bad) = start.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "start",
                value: *bad,
            });
        }
        let offset = DVector::from_column_slice(start) - &self.mean;
        let coords = self.spectrum.vectors.transpose() * offset;
        let kf = k as f64;
        let mut sq = 0.0;
        for (i, &s2) in self.spectrum.values.iter().enumerate() {
            let rho = 1.0 - self.lr / s2;
            let rho_k = rho.abs().powf(kf) * if rho < 0.0 && k % 2 == 1 { -1.0 } else { 1.0 };
            let mean_part = rho_k * coords[i];
            let var = self.stationary_variance(s2) * (1.0 - rho_k * rho_k);
            let spread = var.sqrt() - (self.temperature * s2).sqrt();
            sq += mean_part * mean_part + spread * spread;
        }
        Ok(sq.sqrt())
    }
}
