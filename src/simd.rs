//! Run-time dispatch of hot loops to the widest vector instructions the CPU
//! offers, so binaries built for the baseline `x86_64` target stay portable
//! while loops the compiler vectorises run on 256- or 512-bit registers
//! where they exist (DESIGN: "it still dispatches at run time").
//!
//! [`widest`] runs a closure inside a function compiled with AVX-512F (or
//! AVX2) enabled; code inlined into it is compiled again for that
//! instruction set. Inlining must be forced: callers mark the closure and
//! the function it calls `#[inline(always)]` (with plain `#[inline]`, the
//! per-sample writer stayed a separate baseline function and ran on 16-byte
//! vectors). Code that is not inlined (a library's sampler, say) keeps the
//! baseline instructions. Only the width of the vectors
//! changes: the compiler neither reorders floating-point operations nor
//! fuses a multiply and an add without being told to, and neither feature
//! set enables FMA here, so every level computes the same roundings in the
//! same order and results are bit-identical whichever level runs (tested
//! through [`at_level`]).

/// An instruction-set level a kernel can be compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The target's baseline (SSE2 on `x86_64`).
    Baseline,
    /// AVX2: 256-bit integer and floating-point vectors.
    Avx2,
    /// AVX-512F: 512-bit vectors.
    Avx512,
}

impl Level {
    /// Every level this CPU can run, baseline first.
    pub fn available() -> Vec<Level> {
        [Level::Baseline, Level::Avx2, Level::Avx512]
            .into_iter()
            .filter(|level| level.is_available())
            .collect()
    }

    /// Whether this CPU has the level's instructions.
    pub fn is_available(self) -> bool {
        match self {
            Level::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => std::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest level this CPU can run.
    pub fn widest() -> Level {
        [Level::Avx512, Level::Avx2]
            .into_iter()
            .find(|level| level.is_available())
            .unwrap_or(Level::Baseline)
    }
}

/// Runs `kernel` compiled for the widest level this CPU has.
#[inline]
pub fn widest<R>(kernel: impl FnOnce() -> R) -> R {
    at_level(Level::widest(), kernel)
}

/// Runs `kernel` compiled for `level`.
///
/// # Panics
/// If the CPU lacks `level`'s instructions (a bug of the caller: ask
/// [`Level::is_available`] first).
#[inline]
pub fn at_level<R>(level: Level, kernel: impl FnOnce() -> R) -> R {
    assert!(
        level.is_available(),
        "{level:?} is not available on this CPU"
    );
    match level {
        Level::Baseline => kernel(),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: AVX2 was checked to be present just above.
        Level::Avx2 => unsafe { on_avx2(kernel) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: AVX-512F was checked to be present just above.
        Level::Avx512 => unsafe { on_avx512(kernel) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("only the baseline is available off x86_64"),
    }
}

/// `kernel()` compiled with AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn on_avx2<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}

/// `kernel()` compiled with AVX-512F.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn on_avx512<R>(kernel: impl FnOnce() -> R) -> R {
    kernel()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_is_always_available_and_first() {
        let levels = Level::available();
        assert_eq!(levels[0], Level::Baseline);
        assert!(levels.contains(&Level::widest()));
    }

    /// A vectorisable loop of products and sums whose result depends on
    /// the order and rounding of every operation.
    #[inline(always)]
    fn order_sensitive_sums(xs: &[f64]) -> [u64; 4] {
        let mut acc = [0.0f64; 4];
        for chunk in xs.chunks_exact(4) {
            for (a, &x) in acc.iter_mut().zip(chunk) {
                *a += x * 1.000_000_1 + x * x;
            }
        }
        acc.map(f64::to_bits)
    }

    #[test]
    fn every_level_computes_the_same_bits() {
        let xs: Vec<f64> = (0..1000).map(|k| (k as f64 * 0.37).sin()).collect();
        let baseline = order_sensitive_sums(&xs);
        for level in Level::available() {
            let at = at_level(
                level,
                #[inline(always)]
                || order_sensitive_sums(&xs),
            );
            assert_eq!(at, baseline, "{level:?}");
        }
    }
}
