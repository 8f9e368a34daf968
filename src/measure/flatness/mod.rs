//! Flatness measures of a loss at a point: how curved or how sharp the loss
//! is around `x`, for any [`Oracle`].
//!
//! | measure | file | estimates | cost | needs |
//! | --- | --- | --- | --- | --- |
//! | exact spectrum | [`exact`] | all eigenvalues of `H(x)` | 1 Hessian, `O(n^3)` | Hessian |
//! | top eigenvalues | [`lanczos`] | `lambda_1..lambda_k` (lower bounds) | `m` HVPs | HVP |
//! | trace | [`hutchinson`] | `Tr H(x)` +- SE | `p` HVPs | HVP |
//! | spectral density | [`slq`] | `phi(t)`, mean `Tr H / n` +- SE | `R m` HVPs | HVP |
//! | SAM sharpness | [`sharpness`] | `max_{||d|| <= rho} L(x+d) - L(x)` (lower bound) | values, gradients | - |
//! | Keskar sharpness | [`sharpness`] | the same over a relative box, in % | values, gradients | - |
//! | perturbed loss | [`perturbed_loss`] | `E[L(x + sigma z)]` +- SE | `2p + 1` values | - |
//!
//! The matrix-free cores take the Hessian as a closure
//! `&mut dyn FnMut(&[f64], &mut [f64])`, so they are tested on plain matrices
//! and run unchanged on a network's Hessian-vector product; each has a thin
//! `*_at(oracle, x, ...)` wrapper. Every wrapper returns its result in a
//! [`Measured`] with the evaluations it took ([`Counts`]), which the overhead
//! comparisons read. [`measure`] runs the measures a [`FlatnessConfig`]
//! asks for after checking the oracle's capabilities, and is cheap to call
//! repeatedly from an observer: nothing is cached between calls and each
//! measure allocates its work vectors once per call.
//!
//! Mathematics, variances, biases and references:
//! `proofs/flatness_measures.md`; tests: `tests/flatness.rs`.

pub mod estimate;
pub mod exact;
pub mod hutchinson;
pub mod lanczos;
pub mod observer;
mod operator;
pub mod perturbed_loss;
pub mod probes;
pub mod sharpness;
pub mod slq;
mod vector;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

pub use estimate::Estimate;
pub use hutchinson::HutchinsonConfig;
pub use lanczos::{LanczosConfig, TopEigenvalues, Tridiagonal};
pub use observer::FlatnessObserver;
pub use perturbed_loss::{PerturbedLoss, PerturbedLossConfig};
pub use sharpness::{Sharpness, SharpnessConfig};
pub use slq::{SlqConfig, SpectralDensity};

pub(crate) use crate::error::ensure_at_least;
use crate::error::{ensure_dim, ensure_finite, Result};
use crate::optim::{require, Capabilities, Counts, Oracle};
use crate::rng::{Rng, Seed};

/// A measure's result with the oracle evaluations it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured<T> {
    /// The result.
    pub result: T,
    /// Values, gradients, Hessian-vector products and Hessians used.
    pub evaluations: Counts,
}

impl<T> From<(T, Counts)> for Measured<T> {
    fn from((result, evaluations): (T, Counts)) -> Self {
        Self {
            result,
            evaluations,
        }
    }
}

/// Which flatness measures to compute, and their sizes (`None` or `false`:
/// not computed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlatnessConfig {
    /// The full Hessian spectrum (dimension at most [`exact::EXACT_MAX_DIM`]).
    pub exact: bool,
    /// Top eigenvalues by Lanczos.
    pub lanczos: Option<LanczosConfig>,
    /// Hutchinson's trace estimate.
    pub hutchinson: Option<HutchinsonConfig>,
    /// The SLQ spectral density.
    pub slq: Option<SlqConfig>,
    /// SAM's L2-ball sharpness (`radius` is `rho`).
    pub sam: Option<SharpnessConfig>,
    /// Keskar et al.'s relative-box sharpness (`radius` is `eps`).
    pub keskar: Option<SharpnessConfig>,
    /// Expected loss under Gaussian weight perturbation.
    pub perturbed_loss: Option<PerturbedLossConfig>,
}

impl Default for FlatnessConfig {
    /// The two classic curvature summaries, cheap enough for an observer:
    /// the top eigenvalue (20 Lanczos steps) and the trace (30 probes).
    fn default() -> Self {
        Self {
            exact: false,
            lanczos: Some(LanczosConfig::default()),
            hutchinson: Some(HutchinsonConfig::default()),
            slq: None,
            sam: None,
            keskar: None,
            perturbed_loss: None,
        }
    }
}

impl FlatnessConfig {
    /// Checks every requested measure's sizes.
    pub fn validate(&self) -> Result<()> {
        if let Some(c) = &self.lanczos {
            c.validate()?;
        }
        if let Some(c) = &self.hutchinson {
            c.validate()?;
        }
        if let Some(c) = &self.slq {
            c.validate()?;
        }
        for c in [&self.sam, &self.keskar].into_iter().flatten() {
            c.validate()?;
        }
        if let Some(c) = &self.perturbed_loss {
            c.validate()?;
        }
        Ok(())
    }

    /// The oracle capabilities the requested measures need.
    #[must_use]
    pub fn needs(&self) -> Capabilities {
        Capabilities {
            hessian: self.exact,
            hessian_vector: self.lanczos.is_some()
                || self.hutchinson.is_some()
                || self.slq.is_some(),
            ..Capabilities::default()
        }
    }
}

/// Where the trace in the second-order prediction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceSource {
    /// The sum of the exact eigenvalues.
    Exact,
    /// Hutchinson's estimate.
    Hutchinson,
    /// The SLQ density's mean times `n`.
    Slq,
}

/// The second-order prediction `L(x) + (sigma^2 / 2) Tr H(x)` of the
/// perturbed loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SecondOrder {
    /// The prediction and its standard error (0 for an exact trace).
    pub prediction: Estimate,
    /// The trace it used.
    pub trace_from: TraceSource,
}

/// The requested flatness measures at one point (`None`: not requested).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatnessReport {
    /// Dimension of the parameter space.
    pub dim: usize,
    /// All eigenvalues of `H(x)`, largest first.
    pub exact: Option<Measured<Vec<f64>>>,
    /// Top eigenvalues by Lanczos.
    pub lanczos: Option<Measured<TopEigenvalues>>,
    /// Hutchinson's trace estimate.
    pub hutchinson: Option<Measured<Estimate>>,
    /// The SLQ spectral density.
    pub slq: Option<Measured<SpectralDensity>>,
    /// SAM's sharpness.
    pub sam: Option<Measured<Sharpness>>,
    /// Keskar et al.'s sharpness.
    pub keskar: Option<Measured<Sharpness>>,
    /// Expected loss under weight perturbation.
    pub perturbed_loss: Option<Measured<PerturbedLoss>>,
    /// Its second-order prediction, when the perturbed loss and a trace
    /// (exact, else Hutchinson, else SLQ) were both computed.
    pub second_order_loss: Option<SecondOrder>,
}

impl FlatnessReport {
    /// The evaluations of all measures together.
    #[must_use]
    pub fn evaluations(&self) -> Counts {
        let mut total = Counts::default();
        let parts = [
            self.exact.as_ref().map(|m| m.evaluations),
            self.lanczos.as_ref().map(|m| m.evaluations),
            self.hutchinson.as_ref().map(|m| m.evaluations),
            self.slq.as_ref().map(|m| m.evaluations),
            self.sam.as_ref().map(|m| m.evaluations),
            self.keskar.as_ref().map(|m| m.evaluations),
            self.perturbed_loss.as_ref().map(|m| m.evaluations),
        ];
        parts.into_iter().flatten().for_each(|c| total.add(c));
        total
    }

    /// The best available trace of `H(x)`: exact, else Hutchinson, else SLQ.
    #[must_use]
    pub fn trace(&self) -> Option<(Estimate, TraceSource)> {
        if let Some(m) = &self.exact {
            let exact = Estimate {
                mean: m.result.iter().sum(),
                std_error: 0.0,
                samples: 1,
            };
            return Some((exact, TraceSource::Exact));
        }
        if let Some(m) = &self.hutchinson {
            return Some((m.result, TraceSource::Hutchinson));
        }
        self.slq
            .as_ref()
            .map(|m| (m.result.trace(), TraceSource::Slq))
    }
}

/// Computes the flatness measures `cfg` requests for `oracle` at `x`.
///
/// Checks first, before any evaluation: `x` has the oracle's dimension (at
/// least 1) and finite entries, `cfg` is valid, and the oracle has the
/// capabilities the measures need (the error names the missing ones).
///
/// Randomness: one draw from `rng` seeds the call; measure `i` (in the order
/// of [`FlatnessReport`]'s fields) uses stream `i` of that seed, so turning
/// one measure on or off leaves the others' draws unchanged.
pub fn measure(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &FlatnessConfig,
    rng: &mut Rng,
) -> Result<FlatnessReport> {
    check_point(oracle, x)?;
    let n = oracle.dim();
    cfg.validate()?;
    require(oracle, cfg.needs(), "the requested flatness measures")?;
    let seed = Seed(rng.next_u64());
    let mut report = FlatnessReport {
        dim: n,
        exact: cfg
            .exact
            .then(|| exact::spectrum_at(oracle, x))
            .transpose()?,
        lanczos: cfg
            .lanczos
            .map(|c| lanczos::top_eigenvalues_at(oracle, x, &c, &mut seed.stream(1)))
            .transpose()?,
        hutchinson: cfg
            .hutchinson
            .map(|c| hutchinson::trace_at(oracle, x, &c, &mut seed.stream(2)))
            .transpose()?,
        slq: cfg
            .slq
            .map(|c| slq::spectral_density_at(oracle, x, &c, &mut seed.stream(3)))
            .transpose()?,
        sam: cfg
            .sam
            .map(|c| sharpness::sam_sharpness_at(oracle, x, &c, &mut seed.stream(4)))
            .transpose()?,
        keskar: cfg
            .keskar
            .map(|c| sharpness::keskar_sharpness_at(oracle, x, &c, &mut seed.stream(5)))
            .transpose()?,
        perturbed_loss: cfg
            .perturbed_loss
            .map(|c| perturbed_loss::expected_loss_at(oracle, x, &c, &mut seed.stream(6)))
            .transpose()?,
        second_order_loss: None,
    };
    if let (Some(c), Some(p), Some((trace, trace_from))) =
        (&cfg.perturbed_loss, &report.perturbed_loss, report.trace())
    {
        report.second_order_loss = Some(SecondOrder {
            prediction: perturbed_loss::second_order_prediction(p.result.loss, trace, c.sigma),
            trace_from,
        });
    }
    Ok(report)
}

/// Rejects a point that does not fit the oracle: a dimension of 0, a length
/// other than the oracle's dimension, or a non-finite entry.
pub(crate) fn check_point(oracle: &dyn Oracle, x: &[f64]) -> Result<()> {
    let n = oracle.dim();
    ensure_at_least("dimension", n, 1, "at least 1")?;
    ensure_dim("flatness: x vs oracle", n, x.len())?;
    for &xi in x {
        ensure_finite("x", xi)?;
    }
    Ok(())
}
