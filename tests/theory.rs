//! The closed-form theory of `perturbo::theory`, checked against independent
//! computations: power series, Laplace expansions, golden values from
//! 30-digit `mpmath` quadrature, exact identities. Every tolerance states
//! where it comes from. Proofs: `proofs/*.md`.

use std::f64::consts::PI;

use nalgebra::DMatrix;
use perturbo::landscape::{DoubleWell, Gradient, Hessian, Landscape, Objective};
use perturbo::theory::alpha_stable::{
    basin_half_widths, exit_right_probability, levy_density_constant, mean_exit_time,
};
use perturbo::theory::kramers::mean_transition_time;
use perturbo::theory::lyapunov::{
    ou_stationary_covariance, solve_continuous_lyapunov, solve_discrete_lyapunov,
};
use perturbo::theory::mfpt::{log_mean_first_passage_time, mean_first_passage_time};
use perturbo::theory::{
    EyringKramers, Gibbs1d, Overdamped1d, QuadratureOptions, SgdEscape, TransitionTarget,
};
use perturbo::Error;
use proptest::prelude::*;
use statrs::function::erf::erfc;

/// Relative accuracy the 1-D quadrature is held to where the reference is
/// exact to (near) machine precision. The brief's target was 1e-8; the
/// quadrature reaches 1e-13 on these problems, so 1e-10 leaves two orders of
/// margin for rounding in the references while still catching any real
/// discretisation error (an undeclared kink handled wrongly gave 4e-4).
const QUAD_TOL: f64 = 1e-10;

fn rel(got: f64, want: f64) -> f64 {
    (got / want - 1.0).abs()
}

fn double_well(x: f64) -> f64 {
    (x * x - 1.0).powi(2)
}

fn double_well_slope(x: f64) -> f64 {
    4.0 * x * (x * x - 1.0)
}

// ---------------------------------------------------------------------------
// Mean first-passage times
// ---------------------------------------------------------------------------

/// Mean first-passage time of the OU process `dX = -k X dt + sqrt(2 D) dW`
/// from `x0` to `b > x0` by power series, independent of the quadrature
/// (`proofs/mfpt_1d.md`, "Checked by"): with `s = sqrt(D / k)`,
/// `T = F(b / s) - F(x0 / s)`,
/// `F(beta) = (1/k) sqrt(pi/2) [int_0^beta e^{eta^2/2} + int_0^beta e^{eta^2/2} erf(eta / sqrt 2)]`,
/// the integrands expanded
/// termwise (`e^{x^2} erf x = (2 / sqrt pi) sum_n 2^n x^{2n+1} / (2n+1)!!`,
/// which follows from `f' = 2 x f + 2 / sqrt pi`). All terms have one sign,
/// so the sums are accurate to a few ulps.
fn ou_mfpt_series(k: f64, d: f64, x0: f64, b: f64) -> f64 {
    let f = |beta: f64| -> f64 {
        let b2 = beta * beta;
        let (mut s1, mut s2) = (0.0, 0.0);
        let mut t1 = beta; // beta^{2n+1} / (2^n n!)
        let mut t2 = 2.0 / PI.sqrt() / std::f64::consts::SQRT_2 * b2; // a_n 2^{-(n+1/2)} beta^{2n+2}
        for n in 0..5000 {
            let nf = n as f64;
            s1 += t1 / (2.0 * nf + 1.0);
            s2 += t2 / (2.0 * nf + 2.0);
            if nf > b2 && t1.abs() < 1e-18 * s1.abs() && t2.abs() < 1e-18 * s2.abs() {
                break;
            }
            t1 *= b2 / (2.0 * (nf + 1.0));
            t2 *= b2 / (2.0 * nf + 3.0);
        }
        (PI / 2.0).sqrt() * (s1 + s2) / k
    };
    let s = (d / k).sqrt();
    f(b / s) - f(x0 / s)
}

#[test]
fn mfpt_matches_the_ornstein_uhlenbeck_series() {
    // (k, D, x0, b): moderate and large b / s (T up to ~1e6), starts left of
    // the minimum, a start deep in the left tail, and targets on the left
    // (mirrored: by symmetry T(x0 -> b) = T(-x0 -> -b)).
    for (k, d, x0, b) in [
        (1.0, 1.0, 0.0, 1.0),
        (2.0, 0.1, 0.0, 1.0),
        (1.0, 0.05, -0.3, 1.2),
        (3.0, 0.5, -2.0, -0.5),
        (1.0, 0.2, 0.4, -1.1),
    ] {
        let want = if b > x0 {
            ou_mfpt_series(k, d, x0, b)
        } else {
            ou_mfpt_series(k, d, -x0, -b)
        };
        let langevin = Overdamped1d::langevin(move |x| 0.5 * k * x * x, d).unwrap();
        let general = Overdamped1d::state_dependent(move |x| k * x, move |_| d);
        for p in [&langevin, &general] {
            let got = mean_first_passage_time(p, x0, b).unwrap();
            assert!(
                rel(got, want) < QUAD_TOL,
                "k {k} D {d} {x0}->{b}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn state_dependent_path_equals_langevin_path_when_d_is_constant() {
    // Two code paths: Phi = V / eps evaluated directly, and Phi integrated
    // from V' / D panel by panel. Same answer to the quadrature's accuracy,
    // on an asymmetric landscape, in both directions.
    let tilted = |x: f64| double_well(x) + 0.25 * x;
    let tilted_slope = |x: f64| double_well_slope(x) + 0.25;
    for eps in [0.3, 0.1, 0.04] {
        let direct = Overdamped1d::langevin(tilted, eps).unwrap();
        let integrated = Overdamped1d::state_dependent(tilted_slope, move |_| eps);
        for (x0, b) in [(-1.0, 1.0), (1.0, -1.0), (-1.5, 0.0), (0.7, -0.2)] {
            let a = log_mean_first_passage_time(&direct, x0, b).unwrap();
            let c = log_mean_first_passage_time(&integrated, x0, b).unwrap();
            assert!(
                (a - c).abs() < QUAD_TOL,
                "eps {eps} {x0}->{b}: ln T {a} vs {c}"
            );
        }
    }
}

#[test]
fn mfpt_matches_golden_values() {
    // Golden values: mpmath 1.3 at mp.dps = 30 (25 for the last), nested
    // tanh-sinh quadrature of T = int_{x0}^{b} int_{-inf}^{y}
    // exp(Phi(y) - Phi(z)) / D(z) dz dy, split at the critical points and the
    // kink, with Phi in closed form (script in proofs/mfpt_1d.md).
    let eps = 0.1;
    // D(x) = eps (1 + x^2 / 2) on the double well: Phi = (4/eps)(x^2 - 3 ln(2 + x^2)).
    let varying =
        Overdamped1d::state_dependent(double_well_slope, move |x| eps * (1.0 + 0.5 * x * x));
    let got = mean_first_passage_time(&varying, -1.0, 1.0).unwrap();
    assert!(rel(got, 5_561.798_830_250_206) < QUAD_TOL, "{got}");
    let got = mean_first_passage_time(&varying, -1.5, 0.3).unwrap();
    assert!(rel(got, 5_346.977_410_462_028) < QUAD_TOL, "{got}");
    // Tilted double well V = (x^2 - 1)^2 + x / 4, Langevin at eps = 0.15.
    let tilted = Overdamped1d::langevin(|x| double_well(x) + 0.25 * x, 0.15).unwrap();
    let got = mean_first_passage_time(&tilted, -1.0, 1.0).unwrap();
    assert!(rel(got, 5_134.389_650_419_809) < QUAD_TOL, "{got}");
    // SGD-like noise on a C^1 piecewise quadratic: D jumps at the kink
    // x_c, declared as a knot or left for the grid to find.
    let pq = PiecewiseQuadratic::new(4.0, 2.0, 1.0);
    let c = 0.02;
    for knots in [vec![pq.kink, pq.minimum, 0.0], vec![]] {
        let sgd = Overdamped1d::state_dependent(move |x| pq.slope(x), move |x| c * pq.curvature(x))
            .with_knots(&knots)
            .unwrap();
        let ln_t = log_mean_first_passage_time(&sgd, pq.minimum, 12.0 * c.sqrt()).unwrap();
        assert!(
            (ln_t - 21.285_183_587_672_826).abs() < QUAD_TOL,
            "knots {knots:?}: {ln_t}"
        );
    }
}

#[test]
fn refining_the_grid_changes_nothing() {
    // The accuracy claim of QuadratureOptions::default: halving both knobs
    // (twice the panels, each resolving half the exponent change) moves the
    // answer by less than the quadrature tolerance.
    let fine = QuadratureOptions::new(0.025, 0.25, 400_000).unwrap();
    for eps in [0.2, 0.05, 0.01] {
        let slope = |x: f64| double_well_slope(x) + 0.1;
        let d = move |x: f64| eps * (1.0 + 0.5 * x * x);
        let coarse = Overdamped1d::state_dependent(slope, d);
        let refined = Overdamped1d::state_dependent(slope, d).with_options(fine);
        let a = log_mean_first_passage_time(&coarse, -1.0, 1.0).unwrap();
        let b = log_mean_first_passage_time(&refined, -1.0, 1.0).unwrap();
        assert!((a - b).abs() < QUAD_TOL, "eps {eps}: {a} vs {b}");
    }
}

/// Coefficients `c_k` of `T / T_Kramers = sum_k c_k eps^k` for the double
/// well from `-1` to `+1` (or to the saddle 0): the product of the Laplace
/// expansions of `int e^{-V/eps}` around `-1` and `int e^{V/eps}` around 0,
/// computed exactly with sympy (Gaussian moments; script in
/// `proofs/kramers.md`). Asymptotic, not convergent.
const LAPLACE: [f64; 7] = [
    1.0,
    3.0 / 8.0,
    57.0 / 128.0,
    945.0 / 1024.0,
    91035.0 / 32768.0,
    2900205.0 / 262144.0,
    230758605.0 / 4194304.0,
];

#[test]
fn kramers_over_exact_mfpt_tends_to_one_like_eps() {
    let law = EyringKramers::from_landscape(&DoubleWell, 0, 0).unwrap();
    assert!((law.barrier() - 1.0).abs() < 1e-15);
    assert!(
        rel(
            law.prefactor(TransitionTarget::OtherMinimum),
            2.0 * PI / 32f64.sqrt()
        ) < 1e-15
    );
    let epsilons = [0.2, 0.1, 0.07, 0.05, 0.035, 0.025];
    let mut deviations = Vec::new();
    for &eps in &epsilons {
        let p = Overdamped1d::langevin_on(&DoubleWell, eps).unwrap();
        for (target, b) in [
            (TransitionTarget::OtherMinimum, 1.0),
            (TransitionTarget::Saddle, 0.0),
        ] {
            let ln_exact = log_mean_first_passage_time(&p, -1.0, b).unwrap();
            let ratio = (ln_exact - law.log_mean_time(eps, target).unwrap()).exp();
            // Laplace series to eps^4; the remainder is about c5 eps^5 and at
            // most 2 c5 eps^5 for eps <= 0.05, where the next ratios
            // c6 eps / c5 <= 0.25 and c7 eps / c6 <= 0.3 keep the tail of the
            // asymptotic series below 1.5 times its first term. (For the saddle
            // the outer Laplace integral is exactly half of the symmetric
            // one; the remaining corrections are O(e^{-1/eps}) < 1e-8 here.)
            if eps <= 0.05 {
                let series: f64 = LAPLACE
                    .iter()
                    .take(5)
                    .enumerate()
                    .map(|(k, c)| c * eps.powi(k as i32))
                    .sum();
                let bound = 2.0 * LAPLACE[5] * eps.powi(5);
                assert!(
                    (ratio - series).abs() < bound,
                    "eps {eps} {target:?}: {ratio} vs {series} (bound {bound})"
                );
            }
            if target == TransitionTarget::OtherMinimum {
                deviations.push(ratio - 1.0);
            }
        }
    }
    // The ratio approaches 1 from above, monotonically ...
    assert!(deviations.iter().all(|&d| d > 0.0));
    assert!(deviations.windows(2).all(|w| w[1] < w[0]), "{deviations:?}");
    // ... and the deviation is O(eps): the local log-log slope between
    // neighbouring eps is 1 + (c2 / c1) eps + O(eps^2), so it must lie within
    // 2 (c2 / c1) eps_max of 1 (factor 2 for the higher orders).
    for (w, dv) in epsilons.windows(2).zip(deviations.windows(2)).skip(2) {
        let slope = (dv[0] / dv[1]).ln() / (w[0] / w[1]).ln();
        let allowed = 2.0 * LAPLACE[2] / LAPLACE[1] * w[0];
        assert!(
            (slope - 1.0).abs() < allowed,
            "slope {slope} between eps {} and {}",
            w[0],
            w[1]
        );
    }
    // The least-squares slope over eps <= 0.07 likewise (same bound, at eps = 0.07).
    let pts: Vec<(f64, f64)> = epsilons
        .iter()
        .zip(&deviations)
        .skip(2)
        .map(|(e, d)| (e.ln(), d.ln()))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let fitted = sxy / sxx;
    let allowed = 2.0 * LAPLACE[2] / LAPLACE[1] * 0.07;
    assert!((fitted - 1.0).abs() < allowed, "fitted slope {fitted}");
}

#[test]
fn log_space_mfpt_survives_tiny_noise() {
    // T ~ e^500 and e^1000: the log form stays exact (the 5-term Laplace
    // series is exact to 1e-13 here), the plain form overflows to +inf.
    let law = EyringKramers::from_landscape(&DoubleWell, 0, 0).unwrap();
    for eps in [0.002, 0.001] {
        let p = Overdamped1d::langevin_on(&DoubleWell, eps).unwrap();
        let ln_t = log_mean_first_passage_time(&p, -1.0, 1.0).unwrap();
        let series: f64 = LAPLACE
            .iter()
            .take(5)
            .enumerate()
            .map(|(k, c)| c * eps.powi(k as i32))
            .sum();
        let ln_want = law
            .log_mean_time(eps, TransitionTarget::OtherMinimum)
            .unwrap()
            + series.ln();
        // Rounding floor: Phi = V / eps reaches 1000 / eps on the grid, and
        // its rounding (1e-16 relative) propagates into ln T at about 1e-13.
        assert!(
            (ln_t - ln_want).abs() < 1e-11,
            "eps {eps}: {ln_t} vs {ln_want}"
        );
    }
    let p = Overdamped1d::langevin_on(&DoubleWell, 0.001).unwrap();
    assert!(mean_first_passage_time(&p, -1.0, 1.0)
        .unwrap()
        .is_infinite());
}

/// A `C^1` piecewise-quadratic well and barrier: `V = h_a (x - m)^2 / 2` for
/// `x <= x_c`, `V = dL - h_b x^2 / 2` beyond, saddle at 0. Matching value and
/// slope at `x_c` gives `s = h_b / (h_a + h_b)` of the barrier below the
/// kink, `u = x_c - m = sqrt(2 s dL / h_a)`, `w = -x_c = h_a u / h_b`
/// (`proofs/sgd_noise_flat_minima.md`).
#[derive(Debug, Clone, Copy)]
struct PiecewiseQuadratic {
    h_a: f64,
    h_b: f64,
    barrier: f64,
    u: f64,
    w: f64,
    kink: f64,
    minimum: f64,
}

impl PiecewiseQuadratic {
    fn new(h_a: f64, h_b: f64, barrier: f64) -> Self {
        let s = h_b / (h_a + h_b);
        let u = (2.0 * s * barrier / h_a).sqrt();
        let w = h_a * u / h_b;
        Self {
            h_a,
            h_b,
            barrier,
            u,
            w,
            kink: -w,
            minimum: -w - u,
        }
    }
    fn value(&self, x: f64) -> f64 {
        if x <= self.kink {
            0.5 * self.h_a * (x - self.minimum).powi(2)
        } else {
            self.barrier - 0.5 * self.h_b * x * x
        }
    }
    fn slope(&self, x: f64) -> f64 {
        if x <= self.kink {
            self.h_a * (x - self.minimum)
        } else {
            -self.h_b * x
        }
    }
    fn curvature(&self, x: f64) -> f64 {
        if x <= self.kink {
            self.h_a
        } else {
            self.h_b
        }
    }
}

/// Upper tail of the standard normal.
fn normal_tail(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

/// Bound on `|T / T_0 - 1|` for the exact MFPT from the minimum to `b`
/// (`0 <= b <= w`) on [`PiecewiseQuadratic`], when `Phi` is Gaussian with
/// variance `var_a` and `D = d_a` in the well and `Phi = dPhi - y^2 / (2 var_b)`,
/// `D = d_b` beyond the kink, and `T_0 = 2 pi sqrt(var_a var_b) e^{dPhi} / d_a`
/// (times 1/2 for `b = 0`): the three neglected pieces of
/// `proofs/sgd_noise_flat_minima.md`, "Exactness on the piecewise quadratic".
fn piecewise_bound(
    pq: &PiecewiseQuadratic,
    var_a: f64,
    d_a: f64,
    var_b: f64,
    d_b: f64,
    b: f64,
) -> f64 {
    let (sa, sb) = (var_a.sqrt(), var_b.sqrt());
    let root = (2.0 * PI).sqrt();
    let well = normal_tail(pq.u / sa)
        + (b - pq.kink) * (-pq.u * pq.u / (2.0 * var_a)).exp() * d_a / (d_b * root * sa);
    let half = if b > 0.0 { 1.0 } else { 0.5 };
    let saddle = (normal_tail(pq.w / sb)
        + if b > 0.0 { normal_tail(b / sb) } else { 0.0 }
        + pq.u * (-pq.w * pq.w / (2.0 * var_b)).exp() / (root * sb))
        / half;
    well + saddle + well * saddle
}

#[test]
fn sgd_law_is_exact_on_the_piecewise_quadratic_and_favours_flat_minima() {
    let c = 1.0 / 400.0; // lr / (2B): lr = 0.05, B = 10
    let (lr, batch) = (0.05, 10.0);
    let white_eps = 0.01;
    let mut ln_sgd = Vec::new();
    let mut ln_white = Vec::new();
    for h_a in [4.0, 1.0] {
        let pq = PiecewiseQuadratic::new(h_a, 2.0, 1.0);
        let law = SgdEscape::piecewise_quadratic(lr, batch, h_a, 2.0, 1.0).unwrap();
        assert!((law.noise_scale() - c).abs() < 1e-15);
        let sgd = Overdamped1d::state_dependent(move |x| pq.slope(x), move |x| c * pq.curvature(x));
        let white = Overdamped1d::langevin(move |x| pq.value(x), white_eps).unwrap();
        let kramers = EyringKramers::new(
            0.0,
            &DMatrix::from_element(1, 1, h_a),
            1.0,
            &DMatrix::from_element(1, 1, -2.0),
        )
        .unwrap();
        for (target, b) in [
            (TransitionTarget::OtherMinimum, 0.5),
            (TransitionTarget::Saddle, 0.0),
        ] {
            // SGD: Phi = (x - m)^2 / (2c) in the well, dPhi - x^2 / (2c) at the saddle.
            let exact = log_mean_first_passage_time(&sgd, pq.minimum, b).unwrap();
            let bound = piecewise_bound(&pq, c, c * h_a, c, c * 2.0, b);
            assert!(
                bound < 1e-10,
                "parameters chosen so the tails are negligible: {bound}"
            );
            let dev = (exact - law.log_mean_time(target)).exp() - 1.0;
            assert!(
                dev.abs() < bound + QUAD_TOL,
                "SGD h_a {h_a} {target:?}: deviation {dev}, bound {bound}"
            );
            // White noise: variances eps / h_a and eps / h_b, D = eps: the Kramers law.
            let exact_w = log_mean_first_passage_time(&white, pq.minimum, b).unwrap();
            let bound_w = piecewise_bound(
                &pq,
                white_eps / h_a,
                white_eps,
                white_eps / 2.0,
                white_eps,
                b,
            );
            assert!(bound_w < 1e-10, "{bound_w}");
            let dev_w = (exact_w - kramers.log_mean_time(white_eps, target).unwrap()).exp() - 1.0;
            assert!(
                dev_w.abs() < bound_w + QUAD_TOL,
                "white h_a {h_a} {target:?}: {dev_w}, bound {bound_w}"
            );
            if target == TransitionTarget::OtherMinimum {
                ln_sgd.push(exact);
                ln_white.push(exact_w);
            }
        }
    }
    // Sharp (h_a = 4) vs flat (h_a = 1), same barrier and saddle. White
    // noise: the ratio is the prefactor ratio sqrt(4 / 1) = 2, i.e. the sharp
    // minimum is left only twice as fast. SGD noise: the log-ratio is the
    // difference of exponents (2B dL / lr)(s / h_a + (1 - s) / h_b),
    // 400 (2/3 / 1 + 1/3 / 2 - 1/3 / 4 - 2/3 / 2) = 400 * 5/12 ~ 167, plus the
    // prefactor ratio ln 4.
    // Each exact time is within 1e-10 (bound) + QUAD_TOL of its law, so a
    // ratio is within about twice that, relatively.
    let per_time = 1e-10 + QUAD_TOL;
    let white_ratio = (ln_white[1] - ln_white[0]).exp();
    assert!(
        (white_ratio - 2.0).abs() < 2.0 * 2.1 * per_time,
        "{white_ratio}"
    );
    let sgd_log_ratio = ln_sgd[1] - ln_sgd[0];
    let want = 400.0 * 5.0 / 12.0 + 4f64.ln();
    assert!(
        (sgd_log_ratio - want).abs() < 2.1 * per_time,
        "{sgd_log_ratio} vs {want}"
    );
}

#[test]
fn sgd_noise_on_a_smooth_double_well_cannot_cross_the_inflection_point() {
    // D = c |V''| vanishes at x = -1/sqrt(3) between the well and the
    // barrier; V'/D ~ a / |x - x_i| is not integrable there, so the barrier
    // is unreachable (proofs/sgd_noise_flat_minima.md). The quadrature
    // reports it instead of returning a number, and quickly.
    let c = 0.05;
    let p = Overdamped1d::state_dependent(double_well_slope, move |x: f64| {
        c * (12.0 * x * x - 4.0).abs()
    });
    let start = std::time::Instant::now();
    let err = mean_first_passage_time(&p, -1.0, 0.0).unwrap_err();
    assert!(
        matches!(err, Error::Unsupported(ref m) if m.contains("inflection")),
        "{err}"
    );
    assert!(start.elapsed().as_secs_f64() < 2.0);
}

#[test]
fn mfpt_rejects_bad_inputs() {
    let p = Overdamped1d::langevin(double_well, 0.1).unwrap();
    assert!(matches!(
        mean_first_passage_time(&p, f64::NAN, 1.0),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        mean_first_passage_time(&p, 0.0, f64::INFINITY),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Overdamped1d::langevin(double_well, 0.0),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        p.with_knots(&[f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    assert!(QuadratureOptions::new(0.05, 3.0, 1000).is_err());
    assert!(QuadratureOptions::new(-1.0, 0.5, 1000).is_err());
    // Zero distance: zero time.
    let p = Overdamped1d::langevin(double_well, 0.1).unwrap();
    assert!(mean_first_passage_time(&p, 0.3, 0.3).unwrap().abs() < 1e-300);
    // V = x does not confine on the left: the grid budget runs out.
    let open = Overdamped1d::langevin(|x| x, 0.1)
        .unwrap()
        .with_options(QuadratureOptions::new(0.05, 0.5, 5000).unwrap());
    assert!(matches!(
        mean_first_passage_time(&open, -1.0, 0.0),
        Err(Error::Unsupported(_))
    ));
    // A non-positive diffusivity is reported.
    let bad = Overdamped1d::state_dependent(double_well_slope, |x| x);
    assert!(matches!(
        mean_first_passage_time(&bad, -1.0, 0.0),
        Err(Error::Unsupported(_))
    ));
}

// ---------------------------------------------------------------------------
// Gibbs law
// ---------------------------------------------------------------------------

/// `(z, Phi(z))` for the standard normal CDF, from mpmath 1.3 `ncdf` at 25 digits.
const NORMAL_CDF: [(f64, f64); 9] = [
    (-9.0, 1.128_588_405_953_840_5e-19),
    (-3.0, 0.001_349_898_031_630_094_6),
    (-1.0, 0.158_655_253_931_457_05),
    (-0.3, 0.382_088_577_811_047_4),
    (0.0, 0.5),
    (0.2, 0.579_259_709_439_103),
    (1.7, 0.955_434_537_241_457),
    (4.0, 0.999_968_328_758_166_9),
    (9.0, 1.0),
];

#[test]
fn gibbs_law_of_a_quadratic_is_the_normal_law() {
    for (k, centre, eps) in [(1.0, 0.0, 1.0), (8.0, -1.0, 0.05), (0.5, 2.0, 0.3)] {
        let g = Gibbs1d::new(
            move |x| 0.5 * k * (x - centre) * (x - centre),
            eps,
            &[centre],
        )
        .unwrap();
        let var = eps / k;
        // Z = sqrt(2 pi eps / k); mean = centre; variance = eps / k.
        assert!((g.log_normalizer() - 0.5 * (2.0 * PI * var).ln()).abs() < 1e-13);
        assert!((g.mean() - centre).abs() < 1e-12 * (1.0 + centre.abs()));
        assert!(rel(g.variance(), var) < 1e-12);
        assert!((g.temperature() - eps).abs() < 1e-15);
        // CDF against the normal CDF (mpmath 1.3 `ncdf`, 25 digits; statrs'
        // erf is only good to ~1e-11), off-grid points and the tails.
        for (z, want) in NORMAL_CDF {
            let x = centre + z * var.sqrt();
            assert!(
                (g.cdf(x) - want).abs() < 1e-13,
                "k {k} z {z}: {} vs {want}",
                g.cdf(x)
            );
            let dens = (-0.5 * z * z).exp() / (2.0 * PI * var).sqrt();
            assert!(rel(g.density(x), dens) < 1e-12);
        }
        let (edges, cdf) = g.grid();
        assert_eq!(edges.len(), cdf.len());
        assert!(cdf[0].abs() < 1e-300 && (cdf[cdf.len() - 1] - 1.0).abs() < 1e-15);
        assert!(cdf.windows(2).all(|w| w[1] >= w[0]));
    }
}

#[test]
fn gibbs_law_of_double_wells_matches_golden_values_and_stein_identities() {
    // Golden values: mpmath 1.3, mp.dps = 30, tanh-sinh over (-inf, -1, 0, 1, inf).
    let g = Gibbs1d::from_landscape(&DoubleWell, 0.25).unwrap();
    assert!((g.log_normalizer() - -0.053_571_853_615_895_06).abs() < 1e-13);
    assert!((g.expectation(|x| x * x) - 0.917_670_860_745_229_6).abs() < 1e-13);
    // Symmetry: mean 0, CDF 1/2 at the barrier top.
    assert!(g.mean().abs() < 1e-13);
    assert!((g.cdf(0.0) - 0.5).abs() < 1e-13);
    let eps = 0.15;
    let tilted = |x: f64| double_well(x) + 0.25 * x;
    let g = Gibbs1d::new(tilted, eps, &[-1.0, 0.0, 1.0]).unwrap();
    assert!((g.log_normalizer() - 0.645_145_263_759_013_7).abs() < 1e-13);
    assert!((g.mean() - -0.927_398_851_807_406).abs() < 1e-13);
    assert!((g.variance() - 0.157_969_392_324_797_98).abs() < 1e-13);
    assert!((g.cdf(-0.2) - 0.961_174_477_522_399_9).abs() < 1e-13);
    // Stein identities, exact for any confining V (integration by parts
    // against exp(-V / eps)): E V'(X) = 0 and E X V'(X) = eps.
    let slope = |x: f64| double_well_slope(x) + 0.25;
    assert!(g.expectation(slope).abs() < 1e-12);
    assert!((g.expectation(|x| x * slope(x)) - eps).abs() < 1e-12);
    // From a landscape and from a closure: the same law.
    let a = Gibbs1d::from_landscape(&DoubleWell, 0.1).unwrap();
    let b = Gibbs1d::new(double_well, 0.1, &[-1.0, 0.0, 1.0]).unwrap();
    assert!((a.log_normalizer() - b.log_normalizer()).abs() < 1e-14);
    assert!(Gibbs1d::new(double_well, 0.1, &[]).is_err());
}

#[test]
fn gibbs_law_reaches_a_deep_well_behind_a_high_barrier() {
    // eps = 0.01: the barrier (about 1 / eps = 100 in the exponent) is far
    // beyond the 1e-17 truncation (39), so only the declared modes make the
    // grid cross it. Starting from the shallow right well, the deep left
    // well (V(-1) ~ -0.5 below) must hold almost all the mass: by Laplace,
    // P(X > 0) ~ sqrt(V''(-1) / V''(1)) e^{-(V(1) - V(-1)) / eps} < 1e-20.
    // The mean sits at the deep minimum x_m (4x^3 - 4x + 1/4 = 0 near -1)
    // shifted by Laplace's first-order term -eps V'''/(2 V''^2) ~ +0.0016;
    // allow 3 times that shift for the O(eps^2) rest.
    let tilted = |x: f64| double_well(x) + 0.25 * x;
    let eps = 0.01;
    let g = Gibbs1d::new(tilted, eps, &[1.0, -1.0, 0.0]).unwrap();
    assert!(g.cdf(0.0) > 1.0 - 1e-15);
    let mut x_m = -1.0_f64;
    for _ in 0..50 {
        x_m -= (double_well_slope(x_m) + 0.25) / (12.0 * x_m * x_m - 4.0);
    }
    let (v2, v3) = (12.0 * x_m * x_m - 4.0, 24.0 * x_m);
    let shift = -eps * v3 / (2.0 * v2 * v2);
    assert!(
        (g.mean() - x_m).abs() < 3.0 * shift.abs(),
        "mean {} vs {x_m} + {shift}",
        g.mean()
    );
}

// ---------------------------------------------------------------------------
// Eyring-Kramers
// ---------------------------------------------------------------------------

/// `V(x, y) = (x^2 - 1)^2 + k y^2 / 2`: separable, so the transverse
/// direction must cancel from the Eyring-Kramers prefactor.
#[derive(Debug)]
struct Separable {
    k: f64,
}

impl Objective for Separable {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &[f64]) -> f64 {
        double_well(x[0]) + 0.5 * self.k * x[1] * x[1]
    }
}
impl Gradient for Separable {
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g[0] = double_well_slope(x[0]);
        g[1] = self.k * x[1];
    }
}
impl Hessian for Separable {
    fn hessian(&self, x: &[f64], h: &mut DMatrix<f64>) {
        h.fill(0.0);
        h[(0, 0)] = 12.0 * x[0] * x[0] - 4.0;
        h[(1, 1)] = self.k;
    }
}
impl Landscape for Separable {
    fn name(&self) -> &'static str {
        "separable"
    }
    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![-1.0, 0.0], vec![1.0, 0.0]]
    }
    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0, 0.0]]
    }
}

#[test]
fn eyring_kramers_in_two_dimensions() {
    // Separable: |lambda_-| = 4, det H(s) = -4k, det H(m) = 8k, so the
    // prefactor is (2 pi / 4) sqrt(1/2) = 2 pi / sqrt 32 for every k, as in 1-D.
    for k in [0.5, 1.0, 7.0] {
        let land = Separable { k };
        let t = mean_transition_time(&land, 1, 0, 0.1, TransitionTarget::OtherMinimum).unwrap();
        assert!(
            rel(t, 2.0 * PI / 32f64.sqrt() * 10f64.exp()) < 1e-13,
            "k {k}"
        );
        let half = mean_transition_time(&land, 1, 0, 0.1, TransitionTarget::Saddle).unwrap();
        assert!(rel(half, 0.5 * t) < 1e-15);
    }
    // Non-separable with a rotated saddle: H(s) = R diag(-2, 3) R^T, H(m) = diag(1, 6):
    // prefactor (2 pi / 2) sqrt(6 / 6) = pi; rotation must not matter.
    let (c, s) = (0.6_f64, 0.8_f64);
    let r = DMatrix::from_row_slice(2, 2, &[c, -s, s, c]);
    let hs =
        &r * DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![-2.0, 3.0])) * r.transpose();
    let hm = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![1.0, 6.0]));
    let law = EyringKramers::new(-0.5, &hm, 0.25, &hs).unwrap();
    assert!(rel(law.prefactor(TransitionTarget::OtherMinimum), PI) < 1e-13);
    assert!((law.barrier() - 0.75).abs() < 1e-15);
    assert!(
        rel(
            law.mean_time(0.05, TransitionTarget::OtherMinimum).unwrap(),
            PI * 15f64.exp()
        ) < 1e-13
    );
}

#[test]
fn eyring_kramers_rejects_what_it_does_not_cover() {
    let m = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![2.0, 3.0]));
    let s = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![-1.0, 3.0]));
    let index2 = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![-1.0, -3.0]));
    let flat = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![-1.0, 0.0]));
    let not_pd = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![2.0, -0.1]));
    let asym = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 0.0, 3.0]);
    assert!(EyringKramers::new(0.0, &m, 1.0, &s).is_ok());
    assert!(matches!(
        EyringKramers::new(0.0, &m, 1.0, &index2),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        EyringKramers::new(0.0, &m, 1.0, &flat),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        EyringKramers::new(0.0, &not_pd, 1.0, &s),
        Err(Error::NotPositiveDefinite { .. })
    ));
    assert!(matches!(
        EyringKramers::new(0.0, &asym, 1.0, &s),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        EyringKramers::new(1.0, &m, 1.0, &s),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        EyringKramers::new(0.0, &DMatrix::identity(3, 3), 1.0, &s),
        Err(Error::DimensionMismatch { .. })
    ));
    let law = EyringKramers::new(0.0, &m, 1.0, &s).unwrap();
    assert!(law.mean_time(0.0, TransitionTarget::Saddle).is_err());
    assert!(matches!(
        EyringKramers::from_landscape(&DoubleWell, 2, 0),
        Err(Error::OutOfRange { .. })
    ));
}

// ---------------------------------------------------------------------------
// Alpha-stable exit
// ---------------------------------------------------------------------------

/// `int_0^inf (1 - cos t) t^{-1-alpha} dt` by quadrature, independent of
/// any Gamma-function identity: `[0, 1]` after `t = s^2` (smooth for
/// alpha in {1/2, 1, 3/2}), `[1, T]` with `T = 100 pi`, both by Simpson's
/// rule with one Richardson step (error O(h^6)); the tail by
/// `int_T^inf t^{-1-alpha} = T^{-alpha} / alpha` and, integrating by parts
/// twice (sin T = 0, cos T = 1), `int_T^inf cos t t^{-1-alpha} =
/// (1+alpha) T^{-2-alpha} - (1+alpha)(2+alpha)(3+alpha) T^{-4-alpha} + O(T^{-6-alpha})`.
fn one_minus_cos_integral(alpha: f64) -> f64 {
    let simpson = |f: &dyn Fn(f64) -> f64, a: f64, b: f64, n: usize| -> f64 {
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(a + i as f64 * h);
        }
        s * h / 3.0
    };
    let richardson = |f: &dyn Fn(f64) -> f64, a: f64, b: f64, n: usize| -> f64 {
        let coarse = simpson(f, a, b, n);
        let fine = simpson(f, a, b, 2 * n);
        (16.0 * fine - coarse) / 15.0
    };
    // 1 - cos(s^2) = 2 sin^2(s^2 / 2), times 2 s ds / s^{2 + 2 alpha}.
    let near = |s: f64| {
        if s < 1e-300 {
            if (alpha - 1.5).abs() < 1e-12 {
                1.0
            } else {
                0.0
            }
        } else {
            4.0 * (0.5 * s * s).sin().powi(2) * s.powf(-1.0 - 2.0 * alpha)
        }
    };
    let far = |t: f64| 2.0 * (0.5 * t).sin().powi(2) * t.powf(-1.0 - alpha);
    let big_t = 100.0 * PI;
    let head = richardson(&near, 0.0, 1.0, 2000) + richardson(&far, 1.0, big_t, 40_000);
    let cos_tail = (1.0 + alpha) * big_t.powf(-2.0 - alpha)
        - (1.0 + alpha) * (2.0 + alpha) * (3.0 + alpha) * big_t.powf(-4.0 - alpha);
    head + big_t.powf(-alpha) / alpha - cos_tail
}

#[test]
fn levy_constant_gives_the_standard_characteristic_function() {
    assert!((levy_density_constant(1.0).unwrap() - 1.0 / PI).abs() < 1e-15);
    // -ln E e^{iuL_1} = 2 C_alpha |u|^alpha int_0^inf (1 - cos t) t^{-1-alpha} dt
    // must be |u|^alpha; the quadrature above is accurate to ~1e-9 (O(h^6)
    // with h = 1e-2 on the oscillatory part, truncation O(T^{-6}) ~ 1e-15).
    for alpha in [0.5, 1.0, 1.5] {
        let psi = 2.0 * levy_density_constant(alpha).unwrap() * one_minus_cos_integral(alpha);
        assert!((psi - 1.0).abs() < 1e-8, "alpha {alpha}: {psi}");
    }
    // C_alpha -> 0 as alpha -> 2 (no jumps in the Gaussian limit), like sin(pi alpha / 2).
    let near_two: Vec<f64> = [1.9, 1.99, 1.999]
        .iter()
        .map(|&a| levy_density_constant(a).unwrap())
        .collect();
    assert!(near_two.windows(2).all(|w| w[1] < w[0]));
    assert!(near_two[2] < 0.002, "{near_two:?}");
    for bad in [0.0, 2.0, -1.0, f64::NAN] {
        assert!(matches!(
            levy_density_constant(bad),
            Err(Error::OutOfRange { .. })
        ));
    }
}

#[test]
fn alpha_stable_exit_scales_like_eps_to_minus_alpha_and_ignores_depth() {
    for alpha in [0.7, 1.0, 1.6] {
        let t1 = mean_exit_time(alpha, 0.1, 1.0, 1.0).unwrap();
        let t2 = mean_exit_time(alpha, 0.2, 1.0, 1.0).unwrap();
        assert!(rel(t2 / t1, 2f64.powf(-alpha)) < 1e-14);
        // Symmetric unit basin: alpha / (2 C_alpha eps^alpha).
        let want = alpha / (2.0 * levy_density_constant(alpha).unwrap() * 0.1f64.powf(alpha));
        assert!(rel(t1, want) < 1e-14);
        // One-sided basin: half the rate, twice the time.
        assert!(
            rel(
                mean_exit_time(alpha, 0.1, f64::INFINITY, 1.0).unwrap(),
                2.0 * t1
            ) < 1e-14
        );
        // Exit side: by the ratio of the tail masses.
        assert!((exit_right_probability(alpha, 1.0, 1.0).unwrap() - 0.5).abs() < 1e-15);
        let p = exit_right_probability(alpha, 1.0, 2.0).unwrap();
        assert!(rel(p, 1.0 / (1.0 + 2f64.powf(alpha))) < 1e-14);
    }
    // Depth: the double well k (x^2 - 1)^2 has basin (-inf, 0) around -1
    // for every k; the predicted time is the same for depth 1 and depth 50.
    #[derive(Debug)]
    struct Deep(f64);
    impl Objective for Deep {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &[f64]) -> f64 {
            self.0 * double_well(x[0])
        }
    }
    impl Gradient for Deep {
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            g[0] = self.0 * double_well_slope(x[0]);
        }
    }
    impl Hessian for Deep {
        fn hessian(&self, x: &[f64], h: &mut DMatrix<f64>) {
            h[(0, 0)] = self.0 * (12.0 * x[0] * x[0] - 4.0);
        }
    }
    impl Landscape for Deep {
        fn name(&self) -> &'static str {
            "deep"
        }
        fn minima(&self) -> Vec<Vec<f64>> {
            vec![vec![-1.0], vec![1.0]]
        }
        fn saddles(&self) -> Vec<Vec<f64>> {
            vec![vec![0.0]]
        }
    }
    for land in [Deep(1.0), Deep(50.0)] {
        let (left, right) = basin_half_widths(&land, 0).unwrap();
        assert!(left.is_infinite() && (right - 1.0).abs() < 1e-15);
        let t = mean_exit_time(1.5, 0.1, left, right).unwrap();
        assert!(
            rel(
                t,
                1.5 / (levy_density_constant(1.5).unwrap() * 0.1f64.powf(1.5))
            ) < 1e-14
        );
    }
    assert!((basin_half_widths(&DoubleWell, 1).unwrap().0 - 1.0).abs() < 1e-15);
    assert!(mean_exit_time(1.5, 0.1, f64::INFINITY, f64::INFINITY).is_err());
    assert!(mean_exit_time(1.5, 0.1, 0.0, 1.0).is_err());
    assert!(mean_exit_time(1.5, -0.1, 1.0, 1.0).is_err());
}

// ---------------------------------------------------------------------------
// Lyapunov equations
// ---------------------------------------------------------------------------

/// Backward-error bound for the Kronecker LU solve of `K vec S = vec Q`
/// (size `N = n^2`): the residual of a backward-stable solve is at most
/// about `c N u (||K|| ||S|| + ||Q||)` (Higham, *Accuracy and Stability of
/// Numerical Algorithms*, 2nd ed. 2002, Theorem 9.4, growth factor O(1) for
/// these small systems); we allow `c = 64`, Frobenius norms, with
/// `k_norm >= ||K||_F` (`2 sqrt(n) ||A||_F` for the continuous equation,
/// `n + ||M||_F^2` for the discrete one).
fn lyapunov_tol(n: usize, k_norm: f64, s: &DMatrix<f64>, q: &DMatrix<f64>) -> f64 {
    64.0 * (n * n) as f64 * f64::EPSILON * (k_norm * s.norm() + q.norm())
}

#[test]
fn continuous_lyapunov_closed_forms() {
    // 1-D: dX = -a X dt + sigma dW has stationary variance sigma^2 / (2a).
    let (a, sigma) = (0.7, 1.3);
    let s = ou_stationary_covariance(
        &DMatrix::from_element(1, 1, a),
        &DMatrix::from_element(1, 1, sigma),
    )
    .unwrap();
    assert!(rel(s[(0, 0)], sigma * sigma / (2.0 * a)) < 1e-14);
    // Diagonal A: S_ij = Q_ij / (a_i + a_j).
    let diag = [0.5, 2.0, 3.5];
    let a = DMatrix::from_diagonal(&nalgebra::DVector::from_row_slice(&diag));
    let q = DMatrix::from_row_slice(3, 3, &[2.0, 0.3, -0.1, 0.3, 1.0, 0.2, -0.1, 0.2, 0.5]);
    let s = solve_continuous_lyapunov(&a, &q).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            assert!((s[(i, j)] - q[(i, j)] / (diag[i] + diag[j])).abs() < 1e-14);
        }
    }
    // Rejections: an eigenvalue with zero real part, non-symmetric Q, size.
    let rotation = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -1.0, 0.0]);
    assert!(matches!(
        solve_continuous_lyapunov(&rotation, &DMatrix::identity(2, 2)),
        Err(Error::OutOfRange { .. })
    ));
    assert!(solve_continuous_lyapunov(
        &DMatrix::identity(2, 2),
        &DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1.0])
    )
    .is_err());
    assert!(matches!(
        solve_continuous_lyapunov(&DMatrix::identity(31, 31), &DMatrix::identity(31, 31)),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        solve_continuous_lyapunov(&DMatrix::identity(2, 2), &DMatrix::identity(3, 3)),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn discrete_lyapunov_closed_forms_and_exact_ou_discretisation() {
    // Scalar: S = m^2 S + q.
    let s = solve_discrete_lyapunov(
        &DMatrix::from_element(1, 1, 0.9),
        &DMatrix::from_element(1, 1, 0.5),
    )
    .unwrap();
    assert!(rel(s[(0, 0)], 0.5 / (1.0 - 0.81)) < 1e-13);
    // The OU process sampled every h is the recursion X_{k+1} = e^{-Ah} X_k + xi
    // with Cov xi = S - e^{-Ah} S e^{-A^T h}: its discrete solution is the
    // continuous one (non-normal A, so the Kronecker structure matters).
    let a = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 0.0, 0.0, 0.5, -1.0, 0.3, 0.0, 2.0]);
    let g = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.5, 1.0, 0.0, 0.3]);
    let s = ou_stationary_covariance(&a, &g).unwrap();
    let m = (-&a * 0.2).exp();
    let q = &s - &m * &s * m.transpose();
    let q = (&q + q.transpose()) * 0.5;
    let back = solve_discrete_lyapunov(&m, &q).unwrap();
    assert!((&back - &s).norm() < 1e-11 * s.norm(), "{back} vs {s}");
    assert!(matches!(
        solve_discrete_lyapunov(
            &DMatrix::from_element(1, 1, 1.0),
            &DMatrix::from_element(1, 1, 1.0)
        ),
        Err(Error::OutOfRange { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random stable A (a random matrix shifted right of its spectral
    /// abscissa) and Q = G G^T: the continuous solution has a backward-stable
    /// residual, is symmetric, and is positive definite; the discrete
    /// equation with M = (I + A)^{-1} (spectral radius < 1) likewise.
    #[test]
    fn lyapunov_residuals_are_backward_stable(
        n in 1usize..6,
        entries in prop::collection::vec(-2.0f64..2.0, 36),
        gs in prop::collection::vec(-1.0f64..1.0, 36),
    ) {
        let raw = DMatrix::from_iterator(n, n, entries.iter().copied().take(n * n));
        let g = DMatrix::from_iterator(n, n, gs.iter().copied().take(n * n)) + DMatrix::identity(n, n) * 0.5;
        let q = &g * g.transpose();
        let abscissa = raw.complex_eigenvalues().iter().map(|l| l.re).fold(f64::INFINITY, f64::min);
        let a = &raw + DMatrix::identity(n, n) * (0.1 - abscissa.min(0.0));
        let s = solve_continuous_lyapunov(&a, &q).unwrap();
        let resid = (&a * &s + &s * a.transpose() - &q).norm();
        let nf = n as f64;
        prop_assert!(resid <= lyapunov_tol(n, 2.0 * nf.sqrt() * a.norm(), &s, &q), "residual {resid}");
        prop_assert_eq!(s.clone(), s.transpose());
        prop_assert!(s.clone().cholesky().is_some(), "S not positive definite: {s}");
        let m = (DMatrix::identity(n, n) + &a).try_inverse().unwrap();
        let sd = solve_discrete_lyapunov(&m, &q).unwrap();
        let resid_d = (&m * &sd * m.transpose() + &q - &sd).norm();
        prop_assert!(resid_d <= lyapunov_tol(n, nf + m.norm_squared(), &sd, &q), "discrete residual {resid_d}");
        prop_assert!(sd.clone().cholesky().is_some());
    }
}

// ---------------------------------------------------------------------------
// SGD escape law
// ---------------------------------------------------------------------------

#[test]
fn sgd_law_inputs_and_exponent() {
    let law = SgdEscape::new(0.1, 32.0, 4.0, 2.0, 0.5, 0.25).unwrap();
    // (2B dL / lr)(s / h_a + (1 - s) / h_b) = 320 (0.0625 + 0.375) = 140.
    assert!((law.exponent() - 140.0).abs() < 1e-12);
    assert!(
        (law.log_mean_time(TransitionTarget::OtherMinimum) - ((2.0 * PI / 4.0).ln() + 140.0)).abs()
            < 1e-12
    );
    let pq = SgdEscape::piecewise_quadratic(0.1, 32.0, 4.0, 2.0, 0.5).unwrap();
    assert!((pq.path_factor() - 1.0 / 3.0).abs() < 1e-15);
    for s in [0.0, 1.0, f64::NAN] {
        assert!(SgdEscape::new(0.1, 32.0, 4.0, 2.0, 0.5, s).is_err());
    }
    assert!(SgdEscape::new(0.0, 32.0, 4.0, 2.0, 0.5, 0.5).is_err());
    assert!(SgdEscape::new(0.1, 32.0, 4.0, -2.0, 0.5, 0.5).is_err());
}
