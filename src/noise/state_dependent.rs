//! A user-given diagonal state-dependent diffusion.

use std::cell::RefCell;

use super::{Diffusion, Structure};
use crate::error::Result;

thread_local! {
    /// Per-thread scratch for `D(x)` in `variance_along`, so the call
    /// allocates nothing once the scratch has grown to the dimension.
    static DIAGONAL: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// The diffusion with diagonal matrix `D(x) = diag(D_11(x), ..., D_nn(x))`
/// given by a user function, and `G(x) = diag(sqrt(2 D_ii(x)))`, so the
/// noise term `G dW` has covariance `2 D(x) dt`.
///
/// `d(x, out)` writes `D_ii(x)` (non-negative; a negative value makes `G`
/// NaN, which the ensemble driver reports as a divergence). By default the
/// structure is [`Structure::General`], since `D_ii` may depend on every
/// coordinate. [`StateDependent::with_derivative`] adds `dD_ii / dx_i` and
/// declares [`Structure::Diagonal`] (the caller asserts that `D_ii` depends
/// on `x_i` only), which lets Milstein run: then
/// `d g_i / d x_i = D_ii' / sqrt(2 D_ii)`, taken as 0 where `D_ii = 0`
/// (there `sqrt(2 D_ii)` is not differentiable).
pub struct StateDependent<F, DF = fn(&[f64], &mut [f64])> {
    dim: usize,
    d: F,
    derivative: Option<DF>,
}

impl<F> StateDependent<F>
where
    F: Fn(&[f64], &mut [f64]) + Sync + Send,
{
    /// The diffusion in `R^dim` (at least 1) with diagonal `D(x)` written by `d`.
    pub fn new(dim: usize, d: F) -> Result<Self> {
        super::Brownian::new(dim)?;
        Ok(Self {
            dim,
            d,
            derivative: None,
        })
    }
}

impl<F, DF> StateDependent<F, DF> {
    /// The same diffusion with `derivative(x, out)` writing `dD_ii / dx_i`,
    /// declaring that `D_ii` depends on `x_i` only ([`Structure::Diagonal`]).
    pub fn with_derivative<DF2>(self, derivative: DF2) -> StateDependent<F, DF2>
    where
        DF2: Fn(&[f64], &mut [f64]) + Sync + Send,
    {
        StateDependent {
            dim: self.dim,
            d: self.d,
            derivative: Some(derivative),
        }
    }
}

impl<F, DF> std::fmt::Debug for StateDependent<F, DF> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDependent")
            .field("dim", &self.dim)
            .field("has_derivative", &self.derivative.is_some())
            .finish()
    }
}

impl<F, DF> Diffusion for StateDependent<F, DF>
where
    F: Fn(&[f64], &mut [f64]) + Sync + Send,
    DF: Fn(&[f64], &mut [f64]) + Sync + Send,
{
    fn dim(&self) -> usize {
        self.dim
    }

    fn noise_dim(&self) -> usize {
        self.dim
    }

    fn structure(&self) -> Structure {
        if self.derivative.is_some() {
            Structure::Diagonal
        } else {
            Structure::General
        }
    }

    #[inline]
    fn apply(&self, x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        (self.d)(x, out);
        for (o, d) in out.iter_mut().zip(dn) {
            *o = (2.0 * *o).sqrt() * d;
        }
    }

    fn diagonal(&self, x: &[f64], _t: f64, g: &mut [f64], dg: &mut [f64]) {
        let derivative = self
            .derivative
            .as_ref()
            .expect("diagonal() called on a StateDependent diffusion without a derivative");
        (self.d)(x, g);
        derivative(x, dg);
        for (gi, dgi) in g.iter_mut().zip(dg.iter_mut()) {
            *gi = (2.0 * *gi).sqrt();
            *dgi = if *gi > 0.0 { *dgi / *gi } else { 0.0 };
        }
    }

    fn variance_along(&self, x: &[f64], _t: f64, n: &[f64]) -> f64 {
        DIAGONAL.with(|cell| {
            let mut d = cell.borrow_mut();
            d.resize(self.dim, 0.0);
            (self.d)(x, &mut d);
            d.iter().zip(n).map(|(di, ni)| 2.0 * di * ni * ni).sum()
        })
    }
}
