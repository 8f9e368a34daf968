//! Input checks shared by the optimizer predictions: non-negative scalars
//! and the validated spectrum of a symmetric matrix.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// Relative tolerance for symmetry, and for eigenvalues that must be `>= 0`
/// (a computed eigenvalue of an exactly singular PSD matrix is `O(eps ||H||)`).
const REL_TOL: f64 = 1e-12;

/// The eigen-decomposition `H = V diag(values) V^T` of a symmetric matrix.
#[derive(Debug, Clone)]
pub(crate) struct Spectrum {
    /// Eigenvalues, in nalgebra's order (matching the columns of `vectors`).
    pub values: DVector<f64>,
    /// Orthonormal eigenvectors, one per column.
    pub vectors: DMatrix<f64>,
}

impl Spectrum {
    /// The largest eigenvalue.
    pub fn max(&self) -> f64 {
        self.values.max()
    }

    /// The smallest eigenvalue.
    pub fn min(&self) -> f64 {
        self.values.min()
    }

    /// `V diag(f(lambda_i)) V^T`.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> DMatrix<f64> {
        let scaled = DMatrix::from_fn(self.vectors.nrows(), self.vectors.ncols(), |i, j| {
            self.vectors[(i, j)] * f(self.values[j])
        });
        &scaled * self.vectors.transpose()
    }
}

/// The spectrum of `h`, after checking that it is non-empty, square, finite
/// and symmetric (to a relative `1e-12`). `name` names it in errors.
pub(crate) fn symmetric_spectrum(name: &'static str, h: &DMatrix<f64>) -> Result<Spectrum> {
    let n = h.nrows();
    if n == 0 || h.ncols() != n {
        return Err(Error::DimensionMismatch {
            context: name,
            expected: n.max(1),
            got: h.ncols(),
        });
    }
    if let Some(bad) = h.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite { name, value: *bad });
    }
    let scale = h.amax().max(f64::MIN_POSITIVE);
    if (h - h.transpose()).amax() > REL_TOL * scale {
        return Err(Error::Unsupported(format!("{name} must be symmetric")));
    }
    let eigen = h.clone().symmetric_eigen();
    Ok(Spectrum {
        values: eigen.eigenvalues,
        vectors: eigen.eigenvectors,
    })
}

/// Rejects a spectrum with an eigenvalue below `-1e-12 max|lambda|`, and
/// clamps the tiny negative ones (rounding of a singular PSD matrix) to 0.
pub(crate) fn require_psd(name: &'static str, spectrum: &mut Spectrum) -> Result<()> {
    let scale = spectrum.values.amax().max(f64::MIN_POSITIVE);
    if spectrum.min() < -REL_TOL * scale {
        return Err(Error::OutOfRange {
            name,
            value: spectrum.min(),
            expected: "positive semi-definite (the value is its smallest eigenvalue)",
        });
    }
    spectrum.values.iter_mut().for_each(|l| *l = l.max(0.0));
    Ok(())
}
