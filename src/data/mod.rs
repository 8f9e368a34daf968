//! Data sets: an owned [`Dataset`] and seeded synthetic laws.
//!
//! The synthetic laws ([`LinearTeacher`], [`LogisticTeacher`],
//! [`GaussianMixture`]) implement [`SampleLaw`]; each draw is a function of
//! the law, the sample count and a [`crate::rng::Seed`] only. The
//! data-driven models of [`crate::models`] are built on a [`Dataset`].

pub mod dataset;
pub mod synthetic;

pub use dataset::{Dataset, MAX_ENTRIES};
pub use synthetic::{GaussianMixture, LinearTeacher, LogisticTeacher, SampleLaw};
