//! Test-set evaluation: mean loss and accuracy in one forward pass.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::nn::objective::EVAL_SLICE;
use crate::nn::{Data, Network, Targets, Workspace, CHUNK};

/// The mean loss over `samples` of `data` and the fraction of them whose
/// largest output (the first, on ties) is their label.
///
/// Forward passes only, chunked like the engine's, [`EVAL_SLICE`] samples
/// at a time through `ws`; chunk losses and hit counts are summed in chunk
/// order, so the result does not depend on the thread count.
///
/// Errors: shapes that do not fit the network, or targets that are not
/// class labels.
pub(crate) fn evaluate(
    net: &Network,
    params: &[f32],
    data: &Data<'_, f32>,
    samples: &[usize],
    ws: &mut Workspace<f32>,
) -> Result<(f64, f64)> {
    let Targets::Classes { labels, .. } = data.targets() else {
        return Err(Error::Unsupported(
            "accuracy needs class labels as targets".into(),
        ));
    };
    let (out, last) = (net.output_len(), net.layers().len() - 1);
    let (mut loss, mut hits) = (0.0, 0usize);
    for slice in samples.chunks(EVAL_SLICE) {
        net.check(params, data, slice)?;
        ws.reserve(net, slice.len());
        let chunks = &mut ws.chunks[..slice.len().div_ceil(CHUNK)];
        let parts: Vec<(f64, usize)> = chunks
            .par_iter_mut()
            .zip(slice.par_chunks(CHUNK))
            .map(|(buf, idx)| {
                let l = net.forward_chunk(params, data, idx, buf, false);
                let outputs = buf.ys[last][..idx.len() * out].chunks_exact(out);
                let h = outputs
                    .zip(idx)
                    .filter(|(y, &i)| argmax(y) == usize::from(labels[i]))
                    .count();
                (l, h)
            })
            .collect();
        for (l, h) in parts {
            loss += l;
            hits += h;
        }
    }
    let n = samples.len() as f64;
    Ok((loss / n, hits as f64 / n))
}

/// Index of the largest value, the first one on ties.
fn argmax(y: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in y.iter().enumerate() {
        if v > y[best] {
            best = j;
        }
    }
    best
}
