//! Buffers for forward and backward passes, allocated once per batch size.
//!
//! A batch is cut into chunks of [`CHUNK`] samples; each chunk owns its
//! buffers (inputs, pre-activations, activations, two back-propagation
//! buffers and a full-length gradient), so chunks run as independent rayon
//! tasks and their gradients can be reduced in chunk order afterwards.

use super::network::Network;
use super::scalar::Scalar;

/// Samples per chunk. Fixed (not derived from the thread count), so the
/// rounding of every chunk's GEMMs, and hence the result, is the same for
/// any number of threads. 32 rows keep the GEMMs efficient while a batch of
/// 128 still yields 4 parallel tasks.
pub const CHUNK: usize = 32;

/// Buffers of one chunk.
#[derive(Debug, Clone)]
pub(crate) struct ChunkBuffers<T> {
    /// Gathered inputs, `CHUNK x input width`.
    pub x: Vec<T>,
    /// Pre-activations per layer, `CHUNK x width`.
    pub z: Vec<Vec<T>>,
    /// Activations per hidden layer, `CHUNK x width`.
    pub a: Vec<Vec<T>>,
    /// Back-propagated gradients, ping-pong, `CHUNK x widest layer`.
    pub d: [Vec<T>; 2],
    /// This chunk's gradient of its summed loss (the network's dimension).
    pub grad: Vec<T>,
    /// This chunk's summed loss.
    pub loss: f64,
}

impl<T: Scalar> ChunkBuffers<T> {
    fn new(mlp: &Network) -> Self {
        let sizes = mlp.sizes();
        let widest = sizes.iter().copied().max().unwrap_or(0);
        let hidden = &sizes[1..sizes.len() - 1];
        Self {
            x: vec![T::ZERO; CHUNK * sizes[0]],
            z: sizes[1..]
                .iter()
                .map(|&w| vec![T::ZERO; CHUNK * w])
                .collect(),
            a: hidden.iter().map(|&w| vec![T::ZERO; CHUNK * w]).collect(),
            d: [vec![T::ZERO; CHUNK * widest], vec![T::ZERO; CHUNK * widest]],
            grad: vec![T::ZERO; mlp.dim()],
            loss: 0.0,
        }
    }
}

/// Reusable buffers for one network: create once, pass to every step.
///
/// It grows (allocates) only when a batch has more chunks than any batch
/// before; steps at a fixed batch size allocate nothing.
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    sizes: Vec<usize>,
    pub(crate) chunks: Vec<ChunkBuffers<T>>,
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for `mlp` and batches of up to `batch` samples.
    pub fn new(mlp: &Network, batch: usize) -> Self {
        let mut ws = Self {
            sizes: mlp.sizes().to_vec(),
            chunks: Vec::new(),
        };
        ws.reserve(mlp, batch);
        ws
    }

    /// Makes room for a batch of `batch` samples.
    pub(crate) fn reserve(&mut self, mlp: &Network, batch: usize) {
        assert_eq!(
            self.sizes,
            mlp.sizes(),
            "workspace was made for another network"
        );
        let need = batch.div_ceil(CHUNK);
        while self.chunks.len() < need {
            self.chunks.push(ChunkBuffers::new(mlp));
        }
    }
}
