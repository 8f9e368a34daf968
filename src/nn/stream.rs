//! Row-major outer products written with streaming stores, for outputs too
//! large to stay in cache.
//!
//! The per-sample gradients of a batch (W5 of `BENCHMARKS.md`: 256 samples
//! of W2a's MLP, 548 MB) are written once and not read back by the pass
//! that writes them. An ordinary store first reads each cache line it
//! writes (read for ownership), so writing costs twice the memory traffic;
//! x86's streaming stores (`movntps`/`movntpd`, SSE and SSE2, present on
//! every `x86_64` CPU, so no run-time check is needed) write whole lines
//! without reading them. They pay off only on whole lines: a line that
//! also takes an ordinary store is flushed half-written. A sample's rows
//! do not start on line boundaries (a row of the output is the network's
//! dimension long), so the portable `outer_staged` computes the product in
//! pieces in a small buffer that stays in the first-level cache and streams
//! each piece out from a line boundary on. On this machine kind, writing 256
//! samples' dense-layer blocks ran at about 5 GB/s with ordinary stores, the
//! same with streaming stores row by row (rows off the line boundaries), and
//! about 11 GB/s streamed from line boundaries (a loaded machine; 33 GB/s on
//! a quiet one). Where the CPU has AVX-512 (checked at run time), `f32`
//! products are computed straight into 64-byte registers and streamed from
//! there, each line that straddles two rows assembled from two masked loads
//! (`outer_f32`): 41 to 43 GB/s on two threads in the same quiet run, the
//! rate of a plain streaming fill. Each value is the same single rounded
//! product on every path, so results are unchanged. Other targets use
//! ordinary copies.
//!
//! Streaming stores are weakly ordered: a writer calls [`fence`] once its
//! stores are done, before anyone else may read them.

use super::scalar::Scalar;

/// The streamed copy shared by every vector width: ordinary stores up to
/// the first `align`-byte boundary of `dst` (the vector's size) and after
/// its last whole vector of `lanes` values, streaming stores in between.
#[cfg(target_arch = "x86_64")]
macro_rules! streamed {
    ($dst:ident, $src:ident, $align:expr, $lanes:expr, $load:ident, $stream:ident) => {{
        assert_eq!($dst.len(), $src.len(), "stream copy: lengths differ");
        let head = $dst.as_ptr().align_offset($align).min($dst.len());
        let body = ($dst.len() - head) / $lanes * $lanes;
        let (d_head, rest) = $dst.split_at_mut(head);
        let (d_body, d_tail) = rest.split_at_mut(body);
        let (s_head, rest) = $src.split_at(head);
        let (s_body, s_tail) = rest.split_at(body);
        d_head.copy_from_slice(s_head);
        d_tail.copy_from_slice(s_tail);
        // SAFETY: `d_body` starts on an `align`-byte boundary
        // (`align_offset`) and holds `body`, a multiple of `lanes`,
        // elements, as does `s_body`; every access at `k..k + lanes` with
        // `k < body` stays inside them; the unaligned load has no alignment
        // requirement, the streaming store's (the vector's size) is met; the
        // caller guarantees the instructions exist (SSE and SSE2 are part of
        // x86_64; AVX-512 is checked at run time).
        unsafe {
            for k in (0..body).step_by($lanes) {
                $stream(d_body.as_mut_ptr().add(k), $load(s_body.as_ptr().add(k)));
            }
        }
    }};
}

/// Bytes of a cache line (the pieces of [`outer_into`] start on them).
const LINE: usize = 64;

/// Bytes of one piece of [`outer_staged`]: 16 KiB, well inside the
/// first-level data cache next to the operands.
const PIECE_BYTES: usize = 16 * 1024;

/// `dst[r * x.len() + j] <- a[r] * x[j]` (the row-major outer product
/// `a x^T`), written with streaming stores (see the module documentation).
///
/// # Panics
/// If `dst` is not `a.len() * x.len()` long (a bug of the caller).
#[inline(always)]
pub fn outer_into<T: Scalar>(dst: &mut [T], a: &[T], x: &[T]) {
    assert_eq!(dst.len(), a.len() * x.len(), "outer_into: wrong length");
    T::stream_outer(dst, a, x);
}

/// [`outer_into`] for `f32`: straight from 64-byte registers where the CPU
/// has AVX-512 and rows are at least a vector long (so a line straddles at
/// most two rows), else [`outer_staged`].
pub(crate) fn outer_f32(dst: &mut [f32], a: &[f32], x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if x.len() >= 16 && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: AVX-512F was detected just above; rows are >= 16 long.
        unsafe { outer_f32_avx512(dst, a, x) };
        return;
    }
    outer_staged(dst, a, x);
}

/// [`outer_into`] for `f32` in 16-lane registers: ordinary stores up to the
/// first line boundary of `dst` and after its last whole line; in between,
/// each line `a[r] * x[j..j + 16]` (an unaligned load of `x`), or for a
/// line that ends row `r` after `k` values, lanes `0..k` from row `r` and
/// lanes `k..16` from row `r + 1` (two masked loads; masked-off lanes are
/// neither read nor able to fault), streamed.
///
/// # Safety
/// The CPU must have AVX-512F; `x.len() >= 16`; `dst.len() == a.len() *
/// x.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn outer_f32_avx512(dst: &mut [f32], a: &[f32], x: &[f32]) {
    use std::arch::x86_64::{
        _mm512_loadu_ps, _mm512_mask_blend_ps, _mm512_maskz_loadu_ps, _mm512_mul_ps,
        _mm512_set1_ps, _mm512_stream_ps,
    };
    const LANES: usize = 16;
    let n = x.len();
    let value = |e: usize| a[e / n] * x[e % n];
    let head = dst.as_ptr().align_offset(LINE).min(dst.len());
    let body_end = head + (dst.len() - head) / LANES * LANES;
    for e in (0..head).chain(body_end..dst.len()) {
        dst[e] = value(e);
    }
    let (mut r, mut j) = (head / n, head % n);
    let out = dst.as_mut_ptr();
    let xp = x.as_ptr();
    for e in (head..body_end).step_by(LANES) {
        let left = n - j;
        // SAFETY: `e` is a line boundary inside `dst` (`align_offset`,
        // steps of one line, `e + 16 <= body_end <= dst.len()`). Lanes read
        // from row `r` are `x[j..j + min(left, 16)]`; a line that passes the
        // end of row `r` holds row `r + 1`'s first `16 - left` values, read
        // as lanes `left..16` of `x - left`, i.e. `x[0..16 - left]`; row
        // `r + 1` exists because the line ends inside `dst`. Masked-off
        // lanes are not accessed.
        let v = unsafe {
            if left >= LANES {
                _mm512_mul_ps(_mm512_set1_ps(a[r]), _mm512_loadu_ps(xp.add(j)))
            } else {
                let this_row = (1u16 << left) - 1;
                let lo = _mm512_mul_ps(
                    _mm512_set1_ps(a[r]),
                    _mm512_maskz_loadu_ps(this_row, xp.add(j)),
                );
                let hi = _mm512_mul_ps(
                    _mm512_set1_ps(a[r + 1]),
                    _mm512_maskz_loadu_ps(!this_row, xp.wrapping_sub(left)),
                );
                _mm512_mask_blend_ps(this_row, hi, lo)
            }
        };
        // SAFETY: as above; the line `e..e + 16` is inside `dst` and
        // 64-byte aligned.
        unsafe { _mm512_stream_ps(out.add(e), v) };
        j += LANES;
        if j >= n {
            (r, j) = (r + 1, j - n);
        }
    }
}

/// [`outer_into`] on any target: the product computed in pieces in a small
/// buffer in the first-level cache, each streamed out from a line boundary
/// on (see the module documentation).
#[inline(always)]
pub(crate) fn outer_staged<T: Scalar>(dst: &mut [T], a: &[T], x: &[T]) {
    let n = x.len();
    if n == 0 {
        return;
    }
    let size = std::mem::size_of::<T>();
    let piece = PIECE_BYTES / size;
    let mut stage = [T::ZERO; PIECE_BYTES / 4];
    let head = (dst.as_ptr().align_offset(LINE)).min(dst.len());
    let mut start = 0;
    let mut end = head;
    while start < dst.len() {
        if end == start {
            end = (start + piece).min(dst.len());
        }
        let stage = &mut stage[..end - start];
        let (mut r, mut j) = (start / n, start % n);
        let mut k = 0;
        while k < stage.len() {
            let run = (n - j).min(stage.len() - k);
            for (s, &v) in stage[k..k + run].iter_mut().zip(&x[j..j + run]) {
                *s = a[r] * v;
            }
            k += run;
            (r, j) = (r + 1, 0);
        }
        T::stream_copy(&mut dst[start..end], stage);
        start = end;
    }
}

/// `dst <- src` for `f32`, streamed from the first vector boundary of
/// `dst` to its last whole vector, ordinary stores around: 64-byte vectors
/// where the CPU has AVX-512 (checked at run time; about 10% faster than
/// 16-byte ones in a fill of 548 MB, 18.4 against 16.8 GB/s on two
/// threads), else 16-byte SSE vectors.
///
/// # Panics
/// If the lengths differ (a bug of the caller).
pub(crate) fn copy_f32(dst: &mut [f32], src: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected just above.
            unsafe { copy_f32_avx512(dst, src) };
            return;
        }
        use std::arch::x86_64::{_mm_loadu_ps, _mm_stream_ps};
        streamed!(dst, src, 16, 4, _mm_loadu_ps, _mm_stream_ps);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// [`copy_f32`] with 64-byte AVX-512 vectors.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn copy_f32_avx512(dst: &mut [f32], src: &[f32]) {
    use std::arch::x86_64::{_mm512_loadu_ps, _mm512_stream_ps};
    streamed!(dst, src, 64, 16, _mm512_loadu_ps, _mm512_stream_ps);
}

/// `dst <- src` for `f64`, as [`copy_f32`] with SSE2 vectors only (the
/// `f64` engine is the derivative checks' reference, not a hot path).
///
/// # Panics
/// If the lengths differ (a bug of the caller).
pub(crate) fn copy_f64(dst: &mut [f64], src: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd};
        streamed!(dst, src, 16, 2, _mm_loadu_pd, _mm_stream_pd);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Orders the streaming stores issued so far before any later store (a
/// no-op off `x86_64`).
pub fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sfence` (SSE, always present on x86_64) has no operands and
    // touches no memory of ours.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row lengths around the vector size (16 `f32`): shorter rows (several
    /// rows per line, the staged path), exactly one vector, one more, and
    /// long rows spanning several pieces with a ragged end.
    const ROW_LENGTHS: [usize; 5] = [5, 16, 17, 100, 1001];

    /// `a x^T` by the plain loop, as bits.
    fn plain<T: Scalar>(a: &[T], x: &[T], bits: impl Fn(T) -> u64) -> Vec<u64> {
        a.iter()
            .flat_map(|&ai| x.iter().map(move |&xj| ai * xj))
            .map(bits)
            .collect()
    }

    /// Runs `write` into `dst` at every start alignment of a line and checks
    /// the plain product bit for bit (each entry is one rounded product on
    /// every path).
    fn check_writer<T: Scalar>(
        write: impl Fn(&mut [T], &[T], &[T]),
        bits: impl Fn(T) -> u64 + Copy,
        nan: T,
    ) {
        for n in ROW_LENGTHS {
            let a: Vec<T> = (0..7).map(|i| T::from_f64(0.3 * i as f64 - 1.1)).collect();
            let x: Vec<T> = (0..n)
                .map(|j| T::from_f64((j % 13) as f64 * 0.17 - 0.9))
                .collect();
            let want = plain(&a, &x, bits);
            let mut buf = vec![nan; a.len() * n + 32];
            for offset in 0..17 {
                let dst = &mut buf[offset..offset + a.len() * n];
                write(dst, &a, &x);
                fence();
                assert!(
                    dst.iter().map(|&v| bits(v)).eq(want.iter().copied()),
                    "row length {n}, offset {offset}"
                );
            }
        }
    }

    /// Both paths (the AVX-512 one where the CPU has it, and the staged one)
    /// and both types write exactly the plain product, at every vector width
    /// the CPU offers (the per-sample writer runs under
    /// [`crate::simd::widest`]).
    #[test]
    fn outer_product_matches_the_plain_loop() {
        for level in crate::simd::Level::available() {
            crate::simd::at_level(level, outer_product_matches_at_this_width);
        }
    }

    #[inline(always)]
    fn outer_product_matches_at_this_width() {
        let f32_bits = |v: f32| u64::from(v.to_bits());
        check_writer(outer_into::<f32>, f32_bits, f32::NAN);
        check_writer(outer_staged::<f32>, f32_bits, f32::NAN);
        check_writer(outer_into::<f64>, f64::to_bits, f64::NAN);
    }
}
