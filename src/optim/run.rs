//! The driver: runs independent chains of an optimizer on an objective.
//!
//! Chain `c` draws everything (its optimizer state, minibatches, noise)
//! from the stream `seed.child(c)`, its inputs site from
//! `seed.child(c).child(1)` and its observer from `seed.child(c).child(2)`,
//! so each chain's result depends only on (seed, c) and the report is
//! bit-identical for any thread count (chains run in parallel with rayon,
//! results are combined in chain order). Minibatches are drawn uniformly
//! with replacement, so a minibatch gradient's covariance is exactly the
//! per-sample gradient covariance divided by the batch size.
//!
//! A chain whose parameters become NaN or infinite stops and reports the
//! step ([`ChainOutcome::Diverged`]); it is never averaged in.

use rand::RngExt;
use rayon::prelude::*;

use super::evaluator::{Counts, Evaluator, Scratch};
use super::optimizer::{Optimizer, OptimizerState, StepBuffers};
use super::oracle::{require, Oracle};
use crate::error::{ensure_at_least, ensure_dim, Error, Result};
use crate::measure::moments::Moments;
use crate::rng::{Rng, Seed};

/// How to run the chains.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunConfig {
    /// Steps per chain.
    pub steps: u64,
    /// Steps discarded before the moments are accumulated.
    pub burn_in: u64,
    /// Minibatch size; `None` uses the full objective (the only choice for
    /// objectives that are not finite sums).
    pub batch: Option<usize>,
}

impl RunConfig {
    /// Checks the sizes against each other and against the objective.
    pub fn validate(&self, oracle: &dyn Oracle) -> Result<()> {
        ensure_at_least("steps", self.steps as usize, 1, "at least 1")?;
        if self.burn_in >= self.steps {
            return Err(Error::OutOfRange {
                name: "burn_in",
                value: self.burn_in as f64,
                expected: "fewer than steps",
            });
        }
        if let Some(batch) = self.batch {
            let samples = oracle
                .finite_sum()
                .ok_or_else(|| oracle.lacks("per-sample gradients, so --batch does not apply"))?
                .samples();
            ensure_at_least("batch", batch, 1, "at least 1")?;
            if batch > samples {
                return Err(Error::OutOfRange {
                    name: "batch",
                    value: batch as f64,
                    expected: "at most the number of samples",
                });
            }
        }
        Ok(())
    }
}

/// How a chain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChainOutcome {
    /// All steps done.
    Finished,
    /// The parameters became NaN or infinite after this step (0-based).
    Diverged {
        /// The step.
        step: u64,
    },
}

/// Watches a chain: called after every step with the new parameters.
pub trait ChainObserver: Send {
    /// Called after step `t` (0-based) with the parameters it produced.
    fn observe(&mut self, t: u64, x: &[f64], oracle: &dyn Oracle, rng: &mut Rng) -> Result<()>;
}

/// Observes nothing.
impl ChainObserver for () {
    fn observe(&mut self, _t: u64, _x: &[f64], _oracle: &dyn Oracle, _rng: &mut Rng) -> Result<()> {
        Ok(())
    }
}

/// One chain: its result so far, and everything needed to continue it.
///
/// A chain serializes (when its observer does), so a long run can be saved
/// between [`advance_chains`] calls and resumed with bit-identical results:
/// the optimizer state and all three random streams are part of it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Chain<O> {
    /// The parameters after the last step taken (or at divergence).
    pub final_state: Vec<f64>,
    /// Finished (so far) or diverged.
    pub outcome: ChainOutcome,
    /// Evaluations the chain made.
    pub counts: Counts,
    /// Mean and covariance of the iterates after burn-in.
    pub moments: Moments,
    /// The observer, with whatever it recorded.
    pub observer: O,
    /// Steps taken so far.
    pub steps_done: u64,
    optimizer_state: OptimizerState,
    rng: Rng,
    input_rng: Rng,
    observer_rng: Rng,
}

/// Runs `starts.len()` chains of `optimizer` on `oracle`, chain `c` from
/// `starts[c]`, with a fresh observer `observer(c)` each, for all
/// `config.steps` steps: [`start_chains`] then [`advance_chains`].
pub fn run_chains<O, F>(
    oracle: &dyn Oracle,
    optimizer: &Optimizer,
    starts: &[Vec<f64>],
    config: &RunConfig,
    seed: Seed,
    observer: F,
) -> Result<Vec<Chain<O>>>
where
    O: ChainObserver,
    F: Fn(usize) -> O + Sync,
{
    let mut chains = start_chains(oracle, optimizer, starts, config, seed, observer)?;
    advance_chains(oracle, optimizer, &mut chains, config, config.steps)?;
    Ok(chains)
}

/// The chains before their first step.
///
/// Errors (before any step): a start of the wrong dimension or not
/// finite, a capability the optimizer needs that the objective lacks, a
/// bad config, a minibatch for an optimizer that needs the full objective
/// (MALA).
pub fn start_chains<O, F>(
    oracle: &dyn Oracle,
    optimizer: &Optimizer,
    starts: &[Vec<f64>],
    config: &RunConfig,
    seed: Seed,
    observer: F,
) -> Result<Vec<Chain<O>>>
where
    F: Fn(usize) -> O,
{
    config.validate(oracle)?;
    if config.batch.is_some() && optimizer.needs_full_objective() {
        return Err(super::mala::minibatch_error());
    }
    require(oracle, optimizer.needs(), "the optimizer's pieces")?;
    starts
        .iter()
        .enumerate()
        .map(|(c, start)| {
            ensure_dim("start point", oracle.dim(), start.len())?;
            if let Some(&bad) = start.iter().find(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    name: "start",
                    value: bad,
                });
            }
            let seed = seed.child(c as u64);
            let mut rng = seed.rng();
            Ok(Chain {
                final_state: start.clone(),
                outcome: ChainOutcome::Finished,
                counts: Counts::default(),
                moments: Moments::new(start.len()),
                observer: observer(c),
                steps_done: 0,
                optimizer_state: optimizer.init(start.len(), &mut rng),
                rng,
                input_rng: seed.child(1).rng(),
                observer_rng: seed.child(2).rng(),
            })
        })
        .collect()
}

/// Advances every chain (in parallel) to `min(until, config.steps)` steps;
/// a diverged chain stays where it stopped. Errors during a step (a
/// capability check that could only fail there) abort the run.
pub fn advance_chains<O: ChainObserver>(
    oracle: &dyn Oracle,
    optimizer: &Optimizer,
    chains: &mut [Chain<O>],
    config: &RunConfig,
    until: u64,
) -> Result<()> {
    chains
        .par_iter_mut()
        .try_for_each(|chain| advance(oracle, optimizer, chain, config, until.min(config.steps)))
}

fn advance<O: ChainObserver>(
    oracle: &dyn Oracle,
    optimizer: &Optimizer,
    chain: &mut Chain<O>,
    config: &RunConfig,
    until: u64,
) -> Result<()> {
    if matches!(chain.outcome, ChainOutcome::Diverged { .. }) {
        return Ok(());
    }
    let Chain {
        final_state: x,
        outcome,
        counts,
        moments,
        observer,
        steps_done,
        optimizer_state,
        rng,
        input_rng,
        observer_rng,
    } = chain;
    let mut buffers = StepBuffers::default();
    let mut scratch = Scratch::default();
    let mut batch = Vec::new();
    let samples = oracle.finite_sum().map_or(0, |f| f.samples());
    for t in *steps_done..until {
        draw_batch(optimizer, config, samples, rng, &mut batch);
        let eval = Evaluator::new(oracle, &batch, optimizer.inputs(), input_rng, scratch);
        let stepped = optimizer.step(optimizer_state, t, x, &eval, rng, &mut buffers);
        let (used, returned) = eval.finish();
        counts.add(used);
        scratch = returned;
        stepped?;
        *steps_done = t + 1;
        if x.iter().any(|v| !v.is_finite()) {
            *outcome = ChainOutcome::Diverged { step: t };
            break;
        }
        if t >= config.burn_in {
            moments.push(x);
        }
        observer.observe(t, x, oracle, observer_rng)?;
    }
    Ok(())
}

/// The indices a step's gradients use: `batch` uniform draws with
/// replacement when a batch size is configured; every sample in order when
/// the inputs site is active without one (each input is perturbed); none
/// (the full objective through [`Oracle::gradient`]) otherwise.
fn draw_batch(
    optimizer: &Optimizer,
    config: &RunConfig,
    samples: usize,
    rng: &mut Rng,
    batch: &mut Vec<usize>,
) {
    batch.clear();
    match config.batch {
        Some(b) => batch.extend((0..b).map(|_| rng.random_range(0..samples))),
        None if !optimizer.inputs().is_identity() => batch.extend(0..samples),
        None => {}
    }
}
