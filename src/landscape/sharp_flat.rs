//! A smooth 1-D landscape with a sharp and a flat minimum of equal depth.
//!
//! ```text
//! V(x) = (x^2 - 1)^2 r(x),     r(x) = m + delta tanh(x / w),
//! ```
//!
//! so `V(-1) = V(1) = 0` and, writing `u = x^2 - 1`,
//!
//! ```text
//! V'(x)  = u g(x),             g(x) = 4 x r(x) + u r'(x),
//! V''(x) = (12 x^2 - 4) r + 8 x u r' + u^2 r'',
//! r'  = (delta / w) sech^2(x / w),   r'' = -(2 delta / w^2) sech^2(x / w) tanh(x / w).
//! ```
//!
//! At the minima `u = 0`, so `V''(+-1) = 8 r(+-1)`. Given the requested
//! curvatures `k_L = V''(-1)`, `k_R = V''(1)` and the width `w`, with
//! `T = tanh(1 / w)`:
//!
//! ```text
//! m = (k_L + k_R) / 16,        delta = (k_R - k_L) / (16 T).
//! ```
//!
//! The width must lie in `[1e-3, 1e3]` (below, `r` is a near-discontinuous
//! step; above, it is nearly constant and the curvatures can hardly differ).
//! `r` is monotone with infimum `m - |delta|`, so `r > 0` everywhere (needed
//! for `V >= 0` with zeros only at `+-1`) iff `T (k_L + k_R) > |k_R - k_L|`;
//! other parameters are rejected.
//!
//! **Critical points.** Besides `x = +-1`, `V' = 0` exactly where `g = 0`.
//! Since `g(-1) = -4 r(-1) < 0 < 4 r(1) = g(1)`, `g` has a root in `(-1, 1)`,
//! the barrier top. `r > 0` alone does **not** rule out more roots: when `r`
//! decays towards a small `m - |delta|` on the flat side, the factor `u^2`
//! can outgrow it and create an extra maximum and minimum beyond the flat
//! well (for example `k_L = 24`, `k_R = 4`, `w = 1.115`). So the constructor
//! *certifies* that `g` has exactly one root on the real line and rejects the
//! parameters otherwise:
//!
//! * tails: for `x > 1` with `delta < 0` (mirror for `x < -1`, `delta > 0`;
//!   the other sign combinations make both terms of `g` agree in sign),
//!   `sech^2 s <= 4 e^{-2|s|}` and `u < x^2` give
//!   `g(x) > 4 x (r_min - |delta| x e^{-2x/w} / w)`, positive once
//!   `x >= X >= max(1, w/2)` with `|delta| X e^{-2X/w} / w <= r_min` (the
//!   bracket's second term decreases for `x > w/2`);
//! * on `[-X, X]`: adaptive subdivision where a cell `[a, b]` is root-free if
//!   `|g(a)| + |g(b)| > L_1 (b - a)` with `L_1 >= sup |g'|` (a root `z` in the
//!   cell would give `|g(a)| + |g(b)| <= L_1 (z - a) + L_1 (b - z)`), or
//!   strictly monotone if `g'(a) g'(b) > 0` and
//!   `|g'(a)| + |g'(b)| > L_2 (b - a)` with `L_2 >= sup |g''|` (same
//!   argument for `g'`), and then holds one root iff the end signs differ.
//!   `L_1`, `L_2` are bounds over the cell, from the decay of `sech^2` away
//!   from 0 and `|tanh''| <= 4 / (3 sqrt 3)`, `|tanh'''| <= 2`; every test
//!   carries a rounding slack, and end signs
//!   count only where `|g|` exceeds it. If a cell cannot be classified before
//!   its width falls below `2^-40 X`, or after `2^20` cells in all
//!   (parameters at the edge of a bifurcation), the parameters are rejected
//!   as well.
//!
//! The barrier top `b` is then found by bisection on `g` over `[-1, 1]` down
//! to adjacent floating-point numbers (machine precision).
//!
//! Defaults `k_L = 24`, `k_R = 4`, `w = 0.5`: a sharp left minimum (three
//! times the curvature `8` of [`super::DoubleWell`]) and a flat right one
//! (half of it), a curvature ratio of 6, so the harmonic (Laplace) weights of
//! the wells differ by `sqrt 6 ~ 2.45` while their depths are equal; `w = 0.5`
//! keeps `r` within 4% of its asymptotes at the wells (`tanh 2 = 0.96`) and
//! `r_min = m - |delta| ~ 0.45` well above 0.

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};
use crate::error::{ensure_positive, Error, Result};

/// `max_s |d^2/ds^2 tanh s| = max |2 sech^2 s tanh s| = 4 / (3 sqrt 3)`
/// (at `tanh^2 s = 1/3`).
const TANH2_BOUND: f64 = 0.769_800_358_919_501;
/// `max_s |d^3/ds^3 tanh s| = max |2 sech^2 s (3 tanh^2 s - 1)| = 2` (at
/// `s = 0`; elsewhere `2 (1 - t^2)(3 t^2 - 1) <= 2/3` with `t = tanh s`).
const TANH3_BOUND: f64 = 2.0;
/// Rounding slack, in units of `eps` times the magnitude of the terms, for
/// one evaluation of `g` or `g'` (a few dozen rounded operations at most).
const ROUNDING_ULPS: f64 = 32.0;
/// Subdivision stops (and the parameters are rejected) below this fraction
/// of the certified interval's half-width ...
const MIN_CELL: f64 = 1.0 / (1u64 << 40) as f64;
/// ... or after this many cells.
const MAX_CELLS: usize = 1 << 20;
/// The admissible widths: below `1e-3` `r` is a near-discontinuous step
/// (`r''` of order `delta 1e6`), above `1e3` it is constant to within `1e-3`
/// relative over the wells and the curvatures can hardly differ.
const WIDTH_RANGE: (f64, f64) = (1e-3, 1e3);

/// Bounds used to classify one cell in the root count of `g`.
struct CellBounds {
    /// `>= sup |g'|` over the cell.
    lip_g: f64,
    /// `>= sup |g''|` over the cell.
    lip_slope: f64,
    /// `>=` the rounding error of one evaluation of `g` in the cell.
    slack_g: f64,
    /// `>=` the rounding error of one evaluation of `g'` in the cell.
    slack_slope: f64,
}

/// `V(x) = (x^2 - 1)^2 (m + delta tanh(x / w))`: minima at `+-1` of equal
/// depth 0 and curvatures `k_L`, `k_R` (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharpFlat {
    left: f64,
    right: f64,
    width: f64,
    m: f64,
    delta: f64,
    barrier: f64,
}

/// `(tanh s, sech^2 s)` from one `expm1`, accurate for every `s`:
/// with `e = expm1(-2|s|)`, `tanh|s| = -e / (2 + e)` and
/// `sech^2 s = 4 (1 + e) / (2 + e)^2`.
#[inline]
fn tanh_sech2(s: f64) -> (f64, f64) {
    let e = (-2.0 * s.abs()).exp_m1();
    let d = 2.0 + e;
    ((-e / d).copysign(s), 4.0 * (1.0 + e) / (d * d))
}

impl SharpFlat {
    /// The landscape with curvatures `left = V''(-1)`, `right = V''(1)` and
    /// transition width `width`; rejects non-positive inputs, parameters for
    /// which `r` is not positive everywhere, and parameters for which `V` has
    /// critical points other than `-1`, one barrier top in `(-1, 1)`, and `1`
    /// (or for which this cannot be certified; module docs).
    pub fn new(left: f64, right: f64, width: f64) -> Result<Self> {
        ensure_positive("left", left)?;
        ensure_positive("right", right)?;
        ensure_positive("width", width)?;
        if !(WIDTH_RANGE.0..=WIDTH_RANGE.1).contains(&width) {
            return Err(Error::OutOfRange {
                name: "width",
                value: width,
                expected: "between 1e-3 and 1e3",
            });
        }
        let t = (1.0 / width).tanh();
        let m = (left + right) / 16.0;
        let delta = (right - left) / (16.0 * t);
        let describe = || format!("sharp-flat:left={left},right={right},width={width}");
        if m - delta.abs() <= 0.0 {
            return Err(Error::Unsupported(format!(
                "{}: r(x) = m + delta tanh(x/w) is not positive everywhere; \
                 need tanh(1/width) (left + right) > |right - left| \
                 (bring the curvatures closer or reduce width)",
                describe()
            )));
        }
        let mut landscape = Self {
            left,
            right,
            width,
            m,
            delta,
            barrier: 0.0,
        };
        match landscape.count_roots_of_g() {
            Some(1) => {}
            Some(n) => {
                return Err(Error::Unsupported(format!(
                    "{}: V' vanishes at {n} points besides x = +-1 (need exactly one, the \
                     barrier top); bring the curvatures closer or reduce width",
                    describe()
                )))
            }
            None => {
                return Err(Error::Unsupported(format!(
                    "{}: cannot certify that V has no critical points besides -1, the \
                     barrier top and 1 (parameters at the edge of a bifurcation)",
                    describe()
                )))
            }
        }
        landscape.barrier = landscape.bisect_barrier();
        Ok(landscape)
    }

    /// The requested curvatures `[V''(-1), V''(1)]`.
    pub fn curvatures(&self) -> [f64; 2] {
        [self.left, self.right]
    }

    /// The transition width `w` of `r`.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// The barrier top `b` in `(-1, 1)`, the unique root of `V'` there.
    pub fn barrier(&self) -> f64 {
        self.barrier
    }

    /// `(r, r', r'')` at `x`.
    #[inline]
    fn shape(&self, x: f64) -> (f64, f64, f64) {
        let w = self.width;
        let (t, s2) = tanh_sech2(x / w);
        let r1 = self.delta / w * s2;
        (self.m + self.delta * t, r1, -2.0 * r1 * t / w)
    }

    /// `(g, g')` at `x`, where `V' = (x^2 - 1) g`:
    /// `g = 4 x r + u r'`, `g' = 4 r + 6 x r' + u r''`.
    fn g_and_slope(&self, x: f64) -> (f64, f64) {
        let (r, r1, r2) = self.shape(x);
        let u = x * x - 1.0;
        (4.0 * x * r + u * r1, 4.0 * r + 6.0 * x * r1 + u * r2)
    }

    /// A radius `X >= max(1, w/2)` beyond which `g` has no root (module docs).
    fn tail_radius(&self) -> f64 {
        let (w, d) = (self.width, self.delta.abs());
        let r_min = self.m - d;
        let mut x = 1.0_f64.max(0.5 * w);
        // Aim at half of r_min so rounding in the check cannot matter.
        while d * x * (-2.0 * x / w).exp() / w > 0.5 * r_min {
            x *= 2.0;
        }
        x
    }

    /// The number of roots of `g` on the real line, certified as in the
    /// module docs, or `None` if a cell could not be classified.
    fn count_roots_of_g(&self) -> Option<usize> {
        let x_max = self.tail_radius();
        let min_width = MIN_CELL * x_max;
        // Split off-centre so that symmetric parameters (root at 0) do not
        // put a cell end exactly on the root.
        let split = 0.5 * (5.0_f64.sqrt() - 1.0);
        let mut count = 0;
        let mut cells = vec![(-x_max, x_max)];
        let mut visited = 0;
        while let Some((a, b)) = cells.pop() {
            visited += 1;
            if visited > MAX_CELLS {
                return None;
            }
            let h = b - a;
            let bound = self.cell_bounds(a, b);
            let ((ga, sa), (gb, sb)) = (self.g_and_slope(a), self.g_and_slope(b));
            if ga.abs() + gb.abs() > bound.lip_g * h + 2.0 * bound.slack_g {
                continue;
            }
            let monotone = sa * sb > 0.0
                && sa.abs() + sb.abs() > bound.lip_slope * h + 2.0 * bound.slack_slope;
            if monotone && ga.abs() > bound.slack_g && gb.abs() > bound.slack_g {
                count += usize::from((ga < 0.0) != (gb < 0.0));
                continue;
            }
            if h < min_width {
                return None;
            }
            let mid = a + split * h;
            cells.push((a, mid));
            cells.push((mid, b));
        }
        Some(count)
    }

    /// Bounds over the cell `[a, b]` on `|g'|`, `|g''|` and on the rounding
    /// error of `g`, `g'` (module docs). With `s_min` the smallest `|x| / w`
    /// in the cell and `q = sech^2(s_min)` (`sech^2` decreases in `|s|`):
    /// `|tanh'| <= q`, `|tanh''| = 2 sech^2 |tanh| <= min(4 / (3 sqrt 3), 2 q)`,
    /// `|tanh'''| = 2 sech^2 |3 tanh^2 - 1| <= min(2, 4 q)`; `|r| <= m + |delta|`,
    /// `|x| <= X_c = max(|a|, |b|)`, `|x^2 - 1| <= max(X_c^2 - 1, 1)`.
    fn cell_bounds(&self, a: f64, b: f64) -> CellBounds {
        let (w, d) = (self.width, self.delta.abs());
        let s_min = if a <= 0.0 && b >= 0.0 {
            0.0
        } else {
            a.abs().min(b.abs()) / w
        };
        let q = tanh_sech2(s_min).1;
        let x_c = a.abs().max(b.abs());
        let u_c = (x_c * x_c - 1.0).max(1.0);
        let r0 = self.m + d;
        let r1 = d / w * q;
        let r2 = d / (w * w) * TANH2_BOUND.min(2.0 * q);
        let r3 = d / (w * w * w) * TANH3_BOUND.min(4.0 * q);
        let lip_g = 4.0 * r0 + 6.0 * x_c * r1 + u_c * r2;
        CellBounds {
            lip_g,
            lip_slope: 10.0 * r1 + 8.0 * x_c * r2 + u_c * r3,
            slack_g: ROUNDING_ULPS * f64::EPSILON * (4.0 * x_c * r0 + u_c * r1),
            slack_slope: ROUNDING_ULPS * f64::EPSILON * lip_g,
        }
    }

    /// Bisection on `g` over `[-1, 1]` (where `g(-1) < 0 < g(1)` and, once
    /// certified, `g` has its only root) down to adjacent floats.
    fn bisect_barrier(&self) -> f64 {
        let (mut lo, mut hi) = (-1.0_f64, 1.0_f64);
        loop {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            let g = self.g_and_slope(mid).0;
            if g < 0.0 {
                lo = mid;
            } else if g > 0.0 {
                hi = mid;
            } else {
                return mid;
            }
        }
        if self.g_and_slope(lo).0.abs() <= self.g_and_slope(hi).0.abs() {
            lo
        } else {
            hi
        }
    }
}

impl Objective for SharpFlat {
    fn dim(&self) -> usize {
        1
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let x = x[0];
        let u = x * x - 1.0;
        let (t, _) = tanh_sech2(x / self.width);
        u * u * (self.m + self.delta * t)
    }
}

impl Gradient for SharpFlat {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let x = x[0];
        let (r, r1, _) = self.shape(x);
        let u = x * x - 1.0;
        grad[0] = u * (4.0 * x * r + u * r1);
    }
}

impl Hessian for SharpFlat {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        let x = x[0];
        let (r, r1, r2) = self.shape(x);
        let u = x * x - 1.0;
        hess[(0, 0)] = (12.0 * x * x - 4.0) * r + 8.0 * x * u * r1 + u * u * r2;
    }
}

impl Landscape for SharpFlat {
    fn name(&self) -> &'static str {
        "sharp-flat"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![-1.0], vec![1.0]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![self.barrier]]
    }
}
