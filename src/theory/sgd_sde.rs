//! SGD as a weak order-1 approximation of its SDE limit: exact first two
//! moments on 1-D least squares, for SGD and for its continuous limits.
//!
//! **Claim** (Li, Tai and E, "Stochastic modified equations and adaptive
//! stochastic gradient algorithms", ICML 2017, Theorem 1). SGD
//! `x_{k+1} = x_k - lr g(x_k)`, with `g` an unbiased minibatch gradient of
//! covariance `Sigma(x)`, is a weak order-1 approximation of the stochastic
//! modified equation (SME)
//!
//! ```text
//! dX = -grad f(X) dt + sqrt(lr Sigma(X)) dW:   |E phi(x_k) - E phi(X_{k lr})| <= C(T, phi) lr,
//! ```
//!
//! for `k lr <= T`, and the same theorem makes the SME with the modified
//! drift `-grad (f + (lr/4) |grad f|^2)` and the same diffusion a weak
//! order-2 approximation. The noise-free gradient flow is also weak order 1
//! (SGD's variance is `O(lr)`), but it misses the fluctuations: on the
//! problem below the SME's variance error is `O(lr^2)`, the flow's `O(lr)`,
//! and only with the noise does the corrected drift reach order 2.
//!
//! **Exact moments** (`proofs/sgd_weak_order.md`). On 1-D least squares,
//! per-sample gradient `g_i(x) = (u_i + lambda) x - w_i` with `u_i = a_i^2`,
//! `w_i = a_i y_i`, a minibatch of `B` indices drawn uniformly with
//! replacement has, given `x`,
//!
//! ```text
//! mean  A x - b,                      A = mean(u) + lambda,  b = mean(w),
//! var   (v_uu x^2 - 2 c_uw x + v_ww) / B,
//! ```
//!
//! with `v_uu`, `v_ww`, `c_uw` the population (divide-by-`n`) variances and
//! covariance of `u` and `w` over the data set. Both moment equations then
//! close: for `z = (1, m1, m2)`, SGD gives `z_{k+1} = P z_k` (eq. (D) of the
//! proof) and every limit gives `z' = G z` (eq. (C)), solved exactly by
//! the matrix power and the matrix exponential (nalgebra's scaling and
//! squaring Pade approximant) of a 3x3 matrix.

use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{ensure_at_least, ensure_dim, ensure_finite, ensure_non_negative};
use crate::error::{ensure_positive, Error, Result};
use crate::models::LeastSquares;

/// Relative slack for the Cauchy-Schwarz check `c_uw^2 <= v_uu v_ww` on
/// statistics computed in floating point (perfectly correlated `u` and `w`
/// meet it with equality up to rounding).
const CAUCHY_SCHWARZ_SLACK: f64 = 1e-10;

/// The gradient statistics of 1-D least squares: `A`, `b`, and the
/// population (co)variances `v_uu`, `c_uw`, `v_ww` of `u_i = a_i^2`,
/// `w_i = a_i y_i`.
///
/// See `proofs/sgd_weak_order.md`, Section 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScalarLeastSquares {
    curvature: f64,
    shift: f64,
    var_uu: f64,
    cov_uw: f64,
    var_ww: f64,
}

impl ScalarLeastSquares {
    /// The problem with `A = curvature > 0`, `b = shift`, and gradient
    /// (co)variances `v_uu >= 0`, `c_uw`, `v_ww >= 0` with
    /// `c_uw^2 <= v_uu v_ww` (so the gradient variance is `>= 0` at every
    /// `x`); all finite.
    pub fn new(curvature: f64, shift: f64, var_uu: f64, cov_uw: f64, var_ww: f64) -> Result<Self> {
        ensure_positive("A (curvature)", curvature)?;
        ensure_finite("b (shift)", shift)?;
        ensure_non_negative("v_uu", var_uu)?;
        ensure_finite("c_uw", cov_uw)?;
        ensure_non_negative("v_ww", var_ww)?;
        if cov_uw * cov_uw > var_uu * var_ww * (1.0 + CAUCHY_SCHWARZ_SLACK) {
            return Err(Error::OutOfRange {
                name: "c_uw",
                value: cov_uw,
                expected: "c_uw^2 <= v_uu v_ww (Cauchy-Schwarz)",
            });
        }
        Ok(Self {
            curvature,
            shift,
            var_uu,
            cov_uw,
            var_ww,
        })
    }

    /// The statistics of a one-feature data set with ridge `lambda >= 0`
    /// (two passes: means, then centred sums).
    ///
    /// Errors: more than one feature, a negative ridge, `A = 0` (all inputs
    /// zero and no ridge).
    pub fn from_data(data: &Dataset, ridge: f64) -> Result<Self> {
        ensure_dim("1-D least squares (features)", 1, data.p())?;
        ensure_non_negative("ridge", ridge)?;
        let n = data.n() as f64;
        let pairs = || data.samples().map(|(a, y)| (a[0] * a[0], a[0] * y));
        let (su, sw) = pairs().fold((0.0, 0.0), |(su, sw), (u, w)| (su + u, sw + w));
        let (mu, mw) = (su / n, sw / n);
        let (mut vuu, mut cuw, mut vww) = (0.0, 0.0, 0.0);
        for (u, w) in pairs() {
            vuu += (u - mu) * (u - mu);
            cuw += (u - mu) * (w - mw);
            vww += (w - mw) * (w - mw);
        }
        Self::new(mu + ridge, mw, vuu / n, cuw / n, vww / n)
    }

    /// The statistics of a least-squares model with one parameter.
    pub fn from_model(model: &LeastSquares) -> Result<Self> {
        Self::from_data(model.data(), model.ridge())
    }

    /// `A`, the curvature `f''`.
    pub fn curvature(&self) -> f64 {
        self.curvature
    }

    /// The minimiser `x* = b / A`.
    pub fn minimizer(&self) -> f64 {
        self.shift / self.curvature
    }

    /// `Sigma(x) B = v_uu x^2 - 2 c_uw x + v_ww`, the variance of one
    /// uniformly drawn per-sample gradient at `x`.
    pub fn sample_variance(&self, x: f64) -> f64 {
        (self.var_uu * x - 2.0 * self.cov_uw) * x + self.var_ww
    }
}

/// The first two moments `E x` and `E x^2` of a scalar random variable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwoMoments {
    /// `m1 = E x`.
    pub mean: f64,
    /// `m2 = E x^2`.
    pub second: f64,
}

impl TwoMoments {
    /// `Var x = m2 - m1^2`.
    pub fn variance(&self) -> f64 {
        self.second - self.mean * self.mean
    }

    fn from_z(z: Vector3<f64>) -> Result<Self> {
        Ok(Self {
            mean: ensure_finite("E x", z[1])?,
            second: ensure_finite("E x^2", z[2])?,
        })
    }
}

/// A continuous-time limit of SGD with step `lr` and batch `B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// The gradient flow `dX = -grad f dt` (no noise).
    GradientFlow,
    /// The first-order SME `dX = -grad f dt + sqrt(lr Sigma) dW`
    /// (weak order 1; Li, Tai and E 2017, Theorem 1).
    Sme,
    /// The second-order SME `dX = -grad(f + (lr/4)|grad f|^2) dt +
    /// sqrt(lr Sigma) dW` (weak order 2; ibid.).
    Sme2,
    /// The modified flow `dX = -grad(f + (lr/4)|grad f|^2) dt`: the drift of
    /// [`Limit::Sme2`] without its noise (weak order 1 only; it shows what
    /// the noise term contributes).
    ModifiedFlow,
}

/// Constant-step minibatch SGD on [`ScalarLeastSquares`] and its limits:
/// exact moments at every step and time.
///
/// See `proofs/sgd_weak_order.md`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SgdSde {
    problem: ScalarLeastSquares,
    lr: f64,
    batch: usize,
}

impl SgdSde {
    /// SGD with step `lr > 0` and batch size `batch >= 1` (indices drawn
    /// uniformly with replacement) on `problem`.
    pub fn new(problem: ScalarLeastSquares, lr: f64, batch: usize) -> Result<Self> {
        ensure_positive("lr", lr)?;
        ensure_at_least("batch", batch, 1, "at least 1")?;
        Ok(Self { problem, lr, batch })
    }

    /// The step `lr`.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The number of steps `k = T / lr` that reach time `t`, when `t / lr`
    /// is an integer up to a relative `1e-9`; an error otherwise.
    pub fn steps_to(&self, t: f64) -> Result<u64> {
        ensure_non_negative("t", t)?;
        let k = t / self.lr;
        let rounded = k.round();
        if (k - rounded).abs() > 1e-9 * rounded.max(1.0) || rounded > u32::MAX as f64 {
            return Err(Error::OutOfRange {
                name: "t / lr",
                value: k,
                expected: "a whole number of steps, at most 2^32 - 1",
            });
        }
        Ok(rounded as u64)
    }

    /// Exact `(E x_k, E x_k^2)` of SGD after `steps` steps from the
    /// deterministic start `x0`: `z_k = P^k z_0` (eq. (D) of
    /// `proofs/sgd_weak_order.md`).
    pub fn discrete(&self, x0: f64, steps: u64) -> Result<TwoMoments> {
        ensure_finite("x0", x0)?;
        let steps = u32::try_from(steps).map_err(|_| Error::OutOfRange {
            name: "steps",
            value: steps as f64,
            expected: "at most 2^32 - 1",
        })?;
        let p = &self.problem;
        let (lr, q) = (self.lr, self.lr * self.lr / self.batch as f64);
        let contraction = 1.0 - lr * p.curvature;
        let step = Matrix3::new(
            1.0,
            0.0,
            0.0,
            lr * p.shift,
            contraction,
            0.0,
            (lr * p.shift).powi(2) + q * p.var_ww,
            2.0 * lr * p.shift * contraction - 2.0 * q * p.cov_uw,
            contraction * contraction + q * p.var_uu,
        );
        TwoMoments::from_z(step.pow(steps) * Vector3::new(1.0, x0, x0 * x0))
    }

    /// Exact `(E X_t, E X_t^2)` of `limit` at time `t >= 0` from `X_0 = x0`:
    /// `z(t) = exp(G t) z_0` (eq. (C) of `proofs/sgd_weak_order.md`).
    pub fn limit(&self, limit: Limit, x0: f64, t: f64) -> Result<TwoMoments> {
        ensure_finite("x0", x0)?;
        ensure_non_negative("t", t)?;
        let p = &self.problem;
        // Drift -s (A x - b); diffusion coefficient (lr / B) (B Sigma(x)).
        let (s, q) = match limit {
            Limit::GradientFlow => (1.0, 0.0),
            Limit::Sme => (1.0, self.lr / self.batch as f64),
            Limit::Sme2 => (
                1.0 + 0.5 * self.lr * p.curvature,
                self.lr / self.batch as f64,
            ),
            Limit::ModifiedFlow => (1.0 + 0.5 * self.lr * p.curvature, 0.0),
        };
        let generator = Matrix3::new(
            0.0,
            0.0,
            0.0,
            s * p.shift,
            -s * p.curvature,
            0.0,
            q * p.var_ww,
            2.0 * s * p.shift - 2.0 * q * p.cov_uw,
            -2.0 * s * p.curvature + q * p.var_uu,
        );
        TwoMoments::from_z((generator * t).exp() * Vector3::new(1.0, x0, x0 * x0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn problem() -> ScalarLeastSquares {
        ScalarLeastSquares::new(1.3, 0.4, 0.8, -0.3, 0.5).unwrap()
    }

    /// One SGD step by hand: `E x_1 = (1 - lr A) x0 + lr b` and
    /// `E x_1^2 = (E x_1)^2 + lr^2 Sigma(x0) / B` (eq. (S) of the proof).
    #[test]
    fn one_step_matches_the_conditional_moments() {
        let p = problem();
        let (lr, batch, x0) = (0.1, 3, 2.0);
        let m = SgdSde::new(p, lr, batch).unwrap().discrete(x0, 1).unwrap();
        let mean = (1.0 - lr * 1.3) * x0 + lr * 0.4;
        assert_relative_eq!(m.mean, mean, max_relative = 1e-14);
        let var = lr * lr * p.sample_variance(x0) / batch as f64;
        assert_relative_eq!(m.variance(), var, max_relative = 1e-12);
    }

    /// The gradient flow is deterministic: `m1 = x* + e^{-At}(x0 - x*)` and
    /// zero variance; the SME has the same mean (its drift is linear).
    #[test]
    fn gradient_flow_is_the_noise_free_mean() {
        let p = problem();
        let sgd = SgdSde::new(p, 0.05, 2).unwrap();
        let (x0, t) = (2.0, 1.5);
        let flow = sgd.limit(Limit::GradientFlow, x0, t).unwrap();
        let mean = p.minimizer() + (-1.3 * t).exp() * (x0 - p.minimizer());
        assert_relative_eq!(flow.mean, mean, max_relative = 1e-13);
        assert!(flow.variance().abs() < 1e-13 * flow.second);
        let sme = sgd.limit(Limit::Sme, x0, t).unwrap();
        assert_relative_eq!(sme.mean, mean, max_relative = 1e-13);
        assert!(sme.variance() > 0.0);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(ScalarLeastSquares::new(0.0, 0.0, 1.0, 0.0, 1.0).is_err());
        assert!(ScalarLeastSquares::new(1.0, 0.0, 1.0, 2.0, 1.0).is_err());
        assert!(ScalarLeastSquares::new(1.0, 0.0, -1.0, 0.0, 1.0).is_err());
        assert!(SgdSde::new(problem(), 0.0, 1).is_err());
        assert!(SgdSde::new(problem(), 0.1, 0).is_err());
        let sgd = SgdSde::new(problem(), 0.1, 1).unwrap();
        assert!(sgd.steps_to(0.25).is_err());
        assert_eq!(sgd.steps_to(2.0).unwrap(), 20);
        assert!(sgd.limit(Limit::Sme, f64::NAN, 1.0).is_err());
    }
}
