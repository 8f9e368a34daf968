//! Exact stationary covariance of constant-step SGD and SGLD on Bayesian
//! linear regression, with the minibatch gradient noise computed exactly.
//!
//! **Model** (the convention pinned for posterior sampling). Data
//! `(x_i, y_i)`, `i = 1..N`, `x_i in R^d`, Gaussian likelihood of precision
//! `beta` and prior `N(0, alpha^{-1} I)`. The potential is
//! `U(theta) = -log p(theta | data) + const`, the mean of the per-sample
//! terms `u_i(theta) = N l_i(theta) - log p(theta)` with
//! `l_i = (beta / 2) (y_i - x_i . theta)^2` (the prior is *not* scaled by
//! `1/N` inside `u_i`), so
//!
//! ```text
//! g_i(theta) = grad u_i = N beta x_i (x_i . theta - y_i) + alpha theta,
//! H = grad^2 U = alpha I + beta X^T X,     theta* = beta H^{-1} X^T y,
//! ```
//!
//! and the posterior is exactly `N(theta*, H^{-1})` (Bishop, *Pattern
//! Recognition and Machine Learning*, 2006, eqs. (3.53)-(3.54)).
//!
//! **Recursion.** SGLD at temperature `T` (SGD is `T = 0`) with step `lr`
//! and a minibatch of `b` indices drawn uniformly *with replacement* (as
//! [`crate::optim::run_chains`] does):
//! `theta <- theta - lr (1/b) sum_j g_{i_j}(theta) + sqrt(2 lr T) xi`.
//! With `e = theta - theta*`, `D_i = N beta (x_i x_i^T - X^T X / N)` and
//! `r_i = g_i(theta*)` (so `mean_i D_i = 0`, `mean_i r_i = 0`), the minibatch
//! gradient is `H e + zeta` with `E[zeta | e] = 0`,
//! `Cov[zeta | e] = (1/b) mean_i (D_i e + r_i)(D_i e + r_i)^T`: the noise is
//! state dependent (multiplicative). The stationary mean is exactly
//! `theta*`, and the stationary covariance `P` solves the generalised
//! discrete Lyapunov equation
//!
//! ```text
//! P = M P M^T + (lr^2 / b) [ mean_i D_i P D_i^T + C* ] + 2 lr T I,    M = I - lr H,
//! ```
//!
//! `C* = mean_i r_i r_i^T` (the per-sample gradient covariance at the
//! mode), solved as `(I - M kron M - (lr^2/b) K) vec P = vec Q` with
//! `K = mean_i D_i kron D_i`; it exists iff the spectral radius of the
//! (symmetric) operator `M kron M + (lr^2/b) K` is below 1. Two
//! approximations sit beside it: Mandt, Hoffman and Blei's constant-noise
//! assumption (the `K` term dropped: an ordinary discrete Lyapunov
//! equation) and their continuous-time OU limit
//! `H P + P H = (lr / b) C* + 2 T I`. Derivation:
//! `proofs/sgd_posterior_mandt.md`, Section 2.

use nalgebra::{DMatrix, DVector};

use super::checks::symmetric_spectrum;
use super::lyapunov::{solve_continuous_lyapunov, solve_discrete_lyapunov, MAX_LYAPUNOV_DIM};
use crate::data::Dataset;
use crate::error::{ensure_at_least, ensure_dim, ensure_non_negative, ensure_positive};
use crate::error::{Error, Result};

/// Bayesian linear regression's per-sample gradient structure, for the
/// exact stationary law of SGD and SGLD.
#[derive(Debug, Clone)]
pub struct BayesLinearSgd {
    n: usize,
    hessian: DMatrix<f64>,
    lambda_max: f64,
    posterior_mean: DVector<f64>,
    /// `mean_i r_i r_i^T`, the gradient covariance at the mode.
    mode_noise: DMatrix<f64>,
    /// `mean_i D_i kron D_i` (`d^2 x d^2`).
    multiplicative: DMatrix<f64>,
    /// `D_i` are built from these on demand for [`Self::gradient_covariance_at`].
    inputs: DMatrix<f64>,
    residuals: Vec<DVector<f64>>,
    beta: f64,
}

impl BayesLinearSgd {
    /// The model for inputs `x` (`N x d`, one sample per row), targets `y`
    /// (length `N`), prior precision `alpha > 0` and noise precision
    /// `beta > 0`; `1 <= d <= 30`, `N >= 1`.
    ///
    /// See `proofs/sgd_posterior_mandt.md`, Section 2.
    pub fn new(x: &DMatrix<f64>, y: &[f64], alpha: f64, beta: f64) -> Result<Self> {
        ensure_positive("alpha (prior precision)", alpha)?;
        ensure_positive("beta (noise precision)", beta)?;
        let (n, d) = x.shape();
        ensure_at_least("number of samples", n, 1, "at least 1")?;
        ensure_dim("targets (one per row of X)", n, y.len())?;
        if d == 0 || d > MAX_LYAPUNOV_DIM {
            return Err(Error::OutOfRange {
                name: "dimension",
                value: d as f64,
                expected: "1 to 30 (the Kronecker solve costs O(d^6))",
            });
        }
        if let Some(bad) = x.iter().chain(y).find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "data",
                value: *bad,
            });
        }
        let nf = n as f64;
        let gram = x.transpose() * x;
        let hessian = DMatrix::identity(d, d) * alpha + &gram * beta;
        let lambda_max = symmetric_spectrum("H", &hessian)?.max();
        let rhs = x.transpose() * DVector::from_column_slice(y) * beta;
        let posterior_mean = hessian
            .clone()
            .cholesky()
            .ok_or(Error::NotPositiveDefinite { name: "H" })?
            .solve(&rhs);
        let residuals: Vec<DVector<f64>> = (0..n)
            .map(|i| {
                let xi = x.row(i).transpose();
                let fit = xi.dot(&posterior_mean) - y[i];
                &xi * (nf * beta * fit) + &posterior_mean * alpha
            })
            .collect();
        // Centre by the computed mean (zero up to rounding at the mode).
        let r_mean = residuals.iter().fold(DVector::zeros(d), |acc, r| acc + r) / nf;
        let mode_noise = residuals.iter().fold(DMatrix::zeros(d, d), |acc, r| {
            let c = r - &r_mean;
            acc + &c * c.transpose()
        }) / nf;
        let mut multiplicative = DMatrix::zeros(d * d, d * d);
        for i in 0..n {
            let di = Self::deviation(x, &gram, beta, i);
            multiplicative += di.kronecker(&di);
        }
        multiplicative /= nf;
        Ok(Self {
            n,
            hessian,
            lambda_max,
            posterior_mean,
            mode_noise,
            multiplicative,
            inputs: x.clone(),
            residuals,
            beta,
        })
    }

    /// The model of a data set (features as rows).
    pub fn from_data(data: &Dataset, alpha: f64, beta: f64) -> Result<Self> {
        let x = DMatrix::from_row_slice(data.n(), data.p(), data.inputs());
        Self::new(&x, data.targets(), alpha, beta)
    }

    /// `D_i = N beta (x_i x_i^T - X^T X / N)`: the deviation of the
    /// per-sample Hessian from the mean.
    fn deviation(x: &DMatrix<f64>, gram: &DMatrix<f64>, beta: f64, i: usize) -> DMatrix<f64> {
        let nf = x.nrows() as f64;
        let xi = x.row(i).transpose();
        (&xi * xi.transpose() * nf - gram) * beta
    }

    /// The number of samples `N`.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.hessian.nrows()
    }

    /// `H = alpha I + beta X^T X`, the posterior precision.
    pub fn hessian(&self) -> &DMatrix<f64> {
        &self.hessian
    }

    /// The posterior mean `theta* = beta H^{-1} X^T y` (also the mode and
    /// the stationary mean of SGD and SGLD).
    pub fn posterior_mean(&self) -> &DVector<f64> {
        &self.posterior_mean
    }

    /// The posterior covariance `H^{-1}`.
    pub fn posterior_covariance(&self) -> Result<DMatrix<f64>> {
        self.hessian
            .clone()
            .try_inverse()
            .ok_or(Error::NotPositiveDefinite { name: "H" })
    }

    /// `C* = mean_i r_i r_i^T`: the covariance of one per-sample gradient
    /// `g_i` (index uniform) at the mode.
    pub fn mode_gradient_covariance(&self) -> &DMatrix<f64> {
        &self.mode_noise
    }

    /// The covariance of one per-sample gradient at `theta`:
    /// `mean_i (D_i e + r_i)(D_i e + r_i)^T`, `e = theta - theta*`.
    pub fn gradient_covariance_at(&self, theta: &[f64]) -> Result<DMatrix<f64>> {
        let d = self.dim();
        ensure_dim("theta", d, theta.len())?;
        let e = DVector::from_column_slice(theta) - &self.posterior_mean;
        let gram = self.inputs.transpose() * &self.inputs;
        let mut cov = DMatrix::zeros(d, d);
        for (i, r) in self.residuals.iter().enumerate() {
            let g = Self::deviation(&self.inputs, &gram, self.beta, i) * &e + r;
            cov += &g * g.transpose();
        }
        Ok(cov / self.n as f64)
    }

    /// The iteration matrix `M = I - lr H`, after checking
    /// `0 < lr < 2 / lambda_max(H)`.
    pub fn step_matrix(&self, lr: f64) -> Result<DMatrix<f64>> {
        ensure_positive("lr", lr)?;
        if lr * self.lambda_max >= 2.0 {
            return Err(Error::OutOfRange {
                name: "lr",
                value: lr,
                expected: "below 2 / lambda_max(H) (the mean diverges otherwise)",
            });
        }
        let d = self.dim();
        Ok(DMatrix::identity(d, d) - &self.hessian * lr)
    }

    /// The constant part of the per-step noise:
    /// `(lr^2 / b) C* + 2 lr T I` (`batch = None`: the full gradient, no
    /// minibatch term).
    pub fn constant_noise(
        &self,
        lr: f64,
        batch: Option<usize>,
        temperature: f64,
    ) -> Result<DMatrix<f64>> {
        ensure_positive("lr", lr)?;
        ensure_non_negative("temperature", temperature)?;
        let d = self.dim();
        let mut q = DMatrix::identity(d, d) * (2.0 * lr * temperature);
        if let Some(b) = batch {
            ensure_at_least("batch", b, 1, "at least 1")?;
            q += &self.mode_noise * (lr * lr / b as f64);
        }
        Ok(q)
    }

    /// The linear operator `vec P -> vec(M P M^T + (lr^2/b) mean_i D_i P D_i^T)`
    /// as a `d^2 x d^2` matrix.
    pub fn second_moment_operator(&self, lr: f64, batch: Option<usize>) -> Result<DMatrix<f64>> {
        let m = self.step_matrix(lr)?;
        let mut op = m.kronecker(&m);
        if let Some(b) = batch {
            ensure_at_least("batch", b, 1, "at least 1")?;
            op += &self.multiplicative * (lr * lr / b as f64);
        }
        Ok(op)
    }

    /// The exact stationary covariance of SGLD (`temperature > 0`) or SGD
    /// (`temperature = 0`) with minibatches of `batch` indices drawn with
    /// replacement (`None`: full-batch gradient, i.e. ULA): the solution of
    /// the generalised discrete Lyapunov equation of the module docs.
    ///
    /// Errors: `lr` outside `(0, 2 / lambda_max(H))`, `batch = 0`,
    /// `temperature < 0`, or a second-moment operator of spectral radius
    /// `>= 1` (the variance diverges although the mean converges).
    /// See `proofs/sgd_posterior_mandt.md`, eq. (5).
    pub fn exact_covariance(
        &self,
        lr: f64,
        batch: Option<usize>,
        temperature: f64,
    ) -> Result<DMatrix<f64>> {
        let op = self.second_moment_operator(lr, batch)?;
        let q = self.constant_noise(lr, batch, temperature)?;
        let radius = op.clone().symmetric_eigen().eigenvalues.amax();
        if radius >= 1.0 {
            return Err(Error::OutOfRange {
                name: "spectral radius of the second-moment operator",
                value: radius,
                expected: "below 1 (the minibatch noise makes the variance diverge otherwise)",
            });
        }
        let d = self.dim();
        let k = DMatrix::identity(d * d, d * d) - op;
        let rhs = DVector::from_column_slice(q.as_slice());
        let sol = k.lu().solve(&rhs).ok_or_else(|| {
            Error::Unsupported("the second-moment system is singular".to_string())
        })?;
        let p = DMatrix::from_column_slice(d, d, sol.as_slice());
        Ok((&p + p.transpose()) * 0.5)
    }

    /// The stationary covariance under Mandt, Hoffman and Blei's
    /// constant-noise assumption (gradient covariance frozen at `C*`), in
    /// discrete time: `P = M P M^T + (lr^2 / b) C* + 2 lr T I`.
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (4).
    pub fn frozen_noise_covariance(
        &self,
        lr: f64,
        batch: Option<usize>,
        temperature: f64,
    ) -> Result<DMatrix<f64>> {
        let m = self.step_matrix(lr)?;
        solve_discrete_lyapunov(&m, &self.constant_noise(lr, batch, temperature)?)
    }

    /// The continuous-time (OU) approximation of Mandt, Hoffman and Blei:
    /// `H P + P H = (lr / b) C* + 2 T I`, i.e. the constant noise of
    /// [`Self::constant_noise`] divided by `lr`.
    ///
    /// See `proofs/sgd_posterior_mandt.md`, eq. (2).
    pub fn ou_covariance(
        &self,
        lr: f64,
        batch: Option<usize>,
        temperature: f64,
    ) -> Result<DMatrix<f64>> {
        self.step_matrix(lr)?;
        let q = self.constant_noise(lr, batch, temperature)? / lr;
        solve_continuous_lyapunov(&self.hessian, &q)
    }
}
