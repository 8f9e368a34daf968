//! PNG encoding of an in-memory RGB canvas.
//!
//! Uses the `image` crate's PNG encoder: the same `image` 0.24 that plotters'
//! `bitmap_encoder` feature already builds, so no extra crate is compiled.

use image::codecs::png::PngEncoder;
use image::{ColorType, ImageEncoder};

use crate::{Error, Result};

/// Encodes a tightly packed 8-bit RGB buffer of `width x height` as PNG.
pub(super) fn png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(rgb, width, height, ColorType::Rgb8)
        .map_err(|e| Error::Unsupported(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}
