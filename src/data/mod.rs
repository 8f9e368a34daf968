//! Data sets: an owned [`Dataset`] and seeded synthetic laws.
//!
//! The synthetic laws ([`LinearTeacher`], [`LogisticTeacher`],
//! [`GaussianMixture`]) implement [`SampleLaw`]; each draw is a function of
//! the law, the sample count and a [`crate::rng::Seed`] only. The
//! data-driven models of [`crate::models`] are built on a [`Dataset`].
//!
//! Real data: [`Mnist`] reads the MNIST database through the checked IDX
//! reader [`Idx`], with seeded class-balanced subsets, label noise and a
//! training-set [`Normalisation`].

pub mod dataset;
pub mod idx;
pub mod mnist;
pub mod synthetic;

pub use dataset::{Dataset, MAX_ENTRIES};
pub use idx::{Idx, MAX_IDX_BYTES};
pub use mnist::{Mnist, MnistSplit, Normalisation};
pub use synthetic::{GaussianMixture, LinearTeacher, LogisticTeacher, SampleLaw};
