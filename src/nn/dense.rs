//! A fully connected layer `y = W x + b` over a block of rows.
//!
//! Its parameter slice holds first the weights `W` (`outputs x inputs`,
//! row-major), then the bias `b` (`outputs`). A block of `rows` samples is a
//! row-major matrix `X` (`rows x inputs`), so the layer computes
//! `Y = X W^T + 1 b^T` and, in reverse, `dW = dY^T X`, `db = 1^T dY`,
//! `dX = dY W`. The R-operator passes (Pearlmutter 1994, "Fast exact
//! multiplication by the Hessian", Neural Computation 6(1), section 4) reuse
//! the same three products with the direction `V = (V_W, v_b)` in place of
//! the parameters: `R{Y} = X V_W^T + 1 v_b^T + R{X} W^T`,
//! `R{dW} = R{dY}^T X + dY^T R{X}`, `R{db} = 1^T R{dY}`,
//! `R{dX} = R{dY} W + dY V_W`.

use std::ops::Range;

use super::gemm::{matmul, MatRef, Threads};
use super::init::Init;
use super::layer::Layer;
use super::scalar::Scalar;
use super::stream;
use crate::error::{ensure_at_least, Result};
use crate::rng::Rng;

/// One dense layer's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dense {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
}

impl Dense {
    /// A layer from `inputs` to `outputs` values (both at least 1).
    pub fn new(inputs: usize, outputs: usize) -> Result<Self> {
        ensure_at_least("dense input width", inputs, 1, "at least 1")?;
        ensure_at_least("dense output width", outputs, 1, "at least 1")?;
        Ok(Self { inputs, outputs })
    }

    /// The weights' range in the layer's parameter slice.
    pub fn weights(&self) -> Range<usize> {
        0..self.outputs * self.inputs
    }

    /// The bias's range in the layer's parameter slice.
    pub fn bias(&self) -> Range<usize> {
        let start = self.outputs * self.inputs;
        start..start + self.outputs
    }

    /// `y <- sum_t x_t W_t^T + b` over the `terms` `(p_t, x_t)`, with each
    /// `W_t` taken from the parameter-shaped slice `p_t` and `b` from `pb`
    /// (the parameters, or the direction in the R-forward pass).
    ///
    /// The products run as their transpose `y^T = sum_t W_t x_t^T` into
    /// `yt` (`outputs x rows`), which one pass then transposes into `y`
    /// while adding the bias. Why: the GEMM works column-major, so the
    /// direct form `x W^T` with a row-major `y` makes it repack the whole
    /// weight matrix on every call, while the transposed form reads the
    /// weights in place and packs only the `rows x inputs` block `x`. On a
    /// chunk of 64 rows of the 784-512 layer of W2a the product took about
    /// 30% less time (323 us against 447 us, one thread).
    fn affine<T: Scalar>(
        &self,
        terms: &[(&[T], &[T])],
        pb: &[T],
        y: &mut [T],
        rows: usize,
        yt: &mut [T],
    ) {
        let (i, o) = (self.inputs, self.outputs);
        let yt = &mut yt[..rows * o];
        for (t, (p, x)) in terms.iter().enumerate() {
            matmul(
                MatRef::new(&p[self.weights()], o, i),
                MatRef::t(&x[..rows * i], rows, i),
                yt,
                T::ONE,
                if t == 0 { T::ZERO } else { T::ONE },
                Threads::One,
            );
        }
        let bias = &pb[self.bias()];
        for (s, row) in y[..rows * o].chunks_exact_mut(o).enumerate() {
            for (j, (out, &b)) in row.iter_mut().zip(bias).enumerate() {
                *out = yt[j * rows + s] + b;
            }
        }
    }

    /// `gw <- dy^T x` (`accumulate = false`) or `gw += dy^T x`, into the
    /// weight block of a parameter-shaped slice.
    fn weight_grad<T: Scalar>(
        &self,
        dy: &[T],
        x: &[T],
        g: &mut [T],
        rows: usize,
        accumulate: bool,
    ) {
        matmul(
            MatRef::t(&dy[..rows * self.outputs], rows, self.outputs),
            MatRef::new(&x[..rows * self.inputs], rows, self.inputs),
            &mut g[self.weights()],
            T::ONE,
            if accumulate { T::ONE } else { T::ZERO },
            Threads::One,
        );
    }

    /// `gb <- 1^T dy`, into the bias block of a parameter-shaped slice.
    fn bias_grad<T: Scalar>(&self, dy: &[T], g: &mut [T], rows: usize) {
        let gb = &mut g[self.bias()];
        gb.fill(T::ZERO);
        for row in dy[..rows * self.outputs].chunks_exact(self.outputs) {
            for (d, &v) in gb.iter_mut().zip(row) {
                *d += v;
            }
        }
    }

    /// `dx <- dy W` (`accumulate = false`) or `dx += dy W`, with `W` taken
    /// from the parameter-shaped slice `p`.
    fn input_grad<T: Scalar>(
        &self,
        p: &[T],
        dy: &[T],
        dx: &mut [T],
        rows: usize,
        accumulate: bool,
    ) {
        matmul(
            MatRef::new(&dy[..rows * self.outputs], rows, self.outputs),
            MatRef::new(&p[self.weights()], self.outputs, self.inputs),
            &mut dx[..rows * self.inputs],
            T::ONE,
            if accumulate { T::ONE } else { T::ZERO },
            Threads::One,
        );
    }

    /// Writes each sample's gradient block `[dy_s x_s^T, dy_s]` at
    /// `out[s * stride..]` with streaming stores (inlined into the
    /// vector-width dispatch of [`crate::simd::widest`]).
    #[inline(always)]
    fn write_per_sample<T: Scalar>(
        &self,
        x: &[T],
        dy: &[T],
        out: &mut [T],
        stride: usize,
        rows: usize,
    ) {
        let (i, o) = (self.inputs, self.outputs);
        for s in 0..rows {
            let xs = &x[s * i..(s + 1) * i];
            let ds = &dy[s * o..(s + 1) * o];
            let g = &mut out[s * stride..s * stride + self.param_len()];
            let (gw, gb) = g.split_at_mut(o * i);
            stream::outer_into(gw, ds, xs);
            gb.copy_from_slice(ds);
        }
    }
}

impl Layer for Dense {
    fn input_len(&self) -> usize {
        self.inputs
    }

    fn output_len(&self) -> usize {
        self.outputs
    }

    /// `outputs * (inputs + 1)`.
    fn param_len(&self) -> usize {
        self.outputs * (self.inputs + 1)
    }

    /// The transposed outputs `y^T` of the forward passes, `rows x outputs`.
    fn scratch_len(&self, rows: usize) -> usize {
        rows * self.outputs
    }

    /// Weights by `init` with fan-in `inputs` and fan-out `outputs`; bias 0.
    fn init_params<T: Scalar>(&self, init: Init, params: &mut [T], rng: &mut Rng) {
        init.fill(&mut params[self.weights()], self.inputs, self.outputs, rng);
        params[self.bias()].fill(T::ZERO);
    }

    fn forward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &mut [T],
        rows: usize,
        scratch: &mut [T],
    ) {
        self.affine(&[(params, x)], params, y, rows, scratch);
    }

    fn backward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        _y: &[T],
        dy: &[T],
        grad: Option<&mut [T]>,
        dx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        if let Some(grad) = grad {
            self.weight_grad(dy, x, grad, rows, false);
            self.bias_grad(dy, grad, rows);
        }
        if let Some(dx) = dx {
            self.input_grad(params, dy, dx, rows, false);
        }
    }

    /// Sample `s`'s gradient is the rank-one `dW_s = dy_s x_s^T` and
    /// `db_s = dy_s` (Goodfellow 2015, "Efficient per-example gradient
    /// computations", arXiv:1510.01799), a single product per entry,
    /// written with streaming stores ([`crate::nn::stream`]) because a
    /// batch's blocks are far larger than the caches (writing them is the
    /// whole cost).
    fn per_sample_gradients<T: Scalar>(
        &self,
        x: &[T],
        dy: &[T],
        out: &mut [T],
        stride: usize,
        rows: usize,
        _scratch: &mut [T],
    ) {
        crate::simd::widest(
            #[inline(always)]
            || self.write_per_sample(x, dy, out, stride, rows),
        );
        stream::fence();
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
        match rx {
            None => self.affine(&[(v, x)], v, ry, rows, scratch),
            Some(rx) => self.affine(&[(v, x), (params, rx)], v, ry, rows, scratch),
        }
    }

    fn r_backward<T: Scalar>(
        &self,
        params: &[T],
        v: &[T],
        x: &[T],
        rx: Option<&[T]>,
        _y: &[T],
        dy: &[T],
        rdy: &[T],
        rgrad: &mut [T],
        rdx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        self.weight_grad(rdy, x, rgrad, rows, false);
        if let Some(rx) = rx {
            self.weight_grad(dy, rx, rgrad, rows, true);
        }
        self.bias_grad(rdy, rgrad, rows);
        if let Some(rdx) = rdx {
            self.input_grad(params, rdy, rdx, rows, false);
            self.input_grad(v, dy, rdx, rows, true);
        }
    }
}
