//! The one matrix product of the engine: a thin wrapper over the `gemm` crate.
//!
//! Why `gemm` 0.19 (with `x86-v4`) rather than `matrixmultiply`: on this
//! machine kind it reached 145 to 169 GFLOP/s f32 on one core for MLP shapes,
//! about twice its AVX2 path, while `matrixmultiply` has no AVX-512 kernel
//! (DESIGN.md, "Dependency notes"). It selects its kernel at run time, so no
//! `target-cpu` flag is needed and binaries stay portable. This file is the
//! only place that touches the crate.
//!
//! Matrices are row-major slices. The engine calls [`matmul`] with
//! [`Threads::One`] from inside rayon tasks: parallelism lives at the
//! minibatch level (one task per chunk of samples), so every product runs on
//! one core and its result does not depend on the thread count.

use super::scalar::Scalar;

/// A row-major matrix of `rows x cols` stored in `data`, used as itself or
/// transposed.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T> {
    /// The stored elements, row by row, row `r` starting at `r * stride`.
    pub data: &'a [T],
    /// Rows of the stored matrix.
    pub rows: usize,
    /// Columns of the stored matrix.
    pub cols: usize,
    /// Elements from the start of one stored row to the next (at least
    /// `cols`; more for a block of columns of a wider matrix).
    pub stride: usize,
    /// Whether the product uses the transpose of the stored matrix.
    pub transposed: bool,
}

impl<'a, T> MatRef<'a, T> {
    /// The stored matrix itself.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            stride: cols,
            transposed: false,
        }
    }

    /// The transpose of the stored matrix.
    pub fn t(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            transposed: true,
            ..Self::new(data, rows, cols)
        }
    }

    /// The same matrix read as the first `cols` columns of a wider one whose
    /// rows are `stride` elements apart (a block of columns in place).
    pub fn with_stride(self, stride: usize) -> Self {
        Self { stride, ..self }
    }

    /// Elements `data` must hold: up to the last entry of the last row.
    fn span(&self) -> usize {
        match self.rows {
            0 => 0,
            r => (r - 1) * self.stride + self.cols,
        }
    }

    /// Shape of the operand as it enters the product.
    fn shape(&self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    /// (row stride, column stride) of the operand as it enters the product.
    fn strides(&self) -> (isize, isize) {
        let stride = self.stride as isize;
        if self.transposed {
            (1, stride)
        } else {
            (stride, 1)
        }
    }
}

/// How many threads one product may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only (the engine's choice inside its rayon tasks).
    One,
    /// Up to this many threads of the current rayon pool (0: all of them).
    Rayon(usize),
}

/// `c <- alpha * op(a) op(b) + beta * c`, with `c` row-major `m x n` where
/// `op(a)` is `m x k` and `op(b)` is `k x n`. With `beta = 0`, `c` is not read
/// (it may hold anything, NaN included).
///
/// # Panics
/// If the inner dimensions disagree or a slice is shorter than its shape:
/// both are bugs of the caller.
pub fn matmul<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    alpha: T,
    beta: T,
    threads: Threads,
) {
    let (m, k) = a.shape();
    let (kb, n) = b.shape();
    assert_eq!(k, kb, "matmul: inner dimensions differ");
    assert!(a.stride >= a.cols, "matmul: a's rows overlap");
    assert!(b.stride >= b.cols, "matmul: b's rows overlap");
    assert!(a.data.len() >= a.span(), "matmul: a is too short");
    assert!(b.data.len() >= b.span(), "matmul: b is too short");
    assert!(c.len() >= m * n, "matmul: c is too short");
    let (a_rs, a_cs) = a.strides();
    let (b_rs, b_cs) = b.strides();
    let parallelism = match threads {
        Threads::One => gemm::Parallelism::None,
        Threads::Rayon(n) => gemm::Parallelism::Rayon(n),
    };
    let read_c = beta.to_f64() != 0.0;
    // SAFETY: the asserts above keep every index the strides reach inside
    // the three slices (a: (rows-1)*stride + cols - 1 < len, likewise b;
    // c: (m-1)*n + n - 1 < len); `c` is borrowed mutably, so it aliases
    // neither input; `T` is f32 or f64 (the only `Scalar`s), which
    // `gemm::gemm` supports. The crate computes
    // dst <- alpha_gemm * dst + beta_gemm * lhs * rhs, hence the swapped
    // names.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            read_c,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            beta,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every transpose combination against the triple loop; integer-valued
    /// entries keep every sum exact, so equality is exact.
    #[test]
    fn matches_triple_loop() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i % 5) as f64 - 2.0).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i % 7) as f64 - 3.0).collect();
        let at: Vec<f64> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        let mut want = vec![1.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let dot: f64 = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
                want[i * n + j] = 2.0 * dot + 3.0;
            }
        }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let am = if ta {
                MatRef::t(&at, k, m)
            } else {
                MatRef::new(&a, m, k)
            };
            let bm = if tb {
                MatRef::t(&bt, n, k)
            } else {
                MatRef::new(&b, k, n)
            };
            let mut c = vec![1.0; m * n];
            matmul(am, bm, &mut c, 2.0, 3.0, Threads::One);
            assert!(
                c.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-12),
                "transposes ({ta}, {tb})"
            );
        }
    }

    /// A block of columns read in place (`with_stride`) gives the product
    /// of the same block copied out, used as itself and transposed.
    #[test]
    fn column_block_in_place_matches_its_copy() {
        let (rows, wide, first, cols) = (4, 9, 2, 5);
        let a: Vec<f64> = (0..rows * wide).map(|i| (i % 7) as f64 - 3.0).collect();
        let block: Vec<f64> = (0..rows)
            .flat_map(|r| a[r * wide + first..r * wide + first + cols].to_vec())
            .collect();
        let x: Vec<f64> = (0..rows * cols).map(|i| (i % 5) as f64 - 2.0).collect();
        let in_place = MatRef::new(&a[first..], rows, cols).with_stride(wide);
        let copied = MatRef::new(&block, rows, cols);
        let in_place_t = MatRef::t(&a[first..], rows, cols).with_stride(wide);
        let copied_t = MatRef::t(&block, rows, cols);
        let product = |m: MatRef<'_, f64>, other: MatRef<'_, f64>, len: usize| {
            let mut c = vec![0.0; len];
            matmul(m, other, &mut c, 1.0, 0.0, Threads::One);
            c
        };
        // block^T (cols x rows) times x (rows x cols), and block (rows x
        // cols) times x^T (cols x rows).
        let xm = MatRef::new(&x, rows, cols);
        let xt = MatRef::t(&x, rows, cols);
        assert_eq!(
            product(in_place_t, xm, cols * cols),
            product(copied_t, xm, cols * cols)
        );
        assert_eq!(
            product(in_place, xt, rows * rows),
            product(copied, xt, rows * rows)
        );
    }
}
