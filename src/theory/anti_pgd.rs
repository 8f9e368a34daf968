//! Anti-PGD against PGD on the widening valley: exact one-step drifts.
//!
//! Orvieto, Kersting, Proske, Bach and Lucchi, "Anticorrelated noise
//! injection for improved generalization" (ICML 2022, arXiv:2202.02831),
//! compare perturbed GD (PGD) `x_{n+1} = x_n - lr grad L(x_n) + xi_{n+1}`
//! with Anti-PGD `x_{n+1} = x_n - lr grad L(x_n) + (xi_{n+1} - xi_n)`,
//! `xi_n` iid `N(0, sigma^2 I)`. With the clean iterate `w_n = x_n - xi_n`,
//! Anti-PGD is exactly `w_{n+1} = w_n - lr grad L(w_n + xi_n)` with `xi_n`
//! independent of `w_n` (for `n >= 1`), so
//! `E[w_{n+1} - w_n | w_n] = -lr grad E L(w_n + xi)`: GD on the Gaussian
//! smoothing of `L`, which is `L + (sigma^2 / 2) Tr H + O(sigma^4)`
//! ([`super::weight_perturbation`]). PGD has no such bias:
//! `E[x_{n+1} - x_n | x_n] = -lr grad L(x_n)`.
//!
//! Their test landscape is the widening valley
//! `L(u, v) = v^2 |u|^2 / 2`, `u` in `R^d`, `v` scalar. Its Hessian trace is
//! `Tr H = d v^2 + |u|^2`, and because `L` is a polynomial of degree 2 in
//! each of `u` and `v` the smoothing is exact:
//! `E L(w + xi) = L(w) + (sigma^2 / 2)(d v^2 + |u|^2) + d sigma^4 / 2`.
//! The zero-loss set is `{v = 0} u {u = 0}`; on the valley floor `v = 0`
//! the curvature across the valley is `|u|^2`, so the valley is flat near
//! `u = 0` and sharpens as `|u|` grows. Anti-PGD's regulariser pulls
//! `|u|` to 0 (towards the flat end); PGD's drift on the floor is
//! `+d sigma^2` per step in `|u|^2` (a random walk along the flat
//! direction, outwards on average, towards sharper regions). The paper's
//! abstract summarises its analysis as "Anti-PGD moves to wider minima,
//! while GD and PGD remain stuck in suboptimal regions or even diverge";
//! `proofs/anti_pgd.md` records which of its statements
//! were checked and derives everything used here independently.
//!
//! The functions below are the exact one-step conditional expectations of
//! `|u|^2` and `v^2` (all orders in `lr` and `sigma`; polynomial moments of
//! Gaussians), so a Monte Carlo test over one step has no modelling error.

use crate::error::ensure_non_negative;
use crate::error::{ensure_dim, ensure_positive, Error, Result};

/// The expected one-step change of `|u|^2` and of `v^2`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Drift {
    /// `E[|u'|^2 - |u|^2]`.
    pub u_sq: f64,
    /// `E[v'^2 - v^2]`.
    pub v_sq: f64,
}

/// PGD and Anti-PGD with step `lr` and perturbation scale `sigma` on the
/// widening valley `v^2 |u|^2 / 2`, `u` in `R^d`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WideningValley {
    d: usize,
    lr: f64,
    sigma: f64,
}

impl WideningValley {
    /// The valley with `d >= 1` coordinates in `u`, step `lr > 0` and
    /// perturbation standard deviation `sigma >= 0` per coordinate.
    ///
    /// See `proofs/anti_pgd.md`.
    pub fn new(d: usize, lr: f64, sigma: f64) -> Result<Self> {
        if d == 0 {
            return Err(Error::DimensionMismatch {
                context: "widening valley (dimension of u)",
                expected: 1,
                got: 0,
            });
        }
        ensure_positive("lr", lr)?;
        ensure_non_negative("sigma", sigma)?;
        Ok(Self { d, lr, sigma })
    }

    /// `L = v^2 |u|^2 / 2` from `u_sq = |u|^2`.
    pub fn loss(&self, u_sq: f64, v: f64) -> f64 {
        0.5 * v * v * u_sq
    }

    /// `Tr H = d v^2 + |u|^2`.
    pub fn hessian_trace(&self, u_sq: f64, v: f64) -> f64 {
        self.d as f64 * v * v + u_sq
    }

    /// The exact Gaussian smoothing
    /// `E L(u + xi_u, v + xi_v) = L + (sigma^2 / 2) Tr H + d sigma^4 / 2`.
    ///
    /// See `proofs/anti_pgd.md`, Section 1.
    pub fn smoothed_loss(&self, u_sq: f64, v: f64) -> f64 {
        let s2 = self.sigma * self.sigma;
        self.loss(u_sq, v) + 0.5 * s2 * self.hessian_trace(u_sq, v) + 0.5 * self.d as f64 * s2 * s2
    }

    /// The exact mean Anti-PGD step of the clean iterate from `(u, v)`,
    /// `E[w' - w] = -lr grad (L + (sigma^2 / 2) Tr H)`: writes the `u` part
    /// `-lr (v^2 + sigma^2) u` into `out_u` and returns the `v` part
    /// `-lr v (|u|^2 + d sigma^2)`.
    ///
    /// See `proofs/anti_pgd.md`, Section 2.
    pub fn anti_pgd_mean_step(&self, u: &[f64], v: f64, out_u: &mut [f64]) -> Result<f64> {
        ensure_dim("u", self.d, u.len())?;
        ensure_dim("output for the u step", self.d, out_u.len())?;
        let s2 = self.sigma * self.sigma;
        let u_sq: f64 = u.iter().map(|x| x * x).sum();
        for (o, x) in out_u.iter_mut().zip(u) {
            *o = -self.lr * (v * v + s2) * x;
        }
        Ok(-self.lr * v * (u_sq + self.d as f64 * s2))
    }

    /// The exact expected one-step change of `|u|^2` and `v^2` of the
    /// Anti-PGD clean iterate `w = (u, v)`:
    ///
    /// ```text
    /// E d|u|^2 = -2 lr (v^2 + s^2) U + lr^2 (v^4 + 6 v^2 s^2 + 3 s^4)(U + d s^2),
    /// E dv^2   = -2 lr v^2 (U + d s^2)
    ///            + lr^2 (v^2 + s^2) [(U + d s^2)^2 + 4 U s^2 + 2 d s^4],
    /// ```
    ///
    /// `U = |u|^2`, `s = sigma`. The raw iterate `x = w + xi` has
    /// `E|x_u|^2 = E|u|^2 + d s^2` and `E x_v^2 = E v^2 + s^2` at every step
    /// `n >= 1`, so expected changes over time are the same for both.
    ///
    /// See `proofs/anti_pgd.md`, Section 2.
    pub fn anti_pgd_drift(&self, u_sq: f64, v: f64) -> Drift {
        let s2 = self.sigma * self.sigma;
        let d = self.d as f64;
        let v2 = v * v;
        let (lr, lr2) = (self.lr, self.lr * self.lr);
        let b2 = u_sq + d * s2; // E|u + xi_u|^2
        let b4 = b2 * b2 + 4.0 * u_sq * s2 + 2.0 * d * s2 * s2; // E|u + xi_u|^4
        let a2 = v2 + s2; // E (v + xi_v)^2
        let a4 = v2 * v2 + 6.0 * v2 * s2 + 3.0 * s2 * s2; // E (v + xi_v)^4
        Drift {
            u_sq: -2.0 * lr * a2 * u_sq + lr2 * a4 * b2,
            v_sq: -2.0 * lr * v2 * b2 + lr2 * a2 * b4,
        }
    }

    /// The exact expected one-step change of `|u|^2` and `v^2` under PGD
    /// from `x = (u, v)`:
    ///
    /// ```text
    /// E d|u|^2 = -lr v^2 (2 - lr v^2) U + d s^2,
    /// E dv^2   = -lr U (2 - lr U) v^2 + s^2.
    /// ```
    ///
    /// On the valley floor `v = 0` the first is `+d s^2`: `|u|^2` grows.
    ///
    /// See `proofs/anti_pgd.md`, Section 3.
    pub fn pgd_drift(&self, u_sq: f64, v: f64) -> Drift {
        let s2 = self.sigma * self.sigma;
        let v2 = v * v;
        Drift {
            u_sq: -self.lr * v2 * (2.0 - self.lr * v2) * u_sq + self.d as f64 * s2,
            v_sq: -self.lr * u_sq * (2.0 - self.lr * u_sq) * v2 + s2,
        }
    }
}

/// The per-coordinate stationary variance of PGD on a quadratic of
/// curvature `h` (the `u` part of the valley with `v` held fixed has
/// `h = v^2`): `sigma^2 / (lr h (2 - lr h))`, which diverges as `h -> 0`.
/// Requires `0 < lr h < 2` and `sigma >= 0`.
///
/// See `proofs/anti_pgd.md`, Section 4.
pub fn pgd_stationary_variance(h: f64, lr: f64, sigma: f64) -> Result<f64> {
    let z = check_quadratic(h, lr, sigma)?;
    Ok(sigma * sigma / (z * (2.0 - z)))
}

/// The per-coordinate stationary variance of the Anti-PGD iterate `x` on a
/// quadratic of curvature `h`: `2 sigma^2 / (2 - lr h)`, bounded as
/// `h -> 0` (the clean iterate `w = x - xi` has `lr h sigma^2 / (2 - lr h)`).
/// Requires `0 < lr h < 2` and `sigma >= 0`.
///
/// See `proofs/anti_pgd.md`, Section 4.
pub fn anti_pgd_stationary_variance(h: f64, lr: f64, sigma: f64) -> Result<f64> {
    let z = check_quadratic(h, lr, sigma)?;
    Ok(2.0 * sigma * sigma / (2.0 - z))
}

/// Validates `(h, lr, sigma)` and returns `lr h` in `(0, 2)`.
fn check_quadratic(h: f64, lr: f64, sigma: f64) -> Result<f64> {
    ensure_positive("h", h)?;
    ensure_positive("lr", lr)?;
    ensure_non_negative("sigma", sigma)?;
    let z = lr * h;
    if z >= 2.0 {
        return Err(Error::OutOfRange {
            name: "lr",
            value: lr,
            expected: "below 2 / h (GD on the quadratic diverges otherwise)",
        });
    }
    Ok(z)
}
