//! Gaussian white noise: the Brownian driver and constant diffusions.

use nalgebra::DMatrix;
use rand_distr::{Distribution, StandardNormal};

use super::{Diffusion, NoiseProcess, Structure};
use crate::error::{ensure_positive, Error, Result};
use crate::rng::Rng;

/// Standard Brownian motion in `R^dim`: increments `sqrt(dt) Z`, `Z ~ N(0, I)`,
/// drawn with the ziggurat sampler of `rand_distr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brownian {
    dim: usize,
}

impl Brownian {
    /// Brownian motion of dimension `dim` (at least 1).
    pub fn new(dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::OutOfRange {
                name: "noise dimension",
                value: 0.0,
                expected: "at least 1",
            });
        }
        Ok(Self { dim })
    }
}

impl NoiseProcess for Brownian {
    type State = ();

    fn dim(&self) -> usize {
        self.dim
    }

    fn init(&self, _rng: &mut Rng) -> Self::State {}

    #[inline]
    fn increment(&self, state: &mut (), t: f64, dt: f64, rng: &mut Rng, out: &mut [f64]) {
        self.increment_block(
            std::slice::from_mut(state),
            &[t],
            dt,
            std::slice::from_mut(rng),
            out,
        );
    }

    /// Each path draws all its steps back to back from a local copy of its
    /// generator, which the compiler keeps in registers; drawing one step
    /// of every path in turn instead loads and stores each generator's state
    /// around every draw, which made the ensemble's sampling about 15% slower
    /// than the single-generator rate (`bench_w1::sum_of_normals`).
    #[inline]
    fn increment_block(
        &self,
        _states: &mut [()],
        times: &[f64],
        dt: f64,
        rngs: &mut [Rng],
        out: &mut [f64],
    ) {
        let sd = dt.sqrt();
        let row = rngs.len() * self.dim;
        let out = &mut out[..times.len() * row];
        for (i, rng) in rngs.iter_mut().enumerate() {
            let mut local = rng.clone();
            if self.dim == 1 {
                // Scalar noise: one strided pass down the path's column,
                // which leaves the compiler registers enough to hold the
                // generator without spilling the loop's bookkeeping around
                // the sampler's rare call to `exp` (the general loop below
                // ran W1 about 20% slower, and walking the rows 12% slower).
                for v in out[i..].iter_mut().step_by(row) {
                    *v = sd * Distribution::<f64>::sample(&StandardNormal, &mut local);
                }
            } else {
                for step in out.chunks_exact_mut(row) {
                    for v in &mut step[i * self.dim..(i + 1) * self.dim] {
                        *v = sd * Distribution::<f64>::sample(&StandardNormal, &mut local);
                    }
                }
            }
            *rng = local;
        }
    }

    fn is_brownian(&self) -> bool {
        true
    }
}

/// `G = s I`: the same noise amplitude `s` in every direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Isotropic {
    dim: usize,
    scale: f64,
}

impl Isotropic {
    /// Overdamped Langevin at temperature `eps`: `s = sqrt(2 eps)`, so the
    /// stationary law of `dX = -grad V dt + s dW` is proportional to
    /// `exp(-V / eps)`.
    pub fn temperature(dim: usize, eps: f64) -> Result<Self> {
        let eps = ensure_positive("eps", eps)?;
        Self::scaled(dim, (2.0 * eps).sqrt())
    }

    /// `G = scale I` (for example `eps` in front of an alpha-stable driver).
    pub fn scaled(dim: usize, scale: f64) -> Result<Self> {
        let scale = ensure_positive("noise scale", scale)?;
        Brownian::new(dim)?;
        Ok(Self { dim, scale })
    }

    /// The amplitude `s`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Diffusion for Isotropic {
    fn dim(&self) -> usize {
        self.dim
    }

    fn noise_dim(&self) -> usize {
        self.dim
    }

    fn structure(&self) -> Structure {
        Structure::Additive
    }

    #[inline]
    fn apply(&self, _x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        for (o, d) in out.iter_mut().zip(dn) {
            *o = self.scale * d;
        }
    }

    /// `g_i = s`, `dg_i = 0`: additive noise is trivially diagonal, so a
    /// scheme that asks for the diagonal of additive noise gets it.
    fn diagonal(&self, _x: &[f64], _t: f64, g: &mut [f64], dg: &mut [f64]) {
        g.fill(self.scale);
        dg.fill(0.0);
    }

    #[inline]
    fn apply_block(&self, xs: &[f64], t: f64, dns: &[f64], out: &mut [f64]) {
        // Noise and state have the same dimension, so the block is one vector.
        self.apply(xs, t, dns, out);
    }

    /// `s^2`: the same in every direction (`n` is a unit vector by the
    /// trait's contract), so the exit event's per-step test costs nothing here.
    #[inline]
    fn variance_along(&self, _x: &[f64], _t: f64, _n: &[f64]) -> f64 {
        self.scale * self.scale
    }

    fn constant_scale(&self) -> Option<f64> {
        Some(self.scale)
    }
}

/// `G = chol(2 D)` for a constant symmetric positive definite diffusion
/// matrix `D`, so the noise term `G dW` has covariance `2 D dt`.
#[derive(Debug, Clone, PartialEq)]
pub struct FullCovariance {
    factor: DMatrix<f64>,
}

impl FullCovariance {
    /// The diffusion with matrix `d` (rejected unless symmetric positive definite).
    pub fn new(d: DMatrix<f64>) -> Result<Self> {
        let n = d.nrows();
        crate::error::ensure_dim("diffusion matrix (square)", n, d.ncols())?;
        if n == 0
            || !d.iter().all(|v| v.is_finite())
            || (&d - d.transpose()).amax() > 1e-12 * d.amax()
        {
            return Err(Error::NotPositiveDefinite {
                name: "diffusion matrix",
            });
        }
        let chol = (d * 2.0).cholesky().ok_or(Error::NotPositiveDefinite {
            name: "diffusion matrix",
        })?;
        Ok(Self { factor: chol.l() })
    }

    /// The lower-triangular factor `G` with `G G^T = 2 D`.
    pub fn factor(&self) -> &DMatrix<f64> {
        &self.factor
    }
}

impl Diffusion for FullCovariance {
    fn dim(&self) -> usize {
        self.factor.nrows()
    }

    fn noise_dim(&self) -> usize {
        self.factor.ncols()
    }

    fn structure(&self) -> Structure {
        Structure::Additive
    }

    fn apply(&self, _x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        let n = self.factor.nrows();
        for (i, o) in out.iter_mut().enumerate().take(n) {
            *o = (0..=i).map(|j| self.factor[(i, j)] * dn[j]).sum();
        }
    }

    fn variance_along(&self, _x: &[f64], _t: f64, n: &[f64]) -> f64 {
        // |G^T n|^2
        (0..self.factor.ncols())
            .map(|j| {
                let c: f64 = (0..self.factor.nrows())
                    .map(|i| self.factor[(i, j)] * n[i])
                    .sum();
                c * c
            })
            .sum()
    }
}
