//! The order in which an epoch visits the training samples.
//!
//! Epoch `e` (0-based) is a uniform random permutation of `0..n` drawn by a
//! Fisher-Yates shuffle (Knuth, "The Art of Computer Programming", vol. 2,
//! section 3.4.2, Algorithm P) from its own stream
//! `seed.child(SHUFFLE).stream(e)`, so any epoch's order is known without
//! replaying the epochs before it (which is what lets a checkpoint resume
//! in the middle of an epoch). The epoch is cut into consecutive batches of
//! `batch` samples; the last batch holds the `n mod batch` remaining ones
//! when `batch` does not divide `n` (it is kept, not dropped, so every sample
//! is seen exactly once per epoch, as PyTorch's `DataLoader` does by
//! default).

use rand::RngExt;

use super::seeds;
use crate::rng::Seed;

/// Writes epoch `epoch`'s order of `0..n` into `order`.
pub fn shuffle(seed: Seed, epoch: usize, n: usize, order: &mut Vec<usize>) {
    order.clear();
    order.extend(0..n);
    let mut rng = seed.child(seeds::SHUFFLE).stream(epoch as u64);
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
}

/// Steps per epoch: `ceil(n / batch)`.
pub fn steps_per_epoch(n: usize, batch: usize) -> usize {
    n.div_ceil(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_epoch_is_a_permutation_and_epochs_differ() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        shuffle(Seed(3), 0, 100, &mut a);
        shuffle(Seed(3), 1, 100, &mut b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(a, b);
        let mut again = Vec::new();
        shuffle(Seed(3), 0, 100, &mut again);
        assert_eq!(a, again);
        assert_eq!(steps_per_epoch(100, 32), 4);
    }
}
