//! The chain transformations behind split R-hat and ESS: splitting, rank
//! normalisation and folding (Vehtari, Gelman, Simpson, Carpenter and
//! Buerkner, "Rank-normalization, folding, and localization: an improved
//! R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2), 2021,
//! Section 3).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{ensure_finite, Error, Result};

/// The smallest chain length accepted: each half of a split chain needs
/// two draws for a variance.
pub const MIN_DRAWS: usize = 4;

/// Checks that there is at least one chain, that all chains have the same
/// length of at least [`MIN_DRAWS`] draws, and that every draw is finite.
pub fn check_chains<C: AsRef<[f64]>>(chains: &[C]) -> Result<()> {
    let first = chains.first().ok_or(Error::OutOfRange {
        name: "chains",
        value: 0.0,
        expected: "at least one chain",
    })?;
    let n = first.as_ref().len();
    if n < MIN_DRAWS {
        return Err(Error::OutOfRange {
            name: "draws per chain",
            value: n as f64,
            expected: "at least 4 draws per chain",
        });
    }
    for c in chains {
        crate::error::ensure_dim("chains: draws per chain", n, c.as_ref().len())?;
        for &x in c.as_ref() {
            ensure_finite("draw", x)?;
        }
    }
    Ok(())
}

/// Each chain cut into its first and second halves (the middle draw of an
/// odd-length chain is dropped), so a trend within a chain shows up as a
/// difference between chains (Vehtari et al. 2021, Section 3.1 "split
/// R-hat"). Call [`check_chains`] first.
pub fn split<C: AsRef<[f64]>>(chains: &[C]) -> Vec<Vec<f64>> {
    chains
        .iter()
        .flat_map(|c| {
            let c = c.as_ref();
            let half = c.len() / 2;
            [c[..half].to_vec(), c[c.len() - half..].to_vec()]
        })
        .collect()
}

/// Rank normalisation: every draw replaced by
/// `Phi^{-1}((r - 3/8) / (S + 1/4))`, where `r` is its rank among all `S`
/// draws of all chains (average rank for ties) and the offsets are Blom's
/// (1958) (Vehtari et al. 2021, Section 3, rank normalisation). The result
/// is insensitive to heavy tails and monotone transformations.
pub fn rank_normalise(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut all: Vec<(f64, usize, usize)> = chains
        .iter()
        .enumerate()
        .flat_map(|(c, xs)| xs.iter().enumerate().map(move |(t, &x)| (x, c, t)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = all.len() as f64;
    let std = Normal::standard();
    let mut out: Vec<Vec<f64>> = chains.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut start = 0;
    while start < all.len() {
        let mut end = start + 1;
        while end < all.len() && all[end].0.total_cmp(&all[start].0).is_eq() {
            end += 1;
        }
        // Ranks start..end (0-based) share the average 1-based rank.
        let rank = 0.5 * (start + 1 + end) as f64;
        let z = std.inverse_cdf((rank - 0.375) / (total + 0.25));
        for &(_, c, t) in &all[start..end] {
            out[c][t] = z;
        }
        start = end;
    }
    out
}

/// The median of all draws (the mean of the two middle values for an
/// even count).
pub fn median(chains: &[Vec<f64>]) -> f64 {
    quantile_sorted(&sorted_draws(chains), 0.5)
}

/// All draws of all chains, sorted.
pub fn sorted_draws(chains: &[Vec<f64>]) -> Vec<f64> {
    let mut all: Vec<f64> = chains.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    all
}

/// The `prob`-quantile of sorted values by linear interpolation between
/// order statistics (Hyndman and Fan, "Sample quantiles in statistical
/// packages", Am. Stat. 50, 1996, definition 7).
pub fn quantile_sorted(sorted: &[f64], prob: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * prob;
    let (lo, frac) = (h.floor() as usize, h.fract());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Folding: every draw replaced by its absolute deviation from the median
/// of all draws, so R-hat of the folded chains detects chains that agree
/// in location but differ in scale (Vehtari et al. 2021, Section 3,
/// folded split R-hat).
pub fn fold(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let med = median(chains);
    chains
        .iter()
        .map(|c| c.iter().map(|x| (x - med).abs()).collect())
        .collect()
}
