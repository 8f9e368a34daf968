//! Buffers for forward and backward passes, allocated once per batch size.
//!
//! A batch is cut into chunks of [`CHUNK`] samples; each chunk owns its
//! buffers (gathered inputs, every layer's outputs and output gradients,
//! every layer's scratch and a full-length gradient), so chunks run as
//! independent rayon tasks and their gradients can be reduced in chunk
//! order afterwards. The feature-block route of an MLP
//! ([`crate::nn::dense_stack`]) keeps its own buffers here.

use super::any_layer::AnyLayer;
use super::dense_stack::{self, StackBuffers};
use super::layer::Layer;
use super::network::Network;
use super::scalar::Scalar;

/// Samples per chunk. Fixed (not derived from the thread count), so the
/// rounding of every chunk's GEMMs, and hence the result, is the same for
/// any number of threads. 64 rather than 32: a batch of 128 (W2 of
/// BENCHMARKS.md) then makes one task per core on two cores, the weight
/// gradient GEMMs sum over 64 rows instead of 32, and half as many chunk
/// gradients are reduced; on the MLP 784-512-256-10 at batch 128 one
/// training step took 42% less CPU time than with 32 (measured on one
/// thread, 300 steps, before such batches of an MLP took the feature-block
/// route of [`crate::nn::dense_stack`]).
pub const CHUNK: usize = 64;

/// Buffers of one chunk (of [`CHUNK`] samples, or of
/// [`crate::nn::hvp::LINEAR_CHUNK`] in a [`crate::nn::Linearization`]).
#[derive(Debug, Clone)]
pub(crate) struct ChunkBuffers<T> {
    /// Gathered inputs, `rows x input width`.
    pub x: Vec<T>,
    /// Each layer's outputs, `rows x output width`.
    pub ys: Vec<Vec<T>>,
    /// Each layer's output gradients `dL/dy`, `rows x output width`.
    pub dys: Vec<Vec<T>>,
    /// Each layer's scratch, [`Layer::scratch_len`] of a chunk.
    pub scratch: Vec<Vec<T>>,
    /// This chunk's gradient of its summed loss (the network's dimension);
    /// in a [`crate::nn::Linearization`], its Hessian-vector product.
    pub grad: Vec<T>,
    /// This chunk's summed loss.
    pub loss: f64,
}

impl<T: Scalar> ChunkBuffers<T> {
    /// Buffers for chunks of up to `rows` samples.
    pub(crate) fn new(net: &Network, rows: usize) -> Self {
        let per_layer = |len: &dyn Fn(&AnyLayer) -> usize| -> Vec<Vec<T>> {
            net.layers().iter().map(|l| vec![T::ZERO; len(l)]).collect()
        };
        Self {
            x: vec![T::ZERO; rows * net.input_len()],
            ys: per_layer(&|l| rows * l.output_len()),
            dys: per_layer(&|l| rows * l.output_len()),
            scratch: per_layer(&|l| l.scratch_len(rows)),
            grad: vec![T::ZERO; net.dim()],
            loss: 0.0,
        }
    }
}

/// Reusable buffers for one network: create once, pass to every step.
///
/// It grows (allocates) only when a batch needs more room on its route
/// than any batch before; steps at a fixed batch size allocate nothing.
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    layout: Vec<usize>,
    pub(crate) chunks: Vec<ChunkBuffers<T>>,
    /// Per chunk, room for the per-sample gradients of the largest
    /// non-dense layer with parameters (`CHUNK x its parameter count`;
    /// empty for a network of dense layers), used by
    /// [`Network::per_sample_gradient_norms`].
    pub(crate) blocks: Vec<Vec<T>>,
    /// The buffers of [`dense_stack`], once a batch has taken that route.
    pub(crate) stack: Option<StackBuffers<T>>,
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for `net` and batches of up to `batch` samples: those of the
    /// route such a batch's loss and gradient take (the other route's are
    /// made on first use).
    pub fn new(net: &Network, batch: usize) -> Self {
        let mut ws = Self {
            layout: layout(net).collect(),
            chunks: Vec::new(),
            blocks: Vec::new(),
            stack: None,
        };
        if dense_stack::takes(net, batch) {
            ws.stack(net, batch);
        } else {
            ws.reserve(net, batch);
        }
        ws
    }

    /// Makes room for a batch of `batch` samples on the chunk route.
    pub(crate) fn reserve(&mut self, net: &Network, batch: usize) {
        self.check_layout(net);
        let need = batch.div_ceil(CHUNK);
        let block = net
            .layers()
            .iter()
            .filter(|l| !matches!(l, AnyLayer::Dense(_)))
            .map(|l| l.param_len())
            .max()
            .unwrap_or(0);
        while self.chunks.len() < need {
            self.chunks.push(ChunkBuffers::new(net, CHUNK));
            self.blocks.push(vec![T::ZERO; CHUNK * block]);
        }
    }

    /// The buffers of [`dense_stack`] for a batch of `batch` samples (made
    /// or grown here; the caller has checked that the batch
    /// [`dense_stack::takes`] that route).
    pub(crate) fn stack(&mut self, net: &Network, batch: usize) -> &mut StackBuffers<T> {
        self.check_layout(net);
        if !self.stack.as_ref().is_some_and(|s| s.holds(batch)) {
            self.stack = Some(StackBuffers::new(net, batch));
        }
        self.stack.as_mut().expect("made just above")
    }

    /// Checks that the workspace was made for `net`'s layout.
    ///
    /// # Panics
    /// If it was made for a network of another layout (a bug of the
    /// caller).
    fn check_layout(&self, net: &Network) {
        assert!(
            self.layout.iter().copied().eq(layout(net)),
            "workspace was made for another network"
        );
    }
}

/// What the buffers depend on: every layer's widths, parameter and scratch
/// lengths (an iterator, so the check in [`Workspace::check_layout`]
/// allocates nothing).
fn layout(net: &Network) -> impl Iterator<Item = usize> + '_ {
    net.layers().iter().flat_map(|l| {
        [
            l.input_len(),
            l.output_len(),
            l.param_len(),
            l.scratch_len(CHUNK),
        ]
    })
}
