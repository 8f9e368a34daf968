//! Saving a run mid-way and resuming it exactly.
//!
//! A checkpoint is one JSON file written atomically and read back by
//! `crate::io`'s `save_checkpoint` and `load_checkpoint` (as "train"): the
//! configuration it belongs to and the run's whole state (parameters,
//! optimizer state and random streams, position in the epoch, metrics so
//! far). `f32` values are stored as their bit patterns and `f64` values in
//! round-trip decimal, so a resumed run continues from exactly the saved
//! numbers, and the epoch order is recomputed from its own seed stream (see
//! [`super::epoch`]).

use std::path::PathBuf;

/// Where and how often a run saves itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpointing {
    /// The file: resumed from if it exists, removed when the run completes.
    pub path: PathBuf,
    /// Save after every this many steps; `None` saves at the end of every
    /// epoch (after its test evaluation).
    pub every: Option<u64>,
}

/// `Vec<f32>` as the bit patterns of its values, for exact round trips.
pub(crate) mod bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes the bit patterns.
    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| x.to_bits())
            .collect::<Vec<u32>>()
            .serialize(s)
    }

    /// Reads the bit patterns back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        Ok(Vec::<u32>::deserialize(d)?
            .into_iter()
            .map(f32::from_bits)
            .collect())
    }
}
