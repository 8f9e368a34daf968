//! The contract every layer of a [`crate::nn::Network`] keeps.
//!
//! A layer maps a block of `rows` samples, stored row-major as
//! `rows x input_len` values, to `rows x output_len` values. Image layers
//! read each sample's row as `channels x height x width` (NCHW without the
//! N). A layer never knows where its parameters sit in the network's flat
//! vector: the network hands it its own slice (`params`, `grad`, `v`, ...),
//! which is empty for layers without parameters.
//!
//! Besides the forward and backward pass, a layer gives the two derivative
//! passes the engine needs without per-sample loops over the network:
//!
//! - per-sample gradients from the batch's inputs `x` and output gradients
//!   `dy` of one backward pass (each sample's gradient of a layer that is
//!   linear in its parameters is a product of that sample's `x` and `dy`);
//! - Pearlmutter's R-operator, `R{f} = d/dr f(theta + r v)` at `r = 0`
//!   (Pearlmutter 1994, "Fast exact multiplication by the Hessian", Neural
//!   Computation 6(1), section 4): one forward pass of `R{y}` and one
//!   backward pass of `R{dy}` give the exact Hessian-vector product `H v` as
//!   the `R{}` of the parameter gradient.
//!
//! `scratch` is the layer's own region of its chunk's buffers, of
//! [`Layer::scratch_len`] elements; it persists from [`Layer::forward`] to
//! the later calls on the same chunk (an im2col matrix, say), so those may
//! read what the forward pass left there.
//!
//! Slices may be longer than the shapes say (buffers are sized for the
//! widest layer); a layer reads and writes only the leading
//! `rows * input_len` or `rows * output_len` values.

use super::init::Init;
use super::scalar::Scalar;
use crate::rng::Rng;

/// The shape of one sample as an image layer reads it: `channels x height x
/// width`, stored channel after channel, row after row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    /// Channels (feature maps).
    pub channels: usize,
    /// Rows of each channel.
    pub height: usize,
    /// Columns of each channel.
    pub width: usize,
}

impl Shape {
    /// Values per sample: `channels * height * width`.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// `true` if the shape holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One layer: shapes, parameters and the five passes.
pub trait Layer {
    /// Values per sample entering the layer.
    fn input_len(&self) -> usize;

    /// Values per sample leaving the layer.
    fn output_len(&self) -> usize;

    /// Number of parameters (0 for activations and pooling).
    fn param_len(&self) -> usize;

    /// Scratch values one chunk of `rows` samples needs (0 by default).
    fn scratch_len(&self, _rows: usize) -> usize {
        0
    }

    /// Draws fresh parameters into `params` (this layer's slice) by `init`.
    fn init_params<T: Scalar>(&self, init: Init, params: &mut [T], rng: &mut Rng);

    /// `y <- f(x; params)` for `rows` samples.
    fn forward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &mut [T],
        rows: usize,
        scratch: &mut [T],
    );

    /// Back-propagation given `dy = dL/dy`: writes `dL/dparams` summed over
    /// the rows into `grad` when given (overwriting it), and `dx = dL/dx`
    /// into `dx` when given. `y` is what [`Layer::forward`] wrote.
    #[allow(clippy::too_many_arguments)]
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
    );

    /// Every sample's own `dL_s/dparams`: sample `s`'s gradient of this
    /// layer's parameters is written to `out[s * stride..][..param_len]`.
    /// `x` and `dy` are as in [`Layer::backward`]. Layers without
    /// parameters write nothing.
    #[allow(clippy::too_many_arguments)]
    fn per_sample_gradients<T: Scalar>(
        &self,
        x: &[T],
        dy: &[T],
        out: &mut [T],
        stride: usize,
        rows: usize,
        scratch: &mut [T],
    );

    /// The R-operator forward: `ry <- R{y} = (df/dx) rx + (df/dparams) v`,
    /// where `v` is this layer's slice of the direction and `rx = R{x}`
    /// (`None` for the first layer, whose input does not depend on the
    /// parameters, so `R{x} = 0`).
    #[allow(clippy::too_many_arguments)]
    fn r_forward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        ry: &mut [T],
        rows: usize,
        scratch: &mut [T],
    );

    /// The R-operator backward: given `dy` and `rdy = R{dy}`, writes
    /// `R{dL/dparams}` summed over the rows into `rgrad` (overwriting it;
    /// this is the layer's block of `H v`) and `rdx = R{dx}` into `rdx` when
    /// given. Arguments are as in [`Layer::backward`] and [`Layer::r_forward`].
    #[allow(clippy::too_many_arguments)]
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
    );
}
