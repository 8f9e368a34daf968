//! SGD-like anisotropic gradient noise: `u <- u + s_t zeta`,
//! `zeta ~ N(0, |H(x)| / B)`.
//!
//! Near a minimum the minibatch gradient covariance of a well-specified
//! model is close to the Hessian divided by the batch size (Zhu et al. 2019,
//! "The anisotropic noise in stochastic gradient descent", ICML; Xie, Sato,
//! Sugiyama 2021, ICLR, the model behind their SGD escape theorem). Placed before `sgd:lr`, the displacement
//! noise has covariance `lr^2 |H| / B = 2 lr D` with `D = (lr / 2B) |H|`,
//! the diffusion of [`crate::noise::SgdLike`]: the discrete process is the
//! Euler-Maruyama step of that SDE with `dt = lr`. `|H|` is the matrix
//! absolute value (eigenvalues replaced by their moduli), so the noise is
//! defined at saddles too. Costs one dense Hessian and one symmetric
//! eigendecomposition per step.
//!
//! # Requirements
//! The objective's Hessian.

use nalgebra::{DMatrix, DVector};

use super::oracle::Capabilities;
use super::transform::{standard_normals, Site, Step, Transform};
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// SGD-like noise for batch size `batch`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgdNoise {
    batch: f64,
}

impl SgdNoise {
    /// Batch size `batch > 0` (non-integer: an effective batch size).
    pub fn new(batch: f64) -> Result<Self> {
        Ok(Self {
            batch: ensure_positive("batch", batch)?,
        })
    }
}

impl Transform for SgdNoise {
    /// Draw buffer, not carried between steps.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn reads_intensity(&self) -> bool {
        true
    }

    fn needs(&self) -> Capabilities {
        Capabilities {
            hessian: true,
            ..Capabilities::default()
        }
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn update(&self, xi: &mut Vec<f64>, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        let n = update.len();
        let mut hess = DMatrix::zeros(n, n);
        step.eval.hessian(step.params, &mut hess)?;
        let eig = hess.symmetric_eigen();
        standard_normals(step.rng, xi);
        // zeta = V diag(sqrt(|lambda| / B)) V^T xi, which has covariance |H| / B.
        let v = &eig.eigenvectors;
        let coeffs = DVector::from_iterator(
            n,
            (0..n).map(|k| {
                let along: f64 = (0..n).map(|i| v[(i, k)] * xi[i]).sum();
                (eig.eigenvalues[k].abs() / self.batch).sqrt() * along
            }),
        );
        let zeta = v * coeffs;
        for (u, z) in update.iter_mut().zip(zeta.iter()) {
            *u += step.intensity * z;
        }
        Ok(())
    }
}
