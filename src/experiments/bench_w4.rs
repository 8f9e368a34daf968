//! Workload W4 of `BENCHMARKS.md`: exact Hessian-vector products of W2a's
//! MLP in power iteration, timed, with the GEMM ceiling beside them.
//!
//! The network is `mlp:784-512-256-10` at the seeded initialisation of a
//! W2a run (`seed.child(train::seeds::INIT)`), the loss the mean
//! cross-entropy over the first 1,000 training images (pixels in `[0, 1]`).
//! The engine linearizes once ([`Network::linearize`]: forward pass and
//! output gradients kept) and then runs 20 products of power iteration:
//! `h <- H v`, eigenvalue estimate `v . h`, `v <- h / |h|` (the peer
//! normalises at the top of its loop instead; the products and estimates
//! are the same). The metric counts those 20 products; the report also
//! gives the one-shot rate (linearize and multiply for every product, which is what
//! PyTorch's double-backward does each time) and the linearization's cost.
//!
//! The sanity figure is the eigenvalue estimate after 20 products. The
//! peer's network starts from PyTorch's default initialisation, not this
//! one, so the two estimates are of different Hessians and agree only in
//! order of magnitude.

use std::path::PathBuf;
use std::time::Instant;

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
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

/// Entries per block of the power iteration's vector passes.
const VECTOR_BLOCK: usize = 16_384;

/// `(v . h, h . h)` in `f64`, one parallel pass: block sums added in block
/// order, so the value does not depend on the thread count. The peer's
/// `torch` reductions run on all threads too; a serial pass over the 535k
/// entries left one core idle for about 8% of the timed loop.
fn dots_in_order(v: &[f32], h: &[f32]) -> (f64, f64) {
    let blocks: Vec<(f64, f64)> = v
        .par_chunks(VECTOR_BLOCK)
        .zip(h.par_chunks(VECTOR_BLOCK))
        .map(|(v, h)| {
            v.iter().zip(h).fold((0.0, 0.0), |(vh, hh), (&a, &b)| {
                let (a, b) = (f64::from(a), f64::from(b));
                (vh + a * b, hh + b * b)
            })
        })
        .collect();
    blocks
        .iter()
        .fold((0.0, 0.0), |(vh, hh), &(a, b)| (vh + a, hh + b))
}

/// `out <- h / norm`, computed in `f64` and rounded once, in parallel.
fn scale_into(h: &[f32], norm: f64, out: &mut [f32]) {
    out.par_chunks_mut(VECTOR_BLOCK)
        .zip(h.par_chunks(VECTOR_BLOCK))
        .for_each(|(o, h)| {
            o.iter_mut()
                .zip(h)
                .for_each(|(o, &x)| *o = (f64::from(x) / norm) as f32)
        });
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
    let start: Vec<f32> = (0..net.dim())
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let mut v = vec![0.0f32; net.dim()];
    let mut h = vec![0.0f32; net.dim()];

    let clock = Instant::now();
    let mut lin = net.linearize(&params, &set, &batch)?;
    let linearize_seconds = clock.elapsed().as_secs_f64();
    lin.hessian_vector(&start, &mut h)?; // warm-up, as the peer's

    let threads = rayon::current_num_threads();
    let peak = gemm_peak_gflops(threads);
    let clock = Instant::now();
    let mut top_eigenvalue = 0.0;
    let (_, norm2) = dots_in_order(&start, &start);
    scale_into(&start, norm2.sqrt(), &mut v);
    for _ in 0..cfg.iters {
        lin.hessian_vector(&v, &mut h)?;
        let (vh, hh) = dots_in_order(&v, &h);
        top_eigenvalue = vh;
        scale_into(&h, hh.sqrt(), &mut v);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked parallel dot products give the same bits on one thread
    /// and on three, and agree with the plain serial sums within the `f64`
    /// summation bound `gamma_(n-1) sum |a_i b_i|`, `gamma_k = k u / (1 - k
    /// u)`, `u = 2^-53`, which holds for any order of the additions
    /// (Higham 2002, "Accuracy and Stability of Numerical Algorithms", 2nd
    /// ed., section 4.2). The products of two `f32` values are exact in
    /// `f64`, so the additions are the only error.
    #[test]
    fn dots_are_thread_count_independent_and_accurate() {
        let n = 3 * VECTOR_BLOCK + 123;
        let mut rng = Seed(5).rng();
        let v: Vec<f32> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
        let h: Vec<f32> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| dots_in_order(&v, &h))
        };
        let (one, three) = (on(1), on(3));
        assert_eq!(one.0.to_bits(), three.0.to_bits());
        assert_eq!(one.1.to_bits(), three.1.to_bits());
        let ku = (n - 1) as f64 * f64::EPSILON / 2.0;
        let bound = |terms: &dyn Fn(usize) -> f64| {
            ku / (1.0 - ku) * (0..n).map(|i| terms(i).abs()).sum::<f64>()
        };
        let product = |i: usize| f64::from(v[i]) * f64::from(h[i]);
        let square = |i: usize| f64::from(h[i]).powi(2);
        let serial_vh: f64 = (0..n).map(product).sum();
        let serial_hh: f64 = (0..n).map(square).sum();
        // Both orders are within the bound of the exact sum, so of each other
        // within twice the bound.
        assert!((one.0 - serial_vh).abs() <= 2.0 * bound(&product));
        assert!((one.1 - serial_hh).abs() <= 2.0 * bound(&square));
    }

    /// `scale_into` divides every entry by the norm, on every block (by a
    /// power of two, so exactly: the bits are compared).
    #[test]
    fn scale_divides_every_entry() {
        let h: Vec<f32> = (0..2 * VECTOR_BLOCK + 7).map(|i| i as f32).collect();
        let mut out = vec![0.0; h.len()];
        scale_into(&h, 4.0, &mut out);
        assert!(h
            .iter()
            .zip(&out)
            .all(|(&x, &o)| o.to_bits() == (x / 4.0).to_bits()));
    }
}
