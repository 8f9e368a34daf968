//! The potential scale reduction factor R-hat over several chains: classic
//! split R-hat and the rank-normalised, folded version of Vehtari, Gelman,
//! Simpson, Carpenter and Buerkner, "Rank-normalization, folding, and
//! localization: an improved R-hat for assessing convergence of MCMC",
//! Bayesian Analysis 16(2), 2021.

use super::chains::{check_chains, fold, rank_normalise, split};
use crate::error::{Error, Result};

/// The within-chain variance `W` (mean of the unbiased chain variances)
/// and the pooled variance estimate
/// `var+ = (N - 1) / N W + B / N`, with `B / N` the unbiased variance of
/// the chain means (zero for one chain) (Gelman et al., "Bayesian Data
/// Analysis", 3rd ed., 2013, Section 11.4, Eqs. 11.2-11.3).
///
/// Errors with [`Error::Unsupported`] when `W = 0` (every chain constant):
/// neither R-hat nor the effective sample size is defined then.
pub(crate) fn variances(chains: &[Vec<f64>]) -> Result<(f64, f64)> {
    let m = chains.len() as f64;
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| c.iter().sum::<f64>() / n).collect();
    let w = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0))
        .sum::<f64>()
        / m;
    if w <= 0.0 {
        return Err(Error::Unsupported(
            "R-hat and ESS need a positive within-chain variance; every chain is constant".into(),
        ));
    }
    let b_over_n = if chains.len() > 1 {
        let grand = means.iter().sum::<f64>() / m;
        means.iter().map(|mu| (mu - grand).powi(2)).sum::<f64>() / (m - 1.0)
    } else {
        0.0
    };
    Ok((w, (n - 1.0) / n * w + b_over_n))
}

/// `sqrt(var+ / W)` of chains taken as they are (no splitting).
fn rhat_of(chains: &[Vec<f64>]) -> Result<f64> {
    let (w, var_plus) = variances(chains)?;
    Ok((var_plus / w).sqrt())
}

/// Classic split R-hat: `sqrt(var+ / W)` over the halves of the chains
/// (Gelman et al. 2013, Section 11.4; Vehtari et al. 2021, Section 3.1).
///
/// Errors: see [`check_chains`]; constant chains.
pub fn split_rhat<C: AsRef<[f64]>>(chains: &[C]) -> Result<f64> {
    check_chains(chains)?;
    rhat_of(&split(chains))
}

/// The rank-normalised split R-hat of Vehtari et al. (2021, Section 4.1,
/// the recommended diagnostic): the larger of split R-hat on the
/// rank-normalised split chains (bulk) and on the rank-normalised folded
/// split chains (tails, scale). They recommend using a chain only when it
/// is below 1.01.
///
/// Errors: see [`check_chains`]; constant chains.
pub fn rhat<C: AsRef<[f64]>>(chains: &[C]) -> Result<f64> {
    check_chains(chains)?;
    let halves = split(chains);
    let bulk = rhat_of(&rank_normalise(&halves))?;
    let tail = rhat_of(&rank_normalise(&fold(&halves)))?;
    Ok(bulk.max(tail))
}
