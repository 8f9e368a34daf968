//! A reproducible, refinable Brownian path for strong-error measurements.
//!
//! A strong error compares a numerical solution with the exact one *on the
//! same Brownian realization*, and an order plot compares step sizes `dt`
//! and `dt / 2` on that same realization too. [`BrownianPath`] draws the
//! increments of a `dim`-dimensional Brownian motion on the finest grid of
//! `2^L` steps over `[0, T]` once, from a [`Seed`], and serves the grid of
//! `2^level` steps (`level <= L`) by summing `2^(L - level)` consecutive fine
//! increments: Brownian increments over adjacent intervals add up to the
//! increment over their union, so every level resolves the same path. This
//! is the construction behind the strong-order experiments of Higham, "An
//! algorithmic introduction to numerical simulation of stochastic
//! differential equations", SIAM Review 43(3), 2001, Section 5.
//!
//! The fine increments are stored once (`2^L dim` numbers) and reused:
//! [`BrownianPath::resample`] redraws them in place for the next path, and
//! [`BrownianPath::increment_into`] and [`BrownianPath::solve`] allocate
//! nothing.

use rand_distr::{Distribution, StandardNormal};

use super::{Scheme, Sde, Workspace};
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::noise::Diffusion;
use crate::rng::Seed;

/// One Brownian realization on `[0, T]`, resolvable on grids of `2^level` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct BrownianPath {
    dim: usize,
    finest_level: u32,
    horizon: f64,
    /// Fine increments, step-major: coordinate `j` of step `k` at `k * dim + j`.
    fine: Vec<f64>,
}

impl BrownianPath {
    /// The deepest finest level accepted: `2^24` steps.
    pub const MAX_LEVEL: u32 = 24;

    /// The path of `seed` in dimension `dim >= 1` on `[0, horizon]`, drawn on
    /// `2^finest_level` steps (`finest_level <= MAX_LEVEL`).
    pub fn new(seed: Seed, dim: usize, finest_level: u32, horizon: f64) -> Result<Self> {
        crate::noise::Brownian::new(dim)?;
        ensure_positive("horizon", horizon)?;
        if finest_level > Self::MAX_LEVEL {
            return Err(Error::OutOfRange {
                name: "finest level",
                value: f64::from(finest_level),
                expected: "at most 24 (2^24 steps)",
            });
        }
        let mut path = Self {
            dim,
            finest_level,
            horizon,
            fine: vec![0.0; (1usize << finest_level) * dim],
        };
        path.resample(seed);
        Ok(path)
    }

    /// Redraws the path in place as the path of `seed` (the result equals
    /// `BrownianPath::new(seed, ..)` with this path's sizes).
    pub fn resample(&mut self, seed: Seed) {
        let mut rng = seed.rng();
        let sd = self.dt(self.finest_level).sqrt();
        for w in &mut self.fine {
            let z: f64 = StandardNormal.sample(&mut rng);
            *w = sd * z;
        }
    }

    /// Dimension of the Brownian motion.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The finest level `L` (the path is drawn on `2^L` steps).
    pub fn finest_level(&self) -> u32 {
        self.finest_level
    }

    /// The horizon `T`.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Number of steps `2^level` on the grid of `level`.
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn steps(&self, level: u32) -> usize {
        assert!(
            level <= self.finest_level,
            "level {level} is finer than the path's finest level {}",
            self.finest_level
        );
        1usize << level
    }

    /// Step size `T / 2^level` on the grid of `level`.
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn dt(&self, level: u32) -> f64 {
        self.horizon / self.steps(level) as f64
    }

    /// Writes the increment `W(t_{k+1}) - W(t_k)` of step `k` on the grid of
    /// `level` into `out` (length `dim`): the sum, in time order, of the
    /// `2^(L - level)` fine increments it covers.
    ///
    /// # Panics
    /// If `level` exceeds the finest level, `k >= 2^level`, or `out` has the
    /// wrong length.
    #[inline]
    pub fn increment_into(&self, level: u32, k: usize, out: &mut [f64]) {
        assert!(
            k < self.steps(level),
            "step {k} outside the grid of level {level}"
        );
        assert_eq!(out.len(), self.dim, "increment buffer length");
        let span = 1usize << (self.finest_level - level);
        out.fill(0.0);
        for fine in self.fine[k * span * self.dim..(k + 1) * span * self.dim].chunks_exact(self.dim)
        {
            for (o, w) in out.iter_mut().zip(fine) {
                *o += w;
            }
        }
    }

    /// All increments on the grid of `level`, step-major (`2^level * dim`
    /// numbers; allocates, for tests and inspection).
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn increments(&self, level: u32) -> Vec<f64> {
        let mut all = vec![0.0; self.steps(level) * self.dim];
        for (k, out) in all.chunks_exact_mut(self.dim).enumerate() {
            self.increment_into(level, k, out);
        }
        all
    }

    /// `W(T)` (the path starts at `W(0) = 0`).
    pub fn value_at_end(&self) -> Vec<f64> {
        let mut w = vec![0.0; self.dim];
        self.increment_into(0, 0, &mut w);
        w
    }

    /// Integrates `sde` with `scheme` along this path on the grid of `level`,
    /// from `x` at time 0 to time `T`, leaving the final state in `x`. `dn`
    /// (length `dim`) and `ws` are scratch.
    ///
    /// # Requirements
    /// The diffusion's noise dimension is the path's `dim`, `x` has the SDE's
    /// dimension, and the scheme accepts the SDE.
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn solve<S: Sde, M: Scheme<S>>(
        &self,
        sde: &S,
        scheme: &M,
        level: u32,
        x: &mut [f64],
        dn: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<()> {
        ensure_dim("state vs SDE", sde.dim(), x.len())?;
        ensure_dim(
            "Brownian path vs noise",
            sde.diffusion().noise_dim(),
            self.dim,
        )?;
        ensure_dim("increment buffer", self.dim, dn.len())?;
        scheme.validate(sde)?;
        let dt = self.dt(level);
        for k in 0..self.steps(level) {
            self.increment_into(level, k, dn);
            scheme.step(sde, x, k as f64 * dt, dt, dn, ws);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_path_and_resample_equals_new() {
        let a = BrownianPath::new(Seed(5), 2, 6, 1.5).unwrap();
        let mut b = BrownianPath::new(Seed(6), 2, 6, 1.5).unwrap();
        assert_ne!(a, b);
        b.resample(Seed(5));
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(BrownianPath::new(Seed(0), 0, 4, 1.0).is_err());
        assert!(BrownianPath::new(Seed(0), 1, 4, 0.0).is_err());
        assert!(BrownianPath::new(Seed(0), 1, 25, 1.0).is_err());
    }

    #[test]
    fn fine_increments_have_variance_dt() {
        // 2^14 N(0, dt) draws: the sample variance / dt has standard error
        // sqrt(2 / 2^14) = 0.011; 5 standard errors.
        let path = BrownianPath::new(Seed(11), 1, 14, 2.0).unwrap();
        let w = path.increments(14);
        let dt = path.dt(14);
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        assert!(
            (var / dt - 1.0).abs() < 5.0 * (2.0 / w.len() as f64).sqrt(),
            "variance ratio {}",
            var / dt
        );
    }
}
