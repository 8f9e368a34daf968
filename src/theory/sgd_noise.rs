//! Escape under SGD-like noise: sharp minima are left exponentially faster.
//!
//! Xie, Sato and Sugiyama ("A diffusion theory for deep learning dynamics:
//! stochastic gradient descent exponentially favors flat minima", ICLR 2021,
//! the 1-D form of their SGD escape theorem, Theorem 3.2) model SGD with
//! learning rate `lr` and batch size `B` near critical points as
//! `dX = -V'(X) dt + sqrt(2 D(X)) dW` with `D = (lr / 2B) |V''|`. Along the
//! escape path from a minimum of curvature `h_a` over a saddle of curvature
//! `-|h_b|`, with barrier `dL`, the exponent of the mean escape time is
//!
//! ```text
//! ln tau ~ (2 B dL / lr) (s / h_a + (1 - s) / |h_b|),
//! ```
//!
//! with the path adjustment factor `s` in `(0, 1)`: the fraction of the
//! barrier climbed while the curvature is still `h_a` (the rest is climbed
//! at curvature `|h_b|`). Because `D` is proportional to the curvature, the
//! sharper minimum is hotter, and `h_a` enters the *exponent*; under white
//! noise `D = eps` it only enters the prefactor of the Eyring-Kramers law.
//!
//! **Regime.** Small `lr / B` (exponent much larger than 1, quasi-stationary
//! well), the Hessian constant on each part of the path (second-order
//! Taylor expansion around the minimum and the saddle), 1-D escape
//! direction, continuous-time limit of SGD (small `lr`). The prefactor used
//! here, `2 pi / h_a`, is derived for the Ito SDE in
//! `proofs/sgd_noise_flat_minima.md` (Laplace's method on the exact 1-D
//! mean first-passage time); the paper's statement concerns the exponent,
//! which is what "exponentially favors flat minima" means. The exact 1-D
//! check is the first-passage quadrature of [`super::mfpt`] with
//! `D(x) = (lr / 2B) |V''(x)|`, which is meaningful only where `V''` does
//! not vanish along the path (a C^1 piecewise-quadratic valley, for which
//! `s = |h_b| / (h_a + |h_b|)` exactly; on a smooth double well `D` vanishes
//! at the inflection points and the barrier cannot be crossed at all).

use super::kramers::TransitionTarget;
use crate::error::{ensure_positive, Error, Result};

/// The 1-D SGD escape law of Xie, Sato and Sugiyama (ICLR 2021).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgdEscape {
    lr: f64,
    batch: f64,
    h_min: f64,
    h_saddle: f64,
    barrier: f64,
    path_factor: f64,
}

impl SgdEscape {
    /// The law for learning rate `lr`, batch size `batch` (both positive),
    /// curvature `h_min > 0` at the minimum, curvature magnitude
    /// `h_saddle = |h_b| > 0` at the saddle, barrier `barrier > 0` and path
    /// adjustment factor `path_factor` in `(0, 1)`.
    ///
    /// See `proofs/sgd_noise_flat_minima.md`.
    pub fn new(
        lr: f64,
        batch: f64,
        h_min: f64,
        h_saddle: f64,
        barrier: f64,
        path_factor: f64,
    ) -> Result<Self> {
        ensure_positive("lr", lr)?;
        ensure_positive("batch", batch)?;
        ensure_positive("curvature at the minimum", h_min)?;
        ensure_positive("curvature magnitude at the saddle", h_saddle)?;
        ensure_positive("barrier", barrier)?;
        if !(path_factor > 0.0 && path_factor < 1.0) {
            return Err(Error::OutOfRange {
                name: "path adjustment factor s",
                value: path_factor,
                expected: "(0, 1)",
            });
        }
        Ok(Self {
            lr,
            batch,
            h_min,
            h_saddle,
            barrier,
            path_factor,
        })
    }

    /// The law on the C^1 piecewise-quadratic valley (a well of curvature
    /// `h_min` glued to a barrier piece of curvature `-h_saddle`), where the
    /// path factor is exactly `s = h_saddle / (h_min + h_saddle)`.
    ///
    /// See `proofs/sgd_noise_flat_minima.md`.
    pub fn piecewise_quadratic(
        lr: f64,
        batch: f64,
        h_min: f64,
        h_saddle: f64,
        barrier: f64,
    ) -> Result<Self> {
        ensure_positive("curvature at the minimum", h_min)?;
        ensure_positive("curvature magnitude at the saddle", h_saddle)?;
        Self::new(
            lr,
            batch,
            h_min,
            h_saddle,
            barrier,
            h_saddle / (h_min + h_saddle),
        )
    }

    /// The noise scale `c = lr / (2B)` in `D = c |V''|`.
    pub fn noise_scale(&self) -> f64 {
        self.lr / (2.0 * self.batch)
    }

    /// The path adjustment factor `s`.
    pub fn path_factor(&self) -> f64 {
        self.path_factor
    }

    /// The exponent `(2 B dL / lr) (s / h_a + (1 - s) / |h_b|)`.
    pub fn exponent(&self) -> f64 {
        let s = self.path_factor;
        self.barrier / self.noise_scale() * (s / self.h_min + (1.0 - s) / self.h_saddle)
    }

    /// `ln tau = ln(2 pi / h_a) + exponent` for the time to cross the saddle
    /// and reach the other side, `ln 2` less for the time to reach the saddle
    /// (Ito SDE; prefactor derived in `proofs/sgd_noise_flat_minima.md`).
    pub fn log_mean_time(&self, target: TransitionTarget) -> f64 {
        let half = match target {
            TransitionTarget::OtherMinimum => 1.0,
            TransitionTarget::Saddle => 0.5,
        };
        (half * 2.0 * std::f64::consts::PI / self.h_min).ln() + self.exponent()
    }

    /// `tau = (2 pi / h_a) exp(exponent)`, halved for the saddle (`+inf`
    /// beyond the range of `f64`). See `proofs/sgd_noise_flat_minima.md`.
    pub fn mean_time(&self, target: TransitionTarget) -> f64 {
        self.log_mean_time(target).exp()
    }
}
