//! Milstein (Ito): Euler-Maruyama plus the Ito correction of diagonal noise.
//!
//! For [`Structure::Diagonal`] noise (`G = diag(g_i(x_i, t))`, noise
//! dimension equal to the state dimension) one step reads, coordinate by
//! coordinate,
//!
//! ```text
//! X_{n+1,i} = X_{n,i} + f_i dt + g_i dW_i + (1/2) g_i g_i' (dW_i^2 - dt),
//! ```
//!
//! with `f, g, g' = d g_i / d x_i` evaluated at `(X_n, t_n)` (Kloeden and
//! Platen, *Numerical Solution of Stochastic Differential Equations*, 1992,
//! Chapter 10, the Milstein scheme in its diagonal-noise form; the double Ito integral of one Wiener
//! component with itself is `(dW_i^2 - dt) / 2`, and diagonal noise needs no
//! mixed integrals, i.e. no Levy areas). For [`Structure::Additive`] noise
//! every correction vanishes and the step is exactly
//! [`EulerMaruyama`]'s.
//!
//! Declared strong order 1 and weak order 1 (Kloeden and Platen 1992,
//! Theorem 10.6.3, the strong Ito-Taylor convergence theorem, for the strong
//! order; the weak order is that of the Euler part, Theorem 14.5.2, the
//! correction having mean zero), under
//! Lipschitz and linear-growth conditions on `f, g, g g'`. It converges to
//! the Ito solution, and it assumes the increments `dn` are Brownian
//! (`N(0, dt I)`): the correction `dW^2 - dt` means nothing for other drivers.
//! [`Structure::General`] noise (which would need Levy areas) is rejected by
//! [`Scheme::validate`].

use super::{Calculus, EulerMaruyama, Scheme, SchemeInfo, Sde, Workspace};
use crate::error::{ensure_dim, Error, Result};
use crate::noise::{Diffusion, Structure};

/// The Milstein scheme for additive or diagonal noise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milstein;

impl SchemeInfo for Milstein {
    fn name(&self) -> &'static str {
        "milstein"
    }
    fn strong_order(&self) -> f64 {
        1.0
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

impl<S: Sde> Scheme<S> for Milstein {
    /// Accepts additive noise, and diagonal noise whose noise dimension is
    /// the state dimension; rejects general noise with
    /// [`Error::Unsupported`].
    fn validate(&self, sde: &S) -> Result<()> {
        let diffusion = sde.diffusion();
        match diffusion.structure() {
            Structure::Additive => Ok(()),
            Structure::Diagonal => ensure_dim(
                "Milstein: diagonal noise needs noise dimension = state dimension",
                sde.dim(),
                diffusion.noise_dim(),
            ),
            Structure::General => Err(Error::Unsupported(
                "Milstein needs additive or diagonal noise (general noise needs Levy areas); \
                 use euler-maruyama or heun instead"
                    .to_owned(),
            )),
        }
    }

    /// # Panics
    /// On [`Structure::General`] noise, which [`Scheme::validate`] rejects.
    #[inline]
    fn step(&self, sde: &S, x: &mut [f64], t: f64, dt: f64, dn: &[f64], ws: &mut Workspace) {
        match sde.diffusion().structure() {
            Structure::Additive => EulerMaruyama.step(sde, x, t, dt, dn, ws),
            Structure::Diagonal => {
                let n = x.len();
                let [drift, g, dg, _] = &mut ws.buffers;
                sde.drift(x, t, &mut drift[..n]);
                sde.diffusion().diagonal(x, t, &mut g[..n], &mut dg[..n]);
                for i in 0..n {
                    let w = dn[i];
                    x[i] += drift[i] * dt + g[i] * w + 0.5 * g[i] * dg[i] * (w * w - dt);
                }
            }
            Structure::General => {
                unreachable!("Milstein::step on general noise: validate() rejects it")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sde::test_problems::{GeometricBrownianMotion, OrnsteinUhlenbeck};

    #[test]
    fn diagonal_step_matches_the_formula() {
        let gbm = GeometricBrownianMotion::new(2, 0.7, 0.4).unwrap();
        Milstein.validate(&gbm).unwrap();
        let mut ws = Workspace::new(2, 2, 1);
        let x0 = [1.3, -0.6];
        let dn = [0.11, -0.05];
        let dt = 0.01;
        let mut x = x0;
        Milstein.step(&gbm, &mut x, 0.0, dt, &dn, &mut ws);
        for i in 0..2 {
            // f = mu x, g = sigma x, g' = sigma.
            let want = x0[i]
                + 0.7 * x0[i] * dt
                + 0.4 * x0[i] * dn[i]
                + 0.5 * 0.4 * x0[i] * 0.4 * (dn[i] * dn[i] - dt);
            // One step of a few flops: agreement to a few ulps of the state.
            approx::assert_abs_diff_eq!(x[i], want, epsilon = 8.0 * f64::EPSILON);
        }
    }

    #[test]
    fn additive_noise_is_euler_maruyama_bit_for_bit() {
        let ou = OrnsteinUhlenbeck::new(1, 1.5, 0.8).unwrap();
        let mut ws = Workspace::new(1, 1, 1);
        let (mut a, mut b) = ([0.9], [0.9]);
        Milstein.step(&ou, &mut a, 0.0, 0.02, &[0.13], &mut ws);
        EulerMaruyama.step(&ou, &mut b, 0.0, 0.02, &[0.13], &mut ws);
        assert_eq!(a[0].to_bits(), b[0].to_bits());
    }
}
