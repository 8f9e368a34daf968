//! The one house style: canvas size, font, palette, line widths.
//!
//! Every figure of the workbench is drawn with these constants, so figures
//! from different experiments can sit side by side in the paper.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle, RGBColor};

use crate::{Error, Result};

/// Canvas size in pixels (width, height), for PNG and SVG alike.
pub(super) const SIZE: (u32, u32) = (1000, 700);

/// The font family name every text element uses. DejaVu Sans is registered
/// under this name, and an SVG viewer without it falls back to its own sans.
pub(super) const FONT: &str = "sans-serif";

/// Title font size in pixels (a long title is shrunk, see `title.rs`).
pub(super) const TITLE_PX: u32 = 30;
/// Smallest size a long title is shrunk to before it is wrapped.
pub(super) const TITLE_MIN_PX: u32 = 18;
/// Space kept free on each side of the title, in pixels.
pub(super) const TITLE_SIDE_PX: u32 = 20;
/// Space above the title, in pixels.
pub(super) const TITLE_TOP_PX: u32 = 8;
/// Axis-label font size in pixels.
pub(super) const AXIS_PX: u32 = 22;
/// Tick-label font size in pixels.
pub(super) const TICK_PX: u32 = 17;
/// Legend font size in pixels.
pub(super) const LEGEND_PX: u32 = 18;

/// Stroke width of lines and error bars, in pixels.
pub(super) const LINE_PX: u32 = 2;
/// Marker radius of `Mark::Points`, in pixels.
pub(super) const MARKER_PX: u32 = 5;
/// Half width of an error-bar cap, in pixels.
pub(super) const CAP_PX: i32 = 5;
/// Dash length of `Mark::Dashed`, in pixels.
pub(super) const DASH_PX: u32 = 12;
/// Gap between dashes of `Mark::Dashed`, in pixels.
pub(super) const GAP_PX: u32 = 7;
/// Length of the line sample drawn in the legend, in pixels.
pub(super) const LEGEND_SAMPLE_PX: i32 = 28;

/// The Okabe-Ito palette: eight colours that stay distinguishable under the
/// common forms of colour-vision deficiency.
///
/// Source: M. Okabe and K. Ito (2008), "Color Universal Design (CUD): how to
/// make figures and presentations that are friendly to colorblind people",
/// <https://jfly.uni-koeln.de/color/> (the recommended colour set and its
/// RGB values); republished by B. Wong (2011), "Points of view: Color
/// blindness", Nature Methods 8, 441.
/// Ordered so the first colours have the most contrast on white; yellow, which
/// is faint on white, comes last.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// The colour of palette index `i` (indices wrap around the palette).
pub(super) fn color(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// Registers DejaVu Sans with plotters' `ab_glyph` text backend, once per
/// process. Without a registered font plotters panics when it draws text.
pub(super) fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::Unsupported(
            "the bundled DejaVu Sans font could not be loaded".to_string(),
        ))
    }
}
