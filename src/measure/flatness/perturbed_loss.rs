//! Expected loss under random weight perturbation, `E[L(x + sigma z)]` with
//! `z ~ N(0, I)`, by Monte Carlo with antithetic pairs, and its second-order
//! prediction.
//!
//! # Estimator
//! Each of `p` pairs draws `z` and averages the two mirrored points:
//!
//! ```text
//! Y = (L(x + sigma z) + L(x - sigma z)) / 2,    E[Y] = E[L(x + sigma z)]
//! ```
//!
//! (`-z` has the law of `z`; antithetic variates, Hammersley and Morton,
//! Proc. Cambridge Philos. Soc. 52, 1956). The odd part of `L` around `x`
//! cancels in `Y` exactly, so the gradient term, which dominates the
//! variance of the plain estimator for small `sigma` away from a minimum,
//! contributes no variance. The estimate is the mean of the `Y`s and its
//! standard error their sample standard deviation over `sqrt(p)`. Cost: `2p`
//! loss values plus one for `L(x)`. This smoothed loss is what random weight
//! perturbation training minimises in expectation.
//!
//! # Second-order prediction
//! Taylor expansion to second order with `E[z] = 0`, `E[z z^T] = I`:
//!
//! ```text
//! E[L(x + sigma z)] = L(x) + (sigma^2 / 2) Tr H(x) + O(sigma^4),
//! ```
//!
//! exact for a quadratic `L` (third and higher derivatives vanish); on a
//! quadratic `Y = L(x) + (sigma^2 / 2) z^T H z` exactly, with variance
//! `sigma^4 ||H||_F^2 / 2` per pair ([`second_order_prediction`]; derivation in
//! `proofs/flatness_measures.md`).
//!
//! # Requirements
//! Loss values only (the prediction needs a trace: exact or estimated).

use serde::{Deserialize, Serialize};

use super::estimate::{Estimate, Running};
use super::probes::fill_gaussian;
use super::vector::shifted;
use super::{check_point, ensure_at_least, Measured};
use crate::error::{ensure_finite, ensure_positive, Result};
use crate::optim::{Counts, Oracle};
use crate::rng::Rng;

/// Size of a perturbed-loss estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerturbedLossConfig {
    /// Perturbation scale `sigma`.
    pub sigma: f64,
    /// Antithetic pairs `p` (`2p` loss values); at least 2 for a standard
    /// error.
    pub pairs: usize,
}

impl Default for PerturbedLossConfig {
    /// `sigma = 0.01`, 50 pairs.
    fn default() -> Self {
        Self {
            sigma: 0.01,
            pairs: 50,
        }
    }
}

impl PerturbedLossConfig {
    /// Rejects a non-positive or non-finite `sigma` and fewer than 2 pairs.
    pub fn validate(&self) -> Result<()> {
        ensure_positive("perturbed-loss sigma", self.sigma)?;
        ensure_at_least(
            "perturbed-loss pairs",
            self.pairs,
            2,
            "at least 2 (a standard error needs two pairs)",
        )
    }
}

/// The expected perturbed loss at `x`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerturbedLoss {
    /// `L(x)`.
    pub loss: f64,
    /// `E[L(x + sigma z)]`, estimated, with its standard error over pairs.
    pub expected: Estimate,
}

/// The second-order prediction `L(x) + (sigma^2 / 2) Tr H` from an estimate
/// of the trace (an exact trace is an estimate with zero error); its
/// standard error is `(sigma^2 / 2)` times the trace's.
#[must_use]
pub fn second_order_prediction(loss: f64, trace: Estimate, sigma: f64) -> Estimate {
    trace.scaled(0.5 * sigma * sigma).shifted(loss)
}

/// Estimates `E[L(x + sigma z)]` of `oracle` with `cfg.pairs` antithetic
/// pairs drawn from `rng`, with the loss values it took.
///
/// Allocates two vectors of length `n` once; the pair loop allocates
/// nothing. Rejects a wrong-length or non-finite `x` and a non-finite loss.
pub fn expected_loss_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &PerturbedLossConfig,
    rng: &mut Rng,
) -> Result<Measured<PerturbedLoss>> {
    cfg.validate()?;
    check_point(oracle, x)?;
    let n = oracle.dim();
    let loss = ensure_finite("loss at x", oracle.value(x))?;
    let (mut z, mut point) = (vec![0.0; n], vec![0.0; n]);
    let mut running = Running::default();
    for _ in 0..cfg.pairs {
        fill_gaussian(rng, &mut z);
        shifted(x, cfg.sigma, &z, &mut point);
        let plus = oracle.value(&point);
        shifted(x, -cfg.sigma, &z, &mut point);
        let minus = oracle.value(&point);
        running.push(ensure_finite(
            "loss at a perturbed point",
            0.5 * (plus + minus),
        )?);
    }
    let counts = Counts {
        values: 1 + 2 * cfg.pairs as u64,
        ..Counts::default()
    };
    Ok(Measured::from((
        PerturbedLoss {
            loss,
            expected: running.estimate(),
        },
        counts,
    )))
}
