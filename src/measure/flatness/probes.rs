//! Random probe vectors for the randomized estimators.
//!
//! Rademacher probes (independent `+-1` entries) serve the trace estimators
//! ([`super::hutchinson`], [`super::slq`]): for probes with independent
//! zero-mean, unit-variance entries of fourth moment `m4`,
//! `Var(z^T H z) = 2 ||H||_F^2 + (m4 - 3) sum_i H_ii^2`, which is least at
//! `m4 = 1`, the Rademacher law (Hutchinson 1990, Proposition 1; derivation
//! in `proofs/flatness_measures.md`); they also make the estimate exact on a
//! diagonal matrix. Gaussian probes serve the Lanczos start vector
//! ([`super::lanczos`]) and random weight perturbations
//! ([`super::perturbed_loss`]): their law is rotation invariant, so with
//! probability one no eigenvector of `H` is orthogonal to the start, whatever
//! the eigenbasis (a Rademacher start can be, e.g. `(1, 1)` against
//! `(1, -1)`).

use rand::{Rng as _, RngExt};
use rand_distr::StandardNormal;

use crate::rng::Rng;

/// Fills `z` with independent Rademacher entries (`+1` or `-1`, each with
/// probability 1/2), 64 signs per 64-bit draw.
pub fn fill_rademacher(rng: &mut Rng, z: &mut [f64]) {
    for chunk in z.chunks_mut(64) {
        let mut bits = rng.next_u64();
        for zi in chunk {
            *zi = if bits & 1 == 1 { 1.0 } else { -1.0 };
            bits >>= 1;
        }
    }
}

/// Fills `z` with independent standard normal entries.
pub fn fill_gaussian(rng: &mut Rng, z: &mut [f64]) {
    z.iter_mut().for_each(|zi| *zi = rng.sample(StandardNormal));
}
