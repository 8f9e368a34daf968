//! Gaussian input noise on linear least squares is ridge regression.
//!
//! For the sample loss `l(x; a, y) = (a . x - y)^2 / 2` and the input
//! perturbed as `a -> a + sigma z`, `z ~ N(0, I_p)`,
//!
//! ```text
//! E_z l(x; a + sigma z, y) = (a . x - y)^2 / 2 + sigma^2 |x|^2 / 2
//! ```
//!
//! exactly (the cross term has mean zero and `E (z . x)^2 = |x|^2`), so the
//! expected empirical loss over `n` samples is the ridge objective with
//! `lambda = sigma^2`,
//!
//! ```text
//! R(x) = (1 / 2n) |A x - y|^2 + (sigma^2 / 2) |x|^2,
//! ```
//!
//! whose unique minimiser (for `sigma > 0`, or `A` of full column rank) is
//! `x = (A^T A / n + sigma^2 I)^{-1} A^T y / n`. The per-sample gradient at
//! the perturbed input, `(a~ . x - y) a~`, is moreover an unbiased estimate
//! of `grad R`, so SGD with input noise is SGD on the ridge objective.
//! Bishop, "Training with noise is equivalent to Tikhonov regularization",
//! Neural Computation 7(1), 108-116 (1995), shows the equivalence to
//! second order in `sigma` for general models; for a linear model the
//! expansion terminates and it is exact. Derivation:
//! `proofs/input_noise_ridge.md`.
//!
//! `inputs` is the `n x p` design matrix `A`, row-major (sample `i` is
//! `inputs[i * p .. (i + 1) * p]`), `targets` is `y`.

use nalgebra::{DMatrix, DVector};

use crate::error::ensure_non_negative;
use crate::error::{ensure_dim, Error, Result};

/// Relative size (per dimension) below which a squared Cholesky pivot is
/// rounding error: a few hundred ulps of the largest diagonal entry.
const PIVOT_TOL: f64 = 1e-13;

/// Checks the shapes and finiteness of a data set.
fn check_data(inputs: &[f64], targets: &[f64], n: usize, p: usize) -> Result<()> {
    if n == 0 || p == 0 {
        return Err(Error::DimensionMismatch {
            context: "data set (n samples x p features, both at least 1)",
            expected: 1,
            got: 0,
        });
    }
    ensure_dim("inputs (n * p values, row-major)", n * p, inputs.len())?;
    ensure_dim("targets (one per sample)", n, targets.len())?;
    if let Some(bad) = inputs.iter().chain(targets).find(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "data value",
            value: *bad,
        });
    }
    Ok(())
}

/// `E l(x; a + sigma z, y) = (a . x - y)^2 / 2 + sigma^2 |x|^2 / 2` for one
/// sample `(a, y)` at parameters `x` (`a` and `x` of equal length,
/// `sigma >= 0`).
///
/// See `proofs/input_noise_ridge.md`.
pub fn expected_sample_loss(a: &[f64], y: f64, x: &[f64], sigma: f64) -> Result<f64> {
    ensure_non_negative("sigma", sigma)?;
    ensure_dim("parameters x (one per input feature)", a.len(), x.len())?;
    let r: f64 = a.iter().zip(x).map(|(a, x)| a * x).sum::<f64>() - y;
    let x2: f64 = x.iter().map(|v| v * v).sum();
    Ok(0.5 * r * r + 0.5 * sigma * sigma * x2)
}

/// The expected empirical loss under input noise: the ridge objective
/// `|A x - y|^2 / (2n) + sigma^2 |x|^2 / 2`.
///
/// See `proofs/input_noise_ridge.md`.
pub fn expected_empirical_loss(
    inputs: &[f64],
    targets: &[f64],
    n: usize,
    p: usize,
    sigma: f64,
    x: &[f64],
) -> Result<f64> {
    check_data(inputs, targets, n, p)?;
    let mut total = 0.0;
    for (a, &y) in inputs.chunks_exact(p).zip(targets) {
        total += expected_sample_loss(a, y, x, sigma)?;
    }
    Ok(total / n as f64)
}

/// The minimiser `(A^T A / n + sigma^2 I)^{-1} A^T y / n` of the expected
/// empirical loss (Cholesky solve). Fails with
/// [`Error::NotPositiveDefinite`] when `sigma = 0` and `A` is rank
/// deficient (the minimiser is then not unique).
///
/// See `proofs/input_noise_ridge.md`.
pub fn ridge_minimizer(
    inputs: &[f64],
    targets: &[f64],
    n: usize,
    p: usize,
    sigma: f64,
) -> Result<Vec<f64>> {
    ensure_non_negative("sigma", sigma)?;
    check_data(inputs, targets, n, p)?;
    // nalgebra is column-major: the row-major n x p matrix is A^T as p x n.
    let a_t = DMatrix::from_column_slice(p, n, inputs);
    let y = DVector::from_column_slice(targets);
    let inv_n = 1.0 / n as f64;
    let gram = (&a_t * a_t.transpose()) * inv_n + DMatrix::identity(p, p) * (sigma * sigma);
    let rhs = (&a_t * y) * inv_n;
    let singular = Error::NotPositiveDefinite {
        name: "A^T A / n + sigma^2 I",
    };
    let scale = gram.diagonal().max();
    let chol = gram.cholesky().ok_or_else(|| singular.clone())?;
    // A rank-deficient Gram matrix can pass the factorisation with a pivot
    // made of rounding error; reject pivots below the rounding level.
    let smallest_pivot = chol.l_dirty().diagonal().map(|d| d * d).min();
    if smallest_pivot <= PIVOT_TOL * p as f64 * scale {
        return Err(singular);
    }
    Ok(chol.solve(&rhs).iter().copied().collect())
}
