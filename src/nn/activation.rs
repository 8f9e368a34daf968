//! Elementwise activations and their first and second derivatives.
//!
//! The second derivative enters only the R-operator backward pass of an
//! activation layer (see [`crate::nn::Activate`]): differentiating
//! `dx = f'(x) dy` along a direction gives `R{dx} = f'(x) R{dy} + f''(x)
//! R{x} dy`.

use super::scalar::Scalar;
use crate::error::{Error, Result};

/// `sqrt(2 / pi)`, the slope constant of the tanh form of GELU.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh form of GELU.
const GELU_CUBIC: f64 = 0.044_715;

/// An activation applied elementwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Activation {
    /// `max(0, x)`; its first and second derivatives at 0 are taken as 0.
    Relu,
    /// `tanh(x)`: `f' = 1 - t^2`, `f'' = -2 t (1 - t^2)` with `t = tanh x`.
    Tanh,
    /// GELU in its tanh approximation (Hendrycks and Gimpel 2016, "Gaussian
    /// Error Linear Units (GELUs)", section 2):
    /// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`. This is the
    /// approximation, not the exact `x Phi(x)`; it agrees with it to about
    /// `1e-3` and is what `tanh`-GELU means in PyTorch.
    Gelu,
}

impl Activation {
    /// The names accepted by [`Activation::parse`].
    pub const NAMES: &'static str = "relu, tanh, gelu";

    /// Parses `relu`, `tanh` or `gelu`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "relu" => Ok(Self::Relu),
            "tanh" => Ok(Self::Tanh),
            "gelu" => Ok(Self::Gelu),
            _ => Err(Error::Unknown {
                kind: "activation",
                name: name.to_string(),
                known: Self::NAMES.to_string(),
            }),
        }
    }

    /// `y_i = f(x_i)` for every element.
    pub fn forward<T: Scalar>(self, x: &[T], y: &mut [T]) {
        match self {
            Self::Relu => map(x, y, |x| if x > T::ZERO { x } else { T::ZERO }),
            Self::Tanh => map(x, y, T::tanh),
            Self::Gelu => map(x, y, |x| {
                let (t, _) = gelu_tanh(x);
                T::from_f64(0.5) * x * (T::ONE + t)
            }),
        }
    }

    /// The backward pass `dx_i = f'(x_i) dy_i`, where `y` holds `f(x)` from
    /// [`Activation::forward`] (tanh reads its slope `1 - y^2` from it).
    pub fn backward<T: Scalar>(self, x: &[T], y: &[T], dy: &[T], dx: &mut [T]) {
        match self {
            Self::Relu => zip_map(x, y, dy, dx, |x, _, g| relu_gate(x, g)),
            Self::Tanh => zip_map(x, y, dy, dx, |_, y, g| (T::ONE - y * y) * g),
            Self::Gelu => zip_map(x, y, dy, dx, |x, _, g| gelu_slope(x) * g),
        }
    }

    /// The R-forward pass `R{y}_i = f'(x_i) R{x}_i`, from `x` alone.
    pub fn r_forward<T: Scalar>(self, x: &[T], rx: &[T], ry: &mut [T]) {
        match self {
            Self::Relu => zip_map(x, x, rx, ry, |x, _, g| relu_gate(x, g)),
            Self::Tanh => zip_map(x, x, rx, ry, |x, _, g| {
                let t = x.tanh();
                (T::ONE - t * t) * g
            }),
            Self::Gelu => zip_map(x, x, rx, ry, |x, _, g| gelu_slope(x) * g),
        }
    }

    /// `out_i = f'(x_i) rdy_i + f''(x_i) rx_i dy_i`, the R-operator of
    /// `dx = f'(x) dy` (product rule; Pearlmutter 1994, "Fast exact
    /// multiplication by the Hessian", section 4). ReLU's `f''` is 0 away
    /// from the kink, so it reduces to the slope times `rdy`.
    pub fn r_backward<T: Scalar>(
        self,
        x: &[T],
        y: &[T],
        rx: &[T],
        dy: &[T],
        rdy: &[T],
        out: &mut [T],
    ) {
        match self {
            Self::Relu => self.backward(x, y, rdy, out),
            Self::Tanh => {
                let two = T::from_f64(2.0);
                for ((((o, &t), &r), &d), &rd) in out.iter_mut().zip(y).zip(rx).zip(dy).zip(rdy) {
                    let s = T::ONE - t * t;
                    *o = s * (rd - two * t * r * d);
                }
            }
            Self::Gelu => {
                for ((((o, &x), &r), &d), &rd) in out.iter_mut().zip(x).zip(rx).zip(dy).zip(rdy) {
                    *o = gelu_slope(x) * rd + gelu_curvature(x) * r * d;
                }
            }
        }
    }
}

/// ReLU's slope times `g`: `g` where `x > 0`, else 0.
#[inline]
fn relu_gate<T: Scalar>(x: T, g: T) -> T {
    if x > T::ZERO {
        g
    } else {
        T::ZERO
    }
}

/// `(tanh(u), s)` with `u = s (x + c x^3)`, `s = sqrt(2/pi)`,
/// `c = 0.044715`.
#[inline]
fn gelu_tanh<T: Scalar>(x: T) -> (T, T) {
    let s = T::from_f64(SQRT_2_OVER_PI);
    let c = T::from_f64(GELU_CUBIC);
    ((s * (x + c * x * x * x)).tanh(), s)
}

/// GELU's slope: `d/dx [x (1 + t) / 2] = (1 + t)/2 + x (1 - t^2) u' / 2`
/// with `t = tanh(u)`, `u = s (x + c x^3)`, `u' = s (1 + 3 c x^2)`.
#[inline]
fn gelu_slope<T: Scalar>(x: T) -> T {
    let half = T::from_f64(0.5);
    let (t, s) = gelu_tanh(x);
    let du = s * (T::ONE + T::from_f64(3.0 * GELU_CUBIC) * x * x);
    half * (T::ONE + t) + half * x * (T::ONE - t * t) * du
}

/// GELU's second derivative, differentiating [`gelu_slope`] once more with
/// `(1 - t^2)' = -2 t (1 - t^2) u'` and `u'' = 6 s c x`:
/// `(1 - t^2) (u' - x t u'^2 + x u'' / 2)`.
#[inline]
fn gelu_curvature<T: Scalar>(x: T) -> T {
    let (t, s) = gelu_tanh(x);
    let c = T::from_f64(GELU_CUBIC);
    let du = s * (T::ONE + T::from_f64(3.0) * c * x * x);
    let ddu = T::from_f64(6.0) * s * c * x;
    (T::ONE - t * t) * (du - x * t * du * du + T::from_f64(0.5) * x * ddu)
}

#[inline]
fn map<T: Scalar>(x: &[T], y: &mut [T], f: impl Fn(T) -> T) {
    assert_eq!(x.len(), y.len(), "activation: length mismatch");
    for (y, &x) in y.iter_mut().zip(x) {
        *y = f(x);
    }
}

#[inline]
fn zip_map<T: Scalar>(x: &[T], y: &[T], g: &[T], out: &mut [T], f: impl Fn(T, T, T) -> T) {
    assert_eq!(x.len(), out.len(), "activation: length mismatch");
    for (((o, &x), &y), &g) in out.iter_mut().zip(x).zip(y).zip(g) {
        *o = f(x, y, g);
    }
}
