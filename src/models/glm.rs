//! The mathematics shared by the linear-predictor models.
//!
//! Sample `i` has input `a_i in R^p`, target `y_i` and linear predictor
//! `z_i = a_i . x`; its loss is a scalar loss `phi` of `(z_i, y_i)` plus a
//! ridge penalty:
//!
//! ```text
//! l_i(x)      = phi(z_i, y_i) + lambda |x|^2 / 2,
//! grad l_i(x) = phi'(z_i, y_i) a_i + lambda x,
//! H_i(x)      = phi''(z_i, y_i) a_i a_i^T + lambda I,
//! ```
//!
//! (chain rule; `'` is `d/dz`), and the objective is the average over the
//! `n` samples: `L = (1/n) sum_i l_i`, `H = A^T diag(phi'') A / n + lambda I`
//! with `A` the `n x p` input matrix. A model supplies `phi`, `phi'` and
//! `phi''` through [`Link`]; every function here allocates nothing.

use nalgebra::DMatrix;

use crate::data::Dataset;
use crate::error::{ensure_finite, Error, Result};

/// The scalar loss `phi(z, y)` of a linear-predictor model and its first two
/// derivatives in `z`.
pub(crate) trait Link {
    /// The model's name, as in its spec.
    const NAME: &'static str;
    /// `phi(z, y)`.
    fn loss(z: f64, y: f64) -> f64;
    /// `phi'(z, y) = d phi / dz`.
    fn slope(z: f64, y: f64) -> f64;
    /// `phi''(z, y) = d^2 phi / dz^2`.
    fn curvature(z: f64, y: f64) -> f64;
}

/// Rejects a ridge coefficient that is negative or not finite.
pub(crate) fn check_ridge(ridge: f64) -> Result<f64> {
    ensure_finite("ridge", ridge)?;
    if ridge < 0.0 {
        return Err(Error::OutOfRange {
            name: "ridge",
            value: ridge,
            expected: "ridge >= 0",
        });
    }
    Ok(ridge)
}

/// `a . x`.
#[inline]
pub(crate) fn dot(a: &[f64], x: &[f64]) -> f64 {
    a.iter().zip(x).map(|(u, v)| u * v).sum()
}

/// `L(x) = (1/n) sum_i phi(a_i . x, y_i) + lambda |x|^2 / 2`.
pub(crate) fn value<M: Link>(data: &Dataset, ridge: f64, x: &[f64]) -> f64 {
    let sum: f64 = data.samples().map(|(a, y)| M::loss(dot(a, x), y)).sum();
    sum / data.n() as f64 + 0.5 * ridge * dot(x, x)
}

/// `grad L(x) = (1/n) sum_i phi'(a_i . x, y_i) a_i + lambda x`.
pub(crate) fn gradient<M: Link>(data: &Dataset, ridge: f64, x: &[f64], grad: &mut [f64]) {
    grad.fill(0.0);
    for (a, y) in data.samples() {
        let c = M::slope(dot(a, x), y);
        for (g, aj) in grad.iter_mut().zip(a) {
            *g += c * aj;
        }
    }
    let inv_n = 1.0 / data.n() as f64;
    for (g, xj) in grad.iter_mut().zip(x) {
        *g = *g * inv_n + ridge * xj;
    }
}

/// `H(x) = (1/n) sum_i phi''(a_i . x, y_i) a_i a_i^T + lambda I`, written into
/// `hess` (`p x p`); the lower triangle is accumulated and mirrored, so `hess`
/// is exactly symmetric.
pub(crate) fn hessian<M: Link>(data: &Dataset, ridge: f64, x: &[f64], hess: &mut DMatrix<f64>) {
    let p = data.p();
    hess.fill(0.0);
    for (a, y) in data.samples() {
        let d = M::curvature(dot(a, x), y);
        for (k, ak) in a.iter().enumerate() {
            let c = d * ak;
            for (j, aj) in a.iter().enumerate().skip(k) {
                hess[(j, k)] += c * aj;
            }
        }
    }
    let inv_n = 1.0 / data.n() as f64;
    for k in 0..p {
        hess[(k, k)] = hess[(k, k)] * inv_n + ridge;
        for j in k + 1..p {
            let h = hess[(j, k)] * inv_n;
            hess[(j, k)] = h;
            hess[(k, j)] = h;
        }
    }
}

/// `H(x) v = (1/n) sum_i phi''(a_i . x, y_i) (a_i . v) a_i + lambda v`, in
/// `O(n p)` without forming `H`.
pub(crate) fn hessian_vector<M: Link>(
    data: &Dataset,
    ridge: f64,
    x: &[f64],
    v: &[f64],
    out: &mut [f64],
) {
    out.fill(0.0);
    for (a, y) in data.samples() {
        let w = M::curvature(dot(a, x), y) * dot(a, v);
        for (o, aj) in out.iter_mut().zip(a) {
            *o += w * aj;
        }
    }
    let inv_n = 1.0 / data.n() as f64;
    for (o, vj) in out.iter_mut().zip(v) {
        *o = *o * inv_n + ridge * vj;
    }
}

/// `l(x; a, y) = phi(a . x, y) + lambda |x|^2 / 2`.
#[inline]
pub(crate) fn value_at<M: Link>(ridge: f64, x: &[f64], a: &[f64], y: f64) -> f64 {
    M::loss(dot(a, x), y) + 0.5 * ridge * dot(x, x)
}

/// `grad_x l(x; a, y) = phi'(a . x, y) a + lambda x`.
#[inline]
pub(crate) fn gradient_at<M: Link>(ridge: f64, x: &[f64], a: &[f64], y: f64, grad: &mut [f64]) {
    let c = M::slope(dot(a, x), y);
    for ((g, aj), xj) in grad.iter_mut().zip(a).zip(x) {
        *g = c * aj + ridge * xj;
    }
}
