//! What a training run reports: per-epoch metrics and the final summary.

use serde::{Deserialize, Serialize};

/// The metrics of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// The epoch, counted from 1.
    pub epoch: usize,
    /// Mean over the epoch's steps of the minibatch loss before each update.
    pub train_loss: f64,
    /// Mean loss on the test set after the epoch.
    pub test_loss: f64,
    /// Fraction of test samples whose largest output is their label.
    pub test_accuracy: f64,
    /// Wall-clock seconds of the epoch's training steps (timing).
    pub seconds: f64,
    /// Training samples per second over the epoch (timing).
    pub samples_per_sec: f64,
}

/// The report of `perturbo train`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// The data set.
    pub dataset: String,
    /// The model spec.
    pub model: String,
    /// The optimizer spec (learning rate included).
    pub optimizer: String,
    /// The master seed.
    pub seed: u64,
    /// Minibatch size.
    pub batch: usize,
    /// Epochs run.
    pub epochs: usize,
    /// Size of the class-balanced training subset, if one was asked for.
    pub subset: Option<usize>,
    /// Label-noise rate of the training set.
    pub label_noise: f64,
    /// Number of network parameters.
    pub parameters: usize,
    /// Training samples.
    pub train_samples: usize,
    /// Test samples.
    pub test_samples: usize,
    /// Optimizer steps taken.
    pub steps: u64,
    /// `fused` (the `f32` update of [`super::update`]) or `generic`
    /// ([`crate::optim::Optimizer::step`] in `f64`).
    pub update: String,
    /// The last epoch's training loss.
    pub train_loss: f64,
    /// The test loss after the last epoch.
    pub test_loss: f64,
    /// The test accuracy after the last epoch.
    pub test_accuracy: f64,
    /// Training samples per second over all epochs (timing).
    pub samples_per_sec: f64,
    /// Seconds spent in training steps (timing).
    pub seconds: f64,
    /// One row per epoch.
    pub history: Vec<EpochMetrics>,
}

/// The per-epoch metrics as CSV, one header line and one row per epoch.
pub fn history_csv(history: &[EpochMetrics]) -> String {
    let mut out =
        String::from("epoch,train_loss,test_loss,test_accuracy,seconds,samples_per_sec\n");
    for r in history {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.epoch, r.train_loss, r.test_loss, r.test_accuracy, r.seconds, r.samples_per_sec
        ));
    }
    out
}

/// A human-readable summary.
pub fn format_table(r: &TrainReport) -> String {
    let mut out = format!(
        "{} on {} ({} parameters, {} training samples), {} ({} update), batch {}, seed {}\n",
        r.model, r.dataset, r.parameters, r.train_samples, r.optimizer, r.update, r.batch, r.seed
    );
    out.push_str("epoch  train_loss  test_loss  test_acc  samples/s\n");
    for e in &r.history {
        out.push_str(&format!(
            "{:>5}  {:>10.4}  {:>9.4}  {:>7.2}%  {:>9.0}\n",
            e.epoch,
            e.train_loss,
            e.test_loss,
            100.0 * e.test_accuracy,
            e.samples_per_sec
        ));
    }
    out.push_str(&format!(
        "test accuracy {:.2}%, {:.0} samples/s\n",
        100.0 * r.test_accuracy,
        r.samples_per_sec
    ));
    out
}
