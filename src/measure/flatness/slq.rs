//! The spectral density of `H(x)` by stochastic Lanczos quadrature (SLQ).
//!
//! # Method
//! The spectral density `phi(t) = (1/n) sum_i delta(t - lambda_i)` satisfies
//! `int f dphi = Tr f(H) / n = E[v^T f(H) v]` for a probe `v = z / sqrt(n)`,
//! `z` Rademacher (unit norm exactly). For one probe, `m` Lanczos steps from
//! `v` give the Gauss quadrature rule of the measure
//! `mu_v = sum_i (v^T u_i)^2 delta_{lambda_i}`: nodes `theta_j` (the Ritz
//! values) and weights `tau_j = s_{1,j}^2` (squared first components of the
//! eigenvectors of `T_m`; Golub and Welsch, Math. Comp. 23, 1969), exact for
//! polynomials of degree up to `2m - 1`. Averaging the rules of `R`
//! independent probes and broadening each node by a Gaussian of width
//! `sigma`,
//!
//! ```text
//! phi_sigma(t) = (1/R) sum_{l=1}^{R} sum_{j=1}^{m} tau_j^(l) g_sigma(t - theta_j^(l)),
//! g_sigma(s) = exp(-s^2 / (2 sigma^2)) / (sigma sqrt(2 pi)),
//! ```
//!
//! (Ubaru, Chen and Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos
//! quadrature", SIAM J. Matrix Anal. Appl. 38(4), 2017, Section 3; Ghorbani,
//! Krishnan and Xiao, "An investigation into neural net optimization via
//! Hessian eigenvalue density", ICML 2019, Section 2). The weights of one
//! rule sum to 1 (the eigenvector matrix of `T_m` is orthogonal), so
//! `phi_sigma` integrates to 1. Cost: `R m` Hessian-vector products.
//!
//! # Moments and error
//! Gauss quadrature integrates `t` exactly, so each rule's mean
//! `sum_j tau_j theta_j = v^T H v = z^T H z / n`: the mean of the density is
//! Hutchinson's estimate of `Tr H / n` with `R` probes, unbiased, with
//! per-probe variance `2 sum_{i != j} H_ij^2 / n^2`; its standard error over
//! the `R` rules is reported ([`SpectralDensity::mean_eigenvalue`]). For a
//! smooth `f` the quadrature error is that of degree-`2m - 1` polynomial
//! approximation of `f` on the spectrum (Ubaru et al. 2017, Section 4,
//! bound the combined quadrature and Monte Carlo error); for the broadened density, `sigma` sets the
//! resolution: nodes closer than about `sigma` merge.
//!
//! # Requirements
//! Hessian-vector products ([`crate::optim::Capabilities::hessian_vector`]).

use serde::{Deserialize, Serialize};

use super::estimate::{Estimate, Running};
use super::lanczos::{lanczos, Tridiagonal};
use super::operator::HessianAt;
use super::probes::fill_rademacher;
use super::{check_point, ensure_at_least, Measured};
use crate::error::{ensure_positive, Result};
use crate::optim::Oracle;
use crate::rng::Rng;

/// How far beyond the extreme nodes the grid reaches, in units of `sigma`:
/// the mass of a Gaussian beyond 8 standard deviations on one side is
/// `erfc(8 / sqrt 2) / 2 < 7e-16`, so the grid holds the whole density.
const GRID_MARGIN_SIGMAS: f64 = 8.0;

/// Sizes of an SLQ density estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlqConfig {
    /// Independent probes `R` (Lanczos runs); at least 2 for a standard
    /// error.
    pub runs: usize,
    /// Lanczos steps `m` per run (quadrature nodes per rule); capped at the
    /// dimension.
    pub steps: usize,
    /// Points of the grid the broadened density is evaluated on.
    pub grid_points: usize,
    /// Gaussian width `sigma` relative to the spread of the nodes
    /// (`max theta - min theta`; the largest `|theta|` when all nodes
    /// coincide, and 1 when they are all 0).
    pub bandwidth: f64,
}

impl Default for SlqConfig {
    /// 10 runs of 30 steps on 256 points, `sigma` 1% of the spread.
    fn default() -> Self {
        Self {
            runs: 10,
            steps: 30,
            grid_points: 256,
            bandwidth: 0.01,
        }
    }
}

impl SlqConfig {
    /// Rejects fewer than 2 runs, no steps, fewer than 2 grid points and a
    /// non-positive bandwidth.
    pub fn validate(&self) -> Result<()> {
        ensure_at_least(
            "slq runs",
            self.runs,
            2,
            "at least 2 (a standard error needs two runs)",
        )?;
        ensure_at_least("slq steps", self.steps, 1, "at least 1")?;
        ensure_at_least("slq grid_points", self.grid_points, 2, "at least 2")?;
        ensure_positive("slq bandwidth", self.bandwidth)?;
        Ok(())
    }
}

/// One Gauss quadrature rule of the spectral measure seen from one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quadrature {
    /// Nodes (Ritz values), largest first.
    pub nodes: Vec<f64>,
    /// Weights (squared first eigenvector components of `T_m`), summing to 1.
    pub weights: Vec<f64>,
}

impl From<&Tridiagonal> for Quadrature {
    /// The Gauss rule of a Lanczos run: Ritz values and squared first
    /// eigenvector components. Any run whose start is uniform on the sphere
    /// gives an unbiased rule, so the Gaussian-start run of
    /// [`super::lanczos::top_eigenvalues`] can be reused as one more probe.
    fn from(t: &Tridiagonal) -> Self {
        let ritz = t.ritz();
        Self {
            nodes: ritz.values,
            weights: ritz.weights,
        }
    }
}

impl Quadrature {
    /// `sum_j w_j f(theta_j)`: the rule applied to `f`.
    pub fn integrate(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(&t, &w)| w * f(t))
            .sum()
    }
}

/// An SLQ estimate of the spectral density of an `n x n` operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectralDensity {
    /// The dimension `n`.
    pub dim: usize,
    /// One quadrature rule per probe.
    pub rules: Vec<Quadrature>,
    /// The Gaussian width used for [`SpectralDensity::density`].
    pub sigma: f64,
    /// Equally spaced points from `min theta - 8 sigma` to
    /// `max theta + 8 sigma`.
    pub grid: Vec<f64>,
    /// `phi_sigma` on `grid`.
    pub density: Vec<f64>,
    /// The density's mean, `Tr H / n` estimated, with its standard error
    /// over the rules.
    pub mean_eigenvalue: Estimate,
}

impl SpectralDensity {
    /// The trace estimate `n` times the mean eigenvalue, with its error.
    #[must_use]
    pub fn trace(&self) -> Estimate {
        self.mean_eigenvalue.scaled(self.dim as f64)
    }
}

/// Writes `phi_sigma(t)` for each `t` in `grid` into `out`, averaging the
/// `rules` with equal weight.
///
/// # Panics
/// If `rules` is empty or `out` and `grid` differ in length (programmer
/// bugs).
pub fn broadened_density(rules: &[Quadrature], sigma: f64, grid: &[f64], out: &mut [f64]) {
    assert!(!rules.is_empty(), "a density needs at least one rule");
    assert_eq!(grid.len(), out.len(), "grid and output lengths differ");
    let norm = 1.0 / (rules.len() as f64 * sigma * (2.0 * std::f64::consts::PI).sqrt());
    let inv_two_var = 1.0 / (2.0 * sigma * sigma);
    for (&t, o) in grid.iter().zip(out.iter_mut()) {
        *o = norm
            * rules
                .iter()
                .map(|r| r.integrate(|theta| (-(t - theta).powi(2) * inv_two_var).exp()))
                .sum::<f64>();
    }
}

/// The SLQ density of the `n x n` operator `hvp`: `cfg.runs` Lanczos runs of
/// `cfg.steps` steps from Rademacher probes drawn from `rng`, broadened on a
/// grid.
pub fn spectral_density(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    cfg: &SlqConfig,
    rng: &mut Rng,
) -> Result<SpectralDensity> {
    cfg.validate()?;
    ensure_at_least("SLQ dimension", n, 1, "at least 1")?;
    let mut probe = vec![0.0; n];
    let mut rules = Vec::with_capacity(cfg.runs);
    let mut mean = Running::default();
    for _ in 0..cfg.runs {
        fill_rademacher(rng, &mut probe);
        let rule = Quadrature::from(&lanczos(hvp, &probe, cfg.steps)?);
        mean.push(rule.integrate(|t| t));
        rules.push(rule);
    }
    let all_nodes = || rules.iter().flat_map(|r| r.nodes.iter().copied());
    let lo = all_nodes().fold(f64::INFINITY, f64::min);
    let hi = all_nodes().fold(f64::NEG_INFINITY, f64::max);
    let scale = if hi > lo {
        hi - lo
    } else if hi.abs() > 0.0 {
        hi.abs()
    } else {
        1.0
    };
    let sigma = cfg.bandwidth * scale;
    let (start, end) = (
        lo - GRID_MARGIN_SIGMAS * sigma,
        hi + GRID_MARGIN_SIGMAS * sigma,
    );
    let step = (end - start) / (cfg.grid_points - 1) as f64;
    let grid: Vec<f64> = (0..cfg.grid_points)
        .map(|i| start + step * i as f64)
        .collect();
    let mut density = vec![0.0; grid.len()];
    broadened_density(&rules, sigma, &grid, &mut density);
    Ok(SpectralDensity {
        dim: n,
        rules,
        sigma,
        grid,
        density,
        mean_eigenvalue: mean.estimate(),
    })
}

/// The SLQ density of `H(x)` of `oracle`, with the Hessian-vector products
/// it took.
pub fn spectral_density_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &SlqConfig,
    rng: &mut Rng,
) -> Result<Measured<SpectralDensity>> {
    check_point(oracle, x)?;
    let mut op = HessianAt::new(oracle, x);
    let result = spectral_density(&mut |v, out| op.apply(v, out), oracle.dim(), cfg, rng);
    op.finish(result).map(Measured::from)
}
