//! Hutchinson's trace estimator with Rademacher probes, with its standard
//! error.
//!
//! # Estimator
//! For probes `z` with independent Rademacher entries, `E[z^T H z] = Tr H`,
//! so
//!
//! ```text
//! T_hat = (1/p) sum_{l=1}^{p} z_l^T H z_l
//! ```
//!
//! is unbiased (Hutchinson, "A stochastic estimator of the trace of the
//! influence matrix for Laplacian smoothing splines", Comm. Statist.
//! Simulation Comput. 19(2), 1990). One probe costs one Hessian-vector
//! product.
//!
//! # Variance
//! For symmetric `H` and one Rademacher probe,
//!
//! ```text
//! Var(z^T H z) = 2 (||H||_F^2 - sum_i H_ii^2) = 2 sum_{i != j} H_ij^2
//! ```
//!
//! (Hutchinson 1990, Proposition 1; derived in
//! `proofs/flatness_measures.md`), the least among probes with independent
//! zero-mean unit-variance entries (Gaussian probes give `2 ||H||_F^2`;
//! Avron and Toledo, J. ACM 58(2), 2011, compare the estimators). It vanishes for
//! a diagonal `H`: every probe then returns `Tr H` exactly. The standard
//! error reported is the sample standard deviation over probes divided by
//! `sqrt(p)`, so it estimates `sqrt(Var / p)` without knowing `H`.
//!
//! # Requirements
//! Hessian-vector products ([`crate::optim::Capabilities::hessian_vector`]).

use serde::{Deserialize, Serialize};

use super::estimate::{Estimate, Running};
use super::operator::HessianAt;
use super::probes::fill_rademacher;
use super::vector::dot;
use super::{check_point, ensure_at_least, Measured};
use crate::error::{ensure_finite, Result};
use crate::optim::Oracle;
use crate::rng::Rng;

/// Size of a Hutchinson trace estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HutchinsonConfig {
    /// Number of probes `p` (Hessian-vector products); at least 2 for a
    /// standard error.
    pub probes: usize,
}

impl Default for HutchinsonConfig {
    /// 30 probes: the relative standard error is then
    /// `sqrt(2 sum_{i != j} H_ij^2 / 30) / Tr H`.
    fn default() -> Self {
        Self { probes: 30 }
    }
}

impl HutchinsonConfig {
    /// Rejects fewer than 2 probes.
    pub fn validate(&self) -> Result<()> {
        ensure_at_least(
            "hutchinson probes",
            self.probes,
            2,
            "at least 2 (a standard error needs two probes)",
        )
    }
}

/// Estimates the trace of the `n x n` operator `hvp` with `cfg.probes`
/// Rademacher probes drawn from `rng`; the mean and its standard error.
///
/// Allocates two vectors of length `n` once; the probe loop allocates
/// nothing. Rejects `n = 0` and a non-finite product.
pub fn trace(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    cfg: &HutchinsonConfig,
    rng: &mut Rng,
) -> Result<Estimate> {
    cfg.validate()?;
    ensure_at_least("Hutchinson dimension", n, 1, "at least 1")?;
    let mut z = vec![0.0; n];
    let mut hz = vec![0.0; n];
    let mut running = Running::default();
    for _ in 0..cfg.probes {
        fill_rademacher(rng, &mut z);
        hvp(&z, &mut hz);
        running.push(ensure_finite(
            "Hessian-vector product (Hutchinson)",
            dot(&z, &hz),
        )?);
    }
    Ok(running.estimate())
}

/// The Hutchinson estimate of `Tr H(x)` of `oracle`, with the
/// Hessian-vector products it took.
pub fn trace_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &HutchinsonConfig,
    rng: &mut Rng,
) -> Result<Measured<Estimate>> {
    check_point(oracle, x)?;
    let mut op = HessianAt::new(oracle, x);
    let result = trace(&mut |v, out| op.apply(v, out), oracle.dim(), cfg, rng);
    op.finish(result).map(Measured::from)
}
