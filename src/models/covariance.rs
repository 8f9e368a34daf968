//! The exact covariance of one uniformly drawn per-sample gradient.

use nalgebra::DMatrix;

use crate::landscape::FiniteSum;

/// `C(x) = (1/n) sum_i (g_i - g)(g_i - g)^T`, where `g_i = grad l_i(x)` and
/// `g = (1/n) sum_i g_i = grad L(x)`.
///
/// This is the covariance of `grad l_I(x)` for an index `I` uniform on the
/// `n` samples, so a minibatch gradient of `B` indices drawn with
/// replacement has mean `grad L(x)` and covariance `C(x) / B` exactly (the
/// gradient noise of SGD; without replacement it is `C(x) / B` times the
/// finite-population factor `(n - B) / (n - 1)`). It is the matrix the SGD
/// noise theory of `crate::theory` is checked against.
///
/// Two passes (mean, then centred products) for accuracy; `O(n p^2)` time,
/// allocates the result and two vectors of length `p`. A penalty shared by all
/// samples (the ridge term) cancels in `g_i - g`.
pub fn gradient_covariance<F: FiniteSum + ?Sized>(model: &F, x: &[f64]) -> DMatrix<f64> {
    let (n, p) = (model.samples(), model.dim());
    let mut mean = vec![0.0; p];
    let mut g = vec![0.0; p];
    for i in 0..n {
        model.sample_gradient(x, i, &mut g);
        for (m, gj) in mean.iter_mut().zip(&g) {
            *m += gj;
        }
    }
    let inv_n = 1.0 / n as f64;
    mean.iter_mut().for_each(|m| *m *= inv_n);
    let mut cov = DMatrix::zeros(p, p);
    for i in 0..n {
        model.sample_gradient(x, i, &mut g);
        for (gj, m) in g.iter_mut().zip(&mean) {
            *gj -= m;
        }
        for k in 0..p {
            for j in k..p {
                cov[(j, k)] += g[j] * g[k];
            }
        }
    }
    for k in 0..p {
        for j in k..p {
            let c = cov[(j, k)] * inv_n;
            cov[(j, k)] = c;
            cov[(k, j)] = c;
        }
    }
    cov
}
