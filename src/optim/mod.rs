//! Discrete-time optimizers and the perturbations at the three sites.
//!
//! An [`Optimizer`] is an inputs site ([`InputSite`]), a probe (the rule
//! for which gradient a step starts from: [`Plain`], [`RandomWeight`],
//! [`SharpnessAware`], [`Oscillation`]) and a chain of [`Transform`]s
//! (optax-style pieces with a config and an explicit state). Named methods
//! (`gd`, `noisy-gd`, `sgld`, `gni`, `pgd`, `anti-pgd`, `rwp`, `sam`,
//! `asam`, `momentum`, `nesterov`, `adam`, ...) are one-line chains in
//! [`named`]; [`parse`] reads `name:key=value + name:key=value ...`.
//! The posterior samplers (`ula`, `sgld`, [`mala`], [`psgld`], [`sghmc`])
//! are methods like any other: a sampler that owns its step takes the
//! place of the learning rate in the chain.
//! [`run::run_chains`] is the one driver: minibatches, seeding per chain,
//! divergence, moments after burn-in, evaluation counts, observers.
//!
//! Every piece works on every [`Oracle`]: tractable landscapes, the
//! data-driven models, and anything else implementing the trait.

pub mod adam;
pub mod anti_pgd;
pub mod clip;
pub mod curvature_control;
pub mod evaluator;
pub mod gaussian_noise;
pub mod input;
pub mod mala;
pub mod momentum;
pub mod named;
pub mod optimizer;
pub mod oracle;
pub mod oscillation;
pub mod pgd;
pub mod probe;
pub mod psgld;
pub mod run;
pub mod rwp;
pub mod sam;
pub mod scheduled;
pub mod sgd;
pub mod sgd_noise;
pub mod sghmc;
pub mod stable_noise;
pub mod transform;
pub mod variance_control;
pub mod weight_decay;

pub use evaluator::{Counts, Evaluator, INPUT_SLICE};
pub use input::{Augmentation, InputSite};
pub use named::{parse, OPTIMIZER_HELP, OPTIMIZER_NAMES};
pub use optimizer::{AnyProbe, AnyTransform, Optimizer, OptimizerState, StepBuffers};
pub use oracle::{require, Capabilities, Oracle};
pub use oscillation::Oscillation;
pub use probe::{Plain, Probe};
pub use run::{
    advance_chains, run_chains, start_chains, Chain, ChainObserver, ChainOutcome, RunConfig,
};
pub use rwp::RandomWeight;
pub use sam::SharpnessAware;
pub use transform::{Site, Step, Transform};
