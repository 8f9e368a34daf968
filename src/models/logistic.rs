//! Logistic regression: binary cross-entropy with an optional ridge penalty.
//!
//! With `z_i = a_i . x`, `sigmoid(z) = 1 / (1 + e^{-z})` and labels
//! `y_i in [0, 1]` (hard labels `{0, 1}`; soft labels give the same formulas):
//!
//! ```text
//! l_i(x) = -y_i log sigmoid(z_i) - (1 - y_i) log(1 - sigmoid(z_i)) + lambda |x|^2 / 2
//!        = softplus(z_i) - y_i z_i + lambda |x|^2 / 2,    softplus(z) = log(1 + e^z),
//! grad l_i(x) = (sigmoid(z_i) - y_i) a_i + lambda x,
//! H = A^T diag(p_i (1 - p_i)) A / n + lambda I,           p_i = sigmoid(z_i),
//! ```
//!
//! using `log sigmoid(z) = z - softplus(z)`, `log(1 - sigmoid(z)) =
//! -softplus(z)`, `softplus' = sigmoid` and `sigmoid' = sigmoid (1 - sigmoid)`
//! (Bishop, "Pattern Recognition and Machine Learning", 2006, Sections
//! 4.3.2-4.3.3: the cross-entropy Eq. 4.90, its gradient Eq. 4.91 and its
//! Hessian Eq. 4.97).
//!
//! **Numerics.** `softplus(z) = max(z, 0) + log1p(e^{-|z|})` and `sigmoid`
//! are evaluated through `e^{-|z|}` only, so nothing overflows for any
//! finite `z`. The loss is computed as
//! `y softplus(-z) + (1 - y) softplus(z)` (equal to `softplus(z) - y z`
//! since `softplus(z) - z = softplus(-z)`), the slope as
//! `(1 - y) sigmoid(z) - y sigmoid(-z)` (equal to `sigmoid(z) - y`) and
//! `p (1 - p)` as `sigmoid(z) sigmoid(-z)`: sums of non-negative terms for
//! hard labels, so a well-classified sample (`|z|` large, loss and slope
//! about `e^{-|z|}`) keeps its full relative accuracy instead of cancelling
//! to zero.

use super::glm::{check_ridge, Link};
use crate::data::Dataset;
use crate::error::{Error, Result};

/// `sigmoid(z) = 1 / (1 + e^{-z})`, without overflow for any finite `z`.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    sigmoid_pair(z).0
}

/// `(sigmoid(z), sigmoid(-z))` from one exponential `e = e^{-|z|}`: the
/// larger is `1 / (1 + e)`, the smaller `e / (1 + e)`, both to full relative
/// accuracy.
#[inline]
fn sigmoid_pair(z: f64) -> (f64, f64) {
    let e = (-z.abs()).exp();
    let large = 1.0 / (1.0 + e);
    let small = e * large;
    if z >= 0.0 {
        (large, small)
    } else {
        (small, large)
    }
}

/// `softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{-|z|})`, without
/// overflow or loss of accuracy for any finite `z`.
#[inline]
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Binary cross-entropy of a linear predictor, averaged over a data set,
/// plus `lambda |x|^2 / 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    data: Dataset,
    ridge: f64,
}

impl Logistic {
    /// Logistic regression on `data` (targets are labels in `[0, 1]`) with
    /// ridge coefficient `ridge = lambda >= 0`.
    ///
    /// Rejects a label outside `[0, 1]` and a negative or non-finite ridge.
    /// Without a ridge, linearly separable data have no minimiser (the loss
    /// decreases along the separating direction forever).
    pub fn new(data: Dataset, ridge: f64) -> Result<Self> {
        let ridge = check_ridge(ridge)?;
        if let Some(&y) = data.targets().iter().find(|y| !(0.0..=1.0).contains(*y)) {
            return Err(Error::OutOfRange {
                name: "label",
                value: y,
                expected: "a label in [0, 1]",
            });
        }
        Ok(Self { data, ridge })
    }
}

impl Link for Logistic {
    const NAME: &'static str = "logistic";

    #[inline]
    fn loss(z: f64, y: f64) -> f64 {
        // y softplus(-z) + (1 - y) softplus(z), sharing log1p(e^{-|z|}).
        y * (-z).max(0.0) + (1.0 - y) * z.max(0.0) + (-z.abs()).exp().ln_1p()
    }

    #[inline]
    fn slope(z: f64, y: f64) -> f64 {
        let (pos, neg) = sigmoid_pair(z);
        (1.0 - y) * pos - y * neg
    }

    #[inline]
    fn curvature(z: f64, _y: f64) -> f64 {
        let (pos, neg) = sigmoid_pair(z);
        pos * neg
    }
}

linear_model!(Logistic);
