//! The effective sample size of several chains (Vehtari, Gelman, Simpson,
//! Carpenter and Buerkner, "Rank-normalization, folding, and localization:
//! an improved R-hat for assessing convergence of MCMC", Bayesian Analysis
//! 16(2), 2021, Section 3.2; Gelman et al., "Bayesian Data Analysis", 3rd
//! ed., 2013, Section 11.5), with Geyer's initial monotone sequence
//! truncation (Geyer, "Practical Markov chain Monte Carlo", Statistical
//! Science 7(4), 1992, Section 3.3).
//!
//! For `M` chains of `N` draws, with `W` and `var+` as in split R-hat, the
//! combined autocorrelation at lag `t` is
//! `rho_t = 1 - (W - (1/M) sum_m s_m^2 rho_{t,m}) / var+`, where
//! `rho_{t,m}` is chain `m`'s autocorrelation (autocovariance normalised by
//! `N`, divided by its lag-0 value) and `s_m^2` its unbiased variance. The
//! pair sums `P_k = rho_{2k} + rho_{2k+1}` are summed while positive and
//! made non-increasing (Geyer's initial monotone sequence), giving
//! `tau = -1 + 2 sum_k P_k` and `ESS = M N / tau`. Autocorrelations are
//! computed lag by lag only up to the truncation, so the cost is
//! `O(M N K)` for truncation lag `K` (small for a well-mixing chain).

use super::chains::{check_chains, quantile_sorted, rank_normalise, sorted_draws, split};
use super::rhat::variances;
use crate::error::Result;

/// An effective sample size with its integrated autocorrelation time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Ess {
    /// `M N / tau`.
    pub ess: f64,
    /// The integrated autocorrelation time `tau = 1 + 2 sum_{t >= 1} rho_t`
    /// (truncated as in the module docs; floored at `1 / log10(M N)` as in
    /// Stan, so `ess <= M N log10(M N)` for antithetic chains).
    pub tau: f64,
    /// The number of lags summed, `2 (K + 1)` for the last pair `K` kept:
    /// the window `W` of Sokal's variance estimate
    /// `Var(tau_hat) ~ 2 (2 W + 1) tau^2 / (M N)` (Sokal, "Monte Carlo
    /// methods in statistical mechanics: foundations and new algorithms",
    /// 1997, Eq. 3.19).
    pub lags: usize,
}

/// Chain `c`'s autocovariance at lag `t`, normalised by the length `N`.
fn autocovariance(c: &[f64], mean: f64, t: usize) -> f64 {
    let n = c.len();
    c[..n - t]
        .iter()
        .zip(&c[t..])
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum::<f64>()
        / n as f64
}

/// The ESS of chains taken as they are (already split or transformed).
fn ess_of(chains: &[Vec<f64>]) -> Result<Ess> {
    let (w, var_plus) = variances(chains)?;
    let (m, n) = (chains.len(), chains[0].len());
    let means: Vec<f64> = chains
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let acov0: Vec<f64> = chains
        .iter()
        .zip(&means)
        .map(|(c, &mu)| autocovariance(c, mu, 0))
        .collect();
    let nf = n as f64;
    // rho_t combined over chains; s_m^2 rho_{t,m} = acov_t N / (N - 1).
    let rho = |t: usize| -> f64 {
        let mean_term = chains
            .iter()
            .zip(&means)
            .zip(&acov0)
            .map(|((c, &mu), &a0)| {
                if a0 > 0.0 {
                    autocovariance(c, mu, t) * nf / (nf - 1.0)
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / m as f64;
        1.0 - (w - mean_term) / var_plus
    };
    let mut sum = 0.0;
    let mut previous = f64::INFINITY;
    let mut k = 0;
    while 2 * k + 1 < n {
        let pair = rho(2 * k) + rho(2 * k + 1);
        if pair <= 0.0 {
            break;
        }
        let pair = pair.min(previous);
        sum += pair;
        previous = pair;
        k += 1;
    }
    let total = (m * n) as f64;
    let tau = (2.0 * sum - 1.0).max(1.0 / total.log10());
    Ok(Ess {
        ess: total / tau,
        tau,
        lags: 2 * k,
    })
}

/// The ESS of the split chains, on the draws as they are (estimates the
/// precision of the mean of a finite-variance quantity).
///
/// Errors: see [`check_chains`]; constant chains.
pub fn ess<C: AsRef<[f64]>>(chains: &[C]) -> Result<Ess> {
    check_chains(chains)?;
    ess_of(&split(chains))
}

/// Bulk ESS: the ESS of the rank-normalised split chains (Vehtari et al.
/// 2021, Section 4.2), robust to heavy tails.
///
/// Errors: see [`check_chains`]; constant chains.
pub fn ess_bulk<C: AsRef<[f64]>>(chains: &[C]) -> Result<Ess> {
    check_chains(chains)?;
    ess_of(&rank_normalise(&split(chains)))
}

/// Tail ESS: the smaller ESS of the indicators `I(x <= q_{0.05})` and
/// `I(x <= q_{0.95})` on the split chains, with the quantiles of all draws
/// (Vehtari et al. 2021, Section 4.3): the precision of the 5% and 95%
/// quantile estimates.
///
/// Errors: see [`check_chains`]; constant chains.
pub fn ess_tail<C: AsRef<[f64]>>(chains: &[C]) -> Result<Ess> {
    check_chains(chains)?;
    let halves = split(chains);
    let sorted = sorted_draws(&halves);
    let mut best: Option<Ess> = None;
    for prob in [0.05, 0.95] {
        let q = quantile_sorted(&sorted, prob);
        let indicators: Vec<Vec<f64>> = halves
            .iter()
            .map(|c| c.iter().map(|&x| f64::from(u8::from(x <= q))).collect())
            .collect();
        let e = ess_of(&indicators)?;
        if best.is_none_or(|b| e.ess < b.ess) {
            best = Some(e);
        }
    }
    Ok(best.expect("two quantiles were evaluated"))
}
