//! Constant-step SGD as approximate posterior sampling (Mandt, Hoffman and
//! Blei, "Stochastic gradient descent as approximate Bayesian inference",
//! JMLR 18(134), 2017), mapped to this project's convention and made exact
//! on Bayesian linear regression.
//!
//! **Their setting** (Section 3): the loss `L(theta) = -(1/N) sum_n log p(x_n | theta)
//! - (1/N) log p(theta)`, SGD `theta <- theta - eps g_S(theta)` with a
//! minibatch of size `S`, gradient-noise covariance `C / S` with `C = B B^T`
//! assumed constant and `L` quadratic with Hessian `A` near its minimum
//! (their Assumptions 1-4, Section 3.1). The OU limit has the stationary covariance
//! solving `A Sigma + Sigma A^T = (eps / S) B B^T`, and the learning rate
//! minimising `KL(q || posterior)` is (their Theorem 1)
//!
//! ```text
//! eps* = 2 (S / N) d / Tr(B B^T).
//! ```
//!
//! **This project's convention**: the oracle is `U = N L` (the mean of
//! `u_i = N l_i - log prior`), SGD is `theta <- theta - lr grad U_batch` with
//! the minibatch mean gradient, so `eps = N lr`, the Hessian is `H = N A`,
//! and the per-sample gradient covariance of the `u_i` is `C_u = N^2 B B^T`.
//! Their equation becomes `H P + P H = (lr / b) C_u` (batch `b = S`) and
//!
//! ```text
//! lr* = eps* / N = 2 d b / Tr(C_u).
//! ```
//!
//! The proof of Theorem 1 is exact for the OU law: `Tr(H P) = lr Tr(C_u) / (2b)`
//! (trace of the Lyapunov equation) and `P` is linear in `lr`, so
//! `KL = (1/2)[lr Tr(C_u) / (2b) - d - ln det(H P)]` with
//! `ln det P = d ln lr + const`. Here `C_u` is the exact covariance at the
//! mode, [`BayesLinearSgd::mode_gradient_covariance`]; the exact
//! discrete-time law is [`BayesLinearSgd::exact_covariance`] at `T = 0`.
//! Derivations: `proofs/sgd_posterior_mandt.md`.

use nalgebra::DMatrix;

use super::bayes_linear_sgd::BayesLinearSgd;
use crate::error::{ensure_at_least, ensure_positive, Error, Result};

/// Mandt, Hoffman and Blei (2017), Theorem 1, in their own notation:
/// `eps* = 2 (S / N) d / Tr(B B^T)` for batch `S`, data size `N`,
/// dimension `d` and per-sample gradient covariance `B B^T` of their
/// `1/N`-scaled loss. Multiply by `1 / N` for this project's `lr`.
///
/// See `proofs/sgd_posterior_mandt.md`, eq. (3).
pub fn mandt_optimal_epsilon(batch: usize, n: usize, dim: usize, trace_bbt: f64) -> Result<f64> {
    ensure_at_least("batch", batch, 1, "at least 1")?;
    ensure_at_least("N", n, 1, "at least 1")?;
    ensure_at_least("dimension", dim, 1, "at least 1")?;
    ensure_positive("Tr(B B^T)", trace_bbt)?;
    Ok(2.0 * (batch as f64 / n as f64) * dim as f64 / trace_bbt)
}

/// Constant-step SGD with batch `b` on Bayesian linear regression, viewed
/// as a sampler of the posterior `N(theta*, H^{-1})`.
#[derive(Debug, Clone)]
pub struct MandtSgd {
    model: BayesLinearSgd,
    batch: usize,
}

impl MandtSgd {
    /// SGD with minibatches of `batch >= 1` indices (drawn with
    /// replacement) on `model`. Errors if the gradient covariance at the
    /// mode is zero (no noise: SGD does not sample).
    pub fn new(model: BayesLinearSgd, batch: usize) -> Result<Self> {
        ensure_at_least("batch", batch, 1, "at least 1")?;
        if model.mode_gradient_covariance().trace() <= 0.0 {
            return Err(Error::Unsupported(
                "the per-sample gradients agree at the mode: SGD has no noise".to_string(),
            ));
        }
        Ok(Self { model, batch })
    }

    /// The model.
    pub fn model(&self) -> &BayesLinearSgd {
        &self.model
    }

    /// Mandt et al.'s learning rate `eps = N lr` for this project's `lr`.
    pub fn epsilon(&self, lr: f64) -> f64 {
        self.model.n() as f64 * lr
    }

    /// `lr* = 2 d b / Tr(C_u)`: the step minimising the KL divergence of
    /// the OU stationary law to the posterior (Theorem 1 mapped to `U = N L`).
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (3).
    pub fn optimal_lr(&self) -> f64 {
        let d = self.model.dim() as f64;
        2.0 * d * self.batch as f64 / self.model.mode_gradient_covariance().trace()
    }

    /// The OU stationary covariance `P`: `H P + P H = (lr / b) C_u`.
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (2).
    pub fn ou_covariance(&self, lr: f64) -> Result<DMatrix<f64>> {
        self.model.ou_covariance(lr, Some(self.batch), 0.0)
    }

    /// The exact stationary covariance of the discrete SGD recursion
    /// (state-dependent minibatch noise included).
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (5).
    pub fn exact_covariance(&self, lr: f64) -> Result<DMatrix<f64>> {
        self.model.exact_covariance(lr, Some(self.batch), 0.0)
    }

    /// `KL(N(theta*, P_OU(lr)) || N(theta*, H^{-1}))` in closed form:
    /// `(1/2)[lr Tr(C_u) / (2b) - d - ln det(H P_OU(lr))]`.
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (6).
    pub fn ou_kl(&self, lr: f64) -> Result<f64> {
        let p = self.ou_covariance(lr)?;
        let d = self.model.dim() as f64;
        let trace = lr * self.model.mode_gradient_covariance().trace() / (2.0 * self.batch as f64);
        Ok(0.5 * (trace - d - self.log_det_hp(&p)?))
    }

    /// `KL(N(theta*, P) || N(theta*, H^{-1})) = (1/2)[Tr(H P) - d - ln det(H P)]`
    /// for a covariance `P` centred at the posterior mean (the stationary
    /// mean of SGD and SGLD on this model is exactly `theta*`); the
    /// stationary law of SGD is not Gaussian (the noise is multiplicative),
    /// so for [`Self::exact_covariance`] this is the divergence of its
    /// moment-matched Gaussian.
    pub fn kl_to_posterior(&self, p: &DMatrix<f64>) -> Result<f64> {
        let d = self.model.dim() as f64;
        let trace = (self.model.hessian() * p).trace();
        Ok(0.5 * (trace - d - self.log_det_hp(p)?))
    }

    /// `ln det(H P) = ln det H + ln det P` by Cholesky.
    fn log_det_hp(&self, p: &DMatrix<f64>) -> Result<f64> {
        let log_det = |m: &DMatrix<f64>, name: &'static str| -> Result<f64> {
            let chol = m
                .clone()
                .cholesky()
                .ok_or(Error::NotPositiveDefinite { name })?;
            Ok(2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>())
        };
        Ok(log_det(self.model.hessian(), "H")? + log_det(p, "P")?)
    }
}
