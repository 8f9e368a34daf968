//! Stationary covariances of linear dynamics: the continuous and discrete
//! Lyapunov equations.
//!
//! - Ornstein-Uhlenbeck `dX = -A X dt + G dW`: the stationary covariance `S`
//!   solves `A S + S A^T = Q`, `Q = G G^T`, and exists iff every eigenvalue
//!   of `A` has positive real part; then `S = int_0^inf e^{-At} Q e^{-A^T t} dt`
//!   (Gardiner, *Handbook of Stochastic Methods*, 3rd ed. 2004, Section 4.4.6;
//!   derivation in `proofs/gibbs_and_ou.md`).
//! - Linear recursions `X_{k+1} = M X_k + xi_k`, `Cov xi = Q` (noisy gradient
//!   descent on a quadratic: `M = I - lr H`): `S = M S M^T + Q`, solvable iff
//!   the spectral radius of `M` is below 1; then `S = sum_k M^k Q (M^T)^k`.
//!
//! Both are solved as the `n^2 x n^2` linear system of their vectorisation
//! (`vec(A S B) = (B^T kron A) vec S`, column-major): `(I kron A + A kron I) vec S = vec Q`
//! and `(I - M kron M) vec S = vec Q`, by LU with partial pivoting. Cost
//! `O(n^6)` time and `O(n^4)` memory, so the size is capped at
//! [`MAX_LYAPUNOV_DIM`] (`n = 30`: a 900 x 900 system, about 0.5 GFLOP);
//! a Bartels-Stewart solver would be `O(n^3)` but these are for the small
//! theory problems of the workbench.

use nalgebra::DMatrix;

use crate::error::{Error, Result};

/// The largest dimension the Kronecker solvers accept.
pub const MAX_LYAPUNOV_DIM: usize = 30;

/// Relative tolerance for the symmetry of `Q`.
const SYMMETRY_TOL: f64 = 1e-12;

/// Checks that `m` is square, finite, of the same size as `n`, and small enough.
fn check_square(name: &'static str, m: &DMatrix<f64>, n: usize) -> Result<()> {
    if m.nrows() != n || m.ncols() != n {
        return Err(Error::DimensionMismatch {
            context: name,
            expected: n,
            got: if m.nrows() == n { m.ncols() } else { m.nrows() },
        });
    }
    if n == 0 || n > MAX_LYAPUNOV_DIM {
        return Err(Error::OutOfRange {
            name,
            value: n as f64,
            expected: "dimension 1 to 30 (the Kronecker solve costs O(n^6))",
        });
    }
    if let Some(bad) = m.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite { name, value: *bad });
    }
    Ok(())
}

/// Checks that `q` is square of size `n`, finite and symmetric.
fn check_symmetric(q: &DMatrix<f64>, n: usize) -> Result<()> {
    check_square("Q", q, n)?;
    let scale = q.amax().max(f64::MIN_POSITIVE);
    if (q - q.transpose()).amax() > SYMMETRY_TOL * scale {
        return Err(Error::Unsupported("Q must be symmetric".to_string()));
    }
    Ok(())
}

/// Solves `K vec S = vec Q` and reshapes, symmetrising the result.
fn solve_vectorised(k: DMatrix<f64>, q: &DMatrix<f64>, what: &str) -> Result<DMatrix<f64>> {
    let n = q.nrows();
    let rhs = nalgebra::DVector::from_column_slice(q.as_slice());
    let sol = k
        .lu()
        .solve(&rhs)
        .ok_or_else(|| Error::Unsupported(format!("the {what} Lyapunov system is singular")))?;
    let s = DMatrix::from_column_slice(n, n, sol.as_slice());
    Ok((&s + s.transpose()) * 0.5)
}

/// `S` with `A S + S A^T = Q`: the stationary covariance of
/// `dX = -A X dt + G dW` when `Q = G G^T`.
///
/// Rejects `A` with an eigenvalue of non-positive real part (no stationary
/// law), non-symmetric `Q`, mismatched sizes, and `n > 30`.
/// See `proofs/gibbs_and_ou.md`.
pub fn solve_continuous_lyapunov(a: &DMatrix<f64>, q: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let n = a.nrows();
    check_square("A", a, n)?;
    check_symmetric(q, n)?;
    let min_re = a
        .complex_eigenvalues()
        .iter()
        .map(|l| l.re)
        .fold(f64::INFINITY, f64::min);
    if min_re <= 0.0 {
        return Err(Error::OutOfRange {
            name: "smallest real part of the eigenvalues of A",
            value: min_re,
            expected: "positive (dX = -A X dt + G dW has no stationary law otherwise)",
        });
    }
    let id = DMatrix::<f64>::identity(n, n);
    let k = id.kronecker(a) + a.kronecker(&id);
    solve_vectorised(k, q, "continuous")
}

/// The stationary covariance of `dX = -A X dt + G dW`:
/// [`solve_continuous_lyapunov`] with `Q = G G^T` (`G` is `n x k`).
///
/// See `proofs/gibbs_and_ou.md`.
pub fn ou_stationary_covariance(a: &DMatrix<f64>, g: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    if g.nrows() != a.nrows() {
        return Err(Error::DimensionMismatch {
            context: "G (rows must match A)",
            expected: a.nrows(),
            got: g.nrows(),
        });
    }
    solve_continuous_lyapunov(a, &(g * g.transpose()))
}

/// `S` with `S = M S M^T + Q`: the stationary covariance of
/// `X_{k+1} = M X_k + xi_k`, `Cov xi_k = Q`.
///
/// Rejects `M` with spectral radius `>= 1` (no stationary law),
/// non-symmetric `Q`, mismatched sizes, and `n > 30`.
/// See `proofs/gibbs_and_ou.md`.
pub fn solve_discrete_lyapunov(m: &DMatrix<f64>, q: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let n = m.nrows();
    check_square("M", m, n)?;
    check_symmetric(q, n)?;
    let radius = m
        .complex_eigenvalues()
        .iter()
        .map(|l| l.norm())
        .fold(0.0, f64::max);
    if radius >= 1.0 {
        return Err(Error::OutOfRange {
            name: "spectral radius of M",
            value: radius,
            expected: "below 1 (the recursion has no stationary law otherwise)",
        });
    }
    let k = DMatrix::<f64>::identity(n * n, n * n) - m.kronecker(m);
    solve_vectorised(k, q, "discrete")
}
