//! `sgd_weak_order`: SGD is a weak order-1 approximation of its SDE limit.
//!
//! **Problem.** 1-D least squares (`least-squares:...,p=1`), SGD
//! `x_{k+1} = x_k - eta g(x_k)` on minibatches of `B` samples drawn
//! uniformly with replacement, from `x_0`, up to the fixed time
//! `T = k eta`, for `eta = eta_max / 2^j`, `j = 0..=halvings`.
//!
//! **Theory** (`theory::sgd_sde`, `proofs/sgd_weak_order.md`): the exact
//! `E x_k^2` of SGD, and the exact `E X_T^2` of the first-order SME
//! `dX = -f'(X) dt + sqrt(eta Sigma(X)) dW` (Li, Tai and E, ICML 2017,
//! Theorem 1: weak error `O(eta)`), of the gradient flow (no noise, also
//! `O(eta)`), of the second-order SME (`O(eta^2)`) and of its drift
//! without the noise (the modified flow, `O(eta)` again).
//!
//! **Measurement.** `chains` independent SGD chains per step size
//! (`optim::run_chains` with `sgd:lr=eta` and batch `B`, chains of step
//! `j` on `Seed(seed).child(j)`); the Monte Carlo `E x_k^2` with its
//! standard error, and its distance to the SME value, the measured weak
//! error.

use serde::{Deserialize, Serialize};

use super::run::MAX_WORK;
use crate::error::{ensure_at_least, ensure_finite, ensure_positive, Error, Result};
use crate::measure::flatness::estimate::{interval95, Estimate, Running};
use crate::models::{self, AnyModel};
use crate::optim::{self, run_chains, ChainOutcome, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::Seed;
use crate::theory::sgd_sde::{Limit, ScalarLeastSquares, SgdSde, TwoMoments};

/// Configuration; the defaults draw `figures/sgd_weak_order.png`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeakOrderConfig {
    /// A `least-squares:` model spec with `p=1`.
    pub model: String,
    /// Seed of the model's synthetic data.
    pub data_seed: u64,
    /// Deterministic start `x_0`.
    pub start: f64,
    /// The fixed time `T = k eta` (a whole number of the largest steps).
    pub horizon: f64,
    /// Minibatch size `B`.
    pub batch: usize,
    /// The largest step `eta_max`.
    pub eta_max: f64,
    /// How many times `eta` is halved (at least 1).
    pub halvings: usize,
    /// Independent SGD chains per step size (at least 2).
    pub chains: usize,
    /// Master seed of the chains.
    pub seed: u64,
}

impl Default for WeakOrderConfig {
    fn default() -> Self {
        Self {
            model: "least-squares:n=32,p=1,noise=0.5".into(),
            data_seed: 7,
            start: 3.0,
            horizon: 1.0,
            batch: 2,
            eta_max: 0.1,
            halvings: 4,
            chains: 100_000,
            seed: 1,
        }
    }
}

impl WeakOrderConfig {
    /// The default figure with three halvings and 20,000 chains (about half
    /// a second in release mode; the default takes about 4 s).
    pub fn quick() -> Self {
        Self {
            halvings: 3,
            chains: 20_000,
            ..Self::default()
        }
    }
}

/// Results at one step size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    /// The step `eta`.
    pub lr: f64,
    /// `k = T / eta`.
    pub steps: u64,
    /// Exact SGD moments after `k` steps.
    pub sgd: TwoMoments,
    /// Exact moments of the first-order SME at `T`.
    pub sme: TwoMoments,
    /// Exact moments of the gradient flow at `T`.
    pub flow: TwoMoments,
    /// Exact moments of the second-order SME at `T`.
    pub sme2: TwoMoments,
    /// Exact moments of the modified flow (the second-order SME's drift
    /// without its noise) at `T`.
    pub modified_flow: TwoMoments,
    /// Monte Carlo `E x_k^2` over the finished chains (`None` with fewer
    /// than two).
    pub monte_carlo: Option<Estimate>,
    /// The step at which each other chain diverged.
    pub diverged: Vec<u64>,
}

impl StepResult {
    /// The exact weak error `|E x_k^2 - E X_T^2|` against `limit`.
    pub fn error(&self, limit: Limit) -> f64 {
        let m = match limit {
            Limit::Sme => &self.sme,
            Limit::GradientFlow => &self.flow,
            Limit::Sme2 => &self.sme2,
            Limit::ModifiedFlow => &self.modified_flow,
        };
        (self.sgd.second - m.second).abs()
    }
}

/// The report of the experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeakOrderReport {
    /// The configuration that produced it.
    pub config: WeakOrderConfig,
    /// The gradient statistics of the data set.
    pub problem: ScalarLeastSquares,
    /// One entry per step size, largest first.
    pub points: Vec<StepResult>,
}

/// Checks the config; returns the model and its statistics.
fn validate(cfg: &WeakOrderConfig) -> Result<(AnyModel, ScalarLeastSquares)> {
    ensure_finite("start", cfg.start)?;
    ensure_positive("horizon", cfg.horizon)?;
    ensure_positive("eta_max", cfg.eta_max)?;
    ensure_at_least("halvings", cfg.halvings, 1, "at least 1")?;
    ensure_at_least("chains", cfg.chains, 2, "at least 2")?;
    if cfg.halvings > 30 {
        return Err(Error::OutOfRange {
            name: "halvings",
            value: cfg.halvings as f64,
            expected: "at most 30",
        });
    }
    let work = cfg.chains as f64 * cfg.horizon / cfg.eta_max * 2f64.powi(cfg.halvings as i32 + 1);
    if work > MAX_WORK {
        return Err(Error::OutOfRange {
            name: "chains x total steps",
            value: work,
            expected: "at most 1e11",
        });
    }
    let model = models::parse(&cfg.model, Seed(cfg.data_seed))?;
    let problem = match &model {
        AnyModel::LeastSquares(ls) => ScalarLeastSquares::from_model(ls)?,
        AnyModel::Logistic(_) => {
            return Err(Error::Unsupported(format!(
                "sgd_weak_order needs a least-squares model, got `{}`",
                cfg.model
            )))
        }
    };
    Ok((model, problem))
}

/// Runs the chains and the exact moments at every step size.
///
/// Errors: a model that is not 1-D least squares, a horizon that is not a
/// whole number of steps, sizes out of range.
pub fn run(cfg: &WeakOrderConfig, progress: &dyn Fn(&str)) -> Result<WeakOrderReport> {
    let (model, problem) = validate(cfg)?;
    let mut points = Vec::with_capacity(cfg.halvings + 1);
    for j in 0..=cfg.halvings {
        let lr = cfg.eta_max / 2f64.powi(j as i32);
        let theory = SgdSde::new(problem, lr, cfg.batch)?;
        let steps = theory.steps_to(cfg.horizon)?;
        progress(&format!(
            "  eta = {lr}: {} chains x {steps} steps",
            cfg.chains
        ));
        let chains = run_chains(
            &model,
            &optim::parse(&format!("sgd:lr={lr}"))?,
            &vec![vec![cfg.start]; cfg.chains],
            &RunConfig {
                steps,
                burn_in: 0,
                batch: Some(cfg.batch),
            },
            Seed(cfg.seed).child(j as u64),
            |_| (),
        )?;
        let mut second = Running::default();
        let mut diverged = Vec::new();
        for chain in &chains {
            match chain.outcome {
                ChainOutcome::Finished => second.push(chain.final_state[0].powi(2)),
                ChainOutcome::Diverged { step } => diverged.push(step),
            }
        }
        let finished = chains.len() - diverged.len();
        let limit = |l| theory.limit(l, cfg.start, cfg.horizon);
        points.push(StepResult {
            lr,
            steps,
            sgd: theory.discrete(cfg.start, steps)?,
            sme: limit(Limit::Sme)?,
            flow: limit(Limit::GradientFlow)?,
            sme2: limit(Limit::Sme2)?,
            modified_flow: limit(Limit::ModifiedFlow)?,
            monte_carlo: (finished >= 2).then(|| second.estimate()),
            diverged,
        });
    }
    Ok(WeakOrderReport {
        config: cfg.clone(),
        problem,
        points,
    })
}

/// A human-readable table: per step, the exact `E x_k^2`, the Monte Carlo
/// estimate, and the weak errors against the SME, the flow and the SME2.
pub fn format_table(r: &WeakOrderReport) -> String {
    let c = &r.config;
    let mut out = format!(
        "SGD on {} (data seed {}), batch {}, x0 = {}, T = {}; {} chains per step, seed {}\n\
         A = {:.4}, x* = {:.4}; errors are |E x_k^2 - E X_T^2|\n",
        c.model,
        c.data_seed,
        c.batch,
        c.start,
        c.horizon,
        c.chains,
        c.seed,
        r.problem.curvature(),
        r.problem.minimizer(),
    );
    out.push_str(&format!(
        "{:>10} {:>7} {:>12} {:>24} {:>11} {:>11} {:>11}\n",
        "eta", "k", "E x_k^2", "Monte Carlo +- SE", "SME", "flow", "SME2"
    ));
    for p in &r.points {
        let mc = p.monte_carlo.map_or("-".into(), |e| {
            format!("{:.6} +- {:.1e}", e.mean, e.std_error)
        });
        out.push_str(&format!(
            "{:>10.6} {:>7} {:>12.6} {mc:>24} {:>11.3e} {:>11.3e} {:>11.3e}\n",
            p.lr,
            p.steps,
            p.sgd.second,
            p.error(Limit::Sme),
            p.error(Limit::GradientFlow),
            p.error(Limit::Sme2),
        ));
        if !p.diverged.is_empty() {
            out.push_str(&format!("  {} chains diverged\n", p.diverged.len()));
        }
    }
    out
}

/// The figure: exact weak error against `eta`, log-log, for the SME, the
/// gradient flow, the second-order SME and the modified flow, a slope-1 guide through the
/// SME's largest-step error, and the Monte Carlo error
/// `|hat E x_k^2 - E X_T^2|` against the SME with its 95% interval
/// (lower end clipped to a tenth of the point so the log axis can draw it).
pub fn figure(r: &WeakOrderReport) -> Result<Figure> {
    let curve = |limit: Limit| -> Vec<(f64, f64)> {
        r.points
            .iter()
            .map(|p| (p.lr, p.error(limit)))
            .filter(|&(_, e)| e > 0.0)
            .collect()
    };
    let mut series = Vec::new();
    for (k, (limit, label)) in [
        (Limit::Sme, "SME dX = -f' dt + sqrt(eta Sigma) dW (exact)"),
        (Limit::GradientFlow, "gradient flow dX = -f' dt (exact)"),
        (Limit::Sme2, "second-order SME (exact)"),
        (Limit::ModifiedFlow, "its drift without noise (exact)"),
    ]
    .into_iter()
    .enumerate()
    {
        series.push(Series {
            label: label.into(),
            mark: Mark::Line,
            points: curve(limit),
            error_bars: None,
            color: k,
        });
    }
    let first = &r.points[0];
    series.push(Series {
        label: "slope 1".into(),
        mark: Mark::Dashed,
        points: r
            .points
            .iter()
            .map(|p| (p.lr, first.error(Limit::Sme) * p.lr / first.lr))
            .collect(),
        error_bars: None,
        color: 4,
    });
    let measured: Vec<(f64, f64, (f64, f64))> = r
        .points
        .iter()
        .filter_map(|p| {
            let e = p.monte_carlo?;
            let err = (e.mean - p.sme.second).abs();
            (err > 0.0).then(|| (p.lr, err, interval95(err, e.std_error)))
        })
        .collect();
    if !measured.is_empty() {
        series.push(
            Series::with_bars("Monte Carlo SGD vs SME (95% interval)".into(), 0, measured)
                .clipped_for_log_axis(),
        );
    }
    Ok(Figure {
        title: format!(
            "SGD vs its SDE limit: weak error of E x^2 at T = {}, batch {}",
            r.config.horizon, r.config.batch
        ),
        x_label: "learning rate eta".into(),
        y_label: "|E x_k^2 - E X_T^2|".into(),
        log_x: true,
        log_y: true,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny run: the Monte Carlo moment agrees with the exact one within
    /// 5 standard errors (false-alarm probability below 6e-7 per step size;
    /// fixed seed), and the figure builds.
    #[test]
    fn tiny_run_agrees_with_the_exact_moments() {
        let cfg = WeakOrderConfig {
            halvings: 2,
            chains: 4_000,
            ..WeakOrderConfig::default()
        };
        let report = run(&cfg, &|_| {}).unwrap();
        assert_eq!(report.points.len(), 3);
        for p in &report.points {
            let mc = p.monte_carlo.unwrap();
            assert!((mc.mean - p.sgd.second).abs() <= 5.0 * mc.std_error);
        }
        let fig = figure(&report).unwrap();
        assert_eq!(fig.series.len(), 6);
        assert!(format_table(&report).contains("SME2"));
    }

    #[test]
    fn rejects_a_logistic_model() {
        let cfg = WeakOrderConfig {
            model: "logistic:n=16,p=1".into(),
            ..WeakOrderConfig::quick()
        };
        assert!(run(&cfg, &|_| {}).is_err());
    }
}
