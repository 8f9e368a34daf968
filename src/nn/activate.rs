//! An activation as a layer: `y = f(x)` elementwise, no parameters.

use super::activation::Activation;
use super::init::Init;
use super::layer::Layer;
use super::scalar::Scalar;
use crate::error::{ensure_at_least, Result};
use crate::rng::Rng;

/// The elementwise layer `y = f(x)` over `len` values per sample.
///
/// Passes (all elementwise, Pearlmutter 1994, "Fast exact multiplication by
/// the Hessian", section 4, for the R-operator): backward
/// `dx = f'(x) dy`; R-forward `R{y} = f'(x) R{x}`; R-backward
/// `R{dx} = f'(x) R{dy} + f''(x) R{x} dy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activate {
    /// The function applied.
    pub kind: Activation,
    /// Values per sample.
    pub len: usize,
}

impl Activate {
    /// `kind` over `len` values per sample (`len >= 1`).
    pub fn new(kind: Activation, len: usize) -> Result<Self> {
        ensure_at_least("activation width", len, 1, "at least 1")?;
        Ok(Self { kind, len })
    }
}

impl Layer for Activate {
    fn input_len(&self) -> usize {
        self.len
    }

    fn output_len(&self) -> usize {
        self.len
    }

    fn param_len(&self) -> usize {
        0
    }

    fn init_params<T: Scalar>(&self, _init: Init, _params: &mut [T], _rng: &mut Rng) {}

    fn forward<T: Scalar>(
        &self,
        _params: &[T],
        x: &[T],
        y: &mut [T],
        rows: usize,
        _scratch: &mut [T],
    ) {
        let n = rows * self.len;
        self.kind.forward(&x[..n], &mut y[..n]);
    }

    fn backward<T: Scalar>(
        &self,
        _params: &[T],
        x: &[T],
        y: &[T],
        dy: &[T],
        _grad: Option<&mut [T]>,
        dx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        if let Some(dx) = dx {
            let n = rows * self.len;
            self.kind.backward(&x[..n], &y[..n], &dy[..n], &mut dx[..n]);
        }
    }

    fn per_sample_gradients<T: Scalar>(
        &self,
        _x: &[T],
        _dy: &[T],
        _out: &mut [T],
        _stride: usize,
        _rows: usize,
        _scratch: &mut [T],
    ) {
    }

    fn r_forward<T: Scalar>(
        &self,
        _params: &[T],
        _v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        ry: &mut [T],
        rows: usize,
        _scratch: &mut [T],
    ) {
        let n = rows * self.len;
        match rx {
            None => ry[..n].fill(T::ZERO),
            Some(rx) => self.kind.r_forward(&x[..n], &rx[..n], &mut ry[..n]),
        }
    }

    fn r_backward<T: Scalar>(
        &self,
        _params: &[T],
        _v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        y: &[T],
        dy: &[T],
        rdy: &[T],
        _rgrad: &mut [T],
        rdx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        let Some(rdx) = rdx else { return };
        let n = rows * self.len;
        match rx {
            None => self
                .kind
                .backward(&x[..n], &y[..n], &rdy[..n], &mut rdx[..n]),
            Some(rx) => self.kind.r_backward(
                &x[..n],
                &y[..n],
                &rx[..n],
                &dy[..n],
                &rdy[..n],
                &mut rdx[..n],
            ),
        }
    }
}
