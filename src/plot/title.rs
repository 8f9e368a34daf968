//! The figure title: shrunk to fit the canvas width, wrapped if it must.
//!
//! plotters' caption clips a title wider than the canvas. Here the title is
//! drawn at [`TITLE_PX`](super::style::TITLE_PX) if it fits, else at the size
//! that makes it fit (not below [`TITLE_MIN_PX`](super::style::TITLE_MIN_PX)),
//! and a title too long even then is wrapped at spaces onto several lines.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::drawing_failed;
use super::style::{self, FONT};
use crate::Result;

/// Draws `title` centred at the top of `root` and returns the area below it.
pub(super) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>> {
    let room = root
        .dim_in_pixel()
        .0
        .saturating_sub(2 * style::TITLE_SIDE_PX);
    let width = |text: &str, px: u32| -> Result<u32> {
        let font = TextStyle::from((FONT, px).into_font());
        Ok(root
            .estimate_text_size(text, &font)
            .map_err(drawing_failed)?
            .0)
    };
    let full = width(title, style::TITLE_PX)?;
    let px = if full <= room {
        style::TITLE_PX
    } else {
        let scaled = u64::from(style::TITLE_PX) * u64::from(room) / u64::from(full.max(1));
        (scaled as u32).max(style::TITLE_MIN_PX)
    };
    let mut lines: Vec<String> = Vec::new();
    for word in title.split_whitespace() {
        match lines.last_mut() {
            Some(line) if width(&format!("{line} {word}"), px)? <= room => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let mut area = root.margin(style::TITLE_TOP_PX, 0, 0, 0);
    for line in &lines {
        area = area.titled(line, (FONT, px)).map_err(drawing_failed)?;
    }
    Ok(area)
}
