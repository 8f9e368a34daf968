//! The `perturbo` command line: parse, call `experiments::X::run`, write.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use perturbo::experiments::{
    bench_w1, bench_w2, bench_w3, bench_w4, bench_w5, converge, escape, figures, flatness,
    logistic_reference, order, overhead, posterior, run,
};
use perturbo::landscape::LANDSCAPE_HELP;
use perturbo::train;

/// A workbench for perturbation-driven optimization.
///
/// Conventions: overdamped Langevin at temperature eps is
/// dX = -grad V(X) dt + sqrt(2 eps) dW (stationary law ~ exp(-V/eps));
/// SGD-like noise is sqrt(2 D(X)) dW with D = (lr / 2B) |H(X)|;
/// alpha-stable noise is eps dL with L standard symmetric alpha-stable
/// (characteristic function exp(-|u|^alpha) at unit time).
#[derive(Parser, Debug)]
#[command(name = "perturbo", version, allow_negative_numbers = true)]
struct Cli {
    #[command(flatten)]
    shared: Shared,
    #[command(subcommand)]
    command: Command,
}

/// Flags every subcommand takes.
#[derive(Args, Debug)]
struct Shared {
    /// Master seed (every output records it).
    #[arg(long, global = true)]
    seed: Option<u64>,
    /// Worker threads (results do not depend on it).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Output: a file for one report, a directory for `figures`.
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Smaller ensembles, for a fast look.
    #[arg(long, global = true)]
    quick: bool,
    /// Print one JSON object instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Mean escape time from a minimum, against Kramers, the exact MFPT and the alpha-stable law.
    Escape(Box<EscapeArgs>),
    /// Any optimizer chain on any landscape or model: chains, pooled moments, traces.
    Run(Box<RunArgs>),
    /// How often each method ends in the flat minimum, against noise level; flatness of the end points.
    Flatness(ExperimentArgs),
    /// Distance to the optimum against iterations for each method, against the SGD bound.
    Converge(ExperimentArgs),
    /// Each sampler's W2/KL to the exact posterior of Bayesian linear regression against step, batch and temperature; slopes against theory.
    Posterior(ExperimentArgs),
    /// Measured strong and weak orders of every scheme on SDEs with exact solutions.
    Order,
    /// A long (preconditioned) MALA reference for Bayesian logistic regression: R-hat, ESS, the Laplace gap, SGLD's error to it.
    Reference(ReferenceArgs),
    /// Regenerate every figure into figures/ (or --out DIR).
    Figures,
    /// Train a network on a real data set with any optimizer; per-epoch test metrics.
    Train(Box<TrainArgs>),
    /// A reference workload of BENCHMARKS.md, printed as one JSON line with the peer scripts' metric.
    Bench {
        /// The workload: w1 (the SDE ensemble), w2a/w2b (MLP/LeNet-5
        /// training on MNIST), w3 (SGLD on Bayesian logistic regression), w4
        /// (Hessian-vector products), w5 (per-sample gradients) or overhead
        /// (cost of each perturbation per step, as paired time ratios
        /// against plain SGD).
        workload: String,
    },
}

#[derive(Args, Debug)]
#[command(after_help = LANDSCAPE_HELP)]
struct EscapeArgs {
    /// Landscape spec `name:key=value,...` (list below).
    #[arg(long, default_value = "double-well")]
    landscape: String,
    /// Noise: gaussian, sgd, levy, anticorrelated, ou.
    #[arg(long, default_value = "gaussian")]
    noise: String,
    /// Temperature (gaussian, ou) or amplitude (levy, anticorrelated).
    #[arg(long, allow_hyphen_values = true)]
    eps: Option<f64>,
    /// Stability index of Levy noise, in (0, 2].
    #[arg(long, allow_hyphen_values = true)]
    alpha: Option<f64>,
    /// Learning rate of SGD-like noise.
    #[arg(long, allow_hyphen_values = true)]
    lr: Option<f64>,
    /// Batch size of SGD-like noise.
    #[arg(long, allow_hyphen_values = true)]
    batch: Option<f64>,
    /// Correlation time of OU noise.
    #[arg(long, allow_hyphen_values = true)]
    tau: Option<f64>,
    /// Scheme: euler-maruyama, milstein, heun.
    #[arg(long)]
    scheme: Option<String>,
    /// Time step.
    #[arg(long, allow_hyphen_values = true)]
    dt: Option<f64>,
    /// Number of paths.
    #[arg(long)]
    paths: Option<usize>,
    /// Horizon; paths still in the basin then are censored.
    #[arg(long, allow_hyphen_values = true)]
    max_time: Option<f64>,
    /// Start point, comma separated (default: the minimum given by --from-minimum).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    start: Option<Vec<f64>>,
    /// Index of the starting minimum, 0 = leftmost.
    #[arg(long)]
    from_minimum: Option<usize>,
    /// Target: other-minimum, saddle, or interval:low=A,high=B (the Levy exit interval).
    #[arg(long)]
    target: Option<String>,
}

/// An experiment run from its defaults (the figure), `--quick`, or a JSON config.
#[derive(Args, Debug)]
struct ExperimentArgs {
    /// A JSON file with the experiment's config; omitted fields take the defaults.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ReferenceArgs {
    /// The MNIST 3-vs-8 posterior (reads data/mnist) instead of the
    /// synthetic one of W3.
    #[arg(long)]
    mnist: bool,
    #[command(flatten)]
    experiment: ExperimentArgs,
}

impl ExperimentArgs {
    /// The config: from `--config`, else the quick or the default one; the
    /// shared `--seed` overrides the seed.
    fn load<T: serde::de::DeserializeOwned + serde::Serialize>(
        &self,
        quick: T,
        full: T,
        shared: &Shared,
    ) -> Result<T> {
        let mut value = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .with_context(|| format!("{} is not JSON", path.display()))?
            }
            None => serde_json::to_value(if shared.quick { quick } else { full })?,
        };
        if let (Some(seed), Some(map)) = (shared.seed, value.as_object_mut()) {
            map.insert("seed".into(), seed.into());
        }
        serde_json::from_value(value).context("invalid experiment config")
    }
}

/// Printed after `perturbo run --help`.
const RUN_HELP: &str = "Join optimizer pieces with `+`; exactly one piece sets lr. \
`perturbo run --list` prints every landscape, model and optimizer with its parameters.";

#[derive(Args, Debug)]
#[command(after_help = RUN_HELP)]
struct RunArgs {
    /// Landscape or model spec `name:key=value,...`.
    #[arg(long, default_value = "quadratic:h=2,5")]
    landscape: String,
    /// Optimizer spec, e.g. `sam:lr=0.05,rho=0.1` or `rwp:sigma=0.1 + momentum:lr=0.1`.
    #[arg(long, default_value = "noisy-gd:lr=0.02,temperature=0.5")]
    optimizer: String,
    /// Steps per chain.
    #[arg(long, default_value_t = 200_000)]
    steps: u64,
    /// Steps discarded before the pooled mean and covariance.
    #[arg(long, default_value_t = 10_000)]
    burn_in: u64,
    /// Independent chains.
    #[arg(long, default_value_t = 8)]
    chains: usize,
    /// Minibatch size (models only; default: full batch).
    #[arg(long)]
    batch: Option<usize>,
    /// Start point of every chain, comma separated (default: the origin).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    start: Option<Vec<f64>>,
    /// Write every chain's trajectory as CSV (chain,step,loss,x0,...).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Trace every this many steps (default: about 1000 rows per chain).
    #[arg(long)]
    trace_every: Option<u64>,
    /// Save every chain's state to FILE during the run and resume from it if
    /// it exists (a resumed run gives the same report); removed at the end.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Save the checkpoint every this many steps (default: a tenth of the run).
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Print the landscapes, models and optimizers and exit.
    #[arg(long)]
    list: bool,
}

/// Printed after `perturbo train --help`.
const TRAIN_HELP: &str = "Example: perturbo train --model mlp:784-512-256-10 --optimizer momentum:beta=0.9 \
--lr 0.05 --batch 128 --epochs 10 --json. `perturbo run --list` prints every optimizer; sgd, momentum \
and nesterov (with or without weight-decay) run the fused f32 update, all others the generic f64 one.";

#[derive(Args, Debug)]
#[command(after_help = TRAIN_HELP)]
struct TrainArgs {
    /// Data set: mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Directory of the data set's files.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Model spec, e.g. `mlp:784-512-256-10` or `lenet5`.
    #[arg(long, default_value = "mlp:784-512-256-10")]
    model: String,
    /// Optimizer spec (default `momentum:beta=0.9` with lr 0.05).
    #[arg(long)]
    optimizer: Option<String>,
    /// Learning rate, added to the optimizer spec's first piece.
    #[arg(long, allow_hyphen_values = true)]
    lr: Option<f64>,
    /// Samples per minibatch.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Passes over the training set.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Train on a class-balanced subset of this many samples.
    #[arg(long)]
    subset: Option<usize>,
    /// Replace each training label by another class with this probability.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    label_noise: f64,
    /// Multiply the learning rate at step t by a schedule (e.g.
    /// `cosine:period=2345`; `perturbo run --list` prints the schedules);
    /// sgd, momentum and nesterov only.
    #[arg(long)]
    lr_schedule: Option<String>,
    /// Write per-epoch metrics as CSV (rewritten after every epoch).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Save the run to FILE and resume from it if it exists (a resumed run
    /// gives the same report); removed at the end.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Save the checkpoint every this many steps (default: every epoch).
    #[arg(long)]
    checkpoint_every: Option<u64>,
}

impl TrainArgs {
    fn config(&self, shared: &Shared) -> perturbo::Result<train::TrainConfig> {
        let optimizer = match &self.optimizer {
            Some(spec) => train::with_lr(spec, self.lr)?,
            None => train::with_lr("momentum:beta=0.9", Some(self.lr.unwrap_or(0.05)))?,
        };
        Ok(train::TrainConfig {
            dataset: self.dataset.clone(),
            model: self.model.clone(),
            optimizer,
            batch: self.batch,
            epochs: self.epochs,
            seed: shared.seed.unwrap_or(1),
            subset: self.subset,
            label_noise: self.label_noise,
            lr_schedule: self.lr_schedule.clone(),
        })
    }
}

impl EscapeArgs {
    fn config(self, shared: &Shared) -> perturbo::Result<escape::EscapeConfig> {
        let mut c = escape::EscapeConfig {
            landscape: self.landscape,
            noise: escape::NoiseKind::parse(&self.noise)?,
            ..Default::default()
        };
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { c.$field = v; } )* };
        }
        set!(
            eps,
            alpha,
            lr,
            batch,
            tau,
            dt,
            paths,
            max_time,
            from_minimum
        );
        c.start = self.start;
        if let Some(s) = self.scheme {
            c.scheme = perturbo::sde::SchemeKind::parse(&s)?;
        }
        if let Some(t) = self.target {
            c.target = escape::Target::parse(&t)?;
        }
        if let Some(seed) = shared.seed {
            c.seed = seed;
        }
        if shared.quick {
            c.paths = c.paths.min(500);
        }
        Ok(c)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid arguments");
            eprintln!("{} (see perturbo --help)", first.trim_end());
            return ExitCode::from(2);
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    if let Some(n) = cli.shared.threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the thread pool")?;
    }
    let shared = &cli.shared;
    match cli.command {
        Command::Escape(args) => {
            let cfg = (*args).config(shared)?;
            let bar = progress_bar(cfg.paths as u64, "paths");
            let report = escape::run(&cfg, &|n| bar.inc(n as u64))?;
            bar.finish_and_clear();
            emit(shared, &report, || escape::format_table(&report))
        }
        Command::Run(args) => {
            if args.list {
                println!(
                    "{}\noptimizers:\n{}",
                    run::problem_help(),
                    perturbo::optim::OPTIMIZER_HELP
                );
                return Ok(());
            }
            let trace_every = args
                .trace
                .as_ref()
                .map(|_| args.trace_every.unwrap_or((args.steps / 1000).max(1)));
            let cfg = run::RunExperiment {
                problem: args.landscape,
                optimizer: args.optimizer,
                steps: if shared.quick {
                    args.steps.min(10_000)
                } else {
                    args.steps
                },
                burn_in: if shared.quick {
                    args.burn_in.min(1_000)
                } else {
                    args.burn_in
                },
                chains: args.chains,
                batch: args.batch,
                start: args.start,
                trace_every,
                seed: shared.seed.unwrap_or(1),
            };
            let checkpoint = args.checkpoint.map(|path| run::Checkpointing {
                path,
                every: args.checkpoint_every.unwrap_or((cfg.steps / 10).max(1)),
            });
            let report = run::run_checkpointed(&cfg, checkpoint.as_ref())?;
            if let Some(path) = &args.trace {
                write_file(path, run::trace_csv(&report).as_bytes())?;
            }
            emit(shared, &report, || run::format_table(&report))
        }
        Command::Flatness(args) => {
            let full = flatness::FlatnessConfig::default();
            let cfg: flatness::FlatnessConfig =
                args.load(flatness::FlatnessConfig::quick(), full, shared)?;
            let report = flatness::run(&cfg, &|msg| eprintln!("{msg}"))?;
            emit(shared, &report, || flatness::format_table(&report))
        }
        Command::Posterior(args) => {
            let full = posterior::PosteriorConfig::default();
            let cfg: posterior::PosteriorConfig =
                args.load(posterior::PosteriorConfig::quick(), full, shared)?;
            let report = posterior::run(&cfg, &|msg| eprintln!("{msg}"))?;
            emit(shared, &report, || posterior::format_table(&report))
        }
        Command::Reference(args) => {
            let full = if args.mnist {
                logistic_reference::ReferenceConfig::mnist()
            } else {
                logistic_reference::ReferenceConfig::default()
            };
            let quick = logistic_reference::ReferenceConfig::quick();
            let cfg: logistic_reference::ReferenceConfig =
                args.experiment.load(quick, full, shared)?;
            let report = logistic_reference::run(&cfg)?;
            emit(shared, &report, || {
                logistic_reference::format_table(&report)
            })
        }
        Command::Converge(args) => {
            let full = converge::ConvergeConfig::default();
            let cfg: converge::ConvergeConfig =
                args.load(converge::ConvergeConfig::quick(), full, shared)?;
            let report = converge::run(&cfg, &|msg| eprintln!("{msg}"))?;
            emit(shared, &report, || converge::format_table(&report))
        }
        Command::Order => {
            let mut cfg = if shared.quick {
                order::OrderConfig::quick()
            } else {
                order::OrderConfig::default()
            };
            if let Some(seed) = shared.seed {
                cfg.seed = seed;
            }
            let report = order::run(&cfg)?;
            emit(shared, &report, || order::format_table(&report))
        }
        Command::Figures => {
            let dir = shared
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("figures"));
            let written =
                figures::regenerate(&dir, shared.seed.unwrap_or(1), shared.quick, &|msg| {
                    eprintln!("{msg}")
                })?;
            for path in written {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Train(args) => {
            let cfg = args.config(shared)?;
            cfg.validate()?;
            let data = train::load(&cfg, &args.data)?;
            let outputs = train::Outputs {
                csv: args.csv.clone(),
                checkpoint: args.checkpoint.clone().map(|path| train::Checkpointing {
                    path,
                    every: args.checkpoint_every,
                }),
            };
            let bar = training_bar();
            let report = train::train(&cfg, data, &outputs, &|p| {
                bar.set_length(p.total);
                bar.set_position(p.step);
                if p.step % 10 == 0 || p.step == p.total {
                    bar.set_message(format!(
                        "epoch {} loss {:.4} {:.0} samples/s",
                        p.epoch, p.loss, p.samples_per_sec
                    ));
                }
            })?;
            bar.finish_and_clear();
            emit(shared, &report, || train::format_table(&report))
        }
        Command::Bench { workload } if workload == "overhead" => {
            let mut cfg = if shared.quick {
                overhead::OverheadConfig::quick()
            } else {
                overhead::OverheadConfig::default()
            };
            if let Some(seed) = shared.seed {
                cfg.seed = seed;
            }
            let report = overhead::run(&cfg, &|msg| eprintln!("{msg}"))?;
            emit(shared, &report, || overhead::format_table(&report))
        }
        Command::Bench { workload } if matches!(workload.as_str(), "w2a" | "w2b" | "w4" | "w5") => {
            let seed = shared.seed.unwrap_or(0);
            let json = match workload.as_str() {
                "w2a" | "w2b" => {
                    let base = if workload == "w2a" {
                        bench_w2::W2Config::w2a()
                    } else {
                        bench_w2::W2Config::w2b()
                    };
                    serde_json::to_string(&bench_w2::run(&bench_w2::W2Config { seed, ..base })?)?
                }
                "w4" => serde_json::to_string(&bench_w4::run(&bench_w4::W4Config {
                    seed,
                    ..Default::default()
                })?)?,
                _ => serde_json::to_string(&bench_w5::run(&bench_w5::W5Config {
                    seed,
                    ..Default::default()
                })?)?,
            };
            println!("{json}");
            Ok(())
        }
        Command::Bench { workload } if workload == "w3" => {
            let mut cfg = bench_w3::W3Config::default();
            if let Some(seed) = shared.seed {
                cfg.seed = seed;
            }
            let report = bench_w3::run(&cfg)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::Bench { workload } => {
            anyhow::ensure!(
                workload == "w1",
                "unknown workload `{workload}`; known: w1, w2a, w2b, w3, w4, w5, overhead"
            );
            let mut cfg = bench_w1::W1Config::default();
            if let Some(seed) = shared.seed {
                cfg.seed = seed;
            }
            let report = bench_w1::run(&cfg)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
    }
}

/// Prints the report (JSON with `--json`, else a table) and, with `--out`,
/// writes its JSON atomically.
fn emit<T: serde::Serialize>(
    shared: &Shared,
    report: &T,
    table: impl FnOnce() -> String,
) -> Result<()> {
    let json = serde_json::to_string(report)?;
    if let Some(path) = &shared.out {
        write_file(path, json.as_bytes())?;
    }
    if shared.json {
        println!("{json}");
    } else {
        print!("{}", table());
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    perturbo::io::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The training bar: steps, loss and throughput on stderr, hidden when
/// stderr is not a terminal.
fn training_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {msg} [{elapsed} < {eta}]")
    {
        bar.set_style(style);
    }
    bar
}

fn progress_bar(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} [{{elapsed}} < {{eta}}]");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
