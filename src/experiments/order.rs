//! `perturbo order`: measured convergence orders of the SDE schemes against
//! the orders they declare.
//!
//! For each test problem with a known solution and each scheme, the error at
//! the horizon `T` is measured on the grids `dt = T / 2^k`,
//! `k = coarsest_level ..= finest_level`, and the order is the least-squares
//! slope of `ln error` against `ln dt`, with a 95% confidence interval from
//! the regression residuals (`t` quantile with `m - 2` degrees of freedom
//! for `m` points, slope standard error `s / sqrt(Sxx)`, `s^2` the residual
//! variance). The interval reflects how well a straight line fits; the
//! Monte Carlo error of each point is reported separately as its standard
//! error.
//!
//! Problems and estimators:
//!
//! - **gbm**, `dX = mu X dt + sigma X dW` (defaults `mu = 2, sigma = 1,
//!   X0 = 1, T = 1` and steps `2^-5 .. 2^-10`, the example and range of
//!   Higham, "An algorithmic introduction to numerical simulation of
//!   stochastic differential equations", SIAM Review 43(3), 2001,
//!   Section 5). Euler-Maruyama and Milstein are compared with the exact
//!   Ito solution, stochastic Heun with the exact Stratonovich solution, both
//!   evaluated on the same Brownian path ([`BrownianPath`]) as the scheme.
//!   Strong error: RMS of `X_N - X(T)`. Weak error: `|E X_N - E X(T)|` by the
//!   coupled estimator below.
//! - **ou**, `dX = -theta X dt + sigma dW`. Strong error against the exact
//!   Gaussian recursion ([`OrnsteinUhlenbeck::exact_step`]) on the path's
//!   finest grid, `reference_refinement` levels below the finest scheme
//!   grid: pathwise it is within RMS at most `sigma theta delta sqrt(T / 12)`
//!   of the true solution (`delta` its step), about `2^-refinement / 2` of
//!   the corresponding bound `sigma theta dt sqrt(T / 3)` on Euler-Maruyama's
//!   own error at the finest scheme step `dt`. Weak error of `E X(T)^2` from exact moments (below).
//! - **oscillator**, underdamped Langevin in the harmonic well
//!   `V = k q^2 / 2`; weak error of `E q(T)^2` from exact moments. This is
//!   where BAOAB's weak order 2 is measured (its *stationary*
//!   configurational variance is exact for a harmonic well, so the
//!   finite-time error is used instead).
//!
//! **Exact moments.** On a linear SDE a linear scheme keeps the law
//! Gaussian, with mean and covariance propagated exactly through the
//! scheme's own step map ([`test_problems::scheme_moments`]); the SDE's
//! moments come from Van Loan's formula
//! ([`test_problems::LinearSde::moments`]) or the OU closed forms. Such weak
//! errors carry no Monte Carlo noise (standard error 0).
//!
//! **Coupled weak estimator.** Weak errors of order 1 are small against the
//! Monte Carlo noise of `E f(X_N)` alone. Each path therefore computes
//! `D = f(X_N) - f(X(T))` with `X(T)` the exact solution on the same
//! Brownian path; `E D` is exactly the weak error, while `Var D` is of the
//! order of the squared strong error instead of `Var f(X)`, which removes
//! most of the noise.
//!
//! Paths run in blocks of [`ensemble::BLOCK`] in parallel; path `i` of
//! problem `p` uses the Brownian path of `seed.child(p).child(i)`, and block
//! sums are merged in block order, so the report is bit-identical for any
//! thread count. Non-finite errors (a divergent step size) are counted per
//! point and left out of its statistics.

use nalgebra::DMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::landscape::Quadratic;
use crate::measure::flatness::estimate::interval95;
use crate::noise::{Diffusion, Structure};
use crate::plot::{Figure, Mark, Series};
use crate::rng::Seed;
use crate::sde::test_problems::{self, GeometricBrownianMotion, OrnsteinUhlenbeck};
use crate::sde::{
    ensemble, Baoab, BrownianPath, Calculus, EulerMaruyama, Milstein, Scheme, SchemeInfo, Sde,
    StochasticHeun, UnderdampedLangevin, Workspace,
};

/// The finest Brownian grid the experiment will allocate: `2^20` steps.
pub const MAX_PATH_LEVEL: u32 = 20;

/// Geometric Brownian motion `dX = mu X dt + sigma X dW`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GbmConfig {
    /// Drift rate.
    pub mu: f64,
    /// Volatility.
    pub sigma: f64,
    /// Start value.
    pub x0: f64,
}

impl Default for GbmConfig {
    /// Higham (2001), Section 5: `mu = 2`, `sigma = 1`, `X0 = 1`.
    fn default() -> Self {
        Self {
            mu: 2.0,
            sigma: 1.0,
            x0: 1.0,
        }
    }
}

/// The Ornstein-Uhlenbeck process `dX = -theta X dt + sigma dW`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OuConfig {
    /// Mean-reversion rate.
    pub theta: f64,
    /// Noise amplitude.
    pub sigma: f64,
    /// Start value.
    pub x0: f64,
}

impl Default for OuConfig {
    /// `theta = 1`, `sigma = 1`, `X0 = 1`: over `T = 1` the mean decays to
    /// `e^{-1}` and the variance reaches 86% of its stationary value.
    fn default() -> Self {
        Self {
            theta: 1.0,
            sigma: 1.0,
            x0: 1.0,
        }
    }
}

/// Underdamped Langevin dynamics in the harmonic well `V = k q^2 / 2`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OscillatorConfig {
    /// Stiffness `k`.
    pub stiffness: f64,
    /// Friction `gamma`.
    pub gamma: f64,
    /// Temperature `eps`.
    pub eps: f64,
    /// Start position.
    pub q0: f64,
    /// Start momentum.
    pub p0: f64,
}

impl Default for OscillatorConfig {
    /// `k = 4` (angular frequency 2, about a third of a period in `T = 1`),
    /// `gamma = 1` (underdamped), `eps = 0.5`, start `(1, 0)`.
    fn default() -> Self {
        Self {
            stiffness: 4.0,
            gamma: 1.0,
            eps: 0.5,
            q0: 1.0,
            p0: 0.0,
        }
    }
}

/// Configuration of `perturbo order`; the defaults are the paper's figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderConfig {
    /// Horizon `T` at which errors are measured.
    pub horizon: f64,
    /// Geometric Brownian motion.
    pub gbm: GbmConfig,
    /// Ornstein-Uhlenbeck process.
    pub ou: OuConfig,
    /// Harmonic underdamped Langevin oscillator.
    pub oscillator: OscillatorConfig,
    /// Monte Carlo paths per problem.
    pub paths: usize,
    /// Coarsest grid: `2^coarsest_level` steps.
    pub coarsest_level: u32,
    /// Finest grid: `2^finest_level` steps.
    pub finest_level: u32,
    /// The OU reference runs `reference_refinement` levels finer than the
    /// finest scheme grid.
    pub reference_refinement: u32,
    /// Master seed.
    pub seed: u64,
}

impl Default for OrderConfig {
    /// `T = 1`, 40 000 paths, grids of 32 to 1024 steps (six step sizes),
    /// OU reference on 8192 steps, seed 1.
    fn default() -> Self {
        Self {
            horizon: 1.0,
            gbm: GbmConfig::default(),
            ou: OuConfig::default(),
            oscillator: OscillatorConfig::default(),
            paths: 40_000,
            coarsest_level: 5,
            finest_level: 10,
            reference_refinement: 3,
            seed: 1,
        }
    }
}

impl OrderConfig {
    /// The defaults with 4 000 paths (the CLI's `--quick`).
    pub fn quick() -> Self {
        Self {
            paths: 4_000,
            ..Self::default()
        }
    }

    /// Rejects non-finite or non-positive parameters, fewer than 2 paths,
    /// fewer than 3 step sizes, and grids finer than [`MAX_PATH_LEVEL`].
    pub fn validate(&self) -> Result<()> {
        ensure_positive("horizon", self.horizon)?;
        ensure_finite("gbm.mu", self.gbm.mu)?;
        ensure_positive("gbm.sigma", self.gbm.sigma)?;
        ensure_finite("gbm.x0", self.gbm.x0)?;
        ensure_positive("ou.theta", self.ou.theta)?;
        ensure_positive("ou.sigma", self.ou.sigma)?;
        ensure_finite("ou.x0", self.ou.x0)?;
        ensure_positive("oscillator.stiffness", self.oscillator.stiffness)?;
        ensure_positive("oscillator.gamma", self.oscillator.gamma)?;
        ensure_positive("oscillator.eps", self.oscillator.eps)?;
        ensure_finite("oscillator.q0", self.oscillator.q0)?;
        ensure_finite("oscillator.p0", self.oscillator.p0)?;
        if self.paths < 2 {
            return Err(Error::OutOfRange {
                name: "paths",
                value: self.paths as f64,
                expected: "at least 2 (standard errors need two samples)",
            });
        }
        if self.finest_level < self.coarsest_level + 2 {
            return Err(Error::OutOfRange {
                name: "finest-level",
                value: f64::from(self.finest_level),
                expected: "at least coarsest-level + 2 (a slope with a confidence interval needs 3 step sizes)",
            });
        }
        if self.finest_level + self.reference_refinement > MAX_PATH_LEVEL {
            return Err(Error::OutOfRange {
                name: "finest-level + reference-refinement",
                value: f64::from(self.finest_level + self.reference_refinement),
                expected: "at most 20 (2^20 steps per path)",
            });
        }
        Ok(())
    }

    fn levels(&self) -> std::ops::RangeInclusive<u32> {
        self.coarsest_level..=self.finest_level
    }

    fn dt(&self, level: u32) -> f64 {
        self.horizon / (1u64 << level) as f64
    }
}

/// Which error is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Root-mean-square error `sqrt(E |X_N - X(T)|^2)` on coupled paths.
    Strong,
    /// `|E f(X_N) - E f(X(T))|` for the problem's observable `f`.
    Weak,
}

/// How the errors of a row were estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Monte Carlo over paths, each scheme coupled to the reference through
    /// the same Brownian path.
    CoupledMonteCarlo,
    /// Exact Gaussian moments of the scheme and of the SDE (no sampling).
    ExactMoments,
}

/// The error at one step size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorPoint {
    /// Step size.
    pub dt: f64,
    /// The error estimate.
    pub error: f64,
    /// Its standard error over paths (strong: delta method from the mean
    /// square, `se(MSE) / (2 RMS)`; 0 for exact moments).
    pub standard_error: f64,
    /// Paths that entered the estimate.
    pub samples: usize,
    /// Paths left out because their error was not finite.
    pub diverged: usize,
}

/// A least-squares fit of `ln error = intercept + slope ln dt`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SlopeFit {
    /// The fitted order.
    pub slope: f64,
    /// The fitted intercept (`ln` of the error constant).
    pub intercept: f64,
    /// Standard error of the slope from the regression residuals.
    pub slope_se: f64,
    /// 95% confidence interval of the slope (`t` quantile, `points - 2`
    /// degrees of freedom).
    pub ci95: [f64; 2],
    /// Number of points fitted.
    pub points: usize,
}

impl SlopeFit {
    /// Half-width of the 95% confidence interval.
    pub fn half_width(&self) -> f64 {
        0.5 * (self.ci95[1] - self.ci95[0])
    }
}

/// One scheme on one problem, one kind of error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    /// Problem name: `gbm`, `ou` or `oscillator`.
    pub problem: String,
    /// Scheme name ([`SchemeInfo::name`]).
    pub scheme: String,
    /// The calculus of the scheme, hence of the reference it is compared with.
    pub calculus: Calculus,
    /// Strong or weak.
    pub kind: ErrorKind,
    /// What is compared, in words.
    pub observable: String,
    /// How the errors were estimated.
    pub estimator: Estimator,
    /// The order the scheme declares ([`SchemeInfo`]).
    pub declared_order: f64,
    /// The order theory guarantees on this problem: the declared one, raised
    /// to 1 for strong errors under additive noise (where Euler-Maruyama is
    /// Milstein). The measured slope may exceed it.
    pub guaranteed_order: f64,
    /// Errors from the coarsest to the finest step.
    pub points: Vec<ErrorPoint>,
    /// The fitted slope over the points with a positive error; `None` if
    /// fewer than 3.
    pub fit: Option<SlopeFit>,
}

/// The result of `perturbo order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderReport {
    /// The configuration that produced it (with the seed).
    pub config: OrderConfig,
    /// One row per (problem, scheme, error kind).
    pub rows: Vec<OrderRow>,
}

impl OrderReport {
    /// The row of `scheme` on `problem` for `kind`, if measured.
    pub fn row(&self, problem: &str, scheme: &str, kind: ErrorKind) -> Option<&OrderRow> {
        self.rows
            .iter()
            .find(|r| r.problem == problem && r.scheme == scheme && r.kind == kind)
    }
}

/// Least-squares fit of `ln y` against `ln x` over the points with `x, y > 0`
/// finite; `None` if fewer than 3 remain.
pub fn fit_log_log(points: &[(f64, f64)]) -> Option<SlopeFit> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let m = logs.len();
    if m < 3 {
        return None;
    }
    let mf = m as f64;
    let xbar = logs.iter().map(|p| p.0).sum::<f64>() / mf;
    let ybar = logs.iter().map(|p| p.1).sum::<f64>() / mf;
    let sxx: f64 = logs.iter().map(|p| (p.0 - xbar).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - xbar) * (p.1 - ybar)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = ybar - slope * xbar;
    let ssr: f64 = logs
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let slope_se = (ssr / (mf - 2.0) / sxx).sqrt();
    let t = StudentsT::new(0.0, 1.0, mf - 2.0)
        .expect("m - 2 >= 1 degrees of freedom")
        .inverse_cdf(0.975);
    Some(SlopeFit {
        slope,
        intercept,
        slope_se,
        ci95: [slope - t * slope_se, slope + t * slope_se],
        points: m,
    })
}

/// Runs every problem and scheme; see the module documentation.
pub fn run(cfg: &OrderConfig) -> Result<OrderReport> {
    cfg.validate()?;
    let seed = Seed(cfg.seed);
    let t = cfg.horizon;
    let gbm = GbmReference {
        sde: GeometricBrownianMotion::new(1, cfg.gbm.mu, cfg.gbm.sigma)?,
        x0: cfg.gbm.x0,
        horizon: t,
        level: cfg.finest_level,
    };
    let ou = OuReference {
        sde: OrnsteinUhlenbeck::new(1, cfg.ou.theta, cfg.ou.sigma)?,
        x0: cfg.ou.x0,
        level: cfg.finest_level + cfg.reference_refinement,
    };
    let mean = WeakObservable {
        label: "E X(T)",
        f: |x| x,
    };
    let mut rows = monte_carlo(&gbm, cfg, seed.child(0), Some(mean))?;
    rows.extend(monte_carlo(&ou, cfg, seed.child(1), None)?);

    let ou_second = ou.sde.variance(t) + ou.sde.mean(ou.x0, t).powi(2);
    let (sde, x0) = (&ou.sde, [ou.x0]);
    rows.push(moment_row("ou", sde, &EulerMaruyama, &x0, ou_second, cfg));
    rows.push(moment_row("ou", sde, &Milstein, &x0, ou_second, cfg));
    rows.push(moment_row("ou", sde, &StochasticHeun, &x0, ou_second, cfg));

    let o = cfg.oscillator;
    let well = Quadratic::new(DMatrix::from_element(1, 1, o.stiffness), vec![0.0])?;
    let sde = UnderdampedLangevin::new(well, o.gamma, o.eps)?;
    let z0 = [o.q0, o.p0];
    let (m, s) = test_problems::harmonic_langevin(o.stiffness, o.gamma, o.eps)?.moments(&z0, t);
    let q_second = s[(0, 0)] + m[0] * m[0];
    rows.push(moment_row(
        "oscillator",
        &sde,
        &EulerMaruyama,
        &z0,
        q_second,
        cfg,
    ));
    rows.push(moment_row("oscillator", &sde, &Baoab, &z0, q_second, cfg));
    Ok(OrderReport { config: *cfg, rows })
}

/// A scalar test problem with a reference solution on each Brownian path.
trait Reference: Sync {
    type S: Sde;
    const NAME: &'static str;
    fn sde(&self) -> &Self::S;
    fn x0(&self) -> f64;
    /// The finest level of the Brownian path the reference needs.
    fn path_level(&self) -> u32;
    /// `X(T)` on `path` for the Ito and the Stratonovich reading.
    fn references(&self, path: &BrownianPath) -> (f64, f64);
}

/// Geometric Brownian motion, solved exactly from `W(T)`.
struct GbmReference {
    sde: GeometricBrownianMotion,
    x0: f64,
    horizon: f64,
    level: u32,
}

impl Reference for GbmReference {
    type S = GeometricBrownianMotion;
    const NAME: &'static str = "gbm";

    fn sde(&self) -> &Self::S {
        &self.sde
    }
    fn x0(&self) -> f64 {
        self.x0
    }
    fn path_level(&self) -> u32 {
        self.level
    }
    fn references(&self, path: &BrownianPath) -> (f64, f64) {
        let w = path.value_at_end()[0];
        (
            self.sde.exact_ito(self.x0, self.horizon, w),
            self.sde.exact_stratonovich(self.x0, self.horizon, w),
        )
    }
}

/// The OU process, by its exact recursion on the path's finest grid
/// (additive noise: both readings agree).
struct OuReference {
    sde: OrnsteinUhlenbeck,
    x0: f64,
    level: u32,
}

impl Reference for OuReference {
    type S = OrnsteinUhlenbeck;
    const NAME: &'static str = "ou";

    fn sde(&self) -> &Self::S {
        &self.sde
    }
    fn x0(&self) -> f64 {
        self.x0
    }
    fn path_level(&self) -> u32 {
        self.level
    }
    fn references(&self, path: &BrownianPath) -> (f64, f64) {
        let dt = path.dt(self.level);
        let x = path
            .increments(self.level)
            .iter()
            .fold(self.x0, |x, &w| self.sde.exact_step(x, dt, w));
        (x, x)
    }
}

/// The function `f` of a Monte Carlo weak error, with its description.
#[derive(Clone, Copy)]
struct WeakObservable {
    label: &'static str,
    f: fn(f64) -> f64,
}

/// Running sums of one error sample: count, sum, sum of squares, and the
/// number of non-finite samples left out.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: usize,
    sum: f64,
    sum_sq: f64,
    diverged: usize,
}

impl Sums {
    fn push(&mut self, v: f64) {
        if v.is_finite() {
            self.n += 1;
            self.sum += v;
            self.sum_sq += v * v;
        } else {
            self.diverged += 1;
        }
    }

    fn merge(&mut self, other: &Sums) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.diverged += other.diverged;
    }

    /// Sample mean and its standard error (NaN with fewer than 2 samples).
    fn mean_se(&self) -> (f64, f64) {
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = ((self.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
        (mean, (var / n).sqrt())
    }

    /// The RMS error from sums of squared errors, with the delta-method
    /// standard error `se(MSE) / (2 RMS)`.
    fn strong_point(&self, dt: f64) -> ErrorPoint {
        let (mse, se_mse) = self.mean_se();
        let rms = mse.sqrt();
        ErrorPoint {
            dt,
            error: rms,
            standard_error: se_mse / (2.0 * rms),
            samples: self.n,
            diverged: self.diverged,
        }
    }

    /// `|mean|` of the coupled differences, with the standard error of the mean.
    fn weak_point(&self, dt: f64) -> ErrorPoint {
        let (mean, se) = self.mean_se();
        ErrorPoint {
            dt,
            error: mean.abs(),
            standard_error: se,
            samples: self.n,
            diverged: self.diverged,
        }
    }
}

/// Sums of one (scheme, level): squared errors (strong) and observable
/// differences (weak).
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    strong: Sums,
    weak: Sums,
}

/// The schemes of the Monte Carlo problems, in report order.
const MC_SCHEMES: usize = 3;

/// Adds the errors of `scheme` at every level on `path` to `cells`.
#[allow(clippy::too_many_arguments)]
fn accumulate<P: Reference, M: Scheme<P::S>>(
    problem: &P,
    scheme: &M,
    cfg: &OrderConfig,
    path: &BrownianPath,
    references: (f64, f64),
    weak: Option<WeakObservable>,
    ws: &mut Workspace,
    cells: &mut [Cell],
) -> Result<()> {
    let reference = match scheme.calculus() {
        Calculus::Ito => references.0,
        Calculus::Stratonovich => references.1,
    };
    for (cell, level) in cells.iter_mut().zip(cfg.levels()) {
        let mut x = [problem.x0()];
        path.solve(problem.sde(), scheme, level, &mut x, ws)?;
        let error = x[0] - reference;
        cell.strong.push(error * error);
        if let Some(w) = weak {
            cell.weak.push((w.f)(x[0]) - (w.f)(reference));
        }
    }
    Ok(())
}

/// Strong rows (and weak rows if `weak` is given) of the three general
/// schemes on `problem`, by coupled Monte Carlo.
fn monte_carlo<P: Reference>(
    problem: &P,
    cfg: &OrderConfig,
    seed: Seed,
    weak: Option<WeakObservable>,
) -> Result<Vec<OrderRow>> {
    let n_levels = cfg.levels().count();
    let sde = problem.sde();
    let (dim, noise_dim) = (sde.dim(), sde.diffusion().noise_dim());
    let blocks = cfg.paths.div_ceil(ensemble::BLOCK);
    let per_block: Vec<Vec<Cell>> = (0..blocks)
        .into_par_iter()
        .map(|b| -> Result<Vec<Cell>> {
            let first = b * ensemble::BLOCK;
            let count = ensemble::BLOCK.min(cfg.paths - first);
            let mut path = BrownianPath::new(
                seed.child(first as u64),
                1,
                problem.path_level(),
                cfg.horizon,
            )?;
            let mut ws = Workspace::new(dim, noise_dim, 1);
            let mut cells = vec![Cell::default(); MC_SCHEMES * n_levels];
            for i in first..first + count {
                path.resample(seed.child(i as u64));
                let refs = problem.references(&path);
                let (em, rest) = cells.split_at_mut(n_levels);
                let (milstein, heun) = rest.split_at_mut(n_levels);
                accumulate(problem, &EulerMaruyama, cfg, &path, refs, weak, &mut ws, em)?;
                accumulate(
                    problem, &Milstein, cfg, &path, refs, weak, &mut ws, milstein,
                )?;
                accumulate(
                    problem,
                    &StochasticHeun,
                    cfg,
                    &path,
                    refs,
                    weak,
                    &mut ws,
                    heun,
                )?;
            }
            Ok(cells)
        })
        .collect::<Result<_>>()?;
    let mut cells = vec![Cell::default(); MC_SCHEMES * n_levels];
    for block in &per_block {
        for (c, b) in cells.iter_mut().zip(block) {
            c.strong.merge(&b.strong);
            c.weak.merge(&b.weak);
        }
    }

    let additive = sde.diffusion().structure() == Structure::Additive;
    let infos: [&dyn SchemeInfo; MC_SCHEMES] = [&EulerMaruyama, &Milstein, &StochasticHeun];
    let dts: Vec<f64> = cfg.levels().map(|l| cfg.dt(l)).collect();
    let mut rows = Vec::with_capacity(2 * MC_SCHEMES);
    for (info, cells) in infos.iter().zip(cells.chunks_exact(n_levels)) {
        let strong = cells
            .iter()
            .zip(&dts)
            .map(|(c, &dt)| c.strong.strong_point(dt));
        let guaranteed = if additive {
            info.strong_order().max(1.0)
        } else {
            info.strong_order()
        };
        rows.push(make_row(
            P::NAME,
            *info,
            ErrorKind::Strong,
            "X_N - X(T)",
            Estimator::CoupledMonteCarlo,
            guaranteed,
            strong.collect(),
        ));
        if let Some(w) = weak {
            let points = cells.iter().zip(&dts).map(|(c, &dt)| c.weak.weak_point(dt));
            rows.push(make_row(
                P::NAME,
                *info,
                ErrorKind::Weak,
                w.label,
                Estimator::CoupledMonteCarlo,
                info.weak_order(),
                points.collect(),
            ));
        }
    }
    Ok(rows)
}

/// The weak error of `E x_0(T)^2` for `scheme` on a linear problem, from
/// exact moments ([`test_problems::scheme_moments`]) against the exact
/// value `exact`. A step size at which the scheme is unstable gives a
/// non-finite error, which the fit and the figure leave out.
fn moment_row<S: Sde, M: Scheme<S>>(
    problem: &str,
    sde: &S,
    scheme: &M,
    z0: &[f64],
    exact: f64,
    cfg: &OrderConfig,
) -> OrderRow {
    let points = cfg
        .levels()
        .map(|level| {
            let dt = cfg.dt(level);
            let (m, s) = test_problems::scheme_moments(sde, scheme, z0, dt, 1usize << level);
            ErrorPoint {
                dt,
                error: (s[(0, 0)] + m[0] * m[0] - exact).abs(),
                standard_error: 0.0,
                samples: 0,
                diverged: 0,
            }
        })
        .collect();
    let observable = if problem == "oscillator" {
        "E q(T)^2"
    } else {
        "E X(T)^2"
    };
    make_row(
        problem,
        scheme,
        ErrorKind::Weak,
        observable,
        Estimator::ExactMoments,
        scheme.weak_order(),
        points,
    )
}

fn make_row(
    problem: &str,
    info: &dyn SchemeInfo,
    kind: ErrorKind,
    observable: &str,
    estimator: Estimator,
    guaranteed_order: f64,
    points: Vec<ErrorPoint>,
) -> OrderRow {
    let fit = fit_log_log(&points.iter().map(|p| (p.dt, p.error)).collect::<Vec<_>>());
    OrderRow {
        problem: problem.to_owned(),
        scheme: info.name().to_owned(),
        calculus: info.calculus(),
        kind,
        observable: observable.to_owned(),
        estimator,
        declared_order: match kind {
            ErrorKind::Strong => info.strong_order(),
            ErrorKind::Weak => info.weak_order(),
        },
        guaranteed_order,
        points,
        fit,
    }
}

/// Palette index of a scheme (shared by its strong and weak series).
fn scheme_color(scheme: &str) -> usize {
    match scheme {
        "euler-maruyama" => 0,
        "milstein" => 1,
        "heun" => 2,
        _ => 3,
    }
}

/// Palette index of the dashed reference slopes (black in the shared palette).
const REFERENCE_COLOR: usize = 6;

/// The log-log order plot of one problem: error against `dt` with 95%
/// error bars for Monte Carlo estimates (their lower end clipped at a tenth of the point where the
/// interval reaches 0, which a log axis cannot show), one series per
/// (scheme, error kind) in the scheme's colour (strong errors as markers,
/// weak errors as a solid line), and a dashed line `C dt^p` for each guaranteed
/// order `p`, placed a factor 2 above the first row with that order at the
/// coarsest step. Points whose error is not positive are left out.
pub fn problem_figure(report: &OrderReport, problem: &str) -> Figure {
    let rows: Vec<&OrderRow> = report
        .rows
        .iter()
        .filter(|r| r.problem == problem)
        .collect();
    let mut series = Vec::new();
    for row in &rows {
        let kept: Vec<&ErrorPoint> = row
            .points
            .iter()
            .filter(|p| p.error > 0.0 && p.error.is_finite())
            .collect();
        let kind = match row.kind {
            ErrorKind::Strong => "strong",
            ErrorKind::Weak => "weak",
        };
        let slope = row
            .fit
            .map_or_else(String::new, |f| format!(" (slope {:.2})", f.slope));
        series.push(
            Series {
                label: format!("{} {kind}{slope}", row.scheme),
                mark: match row.kind {
                    ErrorKind::Strong => Mark::Points,
                    ErrorKind::Weak => Mark::Line,
                },
                points: kept.iter().map(|p| (p.dt, p.error)).collect(),
                // Exact-moment rows have no sampling error and get no bars.
                error_bars: (row.estimator == Estimator::CoupledMonteCarlo).then(|| {
                    kept.iter()
                        .map(|p| interval95(p.error, p.standard_error))
                        .collect()
                }),
                color: scheme_color(&row.scheme),
            }
            // Bars reaching 0 cannot be drawn on the log axis.
            .clipped_for_log_axis(),
        );
    }
    let mut orders: Vec<f64> = rows.iter().map(|r| r.guaranteed_order).collect();
    orders.sort_by(f64::total_cmp);
    orders.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    for order in orders {
        let anchor = rows
            .iter()
            .filter(|r| (r.guaranteed_order - order).abs() < 1e-12)
            .find_map(|r| {
                r.points
                    .first()
                    .filter(|p| p.error > 0.0 && p.error.is_finite())
            });
        let (Some(anchor), Some(last)) = (anchor, rows[0].points.last()) else {
            continue;
        };
        let c = 2.0 * anchor.error / anchor.dt.powf(order);
        series.push(Series {
            label: format!("order {order}"),
            mark: Mark::Dashed,
            points: vec![
                (anchor.dt, c * anchor.dt.powf(order)),
                (last.dt, c * last.dt.powf(order)),
            ],
            error_bars: None,
            color: REFERENCE_COLOR,
        });
    }
    Figure {
        title: format!(
            "Convergence orders on {problem} (T = {})",
            report.config.horizon
        ),
        x_label: "step size dt".to_owned(),
        y_label: "error at T".to_owned(),
        log_x: true,
        log_y: true,
        series,
    }
}

/// The paper's order figure: geometric Brownian motion, strong and weak
/// errors of Euler-Maruyama, Milstein and stochastic Heun.
pub fn figure(report: &OrderReport) -> Figure {
    problem_figure(report, GbmReference::NAME)
}

/// A plain-text table of the fitted slopes, one line per row.
pub fn format_table(report: &OrderReport) -> String {
    let mut out = format!(
        "{:<11} {:<15} {:<6} {:>7} {:>17} {:>9} {:>11}\n",
        "problem", "scheme", "error", "slope", "95% CI", "declared", "guaranteed"
    );
    for r in &report.rows {
        let kind = match r.kind {
            ErrorKind::Strong => "strong",
            ErrorKind::Weak => "weak",
        };
        let (slope, ci) = match r.fit {
            Some(f) => (
                format!("{:.3}", f.slope),
                format!("[{:.3}, {:.3}]", f.ci95[0], f.ci95[1]),
            ),
            None => ("-".to_owned(), "-".to_owned()),
        };
        out.push_str(&format!(
            "{:<11} {:<15} {:<6} {:>7} {:>17} {:>9} {:>11}\n",
            r.problem, r.scheme, kind, slope, ci, r.declared_order, r.guaranteed_order
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_an_exact_power_law() {
        let pts: Vec<(f64, f64)> = (0..5)
            .map(|k| {
                let dt = 0.5f64.powi(k);
                (dt, 3.0 * dt.powf(1.5))
            })
            .collect();
        let fit = fit_log_log(&pts).unwrap();
        // Exact data: slope to rounding, residuals (hence the CI) at rounding level.
        approx::assert_abs_diff_eq!(fit.slope, 1.5, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(fit.intercept, 3f64.ln(), epsilon = 1e-12);
        assert!(fit.half_width() < 1e-10);
        assert!(fit_log_log(&pts[..2]).is_none());
        assert!(fit_log_log(&[(1.0, 1.0), (0.5, 0.0), (0.25, -1.0)]).is_none());
    }

    #[test]
    fn fit_interval_matches_a_hand_computation() {
        // x = ln dt = (0, -1, -2), y = (0, -1, -1.5) (natural logs of the data):
        // slope 0.75, residuals (-1/12, 1/6, -1/12), SSR = 1/24, Sxx = 2,
        // se = sqrt(SSR / 1 / Sxx) = sqrt(1/48); t_{0.975, 1} = 12.706.
        let pts = [
            (1.0, 1.0),
            ((-1.0f64).exp(), (-1.0f64).exp()),
            ((-2.0f64).exp(), (-1.5f64).exp()),
        ];
        let fit = fit_log_log(&pts).unwrap();
        approx::assert_abs_diff_eq!(fit.slope, 0.75, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(fit.slope_se, (1.0f64 / 48.0).sqrt(), epsilon = 1e-12);
        // statrs' inverse CDF is accurate to ~1e-3 relative here.
        approx::assert_relative_eq!(
            fit.half_width(),
            12.706 * (1.0f64 / 48.0).sqrt(),
            max_relative = 2e-3
        );
    }

    #[test]
    fn config_validation() {
        assert!(OrderConfig::default().validate().is_ok());
        let bad = [
            OrderConfig {
                paths: 1,
                ..OrderConfig::default()
            },
            OrderConfig {
                finest_level: 4,
                ..OrderConfig::default()
            },
            OrderConfig {
                reference_refinement: 13,
                ..OrderConfig::default()
            },
            OrderConfig {
                horizon: 0.0,
                ..OrderConfig::default()
            },
            OrderConfig {
                gbm: GbmConfig {
                    sigma: -1.0,
                    ..GbmConfig::default()
                },
                ..OrderConfig::default()
            },
        ];
        for cfg in bad {
            assert!(run(&cfg).is_err(), "{cfg:?} accepted");
        }
        let partial: OrderConfig =
            serde_json::from_str(r#"{"paths": 10, "gbm": {"mu": 1.0}}"#).unwrap();
        assert_eq!(partial.paths, 10);
        assert_eq!(partial.ou, OuConfig::default());
        assert!(serde_json::from_str::<OrderConfig>(r#"{"pathz": 10}"#).is_err());
    }

    #[test]
    fn small_run_has_every_row_and_a_figure() {
        let cfg = OrderConfig {
            paths: 300,
            coarsest_level: 2,
            finest_level: 4,
            ..OrderConfig::default()
        };
        let report = run(&cfg).unwrap();
        assert_eq!(report.rows.len(), 2 * 2 * MC_SCHEMES + 2);
        for row in &report.rows {
            assert_eq!(row.points.len(), 3);
            assert!(row
                .points
                .iter()
                .all(|p| p.error.is_finite() && p.standard_error.is_finite()));
        }
        let fig = figure(&report);
        assert_eq!(
            fig.series.iter().filter(|s| s.mark != Mark::Dashed).count(),
            2 * MC_SCHEMES
        );
        assert!(fig.series.iter().any(|s| s.mark == Mark::Dashed));
        assert!(format_table(&report).lines().count() == report.rows.len() + 1);
    }
}
