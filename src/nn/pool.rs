//! Max pooling over non-overlapping square windows (stride = window size).
//!
//! Each output value is the maximum of its `size x size` window of one
//! channel, `y[c, i, j] = x[c, a(c, i, j)]` with `a` the window's argmax.
//! Ties go to the first maximum in row-major order within the window (the
//! one a scan with strict `>` keeps). Away from ties the layer is linear
//! in `x` with a locally constant routing, so every derivative pass routes
//! through the same argmax:
//!
//! - backward: `dx[a(c, i, j)] = dy[c, i, j]`, zero elsewhere (windows do
//!   not overlap, so no pixel receives two values);
//! - R-forward: `R{y}[c, i, j] = R{x}[a(c, i, j)]`;
//! - R-backward: `R{dx}` routes `R{dy}` like backward routes `dy` (the
//!   second derivative of a piecewise-linear map is zero off the ties).
//!
//! The argmax is recomputed from `x` in every pass rather than kept, so the
//! layer needs no scratch; it has no parameters.

use super::init::Init;
use super::layer::{Layer, Shape};
use super::scalar::Scalar;
use crate::error::{ensure_at_least, Error, Result};
use crate::rng::Rng;

/// Max pooling with `size x size` windows and stride `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d {
    input: Shape,
    size: usize,
}

impl MaxPool2d {
    /// Pooling of `input`-shaped samples with `size x size` windows. Errors
    /// if a size is zero or `size` does not divide the height and width.
    pub fn new(input: Shape, size: usize) -> Result<Self> {
        ensure_at_least("max-pool input channels", input.channels, 1, "at least 1")?;
        ensure_at_least("max-pool input height", input.height, 1, "at least 1")?;
        ensure_at_least("max-pool input width", input.width, 1, "at least 1")?;
        ensure_at_least("max-pool size", size, 1, "at least 1")?;
        if !input.height.is_multiple_of(size) || !input.width.is_multiple_of(size) {
            return Err(Error::Unsupported(format!(
                "max-pool size {size} does not divide its input {}x{}",
                input.height, input.width
            )));
        }
        Ok(Self { input, size })
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> Shape {
        self.input
    }

    /// The window side (and stride).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The shape of one output sample: `C x H/size x W/size`.
    pub fn output_shape(&self) -> Shape {
        Shape {
            channels: self.input.channels,
            height: self.input.height / self.size,
            width: self.input.width / self.size,
        }
    }

    /// Calls `f(o, a)` for every output index `o` of `rows` samples with
    /// `a` the index of its window's first maximum in `x` (both indices
    /// into the chunk's row-major buffers). The common size 2 gets its own
    /// instance of the one scan, with the window loops unrolled.
    fn for_each_argmax<T: Scalar>(&self, x: &[T], rows: usize, f: impl FnMut(usize, usize)) {
        match self.size {
            2 => scan(self.input, 2, x, rows, f),
            k => scan(self.input, k, x, rows, f),
        }
    }

    /// `dx <- route(dy)`: each output gradient goes to its window's argmax
    /// in `x`, every other input gets zero (backward and R-backward).
    fn route<T: Scalar>(&self, x: &[T], dy: &[T], dx: &mut [T], rows: usize) {
        dx[..rows * self.input.len()].fill(T::ZERO);
        self.for_each_argmax(x, rows, |o, a| dx[a] = dy[o]);
    }

    /// `y <- gather(src)`: each output takes `src` at its window's argmax in
    /// `x` (forward with `src = x`, R-forward with `src = R{x}`).
    fn gather<T: Scalar>(&self, x: &[T], src: &[T], y: &mut [T], rows: usize) {
        self.for_each_argmax(x, rows, |o, a| y[o] = src[a]);
    }
}

/// The scan behind [`MaxPool2d::for_each_argmax`] for windows of side `k`
/// over `rows` samples of `input`: first maximum, row-major, per window.
#[inline(always)]
fn scan<T: Scalar>(input: Shape, k: usize, x: &[T], rows: usize, mut f: impl FnMut(usize, usize)) {
    let (h, w) = (input.height, input.width);
    let x = &x[..rows * input.len()];
    let mut o = 0;
    for (p, plane) in x.chunks_exact(h * w).enumerate() {
        // A band is the `k` input rows under one output row.
        for (i, band) in plane.chunks_exact(k * w).enumerate() {
            let base = p * h * w + i * k * w;
            for corner in (0..w).step_by(k) {
                let (mut best, mut top) = (corner, band[corner]);
                for di in 0..k {
                    let start = di * w + corner;
                    for (at, &v) in (start..).zip(&band[start..start + k]) {
                        // Selects, not a branch: on real data a branch
                        // here mispredicts often (measured 2x slower).
                        let better = v > top;
                        best = if better { at } else { best };
                        top = if better { v } else { top };
                    }
                }
                f(o, base + best);
                o += 1;
            }
        }
    }
}

impl Layer for MaxPool2d {
    fn input_len(&self) -> usize {
        self.input.len()
    }

    fn output_len(&self) -> usize {
        self.output_shape().len()
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
        self.gather(x, x, y, rows);
    }

    fn backward<T: Scalar>(
        &self,
        _params: &[T],
        x: &[T],
        _y: &[T],
        dy: &[T],
        _grad: Option<&mut [T]>,
        dx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        if let Some(dx) = dx {
            self.route(x, dy, dx, rows);
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

    /// `R{y} = R{x}` at the argmax; zero when `R{x} = 0` (`rx = None`).
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
        match rx {
            Some(rx) => self.gather(x, rx, ry, rows),
            None => ry[..rows * self.output_len()].fill(T::ZERO),
        }
    }

    fn r_backward<T: Scalar>(
        &self,
        _params: &[T],
        _v: &[T],
        x: &[T],
        _rx: Option<&[T]>,
        _y: &[T],
        _dy: &[T],
        rdy: &[T],
        _rgrad: &mut [T],
        rdx: Option<&mut [T]>,
        rows: usize,
        _scratch: &mut [T],
    ) {
        if let Some(rdx) = rdx {
            self.route(x, rdy, rdx, rows);
        }
    }
}
