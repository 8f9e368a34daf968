//! Gaussian laws and the closed-form distances between them: the
//! 2-Wasserstein distance and the Kullback-Leibler divergence.
//!
//! A posterior sampler is checked by comparing the Gaussian of its sample
//! mean and covariance ([`Gaussian::from_moments`], from
//! [`crate::measure::moments::Moments`]) with the exact posterior (Gaussian targets,
//! Bayesian linear regression) or a Laplace reference.

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{ensure_dim, ensure_finite, Error, Result};
use crate::measure::moments::Moments;
use crate::rng::Rng;

/// Relative asymmetry `|c_ij - c_ji| <= SYMMETRY max|c|` tolerated in a
/// covariance (then symmetrised): about `sqrt(eps)`, loose enough for a
/// streamed sample covariance, whose Welford update is symmetric only up to
/// rounding accumulated over many vectors.
const SYMMETRY: f64 = 1.5e-8;

/// A Gaussian law `N(m, Sigma)` with `Sigma` symmetric positive definite,
/// stored with its lower Cholesky factor `L` (`Sigma = L L^T`).
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    mean: DVector<f64>,
    cov: DMatrix<f64>,
    factor: DMatrix<f64>,
}

impl Gaussian {
    /// `N(mean, cov)`.
    ///
    /// Rejects an empty or non-square `cov`, a `mean` of another length,
    /// non-finite entries, and a `cov` that is not symmetric (within
    /// `1.5e-8 max|c_ij|`, then symmetrised exactly) or not positive
    /// definite (Cholesky fails).
    pub fn new(mean: DVector<f64>, cov: DMatrix<f64>) -> Result<Self> {
        let d = mean.len();
        if d == 0 {
            return Err(Error::OutOfRange {
                name: "dimension",
                value: 0.0,
                expected: "at least 1",
            });
        }
        ensure_dim("gaussian: covariance rows vs mean", d, cov.nrows())?;
        ensure_dim("gaussian: covariance columns vs mean", d, cov.ncols())?;
        for &v in mean.iter() {
            ensure_finite("mean", v)?;
        }
        for &v in cov.iter() {
            ensure_finite("covariance", v)?;
        }
        let scale = cov.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for i in 0..d {
            for j in 0..i {
                if (cov[(i, j)] - cov[(j, i)]).abs() > SYMMETRY * scale {
                    return Err(Error::NotPositiveDefinite { name: "covariance" });
                }
            }
        }
        let cov = (&cov + cov.transpose()) * 0.5;
        let factor = cov
            .clone()
            .cholesky()
            .ok_or(Error::NotPositiveDefinite { name: "covariance" })?
            .l();
        Ok(Self { mean, cov, factor })
    }

    /// The Gaussian with the sample mean and unbiased sample covariance of
    /// a stream.
    ///
    /// Errors: fewer than two vectors or a dimension above
    /// [`crate::measure::moments::MAX_COVARIANCE_DIM`] (no full covariance,
    /// [`Error::Unsupported`]), or a singular sample covariance.
    pub fn from_moments(moments: &Moments) -> Result<Self> {
        let cov = moments.covariance().ok_or_else(|| {
            Error::Unsupported(format!(
                "a Gaussian from moments needs a full covariance: {} vectors of dimension {}",
                moments.count(),
                moments.mean().len()
            ))
        })?;
        Self::new(moments.mean().clone(), cov)
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The mean `m`.
    pub fn mean(&self) -> &DVector<f64> {
        &self.mean
    }

    /// The covariance `Sigma` (exactly symmetric).
    pub fn covariance(&self) -> &DMatrix<f64> {
        &self.cov
    }

    /// The lower Cholesky factor `L`, `Sigma = L L^T`.
    pub fn cholesky_factor(&self) -> &DMatrix<f64> {
        &self.factor
    }

    /// Writes one draw `m + L z`, `z ~ N(0, I)` from `rng`, into `out`.
    ///
    /// # Panics
    /// If `out.len() != d` (a programmer bug).
    pub fn sample(&self, rng: &mut Rng, out: &mut [f64]) {
        assert_eq!(out.len(), self.dim(), "Gaussian::sample: wrong dimension");
        out.copy_from_slice(self.mean.as_slice());
        for j in 0..self.dim() {
            let z: f64 = StandardNormal.sample(rng);
            for (i, o) in out.iter_mut().enumerate().skip(j) {
                *o += self.factor[(i, j)] * z;
            }
        }
    }

    /// `n` draws, row-major (`n x d`), from `rng`.
    pub fn samples(&self, n: usize, rng: &mut Rng) -> Vec<f64> {
        let d = self.dim();
        let mut out = vec![0.0; n * d];
        out.chunks_exact_mut(d)
            .for_each(|row| self.sample(rng, row));
        out
    }
}

/// `S^{1/2}` of a symmetric positive semi-definite `S` by its eigen
/// decomposition (eigenvalues below zero by rounding are set to zero).
fn sqrtm(s: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = SymmetricEigen::new(s.clone());
    let root = eig.eigenvalues.map(|l| l.max(0.0).sqrt());
    &eig.eigenvectors * DMatrix::from_diagonal(&root) * eig.eigenvectors.transpose()
}

/// The 2-Wasserstein distance between two Gaussians,
///
/// ```text
/// W2^2 = |m_p - m_q|^2 + tr(S_p + S_q - 2 (S_q^{1/2} S_p S_q^{1/2})^{1/2})
/// ```
///
/// (Dowson and Landau, "The Frechet distance between multivariate normal
/// distributions", J. Multivariate Anal. 12, 1982; Givens and Shortt, "A
/// class of Wasserstein metrics for probability distributions", Michigan
/// Math. J. 31, 1984). Matrix square roots by symmetric
/// eigendecomposition; `W2^2` is clamped at zero against rounding, so equal
/// laws give a distance at rounding level (about `sqrt(eps tr S)`).
///
/// Errors: the dimensions differ.
pub fn wasserstein2(p: &Gaussian, q: &Gaussian) -> Result<f64> {
    ensure_dim("wasserstein2: dimensions", p.dim(), q.dim())?;
    let root_q = sqrtm(&q.cov);
    let inner = &root_q * &p.cov * &root_q;
    let inner = (&inner + inner.transpose()) * 0.5;
    let cross: f64 = SymmetricEigen::new(inner)
        .eigenvalues
        .iter()
        .map(|l| l.max(0.0).sqrt())
        .sum();
    let shift = (&p.mean - &q.mean).norm_squared();
    Ok((shift + p.cov.trace() + q.cov.trace() - 2.0 * cross)
        .max(0.0)
        .sqrt())
}

/// The Kullback-Leibler divergence `KL(p || q)` between two Gaussians,
///
/// ```text
/// KL = ( tr(S_q^{-1} S_p) + (m_q - m_p)^T S_q^{-1} (m_q - m_p) - d
///        + log det S_q - log det S_p ) / 2
/// ```
///
/// (Rasmussen and Williams, "Gaussian Processes for Machine Learning",
/// 2006, Appendix A.5; Kullback, "Information Theory and Statistics",
/// 1959), through the Cholesky factors: `tr(S_q^{-1} S_p) = |L_q^{-1}
/// L_p|_F^2`, the quadratic form `|L_q^{-1} (m_q - m_p)|^2` and
/// `log det S = 2 sum_i log L_ii`. Non-negative and zero exactly for equal
/// laws (Gibbs' inequality); clamped at zero against rounding.
///
/// Errors: the dimensions differ.
pub fn kl_divergence(p: &Gaussian, q: &Gaussian) -> Result<f64> {
    ensure_dim("kl_divergence: dimensions", p.dim(), q.dim())?;
    let lq = &q.factor;
    let solve = |b: &DMatrix<f64>| {
        lq.solve_lower_triangular(b)
            .expect("a Cholesky factor has a positive diagonal")
    };
    let trace = solve(&p.factor).norm_squared();
    let diff = DMatrix::from_column_slice(p.dim(), 1, (&q.mean - &p.mean).as_slice());
    let quad = solve(&diff).norm_squared();
    let log_det = |l: &DMatrix<f64>| 2.0 * l.diagonal().iter().map(|v| v.ln()).sum::<f64>();
    let d = p.dim() as f64;
    Ok((0.5 * (trace + quad - d + log_det(lq) - log_det(&p.factor))).max(0.0))
}
