//! A safe reader of IDX files, the format of the MNIST database.
//!
//! An IDX file (LeCun, Cortes and Burges, "The MNIST database of handwritten
//! digits", section "File formats for the MNIST database") is a 4-byte magic
//! number, then one big-endian `u32` size per dimension, then the data in
//! row-major order (last index fastest). The magic number is two zero bytes,
//! a type code (`0x08` unsigned byte, `0x09` signed byte, `0x0B` i16,
//! `0x0C` i32, `0x0D` f32, `0x0E` f64) and the number of dimensions.
//! Only unsigned bytes (all MNIST files) are supported here.
//!
//! Every claim of the header is checked against the bytes at hand before any
//! allocation: the expected length `4 + 4 d + prod(sizes)` is computed with
//! checked arithmetic and must equal the input length exactly, so a
//! truncated file, trailing bytes or a header claiming terabytes are errors,
//! never a panic or a huge allocation. Compressed files are inflated through
//! [`std::io::Read::take`] with a hard cap ([`MAX_IDX_BYTES`]), so a gzip
//! bomb stops at the cap.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{io_error, Result};

/// The largest decompressed IDX file [`Idx::read_gz`] accepts: 64 MiB.
///
/// The largest MNIST file (train images) is 47,040,016 bytes; the cap leaves
/// slack for it and stops a gzip bomb well before memory runs out.
pub const MAX_IDX_BYTES: usize = 64 << 20;

/// The type code of unsigned bytes, the only one supported.
const TYPE_U8: u8 = 0x08;

/// Bytes of the magic number.
const MAGIC_LEN: usize = 4;

/// An IDX array of unsigned bytes: its sizes and its data, row-major.
///
/// Invariants: at least one dimension, every size at least 1, and
/// `data.len()` equal to the product of the sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    dims: Vec<usize>,
    data: Vec<u8>,
}

impl Idx {
    /// Parses the bytes of an uncompressed IDX file; `source` names it in
    /// errors.
    ///
    /// Rejects, with an [`crate::Error::Io`] naming `source` and the reason:
    /// a file shorter than its header, a magic number whose first two bytes
    /// are not zero, a type code other than `0x08`, zero dimensions, a size
    /// of zero, sizes whose product overflows, and a data length differing
    /// from the product of the sizes (truncated file or trailing bytes).
    /// The only allocation is the data copy, after its length was checked
    /// against `bytes`.
    pub fn parse(bytes: &[u8], source: &Path) -> Result<Self> {
        parse_header(bytes)
            .map(|(dims, start)| Self {
                dims,
                data: bytes[start..].to_vec(),
            })
            .map_err(|reason| io_error("read", source, reason))
    }

    /// Reads and parses the gzip-compressed IDX file at `path`, inflating at
    /// most [`MAX_IDX_BYTES`].
    ///
    /// Errors as [`Idx::read_gz_capped`].
    pub fn read_gz(path: &Path) -> Result<Self> {
        Self::read_gz_capped(path, MAX_IDX_BYTES)
    }

    /// Reads and parses the gzip-compressed IDX file at `path`, inflating at
    /// most `cap` bytes.
    ///
    /// Rejects a file that cannot be opened, is not gzip, is corrupt, or
    /// inflates past `cap` (the inflation stops at `cap + 1` bytes), and
    /// every malformed content rejected by [`Idx::parse`].
    pub fn read_gz_capped(path: &Path, cap: usize) -> Result<Self> {
        let file = File::open(path).map_err(|e| io_error("read", path, e))?;
        let limit = u64::try_from(cap).map_or(u64::MAX, |c| c.saturating_add(1));
        let mut bytes = Vec::new();
        GzDecoder::new(file)
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error("read", path, format!("gzip: {e}")))?;
        if bytes.len() > cap {
            return Err(io_error(
                "read",
                path,
                format!("inflates past the cap of {cap} bytes (corrupt file or gzip bomb)"),
            ));
        }
        Self::parse(&bytes, path)
    }

    /// The sizes of the dimensions, outermost first.
    #[inline]
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The data, row-major (last index fastest).
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The data, moved out.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }
}

/// Validates the header against `bytes`; returns the sizes and the offset of
/// the data, or the reason for rejection.
fn parse_header(bytes: &[u8]) -> std::result::Result<(Vec<usize>, usize), String> {
    let Some(magic) = bytes.get(..MAGIC_LEN) else {
        return Err(format!(
            "truncated: {} bytes, shorter than the 4-byte magic number",
            bytes.len()
        ));
    };
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format!(
            "bad magic number {magic:02x?}: not an IDX file (must start with two zero bytes)"
        ));
    }
    check_type(magic[2])?;
    let ndim = usize::from(magic[3]);
    if ndim == 0 {
        return Err("zero dimensions in the header".to_string());
    }
    let start = MAGIC_LEN + 4 * ndim;
    let Some(size_bytes) = bytes.get(MAGIC_LEN..start) else {
        return Err(format!(
            "truncated: {} bytes, shorter than the {start}-byte header of {ndim} dimensions",
            bytes.len()
        ));
    };
    let dims: Vec<usize> = size_bytes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    if let Some(axis) = dims.iter().position(|&d| d == 0) {
        return Err(format!("dimension {axis} has size zero (sizes {dims:?})"));
    }
    let expected = dims
        .iter()
        .try_fold(1_usize, |acc, &d| acc.checked_mul(d))
        .and_then(|len| len.checked_add(start))
        .ok_or_else(|| format!("sizes {dims:?} overflow: the header is corrupt"))?;
    let got = bytes.len();
    if got < expected {
        return Err(format!(
            "truncated: sizes {dims:?} need {expected} bytes, the file has {got}"
        ));
    }
    if got > expected {
        return Err(format!(
            "{} trailing bytes after the {expected} bytes of sizes {dims:?}",
            got - expected
        ));
    }
    Ok((dims, start))
}

/// Accepts the type code of unsigned bytes; names any other.
fn check_type(code: u8) -> std::result::Result<(), String> {
    let name = match code {
        TYPE_U8 => return Ok(()),
        0x09 => "signed byte",
        0x0B => "i16",
        0x0C => "i32",
        0x0D => "f32",
        0x0E => "f64",
        _ => return Err(format!("unknown IDX type code 0x{code:02x}")),
    };
    Err(format!(
        "unsupported IDX type code 0x{code:02x} ({name}); only 0x08 (unsigned byte) is read"
    ))
}
