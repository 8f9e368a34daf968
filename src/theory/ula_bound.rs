//! A non-asymptotic W2 bound for ULA on strongly log-concave, smooth targets.
//!
//! **Claim** (Dalalyan and Karagulyan, "User-friendly guarantees for the
//! Langevin Monte Carlo with inaccurate gradient", Stochastic Processes and
//! their Applications 129(12), 2019, Theorem 1, case `h <= 2 / (m + M)`;
//! the W2 sharpening of Dalalyan, "Theoretical guarantees for approximate
//! sampling from smooth and log-concave densities", JRSS-B 79(3), 2017).
//! Let the target be `pi ~ exp(-U)` on `R^d` with `U` `m`-strongly convex
//! and `L`-smooth (`grad U` is `L`-Lipschitz), and let ULA (their LMC) be
//! `x_{k+1} = x_k - h grad U(x_k) + sqrt(2 h) xi_k`, `xi_k ~ N(0, I_d)`,
//! started from any law `nu_0`. If `0 < h <= 2 / (m + L)` then for every
//! `k >= 0`
//!
//! ```text
//! W2(nu_k, pi) <= (1 - m h)^k W2(nu_0, pi) + 1.65 (L / m) sqrt(h d).
//! ```
//!
//! This is the project's Langevin form at `T = 1` with `lr = h` (Welling
//! and Teh's step is `epsilon = 2 h`). At temperature `T` the same bound
//! holds for the target `exp(-U / T)` with `h = lr T`, `m / T`, `L / T`,
//! which gives `(1 - m lr)^k W2_0 + 1.65 (L / m) sqrt(lr T d)` under the
//! same step condition `lr <= 2 / (m + L)`. Statement, constants and the
//! comparison with the exact Gaussian case: `proofs/ula_w2_bound.md`.

use crate::error::{ensure_at_least, ensure_non_negative, ensure_positive, Error, Result};

/// The constant in front of `(L / m) sqrt(h d)` in Dalalyan and
/// Karagulyan (2019), Theorem 1.
pub const DK_BIAS_CONSTANT: f64 = 1.65;

/// The W2 bound of Dalalyan and Karagulyan (2019), Theorem 1, for ULA with
/// step `lr` on an `m`-strongly log-concave, `L`-smooth target in
/// dimension `d` (at `T = 1`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UlaW2Bound {
    m: f64,
    smoothness: f64,
    dim: usize,
    lr: f64,
}

impl UlaW2Bound {
    /// The bound for strong convexity `m`, smoothness `smoothness` (`L`),
    /// dimension `dim` and step `lr`. Requires `0 < m <= L`, `dim >= 1` and
    /// `0 < lr <= 2 / (m + L)` (the step condition of the theorem).
    ///
    /// See `proofs/ula_w2_bound.md`.
    pub fn new(m: f64, smoothness: f64, dim: usize, lr: f64) -> Result<Self> {
        ensure_positive("m", m)?;
        ensure_positive("L", smoothness)?;
        ensure_positive("lr", lr)?;
        ensure_at_least("dimension", dim, 1, "at least 1")?;
        if m > smoothness {
            return Err(Error::OutOfRange {
                name: "m",
                value: m,
                expected: "at most L (strong convexity cannot exceed smoothness)",
            });
        }
        if lr * (m + smoothness) > 2.0 {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "at most 2 / (m + L) (the step condition of Dalalyan and Karagulyan 2019, Theorem 1)",
            });
        }
        Ok(Self {
            m,
            smoothness,
            dim,
            lr,
        })
    }

    /// The per-step contraction `1 - m lr` of the initial distance.
    pub fn contraction(&self) -> f64 {
        1.0 - self.m * self.lr
    }

    /// The `k -> inf` floor `1.65 (L / m) sqrt(lr d)`: a bound on the W2
    /// distance of ULA's stationary law to the target.
    pub fn floor(&self) -> f64 {
        DK_BIAS_CONSTANT * (self.smoothness / self.m) * (self.lr * self.dim as f64).sqrt()
    }

    /// `(1 - m lr)^k W2_0 + 1.65 (L / m) sqrt(lr d)` for `W2_0 =
    /// W2(nu_0, pi) >= 0`.
    ///
    /// See `proofs/ula_w2_bound.md`.
    pub fn bound(&self, k: u64, initial_w2: f64) -> Result<f64> {
        ensure_non_negative("W2(nu_0, pi)", initial_w2)?;
        Ok(self.contraction().powf(k as f64) * initial_w2 + self.floor())
    }
}
