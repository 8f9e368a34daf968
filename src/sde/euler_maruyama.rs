//! Euler-Maruyama: `X_{n+1} = X_n + f(X_n, t_n) dt + G(X_n, t_n) dN_n`.
//!
//! Strong order 1/2 in general, weak order 1 (Kloeden and Platen,
//! *Numerical Solution of Stochastic Differential Equations*, 1992,
//! Theorems 10.2.2 and 14.5.2); strong order 1 when the noise is additive.
//! Converges to the Ito solution. Fails (diverges) when `dt` exceeds the
//! stability limit of the drift, `dt < 2 / L` for an `L`-smooth gradient flow;
//! the driver reports that as a divergence with its step.

use super::{Calculus, Scheme, SchemeInfo, Sde, Workspace};
use crate::error::Result;
use crate::noise::Diffusion;

/// The Euler-Maruyama scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EulerMaruyama;

impl SchemeInfo for EulerMaruyama {
    fn name(&self) -> &'static str {
        "euler-maruyama"
    }
    fn strong_order(&self) -> f64 {
        0.5
    }
    fn weak_order(&self) -> f64 {
        1.0
    }
    fn calculus(&self) -> Calculus {
        Calculus::Ito
    }
    fn drift_evals_per_step(&self) -> usize {
        1
    }
}

impl<S: Sde> Scheme<S> for EulerMaruyama {
    fn validate(&self, _sde: &S) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn step(&self, sde: &S, x: &mut [f64], t: f64, dt: f64, dn: &[f64], ws: &mut Workspace) {
        self.step_block(sde, x, dn, 1, t, dt, ws);
    }

    /// The whole block at once: drift, then noise, then one fused update, each
    /// a loop over contiguous memory.
    #[inline]
    fn step_block(
        &self,
        sde: &S,
        xs: &mut [f64],
        dns: &[f64],
        _paths: usize,
        t: f64,
        dt: f64,
        ws: &mut Workspace,
    ) {
        let n = xs.len();
        let [drift, noise, ..] = &mut ws.buffers;
        let (drift, noise) = (&mut drift[..n], &mut noise[..n]);
        sde.drift_block(xs, t, drift);
        sde.diffusion().apply_block(xs, t, dns, noise);
        for ((x, f), g) in xs.iter_mut().zip(drift.iter()).zip(noise.iter()) {
            *x += f * dt + g;
        }
    }
}
