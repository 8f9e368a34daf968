//! Workload W4 of `BENCHMARKS.md`: exact Hessian-vector products of W2a's
//! MLP in power iteration, timed, with the GEMM ceiling beside them.
//!
//! The network is `mlp:784-512-256-10` at the seeded initialisation of a
//! W2a run (`seed.child(train::seeds::INIT)`), the loss the mean
//! cross-entropy over the first 1,000 training images (pixels in `[0, 1]`).
//! The engine linearizes once ([`Network::linearize`]: forward pass and
//! output gradients kept) and then runs 20 products of power iteration as
//! the peer does: `v <- v / |v|`, `h <- H v`, eigenvalue estimate `v . h`,
//! `v <- h`. The metric counts those 20 products; the report also gives the
//! one-shot rate (linearize and multiply for every product, which is what
//! PyTorch's double-backward does each time) and the linearization's cost.
//!
//! The sanity figure is the eigenvalue estimate after 20 products. The
//! peer's network starts from PyTorch's default initialisation, not this
//! one, so the two estimates are of different Hessians and agree only in
//! order of magnitude.

use std::path::PathBuf;
use std::time::Instant;

use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::bench_nn::{first_samples, gemm_peak_gflops, hvp_macs_per_sample, mnist_unit};
use crate::data::mnist::DEFAULT_DIR;
use crate::error::Result;
use crate::nn::{Data, Network, Targets};
use crate::rng::Seed;
use crate::train::{seeds, TrainData};

/// Configuration of W4; the defaults are the reference workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct W4Config {
    /// Model spec of [`Network::parse`].
    pub model: String,
    /// The batch: the first `samples` training images.
    pub samples: usize,
    /// Products of power iteration timed.
    pub iters: usize,
    /// Master seed (initialisation as in W2a; the start vector from
    /// `seed.child(`[`START_CHILD`]`)`).
    pub seed: u64,
    /// MNIST directory.
    pub data: PathBuf,
}

impl Default for W4Config {
    fn default() -> Self {
        Self {
            model: "mlp:784-512-256-10".into(),
            samples: 1000,
            iters: 20,
            seed: 0,
            data: DEFAULT_DIR.into(),
        }
    }
}

/// The child of the master seed the start vector is drawn from (past the
/// children [`crate::train::seeds`] uses).
pub const START_CHILD: u64 = 100;

/// One JSON line, with the peer script's metric names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct W4Report {
    /// Always "W4".
    pub workload: String,
    /// Always "perturbo".
    #[serde(rename = "impl")]
    pub implementation: String,
    /// Worker threads used.
    pub threads: usize,
    /// Seconds of the timed products (power iteration included).
    pub seconds: f64,
    /// The metric: products per second, linearized once.
    pub hvps_per_sec: f64,
    /// Sanity: the top-eigenvalue estimate `v . H v` of the last product.
    pub top_eigenvalue: f64,
    /// Seconds of one [`Network::linearize`] (forward and output-gradient
    /// passes kept).
    pub linearize_seconds: f64,
    /// Products per second when every product linearizes afresh.
    pub oneshot_hvps_per_sec: f64,
    /// Floating-point operations of one product as the engine runs it:
    /// `2 x` [`hvp_macs_per_sample`] per sample (the R-forward and
    /// R-backward passes of Pearlmutter 1994, "Fast exact multiplication by
    /// the Hessian", section 4).
    pub flops_per_hvp: f64,
    /// `hvps_per_sec x flops_per_hvp`, in GFLOP/s.
    pub gflops: f64,
    /// The ceiling: the `f32` GEMM rate on all worker threads, measured in
    /// the same run just before the timed products.
    pub gemm_peak_gflops: f64,
    /// `gflops / gemm_peak_gflops`.
    pub fraction_of_peak: f64,
}

/// Runs W4 on the data in `cfg.data`.
pub fn run(cfg: &W4Config) -> Result<W4Report> {
    run_on(cfg, &mnist_unit(&cfg.data)?)
}

/// Runs W4 on `data` (MNIST as [`mnist_unit`] reads it).
pub fn run_on(cfg: &W4Config, data: &TrainData) -> Result<W4Report> {
    let net = Network::parse(&cfg.model)?;
    let params: Vec<f32> = net.init_params(Seed(cfg.seed).child(seeds::INIT));
    let split = first_samples(data, cfg.samples.min(data.train.n()));
    let targets = Targets::Classes {
        labels: &split.labels,
        classes: data.classes,
    };
    let batch: Vec<usize> = (0..split.n()).collect();
    let set = Data::new(&split.inputs, data.width, targets)?;
    let mut rng = Seed(cfg.seed).child(START_CHILD).rng();
    let mut v: Vec<f32> = (0..net.dim())
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let mut h = vec![0.0f32; net.dim()];

    let clock = Instant::now();
    let mut lin = net.linearize(&params, &set, &batch)?;
    let linearize_seconds = clock.elapsed().as_secs_f64();
    lin.hessian_vector(&v, &mut h)?; // warm-up, as the peer's

    let threads = rayon::current_num_threads();
    let peak = gemm_peak_gflops(threads);
    let clock = Instant::now();
    let mut top_eigenvalue = 0.0;
    for _ in 0..cfg.iters {
        let norm = v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
        v.iter_mut()
            .for_each(|x| *x = (f64::from(*x) / norm) as f32);
        lin.hessian_vector(&v, &mut h)?;
        top_eigenvalue = v
            .iter()
            .zip(&h)
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
        std::mem::swap(&mut v, &mut h);
    }
    let seconds = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    for _ in 0..cfg.iters {
        let mut fresh = net.linearize(&params, &set, &batch)?;
        fresh.hessian_vector(&v, &mut h)?;
    }
    let oneshot_seconds = clock.elapsed().as_secs_f64();

    let hvps_per_sec = cfg.iters as f64 / seconds;
    let flops_per_hvp = 2.0 * (hvp_macs_per_sample(&net) * batch.len()) as f64;
    let gflops = hvps_per_sec * flops_per_hvp / 1e9;
    Ok(W4Report {
        workload: "W4".into(),
        implementation: "perturbo".into(),
        threads,
        seconds,
        hvps_per_sec,
        top_eigenvalue,
        linearize_seconds,
        oneshot_hvps_per_sec: cfg.iters as f64 / oneshot_seconds,
        flops_per_hvp,
        gflops,
        gemm_peak_gflops: peak,
        fraction_of_peak: gflops / peak,
    })
}
