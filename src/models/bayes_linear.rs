//! Bayesian linear regression with a conjugate Gaussian prior and known
//! noise precision: the posterior is Gaussian and known in closed form.
//!
//! Model: `y_i = a_i . theta + e_i`, `e_i ~ N(0, beta^{-1})`, prior
//! `theta ~ N(0, alpha^{-1} I)`. Under the crate's convention (see
//! `bayes_glm.rs`: value `U = -log p(theta | data) + const` as the mean of
//! `u_i = N l_i - log p(theta)`, prior not scaled by `1/N` inside `u_i`),
//!
//! ```text
//! l_i(theta) = beta (a_i . theta - y_i)^2 / 2                (+ const),
//! u_i(theta) = N beta (a_i . theta - y_i)^2 / 2 + alpha |theta|^2 / 2,
//! U(theta)   = beta |A theta - y|^2 / 2 + alpha |theta|^2 / 2,
//! grad U     = beta A^T (A theta - y) + alpha theta,
//! H          = alpha I + beta A^T A                       (constant),
//! ```
//!
//! and the posterior is `N(m_N, S_N)` with
//! `S_N = (alpha I + beta A^T A)^{-1}` and `m_N = beta S_N A^T y` (Bishop,
//! "Pattern Recognition and Machine Learning", 2006, Eqs. 3.53-3.54, with
//! `m_0 = 0`, `S_0 = alpha^{-1} I`): [`BayesLinear::posterior`].

use nalgebra::{DMatrix, DVector};

use super::bayes_glm::Posterior;
use super::LeastSquares;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::measure::posterior::Gaussian;

/// The posterior of Bayesian linear regression (prior `N(0, alpha^{-1} I)`,
/// known noise precision `beta`) as a finite sum of `u_i`.
#[derive(Debug, Clone, PartialEq)]
pub struct BayesLinear {
    post: Posterior,
}

impl BayesLinear {
    /// The model's name, as in its spec.
    pub const NAME: &'static str = "bayes-linear";

    /// The posterior given `data` (real targets), prior precision
    /// `alpha > 0` and noise precision `beta > 0`.
    ///
    /// Rejects `alpha` or `beta` not positive and finite.
    pub fn new(data: Dataset, alpha: f64, beta: f64) -> Result<Self> {
        Ok(Self {
            post: Posterior::new(data, alpha, beta, "noise precision beta")?,
        })
    }

    /// The noise precision `beta`.
    pub fn noise_precision(&self) -> f64 {
        self.post.weight
    }

    /// The exact posterior `N(m_N, S_N)`, `S_N = (alpha I + beta A^T A)^{-1}`,
    /// `m_N = beta S_N A^T y` (Bishop 2006, Eqs. 3.53-3.54), computed from
    /// the data matrix by nalgebra (independently of the oracle's Hessian
    /// code) with a Cholesky factorisation of `S_N^{-1}`.
    ///
    /// Errors with [`Error::NotPositiveDefinite`] only if rounding destroys
    /// the positive definiteness (`alpha > 0` guarantees it in exact
    /// arithmetic).
    pub fn posterior(&self) -> Result<Gaussian> {
        let data = &self.post.data;
        let (alpha, beta) = (self.post.alpha, self.post.weight);
        let a = DMatrix::from_row_slice(data.n(), data.p(), data.inputs());
        let y = DVector::from_column_slice(data.targets());
        let precision = DMatrix::identity(data.p(), data.p()) * alpha + a.transpose() * &a * beta;
        let chol = precision.cholesky().ok_or(Error::NotPositiveDefinite {
            name: "alpha I + beta A^T A",
        })?;
        let mean = chol.solve(&(a.transpose() * y * beta));
        let cov = chol.inverse();
        Gaussian::new(mean, (&cov + cov.transpose()) * 0.5)
    }
}

bayes_model!(BayesLinear, LeastSquares);
