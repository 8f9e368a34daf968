//! Kolmogorov-Smirnov tests of each marginal of a sample against a
//! Gaussian law (reusing [`crate::measure::ks`]).

use statrs::distribution::{ContinuousCDF, Normal};

use super::Gaussian;
use crate::error::{ensure_dim, ensure_finite, Error, Result};
use crate::measure::ks::ks_statistic;

/// The KS statistic `D_n` of every coordinate of `samples` (row-major,
/// `n x d`) against the marginal `N(m_j, Sigma_jj)` of `target`.
///
/// Compare with [`crate::measure::ks::ks_critical_value`] at a false-alarm
/// rate divided by `d` (Bonferroni) for independent draws; for a Markov
/// chain use its effective sample size (see [`super::ess()`]) in place of
/// `n`, since the null distribution assumes independent draws.
///
/// Errors: a length that is not a multiple of `d`, or no sample.
pub fn marginal_ks(samples: &[f64], target: &Gaussian) -> Result<Vec<f64>> {
    let d = target.dim();
    let n = samples.len() / d;
    ensure_dim(
        "marginal_ks: samples length (a multiple of d)",
        n * d,
        samples.len(),
    )?;
    if n == 0 {
        return Err(Error::OutOfRange {
            name: "samples",
            value: 0.0,
            expected: "at least one sample",
        });
    }
    for &x in samples {
        ensure_finite("sample", x)?;
    }
    let mut column = vec![0.0; n];
    (0..d)
        .map(|j| {
            for (c, row) in column.iter_mut().zip(samples.chunks_exact(d)) {
                *c = row[j];
            }
            let law = Normal::new(target.mean()[j], target.covariance()[(j, j)].sqrt())
                .expect("a positive definite covariance has positive variances");
            Ok(ks_statistic(&column, |x| law.cdf(x)))
        })
        .collect()
}
