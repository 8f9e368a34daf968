//! Underdamped (kinetic) Langevin dynamics as an [`Sde`].
//!
//! With unit mass, friction `gamma` and temperature `eps`:
//!
//! ```text
//! dq = p dt
//! dp = -grad V(q) dt - gamma p dt + sqrt(2 gamma eps) dW
//! ```
//!
//! The state is `x = [q; p]` (dimension `2n` for `q` in `R^n`) driven by an
//! `n`-dimensional Brownian motion acting on the momentum block only. The
//! invariant law is proportional to `exp(-(V(q) + |p|^2 / 2) / eps)`, so the
//! configurational marginal is the overdamped Gibbs law `exp(-V / eps)` of
//! [`crate::noise::Isotropic::temperature`] (Leimkuhler and Matthews,
//! *Molecular Dynamics*, Springer 2015, Chapter 6). Any generic scheme (for
//! example [`EulerMaruyama`](super::EulerMaruyama)) runs it through the
//! [`Sde`] impl; [`Baoab`](super::Baoab) is the splitting made for it.

use super::Sde;
use crate::error::{ensure_positive, Result};
use crate::landscape::Gradient;
use crate::noise::{Diffusion, Structure};

/// The diffusion `G = [0; s I_n]`: additive noise of amplitude `s` on the
/// momentum block of a `[q; p]` state, none on the positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentumNoise {
    half_dim: usize,
    scale: f64,
}

impl MomentumNoise {
    /// Noise of amplitude `scale` on the last `half_dim` of `2 half_dim` coordinates.
    pub fn new(half_dim: usize, scale: f64) -> Result<Self> {
        crate::noise::Brownian::new(half_dim)?;
        let scale = ensure_positive("momentum noise scale", scale)?;
        Ok(Self { half_dim, scale })
    }

    /// The amplitude `s`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Diffusion for MomentumNoise {
    fn dim(&self) -> usize {
        2 * self.half_dim
    }

    fn noise_dim(&self) -> usize {
        self.half_dim
    }

    fn structure(&self) -> Structure {
        Structure::Additive
    }

    #[inline]
    fn apply(&self, _x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        let (q, p) = out.split_at_mut(self.half_dim);
        q.fill(0.0);
        for (o, d) in p.iter_mut().zip(dn) {
            *o = self.scale * d;
        }
    }

    fn variance_along(&self, _x: &[f64], _t: f64, n: &[f64]) -> f64 {
        self.scale * self.scale * n[self.half_dim..].iter().map(|v| v * v).sum::<f64>()
    }
}

/// Underdamped Langevin dynamics in the landscape `L` (unit mass).
#[derive(Debug, Clone)]
pub struct UnderdampedLangevin<L> {
    landscape: L,
    gamma: f64,
    eps: f64,
    noise: MomentumNoise,
}

impl<L: Gradient> UnderdampedLangevin<L> {
    /// Langevin dynamics in `landscape` with friction `gamma > 0` and
    /// temperature `eps > 0`; the momentum noise amplitude is
    /// `sqrt(2 gamma eps)` (fluctuation-dissipation).
    pub fn new(landscape: L, gamma: f64, eps: f64) -> Result<Self> {
        let gamma = ensure_positive("gamma", gamma)?;
        let eps = ensure_positive("eps", eps)?;
        let noise = MomentumNoise::new(landscape.dim(), (2.0 * gamma * eps).sqrt())?;
        Ok(Self {
            landscape,
            gamma,
            eps,
            noise,
        })
    }

    /// The potential `V`.
    pub fn landscape(&self) -> &L {
        &self.landscape
    }

    /// Friction `gamma`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Temperature `eps`.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// Dimension `n` of the positions (the state has `2n` coordinates).
    pub fn half_dim(&self) -> usize {
        self.landscape.dim()
    }
}

impl<L: Gradient> Sde for UnderdampedLangevin<L> {
    type Diffusion = MomentumNoise;

    fn dim(&self) -> usize {
        2 * self.landscape.dim()
    }

    /// `f(q, p) = (p, -grad V(q) - gamma p)`.
    #[inline]
    fn drift(&self, x: &[f64], _t: f64, out: &mut [f64]) {
        let n = self.landscape.dim();
        let (q, p) = x.split_at(n);
        let (dq, dp) = out.split_at_mut(n);
        dq.copy_from_slice(p);
        self.landscape.gradient(q, dp);
        for (d, pi) in dp.iter_mut().zip(p) {
            *d = -*d - self.gamma * pi;
        }
    }

    fn diffusion(&self) -> &MomentumNoise {
        &self.noise
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::Quadratic;
    use nalgebra::DMatrix;

    fn well(k: f64) -> Quadratic {
        Quadratic::new(DMatrix::from_element(1, 1, k), vec![0.0]).unwrap()
    }

    #[test]
    fn drift_and_noise_act_on_the_right_blocks() {
        let sde = UnderdampedLangevin::new(well(3.0), 0.5, 0.2).unwrap();
        let mut f = [0.0; 2];
        sde.drift(&[2.0, -1.0], 0.0, &mut f);
        // dq = p = -1; dp = -3 * 2 - 0.5 * (-1) = -5.5 (exact in binary).
        assert_eq!(f.map(f64::to_bits), [-1.0f64, -5.5].map(f64::to_bits));
        let mut g = [7.0; 2];
        sde.diffusion().apply(&[2.0, -1.0], 0.0, &[0.3], &mut g);
        approx::assert_abs_diff_eq!(g[0], 0.0);
        approx::assert_abs_diff_eq!(
            g[1],
            (2.0f64 * 0.5 * 0.2).sqrt() * 0.3,
            epsilon = 4.0 * f64::EPSILON
        );
        approx::assert_abs_diff_eq!(
            sde.diffusion().variance_along(&[0.0; 2], 0.0, &[0.6, 0.8]),
            0.2 * 0.64,
            epsilon = 1e-15
        );
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(UnderdampedLangevin::new(well(1.0), 0.0, 1.0).is_err());
        assert!(UnderdampedLangevin::new(well(1.0), 1.0, f64::NAN).is_err());
    }
}
