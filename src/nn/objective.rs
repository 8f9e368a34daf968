//! A network on a labelled data set as an optimizer oracle.
//!
//! [`NetObjective`] owns a [`Network`] and a classification data set (`f32`
//! inputs, `u8` labels) and implements [`Oracle`], [`FiniteSum`] and
//! [`Supervised`], so every
//! optimizer, perturbation and flatness measure of [`crate::optim`] and
//! [`crate::measure`] runs on a network unchanged. The loss is the mean
//! per-sample loss `L(x) = (1/n) sum_i l_i(x)` of the network's
//! [`crate::nn::Loss`].
//!
//! The boundary is `f64` (the optimizers' parameter vectors) and the inside
//! `f32` (the engine's): each call rounds `x` to `f32` once, runs the engine,
//! and widens the result exactly. A minibatch gradient is one engine call
//! ([`Network::loss_and_gradient`], chunked and reduced in a fixed order), not
//! a loop over samples. Batches larger than [`EVAL_SLICE`] (the full loss,
//! say) are cut into slices of that many samples, so the workspace stays
//! bounded; the slices' means are combined in slice order in `f64`, with
//! weights `slice length / batch length`. Hessian-vector products go through
//! the engine's exact R-operator ([`Network::linearize`]), sliced the same
//! way. The [`Supervised`] view serves the inputs site (input noise,
//! dropout): the optimizer perturbs `f64` copies of a minibatch's inputs,
//! and one engine call takes the gradient at them, rounded to `f32` (the
//! engine's precision; an unperturbed input round-trips exactly).
//!
//! The oracle is shared by reference (`&self`), so its `f32` buffers and
//! engine workspace sit behind interior mutability: a pool of buffer sets
//! under a [`Mutex`]. A call takes a set out of the pool, releases the lock,
//! computes, and puts the set back. No lock is held while the engine runs,
//! so a rayon task that steals another chain's work inside the engine cannot
//! deadlock on it; the pool only allocates when more calls overlap than ever
//! before, so steps at a fixed batch size allocate nothing.

use std::sync::Mutex;

use super::data::{Data, Targets};
use super::network::Network;
use super::workspace::Workspace;
use crate::error::{ensure_at_least, ensure_dim, Result};
use crate::landscape::{FiniteSum, Gradient, Objective, Supervised};
use crate::optim::{Capabilities, Oracle};

/// The most samples one engine call handles; larger batches are cut into
/// slices of this size (a whole number of [`super::CHUNK`]s).
pub const EVAL_SLICE: usize = 1024;

/// A network and a labelled data set: the mean loss over the samples as an
/// [`Oracle`] and a [`FiniteSum`].
#[derive(Debug)]
pub struct NetObjective {
    net: Network,
    inputs: Vec<f32>,
    labels: Vec<u8>,
    classes: usize,
    /// `0..n`, the batch of the full loss.
    everything: Vec<usize>,
    pool: Mutex<Vec<Buffers>>,
}

/// The `f32` side of one call.
#[derive(Debug)]
struct Buffers {
    engine: EngineBuffers,
    direction: Vec<f32>,
    /// A minibatch's replaced inputs and their labels (the inputs site).
    inputs: Vec<f32>,
    labels: Vec<u8>,
}

/// The parameters, gradient and workspace of one engine call.
#[derive(Debug)]
struct EngineBuffers {
    params: Vec<f32>,
    grad: Vec<f32>,
    ws: Workspace<f32>,
}

impl NetObjective {
    /// The network `net` on `labels.len()` samples whose inputs are the rows
    /// of `inputs` (row-major, the network's input width each) and whose
    /// labels are below `classes`.
    ///
    /// Errors: no samples; an input length that is not `n` times the
    /// network's input width; an output width other than `classes`; a label
    /// of `classes` or more; a network whose loss is not a classification
    /// loss.
    pub fn new(net: Network, inputs: Vec<f32>, labels: Vec<u8>, classes: usize) -> Result<Self> {
        ensure_at_least("samples", labels.len(), 1, "at least 1")?;
        ensure_dim(
            "inputs (samples x network input width)",
            labels.len() * net.input_len(),
            inputs.len(),
        )?;
        ensure_dim("network output width vs classes", classes, net.output_len())?;
        let objective = Self {
            everything: (0..labels.len()).collect(),
            net,
            inputs,
            labels,
            classes,
            pool: Mutex::new(Vec::new()),
        };
        // One engine call validates the targets against the loss and the
        // labels against the classes, so later calls cannot fail.
        let data = Data::new(
            &objective.inputs,
            objective.net.input_len(),
            objective.targets(),
        )?;
        let params = objective.net.init_params::<f32>(crate::rng::Seed(0));
        let mut ws = Workspace::new(&objective.net, 1);
        objective.net.loss(&params, &data, &[0], &mut ws)?;
        Ok(objective)
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The samples as the engine reads them.
    pub fn data(&self) -> Data<'_, f32> {
        Data::new(&self.inputs, self.net.input_len(), self.targets())
            .expect("the data were validated at construction")
    }

    /// The labels, one per sample.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    fn targets(&self) -> Targets<'_, f32> {
        Targets::Classes {
            labels: &self.labels,
            classes: self.classes,
        }
    }

    /// The mean loss over `batch` at `x` and, when `grad` is given, its
    /// gradient written into it.
    ///
    /// # Panics
    /// If `x` or `grad` does not have the network's dimension, `batch` is
    /// empty or holds an index `>= n` (programmer bugs: the optimizers check
    /// dimensions and draw batches before calling).
    pub fn mean_loss(&self, x: &[f64], batch: &[usize], grad: Option<&mut [f64]>) -> f64 {
        let mut buf = self.take();
        let loss = self.sliced_mean_loss(&mut buf.engine, x, &self.data(), batch, grad);
        self.give_back(buf);
        loss
    }

    /// [`NetObjective::mean_loss`] with sample `batch[k]`'s input replaced by
    /// row `k` of `inputs` (`b x` input width), rounded to `f32`.
    fn mean_loss_at_inputs(
        &self,
        x: &[f64],
        batch: &[usize],
        inputs: &[f64],
        grad: Option<&mut [f64]>,
    ) -> f64 {
        let mut buf = self.take();
        let Buffers {
            engine,
            inputs: rows,
            labels,
            ..
        } = &mut buf;
        rows.clear();
        rows.extend(inputs.iter().map(|&v| v as f32));
        labels.clear();
        labels.extend(batch.iter().map(|&i| self.labels[i]));
        let targets = Targets::Classes {
            labels,
            classes: self.classes,
        };
        let data = Data::new(rows, self.net.input_len(), targets)
            .expect("one input row per batch entry, labels checked at construction");
        // `everything` is `0..n` and a batch holds at most `n` samples.
        let order = &self.everything[..batch.len()];
        let loss = self.sliced_mean_loss(engine, x, &data, order, grad);
        self.give_back(buf);
        loss
    }

    /// The mean loss over the samples `batch` of `data` (and its gradient),
    /// one engine call per [`EVAL_SLICE`] samples.
    fn sliced_mean_loss(
        &self,
        engine: &mut EngineBuffers,
        x: &[f64],
        data: &Data<'_, f32>,
        batch: &[usize],
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        let EngineBuffers {
            params,
            grad: g32,
            ws,
        } = engine;
        params.clear();
        params.extend(x.iter().map(|&v| v as f32));
        let inv_n = 1.0 / batch.len() as f64;
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let mut loss = 0.0;
        for slice in batch.chunks(EVAL_SLICE) {
            let weight = slice.len() as f64 * inv_n;
            let part = match grad.as_deref_mut() {
                Some(g) => {
                    let part = self.net.loss_and_gradient(params, data, slice, ws, g32);
                    g.iter_mut()
                        .zip(g32.iter())
                        .for_each(|(g, &s)| *g += weight * f64::from(s));
                    part
                }
                None => self.net.loss(params, data, slice, ws),
            };
            loss += weight * part.expect("shapes and indices are checked by the callers");
        }
        loss
    }

    /// `out <- H(x) v`, the Hessian of the mean loss over `batch` at `x`
    /// times `v`, exact up to `f32` rounding: per [`EVAL_SLICE`] samples one
    /// [`Network::linearize`] and one R-operator product, combined like the
    /// gradient.
    ///
    /// Each call linearizes afresh; a caller making many products at one
    /// point on a large set (power iteration on the full training set) is
    /// better served by one [`Network::linearize`] of its own.
    ///
    /// Errors: `v` or `out` not of the network's dimension, an empty batch
    /// or an index `>= n`.
    pub fn batch_hessian_vector(
        &self,
        x: &[f64],
        batch: &[usize],
        v: &[f64],
        out: &mut [f64],
    ) -> Result<()> {
        ensure_dim("Hessian-vector direction", self.net.dim(), v.len())?;
        ensure_dim("Hessian-vector output", self.net.dim(), out.len())?;
        ensure_at_least("batch", batch.len(), 1, "at least 1")?;
        let mut buf = self.take();
        buf.engine.params.clear();
        buf.engine.params.extend(x.iter().map(|&p| p as f32));
        buf.direction.clear();
        buf.direction.extend(v.iter().map(|&p| p as f32));
        let data = self.data();
        let inv_n = 1.0 / batch.len() as f64;
        out.fill(0.0);
        let result = batch.chunks(EVAL_SLICE).try_for_each(|slice| {
            let mut lin = self.net.linearize(&buf.engine.params, &data, slice)?;
            lin.hessian_vector(&buf.direction, &mut buf.engine.grad)?;
            let weight = slice.len() as f64 * inv_n;
            out.iter_mut()
                .zip(buf.engine.grad.iter())
                .for_each(|(o, &h)| *o += weight * f64::from(h));
            Ok(())
        });
        self.give_back(buf);
        result
    }

    /// A buffer set from the pool, or a fresh one if every set is in use.
    fn take(&self) -> Buffers {
        let pooled = self.pool.lock().map(|mut p| p.pop()).unwrap_or(None);
        pooled.unwrap_or_else(|| Buffers {
            engine: EngineBuffers {
                params: Vec::with_capacity(self.net.dim()),
                grad: vec![0.0; self.net.dim()],
                ws: Workspace::new(&self.net, EVAL_SLICE.min(self.labels.len())),
            },
            direction: Vec::with_capacity(self.net.dim()),
            inputs: Vec::new(),
            labels: Vec::new(),
        })
    }

    fn give_back(&self, buf: Buffers) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(buf);
        }
    }
}

impl Objective for NetObjective {
    fn dim(&self) -> usize {
        self.net.dim()
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.mean_loss(x, &self.everything, None)
    }
}

impl Gradient for NetObjective {
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        self.mean_loss(x, &self.everything, Some(grad));
    }
}

impl FiniteSum for NetObjective {
    fn samples(&self) -> usize {
        self.labels.len()
    }

    fn sample_value(&self, x: &[f64], i: usize) -> f64 {
        self.mean_loss(x, &[i], None)
    }

    fn sample_gradient(&self, x: &[f64], i: usize, grad: &mut [f64]) {
        self.mean_loss(x, &[i], Some(grad));
    }

    fn batch_value(&self, x: &[f64], batch: &[usize]) -> f64 {
        self.mean_loss(x, batch, None)
    }

    /// One engine call per [`EVAL_SLICE`] samples; `scratch` is not needed.
    fn batch_gradient(&self, x: &[f64], batch: &[usize], grad: &mut [f64], _scratch: &mut [f64]) {
        self.mean_loss(x, batch, Some(grad));
    }
}

impl Supervised for NetObjective {
    fn input_dim(&self) -> usize {
        self.net.input_len()
    }

    fn read_input(&self, i: usize, out: &mut [f64]) {
        let width = self.net.input_len();
        let row = &self.inputs[i * width..(i + 1) * width];
        out.iter_mut()
            .zip(row)
            .for_each(|(o, &v)| *o = f64::from(v));
    }

    fn value_at_input(&self, x: &[f64], i: usize, input: &[f64]) -> f64 {
        self.mean_loss_at_inputs(x, &[i], input, None)
    }

    fn gradient_at_input(&self, x: &[f64], i: usize, input: &[f64], grad: &mut [f64]) {
        self.mean_loss_at_inputs(x, &[i], input, Some(grad));
    }

    /// One engine call for the whole batch; `scratch` is not needed.
    fn batch_gradient_at_inputs(
        &self,
        x: &[f64],
        batch: &[usize],
        inputs: &[f64],
        grad: &mut [f64],
        _scratch: &mut [f64],
    ) {
        self.mean_loss_at_inputs(x, batch, inputs, Some(grad));
    }
}

impl Oracle for NetObjective {
    fn describe(&self) -> String {
        format!(
            "a network of {} parameters on {} samples",
            self.net.dim(),
            self.labels.len()
        )
    }

    fn dim(&self) -> usize {
        self.net.dim()
    }

    fn value(&self, x: &[f64]) -> f64 {
        Objective::value(self, x)
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        Gradient::gradient(self, x, grad);
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            finite_sum: true,
            hessian_vector: true,
            inputs: true,
            ..Capabilities::default()
        }
    }

    fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        self.batch_hessian_vector(x, &self.everything, v, out)
    }

    fn finite_sum(&self) -> Option<&dyn FiniteSum> {
        Some(self)
    }

    fn supervised(&self) -> Option<&dyn Supervised> {
        Some(self)
    }
}
