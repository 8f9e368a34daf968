//! Noise: the driving processes `N_t` and the diffusion coefficients `G(x, t)`
//! of a perturbed gradient flow `dX = -grad V(X) dt + G(X, t) dN_t`.
//!
//! The two halves are separate on purpose. A [`NoiseProcess`] says *what*
//! drives the flow (Brownian motion, an alpha-stable Levy process, coloured
//! Ornstein-Uhlenbeck noise, anti-correlated or periodic parameter
//! perturbations) and owns its per-path state; a [`Diffusion`] says *how
//! strongly and in which directions* it acts at `x` (isotropic temperature,
//! a full covariance, SGD-like state-dependent covariance). Schemes read the
//! diffusion's structure to decide what they can do (Milstein needs diagonal
//! noise), and the first-passage correction reads its variance along a
//! boundary normal.
//!
//! Conventions (pinned here and in the CLI help):
//! - overdamped Langevin at temperature `eps` is `dX = -grad V dt + sqrt(2 eps) dW`
//!   ([`Isotropic::temperature`]), stationary law proportional to `exp(-V / eps)`;
//! - SGD-like noise is `sqrt(2 D(X)) dW` with `D = (lr / 2B) |H(X)|`
//!   (Xie, Sato and Sugiyama, ICLR 2021);
//! - alpha-stable noise is `eps dL_t` with `L` the standard symmetric
//!   alpha-stable process, `E exp(i u L_1) = exp(-|u|^alpha)`.

pub mod alpha_stable;
pub mod anticorrelated;
pub mod gaussian;
pub mod ornstein_uhlenbeck;
pub mod periodic;
pub mod registry;
pub mod sgd_like;
pub mod state_dependent;

pub use alpha_stable::{levy_measure_constant, symmetric_stable_cdf, AlphaStable, SymmetricStable};
pub use anticorrelated::AntiCorrelated;
pub use gaussian::{Brownian, FullCovariance, Isotropic};
pub use ornstein_uhlenbeck::{OrnsteinUhlenbeck, OuState};
pub use periodic::Periodic;
pub use registry::{AnyDiffusion, AnyProcess, AnyProcessState};
pub use sgd_like::SgdLike;
pub use state_dependent::StateDependent;

use crate::rng::Rng;

/// A driving process: the increment `dN` over `[t, t + dt]` for one path.
///
/// Requirements: `increment` must draw from `rng` only, so a path's noise is
/// a function of its seed alone.
pub trait NoiseProcess: Sync + Send + std::fmt::Debug {
    /// Per-path state carried between steps (an OU value, the previous
    /// anti-correlated draw, a phase); `()` for independent increments.
    type State: Clone + Send + std::fmt::Debug;
    /// Dimension of the increment.
    fn dim(&self) -> usize;
    /// The state at time 0 of a new path.
    fn init(&self, rng: &mut Rng) -> Self::State;
    /// Writes the increment over `[t, t + dt]` into `out` and advances `state`.
    fn increment(&self, state: &mut Self::State, t: f64, dt: f64, rng: &mut Rng, out: &mut [f64]);
    /// Increments for a block of paths over consecutive steps: step `s`
    /// starts at `times[s]`, and path `i` uses `states[i]` and `rngs[i]` and
    /// writes `out[(s * n + i) * dim ..][..dim]`, `n = rngs.len()`. Every
    /// path draws in the order that `times.len()` single steps would, so the
    /// bits do not depend on how many steps are asked for at once. The
    /// default steps path by path, one step at a time; independent-increment
    /// processes override it to hoist per-step constants and to draw each
    /// path's steps back to back.
    #[inline]
    fn increment_block(
        &self,
        states: &mut [Self::State],
        times: &[f64],
        dt: f64,
        rngs: &mut [Rng],
        out: &mut [f64],
    ) {
        increment_each(self, states, times, dt, rngs, out);
    }
    /// True when increments are independent `N(0, dt I)`: the schemes'
    /// declared orders and the Brownian-bridge crossing correction assume it.
    fn is_brownian(&self) -> bool;
}

/// How a diffusion coefficient depends on the state; schemes check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// `G` does not depend on `x` (it may depend on `t`): every Milstein
    /// correction vanishes and Milstein is Euler-Maruyama.
    Additive,
    /// `G` is diagonal and `G_ii` depends on `x_i` only: Milstein applies
    /// without Levy areas.
    Diagonal,
    /// Anything else.
    General,
}

/// The diffusion coefficient `G(x, t)`, a `dim x noise_dim` matrix.
pub trait Diffusion: Sync + Send + std::fmt::Debug {
    /// Dimension of the state.
    fn dim(&self) -> usize;
    /// Dimension of the driving noise.
    fn noise_dim(&self) -> usize;
    /// How `G` depends on the state.
    fn structure(&self) -> Structure;
    /// Writes `G(x, t) dn` into `out`.
    fn apply(&self, x: &[f64], t: f64, dn: &[f64], out: &mut [f64]);
    /// [`Diffusion::apply`] for a block of paths stored path after path
    /// (`xs` and `out` in chunks of `dim`, `dns` in chunks of `noise_dim`).
    /// Constant diffusions override it with one vectorisable loop.
    #[inline]
    fn apply_block(&self, xs: &[f64], t: f64, dns: &[f64], out: &mut [f64]) {
        let (d, m) = (self.dim(), self.noise_dim());
        for ((x, dn), o) in xs
            .chunks_exact(d)
            .zip(dns.chunks_exact(m))
            .zip(out.chunks_exact_mut(d))
        {
            self.apply(x, t, dn, o);
        }
    }
    /// For [`Structure::Diagonal`] noise: writes the diagonal `g_i(x, t)`
    /// and its derivative `d g_i / d x_i`. The default is for diffusions of
    /// another structure and is never called by a scheme that checked
    /// [`Diffusion::structure`] first.
    fn diagonal(&self, x: &[f64], t: f64, g: &mut [f64], dg: &mut [f64]) {
        let _ = (x, t, g, dg);
        unreachable!("diagonal() called on a diffusion with general structure")
    }
    /// `n^T G G^T n`: the variance rate of the noise along the unit vector
    /// `n` at `x` (the Brownian-bridge crossing correction uses it).
    fn variance_along(&self, x: &[f64], t: f64, n: &[f64]) -> f64;
    /// `Some(s)` when `G(x, t) = s I` everywhere, so a scheme can fold
    /// `G dn = s dn` into its update instead of writing the noise term out
    /// and reading it back; [`Diffusion::apply`] must then compute exactly
    /// `s * dn_i`, so both routes give the same bits.
    fn constant_scale(&self) -> Option<f64> {
        None
    }
}

/// [`NoiseProcess::increment`] path by path over a block, one step after
/// another: the default of [`NoiseProcess::increment_block`], also called by
/// processes that override the block form for only some of their cases.
#[inline]
pub fn increment_each<N: NoiseProcess + ?Sized>(
    noise: &N,
    states: &mut [N::State],
    times: &[f64],
    dt: f64,
    rngs: &mut [Rng],
    out: &mut [f64],
) {
    let row = rngs.len() * noise.dim();
    for (&t, out) in times.iter().zip(out.chunks_exact_mut(row)) {
        let paths = out.chunks_exact_mut(noise.dim());
        for ((state, rng), o) in states.iter_mut().zip(rngs.iter_mut()).zip(paths) {
            noise.increment(state, t, dt, rng, o);
        }
    }
}
