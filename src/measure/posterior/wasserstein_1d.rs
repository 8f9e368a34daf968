//! One-dimensional 2-Wasserstein distances by the quantile coupling.
//!
//! On the real line the optimal coupling of two laws with quantile
//! functions `F^{-1}`, `G^{-1}` is the monotone one, so
//! `W2^2(F, G) = int_0^1 (F^{-1}(u) - G^{-1}(u))^2 du` (Villani, "Topics in
//! Optimal Transportation", 2003, Section 2.2; Bobkov and Ledoux,
//! "One-dimensional empirical measures, order statistics, and Kantorovich
//! transport distances", Mem. AMS 261, 2019, Section 2). For empirical laws
//! the quantile functions are step functions of the sorted samples, and the
//! integral is computed exactly, piece by piece.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};

use crate::error::{ensure_finite, ensure_positive, Error, Result};

/// A sorted copy of a non-empty, finite sample.
fn sorted(name: &'static str, sample: &[f64]) -> Result<Vec<f64>> {
    if sample.is_empty() {
        return Err(Error::OutOfRange {
            name,
            value: 0.0,
            expected: "a non-empty sample",
        });
    }
    for &x in sample {
        ensure_finite(name, x)?;
    }
    let mut s = sample.to_vec();
    s.sort_by(f64::total_cmp);
    Ok(s)
}

/// `W2` between the empirical laws of two samples (sizes may differ):
/// `int_0^1 (a_(ceil(u n)) - b_(ceil(u m)))^2 du`, summed over the pieces
/// between consecutive breakpoints `i/n` and `j/m` (compared in integers,
/// so the pieces are exact). `O((n + m) log(n + m))`.
///
/// Errors: an empty sample or a non-finite value.
pub fn w2_samples(a: &[f64], b: &[f64]) -> Result<f64> {
    let (a, b) = (sorted("sample a", a)?, sorted("sample b", b)?);
    let (n, m) = (a.len(), b.len());
    let (mut i, mut j, mut u, mut sum) = (0, 0, 0.0, 0.0);
    while i < n && j < m {
        // Next breakpoint: min((i + 1) / n, (j + 1) / m).
        let (left, right) = ((i + 1) * m, (j + 1) * n);
        let next = if left <= right {
            (i + 1) as f64 / n as f64
        } else {
            (j + 1) as f64 / m as f64
        };
        let d = a[i] - b[j];
        sum += (next - u) * d * d;
        u = next;
        if left <= right {
            i += 1;
        }
        if right <= left {
            j += 1;
        }
    }
    Ok(sum.max(0.0).sqrt())
}

/// `W2` between the empirical law of a sample and `N(mean, sd^2)`.
///
/// With `G^{-1}(u) = mean + sd Phi^{-1}(u)`, the piece
/// `u in [i/n, (i+1)/n]` of width `h = 1/n` contributes
/// `h (y_i - sd c_i)^2 + sd^2 (J_i - h c_i^2)`, where `y_i = x_(i) - mean`,
/// `c_i = I_i / h` is the mean of `Phi^{-1}` on the piece and
/// `I_i = int Phi^{-1} du = phi(z_lo) - phi(z_hi)`,
/// `J_i = int Phi^{-1}(u)^2 du = h + z_lo phi(z_lo) - z_hi phi(z_hi)` for
/// `z = Phi^{-1}` at the ends (substitute `u = Phi(z)`:
/// `int z phi = -phi`, `int z^2 phi = Phi - z phi`). The second term is
/// the (non-negative) variance of the Gaussian quantile within the piece.
///
/// Errors: an empty sample, a non-finite value, `sd` not positive and
/// finite, a non-finite `mean`.
pub fn w2_to_normal(sample: &[f64], mean: f64, sd: f64) -> Result<f64> {
    ensure_finite("mean", mean)?;
    ensure_positive("sd", sd)?;
    let x = sorted("sample", sample)?;
    let n = x.len();
    let std = Normal::standard();
    let h = 1.0 / n as f64;
    // z phi(z) and phi(z) at z = Phi^{-1}(k / n), both zero at k = 0 and n.
    let ends = |k: usize| -> (f64, f64) {
        if k == 0 || k == n {
            return (0.0, 0.0);
        }
        let z = std.inverse_cdf(k as f64 * h);
        let phi = std.pdf(z);
        (phi, z * phi)
    };
    let mut lo = ends(0);
    let mut sum = 0.0;
    for (i, xi) in x.iter().enumerate() {
        let hi = ends(i + 1);
        let int1 = lo.0 - hi.0;
        let int2 = h + lo.1 - hi.1;
        let c = int1 / h;
        let y = xi - mean - sd * c;
        sum += h * y * y + sd * sd * (int2 - h * c * c).max(0.0);
        lo = hi;
    }
    Ok(sum.max(0.0).sqrt())
}
