//! perturbo: a workbench for perturbation-driven optimization.
//!
//! Three layers (see `DESIGN.md` in the repository): objectives
//! ([`landscape`]), dynamics ([`noise`], [`sde`]), and measurements and theory
//! ([`measure`], [`theory`]); [`experiments`] ties them into the runs behind
//! the `perturbo` command line and its figures, drawn by [`plot`].
#![deny(clippy::float_cmp)]
#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod experiments;
pub mod io;
pub mod landscape;
pub mod measure;
pub mod models;
pub mod nn;
pub mod noise;
pub mod optim;
pub mod plot;
pub mod rng;
pub mod schedule;
pub mod sde;
pub mod simd;
pub mod spec;
pub mod theory;
pub mod train;

pub use error::{Error, Result};
