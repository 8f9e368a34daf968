//! Stochastic Heun (Stratonovich): an Euler predictor and a trapezoidal corrector.
//!
//! ```text
//! Xbar    = X_n + f(X_n, t_n) dt + G(X_n, t_n) dW
//! X_{n+1} = X_n + (1/2) [f(X_n, t_n) + f(Xbar, t_n + dt)] dt
//!               + (1/2) [G(X_n, t_n) + G(Xbar, t_n + dt)] dW
//! ```
//!
//! Averaging the diffusion over the step's two ends is what makes the limit
//! the **Stratonovich** solution (Ruemelin, "Numerical treatment of
//! stochastic differential equations", SIAM J. Numer. Anal. 19(3), 1982,
//! 604-613: explicit Runge-Kutta schemes converge to the Stratonovich
//! solution). For additive noise the Ito and Stratonovich solutions coincide,
//! so the scheme then approximates the Ito SDE as well.
//!
//! Declared strong order 1 when the noise is commutative (scalar, additive
//! or diagonal noise are): expanding the corrector,
//! `(1/2) [G(Xbar) - G(X_n)] dW = (1/2) G' G dW^2 + O(dt^{3/2})`, which is the
//! Stratonovich-Taylor term `G' G J_(1,1)` with `J_(1,1) = dW^2 / 2` that
//! lifts the order from 1/2 to 1 (Kloeden and Platen, *Numerical Solution of
//! Stochastic Differential Equations*, 1992, Chapter 10 for the
//! Stratonovich form of the Milstein scheme, and Chapter 11 for explicit
//! order-1 strong schemes built from such differences). For non-commutative
//! noise the strong order drops to 1/2. Declared weak order 1; weak order 2
//! for additive noise is not claimed. Two drift evaluations per step. Assumes
//! Brownian increments `dn`.

use super::{Calculus, Scheme, SchemeInfo, Sde, Workspace};
use crate::error::Result;
use crate::noise::Diffusion;

/// The stochastic Heun (predictor-corrector) scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StochasticHeun;

impl SchemeInfo for StochasticHeun {
    fn name(&self) -> &'static str {
        "heun"
    }
    fn strong_order(&self) -> f64 {
        1.0
    }
    fn weak_order(&self) -> f64 {
        1.0
    }
    fn calculus(&self) -> Calculus {
        Calculus::Stratonovich
    }
    fn drift_evals_per_step(&self) -> usize {
        2
    }
}

impl<S: Sde> Scheme<S> for StochasticHeun {
    /// Accepts every SDE (on non-commutative noise the strong order is 1/2).
    fn validate(&self, _sde: &S) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn step(&self, sde: &S, x: &mut [f64], t: f64, dt: f64, dn: &[f64], ws: &mut Workspace) {
        self.step_block(sde, x, dn, 1, t, dt, ws);
    }

    /// The whole block at once: each stage is one loop over contiguous
    /// memory (drifts and diffusions through their block forms).
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
        let [drift, noise, predictor, scratch] = &mut ws.buffers;
        let (drift, noise) = (&mut drift[..n], &mut noise[..n]);
        let (predictor, scratch) = (&mut predictor[..n], &mut scratch[..n]);
        let diffusion = sde.diffusion();

        sde.drift_block(xs, t, drift);
        diffusion.apply_block(xs, t, dns, noise);
        for (((p, x), f), g) in predictor
            .iter_mut()
            .zip(xs.iter())
            .zip(drift.iter())
            .zip(noise.iter())
        {
            *p = x + f * dt + g;
        }
        sde.drift_block(predictor, t + dt, scratch);
        for (f, s) in drift.iter_mut().zip(scratch.iter()) {
            *f += s;
        }
        diffusion.apply_block(predictor, t + dt, dns, scratch);
        for (g, s) in noise.iter_mut().zip(scratch.iter()) {
            *g += s;
        }
        for ((x, f), g) in xs.iter_mut().zip(drift.iter()).zip(noise.iter()) {
            *x += 0.5 * (f * dt + g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sde::test_problems::GeometricBrownianMotion;

    #[test]
    fn one_step_matches_the_formula() {
        let (mu, sigma) = (0.8, 0.5);
        let gbm = GeometricBrownianMotion::new(1, mu, sigma).unwrap();
        let mut ws = Workspace::new(1, 1, 1);
        let (x0, dt, w) = (1.7, 0.05, -0.12);
        let mut x = [x0];
        StochasticHeun.step(&gbm, &mut x, 0.0, dt, &[w], &mut ws);
        let bar = x0 + mu * x0 * dt + sigma * x0 * w;
        let want = x0 + 0.5 * (mu * x0 + mu * bar) * dt + 0.5 * (sigma * x0 + sigma * bar) * w;
        // A dozen flops on O(1) numbers: a few ulps.
        approx::assert_abs_diff_eq!(x[0], want, epsilon = 8.0 * f64::EPSILON);
    }

    #[test]
    fn noise_free_it_is_second_order_heun() {
        // dx = mu x dt with zero increments: Heun's ODE method, global error
        // C dt^2, so halving dt divides the error by 4 (1 + O(dt)).
        let mu = -1.0;
        let gbm = GeometricBrownianMotion::new(1, mu, 1.0).unwrap();
        let mut ws = Workspace::new(1, 1, 1);
        let mut error = |steps: usize| {
            let dt = 1.0 / steps as f64;
            let mut x = [1.0];
            for k in 0..steps {
                StochasticHeun.step(&gbm, &mut x, k as f64 * dt, dt, &[0.0], &mut ws);
            }
            (x[0] - mu.exp()).abs()
        };
        let ratio = error(64) / error(128);
        // Leading term ratio 4; the next term changes it by O(dt) ~ 2%: 10% margin.
        assert!((ratio - 4.0).abs() < 0.4, "error ratio {ratio}");
    }

    #[test]
    fn block_step_equals_path_by_path_steps() {
        let gbm = GeometricBrownianMotion::new(2, 0.3, 0.9).unwrap();
        let xs0 = [1.0, 0.5, -0.7, 2.0, 0.1, 1.2];
        let dns = [0.1, -0.2, 0.05, 0.3, -0.15, 0.0];
        let mut block = xs0;
        StochasticHeun.step_block(
            &gbm,
            &mut block,
            &dns,
            3,
            0.2,
            0.01,
            &mut Workspace::new(2, 2, 3),
        );
        let mut ws = Workspace::new(2, 2, 1);
        for p in 0..3 {
            let mut x = [xs0[2 * p], xs0[2 * p + 1]];
            StochasticHeun.step(&gbm, &mut x, 0.2, 0.01, &dns[2 * p..2 * p + 2], &mut ws);
            assert_eq!(
                x.map(f64::to_bits),
                [block[2 * p], block[2 * p + 1]].map(f64::to_bits)
            );
        }
    }
}
