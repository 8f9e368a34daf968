//! Figures for five optimizer claims: Monte Carlo runs of the optimizers
//! (through [`run_chains`], 95% intervals from independent chains) against
//! the closed forms of `src/theory/`.
//!
//! | figure | claim | proof |
//! | --- | --- | --- |
//! | `noisy_gd_covariance` | noisy GD's stationary variance along eigenvalue `lambda` is `T / (lambda (1 - lr lambda / 2))`, above the Gibbs `T / lambda` | `proofs/noisy_gd_covariance.md` |
//! | `weight_perturbation` | `E L(x + sigma z) = L + (sigma^2/2) Tr H + (3 sigma^4 / 4) sum q` on the quartic | `proofs/weight_perturbation.md` |
//! | `input_noise_ridge` | SGD with Gaussian input noise `s` on least squares has the ridge minimiser with `lambda = s^2` as stationary mean (Bishop 1995) | `proofs/input_noise_ridge.md` |
//! | `saddle_escape` | PGD (Jin et al. 2017) leaves a strict saddle in the exact mean (M), on the `ln(d) / (lr gamma)` scale (L) | `proofs/saddle_escape.md` |
//! | `anti_pgd` | Anti-PGD lowers `Tr H` on the widening valley, uncorrelated noise raises it (Orvieto et al. 2022) | `proofs/anti_pgd.md` |
//!
//! Every report keeps its Monte Carlo estimates with standard errors over
//! independent chains (or antithetic pairs), so a test can hold them
//! against the theory at `z` standard errors. Figure `k` (in the order of
//! the table) draws from `Seed(seed).child(k)`, sweep point `j` of it from
//! `.child(j)`, so every report replays bit for bit.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::chain_stats::{ensure_finished, SquaredProjections};
use super::sweep::linspace;
use crate::error::{Error, Result};
use crate::landscape::{self, Objective, StrictSaddle, WideningValley};
use crate::measure::first_exit::FirstExit;
use crate::measure::flatness::estimate::{Estimate, Running};
use crate::measure::flatness::perturbed_loss::{expected_loss_at, PerturbedLossConfig};
use crate::models;
use crate::optim::{self, run_chains, ChainObserver, Oracle, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::{Rng, Seed};
use crate::theory::{input_noise, NoisyGd, SaddleEscape, SeparableQuartic};

/// Points on each dense theory curve.
const CURVE_POINTS: usize = 60;

/// Configuration shared by the five figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimClaimsConfig {
    /// Master seed; figure `k` draws from `Seed(seed).child(k)`.
    pub seed: u64,
    /// Smaller sweeps and ensembles (a few seconds in all, for a look and
    /// for the tests); the default `false` draws the paper's figures.
    pub quick: bool,
}

impl Default for OptimClaimsConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            quick: false,
        }
    }
}

impl OptimClaimsConfig {
    /// `full` or `quick`, by the flag.
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// The stream of figure `k`.
    fn seed(&self, k: u64) -> Seed {
        Seed(self.seed).child(k)
    }
}

/// Mean and standard error of independent draws (at least two).
fn estimate(values: impl IntoIterator<Item = f64>) -> Estimate {
    let mut running = Running::default();
    values.into_iter().for_each(|v| running.push(v));
    running.estimate()
}

/// Monte Carlo points `(x, mean)` with their 95% intervals as bars.
fn mc_series(label: String, color: usize, xs: &[f64], ys: &[Estimate]) -> Series {
    let points = xs.iter().zip(ys).map(|(&x, e)| (x, e.mean, e.ci95()));
    Series::with_bars(label, color, points)
}

// ---------------------------------------------------------------------------
// 1. noisy_gd_covariance

/// One step size of the noisy-GD sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisyGdPoint {
    /// The step `lr`.
    pub lr: f64,
    /// Measured stationary `E (v_i . x)^2` per eigenvector `v_i` (the
    /// stationary mean is 0): one time average after burn-in per chain.
    pub measured: Vec<Estimate>,
    /// The exact `v_i^T S v_i` of the discrete Lyapunov solution,
    /// `T / (lambda_i (1 - lr lambda_i / 2))`.
    pub exact: Vec<f64>,
}

/// Stationary variance of noisy GD against the step, per eigen-direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisyGdCovarianceReport {
    /// The configuration.
    pub config: OptimClaimsConfig,
    /// The Hessian `H`, row-major 2 x 2.
    pub hessian: Vec<f64>,
    /// The temperature `T`.
    pub temperature: f64,
    /// Eigenvalues of `H`, ascending.
    pub eigenvalues: Vec<f64>,
    /// Chains per step size.
    pub chains: usize,
    /// Steps per chain.
    pub steps: u64,
    /// Steps discarded before averaging.
    pub burn_in: u64,
    /// The sweep.
    pub points: Vec<NoisyGdPoint>,
    /// The exact curve: `(lr, variance per eigen-direction)` up to 0.97 of
    /// the stability limit `2 / lambda_max`.
    pub curve: Vec<(f64, Vec<f64>)>,
}

/// `noisy-gd:lr,temperature=0.5` on the quadratic with
/// `H = [[3, 1], [1, 2]]` (eigenvalues `(5 -+ sqrt 5) / 2`), for steps up
/// to 0.9 of `2 / lambda_max`; the exact variance is
/// `theory::NoisyGd::langevin_covariance` projected on each eigenvector
/// (`proofs/noisy_gd_covariance.md`, Section 2).
pub fn noisy_gd_covariance_report(
    cfg: &OptimClaimsConfig,
    progress: &dyn Fn(&str),
) -> Result<NoisyGdCovarianceReport> {
    let hessian = vec![3.0, 1.0, 1.0, 2.0];
    let temperature = 0.5;
    let h = DMatrix::from_row_slice(2, 2, &hessian);
    let quadratic = landscape::Quadratic::new(h.clone(), vec![0.0, 0.0])?;
    let eigen = SymmetricEigen::new(h.clone());
    let mut order: Vec<usize> = (0..2).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));
    let eigenvalues: Vec<f64> = order.iter().map(|&i| eigen.eigenvalues[i]).collect();
    let directions: Vec<Vec<f64>> = order
        .iter()
        .map(|&i| eigen.eigenvectors.column(i).iter().copied().collect())
        .collect();
    let limit = 2.0 / eigenvalues[1];
    let fractions = cfg.pick(
        vec![0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9],
        vec![0.05, 0.35, 0.65, 0.9],
    );
    let (chains, steps, burn_in) = cfg.pick((100, 20_000, 500), (16, 4_000, 500));
    let exact_at = |lr: f64| -> Result<Vec<f64>> {
        let s = NoisyGd::new(&h, lr)?.langevin_covariance(temperature)?;
        Ok(directions
            .iter()
            .map(|v| {
                let v = nalgebra::DVector::from_column_slice(v);
                (v.transpose() * &s * &v)[(0, 0)]
            })
            .collect())
    };
    let run_cfg = RunConfig {
        steps,
        burn_in,
        batch: None,
    };
    let starts = vec![vec![0.0, 0.0]; chains];
    let mut points = Vec::with_capacity(fractions.len());
    for (j, f) in fractions.iter().enumerate() {
        let lr = f * limit;
        let spec = format!("noisy-gd:lr={lr},temperature={temperature}");
        progress(&format!("  {spec}: {chains} chains x {steps} steps"));
        let runs = run_chains(
            &quadratic,
            &optim::parse(&spec)?,
            &starts,
            &run_cfg,
            cfg.seed(0).child(j as u64),
            |_| SquaredProjections::new(&directions, burn_in),
        )?;
        ensure_finished(&spec, &runs)?;
        let measured = (0..2)
            .map(|i| estimate(runs.iter().map(|c| c.observer.mean_square(i))))
            .collect();
        points.push(NoisyGdPoint {
            lr,
            measured,
            exact: exact_at(lr)?,
        });
    }
    let curve = linspace(0.005 * limit, 0.97 * limit, CURVE_POINTS)
        .into_iter()
        .map(|lr| Ok((lr, exact_at(lr)?)))
        .collect::<Result<_>>()?;
    Ok(NoisyGdCovarianceReport {
        config: *cfg,
        hessian,
        temperature,
        eigenvalues,
        chains,
        steps,
        burn_in,
        points,
        curve,
    })
}

/// Variance against `lr` (log y): Monte Carlo points with 95% intervals,
/// the exact curve (solid) and the Gibbs `T / lambda` line (dashed), one
/// colour per eigen-direction.
pub fn noisy_gd_covariance_figure(r: &NoisyGdCovarianceReport) -> Result<Figure> {
    let lrs: Vec<f64> = r.points.iter().map(|p| p.lr).collect();
    let lr_hi = r.curve.last().map_or(1.0, |c| c.0);
    let mut series = Vec::new();
    for (i, &lambda) in r.eigenvalues.iter().enumerate() {
        let measured: Vec<Estimate> = r.points.iter().map(|p| p.measured[i]).collect();
        series.push(mc_series(
            format!("noisy GD, lambda = {lambda:.3} (95% CI)"),
            i,
            &lrs,
            &measured,
        ));
        series.push(Series::plain(
            "exact T/(lambda (1 - lr lambda/2))".into(),
            Mark::Line,
            i,
            r.curve.iter().map(|(lr, v)| (*lr, v[i])).collect(),
        ));
        let gibbs = r.temperature / lambda;
        series.push(Series::plain(
            format!("Gibbs T/lambda = {gibbs:.3}"),
            Mark::Dashed,
            i,
            vec![(0.0, gibbs), (lr_hi, gibbs)],
        ));
    }
    Ok(Figure {
        title: format!(
            "Noisy GD stationary variance on H = [[3,1],[1,2]], T = {}",
            r.temperature
        ),
        x_label: "step lr".into(),
        y_label: "stationary variance along the eigenvector".into(),
        log_x: false,
        log_y: true,
        series,
    })
}

// ---------------------------------------------------------------------------
// 2. weight_perturbation

/// Expected loss under weight perturbation against `sigma` on the quartic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightPerturbationReport {
    /// The configuration.
    pub config: OptimClaimsConfig,
    /// The landscape spec.
    pub landscape: String,
    /// The point `x`.
    pub point: Vec<f64>,
    /// `L(x)`.
    pub loss: f64,
    /// `Tr H(x)`.
    pub hessian_trace: f64,
    /// Antithetic pairs per `sigma`.
    pub pairs: usize,
    /// The perturbation scales.
    pub sigmas: Vec<f64>,
    /// Monte Carlo `E L(x + sigma z)` per `sigma` (antithetic pairs).
    pub measured: Vec<Estimate>,
    /// The exact `L + (sigma^2/2) Tr H + (3 sigma^4/4) sum q` per `sigma`.
    pub exact: Vec<f64>,
    /// The second-order `L + (sigma^2/2) Tr H` per `sigma`.
    pub second_order: Vec<f64>,
    /// Dense `(sigma, exact, second order)` from 0 to the largest `sigma`.
    pub curve: Vec<(f64, f64, f64)>,
}

/// `E L(x + sigma z)` on `quartic:h=1,2,q=1,0.5` at `x = (0.7, -0.4)` by
/// [`expected_loss_at`], against `theory::SeparableQuartic`
/// (`proofs/weight_perturbation.md`, Section 2) and the second-order
/// expansion (Section 1), whose error `(3 sigma^4 / 4) sum q` is visible
/// for `sigma` near 1.
pub fn weight_perturbation_report(
    cfg: &OptimClaimsConfig,
    progress: &dyn Fn(&str),
) -> Result<WeightPerturbationReport> {
    let (h, q) = (vec![1.0, 2.0], vec![1.0, 0.5]);
    let spec = format!("quartic:h={},{},q={},{}", h[0], h[1], q[0], q[1]);
    let point = vec![0.7, -0.4];
    let quartic = landscape::Quartic::new(h.clone(), q.clone())?;
    let theory = SeparableQuartic::new(h, q)?;
    let sigmas = cfg.pick(linspace(0.1, 1.0, 10), vec![0.2, 0.5, 0.8, 1.0]);
    let pairs = cfg.pick(20_000, 2_000);
    progress(&format!(
        "  {spec}: {} sigmas x {pairs} antithetic pairs",
        sigmas.len()
    ));
    let mut measured = Vec::with_capacity(sigmas.len());
    for (j, &sigma) in sigmas.iter().enumerate() {
        let mut rng = cfg.seed(1).child(j as u64).rng();
        let m = expected_loss_at(
            &quartic,
            &point,
            &PerturbedLossConfig { sigma, pairs },
            &mut rng,
        )?;
        measured.push(m.result.expected);
    }
    let loss = theory.value(&point);
    let trace = theory.hessian_trace(&point);
    let second = |s: f64| loss + 0.5 * s * s * trace;
    let exact = sigmas
        .iter()
        .map(|&s| theory.expected_perturbed_loss(&point, s))
        .collect::<Result<Vec<_>>>()?;
    let top = sigmas.iter().copied().fold(0.0, f64::max);
    let curve = linspace(0.0, top, CURVE_POINTS)
        .into_iter()
        .map(|s| Ok((s, theory.expected_perturbed_loss(&point, s)?, second(s))))
        .collect::<Result<_>>()?;
    Ok(WeightPerturbationReport {
        config: *cfg,
        landscape: spec,
        loss,
        hessian_trace: trace,
        pairs,
        second_order: sigmas.iter().map(|&s| second(s)).collect(),
        point,
        sigmas,
        measured,
        exact,
        curve,
    })
}

/// `E L(x + sigma z)` against `sigma`: Monte Carlo points with 95%
/// intervals, the exact quartic value (solid), the second-order parabola
/// (dashed).
pub fn weight_perturbation_figure(r: &WeightPerturbationReport) -> Result<Figure> {
    Ok(Figure {
        title: format!(
            "Expected loss under weight perturbation, {} at x = ({}, {})",
            r.landscape, r.point[0], r.point[1]
        ),
        x_label: "perturbation scale sigma".into(),
        y_label: "E L(x + sigma z)".into(),
        log_x: false,
        log_y: false,
        series: vec![
            mc_series(
                format!("Monte Carlo, {} antithetic pairs (95% CI)", r.pairs),
                0,
                &r.sigmas,
                &r.measured,
            ),
            Series::plain(
                "exact L + sigma^2/2 Tr H + 3 sigma^4/4 sum q".into(),
                Mark::Line,
                1,
                r.curve.iter().map(|&(s, e, _)| (s, e)).collect(),
            ),
            Series::plain(
                "second order L + sigma^2/2 Tr H".into(),
                Mark::Dashed,
                2,
                r.curve.iter().map(|&(s, _, q)| (s, q)).collect(),
            ),
        ],
    })
}

// ---------------------------------------------------------------------------
// 3. input_noise_ridge

/// One input-noise level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputNoisePoint {
    /// The input-noise standard deviation `s`.
    pub sigma: f64,
    /// Stationary mean per coordinate: each chain's time average after
    /// burn-in, averaged over chains.
    pub measured: Vec<Estimate>,
    /// The ridge minimiser with `lambda = s^2`.
    pub ridge: Vec<f64>,
}

/// The input-noise SGD iterate against the ridge path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputNoiseRidgeReport {
    /// The configuration.
    pub config: OptimClaimsConfig,
    /// The model spec (data drawn from `Seed(seed).child(2)`).
    pub model: String,
    /// The step of `sgd`.
    pub lr: f64,
    /// Chains per noise level.
    pub chains: usize,
    /// Steps per chain.
    pub steps: u64,
    /// Steps discarded before averaging.
    pub burn_in: u64,
    /// The least-squares solution (the path at `s = 0`).
    pub ols: Vec<f64>,
    /// The sweep.
    pub points: Vec<InputNoisePoint>,
    /// Dense ridge path `(s, minimiser)` from 0 to the largest `s`.
    pub path: Vec<(f64, Vec<f64>)>,
}

/// `input-noise:sigma=s + sgd:lr=0.05` (every sample perturbed every
/// step) on `least-squares:n=64,p=3,noise=0.5`, stationary mean against
/// `theory::input_noise::ridge_minimizer` with `lambda = s^2`
/// (`proofs/input_noise_ridge.md`; Bishop 1995).
pub fn input_noise_ridge_report(
    cfg: &OptimClaimsConfig,
    progress: &dyn Fn(&str),
) -> Result<InputNoiseRidgeReport> {
    let spec = "least-squares:n=64,p=3,noise=0.5";
    let lr = 0.05;
    let model = models::parse(spec, cfg.seed(2))?;
    let data = model.data();
    let (n, p) = (data.n(), data.p());
    let ridge = |s: f64| input_noise::ridge_minimizer(data.inputs(), data.targets(), n, p, s);
    let sigmas = cfg.pick(linspace(0.2, 1.2, 6), vec![0.4, 1.2]);
    let (chains, steps, burn_in) = cfg.pick((32, 4_000, 500), (8, 2_000, 500));
    let run_cfg = RunConfig {
        steps,
        burn_in,
        batch: None,
    };
    let starts = vec![vec![0.0; p]; chains];
    let mut points = Vec::with_capacity(sigmas.len());
    for (j, &sigma) in sigmas.iter().enumerate() {
        let opt = format!("input-noise:sigma={sigma} + sgd:lr={lr}");
        progress(&format!("  {opt}: {chains} chains x {steps} steps"));
        let runs = run_chains(
            &model,
            &optim::parse(&opt)?,
            &starts,
            &run_cfg,
            cfg.seed(2).child(1).child(j as u64),
            |_| (),
        )?;
        ensure_finished(&opt, &runs)?;
        points.push(InputNoisePoint {
            sigma,
            measured: (0..p)
                .map(|i| estimate(runs.iter().map(|c| c.moments.mean()[i])))
                .collect(),
            ridge: ridge(sigma)?,
        });
    }
    let top = sigmas.iter().copied().fold(0.0, f64::max);
    let path = linspace(0.0, top, CURVE_POINTS)
        .into_iter()
        .map(|s| Ok((s, ridge(s)?)))
        .collect::<Result<_>>()?;
    Ok(InputNoiseRidgeReport {
        config: *cfg,
        model: spec.into(),
        lr,
        chains,
        steps,
        burn_in,
        ols: ridge(0.0)?,
        points,
        path,
    })
}

/// Each coordinate of the stationary mean against `s`: Monte Carlo points
/// with 95% intervals and the ridge path (solid), one colour per
/// coordinate.
pub fn input_noise_ridge_figure(r: &InputNoiseRidgeReport) -> Result<Figure> {
    let sigmas: Vec<f64> = r.points.iter().map(|p| p.sigma).collect();
    let mut series = Vec::new();
    for i in 0..r.ols.len() {
        let measured: Vec<Estimate> = r.points.iter().map(|p| p.measured[i]).collect();
        series.push(mc_series(
            format!("x[{i}], input noise + SGD (95% CI)"),
            i,
            &sigmas,
            &measured,
        ));
        series.push(Series::plain(
            format!("x[{i}], ridge minimiser, lambda = s^2"),
            Mark::Line,
            i,
            r.path.iter().map(|(s, x)| (*s, x[i])).collect(),
        ));
    }
    Ok(Figure {
        title: format!("Input noise is ridge: {} (lr = {})", r.model, r.lr),
        x_label: "input noise s".into(),
        y_label: "stationary mean of x".into(),
        log_x: false,
        log_y: false,
        series,
    })
}

// ---------------------------------------------------------------------------
// 4. saddle_escape

/// One dimension of the saddle sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaddlePoint {
    /// The dimension `d` of the landscape and of the perturbation ball.
    pub dim: usize,
    /// The horizon: steps run per chain.
    pub horizon: u64,
    /// Chains that had not escaped by the horizon (0 unless something is
    /// wrong: the horizon makes that probability below `1e-12` per chain).
    pub censored: usize,
    /// Mean escape iterations `N` over the escaped chains.
    pub measured: Estimate,
    /// The exact mean (M).
    pub exact: f64,
    /// The linear mean (L), Jin et al.'s `log(d) / (lr gamma)` scale.
    pub linear: f64,
}

/// PGD escape iterations from the strict saddle against the dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaddleEscapeReport {
    /// The configuration.
    pub config: OptimClaimsConfig,
    /// Negative curvature `-gamma` at the saddle.
    pub gamma: f64,
    /// The step.
    pub lr: f64,
    /// The escape radius `R` (escape: `|x_1| >= R`).
    pub escape_radius: f64,
    /// The perturbation-ball radius `r`.
    pub ball_radius: f64,
    /// Chains per dimension.
    pub chains: usize,
    /// The sweep.
    pub points: Vec<SaddlePoint>,
    /// `(d, exact, linear)` at every integer `d` of a log grid.
    pub curve: Vec<(usize, f64, f64)>,
}

/// The per-chain probability of not escaping within the horizon.
const CENSOR_PROBABILITY: f64 = 1e-12;

/// `pgd:lr=0.1,radius=0.001,g_thres=1e-9,t_thres=10^9` from the saddle of
/// `strict-saddle:gamma=1,h=1,...` (`d - 1` stable directions), escape at
/// `|x_1| >= 0.5`, against `theory::SaddleEscape`
/// (`proofs/saddle_escape.md`, (M) and (L)).
///
/// Counting: the jump happens inside step 0 (the gradient at the saddle is
/// 0), which lands on the uniform draw `x(0)`; after step `t` the iterate
/// has taken `t` GD steps from `x(0)`, so the first `t` with
/// `|x_1| >= R` is the `N` of the proof. The horizon is the exact count
/// from `|x_1(0)| = s_min`, with `P(|x_1(0)| < s_min) <= 1e-12` (the density
/// of `|x_1(0)|` is largest at 0).
pub fn saddle_escape_report(
    cfg: &OptimClaimsConfig,
    progress: &dyn Fn(&str),
) -> Result<SaddleEscapeReport> {
    let (gamma, lr, escape_radius, ball_radius) = (1.0, 0.1, 0.5, 1e-3);
    let dims = cfg.pick(vec![1, 2, 5, 10, 20, 50, 100], vec![1, 10, 100]);
    let chains = cfg.pick(2_000, 300);
    let spec = format!("pgd:lr={lr},radius={ball_radius},g_thres=1e-9,t_thres=1000000000");
    let pgd = optim::parse(&spec)?;
    let mut points = Vec::with_capacity(dims.len());
    for (j, &dim) in dims.iter().enumerate() {
        let theory = SaddleEscape::new(gamma, lr, escape_radius, ball_radius, dim)?;
        let s_min = CENSOR_PROBABILITY / theory.start_density(0.0);
        let horizon = theory.iterations(s_min)? + 1;
        progress(&format!(
            "  {spec}, d = {dim}: {chains} chains x {horizon} steps"
        ));
        let saddle = StrictSaddle::new(gamma, vec![1.0; dim - 1])?;
        let runs = run_chains(
            &saddle,
            &pgd,
            &vec![vec![0.0; dim]; chains],
            // The driver's moments (O(d^2) per step) are not used here:
            // only the last step is pushed.
            &RunConfig {
                steps: horizon,
                burn_in: horizon - 1,
                batch: None,
            },
            cfg.seed(3).child(j as u64),
            |_| FirstExit::new(0, escape_radius),
        )?;
        ensure_finished(&spec, &runs)?;
        let steps: Vec<f64> = runs
            .iter()
            .filter_map(|c| c.observer.step().map(|s| s as f64))
            .collect();
        if steps.len() < 2 {
            return Err(Error::Unsupported(format!(
                "saddle_escape: fewer than two of {chains} chains escaped at d = {dim}"
            )));
        }
        points.push(SaddlePoint {
            dim,
            horizon,
            censored: chains - steps.len(),
            measured: estimate(steps),
            exact: theory.mean_iterations(),
            linear: theory.linear_mean_iterations(),
        });
    }
    let top = dims.iter().copied().max().unwrap_or(1) as f64;
    let mut grid: Vec<usize> = linspace(0.0, top.ln(), CURVE_POINTS)
        .into_iter()
        .map(|l| l.exp().round() as usize)
        .collect();
    grid.dedup();
    let curve = grid
        .into_iter()
        .map(|d| {
            let t = SaddleEscape::new(gamma, lr, escape_radius, ball_radius, d)?;
            Ok((d, t.mean_iterations(), t.linear_mean_iterations()))
        })
        .collect::<Result<_>>()?;
    Ok(SaddleEscapeReport {
        config: *cfg,
        gamma,
        lr,
        escape_radius,
        ball_radius,
        chains,
        points,
        curve,
    })
}

/// Mean escape iterations against `d` (log x): Monte Carlo points with 95%
/// intervals, the exact mean (M) (solid), the linear mean (L) (dashed).
pub fn saddle_escape_figure(r: &SaddleEscapeReport) -> Result<Figure> {
    let dims: Vec<f64> = r.points.iter().map(|p| p.dim as f64).collect();
    let measured: Vec<Estimate> = r.points.iter().map(|p| p.measured).collect();
    Ok(Figure {
        title: format!(
            "PGD escape from a strict saddle: gamma = {}, lr = {}, r = {}, R = {}",
            r.gamma, r.lr, r.ball_radius, r.escape_radius
        ),
        x_label: "dimension d".into(),
        y_label: "mean GD steps from the perturbation to |x_1| >= R".into(),
        log_x: true,
        log_y: false,
        series: vec![
            mc_series(
                format!("PGD, {} chains (95% CI)", r.chains),
                0,
                &dims,
                &measured,
            ),
            Series::plain(
                "exact mean (M)".into(),
                Mark::Line,
                1,
                r.curve.iter().map(|&(d, m, _)| (d as f64, m)).collect(),
            ),
            Series::plain(
                "E ln(R/|x_1|) / ln(1 + lr gamma) (L), ~ ln(2d)/(2 lr gamma)".into(),
                Mark::Dashed,
                2,
                r.curve.iter().map(|&(d, _, l)| (d as f64, l)).collect(),
            ),
        ],
    })
}

// ---------------------------------------------------------------------------
// 5. anti_pgd

/// One method's trajectory statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValleyCurve {
    /// The optimizer spec.
    pub spec: String,
    /// Mean `Tr H = d v^2 + |u|^2` at each recording time.
    pub trace: Vec<Estimate>,
    /// Mean `|u|^2` at each recording time.
    pub u_sq: Vec<Estimate>,
}

/// `Tr H` along Anti-PGD and PGD runs on the widening valley.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AntiPgdReport {
    /// The configuration.
    pub config: OptimClaimsConfig,
    /// The landscape spec.
    pub landscape: String,
    /// `Tr H` at the start (on the floor `v = 0`, so `= |u|^2`).
    pub start_trace: f64,
    /// Chains per method.
    pub chains: usize,
    /// Recording times (iterations, 1-based), the first being 1.
    pub times: Vec<u64>,
    /// Anti-PGD, then uncorrelated noise.
    pub methods: Vec<ValleyCurve>,
    /// PGD's exact expected `Tr H` after one step,
    /// `start + E d|u|^2 + d E dv^2` by
    /// `theory::WideningValley::pgd_drift`.
    pub pgd_first_step: f64,
}

/// Records `Tr H` and `|u|^2` at the recording times.
struct ValleyRecorder<'a> {
    valley: &'a WideningValley,
    times: &'a [u64],
    next: usize,
    trace: Vec<f64>,
    u_sq: Vec<f64>,
}

impl ChainObserver for ValleyRecorder<'_> {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if self.times.get(self.next) == Some(&(t + 1)) {
            let d = self.valley.valley_dim();
            self.trace.push(self.valley.hessian_trace(x));
            self.u_sq.push(x[..d].iter().map(|a| a * a).sum());
            self.next += 1;
        }
        Ok(())
    }
}

/// `anti-pgd:lr=0.1,sigma=0.05` and `gd:lr=0.1 + noise:sigma=0.05` on
/// `widening-valley:d=10` from the floor point `u = (1/sqrt 10) 1`, `v = 0`
/// (`Tr H = 1`). Orvieto et al. (2022) and `proofs/anti_pgd.md`: Anti-PGD
/// descends the smoothed loss `L + (sigma^2/2) Tr H` and flattens, while
/// uncorrelated noise drifts `|u|^2` outwards by `d sigma^2` per step on
/// the floor (Section 3), towards sharper regions.
pub fn anti_pgd_report(cfg: &OptimClaimsConfig, progress: &dyn Fn(&str)) -> Result<AntiPgdReport> {
    let spec = "widening-valley:d=10";
    let (d, lr, sigma) = (10, 0.1, 0.05);
    let valley = WideningValley::new(d)?;
    let mut start = vec![(d as f64).sqrt().recip(); d];
    start.push(0.0);
    let start_trace = valley.hessian_trace(&start);
    let (chains, steps) = cfg.pick((1_000, 2_000), (150, 1_000));
    let mut times: Vec<u64> = linspace(0.0, (steps as f64).ln(), 25)
        .into_iter()
        .map(|l| l.exp().round() as u64)
        .collect();
    times.dedup();
    let specs = [
        format!("anti-pgd:lr={lr},sigma={sigma}"),
        format!("gd:lr={lr} + noise:sigma={sigma}"),
    ];
    let run_cfg = RunConfig {
        steps,
        burn_in: 0,
        batch: None,
    };
    let starts = vec![start.clone(); chains];
    let mut methods = Vec::with_capacity(specs.len());
    for (k, spec) in specs.iter().enumerate() {
        progress(&format!("  {spec}: {chains} chains x {steps} steps"));
        let runs = run_chains(
            &valley,
            &optim::parse(spec)?,
            &starts,
            &run_cfg,
            cfg.seed(4).child(k as u64),
            |_| ValleyRecorder {
                valley: &valley,
                times: &times,
                next: 0,
                trace: Vec::with_capacity(times.len()),
                u_sq: Vec::with_capacity(times.len()),
            },
        )?;
        ensure_finished(spec, &runs)?;
        let at = |i: usize, f: fn(&ValleyRecorder<'_>, usize) -> f64| {
            estimate(runs.iter().map(|c| f(&c.observer, i)))
        };
        methods.push(ValleyCurve {
            spec: spec.clone(),
            trace: (0..times.len()).map(|i| at(i, |r, i| r.trace[i])).collect(),
            u_sq: (0..times.len()).map(|i| at(i, |r, i| r.u_sq[i])).collect(),
        });
    }
    let u_sq0: f64 = start[..d].iter().map(|a| a * a).sum();
    let drift = crate::theory::WideningValley::new(d, lr, sigma)?.pgd_drift(u_sq0, start[d]);
    Ok(AntiPgdReport {
        config: *cfg,
        landscape: spec.into(),
        start_trace,
        chains,
        pgd_first_step: start_trace + drift.u_sq + d as f64 * drift.v_sq,
        times,
        methods,
    })
}

/// Mean `Tr H` (points with 95% intervals) and mean `|u|^2` (line) against
/// the iteration (log x) for both methods, with the starting `Tr H`
/// (dashed) and PGD's exact one-step expectation (a cross at `t = 1`).
pub fn anti_pgd_figure(r: &AntiPgdReport) -> Result<Figure> {
    let times: Vec<f64> = r.times.iter().map(|&t| t as f64).collect();
    let t_hi = times.last().copied().unwrap_or(1.0);
    let mut series = Vec::new();
    for (k, m) in r.methods.iter().enumerate() {
        series.push(mc_series(
            format!("{}: E Tr H (95% CI)", m.spec),
            k,
            &times,
            &m.trace,
        ));
        series.push(Series::plain(
            format!("{}: E|u|^2", m.spec),
            Mark::Line,
            k,
            times
                .iter()
                .zip(&m.u_sq)
                .map(|(&t, e)| (t, e.mean))
                .collect(),
        ));
    }
    series.push(Series::plain(
        format!("start Tr H = {:.3}", r.start_trace),
        Mark::Dashed,
        2,
        vec![(1.0, r.start_trace), (t_hi, r.start_trace)],
    ));
    series.push(Series::plain(
        "PGD exact E Tr H after one step".into(),
        Mark::Points,
        3,
        vec![(1.0, r.pgd_first_step)],
    ));
    Ok(Figure {
        title: format!(
            "Anti-PGD flattens, uncorrelated noise sharpens: {}",
            r.landscape
        ),
        x_label: "iteration t".into(),
        y_label: "Tr H = d v^2 + |u|^2".into(),
        log_x: true,
        log_y: false,
        series,
    })
}

// ---------------------------------------------------------------------------

/// Runs all five and returns `(name, figure, report as JSON)` in the order
/// of the module table, for `perturbo figures`.
pub fn run_all(
    cfg: &OptimClaimsConfig,
    progress: &dyn Fn(&str),
) -> Result<Vec<(&'static str, Figure, serde_json::Value)>> {
    fn entry<R: Serialize>(
        name: &'static str,
        report: &R,
        figure: Figure,
    ) -> Result<(&'static str, Figure, serde_json::Value)> {
        let json = serde_json::to_value(report)
            .map_err(|e| Error::Unsupported(format!("cannot serialise {name}: {e}")))?;
        Ok((name, figure, json))
    }
    let mut out = Vec::with_capacity(5);
    progress("noisy_gd_covariance: stationary variance of noisy GD against lr");
    let r = noisy_gd_covariance_report(cfg, progress)?;
    out.push(entry(
        "noisy_gd_covariance",
        &r,
        noisy_gd_covariance_figure(&r)?,
    )?);
    progress("weight_perturbation: expected loss under weight noise on the quartic");
    let r = weight_perturbation_report(cfg, progress)?;
    out.push(entry(
        "weight_perturbation",
        &r,
        weight_perturbation_figure(&r)?,
    )?);
    progress("input_noise_ridge: input-noise SGD against the ridge path");
    let r = input_noise_ridge_report(cfg, progress)?;
    out.push(entry(
        "input_noise_ridge",
        &r,
        input_noise_ridge_figure(&r)?,
    )?);
    progress("saddle_escape: PGD escape iterations against the dimension");
    let r = saddle_escape_report(cfg, progress)?;
    out.push(entry("saddle_escape", &r, saddle_escape_figure(&r)?)?);
    progress("anti_pgd: Tr H along Anti-PGD and PGD on the widening valley");
    let r = anti_pgd_report(cfg, progress)?;
    out.push(entry("anti_pgd", &r, anti_pgd_figure(&r)?)?);
    Ok(out)
}
