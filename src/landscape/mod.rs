//! Objectives: anything with a loss, and the tractable landscapes.
//!
//! One capability trait per derivative order (value, gradient, Hessian), so
//! each algorithm states exactly what it needs in its `where` clause. The
//! landscapes here have analytic derivatives (checked against finite
//! differences in `tests/landscape_derivatives.rs`) and known critical
//! points, which the escape experiments and the theory read.
//!
//! Vectors are `&[f64]` slices so hot loops allocate nothing; the Hessian is
//! written into a caller-owned `nalgebra::DMatrix`.
//!
//! The landscapes, one file each with its formula and critical points:
//! [`Quadratic`], [`DoubleWell`], [`TiltedDoubleWell`],
//! [`TransverseDoubleWell`], [`SharpFlat`] (equal depths, unequal
//! curvatures), [`PiecewiseValley`] (exactly harmonic wells and barrier),
//! [`WideningValley`] (a continuum of minima of varying flatness),
//! [`StrictSaddle`] (saddle escape) and [`Quartic`] (exact Gaussian
//! smoothing).
//! [`parse`] builds any of them from a `name:key=value,...` spec into an
//! [`AnyLandscape`]; [`LANDSCAPE_HELP`] lists the specs.

pub mod double_well;
pub mod piecewise_valley;
pub mod quadratic;
pub mod quartic;
pub mod registry;
pub mod sharp_flat;
pub mod strict_saddle;
pub mod tilted_double_well;
pub mod transverse_double_well;
pub mod widening_valley;

pub use double_well::DoubleWell;
pub use piecewise_valley::PiecewiseValley;
pub use quadratic::Quadratic;
pub use quartic::Quartic;
pub use registry::{parse, AnyLandscape, LANDSCAPE_HELP};
pub use sharp_flat::SharpFlat;
pub use strict_saddle::StrictSaddle;
pub use tilted_double_well::TiltedDoubleWell;
pub use transverse_double_well::TransverseDoubleWell;
pub use widening_valley::WideningValley;

use nalgebra::DMatrix;

/// A loss on `R^dim`.
pub trait Objective: Sync + Send {
    /// Dimension of the parameter space.
    fn dim(&self) -> usize;
    /// The loss at `x` (`x.len() == self.dim()`).
    fn value(&self, x: &[f64]) -> f64;
}

/// An objective with an analytic gradient.
pub trait Gradient: Objective {
    /// Writes the gradient at `x` into `grad` (both of length `dim`).
    fn gradient(&self, x: &[f64], grad: &mut [f64]);
    /// The gradients of a block of points stored one after another
    /// (`xs.len()` a multiple of `dim`). The default calls
    /// [`Gradient::gradient`] per point; after inlining, a low-dimensional
    /// gradient becomes a loop the compiler vectorises.
    #[inline]
    fn gradient_block(&self, xs: &[f64], grads: &mut [f64]) {
        let d = self.dim();
        for (x, g) in xs.chunks_exact(d).zip(grads.chunks_exact_mut(d)) {
            self.gradient(x, g);
        }
    }
}

/// An objective with an analytic Hessian.
pub trait Hessian: Gradient {
    /// Writes the Hessian at `x` into `hess` (a `dim x dim` matrix).
    fn hessian(&self, x: &[f64], hess: &mut DMatrix<f64>);
}

/// A finite-sum objective `L(x) = (1/n) sum_i l_i(x)`: a loss averaged over
/// `n` samples, each with its own gradient.
///
/// This is what makes minibatch noise genuine rather than synthetic: a
/// minibatch gradient is the average of [`FiniteSum::sample_gradient`] over
/// the batch, and its covariance is the per-sample gradient covariance
/// divided by the batch size. [`Objective::value`] and
/// [`Gradient::gradient`] must be the full averages.
pub trait FiniteSum: Gradient {
    /// Number of samples `n`.
    fn samples(&self) -> usize;
    /// The loss `l_i(x)` of sample `i`.
    fn sample_value(&self, x: &[f64], i: usize) -> f64;
    /// Writes the gradient of `l_i` at `x` into `grad`.
    fn sample_gradient(&self, x: &[f64], i: usize, grad: &mut [f64]);
    /// The mean loss over the samples in `batch` (indices may repeat).
    fn batch_value(&self, x: &[f64], batch: &[usize]) -> f64 {
        batch.iter().map(|&i| self.sample_value(x, i)).sum::<f64>() / batch.len() as f64
    }
    /// Writes the mean gradient over `batch` into `grad`, using `scratch`
    /// (length `dim`) for one sample's gradient. Summation runs in batch order,
    /// so the result does not depend on threads.
    fn batch_gradient(&self, x: &[f64], batch: &[usize], grad: &mut [f64], scratch: &mut [f64]) {
        grad.fill(0.0);
        for &i in batch {
            self.sample_gradient(x, i, scratch);
            for (g, s) in grad.iter_mut().zip(scratch.iter()) {
                *g += s;
            }
        }
        let inv = 1.0 / batch.len() as f64;
        grad.iter_mut().for_each(|g| *g *= inv);
    }
}

/// A supervised finite sum whose samples have an input vector that the
/// inputs site may perturb (input noise, augmentation): `l_i(x) = l(x; a_i, y_i)`.
pub trait Supervised: FiniteSum {
    /// Length of each input vector `a_i`.
    fn input_dim(&self) -> usize;
    /// Writes the input `a_i` of sample `i` into `out` (`input_dim` long; a
    /// copy, so models that store inputs in `f32` widen them here).
    fn read_input(&self, i: usize, out: &mut [f64]);
    /// `l(x; a, y_i)`: sample `i`'s loss with its input replaced by `input`.
    fn value_at_input(&self, x: &[f64], i: usize, input: &[f64]) -> f64;
    /// Writes the gradient in `x` of `l(x; a, y_i)` into `grad`.
    fn gradient_at_input(&self, x: &[f64], i: usize, input: &[f64], grad: &mut [f64]);

    /// The minibatch gradient with replaced inputs,
    /// `(1/b) sum_k grad l(x; a'_k, y_{batch[k]})`, where `a'_k` is row `k`
    /// of `inputs` (`b x input_dim`, row-major). The default sums
    /// [`Supervised::gradient_at_input`] in batch order (`scratch` holds one
    /// sample's gradient); a model with a batched engine overrides it.
    fn batch_gradient_at_inputs(
        &self,
        x: &[f64],
        batch: &[usize],
        inputs: &[f64],
        grad: &mut [f64],
        scratch: &mut [f64],
    ) {
        grad.fill(0.0);
        for (&i, input) in batch.iter().zip(inputs.chunks_exact(self.input_dim())) {
            self.gradient_at_input(x, i, input, scratch);
            for (g, s) in grad.iter_mut().zip(scratch.iter()) {
                *g += s;
            }
        }
        let inv = 1.0 / batch.len() as f64;
        grad.iter_mut().for_each(|g| *g *= inv);
    }
}

/// Exact Hessian-vector products `H(x) v`, for flatness measures that never
/// form the Hessian (Lanczos, Hutchinson) on objectives too large for it.
pub trait HessianVector: Gradient {
    /// Writes `H(x) v` into `out` (all of length `dim`).
    fn hessian_vector(&self, x: &[f64], v: &[f64], out: &mut [f64]);
}

/// The kind of a critical point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CriticalKind {
    /// A local minimum (Hessian positive definite).
    Minimum,
    /// An index-1 saddle (one negative Hessian eigenvalue): a transition state.
    Saddle,
}

/// A known critical point of a landscape.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriticalPoint {
    /// Its location.
    pub x: Vec<f64>,
    /// Minimum or saddle.
    pub kind: CriticalKind,
}

/// A tractable landscape: analytic derivatives plus its known critical points.
///
/// Minima and saddles are listed in increasing order of the first coordinate;
/// for the multi-well landscapes saddle `i` separates minima `i` and `i + 1`.
pub trait Landscape: Hessian + std::fmt::Debug {
    /// Short name, as used on the command line.
    fn name(&self) -> &'static str;
    /// Local minima, ordered by first coordinate.
    fn minima(&self) -> Vec<Vec<f64>>;
    /// Index-1 saddles between consecutive minima, ordered by first coordinate.
    fn saddles(&self) -> Vec<Vec<f64>>;
}

/// `V''(x)` of a 1-D landscape, for the theory's 1-D formulas (Kramers
/// prefactors, state-dependent diffusion `D(x) ∝ |V''(x)|`).
///
/// Allocates one `1 x 1` matrix per call: meant for setup and quadrature, not
/// for per-step loops (those hold their own Hessian buffer).
///
/// # Panics
/// If `landscape.dim() != 1` (a programmer bug: callers check the dimension).
pub fn curvature_1d<L: Hessian + ?Sized>(landscape: &L, x: f64) -> f64 {
    assert_eq!(landscape.dim(), 1, "curvature_1d needs a 1-D landscape");
    let mut hess = DMatrix::zeros(1, 1);
    landscape.hessian(&[x], &mut hess);
    hess[(0, 0)]
}
