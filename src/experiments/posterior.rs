//! `perturbo posterior`: how far each sampler's long-run law is from the
//! exact posterior of Bayesian linear regression, against the step size,
//! the batch size and the temperature, with fitted log-log slopes held
//! against the theory's.
//!
//! **Target.** A `bayes-linear:` spec (see
//! [`crate::models::POSTERIOR_HELP`]): the posterior is exactly
//! `N(theta*, S)`, `S = H^{-1}`, `H = alpha I + beta A^T A` (Bishop 2006,
//! eqs. 3.53-3.54). The oracle is the pinned potential
//! `U = -log p(theta | data) + const`, the mean of the per-sample terms
//! `u_i = N l_i - log p(theta)` (prior not scaled by `1/N` inside `u_i`);
//! the minibatch mean gradient is Welling and Teh's estimator. Samplers run
//! in the Langevin form `x <- x - lr grad U + sqrt(2 lr T) xi`, whose
//! `T = 1` law is the posterior (Welling and Teh's step `epsilon` is
//! `lr = epsilon / 2`: step dt vs learning rate 2 dt); at temperature `T`
//! the target is `N(theta*, T S)`.
//!
//! **Measurement.** Each sweep point runs `chains` independent chains
//! ([`crate::optim::run_chains`], one stream per chain) from exact draws of the target,
//! discards `burn_in` steps and pools the chains' sample moments. The error
//! is `W2` and `KL` of `N(pooled mean, pooled covariance)` to the target
//! (closed forms of [`crate::measure::posterior`]), with 95% intervals from
//! a bootstrap over chains (resampling chains with replacement; see
//! [`stats`]). Chains that diverge are counted and left out.
//!
//! **Theory** (exact stationary covariance of each sampler on this target,
//! the W2 / KL of its moment-matched Gaussian beside the measured one):
//! ULA [`crate::theory::ula::UlaGaussian`] (`proofs/ula_gaussian.md`:
//! `W2 = O(lr)`, `KL = O(lr^2)`); SGLD and SGD with minibatches
//! [`crate::theory::bayes_linear_sgd::BayesLinearSgd::exact_covariance`] (`proofs/sgd_posterior_mandt.md`;
//! the minibatch excess covariance is `O(lr / b)`, Mandt, Hoffman and Blei
//! 2017, Section 3); SGHMC [`crate::theory::sghmc::SghmcGaussian::position_covariance`]
//! (`proofs/sghmc_friction.md`); MALA is exact (no step bias). **pSGLD has
//! no theory here and is biased**: its preconditioner follows the path and
//! its Gamma term is dropped (see [`crate::optim::psgld`]), so its error
//! does not vanish as `lr -> 0` at fixed `alpha`; the default sweeps show
//! it at `alpha = 0.99` and `0.999`, where it is smaller.
//!
//! **Slopes.** For each sweep the log-log slope of the measured error is
//! fitted ([`crate::experiments::order::fit_log_log`]) with a bootstrap
//! interval, beside the slope of the exact values at the same points and
//! the asymptotic slope: `W2 ~ lr` and `KL ~ lr^2` (ULA, SGLD, SGHMC);
//! the minibatch excess trace `tr P(b) - tr P_full ~ 1 / b` (SGLD; for SGD
//! `P_full = 0`); `W2 ~ T^{1/2}` for ULA against the tempered target (all
//! variances scale with `T`, exactly).
//!
//! Steps are given in units: `lr lambda_max(H)` (ULA's stability limit is
//! 2) for every sampler except pSGLD, whose effective step `lr G` has
//! `G ~ 1 / sqrt(H_ii)` on the target, so its unit is `1 / sqrt(lambda_max)`.
//!
//! The figures of the posterior claims live in the submodules: [`ula`]
//! (`ula_bias`, `ula_w2_bound`), [`sgd`] (`mandt_sgd`, `sgld_tradeoff`),
//! [`sghmc`] (`sghmc_friction`); [`sweep_figure`] draws `posterior_sweep`.

pub mod sgd;
pub mod sghmc;
pub mod stats;
mod sweep;
pub mod ula;

pub use sweep::{format_table, run, sweep_figure};

use serde::{Deserialize, Serialize};

use self::stats::{BootSlope, Interval};
use crate::error::{ensure_at_least, ensure_positive, Error, Result};
use crate::plot::Figure;
use crate::rng::Seed;

/// A sampler of the sweep (the learning rate and temperature are set per
/// point).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Sampler {
    /// `ula`, full batch.
    Ula,
    /// `mala`, full batch.
    Mala,
    /// `sgld` with minibatches of `batch`.
    Sgld {
        /// Minibatch size.
        batch: usize,
    },
    /// `psgld` (full batch) with RMSprop decay `alpha`.
    Psgld {
        /// RMSprop decay.
        alpha: f64,
    },
    /// `sghmc` (full batch, `beta_hat = 0`) with friction `friction`.
    Sghmc {
        /// Friction `alpha` of Chen et al.'s eq. 15.
        friction: f64,
    },
    /// Constant-step `sgd` with minibatches of `batch` (no injected noise:
    /// the temperature does not apply).
    Sgd {
        /// Minibatch size.
        batch: usize,
    },
}

impl Sampler {
    /// A short label, e.g. `sgld b=8`.
    pub fn label(&self) -> String {
        match self {
            Self::Ula => "ula".into(),
            Self::Mala => "mala".into(),
            Self::Sgld { batch } => format!("sgld b={batch}"),
            Self::Psgld { alpha } => format!("psgld alpha={alpha}"),
            Self::Sghmc { friction } => format!("sghmc friction={friction}"),
            Self::Sgd { batch } => format!("sgd b={batch}"),
        }
    }

    /// The optimizer spec at `lr` and temperature `t`.
    pub fn spec(&self, lr: f64, t: f64) -> String {
        match self {
            Self::Ula => format!("ula:lr={lr},temperature={t}"),
            Self::Mala => format!("mala:lr={lr},temperature={t}"),
            Self::Sgld { .. } => format!("sgld:lr={lr},temperature={t}"),
            Self::Psgld { alpha } => format!("psgld:lr={lr},alpha={alpha},temperature={t}"),
            Self::Sghmc { friction } => {
                format!("sghmc:lr={lr},friction={friction},temperature={t}")
            }
            Self::Sgd { .. } => format!("sgd:lr={lr}"),
        }
    }

    /// The minibatch size (`None`: full batch).
    pub fn batch(&self) -> Option<usize> {
        match self {
            Self::Sgld { batch } | Self::Sgd { batch } => Some(*batch),
            _ => None,
        }
    }

    /// The temperature the sampler targets when asked for `t` (SGD: 0).
    fn temperature(&self, t: f64) -> f64 {
        if matches!(self, Self::Sgd { .. }) {
            0.0
        } else {
            t
        }
    }

    /// `lr` for a step of `units` (see the module docs).
    pub fn lr(&self, units: f64, lambda_max: f64) -> f64 {
        match self {
            Self::Psgld { .. } => units / lambda_max.sqrt(),
            _ => units / lambda_max,
        }
    }

    /// The asymptotic log-log slope of `W2` against `lr` as `lr -> 0`
    /// (`None`: no step bias, or no theory).
    pub fn w2_slope(&self) -> Option<f64> {
        match self {
            Self::Ula | Self::Sgld { .. } | Self::Sghmc { .. } => Some(1.0),
            _ => None,
        }
    }
}

/// One sampler and its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerSweep {
    /// The sampler.
    pub sampler: Sampler,
    /// Steps in units (see the module docs), at least three for a slope.
    pub steps: Vec<f64>,
}

/// Configuration; the defaults draw `figures/posterior_sweep.png`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PosteriorConfig {
    /// A `bayes-linear:` posterior spec (exact Gaussian posterior).
    pub target: String,
    /// The step sweeps at `T = 1`.
    pub samplers: Vec<SamplerSweep>,
    /// Step (units) of the batch sweep of SGLD and SGD.
    pub batch_step: f64,
    /// Batch sizes of the batch sweep.
    pub batches: Vec<usize>,
    /// Step (units) of the temperature sweep of ULA.
    pub temperature_step: f64,
    /// Temperatures of the temperature sweep.
    pub temperatures: Vec<f64>,
    /// Independent chains per point (at least 2).
    pub chains: usize,
    /// Steps per chain.
    pub steps: u64,
    /// Steps discarded before the moments.
    pub burn_in: u64,
    /// Bootstrap replicates (at least 20).
    pub bootstrap: usize,
    /// Master seed; point `k` (in sweep order) draws from
    /// `Seed(seed).child(k)`.
    pub seed: u64,
}

impl Default for PosteriorConfig {
    fn default() -> Self {
        let grid = vec![0.15, 0.3, 0.6, 1.2];
        let sweep = |sampler, steps: &[f64]| SamplerSweep {
            sampler,
            steps: steps.to_vec(),
        };
        Self {
            target: "bayes-linear:n=64,p=3,noise=1,alpha=1".into(),
            samplers: vec![
                sweep(Sampler::Ula, &grid),
                sweep(Sampler::Mala, &grid),
                sweep(Sampler::Sgld { batch: 8 }, &[0.04, 0.08, 0.16, 0.32]),
                sweep(Sampler::Psgld { alpha: 0.99 }, &[0.05, 0.1, 0.2, 0.4, 0.8]),
                sweep(Sampler::Psgld { alpha: 0.999 }, &[0.05, 0.1, 0.2, 0.4, 0.8]),
                sweep(Sampler::Sghmc { friction: 0.5 }, &grid),
                sweep(Sampler::Sgd { batch: 8 }, &[0.04, 0.08, 0.16, 0.32, 0.64]),
            ],
            batch_step: 0.1,
            batches: vec![2, 4, 8, 16, 32],
            temperature_step: 0.4,
            temperatures: vec![0.25, 0.5, 1.0, 2.0, 4.0],
            chains: 16,
            steps: 20_000,
            burn_in: 2_000,
            bootstrap: 200,
            seed: 1,
        }
    }
}

impl PosteriorConfig {
    /// The default sweeps with smaller ensembles (CI size).
    pub fn quick() -> Self {
        Self {
            chains: 8,
            steps: 6_000,
            burn_in: 1_000,
            bootstrap: 100,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure_at_least("chains", self.chains, 2, "at least 2")?;
        ensure_at_least("bootstrap", self.bootstrap, 20, "at least 20")?;
        if self.burn_in + 2 > self.steps {
            return Err(Error::OutOfRange {
                name: "burn_in",
                value: self.burn_in as f64,
                expected: "at least 2 fewer than steps",
            });
        }
        ensure_positive("batch_step", self.batch_step)?;
        ensure_positive("temperature_step", self.temperature_step)?;
        for s in &self.samplers {
            for &u in &s.steps {
                ensure_positive("step", u)?;
            }
        }
        for &t in &self.temperatures {
            ensure_positive("temperature", t)?;
        }
        for &b in &self.batches {
            ensure_at_least("batch", b, 1, "at least 1")?;
        }
        let points = self.samplers.iter().map(|s| s.steps.len()).sum::<usize>()
            + 2 * self.batches.len()
            + self.temperatures.len();
        let work = points as f64 * self.chains as f64 * self.steps as f64;
        if work > super::run::MAX_WORK {
            return Err(Error::OutOfRange {
                name: "points x chains x steps",
                value: work,
                expected: "at most 1e11",
            });
        }
        Ok(())
    }
}

/// One sweep point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The step in units.
    pub step: f64,
    /// The learning rate.
    pub lr: f64,
    /// Minibatch size (`None`: full batch).
    pub batch: Option<usize>,
    /// The temperature of the target `N(theta*, T S)`.
    pub temperature: f64,
    /// Chains that finished.
    pub finished: usize,
    /// Chains that diverged.
    pub diverged: usize,
    /// Measured W2 to the target.
    pub w2: Interval,
    /// Measured KL(sample Gaussian || target).
    pub kl: Interval,
    /// Trace of the pooled sample covariance.
    pub trace: Interval,
    /// Exact W2 of the sampler's stationary law (moment-matched), if known.
    pub exact_w2: Option<f64>,
    /// Exact KL, if known.
    pub exact_kl: Option<f64>,
    /// Exact stationary covariance trace, if known.
    pub exact_trace: Option<f64>,
    /// Acceptance rate (MALA only).
    pub acceptance: Option<f64>,
}

/// A fitted slope against its theory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlopeRow {
    /// `step`, `batch` or `temperature`.
    pub sweep: String,
    /// The sampler's label.
    pub sampler: String,
    /// What is fitted, e.g. `W2 vs lr`.
    pub quantity: String,
    /// The measured slope with its bootstrap interval (`None`: fewer than
    /// three positive points).
    pub measured: Option<BootSlope>,
    /// The slope of the exact values at the same points.
    pub exact: Option<f64>,
    /// The asymptotic slope of the theory.
    pub asymptotic: Option<f64>,
}

/// One sampler's sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The sampler.
    pub sampler: Sampler,
    /// `step`, `batch` or `temperature`.
    pub sweep: String,
    /// The points.
    pub points: Vec<Point>,
}

/// The report of `perturbo posterior`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorReport {
    /// The configuration.
    pub config: PosteriorConfig,
    /// `lambda_max(H)` (the step unit is its inverse).
    pub lambda_max: f64,
    /// `lambda_min(H)`.
    pub lambda_min: f64,
    /// The sweeps: steps per sampler, then batches, then temperatures.
    pub sweeps: Vec<SweepResult>,
    /// Fitted slopes against theory.
    pub slopes: Vec<SlopeRow>,
}

/// Every figure of the posterior claims as `(name, figure, data as JSON)`,
/// for `perturbo figures`: `posterior_sweep` (the [`run`] report of the
/// default or quick config with `seed`), `ula_bias`, `ula_w2_bound`,
/// `mandt_sgd`, `sgld_tradeoff`, `sghmc_friction`. Figure `k` in this order
/// draws from `Seed(seed).child(k)`.
pub fn figures(
    seed: u64,
    quick: bool,
    progress: &dyn Fn(&str),
) -> Result<Vec<(&'static str, Figure, serde_json::Value)>> {
    fn entry<R: Serialize>(
        name: &'static str,
        figure: Figure,
        report: &R,
    ) -> Result<(&'static str, Figure, serde_json::Value)> {
        let json = serde_json::to_value(report)
            .map_err(|e| Error::Unsupported(format!("cannot serialise {name}: {e}")))?;
        Ok((name, figure, json))
    }
    let child = |k: u64| Seed(seed).child(k).0;
    let base = if quick {
        PosteriorConfig::quick()
    } else {
        PosteriorConfig::default()
    };
    progress("posterior_sweep: W2 to the posterior against the step, every sampler");
    let report = run(
        &PosteriorConfig {
            seed: child(0),
            ..base
        },
        progress,
    )?;
    let mut out = vec![entry("posterior_sweep", sweep_figure(&report)?, &report)?];
    progress("ula_bias: ULA stationary variance against the step");
    let r = ula::ula_bias_report(child(1), quick)?;
    out.push(entry("ula_bias", ula::ula_bias_figure(&r)?, &r)?);
    progress("ula_w2_bound: exact W2 of ULA against the Dalalyan-Karagulyan bound");
    let r = ula::ula_w2_bound_report()?;
    out.push(entry("ula_w2_bound", ula::ula_w2_bound_figure(&r)?, &r)?);
    progress("mandt_sgd: constant-step SGD as a posterior sampler");
    let r = sgd::mandt_report(child(3), quick)?;
    out.push(entry("mandt_sgd", sgd::mandt_figure(&r)?, &r)?);
    progress("sgld_tradeoff: MSE of SGLD's ergodic average, constant vs decreasing steps");
    let r = sgd::sgld_tradeoff_report(child(4), quick)?;
    out.push(entry("sgld_tradeoff", sgd::sgld_tradeoff_figure(&r)?, &r)?);
    progress("sghmc_friction: SGHMC with and without the noise correction, and naive");
    let r = sghmc::sghmc_friction_report(child(5), quick)?;
    out.push(entry(
        "sghmc_friction",
        sghmc::sghmc_friction_figure(&r)?,
        &r,
    )?);
    Ok(out)
}
