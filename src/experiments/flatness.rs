//! `perturbo flatness`: from random starts, how often each method ends in
//! the flat minimum, against its noise level, and how flat its end points
//! are.
//!
//! Every chain starts at a point drawn uniformly from the box
//! `[lo, hi]^n` (the same starts for every method and level, so the methods
//! are compared on common random numbers) and runs `steps` steps of one
//! optimizer. A method is a spec template ([`MethodSweep`]) whose `{s}`
//! stands for the noise level (`{1/s}` for its reciprocal, e.g. a batch size
//! `B = 1/s`); a template without a placeholder is a noise-free reference
//! (plain GD), run once.
//!
//! **Basins.** On a landscape that lists its minima, a final point belongs
//! to the nearest minimum that no saddle separates from it (1-D: the basins
//! of gradient flow are exactly the intervals between saddles), or to the
//! nearest minimum (n-D). The *flat* minimum is the one with the smallest
//! Hessian trace. Per (method, level) the report has the fraction of
//! finished chains ending in the flat basin with its Wilson score interval
//! (Wilson 1927, "Probable inference, the law of succession, and
//! statistical inference", JASA 22, eq. for the score interval). Objectives
//! without minima (the data-driven models) get only the flatness measures.
//!
//! **Flatness of the end points.** The exact Hessian trace at the final
//! point when the objective has a Hessian (in 1-D: `V''(x_final)`), and the
//! measures of [`crate::measure::flatness::measure`] (by default
//! Hutchinson's trace and the Lanczos top eigenvalue), each as a mean over
//! the finished chains with its standard error.
//!
//! **Theory.** Noisy GD at temperature `T` is the Euler-Maruyama step of
//! overdamped Langevin dynamics, whose long-run law is the Gibbs law
//! `exp(-V/T)/Z` (`proofs/gibbs_and_ou.md`); once the chains equilibrate,
//! the fraction flat tends to the Gibbs mass of the flat basin
//! ([`gibbs_flat_mass`]), up to the `O(lr)` bias of the discrete chain. For
//! SGD-like noise `D = (lr/2B)|V''|` on a *smooth* landscape,
//! `proofs/sgd_noise_flat_minima.md` shows that the continuous-time
//! diffusion cannot cross the inflection points between a minimum and the
//! barrier, so it predicts no equilibrium mass there and no line is drawn.

use serde::{Deserialize, Serialize};

use super::problem::Problem;
use super::run::MAX_WORK;
use crate::error::{ensure_at_least, ensure_finite, ensure_positive, Error, Result};
use crate::landscape::{AnyLandscape, Landscape};
use crate::measure::flatness::{
    self as measures, estimate::Z95, exact::EXACT_MAX_DIM, Estimate,
    FlatnessConfig as MeasureConfig, FlatnessReport as Measured,
};
use crate::optim::{self, require, run_chains, ChainObserver, ChainOutcome, Oracle, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::{Rng, Seed};
use crate::theory::gibbs::Gibbs1d;
use rand::RngExt;

/// The placeholder for the noise level in a template.
const LEVEL: &str = "{s}";
/// The placeholder for its reciprocal.
const INVERSE_LEVEL: &str = "{1/s}";
/// Points of the Gibbs theory curve.
const THEORY_POINTS: usize = 40;

/// One method swept over its noise levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSweep {
    /// Legend label.
    pub label: String,
    /// Optimizer spec with `{s}` (the level) or `{1/s}` (its reciprocal);
    /// without either it is a noise-free reference and `levels` is empty.
    pub template: String,
    /// The noise levels (positive).
    #[serde(default)]
    pub levels: Vec<f64>,
    /// The level is a Langevin temperature: draw the Gibbs mass of the flat
    /// basin as theory (1-D landscapes only).
    #[serde(default)]
    pub gibbs: bool,
}

impl MethodSweep {
    fn new(label: &str, template: &str, levels: &[f64], gibbs: bool) -> Self {
        Self {
            label: label.into(),
            template: template.into(),
            levels: levels.to_vec(),
            gibbs,
        }
    }

    fn has_placeholder(&self) -> bool {
        self.template.contains(LEVEL) || self.template.contains(INVERSE_LEVEL)
    }

    /// The optimizer spec at `level` (`None`: the reference run).
    pub fn spec(&self, level: Option<f64>) -> String {
        match level {
            Some(s) => self
                .template
                .replace(INVERSE_LEVEL, &format!("{}", 1.0 / s))
                .replace(LEVEL, &format!("{s}")),
            None => self.template.clone(),
        }
    }

    /// The runs of this method: each level, or the single reference run.
    fn runs(&self) -> Vec<Option<f64>> {
        if self.has_placeholder() {
            self.levels.iter().copied().map(Some).collect()
        } else {
            vec![None]
        }
    }
}

/// A `perturbo flatness` configuration; the defaults draw the figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlatnessConfig {
    /// Landscape or model spec.
    pub problem: String,
    /// Starts are uniform on `[lo, hi]` in every coordinate.
    pub start_range: (f64, f64),
    /// The methods and their levels.
    pub methods: Vec<MethodSweep>,
    /// Steps per chain.
    pub steps: u64,
    /// Chains per (method, level).
    pub chains: usize,
    /// The flatness measures taken at each end point.
    pub measures: MeasureConfig,
    /// Master seed.
    pub seed: u64,
}

impl Default for FlatnessConfig {
    fn default() -> Self {
        Self {
            problem: "sharp-flat:left=24,right=4,width=0.5".into(),
            start_range: (-1.5, 1.5),
            methods: vec![
                MethodSweep::new("GD", "gd:lr=0.01", &[], false),
                MethodSweep::new(
                    "noisy GD (T)",
                    "noisy-gd:lr=0.01,temperature={s}",
                    &[0.1, 0.2, 0.3, 0.5, 1.0, 2.0],
                    true,
                ),
                MethodSweep::new(
                    "SGD-like (1/B)",
                    "sgd-noise:lr=0.01,batch={1/s}",
                    &[1.0, 3.0, 10.0, 30.0],
                    false,
                ),
                MethodSweep::new(
                    "alpha-stable, alpha=1.5 (sigma)",
                    "levy:lr=0.01,sigma={s},alpha=1.5",
                    &[0.01, 0.03, 0.1, 0.3],
                    false,
                ),
                MethodSweep::new(
                    "Anti-PGD (sigma)",
                    "anti-pgd:lr=0.01,sigma={s}",
                    &[0.03, 0.1, 0.3, 1.0],
                    false,
                ),
                MethodSweep::new(
                    "SAM (rho)",
                    "sam:lr=0.01,rho={s}",
                    &[0.1, 0.3, 0.5, 1.0],
                    false,
                ),
                MethodSweep::new(
                    "RWP (sigma)",
                    "rwp:lr=0.01,sigma={s}",
                    &[0.1, 0.2, 0.3, 1.0],
                    false,
                ),
            ],
            steps: 20_000,
            chains: 300,
            measures: MeasureConfig::default(),
            seed: 1,
        }
    }
}

impl FlatnessConfig {
    /// A reduced configuration that runs in a few seconds: fewer levels,
    /// chains and steps (for CI and `perturbo figures --quick`).
    pub fn quick() -> Self {
        let mut cfg = Self {
            steps: 5_000,
            chains: 200,
            ..Self::default()
        };
        cfg.methods.retain(|m| !m.template.starts_with("levy"));
        for m in &mut cfg.methods {
            if m.levels.len() > 3 {
                let keep = [0, m.levels.len() / 2, m.levels.len() - 1];
                m.levels = keep.iter().map(|&i| m.levels[i]).collect();
            }
        }
        cfg
    }
}

/// A proportion with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub count: usize,
    /// Trials.
    pub trials: usize,
    /// `count / trials`.
    pub p: f64,
    /// Lower end of the 95% Wilson interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Proportion {
    /// The proportion `count / trials` (trials >= 1) with Wilson's score
    /// interval at normal quantile `z`:
    /// `(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`
    /// (Wilson 1927, JASA 22, 209-212). Unlike `p -+ z SE` it stays in
    /// `[0, 1]` and is not empty at `p = 0` or `1`.
    pub fn wilson(count: usize, trials: usize, z: f64) -> Self {
        assert!(trials > 0 && count <= trials, "bad binomial counts");
        let n = trials as f64;
        let p = count as f64 / n;
        let z2n = z * z / n;
        let center = (p + z2n / 2.0) / (1.0 + z2n);
        let half = z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt() / (1.0 + z2n);
        Self {
            count,
            trials,
            p,
            low: (center - half).max(0.0).min(p),
            high: (center + half).min(1.0).max(p),
        }
    }
}

/// One (method, level) result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatnessPoint {
    /// The method's label.
    pub label: String,
    /// The noise level (`None`: the noise-free reference).
    pub level: Option<f64>,
    /// The optimizer spec that ran.
    pub optimizer: String,
    /// Chains run.
    pub chains: usize,
    /// Chains that diverged (excluded from everything below).
    pub diverged: usize,
    /// Fraction of finished chains ending in the flat basin (`None`: the
    /// objective lists no minima, or every chain diverged).
    pub flat: Option<Proportion>,
    /// Mean exact Hessian trace at the end points (`V''` in 1-D).
    pub exact_trace: Option<Estimate>,
    /// Mean Hutchinson trace estimate at the end points.
    pub hutchinson_trace: Option<Estimate>,
    /// Mean Lanczos top eigenvalue at the end points.
    pub top_eigenvalue: Option<Estimate>,
    /// The Gibbs mass of the flat basin at this temperature (methods with
    /// `gibbs`, 1-D landscapes).
    pub gibbs_flat: Option<f64>,
}

/// The report of `perturbo flatness`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatnessReport {
    /// The configuration that produced it.
    pub config: FlatnessConfig,
    /// The objective, described.
    pub objective: String,
    /// The flattest minimum, if the objective lists minima.
    pub flat_minimum: Option<Vec<f64>>,
    /// One point per (method, level), methods in order.
    pub points: Vec<FlatnessPoint>,
}

/// The minima and saddles of a landscape, and which minimum is flattest.
struct Basins {
    minima: Vec<Vec<f64>>,
    saddles: Vec<Vec<f64>>,
    flat: usize,
}

impl Basins {
    /// `None` for objectives that list no minima.
    fn of(problem: &Problem) -> Result<Option<Self>> {
        let Problem::Landscape(l) = problem else {
            return Ok(None);
        };
        let minima = l.minima();
        if minima.is_empty() {
            return Ok(None);
        }
        let mut h = nalgebra::DMatrix::zeros(l.dim(), l.dim());
        let mut flat = 0;
        let mut flattest = f64::INFINITY;
        for (i, m) in minima.iter().enumerate() {
            Oracle::hessian(l, m, &mut h)?;
            if h.trace() < flattest {
                flattest = h.trace();
                flat = i;
            }
        }
        Ok(Some(Self {
            minima,
            saddles: l.saddles(),
            flat,
        }))
    }

    /// The basin of `x`: the nearest minimum not separated from `x` by a
    /// saddle in 1-D, the nearest minimum otherwise.
    fn basin(&self, x: &[f64]) -> usize {
        let separated = |m: &[f64]| {
            x.len() == 1
                && self
                    .saddles
                    .iter()
                    .any(|s| (s[0] - x[0]) * (s[0] - m[0]) < 0.0)
        };
        let dist = |m: &[f64]| -> f64 { m.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum() };
        let candidates = (0..self.minima.len()).filter(|&i| !separated(&self.minima[i]));
        let nearest = |it: &mut dyn Iterator<Item = usize>| {
            it.min_by(|&a, &b| dist(&self.minima[a]).total_cmp(&dist(&self.minima[b])))
        };
        nearest(&mut candidates.into_iter())
            .or_else(|| nearest(&mut (0..self.minima.len())))
            .expect("at least one minimum")
    }

    /// The interval between the saddles around the flat minimum (1-D).
    fn flat_interval(&self) -> (f64, f64) {
        let m = self.minima[self.flat][0];
        let lo = self
            .saddles
            .iter()
            .map(|s| s[0])
            .filter(|&s| s < m)
            .fold(f64::NEG_INFINITY, f64::max);
        let hi = self
            .saddles
            .iter()
            .map(|s| s[0])
            .filter(|&s| s > m)
            .fold(f64::INFINITY, f64::min);
        (lo, hi)
    }
}

/// The Gibbs mass `int_basin exp(-V/T) / Z` of the flat minimum's basin
/// (between the saddles around it) of a 1-D landscape at temperature `t`:
/// the long-run fraction of overdamped Langevin paths in the flat basin
/// (`proofs/gibbs_and_ou.md`).
pub fn gibbs_flat_mass(landscape: &AnyLandscape, t: f64) -> Result<f64> {
    let problem = Problem::Landscape(landscape.clone());
    let basins = Basins::of(&problem)?
        .filter(|_| landscape.dim() == 1)
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "the Gibbs mass of the flat basin needs a 1-D landscape with minima, not {}",
                Oracle::describe(landscape)
            ))
        })?;
    let gibbs = Gibbs1d::from_landscape(landscape, t)?;
    let (lo, hi) = basins.flat_interval();
    let cdf = |x: f64| match (x.is_finite(), x > 0.0) {
        (true, _) => gibbs.cdf(x),
        (false, true) => 1.0,
        (false, false) => 0.0,
    };
    Ok(cdf(hi) - cdf(lo))
}

/// Takes the flatness measures at the chain's last step.
struct EndPoint<'a> {
    last: u64,
    measures: &'a MeasureConfig,
    report: Option<Measured>,
}

impl ChainObserver for EndPoint<'_> {
    fn observe(&mut self, t: u64, x: &[f64], oracle: &dyn Oracle, rng: &mut Rng) -> Result<()> {
        if t == self.last {
            self.report = Some(measures::measure(oracle, x, self.measures, rng)?);
        }
        Ok(())
    }
}

/// Mean and standard error of `values` (`None` when empty).
fn mean_se(values: &[f64]) -> Option<Estimate> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    Some(Estimate {
        mean,
        std_error: (var / n as f64).sqrt(),
        samples: n,
    })
}

/// Checks everything that can be checked before a step is taken.
fn validate(cfg: &FlatnessConfig, oracle: &dyn Oracle) -> Result<()> {
    let (lo, hi) = cfg.start_range;
    ensure_finite("start_range low", lo)?;
    ensure_finite("start_range high", hi)?;
    if lo >= hi {
        return Err(Error::OutOfRange {
            name: "start_range",
            value: lo,
            expected: "low < high",
        });
    }
    ensure_at_least("steps", cfg.steps as usize, 1, "at least 1")?;
    ensure_at_least("chains", cfg.chains, 1, "at least 1")?;
    if cfg.methods.is_empty() {
        return Err(Error::Unsupported("flatness: no methods given".into()));
    }
    let runs: usize = cfg.methods.iter().map(|m| m.runs().len()).sum();
    let work = runs as f64 * cfg.chains as f64 * cfg.steps as f64;
    if work > MAX_WORK {
        return Err(Error::OutOfRange {
            name: "runs x chains x steps",
            value: work,
            expected: "at most 1e11",
        });
    }
    cfg.measures.validate()?;
    require(
        oracle,
        cfg.measures.needs(),
        "the flatness measures (turn them off in `measures`)",
    )?;
    for m in &cfg.methods {
        match (m.has_placeholder(), m.levels.is_empty()) {
            (true, true) => {
                return Err(Error::Unsupported(format!(
                    "method {}: the template has a level placeholder but no levels",
                    m.label
                )))
            }
            (false, false) => {
                return Err(Error::Unsupported(format!(
                    "method {}: levels given but the template has no {LEVEL} or {INVERSE_LEVEL}",
                    m.label
                )))
            }
            _ => {}
        }
        for &s in &m.levels {
            ensure_positive("noise level", s)?;
        }
        for level in m.runs() {
            optim::parse(&m.spec(level))?;
        }
    }
    Ok(())
}

/// Runs every (method, level); `progress` gets one line per point.
pub fn run(cfg: &FlatnessConfig, progress: &dyn Fn(&str)) -> Result<FlatnessReport> {
    let seed = Seed(cfg.seed);
    // Data set, starts and sweep points draw from different children.
    let problem = Problem::parse(&cfg.problem, seed.child(0))?;
    let oracle = problem.oracle();
    validate(cfg, oracle)?;
    let basins = Basins::of(&problem)?;
    let landscape_1d = match &problem {
        Problem::Landscape(l) if l.dim() == 1 && basins.is_some() => Some(l),
        _ => None,
    };
    let (lo, hi) = cfg.start_range;
    let mut start_rng = seed.stream(1);
    let starts: Vec<Vec<f64>> = (0..cfg.chains)
        .map(|_| {
            (0..oracle.dim())
                .map(|_| start_rng.random_range(lo..hi))
                .collect()
        })
        .collect();
    let run_cfg = RunConfig {
        steps: cfg.steps,
        burn_in: 0,
        batch: None,
    };
    let exact = oracle.capabilities().hessian && oracle.dim() <= EXACT_MAX_DIM;
    let mut hess = nalgebra::DMatrix::zeros(oracle.dim(), oracle.dim());
    let mut points = Vec::new();
    for m in &cfg.methods {
        for level in m.runs() {
            let k = points.len() as u64;
            let spec = m.spec(level);
            let optimizer = optim::parse(&spec)?;
            let chains = run_chains(
                oracle,
                &optimizer,
                &starts,
                &run_cfg,
                seed.child(2 + k),
                |_| EndPoint {
                    last: cfg.steps - 1,
                    measures: &cfg.measures,
                    report: None,
                },
            )?;
            let finished: Vec<_> = chains
                .iter()
                .filter(|c| c.outcome == ChainOutcome::Finished)
                .collect();
            let flat = basins.as_ref().filter(|_| !finished.is_empty()).map(|b| {
                let count = finished
                    .iter()
                    .filter(|c| b.basin(&c.final_state) == b.flat)
                    .count();
                Proportion::wilson(count, finished.len(), Z95)
            });
            let mut traces = Vec::with_capacity(finished.len());
            if exact {
                for c in &finished {
                    oracle.hessian(&c.final_state, &mut hess)?;
                    traces.push(hess.trace());
                }
            }
            let reports: Vec<&Measured> = finished
                .iter()
                .filter_map(|c| c.observer.report.as_ref())
                .collect();
            let hutchinson: Vec<f64> = reports
                .iter()
                .filter_map(|r| r.hutchinson.as_ref().map(|h| h.result.mean))
                .collect();
            let top: Vec<f64> = reports
                .iter()
                .filter_map(|r| {
                    r.lanczos
                        .as_ref()
                        .and_then(|l| l.result.values.first().copied())
                })
                .collect();
            let gibbs_flat = match (m.gibbs, level, landscape_1d) {
                (true, Some(t), Some(l)) => Some(gibbs_flat_mass(l, t)?),
                _ => None,
            };
            let point = FlatnessPoint {
                label: m.label.clone(),
                level,
                optimizer: spec,
                chains: chains.len(),
                diverged: chains.len() - finished.len(),
                flat,
                exact_trace: mean_se(&traces),
                hutchinson_trace: mean_se(&hutchinson),
                top_eigenvalue: mean_se(&top),
                gibbs_flat,
            };
            progress(&point_line(&point));
            points.push(point);
        }
    }
    Ok(FlatnessReport {
        config: cfg.clone(),
        objective: oracle.describe(),
        flat_minimum: basins.map(|b| b.minima[b.flat].clone()),
        points,
    })
}

fn fmt_estimate(e: Option<Estimate>) -> String {
    e.map_or("-".into(), |e| {
        format!("{:.4} +- {:.4}", e.mean, Z95 * e.std_error)
    })
}

fn point_line(p: &FlatnessPoint) -> String {
    let level = p.level.map_or("-".into(), |s| format!("{s}"));
    let flat = p.flat.map_or("-".into(), |f| {
        format!("{:.3} [{:.3}, {:.3}]", f.p, f.low, f.high)
    });
    let gibbs = p.gibbs_flat.map_or("-".into(), |g| format!("{g:.3}"));
    format!(
        "{:<32} {:>8} {:>24} {:>7} {:>4} {:>22} {:>22} {:>22}",
        p.label,
        level,
        flat,
        gibbs,
        p.diverged,
        fmt_estimate(p.exact_trace),
        fmt_estimate(p.hutchinson_trace),
        fmt_estimate(p.top_eigenvalue)
    )
}

/// A human-readable table: one row per (method, level), intervals at 95%.
pub fn format_table(r: &FlatnessReport) -> String {
    let mut out = format!(
        "flatness on {}: {} chains x {} steps, starts uniform on {:?}, seed {}\nflat minimum: {:?}\n",
        r.objective, r.config.chains, r.config.steps, r.config.start_range, r.config.seed, r.flat_minimum
    );
    out.push_str(&format!(
        "{:<32} {:>8} {:>24} {:>7} {:>4} {:>22} {:>22} {:>22}\n",
        "method",
        "level",
        "flat [Wilson 95%]",
        "Gibbs",
        "div",
        "exact Tr H",
        "Hutchinson Tr H",
        "top eigenvalue"
    ));
    for p in &r.points {
        out.push_str(&point_line(p));
        out.push('\n');
    }
    out
}

/// The figure: fraction in the flat minimum against noise level (log x),
/// one colour per method, Wilson bands as error bars, the noise-free
/// reference as a horizontal line, and the Gibbs mass as a dashed line for
/// the Langevin methods.
pub fn figure(report: &FlatnessReport) -> Result<Figure> {
    let cfg = &report.config;
    let swept = report.points.iter().filter_map(|p| p.level);
    let (x_lo, x_hi) = swept.fold((f64::INFINITY, 0.0_f64), |(a, b), s| (a.min(s), b.max(s)));
    if !x_lo.is_finite() {
        return Err(Error::Unsupported(
            "the flatness figure needs at least one method with levels".into(),
        ));
    }
    let landscape = match Problem::parse(&cfg.problem, Seed(cfg.seed).child(0))? {
        Problem::Landscape(l) if l.dim() == 1 => Some(l),
        _ => None,
    };
    let mut series = Vec::new();
    for (color, m) in cfg.methods.iter().enumerate() {
        let mine: Vec<&FlatnessPoint> = report
            .points
            .iter()
            .filter(|p| p.label == m.label)
            .collect();
        let flat: Vec<(Option<f64>, Proportion)> = mine
            .iter()
            .filter_map(|p| p.flat.map(|f| (p.level, f)))
            .collect();
        if flat.is_empty() {
            continue;
        }
        if let [(None, f)] = flat.as_slice() {
            series.push(Series {
                label: format!("{} (no noise)", m.label),
                mark: Mark::Line,
                points: vec![(x_lo, f.p), (x_hi, f.p)],
                error_bars: None,
                color,
            });
            continue;
        }
        series.push(Series::with_bars(
            m.label.clone(),
            color,
            flat.iter()
                .filter_map(|(s, f)| s.map(|s| (s, f.p, (f.low, f.high)))),
        ));
        if let (true, Some(l)) = (m.gibbs, &landscape) {
            let (a, b) = (
                m.levels.iter().copied().fold(f64::INFINITY, f64::min),
                m.levels.iter().copied().fold(0.0, f64::max),
            );
            let grid = (0..THEORY_POINTS).map(|i| {
                let u = i as f64 / (THEORY_POINTS - 1) as f64;
                (a.ln() + u * (b.ln() - a.ln())).exp()
            });
            let points = grid
                .map(|t| Ok((t, gibbs_flat_mass(l, t)?)))
                .collect::<Result<Vec<_>>>()?;
            series.push(Series {
                label: format!("{}: Gibbs mass of the flat basin (long-run limit)", m.label),
                mark: Mark::Dashed,
                points,
                error_bars: None,
                color,
            });
        }
    }
    if series.is_empty() {
        return Err(Error::Unsupported(format!(
            "{} lists no minima: there is no flat basin to plot",
            report.objective
        )));
    }
    Ok(Figure {
        title: format!("Ending in the flat minimum: {}", report.objective),
        x_label: "noise level (temperature, 1/B, sigma, rho)".into(),
        y_label: "fraction of chains in the flat minimum (95% Wilson)".into(),
        log_x: true,
        log_y: false,
        series,
    })
}
