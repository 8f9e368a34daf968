//! SGD-like state-dependent diffusion, proportional to the Hessian.

use std::cell::RefCell;

use nalgebra::{DMatrix, SymmetricEigen};

use super::{Diffusion, Structure};
use crate::error::{ensure_positive, Result};
use crate::landscape::Hessian;

thread_local! {
    /// Per-thread scratch for the Hessian, so a step allocates nothing once
    /// the scratch has the landscape's size (the `Hessian` trait writes into
    /// a caller-owned `DMatrix`, and `Diffusion` has no workspace).
    static HESSIAN: RefCell<DMatrix<f64>> = RefCell::new(DMatrix::zeros(0, 0));
}

/// The Hessian of `landscape` at `x`, lent to `f` from the thread's scratch.
fn with_hessian<L: Hessian, R>(landscape: &L, x: &[f64], f: impl FnOnce(&DMatrix<f64>) -> R) -> R {
    HESSIAN.with(|cell| {
        let mut h = cell.borrow_mut();
        let n = landscape.dim();
        if h.nrows() != n || h.ncols() != n {
            *h = DMatrix::zeros(n, n);
        }
        landscape.hessian(x, &mut h);
        f(&h)
    })
}

/// The SGD-like diffusion `D(x) = (lr / (2B)) |H(x)|`, `G = sqrt(2 D(x))`.
///
/// Near a critical point, the covariance of the minibatch gradient noise of
/// SGD with learning rate `lr` and batch size `B` is about `H / B`, and SGD
/// behaves like `dX = -grad V dt + sqrt(2 D) dW` with `D = (lr / (2B)) H`
/// (Xie, Sato and Sugiyama, ICLR 2021, "A diffusion theory for deep learning
/// dynamics: stochastic gradient descent exponentially favors flat minima",
/// the model behind their SGD escape theorem). At a saddle `H` has a
/// negative eigenvalue and `D` must stay positive semidefinite, so, as they
/// do there, `H` is replaced by its
/// matrix absolute value `|H| = V |Lambda| V^T` (eigenvalues by their
/// absolute values; `H = V Lambda V^T`). `G` is the symmetric square root
/// `G = sqrt(lr / B) V |Lambda|^(1/2) V^T`, so `G G^T = 2 D`, and
/// `variance_along(x, n) = 2 n^T D(x) n`.
///
/// # Where `D` vanishes
/// On a smooth landscape `D(x) = 0` wherever `H(x)` is singular. On the
/// 1-D double well the noise switches off at the inflection points
/// `x = +-1/sqrt(3)`, which lie between each minimum and the barrier top,
/// while the drift there still points back to the minimum: paths climbing
/// from a minimum lose their noise exactly where they need it, and the
/// barrier can become unreachable. The piecewise-quadratic valley landscape
/// has no such points (its curvature jumps from one nonzero constant to
/// another) and is the landscape to use for escape experiments with this
/// noise.
///
/// # Structure and cost
/// - 1-D: `g(x) = sqrt((lr / B) |V''(x)|)`, closed form, no allocation
///   (the Hessian is written into a per-thread scratch matrix, reused).
///   [`Structure::Diagonal`], so Milstein applies; `dg/dx` needs `V'''`,
///   which landscapes do not provide, so it is the central difference
///   `(g(x + h) - g(x - h)) / (2h)` with `h = eps^(1/3) max(1, |x|)` (the
///   step that balances the `O(h^2)` truncation against the `O(eps / h)`
///   rounding, relative error about `eps^(2/3) ~ 4e-11` where `g` is smooth;
///   at a sign change of `V''` `g` has a square-root kink and Milstein's
///   smoothness assumption fails, whatever `dg` is). Costs two more Hessian
///   evaluations per call of [`Diffusion::diagonal`].
/// - n-D: a symmetric eigendecomposition of `H(x)` (nalgebra's
///   `SymmetricEigen`) at every call of `apply` and `variance_along`, which
///   **allocates** its output; [`Structure::General`].
///
/// # Requirements
/// The landscape's Hessian ([`Hessian`]).
#[derive(Debug, Clone)]
pub struct SgdLike<L> {
    landscape: L,
    lr: f64,
    batch: f64,
}

impl<L: Hessian> SgdLike<L> {
    /// The diffusion of SGD with learning rate `lr` and batch size `batch`
    /// on `landscape` (both positive; a non-integer `batch` is an effective
    /// batch size).
    pub fn new(landscape: L, lr: f64, batch: f64) -> Result<Self> {
        Ok(Self {
            landscape,
            lr: ensure_positive("lr", lr)?,
            batch: ensure_positive("batch", batch)?,
        })
    }

    /// The landscape.
    pub fn landscape(&self) -> &L {
        &self.landscape
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The batch size.
    pub fn batch(&self) -> f64 {
        self.batch
    }

    /// `lr / B`, the factor in `2 D = (lr / B) |H|`.
    fn two_d_factor(&self) -> f64 {
        self.lr / self.batch
    }

    /// The diffusion matrix `D(x) = (lr / (2B)) |H(x)|` (allocates; for
    /// theory and tests, not for stepping).
    pub fn diffusion_matrix(&self, x: &[f64]) -> DMatrix<f64> {
        let eig = self.eigen(x);
        let abs = eig.eigenvalues.map(f64::abs);
        &eig.eigenvectors
            * DMatrix::from_diagonal(&abs)
            * eig.eigenvectors.transpose()
            * (0.5 * self.two_d_factor())
    }

    /// The eigendecomposition of `H(x)` (allocates).
    fn eigen(&self, x: &[f64]) -> SymmetricEigen<f64, nalgebra::Dyn> {
        with_hessian(&self.landscape, x, |h| h.clone().symmetric_eigen())
    }

    /// `D(x) = (lr / (2B)) |V''(x)|` for a 1-D landscape (the exact MFPT
    /// with SGD-like noise integrates it).
    pub fn diffusivity_1d(&self, x: f64) -> f64 {
        let h = with_hessian(&self.landscape, &[x], |h| h[(0, 0)]);
        0.5 * self.two_d_factor() * h.abs()
    }

    /// `g(x) = sqrt(2 D(x)) = sqrt((lr / B) |V''(x)|)` for a 1-D landscape.
    fn scalar_g(&self, x: f64) -> f64 {
        (2.0 * self.diffusivity_1d(x)).sqrt()
    }
}

impl<L: Hessian + std::fmt::Debug> Diffusion for SgdLike<L> {
    fn dim(&self) -> usize {
        self.landscape.dim()
    }

    fn noise_dim(&self) -> usize {
        self.landscape.dim()
    }

    fn structure(&self) -> Structure {
        if self.landscape.dim() == 1 {
            Structure::Diagonal
        } else {
            Structure::General
        }
    }

    fn apply(&self, x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        if x.len() == 1 {
            out[0] = self.scalar_g(x[0]) * dn[0];
            return;
        }
        let eig = self.eigen(x);
        let v = &eig.eigenvectors;
        out.fill(0.0);
        for (k, lambda) in eig.eigenvalues.iter().enumerate() {
            let along: f64 = v.column(k).iter().zip(dn).map(|(a, b)| a * b).sum();
            let c = (self.two_d_factor() * lambda.abs()).sqrt() * along;
            for (o, vik) in out.iter_mut().zip(v.column(k).iter()) {
                *o += vik * c;
            }
        }
    }

    fn diagonal(&self, x: &[f64], _t: f64, g: &mut [f64], dg: &mut [f64]) {
        let h = f64::EPSILON.cbrt() * x[0].abs().max(1.0);
        let (above, below) = (x[0] + h, x[0] - h);
        g[0] = self.scalar_g(x[0]);
        dg[0] = (self.scalar_g(above) - self.scalar_g(below)) / (above - below);
    }

    fn variance_along(&self, x: &[f64], _t: f64, n: &[f64]) -> f64 {
        if x.len() == 1 {
            let g = self.scalar_g(x[0]);
            return g * g * n[0] * n[0];
        }
        let eig = self.eigen(x);
        let v = &eig.eigenvectors;
        eig.eigenvalues
            .iter()
            .enumerate()
            .map(|(k, lambda)| {
                let along: f64 = v.column(k).iter().zip(n).map(|(a, b)| a * b).sum();
                self.two_d_factor() * lambda.abs() * along * along
            })
            .sum()
    }
}
