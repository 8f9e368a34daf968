//! An owned supervised data set: `n` input rows of length `p` and `n` targets.

use crate::error::{ensure_dim, ensure_finite, Error, Result};

/// The largest number of input entries (`n p`) a generator will allocate:
/// 10^8 values, 800 MB of `f64`. Above it a spec is far more likely a typo
/// than a tractable model.
pub const MAX_ENTRIES: usize = 100_000_000;

/// `n` samples `(a_i, y_i)` with inputs `a_i in R^p` stored row-major in one
/// buffer (row `i` is `inputs[i p .. (i + 1) p]`) and scalar targets `y_i`
/// (a regression target, or a label in `[0, 1]` for classification).
///
/// Every entry is finite; `n, p >= 1`. Immutable once built, so a model
/// borrowing rows from it can hand out `&[f64]` slices without copying.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    inputs: Vec<f64>,
    targets: Vec<f64>,
    p: usize,
}

impl Dataset {
    /// The data set with row-major `inputs` (length `n p`) and `targets`
    /// (length `n`), where `n = targets.len()`.
    ///
    /// Rejects `p = 0`, no samples, `inputs.len() != n p`, more than
    /// [`MAX_ENTRIES`] inputs, and non-finite entries.
    pub fn new(inputs: Vec<f64>, targets: Vec<f64>, p: usize) -> Result<Self> {
        let n = targets.len();
        check_size(n, p)?;
        ensure_dim("dataset: inputs vs n p", n * p, inputs.len())?;
        for &a in &inputs {
            ensure_finite("input", a)?;
        }
        for &y in &targets {
            ensure_finite("target", y)?;
        }
        Ok(Self { inputs, targets, p })
    }

    /// Number of samples `n` (at least 1).
    #[inline]
    pub fn n(&self) -> usize {
        self.targets.len()
    }

    /// Input dimension `p` (at least 1).
    #[inline]
    pub fn p(&self) -> usize {
        self.p
    }

    /// All inputs, row-major `n x p`.
    #[inline]
    pub fn inputs(&self) -> &[f64] {
        &self.inputs
    }

    /// All targets, length `n`.
    #[inline]
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }

    /// The input `a_i` of sample `i` (length `p`).
    ///
    /// # Panics
    /// If `i >= n` (a programmer bug).
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.inputs[i * self.p..(i + 1) * self.p]
    }

    /// The target `y_i` of sample `i`.
    ///
    /// # Panics
    /// If `i >= n` (a programmer bug).
    #[inline]
    pub fn target(&self, i: usize) -> f64 {
        self.targets[i]
    }

    /// The pairs `(a_i, y_i)` in sample order.
    pub fn samples(&self) -> impl Iterator<Item = (&[f64], f64)> + '_ {
        self.inputs
            .chunks_exact(self.p)
            .zip(self.targets.iter().copied())
    }
}

/// Rejects `n = 0`, `p = 0` and `n p > MAX_ENTRIES` (also on overflow).
pub(crate) fn check_size(n: usize, p: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::OutOfRange {
            name: "n",
            value: 0.0,
            expected: "at least one sample",
        });
    }
    if p == 0 {
        return Err(Error::OutOfRange {
            name: "p",
            value: 0.0,
            expected: "at least one input dimension",
        });
    }
    match n.checked_mul(p) {
        Some(entries) if entries <= MAX_ENTRIES => Ok(()),
        _ => Err(Error::OutOfRange {
            name: "n p",
            value: n as f64 * p as f64,
            expected: "at most 1e8 input entries",
        }),
    }
}
