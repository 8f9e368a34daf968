//! A 1-D double well glued from three quadratic pieces, matched to be `C^1`.
//!
//! Given the minimum curvatures `k_L`, `k_R`, the barrier-top curvature
//! magnitude `s` and the barrier height `H`:
//!
//! ```text
//! V(x) = H - s x^2 / 2              for -j_L < x < j_R     (barrier piece)
//! V(x) = k_R (x - x_R)^2 / 2        for x >= j_R           (right well)
//! V(x) = k_L (x - x_L)^2 / 2        for x <= -j_L          (left well)
//! ```
//!
//! Derivation of the junctions (per side, curvature `k`): let `d_a` be the
//! distance from the minimum to the junction and `d_b` from the junction to
//! the barrier top at 0. Equal slopes at the junction give `k d_a = s d_b`;
//! equal values give `k d_a^2 / 2 = H - s d_b^2 / 2`. Substituting
//! `d_b = k d_a / s` into the second, `k d_a^2 (1 + k / s) / 2 = H`, so
//!
//! ```text
//! d_a = sqrt(2 H s / (k (k + s))),   d_b = sqrt(2 H k / (s (k + s))),
//! ```
//!
//! the junction is at distance `j = d_b` from 0 and the minimum at
//! `d_a + d_b`. Hence `V(x_L) = V(x_R) = 0`, `V(0) = H`, `V''(x_{L,R}) = k_{L,R}`,
//! `V''(0) = -s`: exactly the data that enter the Kramers escape rate, with no
//! higher-order terms, which makes this landscape the cleanest test of
//! harmonic (Kramers/Eyring) rate predictions. Outside the minima the well
//! quadratics continue, so `V` is confining.
//!
//! `V'` is continuous but `V''` jumps at the junctions. Convention: the
//! barrier piece holds on the open interval `(-j_L, j_R)` and the well pieces
//! on the closed outer half-lines, so at a junction the Hessian is the well
//! curvature `k`. Finite-difference checks must stay away from
//! [`PiecewiseValley::junctions`].

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_positive, Result};

/// The `C^1` piecewise-quadratic double well described in the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiecewiseValley {
    left: Side,
    right: Side,
    saddle: f64,
    height: f64,
}

/// One well: its curvature, the junction's distance from 0 and the
/// minimum's distance from 0.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Side {
    k: f64,
    junction: f64,
    minimum: f64,
}

impl Side {
    /// The distances `d_b` (junction) and `d_a + d_b` (minimum) from 0 for a
    /// well of curvature `k` (module docs).
    fn new(k: f64, saddle: f64, height: f64) -> Self {
        let d_a = (2.0 * height * saddle / (k * (k + saddle))).sqrt();
        let d_b = (2.0 * height * k / (saddle * (k + saddle))).sqrt();
        Self {
            k,
            junction: d_b,
            minimum: d_a + d_b,
        }
    }
}

impl PiecewiseValley {
    /// The valley with minimum curvatures `left`, `right`, barrier-top
    /// curvature magnitude `saddle` and barrier height `height`; all four must
    /// be positive and finite.
    pub fn new(left: f64, right: f64, saddle: f64, height: f64) -> Result<Self> {
        ensure_positive("left", left)?;
        ensure_positive("right", right)?;
        ensure_positive("saddle", saddle)?;
        ensure_positive("height", height)?;
        Ok(Self {
            left: Side::new(left, saddle, height),
            right: Side::new(right, saddle, height),
            saddle,
            height,
        })
    }

    /// The junction points `[-j_L, j_R]` where `V''` jumps between `-s` and
    /// the well curvatures.
    pub fn junctions(&self) -> [f64; 2] {
        [-self.left.junction, self.right.junction]
    }

    /// The barrier height `H = V(0) - V(x_min)`.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// The minimum curvatures `[k_L, k_R]`.
    pub fn curvatures(&self) -> [f64; 2] {
        [self.left.k, self.right.k]
    }

    /// The barrier-top curvature magnitude `s` (`V''(0) = -s`).
    pub fn saddle_curvature(&self) -> f64 {
        self.saddle
    }

    /// The piece holding `x`: `Some((k, x_min))` for a well, `None` for the
    /// barrier piece (see the junction convention in the module docs).
    #[inline]
    fn well(&self, x: f64) -> Option<(f64, f64)> {
        if x >= self.right.junction {
            Some((self.right.k, self.right.minimum))
        } else if x <= -self.left.junction {
            Some((self.left.k, -self.left.minimum))
        } else {
            None
        }
    }
}

impl Objective for PiecewiseValley {
    fn dim(&self) -> usize {
        1
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let x = x[0];
        match self.well(x) {
            Some((k, m)) => 0.5 * k * (x - m) * (x - m),
            None => self.height - 0.5 * self.saddle * x * x,
        }
    }
}

impl Gradient for PiecewiseValley {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let x = x[0];
        grad[0] = match self.well(x) {
            Some((k, m)) => k * (x - m),
            None => -self.saddle * x,
        };
    }
}

impl Hessian for PiecewiseValley {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess[(0, 0)] = match self.well(x[0]) {
            Some((k, _)) => k,
            None => -self.saddle,
        };
    }
}

impl Landscape for PiecewiseValley {
    fn name(&self) -> &'static str {
        "piecewise-valley"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![-self.left.minimum], vec![self.right.minimum]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}
