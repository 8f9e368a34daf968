//! The optimizers against the closed-form theory of `src/theory/`.
//!
//! Every Monte Carlo check compares an estimate with its prediction using
//! `Z = 5` standard errors, where the standard error comes from independent
//! chains (chain-level estimates are independent by construction, so no
//! autocorrelation model is needed). At 5 SE the false-alarm probability of
//! one check is below 6e-7; the seeds are fixed, so the tests are
//! deterministic.

use nalgebra::DMatrix;
use perturbo::landscape;
use perturbo::measure::first_exit::FirstExit;
use perturbo::models;
use perturbo::noise::Isotropic;
use perturbo::optim::{self, run_chains, ChainObserver, Oracle, RunConfig};
use perturbo::rng::{Rng, Seed};
use perturbo::sde::{EulerMaruyama, PerturbedFlow, Scheme, Workspace};
use perturbo::theory::{
    input_noise, NoisyGd, QuadraticSgd, SaddleEscape, SeparableQuartic, SgdBound,
};
use perturbo::Result;
use rand_distr::{Distribution, StandardNormal};

/// Standard errors allowed between an estimate and its prediction.
const Z: f64 = 5.0;

/// Mean and standard error of independent values.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Noisy GD `x <- x - lr H x + sqrt(2 lr T) xi` on a correlated quadratic has
/// the stationary covariance of the discrete Lyapunov equation
/// (`proofs/noisy_gd_covariance.md`), not the Gibbs covariance `T H^-1`:
/// with `lr lambda` up to 0.45 the two differ by up to 29%, many standard
/// errors, so the test tells them apart.
#[test]
fn noisy_gd_has_the_discrete_lyapunov_covariance() {
    let h = DMatrix::from_row_slice(2, 2, &[3.0, 1.0, 1.0, 2.0]);
    let quadratic = landscape::Quadratic::new(h.clone(), vec![0.0, 0.0]).unwrap();
    let (lr, temperature) = (0.1, 0.5);
    let opt = optim::parse("noisy-gd:lr=0.1,temperature=0.5").unwrap();
    let cfg = RunConfig {
        steps: 20_000,
        burn_in: 1_000,
        batch: None,
    };
    let starts = vec![vec![0.0, 0.0]; 24];
    let chains = run_chains(&quadratic, &opt, &starts, &cfg, Seed(3), |_| ()).unwrap();
    let exact = NoisyGd::new(&h, lr)
        .unwrap()
        .langevin_covariance(temperature)
        .unwrap();
    let gibbs = h.clone().try_inverse().unwrap() * temperature;
    for (i, j) in [(0, 0), (0, 1), (1, 1)] {
        let per_chain: Vec<f64> = chains
            .iter()
            .map(|c| c.moments.covariance().unwrap()[(i, j)])
            .collect();
        let (mean, se) = mean_se(&per_chain);
        assert!(
            (mean - exact[(i, j)]).abs() <= Z * se,
            "cov[{i}{j}] = {mean} +- {se}, Lyapunov {}",
            exact[(i, j)]
        );
        if i == j {
            assert!(
                (mean - gibbs[(i, j)]).abs() > Z * se,
                "cov[{i}{j}] cannot tell Lyapunov from Gibbs"
            );
        }
    }
}

/// Records `|x_t - x*|^2` at the listed steps.
struct SquaredError {
    at: &'static [u64],
    values: Vec<f64>,
}

impl ChainObserver for SquaredError {
    fn observe(&mut self, t: u64, x: &[f64], _: &dyn Oracle, _: &mut Rng) -> Result<()> {
        if self.at.contains(&(t + 1)) {
            self.values.push(x.iter().map(|v| v * v).sum());
        }
        Ok(())
    }
}

/// SGD with additive gradient noise on a strongly convex quadratic: the
/// measured mean-square error agrees with its exact recursion and stays
/// below the standard bound `(1 - lr mu)^t |x_0 - x*|^2 + lr sigma^2 / mu`
/// (`proofs/sgd_bound.md`).
#[test]
fn sgd_mean_square_error_follows_the_recursion_and_the_bound() {
    let h = DMatrix::from_diagonal(&nalgebra::dvector![1.0, 4.0]);
    let quadratic = landscape::Quadratic::diagonal(&[1.0, 4.0], vec![0.0, 0.0]).unwrap();
    let (lr, s) = (0.05, 0.5);
    let opt = optim::parse("noise:sigma=0.5 + gd:lr=0.05").unwrap();
    const AT: &[u64] = &[5, 20, 60, 400];
    let cfg = RunConfig {
        steps: 400,
        burn_in: 0,
        batch: None,
    };
    let start = vec![2.0, -1.0];
    let starts = vec![start.clone(); 4000];
    let chains = run_chains(&quadratic, &opt, &starts, &cfg, Seed(4), |_| SquaredError {
        at: AT,
        values: Vec::new(),
    })
    .unwrap();
    let exact = QuadraticSgd::isotropic(&h, lr, s * s).unwrap();
    let bound = SgdBound::new(lr, 1.0, 4.0, exact.noise_variance()).unwrap();
    for (k, &t) in AT.iter().enumerate() {
        let values: Vec<f64> = chains.iter().map(|c| c.observer.values[k]).collect();
        let (mean, se) = mean_se(&values);
        let predicted = exact.mean_square_error(&start, t).unwrap();
        assert!(
            (mean - predicted).abs() <= Z * se,
            "t = {t}: {mean} +- {se} vs exact {predicted}"
        );
        let b = bound.bound(5.0, t).unwrap();
        assert!(
            mean <= b + Z * se,
            "t = {t}: {mean} +- {se} above the bound {b}"
        );
    }
}

/// Random weight perturbation descends the smoothed loss: on the separable
/// quartic its mean gradient is exactly `grad E V(x + sigma z)
/// = h x + q x^3 + 3 sigma^2 q x` (`proofs/weight_perturbation.md`); the
/// `3 sigma^2 q x` term is many standard errors, so the plain gradient
/// would fail.
#[test]
fn random_weight_perturbation_follows_the_smoothed_gradient() {
    let quartic = landscape::parse("quartic:h=1,2,q=1,0.5").unwrap();
    let theory = SeparableQuartic::new(vec![1.0, 2.0], vec![1.0, 0.5]).unwrap();
    let (lr, sigma) = (0.1, 0.3);
    let x0 = vec![0.7, -0.4];
    let opt = optim::parse("rwp:lr=0.1,sigma=0.3").unwrap();
    let cfg = RunConfig {
        steps: 1,
        burn_in: 0,
        batch: None,
    };
    let chains = run_chains(
        &quartic,
        &opt,
        &vec![x0.clone(); 20_000],
        &cfg,
        Seed(5),
        |_| (),
    )
    .unwrap();
    let mut expected = vec![0.0; 2];
    theory
        .expected_perturbed_gradient(&x0, sigma, &mut expected)
        .unwrap();
    let mut plain = vec![0.0; 2];
    quartic.gradient(&x0, &mut plain);
    for i in 0..2 {
        let g: Vec<f64> = chains
            .iter()
            .map(|c| (x0[i] - c.final_state[i]) / lr)
            .collect();
        let (mean, se) = mean_se(&g);
        assert!(
            (mean - expected[i]).abs() <= Z * se,
            "coordinate {i}: {mean} +- {se} vs {}",
            expected[i]
        );
        assert!(
            (mean - plain[i]).abs() > Z * se,
            "coordinate {i}: cannot tell from the plain gradient"
        );
    }
}

/// Gaussian input noise on least squares is ridge with `lambda = sigma^2`
/// (Bishop 1995): the expected gradient is the ridge gradient, affine in
/// `x`, so the stationary mean of the iterates is exactly the ridge
/// minimiser (`proofs/input_noise_ridge.md`).
#[test]
fn input_noise_on_least_squares_converges_to_the_ridge_minimiser() {
    let model = models::parse("least-squares:n=64,p=3,noise=0.5", Seed(6)).unwrap();
    let sigma = 0.6;
    let opt = optim::parse("input-noise:sigma=0.6 + sgd:lr=0.05").unwrap();
    let cfg = RunConfig {
        steps: 4_000,
        burn_in: 500,
        batch: None,
    };
    let chains = run_chains(&model, &opt, &vec![vec![0.0; 3]; 16], &cfg, Seed(7), |_| ()).unwrap();
    let data = model.data();
    let ridge = input_noise::ridge_minimizer(data.inputs(), data.targets(), 64, 3, sigma).unwrap();
    let ols = input_noise::ridge_minimizer(data.inputs(), data.targets(), 64, 3, 0.0).unwrap();
    for i in 0..3 {
        let means: Vec<f64> = chains.iter().map(|c| c.moments.mean()[i]).collect();
        let (mean, se) = mean_se(&means);
        assert!(
            (mean - ridge[i]).abs() <= Z * se,
            "x[{i}] = {mean} +- {se}, ridge {}",
            ridge[i]
        );
        assert!(
            (mean - ols[i]).abs() > Z * se,
            "x[{i}]: cannot tell ridge from least squares"
        );
    }
}

/// Perturbed GD started at the strict saddle jumps uniformly in the ball
/// of radius r at step 0 and then escapes along the negative curvature in
/// the number of iterations of `proofs/saddle_escape.md`: the Monte Carlo
/// mean agrees with the exact mean over the ball.
#[test]
fn perturbed_gd_escapes_the_saddle_in_the_predicted_iterations() {
    let (gamma, lr, radius, ball) = (1.0, 0.1, 0.5, 1e-3);
    let saddle = landscape::parse("strict-saddle:gamma=1,h=1").unwrap();
    // t_thres beyond the horizon: exactly one perturbation, at step 0.
    let opt = optim::parse("pgd:lr=0.1,radius=0.001,g_thres=1e-9,t_thres=100000").unwrap();
    let cfg = RunConfig {
        steps: 3_000,
        burn_in: 0,
        batch: None,
    };
    let chains = run_chains(
        &saddle,
        &opt,
        &vec![vec![0.0, 0.0]; 4_000],
        &cfg,
        Seed(8),
        |_| FirstExit::new(0, radius),
    )
    .unwrap();
    let steps: Vec<f64> = chains
        .iter()
        .map(|c| {
            c.observer
                .step()
                .expect("every chain escapes within the horizon") as f64
        })
        .collect();
    let (mean, se) = mean_se(&steps);
    let predicted = SaddleEscape::new(gamma, lr, radius, ball, 2)
        .unwrap()
        .mean_iterations();
    assert!(
        (mean - predicted).abs() <= Z * se,
        "{mean} +- {se} iterations vs {predicted}"
    );
}

/// Noisy GD with step h and Euler-Maruyama with dt = h on the same Gaussian
/// draws are the same recursion, `x - h grad V + sqrt(2 T h) xi`: the paths
/// agree to rounding (relative 1e-12 after 500 steps on a contracting
/// double well start; each step adds a few ulps).
#[test]
fn noisy_gd_and_euler_maruyama_coincide_on_the_same_noise() {
    let (h, temperature) = (0.01, 0.3);
    let well = landscape::parse("double-well").unwrap();
    let opt = optim::parse("noisy-gd:lr=0.01,temperature=0.3").unwrap();
    let steps = 500;
    let cfg = RunConfig {
        steps,
        burn_in: 0,
        batch: None,
    };
    let seed = Seed(9);
    let chains = run_chains(&well, &opt, &[vec![0.4]], &cfg, seed, |_| ()).unwrap();
    // The optimizer's chain 0 draws its noise from seed.child(0), one
    // standard normal per step (noisy-gd's init draws nothing).
    let mut rng = seed.child(0).rng();
    let flow = PerturbedFlow::new(
        well.clone(),
        Isotropic::temperature(1, temperature).unwrap(),
    )
    .unwrap();
    let mut ws = Workspace::new(1, 1, 1);
    let mut x = vec![0.4];
    for k in 0..steps {
        let xi: f64 = StandardNormal.sample(&mut rng);
        EulerMaruyama.step(&flow, &mut x, k as f64 * h, h, &[h.sqrt() * xi], &mut ws);
    }
    let got = chains[0].final_state[0];
    assert!(
        (got - x[0]).abs() <= 1e-12 * x[0].abs().max(1.0),
        "optimizer {got} vs Euler-Maruyama {}",
        x[0]
    );
}

/// `Tr H = d v^2 + |u|^2` of the widening valley at `x = (u, v)`.
fn valley_trace(x: &[f64]) -> f64 {
    let (u, v) = x.split_at(x.len() - 1);
    (u.len() as f64) * v[0] * v[0] + u.iter().map(|a| a * a).sum::<f64>()
}

/// One step of PGD in Orvieto et al.'s sense (gradient step plus iid
/// Gaussian noise) on the widening valley changes `|u|^2` and `v^2` by the
/// exact conditional expectations of `theory::anti_pgd::WideningValley::pgd_drift`.
#[test]
fn pgd_one_step_drift_on_the_widening_valley_is_exact() {
    let (d, lr, sigma) = (4, 0.1, 0.2);
    let valley = landscape::parse("widening-valley:d=4").unwrap();
    let opt = optim::parse("gd:lr=0.1 + noise:sigma=0.2").unwrap();
    let x0 = vec![0.8, -0.3, 0.5, 0.1, 0.9];
    let cfg = RunConfig {
        steps: 1,
        burn_in: 0,
        batch: None,
    };
    let chains = run_chains(
        &valley,
        &opt,
        &vec![x0.clone(); 40_000],
        &cfg,
        Seed(10),
        |_| (),
    )
    .unwrap();
    let u_sq0: f64 = x0[..d].iter().map(|a| a * a).sum();
    let v0 = x0[d];
    let drift = perturbo::theory::WideningValley::new(d, lr, sigma)
        .unwrap()
        .pgd_drift(u_sq0, v0);
    let du: Vec<f64> = chains
        .iter()
        .map(|c| c.final_state[..d].iter().map(|a| a * a).sum::<f64>() - u_sq0)
        .collect();
    let dv: Vec<f64> = chains
        .iter()
        .map(|c| c.final_state[d].powi(2) - v0 * v0)
        .collect();
    for (name, values, predicted) in [("|u|^2", du, drift.u_sq), ("v^2", dv, drift.v_sq)] {
        let (mean, se) = mean_se(&values);
        assert!(
            (mean - predicted).abs() <= Z * se,
            "E d{name} = {mean} +- {se}, exact {predicted}"
        );
    }
}

/// On the widening valley, Anti-PGD moves to the flat end (its implicit
/// regulariser is `(sigma^2 / 2) Tr H`) while uncorrelated noise of the
/// same size drifts outwards, where the valley is sharper
/// (`proofs/anti_pgd.md`; Orvieto et al. 2022). From the valley floor with
/// `Tr H = 1`, after 2000 steps the mean `Tr H` is below 1 for Anti-PGD and
/// above 1 for PGD, each by more than 5 standard errors over chains.
#[test]
fn anti_pgd_flattens_and_pgd_sharpens_on_the_widening_valley() {
    let valley = landscape::parse("widening-valley:d=10").unwrap();
    let mut start = vec![10f64.sqrt().recip(); 10];
    start.push(0.0);
    assert!((valley_trace(&start) - 1.0).abs() < 1e-12);
    let cfg = RunConfig {
        steps: 2_000,
        burn_in: 0,
        batch: None,
    };
    let trace_after = |spec: &str| {
        let opt = optim::parse(spec).unwrap();
        let chains = run_chains(
            &valley,
            &opt,
            &vec![start.clone(); 200],
            &cfg,
            Seed(12),
            |_| (),
        )
        .unwrap();
        let traces: Vec<f64> = chains
            .iter()
            .map(|c| valley_trace(&c.final_state))
            .collect();
        mean_se(&traces)
    };
    let (anti, anti_se) = trace_after("anti-pgd:lr=0.1,sigma=0.05");
    let (pgd, pgd_se) = trace_after("gd:lr=0.1 + noise:sigma=0.05");
    assert!(
        anti < 1.0 - Z * anti_se,
        "Anti-PGD: Tr H = {anti} +- {anti_se}"
    );
    assert!(pgd > 1.0 + Z * pgd_se, "PGD: Tr H = {pgd} +- {pgd_se}");
}

/// Flatness as an observer during a run: it measures at the requested
/// steps, its values equal a direct measurement at the recorded iterate,
/// and it leaves the trajectory unchanged (it draws from the observer's
/// stream only). On a quadratic the Hutchinson trace is exact, so the check
/// is to rounding.
#[test]
fn flatness_observer_measures_during_the_run_without_disturbing_it() {
    use perturbo::measure::flatness::{FlatnessConfig, FlatnessObserver};
    let quadratic = landscape::parse("quadratic:h=1,3,6").unwrap();
    let opt = optim::parse("noisy-gd:lr=0.05,temperature=0.1").unwrap();
    let cfg = RunConfig {
        steps: 100,
        burn_in: 0,
        batch: None,
    };
    let starts = vec![vec![1.0, 1.0, 1.0]; 2];
    let watched = run_chains(&quadratic, &opt, &starts, &cfg, Seed(13), |_| {
        FlatnessObserver::new(FlatnessConfig::default(), 25).unwrap()
    })
    .unwrap();
    let plain = run_chains(&quadratic, &opt, &starts, &cfg, Seed(13), |_| ()).unwrap();
    for (w, p) in watched.iter().zip(&plain) {
        assert_eq!(
            w.final_state, p.final_state,
            "the observer changed the trajectory"
        );
        let steps: Vec<u64> = w.observer.records().iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, vec![25, 50, 75, 100]);
        for (_, report) in w.observer.records() {
            let (trace, _) = report.trace().unwrap();
            // Rademacher probes give z^T H z = Tr H = 10 exactly on a diagonal H.
            assert!((trace.mean - 10.0).abs() < 1e-12, "{trace:?}");
        }
    }
}
