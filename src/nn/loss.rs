//! Losses on the network's output rows, with their gradients.
//!
//! Each returns the *sum* of the per-sample losses of a chunk in `f64` and
//! writes the gradient of that sum with respect to the outputs; the network
//! divides by the batch size once, after the chunks are reduced.

use super::data::Targets;
use super::scalar::Scalar;
use crate::error::{Error, Result};

/// A loss on the last layer's outputs `y` (the logits, for classification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Loss {
    /// Softmax cross-entropy against a class label `c`:
    /// `l(y) = log sum_j exp(y_j) - y_c`, gradient `softmax(y) - e_c`.
    /// Evaluated as `m + log sum_j exp(y_j - m) - y_c` with `m = max_j y_j`
    /// (the stable log-sum-exp), so no exponential overflows.
    CrossEntropy,
    /// Half the squared error against a target vector `t`:
    /// `l(y) = (1/2) sum_j (y_j - t_j)^2`, gradient `y - t`.
    Squared,
}

impl Loss {
    /// The names accepted by [`Loss::parse`].
    pub const NAMES: &'static str = "xent, squared";

    /// Parses `xent` (softmax cross-entropy) or `squared`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "xent" => Ok(Self::CrossEntropy),
            "squared" => Ok(Self::Squared),
            _ => Err(Error::Unknown {
                kind: "loss",
                name: name.to_string(),
                known: Self::NAMES.to_string(),
            }),
        }
    }

    /// The loss of sample `i` with outputs `y` against its entry of
    /// `targets` (which [`crate::nn::Network`] has checked to fit this
    /// loss); writes the gradient with respect to `y` into `g` when given.
    pub fn sample<T: Scalar>(
        y: &[T],
        targets: Targets<'_, T>,
        i: usize,
        g: Option<&mut [T]>,
    ) -> f64 {
        match targets {
            Targets::Classes { labels, .. } => Self::cross_entropy(y, usize::from(labels[i]), g),
            Targets::Values { values, width } => {
                Self::squared(y, &values[i * width..(i + 1) * width], g)
            }
        }
    }

    /// The R-operator of the gradient with respect to the outputs for one
    /// row (Pearlmutter 1994, "Fast exact multiplication by the Hessian",
    /// section 4): `rdy <- (d^2 l / dy^2) ry`. For softmax cross-entropy the
    /// Hessian is `diag(p) - p p^T` with `p = softmax(y)`, so
    /// `rdy = p * ry - p (p . ry)`; for the squared loss it is the identity,
    /// `rdy = ry`. Neither depends on the target.
    pub fn r_gradient<T: Scalar>(self, y: &[T], ry: &[T], rdy: &mut [T]) {
        match self {
            Self::CrossEntropy => {
                softmax(y, rdy);
                let dot = rdy
                    .iter()
                    .zip(ry)
                    .fold(T::ZERO, |acc, (&p, &r)| acc + p * r);
                for (o, &r) in rdy.iter_mut().zip(ry) {
                    *o *= r - dot;
                }
            }
            Self::Squared => rdy.copy_from_slice(ry),
        }
    }

    /// Cross-entropy on one row `y` with label `c`; writes `softmax(y) - e_c`
    /// into `g` when given.
    pub fn cross_entropy<T: Scalar>(y: &[T], c: usize, g: Option<&mut [T]>) -> f64 {
        let (m, sum) = shifted_exp_sum(y);
        if let Some(g) = g {
            softmax(y, g);
            g[c] += -T::ONE;
        }
        m.to_f64() + sum.ln() - y[c].to_f64()
    }

    /// Squared loss on one row `y` with target `t`; writes `y - t` into `g`
    /// when given.
    pub fn squared<T: Scalar>(y: &[T], t: &[T], g: Option<&mut [T]>) -> f64 {
        if let Some(g) = g {
            for ((g, &v), &w) in g.iter_mut().zip(y).zip(t) {
                *g = v - w;
            }
        }
        0.5 * y
            .iter()
            .zip(t)
            .map(|(&v, &w)| (v.to_f64() - w.to_f64()).powi(2))
            .sum::<f64>()
    }
}

/// `(m, sum_j exp(y_j - m))` with `m = max_j y_j`, the sum in `f64`.
fn shifted_exp_sum<T: Scalar>(y: &[T]) -> (T, f64) {
    let m = y
        .iter()
        .copied()
        .fold(y[0], |m, v| if v > m { v } else { m });
    (m, y.iter().map(|&v| (v - m).exp().to_f64()).sum())
}

/// `p <- softmax(y)`, shifted by the maximum so no exponential overflows.
fn softmax<T: Scalar>(y: &[T], p: &mut [T]) {
    let (m, sum) = shifted_exp_sum(y);
    let inv = T::from_f64(1.0 / sum);
    for (p, &v) in p.iter_mut().zip(y) {
        *p = (v - m).exp() * inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Huge logits: the naive formula overflows, the stable one gives the
    /// exact answer `log(1 + e^-1)` for logits (1000, 999) and label 0.
    #[test]
    fn cross_entropy_is_stable() {
        let mut g = [0.0f32; 2];
        let l = Loss::cross_entropy(&[1000.0f32, 999.0], 0, Some(&mut g));
        let want = (1.0 + (-1.0f64).exp()).ln();
        assert!((l - want).abs() < 1e-6, "loss {l} vs {want}");
        assert!(g.iter().all(|v| v.is_finite()));
        // softmax - e_0 sums to zero up to f32 rounding of two terms.
        assert!((g[0] + g[1]).abs() < 1e-6);
    }
}
