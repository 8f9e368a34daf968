//! Constant-step SGD on a strongly convex objective: the standard
//! mean-square bound, and the exact mean-square error on a quadratic.
//!
//! **The bound** ([`SgdBound`]). Let `f` be `mu`-strongly convex and
//! `L`-smooth with minimiser `x*`, and let SGD take
//! `x_{t+1} = x_t - lr g_t` with `E[g_t | x_t] = grad f(x_t)` and
//! `E[|g_t - grad f(x_t)|^2 | x_t] <= sigma^2` (unbiased, variance bounded
//! uniformly in `x`). For `0 < lr <= 1 / L`,
//!
//! ```text
//! E|x_t - x*|^2 <= (1 - lr mu)^t |x_0 - x*|^2 + lr sigma^2 / mu.
//! ```
//!
//! The proof (`proofs/sgd_bound.md`) is three lines from co-coercivity
//! of the gradient (Nesterov, *Introductory Lectures on Convex
//! Optimization*, 2004, Theorem 2.1.5) and strong monotonicity (ibid.,
//! Section 2.1.3). It is the bounded-variance form of Gower, Loizou,
//! Qian, Sailanbayev, Shulgin and Richtarik, "SGD: general analysis and
//! improved rates" (ICML 2019), Theorem 3.1, which assumes less (expected
//! smoothness, noise measured only at `x*`) and concludes
//! `(1 - lr mu)^t r_0 + 2 lr sigma*^2 / mu` for `lr <= 1 / (2 L)`; Bottou,
//! Curtis and Nocedal ("Optimization methods for large-scale machine
//! learning", SIAM Review 60(2), 2018), Theorem 4.6, state the same
//! geometric-plus-floor shape in function values.
//!
//! **The exact curve** ([`QuadraticSgd`]). On `f(x) = (x - x*)^T H (x - x*) / 2`
//! with additive gradient noise `g_t = H (x_t - x*) + n_t`, `n_t ~ (0, C)`
//! independent, the error `e_t = x_t - x*` decouples along the eigenvectors
//! `v_i` of `H`, and with `p_i = v_i . e_0`, `a_i = (1 - lr lambda_i)^2`,
//! `c_i = v_i^T C v_i`:
//!
//! ```text
//! E|e_t|^2 = sum_i [ a_i^t p_i^2 + lr^2 c_i (1 - a_i^t) / (1 - a_i) ],
//! ```
//!
//! exact for every `t` (no Gaussianity needed, only mean 0 and covariance
//! `C`). Its `t -> inf` limit `lr^2 sum_i c_i / (1 - a_i)` is the trace of
//! the stationary covariance of [`super::noisy_gd`].

use nalgebra::DMatrix;

use super::checks::{require_psd, symmetric_spectrum};
use crate::error::ensure_non_negative;
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};

/// The mean-square bound for constant-step SGD on a `mu`-strongly convex,
/// `L`-smooth objective with gradient-noise variance at most `sigma^2`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgdBound {
    lr: f64,
    mu: f64,
    smoothness: f64,
    variance: f64,
}

impl SgdBound {
    /// The bound for step `lr`, strong convexity `mu`, smoothness
    /// `smoothness` (`L`) and noise variance `variance` (`sigma^2`, the
    /// bound on `E|g - grad f|^2`). Requires `0 < mu <= L`,
    /// `0 < lr <= 1 / L`, `sigma^2 >= 0`.
    ///
    /// See `proofs/sgd_bound.md`.
    pub fn new(lr: f64, mu: f64, smoothness: f64, variance: f64) -> Result<Self> {
        ensure_positive("lr", lr)?;
        ensure_positive("mu", mu)?;
        ensure_positive("L", smoothness)?;
        ensure_non_negative("sigma^2", variance)?;
        if mu > smoothness {
            return Err(Error::OutOfRange {
                name: "mu",
                value: mu,
                expected: "at most L (strong convexity cannot exceed smoothness)",
            });
        }
        if lr * smoothness > 1.0 {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "at most 1 / L (the bound is proved for lr <= 1/L)",
            });
        }
        Ok(Self {
            lr,
            mu,
            smoothness,
            variance,
        })
    }

    /// The per-step contraction factor `1 - lr mu`.
    pub fn contraction(&self) -> f64 {
        1.0 - self.lr * self.mu
    }

    /// The noise floor `lr sigma^2 / mu`.
    pub fn floor(&self) -> f64 {
        self.lr * self.variance / self.mu
    }

    /// `(1 - lr mu)^t r0 + lr sigma^2 / mu` for `r0 = |x_0 - x*|^2 >= 0`.
    ///
    /// See `proofs/sgd_bound.md`.
    pub fn bound(&self, initial_sq_distance: f64, t: u64) -> Result<f64> {
        ensure_non_negative("|x_0 - x*|^2", initial_sq_distance)?;
        Ok(self.contraction().powf(t as f64) * initial_sq_distance + self.floor())
    }
}

/// One eigen-direction of the quadratic: its second-moment
/// contraction `a = (1 - lr lambda)^2` through `a - 1`, and its share of the
/// injected noise `lr^2 v^T C v`.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// `a - 1 = lr lambda (lr lambda - 2)`, in `[-1, 0]`, kept separately
    /// so that `a^t` and the geometric sum stay accurate when `a` is near 1.
    a_minus_one: f64,
    noise: f64,
}

impl Mode {
    /// `a^t` and `sum_{k < t} a^k`.
    fn powers(&self, t: u64) -> (f64, f64) {
        if t == 0 {
            return (1.0, 0.0);
        }
        let tf = t as f64;
        if self.a_minus_one >= 0.0 {
            // a = 1 (a flat direction, or lr lambda below the smallest
            // double): no contraction, the noise adds up linearly.
            return (1.0, tf);
        }
        let log_a = self.a_minus_one.ln_1p();
        let a_t = (tf * log_a).exp();
        (a_t, (tf * log_a).exp_m1() / self.a_minus_one)
    }
}

/// Constant-step SGD with additive gradient noise on a quadratic: the exact
/// mean-square error curve.
#[derive(Debug, Clone)]
pub struct QuadraticSgd {
    lr: f64,
    modes: Vec<Mode>,
    /// Eigenvectors of `H`, one per column, in the order of `modes`.
    vectors: DMatrix<f64>,
    noise_trace: f64,
}

impl QuadraticSgd {
    /// SGD with step `lr` on the quadratic with Hessian `h` (symmetric
    /// positive semi-definite) and gradient noise of covariance `noise_cov`
    /// (symmetric positive semi-definite, same size). Requires
    /// `0 < lr < 2 / lambda_max(h)`, so that no direction diverges.
    ///
    /// See `proofs/sgd_bound.md`, Section 2.
    pub fn new(h: &DMatrix<f64>, lr: f64, noise_cov: &DMatrix<f64>) -> Result<Self> {
        ensure_positive("lr", lr)?;
        let mut spectrum = symmetric_spectrum("H", h)?;
        require_psd("H", &mut spectrum)?;
        if lr * spectrum.max() >= 2.0 {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "below 2 / lambda_max(H) (SGD diverges otherwise)",
            });
        }
        let n = h.nrows();
        ensure_dim("noise covariance (rows)", n, noise_cov.nrows())?;
        ensure_dim("noise covariance (columns)", n, noise_cov.ncols())?;
        let mut noise_spectrum = symmetric_spectrum("noise covariance", noise_cov)?;
        require_psd("noise covariance", &mut noise_spectrum)?;
        let vectors = spectrum.vectors;
        let modes = spectrum
            .values
            .iter()
            .enumerate()
            .map(|(i, &lambda)| {
                let v = vectors.column(i);
                let c = (v.transpose() * noise_cov * v)[(0, 0)].max(0.0);
                Mode {
                    a_minus_one: lr * lambda * (lr * lambda - 2.0),
                    noise: lr * lr * c,
                }
            })
            .collect();
        Ok(Self {
            lr,
            modes,
            vectors,
            noise_trace: noise_cov.trace(),
        })
    }

    /// The same with isotropic noise `C = s2 I` (`s2 >= 0` per coordinate,
    /// so `sigma^2 = E|n|^2 = dim * s2`).
    pub fn isotropic(h: &DMatrix<f64>, lr: f64, s2: f64) -> Result<Self> {
        ensure_non_negative("noise variance per coordinate", s2)?;
        let n = h.nrows();
        Self::new(h, lr, &(DMatrix::identity(n, n) * s2))
    }

    /// The step `lr`.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// `sigma^2 = tr C = E|n_t|^2`, the variance that [`SgdBound`] needs.
    pub fn noise_variance(&self) -> f64 {
        self.noise_trace
    }

    /// The exact `E|x_t - x*|^2` from the deterministic start
    /// `x_0 - x* = initial_error`.
    ///
    /// See `proofs/sgd_bound.md`, Section 2.
    pub fn mean_square_error(&self, initial_error: &[f64], t: u64) -> Result<f64> {
        ensure_dim(
            "initial error x_0 - x*",
            self.modes.len(),
            initial_error.len(),
        )?;
        if let Some(bad) = initial_error.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "initial error x_0 - x*",
                value: *bad,
            });
        }
        let mut total = 0.0;
        for (i, mode) in self.modes.iter().enumerate() {
            let p: f64 = self
                .vectors
                .column(i)
                .iter()
                .zip(initial_error)
                .map(|(v, e)| v * e)
                .sum();
            let (a_t, sum) = mode.powers(t);
            total += a_t * p * p + mode.noise * sum;
        }
        ensure_finite("mean square error", total)
    }

    /// The limit `lr^2 sum_i c_i / (1 - a_i)` of [`Self::mean_square_error`]
    /// as `t -> inf` (`+inf` if a flat direction receives noise).
    pub fn stationary_mean_square_error(&self) -> f64 {
        self.modes
            .iter()
            .map(|m| {
                if m.noise <= 0.0 {
                    0.0
                } else if m.a_minus_one >= 0.0 {
                    f64::INFINITY
                } else {
                    -m.noise / m.a_minus_one
                }
            })
            .sum()
    }
}
