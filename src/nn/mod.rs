//! The neural-network engine: dense layers, activations, losses and
//! initialisation over flat parameter vectors, with batch gradients that are
//! bit-identical for any thread count.
//!
//! Layout: [`gemm`] wraps the one matrix-product crate; [`Dense`] is a layer
//! over a block of rows; [`Activation`], [`Loss`] and [`Init`] are small
//! enums with their formulas and sources; [`Network`] holds an architecture
//! (parsed from `mlp:784-512-256-10`) and computes the mean loss and its
//! gradient over a minibatch of a [`Data`] view, chunk by chunk in parallel,
//! with buffers from a reusable [`Workspace`]. Everything is generic over
//! [`Scalar`] (`f32` for training, `f64` as the reference for derivative
//! checks).

pub mod activation;
pub mod data;
pub mod dense;
pub mod gemm;
pub mod init;
pub mod layer;
pub mod loss;
pub mod network;
pub mod scalar;
pub mod spec;
pub mod workspace;

pub use activation::Activation;
pub use data::{Data, Targets};
pub use dense::Dense;
pub use init::Init;
pub use layer::{Layer, Shape};
pub use loss::Loss;
pub use network::Network;
pub use scalar::Scalar;
pub use workspace::{Workspace, CHUNK};
