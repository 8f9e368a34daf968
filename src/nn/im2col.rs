//! Unfolding an image into the matrix of its convolution patches (im2col)
//! and folding such a matrix back by summation (col2im).
//!
//! A stride-1 convolution with a `k x k` kernel and zero padding `pad` of a
//! `C x H x W` sample is a matrix product once the sample is unfolded into
//! `cols`, a `K x P` matrix with `K = C k^2` rows and one column per output
//! pixel (`P = H_out W_out`, `H_out = H + 2 pad - k + 1`, likewise `W_out`):
//!
//! `cols[(c k + i) k + j, oh W_out + ow] = x[c, oh + i - pad, ow + j - pad]`
//!
//! (zero where the index falls in the padding). The layer is then
//! `Y = W cols + b 1^T` with `W` of `out x K` (Chellapilla, Puri and Simard
//! 2006, "High Performance Convolutional Neural Networks for Document
//! Processing", section 2.1). Folding is the adjoint of unfolding: it adds
//! every entry of a `K x P` matrix back onto the input pixel it was read
//! from, which turns `dcols = W^T dY` into `dx`.
//!
//! Rows of `cols` are filled as runs of whole output rows, so both
//! directions move contiguous segments of `W_out` values (copies and
//! vectorisable adds), not single elements.

use super::layer::Shape;
use super::scalar::Scalar;

/// The unfolding geometry of one stride-1, zero-padded square convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfold {
    input: Shape,
    kernel: usize,
    padding: usize,
    out_height: usize,
    out_width: usize,
}

impl Unfold {
    /// The geometry for inputs of `input`, a `kernel x kernel` window and
    /// `padding` zeros on every side.
    ///
    /// # Panics
    /// If the kernel exceeds the padded input (the caller validates first).
    pub fn new(input: Shape, kernel: usize, padding: usize) -> Self {
        let (ph, pw) = (input.height + 2 * padding, input.width + 2 * padding);
        assert!(
            kernel >= 1 && kernel <= ph && kernel <= pw,
            "unfold: kernel larger than the padded input"
        );
        Self {
            input,
            kernel,
            padding,
            out_height: ph - kernel + 1,
            out_width: pw - kernel + 1,
        }
    }

    /// Rows of the unfolded matrix: `K = channels * kernel^2`.
    pub fn patch_len(&self) -> usize {
        self.input.channels * self.kernel * self.kernel
    }

    /// Output rows `H_out = H + 2 pad - k + 1`.
    pub fn out_height(&self) -> usize {
        self.out_height
    }

    /// Output columns `W_out = W + 2 pad - k + 1`.
    pub fn out_width(&self) -> usize {
        self.out_width
    }

    /// Columns of the unfolded matrix: `P = H_out * W_out`.
    pub fn pixels(&self) -> usize {
        self.out_height * self.out_width
    }

    /// Elements of one sample's unfolded matrix, `K * P`.
    pub fn len(&self) -> usize {
        self.patch_len() * self.pixels()
    }

    /// `true` if the unfolded matrix holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `cols <- unfold(x)` for one sample (`x`: `C x H x W`, `cols`:
    /// `K x P`, both row-major; `cols` is overwritten).
    pub fn unfold<T: Scalar>(&self, x: &[T], cols: &mut [T]) {
        let (h, w, ow) = (self.input.height, self.input.width, self.out_width);
        let x = &x[..self.input.len()];
        for (r, row) in cols[..self.len()]
            .chunks_exact_mut(self.pixels())
            .enumerate()
        {
            let (c, i, j) = self.split(r);
            match (self.rows_of(i), self.columns_of(j)) {
                (Some((r0, r1, ih0)), Some((lo, hi, iw0))) => {
                    if r1 - r0 < self.out_height || hi - lo < ow {
                        row.fill(T::ZERO);
                    }
                    for (oh, ih) in (r0..r1).zip(ih0..) {
                        let src = &x[(c * h + ih) * w + iw0..][..hi - lo];
                        row[oh * ow + lo..oh * ow + hi].copy_from_slice(src);
                    }
                }
                _ => row.fill(T::ZERO),
            }
        }
    }

    /// `x <- fold(cols)` for one sample: every entry of `cols` (`K x P`) is
    /// added onto the input pixel [`Unfold::unfold`] reads it from; padding
    /// entries are dropped. `x` (`C x H x W`) is overwritten.
    pub fn fold<T: Scalar>(&self, cols: &[T], x: &mut [T]) {
        let (h, w, ow) = (self.input.height, self.input.width, self.out_width);
        let x = &mut x[..self.input.len()];
        x.fill(T::ZERO);
        for (r, row) in cols[..self.len()].chunks_exact(self.pixels()).enumerate() {
            let (c, i, j) = self.split(r);
            if let (Some((r0, r1, ih0)), Some((lo, hi, iw0))) =
                (self.rows_of(i), self.columns_of(j))
            {
                for (oh, ih) in (r0..r1).zip(ih0..) {
                    let dst = &mut x[(c * h + ih) * w + iw0..][..hi - lo];
                    for (d, &v) in dst.iter_mut().zip(&row[oh * ow + lo..oh * ow + hi]) {
                        *d += v;
                    }
                }
            }
        }
    }

    /// Row `r` of `cols` as (channel, kernel row, kernel column).
    #[inline]
    fn split(&self, r: usize) -> (usize, usize, usize) {
        let k = self.kernel;
        (r / (k * k), (r / k) % k, r % k)
    }

    /// The output rows `r0..r1` whose input row `oh + i - pad` lies inside
    /// the image at kernel row `i`, with the input row of `r0`; `None` if
    /// every row falls in the padding.
    #[inline]
    fn rows_of(&self, i: usize) -> Option<(usize, usize, usize)> {
        inside(self.input.height, self.out_height, self.padding, i)
    }

    /// Like [`Unfold::rows_of`] for the columns at kernel column `j`.
    #[inline]
    fn columns_of(&self, j: usize) -> Option<(usize, usize, usize)> {
        inside(self.input.width, self.out_width, self.padding, j)
    }
}

/// The outputs `o` in `lo..hi` (of `0..n_out`) whose input index
/// `o + offset - pad` lies in `0..n_in`, with the input index of `lo`;
/// `None` if there are none.
#[inline]
fn inside(n_in: usize, n_out: usize, pad: usize, offset: usize) -> Option<(usize, usize, usize)> {
    let lo = pad.saturating_sub(offset);
    let hi = (n_in + pad).saturating_sub(offset).min(n_out);
    (lo < hi).then(|| (lo, hi, lo + offset - pad))
}
