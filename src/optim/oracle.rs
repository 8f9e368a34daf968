//! The objective as the optimizers and flatness measures see it.
//!
//! [`Oracle`] is one object-safe trait over the capability traits of
//! [`crate::landscape`]: value and gradient always, a Hessian,
//! Hessian-vector products, a finite-sum structure and perturbable inputs
//! when the objective has them ([`Capabilities`] says which). Every
//! tractable landscape is an oracle through the blanket implementation
//! below; a data-driven model implements it by hand, returning itself from
//! [`Oracle::finite_sum`] and [`Oracle::supervised`]. Optimizer pieces
//! declare the capabilities they need, and a run checks them before the
//! first step, so a missing capability is an error up front, never halfway.

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::landscape::{FiniteSum, Landscape, Supervised};

/// What an objective can provide beyond value and gradient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// A dense Hessian ([`Oracle::hessian`]).
    pub hessian: bool,
    /// Hessian-vector products ([`Oracle::hessian_vector`]).
    pub hessian_vector: bool,
    /// Per-sample losses and gradients ([`Oracle::finite_sum`]).
    pub finite_sum: bool,
    /// Sample inputs that the inputs site may perturb ([`Oracle::supervised`]).
    pub inputs: bool,
}

impl Capabilities {
    /// The capabilities in `needed` that `self` lacks, in words (empty when
    /// none is missing).
    #[must_use]
    pub fn missing(self, needed: Capabilities) -> Vec<&'static str> {
        [
            (needed.hessian && !self.hessian, "a Hessian"),
            (
                needed.hessian_vector && !self.hessian_vector,
                "Hessian-vector products",
            ),
            (
                needed.finite_sum && !self.finite_sum,
                "per-sample gradients",
            ),
            (needed.inputs && !self.inputs, "sample inputs"),
        ]
        .into_iter()
        .filter_map(|(lacks, what)| lacks.then_some(what))
        .collect()
    }

    /// The union of two requirement sets.
    #[must_use]
    pub fn union(self, other: Capabilities) -> Capabilities {
        Capabilities {
            hessian: self.hessian || other.hessian,
            hessian_vector: self.hessian_vector || other.hessian_vector,
            finite_sum: self.finite_sum || other.finite_sum,
            inputs: self.inputs || other.inputs,
        }
    }
}

/// Fails unless `oracle` has every capability in `needed`; the error says
/// what `who` (an optimizer, a set of measures) needs and the oracle lacks.
pub fn require(oracle: &dyn Oracle, needed: Capabilities, who: &str) -> Result<()> {
    let missing = oracle.capabilities().missing(needed);
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Unsupported(format!(
        "{who} need {}, which {} lacks",
        missing.join(" and "),
        oracle.describe()
    )))
}

/// An objective for optimizers and measures: value and gradient, plus the
/// optional capabilities listed by [`Oracle::capabilities`].
///
/// The optional methods return [`Error::Unsupported`] when the capability
/// is absent.
pub trait Oracle: Sync {
    /// A short description for reports and error messages.
    fn describe(&self) -> String;
    /// Dimension of the parameter space.
    fn dim(&self) -> usize;
    /// The (full) loss at `x`.
    fn value(&self, x: &[f64]) -> f64;
    /// Writes the (full) gradient at `x` into `grad`.
    fn gradient(&self, x: &[f64], grad: &mut [f64]);
    /// What else this objective provides.
    fn capabilities(&self) -> Capabilities;
    /// Writes the Hessian at `x` into `hess` (`dim x dim`).
    fn hessian(&self, _x: &[f64], _hess: &mut DMatrix<f64>) -> Result<()> {
        Err(self.lacks("a Hessian"))
    }
    /// Writes `H(x) v` into `out`.
    fn hessian_vector(&self, _x: &[f64], _v: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(self.lacks("Hessian-vector products"))
    }
    /// The finite-sum view, when the loss is an average over samples.
    fn finite_sum(&self) -> Option<&dyn FiniteSum> {
        None
    }
    /// The supervised view, when samples have perturbable inputs.
    fn supervised(&self) -> Option<&dyn Supervised> {
        None
    }
    /// The error for a missing capability.
    fn lacks(&self, what: &str) -> Error {
        Error::Unsupported(format!("{} has no {what}", self.describe()))
    }
}

/// Every tractable landscape: value, gradient, a dense Hessian, and
/// Hessian-vector products through the dense Hessian (the landscapes are
/// low-dimensional, so forming it is cheap).
impl<L: Landscape> Oracle for L {
    fn describe(&self) -> String {
        format!("landscape {}", self.name())
    }

    fn dim(&self) -> usize {
        crate::landscape::Objective::dim(self)
    }

    fn value(&self, x: &[f64]) -> f64 {
        crate::landscape::Objective::value(self, x)
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        crate::landscape::Gradient::gradient(self, x, grad);
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hessian: true,
            hessian_vector: true,
            ..Capabilities::default()
        }
    }

    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) -> Result<()> {
        crate::landscape::Hessian::hessian(self, x, hess);
        Ok(())
    }

    fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        let n = Oracle::dim(self);
        let mut hess = DMatrix::zeros(n, n);
        crate::landscape::Hessian::hessian(self, x, &mut hess);
        for (i, o) in out.iter_mut().enumerate() {
            *o = (0..n).map(|j| hess[(i, j)] * v[j]).sum();
        }
        Ok(())
    }
}
