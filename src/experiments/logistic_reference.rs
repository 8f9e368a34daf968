//! A reference posterior for Bayesian logistic regression by a long MALA
//! run, checked against the Laplace approximation, and SGLD's error to it.
//!
//! **Reference.** `chains` MALA chains in the fixed metric `M = H^{-1}`,
//! the Laplace covariance at the mode (preconditioned MALA, Roberts and
//! Stramer 2002; Girolami and Calderhead 2011 with a constant metric; see
//! [`crate::optim::mala`], exact for `exp(-U)` at any step and any fixed
//! `M`), from over-dispersed starts `theta_MAP + 2 L z` (`L` the Laplace
//! covariance's Cholesky factor, `z ~ N(0, I)`), with step `lr =
//! step_scale` in the metric's units. Why the metric: isotropic MALA must
//! take `lr ~ 0.5 / lambda_max(H)` for its proposals to be accepted, and
//! then a direction of curvature `lambda_min` relaxes in `lambda_max /
//! lambda_min` steps; on MNIST the blank pixels carry only the prior
//! (curvature `alpha`) and that is thousands of steps (isotropic R-hat
//! 2.85 after 40,000). In the metric `H^{-1}` the posterior is near
//! `N(0, I)` in every direction and `lr` of order 0.5 mixes all of them
//! alike. After the burn-in every
//! `thin`-th iterate is kept; the report gives the pooled mean and
//! covariance, the classic split R-hat and the rank-normalised R-hat of
//! every coordinate (Vehtari et al. 2021; a reference is usable when both
//! are below 1.01), the bulk and tail ESS, and the Monte Carlo standard
//! error of each mean `sd_j / sqrt(ESS_bulk_j)`.
//!
//! **Laplace gap** (close but not equal). For a potential
//! `U = sum_i l_i - log p` with `n` terms, the posterior is `N(theta_MAP,
//! H^{-1})` to leading order; the next order shifts the mean by the
//! first-order correction
//! `delta = -(1/2) H^{-1} (T : H^{-1})`, `(T : H^{-1})_b = sum_cd T_bcd (H^{-1})_cd`,
//! `T` the third derivative of `U` at the mode (from the cubic term of the
//! expansion of `exp(-U)` and Isserlis' theorem; Tierney and Kadane 1986,
//! "Accurate approximations for posterior moments and marginal densities",
//! JASA 81, Sec. 2, give the same order). For logistic regression
//! `T_bcd = sum_i s''(z_i) a_ib a_ic a_id`, `s'' = s (1 - s) (1 - 2 s)`, so
//! `T : H^{-1} = sum_i s''(z_i) (a_i^T H^{-1} a_i) a_i`. `delta` is `O(1/n)`
//! while the posterior standard deviations are `O(n^{-1/2})`: the expected
//! gap, in standard deviations, is `O(n^{-1/2})` per coordinate (times the
//! `a^T H^{-1} a ~ d / n` leverage, so about `d / sqrt(n)` in all), and the
//! covariance differs from `H^{-1}` relatively by `O(1/n)`. The report
//! gives the measured standardised gap `(mean - theta_MAP)_j / sd_j`, the
//! predicted `delta_j / sd_j`, and the Gaussian `W2` and `KL` between the
//! reference and the Laplace law.
//!
//! **SGLD error.** For each step, `sgld_chains` SGLD chains (minibatch
//! `sgld_batch`, from `theta_MAP`, after `sgld_burn_in` steps) pooled into a
//! Gaussian: its `W2` to the reference and `KL(SGLD || reference)`. Both
//! contain the Monte Carlo error of the two estimates; `floor_w2` (the `W2`
//! between the reference's two halves of chains) shows its size.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use crate::error::{ensure_at_least, Error, Result};
use crate::measure::moments::Moments;
use crate::measure::posterior::{
    ess_bulk, ess_tail, kl_divergence, rhat, split_rhat, wasserstein2, Gaussian,
};
use crate::models::{parse_posterior, AnyPosterior, BayesLogistic};
use crate::optim::mala::Mala;
use crate::optim::{
    self, run_chains, AnyProbe, AnyTransform, ChainObserver, ChainOutcome, Counts, InputSite,
    Optimizer, Oracle, Plain, RunConfig,
};
use crate::rng::{Rng, Seed};

/// A reference run's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferenceConfig {
    /// A `bayes-logistic` or `bayes-mnist` posterior spec.
    pub problem: String,
    /// Master seed (data from `seed`, MALA from `seed + 1`, SGLD from
    /// `seed + 2`).
    pub seed: u64,
    /// MALA chains.
    pub chains: usize,
    /// MALA steps per chain.
    pub steps: u64,
    /// MALA steps discarded.
    pub burn_in: u64,
    /// Keep every `thin`-th iterate after the burn-in.
    pub thin: u64,
    /// MALA's learning rate in the units of the metric `H(theta_MAP)^{-1}`
    /// (module docs; 0.5 to 1 accepts 50% to 70% of proposals).
    pub step_scale: f64,
    /// SGLD's `lr lambda_max(H(theta_MAP))`, one run each.
    pub sgld_scales: Vec<f64>,
    /// SGLD's minibatch.
    pub sgld_batch: usize,
    /// SGLD chains per step.
    pub sgld_chains: usize,
    /// SGLD steps per chain.
    pub sgld_steps: u64,
    /// SGLD steps discarded.
    pub sgld_burn_in: u64,
}

impl Default for ReferenceConfig {
    /// The W3 posterior (`n = 10,000`, `d = 20`).
    fn default() -> Self {
        Self {
            problem: "bayes-logistic:n=10000,p=20,alpha=1".into(),
            seed: 0,
            chains: 4,
            steps: 40_000,
            burn_in: 4_000,
            thin: 4,
            step_scale: 0.5,
            sgld_scales: vec![0.01, 0.03, 0.1],
            sgld_batch: 100,
            sgld_chains: 4,
            sgld_steps: 40_000,
            sgld_burn_in: 4_000,
        }
    }
}

impl ReferenceConfig {
    /// A small instance for tests (`n = 200`, `d = 3`), seconds to run.
    pub fn quick() -> Self {
        Self {
            problem: "bayes-logistic:n=200,p=3,alpha=1".into(),
            steps: 20_000,
            burn_in: 2_000,
            thin: 1,
            sgld_batch: 10,
            sgld_steps: 20_000,
            sgld_burn_in: 2_000,
            ..Self::default()
        }
    }

    /// The MNIST posterior `bayes-mnist:digits=3,8,pool=4,alpha=1`
    /// (`d = 50`, `n` about 12,000). MALA at `lr = 0.3` in the metric
    /// accepts about 68% of proposals in `d = 50` (0.5 accepts 39%), and
    /// 10,000 steps (1,000 burn-in) give R-hat below 1.01 and a bulk ESS
    /// above 1,000 in every coordinate (about 100 s on one core per chain).
    pub fn mnist() -> Self {
        Self {
            problem: "bayes-mnist:digits=3,8,pool=4,alpha=1".into(),
            steps: 10_000,
            burn_in: 1_000,
            step_scale: 0.3,
            ..Self::default()
        }
    }
}

/// The Laplace approximation beside the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaplaceGap {
    /// The mode `theta_MAP`.
    pub map: Vec<f64>,
    /// Measured `(mean_j - theta_MAP_j) / sd_j` (reference mean and sd).
    pub standardised_gap: Vec<f64>,
    /// Its Monte Carlo standard error `1 / sqrt(ESS_bulk_j)`.
    pub gap_se: Vec<f64>,
    /// Predicted first-order `delta_j / sd_j` (module docs).
    pub predicted_gap: Vec<f64>,
    /// `max_j |Var_j / (H^{-1})_jj - 1|`.
    pub max_relative_variance_gap: f64,
    /// `W2(reference, Laplace)` between Gaussians.
    pub w2: f64,
    /// `KL(reference || Laplace)` between Gaussians.
    pub kl: f64,
}

/// SGLD's error to the reference at one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgldError {
    /// The learning rate.
    pub lr: f64,
    /// `W2(SGLD, reference)` between Gaussians.
    pub w2: f64,
    /// `KL(SGLD || reference)` between Gaussians.
    pub kl: f64,
}

/// The reference posterior and what it is checked against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The posterior spec.
    pub problem: String,
    /// MALA's learning rate, in the units of the metric `H(theta_MAP)^{-1}`.
    pub mala_lr: f64,
    /// MALA's acceptance rate.
    pub acceptance_rate: f64,
    /// Draws kept per chain.
    pub draws_per_chain: usize,
    /// Pooled mean.
    pub mean: Vec<f64>,
    /// Pooled covariance (rows).
    pub covariance: Vec<Vec<f64>>,
    /// Monte Carlo SE of each mean, `sd_j / sqrt(ESS_bulk_j)`.
    pub mean_se: Vec<f64>,
    /// Largest classic split R-hat over coordinates.
    pub max_split_rhat: f64,
    /// Largest rank-normalised split R-hat over coordinates.
    pub max_rank_rhat: f64,
    /// Smallest bulk ESS over coordinates.
    pub min_ess_bulk: f64,
    /// Smallest tail ESS over coordinates.
    pub min_ess_tail: f64,
    /// `W2` between the Gaussians of the two halves of the chains.
    pub floor_w2: f64,
    /// The Laplace approximation against the reference.
    pub laplace: LaplaceGap,
    /// SGLD at each configured step.
    pub sgld: Vec<SgldError>,
}

/// Keeps every `thin`-th iterate after the burn-in.
struct Recorder {
    burn_in: u64,
    thin: u64,
    draws: Vec<f64>,
}

impl ChainObserver for Recorder {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if t >= self.burn_in && (t - self.burn_in).is_multiple_of(self.thin) {
            self.draws.extend_from_slice(x);
        }
        Ok(())
    }
}

/// The first-order mean shift `delta = -(1/2) H^{-1} sum_i s''(z_i)
/// (a_i^T H^{-1} a_i) a_i` at the mode (module docs).
fn predicted_shift(model: &BayesLogistic, laplace: &Gaussian) -> DVector<f64> {
    let cov = laplace.covariance();
    let data = model.data();
    let mut t = DVector::zeros(data.p());
    for (a, _) in data.samples() {
        let a = DVector::from_column_slice(a);
        let s = 1.0 / (1.0 + (-a.dot(laplace.mean())).exp());
        let s2 = s * (1.0 - s) * (1.0 - 2.0 * s);
        t.axpy(s2 * (cov * &a).dot(&a), &a, 1.0);
    }
    cov * t * -0.5
}

/// Gaussian of pooled chain moments.
fn pooled(moments: impl Iterator<Item = Moments>, d: usize) -> Result<Gaussian> {
    let mut all = Moments::new(d);
    moments.for_each(|m| all.merge(&m));
    Gaussian::from_moments(&all)
}

/// Runs the reference, the Laplace comparison and SGLD.
///
/// Errors: a spec that is not a logistic posterior, bad sizes, a diverged
/// chain, or what the pieces return.
pub fn run(cfg: &ReferenceConfig) -> Result<Reference> {
    ensure_at_least("chains", cfg.chains, 2, "at least 2 (R-hat)")?;
    ensure_at_least("thin", cfg.thin as usize, 1, "at least 1")?;
    let post = parse_posterior(&cfg.problem, Seed(cfg.seed))?;
    let AnyPosterior::Logistic(model) = &post else {
        return Err(Error::Unsupported(format!(
            "the logistic reference needs a bayes-logistic or bayes-mnist spec, got {}",
            cfg.problem
        )));
    };
    let d = post.dim();
    let laplace = model.laplace()?;
    let lambda_max = laplace
        .covariance()
        .clone()
        .symmetric_eigen()
        .eigenvalues
        .min();
    let lambda_max = 1.0 / lambda_max;
    let mala_lr = cfg.step_scale;
    let mala = Mala::preconditioned(mala_lr, 1.0, laplace.cholesky_factor().clone())?;
    let mala = Optimizer::new(
        InputSite::default(),
        AnyProbe::Plain(Plain),
        vec![AnyTransform::Mala(mala)],
    )?;
    let mut rng = Seed(cfg.seed + 1).child(99).rng();
    let starts: Vec<Vec<f64>> = (0..cfg.chains)
        .map(|_| {
            let mut z = vec![0.0; d];
            laplace.sample(&mut rng, &mut z);
            z.iter()
                .zip(laplace.mean())
                .map(|(x, m)| m + 2.0 * (x - m))
                .collect()
        })
        .collect();
    let run_cfg = RunConfig {
        steps: cfg.steps,
        burn_in: cfg.burn_in,
        batch: None,
    };
    let chains = run_chains(&post, &mala, &starts, &run_cfg, Seed(cfg.seed + 1), |_| {
        Recorder {
            burn_in: cfg.burn_in,
            thin: cfg.thin,
            draws: Vec::new(),
        }
    })?;
    if let Some(c) = chains.iter().find(|c| c.outcome != ChainOutcome::Finished) {
        return Err(Error::Unsupported(format!(
            "a MALA chain diverged: {:?}",
            c.outcome
        )));
    }
    let mut counts = Counts::default();
    chains.iter().for_each(|c| counts.add(c.counts));
    let draws: Vec<&[f64]> = chains.iter().map(|c| c.observer.draws.as_slice()).collect();
    let per_chain = draws[0].len() / d;
    let coordinate = |j: usize| -> Vec<Vec<f64>> {
        draws
            .iter()
            .map(|c| c.chunks_exact(d).map(|x| x[j]).collect())
            .collect()
    };
    let moments_of = |range: std::ops::Range<usize>| {
        pooled(
            draws[range].iter().map(|c| {
                let mut m = Moments::new(d);
                c.chunks_exact(d).for_each(|x| m.push(x));
                m
            }),
            d,
        )
    };
    let reference = moments_of(0..cfg.chains)?;
    let half = cfg.chains / 2;
    let floor_w2 = wasserstein2(&moments_of(0..half)?, &moments_of(half..cfg.chains)?)?;
    let (mut max_split_rhat, mut max_rank_rhat) = (0.0_f64, 0.0_f64);
    let (mut min_ess_bulk, mut min_ess_tail) = (f64::INFINITY, f64::INFINITY);
    let mut mean_se = Vec::with_capacity(d);
    let mut gap_se = Vec::with_capacity(d);
    for j in 0..d {
        let c = coordinate(j);
        max_split_rhat = max_split_rhat.max(split_rhat(&c)?);
        max_rank_rhat = max_rank_rhat.max(rhat(&c)?);
        let bulk = ess_bulk(&c)?.ess;
        min_ess_bulk = min_ess_bulk.min(bulk);
        min_ess_tail = min_ess_tail.min(ess_tail(&c)?.ess);
        let sd = reference.covariance()[(j, j)].sqrt();
        mean_se.push(sd / bulk.sqrt());
        gap_se.push(1.0 / bulk.sqrt());
    }
    let sd = reference.covariance().diagonal().map(f64::sqrt);
    let shift = predicted_shift(model, &laplace);
    let laplace_gap = LaplaceGap {
        map: laplace.mean().iter().copied().collect(),
        standardised_gap: (0..d)
            .map(|j| (reference.mean()[j] - laplace.mean()[j]) / sd[j])
            .collect(),
        gap_se,
        predicted_gap: (0..d).map(|j| shift[j] / sd[j]).collect(),
        max_relative_variance_gap: (0..d)
            .map(|j| (reference.covariance()[(j, j)] / laplace.covariance()[(j, j)] - 1.0).abs())
            .fold(0.0, f64::max),
        w2: wasserstein2(&reference, &laplace)?,
        kl: kl_divergence(&reference, &laplace)?,
    };
    let sgld = cfg
        .sgld_scales
        .iter()
        .map(|&scale| sgld_error(&post, &laplace, &reference, scale / lambda_max, cfg))
        .collect::<Result<Vec<_>>>()?;
    Ok(Reference {
        problem: cfg.problem.clone(),
        mala_lr,
        acceptance_rate: counts.acceptance_rate().unwrap_or(0.0),
        draws_per_chain: per_chain,
        mean: reference.mean().iter().copied().collect(),
        covariance: reference
            .covariance()
            .row_iter()
            .map(|r| r.iter().copied().collect())
            .collect(),
        mean_se,
        max_split_rhat,
        max_rank_rhat,
        min_ess_bulk,
        min_ess_tail,
        floor_w2,
        laplace: laplace_gap,
        sgld,
    })
}

/// SGLD at `lr` from the mode, pooled, against the reference.
fn sgld_error(
    post: &AnyPosterior,
    laplace: &Gaussian,
    reference: &Gaussian,
    lr: f64,
    cfg: &ReferenceConfig,
) -> Result<SgldError> {
    let run_cfg = RunConfig {
        steps: cfg.sgld_steps,
        burn_in: cfg.sgld_burn_in,
        batch: Some(cfg.sgld_batch),
    };
    let start: Vec<f64> = laplace.mean().iter().copied().collect();
    let chains = run_chains(
        post,
        &optim::parse(&format!("sgld:lr={lr}"))?,
        &vec![start; cfg.sgld_chains],
        &run_cfg,
        Seed(cfg.seed + 2),
        |_| (),
    )?;
    if let Some(c) = chains.iter().find(|c| c.outcome != ChainOutcome::Finished) {
        return Err(Error::Unsupported(format!(
            "an SGLD chain at lr = {lr} diverged: {:?}",
            c.outcome
        )));
    }
    let law = pooled(chains.into_iter().map(|c| c.moments), post.dim())?;
    Ok(SgldError {
        lr,
        w2: wasserstein2(&law, reference)?,
        kl: kl_divergence(&law, reference)?,
    })
}

/// The report as a table.
pub fn format_table(r: &Reference) -> String {
    let mut out = format!(
        "{}: MALA lr {:.3} (metric H^-1), acceptance {:.3}, {} draws/chain\n\
         R-hat max: split {:.4}, rank {:.4}; ESS min: bulk {:.0}, tail {:.0}\n\
         Laplace: W2 {:.3e}, KL {:.3e}, max |var ratio - 1| {:.3e}; MC floor W2 {:.3e}\n\
         coord  mean        se        (mean-MAP)/sd  predicted\n",
        r.problem,
        r.mala_lr,
        r.acceptance_rate,
        r.draws_per_chain,
        r.max_split_rhat,
        r.max_rank_rhat,
        r.min_ess_bulk,
        r.min_ess_tail,
        r.laplace.w2,
        r.laplace.kl,
        r.laplace.max_relative_variance_gap,
        r.floor_w2
    );
    for j in 0..r.mean.len() {
        out += &format!(
            "{j:>5}  {:>10.4e}  {:>8.2e}  {:>13.4}  {:>9.4}\n",
            r.mean[j], r.mean_se[j], r.laplace.standardised_gap[j], r.laplace.predicted_gap[j]
        );
    }
    out += "SGLD lr      W2          KL\n";
    for s in &r.sgld {
        out += &format!("{:.3e}  {:.3e}  {:.3e}\n", s.lr, s.w2, s.kl);
    }
    out
}
