//! The ensemble driver: many independent paths of one SDE, in parallel.
//!
//! Path `i` draws all its randomness from its own stream `seed.child(i)`, so
//! its trajectory does not depend on how paths are grouped or which thread
//! runs them: results are bit-identical for any thread count. Paths are
//! stepped in blocks of [`BLOCK`] (step-major inside a block, so independent
//! paths fill the pipeline while one path's update waits on its previous
//! value); rayon spreads blocks over threads and results are gathered in
//! block order, and observers are merged in that same order. Each block
//! runs under [`crate::simd::widest`], so its vector passes (the scheme's
//! step, the checks) are compiled for the CPU's widest vectors, with the
//! same bits at every width; the scalar sampler they call gains nothing
//! from it.
//!
//! A path ends in one of three outcomes ([`Outcome`]): it fires the event
//! (escapes), reaches the horizon (censored), or produces a NaN/Inf
//! (diverged, with the step at which it happened). Divergence is an outcome,
//! never averaged into a statistic.

use rayon::prelude::*;

use super::{Event, Scheme, Sde, Workspace};
use crate::error::{ensure_at_least, ensure_dim, ensure_positive, Error, Result};
use crate::noise::NoiseProcess;
use crate::rng::{Rng, Seed};

/// Paths stepped together by one task.
pub const BLOCK: usize = 256;

/// Steps of noise drawn per call of [`NoiseProcess::increment_block`] when
/// nothing else draws from the paths' streams between steps (the event can
/// never fire), so that each path can draw several steps back to back with
/// its generator in registers (W1's median fraction of the sampling ceiling
/// went from 0.73 to 0.83 over ten paired runs). Eight steps of a full
/// block are 16 KiB of `f64`, which stay in the L1 cache while each path
/// writes its column; in a one-thread micro-benchmark 40 steps (80 KiB)
/// drew twice as slowly as 8 or 20, and in W1 16 steps were no faster
/// than 8 (median per-pair ratio 0.98 over eight pairs).
pub const LOOKAHEAD: usize = 8;

/// How to run an ensemble.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnsembleConfig {
    /// Number of independent paths.
    pub paths: usize,
    /// Time step.
    pub dt: f64,
    /// Number of steps; the horizon is `t0 + steps * dt`.
    pub steps: usize,
    /// Initial time.
    pub t0: f64,
    /// Master seed; path `i` uses `seed.child(i)`.
    pub seed: Seed,
}

impl EnsembleConfig {
    /// Rejects a non-positive step, zero paths or zero steps.
    pub fn validate(&self) -> Result<()> {
        ensure_positive("dt", self.dt)?;
        crate::error::ensure_finite("t0", self.t0)?;
        ensure_at_least("paths", self.paths, 1, "at least 1")?;
        ensure_at_least("steps", self.steps, 1, "at least 1")?;
        Ok(())
    }

    /// The final time `t0 + steps * dt`.
    pub fn horizon(&self) -> f64 {
        self.t0 + self.steps as f64 * self.dt
    }
}

/// How one path ended.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The event fired during step `step` (0-based), recorded at the step's
    /// end time `time`.
    Escaped {
        /// Time at the end of the step in which the event fired.
        time: f64,
        /// The step's index.
        step: usize,
    },
    /// The path reached the horizon without firing the event.
    Censored,
    /// The state became NaN or infinite during step `step`.
    Diverged {
        /// The step's index.
        step: usize,
    },
}

/// The record of one path.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathRecord {
    /// How it ended.
    pub outcome: Outcome,
    /// Its state when it ended (the last finite state for a diverged path).
    pub final_state: Vec<f64>,
}

/// A measurement taken along paths while they run.
///
/// Each block of paths gets a clone of the prototype; the clones are merged
/// in block order at the end, so a deterministic `merge` gives a result
/// independent of the thread count.
pub trait Observer: Clone + Send + Sync {
    /// Called after every step of a running path with its new state.
    fn observe(&mut self, path: usize, step: usize, t: f64, x: &[f64]);
    /// Folds another block's observations into this one.
    fn merge(&mut self, other: Self);
    /// False for an observer that records nothing, so the driver may skip
    /// the per-path pass.
    fn is_active(&self) -> bool {
        true
    }
}

impl Observer for () {
    #[inline]
    fn observe(&mut self, _: usize, _: usize, _: f64, _: &[f64]) {}
    fn merge(&mut self, _: Self) {}
    fn is_active(&self) -> bool {
        false
    }
}

/// What an ensemble run returns.
#[derive(Debug, Clone)]
pub struct EnsembleResult<O> {
    /// One record per path, in path order.
    pub records: Vec<PathRecord>,
    /// The merged observer.
    pub observer: O,
    /// Drift (gradient) evaluations spent, over all paths.
    pub drift_evals: u64,
}

/// Runs `cfg.paths` paths of `sde` driven by `noise` from `start`, advancing
/// each with `scheme` until `event` fires, the horizon is reached, or the
/// state diverges. `progress` is called with the number of paths finished by
/// each block (for a progress bar).
///
/// # Requirements
/// `start` has the SDE's dimension and `noise` the diffusion's noise
/// dimension; the scheme accepts the SDE ([`Scheme::validate`]).
#[allow(clippy::too_many_arguments)]
pub fn run<S, N, M, E, O>(
    sde: &S,
    noise: &N,
    scheme: &M,
    start: &[f64],
    event: &E,
    observer: &O,
    cfg: &EnsembleConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<EnsembleResult<O>>
where
    S: Sde,
    N: NoiseProcess,
    M: Scheme<S>,
    E: Event,
    O: Observer,
{
    cfg.validate()?;
    ensure_dim("start point", sde.dim(), start.len())?;
    ensure_dim(
        "noise process",
        crate::noise::Diffusion::noise_dim(sde.diffusion()),
        noise.dim(),
    )?;
    if let Some(v) = start.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "start point",
            value: *v,
        });
    }
    scheme.validate(sde)?;

    let blocks = cfg.paths.div_ceil(BLOCK);
    let per_block: Vec<(Vec<PathRecord>, O, u64)> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let first = b * BLOCK;
            let count = BLOCK.min(cfg.paths - first);
            let out = crate::simd::widest(
                #[inline(always)]
                || {
                    run_block(
                        sde,
                        noise,
                        scheme,
                        start,
                        event,
                        observer.clone(),
                        cfg,
                        first,
                        count,
                    )
                },
            );
            progress(count);
            out
        })
        .collect();

    let mut records = Vec::with_capacity(cfg.paths);
    let mut merged = observer.clone();
    let mut drift_evals = 0;
    for (recs, obs, evals) in per_block {
        records.extend(recs);
        merged.merge(obs);
        drift_evals += evals;
    }
    Ok(EnsembleResult {
        records,
        observer: merged,
        drift_evals,
    })
}

/// Steps paths `first .. first + count` together, step-major.
///
/// Each step draws every running path's increment from its own stream (the
/// increments of the next [`LOOKAHEAD`] steps at once when the event cannot
/// fire, since then the increments are the streams' only use), then
/// advances all running paths with one [`Scheme::step_block`] call, then
/// checks each for divergence and the event. A path that ends is swapped with
/// the last running one, so the running paths stay contiguous and the block
/// step never wastes work on finished paths; since each path owns its stream,
/// the reordering does not change any result.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn run_block<S, N, M, E, O>(
    sde: &S,
    noise: &N,
    scheme: &M,
    start: &[f64],
    event: &E,
    mut observer: O,
    cfg: &EnsembleConfig,
    first: usize,
    count: usize,
) -> (Vec<PathRecord>, O, u64)
where
    S: Sde,
    N: NoiseProcess,
    M: Scheme<S>,
    E: Event,
    O: Observer,
{
    let (d, m) = (sde.dim(), noise.dim());
    let brownian = noise.is_brownian();
    let mut ids: Vec<usize> = (0..count).collect();
    let mut rngs: Vec<Rng> = (first..first + count)
        .map(|i| cfg.seed.stream(i as u64))
        .collect();
    let mut states: Vec<N::State> = rngs.iter_mut().map(|r| noise.init(r)).collect();
    let mut x: Vec<f64> = start.repeat(count);
    let mut prev = x.clone();
    let ahead = if event.may_fire() { 1 } else { LOOKAHEAD };
    let mut dn = vec![0.0; ahead * count * m];
    let mut times = Vec::with_capacity(ahead);
    // Paths (row length) of the increments drawn last.
    let mut drawn = count;
    let mut ws = Workspace::new(d, m, count);
    let mut records: Vec<Option<PathRecord>> = vec![None; count];
    let mut running = count;
    let mut steps_taken = 0u64;

    for step in 0..cfg.steps {
        if running == 0 {
            break;
        }
        if step % ahead == 0 {
            let last = cfg.steps.min(step + ahead);
            times.clear();
            times.extend((step..last).map(|s| cfg.t0 + s as f64 * cfg.dt));
            drawn = running;
            noise.increment_block(
                &mut states[..running],
                &times,
                cfg.dt,
                &mut rngs[..running],
                &mut dn[..times.len() * running * m],
            );
        }
        let t = times[step % ahead];
        let row = (step % ahead) * drawn * m;
        prev[..running * d].copy_from_slice(&x[..running * d]);
        scheme.step_block(
            sde,
            &mut x[..running * d],
            &dn[row..row + running * m],
            running,
            t,
            cfg.dt,
            &mut ws,
        );
        steps_taken += running as u64;

        // The per-path pass is needed only if some path may end or be observed.
        let all_finite = x[..running * d]
            .iter()
            .fold(true, |ok, v| ok & v.is_finite());
        let mut i = if all_finite && !event.may_fire() && !observer.is_active() {
            running
        } else {
            0
        };
        while i < running {
            let (xi, pi) = (&x[i * d..(i + 1) * d], &prev[i * d..(i + 1) * d]);
            let outcome = if !xi.iter().all(|v| v.is_finite()) {
                Some((Outcome::Diverged { step }, pi))
            } else {
                observer.observe(first + ids[i], step, t + cfg.dt, xi);
                event
                    .crossed(pi, xi, t, cfg.dt, sde.diffusion(), brownian, &mut rngs[i])
                    .then_some((
                        Outcome::Escaped {
                            time: t + cfg.dt,
                            step,
                        },
                        xi,
                    ))
            };
            match outcome {
                None => i += 1,
                Some((outcome, last_finite)) => {
                    records[ids[i]] = Some(PathRecord {
                        outcome,
                        final_state: last_finite.to_vec(),
                    });
                    running -= 1;
                    swap_paths(i, running, d, &mut x);
                    swap_paths(i, running, d, &mut prev);
                    for increments in dn[..ahead * drawn * m].chunks_exact_mut(drawn * m) {
                        swap_paths(i, running, m, increments);
                    }
                    ids.swap(i, running);
                    rngs.swap(i, running);
                    states.swap(i, running);
                }
            }
        }
    }

    for (i, &id) in ids.iter().enumerate().take(running) {
        records[id] = Some(PathRecord {
            outcome: Outcome::Censored,
            final_state: x[i * d..(i + 1) * d].to_vec(),
        });
    }
    let records = records
        .into_iter()
        .map(|r| r.expect("every path ends with a record"))
        .collect();
    (
        records,
        observer,
        steps_taken * scheme.drift_evals_per_step() as u64,
    )
}

/// Swaps the entries of paths `a` and `b` (each `d` long) in `buf`.
fn swap_paths(a: usize, b: usize, d: usize, buf: &mut [f64]) {
    if a != b {
        for k in 0..d {
            buf.swap(a * d + k, b * d + k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::DoubleWell;
    use crate::noise::{Brownian, Diffusion, Isotropic};
    use crate::sde::{EulerMaruyama, Never, PerturbedFlow};
    use crate::simd::{at_level, Level};

    /// An event that never fires but says it may, so the driver draws one
    /// step of noise at a time and runs the per-path checks.
    struct NeverButChecked;

    impl Event for NeverButChecked {
        fn crossed<G: Diffusion>(
            &self,
            _: &[f64],
            _: &[f64],
            _: f64,
            _: f64,
            _: &G,
            _: bool,
            _: &mut Rng,
        ) -> bool {
            false
        }
    }

    /// Drawing [`LOOKAHEAD`] steps of noise at once gives the same paths as
    /// drawing one step at a time, including when paths diverge in the
    /// middle of a drawn stretch and the running paths are reordered (their
    /// drawn increments must move with them). At `eps = 2`, `dt = 0.1` the
    /// Euler-Maruyama double well overshoots and diverges for some paths.
    #[test]
    fn drawing_ahead_gives_the_paths_of_single_steps() {
        fn records<E: Event>(event: &E) -> Vec<PathRecord> {
            let temperature = Isotropic::temperature(1, 2.0).unwrap();
            let sde = PerturbedFlow::new(DoubleWell, temperature).unwrap();
            let cfg = EnsembleConfig {
                paths: 600,
                dt: 0.1,
                steps: 60,
                t0: 0.0,
                seed: Seed(4),
            };
            let noise = Brownian::new(1).unwrap();
            run(
                &sde,
                &noise,
                &EulerMaruyama,
                &[-1.0],
                event,
                &(),
                &cfg,
                &|_| {},
            )
            .unwrap()
            .records
        }
        let (ahead, single) = (records(&Never), records(&NeverButChecked));
        let diverged_mid_stretch = ahead
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Diverged { step } if step % LOOKAHEAD != 0))
            .count();
        let censored = ahead
            .iter()
            .filter(|r| r.outcome == Outcome::Censored)
            .count();
        assert!(
            diverged_mid_stretch > 0 && censored > 0,
            "the case must reorder paths mid-stretch and keep others running \
             ({diverged_mid_stretch} diverged mid-stretch, {censored} censored)"
        );
        assert_eq!(ahead.len(), single.len());
        if let Some(i) = (0..ahead.len()).find(|&i| ahead[i] != single[i]) {
            panic!(
                "path {i}: {:?} drawing ahead, {:?} one step at a time",
                ahead[i], single[i]
            );
        }
    }

    /// A block of paths ends in the same bits at every vector width the CPU
    /// offers (blocks run under [`crate::simd::widest`]).
    #[test]
    fn block_is_identical_at_every_vector_width() {
        let sde = PerturbedFlow::new(DoubleWell, Isotropic::temperature(1, 0.25).unwrap()).unwrap();
        let noise = Brownian::new(1).unwrap();
        let cfg = EnsembleConfig {
            paths: 100,
            dt: 1e-2,
            steps: 200,
            t0: 0.0,
            seed: Seed(9),
        };
        let finals_at = |level| {
            let (records, _, _) = at_level(
                level,
                #[inline(always)]
                || {
                    run_block(
                        &sde,
                        &noise,
                        &EulerMaruyama,
                        &[-1.0],
                        &Never,
                        (),
                        &cfg,
                        0,
                        100,
                    )
                },
            );
            records
                .iter()
                .map(|r| r.final_state[0].to_bits())
                .collect::<Vec<_>>()
        };
        let baseline = finals_at(Level::Baseline);
        for level in Level::available() {
            assert_eq!(finals_at(level), baseline, "{level:?}");
        }
    }
}
