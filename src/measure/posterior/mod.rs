//! Posterior accuracy: distances between a sampler's output and a known
//! posterior, and convergence diagnostics of MCMC chains.
//!
//! - [`gaussian`]: Gaussian laws ([`Gaussian`], from a mean and covariance
//!   or from [`crate::measure::moments::Moments`]), closed-form [`wasserstein2`] and
//!   [`kl_divergence`] between them;
//! - [`wasserstein_1d`]: `W2` between two samples and between a sample and
//!   a normal law, by the quantile coupling;
//! - [`ksd`]: the IMQ kernel Stein discrepancy of a sample against the law
//!   `exp(-U)` of an oracle;
//! - [`mod@ess`] and [`mod@rhat`]: effective sample size (plain, bulk, tail) and
//!   rank-normalised split R-hat over several chains, built on the
//!   transformations of [`chains`];
//! - [`mod@marginal_ks`]: Kolmogorov-Smirnov statistics of every marginal.

pub mod chains;
pub mod ess;
pub mod gaussian;
pub mod ksd;
pub mod marginal_ks;
pub mod rhat;
pub mod wasserstein_1d;

pub use ess::{ess, ess_bulk, ess_tail, Ess};
pub use gaussian::{kl_divergence, wasserstein2, Gaussian};
pub use ksd::{ksd_imq, Ksd};
pub use marginal_ks::marginal_ks;
pub use rhat::{rhat, split_rhat};
pub use wasserstein_1d::{w2_samples, w2_to_normal};
