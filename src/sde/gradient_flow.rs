//! The noise-free gradient flow `dx/dt = -grad V(x)`, through `ode_solvers`.
//!
//! The deterministic reference for the perturbed flows: where the flow goes
//! and how fast it gets there without noise. It is integrated by the
//! adaptive Dormand-Prince 5(4) pair (Dormand and Prince, "A family of
//! embedded Runge-Kutta formulae", J. Comput. Appl. Math. 6(1), 1980) of
//! `ode_solvers::Dopri5`, with the state in that crate's own `DVector` (it
//! depends on an older nalgebra than this crate; the conversion happens
//! here, at the boundary).
//!
//! Results are read from the solver's **sparse** output (the accepted
//! steps): its dense (interpolated) output was seen to return a wrong final
//! state, so it is not used. The solver's failures (step budget exhausted,
//! step-size underflow, stiffness detected) are returned as
//! [`Error::Unsupported`] naming the time reached.

use ode_solvers::{DVector, Dopri5, OutputType, System};

use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::landscape::Gradient;

/// Error tolerances of the adaptive integrator (per-component
/// `atol + rtol |x_i|` on the local error estimate).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowTolerance {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Default for FlowTolerance {
    /// `rtol = 1e-10`, `atol = 1e-12`: far below any Monte Carlo error the
    /// flow is compared with.
    fn default() -> Self {
        Self {
            rtol: 1e-10,
            atol: 1e-12,
        }
    }
}

/// A gradient-flow trajectory at the integrator's accepted steps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowPath {
    /// Times, from 0 to the horizon, increasing.
    pub times: Vec<f64>,
    /// The state at each time.
    pub states: Vec<Vec<f64>>,
}

/// The vector field `-grad V` in `ode_solvers`' vector type.
struct NegativeGradient<'a, L>(&'a L);

impl<L: Gradient> System<f64, DVector<f64>> for NegativeGradient<'_, L> {
    fn system(&self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        self.0.gradient(y.as_slice(), dy.as_mut_slice());
        dy.neg_mut();
    }
}

/// The flow of `landscape` from `x0` over `[0, horizon]`, at the
/// integrator's accepted steps (sparse output).
pub fn trajectory<L: Gradient>(
    landscape: &L,
    x0: &[f64],
    horizon: f64,
    tol: FlowTolerance,
) -> Result<FlowPath> {
    ensure_dim("gradient flow start point", landscape.dim(), x0.len())?;
    if let Some(v) = x0.iter().find(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "start point",
            value: *v,
        });
    }
    let horizon = ensure_positive("horizon", horizon)?;
    let rtol = ensure_positive("rtol", tol.rtol)?;
    let atol = ensure_positive("atol", tol.atol)?;

    let y0 = DVector::from_column_slice(x0);
    // The output increment `dx` only matters for dense output, unused here.
    let mut solver = Dopri5::new(
        NegativeGradient(landscape),
        0.0,
        horizon,
        horizon,
        y0,
        rtol,
        atol,
    );
    solver.set_output(OutputType::Sparse);
    solver
        .integrate()
        .map_err(|e| Error::Unsupported(format!("gradient flow (Dopri5) failed: {e}")))?;
    Ok(FlowPath {
        times: solver.x_out().clone(),
        states: solver
            .y_out()
            .iter()
            .map(|y| y.as_slice().to_vec())
            .collect(),
    })
}

/// The state of the flow of `landscape` from `x0` at time `horizon`, read
/// from the last accepted step of the sparse output.
pub fn final_state<L: Gradient>(
    landscape: &L,
    x0: &[f64],
    horizon: f64,
    tol: FlowTolerance,
) -> Result<Vec<f64>> {
    let mut path = trajectory(landscape, x0, horizon, tol)?;
    Ok(path
        .states
        .pop()
        .expect("sparse output holds at least the start point"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::Quadratic;
    use nalgebra::{DMatrix, DVector};

    fn bowl() -> Quadratic {
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.0, 0.5, 1.0, 0.3, 0.0, 0.3, 4.0]);
        Quadratic::new(a, vec![0.3, 0.0, -0.2]).unwrap()
    }

    #[test]
    fn quadratic_flow_reaches_the_minimum_at_the_exact_rate() {
        // V = (x - c)^T A (x - c) / 2: x(t) = c + exp(-A t) (x0 - c).
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 0.5, 0.0, 0.5, 1.0, 0.3, 0.0, 0.3, 4.0]);
        let c = DVector::from_column_slice(&[0.3, 0.0, -0.2]);
        let x0 = [1.0, -2.0, 0.5];
        let tol = FlowTolerance::default();
        let path = trajectory(&bowl(), &x0, 3.0, tol).unwrap();
        assert!(path.times.len() > 2 && path.times.windows(2).all(|w| w[0] < w[1]));
        approx::assert_abs_diff_eq!(*path.times.last().unwrap(), 3.0, epsilon = 1e-12);
        // A is positive definite, so the flow contracts in the Euclidean norm
        // and local errors are not amplified: the global error is at most the
        // sum of the local ones. Dopri5 accepts a step when the RMS over
        // components of e_i / (atol + rtol |x_i|) is <= 1, so each local error
        // has |e|_2 <= sqrt(3) (atol + rtol max|x_i|) <= sqrt(3) (atol + 2 rtol).
        let bound = path.times.len() as f64 * 3f64.sqrt() * (tol.atol + 2.0 * tol.rtol);
        let d0 = DVector::from_column_slice(&x0) - &c;
        for (t, x) in path.times.iter().zip(&path.states) {
            let exact = &c + (-&a * *t).exp() * &d0;
            let err = (DVector::from_column_slice(x) - exact).norm();
            assert!(err <= bound, "t = {t}: error {err} > {bound}");
        }
        let end = final_state(&bowl(), &x0, 3.0, tol).unwrap();
        assert_eq!(&end, path.states.last().unwrap());
        // And the flow does reach the minimum: |x(3) - c| <= e^{-3 lambda_min} |x0 - c|.
        let lambda_min = a.symmetric_eigenvalues().min();
        let dist = (DVector::from_column_slice(&end) - &c).norm();
        assert!(dist <= (-3.0 * lambda_min).exp() * d0.norm() + bound);
    }

    #[test]
    fn rejects_bad_inputs() {
        let v = bowl();
        let tol = FlowTolerance::default();
        let zero_rtol = FlowTolerance {
            rtol: 0.0,
            atol: 1e-9,
        };
        assert!(trajectory(&v, &[1.0, 2.0], 1.0, tol).is_err());
        assert!(trajectory(&v, &[f64::NAN, 0.0, 0.0], 1.0, tol).is_err());
        assert!(trajectory(&v, &[1.0, 0.0, 0.0], 0.0, tol).is_err());
        assert!(trajectory(&v, &[1.0, 0.0, 0.0], 1.0, zero_rtol).is_err());
    }
}
