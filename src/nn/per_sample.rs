//! Every sample's own gradient, and its norm, from one batched pass.
//!
//! One forward and one backward pass per chunk leave each layer's inputs
//! `x` and output gradients `dy` for every sample of the chunk; a layer
//! whose outputs are linear in its parameters turns them into each sample's
//! gradient block ([`Layer::per_sample_gradients`]), so no pass over the
//! network runs per sample. Chunks run as rayon tasks and write disjoint
//! rows of the output, so results do not depend on the thread count.

use rayon::prelude::*;

use super::any_layer::AnyLayer;
use super::data::Data;
use super::layer::Layer;
use super::network::Network;
use super::scalar::Scalar;
use super::workspace::{Workspace, CHUNK};
use crate::error::{ensure_dim, Result};

impl Network {
    /// Every sample's gradient of its own loss: row `s` of `out`
    /// (`batch.len() x dim`, row-major) receives `grad l(params; batch[s])`
    /// (not divided by the batch size; the mean of the rows is the batch
    /// gradient of [`Network::loss_and_gradient`]).
    pub fn per_sample_gradients<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
        ws: &mut Workspace<T>,
        out: &mut [T],
    ) -> Result<()> {
        self.check(params, data, batch)?;
        let dim = self.dim();
        ensure_dim(
            "per-sample gradient buffer (batch x parameters)",
            batch.len() * dim,
            out.len(),
        )?;
        ws.reserve(self, batch.len());
        let chunks = &mut ws.chunks[..batch.len().div_ceil(CHUNK)];
        chunks
            .par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .zip(out.par_chunks_mut(CHUNK * dim))
            .for_each(|((buf, idx), out)| {
                let rows = idx.len();
                buf.loss = self.forward_chunk(params, data, idx, buf, true);
                self.backward_chunk(params, buf, rows, false, |l, layer, x, dy, scratch| {
                    let start = self.param_range(l).start;
                    layer.per_sample_gradients(x, dy, &mut out[start..], dim, rows, scratch);
                });
            });
        Ok(())
    }

    /// The Euclidean norm of every sample's gradient of its own loss, into
    /// `norms` (one per sample of `batch`), without forming the gradients of
    /// dense layers: sample `s`'s gradient of a dense layer is
    /// `(dy_s x_s^T, dy_s)`, whose squared norm is
    /// `|dy_s|^2 |x_s|^2 + |dy_s|^2` (Goodfellow 2015, "Efficient
    /// per-example gradient computations", arXiv:1510.01799).
    /// Other layers with parameters form each chunk's per-sample block and
    /// sum its squares. Squares are summed in `f64`.
    pub fn per_sample_gradient_norms<T: Scalar>(
        &self,
        params: &[T],
        data: &Data<'_, T>,
        batch: &[usize],
        ws: &mut Workspace<T>,
        norms: &mut [f64],
    ) -> Result<()> {
        self.check(params, data, batch)?;
        ensure_dim("per-sample norm buffer (batch)", batch.len(), norms.len())?;
        ws.reserve(self, batch.len());
        let n_chunks = batch.len().div_ceil(CHUNK);
        let Workspace { chunks, blocks, .. } = ws;
        chunks[..n_chunks]
            .par_iter_mut()
            .zip(&mut blocks[..n_chunks])
            .zip(batch.par_chunks(CHUNK))
            .zip(norms.par_chunks_mut(CHUNK))
            .for_each(|(((buf, block), idx), norms)| {
                let rows = idx.len();
                norms.fill(0.0);
                buf.loss = self.forward_chunk(params, data, idx, buf, true);
                self.backward_chunk(params, buf, rows, false, |_, layer, x, dy, scratch| {
                    add_squared_norms(layer, x, dy, block, scratch, norms);
                });
                for v in norms.iter_mut() {
                    *v = v.sqrt();
                }
            });
        Ok(())
    }
}

/// Adds each sample's squared gradient norm of `layer` to `sq`.
fn add_squared_norms<T: Scalar>(
    layer: &AnyLayer,
    x: &[T],
    dy: &[T],
    block: &mut [T],
    scratch: &mut [T],
    sq: &mut [f64],
) {
    let p = layer.param_len();
    if p == 0 {
        return;
    }
    let sum_sq = |v: &[T]| v.iter().map(|&a| a.to_f64() * a.to_f64()).sum::<f64>();
    if let AnyLayer::Dense(d) = layer {
        for (s, q) in sq.iter_mut().enumerate() {
            let dy2 = sum_sq(&dy[s * d.outputs..(s + 1) * d.outputs]);
            let x2 = sum_sq(&x[s * d.inputs..(s + 1) * d.inputs]);
            *q += dy2 * (x2 + 1.0);
        }
    } else {
        layer.per_sample_gradients(x, dy, block, p, sq.len(), scratch);
        for (s, q) in sq.iter_mut().enumerate() {
            *q += sum_sq(&block[s * p..(s + 1) * p]);
        }
    }
}
