//! One style for every figure: PNG and SVG through plotters.
//!
//! (Being written: the types below are the interface experiments code against.)

use std::path::{Path, PathBuf};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A solid line through the points.
    Line,
    /// A dashed line through the points (theory curves).
    Dashed,
    /// Markers at the points, with optional vertical error bars.
    Points,
}

/// One data series of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// How it is drawn.
    pub mark: Mark,
    /// The points `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Optional error bars `(low, high)` in y, one per point.
    pub error_bars: Option<Vec<(f64, f64)>>,
    /// Index into the shared palette; series with the same index share a colour.
    pub color: usize,
}

/// A single-panel figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title above the plot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

/// Writes `figure` as `dir/stem.png` and `dir/stem.svg` (atomically) and
/// returns the two paths.
pub fn save(figure: &Figure, dir: &Path, stem: &str) -> crate::Result<Vec<PathBuf>> {
    let _ = (figure, dir, stem);
    todo!("plot::save is being written")
}
