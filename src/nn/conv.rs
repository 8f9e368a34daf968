//! A 2-D convolution layer (stride 1, square kernel, zero padding) as
//! im2col plus one matrix product per sample.
//!
//! Sample `s` (a `C x H x W` image) is unfolded into `cols_s` (`K x P`, see
//! [`super::im2col`]); with the weights `W` (`out x K`, `K = C k^2`) and the
//! bias `b` (`out`) the layer is
//!
//! - forward: `Y_s = W cols_s + b 1^T` (`out x P`, i.e. `out x H_out x
//!   W_out`, the NCHW layout the next layer reads);
//! - backward: `dW = sum_s dY_s cols_s^T`, `db = sum_s dY_s 1`,
//!   `dx_s = fold(W^T dY_s)`;
//! - per-sample gradients: `dW_s = dY_s cols_s^T`, `db_s = dY_s 1`;
//! - R-operator (Pearlmutter 1994, "Fast exact multiplication by the
//!   Hessian", Neural Computation 6(1), section 4), with `V`, `V_b` the
//!   direction's blocks and `R{cols_s} = unfold(R{x_s})` (unfolding is
//!   linear): `R{Y_s} = W unfold(R{x_s}) + V cols_s + V_b 1^T`,
//!   `R{dW} = sum_s R{dY_s} cols_s^T + dY_s unfold(R{x_s})^T`,
//!   `R{db} = sum_s R{dY_s} 1`, `R{dx_s} = fold(W^T R{dY_s} + V^T dY_s)`.
//!
//! Why one product per sample rather than one per chunk: with `cols_s`
//! stored per sample the per-sample gradient is a single product of two
//! contiguous blocks, and no transposition of `Y` or `dY` between the
//! sample-major layout and a pixel-major one is needed. Timed by hand on
//! this machine kind (f32, one core, chunks of 32, LeNet-5 shapes), one
//! product per chunk was only 10-25% faster on the products themselves
//! (forward `6 x 25 x 784`: 142 us against 119 us per chunk;
//! `16 x 150 x 100`: 209 against 176 us) before the transpositions it
//! needs.
//!
//! Scratch (per chunk of `rows` samples): the unfolded inputs of every
//! sample, written by [`Layer::forward`] and read by every later pass, then
//! one `K x P` work matrix (the unfolded `R{x_s}` or `W^T dY_s` of the
//! sample at hand). `R{x_s}` is unfolded again in the R-backward pass
//! rather than kept, which saves `rows K P` values for one extra unfold.

use super::gemm::{matmul, MatRef, Threads};
use super::im2col::Unfold;
use super::init::Init;
use super::layer::{Layer, Shape};
use super::scalar::Scalar;
use crate::error::{ensure_at_least, Error, Result};
use crate::rng::Rng;

/// A stride-1 2-D convolution with a square kernel and zero padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2d {
    input: Shape,
    out_channels: usize,
    kernel: usize,
    padding: usize,
    unfold: Unfold,
}

impl Conv2d {
    /// A convolution of `input`-shaped samples into `out_channels` feature
    /// maps with a `kernel x kernel` window and `padding` zeros on every
    /// side. Errors if a size is zero or the kernel exceeds the padded
    /// input.
    pub fn new(input: Shape, out_channels: usize, kernel: usize, padding: usize) -> Result<Self> {
        ensure_at_least(
            "convolution input channels",
            input.channels,
            1,
            "at least 1",
        )?;
        ensure_at_least("convolution input height", input.height, 1, "at least 1")?;
        ensure_at_least("convolution input width", input.width, 1, "at least 1")?;
        ensure_at_least("convolution output channels", out_channels, 1, "at least 1")?;
        ensure_at_least("convolution kernel size", kernel, 1, "at least 1")?;
        let (ph, pw) = (input.height + 2 * padding, input.width + 2 * padding);
        if kernel > ph || kernel > pw {
            return Err(Error::Unsupported(format!(
                "convolution kernel {kernel}x{kernel} exceeds its padded input {ph}x{pw}"
            )));
        }
        Ok(Self {
            input,
            out_channels,
            kernel,
            padding,
            unfold: Unfold::new(input, kernel, padding),
        })
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> Shape {
        self.input
    }

    /// The shape of one output sample: `out_channels x H_out x W_out`.
    pub fn output_shape(&self) -> Shape {
        Shape {
            channels: self.out_channels,
            height: self.unfold.out_height(),
            width: self.unfold.out_width(),
        }
    }

    /// The kernel's side `k`.
    pub fn kernel(&self) -> usize {
        self.kernel
    }

    /// The zero padding on each side.
    pub fn padding(&self) -> usize {
        self.padding
    }

    /// Number of weights, `out * K`; the bias follows them in the layer's
    /// parameter slice.
    fn weight_len(&self) -> usize {
        self.out_channels * self.unfold.patch_len()
    }

    /// `(weights, bias)` of a parameter-shaped slice.
    fn split<'a, T>(&self, p: &'a [T]) -> (&'a [T], &'a [T]) {
        p[..self.param_len()].split_at(self.weight_len())
    }

    /// `(weights, bias)` of a mutable parameter-shaped slice.
    fn split_mut<'a, T>(&self, p: &'a mut [T]) -> (&'a mut [T], &'a mut [T]) {
        let (w, b) = (self.weight_len(), self.param_len());
        p[..b].split_at_mut(w)
    }

    /// The unfolded inputs of `rows` samples, then the work matrix.
    fn scratch_parts<'a, T>(
        &self,
        scratch: &'a mut [T],
        rows: usize,
    ) -> (&'a mut [T], &'a mut [T]) {
        let n = self.unfold.len();
        scratch[..(rows + 1) * n].split_at_mut(rows * n)
    }

    /// `y <- w cols + beta y` for one sample (`w`: `out x K`, `cols`:
    /// `K x P`, `y`: `out x P`).
    fn product<T: Scalar>(&self, w: &[T], cols: &[T], y: &mut [T], beta: T) {
        let (k, p) = (self.unfold.patch_len(), self.unfold.pixels());
        matmul(
            MatRef::new(w, self.out_channels, k),
            MatRef::new(cols, k, p),
            y,
            T::ONE,
            beta,
            Threads::One,
        );
    }

    /// `dw <- dy cols^T + beta dw` for one sample: its weight gradient.
    fn weight_product<T: Scalar>(&self, dy: &[T], cols: &[T], dw: &mut [T], beta: T) {
        let (k, p) = (self.unfold.patch_len(), self.unfold.pixels());
        matmul(
            MatRef::new(dy, self.out_channels, p),
            MatRef::t(cols, k, p),
            dw,
            T::ONE,
            beta,
            Threads::One,
        );
    }

    /// `dcols <- w^T dy + beta dcols` for one sample.
    fn input_product<T: Scalar>(&self, w: &[T], dy: &[T], dcols: &mut [T], beta: T) {
        let (k, p) = (self.unfold.patch_len(), self.unfold.pixels());
        matmul(
            MatRef::t(w, self.out_channels, k),
            MatRef::new(dy, self.out_channels, p),
            dcols,
            T::ONE,
            beta,
            Threads::One,
        );
    }

    /// `y_o <- b_o` for every output channel `o` of one sample.
    fn fill_bias<T: Scalar>(&self, b: &[T], y: &mut [T]) {
        for (map, &bo) in y.chunks_exact_mut(self.unfold.pixels()).zip(b) {
            map.fill(bo);
        }
    }

    /// `db_o <- db_o + sum_p dy_{o,p}` for one sample.
    fn add_bias_grad<T: Scalar>(&self, dy: &[T], db: &mut [T]) {
        for (map, d) in dy.chunks_exact(self.unfold.pixels()).zip(db.iter_mut()) {
            *d += map.iter().fold(T::ZERO, |a, &v| a + v);
        }
    }

    /// `grad <- sum_s [a_s cols_s^T (+ b_s unfold(ux_s)^T), a_s 1]`: the
    /// parameter gradient summed over the samples for output gradients `a`
    /// and the stored unfolded inputs, plus, when `extra = (b, ux)` is
    /// given, the weight term of `b` against the unfolded `ux` (the bias
    /// gradient does not depend on the input, so it gets no such term).
    /// With `extra = None` this is the backward pass; with `(dy, R{x})` and
    /// `a = R{dy}` it is the R-backward pass.
    fn param_grad<T: Scalar>(
        &self,
        a: &[T],
        extra: Option<(&[T], &[T])>,
        grad: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        let (cols, work) = self.scratch_parts(scratch, rows);
        let (n_in, n_out, n_col) = (self.input_len(), self.output_len(), self.unfold.len());
        let (dw, db) = self.split_mut(grad);
        db.fill(T::ZERO);
        for s in 0..rows {
            let beta = if s == 0 { T::ZERO } else { T::ONE };
            let a_s = &a[s * n_out..][..n_out];
            self.weight_product(a_s, &cols[s * n_col..][..n_col], dw, beta);
            self.add_bias_grad(a_s, db);
            if let Some((b, ux)) = extra {
                let b_s = &b[s * n_out..][..n_out];
                self.unfold.unfold(&ux[s * n_in..][..n_in], work);
                self.weight_product(b_s, work, dw, T::ONE);
            }
        }
    }

    /// `dx_s <- fold(w^T a_s (+ u^T b_s))` for every sample: the backward
    /// pass to the input (`extra = None`), or its R-form with
    /// `a = R{dy}`, `extra = (V, dy)`.
    fn input_grad<T: Scalar>(
        &self,
        w: &[T],
        a: &[T],
        extra: Option<(&[T], &[T])>,
        dx: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        let (_, work) = self.scratch_parts(scratch, rows);
        let (n_in, n_out) = (self.input_len(), self.output_len());
        for s in 0..rows {
            self.input_product(w, &a[s * n_out..][..n_out], work, T::ZERO);
            if let Some((u, b)) = extra {
                self.input_product(u, &b[s * n_out..][..n_out], work, T::ONE);
            }
            self.unfold.fold(work, &mut dx[s * n_in..][..n_in]);
        }
    }
}

impl Layer for Conv2d {
    fn input_len(&self) -> usize {
        self.input.len()
    }

    fn output_len(&self) -> usize {
        self.output_shape().len()
    }

    fn param_len(&self) -> usize {
        self.weight_len() + self.out_channels
    }

    /// The unfolded inputs of the chunk plus one work matrix:
    /// `(rows + 1) K P`.
    fn scratch_len(&self, rows: usize) -> usize {
        (rows + 1) * self.unfold.len()
    }

    /// Weights by `init` with `fan_in = C k^2`, `fan_out = out k^2` (the
    /// inputs and outputs one weight's window connects, as in He et al.
    /// 2015, section 2.2); biases zero.
    fn init_params<T: Scalar>(&self, init: Init, params: &mut [T], rng: &mut Rng) {
        let k2 = self.kernel * self.kernel;
        let (w, b) = self.split_mut(params);
        init.fill(w, self.input.channels * k2, self.out_channels * k2, rng);
        b.fill(T::ZERO);
    }

    fn forward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        let (w, b) = self.split(params);
        let (cols, _) = self.scratch_parts(scratch, rows);
        let (n_in, n_out, n_col) = (self.input_len(), self.output_len(), self.unfold.len());
        for s in 0..rows {
            let cols_s = &mut cols[s * n_col..][..n_col];
            self.unfold.unfold(&x[s * n_in..][..n_in], cols_s);
            let y_s = &mut y[s * n_out..][..n_out];
            self.fill_bias(b, y_s);
            self.product(w, cols_s, y_s, T::ONE);
        }
    }

    fn backward<T: Scalar>(
        &self,
        params: &[T],
        _x: &[T],
        _y: &[T],
        dy: &[T],
        grad: Option<&mut [T]>,
        dx: Option<&mut [T]>,
        rows: usize,
        scratch: &mut [T],
    ) {
        if let Some(grad) = grad {
            self.param_grad(dy, None, grad, rows, scratch);
        }
        if let Some(dx) = dx {
            let (w, _) = self.split(params);
            self.input_grad(w, dy, None, dx, rows, scratch);
        }
    }

    fn per_sample_gradients<T: Scalar>(
        &self,
        _x: &[T],
        dy: &[T],
        out: &mut [T],
        stride: usize,
        rows: usize,
        scratch: &mut [T],
    ) {
        let (cols, _) = self.scratch_parts(scratch, rows);
        let (n_out, n_col) = (self.output_len(), self.unfold.len());
        for s in 0..rows {
            let dy_s = &dy[s * n_out..][..n_out];
            let (dw, db) = self.split_mut(&mut out[s * stride..]);
            self.weight_product(dy_s, &cols[s * n_col..][..n_col], dw, T::ZERO);
            db.fill(T::ZERO);
            self.add_bias_grad(dy_s, db);
        }
    }

    fn r_forward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        _x: &[T],
        rx: Option<&[T]>,
        ry: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        let (w, _) = self.split(params);
        let (vw, vb) = self.split(v);
        let (cols, work) = self.scratch_parts(scratch, rows);
        let (n_in, n_out, n_col) = (self.input_len(), self.output_len(), self.unfold.len());
        for s in 0..rows {
            let ry_s = &mut ry[s * n_out..][..n_out];
            self.fill_bias(vb, ry_s);
            self.product(vw, &cols[s * n_col..][..n_col], ry_s, T::ONE);
            if let Some(rx) = rx {
                self.unfold.unfold(&rx[s * n_in..][..n_in], work);
                self.product(w, work, ry_s, T::ONE);
            }
        }
    }

    fn r_backward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        _x: &[T],
        rx: Option<&[T]>,
        _y: &[T],
        dy: &[T],
        rdy: &[T],
        rgrad: &mut [T],
        rdx: Option<&mut [T]>,
        rows: usize,
        scratch: &mut [T],
    ) {
        self.param_grad(rdy, rx.map(|rx| (dy, rx)), rgrad, rows, scratch);
        if let Some(rdx) = rdx {
            let (w, _) = self.split(params);
            let (vw, _) = self.split(v);
            self.input_grad(w, rdy, Some((vw, dy)), rdx, rows, scratch);
        }
    }
}
