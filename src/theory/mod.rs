//! Closed-form predictions; each function cites its proof file in `proofs/`.

pub mod mfpt;
pub mod overdamped;
mod quadrature;

pub use overdamped::{Overdamped1d, QuadratureOptions};
