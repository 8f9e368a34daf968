//! Landscapes by name: the `name:key=value,...` specs of the command line.
//!
//! [`parse`] turns a spec into an [`AnyLandscape`], an enum with one variant
//! per tractable landscape that implements the objective traits by `match`,
//! so experiments stay monomorphic (no trait objects in the hot loop) while
//! the landscape is chosen at run time. [`LANDSCAPE_HELP`] lists every spec.

use nalgebra::DMatrix;

use super::{
    DoubleWell, Gradient, Hessian, Landscape, Objective, PiecewiseValley, Quadratic, Quartic,
    SharpFlat, StrictSaddle, TiltedDoubleWell, TransverseDoubleWell, WideningValley,
};
use crate::error::{Error, Result};
use crate::spec::Spec;

/// Every landscape spec with its parameters and defaults, one line each.
pub const LANDSCAPE_HELP: &str = "\
quadratic:h=1,c=0                          V = (x-c)^T diag(h) (x-c) / 2; h, c lists of one length (default: ones, zeros), h > 0
double-well                                V = (x^2-1)^2; minima -1, 1, barrier top 0, height 1
tilted-double-well:c=0.25                  V = (x^2-1)^2 + c x; |c| < 8/(3 sqrt 3) ~ 1.5396
transverse-double-well:a=3                 V = (x^2-1)^2 + (1 + a x^2) y^2 / 2 in 2-D; a > -1
sharp-flat:left=24,right=4,width=0.5       V = (x^2-1)^2 (m + delta tanh(x/width)); V(+-1) = 0, V''(-1) = left, V''(1) = right; 1e-3 <= width <= 1e3
piecewise-valley:min=8,saddle=4,height=1   C^1 quadratic pieces; V = 0 and V'' = left, right at the minima (both default to min), V(0) = height, V''(0) = -saddle
widening-valley:d=2                        L = v^2 |u|^2 / 2, u in R^d, v the last coordinate (dim d + 1); minima: the continuum u = 0 or v = 0
strict-saddle:gamma=1,h=1                  V = -gamma x1^2/2 + x1^4/4 + sum_i h_i x_(i+1)^2/2 (dim 1 + len h); saddle 0, minima x1 = +-sqrt(gamma); gamma, h > 0
quartic:h=1,q=1                            V = sum_i (h_i x_i^2/2 + q_i x_i^4/4); h, q lists of one length (default: ones), h > 0, q >= 0; minimum 0";

/// The names [`parse`] accepts, in the order of [`LANDSCAPE_HELP`].
pub const LANDSCAPE_NAMES: [&str; 9] = [
    "quadratic",
    "double-well",
    "tilted-double-well",
    "transverse-double-well",
    "sharp-flat",
    "piecewise-valley",
    "widening-valley",
    "strict-saddle",
    "quartic",
];

/// Any tractable landscape, chosen at run time (see [`parse`]).
#[derive(Debug, Clone, PartialEq)]
pub enum AnyLandscape {
    /// [`Quadratic`].
    Quadratic(Quadratic),
    /// [`DoubleWell`].
    DoubleWell(DoubleWell),
    /// [`TiltedDoubleWell`].
    TiltedDoubleWell(TiltedDoubleWell),
    /// [`TransverseDoubleWell`].
    TransverseDoubleWell(TransverseDoubleWell),
    /// [`SharpFlat`].
    SharpFlat(SharpFlat),
    /// [`PiecewiseValley`].
    PiecewiseValley(PiecewiseValley),
    /// [`WideningValley`].
    WideningValley(WideningValley),
    /// [`StrictSaddle`].
    StrictSaddle(StrictSaddle),
    /// [`Quartic`].
    Quartic(Quartic),
}

/// Calls `$call` on the landscape inside any variant.
macro_rules! dispatch {
    ($self:expr, $l:ident => $call:expr) => {
        match $self {
            AnyLandscape::Quadratic($l) => $call,
            AnyLandscape::DoubleWell($l) => $call,
            AnyLandscape::TiltedDoubleWell($l) => $call,
            AnyLandscape::TransverseDoubleWell($l) => $call,
            AnyLandscape::SharpFlat($l) => $call,
            AnyLandscape::PiecewiseValley($l) => $call,
            AnyLandscape::WideningValley($l) => $call,
            AnyLandscape::StrictSaddle($l) => $call,
            AnyLandscape::Quartic($l) => $call,
        }
    };
}

impl Objective for AnyLandscape {
    #[inline]
    fn dim(&self) -> usize {
        dispatch!(self, l => l.dim())
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        dispatch!(self, l => l.value(x))
    }
}

impl Gradient for AnyLandscape {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        dispatch!(self, l => l.gradient(x, grad))
    }

    #[inline]
    fn gradient_block(&self, xs: &[f64], grads: &mut [f64]) {
        dispatch!(self, l => l.gradient_block(xs, grads))
    }
}

impl Hessian for AnyLandscape {
    #[inline]
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        dispatch!(self, l => l.hessian(x, hess))
    }
}

impl Landscape for AnyLandscape {
    fn name(&self) -> &'static str {
        dispatch!(self, l => l.name())
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        dispatch!(self, l => l.minima())
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        dispatch!(self, l => l.saddles())
    }
}

/// Builds the landscape a spec names, with the defaults of
/// [`LANDSCAPE_HELP`] for omitted parameters.
///
/// Errors: an unknown name gives [`Error::Unknown`] (listing the known
/// names), a malformed spec or an unknown/misspelt key gives
/// [`Error::BadSpec`], and invalid values the constructor's error.
pub fn parse(text: &str) -> Result<AnyLandscape> {
    let mut spec = Spec::parse("landscape", text)?;
    let name = spec.name().to_string();
    // Each arm reads its keys, rejects leftovers (a misspelt key is reported
    // before any consequence of the default it left in place), then builds.
    Ok(match name.as_str() {
        "quadratic" => {
            let h = spec.take_list("h");
            let c = spec.take_list("c");
            spec.finish(&["h", "c"])?;
            let n = h.as_ref().or(c.as_ref()).map_or(1, Vec::len);
            let h = h.unwrap_or_else(|| vec![1.0; n]);
            let c = c.unwrap_or_else(|| vec![0.0; n]);
            AnyLandscape::Quadratic(Quadratic::diagonal(&h, c)?)
        }
        "double-well" => {
            spec.finish(&[])?;
            AnyLandscape::DoubleWell(DoubleWell)
        }
        "tilted-double-well" => {
            let c = spec.take_or("c", 0.25)?;
            spec.finish(&["c"])?;
            AnyLandscape::TiltedDoubleWell(TiltedDoubleWell::new(c)?)
        }
        "transverse-double-well" => {
            let a = spec.take_or("a", 3.0)?;
            spec.finish(&["a"])?;
            AnyLandscape::TransverseDoubleWell(TransverseDoubleWell::new(a)?)
        }
        "sharp-flat" => {
            let left = spec.take_or("left", 24.0)?;
            let right = spec.take_or("right", 4.0)?;
            let width = spec.take_or("width", 0.5)?;
            spec.finish(&["left", "right", "width"])?;
            AnyLandscape::SharpFlat(SharpFlat::new(left, right, width)?)
        }
        "piecewise-valley" => {
            let min = spec.take_or("min", 8.0)?;
            let left = spec.take_or("left", min)?;
            let right = spec.take_or("right", min)?;
            let saddle = spec.take_or("saddle", 4.0)?;
            let height = spec.take_or("height", 1.0)?;
            spec.finish(&["min", "left", "right", "saddle", "height"])?;
            AnyLandscape::PiecewiseValley(PiecewiseValley::new(left, right, saddle, height)?)
        }
        "widening-valley" => {
            let d = spec.take_count("d", 2)?;
            spec.finish(&["d"])?;
            // Saturates where usize is narrower than u64; `new` then rejects it.
            let d = usize::try_from(d).unwrap_or(usize::MAX);
            AnyLandscape::WideningValley(WideningValley::new(d)?)
        }
        "strict-saddle" => {
            let gamma = spec.take_or("gamma", 1.0)?;
            let h = spec.take_list("h").unwrap_or_else(|| vec![1.0]);
            spec.finish(&["gamma", "h"])?;
            AnyLandscape::StrictSaddle(StrictSaddle::new(gamma, h)?)
        }
        "quartic" => {
            let h = spec.take_list("h");
            let q = spec.take_list("q");
            spec.finish(&["h", "q"])?;
            let n = h.as_ref().or(q.as_ref()).map_or(1, Vec::len);
            let h = h.unwrap_or_else(|| vec![1.0; n]);
            let q = q.unwrap_or_else(|| vec![1.0; n]);
            AnyLandscape::Quartic(Quartic::new(h, q)?)
        }
        _ => {
            return Err(Error::Unknown {
                kind: "landscape",
                name,
                known: LANDSCAPE_NAMES.join(", "),
            })
        }
    })
}
