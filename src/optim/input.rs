//! The inputs site: perturbations of the data a gradient is computed on.
//!
//! Each augmentation maps one sample's input vector `a` to a random `a'`,
//! drawn afresh every time a gradient touches the sample.
//!
//! - Gaussian input noise `a' = a + sigma z`, `z ~ N(0, I)`. On linear least
//!   squares its expected loss is the ridge loss with `lambda = sigma^2`
//!   (Bishop 1995, "Training with noise is equivalent to Tikhonov
//!   regularization"; see `theory::input_noise`).
//! - Inverted dropout `a'_j = a_j m_j / (1 - p)`, `m_j ~ Bernoulli(1 - p)`
//!   (Srivastava et al. 2014, JMLR 15, "Dropout"), unbiased: `E a' = a`;
//!   on least squares it is a data-dependent ridge penalty
//!   `p / (1 - p) sum_j a_j^2 x_j^2 / 2` (Wager, Wang, Liang 2013).

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::error::{ensure_positive, Error, Result};
use crate::rng::Rng;

/// One input augmentation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Augmentation {
    /// `a + sigma z` with `z ~ N(0, I)`.
    GaussianNoise {
        /// Noise standard deviation (positive).
        sigma: f64,
    },
    /// Inverted dropout with drop probability `p` in `[0, 1)`.
    Dropout {
        /// Drop probability.
        p: f64,
    },
}

impl Augmentation {
    /// Gaussian input noise of standard deviation `sigma > 0`.
    pub fn gaussian(sigma: f64) -> Result<Self> {
        Ok(Self::GaussianNoise {
            sigma: ensure_positive("sigma", sigma)?,
        })
    }

    /// Inverted dropout with drop probability `0 <= p < 1`.
    pub fn dropout(p: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::OutOfRange {
                name: "p",
                value: p,
                expected: "0 <= p < 1",
            });
        }
        Ok(Self::Dropout { p })
    }

    fn apply(&self, input: &mut [f64], rng: &mut Rng) {
        match *self {
            Self::GaussianNoise { sigma } => input.iter_mut().for_each(|a| {
                *a += sigma * rng.sample::<f64, _>(StandardNormal);
            }),
            Self::Dropout { p } => {
                let keep = 1.0 / (1.0 - p);
                input.iter_mut().for_each(|a| {
                    *a *= if rng.random::<f64>() < p { 0.0 } else { keep };
                });
            }
        }
    }
}

/// The augmentations applied, in order, to every input a gradient reads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputSite {
    augmentations: Vec<Augmentation>,
}

impl InputSite {
    /// Adds an augmentation after the existing ones.
    pub fn push(&mut self, augmentation: Augmentation) {
        self.augmentations.push(augmentation);
    }

    /// `true` when inputs are used as they are.
    pub fn is_identity(&self) -> bool {
        self.augmentations.is_empty()
    }

    /// The augmentations in order.
    pub fn augmentations(&self) -> &[Augmentation] {
        &self.augmentations
    }

    /// Perturbs one input in place.
    pub fn perturb(&self, input: &mut [f64], rng: &mut Rng) {
        for a in &self.augmentations {
            a.apply(input, rng);
        }
    }
}
