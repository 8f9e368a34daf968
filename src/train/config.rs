//! What a training run is: the configuration that fixes its result.

use serde::{Deserialize, Serialize};

use crate::error::{ensure_at_least, Error, Result};
use crate::spec::Spec;

/// The data sets `perturbo train` reads.
pub const DATASETS: &str = "mnist";

/// A training run: data, model, optimizer, schedule of epochs and seed.
///
/// Everything that changes the result is here and nothing else (not the
/// data directory, the thread count or the checkpoint interval), so a
/// checkpoint resumes exactly when its configuration equals the run's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// The data set: `mnist`.
    pub dataset: String,
    /// The model spec, e.g. `mlp:784-512-256-10`.
    pub model: String,
    /// The optimizer spec with its learning rate (see
    /// [`crate::optim::OPTIMIZER_HELP`]).
    pub optimizer: String,
    /// Samples per minibatch.
    pub batch: usize,
    /// Passes over the training set.
    pub epochs: usize,
    /// Master seed (subset, label noise, initialisation, shuffling, noise).
    pub seed: u64,
    /// Train on a class-balanced subset of this many samples (`None`: all).
    pub subset: Option<usize>,
    /// Probability that a training label is replaced by another class.
    pub label_noise: f64,
    /// A schedule spec ([`crate::schedule::SCHEDULE_HELP`]) whose value at
    /// step `t` (counted over the whole run from 0) multiplies the learning
    /// rate, e.g. `cosine:period=2345` to decay to 0 over 5 MNIST epochs at
    /// batch 128. Fused optimizers only (see [`crate::train`]).
    pub lr_schedule: Option<String>,
}

impl Default for TrainConfig {
    /// The documented MLP recipe (see `tests/train_accuracy.rs`).
    fn default() -> Self {
        Self {
            dataset: "mnist".into(),
            model: "mlp:784-512-256-10".into(),
            optimizer: "momentum:lr=0.05,beta=0.9".into(),
            batch: 128,
            epochs: 10,
            seed: 1,
            subset: None,
            label_noise: 0.0,
            lr_schedule: None,
        }
    }
}

impl TrainConfig {
    /// Checks what the data and the parsers do not: a known data set, at
    /// least one sample per batch and one epoch.
    pub fn validate(&self) -> Result<()> {
        if self.dataset != "mnist" {
            return Err(Error::Unknown {
                kind: "dataset",
                name: self.dataset.clone(),
                known: DATASETS.into(),
            });
        }
        ensure_at_least("batch", self.batch, 1, "at least 1")?;
        ensure_at_least("epochs", self.epochs, 1, "at least 1")?;
        if let Some(spec) = &self.lr_schedule {
            crate::schedule::parse(spec)?;
        }
        Ok(())
    }
}

/// The optimizer spec `optimizer` with `lr=...` added to its first piece
/// when `lr` is given, so `--optimizer sgd --lr 0.1` reads `sgd:lr=0.1`.
///
/// Errors: the first piece already sets `lr` (the learning rate would be
/// given twice), or it is not a valid spec.
pub fn with_lr(optimizer: &str, lr: Option<f64>) -> Result<String> {
    let Some(lr) = lr else {
        return Ok(optimizer.to_string());
    };
    let (first, rest) = match optimizer.split_once('+') {
        Some((f, r)) => (f.trim(), Some(r)),
        None => (optimizer.trim(), None),
    };
    if Spec::parse("optimizer", first)?
        .take_optional("lr")?
        .is_some()
    {
        return Err(Error::BadSpec {
            kind: "optimizer",
            spec: optimizer.to_string(),
            reason: "lr is given twice (in the spec and by --lr)".into(),
        });
    }
    let sep = if first.contains(':') { ',' } else { ':' };
    let mut out = format!("{first}{sep}lr={lr}");
    if let Some(rest) = rest {
        out.push_str(" +");
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lr_goes_to_the_first_piece_once() {
        assert_eq!(with_lr("sgd", Some(0.1)).unwrap(), "sgd:lr=0.1");
        assert_eq!(
            with_lr("momentum:beta=0.9", Some(0.05)).unwrap(),
            "momentum:beta=0.9,lr=0.05"
        );
        assert_eq!(
            with_lr("rwp:sigma=0.1 + momentum", Some(0.1)).unwrap(),
            "rwp:sigma=0.1,lr=0.1 + momentum"
        );
        assert_eq!(with_lr("sgd:lr=0.1", None).unwrap(), "sgd:lr=0.1");
        let err = with_lr("sgd:lr=0.1", Some(0.2)).unwrap_err().to_string();
        assert!(err.contains("lr is given twice"), "{err}");
        crate::optim::parse(&with_lr("sgd", Some(0.1)).unwrap()).unwrap();
    }
}
