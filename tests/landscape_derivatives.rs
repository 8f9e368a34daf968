//! The tractable landscapes: analytic derivatives against finite differences,
//! known critical points, parameter validation and the spec registry.
//!
//! # Finite-difference tolerance
//!
//! For a smooth `f` the central difference `D(h) = (f(x+h) - f(x-h)) / 2h`
//! has truncation error `h^2 f'''(x) / 6 + O(h^4)` and rounding error at most
//! `C_EVAL eps F / h`, where `F = 1 + max |f|` over the stencil and each
//! evaluation is within `C_EVAL eps F` of exact (the formulas here have at
//! most a dozen or so rounded operations on terms no larger than `F`).
//! The unknown `|f'''|` is estimated from the data by Richardson's relation
//! `D(2h) - D(h) = 3 h^2 f''' / 6 + O(h^4)`, so the truncation term is
//! `|D(2h) - D(h)| / 3`; that estimate uses values (for the gradient check)
//! or gradients (for the Hessian check) only, never the derivative under
//! test. The tolerance is `Z_FD` times the sum of the two terms. The step is
//! `h = H_REL max(1, |x_i|)`, and the quotient divides by the representable
//! distance `(x+h) - (x-h)` so the rounding of `x +- h` does not enter.
//! With `H_REL = 1e-5` both terms are around `1e-10 F`, while a wrong
//! coefficient in a derivative shows up at order 1.

use approx::assert_abs_diff_eq;
use nalgebra::{DMatrix, SymmetricEigen};
use perturbo::landscape::registry::LANDSCAPE_NAMES;
use perturbo::landscape::tilted_double_well::MAX_TILT;
use perturbo::landscape::widening_valley::MAX_VALLEY_DIM;
use perturbo::landscape::{
    curvature_1d, parse, AnyLandscape, Gradient, Hessian, Landscape, Objective, PiecewiseValley,
    Quadratic, Quartic, SharpFlat, StrictSaddle, TiltedDoubleWell, TransverseDoubleWell,
    WideningValley, LANDSCAPE_HELP,
};
use perturbo::Error;
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;
/// Relative finite-difference step.
const H_REL: f64 = 1e-5;
/// Bound on one evaluation's rounding error, in units of `eps F`.
const C_EVAL: f64 = 16.0;
/// Safety factor on the derived finite-difference error bound: covers the
/// neglected `O(h^4)` terms, the rounding noise inside the Richardson
/// estimate itself, and the looseness of `C_EVAL`.
const Z_FD: f64 = 10.0;
/// Critical points are located to a few ulps (closed form plus a Newton
/// polish, bisection to adjacent floats, or exact formulas), so the gradient
/// there is at most a few ulps times `|H| (1 + |x|)`; this is the allowance
/// in ulps.
const CRIT_ULPS: f64 = 64.0;
/// Quantities that are exact formulas of the inputs (stored curvatures, a
/// handful of exactly representable operations) may differ by a few ulps at
/// most.
const EXACT_ULPS: f64 = 4.0;
/// Finite-difference points stay this far from the piecewise junctions (the
/// widest stencil reaches `2 h <= 5e-5` at `|x| <= 2.5`).
const JUNCTION_MARGIN: f64 = 1e-3;
/// Half-width of the box in which derivatives are checked.
const BOX: f64 = 2.5;

/// Several parameter settings of every landscape.
fn table() -> Vec<AnyLandscape> {
    let specs = [
        "quadratic",
        "quadratic:h=2,5",
        "quadratic:h=0.5,3,40,c=1,-2,0.5",
        "double-well",
        "tilted-double-well",
        "tilted-double-well:c=0",
        "tilted-double-well:c=-1.2",
        "tilted-double-well:c=1.5",
        "transverse-double-well",
        "transverse-double-well:a=0",
        "transverse-double-well:a=-0.5",
        "transverse-double-well:a=20",
        "sharp-flat",
        "sharp-flat:left=4,right=24",
        "sharp-flat:left=8,right=8",
        "sharp-flat:left=50,right=2,width=0.3",
        "sharp-flat:left=10,right=5,width=1",
        "piecewise-valley",
        "piecewise-valley:left=2,right=30,saddle=1,height=0.3",
        "piecewise-valley:min=100,saddle=50,height=5",
        "widening-valley",
        "widening-valley:d=1",
        "strict-saddle",
        "strict-saddle:gamma=2.5,h=0.5,30",
        "strict-saddle:gamma=0.2,h=4",
        "quartic",
        "quartic:h=1,4,0.5,q=0,2,10",
        "quartic:h=3,0.2",
    ];
    let mut table: Vec<AnyLandscape> = specs
        .iter()
        .map(|s| parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();
    let a = DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 0.5, 1.0, 3.0, -0.7, 0.5, -0.7, 2.0]);
    table.push(AnyLandscape::Quadratic(
        Quadratic::new(a, vec![0.3, -0.2, 1.0]).unwrap(),
    ));
    table
}

/// Asserts `|analytic - D(h)|` within the tolerance of the module docs, given
/// the central differences `d = [D(h), D(2h)]` and `big = F`.
fn assert_fd(analytic: f64, d: [f64; 2], big: f64, h: f64, what: &dyn Fn() -> String) {
    let tol = Z_FD * ((d[1] - d[0]).abs() / 3.0 + C_EVAL * EPS * big / h);
    assert!(
        (analytic - d[0]).abs() <= tol,
        "{}: analytic {analytic}, finite difference {} (tolerance {tol})",
        what(),
        d[0]
    );
}

/// Checks the gradient against central differences of the value and the
/// Hessian against central differences of the gradient, along each axis.
fn check_derivatives(l: &AnyLandscape, x: &[f64]) {
    let n = l.dim();
    let mut grad = vec![0.0; n];
    let mut hess = DMatrix::zeros(n, n);
    l.gradient(x, &mut grad);
    l.hessian(x, &mut hess);
    let mut probe = x.to_vec();
    for i in 0..n {
        let h = H_REL * x[i].abs().max(1.0);
        // Values and gradients at x +- s e_i for s = h, 2h, and the
        // representable distances between the two points.
        let mut values = [[0.0; 2]; 2];
        let mut grads = vec![vec![vec![0.0; n]; 2]; 2];
        let mut dist = [0.0; 2];
        for (s, step) in [h, 2.0 * h].into_iter().enumerate() {
            let ends = [x[i] + step, x[i] - step];
            dist[s] = ends[0] - ends[1];
            for (k, end) in ends.into_iter().enumerate() {
                probe[i] = end;
                values[s][k] = l.value(&probe);
                l.gradient(&probe, &mut grads[s][k]);
            }
        }
        probe[i] = x[i];
        let big_value = 1.0 + values.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()));
        let big_grad = 1.0
            + grads
                .iter()
                .flatten()
                .flatten()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
        let d = |s: usize| (values[s][0] - values[s][1]) / dist[s];
        assert_fd(grad[i], [d(0), d(1)], big_value, h, &|| {
            format!("{l:?} at {x:?}: dV/dx{i}")
        });
        for j in 0..n {
            let d = |s: usize| (grads[s][0][j] - grads[s][1][j]) / dist[s];
            assert_fd(hess[(j, i)], [d(0), d(1)], big_grad, h, &|| {
                format!("{l:?} at {x:?}: d2V/dx{j}dx{i}")
            });
        }
    }
    for i in 0..n {
        for j in 0..i {
            // Both entries are written from one computed value, so they are
            // bit-identical.
            assert_abs_diff_eq!(hess[(i, j)], hess[(j, i)], epsilon = 0.0);
        }
    }
}

/// True if `x` is within [`JUNCTION_MARGIN`] of a junction of a piecewise
/// valley (where `V''` jumps and finite differences of the gradient are
/// meaningless).
fn near_junction(l: &AnyLandscape, x: &[f64]) -> bool {
    match l {
        AnyLandscape::PiecewiseValley(p) => p
            .junctions()
            .iter()
            .any(|j| (x[0] - j).abs() < JUNCTION_MARGIN),
        _ => false,
    }
}

/// Eigenvalues of the Hessian at `x`.
fn eigenvalues(l: &impl Landscape, x: &[f64]) -> Vec<f64> {
    let n = l.dim();
    let mut hess = DMatrix::zeros(n, n);
    l.hessian(x, &mut hess);
    SymmetricEigen::new(hess)
        .eigenvalues
        .iter()
        .copied()
        .collect()
}

/// Checks that every listed minimum has zero gradient and a positive
/// definite Hessian, every saddle zero gradient and exactly one negative
/// eigenvalue, that both lists are ordered by first coordinate, and that
/// saddle `i` lies between minima `i` and `i + 1` and above both.
fn check_critical_points(l: &impl Landscape) {
    let n = l.dim();
    let (minima, saddles) = (l.minima(), l.saddles());
    let mut grad = vec![0.0; n];
    let mut hess = DMatrix::zeros(n, n);
    for x in minima.iter().chain(&saddles) {
        l.gradient(x, &mut grad);
        l.hessian(x, &mut hess);
        let scale = 1.0 + hess.amax() * (1.0 + x.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
        // Located to a few ulps: see CRIT_ULPS.
        let tol = CRIT_ULPS * EPS * scale;
        for g in &grad {
            assert!(
                g.abs() <= tol,
                "{l:?}: gradient {grad:?} at critical point {x:?} (tol {tol})"
            );
        }
    }
    for x in &minima {
        let eig = eigenvalues(l, x);
        assert!(
            eig.iter().all(|&e| e > 0.0),
            "{l:?}: minimum {x:?} has eigenvalues {eig:?}"
        );
    }
    for x in &saddles {
        let eig = eigenvalues(l, x);
        let negative = eig.iter().filter(|&&e| e < 0.0).count();
        let positive = eig.iter().filter(|&&e| e > 0.0).count();
        assert!(
            negative == 1 && positive == n - 1,
            "{l:?}: saddle {x:?} has eigenvalues {eig:?}"
        );
    }
    assert!(!minima.is_empty());
    assert_eq!(saddles.len(), minima.len() - 1, "{l:?}");
    for (i, s) in saddles.iter().enumerate() {
        let (a, b) = (&minima[i], &minima[i + 1]);
        assert!(
            a[0] < s[0] && s[0] < b[0],
            "{l:?}: saddle {s:?} not between {a:?} and {b:?}"
        );
        assert!(
            l.value(s) > l.value(a) && l.value(s) > l.value(b),
            "{l:?}: saddle {s:?} is no barrier"
        );
    }
}

/// A point in the test box (its first `dim` coordinates are used).
fn point() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-BOX..BOX, 3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn table_derivatives_match_finite_differences(x in point()) {
        for l in table() {
            let x = &x[..l.dim()];
            if !near_junction(&l, x) {
                check_derivatives(&l, x);
            }
        }
    }

    #[test]
    fn tilted_double_well_over_tilts(c in -0.95 * MAX_TILT..0.95 * MAX_TILT, x in point()) {
        let l = TiltedDoubleWell::new(c).unwrap();
        check_critical_points(&l);
        check_derivatives(&AnyLandscape::TiltedDoubleWell(l), &x[..1]);
    }

    #[test]
    fn transverse_double_well_over_stiffenings(a in -0.95..30.0_f64, x in point()) {
        let l = TransverseDoubleWell::new(a).unwrap();
        check_critical_points(&l);
        check_derivatives(&AnyLandscape::TransverseDoubleWell(l), &x[..2]);
    }

    #[test]
    fn sharp_flat_over_curvatures(
        left in 1.0..50.0_f64,
        right in 1.0..50.0_f64,
        width in 0.02..1.2_f64,
        x in point(),
    ) {
        // Some combinations are rightly rejected (r not positive or extra
        // critical points); the rejection itself is tested below.
        let l = SharpFlat::new(left, right, width);
        prop_assume!(l.is_ok());
        let l = l.unwrap();
        check_sharp_flat_curvatures(&l);
        check_critical_points(&l);
        check_derivatives(&AnyLandscape::SharpFlat(l), &x[..1]);
    }

    #[test]
    fn piecewise_valley_over_parameters(
        left in 0.5..50.0_f64,
        right in 0.5..50.0_f64,
        saddle in 0.5..50.0_f64,
        height in 0.1..5.0_f64,
        x in point(),
    ) {
        let p = PiecewiseValley::new(left, right, saddle, height).unwrap();
        check_piecewise_valley(&p);
        check_critical_points(&p);
        let l = AnyLandscape::PiecewiseValley(p);
        prop_assume!(!near_junction(&l, &x[..1]));
        check_derivatives(&l, &x[..1]);
    }

    #[test]
    fn strict_saddle_over_parameters(
        gamma in 0.05..10.0_f64,
        h in prop::collection::vec(0.05..50.0_f64, 2),
        x in point(),
    ) {
        let l = StrictSaddle::new(gamma, h.clone()).unwrap();
        check_strict_saddle(&l);
        check_critical_points(&l);
        check_derivatives(&AnyLandscape::StrictSaddle(l), &x);
    }

    #[test]
    fn quartic_over_parameters(
        h in prop::collection::vec(0.05..50.0_f64, 3),
        q in prop::collection::vec(0.0..20.0_f64, 3),
        sigma in 0.01..2.0_f64,
        x in point(),
    ) {
        let l = Quartic::new(h, q).unwrap();
        check_critical_points(&l);
        check_quartic_smoothing(&l, &x, sigma);
        check_derivatives(&AnyLandscape::Quartic(l), &x);
    }

    #[test]
    fn widening_valley_over_points(x in point()) {
        for d in [1, 2] {
            let l = WideningValley::new(d).unwrap();
            check_derivatives(&AnyLandscape::WideningValley(l), &x[..d + 1]);
        }
    }

    #[test]
    fn quadratic_over_spd_matrices(
        b in prop::collection::vec(-2.0..2.0_f64, 9),
        shift in 0.1..5.0_f64,
        centre in prop::collection::vec(-1.0..1.0_f64, 3),
        x in point(),
    ) {
        // A = B B^T + shift I is symmetric positive definite.
        let b = DMatrix::from_row_slice(3, 3, &b);
        let a = &b * b.transpose() + DMatrix::identity(3, 3) * shift;
        let l = Quadratic::new(a, centre).unwrap();
        check_critical_points(&l);
        check_derivatives(&AnyLandscape::Quadratic(l), &x);
    }
}

/// `V(+-1) = 0` and `V''(+-1)` equal to the requested curvatures: `V''(+-1) =
/// 8 r(+-1)` is computed from `m`, `delta` and `tanh(1/w)`, each a few ulps
/// from exact, on terms no larger than `(left + right) / tanh(1/w)`.
fn check_sharp_flat_curvatures(l: &SharpFlat) {
    let [left, right] = l.curvatures();
    let tol = CRIT_ULPS * EPS * (left + right) / (1.0 / l.width()).tanh();
    for (x, k) in [(-1.0, left), (1.0, right)] {
        assert_abs_diff_eq!(l.value(&[x]), 0.0, epsilon = EXACT_ULPS * EPS * k);
        assert_abs_diff_eq!(curvature_1d(l, x), k, epsilon = tol);
    }
}

/// `V = 0` at both minima with curvature `k_{L,R}`, `V(0) = height` with
/// curvature `-saddle`, and `V`, `V'` continuous across the junctions: a jump
/// `J` in `V` or `V'` would make the one-sided values at `j +- d` differ by
/// `J`, while for a `C^1` function they differ by at most `|V'| 2d` (value) or
/// `max(k, s) 2d` (slope) plus rounding.
fn check_piecewise_valley(p: &PiecewiseValley) {
    let [left, right] = p.curvatures();
    let s = p.saddle_curvature();
    let scale = left.max(right).max(s).max(p.height());
    let tol = CRIT_ULPS * EPS * scale;
    for (x, k) in p.minima().iter().zip([left, right]) {
        assert_abs_diff_eq!(p.value(x), 0.0, epsilon = tol);
        assert_abs_diff_eq!(curvature_1d(p, x[0]), k, epsilon = EXACT_ULPS * EPS * k);
    }
    assert_abs_diff_eq!(p.value(&[0.0]), p.height(), epsilon = tol);
    assert_abs_diff_eq!(curvature_1d(p, 0.0), -s, epsilon = EXACT_ULPS * EPS * s);
    let d = 1e-9;
    let mut g = [[0.0]; 2];
    for j in p.junctions() {
        let (inner, outer) = ([j - d * j.signum()], [j + d * j.signum()]);
        p.gradient(&inner, &mut g[0]);
        p.gradient(&outer, &mut g[1]);
        let slope_tol = scale * 2.0 * d + tol;
        assert_abs_diff_eq!(g[0][0], g[1][0], epsilon = slope_tol);
        let value_tol = g[0][0].abs() * 2.0 * d + slope_tol * 2.0 * d + tol;
        assert_abs_diff_eq!(p.value(&inner), p.value(&outer), epsilon = value_tol);
    }
}

/// The strict saddle's closed forms: `V(0) = 0` with Hessian
/// `diag(-gamma, h)`, minima at `x_1 = +-sqrt(gamma)` with `V = -gamma^2 / 4`
/// and Hessian `diag(2 gamma, h)`. The Hessian entries are at most a couple
/// of roundings from exact (`3 x_1^2 - gamma` with `x_1^2` within an ulp of
/// `gamma`), the values a few.
fn check_strict_saddle(l: &StrictSaddle) {
    let g = l.gamma();
    let n = l.dim();
    let mut hess = DMatrix::zeros(n, n);
    let diag = |first: f64| {
        let mut m = DMatrix::zeros(n, n);
        m[(0, 0)] = first;
        for (i, h) in l.stable_curvatures().iter().enumerate() {
            m[(i + 1, i + 1)] = *h;
        }
        m
    };
    l.hessian(&l.saddles()[0], &mut hess);
    assert_abs_diff_eq!(hess, diag(-g), epsilon = 0.0);
    assert_abs_diff_eq!(l.value(&l.saddles()[0]), 0.0, epsilon = 0.0);
    for x in l.minima() {
        assert_abs_diff_eq!(x[0].abs(), g.sqrt(), epsilon = 0.0);
        l.hessian(&x, &mut hess);
        assert_abs_diff_eq!(hess, diag(2.0 * g), epsilon = 8.0 * EXACT_ULPS * EPS * g);
        assert_abs_diff_eq!(
            l.value(&x),
            -g * g / 4.0,
            epsilon = 8.0 * EXACT_ULPS * EPS * g * g
        );
    }
}

/// `E[V(x + eps)] = V(x) + sigma^2 / 2 Tr H(x) + 3 sigma^4 / 4 sum q` for
/// `eps ~ N(0, sigma^2 I)`, the identity in the quartic's docs, checked
/// independently of that derivation: `V` is separable and each term a
/// polynomial of degree 4 in `eps_i`, so the expectation is exactly the
/// three-point Gauss-Hermite rule (exact to degree 5: nodes `0`,
/// `+-sqrt(3) sigma`, weights `2/3`, `1/6`, `1/6`) applied coordinate by
/// coordinate to `V(x + t e_i) - V(x)`. Both sides are sums of a few dozen
/// rounded terms no larger than `V(x + sqrt(3) sigma 1) + 1`, hence the
/// tolerance.
fn check_quartic_smoothing(l: &Quartic, x: &[f64], sigma: f64) {
    let n = l.dim();
    let base = l.value(x);
    let mut probe = x.to_vec();
    let mut quadrature = base;
    let mut big = 1.0 + base.abs();
    let t = 3.0_f64.sqrt() * sigma;
    for i in 0..n {
        for node in [t, -t] {
            probe[i] = x[i] + node;
            let v = l.value(&probe);
            big = big.max(v.abs());
            quadrature += (v - base) / 6.0;
        }
        probe[i] = x[i];
    }
    let mut hess = DMatrix::zeros(n, n);
    l.hessian(x, &mut hess);
    let q: f64 = l.quartic().iter().sum();
    let closed = base + sigma * sigma / 2.0 * hess.trace() + 3.0 * sigma.powi(4) / 4.0 * q;
    assert_abs_diff_eq!(quadrature, closed, epsilon = 64.0 * EPS * big * n as f64);
}

#[test]
fn table_critical_points() {
    for l in table() {
        match &l {
            AnyLandscape::WideningValley(w) => check_widening_valley(w),
            _ => check_critical_points(&l),
        }
    }
}

/// The widening valley lists no isolated critical points; instead every
/// point with `u = 0` or `v = 0` is a global minimum (`L = 0`, gradient `0`,
/// exactly: each is a product with an exact zero factor), the Hessian on the
/// floor `u = 0` is `diag(v^2 I, 0)`, and `Tr H = d v^2 + |u|^2` everywhere
/// (the trace of the analytic Hessian sums `d + 1` rounded terms: within
/// `(d + 1) eps Tr H`).
fn check_widening_valley(w: &WideningValley) {
    assert!(w.minima().is_empty() && w.saddles().is_empty());
    let n = w.dim();
    let d = w.valley_dim();
    let mut grad = vec![0.0; n];
    let mut hess = DMatrix::zeros(n, n);
    for t in [-2.0, -0.3, 0.0, 0.7, 1.9] {
        // On the floor u = 0 (v = t) and on the hyperplane v = 0 (u = t 1).
        let mut floor = vec![0.0; n];
        floor[d] = t;
        let plane: Vec<f64> = (0..n).map(|j| if j < d { t } else { 0.0 }).collect();
        for x in [&floor, &plane] {
            assert_abs_diff_eq!(w.value(x), 0.0, epsilon = 0.0);
            w.gradient(x, &mut grad);
            for g in &grad {
                assert_abs_diff_eq!(*g, 0.0, epsilon = 0.0);
            }
        }
        w.hessian(&floor, &mut hess);
        let mut expected = DMatrix::zeros(n, n);
        for j in 0..d {
            expected[(j, j)] = t * t;
        }
        assert_abs_diff_eq!(hess, expected, epsilon = 0.0);
        for x in [
            vec![t, 0.5, -1.0][..n].to_vec(),
            vec![1.0 - t, t, 2.0][..n].to_vec(),
        ] {
            w.hessian(&x, &mut hess);
            let trace = w.hessian_trace(&x);
            assert_abs_diff_eq!(
                hess.trace(),
                trace,
                epsilon = EXACT_ULPS * (n as f64) * EPS * trace
            );
        }
    }
}

#[test]
fn table_landscapes_satisfy_their_stated_identities() {
    for l in table() {
        match &l {
            AnyLandscape::SharpFlat(s) => check_sharp_flat_curvatures(s),
            AnyLandscape::PiecewiseValley(p) => check_piecewise_valley(p),
            AnyLandscape::StrictSaddle(s) => check_strict_saddle(s),
            AnyLandscape::Quartic(q) => {
                check_quartic_smoothing(q, &[0.3, -1.2, 2.0][..q.dim()], 0.4)
            }
            _ => {}
        }
    }
}

#[test]
fn tilted_double_well_critical_points_in_closed_form() {
    assert_abs_diff_eq!(MAX_TILT, 8.0 / (3.0 * 3.0_f64.sqrt()), epsilon = 4.0 * EPS);
    let l = TiltedDoubleWell::new(0.0).unwrap();
    assert_abs_diff_eq!(l.minima()[0][0], -1.0, epsilon = 4.0 * EPS);
    assert_abs_diff_eq!(l.minima()[1][0], 1.0, epsilon = 4.0 * EPS);
    assert_abs_diff_eq!(l.saddles()[0][0], 0.0, epsilon = 4.0 * EPS);
    // A positive tilt lowers the left well below the right one.
    let l = TiltedDoubleWell::new(0.5).unwrap();
    assert!(l.value(&l.minima()[0]) < l.value(&l.minima()[1]));
}

#[test]
fn transverse_double_well_curvatures() {
    let a = 3.0;
    let l = TransverseDoubleWell::new(a).unwrap();
    let mut hess = DMatrix::zeros(2, 2);
    for x in l.minima() {
        l.hessian(&x, &mut hess);
        assert_abs_diff_eq!(
            hess,
            DMatrix::from_row_slice(2, 2, &[8.0, 0.0, 0.0, 1.0 + a]),
            epsilon = EXACT_ULPS * EPS * (8.0 + a)
        );
    }
    l.hessian(&l.saddles()[0], &mut hess);
    assert_abs_diff_eq!(
        hess,
        DMatrix::from_row_slice(2, 2, &[-4.0, 0.0, 0.0, 1.0]),
        epsilon = EXACT_ULPS * EPS * 4.0
    );
}

#[test]
fn sharp_flat_rejects_extra_critical_points() {
    // For left = 24, right = 4 the flat side grows an extra maximum and
    // minimum between width 1.11 (one barrier only: accepted) and 1.113; the
    // mirrored parameters put them on the other side.
    assert!(SharpFlat::new(24.0, 4.0, 1.11).is_ok());
    for (left, right) in [(24.0, 4.0), (4.0, 24.0)] {
        let err = SharpFlat::new(left, right, 1.115).unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
        assert!(err.to_string().contains("besides"), "{err}");
    }
    // r not positive everywhere: tanh(1/2) (100 + 1) < 99.
    let err = SharpFlat::new(100.0, 1.0, 2.0).unwrap_err();
    assert!(err.to_string().contains("not positive"), "{err}");
}

#[test]
fn constructors_reject_bad_parameters() {
    assert!(matches!(
        TiltedDoubleWell::new(MAX_TILT),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        TiltedDoubleWell::new(-1.6),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        TiltedDoubleWell::new(f64::NAN),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        TransverseDoubleWell::new(-1.0),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        TransverseDoubleWell::new(f64::INFINITY),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        SharpFlat::new(0.0, 4.0, 0.5),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        SharpFlat::new(24.0, 4.0, 1e-4),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        SharpFlat::new(24.0, 24.0, 1e4),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        SharpFlat::new(24.0, 4.0, -0.5),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        SharpFlat::new(24.0, f64::NAN, 0.5),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        PiecewiseValley::new(8.0, 8.0, 0.0, 1.0),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        PiecewiseValley::new(8.0, -8.0, 4.0, 1.0),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        PiecewiseValley::new(8.0, 8.0, 4.0, f64::NAN),
        Err(Error::NonPositive { .. })
    ));

    assert!(matches!(
        WideningValley::new(0),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        WideningValley::new(MAX_VALLEY_DIM + 1),
        Err(Error::OutOfRange { .. })
    ));
    for (gamma, h) in [
        (0.0, vec![1.0]),
        (-1.0, vec![1.0]),
        (f64::NAN, vec![1.0]),
        (1.0, vec![1.0, 0.0]),
        (1.0, vec![f64::INFINITY]),
    ] {
        assert!(matches!(
            StrictSaddle::new(gamma, h),
            Err(Error::NonPositive { .. })
        ));
    }
    assert!(matches!(
        Quartic::new(vec![], vec![]),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        Quartic::new(vec![1.0, 2.0], vec![1.0]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Quartic::new(vec![1.0, 0.0], vec![1.0, 1.0]),
        Err(Error::NonPositive { .. })
    ));
    assert!(matches!(
        Quartic::new(vec![1.0], vec![-0.5]),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        Quartic::new(vec![1.0], vec![f64::NAN]),
        Err(Error::NonFinite { .. })
    ));

    let m = |v: &[f64]| DMatrix::from_row_slice(2, 2, v);
    let not_spd =
        |r: perturbo::Result<Quadratic>| matches!(r, Err(Error::NotPositiveDefinite { .. }));
    assert!(
        not_spd(Quadratic::new(m(&[2.0, 1.0, 0.0, 2.0]), vec![0.0; 2])),
        "non-symmetric"
    );
    assert!(
        not_spd(Quadratic::new(m(&[1.0, 2.0, 2.0, 1.0]), vec![0.0; 2])),
        "indefinite"
    );
    assert!(
        not_spd(Quadratic::new(m(&[1.0, 0.0, 0.0, 0.0]), vec![0.0; 2])),
        "singular"
    );
    assert!(matches!(
        Quadratic::new(m(&[1.0, 0.0, 0.0, f64::NAN]), vec![0.0; 2]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Quadratic::new(m(&[1.0, 0.0, 0.0, 1.0]), vec![0.0; 3]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Quadratic::new(DMatrix::zeros(2, 3), vec![0.0; 2]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        Quadratic::new(DMatrix::zeros(0, 0), vec![]),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        Quadratic::diagonal(&[1.0, 0.0], vec![0.0; 2]),
        Err(Error::NonPositive { .. })
    ));
}

#[test]
fn registry_parses_every_name_with_the_documented_defaults() {
    let lines: Vec<&str> = LANDSCAPE_HELP.lines().collect();
    assert_eq!(
        lines.len(),
        LANDSCAPE_NAMES.len(),
        "one help line per landscape"
    );
    for (name, line) in LANDSCAPE_NAMES.iter().zip(&lines) {
        let l = parse(name).unwrap();
        assert_eq!(l.name(), *name);
        // The spec at the start of the help line spells out the defaults.
        let documented = line.split_whitespace().next().unwrap();
        assert!(documented.split(':').next() == Some(*name), "{line}");
        // Same parameters, so bit-identical landscapes.
        assert_eq!(parse(documented).unwrap(), l, "{line}");
    }
    // `min` sets both sides of the piecewise valley; `left`/`right` override it.
    match parse("piecewise-valley:min=8,right=2").unwrap() {
        AnyLandscape::PiecewiseValley(p) => {
            let [left, right] = p.curvatures();
            assert_abs_diff_eq!(left, 8.0, epsilon = EXACT_ULPS * EPS * 8.0);
            assert_abs_diff_eq!(right, 2.0, epsilon = EXACT_ULPS * EPS * 2.0);
        }
        other => panic!("{other:?}"),
    }
    // A centre alone fixes the quadratic's dimension.
    assert_eq!(parse("quadratic:c=1,2,3").unwrap().dim(), 3);
    // Dimensions of the new landscapes: d + 1, 1 + len(h), len(h) or len(q).
    assert_eq!(parse("widening-valley:d=5").unwrap().dim(), 6);
    assert_eq!(parse("strict-saddle:h=1,2,3").unwrap().dim(), 4);
    assert_eq!(parse("quartic:q=0,1").unwrap().dim(), 2);
}

/// Whether an error is of the expected variant.
type ErrorCheck = fn(&Error) -> bool;

#[test]
fn registry_rejects_bad_specs() {
    match parse("double-wel").unwrap_err() {
        Error::Unknown { kind, name, known } => {
            assert_eq!(kind, "landscape");
            assert_eq!(name, "double-wel");
            for n in LANDSCAPE_NAMES {
                assert!(known.contains(n), "{known}");
            }
        }
        other => panic!("{other:?}"),
    }
    for spec in [
        "sharp-flat:lft=3",
        "tilted-double-well:C=0.25",
        "double-well:c=1",
        "tilted-double-well:c=0.1,0.2",
        "piecewise-valley:min=8,hieght=1",
        "quadratic:h=1,x=2",
        "quadratic:h=oops",
        "widening-valley:u=2",
        "widening-valley:d=1.5",
        "strict-saddle:gama=1",
        "quartic:h=1,c=0",
        "",
    ] {
        let err = parse(spec).unwrap_err();
        assert!(matches!(err, Error::BadSpec { .. }), "{spec}: {err:?}");
    }
    let cases: [(&str, ErrorCheck); 12] = [
        ("widening-valley:d=0", |e| {
            matches!(e, Error::OutOfRange { .. })
        }),
        ("widening-valley:d=1e9", |e| {
            matches!(e, Error::OutOfRange { .. })
        }),
        ("strict-saddle:gamma=-1", |e| {
            matches!(e, Error::NonPositive { .. })
        }),
        ("quartic:h=1,2,q=1", |e| {
            matches!(e, Error::DimensionMismatch { .. })
        }),
        ("quartic:q=-1", |e| matches!(e, Error::OutOfRange { .. })),
        ("quadratic:h=1,2,c=1", |e| {
            matches!(e, Error::DimensionMismatch { .. })
        }),
        ("quadratic:h=2,0", |e| {
            matches!(e, Error::NonPositive { .. })
        }),
        ("tilted-double-well:c=1.6", |e| {
            matches!(e, Error::OutOfRange { .. })
        }),
        ("transverse-double-well:a=-1", |e| {
            matches!(e, Error::OutOfRange { .. })
        }),
        ("sharp-flat:width=1.115", |e| {
            matches!(e, Error::Unsupported(_))
        }),
        ("sharp-flat:left=-1", |e| {
            matches!(e, Error::NonPositive { .. })
        }),
        ("piecewise-valley:saddle=-4", |e| {
            matches!(e, Error::NonPositive { .. })
        }),
    ];
    for (spec, expected) in cases {
        let err = parse(spec).unwrap_err();
        assert!(expected(&err), "{spec}: {err:?}");
    }
}
