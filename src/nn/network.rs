//! A multilayer perceptron: dense layers, one activation between them, and a
//! loss on the last layer's outputs.
//!
//! The network is the architecture only; its parameters are one flat slice
//! (every layer's weights then bias, layer after layer), the form the
//! optimizers of [`crate::optim`] work on. A batch is cut into chunks of
//! [`CHUNK`] samples, each chunk's forward and backward pass runs as its own
//! rayon task with single-threaded GEMMs, and the chunk results are reduced
//! in chunk order:
//!
//! - the loss: chunk sums of per-sample losses (each computed in `f64` from
//!   the outputs) added in chunk order in `f64`;
//! - the gradient: each chunk's gradient of its summed loss (in `T`, from the
//!   GEMMs) added in chunk order into `f64` accumulators, then divided by the
//!   batch size and rounded to `T` once.
//!
//! `f64` rather than a fixed-order `f32` tree because it is as deterministic
//! (the order is fixed by chunk index, never by thread), costs one pass over
//! the chunk gradients (memory-bound either way), and leaves the rounding of
//! the reduction at one `f32` rounding of the result, so a large batch is not
//! less accurate than a small one. The reduction is itself parallel over
//! blocks of parameters, each block summing the chunks in order, so the
//! result is bit-identical for any thread count.

use rayon::prelude::*;

use super::activation::Activation;
use super::data::{Data, Targets};
use super::dense::Dense;
use super::init::Init;
use super::loss::Loss;
use super::scalar::Scalar;
use super::workspace::{ChunkBuffers, Workspace, CHUNK};
use crate::error::{ensure_at_least, ensure_dim, Error, Result};
use crate::rng::Seed;

/// Parameters reduced together by one task of the gradient reduction.
const REDUCE_BLOCK: usize = 1024;

/// A multilayer perceptron `784-512-256-10` and the like.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    sizes: Vec<usize>,
    layers: Vec<Dense>,
    activation: Activation,
    loss: Loss,
    init: Init,
    dim: usize,
}

impl Network {
    /// A network with layer widths `sizes` (input first, output last; at
    /// least two, all positive), `activation` after every hidden layer,
    /// `loss` on the outputs and weights drawn by `init`.
    pub fn new(sizes: &[usize], activation: Activation, loss: Loss, init: Init) -> Result<Self> {
        ensure_at_least("number of layer widths", sizes.len(), 2, "at least 2")?;
        for &w in sizes {
            ensure_at_least("layer width", w, 1, "at least 1")?;
        }
        let mut offset = 0;
        let layers = sizes
            .windows(2)
            .map(|w| {
                let layer = Dense {
                    inputs: w[0],
                    outputs: w[1],
                    offset,
                };
                offset += layer.param_len();
                layer
            })
            .collect();
        Ok(Self {
            sizes: sizes.to_vec(),
            layers,
            activation,
            loss,
            init,
            dim: offset,
        })
    }

    /// Layer widths, input first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The dense layers, in order.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// The activation between layers.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The loss on the outputs.
    pub fn loss_kind(&self) -> Loss {
        self.loss
    }

    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Fresh parameters: weights by the network's [`Init`] (layer `l` drawn
    /// from `seed.stream(l)`), biases zero.
    pub fn init_params<T: Scalar>(&self, seed: Seed) -> Vec<T> {
        let mut params = vec![T::ZERO; self.dim];
        for (l, layer) in self.layers.iter().enumerate() {
            let mut rng = seed.stream(l as u64);
            self.init.fill(
                &mut params[layer.weights()],
                layer.inputs,
                layer.outputs,
                &mut rng,
            );
        }
        params
    }

    /// The mean loss over the samples `batch` of `data`.
    pub fn loss<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
        ws: &mut Workspace<T>,
    ) -> Result<f64> {
        self.run(params, data, batch, ws, None)
    }

    /// The mean loss over the samples `batch` of `data`, and its gradient
    /// with respect to the parameters written into `grad`.
    pub fn loss_and_gradient<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
        ws: &mut Workspace<T>,
        grad: &mut [T],
    ) -> Result<f64> {
        self.run(params, data, batch, ws, Some(grad))
    }

    fn check<T: Scalar>(&self, params: &[T], data: &Data<'_, T>, batch: &[usize]) -> Result<()> {
        ensure_dim("network parameters", self.dim, params.len())?;
        ensure_dim("network input width", self.sizes[0], data.input_dim())?;
        let out = self.sizes[self.sizes.len() - 1];
        ensure_dim("network output width", out, data.targets().width())?;
        match (self.loss, data.targets()) {
            (Loss::CrossEntropy, Targets::Classes { .. })
            | (Loss::Squared, Targets::Values { .. }) => {}
            _ => {
                return Err(Error::Unsupported(format!(
                    "loss {:?} does not fit the data's targets",
                    self.loss
                )))
            }
        }
        ensure_at_least("batch size", batch.len(), 1, "at least 1")?;
        if let Some(&i) = batch.iter().find(|&&i| i >= data.n()) {
            return Err(Error::OutOfRange {
                name: "sample index",
                value: i as f64,
                expected: "below the number of samples",
            });
        }
        Ok(())
    }

    fn run<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
        ws: &mut Workspace<T>,
        grad: Option<&mut [T]>,
    ) -> Result<f64> {
        self.check(params, data, batch)?;
        if let Some(g) = &grad {
            ensure_dim("gradient buffer", self.dim, g.len())?;
        }
        ws.reserve(self, batch.len());
        let chunks = &mut ws.chunks[..batch.len().div_ceil(CHUNK)];
        let backward = grad.is_some();
        chunks
            .par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .for_each(|(buf, idx)| buf.loss = self.chunk(params, data, idx, buf, backward));
        let inv_n = 1.0 / batch.len() as f64;
        if let Some(grad) = grad {
            let chunks = &*chunks;
            grad.par_chunks_mut(REDUCE_BLOCK)
                .enumerate()
                .for_each(|(b, out)| {
                    let start = b * REDUCE_BLOCK;
                    let mut acc = [0.0f64; REDUCE_BLOCK];
                    for buf in chunks {
                        for (a, &g) in acc.iter_mut().zip(&buf.grad[start..start + out.len()]) {
                            *a += g.to_f64();
                        }
                    }
                    for (o, &a) in out.iter_mut().zip(&acc) {
                        *o = T::from_f64(a * inv_n);
                    }
                });
        }
        Ok(chunks.iter().map(|c| c.loss).sum::<f64>() * inv_n)
    }

    /// Forward (and, if `backward`, backward) pass of one chunk: returns the
    /// summed loss of its samples and leaves the gradient of that sum in
    /// `buf.grad`.
    fn chunk<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        idx: &[usize],
        buf: &mut ChunkBuffers<T>,
        backward: bool,
    ) -> f64 {
        let rows = idx.len();
        let ChunkBuffers {
            x, z, a, d, grad, ..
        } = buf;
        let width_in = self.sizes[0];
        for (row, &i) in x.chunks_exact_mut(width_in).zip(idx) {
            row.copy_from_slice(data.input(i));
        }
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let input: &[T] = if l == 0 { &x[..] } else { &a[l - 1] };
            layer.forward(params, input, &mut z[l], rows);
            if l < last {
                let n = rows * layer.outputs;
                self.activation.forward(&z[l][..n], &mut a[l][..n]);
            }
        }
        let out = self.sizes[self.sizes.len() - 1];
        let logits = &z[last][..rows * out];
        let [d0, d1] = d;
        let mut loss = 0.0;
        for (r, y) in logits.chunks_exact(out).enumerate() {
            let g = if backward {
                Some(&mut d0[r * out..(r + 1) * out])
            } else {
                None
            };
            loss += match data.targets() {
                Targets::Classes { labels, .. } => {
                    Loss::cross_entropy(y, usize::from(labels[idx[r]]), g)
                }
                Targets::Values { values, width } => {
                    let i = idx[r];
                    Loss::squared(y, &values[i * width..(i + 1) * width], g)
                }
            };
        }
        if !backward {
            return loss;
        }
        let (mut cur, mut next) = (d0, d1);
        for (l, layer) in self.layers.iter().enumerate().rev() {
            if l == 0 {
                layer.backward(params, x, cur, grad, None, rows);
            } else {
                layer.backward(params, &a[l - 1], cur, grad, Some(next), rows);
                let n = rows * layer.inputs;
                self.activation
                    .backward(&z[l - 1][..n], &a[l - 1][..n], &mut next[..n]);
                std::mem::swap(&mut cur, &mut next);
            }
        }
        loss
    }
}
