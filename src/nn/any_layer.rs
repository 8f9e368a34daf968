//! [`AnyLayer`]: the closed set of layer types a [`crate::nn::Network`]
//! stacks, dispatching the [`Layer`] methods to the type inside.
//!
//! An enum rather than `Box<dyn Layer>`: the [`Layer`] methods are generic
//! over the scalar type, which a trait object cannot carry, and a `match`
//! per layer per chunk costs nothing next to the layer's own work.

use super::activate::Activate;
use super::conv::Conv2d;
use super::dense::Dense;
use super::init::Init;
use super::layer::Layer;
use super::pool::MaxPool2d;
use super::scalar::Scalar;
use crate::rng::Rng;

/// One layer of a network.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyLayer {
    /// A fully connected layer.
    Dense(Dense),
    /// An elementwise activation.
    Activate(Activate),
    /// A 2-D convolution.
    Conv2d(Conv2d),
    /// A 2-D max pooling.
    MaxPool2d(MaxPool2d),
}

/// Calls `$call` on the layer inside `$self`, bound to `$l`.
macro_rules! dispatch {
    ($self:expr, $l:ident => $call:expr) => {
        match $self {
            AnyLayer::Dense($l) => $call,
            AnyLayer::Activate($l) => $call,
            AnyLayer::Conv2d($l) => $call,
            AnyLayer::MaxPool2d($l) => $call,
        }
    };
}

impl Layer for AnyLayer {
    fn input_len(&self) -> usize {
        dispatch!(self, l => l.input_len())
    }

    fn output_len(&self) -> usize {
        dispatch!(self, l => l.output_len())
    }

    fn param_len(&self) -> usize {
        dispatch!(self, l => l.param_len())
    }

    fn scratch_len(&self, rows: usize) -> usize {
        dispatch!(self, l => l.scratch_len(rows))
    }

    fn init_params<T: Scalar>(&self, init: Init, params: &mut [T], rng: &mut Rng) {
        dispatch!(self, l => l.init_params(init, params, rng))
    }

    fn forward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        dispatch!(self, l => l.forward(params, x, y, rows, scratch))
    }

    fn backward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &[T],
        dy: &[T],
        grad: Option<&mut [T]>,
        dx: Option<&mut [T]>,
        rows: usize,
        scratch: &mut [T],
    ) {
        dispatch!(self, l => l.backward(params, x, y, dy, grad, dx, rows, scratch))
    }

    fn per_sample_gradients<T: Scalar>(
        &self,
        x: &[T],
        dy: &[T],
        out: &mut [T],
        stride: usize,
        rows: usize,
        scratch: &mut [T],
    ) {
        dispatch!(self, l => l.per_sample_gradients(x, dy, out, stride, rows, scratch))
    }

    fn r_forward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        ry: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        dispatch!(self, l => l.r_forward(params, v, x, rx, ry, rows, scratch))
    }

    fn r_backward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        y: &[T],
        dy: &[T],
        rdy: &[T],
        rgrad: &mut [T],
        rdx: Option<&mut [T]>,
        rows: usize,
        scratch: &mut [T],
    ) {
        dispatch!(self, l => l.r_backward(params, v, x, rx, y, dy, rdy, rgrad, rdx, rows, scratch))
    }
}

/// `From<$type> for AnyLayer`, wrapping it in the arm of the same name.
macro_rules! from_layer {
    ($($t:ident),*) => {
        $(impl From<$t> for AnyLayer {
            fn from(l: $t) -> Self {
                Self::$t(l)
            }
        })*
    };
}

from_layer!(Dense, Activate, Conv2d, MaxPool2d);
