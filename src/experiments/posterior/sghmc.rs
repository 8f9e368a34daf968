//! `sghmc_friction`: position variance of SGHMC against the iterations,
//! with and without the gradient-noise correction `beta_hat`, and naive
//! SGHMC (no friction), against the target (Chen, Fox and Guestrin 2014;
//! `proofs/sghmc_friction.md`).
//!
//! Target `N(0, 1)`; every gradient carries additive Gaussian noise of
//! variance `b` (a noise piece placed before the sampler). With friction
//! `alpha` and step `lr`, the correction `beta_hat = lr b / 2`
//! ([`SghmcGaussian::exact_beta_hat`]) makes the total velocity noise that
//! of exact-gradient SGHMC; without it (`beta_hat = 0`) the chain runs hot.
//! Naive SGHMC (no friction, no injected noise) has no stationary law: its
//! variance grows ([`SghmcGaussian::naive_covariance_after`], exact only).

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::super::chain_stats::ensure_finished;
use super::ula::mc_series;
use crate::error::Result;
use crate::measure::flatness::estimate::{Estimate, Running};
use crate::models::GaussianTarget;
use crate::optim::gaussian_noise::GaussianNoise;
use crate::optim::{self, run_chains, AnyTransform, ChainObserver, Optimizer, Oracle, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::{Rng, Seed};
use crate::theory::sghmc::SghmcGaussian;

/// Step, friction and gradient-noise variance of the figure.
const LR: f64 = 0.05;
/// Friction `alpha`.
const FRICTION: f64 = 0.2;
/// Gradient-noise variance `b`.
const NOISE: f64 = 4.0;

/// One SGHMC variant: exact and measured `E x_k^2` at the recorded steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SghmcCurve {
    /// `beta_hat` used.
    pub beta_hat: f64,
    /// Exact `E x_k^2` from `x_0 = 0, v_0 = 0`.
    pub exact: Vec<f64>,
    /// Exact stationary position variance.
    pub stationary: f64,
    /// Mean of `x_k^2` over chains with its SE.
    pub measured: Vec<Estimate>,
}

/// The data of `sghmc_friction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SghmcFrictionReport {
    /// Master seed (variant `j` draws from `Seed(seed).child(j)`).
    pub seed: u64,
    /// `(lr, friction, b)`.
    pub parameters: (f64, f64, f64),
    /// Recorded iterations.
    pub times: Vec<u64>,
    /// Corrected (`beta_hat = lr b / 2`) and uncorrected (`beta_hat = 0`).
    pub curves: Vec<SghmcCurve>,
    /// Exact `E x_k^2` of naive SGHMC at `times`.
    pub naive: Vec<f64>,
    /// Chains per variant.
    pub chains: usize,
}

/// Records `x^2` at the given iterations.
struct Squares<'a> {
    times: &'a [u64],
    next: usize,
    values: Vec<f64>,
}

impl ChainObserver for Squares<'_> {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if self.times.get(self.next) == Some(&(t + 1)) {
            self.values.push(x[0] * x[0]);
            self.next += 1;
        }
        Ok(())
    }
}

/// Runs both variants from `x_0 = 0` (velocity 0).
pub fn sghmc_friction_report(seed: u64, quick: bool) -> Result<SghmcFrictionReport> {
    let (chains, last) = if quick { (400, 2_000) } else { (2_000, 4_000) };
    let times: Vec<u64> = (0..=20)
        .map(|i| (10f64 * (last as f64 / 10.0).powf(i as f64 / 20.0)).round() as u64)
        .collect();
    let target = GaussianTarget::equicorrelated(1, 0.0, 1.0, 0.0)?;
    let one = DMatrix::from_element(1, 1, 1.0);
    let theory = SghmcGaussian::new(&one, LR, FRICTION, &(&one * NOISE), 1.0)?;
    let corrected = theory.exact_beta_hat()?;
    let mut curves = Vec::new();
    for (j, beta_hat) in [corrected, 0.0].into_iter().enumerate() {
        let seed = Seed(seed).child(j as u64);
        let spec = format!("sghmc:lr={LR},friction={FRICTION},beta_hat={beta_hat}");
        let sampler = optim::parse(&spec)?;
        let mut chain = vec![AnyTransform::GaussianNoise(GaussianNoise::new(
            NOISE.sqrt(),
        )?)];
        chain.extend(sampler.chain().iter().cloned());
        let optimizer = Optimizer::new(sampler.inputs().clone(), sampler.probe().clone(), chain)?;
        let run = RunConfig {
            steps: last,
            burn_in: 0,
            batch: None,
        };
        let starts = vec![vec![0.0]; chains];
        let result = run_chains(&target, &optimizer, &starts, &run, seed, |_| Squares {
            times: &times,
            next: 0,
            values: Vec::with_capacity(times.len()),
        })?;
        ensure_finished(&spec, &result)?;
        let measured = (0..times.len())
            .map(|i| {
                let mut r = Running::default();
                result.iter().for_each(|c| r.push(c.observer.values[i]));
                r.estimate()
            })
            .collect();
        // Exact moments of (x, v): P_k = A P_{k-1} A^T + Q, P_0 = 0.
        let (a, q) = (theory.transition(), theory.noise_covariance(beta_hat)?);
        let mut p = DMatrix::zeros(2, 2);
        let mut exact = Vec::with_capacity(times.len());
        for k in 1..=last {
            p = &a * &p * a.transpose() + &q;
            if times.contains(&k) {
                exact.push(p[(0, 0)]);
            }
        }
        curves.push(SghmcCurve {
            beta_hat,
            exact,
            stationary: theory.position_covariance(beta_hat)?[(0, 0)],
            measured,
        });
    }
    let naive = times
        .iter()
        .map(|&k| theory.naive_covariance_after(k)[(0, 0)])
        .collect();
    Ok(SghmcFrictionReport {
        seed,
        parameters: (LR, FRICTION, NOISE),
        times,
        curves,
        naive,
        chains,
    })
}

/// `sghmc_friction`: `E x_k^2` against `k`, log-log: each variant's exact
/// transient (line) with Monte Carlo 95% intervals, naive SGHMC (dashed,
/// growing) and the target variance 1 (dashed).
pub fn sghmc_friction_figure(r: &SghmcFrictionReport) -> Result<Figure> {
    let ks: Vec<f64> = r.times.iter().map(|&k| k as f64).collect();
    let mut series = Vec::new();
    for (i, c) in r.curves.iter().enumerate() {
        let name = if c.beta_hat > 0.0 {
            format!("corrected, beta_hat = {}", c.beta_hat)
        } else {
            "uncorrected, beta_hat = 0".into()
        };
        series.push(Series::plain(
            format!("{name}: exact (stationary {:.3})", c.stationary),
            Mark::Line,
            i,
            ks.iter().copied().zip(c.exact.iter().copied()).collect(),
        ));
        let pts: Vec<(f64, Estimate)> =
            ks.iter().copied().zip(c.measured.iter().copied()).collect();
        series.push(mc_series(format!("{name}: SGHMC, 95% CI"), i, &pts));
    }
    series.push(Series::plain(
        "naive SGHMC (no friction): exact".into(),
        Mark::Dashed,
        2,
        ks.iter().copied().zip(r.naive.iter().copied()).collect(),
    ));
    series.push(Series::plain(
        "target variance".into(),
        Mark::Dashed,
        3,
        vec![(ks[0], 1.0), (ks[ks.len() - 1], 1.0)],
    ));
    let (lr, a, b) = r.parameters;
    Ok(Figure {
        title: format!("SGHMC on N(0, 1), gradient noise b = {b}, lr = {lr}, friction = {a}"),
        x_label: "iteration k".into(),
        y_label: "E x_k^2".into(),
        log_x: true,
        log_y: true,
        series,
    })
}
