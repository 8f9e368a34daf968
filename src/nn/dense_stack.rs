//! The minibatch pass of a stack of dense layers and activations (an MLP),
//! with every product split over fixed blocks of features instead of
//! chunks of samples.
//!
//! The general route of [`Network`] gives each core a chunk of samples and
//! the gradient of every weight from it, then adds the chunk gradients.
//! For an MLP at a training batch size that reduction, and the second pass
//! over the weights it needs, cost about a sixth of a step (W2a of
//! `BENCHMARKS.md`). Here each task owns a block of [`BLOCK`] output
//! features of one layer over the whole batch: their forward product, and
//! their weight gradient as one product whose inner dimension is the batch
//! (`dW_j = dY_j^T X`, `db_j = 1^T dY_j`); another block of tasks owns
//! blocks of input features for the input gradient (`dX_i = dY W_i`). No
//! entry is computed by two tasks, so nothing is reduced, and each core
//! reads only its blocks of the weights. The blocks are fixed (not derived
//! from the thread count), so every product has the same shape and the
//! result the same bits for any number of threads.
//!
//! Activations are held feature-major (`width x rows`, the transposes of
//! the general route's), so every product reads its operands in place and
//! no transposing pass is needed; only the input batch (gathered
//! sample-major, as stored) and the logits (handed to [`Loss::sample`] row
//! by row) are laid out by sample.
//!
//! The loss gradient is scaled by `1 / n` before the backward pass, so the
//! products yield the mean's gradient directly. The batch is at most
//! [`MAX_BATCH`] samples: the weight gradient sums over the batch inside
//! one `f32` product, which stays accurate for a few hundred terms, and
//! the activations stay in the last-level cache. Larger batches take the general route,
//! which adds chunk gradients in `f64`.
//!
//! On W2a (`perturbo bench w2a`, 2 threads) this route trained 1.11 times
//! as many samples per second as the chunk route, the median of 10
//! alternating runs of the two builds (1.04 to 1.30); see the README's W2
//! notes.

use rayon::prelude::*;

use super::any_layer::AnyLayer;
use super::data::Data;
use super::dense::Dense;
use super::gemm::{matmul, MatRef, Threads};
use super::layer::Layer;
use super::loss::Loss;
use super::network::Network;
use super::scalar::Scalar;

/// Output (or input) features per task. 128: on W2a's layers this makes
/// four blocks of the 512-wide layer and two of the 256-wide one, enough
/// tasks to balance two cores, with products large enough to run the GEMM
/// kernel at speed. In a prototype of this route (W2a's step, 8
/// alternating runs against the chunk route in one process), blocks of 64
/// and 256 gave medians of 1.10 and 1.08 times the chunk route's samples
/// per second, against 1.17 for 128.
pub const BLOCK: usize = 128;

/// The largest batch this route takes (see the module documentation).
pub const MAX_BATCH: usize = 256;

/// Values per task of an elementwise pass (activations).
const ELEMENTWISE_BLOCK: usize = 16 * 1024;

/// Lanes of [`row_sum`]: a fixed number of partial sums, so the order of
/// the additions, and hence the bits, do not depend on the vector width.
const SUM_LANES: usize = 16;

/// Whether a batch of `batch` samples of `net` takes this route: a stack
/// that [`fits`] and a batch of at most [`MAX_BATCH`].
pub fn takes(net: &Network, batch: usize) -> bool {
    batch <= MAX_BATCH && fits(net)
}

/// Whether `net` is a stack this route runs: dense layers and activations,
/// starting with a dense layer.
pub fn fits(net: &Network) -> bool {
    matches!(net.layers().first(), Some(AnyLayer::Dense(_)))
        && net
            .layers()
            .iter()
            .all(|l| matches!(l, AnyLayer::Dense(_) | AnyLayer::Activate(_)))
}

/// Buffers of the route for batches of up to `rows` samples.
#[derive(Debug, Clone)]
pub(crate) struct StackBuffers<T> {
    rows: usize,
    /// The gathered inputs, `rows x input width` (sample-major).
    x: Vec<T>,
    /// Each layer's outputs, `width x rows` (feature-major).
    yt: Vec<Vec<T>>,
    /// Each layer's output gradients, `width x rows`.
    dyt: Vec<Vec<T>>,
    /// The logits and their gradient by sample, `rows x output width` each.
    logits: Vec<T>,
    dlogits: Vec<T>,
}

impl<T: Scalar> StackBuffers<T> {
    /// Buffers for `net` and batches of up to `rows` samples.
    pub(crate) fn new(net: &Network, rows: usize) -> Self {
        let per_layer = || -> Vec<Vec<T>> {
            net.layers()
                .iter()
                .map(|l| vec![T::ZERO; rows * l.output_len()])
                .collect()
        };
        Self {
            rows,
            x: vec![T::ZERO; rows * net.input_len()],
            yt: per_layer(),
            dyt: per_layer(),
            logits: vec![T::ZERO; rows * net.output_len()],
            dlogits: vec![T::ZERO; rows * net.output_len()],
        }
    }

    /// Whether the buffers hold batches of `rows` samples.
    pub(crate) fn holds(&self, rows: usize) -> bool {
        rows <= self.rows
    }
}

/// A layer's input as a product reads it: the gathered batch
/// (sample-major) or the previous layer's outputs (feature-major).
#[derive(Clone, Copy)]
struct Input<'a, T> {
    data: &'a [T],
    width: usize,
    rows: usize,
    feature_major: bool,
}

impl<'a, T> Input<'a, T> {
    /// The input as `rows x width`.
    fn by_sample(self) -> MatRef<'a, T> {
        if self.feature_major {
            MatRef::t(self.data, self.width, self.rows)
        } else {
            MatRef::new(self.data, self.rows, self.width)
        }
    }

    /// The input as `width x rows`.
    fn by_feature(self) -> MatRef<'a, T> {
        if self.feature_major {
            MatRef::new(self.data, self.width, self.rows)
        } else {
            MatRef::t(self.data, self.rows, self.width)
        }
    }
}

/// The mean loss over the samples `batch` of `data` and, with `grad`, its
/// gradient. The caller ([`Network`]) has checked the shapes, that the
/// batch [`takes`] this route and is not empty, and that `bufs` hold it.
pub(crate) fn run<T: Scalar>(
    net: &Network,
    params: &[T],
    data: &Data<'_, T>,
    batch: &[usize],
    bufs: &mut StackBuffers<T>,
    grad: Option<&mut [T]>,
) -> f64 {
    let rows = batch.len();
    forward(net, params, data, batch, bufs);
    let loss = output_loss(net, data, batch, bufs, grad.is_some());
    if let Some(grad) = grad {
        backward(net, params, bufs, rows, grad);
    }
    loss / rows as f64
}

fn forward<T: Scalar>(
    net: &Network,
    params: &[T],
    data: &Data<'_, T>,
    batch: &[usize],
    bufs: &mut StackBuffers<T>,
) {
    let rows = batch.len();
    data.gather(batch, &mut bufs.x);
    for (l, layer) in net.layers().iter().enumerate() {
        let (before, rest) = bufs.yt.split_at_mut(l);
        let out = &mut rest[0][..rows * layer.output_len()];
        let input = layer_input(&bufs.x, before, l, layer.input_len(), rows);
        match layer {
            AnyLayer::Dense(d) => dense_forward(d, &params[net.param_range(l)], input, out),
            AnyLayer::Activate(a) => {
                out.par_chunks_mut(ELEMENTWISE_BLOCK)
                    .zip(input.data.par_chunks(ELEMENTWISE_BLOCK))
                    .for_each(|(y, x)| a.kind.forward(x, y));
            }
            _ => unreachable!("the caller checked that the network fits"),
        }
    }
}

/// Layer `l`'s input: the gathered batch for the first layer, else the
/// previous layer's outputs (`before` holds the outputs of layers `0..l`).
fn layer_input<'a, T>(
    x: &'a [T],
    before: &'a [Vec<T>],
    l: usize,
    width: usize,
    rows: usize,
) -> Input<'a, T> {
    match l.checked_sub(1) {
        None => Input {
            data: &x[..rows * width],
            width,
            rows,
            feature_major: false,
        },
        Some(prev) => Input {
            data: &before[prev][..rows * width],
            width,
            rows,
            feature_major: true,
        },
    }
}

/// `Y^T = W X^T + b 1^T`, one task per block of [`BLOCK`] output features.
fn dense_forward<T: Scalar>(d: &Dense, p: &[T], input: Input<'_, T>, out: &mut [T]) {
    let rows = input.rows;
    let (w, bias) = (&p[d.weights()], &p[d.bias()]);
    out.par_chunks_mut(BLOCK * rows)
        .zip(w.par_chunks(BLOCK * d.inputs))
        .zip(bias.par_chunks(BLOCK))
        .for_each(|((yt, w), bias)| {
            matmul(
                MatRef::new(w, bias.len(), d.inputs),
                input.by_feature(),
                yt,
                T::ONE,
                T::ZERO,
                Threads::One,
            );
            crate::simd::widest(
                #[inline(always)]
                || {
                    for (row, &b) in yt.chunks_exact_mut(rows).zip(bias) {
                        row.iter_mut().for_each(|v| *v += b);
                    }
                },
            );
        });
}

/// Reads the last layer's outputs by sample, returns the summed loss and,
/// with `gradient`, leaves the mean loss's gradient in the last entry of
/// `bufs.dyt` (scaled by `1 / rows` here, so the backward products give
/// the mean's gradient).
fn output_loss<T: Scalar>(
    net: &Network,
    data: &Data<'_, T>,
    batch: &[usize],
    bufs: &mut StackBuffers<T>,
    gradient: bool,
) -> f64 {
    let rows = batch.len();
    let out = net.output_len();
    let last = net.layers().len() - 1;
    let logits = &mut bufs.logits[..rows * out];
    transpose(&bufs.yt[last][..rows * out], out, rows, logits);
    let dlogits = &mut bufs.dlogits[..rows * out];
    let mut loss = 0.0;
    for ((y, g), &i) in logits
        .chunks_exact(out)
        .zip(dlogits.chunks_exact_mut(out))
        .zip(batch)
    {
        loss += Loss::sample(y, data.targets(), i, gradient.then_some(g));
    }
    if gradient {
        let inv_n = T::from_f64(1.0 / rows as f64);
        dlogits.iter_mut().for_each(|g| *g *= inv_n);
        transpose(dlogits, rows, out, &mut bufs.dyt[last][..rows * out]);
    }
    loss
}

fn backward<T: Scalar>(
    net: &Network,
    params: &[T],
    bufs: &mut StackBuffers<T>,
    rows: usize,
    grad: &mut [T],
) {
    let StackBuffers { x, yt, dyt, .. } = bufs;
    for (l, layer) in net.layers().iter().enumerate().rev() {
        let input = layer_input(x, yt, l, layer.input_len(), rows);
        let (before, rest) = dyt.split_at_mut(l);
        let dy = &rest[0][..rows * layer.output_len()];
        let dx = before
            .last_mut()
            .map(|d| &mut d[..rows * layer.input_len()]);
        match layer {
            AnyLayer::Dense(d) => {
                let range = net.param_range(l);
                dense_backward(d, &params[range.clone()], input, dy, &mut grad[range], dx);
            }
            AnyLayer::Activate(a) => {
                let dx = dx.expect("a network starts with a dense layer");
                let y = &yt[l][..rows * layer.output_len()];
                dx.par_chunks_mut(ELEMENTWISE_BLOCK)
                    .zip(input.data.par_chunks(ELEMENTWISE_BLOCK))
                    .zip(y.par_chunks(ELEMENTWISE_BLOCK))
                    .zip(dy.par_chunks(ELEMENTWISE_BLOCK))
                    .for_each(|(((dx, x), y), dy)| a.kind.backward(x, y, dy, dx));
            }
            _ => unreachable!("the caller checked that the network fits"),
        }
    }
}

/// The weight and bias gradients (one task per block of output features:
/// `dW_j = dY_j^T X`, `db_j = 1^T dY_j`) and, for all but the first layer,
/// the input gradient (one task per block of input features:
/// `dX_i^T = W_i^T dY^T`, with `W_i` the block's columns of `W`), all in
/// one parallel pass.
fn dense_backward<T: Scalar>(
    d: &Dense,
    p: &[T],
    input: Input<'_, T>,
    dyt: &[T],
    grad: &mut [T],
    dxt: Option<&mut [T]>,
) {
    let rows = input.rows;
    let (gw, gb) = grad.split_at_mut(d.outputs * d.inputs);
    let weight_blocks = gw
        .par_chunks_mut(BLOCK * d.inputs)
        .zip(gb.par_chunks_mut(BLOCK))
        .zip(dyt.par_chunks(BLOCK * rows))
        .map(|((gw, gb), dy)| Task::Weights { gw, gb, dy });
    let input_blocks = dxt
        .into_par_iter()
        .flat_map(|dxt| dxt.par_chunks_mut(BLOCK * rows).enumerate())
        .map(|(b, dx)| Task::Input {
            first: b * BLOCK,
            dx,
        });
    weight_blocks
        .chain(input_blocks)
        .for_each(|task| match task {
            Task::Weights { gw, gb, dy } => {
                matmul(
                    MatRef::new(dy, gb.len(), rows),
                    input.by_sample(),
                    gw,
                    T::ONE,
                    T::ZERO,
                    Threads::One,
                );
                for (g, row) in gb.iter_mut().zip(dy.chunks_exact(rows)) {
                    *g = row_sum(row);
                }
            }
            Task::Input { first, dx } => {
                let w = MatRef::t(&p[first..d.outputs * d.inputs], d.outputs, dx.len() / rows);
                matmul(
                    w.with_stride(d.inputs),
                    MatRef::new(dyt, d.outputs, rows),
                    dx,
                    T::ONE,
                    T::ZERO,
                    Threads::One,
                );
            }
        });
}

/// One task of [`dense_backward`].
enum Task<'a, T> {
    /// The gradient of a block of weight rows `gw` and their biases `gb`
    /// from their output gradients `dy` (`gb.len() x rows`).
    Weights {
        gw: &'a mut [T],
        gb: &'a mut [T],
        dy: &'a [T],
    },
    /// The input gradient of the input features `first..` (`dx`, a block
    /// of rows of `dX^T`).
    Input { first: usize, dx: &'a mut [T] },
}

/// `out <- a^T` for `a` of `rows x cols`.
fn transpose<T: Scalar>(a: &[T], rows: usize, cols: usize, out: &mut [T]) {
    for (r, row) in a.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            out[c * rows + r] = v;
        }
    }
}

/// The sum of `row` in [`SUM_LANES`] interleaved partial sums added in lane
/// order: the same bits at every vector width, and vectorisable.
fn row_sum<T: Scalar>(row: &[T]) -> T {
    let mut lanes = [T::ZERO; SUM_LANES];
    let mut pieces = row.chunks_exact(SUM_LANES);
    for piece in &mut pieces {
        for (a, &v) in lanes.iter_mut().zip(piece) {
            *a += v;
        }
    }
    for (a, &v) in lanes.iter_mut().zip(pieces.remainder()) {
        *a += v;
    }
    lanes.into_iter().fold(T::ZERO, |s, v| s + v)
}
