//! Data-driven tractable models: finite sums over a [`crate::data::Dataset`]
//! with per-sample gradients, exact Hessians and Hessian-vector products.
//!
//! [`LeastSquares`] (linear regression with a ridge) and [`Logistic`]
//! (binary cross-entropy with a ridge) are linear-predictor models: sample
//! `i` contributes `phi(a_i . x, y_i) + lambda |x|^2 / 2`, whose derivatives
//! are written once, in `glm.rs`. Each implements the whole capability family
//! ([`crate::landscape::Objective`], `Gradient`, `Hessian`,
//! `HessianVector`, `FiniteSum`, `Supervised`) and [`crate::optim::Oracle`]
//! with all four capabilities, so minibatch noise, input noise and flatness
//! measures run on them unchanged. [`gradient_covariance`] gives the exact
//! per-sample gradient covariance the SGD-noise theory uses.
//!
//! [`parse`] builds a model with synthetic data from a spec
//! (`least-squares:n=256,p=4,noise=0.5,ridge=0`, ...) and a seed into an
//! [`AnyModel`]; [`MODEL_HELP`] lists the specs.
//!
//! Posterior targets (issue 5): [`GaussianTarget`] (`N(m, Sigma)` with exact
//! moments and draws), [`BayesLinear`] (conjugate Bayesian linear
//! regression, exact posterior) and [`BayesLogistic`] (Bayesian logistic
//! regression on synthetic or MNIST data, with the [`laplace()`]
//! approximation). Their value is the potential `U = -log p(theta | data)`
//! up to a constant, the mean of per-sample terms `u_i = N l_i - log p(theta)`
//! (prior not scaled by `1/N` inside `u_i`; see `bayes_glm.rs`).
//! [`parse_posterior`] builds them from specs listed in [`POSTERIOR_HELP`].

/// Implements the capability traits, [`crate::optim::Oracle`] and the shared
/// accessors for a linear-predictor model `$model`: a struct with fields
/// `data: Dataset` and `ridge: f64` that implements `glm::Link`. Every
/// method forwards to the one implementation in `glm`.
macro_rules! linear_model {
    ($model:ty) => {
        impl $model {
            /// The data set the model is fitted on.
            pub fn data(&self) -> &$crate::data::Dataset {
                &self.data
            }

            /// The ridge coefficient `lambda >= 0`.
            pub fn ridge(&self) -> f64 {
                self.ridge
            }

            /// The exact covariance of one uniformly drawn per-sample
            /// gradient at `x` (see [`crate::models::gradient_covariance`]).
            pub fn gradient_covariance(&self, x: &[f64]) -> nalgebra::DMatrix<f64> {
                $crate::models::covariance::gradient_covariance(self, x)
            }
        }

        impl $crate::landscape::Objective for $model {
            fn dim(&self) -> usize {
                self.data.p()
            }

            fn value(&self, x: &[f64]) -> f64 {
                $crate::models::glm::value::<Self>(&self.data, self.ridge, x)
            }
        }

        impl $crate::landscape::Gradient for $model {
            fn gradient(&self, x: &[f64], grad: &mut [f64]) {
                $crate::models::glm::gradient::<Self>(&self.data, self.ridge, x, grad)
            }
        }

        impl $crate::landscape::Hessian for $model {
            fn hessian(&self, x: &[f64], hess: &mut nalgebra::DMatrix<f64>) {
                $crate::models::glm::hessian::<Self>(&self.data, self.ridge, x, hess)
            }
        }

        impl $crate::landscape::HessianVector for $model {
            fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
                $crate::models::glm::hessian_vector::<Self>(&self.data, self.ridge, x, v, out)
            }
        }

        impl $crate::landscape::FiniteSum for $model {
            fn samples(&self) -> usize {
                self.data.n()
            }

            fn sample_value(&self, x: &[f64], i: usize) -> f64 {
                $crate::models::glm::value_at::<Self>(
                    self.ridge,
                    x,
                    self.data.row(i),
                    self.data.target(i),
                )
            }

            #[inline]
            fn sample_gradient(&self, x: &[f64], i: usize, grad: &mut [f64]) {
                $crate::models::glm::gradient_at::<Self>(
                    self.ridge,
                    x,
                    self.data.row(i),
                    self.data.target(i),
                    grad,
                )
            }
        }

        impl $crate::landscape::Supervised for $model {
            fn input_dim(&self) -> usize {
                self.data.p()
            }

            fn read_input(&self, i: usize, out: &mut [f64]) {
                out.copy_from_slice(self.data.row(i))
            }

            fn value_at_input(&self, x: &[f64], i: usize, input: &[f64]) -> f64 {
                $crate::models::glm::value_at::<Self>(self.ridge, x, input, self.data.target(i))
            }

            fn gradient_at_input(&self, x: &[f64], i: usize, input: &[f64], grad: &mut [f64]) {
                $crate::models::glm::gradient_at::<Self>(
                    self.ridge,
                    x,
                    input,
                    self.data.target(i),
                    grad,
                )
            }
        }

        impl $crate::optim::Oracle for $model {
            fn describe(&self) -> String {
                format!(
                    "{} model (n = {}, p = {}, ridge = {})",
                    <Self as $crate::models::glm::Link>::NAME,
                    self.data.n(),
                    self.data.p(),
                    self.ridge
                )
            }

            fn dim(&self) -> usize {
                self.data.p()
            }

            fn value(&self, x: &[f64]) -> f64 {
                $crate::landscape::Objective::value(self, x)
            }

            fn gradient(&self, x: &[f64], grad: &mut [f64]) {
                $crate::landscape::Gradient::gradient(self, x, grad)
            }

            fn capabilities(&self) -> $crate::optim::Capabilities {
                $crate::optim::Capabilities {
                    hessian: true,
                    hessian_vector: true,
                    finite_sum: true,
                    inputs: true,
                }
            }

            fn hessian(
                &self,
                x: &[f64],
                hess: &mut nalgebra::DMatrix<f64>,
            ) -> $crate::error::Result<()> {
                $crate::landscape::Hessian::hessian(self, x, hess);
                Ok(())
            }

            fn hessian_vector(
                &self,
                x: &[f64],
                v: &[f64],
                out: &mut [f64],
            ) -> $crate::error::Result<()> {
                $crate::landscape::HessianVector::hessian_vector(self, x, v, out);
                Ok(())
            }

            fn finite_sum(&self) -> Option<&dyn $crate::landscape::FiniteSum> {
                Some(self)
            }

            fn supervised(&self) -> Option<&dyn $crate::landscape::Supervised> {
                Some(self)
            }
        }
    };
}

/// Implements [`crate::optim::Oracle`] for a registry enum `$ty` by
/// forwarding every method to the variant, through the registry's own
/// `$dispatch!(self, m => call)` macro (one `match` over its variants).
macro_rules! oracle_by_dispatch {
    ($ty:ty, $dispatch:ident) => {
        impl $crate::optim::Oracle for $ty {
            fn describe(&self) -> String {
                $dispatch!(self, m => m.describe())
            }

            fn dim(&self) -> usize {
                $dispatch!(self, m => $crate::optim::Oracle::dim(m))
            }

            fn value(&self, x: &[f64]) -> f64 {
                $dispatch!(self, m => $crate::optim::Oracle::value(m, x))
            }

            fn gradient(&self, x: &[f64], grad: &mut [f64]) {
                $dispatch!(self, m => $crate::optim::Oracle::gradient(m, x, grad))
            }

            fn capabilities(&self) -> $crate::optim::Capabilities {
                $dispatch!(self, m => m.capabilities())
            }

            fn hessian(
                &self,
                x: &[f64],
                hess: &mut nalgebra::DMatrix<f64>,
            ) -> $crate::error::Result<()> {
                $dispatch!(self, m => $crate::optim::Oracle::hessian(m, x, hess))
            }

            fn hessian_vector(
                &self,
                x: &[f64],
                v: &[f64],
                out: &mut [f64],
            ) -> $crate::error::Result<()> {
                $dispatch!(self, m => $crate::optim::Oracle::hessian_vector(m, x, v, out))
            }

            fn finite_sum(&self) -> Option<&dyn $crate::landscape::FiniteSum> {
                $dispatch!(self, m => m.finite_sum())
            }

            fn supervised(&self) -> Option<&dyn $crate::landscape::Supervised> {
                $dispatch!(self, m => m.supervised())
            }
        }
    };
}

/// A count from a spec as a `usize`, saturating where `usize` is narrower
/// than `u64` (the data-size check then rejects it).
fn spec_count(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

#[macro_use]
mod bayes_glm;
pub mod bayes_linear;
pub mod bayes_logistic;
pub mod covariance;
pub mod gaussian_target;
mod glm;
pub mod laplace;
pub mod least_squares;
pub mod logistic;
pub mod posterior_registry;
pub mod registry;

pub use bayes_linear::BayesLinear;
pub use bayes_logistic::BayesLogistic;
pub use covariance::gradient_covariance;
pub use gaussian_target::GaussianTarget;
pub use laplace::laplace;
pub use least_squares::LeastSquares;
pub use logistic::Logistic;
pub use posterior_registry::{parse_posterior, AnyPosterior, POSTERIOR_HELP, POSTERIOR_NAMES};
pub use registry::{parse, AnyModel, MODEL_HELP, MODEL_NAMES};
