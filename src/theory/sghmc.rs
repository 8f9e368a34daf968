//! Stochastic gradient Hamiltonian Monte Carlo (Chen, Fox and Guestrin,
//! "Stochastic gradient Hamiltonian Monte Carlo", ICML 2014) on a Gaussian
//! target: the exact stationary law with the friction correction, and the
//! growth of the naive version.
//!
//! **Continuous time** (their Section 3, mass `M = I`, `T = 1`). Naive
//! SGHMC, `d theta = r dt`, `dr = -grad U dt + N(0, 2 B dt)` (Hamiltonian
//! dynamics driven by a noisy gradient of diffusion `B`), does not leave
//! `pi(theta, r) ~ exp(-U(theta) - |r|^2 / 2)` invariant: their Theorem 3.1
//! shows the entropy of the law grows when `B` is positive definite. With
//! friction `C` and injected noise `N(0, 2 (C - B_hat) dt)`,
//! `dr = -grad U dt - C r dt + N(0, 2 (C - B_hat) dt) + N(0, 2 B dt)` has `pi`
//! invariant when `B_hat = B` (their Section 3.2). On `U = (theta - m)^T
//! Sigma^{-1} (theta - m) / 2` this is an OU process whose stationary
//! covariance ([`sghmc_continuous_covariance`]) is `diag(Sigma, I)` exactly
//! when `B_hat = B`.
//!
//! **Discrete time** (their eq. (15), the form the samplers use): with
//! step `lr`, friction `alpha`, noise estimate `beta_hat`, temperature `T`
//! and a gradient `grad U + n`, `n ~ N(0, B)`,
//!
//! ```text
//! v' = (1 - alpha) v - lr (grad U(x) + n) + N(0, 2 (alpha - beta_hat) lr T I),
//! x' = x + v'.
//! ```
//!
//! On the Gaussian target `z = (x - m, v)` follows `z' = A z + (w, w)` with
//! `A = [[I - lr H, (1 - alpha) I], [-lr H, (1 - alpha) I]]`, `H = Sigma^{-1}`,
//! `Cov w = W = lr^2 B + 2 (alpha - beta_hat) lr T I`, so the stationary
//! covariance solves `S = A S A^T + [[W, W], [W, W]]` (a `2d`-dimensional
//! discrete Lyapunov equation). With `B = b I` the correction
//! `beta_hat = lr b / (2 T)` makes `W = 2 alpha lr T I`, exactly the noise
//! of SGHMC with the true gradient, whose position covariance tends to
//! `T Sigma` as `lr -> 0` (in 1-D it is
//! `2 T (2 - alpha) sigma^2 / (4 - 2 alpha - lr / sigma^2)`). The naive
//! recursion (`alpha = 0`, no injected noise) has a transition matrix with
//! every eigenvalue on the unit circle: its covariance grows without bound
//! ([`SghmcGaussian::naive_covariance_after`]). Derivations:
//! `proofs/sghmc_friction.md`.

use nalgebra::DMatrix;

use super::checks::{require_psd, symmetric_spectrum, Spectrum};
use super::lyapunov::{solve_continuous_lyapunov, solve_discrete_lyapunov, MAX_LYAPUNOV_DIM};
use crate::error::{ensure_dim, ensure_non_negative, ensure_positive, Error, Result};

/// Relative tolerance for "`B` is a multiple of the identity".
const ISOTROPY_TOL: f64 = 1e-12;

/// Checks `Sigma` (symmetric positive definite, `2d <= 30`) and returns
/// `H = Sigma^{-1}`.
fn precision(cov: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let spectrum: Spectrum = symmetric_spectrum("Sigma", cov)?;
    if spectrum.min() <= 0.0 {
        return Err(Error::NotPositiveDefinite { name: "Sigma" });
    }
    if 2 * cov.nrows() > MAX_LYAPUNOV_DIM {
        return Err(Error::OutOfRange {
            name: "dimension",
            value: cov.nrows() as f64,
            expected: "at most 15 (the state (x, v) has dimension 2d <= 30)",
        });
    }
    Ok(spectrum.map(|s2| 1.0 / s2))
}

/// Checks that `m` is a symmetric positive semi-definite `d x d` matrix.
fn check_psd(name: &'static str, m: &DMatrix<f64>, d: usize) -> Result<()> {
    ensure_dim(name, d, m.nrows())?;
    ensure_dim(name, d, m.ncols())?;
    let mut spectrum = symmetric_spectrum(name, m)?;
    require_psd(name, &mut spectrum)
}

/// The `2d x 2d` block matrix `[[a, b], [c, e]]`.
fn blocks(a: &DMatrix<f64>, b: &DMatrix<f64>, c: &DMatrix<f64>, e: &DMatrix<f64>) -> DMatrix<f64> {
    let d = a.nrows();
    let mut out = DMatrix::zeros(2 * d, 2 * d);
    out.view_mut((0, 0), (d, d)).copy_from(a);
    out.view_mut((0, d), (d, d)).copy_from(b);
    out.view_mut((d, 0), (d, d)).copy_from(c);
    out.view_mut((d, d), (d, d)).copy_from(e);
    out
}

/// The stationary covariance of continuous-time SGHMC (Chen, Fox and
/// Guestrin 2014, Section 3.2, `M = I`, `T = 1`) on `N(m, Sigma)`:
/// `d theta = r dt`, `dr = -Sigma^{-1} (theta - m) dt - C r dt + N(0, 2 (C I - B_hat) dt) + N(0, 2 B dt)`,
/// i.e. `A_c S + S A_c^T = Q_c` with `A_c = [[0, -I], [H, C I]]`,
/// `Q_c = diag(0, 2 (C I - B_hat + B))`. It is `diag(Sigma, I)` iff
/// `B_hat = B`. Requires friction `C > 0` (without friction there is no
/// stationary law, their Theorem 3.1), `B` and `C I - B_hat` positive
/// semi-definite.
///
/// See `proofs/sghmc_friction.md`, Section 1.
pub fn sghmc_continuous_covariance(
    cov: &DMatrix<f64>,
    friction: f64,
    noise: &DMatrix<f64>,
    noise_estimate: &DMatrix<f64>,
) -> Result<DMatrix<f64>> {
    ensure_positive("friction C", friction)?;
    let h = precision(cov)?;
    let d = h.nrows();
    check_psd("B (gradient noise diffusion)", noise, d)?;
    let id = DMatrix::identity(d, d);
    let injected = &id * friction - noise_estimate;
    check_psd("C I - B_hat (injected noise)", &injected, d)?;
    let zero = DMatrix::zeros(d, d);
    let a = blocks(&zero, &(-&id), &h, &(&id * friction));
    let q = blocks(&zero, &zero, &zero, &((injected + noise) * 2.0));
    solve_continuous_lyapunov(&a, &q)
}

/// Discretised SGHMC (Chen, Fox and Guestrin 2014, eq. (15)) on the
/// Gaussian target `N(m, T Sigma)` with gradient noise of covariance `B`.
#[derive(Debug, Clone)]
pub struct SghmcGaussian {
    precision: DMatrix<f64>,
    lr: f64,
    friction: f64,
    noise: DMatrix<f64>,
    temperature: f64,
}

impl SghmcGaussian {
    /// SGHMC with step `lr > 0`, friction `0 < friction < 2` (the velocity
    /// decay `1 - friction` must be a contraction), gradient-noise
    /// covariance `noise` (symmetric PSD) and temperature `> 0` on
    /// `N(m, T cov)`, `cov` symmetric positive definite of dimension at
    /// most 15. Stability in `lr` is checked when a covariance is asked for.
    ///
    /// See `proofs/sghmc_friction.md`, Section 2.
    pub fn new(
        cov: &DMatrix<f64>,
        lr: f64,
        friction: f64,
        noise: &DMatrix<f64>,
        temperature: f64,
    ) -> Result<Self> {
        ensure_positive("lr", lr)?;
        ensure_positive("friction", friction)?;
        ensure_positive("temperature", temperature)?;
        if friction >= 2.0 {
            return Err(Error::OutOfRange {
                name: "friction",
                value: friction,
                expected: "below 2 (|1 - friction| < 1)",
            });
        }
        let precision = precision(cov)?;
        check_psd("B (gradient noise covariance)", noise, cov.nrows())?;
        Ok(Self {
            precision,
            lr,
            friction,
            noise: noise.clone(),
            temperature,
        })
    }

    /// The transition matrix of `(x - m, v)` with friction `friction`.
    fn transition_with(&self, friction: f64) -> DMatrix<f64> {
        let d = self.precision.nrows();
        let id = DMatrix::<f64>::identity(d, d);
        let lh = &self.precision * self.lr;
        let decay = &id * (1.0 - friction);
        blocks(&(&id - &lh), &decay, &(-lh), &decay)
    }

    /// `A = [[I - lr H, (1 - alpha) I], [-lr H, (1 - alpha) I]]`.
    pub fn transition(&self) -> DMatrix<f64> {
        self.transition_with(self.friction)
    }

    /// `[[W, W], [W, W]]` for a velocity noise of covariance `w`.
    fn doubled(w: &DMatrix<f64>) -> DMatrix<f64> {
        blocks(w, w, w, w)
    }

    /// The per-step noise covariance `[[W, W], [W, W]]`,
    /// `W = lr^2 B + 2 (alpha - beta_hat) lr T I`, for `0 <= beta_hat <= alpha`.
    pub fn noise_covariance(&self, beta_hat: f64) -> Result<DMatrix<f64>> {
        ensure_non_negative("beta_hat", beta_hat)?;
        if beta_hat > self.friction {
            return Err(Error::OutOfRange {
                name: "beta_hat",
                value: beta_hat,
                expected: "at most the friction (the injected variance 2 (alpha - beta_hat) lr T must be >= 0)",
            });
        }
        let d = self.precision.nrows();
        let w = &self.noise * (self.lr * self.lr)
            + DMatrix::identity(d, d)
                * (2.0 * (self.friction - beta_hat) * self.lr * self.temperature);
        Ok(Self::doubled(&w))
    }

    /// The correction `beta_hat = lr b / (2 T)` that makes the total
    /// velocity noise `2 alpha lr T I` when `B = b I`. Errors if `B` is not
    /// a multiple of the identity (no scalar `beta_hat` is exact then) or
    /// if `beta_hat` would exceed the friction.
    ///
    /// See `proofs/sghmc_friction.md`, eq. (4).
    pub fn exact_beta_hat(&self) -> Result<f64> {
        let d = self.noise.nrows();
        let b = self.noise.trace() / d as f64;
        let scale = self.noise.amax().max(f64::MIN_POSITIVE);
        if (&self.noise - DMatrix::identity(d, d) * b).amax() > ISOTROPY_TOL * scale {
            return Err(Error::Unsupported(
                "no scalar beta_hat corrects an anisotropic gradient noise B".to_string(),
            ));
        }
        let beta_hat = self.lr * b / (2.0 * self.temperature);
        if beta_hat > self.friction {
            return Err(Error::OutOfRange {
                name: "beta_hat = lr b / (2 T)",
                value: beta_hat,
                expected: "at most the friction (raise the friction or lower lr)",
            });
        }
        Ok(beta_hat)
    }

    /// The exact stationary covariance of `(x - m, v)` (`2d x 2d`) for the
    /// noise estimate `beta_hat` (0: no correction).
    ///
    /// Errors: `beta_hat` outside `[0, alpha]`, or a step for which `A` has
    /// spectral radius `>= 1`. See `proofs/sghmc_friction.md`, eq. (3).
    pub fn stationary_covariance(&self, beta_hat: f64) -> Result<DMatrix<f64>> {
        solve_discrete_lyapunov(&self.transition(), &self.noise_covariance(beta_hat)?)
    }

    /// The position block (`d x d`) of [`Self::stationary_covariance`].
    pub fn position_covariance(&self, beta_hat: f64) -> Result<DMatrix<f64>> {
        let d = self.precision.nrows();
        Ok(self
            .stationary_covariance(beta_hat)?
            .view((0, 0), (d, d))
            .into_owned())
    }

    /// The covariance of `(x - m, v)` after `steps` steps of *naive* SGHMC
    /// (no friction, no injected noise: `v' = v - lr (grad U + n)`,
    /// `x' = x + v'`) from a deterministic start: `P_k = A_0 P_{k-1} A_0^T + [[W, W], [W, W]]`,
    /// `W = lr^2 B`, `P_0 = 0`. It grows without bound (linearly in `k` on
    /// average) when `B` is positive definite.
    ///
    /// See `proofs/sghmc_friction.md`, eq. (5).
    pub fn naive_covariance_after(&self, steps: u64) -> DMatrix<f64> {
        let a = self.transition_with(0.0);
        let q = Self::doubled(&(&self.noise * (self.lr * self.lr)));
        let d2 = 2 * self.precision.nrows();
        let mut p = DMatrix::zeros(d2, d2);
        for _ in 0..steps {
            p = &a * &p * a.transpose() + &q;
        }
        p
    }
}
