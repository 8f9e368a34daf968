//! The neural-network engine: dense, convolution, pooling and activation
//! layers, losses and initialisation over flat parameter vectors, with batch
//! gradients, per-sample gradients and exact Hessian-vector products that
//! are bit-identical for any thread count.
//!
//! Layout: [`gemm`] wraps the one matrix-product crate; [`Layer`] is the
//! contract every layer keeps ([`Dense`], [`Activate`], [`Conv2d`],
//! [`MaxPool2d`], gathered in [`AnyLayer`]); [`Activation`], [`Loss`] and
//! [`Init`] are small enums with their formulas and sources; [`Network`]
//! holds an architecture (parsed from `mlp:784-512-256-10` or `lenet5`) and
//! computes, over a minibatch of a [`Data`] view, chunk by chunk in
//! parallel with buffers from a reusable [`Workspace`]: the mean loss and
//! its gradient (`network.rs`), every sample's gradient and its norm
//! (`per_sample.rs`), and Hessian-vector products through a
//! [`Linearization`] (`hvp.rs`). Everything is generic over [`Scalar`]
//! (`f32` for training, `f64` as the reference for derivative checks).

pub mod activate;
pub mod activation;
pub mod any_layer;
pub mod conv;
pub mod data;
pub mod dense;
pub mod dense_stack;
pub mod gemm;
pub mod hvp;
pub mod im2col;
pub mod init;
pub mod layer;
pub mod loss;
pub mod network;
pub mod objective;
pub mod per_sample;
pub mod pool;
pub mod scalar;
pub mod spec;
pub mod stream;
pub mod workspace;

pub use activate::Activate;
pub use activation::Activation;
pub use any_layer::AnyLayer;
pub use conv::Conv2d;
pub use data::{Data, Targets};
pub use dense::Dense;
pub use hvp::{Linearization, LINEAR_CHUNK};
pub use init::Init;
pub use layer::{Layer, Shape};
pub use loss::Loss;
pub use network::Network;
pub use pool::MaxPool2d;
pub use scalar::Scalar;
pub use workspace::{Workspace, CHUNK};
