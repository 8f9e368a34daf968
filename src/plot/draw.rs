//! Draws a checked [`Figure`] onto any plotters backend in the house style.
//!
//! One generic routine serves the PNG and the SVG backend and all four
//! combinations of linear and logarithmic axes, so every figure looks the
//! same whatever its output format.

use plotters::chart::{ChartContext, SeriesLabelPosition};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::bounds::{legend_corner, Bounds};
use super::log_axis::LogAxis;
use super::style::{self, FONT};
use super::title;
use super::{Figure, Mark, Series};
use crate::{Error, Result};

/// Maps a plotters drawing failure into the library's error.
pub(super) fn drawing_failed(e: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!("drawing the figure failed: {e}"))
}

/// Draws `figure` (already checked into `bounds`) onto `root`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    bounds: &Bounds,
) -> Result<()> {
    root.fill(&WHITE).map_err(drawing_failed)?;
    let plot_area = title::titled(root, &figure.title)?;
    let mut builder = ChartBuilder::on(&plot_area);
    builder
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(100);
    let corner = legend_corner(figure, bounds);
    let (x, y) = (bounds.x.clone(), bounds.y.clone());
    match (figure.log_x, figure.log_y) {
        (false, false) => {
            let chart = builder.build_cartesian_2d(x, y).map_err(drawing_failed)?;
            fill_chart(chart, figure, bounds, corner)
        }
        (true, false) => {
            let chart = builder
                .build_cartesian_2d(LogAxis::new(x), y)
                .map_err(drawing_failed)?;
            fill_chart(chart, figure, bounds, corner)
        }
        (false, true) => {
            let chart = builder
                .build_cartesian_2d(x, LogAxis::new(y))
                .map_err(drawing_failed)?;
            fill_chart(chart, figure, bounds, corner)
        }
        (true, true) => {
            let chart = builder
                .build_cartesian_2d(LogAxis::new(x), LogAxis::new(y))
                .map_err(drawing_failed)?;
            fill_chart(chart, figure, bounds, corner)
        }
    }
}

/// Draws the mesh, the series and the legend into a built chart.
fn fill_chart<'a, DB, X, Y>(
    mut chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
    figure: &Figure,
    bounds: &Bounds,
    corner: SeriesLabelPosition,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let x_zero = zero_tolerance(figure.log_x, &bounds.x);
    let y_zero = zero_tolerance(figure.log_y, &bounds.y);
    let x_fmt = move |v: &f64| tick_label(*v, x_zero);
    let y_fmt = move |v: &f64| tick_label(*v, y_zero);
    chart
        .configure_mesh()
        .x_desc(&figure.x_label)
        .y_desc(&figure.y_label)
        .label_style((FONT, style::TICK_PX))
        .axis_desc_style((FONT, style::AXIS_PX))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(drawing_failed)?;
    for series in &figure.series {
        draw_series(&mut chart, series)?;
    }
    if figure.series.iter().any(|s| !s.label.is_empty()) {
        chart
            .configure_series_labels()
            .position(corner)
            .margin(15)
            .label_font((FONT, style::LEGEND_PX))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// Draws one series (and its error bars, if any) with its legend entry.
fn draw_series<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    series: &Series,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let color = style::color(series.color);
    let line = color.stroke_width(style::LINE_PX);
    if let Some(bars) = &series.error_bars {
        draw_error_bars(chart, series, bars, line)?;
    }
    let pts = series.points.iter().copied();
    let w = style::LEGEND_SAMPLE_PX;
    let anno = match series.mark {
        Mark::Line => chart.draw_series(LineSeries::new(pts, line)),
        Mark::Dashed => chart.draw_series(DashedLineSeries::new(
            pts,
            style::DASH_PX,
            style::GAP_PX,
            line,
        )),
        Mark::Points => {
            chart.draw_series(pts.map(|p| Circle::new(p, style::MARKER_PX, color.filled())))
        }
    }
    .map_err(drawing_failed)?;
    // A series with an empty label gets no legend entry at all (plotters
    // skips an entry with neither a label nor a legend sample).
    if series.label.is_empty() {
        return Ok(());
    }
    anno.label(series.label.as_str());
    match series.mark {
        Mark::Line => anno.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + w, y)], line)),
        Mark::Dashed => anno.legend(move |(x, y)| {
            // Two dashes with a gap, the legend-sized version of the line.
            let dash = (w - style::GAP_PX as i32) / 2;
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (dash, 0)], line)
                + PathElement::new(vec![(w - dash, 0), (w, 0)], line)
        }),
        Mark::Points => {
            anno.legend(move |(x, y)| Circle::new((x + w / 2, y), style::MARKER_PX, color.filled()))
        }
    };
    Ok(())
}

/// Vertical error bars from `low` to `high` with short horizontal caps.
fn draw_error_bars<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    series: &Series,
    bars: &[(f64, f64)],
    line: ShapeStyle,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let ends = || series.points.iter().zip(bars).map(|(&(x, _), &b)| (x, b));
    chart
        .draw_series(ends().map(|(x, (lo, hi))| PathElement::new(vec![(x, lo), (x, hi)], line)))
        .map_err(drawing_failed)?;
    let cap = style::CAP_PX;
    chart
        .draw_series(
            ends()
                .flat_map(|(x, (lo, hi))| [(x, lo), (x, hi)])
                .map(|end| {
                    EmptyElement::at(end) + PathElement::new(vec![(-cap, 0), (cap, 0)], line)
                }),
        )
        .map_err(drawing_failed)?;
    Ok(())
}

/// Below this magnitude a tick on a linear axis is printed as `0`, so round
/// off in plotters' tick positions (`5.6e-17` for 0) does not show. On a log
/// axis nothing is zero.
fn zero_tolerance(log: bool, range: &std::ops::Range<f64>) -> f64 {
    const RELATIVE: f64 = 1e-9;
    if log {
        0.0
    } else {
        RELATIVE * (range.end - range.start)
    }
}

/// A compact tick label: six significant digits without trailing zeros,
/// scientific notation (`1.5e-4`) outside `[1e-3, 1e5)`.
fn tick_label(v: f64, zero: f64) -> String {
    const SIGNIFICANT: i32 = 6;
    let a = v.abs();
    if a <= zero {
        return "0".to_string();
    }
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{:.*e}", (SIGNIFICANT - 1) as usize, v);
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let decimals = (SIGNIFICANT - 1 - a.log10().floor() as i32).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

/// `"1.500"` -> `"1.5"`, `"2.000"` -> `"2"`, `"30"` -> `"30"`.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::tick_label;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.5, 0.0), "0.5");
        assert_eq!(tick_label(1.000_000_000_000_000_2, 0.0), "1");
        assert_eq!(tick_label(-2.0, 0.0), "-2");
        assert_eq!(tick_label(1200.0, 0.0), "1200");
        assert_eq!(tick_label(1.5e-4, 0.0), "1.5e-4");
        assert_eq!(tick_label(1e6, 0.0), "1e6");
        assert_eq!(tick_label(5.6e-17, 1e-9), "0");
    }
}
