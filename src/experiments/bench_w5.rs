//! Workload W5 of `BENCHMARKS.md`: every per-sample gradient of W2a's MLP
//! for a batch of 256 MNIST images, as full vectors, timed.
//!
//! The network is `mlp:784-512-256-10` at W2a's seeded initialisation, the
//! batch the first 256 training images (pixels in `[0, 1]`), the output a
//! `256 x 535,818` `f32` matrix (548 MB) written by
//! [`Network::per_sample_gradients`]. As the peer: one untimed call, then
//! 20 timed calls. Writing the output dominates (each entry is one product),
//! so the natural ceiling here is the memory's write bandwidth rather than
//! the GEMM rate; the report gives the bytes written per second.
//!
//! The sanity figure is the norm of the first sample's gradient (the peer's
//! network has another initialisation, so only the order of magnitude is
//! comparable).

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::bench_nn::{first_samples, mnist_unit};
use crate::data::mnist::DEFAULT_DIR;
use crate::error::Result;
use crate::nn::{Data, Network, Targets, Workspace};
use crate::rng::Seed;
use crate::train::{seeds, TrainData};

/// Configuration of W5; the defaults are the reference workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct W5Config {
    /// Model spec of [`Network::parse`].
    pub model: String,
    /// The batch: the first `batch` training images.
    pub batch: usize,
    /// Timed calls.
    pub reps: usize,
    /// Master seed (initialisation as in W2a).
    pub seed: u64,
    /// MNIST directory.
    pub data: PathBuf,
}

impl Default for W5Config {
    fn default() -> Self {
        Self {
            model: "mlp:784-512-256-10".into(),
            batch: 256,
            reps: 20,
            seed: 0,
            data: DEFAULT_DIR.into(),
        }
    }
}

/// One JSON line, with the peer script's metric names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct W5Report {
    /// Always "W5".
    pub workload: String,
    /// Always "perturbo".
    #[serde(rename = "impl")]
    pub implementation: String,
    /// Worker threads used.
    pub threads: usize,
    /// Seconds of the timed calls.
    pub seconds: f64,
    /// The metric: per-sample gradients per second.
    pub samples_per_sec: f64,
    /// Sanity: the Euclidean norm of the first sample's gradient.
    pub first_grad_norm: f64,
    /// Gradient bytes written per second (`samples_per_sec x 4 x dim`), in
    /// GB/s.
    pub write_gb_per_sec: f64,
}

/// Runs W5 on the data in `cfg.data`.
pub fn run(cfg: &W5Config) -> Result<W5Report> {
    run_on(cfg, &mnist_unit(&cfg.data)?)
}

/// Runs W5 on `data` (MNIST as [`mnist_unit`] reads it).
pub fn run_on(cfg: &W5Config, data: &TrainData) -> Result<W5Report> {
    let net = Network::parse(&cfg.model)?;
    let params: Vec<f32> = net.init_params(Seed(cfg.seed).child(seeds::INIT));
    let split = first_samples(data, cfg.batch.min(data.train.n()));
    let targets = Targets::Classes {
        labels: &split.labels,
        classes: data.classes,
    };
    let batch: Vec<usize> = (0..split.n()).collect();
    let set = Data::new(&split.inputs, data.width, targets)?;
    let dim = net.dim();
    let mut ws = Workspace::new(&net, batch.len());
    let mut out = vec![0.0f32; batch.len() * dim];
    net.per_sample_gradients(&params, &set, &batch, &mut ws, &mut out)?;
    let clock = Instant::now();
    for _ in 0..cfg.reps {
        net.per_sample_gradients(&params, &set, &batch, &mut ws, &mut out)?;
    }
    let seconds = clock.elapsed().as_secs_f64();
    let first_grad_norm = out[..dim]
        .iter()
        .map(|&g| f64::from(g).powi(2))
        .sum::<f64>()
        .sqrt();
    let samples_per_sec = (batch.len() * cfg.reps) as f64 / seconds;
    Ok(W5Report {
        workload: "W5".into(),
        implementation: "perturbo".into(),
        threads: rayon::current_num_threads(),
        seconds,
        samples_per_sec,
        first_grad_norm,
        write_gb_per_sec: samples_per_sec * 4.0 * dim as f64 / 1e9,
    })
}
