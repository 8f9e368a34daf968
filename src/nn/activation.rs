//! Elementwise activations of hidden layers and their derivatives.

use super::scalar::Scalar;
use crate::error::{Error, Result};

/// `sqrt(2 / pi)`, the slope constant of the tanh form of GELU.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh form of GELU.
const GELU_CUBIC: f64 = 0.044_715;

/// An activation applied elementwise after a hidden dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Activation {
    /// `max(0, z)`; its derivative at 0 is taken as 0.
    Relu,
    /// `tanh(z)`.
    Tanh,
    /// GELU in its tanh approximation (Hendrycks and Gimpel 2016, "Gaussian
    /// Error Linear Units (GELUs)", section 2):
    /// `0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))`. This is the
    /// approximation, not the exact `z Phi(z)`; it agrees with it to about
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

    /// `a_i = f(z_i)` for every element.
    pub fn forward<T: Scalar>(self, z: &[T], a: &mut [T]) {
        match self {
            Self::Relu => map(z, a, |x| if x > T::ZERO { x } else { T::ZERO }),
            Self::Tanh => map(z, a, T::tanh),
            Self::Gelu => map(z, a, |x| {
                let (t, _) = gelu_tanh(x);
                T::from_f64(0.5) * x * (T::ONE + t)
            }),
        }
    }

    /// `g_i <- g_i f'(z_i)`: turns the gradient with respect to the outputs
    /// into the gradient with respect to the pre-activations `z`; `a` holds
    /// the outputs of [`Activation::forward`] (tanh reuses them).
    pub fn backward<T: Scalar>(self, z: &[T], a: &[T], g: &mut [T]) {
        match self {
            Self::Relu => {
                for (g, &x) in g.iter_mut().zip(z) {
                    if x <= T::ZERO {
                        *g = T::ZERO;
                    }
                }
            }
            Self::Tanh => {
                for (g, &y) in g.iter_mut().zip(a) {
                    *g *= T::ONE - y * y;
                }
            }
            Self::Gelu => {
                let half = T::from_f64(0.5);
                let three_c = T::from_f64(3.0 * GELU_CUBIC);
                for (g, &x) in g.iter_mut().zip(z) {
                    // d/dx [x (1 + t) / 2] = (1 + t)/2 + x (1 - t^2) u'(x) / 2
                    // with t = tanh(u), u = s (x + c x^3), u' = s (1 + 3 c x^2).
                    let (t, s) = gelu_tanh(x);
                    let du = s * (T::ONE + three_c * x * x);
                    *g *= half * (T::ONE + t) + half * x * (T::ONE - t * t) * du;
                }
            }
        }
    }
}

/// `(tanh(s (x + c x^3)), s)` with `s = sqrt(2/pi)`, `c = 0.044715`.
#[inline]
fn gelu_tanh<T: Scalar>(x: T) -> (T, T) {
    let s = T::from_f64(SQRT_2_OVER_PI);
    let c = T::from_f64(GELU_CUBIC);
    ((s * (x + c * x * x * x)).tanh(), s)
}

#[inline]
fn map<T: Scalar>(z: &[T], a: &mut [T], f: impl Fn(T) -> T) {
    assert_eq!(z.len(), a.len(), "activation: length mismatch");
    for (a, &x) in a.iter_mut().zip(z) {
        *a = f(x);
    }
}
