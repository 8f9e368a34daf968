//! Schedules (`perturbo::schedule`): values at known iterations against the
//! formulas written out by hand, monotonicity where a rule claims it, the
//! warm-up (starts at 0, continuous at the switch), rejection of bad
//! parameters, the spec round trip, and a proptest that every valid
//! schedule gives finite non-negative values at every iteration.

use approx::assert_relative_eq;
use perturbo::schedule::{parse, Rule, Schedule, SCHEDULE_HELP, SCHEDULE_NAMES};
use perturbo::Error;
use proptest::prelude::*;

/// Relative tolerance for values computed by the same formula in a
/// different order: a few ulps of rounding.
const ULPS: f64 = 1e-14;

#[test]
fn values_at_known_iterations() {
    let c = Schedule::constant(0.3).unwrap();
    assert_relative_eq!(c.value(0), 0.3);
    assert_relative_eq!(c.value(1_000_000), 0.3);

    // (1 + t/t0)^-gamma with t0 = 10, gamma = 1: 1, 1/2 at t = 10, 1/11 at 100.
    let p = Schedule::poly(1.0, 10.0).unwrap();
    assert_relative_eq!(p.value(0), 1.0);
    assert_relative_eq!(p.value(10), 0.5, max_relative = ULPS);
    assert_relative_eq!(p.value(100), 1.0 / 11.0, max_relative = ULPS);

    // Neelakantan et al.: variance eta / (1 + t)^gamma, so the standard
    // deviation multiplier squared must equal it.
    let eta = 0.3;
    let gamma = 0.55;
    let a = Schedule::anneal(eta, gamma).unwrap();
    for t in [0u64, 1, 9, 99, 12_345] {
        let variance = eta / (1.0 + t as f64).powf(gamma);
        assert_relative_eq!(a.value(t).powi(2), variance, max_relative = ULPS);
    }

    let e = Schedule::exponential(0.5).unwrap();
    assert_relative_eq!(e.value(0), 1.0);
    assert_relative_eq!(e.value(3), 0.125, max_relative = ULPS);

    // SGDR: 1 at 0, (1 + floor)/2 at half the period, floor at the end.
    let floor = 0.1;
    let cos = Schedule::cosine(100, floor, false).unwrap();
    assert_relative_eq!(cos.value(0), 1.0);
    assert_relative_eq!(cos.value(50), 0.5 * (1.0 + floor), max_relative = ULPS);
    assert_relative_eq!(cos.value(100), floor, max_relative = ULPS);
    assert_relative_eq!(cos.value(10_000), floor, max_relative = ULPS);
    // A quarter of the way: floor + (1 - floor)(1 + cos(pi/4))/2.
    let quarter = floor + (1.0 - floor) * 0.5 * (1.0 + std::f64::consts::FRAC_1_SQRT_2);
    assert_relative_eq!(cos.value(25), quarter, max_relative = ULPS);

    let warm = Schedule::cosine(100, floor, true).unwrap();
    assert_relative_eq!(warm.value(100), 1.0);
    assert_relative_eq!(warm.value(125), quarter, max_relative = ULPS);
    assert_relative_eq!(warm.value(99), cos.value(99), max_relative = ULPS);

    // Triangle 0.2 -> 1.0 -> 0.2 over 8 steps.
    let tri = Schedule::cyclic(8, 0.2, 1.0).unwrap();
    let expected = [0.2, 0.4, 0.6, 0.8, 1.0, 0.8, 0.6, 0.4, 0.2];
    for (t, want) in expected.iter().enumerate() {
        assert_relative_eq!(tri.value(t as u64), *want, max_relative = ULPS);
    }
    assert_relative_eq!(tri.value(8 * 1000 + 4), 1.0, max_relative = ULPS);
}

/// `s(t + 1) <= s(t)` on `0..n` (and a strict drop somewhere, so the check
/// is not passed by a constant).
fn assert_non_increasing(s: &Schedule, n: u64) {
    for t in 0..n {
        assert!(s.value(t + 1) <= s.value(t), "{s} rose at t = {t}");
    }
    assert!(s.value(n) < s.value(0), "{s} never decreased");
}

#[test]
fn decaying_rules_are_non_increasing() {
    assert_non_increasing(&Schedule::poly(0.7, 5.0).unwrap(), 2000);
    assert_non_increasing(&Schedule::anneal(1.0, 0.55).unwrap(), 2000);
    assert_non_increasing(&Schedule::exponential(0.99).unwrap(), 2000);
    assert_non_increasing(&Schedule::cosine(300, 0.05, false).unwrap(), 2000);
    // With restarts the cosine rises exactly at multiples of the period.
    let warm = Schedule::cosine(300, 0.05, true).unwrap();
    for t in 0..2000u64 {
        let rose = warm.value(t + 1) > warm.value(t);
        assert_eq!(
            rose,
            (t + 1) % 300 == 0,
            "restart pattern broken at t = {t}"
        );
    }
}

#[test]
fn warmup_starts_at_zero_rises_linearly_and_is_continuous_at_the_switch() {
    let k = 100;
    let inner = Schedule::cosine(1000, 0.0, false).unwrap();
    let s = inner.clone().with_warmup(k);
    assert_relative_eq!(s.value(0), 0.0);
    assert_relative_eq!(s.value(50), 0.5 * inner.value(0), max_relative = ULPS);
    for t in 0..k {
        assert!(s.value(t + 1) > s.value(t), "warm-up not increasing at {t}");
    }
    // The ramp's limit at t = k is r(0) and the rule then starts from 0:
    // the last ramp increment equals every other ramp increment.
    let step = inner.value(0) / k as f64;
    assert_relative_eq!(s.value(k) - s.value(k - 1), step, max_relative = 1e-12);
    assert_relative_eq!(s.value(k), inner.value(0), max_relative = ULPS);
    // After the switch the rule runs on its own clock.
    for t in [0u64, 1, 500, 999, 1000, 5000] {
        assert_relative_eq!(s.value(k + t), inner.value(t), max_relative = ULPS);
    }
    // warmup = 0 is the rule itself.
    assert_eq!(inner.clone().with_warmup(0), inner);
}

#[test]
fn bad_parameters_are_rejected() {
    let out_of_range = |r: perturbo::Result<Schedule>, name: &str| match r {
        Err(Error::OutOfRange { name: n, .. })
        | Err(Error::NonPositive { name: n, .. })
        | Err(Error::NonFinite { name: n, .. }) => assert_eq!(n, name),
        other => panic!("expected a range error on {name}, got {other:?}"),
    };
    out_of_range(Schedule::constant(-1.0), "value");
    out_of_range(Schedule::constant(f64::NAN), "value");
    out_of_range(Schedule::poly(-0.1, 1.0), "gamma");
    out_of_range(Schedule::poly(1.0, 0.0), "t0");
    out_of_range(Schedule::poly(f64::INFINITY, 1.0), "gamma");
    out_of_range(Schedule::anneal(0.0, 0.55), "eta");
    out_of_range(Schedule::anneal(1.0, -0.55), "gamma");
    out_of_range(Schedule::exponential(1.5), "rate");
    out_of_range(Schedule::exponential(0.0), "rate");
    out_of_range(Schedule::exponential(f64::NAN), "rate");
    out_of_range(Schedule::cosine(0, 0.0, false), "period");
    out_of_range(Schedule::cosine(10, 1.5, false), "floor");
    out_of_range(Schedule::cosine(10, -0.1, true), "floor");
    out_of_range(Schedule::cyclic(1, 0.0, 1.0), "period");
    out_of_range(Schedule::cyclic(10, 2.0, 1.0), "low");
    out_of_range(Schedule::cyclic(10, -1.0, 1.0), "low");
    // Deserialisation validates too.
    let bad = r#"{"rule":{"kind":"exp","rate":2.0},"warmup":0}"#;
    assert!(serde_json::from_str::<Schedule>(bad).is_err());
}

#[test]
fn specs_parse_and_round_trip() {
    let cases = [
        ("constant:value=0.5", Schedule::constant(0.5).unwrap()),
        ("constant", Schedule::constant(1.0).unwrap()),
        ("poly:gamma=0.5,t0=100", Schedule::poly(0.5, 100.0).unwrap()),
        ("anneal:eta=0.3", Schedule::anneal(0.3, 0.55).unwrap()),
        (
            "anneal:eta=1,gamma=0.6",
            Schedule::anneal(1.0, 0.6).unwrap(),
        ),
        ("exp:rate=0.999", Schedule::exponential(0.999).unwrap()),
        (
            "cosine:period=1000,warmup=100",
            Schedule::cosine(1000, 0.0, false).unwrap().with_warmup(100),
        ),
        (
            "cosine:period=50,floor=0.1,restart=1",
            Schedule::cosine(50, 0.1, true).unwrap(),
        ),
        (
            "cyclic:period=20,low=0.1,high=2",
            Schedule::cyclic(20, 0.1, 2.0).unwrap(),
        ),
    ];
    for (text, want) in cases {
        let got = parse(text).unwrap();
        assert_eq!(got, want, "{text}");
        assert_eq!(parse(&got.to_string()).unwrap(), got, "display of {text}");
        let json = serde_json::to_string(&got).unwrap();
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), got);
    }
    for name in SCHEDULE_NAMES {
        assert!(SCHEDULE_HELP.contains(name), "help does not mention {name}");
    }
    for bad in [
        "linear:rate=1",
        "exp",
        "exp:rate=0.9,gamma=1",
        "poly:gamma=1",
        "cosine:period=10.5",
        "cosine:period=10,restart=2",
        "cyclic:period=10,low=1",
        "constant:warmup=-1",
        "constant:warmup=2.5",
    ] {
        assert!(parse(bad).is_err(), "{bad} was accepted");
    }
    assert!(matches!(parse("linear"), Err(Error::Unknown { .. })));
}

/// Any valid schedule, from its parameter ranges (including the edges
/// `gamma = 0`, `rate = 1`, `floor` in `{0, 1}`, `low = high`).
fn any_schedule() -> impl Strategy<Value = Schedule> {
    let rule = prop_oneof![
        (0.0..10.0f64).prop_map(|value| Rule::Constant { value }),
        (0.0..5.0f64, 0.0..4.0f64, 1e-3..1e4f64).prop_map(|(scale, gamma, t0)| Rule::Poly {
            scale,
            gamma,
            t0
        }),
        (1e-6..=1.0f64).prop_map(|rate| Rule::Exp { rate }),
        (1u64..5000, 0.0..=1.0f64, any::<bool>()).prop_map(|(period, floor, restart)| {
            Rule::Cosine {
                period,
                floor,
                restart,
            }
        }),
        (2u64..5000, 0.0..5.0f64, 0.0..5.0f64).prop_map(|(period, a, b)| Rule::Cyclic {
            period,
            low: a.min(b),
            high: a.max(b),
        }),
    ];
    (rule, 0u64..10_000).prop_map(|(rule, warmup)| Schedule::new(rule).unwrap().with_warmup(warmup))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Finite and non-negative everywhere, including far beyond any
    /// training run (`t` up to `u64::MAX`).
    #[test]
    fn valid_schedules_give_finite_non_negative_values(
        s in any_schedule(),
        t in prop_oneof![0u64..100_000, any::<u64>()],
    ) {
        let v = s.value(t);
        prop_assert!(v.is_finite() && v >= 0.0, "{s} at t = {t}: {v}");
    }

    /// The annealing constructor's validation matches the paper's domain:
    /// every `eta > 0`, `gamma >= 0` is accepted and gives
    /// `s(t)^2 = eta / (1 + t)^gamma`.
    #[test]
    fn anneal_is_the_square_root_of_neelakantans_variance(
        eta in 1e-6..10.0f64,
        gamma in 0.0..2.0f64,
        t in 0u64..1_000_000,
    ) {
        let s = Schedule::anneal(eta, gamma).unwrap();
        let want = eta / (1.0 + t as f64).powf(gamma);
        prop_assert!((s.value(t).powi(2) / want - 1.0).abs() < 1e-12);
    }
}
