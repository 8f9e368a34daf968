//! The tilted 1-D double well `V(x) = (x^2 - 1)^2 + c x`.
//!
//! `V'(x) = 4 x^3 - 4 x + c`, `V''(x) = 12 x^2 - 4`. The tilt makes the two
//! minima unequal in depth (for `c > 0` the left one is deeper), so escape
//! rates differ in the two directions. `V'` has three real roots, hence two
//! minima and a barrier top between them, exactly when the discriminant of
//! `x^3 - x + c/4` is positive: `c^2 < 64 / 27`, i.e. `|c| < 8 / (3 sqrt 3)`
//! ([`MAX_TILT`]). The roots are computed in closed form by the trigonometric
//! method for three real roots (Press, Teukolsky, Vetterling and Flannery,
//! *Numerical Recipes in C*, 2nd ed., 1992, §5.6, eqs. 5.6.10 to 5.6.12): with
//! `Q = 1/3`, `R = c/8`, `theta = arccos(R / Q^{3/2}) = arccos(3 sqrt(3) c / 8)`
//! the roots are `-(2 / sqrt 3) cos((theta + 2 pi k) / 3)`, `k = 0, 1, -1`,
//! which are the left minimum, the right minimum and the barrier top; one
//! Newton step then polishes each to machine precision. At `c = 0` they are
//! `-1, 1, 0`, the critical points of [`super::DoubleWell`].

use std::f64::consts::PI;

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_finite, Error, Result};

/// The largest tilt for which `V` keeps two minima: `8 / (3 sqrt 3)`.
pub const MAX_TILT: f64 = 1.539_600_717_839_002;

/// `V(x) = (x^2 - 1)^2 + c x` with `|c| < 8 / (3 sqrt 3)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TiltedDoubleWell {
    c: f64,
    /// Left minimum, barrier top, right minimum.
    roots: [f64; 3],
}

impl TiltedDoubleWell {
    /// The well with tilt `c`; rejects a non-finite `c` and `|c| >= MAX_TILT`
    /// (then one minimum and the barrier top have merged or vanished).
    pub fn new(c: f64) -> Result<Self> {
        ensure_finite("c", c)?;
        if c.abs() >= MAX_TILT {
            return Err(Error::OutOfRange {
                name: "c",
                value: c,
                expected: "|c| < 8 / (3 sqrt 3) ~ 1.5396, so that two minima exist",
            });
        }
        let theta = (3.0 * 3.0_f64.sqrt() * c / 8.0).clamp(-1.0, 1.0).acos();
        let root = |k: f64| {
            let x = -2.0 / 3.0_f64.sqrt() * ((theta + 2.0 * PI * k) / 3.0).cos();
            polish(c, x)
        };
        Ok(Self {
            c,
            roots: [root(0.0), root(-1.0), root(1.0)],
        })
    }

    /// The tilt `c`.
    pub fn tilt(&self) -> f64 {
        self.c
    }
}

/// One Newton step on `V' = 4 x^3 - 4 x + c`, kept only if it reduces `|V'|`.
fn polish(c: f64, x: f64) -> f64 {
    let dv = |x: f64| 4.0 * x * (x * x - 1.0) + c;
    let next = x - dv(x) / (12.0 * x * x - 4.0);
    if next.is_finite() && dv(next).abs() < dv(x).abs() {
        next
    } else {
        x
    }
}

impl Objective for TiltedDoubleWell {
    fn dim(&self) -> usize {
        1
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let u = x[0] * x[0] - 1.0;
        u * u + self.c * x[0]
    }
}

impl Gradient for TiltedDoubleWell {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad[0] = 4.0 * x[0] * (x[0] * x[0] - 1.0) + self.c;
    }
}

impl Hessian for TiltedDoubleWell {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess[(0, 0)] = 12.0 * x[0] * x[0] - 4.0;
    }
}

impl Landscape for TiltedDoubleWell {
    fn name(&self) -> &'static str {
        "tilted-double-well"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![self.roots[0]], vec![self.roots[2]]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![self.roots[1]]]
    }
}
