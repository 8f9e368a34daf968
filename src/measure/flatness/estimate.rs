//! A Monte Carlo estimate with its standard error, and the running moments
//! that produce it.

use serde::{Deserialize, Serialize};

/// The mean of `samples` independent draws and its standard error
/// `s / sqrt(samples)` (`s^2` the unbiased sample variance).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The sample mean.
    pub mean: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Number of independent draws behind it.
    pub samples: usize,
}

impl Estimate {
    /// The estimate of `c X` from an estimate of `X` (mean and error scaled).
    #[must_use]
    pub fn scaled(self, c: f64) -> Estimate {
        Estimate {
            mean: c * self.mean,
            std_error: c.abs() * self.std_error,
            samples: self.samples,
        }
    }

    /// The estimate of `X + c` from an estimate of `X` (error unchanged).
    #[must_use]
    pub fn shifted(self, c: f64) -> Estimate {
        Estimate {
            mean: self.mean + c,
            ..self
        }
    }
}

/// Running mean and sum of squared deviations by Welford's update
/// (Welford, "Note on a method for calculating corrected sums of squares
/// and products", Technometrics 4(3), 1962), stable where the naive
/// `E[X^2] - E[X]^2` cancels.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Running {
    count: usize,
    mean: f64,
    m2: f64,
}

impl Running {
    /// Adds one draw.
    pub(crate) fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The estimate from the draws so far.
    ///
    /// # Panics
    /// With fewer than two draws (a programmer bug: the configs require at
    /// least two probes, runs or pairs).
    pub(crate) fn estimate(&self) -> Estimate {
        assert!(self.count >= 2, "a standard error needs two draws");
        let n = self.count as f64;
        Estimate {
            mean: self.mean,
            std_error: (self.m2 / (n - 1.0) / n).sqrt(),
            samples: self.count,
        }
    }
}
