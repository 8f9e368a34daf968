//! The Laplace approximation of a posterior: `N(theta_MAP, H(theta_MAP)^{-1})`
//! with `H` the Hessian of the potential `U = -log p(theta | data) + const`
//! (Bishop, "Pattern Recognition and Machine Learning", 2006, Section 4.4,
//! Eq. 4.134; Section 4.5.1 for logistic regression).

use nalgebra::{DMatrix, DVector};

use crate::error::{ensure_dim, Error, Result};
use crate::measure::posterior::Gaussian;
use crate::optim::Oracle;

/// Newton iterations allowed before giving up.
const MAX_NEWTON: usize = 200;
/// Step halvings allowed in one backtracking line search.
const MAX_HALVINGS: usize = 60;
/// Sufficient-decrease fraction of the Armijo condition.
const ARMIJO: f64 = 0.25;
/// Stop when `lambda^2 / 2 <= STOP max(1, |U|)`, then take one last full
/// step (quadratic convergence squares the remaining error).
const STOP: f64 = 1e-16;

/// The Laplace approximation of the law `exp(-U)` of an oracle with a
/// Hessian, from the starting point `start`.
///
/// The mode is found by damped Newton's method (Boyd and Vandenberghe,
/// "Convex Optimization", 2004, Algorithm 9.5: Newton step
/// `d = -H^{-1} grad U`, decrement `lambda^2 = -grad U . d`, backtracking
/// with Armijo fraction 1/4 and halving), which converges globally for the
/// strictly convex potentials of the Bayesian GLMs. The covariance is the
/// inverse Hessian at the mode.
///
/// Errors: a `start` of the wrong length, an oracle without a Hessian, a
/// Hessian that is not positive definite along the path
/// ([`Error::NotPositiveDefinite`]), or no convergence in 200 iterations
/// ([`Error::Unsupported`]).
pub fn laplace(oracle: &dyn Oracle, start: &[f64]) -> Result<Gaussian> {
    let p = oracle.dim();
    ensure_dim("laplace: start", p, start.len())?;
    let mut x = DVector::from_column_slice(start);
    let mut grad = DVector::zeros(p);
    let mut hess = DMatrix::zeros(p, p);
    let mut trial = DVector::zeros(p);
    let mut finishing = false;
    for _ in 0..MAX_NEWTON {
        oracle.gradient(x.as_slice(), grad.as_mut_slice());
        oracle.hessian(x.as_slice(), &mut hess)?;
        let chol = hess.clone().cholesky().ok_or(Error::NotPositiveDefinite {
            name: "Hessian of U",
        })?;
        let step = -chol.solve(&grad);
        if finishing {
            x += &step;
            oracle.hessian(x.as_slice(), &mut hess)?;
            let chol = hess.clone().cholesky().ok_or(Error::NotPositiveDefinite {
                name: "Hessian of U at the mode",
            })?;
            let cov = chol.inverse();
            return Gaussian::new(x, (&cov + cov.transpose()) * 0.5);
        }
        let value = oracle.value(x.as_slice());
        let slope = grad.dot(&step);
        if -slope / 2.0 <= STOP * value.abs().max(1.0) {
            finishing = true;
            continue;
        }
        let mut t = 1.0;
        for _ in 0..MAX_HALVINGS {
            trial.copy_from(&x);
            trial.axpy(t, &step, 1.0);
            if oracle.value(trial.as_slice()) <= value + ARMIJO * t * slope {
                break;
            }
            t *= 0.5;
        }
        x.copy_from(&trial);
    }
    Err(Error::Unsupported(format!(
        "Laplace approximation: Newton's method did not converge in {MAX_NEWTON} iterations on {}",
        oracle.describe()
    )))
}
