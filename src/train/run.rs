//! The training driver: epochs, steps, evaluation, checkpoints, metrics.

use std::path::PathBuf;
use std::time::Instant;

use super::checkpoint::Checkpointing;
use super::config::TrainConfig;
use super::data::TrainData;
use super::epoch::{shuffle, steps_per_epoch};
use super::eval::evaluate;
use super::report::{history_csv, EpochMetrics, TrainReport};
use super::seeds;
use super::state::{State, Weights};
use super::update::FusedUpdate;
use crate::error::{ensure_at_least, io_error, Error, Result};
use crate::io::{load_checkpoint, save_checkpoint, write_atomic};
use crate::nn::objective::{NetObjective, EVAL_SLICE};
use crate::nn::{Data, Network, Targets, Workspace};
use crate::optim::evaluator::{Evaluator, Scratch};
use crate::optim::{self, require, Optimizer, StepBuffers};
use crate::rng::Seed;
use crate::schedule::{self, Schedule};

/// Files a run writes besides its report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs {
    /// Per-epoch metrics as CSV, rewritten atomically after every epoch.
    pub csv: Option<PathBuf>,
    /// Where and how often to checkpoint.
    pub checkpoint: Option<Checkpointing>,
}

/// What the progress callback sees after every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Steps taken.
    pub step: u64,
    /// Steps of the whole run.
    pub total: u64,
    /// The epoch in progress, from 1.
    pub epoch: usize,
    /// Mean minibatch loss of the epoch so far.
    pub loss: f64,
    /// Training samples per second in the epoch so far.
    pub samples_per_sec: f64,
}

/// The pieces of a run that do not change from step to step.
struct Setup<'a> {
    cfg: &'a TrainConfig,
    objective: NetObjective,
    optimizer: Optimizer,
    fused: Option<FusedUpdate>,
    lr_schedule: Option<Schedule>,
    test: Data<'a, f32>,
    test_samples: Vec<usize>,
}

/// Trains `cfg.model` on `data` with `cfg.optimizer` (see the module
/// documentation of [`crate::train`]), reporting every step to `progress`,
/// writing the outputs asked for, and resuming from the checkpoint if its
/// file exists.
///
/// Errors (all before the first step, so no output is written): an invalid
/// configuration, a model whose input width is not the data's feature count
/// or whose output width is not its class count, an unknown or malformed
/// optimizer, an optimizer needing a capability the network lacks, a
/// checkpoint of another configuration or not a checkpoint at all, and
/// `checkpoint.every = 0`. Later: a file that cannot be written.
pub fn train(
    cfg: &TrainConfig,
    data: TrainData,
    outputs: &Outputs,
    progress: &dyn Fn(&Progress),
) -> Result<TrainReport> {
    cfg.validate()?;
    let net = Network::parse(&cfg.model)?;
    if net.input_len() != data.width {
        return Err(Error::DimensionMismatch {
            context: "model input width vs the data's features per sample",
            expected: data.width,
            got: net.input_len(),
        });
    }
    if net.output_len() != data.classes {
        return Err(Error::DimensionMismatch {
            context: "model output width vs the data's classes",
            expected: data.classes,
            got: net.output_len(),
        });
    }
    let optimizer = optim::parse(&cfg.optimizer)?;
    let TrainData { train, test, .. } = data;
    let objective = NetObjective::new(net, train.inputs, train.labels, data.classes)?;
    let fused = FusedUpdate::of(&optimizer);
    if fused.is_none() {
        require(&objective, optimizer.needs(), "the optimizer's pieces")?;
    }
    let lr_schedule = cfg
        .lr_schedule
        .as_deref()
        .map(schedule::parse)
        .transpose()?;
    if lr_schedule.is_some() && fused.is_none() {
        return Err(Error::Unsupported(format!(
            "a learning-rate schedule applies to the fused optimizers (sgd, momentum, nesterov, \
             weight-decay); `{}` runs through the generic path, whose pieces keep their own steps",
            cfg.optimizer
        )));
    }
    let targets = Targets::Classes {
        labels: &test.labels,
        classes: data.classes,
    };
    let test_data = Data::new(&test.inputs, data.width, targets)?;
    let setup = Setup {
        cfg,
        objective,
        optimizer,
        fused,
        lr_schedule,
        test: test_data,
        test_samples: (0..test.n()).collect(),
    };
    if let Some(ck) = &outputs.checkpoint {
        if let Some(every) = ck.every {
            ensure_at_least("checkpoint every", every as usize, 1, "at least 1 step")?;
        }
    }
    let state = match &outputs.checkpoint {
        Some(ck) => load_checkpoint(&ck.path, "train", cfg)?,
        None => None,
    };
    let state = state.unwrap_or_else(|| setup.fresh());
    let state = setup.run(state, outputs, progress)?;
    if let Some(ck) = &outputs.checkpoint {
        // The report supersedes the checkpoint; a stale one would be
        // resumed by the next run of the same configuration.
        if ck.path.exists() {
            std::fs::remove_file(&ck.path).map_err(|e| io_error("remove", &ck.path, e))?;
        }
    }
    Ok(setup.report(state))
}

impl Setup<'_> {
    /// The state before the first step: parameters from
    /// [`seeds::INIT`]; for the generic path the optimizer's state drawn
    /// from the [`seeds::OPTIMIZER`] stream, which then drives its noise.
    fn fresh(&self) -> State {
        let seed = Seed(self.cfg.seed);
        let net = self.objective.network();
        let x: Vec<f32> = net.init_params(seed.child(seeds::INIT));
        let weights = match &self.fused {
            Some(f) => Weights::Fused {
                momentum: if f.has_momentum() {
                    vec![0.0; x.len()]
                } else {
                    Vec::new()
                },
                x,
            },
            None => {
                let mut rng = seed.child(seeds::OPTIMIZER).rng();
                Weights::Generic {
                    state: self.optimizer.init(x.len(), &mut rng),
                    x: x.iter().map(|&v| f64::from(v)).collect(),
                    rng,
                    input_rng: seed.child(seeds::INPUTS).rng(),
                    counts: Default::default(),
                }
            }
        };
        State {
            weights,
            epoch: 0,
            step_in_epoch: 0,
            steps: 0,
            loss_sum: 0.0,
            seconds: 0.0,
            history: Vec::new(),
        }
    }

    /// Runs the remaining steps and epochs of `state`.
    fn run(&self, mut s: State, outputs: &Outputs, progress: &dyn Fn(&Progress)) -> Result<State> {
        let cfg = self.cfg;
        let net = self.objective.network();
        let train = self.objective.data();
        let n = train.n();
        let per_epoch = steps_per_epoch(n, cfg.batch);
        let total = (per_epoch * cfg.epochs) as u64;
        let mut ws = Workspace::new(net, cfg.batch.min(n));
        let mut eval_ws = Workspace::new(net, EVAL_SLICE.min(self.test_samples.len()));
        let mut grad = vec![0.0f32; net.dim()];
        let mut eval_params = Vec::new();
        let mut generic = GenericBuffers::default();
        let mut order = Vec::with_capacity(n);
        while s.epoch < cfg.epochs {
            shuffle(Seed(cfg.seed), s.epoch, n, &mut order);
            while s.step_in_epoch < per_epoch {
                let start = s.step_in_epoch * cfg.batch;
                let batch = &order[start..(start + cfg.batch).min(n)];
                let clock = Instant::now();
                let loss = match &mut s.weights {
                    Weights::Fused { x, momentum } => {
                        let loss = net.loss_and_gradient(x, &train, batch, &mut ws, &mut grad)?;
                        let update = self
                            .fused
                            .as_ref()
                            .expect("fused weights come with a fused update");
                        let lr_scale = self
                            .lr_schedule
                            .as_ref()
                            .map_or(1.0, |sch| sch.value(s.steps) as f32);
                        update.apply(x, &grad, momentum, lr_scale);
                        loss
                    }
                    Weights::Generic { .. } => {
                        self.generic_step(&mut s.weights, s.steps, batch, &mut generic)?
                    }
                };
                s.seconds += clock.elapsed().as_secs_f64();
                s.loss_sum += loss;
                s.steps += 1;
                s.step_in_epoch += 1;
                progress(&Progress {
                    step: s.steps,
                    total,
                    epoch: s.epoch + 1,
                    loss: s.loss_sum / s.step_in_epoch as f64,
                    samples_per_sec: (start + batch.len()) as f64 / s.seconds,
                });
                if let Some(ck) = &outputs.checkpoint {
                    if ck.every.is_some_and(|e| s.steps.is_multiple_of(e)) {
                        save_checkpoint(&ck.path, cfg, &s)?;
                    }
                }
            }
            let params: &[f32] = match &s.weights {
                Weights::Fused { x, .. } => x,
                Weights::Generic { x, .. } => {
                    eval_params.clear();
                    eval_params.extend(x.iter().map(|&v| v as f32));
                    &eval_params
                }
            };
            let (test_loss, test_accuracy) =
                evaluate(net, params, &self.test, &self.test_samples, &mut eval_ws)?;
            s.history.push(EpochMetrics {
                epoch: s.epoch + 1,
                train_loss: s.loss_sum / per_epoch as f64,
                test_loss,
                test_accuracy,
                seconds: s.seconds,
                samples_per_sec: n as f64 / s.seconds,
            });
            s.epoch += 1;
            s.step_in_epoch = 0;
            s.loss_sum = 0.0;
            s.seconds = 0.0;
            if let Some(path) = &outputs.csv {
                write_atomic(path, history_csv(&s.history).as_bytes())
                    .map_err(|e| io_error("write", path, e))?;
            }
            if let Some(ck) = &outputs.checkpoint {
                if ck.every.is_none() && s.epoch < cfg.epochs {
                    save_checkpoint(&ck.path, cfg, &s)?;
                }
            }
        }
        Ok(s)
    }

    /// One step of the generic path: the minibatch loss at the current
    /// parameters, then [`Optimizer::step`] on the network objective
    /// restricted to the batch (the full objective for methods that need
    /// it).
    fn generic_step(
        &self,
        weights: &mut Weights,
        t: u64,
        batch: &[usize],
        buffers: &mut GenericBuffers,
    ) -> Result<f64> {
        let Weights::Generic {
            x,
            state,
            rng,
            input_rng,
            counts,
        } = weights
        else {
            unreachable!("called for generic weights only")
        };
        let loss = self.objective.mean_loss(x, batch, None);
        let used: &[usize] = if self.optimizer.needs_full_objective() {
            &[]
        } else {
            batch
        };
        let scratch = std::mem::take(&mut buffers.scratch);
        let eval = Evaluator::new(
            &self.objective,
            used,
            self.optimizer.inputs(),
            input_rng,
            scratch,
        );
        let stepped = self
            .optimizer
            .step(state, t, x, &eval, rng, &mut buffers.step);
        let (used, scratch) = eval.finish();
        counts.add(used);
        buffers.scratch = scratch;
        stepped?;
        Ok(loss)
    }

    /// The report of a finished run.
    fn report(&self, s: State) -> TrainReport {
        let cfg = self.cfg;
        let last = s.history.last().expect("at least one epoch ran");
        let seconds: f64 = s.history.iter().map(|e| e.seconds).sum();
        let n = self.objective.labels().len();
        TrainReport {
            dataset: cfg.dataset.clone(),
            model: cfg.model.clone(),
            optimizer: cfg.optimizer.clone(),
            seed: cfg.seed,
            batch: cfg.batch,
            epochs: s.history.len(),
            subset: cfg.subset,
            label_noise: cfg.label_noise,
            parameters: self.objective.network().dim(),
            train_samples: n,
            test_samples: self.test_samples.len(),
            steps: s.steps,
            update: if self.fused.is_some() {
                "fused"
            } else {
                "generic"
            }
            .into(),
            train_loss: last.train_loss,
            test_loss: last.test_loss,
            test_accuracy: last.test_accuracy,
            samples_per_sec: (n * s.history.len()) as f64 / seconds,
            seconds,
            history: s.history,
        }
    }
}

/// Buffers the generic path reuses across steps.
#[derive(Default)]
struct GenericBuffers {
    scratch: Scratch,
    step: StepBuffers,
}
