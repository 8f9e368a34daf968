//! The exact mean first-passage time of a 1-D diffusion, by quadrature.
//!
//! For `dX = -V'(X) dt + sqrt(2 D(X)) dW` (Ito) started at `x0`, confined on
//! the side away from the target `b` (natural boundary at infinity,
//! `V -> +inf`), the mean time to reach `b > x0` is
//!
//! ```text
//! T(x0) = int_{x0}^{b} psi(y) int_{-inf}^{y} dz / (D(z) psi(z)) dy,
//! psi(y) = exp(Phi(y)),  Phi(y) = int^y V'(z) / D(z) dz,
//! ```
//!
//! and the mirror image for `b < x0` (Gardiner, *Handbook of Stochastic
//! Methods*, Section 5.2.7; derived from the backward equation
//! `D T'' - V' T' = -1`, `T(b) = 0`, in `proofs/mfpt_1d.md`).
//!
//! **Numerics.** On the adaptive panel grid of [`Overdamped1d`], from the
//! target outwards to where the speed density `exp(-Phi) / D` is below
//! `1e-17` of its largest value on the far side of `x0`. Both integrals
//! are accumulated in log space: the inner one as `ln I(y)` with
//! `I(y) = int_{-inf}^{y} exp(-Phi) / D`, the outer one as `ln T` from
//! `exp(Phi + ln I)`, exponentiating only differences within a panel, so
//! times like `exp(1000)` are returned as logs without overflow.
//! Accuracy: relative error below `1e-10` on the closed forms of
//! `tests/theory.rs` (Ornstein-Uhlenbeck series, piecewise-quadratic
//! asymptotics, the Laplace expansion of the double well, golden values
//! from 30-digit `mpmath` quadrature); the target was `1e-8`.

use std::cmp::Ordering;

use super::overdamped::Overdamped1d;
use super::quadrature::{ln_add_exp, PanelRule, NODES};
use crate::error::{ensure_finite, Error, Result};

/// `ln T(x0 -> target)`: the log of the exact mean first-passage time from
/// `x0` to `target` (to the right if `target > x0`, the process confined on
/// the left; mirrored otherwise). `-inf` when `x0 == target`.
///
/// See `proofs/mfpt_1d.md` (Gardiner, *Handbook of Stochastic Methods*,
/// Section 5.2.7). Errors: non-finite arguments; a potential that does not
/// confine on the far side; `D <= 0`; `V'/D` not integrable (then the
/// target is not reachable and the time is infinite).
pub fn log_mean_first_passage_time(
    process: &Overdamped1d<'_>,
    x0: f64,
    target: f64,
) -> Result<f64> {
    ensure_finite("x0", x0)?;
    ensure_finite("target", target)?;
    let sigma = match target.partial_cmp(&x0) {
        Some(Ordering::Greater) => 1.0,
        Some(Ordering::Less) => -1.0,
        _ => return Ok(f64::NEG_INFINITY),
    };
    // In u = sigma x the target lies to the right of the start.
    let (start, end) = (sigma * x0, sigma * target);
    let mut panels = process.march(sigma, end, start, Some(start))?;
    panels.reverse();

    let rule = PanelRule::new();
    let mut ln_inner = f64::NEG_INFINITY;
    let mut ln_time = f64::NEG_INFINITY;
    let mut scaled = [0.0; NODES];
    let mut outer = [0.0; NODES];
    for p in &panels {
        let half = 0.5 * (p.b - p.a);
        let top = (0..NODES)
            .map(|j| p.ln_speed(j))
            .fold(f64::NEG_INFINITY, f64::max);
        for (j, s) in scaled.iter_mut().enumerate() {
            *s = (p.ln_speed(j) - top).exp();
        }
        // The start is a panel edge, so a panel is either all before it or all after.
        if p.a >= start {
            for (j, o) in outer.iter_mut().enumerate() {
                let ln_partial = (half * rule.partial(j, &scaled)).max(0.0).ln();
                *o = p.phi[j] + ln_add_exp(ln_inner, top + ln_partial);
            }
            let outer_top = outer.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for o in outer.iter_mut() {
                *o = (*o - outer_top).exp();
            }
            ln_time = ln_add_exp(ln_time, outer_top + (half * rule.total(&outer)).ln());
        }
        ln_inner = ln_add_exp(ln_inner, top + (half * rule.total(&scaled)).ln());
    }
    if ln_time.is_nan() {
        return Err(Error::Unsupported(format!(
            "the first-passage quadrature from {x0} to {target} produced NaN"
        )));
    }
    Ok(ln_time)
}

/// The exact mean first-passage time `T(x0 -> target)`; `exp` of
/// [`log_mean_first_passage_time`], so `+inf` when the time exceeds the
/// range of `f64` (about `exp(709)`): use the log form for tiny noise.
///
/// See `proofs/mfpt_1d.md` (Gardiner, *Handbook of Stochastic Methods*,
/// Section 5.2.7).
pub fn mean_first_passage_time(process: &Overdamped1d<'_>, x0: f64, target: f64) -> Result<f64> {
    Ok(log_mean_first_passage_time(process, x0, target)?.exp())
}
