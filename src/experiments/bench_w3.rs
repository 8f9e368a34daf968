//! Workload W3 of `BENCHMARKS.md`: SGLD on Bayesian logistic regression,
//! timed through the same sampler and model code as `perturbo run`.
//!
//! The problem is [`BayesLogistic::synthetic`] (`n = 10,000` inputs
//! `N(0, I_20)`, true weights `N(0, I_20)`, Bernoulli labels, prior
//! `N(0, I)`); the sampler is the `sgld` spec of [`crate::optim::named`]
//! on minibatches of `b = 100` drawn with replacement by
//! [`crate::optim::run_chains`], one chain from the origin for 10,000
//! iterations, f64. W3 states the step in Welling and Teh's convention,
//! `h = 1e-4` (`theta += (h/2) grad log p + N(0, h I)`); in the project's
//! Langevin form `x <- x - lr grad U + sqrt(2 lr T) xi` that is
//! `lr = h / 2 = 5e-5` at `T = 1` (step dt vs learning rate 2 dt). The
//! minibatch gradient of the model's finite sum is Welling and Teh's
//! estimator `grad(-log prior) + (N / b) sum_batch grad l_i` (the pinned
//! convention of `models/bayes_glm.rs`), as in the peer script.
//!
//! The sanity figure is the posterior mean estimated from the second half
//! of the chain (the peer's), with the Laplace mode beside it (the two
//! differ by the Monte Carlo error of a 5,000-iteration average plus the
//! `O(1/n)` gap between mean and mode, both small against the posterior
//! standard deviations of about 0.03).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::models::BayesLogistic;
use crate::optim::{self, run_chains, RunConfig};
use crate::rng::Seed;

/// Configuration of W3; the defaults are the reference workload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct W3Config {
    /// Data points.
    pub n: usize,
    /// Dimension.
    pub d: usize,
    /// Welling and Teh's step `h` (the learning rate is `h / 2`).
    pub h: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Iterations.
    pub iters: u64,
    /// Master seed (data from `seed`, the chain from `seed + 1`).
    pub seed: u64,
}

impl Default for W3Config {
    fn default() -> Self {
        Self {
            n: 10_000,
            d: 20,
            h: 1e-4,
            batch: 100,
            iters: 10_000,
            seed: 0,
        }
    }
}

/// One JSON line, with the peer script's metric name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct W3Report {
    /// Always "W3".
    pub workload: String,
    /// Always "perturbo".
    #[serde(rename = "impl")]
    pub implementation: String,
    /// Data points.
    pub n: usize,
    /// Dimension.
    pub d: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Iterations.
    pub iters: u64,
    /// The learning rate used, `h / 2`.
    pub lr: f64,
    /// Wall time of the fastest timed run.
    pub seconds: f64,
    /// The metric.
    pub iters_per_sec: f64,
    /// Sanity: the mean of the second half of the chain.
    pub posterior_mean: Vec<f64>,
    /// Sanity: the Laplace mode (MAP) of the same posterior.
    pub map: Vec<f64>,
}

/// Timed runs of the workload after a warm-up.
pub const REPEATS: usize = 5;

/// The problem and the sampler spec of `cfg`.
pub fn setup(cfg: &W3Config) -> Result<(BayesLogistic, optim::Optimizer)> {
    let model = BayesLogistic::synthetic(cfg.n, cfg.d, 1.0, Seed(cfg.seed))?;
    let sgld = optim::parse(&format!("sgld:lr={}", cfg.h / 2.0))?;
    Ok((model, sgld))
}

/// One run of the chain: the mean of its second half.
pub fn simulate(
    model: &BayesLogistic,
    sgld: &optim::Optimizer,
    cfg: &W3Config,
) -> Result<Vec<f64>> {
    let run = RunConfig {
        steps: cfg.iters,
        burn_in: cfg.iters / 2,
        batch: Some(cfg.batch),
    };
    let chains = run_chains(
        model,
        sgld,
        &[vec![0.0; cfg.d]],
        &run,
        Seed(cfg.seed + 1),
        |_| (),
    )?;
    Ok(chains[0].moments.mean().iter().copied().collect())
}

/// Runs W3 once to warm up, then [`REPEATS`] timed runs; the rate is that
/// of the fastest (the data set and the Laplace mode are computed outside
/// the timing, as the peer builds its data before timing).
pub fn run(cfg: &W3Config) -> Result<W3Report> {
    let (model, sgld) = setup(cfg)?;
    let mut posterior_mean = simulate(&model, &sgld, cfg)?;
    let mut seconds = f64::INFINITY;
    for _ in 0..REPEATS {
        let clock = Instant::now();
        posterior_mean = simulate(&model, &sgld, cfg)?;
        seconds = seconds.min(clock.elapsed().as_secs_f64());
    }
    let map = model.laplace()?.mean().iter().copied().collect();
    Ok(W3Report {
        workload: "W3".into(),
        implementation: "perturbo".into(),
        n: cfg.n,
        d: cfg.d,
        batch: cfg.batch,
        iters: cfg.iters,
        lr: cfg.h / 2.0,
        seconds,
        iters_per_sec: cfg.iters as f64 / seconds,
        posterior_mean,
        map,
    })
}
