//! The full Hessian spectrum by a dense symmetric eigensolver, for small
//! dimensions.
//!
//! Forms `H(x)` through [`Oracle::hessian`] and diagonalises it with
//! nalgebra's [`SymmetricEigen`] (Householder tridiagonalisation and
//! implicit symmetric QR; Golub and Van Loan, *Matrix Computations*, 4th ed.,
//! 2013, Section 8.3). The computed eigenvalues are exact for a matrix within
//! `O(eps ||H||)` of `H` (backward stability, ibid.), so they are
//! the reference the matrix-free estimators are tested against. Cost
//! `O(n^3)` time and `O(n^2)` memory: hence the cap [`EXACT_MAX_DIM`].
//!
//! # Requirements
//! A dense Hessian ([`crate::optim::Capabilities::hessian`]).

use nalgebra::{DMatrix, SymmetricEigen};

use super::{check_point, Measured};
use crate::error::{ensure_finite, Error, Result};
use crate::optim::{Counts, Oracle};

/// The largest dimension for which the dense spectrum is computed (a
/// `2048 x 2048` Hessian is 32 MiB and diagonalises in seconds; beyond that
/// use [`super::lanczos`] and [`super::slq`]).
pub const EXACT_MAX_DIM: usize = 2048;

/// The eigenvalues of the symmetric matrix `hess`, largest first.
///
/// Only the lower triangle is read (the eigensolver assumes symmetry).
/// Rejects a non-square or empty matrix and non-finite entries.
pub fn spectrum(hess: &DMatrix<f64>) -> Result<Vec<f64>> {
    let n = hess.nrows();
    if n == 0 {
        return Err(Error::OutOfRange {
            name: "Hessian dimension",
            value: 0.0,
            expected: "at least 1",
        });
    }
    crate::error::ensure_dim("exact spectrum: Hessian columns vs rows", n, hess.ncols())?;
    for &h in hess.iter() {
        ensure_finite("Hessian entry", h)?;
    }
    let mut values: Vec<f64> = SymmetricEigen::new(hess.clone())
        .eigenvalues
        .iter()
        .copied()
        .collect();
    values.sort_by(|a, b| b.total_cmp(a));
    Ok(values)
}

/// The eigenvalues of `H(x)`, largest first, with the one Hessian
/// evaluation it took.
///
/// Rejects a point that does not fit the oracle, a dimension above
/// [`EXACT_MAX_DIM`] and an oracle without a Hessian.
pub fn spectrum_at(oracle: &dyn Oracle, x: &[f64]) -> Result<Measured<Vec<f64>>> {
    check_point(oracle, x)?;
    let n = oracle.dim();
    if n > EXACT_MAX_DIM {
        return Err(Error::OutOfRange {
            name: "dimension for the exact Hessian spectrum",
            value: n as f64,
            expected: "at most 2048 (use Lanczos or SLQ beyond)",
        });
    }
    let mut hess = DMatrix::zeros(n, n);
    oracle.hessian(x, &mut hess)?;
    Ok(Measured {
        result: spectrum(&hess)?,
        evaluations: Counts {
            hessians: 1,
            ..Counts::default()
        },
    })
}
