//! A fully connected layer `z = W x + b` over a block of rows.
//!
//! Its parameters live in the network's flat vector at `offset`: first the
//! weights `W` (`outputs x inputs`, row-major), then the bias `b`
//! (`outputs`). A block of `rows` samples is a row-major matrix `X`
//! (`rows x inputs`), so the layer computes `Z = X W^T + 1 b^T` and, in
//! reverse, `dW = dZ^T X`, `db = 1^T dZ`, `dX = dZ W` (three GEMMs).

use std::ops::Range;

use super::gemm::{matmul, MatRef, Threads};
use super::scalar::Scalar;

/// One dense layer: its shape and where its parameters sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dense {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Index of the first weight in the flat parameter vector.
    pub offset: usize,
}

impl Dense {
    /// Parameters of the layer: `outputs * (inputs + 1)`.
    pub fn param_len(&self) -> usize {
        self.outputs * (self.inputs + 1)
    }

    /// The weights' range in the flat parameter vector.
    pub fn weights(&self) -> Range<usize> {
        self.offset..self.offset + self.outputs * self.inputs
    }

    /// The bias's range in the flat parameter vector.
    pub fn bias(&self) -> Range<usize> {
        let start = self.offset + self.outputs * self.inputs;
        start..start + self.outputs
    }

    /// `z <- x W^T + b` for `rows` rows (`x`: `rows x inputs`, `z`:
    /// `rows x outputs`).
    pub fn forward<T: Scalar>(&self, params: &[T], x: &[T], z: &mut [T], rows: usize) {
        let z = &mut z[..rows * self.outputs];
        let b = &params[self.bias()];
        for row in z.chunks_exact_mut(self.outputs) {
            row.copy_from_slice(b);
        }
        matmul(
            MatRef::new(&x[..rows * self.inputs], rows, self.inputs),
            MatRef::t(&params[self.weights()], self.outputs, self.inputs),
            z,
            T::ONE,
            T::ONE,
            Threads::One,
        );
    }

    /// Backward through the layer for `rows` rows given `dz` (the gradient
    /// with respect to `z`): writes `dW = dz^T x` and `db = 1^T dz` into this
    /// layer's range of `grad` (overwriting it), and `dx = dz W` into `dx`
    /// when given (the first layer needs none).
    pub fn backward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        dz: &[T],
        grad: &mut [T],
        dx: Option<&mut [T]>,
        rows: usize,
    ) {
        let dz = &dz[..rows * self.outputs];
        matmul(
            MatRef::t(dz, rows, self.outputs),
            MatRef::new(&x[..rows * self.inputs], rows, self.inputs),
            &mut grad[self.weights()],
            T::ONE,
            T::ZERO,
            Threads::One,
        );
        let db = &mut grad[self.bias()];
        db.fill(T::ZERO);
        for row in dz.chunks_exact(self.outputs) {
            for (d, &v) in db.iter_mut().zip(row) {
                *d += v;
            }
        }
        if let Some(dx) = dx {
            matmul(
                MatRef::new(dz, rows, self.outputs),
                MatRef::new(&params[self.weights()], self.outputs, self.inputs),
                &mut dx[..rows * self.inputs],
                T::ONE,
                T::ZERO,
                Threads::One,
            );
        }
    }
}
