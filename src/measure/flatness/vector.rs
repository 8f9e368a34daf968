//! The few dense vector kernels the flatness measures share (slices, no
//! allocation).

/// The Euclidean inner product `a . b` (equal lengths).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The Euclidean norm `||a||_2`.
#[inline]
pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `y += a x` (equal lengths).
#[inline]
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += a * xi);
}

/// `out = x + s d`, elementwise (equal lengths).
#[inline]
pub(crate) fn shifted(x: &[f64], s: f64, d: &[f64], out: &mut [f64]) {
    debug_assert_eq!(x.len(), d.len());
    out.iter_mut()
        .zip(x.iter().zip(d))
        .for_each(|(o, (xi, di))| *o = xi + s * di);
}
