//! Seeded initialisation of dense weights (biases start at zero).

use rand_distr::{Distribution, StandardNormal};

use super::scalar::Scalar;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// How a layer's weights are drawn from its fan-in and fan-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Init {
    /// He (Kaiming) normal: `W_ij ~ N(0, 2 / fan_in)`, which keeps the
    /// variance of pre-activations constant through ReLU layers (He, Zhang,
    /// Ren and Sun 2015, "Delving Deep into Rectifiers", eq. 10).
    He,
    /// Glorot (Xavier) uniform: `W_ij ~ U(-a, a)` with
    /// `a = sqrt(6 / (fan_in + fan_out))`, balancing forward and backward
    /// variances for symmetric activations such as tanh (Glorot and Bengio
    /// 2010, "Understanding the difficulty of training deep feedforward
    /// neural networks", eq. 16).
    Glorot,
}

impl Init {
    /// The names accepted by [`Init::parse`].
    pub const NAMES: &'static str = "he, glorot";

    /// Parses `he` or `glorot`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "he" => Ok(Self::He),
            "glorot" => Ok(Self::Glorot),
            _ => Err(Error::Unknown {
                kind: "initialisation",
                name: name.to_string(),
                known: Self::NAMES.to_string(),
            }),
        }
    }

    /// Fills `weights` with draws for a layer of the given fans. Draws are
    /// made in `f64` and rounded, so an `f32` and an `f64` network from one
    /// seed hold the same parameters up to rounding.
    pub fn fill<T: Scalar>(self, weights: &mut [T], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        match self {
            Self::He => {
                let sd = (2.0 / fan_in as f64).sqrt();
                for w in weights {
                    let z: f64 = StandardNormal.sample(rng);
                    *w = T::from_f64(sd * z);
                }
            }
            Self::Glorot => {
                let a = (6.0 / (fan_in + fan_out) as f64).sqrt();
                for w in weights {
                    let u: f64 = rand::RngExt::random(rng);
                    *w = T::from_f64(a * (2.0 * u - 1.0));
                }
            }
        }
    }
}
