//! `perturbo converge`: distance to the optimum against iterations for each
//! method, held against the constant-step SGD bound and exact curve.
//!
//! **Problem.** A quadratic `f(x) = (x - x*)^T H (x - x*) / 2` (a
//! `quadratic:` landscape spec) seen through a stochastic gradient oracle
//! with additive isotropic Gaussian noise: every method's gradient is
//! `g_t = H (x_t - x*) + n_t`, `n_t ~ N(0, s^2 I)` independent, drawn by a
//! Gaussian-noise piece placed first in the method's chain (so momentum,
//! Adam, the perturbations, ... all see the same noisy gradient). This is
//! the setting where the assumptions of `proofs/sgd_bound.md` hold exactly:
//! `mu` and `L` are the extreme eigenvalues of `H`, and the variance bound
//! (A) holds uniformly in `x` with `sigma^2 = tr C = dim s^2`.
//!
//! **Measurement.** For each method, `chains` independent chains start at
//! `x_0 = x* + (d / sqrt(dim)) 1` (so `|x_0 - x*| = d`); an observer
//! records `|x_t - x*|^2` and the loss gap `f(x_t) - f(x*)` at log-spaced
//! iterations `t`, and each chain's time average of `|x_t - x*|^2` over the
//! second half of the run (`t` in `(steps/2, steps]`), the measured noise
//! floor. Means over chains come with standard errors (chains are
//! independent; the time average is one draw per chain).
//!
//! **Theory** (for the methods it applies to: plain SGD, and noisy GD,
//! whose displacement noise `sqrt(2 lr T) xi` is gradient noise of
//! covariance `(2 T / lr) I` added to the problem's):
//! - the exact curve `E|x_t - x*|^2` of `theory::sgd_bound::QuadraticSgd`
//!   (`proofs/sgd_bound.md`, eq. (E)), and its average over the floor
//!   window;
//! - for `lr <= 1 / L`, the bound
//!   `(1 - lr mu)^t |x_0 - x*|^2 + lr sigma^2 / mu` of
//!   `theory::sgd_bound::SgdBound` (`proofs/sgd_bound.md`, eq. (B); Gower
//!   et al., "SGD: general analysis and improved rates", ICML 2019,
//!   Theorem 3.1, in its bounded-variance form) and its floor
//!   `lr sigma^2 / mu`.
//!
//! The floor is proportional to the step only to first order: on each
//! eigen-direction the stationary error is `lr c / (lambda (2 - lr lambda))`
//! (eq. (E) as `t -> inf`), so halving the step divides it by
//! `2 + lr lambda / (2 - lr lambda)`, between 2 and `2 + lr L / (2 - lr L)`.

use nalgebra::SymmetricEigen;
use serde::{Deserialize, Serialize};

use super::run::MAX_WORK;
use crate::error::{ensure_at_least, ensure_positive, Error, Result};
use crate::landscape::{self, AnyLandscape};
use crate::measure::flatness::estimate::{Estimate, Running};
use crate::optim::gaussian_noise::GaussianNoise;
use crate::optim::{
    self, run_chains, AnyProbe, AnyTransform, ChainObserver, ChainOutcome, Optimizer, Oracle,
    RunConfig, Site,
};
use crate::plot::{Figure, Mark, Series};
use crate::rng::{Rng, Seed};
use crate::theory::sgd_bound::{QuadraticSgd, SgdBound};

/// Configuration; the defaults draw `figures/converge.png`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvergeConfig {
    /// A `quadratic:` landscape spec (Hessian and minimiser known).
    pub problem: String,
    /// Standard deviation `s` per coordinate of the additive gradient noise
    /// (`sigma^2 = dim s^2`); must be positive.
    pub gradient_noise: f64,
    /// Optimizer specs (see [`optim::OPTIMIZER_HELP`]), one curve each.
    pub methods: Vec<String>,
    /// Distance `|x_0 - x*|` of the start from the minimiser.
    pub start_distance: f64,
    /// Iterations per chain (at least 2).
    pub steps: u64,
    /// Number of log-spaced recording times in `[1, steps]` (at least 2;
    /// duplicates after rounding are dropped).
    pub records: usize,
    /// Independent chains per method (at least 2).
    pub chains: usize,
    /// Master seed; method `k` runs on `Seed(seed).child(k)`.
    pub seed: u64,
}

impl Default for ConvergeConfig {
    fn default() -> Self {
        Self {
            problem: "quadratic:h=0.5,1,2".into(),
            gradient_noise: 1.0,
            methods: [
                "sgd:lr=0.1",
                "sgd:lr=0.05",
                "noisy-gd:lr=0.05,temperature=0.02",
                "momentum:lr=0.01,beta=0.9",
                "adam:lr=0.01",
                "sam:lr=0.05,rho=0.05",
                "anti-pgd:lr=0.05,sigma=0.05",
                "gni:lr=0.05,eta=1",
            ]
            .map(String::from)
            .to_vec(),
            start_distance: 3.0,
            steps: 2000,
            records: 30,
            chains: 2000,
            seed: 1,
        }
    }
}

impl ConvergeConfig {
    /// The default figure with smaller ensembles (well under a second in
    /// release mode).
    pub fn quick() -> Self {
        Self {
            steps: 1000,
            records: 12,
            chains: 300,
            ..Self::default()
        }
    }
}

/// The theory for a method it applies to (SGD-type update on the quadratic
/// with additive noise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgdTheory {
    /// The step `lr`.
    pub lr: f64,
    /// The total gradient-noise variance `sigma^2 = tr C` the method sees.
    pub sigma2: f64,
    /// Exact `E|x_t - x*|^2` at the report's recording times (eq. (E)).
    pub exact: Vec<f64>,
    /// Exact mean of `|x_t - x*|^2` over the floor window.
    pub exact_floor: f64,
    /// The bound, when `lr <= 1 / L` (where it is proved).
    pub bound: Option<BoundCurve>,
}

/// The bound (B) of `proofs/sgd_bound.md` at the recording times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundCurve {
    /// `(1 - lr mu)^t |x_0 - x*|^2 + lr sigma^2 / mu` at each recording time.
    pub values: Vec<f64>,
    /// The noise floor `lr sigma^2 / mu`.
    pub floor: f64,
}

/// Chain averages of one method (present when at least two chains finished).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// `E|x_t - x*|^2` at each recording time.
    pub sq_distance: Vec<Estimate>,
    /// `E[f(x_t) - f(x*)]` at each recording time.
    pub loss_gap: Vec<Estimate>,
    /// The measured floor: the chain mean of each chain's time average of
    /// `|x_t - x*|^2` over the floor window.
    pub floor: Estimate,
}

/// One method's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// The optimizer spec as given (the gradient noise comes on top).
    pub spec: String,
    /// The sites the method itself perturbs.
    pub sites: Vec<Site>,
    /// Chains that ran all steps.
    pub finished: usize,
    /// The step at which each other chain diverged.
    pub diverged: Vec<u64>,
    /// Means over the finished chains (`None` with fewer than two).
    pub curve: Option<Curve>,
    /// Exact curve and bound, for the methods they apply to.
    pub theory: Option<SgdTheory>,
}

/// The report of `perturbo converge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergeReport {
    /// The configuration that produced it.
    pub config: ConvergeConfig,
    /// Strong convexity `mu = lambda_min(H)`.
    pub mu: f64,
    /// Smoothness `L = lambda_max(H)`.
    pub smoothness: f64,
    /// The problem's gradient-noise variance `sigma^2 = dim s^2`.
    pub sigma2: f64,
    /// The recording times (iterations after the start, 1-based).
    pub times: Vec<u64>,
    /// The floor window `(first, last)` iteration, inclusive.
    pub floor_window: (u64, u64),
    /// One entry per method, in config order.
    pub methods: Vec<MethodResult>,
}

/// Records `|x_t - x*|^2` and the loss gap at the recording times, and the
/// sum of `|x_t - x*|^2` over the floor window.
struct Recorder<'a> {
    times: &'a [u64],
    optimum: &'a [f64],
    f_star: f64,
    window_start: u64,
    next: usize,
    sq_distance: Vec<f64>,
    loss_gap: Vec<f64>,
    window_sum: f64,
}

impl ChainObserver for Recorder<'_> {
    fn observe(&mut self, t: u64, x: &[f64], oracle: &dyn Oracle, _rng: &mut Rng) -> Result<()> {
        let iteration = t + 1;
        let d2: f64 = x
            .iter()
            .zip(self.optimum)
            .map(|(x, o)| (x - o) * (x - o))
            .sum();
        if iteration >= self.window_start {
            self.window_sum += d2;
        }
        if self.times.get(self.next) == Some(&iteration) {
            self.sq_distance.push(d2);
            self.loss_gap.push(oracle.value(x) - self.f_star);
            self.next += 1;
        }
        Ok(())
    }
}

/// `n` log-spaced integers in `[1, steps]`, rounded, duplicates dropped;
/// the last is `steps`.
fn log_times(steps: u64, n: usize) -> Vec<u64> {
    let top = (steps as f64).ln();
    let mut times: Vec<u64> = (0..n)
        .map(|i| (top * i as f64 / (n - 1) as f64).exp().round() as u64)
        .map(|t| t.clamp(1, steps))
        .collect();
    times.dedup();
    times
}

/// `method` with the problem's gradient noise `N(0, s^2 I)` placed first in
/// its chain, so every later piece sees the noisy gradient.
fn with_gradient_noise(method: &Optimizer, s: f64) -> Result<Optimizer> {
    let mut chain = vec![AnyTransform::GaussianNoise(GaussianNoise::new(s)?)];
    chain.extend(method.chain().iter().cloned());
    Optimizer::new(method.inputs().clone(), method.probe().clone(), chain)
}

/// `(lr, extra variance per coordinate)` when the method is an SGD step
/// whose extra noise (if any) is Gaussian displacement noise after the
/// step, which equals gradient noise of variance `sigma_d^2 / lr^2`: plain
/// `sgd` and `noisy-gd`. `None` for every other method.
fn sgd_like(method: &Optimizer) -> Option<(f64, f64)> {
    if !matches!(method.probe(), AnyProbe::Plain(_)) || !method.inputs().is_identity() {
        return None;
    }
    match method.chain() {
        [AnyTransform::Sgd(sgd)] => Some((sgd.lr(), 0.0)),
        [AnyTransform::Sgd(sgd), AnyTransform::GaussianNoise(noise)] => {
            Some((sgd.lr(), (noise.sigma() / sgd.lr()).powi(2)))
        }
        _ => None,
    }
}

/// Checks the sizes and the problem; returns the quadratic.
fn validate(cfg: &ConvergeConfig) -> Result<(AnyLandscape, nalgebra::DMatrix<f64>, Vec<f64>)> {
    ensure_positive("gradient_noise", cfg.gradient_noise)?;
    if !(cfg.start_distance.is_finite() && cfg.start_distance >= 0.0) {
        return Err(Error::OutOfRange {
            name: "start_distance",
            value: cfg.start_distance,
            expected: "finite and non-negative",
        });
    }
    ensure_at_least("steps", cfg.steps as usize, 2, "at least 2")?;
    ensure_at_least("records", cfg.records, 2, "at least 2")?;
    ensure_at_least("chains", cfg.chains, 2, "at least 2")?;
    if cfg.methods.is_empty() {
        return Err(Error::Unsupported(
            "converge needs at least one method".into(),
        ));
    }
    let work = cfg.chains as f64 * cfg.steps as f64 * cfg.methods.len() as f64;
    if work > MAX_WORK {
        return Err(Error::OutOfRange {
            name: "chains x steps x methods",
            value: work,
            expected: "at most 1e11",
        });
    }
    let problem = landscape::parse(&cfg.problem)?;
    let (h, optimum) = match &problem {
        AnyLandscape::Quadratic(q) => (q.matrix().clone(), q.centre().to_vec()),
        _ => {
            return Err(Error::Unsupported(format!(
                "converge needs a quadratic problem (known Hessian and minimiser), got `{}`",
                cfg.problem
            )))
        }
    };
    Ok((problem, h, optimum))
}

/// The theory curves for an SGD-type method with step `lr` and total
/// per-coordinate noise variance `s2`.
fn theory(
    h: &nalgebra::DMatrix<f64>,
    lr: f64,
    s2: f64,
    (mu, smoothness): (f64, f64),
    initial_error: &[f64],
    times: &[u64],
    window: (u64, u64),
) -> Result<Option<SgdTheory>> {
    if lr * smoothness >= 2.0 {
        return Ok(None);
    }
    let exact = QuadraticSgd::isotropic(h, lr, s2)?;
    let sigma2 = exact.noise_variance();
    let r0: f64 = initial_error.iter().map(|e| e * e).sum();
    let curve = times
        .iter()
        .map(|&t| exact.mean_square_error(initial_error, t))
        .collect::<Result<Vec<_>>>()?;
    let mut window_sum = 0.0;
    for t in window.0..=window.1 {
        window_sum += exact.mean_square_error(initial_error, t)?;
    }
    let bound = if lr * smoothness <= 1.0 {
        let b = SgdBound::new(lr, mu, smoothness, sigma2)?;
        Some(BoundCurve {
            values: times
                .iter()
                .map(|&t| b.bound(r0, t))
                .collect::<Result<Vec<_>>>()?,
            floor: b.floor(),
        })
    } else {
        None
    };
    Ok(Some(SgdTheory {
        lr,
        sigma2,
        exact: curve,
        exact_floor: window_sum / (window.1 - window.0 + 1) as f64,
        bound,
    }))
}

/// Runs every method.
///
/// Errors: a non-quadratic problem, a bad optimizer spec, a method that
/// needs a capability the quadratic lacks, sizes out of range.
pub fn run(cfg: &ConvergeConfig, progress: &dyn Fn(&str)) -> Result<ConvergeReport> {
    let (problem, h, optimum) = validate(cfg)?;
    let oracle: &dyn Oracle = &problem;
    let dim = optimum.len();
    let eigen = SymmetricEigen::new(h.clone()).eigenvalues;
    let mu = eigen.min();
    let smoothness = eigen.max();
    let s2 = cfg.gradient_noise * cfg.gradient_noise;
    let offset = cfg.start_distance / (dim as f64).sqrt();
    let initial_error = vec![offset; dim];
    let start: Vec<f64> = optimum.iter().map(|o| o + offset).collect();
    let f_star = oracle.value(&optimum);
    let times = log_times(cfg.steps, cfg.records);
    let window = (cfg.steps / 2 + 1, cfg.steps);
    let run_cfg = RunConfig {
        steps: cfg.steps,
        burn_in: 0,
        batch: None,
    };
    let starts = vec![start; cfg.chains];
    let mut methods = Vec::with_capacity(cfg.methods.len());
    for (k, spec) in cfg.methods.iter().enumerate() {
        progress(&format!(
            "  {spec}: {} chains x {} steps",
            cfg.chains, cfg.steps
        ));
        let method = optim::parse(spec)?;
        let optimizer = with_gradient_noise(&method, cfg.gradient_noise)?;
        let chains = run_chains(
            oracle,
            &optimizer,
            &starts,
            &run_cfg,
            Seed(cfg.seed).child(k as u64),
            |_| Recorder {
                times: &times,
                optimum: &optimum,
                f_star,
                window_start: window.0,
                next: 0,
                sq_distance: Vec::with_capacity(times.len()),
                loss_gap: Vec::with_capacity(times.len()),
                window_sum: 0.0,
            },
        )?;
        let mut sq = vec![Running::default(); times.len()];
        let mut gap = vec![Running::default(); times.len()];
        let mut floor = Running::default();
        let mut diverged = Vec::new();
        for chain in &chains {
            if let ChainOutcome::Diverged { step } = chain.outcome {
                diverged.push(step);
                continue;
            }
            let r = &chain.observer;
            sq.iter_mut()
                .zip(&r.sq_distance)
                .for_each(|(acc, &v)| acc.push(v));
            gap.iter_mut()
                .zip(&r.loss_gap)
                .for_each(|(acc, &v)| acc.push(v));
            floor.push(r.window_sum / (window.1 - window.0 + 1) as f64);
        }
        let finished = chains.len() - diverged.len();
        let curve = (finished >= 2).then(|| Curve {
            sq_distance: sq.iter().map(Running::estimate).collect(),
            loss_gap: gap.iter().map(Running::estimate).collect(),
            floor: floor.estimate(),
        });
        let theory = match sgd_like(&method) {
            Some((lr, extra)) => theory(
                &h,
                lr,
                s2 + extra,
                (mu, smoothness),
                &initial_error,
                &times,
                window,
            )?,
            None => None,
        };
        methods.push(MethodResult {
            spec: spec.clone(),
            sites: method.sites(),
            finished,
            diverged,
            curve,
            theory,
        });
    }
    Ok(ConvergeReport {
        config: cfg.clone(),
        mu,
        smoothness,
        sigma2: dim as f64 * s2,
        times,
        floor_window: window,
        methods,
    })
}

/// A human-readable summary: per method, the final error and loss gap, the
/// measured floor, and the theory where it applies.
pub fn format_table(r: &ConvergeReport) -> String {
    let c = &r.config;
    let mut out = format!(
        "{} with gradient noise N(0, {}^2 I): mu = {:.4}, L = {:.4}, sigma^2 = {:.4}; \
         {} chains x {} steps, |x0 - x*| = {}, seed {}\n\
         floor = time average of |x_t - x*|^2 over t in [{}, {}]; values are mean +- SE\n",
        c.problem,
        c.gradient_noise,
        r.mu,
        r.smoothness,
        r.sigma2,
        c.chains,
        c.steps,
        c.start_distance,
        c.seed,
        r.floor_window.0,
        r.floor_window.1,
    );
    out.push_str(&format!(
        "{:<38} {:>24} {:>24} {:>24} {:>12} {:>12}\n",
        "method", "E|x_T - x*|^2", "E[f(x_T) - f*]", "floor", "exact floor", "lr s^2/mu"
    ));
    let pm = |e: &Estimate| format!("{:.4e} +- {:.1e}", e.mean, e.std_error);
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4e}"));
    for m in &r.methods {
        let (last, gap, floor) = match &m.curve {
            Some(cv) => (
                cv.sq_distance.last().map_or("-".into(), pm),
                cv.loss_gap.last().map_or("-".into(), pm),
                pm(&cv.floor),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let exact = m.theory.as_ref().map(|t| t.exact_floor);
        let bound = m
            .theory
            .as_ref()
            .and_then(|t| t.bound.as_ref())
            .map(|b| b.floor);
        out.push_str(&format!(
            "{:<38} {last:>24} {gap:>24} {floor:>24} {:>12} {:>12}\n",
            m.spec,
            opt(exact),
            opt(bound)
        ));
        if !m.diverged.is_empty() {
            out.push_str(&format!(
                "  {} chains diverged (first at step {})\n",
                m.diverged.len(),
                m.diverged.iter().min().copied().unwrap_or(0)
            ));
        }
    }
    out
}

/// The figure: `E|x_t - x*|^2` against `t`, log-log, per method with its
/// 95% band (mean +- 1.96 SE, lower end clipped to a tenth of the mean so
/// the log axis can draw it), the exact curve (solid) and the bound with
/// its floor `lr sigma^2 / mu` (dashed) for the methods they apply to.
pub fn figure(r: &ConvergeReport) -> Result<Figure> {
    let times: Vec<f64> = r.times.iter().map(|&t| t as f64).collect();
    let (t_lo, t_hi) = (times[0], times[times.len() - 1]);
    let mut series = Vec::new();
    for (k, m) in r.methods.iter().enumerate() {
        if let Some(curve) = &m.curve {
            let band = Series::with_bars(
                format!("{} (95% band)", m.spec),
                k,
                times
                    .iter()
                    .zip(&curve.sq_distance)
                    .map(|(&t, e)| (t, e.mean, e.ci95())),
            )
            .clipped_for_log_axis();
            let line = Series::plain(String::new(), Mark::Line, k, band.points.clone());
            series.extend([band, line]);
        }
        if let Some(th) = &m.theory {
            series.push(Series {
                label: format!("exact E|x_t - x*|^2, lr = {}", th.lr),
                mark: Mark::Line,
                points: times
                    .iter()
                    .copied()
                    .zip(th.exact.iter().copied())
                    .collect(),
                error_bars: None,
                color: k,
            });
            if let Some(b) = &th.bound {
                series.push(Series {
                    label: format!("bound and floor lr sigma^2/mu = {:.3e}", b.floor),
                    mark: Mark::Dashed,
                    points: times
                        .iter()
                        .copied()
                        .zip(b.values.iter().copied())
                        .collect(),
                    error_bars: None,
                    color: k,
                });
                series.push(Series {
                    label: String::new(),
                    mark: Mark::Dashed,
                    points: vec![(t_lo, b.floor), (t_hi, b.floor)],
                    error_bars: None,
                    color: k,
                });
            }
        }
    }
    if series.is_empty() {
        return Err(Error::Unsupported(
            "converge: no method has two finished chains to plot".into(),
        ));
    }
    Ok(Figure {
        title: format!(
            "Convergence under gradient noise on {} (sigma^2 = {:.3})",
            r.config.problem, r.sigma2
        ),
        x_label: "iteration t".into(),
        y_label: "E|x_t - x*|^2".into(),
        log_x: true,
        log_y: true,
        series,
    })
}
