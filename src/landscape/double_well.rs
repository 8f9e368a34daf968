//! The 1-D double well `V(x) = (x^2 - 1)^2`.
//!
//! Minima at `x = -1, 1` with `V'' = 8`; barrier top at `x = 0` with
//! `V(0) = 1` and `V''(0) = -4`. The reference landscape of workload W1
//! (overdamped Langevin at temperature 0.25 from `x = -1`).

use nalgebra::DMatrix;

use super::{Gradient, Hessian, Landscape, Objective};

/// `V(x) = (x^2 - 1)^2` on the real line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoubleWell;

impl Objective for DoubleWell {
    fn dim(&self) -> usize {
        1
    }

    #[inline]
    fn value(&self, x: &[f64]) -> f64 {
        let u = x[0] * x[0] - 1.0;
        u * u
    }
}

impl Gradient for DoubleWell {
    #[inline]
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad[0] = 4.0 * x[0] * (x[0] * x[0] - 1.0);
    }
}

impl Hessian for DoubleWell {
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) {
        hess[(0, 0)] = 12.0 * x[0] * x[0] - 4.0;
    }
}

impl Landscape for DoubleWell {
    fn name(&self) -> &'static str {
        "double-well"
    }

    fn minima(&self) -> Vec<Vec<f64>> {
        vec![vec![-1.0], vec![1.0]]
    }

    fn saddles(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}
