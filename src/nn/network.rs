//! A network: a stack of layers and a loss on the last layer's outputs.
//!
//! The network is the architecture only; its parameters are one flat slice
//! (each layer's parameters in turn, at [`Network::param_range`]), the form
//! the optimizers of [`crate::optim`] work on.
//!
//! The loss and gradient of a batch take one of two routes, each
//! bit-identical for any thread count:
//!
//! - a stack of dense layers and activations (an MLP) at a batch of at most
//!   [`dense_stack::MAX_BATCH`] samples runs layer by layer with every
//!   product split over fixed blocks of features ([`dense_stack`]: no
//!   reduction, which is what a training step of an MLP spends most of its
//!   time outside the products on);
//! - every other network or batch is cut into chunks of [`CHUNK`] samples,
//!   each chunk's forward and backward pass runs as its own rayon task with
//!   single-threaded GEMMs, and the chunk results are reduced in chunk
//!   order:
//!
//!   - the loss: chunk sums of per-sample losses (each computed in `f64`
//!     from the outputs) added in chunk order in `f64`;
//!   - the gradient: each chunk's gradient of its summed loss (in `T`, from
//!     the GEMMs) added in chunk order into `f64` accumulators, then divided
//!     by the batch size and rounded to `T` once.
//!
//! `f64` rather than a fixed-order `f32` tree because it is as deterministic
//! (the order is fixed by chunk index, never by thread), costs one pass over
//! the chunk gradients (memory-bound either way), and leaves the rounding of
//! the reduction at one `f32` rounding of the result, so a large batch is not
//! less accurate than a small one. The reduction is itself parallel over
//! blocks of parameters, each block summing the chunks in order, so the
//! result is bit-identical for any thread count.
//!
//! Per-sample gradients live in `per_sample.rs` and Hessian-vector products
//! in `hvp.rs`; both reuse the chunk passes defined here.

use std::ops::Range;

use rayon::prelude::*;

use super::activate::Activate;
use super::activation::Activation;
use super::any_layer::AnyLayer;
use super::data::{Data, Targets};
use super::dense::Dense;
use super::dense_stack;
use super::init::Init;
use super::layer::Layer;
use super::loss::Loss;
use super::scalar::Scalar;
use super::workspace::{ChunkBuffers, Workspace, CHUNK};
use crate::error::{ensure_at_least, ensure_dim, Error, Result};
use crate::rng::Seed;

/// Parameters reduced together by one task of the gradient reduction.
const REDUCE_BLOCK: usize = 1024;

/// A stack of layers with a loss: `mlp:784-512-256-10`, `lenet5`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    layers: Vec<AnyLayer>,
    /// `offsets[l]..offsets[l + 1]` is layer `l`'s parameter range.
    offsets: Vec<usize>,
    loss: Loss,
    init: Init,
}

impl Network {
    /// A network of `layers` in order (at least one; each layer's input
    /// width equal to the previous layer's output width), `loss` on the last
    /// layer's outputs and parameters drawn by `init`.
    pub fn new(layers: Vec<AnyLayer>, loss: Loss, init: Init) -> Result<Self> {
        ensure_at_least("number of layers", layers.len(), 1, "at least 1")?;
        for pair in layers.windows(2) {
            ensure_dim(
                "layer input width (the previous layer's output width)",
                pair[0].output_len(),
                pair[1].input_len(),
            )?;
        }
        let mut offsets = vec![0];
        for layer in &layers {
            offsets.push(offsets[offsets.len() - 1] + layer.param_len());
        }
        Ok(Self {
            layers,
            offsets,
            loss,
            init,
        })
    }

    /// A multilayer perceptron with widths `sizes` (input first, output
    /// last; at least two, all positive): dense layers with `activation`
    /// after every one but the last.
    pub fn mlp(sizes: &[usize], activation: Activation, loss: Loss, init: Init) -> Result<Self> {
        let mut layers = Vec::new();
        push_dense_stack(&mut layers, sizes, activation)?;
        Self::new(layers, loss, init)
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[AnyLayer] {
        &self.layers
    }

    /// Layer `l`'s range in the flat parameter vector.
    pub fn param_range(&self, l: usize) -> Range<usize> {
        self.offsets[l]..self.offsets[l + 1]
    }

    /// The loss on the outputs.
    pub fn loss_kind(&self) -> Loss {
        self.loss
    }

    /// The initialisation of the weights.
    pub fn init_kind(&self) -> Init {
        self.init
    }

    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.offsets[self.layers.len()]
    }

    /// Values per input sample.
    pub fn input_len(&self) -> usize {
        self.layers[0].input_len()
    }

    /// Values per output (the number of classes, for classification).
    pub fn output_len(&self) -> usize {
        self.layers[self.layers.len() - 1].output_len()
    }

    /// Fresh parameters: the `k`-th layer with parameters draws from
    /// `seed.stream(k)` by the network's [`Init`] (biases zero).
    pub fn init_params<T: Scalar>(&self, seed: Seed) -> Vec<T> {
        let mut params = vec![T::ZERO; self.dim()];
        let with_params = (0..self.layers.len()).filter(|&l| self.layers[l].param_len() > 0);
        for (k, l) in with_params.enumerate() {
            let mut rng = seed.stream(k as u64);
            let range = self.param_range(l);
            self.layers[l].init_params(self.init, &mut params[range], &mut rng);
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

    /// Checks parameters, data and batch against the network.
    pub(crate) fn check<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
    ) -> Result<()> {
        ensure_dim("network parameters", self.dim(), params.len())?;
        ensure_dim("network input width", self.input_len(), data.input_dim())?;
        ensure_dim(
            "network output width",
            self.output_len(),
            data.targets().width(),
        )?;
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
            ensure_dim("gradient buffer", self.dim(), g.len())?;
        }
        if dense_stack::takes(self, batch.len()) {
            let stack = ws.stack(self, batch.len());
            return Ok(dense_stack::run(self, params, data, batch, stack, grad));
        }
        ws.reserve(self, batch.len());
        let chunks = &mut ws.chunks[..batch.len().div_ceil(CHUNK)];
        let backward = grad.is_some();
        chunks
            .par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .for_each(|(buf, idx)| {
                buf.loss = self.forward_chunk(params, data, idx, buf, backward);
                if backward {
                    self.backward_chunk(params, buf, idx.len(), true, |_, _, _, _, _| {});
                }
            });
        let inv_n = 1.0 / batch.len() as f64;
        if let Some(grad) = grad {
            let chunks = &*chunks;
            reduce_in_order(chunks.len(), |c| &chunks[c].grad, inv_n, grad);
        }
        Ok(chunks.iter().map(|c| c.loss).sum::<f64>() * inv_n)
    }

    /// The forward pass of the samples `idx` of `data` through every layer:
    /// returns their summed loss and, if `output_gradient`, leaves its
    /// gradient with respect to the last layer's outputs in the last entry
    /// of `buf.dys`.
    pub(crate) fn forward_chunk<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        idx: &[usize],
        buf: &mut ChunkBuffers<T>,
        output_gradient: bool,
    ) -> f64 {
        let rows = idx.len();
        let ChunkBuffers {
            x,
            ys,
            dys,
            scratch,
            ..
        } = buf;
        data.gather(idx, x);
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, rest) = ys.split_at_mut(l);
            let input: &[T] = if l == 0 { x } else { &before[l - 1] };
            layer.forward(
                &params[self.param_range(l)],
                input,
                &mut rest[0],
                rows,
                &mut scratch[l],
            );
        }
        let out = self.output_len();
        let last = self.layers.len() - 1;
        let logits = ys[last][..rows * out].chunks_exact(out);
        let mut grads = dys[last].chunks_exact_mut(out);
        let mut loss = 0.0;
        for (y, &i) in logits.zip(idx) {
            let g = if output_gradient { grads.next() } else { None };
            loss += Loss::sample(y, data.targets(), i, g);
        }
        loss
    }

    /// The backward pass of one chunk of `rows` samples after
    /// [`Network::forward_chunk`] with the output gradient: fills every
    /// layer's `dL/dy` in `buf.dys`, and with `grad` also the gradient of the
    /// chunk's summed loss in `buf.grad`. Before back-propagating through
    /// layer `l`, `visit(l, layer, x, dy, scratch)` sees the layer's inputs
    /// and output gradients (the per-sample passes hook in there).
    pub(crate) fn backward_chunk<T: Scalar>(
        &self,
        params: &[T],
        buf: &mut ChunkBuffers<T>,
        rows: usize,
        grad: bool,
        mut visit: impl FnMut(usize, &AnyLayer, &[T], &[T], &mut [T]),
    ) {
        let ChunkBuffers {
            x,
            ys,
            dys,
            scratch,
            grad: g,
            ..
        } = buf;
        for (l, layer) in self.layers.iter().enumerate().rev() {
            let input: &[T] = if l == 0 { x } else { &ys[l - 1] };
            let (before, rest) = dys.split_at_mut(l);
            let dy = &rest[0];
            visit(l, layer, input, dy, &mut scratch[l]);
            let range = self.param_range(l);
            let grad_l = (grad && !range.is_empty()).then(|| &mut g[range.clone()]);
            let dx = before.last_mut().map(|d| &mut d[..]);
            if grad_l.is_some() || dx.is_some() {
                layer.backward(
                    &params[range],
                    input,
                    &ys[l],
                    dy,
                    grad_l,
                    dx,
                    rows,
                    &mut scratch[l],
                );
            }
        }
    }
}

/// Appends dense layers of widths `sizes` (at least two) with `activation`
/// after every one but the last.
pub(crate) fn push_dense_stack(
    layers: &mut Vec<AnyLayer>,
    sizes: &[usize],
    activation: Activation,
) -> Result<()> {
    ensure_at_least("number of layer widths", sizes.len(), 2, "at least 2")?;
    for (i, w) in sizes.windows(2).enumerate() {
        layers.push(Dense::new(w[0], w[1])?.into());
        if i + 2 < sizes.len() {
            layers.push(Activate::new(activation, w[1])?.into());
        }
    }
    Ok(())
}

/// `out <- scale * sum_c part(c)`, the parts added in order `c = 0, 1, ...`
/// into `f64` accumulators and rounded to `T` once; parallel over blocks of
/// [`REDUCE_BLOCK`] entries, so the result does not depend on the thread
/// count.
pub(crate) fn reduce_in_order<'a, T: Scalar>(
    parts: usize,
    part: impl Fn(usize) -> &'a [T] + Sync,
    scale: f64,
    out: &mut [T],
) {
    out.par_chunks_mut(REDUCE_BLOCK)
        .enumerate()
        .for_each(|(b, out)| {
            crate::simd::widest(
                #[inline(always)]
                || reduce_block(parts, &part, b * REDUCE_BLOCK, scale, out),
            )
        });
}

/// One block of [`reduce_in_order`]: entries `start..start + out.len()`
/// (at most [`REDUCE_BLOCK`]), inlined into each vector width's copy.
#[inline(always)]
fn reduce_block<'a, T: Scalar>(
    parts: usize,
    part: impl Fn(usize) -> &'a [T],
    start: usize,
    scale: f64,
    out: &mut [T],
) {
    let mut acc = [0.0f64; REDUCE_BLOCK];
    for c in 0..parts {
        let src = &part(c)[start..start + out.len()];
        for (a, &g) in acc.iter_mut().zip(src) {
            *a += g.to_f64();
        }
    }
    for (o, &a) in out.iter_mut().zip(&acc) {
        *o = T::from_f64(a * scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{at_level, Level};

    /// A reduction block has the same bits at every vector width the CPU
    /// offers (the reduction runs under [`crate::simd::widest`]).
    #[test]
    fn reduction_is_identical_at_every_vector_width() {
        let parts: Vec<Vec<f32>> = (0..3)
            .map(|c| {
                (0..REDUCE_BLOCK + 7)
                    .map(|k| ((k * (c + 2)) as f32 * 0.37).sin())
                    .collect()
            })
            .collect();
        let reduced_at = |level| {
            let mut out = vec![0.0f32; REDUCE_BLOCK - 5];
            at_level(
                level,
                #[inline(always)]
                || reduce_block(parts.len(), |c| &parts[c], 7, 1.0 / 3.0, &mut out),
            );
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        let baseline = reduced_at(Level::Baseline);
        for level in Level::available() {
            assert_eq!(reduced_at(level), baseline, "{level:?}");
        }
    }
}
