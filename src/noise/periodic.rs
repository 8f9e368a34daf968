//! Deterministic parameter-space oscillation.

use rand::RngExt;

use super::NoiseProcess;
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Parameter-space oscillation `N_t = sin(omega t + phi)` in every
/// coordinate, with one phase `phi` per path: uniform on `[0, 2 pi)` when
/// `random_phase`, else 0. The increment over `[t, t + dt]` is
///
/// `sin(omega (t + dt) + phi) - sin(omega t + phi) = 2 cos(omega (t + dt/2) + phi) sin(omega dt / 2)`,
///
/// evaluated in the product form, which has no cancellation at small `dt`.
/// The amplitude is the diffusion's ([`super::Isotropic::scaled`]). With a
/// random phase, `N_t` at any fixed `t` follows the arcsine law
/// `P(N_t <= s) = 1/2 + arcsin(s) / pi` on `[-1, 1]`. The per-path state is
/// the phase. Not Brownian (it is smooth and deterministic given the phase).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Periodic {
    dim: usize,
    omega: f64,
    random_phase: bool,
}

impl Periodic {
    /// The oscillation in `R^dim` (at least 1) with angular frequency `omega > 0`.
    pub fn new(dim: usize, omega: f64, random_phase: bool) -> Result<Self> {
        super::Brownian::new(dim)?;
        Ok(Self {
            dim,
            omega: ensure_positive("omega", omega)?,
            random_phase,
        })
    }

    /// The angular frequency.
    pub fn omega(&self) -> f64 {
        self.omega
    }

    /// Whether each path draws its own phase.
    pub fn random_phase(&self) -> bool {
        self.random_phase
    }

    /// The value `N_t = sin(omega t + phase)` of a path with this phase.
    pub fn value(&self, phase: f64, t: f64) -> f64 {
        (self.omega * t + phase).sin()
    }
}

impl NoiseProcess for Periodic {
    /// The path's phase `phi`.
    type State = f64;

    fn dim(&self) -> usize {
        self.dim
    }

    fn init(&self, rng: &mut Rng) -> f64 {
        if self.random_phase {
            rng.random_range(0.0..std::f64::consts::TAU)
        } else {
            0.0
        }
    }

    #[inline]
    fn increment(&self, phase: &mut f64, t: f64, dt: f64, _rng: &mut Rng, out: &mut [f64]) {
        let half = 0.5 * self.omega * dt;
        let dn = 2.0 * (self.omega * t + half + *phase).cos() * half.sin();
        out.fill(dn);
    }

    fn is_brownian(&self) -> bool {
        false
    }
}
