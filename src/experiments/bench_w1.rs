//! Workload W1 of `BENCHMARKS.md`: an Euler-Maruyama ensemble on the double
//! well, timed, with the machine's Gaussian-sampling ceiling beside it.
//!
//! Overdamped Langevin on `V(x) = (x^2 - 1)^2` at `eps = 0.25` from `x = -1`,
//! `dt = 1e-3`, 100,000 paths, 1,000 steps. Each step of each path needs one
//! standard normal, so the rate of drawing normals (Xoshiro256++ and the
//! ziggurat, one stream per thread, all threads busy) bounds the rate of
//! path-steps; the report gives both and their ratio. The sanity figures
//! (mean of `X_T`, fraction of paths with `X_T > 0`) are the ones the peer
//! scripts print, so the two sides can be checked to simulate the same thing.

use std::time::Instant;

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::landscape::DoubleWell;
use crate::noise::{Brownian, Isotropic};
use crate::rng::Seed;
use crate::sde::{ensemble, EnsembleConfig, EnsembleResult, EulerMaruyama, Never, PerturbedFlow};

/// Configuration of W1; the defaults are the reference workload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct W1Config {
    /// Paths.
    pub paths: usize,
    /// Steps.
    pub steps: usize,
    /// Temperature.
    pub eps: f64,
    /// Time step.
    pub dt: f64,
    /// Master seed.
    pub seed: u64,
}

impl Default for W1Config {
    fn default() -> Self {
        Self {
            paths: 100_000,
            steps: 1_000,
            eps: 0.25,
            dt: 1e-3,
            seed: 0,
        }
    }
}

/// One JSON line, with the peer scripts' metric names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct W1Report {
    /// Always "W1".
    pub workload: String,
    /// Always "perturbo".
    #[serde(rename = "impl")]
    pub implementation: String,
    /// Paths.
    pub paths: usize,
    /// Steps.
    pub steps: usize,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time of the fastest timed run.
    pub seconds: f64,
    /// The metric.
    pub path_steps_per_sec: f64,
    /// Sanity: mean of the final states.
    #[serde(rename = "mean_xT")]
    pub mean_x_t: f64,
    /// Sanity: fraction of paths that end right of the barrier.
    pub frac_right: f64,
    /// The ceiling: standard normals drawn per second with all threads busy.
    pub normals_per_sec: f64,
    /// Median over the timed runs of (path-steps per second) / (normals per
    /// second measured just before).
    pub fraction_of_ceiling: f64,
}

/// Timed runs of the workload after a warm-up.
pub const REPEATS: usize = 7;

/// One run of the workload: the paths' records (their final states).
pub fn simulate(cfg: &W1Config) -> Result<EnsembleResult<()>> {
    let sde = PerturbedFlow::new(DoubleWell, Isotropic::temperature(1, cfg.eps)?)?;
    let ens = EnsembleConfig {
        paths: cfg.paths,
        dt: cfg.dt,
        steps: cfg.steps,
        t0: 0.0,
        seed: Seed(cfg.seed),
    };
    ensemble::run(
        &sde,
        &Brownian::new(1)?,
        &EulerMaruyama,
        &[-1.0],
        &Never,
        &(),
        &ens,
        &|_| {},
    )
}

/// Runs W1 once to warm up, then [`REPEATS`] timed runs, each right after a
/// measurement of the ceiling: the rates reported are the best of each, and
/// the fraction of the ceiling is the median of the per-pair ratios (on a
/// shared machine the speed drifts between runs, but two measurements taken
/// back to back see nearly the same machine).
pub fn run(cfg: &W1Config) -> Result<W1Report> {
    simulate(cfg)?;
    let (mut seconds, mut normals_per_sec) = (f64::INFINITY, 0.0_f64);
    let mut ratios = Vec::with_capacity(REPEATS);
    let mut result = None;
    for _ in 0..REPEATS {
        let ceiling = sampling_ceiling(cfg.seed);
        let clock = Instant::now();
        let r = simulate(cfg)?;
        let elapsed = clock.elapsed().as_secs_f64();
        ratios.push((cfg.paths * cfg.steps) as f64 / elapsed / ceiling);
        seconds = seconds.min(elapsed);
        normals_per_sec = normals_per_sec.max(ceiling);
        result = Some(r);
    }
    let result = result.expect("REPEATS is positive");
    ratios.sort_by(f64::total_cmp);
    let fraction_of_ceiling = ratios[ratios.len() / 2];
    let n = result.records.len() as f64;
    let mean_x_t = result.records.iter().map(|r| r.final_state[0]).sum::<f64>() / n;
    let frac_right = result
        .records
        .iter()
        .filter(|r| r.final_state[0] > 0.0)
        .count() as f64
        / n;
    let path_steps_per_sec = (cfg.paths * cfg.steps) as f64 / seconds;
    Ok(W1Report {
        workload: "W1".into(),
        implementation: "perturbo".into(),
        paths: cfg.paths,
        steps: cfg.steps,
        threads: rayon::current_num_threads(),
        seconds,
        path_steps_per_sec,
        mean_x_t,
        frac_right,
        normals_per_sec,
        fraction_of_ceiling,
    })
}

/// Standard normals per second with every worker thread drawing from its own
/// stream through [`sum_of_normals`], the best case. On a shared machine
/// this rate drifts by up to a factor of two between runs of one binary,
/// which is why [`run`] pairs each timed run with a measurement taken just
/// before it.
pub fn sampling_ceiling(seed: u64) -> f64 {
    const PER_THREAD: usize = 30_000_000;
    let threads = rayon::current_num_threads();
    let clock = Instant::now();
    let sums: Vec<f64> = (0..threads)
        .into_par_iter()
        .map(|i| sum_of_normals(Seed(seed), i as u64, PER_THREAD))
        .collect();
    let seconds = clock.elapsed().as_secs_f64();
    // Use the sums so the draws cannot be optimised away.
    std::hint::black_box(sums);
    (threads * PER_THREAD) as f64 / seconds
}

/// The sum of `count` standard normals from stream `stream` of `seed`
/// (Xoshiro256++ and the ziggurat): the ceiling's loop, one generator and
/// nothing else, run under [`crate::simd::widest`] as the ensemble's blocks
/// are (the ziggurat is scalar code, so the vector width does not change
/// its speed). The generator is moved into the loop's closure and the sum
/// is a local, so both live in registers: an earlier form (an iterator sum
/// over a borrowed generator) stored the generator back to memory on every
/// draw and carried the sum through the stack, which made each normal about
/// 5% dearer (`perf`: per normal, 0.91 against 0.86 of the ensemble's
/// sampling cost, medians of six runs each) and so flattered the fraction
/// of the ceiling.
pub fn sum_of_normals(seed: Seed, stream: u64, count: usize) -> f64 {
    let mut rng = seed.stream(stream);
    crate::simd::widest(
        #[inline(always)]
        move || {
            let mut sum = 0.0;
            for _ in 0..count {
                let z: f64 = StandardNormal.sample(&mut rng);
                sum += z;
            }
            sum
        },
    )
}
