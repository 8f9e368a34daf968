//! The minibatch figures: `mandt_sgd` (constant-step SGD as a posterior
//! sampler, Mandt, Hoffman and Blei 2017; `proofs/sgd_posterior_mandt.md`)
//! and `sgld_tradeoff` (bias against variance of SGLD's ergodic average,
//! Teh, Thiery and Vollmer 2016; `proofs/sgld_step_tradeoff.md`).

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::super::chain_stats::ensure_finished;
use super::stats::{pooled, Interval};
use super::ula::mc_series;
use crate::error::{Error, Result};
use crate::measure::flatness::estimate::{Estimate, Running};
use crate::measure::posterior::Gaussian;
use crate::models::{parse_posterior, AnyPosterior, GaussianTarget};
use crate::optim::gaussian_noise::GaussianNoise;
use crate::optim::{self, run_chains, AnyTransform, ChainObserver, Optimizer, Oracle, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::{Rng, Seed};
use crate::theory::bayes_linear_sgd::BayesLinearSgd;
use crate::theory::mandt::MandtSgd;
use crate::theory::sgld_bias::{SgldTradeoff, TEH_OPTIMAL_DECAY};

/// The Bayesian linear regression of `mandt_sgd`.
const MANDT_TARGET: &str = "bayes-linear:n=64,p=3,noise=1,alpha=1";

/// Minibatch size of `mandt_sgd`.
const MANDT_BATCH: usize = 8;

/// One step of the Monte Carlo SGD sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MandtPoint {
    /// The step.
    pub lr: f64,
    /// KL of the pooled chains' Gaussian to the posterior (bootstrap over
    /// chains).
    pub kl: Interval,
}

/// The data of `mandt_sgd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MandtReport {
    /// Master seed (point `j` draws from `Seed(seed).child(j)`).
    pub seed: u64,
    /// The target spec.
    pub target: String,
    /// Minibatch size.
    pub batch: usize,
    /// Mandt et al.'s optimal step mapped to `U = N L`, `2 d b / Tr C_u`.
    pub lr_star: f64,
    /// `(lr, KL of the OU law, KL of the exact discrete law)`, dense.
    pub curve: Vec<(f64, f64, f64)>,
    /// Chains per point and steps per chain.
    pub chains: usize,
    /// Steps per chain (the first tenth discarded).
    pub steps: u64,
    /// The Monte Carlo points.
    pub points: Vec<MandtPoint>,
}

/// Runs `sgd:lr` with batch 8 on the linear regression posterior at steps
/// from `lr*/4` to `4 lr*`, from exact posterior draws.
pub fn mandt_report(seed: u64, quick: bool) -> Result<MandtReport> {
    let target = parse_posterior(MANDT_TARGET, Seed(seed))?;
    let AnyPosterior::Linear(model) = &target else {
        return Err(Error::Unsupported("mandt_sgd needs bayes-linear".into()));
    };
    let posterior = model.posterior()?;
    let exact = BayesLinearSgd::from_data(
        model.data(),
        model.prior_precision(),
        model.noise_precision(),
    )?;
    let mandt = MandtSgd::new(exact, MANDT_BATCH)?;
    let lr_star = mandt.optimal_lr();
    let curve = (0..=40)
        .map(|i| lr_star * 2f64.powf(-2.0 + 4.0 * i as f64 / 40.0))
        .filter_map(|lr| {
            let ou = mandt.ou_kl(lr).ok()?;
            let discrete = mandt
                .exact_covariance(lr)
                .and_then(|p| mandt.kl_to_posterior(&p))
                .ok()?;
            Some((lr, ou, discrete))
        })
        .collect();
    let (chains, steps) = if quick { (8, 5_000) } else { (16, 20_000) };
    let mut points = Vec::new();
    for (j, f) in [0.25, 0.5, 1.0, 2.0, 4.0].into_iter().enumerate() {
        let lr = f * lr_star;
        let spec = format!("sgd:lr={lr}");
        let seed = Seed(seed).child(j as u64);
        let mut rng = seed.child(1).rng();
        let starts: Vec<Vec<f64>> = (0..chains)
            .map(|_| {
                let mut x = vec![0.0; posterior.dim()];
                posterior.sample(&mut rng, &mut x);
                x
            })
            .collect();
        let run = RunConfig {
            steps,
            burn_in: steps / 10,
            batch: Some(MANDT_BATCH),
        };
        let result = run_chains(&target, &optim::parse(&spec)?, &starts, &run, seed, |_| ())?;
        ensure_finished(&spec, &result)?;
        let moments: Vec<_> = result.iter().map(|c| &c.moments).collect();
        let stats = pooled(&moments, &posterior, 200, &mut seed.child(2).rng())?;
        points.push(MandtPoint { lr, kl: stats.kl });
    }
    Ok(MandtReport {
        seed,
        target: MANDT_TARGET.into(),
        batch: MANDT_BATCH,
        lr_star,
        curve,
        chains,
        steps,
        points,
    })
}

/// `mandt_sgd`: KL to the posterior against `lr`, log-log: the OU law
/// (dashed), the exact discrete law (line), simulated SGD (bootstrap 95%
/// intervals) and `lr*` (vertical).
pub fn mandt_figure(r: &MandtReport) -> Result<Figure> {
    let ou: Vec<(f64, f64)> = r.curve.iter().map(|c| (c.0, c.1)).collect();
    let exact: Vec<(f64, f64)> = r.curve.iter().map(|c| (c.0, c.2)).collect();
    let all = r.curve.iter().flat_map(|c| [c.1, c.2]);
    let (lo, hi) = all.fold((f64::INFINITY, 0.0_f64), |(l, h), v| (l.min(v), h.max(v)));
    Ok(Figure {
        title: format!(
            "Constant-step SGD (b = {}) as a sampler of {}",
            r.batch, r.target
        ),
        x_label: "lr".into(),
        y_label: "KL(stationary Gaussian || posterior)".into(),
        log_x: true,
        log_y: true,
        series: vec![
            Series::plain(
                "OU approximation (Mandt et al.)".into(),
                Mark::Dashed,
                0,
                ou,
            ),
            Series::plain("exact discrete law".into(), Mark::Line, 1, exact),
            Series::with_bars(
                "SGD, bootstrap 95% CI".into(),
                2,
                r.points.iter().map(|p| {
                    let kl = &p.kl;
                    let bar = (kl.low.min(kl.estimate), kl.high.max(kl.estimate));
                    (p.lr, kl.estimate, bar)
                }),
            ),
            Series::plain(
                format!("lr* = 2 d b / Tr C_u = {:.3e}", r.lr_star),
                Mark::Dashed,
                3,
                vec![(r.lr_star, lo), (r.lr_star, hi)],
            ),
        ],
    })
}

/// Target variance of `sgld_tradeoff` (`N(0, 1)`).
const SIGMA2: f64 = 1.0;

/// Per-step gradient-noise variance `c` of `sgld_tradeoff`.
const GRADIENT_NOISE: f64 = 1.0;

/// The data of `sgld_tradeoff`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgldTradeoffReport {
    /// Master seed (step `j` draws from `Seed(seed).child(j)`).
    pub seed: u64,
    /// Recording iterations `m`.
    pub times: Vec<u64>,
    /// Per constant step `h`: exact MSE at `times` (stationary start,
    /// [`SgldTradeoff::mse`]) and the Monte Carlo MSE.
    pub constant: Vec<(f64, Vec<f64>, Vec<Estimate>)>,
    /// `h0` of the decreasing steps `delta_k = h0 k^{-1/3}`.
    pub h0: f64,
    /// Exact MSE of the weighted average with decreasing steps at `times`.
    pub decreasing: Vec<f64>,
    /// Chains per constant step.
    pub chains: usize,
}

/// The exact MSE of Teh et al.'s weighted average
/// `pi_m = sum_{k=1}^m delta_k x_k^2 / sum_{k=1}^m delta_k` of SGLD with
/// steps `delta_k = h0 k^{-a}` on `N(0, sigma^2)` with gradient noise of
/// variance `c`, started from `x_0 ~ N(0, sigma^2)`, at each of `times`
/// (increasing).
///
/// The chain is `x_k = rho_k x_{k-1} + eta_k`, `rho_k = 1 - delta_k / sigma^2`,
/// `Var eta_k = 2 delta_k + delta_k^2 c`, so `x_k ~ N(0, V_k)`,
/// `V_k = rho_k^2 V_{k-1} + Var eta_k`, and for `j < k`
/// `Cov(x_j, x_k) = V_j prod_{i=j+1}^k rho_i`. For Gaussian pairs
/// `Cov(x_j^2, x_k^2) = 2 Cov(x_j, x_k)^2`, hence
/// `Var(sum_k w_k x_k^2) = sum_k 2 w_k^2 V_k^2 + 4 sum_k w_k S_k`,
/// `S_k = sum_{j<k} w_j V_j^2 prod_{i=j+1}^k rho_i^2`, computed by
/// `S_{k+1} = rho_{k+1}^2 (S_k + w_k V_k^2)`: `O(m)` in all. The MSE is
/// `Var + (E pi_m - sigma^2)^2`, `E pi_m = sum_k w_k V_k / sum_k w_k`.
fn decreasing_mse(h0: f64, decay: f64, times: &[u64]) -> Vec<f64> {
    let (mut v, mut s, mut wsum, mut mean, mut var) = (SIGMA2, 0.0, 0.0, 0.0, 0.0);
    let mut out = Vec::with_capacity(times.len());
    let mut next = times.iter().peekable();
    let last = times.last().copied().unwrap_or(0);
    for k in 1..=last {
        let delta = h0 * (k as f64).powf(-decay);
        let rho = 1.0 - delta / SIGMA2;
        s *= rho * rho;
        v = rho * rho * v + 2.0 * delta + delta * delta * GRADIENT_NOISE;
        // Now `s` is S_k and `v` is V_k.
        mean += delta * v;
        var += 2.0 * delta * delta * v * v + 4.0 * delta * s;
        s += delta * v * v;
        wsum += delta;
        if next.peek() == Some(&&k) {
            next.next();
            let bias = mean / wsum - SIGMA2;
            out.push(var / (wsum * wsum) + bias * bias);
        }
    }
    out
}

/// Running time average of `x^2` recorded at the given iterations.
struct Average<'a> {
    times: &'a [u64],
    sum: f64,
    next: usize,
    errors: Vec<f64>,
}

impl ChainObserver for Average<'_> {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        self.sum += x[0] * x[0];
        if self.times.get(self.next) == Some(&(t + 1)) {
            let e = self.sum / (t + 1) as f64 - SIGMA2;
            self.errors.push(e * e);
            self.next += 1;
        }
        Ok(())
    }
}

/// Constant-step SGLD (`sgld:lr=h` after Gaussian gradient noise of
/// variance `c = 1`) on `N(0, 1)` from its stationary law `N(0, s(h))`,
/// against the exact MSE; and the exact MSE of decreasing steps
/// `h0 k^{-1/3}` (Teh et al.'s optimal decay).
pub fn sgld_tradeoff_report(seed: u64, quick: bool) -> Result<SgldTradeoffReport> {
    let (chains, last) = if quick { (100, 4_000) } else { (400, 20_000) };
    let times: Vec<u64> = (0..=16)
        .map(|i| (10f64 * (last as f64 / 10.0).powf(i as f64 / 16.0)).round() as u64)
        .collect();
    let target = GaussianTarget::equicorrelated(1, 0.0, SIGMA2.sqrt(), 0.0)?;
    let theory = SgldTradeoff::new(SIGMA2, GRADIENT_NOISE)?;
    let mut constant = Vec::new();
    for (j, h) in [0.02, 0.1, 0.5].into_iter().enumerate() {
        let seed = Seed(seed).child(j as u64);
        let sgld = optim::parse(&format!("sgld:lr={h}"))?;
        let mut chain = vec![AnyTransform::GaussianNoise(GaussianNoise::new(
            GRADIENT_NOISE.sqrt(),
        )?)];
        chain.extend(sgld.chain().iter().cloned());
        let optimizer = Optimizer::new(sgld.inputs().clone(), sgld.probe().clone(), chain)?;
        let stationary = Gaussian::new(
            nalgebra::DVector::zeros(1),
            DMatrix::from_element(1, 1, theory.stationary_variance(h)?),
        )?;
        let mut rng = seed.child(1).rng();
        let starts: Vec<Vec<f64>> = (0..chains)
            .map(|_| {
                let mut x = vec![0.0];
                stationary.sample(&mut rng, &mut x);
                x
            })
            .collect();
        let run = RunConfig {
            steps: last,
            burn_in: 0,
            batch: None,
        };
        let result = run_chains(&target, &optimizer, &starts, &run, seed, |_| Average {
            times: &times,
            sum: 0.0,
            next: 0,
            errors: Vec::with_capacity(times.len()),
        })?;
        ensure_finished("sgld", &result)?;
        let measured = (0..times.len())
            .map(|i| {
                let mut r = Running::default();
                result.iter().for_each(|c| r.push(c.observer.errors[i]));
                r.estimate()
            })
            .collect();
        let exact = times
            .iter()
            .map(|&m| theory.mse(h, m))
            .collect::<Result<Vec<_>>>()?;
        constant.push((h, exact, measured));
    }
    let h0 = 0.5;
    Ok(SgldTradeoffReport {
        seed,
        decreasing: decreasing_mse(h0, TEH_OPTIMAL_DECAY, &times),
        times,
        constant,
        h0,
        chains,
    })
}

/// `sgld_tradeoff`: MSE of the ergodic average of `x^2` against the
/// iterations `m`, log-log: constant steps (exact lines, Monte Carlo 95%
/// intervals; each levels off at its bias squared), decreasing steps
/// `h0 m^{-1/3}` (exact), and the `m^{-2/3}` reference line through the
/// decreasing curve's last point.
pub fn sgld_tradeoff_figure(r: &SgldTradeoffReport) -> Result<Figure> {
    let ms: Vec<f64> = r.times.iter().map(|&m| m as f64).collect();
    let mut series = Vec::new();
    for (i, (h, exact, measured)) in r.constant.iter().enumerate() {
        series.push(Series::plain(
            format!("constant h = {h}: exact"),
            Mark::Line,
            i,
            ms.iter().copied().zip(exact.iter().copied()).collect(),
        ));
        let pts: Vec<(f64, Estimate)> = ms.iter().copied().zip(measured.iter().copied()).collect();
        series.push(mc_series(
            format!("constant h = {h}: SGLD, 95% CI"),
            i,
            &pts,
        ));
    }
    let k = r.constant.len();
    series.push(Series::plain(
        format!("decreasing h0 m^-1/3, h0 = {}: exact", r.h0),
        Mark::Line,
        k,
        ms.iter()
            .copied()
            .zip(r.decreasing.iter().copied())
            .collect(),
    ));
    let (m_last, e_last) = (ms[ms.len() - 1], r.decreasing[r.decreasing.len() - 1]);
    series.push(Series::plain(
        "m^-2/3".into(),
        Mark::Dashed,
        k + 1,
        ms.iter()
            .map(|&m| (m, e_last * (m / m_last).powf(-2.0 / 3.0)))
            .collect(),
    ));
    Ok(Figure {
        title: "SGLD on N(0, 1) with gradient noise c = 1: MSE of the average of x^2".into(),
        x_label: "iterations m".into(),
        y_label: "MSE".into(),
        log_x: true,
        log_y: true,
        series,
    })
}
