//! Exit from a basin under small alpha-stable noise: one big jump.
//!
//! For `dX = -V'(X) dt + eps dL_t` with `L` the standard symmetric
//! alpha-stable Levy process (`E exp(i u L_1) = exp(-|u|^alpha)`, Levy
//! measure `nu(dy) = C_alpha |y|^(-1-alpha) dy` with
//! `C_alpha = Gamma(1 + alpha) sin(pi alpha / 2) / pi`), started in the basin
//! `(a, b)` of the minimum `m`, the exit time satisfies, as `eps -> 0`,
//!
//! ```text
//! E tau ~ alpha / (C_alpha eps^alpha ((m - a)^(-alpha) + (b - m)^(-alpha))),
//! ```
//!
//! the inverse rate of the jumps `eps dL` that carry the process from `m`
//! past an edge (Imkeller and Pavlyukevich, "First exit times of SDEs driven
//! by stable Levy processes", Stoch. Proc. Appl. 116, 2006, main theorem,
//! stated for the Levy measure `|y|^(-1-alpha) dy`; constants converted in
//! `proofs/alpha_stable_exit.md`). Polynomial in `1 / eps`, and dependent on
//! the basin's width only, not on its depth: the opposite of the
//! Eyring-Kramers law for Gaussian noise. The exit happens by one jump, to
//! the right with probability `(b - m)^(-alpha) / ((m - a)^(-alpha) + (b - m)^(-alpha))`.

use crate::error::{ensure_positive, Error, Result};
use crate::landscape::Landscape;

/// Rejects `alpha` outside `(0, 2)`.
fn ensure_alpha(alpha: f64) -> Result<f64> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 2.0 {
        Ok(alpha)
    } else {
        Err(Error::OutOfRange {
            name: "alpha",
            value: alpha,
            expected: "(0, 2): alpha = 2 is Gaussian noise, which has no jumps",
        })
    }
}

/// `C_alpha = Gamma(1 + alpha) sin(pi alpha / 2) / pi`: the density constant
/// of the Levy measure of the standard symmetric alpha-stable law
/// (characteristic function `exp(-|u|^alpha)`), `alpha` in `(0, 2)`.
/// `C_1 = 1 / pi` (Cauchy); `C_alpha -> 0` as `alpha -> 2`.
///
/// See `proofs/alpha_stable_exit.md` (Samorodnitsky and Taqqu, *Stable
/// Non-Gaussian Random Processes*, 1994, Section 1.2 and Property 1.2.15).
/// The value is [`crate::noise::levy_measure_constant`], the normalisation the
/// noise module samples with; this wrapper adds the range check.
pub fn levy_density_constant(alpha: f64) -> Result<f64> {
    Ok(crate::noise::levy_measure_constant(ensure_alpha(alpha)?))
}

/// Rejects a basin half-width that is not positive (`+inf` is allowed).
fn ensure_distance(name: &'static str, d: f64) -> Result<f64> {
    if d > 0.0 && !d.is_nan() {
        Ok(d)
    } else {
        Err(Error::NonPositive { name, value: d })
    }
}

/// `(m - a)^(-alpha) + (b - m)^(-alpha)`, rejecting an unbounded basin.
fn edge_weight(alpha: f64, left: f64, right: f64) -> Result<f64> {
    let left = ensure_distance("distance from the minimum to the left edge", left)?;
    let right = ensure_distance("distance from the minimum to the right edge", right)?;
    if left.is_infinite() && right.is_infinite() {
        return Err(Error::Unsupported(
            "a basin unbounded on both sides is never left: the exit time is infinite".to_string(),
        ));
    }
    Ok(left.powf(-alpha) + right.powf(-alpha))
}

/// The small-noise exit rate `C_alpha eps^alpha ((m - a)^(-alpha) + (b - m)^(-alpha)) / alpha`
/// from a basin whose edges lie `left = m - a` and `right = b - m` from the
/// minimum (either may be `+inf`: a one-sided exit).
///
/// See `proofs/alpha_stable_exit.md` (Imkeller and Pavlyukevich, Stoch.
/// Proc. Appl. 116, 2006).
pub fn exit_rate(alpha: f64, eps: f64, left: f64, right: f64) -> Result<f64> {
    let c = levy_density_constant(alpha)?;
    let eps = ensure_positive("eps", eps)?;
    Ok(c * eps.powf(alpha) * edge_weight(alpha, left, right)? / alpha)
}

/// The small-noise mean exit time `1 / exit_rate`:
/// `alpha / (C_alpha eps^alpha ((m - a)^(-alpha) + (b - m)^(-alpha)))`.
///
/// See `proofs/alpha_stable_exit.md` (Imkeller and Pavlyukevich, Stoch.
/// Proc. Appl. 116, 2006).
pub fn mean_exit_time(alpha: f64, eps: f64, left: f64, right: f64) -> Result<f64> {
    Ok(1.0 / exit_rate(alpha, eps, left, right)?)
}

/// The probability that the exit is through the right edge:
/// `(b - m)^(-alpha) / ((m - a)^(-alpha) + (b - m)^(-alpha))`.
///
/// See `proofs/alpha_stable_exit.md`.
pub fn exit_right_probability(alpha: f64, left: f64, right: f64) -> Result<f64> {
    let alpha = ensure_alpha(alpha)?;
    Ok(right.powf(-alpha) / edge_weight(alpha, left, right)?)
}

/// The distances `(m - a, b - m)` from a 1-D landscape's `minimum`-th minimum
/// to the edges of its basin: the neighbouring saddles (barrier tops), or
/// `+inf` on a side without one.
pub fn basin_half_widths<L: Landscape + ?Sized>(
    landscape: &L,
    minimum: usize,
) -> Result<(f64, f64)> {
    crate::error::ensure_dim(
        "1-D landscape for the alpha-stable exit law",
        1,
        landscape.dim(),
    )?;
    let minima = landscape.minima();
    let m = minima.get(minimum).ok_or(Error::OutOfRange {
        name: "minimum index",
        value: minimum as f64,
        expected: "an index into the landscape's minima",
    })?[0];
    let saddles: Vec<f64> = landscape.saddles().iter().map(|s| s[0]).collect();
    let left = saddles
        .iter()
        .filter(|&&s| s < m)
        .fold(f64::INFINITY, |d, &s| d.min(m - s));
    let right = saddles
        .iter()
        .filter(|&&s| s > m)
        .fold(f64::INFINITY, |d, &s| d.min(s - m));
    Ok((left, right))
}
