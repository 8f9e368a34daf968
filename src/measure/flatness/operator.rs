//! The Hessian of an [`Oracle`] at a fixed point as a matrix-free operator
//! `v -> H(x) v`, counting its applications.
//!
//! The matrix-free cores ([`super::lanczos`], [`super::hutchinson`],
//! [`super::slq`]) take the operator as a closure
//! `&mut dyn FnMut(&[f64], &mut [f64])`, so they run unchanged on a plain
//! matrix in a test and on a network's Hessian-vector product. The oracle's
//! product returns a `Result`; the closure cannot, so [`HessianAt`] keeps the
//! first error, fills the output with NaN (which the cores reject at once)
//! and hands the error back from [`HessianAt::finish`].

use crate::error::{Error, Result};
use crate::optim::{Counts, Oracle};

/// `v -> H(x) v` for one oracle and point, with a call count.
pub(crate) struct HessianAt<'a> {
    oracle: &'a dyn Oracle,
    x: &'a [f64],
    calls: u64,
    error: Option<Error>,
}

impl<'a> HessianAt<'a> {
    /// The operator of `oracle`'s Hessian at `x`.
    pub(crate) fn new(oracle: &'a dyn Oracle, x: &'a [f64]) -> Self {
        Self {
            oracle,
            x,
            calls: 0,
            error: None,
        }
    }

    /// Writes `H(x) v` into `out`; after an error, writes NaN.
    pub(crate) fn apply(&mut self, v: &[f64], out: &mut [f64]) {
        self.calls += 1;
        if self.error.is_none() {
            match self.oracle.hessian_vector(self.x, v, out) {
                Ok(()) => return,
                Err(e) => self.error = Some(e),
            }
        }
        out.fill(f64::NAN);
    }

    /// The result of a core run on this operator together with the number
    /// of products it took; the oracle's own error wins over the core's
    /// (which would only report the NaN it was fed).
    pub(crate) fn finish<T>(self, result: Result<T>) -> Result<(T, Counts)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let counts = Counts {
            hessian_vectors: self.calls,
            ..Counts::default()
        };
        result.map(|r| (r, counts))
    }
}
