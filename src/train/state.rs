//! Everything a run carries from step to step, as saved in a checkpoint.

use serde::{Deserialize, Serialize};

use super::checkpoint::bits;
use super::report::EpochMetrics;
use crate::optim::{Counts, OptimizerState};
use crate::rng::Rng;

/// The parameters and the optimizer's memory, for one of the two update
/// paths (see the module documentation of [`crate::train`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Weights {
    /// `f32` parameters and momentum buffer (empty without momentum).
    Fused {
        #[serde(with = "bits")]
        x: Vec<f32>,
        #[serde(with = "bits")]
        momentum: Vec<f32>,
    },
    /// `f64` parameters, the optimizer's state and its random streams.
    Generic {
        x: Vec<f64>,
        state: OptimizerState,
        rng: Rng,
        input_rng: Rng,
        counts: Counts,
    },
}

/// The run so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    pub weights: Weights,
    /// The epoch in progress, from 0.
    pub epoch: usize,
    /// Steps of that epoch already taken.
    pub step_in_epoch: usize,
    /// Steps taken in all.
    pub steps: u64,
    /// Sum of the minibatch losses of the epoch in progress.
    pub loss_sum: f64,
    /// Seconds of training steps in the epoch in progress.
    pub seconds: f64,
    /// The finished epochs.
    pub history: Vec<EpochMetrics>,
}
