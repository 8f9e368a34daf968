//! First-passage events, with the Brownian-bridge crossing correction.
//!
//! Checking a target only at grid times misses excursions that cross it and
//! come back within a step, which biases exit times upwards by O(sqrt(dt)).
//! For Brownian noise the correction is exact for a frozen drift and
//! diffusion over the step: given the end points, the path is a Brownian
//! bridge with variance rate `v = n^T G G^T n` along the boundary normal `n`,
//! and it crosses a plane at distances `d0, d1 > 0` from the two end points
//! with probability `exp(-2 d0 d1 / (v dt))` (Karatzas and Shreve, *Brownian
//! Motion and Stochastic Calculus*, 1991, Section 4.3.C; used for exit times
//! by Gobet, "Weak approximation of killed diffusion using Euler schemes",
//! Stoch. Proc. Appl. 87, 2000). The driver draws one uniform for the test,
//! and only when that probability is not negligible (`2 d0 d1 / (v dt) < 40`,
//! so the probability is below `4e-18`).

use rand::RngExt;

use crate::error::{ensure_dim, ensure_finite, Error, Result};
use crate::noise::Diffusion;
use crate::rng::Rng;

/// Exponent beyond which the bridge crossing probability `exp(-a)` is
/// treated as zero: `exp(-40) < 4.3e-18`, far below any Monte Carlo error.
const NEGLIGIBLE_EXPONENT: f64 = 40.0;

/// Something that can happen to a path during a step.
pub trait Event: Sync + Send {
    /// Whether the path, going from `prev` at `t` to `next` at `t + dt`,
    /// entered the target. `brownian` says whether the driving noise is
    /// Brownian, which licenses the bridge correction; `rng` is the path's
    /// own stream.
    #[allow(clippy::too_many_arguments)]
    fn crossed<G: Diffusion>(
        &self,
        prev: &[f64],
        next: &[f64],
        t: f64,
        dt: f64,
        diffusion: &G,
        brownian: bool,
        rng: &mut Rng,
    ) -> bool;

    /// False for an event that can never fire, so the driver may skip the
    /// per-path check.
    fn may_fire(&self) -> bool {
        true
    }
}

/// The event that never happens (for runs to a fixed horizon).
#[derive(Debug, Clone, Copy, Default)]
pub struct Never;

impl Event for Never {
    #[inline]
    fn crossed<G: Diffusion>(
        &self,
        _: &[f64],
        _: &[f64],
        _: f64,
        _: f64,
        _: &G,
        _: bool,
        _: &mut Rng,
    ) -> bool {
        false
    }

    fn may_fire(&self) -> bool {
        false
    }
}

/// The half-space `{x : n . x >= offset}` with `n` a unit vector.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HalfSpace {
    normal: Vec<f64>,
    offset: f64,
}

impl HalfSpace {
    /// The half-space `{x : normal . x >= offset}`; `normal` is normalised.
    pub fn new(normal: Vec<f64>, offset: f64) -> Result<Self> {
        ensure_finite("boundary offset", offset)?;
        let norm = normal.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(Error::Unsupported(
                "a boundary normal must be a finite non-zero vector".into(),
            ));
        }
        Ok(Self {
            normal: normal.iter().map(|v| v / norm).collect(),
            offset: offset / norm,
        })
    }

    /// `{x : x_axis >= level}` in `R^dim`.
    pub fn above(dim: usize, axis: usize, level: f64) -> Result<Self> {
        let mut normal = vec![0.0; dim];
        normal[axis] = 1.0;
        Self::new(normal, level)
    }

    /// `{x : x_axis <= level}` in `R^dim`.
    pub fn below(dim: usize, axis: usize, level: f64) -> Result<Self> {
        let mut normal = vec![0.0; dim];
        normal[axis] = -1.0;
        Self::new(normal, -level)
    }

    /// Signed distance from `x` to the boundary, positive outside the half-space.
    #[inline]
    pub fn distance(&self, x: &[f64]) -> f64 {
        self.offset - self.normal.iter().zip(x).map(|(n, v)| n * v).sum::<f64>()
    }

    /// Dimension of the space.
    pub fn dim(&self) -> usize {
        self.normal.len()
    }
}

/// A target that is the union of half-spaces: a path has exited once it
/// enters any of them (one plane for "reach the saddle", two for "leave the
/// interval (a, b)").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExitRegion {
    planes: Vec<HalfSpace>,
}

impl ExitRegion {
    /// The union of `planes` (at least one, all of the same dimension).
    pub fn new(planes: Vec<HalfSpace>) -> Result<Self> {
        let first = planes.first().ok_or_else(|| {
            Error::Unsupported("an exit region needs at least one boundary".into())
        })?;
        for p in &planes {
            ensure_dim("exit boundary", first.dim(), p.dim())?;
        }
        Ok(Self { planes })
    }

    /// Leaving the interval `(low, high)` along `axis`.
    pub fn outside_interval(dim: usize, axis: usize, low: f64, high: f64) -> Result<Self> {
        if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
            return Err(Error::Unsupported(format!(
                "exit interval must have low < high, got ({low}, {high})"
            )));
        }
        Self::new(vec![
            HalfSpace::below(dim, axis, low)?,
            HalfSpace::above(dim, axis, high)?,
        ])
    }

    /// Whether `x` is already inside the target.
    pub fn contains(&self, x: &[f64]) -> bool {
        self.planes.iter().any(|p| p.distance(x) <= 0.0)
    }

    /// The boundaries.
    pub fn planes(&self) -> &[HalfSpace] {
        &self.planes
    }
}

impl Event for ExitRegion {
    #[inline]
    fn crossed<G: Diffusion>(
        &self,
        prev: &[f64],
        next: &[f64],
        t: f64,
        dt: f64,
        diffusion: &G,
        brownian: bool,
        rng: &mut Rng,
    ) -> bool {
        self.planes.iter().any(|plane| {
            let d1 = plane.distance(next);
            if d1 <= 0.0 {
                return true;
            }
            if !brownian {
                return false;
            }
            let d0 = plane.distance(prev);
            let spread = diffusion.variance_along(prev, t, &plane.normal) * dt;
            // The crossing probability is exp(-2 d0 d1 / spread); compared
            // without a division, which would dominate the common case.
            2.0 * d0 * d1 < NEGLIGIBLE_EXPONENT * spread
                && rng.random::<f64>() < (-2.0 * d0 * d1 / spread).exp()
        })
    }
}
