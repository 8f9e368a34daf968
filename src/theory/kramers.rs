//! The Eyring-Kramers law: mean transition time over an index-1 saddle.
//!
//! For overdamped Langevin dynamics `dX = -grad V(X) dt + sqrt(2 eps) dW` in
//! `R^n`, started at (near) the minimum `m`, with `s` the lowest index-1
//! saddle towards another minimum, as `eps -> 0`
//!
//! ```text
//! E tau ~ (2 pi / |lambda_-(s)|) sqrt(|det H(s)| / det H(m)) exp((V(s) - V(m)) / eps),
//! ```
//!
//! `lambda_-(s)` the negative eigenvalue of the Hessian `H(s)`, and `tau` the
//! hitting time of a small ball around the other minimum (Bovier, Eckhoff,
//! Gayrard and Klein, "Metastability in reversible diffusion processes I",
//! J. Eur. Math. Soc. 6, 2004, with relative error `O(eps^(1/2) |ln eps|)`;
//! reviewed in Berglund, "Kramers' law: validity, derivations and
//! generalisations", Markov Process. Related Fields 19, 2013, Section 1
//! and Section 3.3). The mean time to reach the saddle (in 1-D the barrier
//! top, in n-D the separating surface through it) is half of it: from the
//! saddle the path falls to either side with probability `1/2`. Derivation,
//! the 1-D check by Laplace's method, and the first corrections for the
//! double well: `proofs/kramers.md`.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{ensure_positive, Error, Result};
use crate::landscape::Landscape;

/// Which first-passage time the law predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TransitionTarget {
    /// Reaching (a neighbourhood of) the minimum on the other side of the saddle.
    OtherMinimum,
    /// Reaching the saddle (its separating surface): half the time of
    /// [`TransitionTarget::OtherMinimum`].
    Saddle,
}

impl TransitionTarget {
    /// The factor multiplying the time to the other minimum.
    fn factor(self) -> f64 {
        match self {
            Self::OtherMinimum => 1.0,
            Self::Saddle => 0.5,
        }
    }
}

/// The eps-independent data of the Eyring-Kramers law for one (minimum,
/// saddle) pair: the barrier `V(s) - V(m)` and the prefactor.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EyringKramers {
    barrier: f64,
    /// `ln[(2 pi / |lambda_-|) sqrt(|det H(s)| / det H(m))]`.
    ln_prefactor: f64,
}

/// Relative tolerance for symmetry of a Hessian and for calling an eigenvalue zero.
const REL_TOL: f64 = 1e-10;

/// Eigenvalues of a symmetric, finite, square matrix named `name`, of size `n`.
fn symmetric_eigenvalues(name: &'static str, h: &DMatrix<f64>, n: usize) -> Result<Vec<f64>> {
    if h.nrows() != n || h.ncols() != n {
        return Err(Error::DimensionMismatch {
            context: name,
            expected: n,
            got: if h.nrows() == n { h.ncols() } else { h.nrows() },
        });
    }
    if let Some(bad) = h.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite { name, value: *bad });
    }
    let scale = h.amax().max(f64::MIN_POSITIVE);
    if (h - h.transpose()).amax() > REL_TOL * scale {
        return Err(Error::Unsupported(format!("{name} is not symmetric")));
    }
    let sym = (h + h.transpose()) * 0.5;
    Ok(SymmetricEigen::new(sym)
        .eigenvalues
        .iter()
        .copied()
        .collect())
}

impl EyringKramers {
    /// From the values and Hessians at the minimum and at the saddle.
    ///
    /// Rejects non-square, non-symmetric or mismatched Hessians, a Hessian
    /// at the minimum that is not positive definite, a saddle Hessian without
    /// exactly one negative eigenvalue or with a (relatively) zero one, and a
    /// barrier `V(s) - V(m) <= 0`. See `proofs/kramers.md`.
    pub fn new(
        v_min: f64,
        hess_min: &DMatrix<f64>,
        v_saddle: f64,
        hess_saddle: &DMatrix<f64>,
    ) -> Result<Self> {
        let n = hess_min.nrows();
        if n == 0 {
            return Err(Error::DimensionMismatch {
                context: "Hessian at the minimum",
                expected: 1,
                got: 0,
            });
        }
        let barrier = ensure_positive("barrier V(saddle) - V(minimum)", v_saddle - v_min)?;
        let at_min = symmetric_eigenvalues("Hessian at the minimum", hess_min, n)?;
        let at_saddle = symmetric_eigenvalues("Hessian at the saddle", hess_saddle, n)?;
        if at_min.iter().any(|&l| l <= REL_TOL * hess_min.amax()) {
            return Err(Error::NotPositiveDefinite {
                name: "Hessian at the minimum",
            });
        }
        let saddle_scale = hess_saddle.amax();
        if at_saddle.iter().any(|l| l.abs() <= REL_TOL * saddle_scale) {
            return Err(Error::Unsupported(
                "the Hessian at the saddle is singular: the Eyring-Kramers prefactor needs a non-degenerate saddle".to_string(),
            ));
        }
        let negative = at_saddle.iter().filter(|&&l| l < 0.0).count();
        if negative != 1 {
            return Err(Error::OutOfRange {
                name: "number of negative Hessian eigenvalues at the saddle",
                value: negative as f64,
                expected: "exactly 1 (an index-1 saddle)",
            });
        }
        let lambda_minus = at_saddle.iter().copied().fold(f64::INFINITY, f64::min);
        let ln_det_saddle: f64 = at_saddle.iter().map(|l| l.abs().ln()).sum();
        let ln_det_min: f64 = at_min.iter().map(|l| l.ln()).sum();
        let ln_prefactor = (2.0 * std::f64::consts::PI).ln() - lambda_minus.abs().ln()
            + 0.5 * (ln_det_saddle - ln_det_min);
        Ok(Self {
            barrier,
            ln_prefactor,
        })
    }

    /// From a landscape's `minimum`-th minimum and `saddle`-th saddle (indices
    /// into [`Landscape::minima`] and [`Landscape::saddles`]).
    ///
    /// See `proofs/kramers.md`.
    pub fn from_landscape<L: Landscape + ?Sized>(
        landscape: &L,
        minimum: usize,
        saddle: usize,
    ) -> Result<Self> {
        let minima = landscape.minima();
        let saddles = landscape.saddles();
        let m = minima.get(minimum).ok_or(Error::OutOfRange {
            name: "minimum index",
            value: minimum as f64,
            expected: "an index into the landscape's minima",
        })?;
        let s = saddles.get(saddle).ok_or(Error::OutOfRange {
            name: "saddle index",
            value: saddle as f64,
            expected: "an index into the landscape's saddles",
        })?;
        let n = landscape.dim();
        let mut hm = DMatrix::zeros(n, n);
        let mut hs = DMatrix::zeros(n, n);
        landscape.hessian(m, &mut hm);
        landscape.hessian(s, &mut hs);
        Self::new(landscape.value(m), &hm, landscape.value(s), &hs)
    }

    /// The barrier `V(s) - V(m)`.
    pub fn barrier(&self) -> f64 {
        self.barrier
    }

    /// The prefactor: `(2 pi / |lambda_-|) sqrt(|det H(s)| / det H(m))`,
    /// halved for [`TransitionTarget::Saddle`].
    pub fn prefactor(&self, target: TransitionTarget) -> f64 {
        self.ln_prefactor.exp() * target.factor()
    }

    /// `ln E tau` at temperature `eps`: `ln prefactor + barrier / eps`.
    ///
    /// See `proofs/kramers.md`.
    pub fn log_mean_time(&self, eps: f64, target: TransitionTarget) -> Result<f64> {
        ensure_positive("eps", eps)?;
        Ok(self.ln_prefactor + target.factor().ln() + self.barrier / eps)
    }

    /// `E tau` at temperature `eps` (`+inf` beyond the range of `f64`; use
    /// [`EyringKramers::log_mean_time`] for tiny `eps`).
    ///
    /// See `proofs/kramers.md`.
    pub fn mean_time(&self, eps: f64, target: TransitionTarget) -> Result<f64> {
        Ok(self.log_mean_time(eps, target)?.exp())
    }
}

/// The Eyring-Kramers mean transition time from a landscape's
/// `minimum`-th minimum over its `saddle`-th saddle at temperature `eps`.
///
/// See `proofs/kramers.md` (Bovier, Eckhoff, Gayrard and Klein, J. Eur.
/// Math. Soc. 6, 2004; Berglund, Markov Process. Related Fields 19, 2013).
pub fn mean_transition_time<L: Landscape + ?Sized>(
    landscape: &L,
    minimum: usize,
    saddle: usize,
    eps: f64,
    target: TransitionTarget,
) -> Result<f64> {
    EyringKramers::from_landscape(landscape, minimum, saddle)?.mean_time(eps, target)
}
