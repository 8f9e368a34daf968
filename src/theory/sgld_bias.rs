//! SGLD's bias and its step-size / iteration trade-off.
//!
//! **What Teh, Thiery and Vollmer prove** ("Consistency and fluctuations
//! for stochastic gradient Langevin dynamics", JMLR 17(7), 2016). For SGLD
//! with *decreasing* steps `delta_m` (`sum delta_m = inf`,
//! `sum delta_m^2 < inf` for consistency), the weighted ergodic average
//! `pi_m(phi) = sum_{k <= m} delta_k phi(theta_k) / T_m`, `T_m = sum_{k <= m} delta_k`,
//! is consistent, satisfies a CLT with fluctuations of order `T_m^{-1/2}`,
//! and its mean squared error is bounded by a bias-squared term plus a
//! variance term,
//!
//! ```text
//! E[(pi_m(phi) - pi(phi))^2] <~ (sum_{k <= m} delta_k^2 / T_m)^2 + 1 / T_m.
//! ```
//!
//! With `delta_m ~ m^{-a}`, `0 < a < 1`, the two terms are `m^{-2a}` and
//! `m^{-(1-a)}`, so the MSE is `O(m^{-min(2a, 1-a)})`
//! ([`decreasing_step_mse_exponent`]), optimised at `a = 1/3`: MSE
//! `O(m^{-2/3})`, i.e. RMSE `O(m^{-1/3})` (their abstract's "O(m^{-1/3})"
//! rate is this root error). A *constant* step `h` leaves an `O(h)` bias in
//! the invariant law (Vollmer, Zygalakis and Teh, JMLR 17(159), 2016,
//! characterise it; exactly: [`super::bayes_linear_sgd::BayesLinearSgd::exact_covariance`]
//! at `T = 1`).
//!
//! **The constant-step analogue, exactly** ([`SgldTradeoff`]). On the 1-D
//! Gaussian target `N(0, sigma^2)` (`T = 1`), SGLD with step `h` and
//! additive Gaussian gradient noise of variance `c` per step is the AR(1)
//! `x' = rho x + eta`, `rho = 1 - h / sigma^2`, `Var eta = 2 h + h^2 c`, with
//! stationary variance `s(h) = (2 h + h^2 c) / (1 - rho^2)`. The time
//! average of `x_k^2` over `K` stationary steps estimates `sigma^2` with
//! bias `s(h) - sigma^2 = O(h)` and, since `Cov(x_j^2, x_k^2) = 2 s^2 rho^{2|j-k|}`,
//! variance `(2 s^2 / K^2)[K + 2 r (K (1 - r) - (1 - r^K)) / (1 - r)^2]`,
//! `r = rho^2`, which is `~ 2 sigma^6 / (h K)` for small `h`. Minimising
//! `bias^2 + variance` at a budget of `K` steps gives
//! `h* ~ (sigma^6 / (beta_1^2 K))^{1/3}` with `beta_1 = (1 + c sigma^2) / 2`
//! the bias slope, and MSE `~ K^{-2/3}`: the same exponents as Teh et al.'s
//! decreasing-step optimum. Derivations: `proofs/sgld_step_tradeoff.md`.

use crate::error::{ensure_at_least, ensure_non_negative, ensure_positive, Error, Result};

/// Teh, Thiery and Vollmer's optimal decay: `delta_m ~ m^{-1/3}`.
pub const TEH_OPTIMAL_DECAY: f64 = 1.0 / 3.0;

/// The exponent `min(2a, 1 - a)` of the MSE bound `O(m^{-min(2a, 1-a)})`
/// for SGLD with steps `delta_m ~ m^{-a}`, `0 < a < 1` (bias term
/// `m^{-2a}`, variance term `m^{-(1-a)}`).
///
/// See `proofs/sgld_step_tradeoff.md`, eq. (2).
pub fn decreasing_step_mse_exponent(decay: f64) -> Result<f64> {
    ensure_positive("decay a", decay)?;
    if decay >= 1.0 {
        return Err(Error::OutOfRange {
            name: "decay a",
            value: decay,
            expected: "below 1 (the steps must not be summable)",
        });
    }
    Ok((2.0 * decay).min(1.0 - decay))
}

/// Constant-step SGLD on the 1-D Gaussian target `N(0, sigma^2)` with
/// additive gradient noise of variance `c`: the exact bias, variance and
/// MSE of the time-average estimator of `E x^2`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgldTradeoff {
    target_variance: f64,
    noise_variance: f64,
}

impl SgldTradeoff {
    /// The target `N(0, target_variance)` (`> 0`) with gradient noise of
    /// variance `noise_variance >= 0` per step (a minibatch of `b` samples
    /// of per-sample gradient variance `c_1` gives `c_1 / b`).
    ///
    /// See `proofs/sgld_step_tradeoff.md`, Section 2.
    pub fn new(target_variance: f64, noise_variance: f64) -> Result<Self> {
        ensure_positive("target variance sigma^2", target_variance)?;
        ensure_non_negative("gradient noise variance c", noise_variance)?;
        Ok(Self {
            target_variance,
            noise_variance,
        })
    }

    /// The stability limit `2 sigma^2` on the step.
    pub fn max_lr(&self) -> f64 {
        2.0 * self.target_variance
    }

    /// `rho = 1 - h / sigma^2` after checking `0 < h < 2 sigma^2`.
    fn rho(&self, lr: f64) -> Result<f64> {
        ensure_positive("lr", lr)?;
        if lr >= self.max_lr() {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "below 2 sigma^2 (SGLD diverges otherwise)",
            });
        }
        Ok(1.0 - lr / self.target_variance)
    }

    /// The stationary variance `s(h) = (2 h + h^2 c) / (1 - rho^2)`.
    ///
    /// See `proofs/sgld_step_tradeoff.md`, eq. (3).
    pub fn stationary_variance(&self, lr: f64) -> Result<f64> {
        let rho = self.rho(lr)?;
        Ok((2.0 * lr + lr * lr * self.noise_variance) / ((1.0 - rho) * (1.0 + rho)))
    }

    /// The bias `s(h) - sigma^2` of the stationary second moment.
    pub fn bias(&self, lr: f64) -> Result<f64> {
        Ok(self.stationary_variance(lr)? - self.target_variance)
    }

    /// The first-order bias slope `beta_1 = (1 + c sigma^2) / 2`:
    /// `s(h) - sigma^2 = beta_1 h + O(h^2)`.
    pub fn bias_slope(&self) -> f64 {
        0.5 * (1.0 + self.noise_variance * self.target_variance)
    }

    /// The exact variance of `(1/K) sum_{k=1}^K x_k^2` for the stationary
    /// chain: `(2 s^2 / K^2)[K + 2 r (K (1 - r) - (1 - r^K)) / (1 - r)^2]`,
    /// `r = rho^2`.
    ///
    /// See `proofs/sgld_step_tradeoff.md`, eq. (4).
    pub fn time_average_variance(&self, lr: f64, steps: u64) -> Result<f64> {
        ensure_at_least("steps", steps as usize, 1, "at least 1")?;
        let rho = self.rho(lr)?;
        let s = self.stationary_variance(lr)?;
        let r = rho * rho;
        let k = steps as f64;
        let one_minus_r = (1.0 - rho) * (1.0 + rho);
        // 1 - r^K, accurate for r close to 1.
        let one_minus_rk = -(k * r.ln()).exp_m1();
        let lag_sum = r * (k * one_minus_r - one_minus_rk) / (one_minus_r * one_minus_r);
        Ok(2.0 * s * s * (k + 2.0 * lag_sum) / (k * k))
    }

    /// `bias^2 + variance` of the time-average estimator of `E x^2` at step
    /// `lr` over `steps` stationary iterations.
    ///
    /// See `proofs/sgld_step_tradeoff.md`, eq. (5).
    pub fn mse(&self, lr: f64, steps: u64) -> Result<f64> {
        let b = self.bias(lr)?;
        Ok(b * b + self.time_average_variance(lr, steps)?)
    }

    /// The small-step optimum `h* = (sigma^6 / (beta_1^2 K))^{1/3}` of
    /// `beta_1^2 h^2 + 2 sigma^6 / (h K)`, the leading terms of
    /// [`Self::mse`]; the MSE there is `3 beta_1^{2/3} sigma^4 K^{-2/3}`.
    ///
    /// See `proofs/sgld_step_tradeoff.md`, eq. (6).
    pub fn asymptotic_optimal_lr(&self, steps: u64) -> Result<f64> {
        ensure_at_least("steps", steps as usize, 1, "at least 1")?;
        let b1 = self.bias_slope();
        Ok((self.target_variance.powi(3) / (b1 * b1 * steps as f64)).cbrt())
    }
}
