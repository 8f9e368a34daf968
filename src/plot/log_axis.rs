//! A base-10 logarithmic axis with tick marks that work at every span.
//!
//! plotters' own log axis only places ticks from the first power of ten
//! above the lower end, and none at all on a range narrower than a decade
//! (an Arrhenius plot over a factor of three in time, say). This axis picks,
//! from sparse to dense, the densest tick set that fits the requested count:
//! every `s`-th decade, `{1, 2, 5} x 10^k`, `{1, ..., 9} x 10^k`; when even
//! the densest set would give fewer than [`MIN_TICKS`] ticks it uses evenly
//! spaced "nice" values (steps `{1, 2, 5} x 10^k`), which on a span below a
//! decade read better than a sparse log grid.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// Fewer log ticks than this and the axis falls back to evenly spaced ones.
const MIN_TICKS: usize = 3;

/// A logarithmic axis over `range` (both ends strictly positive).
#[derive(Debug, Clone)]
pub(super) struct LogAxis {
    range: Range<f64>,
    log_lo: f64,
    log_hi: f64,
}

impl LogAxis {
    /// The axis over `range`; the caller has checked `0 < start < end`.
    pub(super) fn new(range: Range<f64>) -> Self {
        debug_assert!(range.start > 0.0 && range.start < range.end);
        LogAxis {
            log_lo: range.start.log10(),
            log_hi: range.end.log10(),
            range,
        }
    }

    /// `m x 10^k` for every mantissa in `mantissas` and every decade `k` that
    /// is a multiple of `stride`, inside the range.
    fn grid(&self, mantissas: &[f64], stride: i32) -> Vec<f64> {
        let (k0, k1) = (self.log_lo.floor() as i32, self.log_hi.ceil() as i32);
        (k0..=k1)
            .filter(|k| k.rem_euclid(stride) == 0)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|v| (self.range.start..=self.range.end).contains(v))
            .collect()
    }
}

/// Evenly spaced ticks on `range` with the smallest step `{1, 2, 5} x 10^k`
/// that gives at most `max` of them.
fn linear_ticks(range: &Range<f64>, max: usize) -> Vec<f64> {
    let span = range.end - range.start;
    let mut decade = 10f64.powf((span / max as f64).log10().floor());
    loop {
        for m in [1.0, 2.0, 5.0] {
            let step = m * decade;
            let (first, last) = ((range.start / step).ceil(), (range.end / step).floor());
            if last - first + 1.0 <= max as f64 {
                return (first as i64..=last as i64)
                    .map(|i| i as f64 * step)
                    .collect();
            }
        }
        decade *= 10.0;
    }
}

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let frac = (value.log10() - self.log_lo) / (self.log_hi - self.log_lo);
        limit.0 + (frac * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let max = hint.max_num_points();
        if max == 0 {
            return Vec::new();
        }
        let dense = self.grid(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1);
        if dense.len() < MIN_TICKS {
            return linear_ticks(&self.range, max);
        }
        if dense.len() <= max {
            return dense;
        }
        let medium = self.grid(&[1.0, 2.0, 5.0], 1);
        if medium.len() <= max {
            return medium;
        }
        (0..10)
            .flat_map(|e| [1, 2, 5].map(|m| m * 10i32.pow(e)))
            .map(|stride| self.grid(&[1.0], stride))
            .find(|ticks| ticks.len() <= max)
            .unwrap_or_default()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
        LogAxis::new(lo..hi).key_points(max)
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * y.abs())
    }

    #[test]
    fn picks_the_densest_set_that_fits() {
        let one_to_nine = [1., 2., 3., 4., 5., 6., 7., 8., 9.];
        assert!(close(&ticks(0.95, 9.5, 10), &one_to_nine));
        assert!(close(&ticks(0.95, 9.5, 5), &[1., 2., 5.]));
        // 0.4, ..., 0.9 and 1, ..., 9 are 15 > 10 ticks.
        assert!(close(&ticks(0.4, 9.5, 10), &[0.5, 1., 2., 5.]));
        assert!(close(&ticks(0.5, 3000.0, 5), &[1., 10., 100., 1000.]));
        assert!(close(
            &ticks(0.5e-30, 2e30, 10),
            &[1e-30, 1e-20, 1e-10, 1., 1e10, 1e20, 1e30]
        ));
    }

    #[test]
    fn narrow_ranges_get_even_ticks() {
        assert!(close(
            &ticks(1.98, 2.53, 10),
            &[2.0, 2.1, 2.2, 2.3, 2.4, 2.5]
        ));
    }

    #[test]
    fn maps_decades_evenly() {
        let axis = LogAxis::new(1.0..100.0);
        assert_eq!(axis.map(&1.0, (0, 200)), 0);
        assert_eq!(axis.map(&10.0, (0, 200)), 100);
        assert_eq!(axis.map(&100.0, (0, 200)), 200);
        assert_eq!(axis.map(&10.0, (500, 100)), 300);
    }
}
