//! The training and test sets of a run, as `f32` features and labels.

use std::path::Path;

use super::config::TrainConfig;
use super::seeds;
use crate::data::mnist::CLASSES;
use crate::data::{Mnist, MnistSplit, Normalisation};
use crate::error::Result;
use crate::rng::Seed;

/// One split: `n` rows of `width` features and `n` labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Features, row-major.
    pub inputs: Vec<f32>,
    /// Labels, `0..classes`.
    pub labels: Vec<u8>,
}

impl Split {
    /// Number of samples.
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    fn from_mnist(split: &MnistSplit, norm: &Normalisation) -> Self {
        Self {
            inputs: split.features_f32(Some(norm)),
            labels: split.labels().to_vec(),
        }
    }
}

/// The data of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainData {
    /// What the network is trained on (subset and label noise applied).
    pub train: Split,
    /// The clean held-out set.
    pub test: Split,
    /// Features per sample.
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
}

/// Reads the data set of `cfg` from `dir`.
///
/// MNIST pixels are standardised by the mean and deviation of the full
/// training set (the usual fixed preprocessing, 0.1307 and 0.3081). With
/// `subset = N` the training set is the class-balanced subset of `N` images
/// drawn from [`seeds::SUBSET`]; with `label_noise = p` each training label
/// is then replaced by a different class with probability `p`, drawn from
/// [`seeds::LABEL_NOISE`]. The test set is always the full, clean one.
///
/// Errors: a missing or malformed file, a subset larger than a class
/// allows, a rate outside `[0, 1]`.
pub fn load(cfg: &TrainConfig, dir: &Path) -> Result<TrainData> {
    let mnist = Mnist::load(dir)?;
    let norm = mnist.normalisation();
    let seed = Seed(cfg.seed);
    let (train, test) = mnist.into_splits();
    let train = match cfg.subset {
        Some(n) => train.subset(&train.balanced_subset(n, seed.child(seeds::SUBSET))?)?,
        None => train,
    };
    let (train, _flipped) =
        train.with_label_noise(cfg.label_noise, seed.child(seeds::LABEL_NOISE))?;
    Ok(TrainData {
        train: Split::from_mnist(&train, &norm),
        test: Split::from_mnist(&test, &norm),
        width: crate::data::mnist::PIXELS,
        classes: CLASSES,
    })
}
