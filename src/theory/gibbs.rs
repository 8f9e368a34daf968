//! The Gibbs law `exp(-V(x) / eps) / Z` of a 1-D landscape: normalising
//! constant, density, CDF, moments.
//!
//! It is the stationary law of overdamped Langevin dynamics
//! `dX = -V'(X) dt + sqrt(2 eps) dW` (derivation in `proofs/gibbs_and_ou.md`;
//! Pavliotis, *Stochastic Processes and Applications*, 2014, Chapter 4),
//! so stationary samples of a simulation are tested against [`Gibbs1d::cdf`]
//! with the KS test of [`crate::measure::ks`].
//!
//! `Z = int exp(-V / eps)` is computed as `ln Z` on the adaptive panel grid
//! of [`Overdamped1d`], marching from a mode to both sides until the density
//! is below `1e-17` of its maximum and decreasing; every declared mode (for
//! a landscape: every minimum and saddle) is reached first, so a deep well
//! behind a high barrier is never cut off. Moments and the CDF are computed
//! relative to the largest weight, so nothing overflows for small `eps`.

use super::overdamped::{Overdamped1d, Panel};
use super::quadrature::{PanelRule, NODES};
use crate::error::{ensure_finite, Error, Result};
use crate::landscape::Landscape;

/// The Gibbs law of a 1-D potential at temperature `eps`, tabulated.
#[derive(Debug)]
pub struct Gibbs1d<'a> {
    process: Overdamped1d<'a>,
    eps: f64,
    rule: PanelRule,
    /// Panels in ascending `x`.
    panels: Vec<Panel>,
    /// Panel edges, ascending (`panels.len() + 1` of them).
    edges: Vec<f64>,
    /// The CDF at the edges.
    cumulative: Vec<f64>,
    /// The largest `-V / eps` on the grid.
    top: f64,
    /// `int exp(-V / eps - top)` over the grid.
    mass: f64,
}

impl<'a> Gibbs1d<'a> {
    /// The Gibbs law of `potential` at temperature `eps > 0`. `modes` must
    /// hold at least one point of high density (a minimum), and should hold
    /// every local minimum and every kink of `V''` (see [`Overdamped1d`]).
    ///
    /// See `proofs/gibbs_and_ou.md`.
    pub fn new(
        potential: impl Fn(f64) -> f64 + Send + Sync + 'a,
        eps: f64,
        modes: &[f64],
    ) -> Result<Self> {
        let start = *modes.first().ok_or_else(|| {
            Error::Unsupported(
                "the Gibbs law needs at least one mode to start its grid from".to_string(),
            )
        })?;
        let process = Overdamped1d::langevin(potential, eps)?.with_knots(modes)?;
        Self::tabulate(process, eps, start)
    }

    /// The Gibbs law of a 1-D landscape at temperature `eps > 0`, its minima
    /// and saddles as modes.
    ///
    /// See `proofs/gibbs_and_ou.md`.
    pub fn from_landscape<L: Landscape>(landscape: &'a L, eps: f64) -> Result<Self> {
        let start = landscape.minima().first().map(|m| m[0]).ok_or_else(|| {
            Error::Unsupported(format!("landscape {} lists no minimum", landscape.name()))
        })?;
        let process = Overdamped1d::langevin_on(landscape, eps)?;
        Self::tabulate(process, eps, start)
    }

    fn tabulate(process: Overdamped1d<'a>, eps: f64, start: f64) -> Result<Self> {
        ensure_finite("Gibbs start point", start)?;
        let mut panels = process.march(1.0, start, start, None)?;
        panels.reverse();
        let right = process.march(-1.0, -start, -start, None)?;
        panels.extend(right.iter().map(Panel::mirrored));

        let rule = PanelRule::new();
        let top = panels
            .iter()
            .flat_map(|p| p.phi.iter())
            .fold(f64::NEG_INFINITY, |m, &phi| m.max(-phi));
        let mut edges = Vec::with_capacity(panels.len() + 1);
        let mut cumulative = Vec::with_capacity(panels.len() + 1);
        edges.push(panels[0].a);
        cumulative.push(0.0);
        let mut mass = 0.0;
        let mut w = [0.0; NODES];
        for p in &panels {
            for (wj, phi) in w.iter_mut().zip(&p.phi) {
                *wj = (-phi - top).exp();
            }
            mass += 0.5 * (p.b - p.a) * rule.total(&w);
            edges.push(p.b);
            cumulative.push(mass);
        }
        for c in &mut cumulative {
            *c /= mass;
        }
        Ok(Self {
            process,
            eps,
            rule,
            panels,
            edges,
            cumulative,
            top,
            mass,
        })
    }

    /// The temperature `eps`.
    pub fn temperature(&self) -> f64 {
        self.eps
    }

    /// `ln Z`, `Z = int exp(-V(x) / eps) dx`.
    pub fn log_normalizer(&self) -> f64 {
        self.top + self.mass.ln()
    }

    /// `V(x) / eps`.
    fn phi(&self, x: f64) -> f64 {
        self.process
            .potential_at(x)
            .expect("Gibbs1d always holds a Langevin diffusion")
            / self.eps
    }

    /// `ln p(x) = -V(x) / eps - ln Z`.
    pub fn log_density(&self, x: f64) -> f64 {
        -self.phi(x) - self.log_normalizer()
    }

    /// `p(x) = exp(-V(x) / eps) / Z`.
    pub fn density(&self, x: f64) -> f64 {
        self.log_density(x).exp()
    }

    /// The CDF `P(X <= x)`: the tabulated value at the panel edge below `x`
    /// plus a 12-point Gauss-Legendre integral over the rest (absolute error
    /// below `1e-12`).
    pub fn cdf(&self, x: f64) -> f64 {
        let last = self.edges.len() - 1;
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= self.edges[0] {
            return 0.0;
        }
        if x >= self.edges[last] {
            return 1.0;
        }
        let p = self.edges.partition_point(|&e| e <= x) - 1;
        let a = self.edges[p];
        let mut w = [0.0; NODES];
        for (j, wj) in w.iter_mut().enumerate() {
            *wj = (-self.phi(self.rule.node_on(j, a, x)) - self.top).exp();
        }
        let partial = 0.5 * (x - a) * self.rule.total(&w) / self.mass;
        (self.cumulative[p] + partial).clamp(0.0, 1.0)
    }

    /// The grid: panel edges (ascending) and the CDF at each.
    pub fn grid(&self) -> (&[f64], &[f64]) {
        (&self.edges, &self.cumulative)
    }

    /// `E f(X)` under the Gibbs law, by the panel rule.
    pub fn expectation(&self, f: impl Fn(f64) -> f64) -> f64 {
        let mut sum = 0.0;
        let mut w = [0.0; NODES];
        for p in &self.panels {
            for (j, wj) in w.iter_mut().enumerate() {
                *wj = f(self.rule.node_on(j, p.a, p.b)) * (-p.phi[j] - self.top).exp();
            }
            sum += 0.5 * (p.b - p.a) * self.rule.total(&w);
        }
        sum / self.mass
    }

    /// The mean `E X`.
    pub fn mean(&self) -> f64 {
        self.expectation(|x| x)
    }

    /// The variance `E (X - E X)^2` (centred before squaring).
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.expectation(|x| (x - m) * (x - m))
    }
}
