//! The one-sample Kolmogorov-Smirnov test against a known CDF.
//!
//! `D_n = sup_x |F_n(x) - F(x)|`; under the null, `sqrt(n) D_n` tends to the
//! Kolmogorov distribution, `P(sqrt(n) D_n > c) -> 2 sum_{k>=1} (-1)^(k-1)
//! exp(-2 k^2 c^2)` (Kolmogorov 1933; see e.g. Marsaglia, Tsang and Wang,
//! "Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18), 2003). The
//! distribution tests of the library use a fixed false-alarm rate and the
//! asymptotic critical value, which is accurate for the sample sizes used
//! (n in the thousands).

/// The KS statistic of `sample` against the continuous CDF `cdf`.
///
/// Sorts a copy of the sample. Returns NaN for an empty sample.
pub fn ks_statistic(sample: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    if sample.is_empty() {
        return f64::NAN;
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            let below = f - i as f64 / n;
            let above = (i + 1) as f64 / n - f;
            below.max(above)
        })
        .fold(0.0, f64::max)
}

/// Asymptotic tail probability `P(sqrt(n) D_n > c)` of the Kolmogorov distribution.
pub fn kolmogorov_tail(c: f64) -> f64 {
    if c <= 0.0 {
        return 1.0;
    }
    let sum: f64 = (1..=100)
        .map(|k| {
            let k = k as f64;
            let sign = if k as u64 % 2 == 1 { 1.0 } else { -1.0 };
            sign * (-2.0 * k * k * c * c).exp()
        })
        .sum();
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The critical value of `D_n` at false-alarm rate `alpha` for `n` samples:
/// the `c / sqrt(n)` with `kolmogorov_tail(c) = alpha` (found by bisection).
pub fn ks_critical_value(n: usize, alpha: f64) -> f64 {
    let (mut lo, mut hi) = (0.1_f64, 10.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if kolmogorov_tail(mid) > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi) / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_match_published_table() {
        // Asymptotic critical values sqrt(n) D: 1.3581 at 5%, 1.6276 at 1%,
        // 1.9495 at 0.1% (Smirnov 1948, "Table for estimating the goodness of
        // fit of empirical distributions", Ann. Math. Stat. 19, Table 1).
        for (alpha, c) in [(0.05, 1.3581), (0.01, 1.6276), (0.001, 1.9495)] {
            let got = ks_critical_value(10_000, alpha) * 100.0;
            assert!((got - c).abs() < 1e-3, "alpha {alpha}: {got} vs {c}");
        }
    }

    #[test]
    fn statistic_of_a_perfect_grid_is_half_a_step() {
        // Points at the mid-quantiles (i + 1/2) / n of U(0, 1) have D = 1 / (2n).
        let n = 100;
        let sample: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let d = ks_statistic(&sample, |x| x);
        assert!((d - 0.5 / n as f64).abs() < 1e-12, "{d}");
        // And a sample from the wrong law is far off: all mass at 0.9.
        let d_bad = ks_statistic(&[0.9; 50], |x| x);
        assert!((d_bad - 0.9).abs() < 1e-12, "{d_bad}");
    }
}
