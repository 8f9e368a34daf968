//! One style for every figure: PNG and SVG through plotters.
//!
//! Experiments describe a figure as data ([`Figure`], a list of [`Series`]);
//! this module owns how it looks. Every figure gets the same canvas
//! (1000 x 700 px), white background, DejaVu Sans text (bundled through the
//! `dejavu` crate, so no system fonts are needed), the Okabe-Ito
//! colour-blind-safe palette, axis labels, title and legend. Axis ranges come
//! from the data (error bars included) with a 5% margin; a logarithmic axis
//! rejects values `<= 0` with an error naming the series instead of dropping
//! them.
//!
//! Rendering happens in memory; [`save`] then writes each file through
//! [`crate::io::write_atomic`], so a crash leaves no half-written figure.
//! The same figure always renders to the same bytes. In a notebook on the
//! evcxr kernel a [`Figure`] displays itself inline as SVG
//! ([`Figure::evcxr_display`]).

mod bounds;
mod draw;
mod encode;
mod log_axis;
mod notebook;
mod style;
mod title;

use std::path::{Path, PathBuf};

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};

use crate::error::io_error;
use crate::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A solid line through the points.
    Line,
    /// A dashed line through the points (theory curves).
    Dashed,
    /// Filled markers at the points (no connecting line).
    Points,
}

/// One data series of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label; an empty label gives the series no legend entry.
    pub label: String,
    /// How it is drawn.
    pub mark: Mark,
    /// The points `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Optional vertical error bars, one `(low, high)` per point, in absolute
    /// y units (e.g. a confidence interval's ends); each must bracket its
    /// point. Drawn for any mark, meant for [`Mark::Points`].
    pub error_bars: Option<Vec<(f64, f64)>>,
    /// Index into the shared palette; series with the same index share a colour.
    pub color: usize,
}

impl Series {
    /// A series without error bars (a theory curve, a measured line).
    pub fn plain(label: String, mark: Mark, color: usize, points: Vec<(f64, f64)>) -> Self {
        Self {
            label,
            mark,
            points,
            error_bars: None,
            color,
        }
    }

    /// Measured points, each `(x, y, (low, high))` with an interval that
    /// brackets `y`, drawn as points with vertical error bars.
    pub fn with_bars(
        label: String,
        color: usize,
        points: impl IntoIterator<Item = (f64, f64, (f64, f64))>,
    ) -> Self {
        let (points, bars) = points.into_iter().map(|(x, y, bar)| ((x, y), bar)).unzip();
        Self {
            label,
            mark: Mark::Points,
            points,
            error_bars: Some(bars),
            color,
        }
    }

    /// The same series with every bar's lower end raised to at least a
    /// tenth of its point, so that a bar reaching zero or below can be drawn
    /// on a logarithmic axis (its lower end then reads "below y / 10").
    #[must_use]
    pub fn clipped_for_log_axis(mut self) -> Self {
        if let Some(bars) = &mut self.error_bars {
            for (bar, &(_, y)) in bars.iter_mut().zip(&self.points) {
                bar.0 = bar.0.max(0.1 * y);
            }
        }
        self
    }
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

/// Writes `figure` as `dir/stem.png` and `dir/stem.svg` and returns the two
/// paths, PNG first.
///
/// Both images are rendered in memory first, then each file is written
/// atomically, so an error leaves no partial file behind.
///
/// # Errors
/// [`Error::Unsupported`] if `stem` is empty, if a value cannot be drawn
/// (non-finite, `<= 0` on a log axis, error bars not bracketing their point
/// or not one per point), if the figure has no points, or if drawing or
/// encoding fails; [`Error::Io`] if writing fails.
pub fn save(figure: &Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    if stem.is_empty() {
        return Err(Error::Unsupported(
            "a figure needs a non-empty file stem".to_string(),
        ));
    }
    let png = render_png(figure)?;
    let svg = render_svg(figure)?;
    let mut written = Vec::with_capacity(2);
    for (ext, bytes) in [("png", png.as_slice()), ("svg", svg.as_bytes())] {
        let path = dir.join(format!("{stem}.{ext}"));
        crate::io::write_atomic(&path, bytes).map_err(|e| io_error("write", &path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// Renders `figure` as an SVG document (what the notebooks display inline).
///
/// Deterministic: the same figure gives the same string, byte for byte.
///
/// # Errors
/// As [`save`], except for the file-related ones.
pub fn render_svg(figure: &Figure) -> Result<String> {
    let bounds = bounds::bounds(figure)?;
    style::ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, style::SIZE).into_drawing_area();
        draw::draw(&root, figure, &bounds)?;
        root.present().map_err(draw::drawing_failed)?;
    }
    Ok(svg)
}

/// Renders `figure` as a PNG file's bytes.
///
/// # Errors
/// As [`save`], except for the file-related ones.
pub fn render_png(figure: &Figure) -> Result<Vec<u8>> {
    let bounds = bounds::bounds(figure)?;
    style::ensure_font()?;
    let (w, h) = style::SIZE;
    let mut rgb = vec![0u8; 3 * w as usize * h as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, style::SIZE).into_drawing_area();
        draw::draw(&root, figure, &bounds)?;
        root.present().map_err(draw::drawing_failed)?;
    }
    encode::png(&rgb, style::SIZE)
}
