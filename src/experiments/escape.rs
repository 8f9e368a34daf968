//! `perturbo escape`: how long a perturbed gradient flow takes to leave a
//! minimum, held against closed-form theory.
//!
//! The flow is `dX = -grad V(X) dt + G(X) dN_t` with the noise chosen by
//! [`NoiseKind`] (conventions in [`crate::noise`]). An ensemble of
//! independent paths starts in a minimum and runs until it reaches the
//! target (the other minimum, the saddle, or the outside of an interval) or
//! the horizon; the mean exit time comes with a censoring-aware confidence
//! interval ([`crate::measure::escape_time`]) and, where they apply, the
//! Eyring-Kramers law, the exact 1-D mean first-passage time by quadrature,
//! and the alpha-stable exit law.

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::landscape::{self, AnyLandscape, Landscape, Objective};
use crate::measure::{escape_statistics, EscapeStatistics};
use crate::noise::{AnyDiffusion, AnyProcess, SgdLike};
use crate::rng::Seed;
use crate::sde::{EnsembleConfig, ExitRegion, HalfSpace, PerturbedFlow, SchemeKind};
use crate::spec::Spec;
use crate::theory::{self, Overdamped1d, TransitionTarget};

/// The largest ensemble accepted: each path keeps a record of about 64 bytes.
pub const MAX_PATHS: usize = 100_000_000;

/// The kind of noise driving the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseKind {
    /// White noise at temperature `eps`: `sqrt(2 eps) dW`.
    Gaussian,
    /// SGD-like noise `sqrt(2 D(X)) dW`, `D = (lr / 2B) |H(X)|`.
    Sgd,
    /// `eps dL` with `L` standard symmetric alpha-stable.
    Levy,
    /// Anti-PGD's anti-correlated perturbation of amplitude `eps` per step.
    Anticorrelated,
    /// Coloured Ornstein-Uhlenbeck force with correlation time `tau` whose
    /// white-noise limit is temperature `eps`.
    Ou,
}

impl NoiseKind {
    /// The names accepted on the command line.
    pub const NAMES: &'static str = "gaussian, sgd, levy, anticorrelated, ou";

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "gaussian" => Self::Gaussian,
            "sgd" => Self::Sgd,
            "levy" => Self::Levy,
            "anticorrelated" => Self::Anticorrelated,
            "ou" => Self::Ou,
            _ => {
                return Err(Error::Unknown {
                    kind: "noise",
                    name: name.into(),
                    known: Self::NAMES.into(),
                })
            }
        })
    }
}

/// Where a path counts as escaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Target {
    /// The half-space through the neighbouring minimum, perpendicular to the
    /// first axis.
    OtherMinimum,
    /// The half-space through the saddle towards the neighbouring minimum.
    Saddle,
    /// Leaving the interval `(low, high)` of the first coordinate.
    Interval {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
}

impl Target {
    /// Parses `other-minimum`, `saddle` or `interval:low=A,high=B`.
    pub fn parse(text: &str) -> Result<Self> {
        let mut spec = Spec::parse("target", text)?;
        let target = match spec.name() {
            "other-minimum" => Self::OtherMinimum,
            "saddle" => Self::Saddle,
            "interval" => {
                let low = spec.take_or("low", f64::NAN)?;
                let high = spec.take_or("high", f64::NAN)?;
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return Err(Error::BadSpec {
                        kind: "target",
                        spec: text.into(),
                        reason: "interval needs finite low < high, e.g. interval:low=-3,high=0"
                            .into(),
                    });
                }
                Self::Interval { low, high }
            }
            other => {
                return Err(Error::Unknown {
                    kind: "target",
                    name: other.into(),
                    known: "other-minimum, saddle, interval:low=A,high=B".into(),
                })
            }
        };
        spec.finish(&["low", "high"])?;
        Ok(target)
    }
}

/// Configuration of an escape experiment; the defaults are the W1 double
/// well at temperature 0.25.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscapeConfig {
    /// Landscape spec, e.g. `double-well` or `transverse-double-well:a=3`.
    pub landscape: String,
    /// The noise.
    pub noise: NoiseKind,
    /// Temperature (gaussian, ou) or amplitude (levy, anticorrelated).
    pub eps: f64,
    /// Stability index of the Levy noise, in (0, 2].
    pub alpha: f64,
    /// Learning rate of the SGD-like noise.
    pub lr: f64,
    /// Batch size of the SGD-like noise.
    pub batch: f64,
    /// Correlation time of the OU noise.
    pub tau: f64,
    /// Integration scheme.
    pub scheme: SchemeKind,
    /// Time step.
    pub dt: f64,
    /// Number of paths.
    pub paths: usize,
    /// Horizon: paths still in the basin then are censored.
    pub max_time: f64,
    /// Index of the starting minimum (0 = leftmost), unless `start` is given.
    pub from_minimum: usize,
    /// Explicit start point.
    pub start: Option<Vec<f64>>,
    /// Where a path counts as escaped.
    pub target: Target,
    /// Confidence level of the interval.
    pub confidence: f64,
    /// Master seed.
    pub seed: u64,
}

impl Default for EscapeConfig {
    fn default() -> Self {
        Self {
            landscape: "double-well".into(),
            noise: NoiseKind::Gaussian,
            eps: 0.25,
            alpha: 1.5,
            lr: 0.1,
            batch: 1.0,
            tau: 0.1,
            scheme: SchemeKind::EulerMaruyama,
            dt: 1e-3,
            paths: 4000,
            max_time: 1000.0,
            from_minimum: 0,
            start: None,
            target: Target::OtherMinimum,
            confidence: 0.95,
            seed: 1,
        }
    }
}

/// Theory predictions for the mean exit time; `None` where a law does not
/// apply to the case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    /// Eyring-Kramers law (Gaussian noise, a saddle towards the target).
    pub kramers: Option<f64>,
    /// Exact 1-D mean first-passage time by quadrature (Gaussian or SGD-like noise).
    pub exact_mfpt: Option<f64>,
    /// Alpha-stable exit law (Levy noise).
    pub levy_law: Option<f64>,
}

/// The result of an escape experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscapeReport {
    /// The configuration that produced it (with the seed).
    pub config: EscapeConfig,
    /// The start point.
    pub start: Vec<f64>,
    /// The boundary a path has to cross, in words.
    pub target_description: String,
    /// Monte Carlo estimate.
    #[serde(flatten)]
    pub statistics: EscapeStatistics,
    /// Closed-form predictions.
    #[serde(flatten)]
    pub predictions: Predictions,
    /// Gradient evaluations spent.
    pub grad_evals: u64,
}

/// The geometry of an escape: start, exit region, and the 1-D levels theory needs.
struct Geometry {
    start: Vec<f64>,
    region: ExitRegion,
    description: String,
    /// Index of the minimum the path starts in, if it starts in one.
    minimum: Option<usize>,
    /// Index of the saddle between the start and the target, if any.
    saddle: Option<usize>,
    /// For a one-sided target: the level of the first coordinate and the
    /// direction (+1 rightwards, -1 leftwards).
    level: Option<(f64, f64)>,
}

fn geometry(cfg: &EscapeConfig, land: &AnyLandscape) -> Result<Geometry> {
    let dim = land.dim();
    let minima = land.minima();
    let saddles = land.saddles();
    let minimum = if cfg.start.is_some() {
        None
    } else if cfg.from_minimum < minima.len() {
        Some(cfg.from_minimum)
    } else {
        return Err(Error::OutOfRange {
            name: "from-minimum",
            value: cfg.from_minimum as f64,
            expected: "an index of the landscape's minima",
        });
    };
    let start = match &cfg.start {
        Some(s) => {
            crate::error::ensure_dim("start point", dim, s.len())?;
            for v in s {
                ensure_finite("start point", *v)?;
            }
            s.clone()
        }
        None => minima[cfg.from_minimum].clone(),
    };
    // The neighbouring minimum: rightwards if there is one, else leftwards.
    let from = minimum.unwrap_or_else(|| nearest_minimum(&minima, &start));
    let (other, saddle, direction) = if from + 1 < minima.len() {
        (Some(from + 1), saddles.get(from).map(|_| from), 1.0)
    } else if from > 0 {
        (
            Some(from - 1),
            Some(from - 1).filter(|&s| s < saddles.len()),
            -1.0,
        )
    } else {
        (None, None, 1.0)
    };
    let one_sided = |level: f64, what: &str| -> Result<Geometry> {
        let plane = if direction > 0.0 {
            HalfSpace::above(dim, 0, level)?
        } else {
            HalfSpace::below(dim, 0, level)?
        };
        Ok(Geometry {
            start: start.clone(),
            region: ExitRegion::new(vec![plane])?,
            description: format!(
                "x[0] {} {level} ({what})",
                if direction > 0.0 { ">=" } else { "<=" }
            ),
            minimum,
            saddle,
            level: Some((level, direction)),
        })
    };
    let geo = match &cfg.target {
        Target::OtherMinimum => {
            let other = other.ok_or_else(|| {
                Error::Unsupported(format!(
                    "landscape {} has a single minimum: use --target interval:low=A,high=B",
                    land.name()
                ))
            })?;
            one_sided(minima[other][0], "the other minimum")?
        }
        Target::Saddle => {
            let s = saddle.ok_or_else(|| {
                Error::Unsupported(format!("landscape {} has no saddle next to the start: use --target interval:low=A,high=B", land.name()))
            })?;
            one_sided(saddles[s][0], "the saddle")?
        }
        Target::Interval { low, high } => Geometry {
            start: start.clone(),
            region: ExitRegion::outside_interval(dim, 0, *low, *high)?,
            description: format!("x[0] outside ({low}, {high})"),
            minimum,
            saddle: None,
            level: None,
        },
    };
    if geo.region.contains(&geo.start) {
        return Err(Error::Unsupported(format!(
            "start point {:?} is already inside the target ({})",
            geo.start, geo.description
        )));
    }
    Ok(geo)
}

fn nearest_minimum(minima: &[Vec<f64>], x: &[f64]) -> usize {
    let dist = |m: &Vec<f64>| m.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
    (0..minima.len())
        .min_by(|&a, &b| dist(&minima[a]).total_cmp(&dist(&minima[b])))
        .unwrap_or(0)
}

impl EscapeConfig {
    /// Rejects bad parameters with an error naming them.
    pub fn validate(&self) -> Result<()> {
        ensure_positive("dt", self.dt)?;
        ensure_positive("max-time", self.max_time)?;
        match self.noise {
            NoiseKind::Sgd => {
                ensure_positive("lr", self.lr)?;
                ensure_positive("batch", self.batch)?;
            }
            NoiseKind::Levy => {
                ensure_positive("eps", self.eps)?;
                if !(self.alpha > 0.0 && self.alpha <= 2.0) {
                    return Err(Error::OutOfRange {
                        name: "alpha",
                        value: self.alpha,
                        expected: "in (0, 2]",
                    });
                }
            }
            NoiseKind::Ou => {
                ensure_positive("eps", self.eps)?;
                ensure_positive("tau", self.tau)?;
            }
            NoiseKind::Gaussian | NoiseKind::Anticorrelated => {
                ensure_positive("eps", self.eps)?;
            }
        }
        if self.paths == 0 || self.paths > MAX_PATHS {
            return Err(Error::OutOfRange {
                name: "paths",
                value: self.paths as f64,
                expected: "between 1 and 100,000,000 (every path's record is kept in memory)",
            });
        }
        let steps = self.max_time / self.dt;
        if steps > 1e12 {
            return Err(Error::OutOfRange {
                name: "max-time / dt",
                value: steps,
                expected: "at most 1e12 steps",
            });
        }
        Ok(())
    }

    fn noise(&self, land: &AnyLandscape) -> Result<(AnyProcess, AnyDiffusion<AnyLandscape>)> {
        let d = land.dim();
        Ok(match self.noise {
            NoiseKind::Gaussian => (
                AnyProcess::brownian(d)?,
                AnyDiffusion::temperature(d, self.eps)?,
            ),
            NoiseKind::Sgd => (
                AnyProcess::brownian(d)?,
                AnyDiffusion::sgd_like(land.clone(), self.lr, self.batch)?,
            ),
            NoiseKind::Levy => (
                AnyProcess::alpha_stable(d, self.alpha)?,
                AnyDiffusion::scaled(d, self.eps)?,
            ),
            NoiseKind::Anticorrelated => (
                AnyProcess::anticorrelated(d)?,
                AnyDiffusion::scaled(d, self.eps)?,
            ),
            NoiseKind::Ou => (
                AnyProcess::ornstein_uhlenbeck(d, self.tau)?,
                AnyDiffusion::temperature(d, self.eps)?,
            ),
        })
    }
}

/// The closed-form predictions for `cfg`, without simulating.
pub fn predict(cfg: &EscapeConfig) -> Result<Predictions> {
    prepare(cfg).map(|(_, _, predictions)| predictions)
}

/// Checks `cfg` and builds everything a run needs before simulating, the
/// predictions included, so a case the theory rejects fails at once rather
/// than after the ensemble.
fn prepare(cfg: &EscapeConfig) -> Result<(AnyLandscape, Geometry, Predictions)> {
    cfg.validate()?;
    let land = landscape::parse(&cfg.landscape)?;
    let geo = geometry(cfg, &land)?;
    let predictions = predictions(cfg, &land, &geo)?;
    Ok((land, geo, predictions))
}

impl Predictions {
    /// The most precise prediction available: the exact MFPT, else the
    /// Levy law, else Kramers.
    pub fn best(&self) -> Option<f64> {
        self.exact_mfpt.or(self.levy_law).or(self.kramers)
    }
}

/// Runs the experiment; `progress` is told how many paths each finished block held.
pub fn run(cfg: &EscapeConfig, progress: &(dyn Fn(usize) + Sync)) -> Result<EscapeReport> {
    let (land, geo, predictions) = prepare(cfg)?;
    let (process, diffusion) = cfg.noise(&land)?;
    let sde = PerturbedFlow::new(land.clone(), diffusion)?;
    let ens = EnsembleConfig {
        paths: cfg.paths,
        dt: cfg.dt,
        steps: (cfg.max_time / cfg.dt).ceil() as usize,
        t0: 0.0,
        seed: Seed(cfg.seed),
    };
    let result =
        cfg.scheme
            .run_ensemble(&sde, &process, &geo.start, &geo.region, &(), &ens, progress)?;
    let statistics = escape_statistics(&result.records, ens.horizon(), cfg.confidence)?;
    Ok(EscapeReport {
        predictions,
        config: cfg.clone(),
        start: geo.start,
        target_description: geo.description,
        statistics,
        grad_evals: result.drift_evals,
    })
}

/// The theory predictions that apply to this case.
fn predictions(cfg: &EscapeConfig, land: &AnyLandscape, geo: &Geometry) -> Result<Predictions> {
    let mut p = Predictions::default();
    let target = match cfg.target {
        Target::Saddle => TransitionTarget::Saddle,
        _ => TransitionTarget::OtherMinimum,
    };
    if let (NoiseKind::Gaussian, Some(m), Some(s)) = (cfg.noise, geo.minimum, geo.saddle) {
        p.kramers = Some(theory::kramers::mean_transition_time(
            land, m, s, cfg.eps, target,
        )?);
    }
    if let (1, Some((level, _))) = (land.dim(), geo.level) {
        let process = match cfg.noise {
            NoiseKind::Gaussian => Some(Overdamped1d::langevin_on(land, cfg.eps)?),
            NoiseKind::Sgd => {
                let sgd = SgdLike::new(land.clone(), cfg.lr, cfg.batch)?;
                Some(Overdamped1d::state_dependent_on(land, move |x| {
                    sgd.diffusivity_1d(x)
                })?)
            }
            _ => None,
        };
        if let Some(process) = process {
            p.exact_mfpt = Some(theory::mfpt::mean_first_passage_time(
                &process,
                geo.start[0],
                level,
            )?);
        }
    }
    if let (NoiseKind::Levy, 1, Some(m)) = (cfg.noise, land.dim(), geo.minimum) {
        let xm = land.minima()[m][0];
        let (left, right) = match (&cfg.target, geo.level) {
            (Target::Interval { low, high }, _) => (xm - low, high - xm),
            // Escape means one jump over the saddle, whether the target is
            // the saddle or the minimum beyond it (the drift carries the path
            // there in a time that does not grow as eps shrinks); only the
            // side of the target counts.
            (_, Some((_, direction))) => {
                let (left, right) = theory::alpha_stable::basin_half_widths(land, m)?;
                if direction > 0.0 {
                    (f64::INFINITY, right)
                } else {
                    (left, f64::INFINITY)
                }
            }
            (_, None) => (f64::INFINITY, f64::INFINITY),
        };
        p.levy_law = Some(theory::alpha_stable::mean_exit_time(
            cfg.alpha, cfg.eps, left, right,
        )?);
    }
    Ok(p)
}

/// A readable table of the report (the CLI's output without `--json`).
pub fn format_table(r: &EscapeReport) -> String {
    let c = &r.config;
    let s = &r.statistics;
    let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
    let kebab = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut out = format!(
        "escape on {} with {} noise, {}, dt = {}, {} paths, seed {}\n",
        c.landscape,
        kebab(serde_json::json!(c.noise)),
        kebab(serde_json::json!(c.scheme)),
        c.dt,
        c.paths,
        c.seed
    );
    out += &format!("start {:?}; target {}\n", r.start, r.target_description);
    out += &format!(
        "mean exit time  {}  (std error {}, {:.0}% CI [{}, {}])\n",
        fmt(s.mean_exit_time),
        fmt(s.std_error),
        100.0 * s.confidence,
        fmt(s.ci_low),
        fmt(s.ci_high)
    );
    out += &format!(
        "escaped {}, censored {} (horizon t = {}), diverged {}\n",
        s.escaped, s.censored, s.horizon, s.diverged
    );
    if let Some(step) = s.first_divergence_step {
        out += &format!("warning: a path diverged at step {step}; reduce dt\n");
    }
    out += &format!("kramers         {}\n", fmt(r.predictions.kramers));
    out += &format!("exact mfpt      {}\n", fmt(r.predictions.exact_mfpt));
    out += &format!("levy law        {}\n", fmt(r.predictions.levy_law));
    out
}
