//! A borrowed, validated view of a data set as the network reads it.

use super::scalar::Scalar;
use crate::error::{ensure_at_least, ensure_dim, Error, Result};

/// What the network is trained to output for each sample.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a, T> {
    /// One class label per sample, each below `classes` (for
    /// [`crate::nn::Loss::CrossEntropy`]).
    Classes {
        /// The labels, one per sample.
        labels: &'a [u8],
        /// The number of classes (the network's output width).
        classes: usize,
    },
    /// A target vector of `width` values per sample, row-major (for
    /// [`crate::nn::Loss::Squared`]).
    Values {
        /// The targets, `n * width` of them.
        values: &'a [T],
        /// Values per sample (the network's output width).
        width: usize,
    },
}

impl<T> Targets<'_, T> {
    /// The output width these targets fit.
    pub fn width(&self) -> usize {
        match self {
            Self::Classes { classes, .. } => *classes,
            Self::Values { width, .. } => *width,
        }
    }
}

/// `n` samples: inputs (row-major, `input_dim` per sample) and targets.
#[derive(Debug, Clone, Copy)]
pub struct Data<'a, T> {
    inputs: &'a [T],
    input_dim: usize,
    targets: Targets<'a, T>,
    n: usize,
}

impl<'a, T: Scalar> Data<'a, T> {
    /// Validates the shapes (inputs `n * input_dim`, one target per sample)
    /// and that every label is below the class count.
    pub fn new(inputs: &'a [T], input_dim: usize, targets: Targets<'a, T>) -> Result<Self> {
        ensure_at_least("input dimension", input_dim, 1, "at least 1")?;
        ensure_at_least("target width", targets.width(), 1, "at least 1")?;
        if !inputs.len().is_multiple_of(input_dim) {
            return Err(Error::DimensionMismatch {
                context: "inputs (a multiple of the input dimension)",
                expected: inputs.len().div_ceil(input_dim) * input_dim,
                got: inputs.len(),
            });
        }
        let n = inputs.len() / input_dim;
        match targets {
            Targets::Classes { labels, classes } => {
                ensure_dim("labels (one per sample)", n, labels.len())?;
                if let Some(&bad) = labels.iter().find(|&&c| usize::from(c) >= classes) {
                    return Err(Error::OutOfRange {
                        name: "class label",
                        value: f64::from(bad),
                        expected: "below the number of classes",
                    });
                }
            }
            Targets::Values { values, width } => {
                ensure_dim("target values (n x width)", n * width, values.len())?;
            }
        }
        Ok(Self {
            inputs,
            input_dim,
            targets,
            n,
        })
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Values per input.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// The input of sample `i`.
    pub fn input(&self, i: usize) -> &'a [T] {
        &self.inputs[i * self.input_dim..(i + 1) * self.input_dim]
    }

    /// Copies the inputs of the samples `idx`, in order, into the first
    /// rows of `out` (row-major, [`Data::input_dim`] values per row).
    pub fn gather(&self, idx: &[usize], out: &mut [T]) {
        for (row, &i) in out.chunks_exact_mut(self.input_dim).zip(idx) {
            row.copy_from_slice(self.input(i));
        }
    }

    /// The targets.
    pub fn targets(&self) -> Targets<'a, T> {
        self.targets
    }
}
