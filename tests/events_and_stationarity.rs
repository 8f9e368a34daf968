//! The exit event's Brownian-bridge correction and the stationary law, each
//! against an exact answer.

use perturbo::landscape::{DoubleWell, Gradient, Objective};
use perturbo::measure::Histogram;
use perturbo::noise::{Brownian, Isotropic};
use perturbo::rng::Seed;
use perturbo::sde::{
    ensemble, EnsembleConfig, EulerMaruyama, ExitRegion, HalfSpace, Never, Outcome, PerturbedFlow,
};
use perturbo::theory::Gibbs1d;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Standard errors allowed between a Monte Carlo proportion and its exact value.
const Z: f64 = 4.5;

/// The flat landscape: no drift, so the flow is a pure Brownian motion.
#[derive(Debug)]
struct Flat;

impl Objective for Flat {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, _: &[f64]) -> f64 {
        0.0
    }
}

impl Gradient for Flat {
    fn gradient(&self, _: &[f64], grad: &mut [f64]) {
        grad[0] = 0.0;
    }
}

/// For `X = sqrt(2 eps) W` from 0, `P(max_{t <= T} X >= b) = 2 (1 - Phi(b / sqrt(2 eps T)))`
/// (reflection principle). With no drift, the Brownian-bridge test between
/// grid points is exact, so even with only 8 steps the fraction of paths that
/// reach `b` must match within `Z` binomial standard errors. Checking at grid
/// times alone would miss the excursions between them: the discrete maximum
/// over 8 steps falls short of the continuous one by about
/// `0.5826 sqrt(2 eps dt)` (Broadie, Glasserman and Kou, Math. Finance 7,
/// 1997), which here lowers the probability by several standard errors, so
/// the test also tells a missing correction apart.
#[test]
fn bridge_correction_makes_first_passage_exact_for_brownian_motion() {
    let (eps, b, horizon, steps, paths) = (0.5, 1.0, 1.0, 8, 40_000);
    let sde = PerturbedFlow::new(Flat, Isotropic::temperature(1, eps).unwrap()).unwrap();
    let cfg = EnsembleConfig {
        paths,
        dt: horizon / steps as f64,
        steps,
        t0: 0.0,
        seed: Seed(17),
    };
    let target = ExitRegion::new(vec![HalfSpace::above(1, 0, b).unwrap()]).unwrap();
    let r = ensemble::run(
        &sde,
        &Brownian::new(1).unwrap(),
        &EulerMaruyama,
        &[0.0],
        &target,
        &(),
        &cfg,
        &|_| {},
    )
    .unwrap();
    let hit = r
        .records
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Escaped { .. }))
        .count() as f64
        / paths as f64;
    let normal = Normal::standard();
    let exact = 2.0 * (1.0 - normal.cdf(b / (2.0 * eps * horizon).sqrt()));
    let se = (exact * (1.0 - exact) / paths as f64).sqrt();
    assert!(
        (hit - exact).abs() <= Z * se,
        "hit fraction {hit} vs exact {exact} (se {se})"
    );
    // The grid-only probability: the discrete maximum is lower by about
    // 0.5826 sqrt(2 eps dt), i.e. the barrier is effectively raised by it.
    let shifted = 2.0
        * (1.0
            - normal
                .cdf((b + 0.5826 * (2.0 * eps * cfg.dt).sqrt()) / (2.0 * eps * horizon).sqrt()));
    assert!(
        exact - shifted > 2.0 * Z * se,
        "the test could not tell a missing bridge correction apart"
    );
}

/// Final states of independent paths of overdamped Langevin on the double
/// well at temperature 1, after 40 time units (many mean exit times, which
/// is about 4 here, and relaxation times), are draws from the Gibbs law
/// `exp(-V) / Z` (`proofs/gibbs_and_ou.md`). Pearson's chi-square statistic
/// must stay below its 1 - 1e-4 quantile. Euler-Maruyama's stationary law is
/// off by O(dt): at dt = 2e-3 and curvatures up to about 12 on the sampled
/// range, a relative error near 1% in each bin's probability, which shifts
/// the statistic by about `n * 0.01^2 = 1` (n = 10,000), far below the
/// quantile's margin over the degrees of freedom; the allowance is therefore
/// absorbed by the false-alarm margin, as stated.
#[test]
fn final_states_follow_the_gibbs_law_of_the_double_well() {
    let (eps, dt, horizon, paths) = (1.0, 2e-3, 40.0, 10_000);
    let sde = PerturbedFlow::new(DoubleWell, Isotropic::temperature(1, eps).unwrap()).unwrap();
    let steps = (horizon / dt) as usize;
    let hist = Histogram::new(0, -2.2, 2.2, 30, steps - 1, 1).unwrap();
    let cfg = EnsembleConfig {
        paths,
        dt,
        steps,
        t0: 0.0,
        seed: Seed(23),
    };
    let r = ensemble::run(
        &sde,
        &Brownian::new(1).unwrap(),
        &EulerMaruyama,
        &[-1.0],
        &Never,
        &hist,
        &cfg,
        &|_| {},
    )
    .unwrap();
    let gibbs = Gibbs1d::from_landscape(&DoubleWell, eps).unwrap();
    let (stat, df) = r.observer.chi_square(|x| gibbs.cdf(x));
    let critical = ChiSquared::new(df as f64).unwrap().inverse_cdf(1.0 - 1e-4);
    assert!(
        stat < critical,
        "chi2 {stat} with {df} df exceeds {critical}"
    );
    // Power: the Gibbs law at a 15% lower temperature is rejected.
    let colder = Gibbs1d::from_landscape(&DoubleWell, 0.85 * eps).unwrap();
    let (stat_cold, _) = r.observer.chi_square(|x| colder.cdf(x));
    assert!(
        stat_cold > critical,
        "a 15% temperature error went unnoticed: chi2 {stat_cold}"
    );
}
