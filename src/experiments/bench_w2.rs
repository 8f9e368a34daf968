//! Workloads W2a and W2b of `BENCHMARKS.md`: training throughput on MNIST,
//! through the very loop `perturbo train` runs ([`crate::train::train`],
//! its fused `f32` SGD update), with the machine's GEMM ceiling beside it.
//!
//! As the peer (`peers/w2_train.py`): pixels in `[0, 1]`, `f32`, softmax
//! cross-entropy, plain SGD at `lr = 0.1`, batches of 128 in a fresh random
//! order, 50 warm-up steps, then one timed epoch of all 60,000 images and
//! the test accuracy after it. The warm-up is its own short run (50 steps
//! on the first `50 x 128` images), which brings the thread pool, the
//! caches and the allocator to their working state; the timed epoch then
//! starts from the seeded initialisation (the peer's continues from its
//! warm-up, which changes the accuracy a little, not the speed). The time
//! counted is the training steps' (gradient and update), as the peer's.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::bench_nn::{first_samples, gemm_peak_gflops, mnist_unit, train_flops_per_sample};
use crate::data::mnist::DEFAULT_DIR;
use crate::error::Result;
use crate::nn::Network;
use crate::train::{self, Outputs, TrainConfig, TrainData};

/// Configuration of W2; [`W2Config::w2a`] and [`W2Config::w2b`] are the
/// reference workloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct W2Config {
    /// Model spec of [`Network::parse`].
    pub model: String,
    /// Samples per minibatch.
    pub batch: usize,
    /// SGD learning rate.
    pub lr: f64,
    /// Untimed steps before the timed epoch.
    pub warmup_steps: usize,
    /// Master seed of the run (initialisation, order).
    pub seed: u64,
    /// MNIST directory.
    pub data: PathBuf,
}

impl Default for W2Config {
    fn default() -> Self {
        Self::w2a()
    }
}

impl W2Config {
    /// W2a: the MLP 784-512-256-10 with ReLU.
    pub fn w2a() -> Self {
        Self {
            model: "mlp:784-512-256-10".into(),
            batch: 128,
            lr: 0.1,
            warmup_steps: 50,
            seed: 0,
            data: DEFAULT_DIR.into(),
        }
    }

    /// W2b: LeNet-5.
    pub fn w2b() -> Self {
        Self {
            model: "lenet5".into(),
            ..Self::w2a()
        }
    }

    fn train_config(&self) -> TrainConfig {
        TrainConfig {
            dataset: "mnist".into(),
            model: self.model.clone(),
            optimizer: format!("sgd:lr={}", self.lr),
            batch: self.batch,
            epochs: 1,
            seed: self.seed,
            subset: None,
            label_noise: 0.0,
            lr_schedule: None,
        }
    }
}

/// One JSON line, with the peer script's metric names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct W2Report {
    /// Always "W2".
    pub workload: String,
    /// Always "perturbo".
    #[serde(rename = "impl")]
    pub implementation: String,
    /// The model spec.
    pub model: String,
    /// Worker threads used.
    pub threads: usize,
    /// Seconds of training steps in the timed epoch.
    pub seconds: f64,
    /// The metric: training samples per second over the timed epoch.
    pub samples_per_sec: f64,
    /// Sanity: accuracy on the 10,000 test images after the epoch.
    pub test_accuracy: f64,
    /// Mean minibatch loss of the epoch.
    pub train_loss: f64,
    /// The count of [`train_flops_per_sample`] (the arithmetic done).
    pub flops_per_sample: f64,
    /// `samples_per_sec x flops_per_sample`, in GFLOP/s.
    pub gflops: f64,
    /// The ceiling: the `f32` GEMM rate on all worker threads, measured in
    /// the same run just before the timed epoch.
    pub gemm_peak_gflops: f64,
    /// `gflops / gemm_peak_gflops`.
    pub fraction_of_peak: f64,
}

/// Runs W2 on the data in `cfg.data`.
pub fn run(cfg: &W2Config) -> Result<W2Report> {
    run_on(cfg, mnist_unit(&cfg.data)?)
}

/// Runs W2 on `data` (MNIST as [`mnist_unit`] reads it): the warm-up run,
/// the ceiling, then the timed epoch.
pub fn run_on(cfg: &W2Config, data: TrainData) -> Result<W2Report> {
    let net = Network::parse(&cfg.model)?;
    let tc = cfg.train_config();
    let warm = cfg.warmup_steps * cfg.batch;
    if warm > 0 {
        let warm_data = TrainData {
            train: first_samples(&data, warm.min(data.train.n())),
            test: data.test.clone(),
            width: data.width,
            classes: data.classes,
        };
        train::train(&tc, warm_data, &Outputs::default(), &|_| {})?;
    }
    let threads = rayon::current_num_threads();
    let peak = gemm_peak_gflops(threads);
    let report = train::train(&tc, data, &Outputs::default(), &|_| {})?;
    let flops = train_flops_per_sample(&net);
    let gflops = report.samples_per_sec * flops / 1e9;
    Ok(W2Report {
        workload: "W2".into(),
        implementation: "perturbo".into(),
        model: cfg.model.clone(),
        threads,
        seconds: report.seconds,
        samples_per_sec: report.samples_per_sec,
        test_accuracy: report.test_accuracy,
        train_loss: report.train_loss,
        flops_per_sample: flops,
        gflops,
        gemm_peak_gflops: peak,
        fraction_of_peak: gflops / peak,
    })
}
