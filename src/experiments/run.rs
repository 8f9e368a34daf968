//! `perturbo run`: any optimizer chain on any landscape or model, as
//! independent chains, with the pooled moments of the iterates.
//!
//! The report has each chain's final state and loss, the mean and
//! covariance of the iterates after burn-in pooled over the finished chains
//! (for the sampling view: noisy GD on a quadratic has the stationary
//! covariance of `theory::noisy_gd`), the evaluation counts, and which
//! chains diverged and when. An optional trace records every chain's
//! iterates and loss every `trace_every` steps.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use super::problem::problem_help;
use super::problem::Problem;
use crate::error::{ensure_at_least, ensure_dim, io_error, Error, Result};
use crate::io::{load_checkpoint, save_checkpoint};
use crate::measure::moments::Moments;
use crate::optim::{
    self, advance_chains, start_chains, ChainObserver, ChainOutcome, Counts, Oracle, RunConfig,
    Site,
};
use crate::rng::{Rng, Seed};

/// The largest `chains x steps` accepted (a guard against typos that would
/// run for days).
pub const MAX_WORK: f64 = 1e11;

/// A `perturbo run` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunExperiment {
    /// Landscape or model spec.
    pub problem: String,
    /// Optimizer spec (see [`optim::OPTIMIZER_HELP`]).
    pub optimizer: String,
    /// Steps per chain.
    pub steps: u64,
    /// Steps discarded before the moments.
    pub burn_in: u64,
    /// Independent chains.
    pub chains: usize,
    /// Minibatch size (models only).
    pub batch: Option<usize>,
    /// Start point of every chain (default: the origin).
    pub start: Option<Vec<f64>>,
    /// Record a trace point every this many steps (`None`: no trace).
    pub trace_every: Option<u64>,
    /// Master seed (also draws a model's data set).
    pub seed: u64,
}

impl Default for RunExperiment {
    fn default() -> Self {
        Self {
            problem: "quadratic:h=2,5".into(),
            optimizer: "noisy-gd:lr=0.02,temperature=0.5".into(),
            steps: 200_000,
            burn_in: 10_000,
            chains: 8,
            batch: None,
            start: None,
            trace_every: None,
            seed: 1,
        }
    }
}

/// One trace row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// Step after which the point was recorded.
    pub step: u64,
    /// The loss there.
    pub loss: f64,
    /// The parameters.
    pub x: Vec<f64>,
}

/// Records the iterates every `every` steps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trace {
    every: Option<u64>,
    points: Vec<TracePoint>,
}

impl ChainObserver for Trace {
    fn observe(&mut self, t: u64, x: &[f64], oracle: &dyn Oracle, _rng: &mut Rng) -> Result<()> {
        if let Some(every) = self.every {
            if (t + 1).is_multiple_of(every) {
                self.points.push(TracePoint {
                    step: t + 1,
                    loss: oracle.value(x),
                    x: x.to_vec(),
                });
            }
        }
        Ok(())
    }
}

/// The report of `perturbo run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The configuration that produced it.
    pub config: RunExperiment,
    /// The objective, described.
    pub objective: String,
    /// The sites the optimizer perturbs.
    pub sites: Vec<Site>,
    /// Each chain's last parameters.
    pub final_states: Vec<Vec<f64>>,
    /// Each chain's loss at its last parameters.
    pub final_loss: Vec<f64>,
    /// Mean of the iterates after burn-in, pooled over finished chains.
    pub mean: Vec<f64>,
    /// Their covariance (row-major rows); `None` with fewer than two
    /// iterates or above `measure::moments::MAX_COVARIANCE_DIM` dimensions.
    pub cov: Option<Vec<Vec<f64>>>,
    /// Gradient calls, summed over chains.
    pub grad_evals: u64,
    /// All evaluation counts, summed over chains.
    pub counts: Counts,
    /// For each chain, the step at which it diverged, if it did.
    pub diverged: Vec<Option<u64>>,
    /// Each chain's trace, if one was asked for.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub traces: Vec<Vec<TracePoint>>,
}

/// Runs the experiment.
pub fn run(cfg: &RunExperiment) -> Result<RunReport> {
    run_checkpointed(cfg, None)
}

/// Where and how often a long run saves itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpointing {
    /// The checkpoint file: resumed from if it exists, removed when the run
    /// completes.
    pub path: PathBuf,
    /// Save after every this many steps.
    pub every: u64,
}

/// Runs the experiment, saving every chain's state to `checkpoint.path`
/// (atomically) every `checkpoint.every` steps and resuming from that file
/// when it exists. A resumed run gives a report bit-identical to an
/// uninterrupted one: the chains carry their optimizer states and random
/// streams.
///
/// Errors, besides those of [`run`]: a checkpoint written for a different
/// configuration, an unreadable checkpoint, `every = 0`.
pub fn run_checkpointed(
    cfg: &RunExperiment,
    checkpoint: Option<&Checkpointing>,
) -> Result<RunReport> {
    let seed = Seed(cfg.seed);
    // The data set and the chains draw from different children of the seed.
    let problem = Problem::parse(&cfg.problem, seed.child(0))?;
    let oracle = problem.oracle();
    let optimizer = optim::parse(&cfg.optimizer)?;
    ensure_at_least("chains", cfg.chains, 1, "at least 1")?;
    if let Some(every) = cfg.trace_every {
        ensure_at_least("trace_every", every as usize, 1, "at least 1")?;
    }
    if cfg.chains as f64 * cfg.steps as f64 > MAX_WORK {
        return Err(Error::OutOfRange {
            name: "chains x steps",
            value: cfg.chains as f64 * cfg.steps as f64,
            expected: "at most 1e11",
        });
    }
    let start = match &cfg.start {
        Some(s) => {
            ensure_dim("--start", oracle.dim(), s.len())?;
            s.clone()
        }
        None => vec![0.0; oracle.dim()],
    };
    let run_cfg = RunConfig {
        steps: cfg.steps,
        burn_in: cfg.burn_in,
        batch: cfg.batch,
    };
    let fresh = || {
        start_chains(
            oracle,
            &optimizer,
            &vec![start.clone(); cfg.chains],
            &run_cfg,
            seed.child(1),
            |_| Trace {
                every: cfg.trace_every,
                points: Vec::new(),
            },
        )
    };
    let chains = match checkpoint {
        None => {
            let mut chains = fresh()?;
            advance_chains(oracle, &optimizer, &mut chains, &run_cfg, cfg.steps)?;
            chains
        }
        Some(ck) => {
            ensure_at_least("checkpoint every", ck.every as usize, 1, "at least 1 step")?;
            let mut chains = match load_checkpoint(&ck.path, "run", cfg)? {
                Some(chains) => chains,
                None => fresh()?,
            };
            let mut done = chains.iter().map(|c| c.steps_done).max().unwrap_or(0);
            while done < cfg.steps {
                done = (done / ck.every + 1) * ck.every;
                advance_chains(oracle, &optimizer, &mut chains, &run_cfg, done)?;
                save_checkpoint(&ck.path, cfg, &chains)?;
            }
            chains
        }
    };
    if let Some(ck) = checkpoint {
        // The report supersedes the checkpoint; a stale one would be resumed
        // by the next run with the same configuration.
        std::fs::remove_file(&ck.path).map_err(|e| io_error("remove", &ck.path, e))?;
    }
    let mut pooled = Moments::new(oracle.dim());
    let mut counts = Counts::default();
    for chain in &chains {
        counts.add(chain.counts);
        if chain.outcome == ChainOutcome::Finished {
            pooled.merge(&chain.moments);
        }
    }
    Ok(RunReport {
        config: cfg.clone(),
        objective: oracle.describe(),
        sites: optimizer.sites(),
        final_loss: chains
            .iter()
            .map(|c| oracle.value(&c.final_state))
            .collect(),
        diverged: chains
            .iter()
            .map(|c| match c.outcome {
                ChainOutcome::Diverged { step } => Some(step),
                ChainOutcome::Finished => None,
            })
            .collect(),
        mean: pooled.mean().iter().copied().collect(),
        cov: pooled
            .covariance()
            .map(|c| c.row_iter().map(|r| r.iter().copied().collect()).collect()),
        grad_evals: counts.gradients,
        counts,
        final_states: chains.iter().map(|c| c.final_state.clone()).collect(),
        traces: chains
            .into_iter()
            .map(|c| c.observer.points)
            .filter(|p| !p.is_empty())
            .collect(),
    })
}

/// The trace as CSV: `chain,step,loss,x0,x1,...`.
pub fn trace_csv(report: &RunReport) -> String {
    let dim = report.mean.len();
    let mut out = String::from("chain,step,loss");
    (0..dim).for_each(|i| out.push_str(&format!(",x{i}")));
    out.push('\n');
    for (c, trace) in report.traces.iter().enumerate() {
        for p in trace {
            out.push_str(&format!("{c},{},{}", p.step, p.loss));
            p.x.iter().for_each(|v| out.push_str(&format!(",{v}")));
            out.push('\n');
        }
    }
    out
}

/// A human-readable summary.
pub fn format_table(r: &RunReport) -> String {
    let mut out = format!(
        "{} on {}: {} chains x {} steps (burn-in {}), seed {}\n",
        r.config.optimizer,
        r.objective,
        r.config.chains,
        r.config.steps,
        r.config.burn_in,
        r.config.seed
    );
    out.push_str(&format!("sites perturbed: {:?}\n", r.sites));
    out.push_str(&format!("mean after burn-in: {:?}\n", r.mean));
    if let Some(cov) = &r.cov {
        out.push_str("covariance:\n");
        cov.iter()
            .for_each(|row| out.push_str(&format!("  {row:?}\n")));
    }
    let loss_mean = r.final_loss.iter().sum::<f64>() / r.final_loss.len() as f64;
    out.push_str(&format!(
        "mean final loss: {loss_mean:.6e}\ngradient calls: {}\n",
        r.grad_evals
    ));
    let diverged = r.diverged.iter().filter(|d| d.is_some()).count();
    if diverged > 0 {
        out.push_str(&format!("diverged chains: {diverged}\n"));
    }
    out
}
