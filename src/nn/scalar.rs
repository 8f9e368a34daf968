//! The floating-point types the engine runs on.
//!
//! Training runs in `f32` (the GEMM rate doubles over `f64`); the same code
//! instantiated at `f64` is the reference that derivative checks compare
//! finite differences against, where `f32` rounding would swamp a central
//! difference. Only `f32` and `f64` implement [`Scalar`], which is what
//! makes the type dispatch in [`crate::nn::gemm`] total.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub};

/// A floating-point element type of the network engine (`f32` or `f64`).
pub trait Scalar:
    Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + MulAssign
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The nearest value to `x` (a rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// The exact value as `f64`.
    fn to_f64(self) -> f64;
    /// `e^self`.
    fn exp(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// `dst <- src` with streaming stores where the target has them (see
    /// [`crate::nn::stream`]); call [`crate::nn::stream::fence`] before the
    /// values are read elsewhere.
    fn stream_copy(dst: &mut [Self], src: &[Self]);
    /// `dst[r * x.len() + j] <- a[r] * x[j]` with streaming stores (see
    /// [`crate::nn::stream::outer_into`]).
    fn stream_outer(dst: &mut [Self], a: &[Self], x: &[Self]);
}

macro_rules! impl_scalar {
    ($t:ty, $stream_copy:path, $stream_outer:path) => {
        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn stream_copy(dst: &mut [Self], src: &[Self]) {
                $stream_copy(dst, src)
            }
            #[inline(always)]
            fn stream_outer(dst: &mut [Self], a: &[Self], x: &[Self]) {
                $stream_outer(dst, a, x)
            }
        }
    };
}

impl_scalar!(f32, super::stream::copy_f32, super::stream::outer_f32);
impl_scalar!(f64, super::stream::copy_f64, super::stream::outer_staged);
