//! A Monte Carlo estimate with its standard error, and the running moments
//! that produce it.

use serde::{Deserialize, Serialize};

/// `z_0.975 = Phi^-1(0.975)`, the standard-normal quantile of two-sided 95%
/// intervals `value +- z SE` (the tests check it against statrs).
pub const Z95: f64 = 1.959_963_984_540_054;

/// The normal-approximation 95% interval `value +- Z95 std_error`.
pub fn interval95(value: f64, std_error: f64) -> (f64, f64) {
    let half = Z95 * std_error;
    (value - half, value + half)
}

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

    /// The normal-approximation 95% interval of the mean ([`interval95`]).
    pub fn ci95(&self) -> (f64, f64) {
        interval95(self.mean, self.std_error)
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

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal};

    /// `Z95` is the standard normal's 0.975 quantile (statrs' inverse CDF,
    /// good to about 1e-15 there), and `ci95` is symmetric about the mean.
    #[test]
    fn z95_is_the_normal_quantile_and_ci95_is_symmetric() {
        let q = Normal::new(0.0, 1.0).unwrap().inverse_cdf(0.975);
        assert!((q - Z95).abs() < 1e-12, "{q}");
        let e = Estimate {
            mean: 3.0,
            std_error: 0.5,
            samples: 10,
        };
        let (low, high) = e.ci95();
        // Each end is one rounding of a value below 4 (an ulp of 4.4e-16)
        // away from the exact `3 -+ 0.98`, and the check adds one more.
        assert!((e.mean - low - Z95 * 0.5).abs() < 1e-15);
        assert!((high - e.mean - Z95 * 0.5).abs() < 1e-15);
    }
}
