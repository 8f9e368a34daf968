//! A reproducible, refinable Brownian path for strong-error measurements.
//!
//! A strong error compares a numerical solution with the exact one *on the
//! same Brownian realization*, and an order plot compares step sizes `dt`
//! and `dt / 2` on that same realization too. [`BrownianPath`] draws the
//! increments of a `dim`-dimensional Brownian motion on the finest grid of
//! `2^L` steps over `[0, T]` once, from a [`Seed`], and serves every coarser
//! grid of `2^level` steps (`level < L`) by summation: the increment of step
//! `k` on `level` is the sum of the increments of steps `2k` and `2k + 1` on
//! `level + 1`, hence the sum of the `2^(L - level)` consecutive fine
//! increments it covers. Brownian increments over adjacent intervals add up
//! to the increment over their union, so every level resolves the same path
//! (the construction behind the strong-order experiments of Higham, "An
//! algorithmic introduction to numerical simulation of stochastic
//! differential equations", SIAM Review 43(3), 2001, Section 5).
//!
//! All levels are summed once per path into one buffer (`(2^(L+1) - 1) dim`
//! numbers, twice the fine increments), so a scheme run on any level reads
//! its increments as slices; [`BrownianPath::resample`] redraws the path in
//! place and [`BrownianPath::solve`] allocates nothing.

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
    /// The increments of every level, coarsest first: level `l` occupies
    /// `(2^l - 1) dim .. (2^(l+1) - 1) dim`, step-major (coordinate `j` of
    /// step `k` at offset `k dim + j` within the level).
    levels: Vec<f64>,
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
            levels: vec![0.0; ((2usize << finest_level) - 1) * dim],
        };
        path.resample(seed);
        Ok(path)
    }

    /// Redraws the path in place as the path of `seed` (the result equals
    /// `BrownianPath::new(seed, ..)` with this path's sizes): `2^L dim`
    /// standard normals from `seed.rng()`, in step-major order, scaled by
    /// `sqrt(T / 2^L)`, then every coarser level summed from the next finer.
    pub fn resample(&mut self, seed: Seed) {
        let mut rng = seed.rng();
        let sd = self.dt(self.finest_level).sqrt();
        let split = self.offset(self.finest_level);
        let (coarse, fine) = self.levels.split_at_mut(split);
        for w in fine.iter_mut() {
            let z: f64 = StandardNormal.sample(&mut rng);
            *w = sd * z;
        }
        let d = self.dim;
        let mut finer = fine;
        let mut rest = coarse;
        for level in (0..self.finest_level).rev() {
            let (below, this) = rest.split_at_mut(((1usize << level) - 1) * d);
            for (k, out) in this.chunks_exact_mut(d).enumerate() {
                let (a, b) = finer[2 * k * d..(2 * k + 2) * d].split_at(d);
                for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
                    *o = x + y;
                }
            }
            finer = this;
            rest = below;
        }
    }

    /// Start of `level` in the buffer.
    fn offset(&self, level: u32) -> usize {
        ((1usize << level) - 1) * self.dim
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

    /// All increments `W(t_{k+1}) - W(t_k)` on the grid of `level`,
    /// step-major (`2^level * dim` numbers).
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn increments(&self, level: u32) -> &[f64] {
        let len = self.steps(level) * self.dim;
        &self.levels[self.offset(level)..self.offset(level) + len]
    }

    /// `W(T)` (the path starts at `W(0) = 0`): the single increment of level 0.
    pub fn value_at_end(&self) -> &[f64] {
        self.increments(0)
    }

    /// Integrates `sde` with `scheme` along this path on the grid of `level`,
    /// from `x` at time 0 to time `T`, leaving the final state in `x`; `ws`
    /// is scratch.
    ///
    /// # Requirements
    /// The diffusion's noise dimension is the path's `dim`, `x` has the SDE's
    /// dimension, and the scheme accepts the SDE (all checked).
    ///
    /// # Panics
    /// If `level` exceeds the finest level.
    pub fn solve<S: Sde, M: Scheme<S>>(
        &self,
        sde: &S,
        scheme: &M,
        level: u32,
        x: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<()> {
        ensure_dim("state vs SDE", sde.dim(), x.len())?;
        ensure_dim(
            "Brownian path vs noise",
            sde.diffusion().noise_dim(),
            self.dim,
        )?;
        scheme.validate(sde)?;
        let dt = self.dt(level);
        for (k, dn) in self.increments(level).chunks_exact(self.dim).enumerate() {
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
    fn each_level_is_the_pairwise_sum_of_the_next() {
        let path = BrownianPath::new(Seed(3), 3, 5, 1.0).unwrap();
        for level in 0..5 {
            let (coarse, fine) = (path.increments(level), path.increments(level + 1));
            assert_eq!(coarse.len(), 3 << level);
            for k in 0..1usize << level {
                for j in 0..3 {
                    let sum = fine[2 * k * 3 + j] + fine[(2 * k + 1) * 3 + j];
                    assert_eq!(coarse[k * 3 + j].to_bits(), sum.to_bits());
                }
            }
        }
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
