//! Escape of perturbed gradient descent from a strict saddle.
//!
//! Perturbed gradient descent (Jin, Ge, Netrapalli, Kakade and Jordan, "How
//! to escape saddle points efficiently", ICML 2017, Algorithm 2) runs plain
//! GD and, when the gradient is small and no perturbation was added in the
//! last `t_thres` steps, adds one perturbation drawn uniformly from the
//! ball of radius `r`. Their Theorem 3 shows the escape from a saddle with
//! most negative curvature `-gamma` takes `O(log(d) / (lr gamma))`
//! iterations up to logarithmic factors in the other constants (their
//! `t_thres` is `chi / c^2 * l / sqrt(rho eps)` with `chi` logarithmic in
//! `d`, and `lr = c / l`, `gamma = sqrt(rho eps)`): the dimension enters
//! only through a logarithm.
//!
//! On the strict saddle `V(x) = -gamma x_1^2 / 2 + x_1^4 / 4 + sum_i h_i x_i^2 / 2`
//! with a single perturbation at the saddle `x = 0`, everything is exact:
//! `x_1` decouples, and GD on it is the 1-D map
//!
//! ```text
//! g(x) = x - lr (-gamma x + x^3) = x (1 + lr (gamma - x^2)),
//! ```
//!
//! which multiplies `|x|` by `1 + lr gamma` while `x` is small and by less
//! as the quartic bends the landscape. The number of GD steps until
//! `|x_1| >= R` ([`SaddleEscape::iterations`], iterating `g` exactly) is
//! therefore at least the linear count `ceil(ln(R / |x_1(0)|) / ln(1 + lr gamma))`
//! ([`SaddleEscape::linear_iterations`]) and at most the same with
//! `gamma - R^2` in place of `gamma`.
//!
//! For `x(0)` uniform in the `d`-ball of radius `r`, `(x_1(0) / r)^2` has the
//! `Beta(1/2, (d + 1)/2)` law ([`SaddleEscape::start_cdf`]), so
//!
//! - the mean iteration count is exactly `sum_{k >= 1} P(|x_1(0)| < tau_k)`,
//!   `tau_1 = R`, `tau_{k+1} = g^{-1}(tau_k)` ([`SaddleEscape::mean_iterations`]);
//! - the mean of the linear count without the ceiling is
//!   `[ln(R / r) + (psi((d + 2)/2) - psi(1/2)) / 2] / ln(1 + lr gamma)`
//!   ([`SaddleEscape::linear_mean_iterations`]), with `psi` the digamma
//!   function; since `psi((d + 2)/2) ~ ln(d / 2)`, this is
//!   `(ln(R / r) + ln(2d)/2 + gamma_E/2 + O(1/d)) / ln(1 + lr gamma)`,
//!   the `log(d) / (lr gamma)` scale of Jin et al. with its constant.
//!
//! Derivations: `proofs/saddle_escape.md`.

use std::f64::consts::PI;

use statrs::function::beta::beta_reg;
use statrs::function::gamma::digamma;

use crate::error::{ensure_finite, ensure_positive, Error, Result};

/// The most iterations [`SaddleEscape::iterations`] will run (its upper
/// bound is checked first), so a tiny `lr gamma` is an error, not a hang.
pub const MAX_ESCAPE_ITERATIONS: u64 = 1_000_000_000;

/// A single perturbation, uniform in the `dim`-ball of radius
/// `ball_radius`, at the strict saddle of
/// `-gamma x_1^2 / 2 + x_1^4 / 4 + sum_i h_i x_i^2 / 2`, followed by GD
/// with step `lr` until `|x_1| >= escape_radius`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SaddleEscape {
    gamma: f64,
    lr: f64,
    escape_radius: f64,
    ball_radius: f64,
    dim: usize,
}

impl SaddleEscape {
    /// The escape problem. Requires `gamma > 0`, `lr > 0`,
    /// `0 < ball_radius <= escape_radius < sqrt(gamma)` (the minimum of the
    /// `x_1` profile is at `sqrt(gamma)`, which GD never passes from below
    /// when the map is monotone), `dim >= 1`, and
    /// `3 lr R^2 < 1 + lr gamma` (so `g` is increasing on `[0, R]` and
    /// larger starts never take longer).
    ///
    /// See `proofs/saddle_escape.md`.
    pub fn new(
        gamma: f64,
        lr: f64,
        escape_radius: f64,
        ball_radius: f64,
        dim: usize,
    ) -> Result<Self> {
        ensure_positive("gamma", gamma)?;
        ensure_positive("lr", lr)?;
        ensure_positive("escape radius R", escape_radius)?;
        ensure_positive("perturbation radius r", ball_radius)?;
        if escape_radius * escape_radius >= gamma {
            return Err(Error::OutOfRange {
                name: "escape radius R",
                value: escape_radius,
                expected: "below sqrt(gamma) (GD on x_1 converges to sqrt(gamma) and never reaches R beyond it)",
            });
        }
        if ball_radius > escape_radius {
            return Err(Error::OutOfRange {
                name: "perturbation radius r",
                value: ball_radius,
                expected: "at most the escape radius R",
            });
        }
        if 3.0 * lr * escape_radius * escape_radius >= 1.0 + lr * gamma {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected:
                    "with 3 lr R^2 < 1 + lr gamma (the GD map on x_1 must be increasing up to R)",
            });
        }
        if dim == 0 {
            return Err(Error::DimensionMismatch {
                context: "perturbation ball dimension",
                expected: 1,
                got: 0,
            });
        }
        Ok(Self {
            gamma,
            lr,
            escape_radius,
            ball_radius,
            dim,
        })
    }

    /// One GD step on `x_1`: `g(x) = x (1 + lr (gamma - x^2))`.
    pub fn step(&self, x: f64) -> f64 {
        x * (1.0 + self.lr * (self.gamma - x * x))
    }

    /// The `y` in `[0, tau]` with `g(y) = tau`, for `0 <= tau <= R`, by
    /// bisection (`g` is increasing on `[0, R]` and `g(y) >= y`).
    fn preimage(&self, tau: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, tau);
        loop {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                return mid;
            }
            if self.step(mid) < tau {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }

    /// The exact number of GD steps from `x_1 = x1_start` until
    /// `|x_1| >= R` (0 if it already is). Fails for `x1_start = 0` (a fixed
    /// point: GD never leaves the saddle) and when the count could exceed
    /// [`MAX_ESCAPE_ITERATIONS`].
    ///
    /// See `proofs/saddle_escape.md`, Section 1.
    pub fn iterations(&self, x1_start: f64) -> Result<u64> {
        ensure_finite("x_1 at the start", x1_start)?;
        let mut x = x1_start.abs();
        if x <= 0.0 {
            return Err(Error::OutOfRange {
                name: "x_1 at the start",
                value: x1_start,
                expected: "non-zero (x_1 = 0 is a fixed point of GD)",
            });
        }
        let r = self.escape_radius;
        if x >= r {
            return Ok(0);
        }
        // Each step multiplies x by at least 1 + lr (gamma - R^2).
        let slowest = (1.0 + self.lr * (self.gamma - r * r)).ln();
        let bound = ((r / x).ln() / slowest).ceil() + 1.0;
        if bound > MAX_ESCAPE_ITERATIONS as f64 {
            return Err(Error::Unsupported(format!(
                "escape from x_1 = {x1_start} could take {bound:.3e} iterations, more than {MAX_ESCAPE_ITERATIONS}"
            )));
        }
        let mut count = 0;
        while x < r {
            x = self.step(x);
            count += 1;
        }
        Ok(count)
    }

    /// `ceil(ln(R / |x1_start|) / ln(1 + lr gamma))` (0 if `|x1_start| >= R`):
    /// the count if the quartic were absent, a lower bound on
    /// [`Self::iterations`]. Fails for `x1_start = 0`.
    ///
    /// See `proofs/saddle_escape.md`, Section 1.
    pub fn linear_iterations(&self, x1_start: f64) -> Result<u64> {
        ensure_finite("x_1 at the start", x1_start)?;
        let x = x1_start.abs();
        if x <= 0.0 {
            return Err(Error::OutOfRange {
                name: "x_1 at the start",
                value: x1_start,
                expected: "non-zero (x_1 = 0 is a fixed point of GD)",
            });
        }
        let growth = (self.lr * self.gamma).ln_1p();
        Ok(((self.escape_radius / x).ln() / growth).ceil().max(0.0) as u64)
    }

    /// `P(|x_1(0)| <= s)` for `x(0)` uniform in the `dim`-ball of radius
    /// `r`: the regularised incomplete beta function
    /// `I_{(s/r)^2}(1/2, (dim + 1)/2)` (0 for `s <= 0`, 1 for `s >= r`).
    ///
    /// See `proofs/saddle_escape.md`, Section 2.
    pub fn start_cdf(&self, s: f64) -> f64 {
        if s <= 0.0 {
            return 0.0;
        }
        let u = s / self.ball_radius;
        if u >= 1.0 {
            return 1.0;
        }
        beta_reg(0.5, 0.5 * (self.dim as f64 + 1.0), u * u)
    }

    /// The density of `|x_1(0)|` at `s` in `[0, r]`:
    /// `2 c_d (1 - (s/r)^2)^((d-1)/2) / r` with
    /// `c_d = Gamma(d/2 + 1) / (sqrt(pi) Gamma(d/2 + 1/2))`.
    ///
    /// See `proofs/saddle_escape.md`, Section 2.
    pub fn start_density(&self, s: f64) -> f64 {
        let r = self.ball_radius;
        if !(0.0..=r).contains(&s) {
            return 0.0;
        }
        let d = self.dim as f64;
        let ln_c = statrs::function::gamma::ln_gamma(0.5 * d + 1.0)
            - 0.5 * PI.ln()
            - statrs::function::gamma::ln_gamma(0.5 * d + 0.5);
        let u = s / r;
        2.0 * ln_c.exp() * (1.0 - u * u).powf(0.5 * (d - 1.0)) / r
    }

    /// The exact mean of [`Self::iterations`] over starts uniform in the
    /// ball: `sum_{k >= 1} P(|x_1(0)| < tau_k)` with `tau_1 = R`,
    /// `tau_{k+1} = g^{-1}(tau_k)` (bisection), summed until the remaining
    /// tail is below `1e-15` of the total.
    ///
    /// See `proofs/saddle_escape.md`, Section 3.
    pub fn mean_iterations(&self) -> f64 {
        // Near 0 the thresholds shrink by 1 + lr gamma per step and the CDF
        // is linear, so the tail after a term is at most term * rho / (1 - rho).
        let rho = 1.0 / (1.0 + self.lr * self.gamma);
        let mut tau = self.escape_radius;
        let mut total = 0.0;
        loop {
            let term = self.start_cdf(tau);
            total += term;
            if term * rho / (1.0 - rho) <= 1e-15 * total || tau <= 0.0 {
                return total;
            }
            tau = self.preimage(tau);
        }
    }

    /// `E[ln(R / |x_1(0)|)] / ln(1 + lr gamma)` with
    /// `E ln(R / |x_1(0)|) = ln(R / r) + (psi(d/2 + 1) - psi(1/2)) / 2`:
    /// the mean linear count without the ceiling, so
    /// `linear_mean <= E[linear count] < linear_mean + 1` and
    /// `linear_mean <= mean_iterations`.
    ///
    /// See `proofs/saddle_escape.md`, Section 3.
    pub fn linear_mean_iterations(&self) -> f64 {
        let d = self.dim as f64;
        let mean_log = (self.escape_radius / self.ball_radius).ln()
            + 0.5 * (digamma(0.5 * d + 1.0) - digamma(0.5));
        mean_log / (self.lr * self.gamma).ln_1p()
    }
}
