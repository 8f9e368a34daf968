//! The posterior of a linear-predictor model with a Gaussian prior, as a
//! finite sum (shared by [`super::BayesLinear`] and [`super::BayesLogistic`]).
//!
//! **Convention** (pinned for every Bayesian model of the crate). The oracle
//! value is the potential `U(theta) = -log p(theta | data)` up to a
//! constant, written as a finite sum of per-sample terms
//!
//! ```text
//! u_i(theta) = N l_i(theta) - log p(theta),     l_i = -log p(y_i | a_i, theta),
//! U(theta)   = (1/N) sum_i u_i(theta) = sum_i l_i(theta) - log p(theta),
//! ```
//!
//! so `FiniteSum::sample_*` are the `u_i`, their mean is `U`, and the
//! minibatch mean gradient over a batch `B` of size `b` is Welling and Teh's
//! estimator `grad(-log p(theta)) + (N / b) sum_{i in B} grad l_i(theta)`
//! (Welling and Teh, "Bayesian learning via stochastic gradient Langevin
//! dynamics", ICML 2011, Eq. 4). The prior is therefore **not** scaled by
//! `1/N` inside `u_i`: every `u_i` carries the whole prior term.
//!
//! With prior `N(0, alpha^{-1} I)` and a likelihood whose negative log is
//! `w phi(a_i . theta, y_i)` up to a constant (`phi` a [`Link`] loss,
//! `w > 0` a likelihood weight), `u_i = N w phi_i + alpha |theta|^2 / 2`.
//! The full-data value, gradient, Hessian and Hessian-vector product are
//! those of the ridge model of `glm.rs` with ridge `alpha / (N w)`, scaled by
//! `N w`; only the minibatch gradient is written out here, as one tight loop.

use nalgebra::DMatrix;

use super::glm::{self, Link};
use crate::data::Dataset;
use crate::error::{ensure_positive, Result};

/// The data, prior precision and likelihood weight of a Bayesian
/// linear-predictor model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Posterior {
    /// The data set (inputs `a_i`, targets `y_i`).
    pub(crate) data: Dataset,
    /// Prior precision `alpha > 0` of `theta ~ N(0, alpha^{-1} I)`.
    pub(crate) alpha: f64,
    /// Likelihood weight `w > 0`: `l_i = w phi(a_i . theta, y_i) + const`.
    pub(crate) weight: f64,
}

impl Posterior {
    /// Checks `alpha` and `weight` (both positive and finite);
    /// `weight_name` names the weight in errors.
    pub(crate) fn new(
        data: Dataset,
        alpha: f64,
        weight: f64,
        weight_name: &'static str,
    ) -> Result<Self> {
        ensure_positive("prior precision alpha", alpha)?;
        ensure_positive(weight_name, weight)?;
        Ok(Self {
            data,
            alpha,
            weight,
        })
    }

    /// `N w`, the factor between the glm ridge model and `U`.
    #[inline]
    fn scale(&self) -> f64 {
        self.data.n() as f64 * self.weight
    }

    /// The equivalent glm ridge `alpha / (N w)`.
    #[inline]
    fn ridge(&self) -> f64 {
        self.alpha / self.scale()
    }

    /// `U(theta) = w sum_i phi_i + alpha |theta|^2 / 2`.
    pub(crate) fn value<M: Link>(&self, x: &[f64]) -> f64 {
        self.scale() * glm::value::<M>(&self.data, self.ridge(), x)
    }

    /// `grad U = w sum_i phi'_i a_i + alpha theta`.
    pub(crate) fn gradient<M: Link>(&self, x: &[f64], grad: &mut [f64]) {
        glm::gradient::<M>(&self.data, self.ridge(), x, grad);
        let s = self.scale();
        grad.iter_mut().for_each(|g| *g *= s);
    }

    /// `H = w sum_i phi''_i a_i a_i^T + alpha I` (exactly symmetric).
    pub(crate) fn hessian<M: Link>(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        glm::hessian::<M>(&self.data, self.ridge(), x, hess);
        *hess *= self.scale();
    }

    /// `H v` without forming `H`.
    pub(crate) fn hessian_vector<M: Link>(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        glm::hessian_vector::<M>(&self.data, self.ridge(), x, v, out);
        let s = self.scale();
        out.iter_mut().for_each(|o| *o *= s);
    }

    /// `u(theta; a, y) = N w phi(a . theta, y) + alpha |theta|^2 / 2`.
    #[inline]
    pub(crate) fn value_at<M: Link>(&self, x: &[f64], a: &[f64], y: f64) -> f64 {
        self.scale() * M::loss(glm::dot(a, x), y) + 0.5 * self.alpha * glm::dot(x, x)
    }

    /// `grad u(theta; a, y) = N w phi'(a . theta, y) a + alpha theta`.
    #[inline]
    pub(crate) fn gradient_at<M: Link>(&self, x: &[f64], a: &[f64], y: f64, grad: &mut [f64]) {
        let c = self.scale() * M::slope(glm::dot(a, x), y);
        for ((g, aj), xj) in grad.iter_mut().zip(a).zip(x) {
            *g = c * aj + self.alpha * xj;
        }
    }

    /// Welling and Teh's minibatch gradient
    /// `alpha theta + (N w / b) sum_{i in batch} phi'(a_i . theta, y_i) a_i`,
    /// no allocation, summed in batch order.
    ///
    /// The batch is taken in chunks of [`CHUNK`] rows, each in three passes
    /// over a stack array: the dot products `z_k = a_k . theta` (independent
    /// rows, so their latencies overlap), the slopes `phi'(z_k, y_k)` (one
    /// tight loop of exponentials, no loads of rows in between), then
    /// `grad += phi'_k a_k` in batch order. Every number is computed by the
    /// same operations in the same order as one fused pass, so the result
    /// is bit-identical to it; only the schedule changes. The loops run
    /// compiled for the CPU's widest vectors ([`crate::simd::widest`], same
    /// bits at every width).
    #[inline]
    pub(crate) fn batch_gradient<M: Link>(&self, x: &[f64], batch: &[usize], grad: &mut [f64]) {
        crate::simd::widest(
            #[inline(always)]
            || self.batch_gradient_at_width::<M>(x, batch, grad),
        )
    }

    /// The body of [`Self::batch_gradient`], inlined into each vector
    /// width's copy.
    #[inline(always)]
    fn batch_gradient_at_width<M: Link>(&self, x: &[f64], batch: &[usize], grad: &mut [f64]) {
        let p = self.data.p();
        let (inputs, targets) = (self.data.inputs(), self.data.targets());
        let row = |i: usize| &inputs[i * p..(i + 1) * p];
        grad.fill(0.0);
        let mut slopes = [0.0; CHUNK];
        for rows in batch.chunks(CHUNK) {
            let slopes = &mut slopes[..rows.len()];
            for (c, &i) in slopes.iter_mut().zip(rows) {
                *c = dot4(row(i), x);
            }
            for (c, &i) in slopes.iter_mut().zip(rows) {
                *c = M::slope(*c, targets[i]);
            }
            for (&c, &i) in slopes.iter().zip(rows) {
                for (g, aj) in grad.iter_mut().zip(row(i)) {
                    *g += c * aj;
                }
            }
        }
        let s = self.scale() / batch.len() as f64;
        for (g, xj) in grad.iter_mut().zip(x) {
            *g = *g * s + self.alpha * xj;
        }
    }
}

/// Rows per chunk of [`Posterior::batch_gradient`]: large enough for the
/// passes to pipeline, small enough for the stack array (512 bytes) and the
/// chunk's rows to stay in L1.
const CHUNK: usize = 64;

/// `a . x` with four independent partial sums, so the additions overlap
/// instead of waiting on one another (the minibatch loop is bound by this
/// dependency chain otherwise). Equal to the plain dot product up to
/// rounding.
#[inline]
fn dot4(a: &[f64], x: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let (ac, xc) = (a.chunks_exact(4), x.chunks_exact(4));
    let tail: f64 = ac
        .remainder()
        .iter()
        .zip(xc.remainder())
        .map(|(u, v)| u * v)
        .sum();
    for (u, v) in ac.zip(xc) {
        for k in 0..4 {
            s[k] += u[k] * v[k];
        }
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// Implements the capability traits and [`crate::optim::Oracle`] for a
/// Bayesian linear-predictor model `$model` (a struct with a field
/// `post: Posterior`) whose likelihood loss is the [`Link`] `$link`, plus the
/// shared accessors and the Laplace approximation. Every method forwards to
/// [`Posterior`].
macro_rules! bayes_model {
    ($model:ty, $link:ty) => {
        impl $model {
            /// The data set the posterior conditions on.
            pub fn data(&self) -> &$crate::data::Dataset {
                &self.post.data
            }

            /// The prior precision `alpha` (prior `N(0, alpha^{-1} I)`).
            pub fn prior_precision(&self) -> f64 {
                self.post.alpha
            }

            /// The Laplace approximation `N(theta_MAP, H(theta_MAP)^{-1})`
            /// (see [`crate::models::laplace()`]), by Newton's method from 0.
            pub fn laplace(&self) -> $crate::error::Result<$crate::measure::posterior::Gaussian> {
                $crate::models::laplace::laplace(self, &vec![0.0; self.post.data.p()])
            }
        }

        impl $crate::landscape::Objective for $model {
            fn dim(&self) -> usize {
                self.post.data.p()
            }

            fn value(&self, x: &[f64]) -> f64 {
                self.post.value::<$link>(x)
            }
        }

        impl $crate::landscape::Gradient for $model {
            fn gradient(&self, x: &[f64], grad: &mut [f64]) {
                self.post.gradient::<$link>(x, grad)
            }
        }

        impl $crate::landscape::Hessian for $model {
            fn hessian(&self, x: &[f64], hess: &mut nalgebra::DMatrix<f64>) {
                self.post.hessian::<$link>(x, hess)
            }
        }

        impl $crate::landscape::HessianVector for $model {
            fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
                self.post.hessian_vector::<$link>(x, v, out)
            }
        }

        impl $crate::landscape::FiniteSum for $model {
            fn samples(&self) -> usize {
                self.post.data.n()
            }

            fn sample_value(&self, x: &[f64], i: usize) -> f64 {
                self.post
                    .value_at::<$link>(x, self.post.data.row(i), self.post.data.target(i))
            }

            #[inline]
            fn sample_gradient(&self, x: &[f64], i: usize, grad: &mut [f64]) {
                self.post.gradient_at::<$link>(
                    x,
                    self.post.data.row(i),
                    self.post.data.target(i),
                    grad,
                )
            }

            /// Welling and Teh's estimator in one pass; `scratch` is unused.
            #[inline]
            fn batch_gradient(
                &self,
                x: &[f64],
                batch: &[usize],
                grad: &mut [f64],
                _scratch: &mut [f64],
            ) {
                self.post.batch_gradient::<$link>(x, batch, grad)
            }
        }

        impl $crate::landscape::Supervised for $model {
            fn input_dim(&self) -> usize {
                self.post.data.p()
            }

            fn read_input(&self, i: usize, out: &mut [f64]) {
                out.copy_from_slice(self.post.data.row(i))
            }

            fn value_at_input(&self, x: &[f64], i: usize, input: &[f64]) -> f64 {
                self.post
                    .value_at::<$link>(x, input, self.post.data.target(i))
            }

            fn gradient_at_input(&self, x: &[f64], i: usize, input: &[f64], grad: &mut [f64]) {
                self.post
                    .gradient_at::<$link>(x, input, self.post.data.target(i), grad)
            }
        }

        impl $crate::optim::Oracle for $model {
            fn describe(&self) -> String {
                format!(
                    "{} posterior (n = {}, p = {}, prior precision {})",
                    Self::NAME,
                    self.post.data.n(),
                    self.post.data.p(),
                    self.post.alpha
                )
            }

            fn dim(&self) -> usize {
                self.post.data.p()
            }

            fn value(&self, x: &[f64]) -> f64 {
                self.post.value::<$link>(x)
            }

            fn gradient(&self, x: &[f64], grad: &mut [f64]) {
                self.post.gradient::<$link>(x, grad)
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
                self.post.hessian::<$link>(x, hess);
                Ok(())
            }

            fn hessian_vector(
                &self,
                x: &[f64],
                v: &[f64],
                out: &mut [f64],
            ) -> $crate::error::Result<()> {
                self.post.hessian_vector::<$link>(x, v, out);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Logistic;
    use crate::simd::{at_level, Level};

    /// The minibatch gradient has the same bits at every vector width the
    /// CPU offers (the claim of [`Posterior::batch_gradient`]), on a
    /// dimension with a ragged tail and a batch longer than one chunk.
    #[test]
    fn batch_gradient_is_identical_at_every_vector_width() {
        let (n, p) = (300, 23);
        let inputs: Vec<f64> = (0..n * p).map(|k| (k as f64 * 0.618).sin()).collect();
        let targets: Vec<f64> = (0..n).map(|i| (i % 3 == 0) as u8 as f64).collect();
        let data = Dataset::new(inputs, targets, p).unwrap();
        let post = Posterior::new(data, 0.7, 1.3, "weight").unwrap();
        let x: Vec<f64> = (0..p).map(|j| 0.1 * j as f64 - 1.0).collect();
        let batch: Vec<usize> = (0..150).map(|k| (k * 37) % n).collect();
        let gradient_at = |level| {
            let mut grad = vec![0.0; p];
            at_level(
                level,
                #[inline(always)]
                || post.batch_gradient_at_width::<Logistic>(&x, &batch, &mut grad),
            );
            grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>()
        };
        let baseline = gradient_at(Level::Baseline);
        for level in Level::available() {
            assert_eq!(gradient_at(level), baseline, "{level:?}");
        }
    }
}
