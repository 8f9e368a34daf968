//! The posterior samplers (`ula`, `mala`, `psgld`, `sghmc`, `sghmc-naive`)
//! on Gaussian targets: `quadratic:h=h_1,...` is `U(x) = sum h_i x_i^2 / 2`,
//! whose law `exp(-U/T)` at `T = 1` is `N(0, diag(1/h))`.
//!
//! Every Monte Carlo check compares per-chain time averages of `x_i` and
//! `x_i^2` (after a burn-in of many relaxation times, from a fixed start)
//! over independent chains with their prediction, to `Z = 5` standard
//! errors of the mean over chains: chain-level averages are independent by
//! construction (one stream per chain), so no autocorrelation model is
//! needed, and at 5 SE one check's false-alarm probability is below 6e-7.
//! The second moment is taken about the known mean 0, so it is an unbiased
//! estimate of the stationary variance (a within-chain sample variance
//! would be biased by the autocorrelation). Seeds are fixed: the tests are
//! deterministic.

mod common;

use common::on_threads;
use nalgebra::{Matrix3, Vector3};
use perturbo::experiments::run::{self, RunExperiment};
use perturbo::landscape::Quadratic;
use perturbo::optim::{
    self, advance_chains, run_chains, start_chains, Chain, ChainObserver, ChainOutcome, Oracle,
    RunConfig,
};
use perturbo::rng::{Rng, Seed};
use perturbo::Result;

/// Standard errors allowed between an estimate and its prediction.
const Z: f64 = 5.0;

/// The curvatures of the test target: variances 1 and 1/4 at `T = 1`.
const H: [f64; 2] = [1.0, 4.0];

/// Sums of `x_i` and `x_i^2` over the steps from `burn_in` on.
#[derive(Debug, Clone)]
struct Sums {
    burn_in: u64,
    count: u64,
    x: [f64; 2],
    x2: [f64; 2],
}

impl ChainObserver for Sums {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if t >= self.burn_in {
            self.count += 1;
            for ((s, s2), &xi) in self.x.iter_mut().zip(&mut self.x2).zip(x) {
                *s += xi;
                *s2 += xi * xi;
            }
        }
        Ok(())
    }
}

/// Mean and standard error of independent values.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Per-chain moments of `spec` on the test target: `chains` chains of
/// `steps` steps from `(1, 1)`, moments after `burn_in`.
struct Run {
    /// Per chain, the time averages of `x_i` and `x_i^2`.
    chains: Vec<Chain<Sums>>,
}

impl Run {
    fn new(spec: &str, chains: usize, steps: u64, burn_in: u64, seed: u64) -> Self {
        let target = Quadratic::diagonal(&H, vec![0.0; 2]).unwrap();
        let opt = optim::parse(spec).unwrap();
        let cfg = RunConfig {
            steps,
            burn_in,
            batch: None,
        };
        let starts = vec![vec![1.0, 1.0]; chains];
        let chains = run_chains(&target, &opt, &starts, &cfg, Seed(seed), |_| Sums {
            burn_in,
            count: 0,
            x: [0.0; 2],
            x2: [0.0; 2],
        })
        .unwrap();
        for c in &chains {
            assert_eq!(c.outcome, ChainOutcome::Finished, "{spec} diverged");
        }
        Self { chains }
    }

    /// Mean and standard error over chains of the time average of `x_i`.
    fn mean(&self, i: usize) -> (f64, f64) {
        let per: Vec<f64> = self
            .chains
            .iter()
            .map(|c| c.observer.x[i] / c.observer.count as f64)
            .collect();
        mean_se(&per)
    }

    /// Mean and standard error over chains of the time average of `x_i^2`.
    fn second_moment(&self, i: usize) -> (f64, f64) {
        let per: Vec<f64> = self
            .chains
            .iter()
            .map(|c| c.observer.x2[i] / c.observer.count as f64)
            .collect();
        mean_se(&per)
    }

    /// The stationarity check: every coordinate's mean is 0 and its
    /// variance is `variance[i]`, each within `Z` standard errors. `Err`
    /// says which failed.
    fn check(&self, variance: [f64; 2]) -> std::result::Result<(), String> {
        for (i, &want) in variance.iter().enumerate() {
            let (m, se) = self.mean(i);
            if m.abs() > Z * se {
                return Err(format!("mean[{i}] = {m} +- {se}, want 0"));
            }
            let (v, se) = self.second_moment(i);
            if (v - want).abs() > Z * se {
                return Err(format!("var[{i}] = {v} +- {se}, want {want}"));
            }
        }
        Ok(())
    }
}

/// The target's variances `T / h_i`.
fn target(temperature: f64) -> [f64; 2] {
    H.map(|h| temperature / h)
}

/// ULA's exact stationary variance on the test target.
///
/// Derivation: on `U = h x^2 / 2`, ULA is the AR(1) recursion
/// `x' = (1 - lr h) x + sqrt(2 lr T) xi`, stable for `0 < lr h < 2`. Its
/// stationary variance `v` solves `v = (1 - lr h)^2 v + 2 lr T`, so
/// `v = 2 lr T / (1 - (1 - lr h)^2) = 2 lr T / (lr h (2 - lr h))
/// = sigma^2 / (1 - lr h / 2)` with `sigma^2 = T / h`, i.e.
/// `sigma^2 / (1 - lr / (2 sigma^2))` at `T = 1`: above the target's
/// `sigma^2` by the factor `1 / (1 - lr h / 2)` at every step size.
fn ula_variance(lr: f64, temperature: f64) -> [f64; 2] {
    H.map(|h| temperature / h / (1.0 - lr * h / 2.0))
}

/// The step of the ULA and MALA tests: `lr h = 0.2` and `0.8`, where ULA's
/// variance exceeds the target's by 11% and 67%.
const LR: f64 = 0.2;

/// ULA samples its exact discrete law, not the target: the measured
/// variance is `sigma^2 / (1 - lr h / 2)` within 5 SE, and the target
/// `sigma^2` is rejected by the same check. Relaxation time
/// `1 / (lr h) <= 5` steps, so 200 burn-in steps are 40 of them.
#[test]
fn ula_has_its_exact_discrete_variance() {
    let ula = Run::new("ula:lr=0.2", 64, 20_000, 200, 1);
    ula.check(ula_variance(LR, 1.0)).unwrap();
    assert!(
        ula.check(target(1.0)).is_err(),
        "the check cannot tell ULA's bias from the target"
    );
}

/// The check rejects broken samplers: ULA with the noise dropped (plain
/// GD, variance 0) and with the noise standard deviation doubled
/// (temperature 4, variance x 4), both held against ULA's law at `T = 1`.
#[test]
fn broken_samplers_fail_the_check() {
    let dropped = Run::new("gd:lr=0.2", 8, 2_000, 200, 2);
    assert!(dropped.check(ula_variance(LR, 1.0)).is_err());
    let doubled = Run::new("ula:lr=0.2,temperature=4", 64, 20_000, 200, 2);
    doubled.check(ula_variance(LR, 4.0)).unwrap();
    assert!(doubled.check(ula_variance(LR, 1.0)).is_err());
    let mala_doubled = Run::new("mala:lr=0.2,temperature=4", 64, 20_000, 200, 2);
    assert!(mala_doubled.check(target(1.0)).is_err());
}

/// MALA's stationary law is the target's exactly: mean 0 and variance
/// `1/h` within 5 SE at the step where ULA is 67% off, with an acceptance
/// rate strictly between 0 and 1 (some proposals are corrected).
#[test]
fn mala_samples_the_target_exactly() {
    let mala = Run::new("mala:lr=0.2", 64, 20_000, 200, 3);
    mala.check(target(1.0)).unwrap();
    let mut counts = optim::Counts::default();
    mala.chains.iter().for_each(|c| counts.add(c.counts));
    let rate = counts.acceptance_rate().expect("mala makes proposals");
    assert!(rate > 0.0 && rate < 1.0, "acceptance rate {rate}");
    // One proposal per step, each costing a gradient and two values.
    assert_eq!(counts.proposals, 64 * 20_000);
    assert_eq!(counts.gradients, 2 * counts.proposals);
    assert_eq!(counts.values, 2 * counts.proposals);
    let ula = Run::new("ula:lr=0.2", 64, 20_000, 200, 3);
    assert!(ula.check(target(1.0)).is_err());
}

/// Replays pSGLD's preconditioner from the iterates (the gradient on the
/// test target is `h x`, so `V` is a function of the path) and sums, per
/// coordinate, the terms of its stationarity identity (see
/// [`psgld_is_exact_about_its_adaptive_step_and_biased_by_it`]).
#[derive(Debug, Clone)]
struct PsgldIdentity {
    lr: f64,
    alpha: f64,
    lambda: f64,
    burn_in: u64,
    /// `V` after the update that the next step uses.
    v: [f64; 2],
    count: u64,
    /// Sums of `2 h G x^2 - lr h^2 G^2 x^2 - 2 T G` with `T = 1`.
    residual: [f64; 2],
    /// Sums of `x^2`.
    x2: [f64; 2],
}

impl PsgldIdentity {
    /// Before step 0 from `x_0 = (1, 1)`: step 0 sets
    /// `V = (1 - alpha) (h x_0)^2` (from `V = 0`).
    fn new(lr: f64, alpha: f64, burn_in: u64) -> Self {
        Self {
            lr,
            alpha,
            lambda: 1e-5,
            burn_in,
            v: H.map(|h| (1.0 - alpha) * h * h),
            count: 0,
            residual: [0.0; 2],
            x2: [0.0; 2],
        }
    }
}

impl ChainObserver for PsgldIdentity {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        for i in 0..2 {
            let g = H[i] * x[i];
            self.v[i] = self.alpha * self.v[i] + (1.0 - self.alpha) * g * g;
            if t >= self.burn_in {
                let p = 1.0 / (self.lambda + self.v[i].sqrt());
                let x2 = x[i] * x[i];
                self.x2[i] += x2;
                self.residual[i] +=
                    2.0 * H[i] * p * x2 - self.lr * H[i] * H[i] * p * p * x2 - 2.0 * p;
            }
        }
        if t >= self.burn_in {
            self.count += 1;
        }
        Ok(())
    }
}

/// pSGLD on the test target (64 chains from `(1, 1)`, 40,000 steps, the
/// first 5,000, five RMSprop memories at `alpha = 0.999`, discarded): the
/// mean and SE over chains of the time averages of `h x^2` and of the
/// identity's residual.
struct PsgldRun {
    var_h: [(f64, f64); 2],
    residual: [(f64, f64); 2],
}

fn psgld_run(lr: f64, alpha: f64, temperature: f64, seed: u64) -> PsgldRun {
    let (steps, burn_in) = (40_000, 5_000);
    let spec = format!("psgld:lr={lr},alpha={alpha},temperature={temperature}");
    let target = Quadratic::diagonal(&H, vec![0.0; 2]).unwrap();
    let cfg = RunConfig {
        steps,
        burn_in,
        batch: None,
    };
    let chains = run_chains(
        &target,
        &optim::parse(&spec).unwrap(),
        &vec![vec![1.0, 1.0]; 64],
        &cfg,
        Seed(seed),
        |_| PsgldIdentity::new(lr, alpha, burn_in),
    )
    .unwrap();
    let average = |sums: fn(&PsgldIdentity) -> [f64; 2], i: usize| -> (f64, f64) {
        let per: Vec<f64> = chains
            .iter()
            .map(|c| sums(&c.observer)[i] / c.observer.count as f64)
            .collect();
        mean_se(&per)
    };
    PsgldRun {
        var_h: [0, 1].map(|i| {
            let (v, se) = average(|o| o.x2, i);
            (v * H[i], se * H[i])
        }),
        residual: [0, 1].map(|i| average(|o| o.residual, i)),
    }
}

/// pSGLD (Gamma term dropped) is exact about what it does and biased by
/// it, in the direction and the limit its documentation states.
///
/// The identity: one step on `U = h x^2 / 2` is
/// `x' = (1 - lr G h) x + sqrt(2 lr T G) xi` with `G` a function of the
/// path up to `x` and `xi` independent of it, so
/// `E x'^2 = E[(1 - lr G h)^2 x^2] + 2 lr T E G`, and at stationarity
/// (`E x'^2 = E x^2`) `E[2 h G x^2 - lr h^2 G^2 x^2 - 2 T G] = 0` exactly.
/// It pins the drift and the preconditioned noise variance (a sampler with
/// its noise doubled, `T = 4`, violates it at `T = 1`). Rewritten,
/// `h E x^2 = T + h (-Cov(G, x^2) + lr h E[G^2 x^2] / 2) / E G`: the
/// variance is off the target by the covariance of the preconditioner with
/// the current `x^2`, negative (a large `x` has raised `V`, so lowered
/// `G`, and moves more slowly back), which is what dropping Gamma leaves
/// uncorrected. That covariance vanishes as the RMSprop memory
/// `1 / (1 - alpha)` grows against the mixing time `1 / (lr G h)` (Li et
/// al. 2016, Theorem 2: the bias vanishes as `alpha -> 1`). So at
/// `lr = 0.03` the variance is detectably above `1/h` at the default
/// `alpha = 0.99` and significantly closer to it at `alpha = 0.999`.
#[test]
fn psgld_is_exact_about_its_adaptive_step_and_biased_by_it() {
    let default = psgld_run(0.03, 0.99, 1.0, 10);
    let slow = psgld_run(0.03, 0.999, 1.0, 10);
    let doubled = psgld_run(0.03, 0.999, 4.0, 10);
    for i in 0..2 {
        for (name, run) in [("alpha 0.99", &default), ("alpha 0.999", &slow)] {
            let (r, se) = run.residual[i];
            assert!(
                r.abs() <= Z * se,
                "{name}, coordinate {i}: residual {r} +- {se}"
            );
        }
        let (r, se) = doubled.residual[i];
        assert!(
            r.abs() > Z * se,
            "T = 4 passes the T = 1 identity ({r} +- {se})"
        );
        let ((a, sa), (b, sb)) = (default.var_h[i], slow.var_h[i]);
        assert!(
            a - 1.0 > Z * sa,
            "coordinate {i}: alpha 0.99 not above the target: {a} +- {sa}"
        );
        assert!(
            (a - 1.0) - (b - 1.0).abs() > Z * (sa * sa + sb * sb).sqrt(),
            "coordinate {i}: bias {a} +- {sa} at alpha 0.99 vs {b} +- {sb} at 0.999"
        );
    }
}

/// The stationary covariance of SGHMC's `(x, v)` on `U = h x^2 / 2`.
///
/// Derivation: with `k = lr h`, `c = 1 - friction` (or `c = 1` for the
/// naive variant) and `s^2 = 2 friction lr T` (`beta_hat = 0`), one step is
/// `v' = c v - k x + s xi`, `x' = x + v' = (1 - k) x + c v + s xi`, i.e.
/// `z' = A z + s xi (1, 1)` with `A = [[1 - k, c], [-k, c]]`. The
/// stationary covariance `S = [[p, q], [q, r]]` solves the discrete
/// Lyapunov equation `S = A S A^T + s^2 [[1, 1], [1, 1]]`, three linear
/// equations in `(p, q, r)`; it exists when `A` is stable (the naive
/// variant has `det A = 1`, so it has none).
fn sghmc_variance(lr: f64, friction: f64, h: f64) -> f64 {
    let (k, c, s2) = (lr * h, 1.0 - friction, 2.0 * friction * lr);
    let m = Matrix3::new(
        1.0 - (1.0 - k).powi(2),
        -2.0 * (1.0 - k) * c,
        -c * c,
        k * (1.0 - k),
        1.0 - c * (1.0 - 2.0 * k),
        -c * c,
        -k * k,
        2.0 * k * c,
        1.0 - c * c,
    );
    let pqr = m
        .lu()
        .solve(&Vector3::new(s2, s2, s2))
        .expect("stable SGHMC has a stationary law");
    pqr[0]
}

/// SGHMC with the friction term samples its exact discrete law (the
/// Lyapunov solution above), which is within its stated bias of the
/// target: at `lr = 0.01`, `friction = 0.1` the discrete variance differs
/// from `1/h` by less than 2%, and the measured variance agrees with both
/// the exact discrete value (5 SE) and the target (5 SE plus that bias).
/// Relaxation: the velocity decays by `1 - friction` per step and `x`
/// mixes over about `1 / (friction)` + `friction / (lr h)` steps, at most
/// 110; the burn-in is 2,000.
#[test]
fn sghmc_reaches_the_target_within_its_discrete_bias() {
    let (lr, friction) = (0.01, 0.1);
    let exact = H.map(|h| sghmc_variance(lr, friction, h));
    for (i, (&e, &t)) in exact.iter().zip(&target(1.0)).enumerate() {
        assert!(
            ((e - t) / t).abs() < 0.02,
            "coordinate {i}: discrete {e} vs target {t}"
        );
    }
    let sghmc = Run::new("sghmc:lr=0.01,friction=0.1", 64, 40_000, 2_000, 4);
    sghmc.check(exact).unwrap();
    for (i, (&e, &t)) in exact.iter().zip(&target(1.0)).enumerate() {
        let (v, se) = sghmc.second_moment(i);
        assert!(
            (v - t).abs() <= (e - t).abs() + Z * se,
            "coordinate {i}: {v} +- {se} beyond the stated bias of {t}"
        );
    }
}

/// Naive SGHMC (no friction term) is off: the injected noise has nothing to
/// dissipate it, so the energy, hence `x^2`, keeps growing (Chen et al.
/// 2014, Theorem 3.1). Its second moment is far above the target's, and
/// the stationarity check rejects it.
#[test]
fn naive_sghmc_is_off() {
    let naive = Run::new("sghmc-naive:lr=0.01,friction=0.1", 32, 40_000, 2_000, 5);
    assert!(naive.check(target(1.0)).is_err());
    for (i, &t) in target(1.0).iter().enumerate() {
        let (v, se) = naive.second_moment(i);
        assert!(v - Z * se > t, "coordinate {i}: {v} +- {se} not above {t}");
    }
}

/// With `friction = 1` the velocity is forgotten every step and SGHMC is
/// ULA: the same draws give bit-identical chains.
#[test]
fn sghmc_with_unit_friction_is_ula() {
    let a = Run::new("sghmc:lr=0.1,friction=1", 3, 500, 0, 6);
    let b = Run::new("ula:lr=0.1", 3, 500, 0, 6);
    for (ca, cb) in a.chains.iter().zip(&b.chains) {
        assert_eq!(ca.final_state, cb.final_state);
    }
}

/// The samplers tested for replay and checkpointing.
const SAMPLERS: [&str; 5] = [
    "ula:lr=0.1",
    "mala:lr=0.2",
    "psgld:lr=0.02",
    "sghmc:lr=0.05,friction=0.2",
    "sghmc-naive:lr=0.05,friction=0.2",
];

/// A run's chains, serialized (every state, stream and count).
fn run_json(spec: &str, threads: usize) -> String {
    let target = Quadratic::diagonal(&H, vec![0.0; 2]).unwrap();
    let opt = optim::parse(spec).unwrap();
    let cfg = RunConfig {
        steps: 1_000,
        burn_in: 100,
        batch: None,
    };
    let chains = on_threads(threads, || {
        run_chains(
            &target,
            &opt,
            &vec![vec![1.0, 1.0]; 5],
            &cfg,
            Seed(8),
            |_| (),
        )
        .unwrap()
    });
    serde_json::to_string(&chains).unwrap()
}

/// Every sampler's chains are bit-identical for 1 and 3 threads.
#[test]
fn samplers_do_not_depend_on_the_thread_count() {
    for spec in SAMPLERS {
        assert_eq!(run_json(spec, 1), run_json(spec, 3), "{spec}");
    }
}

/// A chain saved half-way (through serde, as `perturbo run --checkpoint`
/// saves it) and resumed ends bit-identical to an uninterrupted one: the
/// sampler's state (velocity, RMSprop average, buffers) is part of it.
#[test]
fn samplers_resume_from_a_checkpoint() {
    let target = Quadratic::diagonal(&H, vec![0.0; 2]).unwrap();
    let cfg = RunConfig {
        steps: 1_000,
        burn_in: 100,
        batch: None,
    };
    let starts = vec![vec![1.0, 1.0]; 3];
    for spec in SAMPLERS {
        let opt = optim::parse(spec).unwrap();
        let whole = run_chains(&target, &opt, &starts, &cfg, Seed(9), |_| ()).unwrap();
        let mut half = start_chains(&target, &opt, &starts, &cfg, Seed(9), |_| ()).unwrap();
        advance_chains(&target, &opt, &mut half, &cfg, 437).unwrap();
        let saved = serde_json::to_string(&half).unwrap();
        let mut resumed: Vec<Chain<()>> = serde_json::from_str(&saved).unwrap();
        advance_chains(&target, &opt, &mut resumed, &cfg, cfg.steps).unwrap();
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            serde_json::to_string(&resumed).unwrap(),
            "{spec}"
        );
    }
}

/// Bad sampler specs fail when parsed, naming the parameter or the rule.
#[test]
fn bad_sampler_specs_name_the_parameter() {
    let cases = [
        ("sghmc:lr=0.1,friction=-0.1", "friction"),
        ("sghmc:lr=0.1,friction=1.5", "friction"),
        ("sghmc:lr=0.1,friction=0.1,beta_hat=0.1", "beta_hat"),
        ("sghmc:lr=0.1,friction=0.1,beta_hat=-1", "beta_hat"),
        ("sghmc:lr=0.1", "friction"),
        ("sghmc-naive:friction=0.1", "lr"),
        ("psgld:lr=0.1,alpha=1", "alpha"),
        ("psgld:lr=0.1,lambda=0", "lambda"),
        ("psgld:lr=0.1,beta=0.9", "beta"),
        ("mala:lr=0.1,temperature=-1", "temperature"),
        ("mala:lr=-0.1", "lr"),
        ("mala:temperature=1", "lr"),
        ("ula:lr=0.1,temperature=0", "temperature"),
        ("mala:lr=0.1 + weight-decay:lambda=0.1", "mala"),
        ("rwp:sigma=0.1 + mala:lr=0.1", "mala"),
        ("mala:lr=0.1 + gd:lr=0.1", "learning rate"),
        ("psgld:lr=0.1 + sghmc:lr=0.1,friction=0.1", "learning rate"),
    ];
    for (spec, needle) in cases {
        let err = optim::parse(spec).expect_err(spec).to_string();
        assert!(
            err.contains(needle),
            "{spec}: `{err}` does not mention {needle}"
        );
    }
}

/// MALA refuses minibatches before the first step, saying why; with the
/// full objective it runs on a data-driven model like on a landscape, as
/// do the other samplers with minibatches.
#[test]
fn mala_refuses_minibatches() {
    let cfg = |optimizer: &str, batch| RunExperiment {
        problem: "least-squares:n=64,p=4".into(),
        optimizer: optimizer.into(),
        steps: 200,
        burn_in: 0,
        chains: 2,
        batch,
        ..RunExperiment::default()
    };
    let err = run::run(&cfg("mala:lr=0.001", Some(8)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("mala") && err.contains("batch"), "{err}");
    let full = run::run(&cfg("mala:lr=0.001", None)).unwrap();
    assert!(full.counts.acceptance_rate().is_some());
    for spec in [
        "ula:lr=0.001",
        "psgld:lr=0.001",
        "sghmc:lr=0.001,friction=0.1",
    ] {
        let report = run::run(&cfg(spec, Some(8))).unwrap();
        assert!(
            report.final_states.iter().flatten().all(|v| v.is_finite()),
            "{spec}"
        );
    }
}

/// The correlated target of the preconditioned-MALA test:
/// `Sigma = [[1, 0.6], [0.6, 0.5]]` (correlation 0.85, variances 2:1), so
/// `U(x) = x^T Sigma^{-1} x / 2` and the law at `T = 1` is `N(0, Sigma)`.
const SIGMA: [[f64; 2]; 2] = [[1.0, 0.6], [0.6, 0.5]];

/// The fixed metric `M = L L^T` of the test, deliberately neither `I` nor
/// `Sigma` (`M = [[1, 0.5], [0.5, 0.41]]`): the ratio must be exact for
/// any fixed positive definite `M`, not only a well-chosen one.
const FACTOR: [[f64; 2]; 2] = [[1.0, 0.0], [0.5, 0.4]];

/// The step of the preconditioned test, in the metric's units.
const PRECONDITIONED_LR: f64 = 0.5;

/// Per-chain time averages of `(x_0, x_1, x_0^2, x_0 x_1, x_1^2)` after a
/// burn-in.
#[derive(Debug, Clone, Default)]
struct CrossSums {
    burn_in: u64,
    count: u64,
    sums: [f64; 5],
}

impl CrossSums {
    fn push(&mut self, t: u64, x: &[f64]) {
        if t >= self.burn_in {
            self.count += 1;
            let terms = [x[0], x[1], x[0] * x[0], x[0] * x[1], x[1] * x[1]];
            self.sums.iter_mut().zip(terms).for_each(|(s, v)| *s += v);
        }
    }

    fn averages(&self) -> [f64; 5] {
        self.sums.map(|s| s / self.count as f64)
    }
}

impl ChainObserver for CrossSums {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        self.push(t, x);
        Ok(())
    }
}

/// The stationarity check of the correlated target: over independent
/// chains, the mean of each per-chain average of `x_i` is 0 and of
/// `x_i x_j` is `Sigma_ij` (second moments about the known mean 0, so
/// unbiased), each within `Z` standard errors of the mean over chains.
fn check_correlated(per_chain: &[[f64; 5]]) -> std::result::Result<(), String> {
    let want = [0.0, 0.0, SIGMA[0][0], SIGMA[0][1], SIGMA[1][1]];
    for (k, &w) in want.iter().enumerate() {
        let values: Vec<f64> = per_chain.iter().map(|a| a[k]).collect();
        let (m, se) = mean_se(&values);
        if (m - w).abs() > Z * se {
            return Err(format!("moment {k} = {m} +- {se}, want {w}"));
        }
    }
    Ok(())
}

/// `Sigma^{-1}`.
fn precision() -> nalgebra::DMatrix<f64> {
    let s = nalgebra::DMatrix::from_fn(2, 2, |i, j| SIGMA[i][j]);
    s.try_inverse().unwrap()
}

/// A deliberately wrong sampler for the power check: the preconditioned
/// proposal `y = x - lr M grad U(x) + sqrt(2 lr) L xi` with the isotropic
/// ratio (`|y - x + lr M g|^2 / (4 lr)` in place of the `M^{-1}` norm),
/// written out by hand, one stream per chain like `run_chains`.
fn wrong_ratio_chain(seed: Seed, steps: u64, burn_in: u64) -> [f64; 5] {
    use rand::RngExt;
    let a = precision();
    let l = nalgebra::DMatrix::from_fn(2, 2, |i, j| FACTOR[i][j]);
    let m = &l * l.transpose();
    let lr = PRECONDITIONED_LR;
    let u = |x: &nalgebra::DVector<f64>| 0.5 * x.dot(&(&a * x));
    let drift = |x: &nalgebra::DVector<f64>| x - lr * (&m * (&a * x));
    let mut rng = seed.rng();
    let mut x = nalgebra::DVector::from_vec(vec![1.0, 1.0]);
    let mut sums = CrossSums {
        burn_in,
        ..CrossSums::default()
    };
    for t in 0..steps {
        let xi = nalgebra::DVector::from_fn(2, |_, _| rng.sample(rand_distr::StandardNormal));
        let y = drift(&x) + (2.0 * lr).sqrt() * (&l * xi);
        let forward = (&y - drift(&x)).norm_squared();
        let reverse = (&x - drift(&y)).norm_squared();
        let log_ratio = -(u(&y) - u(&x)) - (reverse - forward) / (4.0 * lr);
        if rng.random::<f64>().ln() < log_ratio {
            x = y;
        }
        sums.push(t, x.as_slice());
    }
    sums.averages()
}

/// Preconditioned MALA leaves a correlated Gaussian exact for a fixed
/// metric that is neither `I` nor the target's covariance: means and all
/// second moments within 5 SE over 64 independent chains (20,000 steps,
/// 1,000 burn-in: the slowest direction of `M Sigma^{-1}` relaxes in a few
/// tens of steps at `lr = 0.5`). The same check rejects the same proposal
/// with the isotropic ratio, so it has the power to see a wrong ratio.
#[test]
fn preconditioned_mala_samples_a_correlated_target_exactly() {
    let (chains, steps, burn_in) = (64, 20_000, 1_000);
    let target = Quadratic::new(precision(), vec![0.0; 2]).unwrap();
    let factor = nalgebra::DMatrix::from_fn(2, 2, |i, j| FACTOR[i][j]);
    let mala = optim::mala::Mala::preconditioned(PRECONDITIONED_LR, 1.0, factor).unwrap();
    let opt = optim::Optimizer::new(
        optim::InputSite::default(),
        optim::AnyProbe::Plain(optim::Plain),
        vec![optim::AnyTransform::Mala(mala)],
    )
    .unwrap();
    let cfg = RunConfig {
        steps,
        burn_in,
        batch: None,
    };
    let starts = vec![vec![1.0, 1.0]; chains];
    let run = run_chains(&target, &opt, &starts, &cfg, Seed(21), |_| CrossSums {
        burn_in,
        ..CrossSums::default()
    })
    .unwrap();
    let per_chain: Vec<[f64; 5]> = run.iter().map(|c| c.observer.averages()).collect();
    check_correlated(&per_chain).unwrap();
    let mut counts = optim::Counts::default();
    run.iter().for_each(|c| counts.add(c.counts));
    let rate = counts.acceptance_rate().expect("mala makes proposals");
    assert!(rate > 0.0 && rate < 1.0, "acceptance rate {rate}");
    let wrong: Vec<[f64; 5]> = (0..chains)
        .map(|i| wrong_ratio_chain(Seed(22).child(i as u64), steps, burn_in))
        .collect();
    assert!(
        check_correlated(&wrong).is_err(),
        "the check cannot see the isotropic ratio under a preconditioned proposal"
    );
}

/// A preconditioned MALA refuses a factor that is not a Cholesky factor,
/// and a chain of another dimension at its first step; it serializes.
#[test]
fn preconditioned_mala_validates_its_factor() {
    use nalgebra::DMatrix;
    let upper = DMatrix::from_row_slice(2, 2, &[1.0, 0.1, 0.0, 1.0]);
    let singular = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.5, 0.0]);
    let square = DMatrix::from_row_slice(1, 2, &[1.0, 0.0]);
    for bad in [upper, singular, square] {
        assert!(optim::mala::Mala::preconditioned(0.5, 1.0, bad).is_err());
    }
    let l = DMatrix::from_row_slice(3, 3, &[1.0, 0.0, 0.0, 0.2, 1.0, 0.0, 0.1, 0.3, 2.0]);
    let mala = optim::mala::Mala::preconditioned(0.5, 1.0, l.clone()).unwrap();
    let json = serde_json::to_string(&mala).unwrap();
    let back: optim::mala::Mala = serde_json::from_str(&json).unwrap();
    assert_eq!(back.cholesky_factor(), Some(l));
    let opt = optim::Optimizer::new(
        optim::InputSite::default(),
        optim::AnyProbe::Plain(optim::Plain),
        vec![optim::AnyTransform::Mala(mala)],
    )
    .unwrap();
    let target = Quadratic::diagonal(&H, vec![0.0; 2]).unwrap();
    let cfg = RunConfig {
        steps: 10,
        burn_in: 0,
        batch: None,
    };
    let err = run_chains(&target, &opt, &[vec![1.0, 1.0]], &cfg, Seed(1), |_| ());
    assert!(err.is_err(), "a 3-d metric ran on a 2-d target");
}
