//! `perturbo bench overhead`: what each perturbation costs per step, in
//! evaluations and in time relative to plain SGD on the same objective.
//!
//! **Counts.** For each objective and method one chain runs `steps` steps
//! from a fixed start with a fixed seed; the evaluation counts are the ones
//! the driver records ([`crate::optim::Counts`], counted in the
//! [`crate::optim::Evaluator`] every method goes through), so they are
//! exact and the same on every machine. Divided by the steps run they give
//! the cost per step: SAM takes 2 gradients, RWP 1 (at the perturbed
//! point), `sgd-noise` 1 dense Hessian, `var-noise` `2B` per-sample
//! gradients on top of the minibatch's `B`, `curv-noise` `probes`
//! Hessian-vector products every `every` steps, and so on.
//!
//! **Time.** Wall time on a shared machine drifts (up to 2x here over a
//! minute), so absolute times are not comparable between methods measured
//! at different moments. Each repeat therefore times the method and the
//! baseline (plain `sgd`) back to back, one chain each from the same start
//! with the same seed, and takes the ratio of their times per step; the
//! order of the pair alternates between repeats so a steady drift biases
//! half the ratios up and half down. The table gives the median of the
//! paired ratios over the repeats, which a single disturbed repeat cannot
//! move. One untimed run of each precedes the repeats (it warms the caches
//! and yields the counts). The driver's per-step work (minibatch draw,
//! divergence check) is part of every step, as it is in real use; the
//! moments of the iterates are accumulated on the last step only
//! (`burn_in = steps - 1`), so their `O(d^2)` update does not dilute the
//! ratios.
//!
//! A method whose needs the objective cannot meet (per-sample gradients on
//! a landscape, inputs for the inputs site) is listed as skipped with the
//! reason, not run.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::problem::Problem;
use super::run::MAX_WORK;
use crate::error::{ensure_at_least, Error, Result};
use crate::optim::{
    self, require, run_chains, Chain, ChainOutcome, Counts, Optimizer, Oracle, RunConfig, Site,
};
use crate::rng::Seed;

/// One objective of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveConfig {
    /// Landscape or model spec.
    pub problem: String,
    /// Minibatch size (models only; `None`: full gradients).
    pub batch: Option<usize>,
    /// Steps per timed run (at least 1).
    pub steps: u64,
}

/// Configuration; the defaults are the table `perturbo bench overhead`
/// prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverheadConfig {
    /// The objectives, one table each.
    pub objectives: Vec<ObjectiveConfig>,
    /// Optimizer specs (see [`optim::OPTIMIZER_HELP`]), one row each.
    pub methods: Vec<String>,
    /// The baseline every time is divided by (plain SGD).
    pub baseline: String,
    /// Every coordinate of the start point.
    pub start: f64,
    /// Timed pairs (method, baseline) per method (at least 1).
    pub repeats: usize,
    /// Master seed: a model's data from `Seed(seed).child(0)`, every chain
    /// from `Seed(seed).child(1)`.
    pub seed: u64,
}

/// One representative spec per named method of [`optim::OPTIMIZER_NAMES`],
/// in that order, all at `lr = 0.05` (0.01 for Adam) with small noise, so
/// that no chain diverges on the default objectives (every curvature times
/// the step stays well below 2).
const DEFAULT_METHODS: [&str; 30] = [
    "gd:lr=0.05",
    "sgd:lr=0.05",
    "noisy-gd:lr=0.05,temperature=0.01",
    "sgld:lr=0.05,temperature=0.01",
    "ula:lr=0.05,temperature=0.01",
    "mala:lr=0.05,temperature=0.01",
    "psgld:lr=0.05,temperature=0.01",
    "sghmc:lr=0.05,friction=0.1,temperature=0.01",
    "sghmc-naive:lr=0.05,friction=0.1,temperature=0.01",
    "gni:lr=0.05,eta=0.01",
    "sgd-noise:lr=0.05,batch=32",
    "levy:lr=0.05,sigma=0.01,alpha=1.5",
    "pgd:lr=0.05,radius=0.1,g_thres=0.01",
    "anti-pgd:lr=0.05,sigma=0.01",
    "rwp:lr=0.05,sigma=0.01",
    "sam:lr=0.05,rho=0.05",
    "asam:lr=0.05,rho=0.05",
    "oscillate:lr=0.05,amplitude=0.01,period=100",
    "momentum:lr=0.05",
    "nesterov:lr=0.05",
    "adam:lr=0.01",
    "var-noise:lr=0.05,target=0.01",
    "curv-noise:lr=0.05,sigma=0.01,reference=1",
    "noise:sigma=0.01,lr=0.05",
    "stable-noise:sigma=0.01,alpha=1.5,lr=0.05",
    "anti-noise:sigma=0.01,lr=0.05",
    "weight-decay:lambda=0.001,lr=0.05",
    "clip:max_norm=1,lr=0.05",
    "input-noise:sigma=0.1 + sgd:lr=0.05",
    "dropout:p=0.1 + sgd:lr=0.05",
];

impl Default for OverheadConfig {
    fn default() -> Self {
        Self {
            objectives: vec![
                ObjectiveConfig {
                    problem: "least-squares:n=1024,p=64".into(),
                    batch: Some(32),
                    steps: 500,
                },
                ObjectiveConfig {
                    problem: "quadratic:h=1,10".into(),
                    batch: None,
                    steps: 50_000,
                },
            ],
            methods: DEFAULT_METHODS.map(String::from).to_vec(),
            baseline: "sgd:lr=0.05".into(),
            start: 0.5,
            repeats: 9,
            seed: 1,
        }
    }
}

impl OverheadConfig {
    /// The default table with shorter runs and three repeats (a few seconds
    /// in release mode).
    pub fn quick() -> Self {
        let mut cfg = Self {
            repeats: 3,
            ..Self::default()
        };
        cfg.objectives[0].steps = 100;
        cfg.objectives[1].steps = 10_000;
        cfg
    }
}

/// Evaluations per step: a run's [`Counts`] divided by its steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerStep {
    /// Gradient calls (full or minibatch).
    pub gradients: f64,
    /// Per-sample gradients.
    pub sample_gradients: f64,
    /// Loss evaluations.
    pub values: f64,
    /// Hessian-vector products.
    pub hessian_vectors: f64,
    /// Dense Hessians.
    pub hessians: f64,
}

impl PerStep {
    /// `counts / steps`.
    pub fn new(counts: Counts, steps: u64) -> Self {
        let per = |c: u64| c as f64 / steps as f64;
        Self {
            gradients: per(counts.gradients),
            sample_gradients: per(counts.sample_gradients),
            values: per(counts.values),
            hessian_vectors: per(counts.hessian_vectors),
            hessians: per(counts.hessians),
        }
    }
}

/// The measured cost of one method on one objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Steps the chain ran (all of them unless it diverged).
    pub steps: u64,
    /// The step at which the chain diverged, if it did.
    pub diverged_at: Option<u64>,
    /// Evaluation counts of the run (exact, deterministic).
    pub counts: Counts,
    /// The counts per step.
    pub per_step: PerStep,
    /// Median over the repeats of the method's wall time per step, in
    /// nanoseconds (machine- and moment-dependent: for orientation only).
    pub nanos_per_step: f64,
    /// Each repeat's (method time per step) / (baseline time per step).
    pub ratios: Vec<f64>,
    /// The median of `ratios`: the time overhead relative to plain SGD.
    pub median_ratio: f64,
}

/// One row: measured, or skipped because the objective lacks a capability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The method ran.
    Measured(Cost),
    /// The method needs what the objective does not offer.
    Skipped {
        /// The capability error, as text.
        reason: String,
    },
}

/// One method on one objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodCost {
    /// The spec as given.
    pub spec: String,
    /// The name of its first piece (the named method).
    pub name: String,
    /// The sites it perturbs.
    pub sites: Vec<Site>,
    /// The measurement.
    pub outcome: Outcome,
}

/// One objective's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveCost {
    /// The objective's config.
    pub objective: ObjectiveConfig,
    /// The objective, described.
    pub description: String,
    /// Its dimension.
    pub dim: usize,
    /// Median over every timed baseline run of its time per step, in
    /// nanoseconds (for orientation only; `None` when every method was
    /// skipped, so the baseline never ran).
    pub baseline_nanos_per_step: Option<f64>,
    /// One row per method, in config order.
    pub methods: Vec<MethodCost>,
}

/// The report of `perturbo bench overhead`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverheadReport {
    /// The configuration that produced it.
    pub config: OverheadConfig,
    /// One table per objective, in config order.
    pub objectives: Vec<ObjectiveCost>,
}

/// A single-chain run of `steps` steps of `optimizer` from `start`: its
/// wall time and the chain.
///
/// Moments are accumulated on the last step only, so the driver's per-step
/// work is what every real run pays and nothing more. Shared by [`run`] and
/// the criterion benchmark `benches/overhead.rs`.
pub fn time_steps(
    oracle: &dyn Oracle,
    optimizer: &Optimizer,
    start: &[f64],
    batch: Option<usize>,
    steps: u64,
    seed: Seed,
) -> Result<(Duration, Chain<()>)> {
    let cfg = RunConfig {
        steps,
        burn_in: steps.saturating_sub(1),
        batch,
    };
    let starts = [start.to_vec()];
    let clock = Instant::now();
    let mut chains = run_chains(oracle, optimizer, &starts, &cfg, seed, |_| ())?;
    let elapsed = clock.elapsed();
    let chain = chains
        .pop()
        .expect("run_chains returns one chain per start");
    Ok((elapsed, chain))
}

/// Steps a chain ran: all, or up to and including the diverging one.
fn steps_run(chain: &Chain<()>, steps: u64) -> u64 {
    match chain.outcome {
        ChainOutcome::Finished => steps,
        ChainOutcome::Diverged { step } => step + 1,
    }
}

/// Wall time per step in nanoseconds.
fn nanos_per_step(elapsed: Duration, steps: u64) -> f64 {
    elapsed.as_secs_f64() * 1e9 / steps as f64
}

/// The median (mean of the middle two for an even count); `values` must
/// not be empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// The name of a spec's first piece.
fn method_name(spec: &str) -> String {
    let first = spec.split('+').next().unwrap_or("");
    first.split(':').next().unwrap_or("").trim().to_string()
}

/// Checks sizes and the work guard.
fn validate(cfg: &OverheadConfig) -> Result<()> {
    ensure_at_least("repeats", cfg.repeats, 1, "at least 1")?;
    crate::error::ensure_finite("start", cfg.start)?;
    if cfg.methods.is_empty() || cfg.objectives.is_empty() {
        return Err(Error::Unsupported(
            "the overhead table needs at least one method and one objective".into(),
        ));
    }
    for o in &cfg.objectives {
        ensure_at_least("steps", o.steps as usize, 1, "at least 1")?;
    }
    let steps: f64 = cfg.objectives.iter().map(|o| o.steps as f64).sum();
    let work = steps * 2.0 * cfg.methods.len() as f64 * (cfg.repeats as f64 + 1.0);
    if work > MAX_WORK {
        return Err(Error::OutOfRange {
            name: "steps x methods x repeats",
            value: work,
            expected: "at most 1e11",
        });
    }
    Ok(())
}

/// The shared pieces of one objective's measurements.
struct Bench<'a> {
    oracle: &'a dyn Oracle,
    baseline: &'a Optimizer,
    start: Vec<f64>,
    batch: Option<usize>,
    steps: u64,
    seed: Seed,
    repeats: usize,
}

impl Bench<'_> {
    /// Time per step of one run, in nanoseconds.
    fn timed(&self, optimizer: &Optimizer) -> Result<f64> {
        let (elapsed, chain) = time_steps(
            self.oracle,
            optimizer,
            &self.start,
            self.batch,
            self.steps,
            self.seed,
        )?;
        Ok(nanos_per_step(elapsed, steps_run(&chain, self.steps)))
    }

    /// Counts from an untimed run, then `repeats` paired timings against
    /// the baseline (order alternating). Pushes the baseline times into
    /// `baseline_times`.
    fn measure(&self, optimizer: &Optimizer, baseline_times: &mut Vec<f64>) -> Result<Cost> {
        let (_, chain) = time_steps(
            self.oracle,
            optimizer,
            &self.start,
            self.batch,
            self.steps,
            self.seed,
        )?;
        self.timed(self.baseline)?;
        let steps = steps_run(&chain, self.steps);
        let mut ratios = Vec::with_capacity(self.repeats);
        let mut times = Vec::with_capacity(self.repeats);
        for r in 0..self.repeats {
            let (method, base) = if r % 2 == 0 {
                let m = self.timed(optimizer)?;
                (m, self.timed(self.baseline)?)
            } else {
                let b = self.timed(self.baseline)?;
                (self.timed(optimizer)?, b)
            };
            ratios.push(method / base);
            times.push(method);
            baseline_times.push(base);
        }
        let median_ratio = median(&mut ratios.clone());
        Ok(Cost {
            steps,
            diverged_at: match chain.outcome {
                ChainOutcome::Diverged { step } => Some(step),
                ChainOutcome::Finished => None,
            },
            counts: chain.counts,
            per_step: PerStep::new(chain.counts, steps),
            nanos_per_step: median(&mut times),
            ratios,
            median_ratio,
        })
    }
}

/// Measures every method on every objective.
///
/// Errors: a bad spec (objective, method or baseline), sizes out of range,
/// a batch the objective cannot take, or a method failing during a step.
/// A method the objective lacks a capability for is skipped, not an error.
pub fn run(cfg: &OverheadConfig, progress: &dyn Fn(&str)) -> Result<OverheadReport> {
    validate(cfg)?;
    let baseline = optim::parse(&cfg.baseline)?;
    let methods = cfg
        .methods
        .iter()
        .map(|m| optim::parse(m))
        .collect::<Result<Vec<_>>>()?;
    let seed = Seed(cfg.seed);
    let mut objectives = Vec::with_capacity(cfg.objectives.len());
    for objective in &cfg.objectives {
        let problem = Problem::parse(&objective.problem, seed.child(0))?;
        let oracle = problem.oracle();
        let bench = Bench {
            oracle,
            baseline: &baseline,
            start: vec![cfg.start; oracle.dim()],
            batch: objective.batch,
            steps: objective.steps,
            seed: seed.child(1),
            repeats: cfg.repeats,
        };
        let mut baseline_times = Vec::new();
        let mut rows = Vec::with_capacity(methods.len());
        for (spec, optimizer) in cfg.methods.iter().zip(&methods) {
            progress(&format!("  {}: {spec}", objective.problem));
            let outcome = match require(oracle, optimizer.needs(), "its pieces") {
                Err(e) => Outcome::Skipped {
                    reason: e.to_string(),
                },
                Ok(()) if objective.batch.is_some() && optimizer.needs_full_objective() => {
                    Outcome::Skipped {
                        reason: "it needs the full objective, not minibatches".into(),
                    }
                }
                Ok(()) => Outcome::Measured(bench.measure(optimizer, &mut baseline_times)?),
            };
            rows.push(MethodCost {
                spec: spec.clone(),
                name: method_name(spec),
                sites: optimizer.sites(),
                outcome,
            });
        }
        let baseline_nanos_per_step =
            (!baseline_times.is_empty()).then(|| median(&mut baseline_times));
        objectives.push(ObjectiveCost {
            objective: objective.clone(),
            description: oracle.describe(),
            dim: oracle.dim(),
            baseline_nanos_per_step,
            methods: rows,
        });
    }
    Ok(OverheadReport {
        config: cfg.clone(),
        objectives,
    })
}

/// The table: per objective, per method, the evaluations per step and the
/// median time ratio against plain SGD.
pub fn format_table(r: &OverheadReport) -> String {
    let mut out = format!(
        "cost per step of each perturbation; time = median over {} paired runs of \
         (time per step) / (time per step of {}), seed {}\n\
         (evaluation counts are exact; time ratios mean something only on an otherwise idle machine)\n",
        r.config.repeats, r.config.baseline, r.config.seed
    );
    for o in &r.objectives {
        out.push_str(&format!(
            "\n{} (dim {}, batch {}, {} steps): {} at {} ns/step\n",
            o.description,
            o.dim,
            o.objective
                .batch
                .map_or("full".to_string(), |b| b.to_string()),
            o.objective.steps,
            r.config.baseline,
            o.baseline_nanos_per_step
                .map_or("-".to_string(), |t| format!("{t:.0}"))
        ));
        out.push_str(&format!(
            "{:<46} {:>6} {:>9} {:>6} {:>6} {:>5} {:>10} {:>10}\n",
            "method", "grads", "samples", "HVPs", "Hess", "loss", "ns/step", "x sgd"
        ));
        for m in &o.methods {
            match &m.outcome {
                Outcome::Measured(c) => {
                    let p = &c.per_step;
                    out.push_str(&format!(
                        "{:<46} {:>6.3} {:>9.3} {:>6.3} {:>6.3} {:>5.3} {:>10.0} {:>10.2}\n",
                        m.spec,
                        p.gradients,
                        p.sample_gradients,
                        p.hessian_vectors,
                        p.hessians,
                        p.values,
                        c.nanos_per_step,
                        c.median_ratio
                    ));
                    if let Some(step) = c.diverged_at {
                        out.push_str(&format!("  diverged at step {step}\n"));
                    }
                }
                Outcome::Skipped { reason } => {
                    out.push_str(&format!("{:<46} n/a: {reason}\n", m.spec));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(&mut [3.0, 1.0, 2.0]) - 2.0).abs() < 1e-15);
        assert!((median(&mut [4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < 1e-15);
    }

    #[test]
    fn method_name_is_the_first_piece() {
        assert_eq!(method_name("sam:lr=0.1,rho=0.05"), "sam");
        assert_eq!(method_name(" dropout:p=0.1 + sgd:lr=0.05"), "dropout");
    }
}
