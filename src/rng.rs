//! Seeding: one master seed, an independent stream per replicate.
//!
//! A [`Seed`] is a 64-bit value; [`Seed::child`] derives the seed of
//! replicate `i` (a path, a task, a sweep point, a client) by mixing the
//! parent with the index through SplitMix64 (Steele, Lea and Flood,
//! "Fast splittable pseudorandom number generators", OOPSLA 2014), and
//! [`Seed::rng`] turns a seed into a Xoshiro256++ generator (Blackman and
//! Vigna, "Scrambled linear pseudorandom number generators", 2021).
//!
//! Because every replicate's stream depends only on (master seed, index path)
//! and never on which thread ran it or in which order, every result of the
//! library is bit-identical whatever the thread count.

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// The generator used everywhere in the library.
pub type Rng = rand_xoshiro::Xoshiro256PlusPlus;

/// A seed from which independent streams are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Seed(pub u64);

/// One round of the SplitMix64 output function: a bijection of `u64` with
/// good avalanche, so nearby inputs give unrelated outputs.
const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Seed {
    /// The seed of replicate `index` under this seed.
    ///
    /// Children of one parent are distinct for distinct indices (the mixing
    /// is a bijection of the index for a fixed parent), and a child's
    /// children are unrelated to its siblings.
    #[must_use]
    pub const fn child(self, index: u64) -> Seed {
        Seed(splitmix64(self.0 ^ splitmix64(index)))
    }

    /// A generator for this seed.
    #[must_use]
    pub fn rng(self) -> Rng {
        Rng::seed_from_u64(self.0)
    }

    /// The generator of replicate `index`: shorthand for `self.child(index).rng()`.
    #[must_use]
    pub fn stream(self, index: u64) -> Rng {
        self.child(index).rng()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn children_differ_and_replay() {
        let master = Seed(1);
        let a: Vec<u64> = (0..4).map(|i| master.stream(i).random()).collect();
        let b: Vec<u64> = (0..4).map(|i| master.stream(i).random()).collect();
        assert_eq!(a, b, "the same seed must replay the same streams");
        for i in 0..a.len() {
            for j in 0..i {
                assert_ne!(a[i], a[j], "streams {i} and {j} coincide");
            }
        }
    }
}
