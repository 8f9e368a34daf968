//! The widening valley `L(u, v) = v^2 |u|^2 / 2`, `u in R^d`, `v in R`.
//!
//! The test landscape of Orvieto, Kersting, Proske, Bach and Lucchi,
//! "Anticorrelated noise injection for improved generalization", ICML 2022
//! (the "widening valley" of their analysis of Anti-PGD), on `R^{d+1}` with
//! `v` the **last** coordinate: `x = (u_1, ..., u_d, v)`.
//!
//! ```text
//! grad L = (v^2 u, v |u|^2),
//! H      = [[v^2 I_d, 2 v u], [2 v u^T, |u|^2]],     Tr H = d v^2 + |u|^2.
//! ```
//!
//! **Critical points.** `grad L = 0` iff `v = 0` or `u = 0`, and there `L = 0`:
//! every critical point is a global minimum, and the minima form a
//! continuum, the union of the hyperplane `{v = 0}` and the line `{u = 0}`.
//! Along the valley floor `u = 0` the Hessian is `diag(v^2 I_d, 0)`, so the
//! valley is flatter (smaller `Tr H = d v^2`) the smaller `|v|`: the paper's
//! point is that anticorrelated perturbations drift towards small `|v|` (the
//! flat end), where uncorrelated ones need not. Since no critical point is
//! isolated, [`Landscape::minima`] and [`Landscape::saddles`] return empty
//! lists; the continuum is described here and checked in
//! `tests/landscape_derivatives.rs`.

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{Error, Result};

/// The largest `d` accepted: `10^8` coordinates already take 800 MB per
/// state vector, and any run holds several.
pub const MAX_VALLEY_DIM: usize = 100_000_000;

/// `L(u, v) = v^2 |u|^2 / 2` on `R^{d+1}`, `v` the last coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WideningValley {
    d: usize,
}

impl WideningValley {
    /// The valley with `u in R^d`; rejects `d = 0` (then `L = 0`) and `d`
    /// above [`MAX_VALLEY_DIM`].
    pub fn new(d: usize) -> Result<Self> {
        if d == 0 || d > MAX_VALLEY_DIM {
            return Err(Error::OutOfRange {
                name: "d",
                value: d as f64,
                expected: "1 <= d <= 1e8 (the dimension of u)",
            });
        }
        Ok(Self { d })
    }

    /// The dimension `d` of `u` (the landscape has dimension `d + 1`).
    pub fn valley_dim(&self) -> usize {
        self.d
    }

    /// `Tr H(x) = d v^2 + |u|^2`, the flatness the paper tracks, without
    /// forming the Hessian.
    pub fn hessian_trace(&self, x: &[f64]) -> f64 {
        let (u, v) = split(x);
        self.d as f64 * v * v + norm_sq(u)
    }
}

/// `(u, v)` from `x = (u, v)`.
#[inline]
fn split(x: &[f64]) -> (&[f64], f64) {
    let (v, u) = x
        .split_last()
        .expect("the widening valley has dimension >= 2");
    (u, *v)
}

/// `|u|^2`.
#[inline]
fn norm_sq(u: &[f64]) -> f64 {
    u.iter().map(|a| a * a).sum()
}

impl Objective for WideningValley {
    fn dim(&self) -> usize {
        self.d + 1
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let (u, v) = split(x);
        0.5 * v * v * norm_sq(u)
    }
}

impl Gradient for WideningValley {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let (u, v) = split(x);
        let v2 = v * v;
        let (gv, gu) = grad.split_last_mut().expect("gradient of length d + 1");
        for (g, a) in gu.iter_mut().zip(u) {
            *g = v2 * a;
        }
        *gv = v * norm_sq(u);
    }
}

impl Hessian for WideningValley {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        let (u, v) = split(x);
        let d = self.d;
        hess.fill(0.0);
        for (j, a) in u.iter().enumerate() {
            hess[(j, j)] = v * v;
            let cross = 2.0 * v * a;
            hess[(j, d)] = cross;
            hess[(d, j)] = cross;
        }
        hess[(d, d)] = norm_sq(u);
    }
}

impl Landscape for WideningValley {
    fn name(&self) -> &'static str {
        "widening-valley"
    }

    /// Empty: the minima form a continuum (`u = 0` or `v = 0`), see the
    /// module docs.
    fn minima(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }

    /// Empty: the landscape has no saddles.
    fn saddles(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }
}
