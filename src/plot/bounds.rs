//! Axis ranges from the data, after checking every value can be drawn.
//!
//! Each axis spans the data (points and error-bar ends) plus a margin of
//! [`MARGIN`] of the span on each side; on a logarithmic axis the span and
//! the margin are measured in decades. Non-finite values, and values `<= 0`
//! on a logarithmic axis, are rejected with an error naming the series and
//! the point, never silently dropped.

use std::ops::Range;

use plotters::chart::SeriesLabelPosition;

use super::{Figure, Series};
use crate::{Error, Result};

/// Fraction of the data span added on each side of an axis.
const MARGIN: f64 = 0.05;

/// Half-width of an axis whose data collapse to one value: in decades on a
/// log axis, relative to the value on a linear axis (absolute if it is 0).
const DEGENERATE_HALF_WIDTH: f64 = 0.5;

/// The checked plotting region of a figure.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Bounds {
    /// The x range, in data units.
    pub x: Range<f64>,
    /// The y range, in data units.
    pub y: Range<f64>,
}

/// One axis being accumulated: its scale, name and the data extremes seen.
struct Axis {
    log: bool,
    name: &'static str,
    lo: f64,
    hi: f64,
}

impl Axis {
    fn new(log: bool, name: &'static str) -> Self {
        Axis {
            log,
            name,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
        }
    }

    /// Checks `v` (what: "x", "y", "error bar") of point `i` of `series` and
    /// widens the extremes.
    fn take(&mut self, v: f64, what: &str, series: &Series, i: usize) -> Result<()> {
        if !v.is_finite() {
            return Err(bad_point(series, i, format!("{what} = {v} is not finite")));
        }
        if self.log && v <= 0.0 {
            return Err(bad_point(
                series,
                i,
                format!(
                    "{what} = {v} cannot be drawn on the logarithmic {} axis",
                    self.name
                ),
            ));
        }
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
        Ok(())
    }

    /// The axis range: the extremes plus the margin.
    fn range(&self) -> Range<f64> {
        let to = |v: f64| if self.log { v.log10() } else { v };
        let from = |u: f64| if self.log { 10f64.powf(u) } else { u };
        let (lo, hi) = (to(self.lo), to(self.hi));
        let span = hi - lo;
        let pad = if span > 0.0 {
            MARGIN * span
        } else if self.log || lo.abs() < f64::MIN_POSITIVE {
            DEGENERATE_HALF_WIDTH
        } else {
            DEGENERATE_HALF_WIDTH * lo.abs()
        };
        from(lo - pad)..from(hi + pad)
    }
}

fn bad_point(series: &Series, i: usize, what: String) -> Error {
    Error::Unsupported(format!("series `{}`, point {i}: {what}", series.label))
}

/// Checks every series of `figure` and returns the axis ranges.
///
/// Error bars `(low, high)` are absolute y values and must bracket their
/// point (`low <= y <= high`), one pair per point.
pub(super) fn bounds(figure: &Figure) -> Result<Bounds> {
    let mut x = Axis::new(figure.log_x, "x");
    let mut y = Axis::new(figure.log_y, "y");
    for s in &figure.series {
        for (i, &(px, py)) in s.points.iter().enumerate() {
            x.take(px, "x", s, i)?;
            y.take(py, "y", s, i)?;
        }
        if let Some(bars) = &s.error_bars {
            if bars.len() != s.points.len() {
                return Err(Error::Unsupported(format!(
                    "series `{}` has {} error bars for {} points",
                    s.label,
                    bars.len(),
                    s.points.len()
                )));
            }
            for (i, (&(lo, hi), &(_, py))) in bars.iter().zip(&s.points).enumerate() {
                y.take(lo, "error-bar low", s, i)?;
                y.take(hi, "error-bar high", s, i)?;
                if !(lo <= py && py <= hi) {
                    return Err(bad_point(
                        s,
                        i,
                        format!("error bar ({lo}, {hi}) does not bracket y = {py}"),
                    ));
                }
            }
        }
    }
    if x.lo > x.hi {
        return Err(Error::Unsupported(format!(
            "figure `{}` has no points to draw",
            figure.title
        )));
    }
    Ok(Bounds {
        x: x.range(),
        y: y.range(),
    })
}

/// The legend corner that covers the fewest data points.
///
/// Each corner box spans [`LEGEND_BOX`] of the plot in x and y; ties go to
/// the first corner in the order upper right, upper left, lower right,
/// lower left.
pub(super) fn legend_corner(figure: &Figure, b: &Bounds) -> SeriesLabelPosition {
    const LEGEND_BOX: (f64, f64) = (0.4, 0.35);
    let unit = |v: f64, r: &Range<f64>, log: bool| {
        if log {
            (v.log10() - r.start.log10()) / (r.end.log10() - r.start.log10())
        } else {
            (v - r.start) / (r.end - r.start)
        }
    };
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let mut counts = [0usize; 4];
    for &(px, py) in figure.series.iter().flat_map(|s| &s.points) {
        let u = unit(px, &b.x, figure.log_x);
        let v = unit(py, &b.y, figure.log_y);
        for (count, &(_, right, upper)) in counts.iter_mut().zip(&corners) {
            let in_x = if right {
                u > 1.0 - LEGEND_BOX.0
            } else {
                u < LEGEND_BOX.0
            };
            let in_y = if upper {
                v > 1.0 - LEGEND_BOX.1
            } else {
                v < LEGEND_BOX.1
            };
            *count += usize::from(in_x && in_y);
        }
    }
    let best = (0..4).min_by_key(|&k| counts[k]).unwrap_or(0);
    corners[best].0.clone()
}
