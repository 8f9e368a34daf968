//! Exact Hessian-vector products of the mean loss by the R-operator.
//!
//! `H v = d/dr grad L(theta + r v)` at `r = 0` is computed exactly (no
//! finite difference) by Pearlmutter's R-operator (Pearlmutter 1994, "Fast
//! exact multiplication by the Hessian", Neural Computation 6(1),
//! section 4): a forward pass of `R{y}` through every layer
//! ([`Layer::r_forward`]), the R-operator of the loss gradient at the
//! outputs ([`Loss::r_gradient`]), and a backward pass of `R{dy}`
//! ([`Layer::r_backward`]) whose parameter part is `H v`. Each pass costs
//! about two ordinary passes.
//!
//! Power iteration and Lanczos call many products at one point and batch,
//! so the work is split: [`Network::linearize`] runs the forward pass and
//! the backward pass of the output gradients `dy` once and keeps them (chunk
//! by chunk, as the gradient does); [`Linearization::hessian_vector`] then
//! runs only the two R-passes. Chunk products are reduced in chunk order in
//! `f64`, so results are bit-identical for any thread count.

use rayon::prelude::*;

use super::data::Data;
use super::layer::Layer;
use super::loss::Loss;
use super::network::{reduce_in_order, Network};
use super::scalar::Scalar;
use super::workspace::{ChunkBuffers, CHUNK};

/// Samples per chunk of a [`Linearization`]: four training chunks. A
/// Hessian-vector product runs on large fixed batches (1,000 samples in W4
/// of BENCHMARKS.md), where bigger chunks mean larger, more efficient
/// GEMMs and fewer chunk products to reduce; still fixed, so results do
/// not depend on the thread count.
pub const LINEAR_CHUNK: usize = 4 * CHUNK;
use crate::error::{ensure_dim, Result};

/// R-operator buffers of one chunk: every layer's `R{y}` and `R{dy}`.
#[derive(Debug, Clone)]
struct RBuffers<T> {
    rys: Vec<Vec<T>>,
    rdys: Vec<Vec<T>>,
}

/// A network's forward and backward pass at fixed parameters and batch,
/// kept for repeated exact Hessian-vector products of the batch's mean loss.
///
/// It owns a copy of the network and parameters, and per chunk of the batch
/// every layer's outputs and output gradients, so it holds about four times
/// the activations of the batch plus one parameter-length vector per chunk.
#[derive(Debug, Clone)]
pub struct Linearization<T> {
    net: Network,
    params: Vec<T>,
    n: usize,
    loss: f64,
    chunks: Vec<ChunkBuffers<T>>,
    r: Vec<RBuffers<T>>,
}

impl Network {
    /// Runs the forward pass and the back-propagation of the output
    /// gradients for the samples `batch` of `data` at `params`, and keeps
    /// them for [`Linearization::hessian_vector`].
    pub fn linearize<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
    ) -> Result<Linearization<T>> {
        self.check(params, data, batch)?;
        let n_chunks = batch.len().div_ceil(LINEAR_CHUNK);
        let mut chunks: Vec<ChunkBuffers<T>> = (0..n_chunks)
            .map(|_| ChunkBuffers::new(self, LINEAR_CHUNK))
            .collect();
        chunks
            .par_iter_mut()
            .zip(batch.par_chunks(LINEAR_CHUNK))
            .for_each(|(buf, idx)| {
                buf.loss = self.forward_chunk(params, data, idx, buf, true);
                self.backward_chunk(params, buf, idx.len(), false, |_, _, _, _, _| {});
            });
        let loss = chunks.iter().map(|c| c.loss).sum::<f64>() / batch.len() as f64;
        let r = (0..n_chunks)
            .map(|_| {
                let per_layer = || {
                    self.layers()
                        .iter()
                        .map(|l| vec![T::ZERO; LINEAR_CHUNK * l.output_len()])
                        .collect()
                };
                RBuffers {
                    rys: per_layer(),
                    rdys: per_layer(),
                }
            })
            .collect();
        Ok(Linearization {
            net: self.clone(),
            params: params.to_vec(),
            n: batch.len(),
            loss,
            chunks,
            r,
        })
    }
}

impl<T: Scalar> Linearization<T> {
    /// The mean loss over the batch at the linearization point.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// Number of parameters (the length of `v` and `out`).
    pub fn dim(&self) -> usize {
        self.net.dim()
    }

    /// `out <- H v`, the Hessian of the batch's mean loss at the
    /// linearization point times `v`, exact up to rounding.
    pub fn hessian_vector(&mut self, v: &[T], out: &mut [T]) -> Result<()> {
        ensure_dim("Hessian-vector direction", self.dim(), v.len())?;
        ensure_dim("Hessian-vector output", self.dim(), out.len())?;
        let (net, params, n) = (&self.net, &self.params[..], self.n);
        self.chunks
            .par_iter_mut()
            .zip(&mut self.r)
            .enumerate()
            .for_each(|(c, (buf, r))| {
                let rows = LINEAR_CHUNK.min(n - c * LINEAR_CHUNK);
                r_passes(net, params, v, buf, r, rows);
            });
        let chunks = &self.chunks;
        reduce_in_order(chunks.len(), |c| &chunks[c].grad, 1.0 / n as f64, out);
        Ok(())
    }
}

/// The R-forward and R-backward passes of one chunk of `rows` samples:
/// leaves the chunk's `H v` of its summed loss in `buf.grad`.
fn r_passes<T: Scalar>(
    net: &Network,
    params: &[T],
    v: &[T],
    buf: &mut ChunkBuffers<T>,
    r: &mut RBuffers<T>,
    rows: usize,
) {
    let ChunkBuffers {
        x,
        ys,
        dys,
        scratch,
        grad,
        ..
    } = buf;
    let RBuffers { rys, rdys } = r;
    let layers = net.layers();
    for (l, layer) in layers.iter().enumerate() {
        let (before, rest) = rys.split_at_mut(l);
        let (input, rx): (&[T], Option<&[T]>) = if l == 0 {
            (x, None)
        } else {
            (&ys[l - 1], Some(&before[l - 1]))
        };
        let range = net.param_range(l);
        layer.r_forward(
            &params[range.clone()],
            &v[range],
            input,
            rx,
            &mut rest[0],
            rows,
            &mut scratch[l],
        );
    }
    let last = layers.len() - 1;
    let out = net.output_len();
    let loss: Loss = net.loss_kind();
    for ((y, ry), rdy) in ys[last][..rows * out]
        .chunks_exact(out)
        .zip(rys[last].chunks_exact(out))
        .zip(rdys[last].chunks_exact_mut(out))
    {
        loss.r_gradient(y, ry, rdy);
    }
    for (l, layer) in layers.iter().enumerate().rev() {
        let (input, rx): (&[T], Option<&[T]>) = if l == 0 {
            (x, None)
        } else {
            (&ys[l - 1], Some(&rys[l - 1]))
        };
        let (before, rest) = rdys.split_at_mut(l);
        let rdx = before.last_mut().map(|d| &mut d[..]);
        let range = net.param_range(l);
        if range.is_empty() && rdx.is_none() {
            continue;
        }
        layer.r_backward(
            &params[range.clone()],
            &v[range.clone()],
            input,
            rx,
            &ys[l],
            &dys[l],
            &rest[0],
            &mut grad[range],
            rdx,
            rows,
            &mut scratch[l],
        );
    }
}
