//! The gradient oracle one optimizer step sees: the objective restricted to
//! the step's minibatch, with the inputs site applied, counting every call.
//!
//! An [`Evaluator`] is built by the driver for each step. Its
//! [`Evaluator::gradient`] is the minibatch gradient when the objective is a
//! finite sum and a batch was drawn, the full gradient otherwise; when input
//! augmentations are configured it perturbs each sample's input afresh on
//! every call (so SAM's two gradients see independent augmentations, as in
//! data-augmented training). Counting happens here, so the cost of every
//! perturbation is measured the same way for every method.

use std::cell::{Cell, RefCell};

use nalgebra::DMatrix;

use super::input::InputSite;
use super::oracle::Oracle;
use crate::error::Result;
use crate::rng::Rng;

/// How many evaluations of each kind a run made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Gradient calls (full or minibatch).
    pub gradients: u64,
    /// Per-sample gradients computed (a minibatch call of size B adds B).
    pub sample_gradients: u64,
    /// Loss evaluations.
    pub values: u64,
    /// Hessian-vector products.
    pub hessian_vectors: u64,
    /// Dense Hessians.
    pub hessians: u64,
    /// Metropolis-Hastings proposals (MALA: one per step).
    #[serde(default)]
    pub proposals: u64,
    /// Proposals accepted.
    #[serde(default)]
    pub accepted: u64,
}

impl Counts {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: Counts) {
        self.gradients += other.gradients;
        self.sample_gradients += other.sample_gradients;
        self.values += other.values;
        self.hessian_vectors += other.hessian_vectors;
        self.hessians += other.hessians;
        self.proposals += other.proposals;
        self.accepted += other.accepted;
    }

    /// The fraction of Metropolis-Hastings proposals accepted, or `None`
    /// when the method made none.
    pub fn acceptance_rate(&self) -> Option<f64> {
        (self.proposals > 0).then(|| self.accepted as f64 / self.proposals as f64)
    }
}

/// The objective as seen by one step: minibatch, inputs site, counters.
pub struct Evaluator<'a> {
    oracle: &'a dyn Oracle,
    batch: &'a [usize],
    inputs: &'a InputSite,
    input_rng: RefCell<&'a mut Rng>,
    scratch: RefCell<Scratch>,
    counts: Cell<Counts>,
}

/// Reusable buffers for minibatch gradients.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    sample_grad: Vec<f64>,
    /// One slice's gradient at perturbed inputs (slices after the first).
    slice_grad: Vec<f64>,
    /// One slice's perturbed inputs, row-major.
    input: Vec<f64>,
}

/// Samples whose perturbed inputs are held at once: a batch with the inputs
/// site active is taken in slices of this many (so a full pass over a large
/// data set never holds all its inputs twice), and the slices' means are
/// combined with weights `slice length / batch length`. A batch of at most
/// this many is one slice of weight 1, the plain mean.
pub const INPUT_SLICE: usize = 1024;

impl<'a> Evaluator<'a> {
    /// The evaluator of one step: `batch` empty means the full objective.
    ///
    /// The caller ensures that a non-empty batch or a non-trivial inputs
    /// site is used only with an oracle that has the capability (the
    /// optimizer checks it before the first step).
    pub(crate) fn new(
        oracle: &'a dyn Oracle,
        batch: &'a [usize],
        inputs: &'a InputSite,
        input_rng: &'a mut Rng,
        scratch: Scratch,
    ) -> Self {
        Self {
            oracle,
            batch,
            inputs,
            input_rng: RefCell::new(input_rng),
            scratch: RefCell::new(scratch),
            counts: Cell::new(Counts::default()),
        }
    }

    /// The objective behind this evaluator.
    pub fn oracle(&self) -> &'a dyn Oracle {
        self.oracle
    }

    /// The minibatch of this step (empty: full objective).
    pub fn batch(&self) -> &[usize] {
        self.batch
    }

    /// Dimension of the parameter space.
    pub fn dim(&self) -> usize {
        self.oracle.dim()
    }

    /// The evaluations made so far, and the scratch buffers back.
    pub(crate) fn finish(self) -> (Counts, Scratch) {
        (self.counts.get(), self.scratch.into_inner())
    }

    fn count(&self, f: impl FnOnce(&mut Counts)) {
        let mut c = self.counts.get();
        f(&mut c);
        self.counts.set(c);
    }

    /// The step's gradient at `x`: minibatch (with perturbed inputs when the
    /// inputs site is active) or full.
    pub fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let b = self.batch.len() as u64;
        self.count(|c| {
            c.gradients += 1;
            c.sample_gradients += b;
        });
        if self.batch.is_empty() {
            self.oracle.gradient(x, grad);
            return;
        }
        let finite_sum = self
            .oracle
            .finite_sum()
            .expect("a minibatch is drawn only for finite-sum objectives");
        let mut scratch = self.scratch.borrow_mut();
        let Scratch {
            sample_grad,
            slice_grad,
            input,
        } = &mut *scratch;
        sample_grad.resize(x.len(), 0.0);
        if self.inputs.is_identity() {
            finite_sum.batch_gradient(x, self.batch, grad, sample_grad);
            return;
        }
        let supervised = self
            .oracle
            .supervised()
            .expect("input perturbations are checked against the oracle's capabilities");
        let mut rng = self.input_rng.borrow_mut();
        let width = supervised.input_dim();
        let batch_len = self.batch.len() as f64;
        for (k, slice) in self.batch.chunks(INPUT_SLICE).enumerate() {
            input.resize(slice.len() * width, 0.0);
            for (&i, row) in slice.iter().zip(input.chunks_exact_mut(width)) {
                supervised.read_input(i, row);
                self.inputs.perturb(row, &mut rng);
            }
            // A division, so a single slice has weight exactly 1.
            let weight = slice.len() as f64 / batch_len;
            if k == 0 {
                supervised.batch_gradient_at_inputs(x, slice, input, grad, sample_grad);
                grad.iter_mut().for_each(|g| *g *= weight);
            } else {
                slice_grad.resize(x.len(), 0.0);
                supervised.batch_gradient_at_inputs(x, slice, input, slice_grad, sample_grad);
                grad.iter_mut()
                    .zip(slice_grad.iter())
                    .for_each(|(g, s)| *g += weight * s);
            }
        }
    }

    /// Per-sample gradient of sample `i` (for gradient-noise statistics);
    /// inputs are not perturbed.
    pub fn sample_gradient(&self, x: &[f64], i: usize, grad: &mut [f64]) -> Result<()> {
        let finite_sum = self
            .oracle
            .finite_sum()
            .ok_or_else(|| self.oracle.lacks("per-sample gradients"))?;
        self.count(|c| c.sample_gradients += 1);
        finite_sum.sample_gradient(x, i, grad);
        Ok(())
    }

    /// Records one Metropolis-Hastings proposal and whether it was accepted.
    pub fn record_proposal(&self, accepted: bool) {
        self.count(|c| {
            c.proposals += 1;
            c.accepted += u64::from(accepted);
        });
    }

    /// The full loss at `x` (for observers and line-search-free methods).
    pub fn value(&self, x: &[f64]) -> f64 {
        self.count(|c| c.values += 1);
        self.oracle.value(x)
    }

    /// `H(x) v` of the full objective.
    pub fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        self.count(|c| c.hessian_vectors += 1);
        self.oracle.hessian_vector(x, v, out)
    }

    /// The dense Hessian of the full objective.
    pub fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>) -> Result<()> {
        self.count(|c| c.hessians += 1);
        self.oracle.hessian(x, hess)
    }
}
