//! An optimizer: the inputs site, a probe, and a chain of transforms.
//!
//! One step at parameters `x` and iteration `t`:
//! 1. the [`Evaluator`] restricts the objective to the step's minibatch and
//!    applies the inputs site;
//! 2. the probe returns the gradient `g` (at `x`, or at perturbed points);
//! 3. `u = g` passes through the transforms in order, each reading the
//!    step's [`Step`] (and its noise intensity, which schedules and
//!    controllers set for the noise pieces after them);
//! 4. `x <- x + u`.
//!
//! The pieces are enums over the concrete transform and probe types
//! ([`AnyTransform`], [`AnyProbe`]), so an optimizer is plain data: it
//! serializes, its state checkpoints, and the step is monomorphic.

use serde::{Deserialize, Serialize};

use super::adam::{Adam, AdamState};
use super::anti_pgd::{AntiCorrelated, AntiCorrelatedState};
use super::clip::Clip;
use super::curvature_control::{CurvatureControl, CurvatureState};
use super::evaluator::Evaluator;
use super::gaussian_noise::GaussianNoise;
use super::input::InputSite;
use super::mala::{Mala, MalaState};
use super::momentum::Momentum;
use super::oracle::Capabilities;
use super::oscillation::{Oscillation, OscillationState};
use super::pgd::{PerturbOnSmallGradient, PgdState};
use super::probe::{Plain, Probe};
use super::psgld::Psgld;
use super::rwp::RandomWeight;
use super::sam::SharpnessAware;
use super::scheduled::Scheduled;
use super::sgd::Sgd;
use super::sgd_noise::SgdNoise;
use super::sghmc::Sghmc;
use super::stable_noise::StableNoise;
use super::transform::{Site, Step, Transform};
use super::variance_control::{VarianceControl, VarianceState};
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Defines an enum over piece types, its state enum, and a dispatch macro.
macro_rules! pieces {
    ($trait:ident, $any:ident, $state:ident, $dispatch:ident, $(($variant:ident, $ty:ty, $st:ty)),+ $(,)?) => {
        /// One piece, chosen at run time.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $any {
            $(
                #[doc = concat!("[`", stringify!($ty), "`].")]
                $variant($ty),
            )+
        }

        /// The state of the piece in the same variant.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum $state {
            $(
                #[doc = concat!("State of [`", stringify!($ty), "`].")]
                $variant($st),
            )+
        }

        macro_rules! $dispatch {
            ($self:expr, $p:ident => $call:expr) => {
                match $self {
                    $($any::$variant($p) => $call,)+
                }
            };
            ($self:expr, $st_in:expr, $p:ident, $s:ident => $call:expr) => {
                match ($self, $st_in) {
                    $(($any::$variant($p), $state::$variant($s)) => $call,)+
                    _ => unreachable!("a state always comes from its own piece's init"),
                }
            };
        }

        impl $any {
            /// The state before the first step.
            pub fn init(&self, dim: usize, rng: &mut Rng) -> $state {
                match self {
                    $($any::$variant(p) => $state::$variant(p.init(dim, rng)),)+
                }
            }

            /// The site the piece perturbs, if any.
            pub fn site(&self) -> Option<Site> {
                $dispatch!(self, p => p.site())
            }
        }
    };
}

pieces!(
    Transform,
    AnyTransform,
    AnyTransformState,
    dispatch_transform,
    (Sgd, Sgd, ()),
    (Momentum, Momentum, Vec<f64>),
    (Adam, Adam, AdamState),
    (WeightDecay, super::weight_decay::WeightDecay, ()),
    (Clip, Clip, ()),
    (GaussianNoise, GaussianNoise, Vec<f64>),
    (SgdNoise, SgdNoise, Vec<f64>),
    (StableNoise, StableNoise, ()),
    (AntiCorrelated, AntiCorrelated, AntiCorrelatedState),
    (PerturbOnSmallGradient, PerturbOnSmallGradient, PgdState),
    (Scheduled, Scheduled, ()),
    (VarianceControl, VarianceControl, VarianceState),
    (CurvatureControl, CurvatureControl, CurvatureState),
    (Mala, Mala, MalaState),
    (Psgld, Psgld, Vec<f64>),
    (Sghmc, Sghmc, Vec<f64>),
);

pieces!(
    Probe,
    AnyProbe,
    AnyProbeState,
    dispatch_probe,
    (Plain, Plain, ()),
    (RandomWeight, RandomWeight, Vec<f64>),
    (SharpnessAware, SharpnessAware, Vec<f64>),
    (Oscillation, Oscillation, OscillationState),
);

impl AnyTransform {
    fn needs(&self) -> Capabilities {
        dispatch_transform!(self, p => p.needs())
    }

    fn reads_intensity(&self) -> bool {
        dispatch_transform!(self, p => p.reads_intensity())
    }

    /// `true` for the pieces that turn a direction into a displacement:
    /// the learning rate [`Sgd`] and the samplers that own their step
    /// ([`Mala`], [`Psgld`], [`Sghmc`]). A chain has exactly one.
    pub fn sets_step(&self) -> bool {
        matches!(
            self,
            Self::Sgd(_) | Self::Mala(_) | Self::Psgld(_) | Self::Sghmc(_)
        )
    }

    /// `true` for schedules and controllers, which only set the intensity.
    fn sets_intensity(&self) -> bool {
        matches!(
            self,
            Self::Scheduled(_) | Self::VarianceControl(_) | Self::CurvatureControl(_)
        )
    }

    fn update(
        &self,
        state: &mut AnyTransformState,
        step: &mut Step<'_, '_>,
        update: &mut [f64],
    ) -> Result<()> {
        dispatch_transform!(self, state, p, s => p.update(s, step, update))
    }
}

/// A complete optimizer: inputs site, probe, transform chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Optimizer {
    inputs: InputSite,
    probe: AnyProbe,
    chain: Vec<AnyTransform>,
}

/// Everything an optimizer carries between steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptimizerState {
    probe: AnyProbeState,
    chain: Vec<AnyTransformState>,
}

/// Buffers one chain reuses across steps.
#[derive(Debug, Default)]
pub struct StepBuffers {
    gradient: Vec<f64>,
    update: Vec<f64>,
}

impl Optimizer {
    /// Assembles an optimizer.
    ///
    /// Errors: a chain without exactly one step-size piece (none: the step
    /// would be `x <- x + g`, ascent; two: two learning rates), a schedule
    /// or controller with no noise piece after it (it would have no effect,
    /// which is never what was meant), or MALA with anything else (its
    /// Metropolis-Hastings ratio holds only for its own proposal on the
    /// plain objective).
    pub fn new(inputs: InputSite, probe: AnyProbe, chain: Vec<AnyTransform>) -> Result<Self> {
        let steps = chain.iter().filter(|p| p.sets_step()).count();
        if steps != 1 {
            return Err(Error::Unsupported(format!(
                "an optimizer chain needs exactly one learning-rate piece (sgd:lr=... or a sampler: \
                 ula, mala, psgld, sghmc), got {steps}"
            )));
        }
        let has_mala = chain.iter().any(|p| matches!(p, AnyTransform::Mala(_)));
        if has_mala
            && (chain.len() > 1 || !matches!(probe, AnyProbe::Plain(_)) || !inputs.is_identity())
        {
            return Err(Error::Unsupported(
                "mala is a whole sampler: its Metropolis-Hastings ratio holds only for its own \
                 proposal on the plain objective, so it takes no other piece, probe or inputs site"
                    .into(),
            ));
        }
        for (k, piece) in chain.iter().enumerate() {
            if piece.sets_intensity() && !chain[k + 1..].iter().any(AnyTransform::reads_intensity) {
                return Err(Error::Unsupported(format!(
                    "{piece:?} scales the noise intensity but no noise piece follows it in the chain"
                )));
            }
        }
        Ok(Self {
            inputs,
            probe,
            chain,
        })
    }

    /// `true` when a run must use the full objective (no minibatches):
    /// MALA's ratio needs exact values of `U`.
    pub fn needs_full_objective(&self) -> bool {
        self.chain
            .iter()
            .any(|p| matches!(p, AnyTransform::Mala(_)))
    }

    /// The capabilities the objective must have.
    pub fn needs(&self) -> Capabilities {
        let inputs = Capabilities {
            finite_sum: !self.inputs.is_identity(),
            inputs: !self.inputs.is_identity(),
            ..Capabilities::default()
        };
        self.chain
            .iter()
            .map(AnyTransform::needs)
            .fold(inputs, Capabilities::union)
    }

    /// The sites this optimizer perturbs, in chain order (inputs first).
    pub fn sites(&self) -> Vec<Site> {
        let inputs = (!self.inputs.is_identity()).then_some(Site::Inputs);
        inputs
            .into_iter()
            .chain(self.probe.site())
            .chain(self.chain.iter().filter_map(AnyTransform::site))
            .collect()
    }

    /// The inputs site.
    pub fn inputs(&self) -> &InputSite {
        &self.inputs
    }

    /// The probe.
    pub fn probe(&self) -> &AnyProbe {
        &self.probe
    }

    /// The transform chain.
    pub fn chain(&self) -> &[AnyTransform] {
        &self.chain
    }

    /// The state before the first step (probe first, then the chain in
    /// order, each drawing from `rng` if it needs to).
    pub fn init(&self, dim: usize, rng: &mut Rng) -> OptimizerState {
        OptimizerState {
            probe: self.probe.init(dim, rng),
            chain: self.chain.iter().map(|p| p.init(dim, rng)).collect(),
        }
    }

    /// One step at iteration `t`: updates `x` in place.
    pub fn step(
        &self,
        state: &mut OptimizerState,
        t: u64,
        x: &mut [f64],
        eval: &Evaluator<'_>,
        rng: &mut Rng,
        buffers: &mut StepBuffers,
    ) -> Result<()> {
        let StepBuffers { gradient, update } = buffers;
        gradient.resize(x.len(), 0.0);
        dispatch_probe!(&self.probe, &mut state.probe, p, s => p.gradient(s, t, x, eval, rng, gradient))?;
        update.clear();
        update.extend_from_slice(gradient);
        let mut step = Step {
            t,
            params: x,
            gradient,
            intensity: 1.0,
            eval,
            rng,
        };
        for (piece, s) in self.chain.iter().zip(state.chain.iter_mut()) {
            piece.update(s, &mut step, update)?;
        }
        x.iter_mut().zip(update.iter()).for_each(|(x, u)| *x += u);
        Ok(())
    }
}
