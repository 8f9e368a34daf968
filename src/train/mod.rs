//! `perturbo train`: a network trained on a real data set with any
//! optimizer of [`crate::optim`].
//!
//! A run ([`TrainConfig`]) is epochs over the training set in a seeded
//! random order ([`epoch`]), consecutive minibatches of `batch` samples (the
//! last one smaller when `batch` does not divide `n`), one optimizer step per
//! minibatch, and after every epoch the loss and accuracy on the full test
//! set. Per-epoch metrics ([`EpochMetrics`]): the mean of the epoch's
//! minibatch losses (each taken at the parameters before its update), the
//! test loss and accuracy, and the training time and throughput. A run can
//! checkpoint itself and resume to the same result ([`checkpoint`]).
//!
//! # Two update paths
//!
//! The optimizer is any [`crate::optim::parse`] spec, run one of two ways:
//!
//! - **fused** ([`update::FusedUpdate`]): chains of SGD, heavy-ball or
//!   Nesterov momentum and weight decay (`sgd`, `momentum`, `nesterov`, with
//!   or without `weight-decay`) update the engine's `f32` parameters in
//!   place, elementwise in `f32`, in parallel over blocks of parameters.
//!   Nothing is converted and nothing allocated per step, so a step costs the
//!   engine's gradient plus one pass over the parameters.
//! - **generic**: every other spec (Adam, SAM, random-weight perturbation,
//!   the noise pieces, schedules, ...) runs through
//!   [`crate::optim::Optimizer::step`] on a
//!   [`NetObjective`](crate::nn::objective::NetObjective) with `f64`
//!   parameters: each gradient rounds them to `f32` for the engine and widens
//!   the result, and the minibatch loss is one extra forward pass. It costs
//!   the conversions and the `f64` update (a few passes over the parameters
//!   per step) and is slower, but it is the very code every other experiment
//!   runs, so every perturbation works on networks unchanged.
//!
//! The trade: the fused path keeps parameters and momentum in `f32` (each
//! update rounds to `f32`, as PyTorch's CPU SGD does), the generic path in
//! `f64` (only the gradient is `f32`). On the same gradients the two agree to
//! the accumulated `f32` rounding of the update, which `update`'s tests bound
//! and check. Both are bit-identical for any thread count.
//!
//! # Seeds
//!
//! Every random choice is a stream of the master seed ([`seeds`]): the
//! training subset, the label noise, the initial parameters, each epoch's
//! order, and the generic optimizer's noise and input perturbations.

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod epoch;
mod eval;
pub mod report;
pub mod run;
mod state;
pub mod update;

pub use checkpoint::Checkpointing;
pub use config::{with_lr, TrainConfig};
pub use data::{load, Split, TrainData};
pub use report::{format_table, history_csv, EpochMetrics, TrainReport};
pub use run::{train, Outputs, Progress};

/// The children of the master seed each random choice draws from.
pub mod seeds {
    /// The class-balanced training subset.
    pub const SUBSET: u64 = 0;
    /// The label noise.
    pub const LABEL_NOISE: u64 = 1;
    /// The initial parameters.
    pub const INIT: u64 = 2;
    /// The epoch orders (epoch `e` uses stream `e` of this child).
    pub const SHUFFLE: u64 = 3;
    /// The generic optimizer's state and noise.
    pub const OPTIMIZER: u64 = 4;
    /// The generic optimizer's input perturbations.
    pub const INPUTS: u64 = 5;
}
