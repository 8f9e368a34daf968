//! Stochastic differential equations: problems, schemes, ensembles, events.
//!
//! Problem, method and run are three things (as in SciML's `solve(prob, alg)`
//! and diffrax's `diffeqsolve`): an [`Sde`] is data (drift and diffusion), a
//! scheme is a small `Clone + Debug` config that advances one path by one
//! step, and one driver ([`ensemble::run`]) owns the loop, the seeding, the
//! events and the observers.
//!
//! Every scheme declares its strong and weak order ([`SchemeInfo`]); the
//! order tests and `perturbo order` read those declarations and compare them
//! with fitted log-log slopes.

pub mod baoab;
pub mod brownian_path;
pub mod ensemble;
pub mod euler_maruyama;
pub mod event;
pub mod gradient_flow;
pub mod heun;
pub mod milstein;
pub mod scheme_kind;
pub mod test_problems;
pub mod underdamped;

pub use baoab::Baoab;
pub use brownian_path::BrownianPath;
pub use ensemble::{EnsembleConfig, EnsembleResult, Observer, Outcome, PathRecord};
pub use euler_maruyama::EulerMaruyama;
pub use event::{Event, ExitRegion, HalfSpace, Never};
pub use heun::StochasticHeun;
pub use milstein::Milstein;
pub use scheme_kind::SchemeKind;
pub use underdamped::{MomentumNoise, UnderdampedLangevin};

use crate::error::Result;
use crate::landscape::Gradient;
use crate::noise::Diffusion;

/// An SDE `dX = f(X, t) dt + G(X, t) dN_t` in `R^dim`, driven by a noise
/// process `N` chosen at run time.
pub trait Sde: Sync + Send {
    /// The diffusion coefficient's type.
    type Diffusion: Diffusion;
    /// Dimension of the state.
    fn dim(&self) -> usize;
    /// Writes the drift `f(x, t)` into `out`.
    fn drift(&self, x: &[f64], t: f64, out: &mut [f64]);
    /// The drift of a block of states stored path after path (`xs.len()` a
    /// multiple of `dim`). The default calls [`Sde::drift`] per path; after
    /// inlining, a low-dimensional drift becomes a loop the compiler vectorises.
    #[inline]
    fn drift_block(&self, xs: &[f64], t: f64, out: &mut [f64]) {
        let d = self.dim();
        for (x, o) in xs.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            self.drift(x, t, o);
        }
    }
    /// The diffusion coefficient `G`.
    fn diffusion(&self) -> &Self::Diffusion;
}

/// The perturbed gradient flow `dX = -grad V(X) dt + G(X, t) dN_t`.
#[derive(Debug, Clone)]
pub struct PerturbedFlow<L, G> {
    landscape: L,
    diffusion: G,
}

impl<L: Gradient, G: Diffusion> PerturbedFlow<L, G> {
    /// The flow of landscape `landscape` perturbed through `diffusion`.
    pub fn new(landscape: L, diffusion: G) -> Result<Self> {
        crate::error::ensure_dim("diffusion vs landscape", landscape.dim(), diffusion.dim())?;
        Ok(Self {
            landscape,
            diffusion,
        })
    }

    /// The landscape `V`.
    pub fn landscape(&self) -> &L {
        &self.landscape
    }
}

impl<L: Gradient, G: Diffusion> Sde for PerturbedFlow<L, G> {
    type Diffusion = G;

    fn dim(&self) -> usize {
        self.landscape.dim()
    }

    #[inline]
    fn drift(&self, x: &[f64], _t: f64, out: &mut [f64]) {
        self.landscape.gradient(x, out);
        for o in out.iter_mut() {
            *o = -*o;
        }
    }

    #[inline]
    fn drift_block(&self, xs: &[f64], _t: f64, out: &mut [f64]) {
        self.landscape.gradient_block(xs, out);
        for o in out.iter_mut() {
            *o = -*o;
        }
    }

    fn diffusion(&self) -> &G {
        &self.diffusion
    }
}

/// Which stochastic integral a scheme converges to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Calculus {
    /// Ito (Euler-Maruyama, Milstein).
    Ito,
    /// Stratonovich (stochastic Heun); equal to Ito for additive noise.
    Stratonovich,
}

/// What a scheme declares about itself; the order tests read it.
pub trait SchemeInfo {
    /// Short name, as used on the command line.
    fn name(&self) -> &'static str;
    /// Declared strong order (root-mean-square error at a fixed time against
    /// step size), under the scheme's stated assumptions.
    fn strong_order(&self) -> f64;
    /// Declared weak order (error of expectations of smooth functions).
    fn weak_order(&self) -> f64;
    /// The calculus the scheme converges to.
    fn calculus(&self) -> Calculus;
    /// Drift (gradient) evaluations per step, so cost comparisons are fair.
    fn drift_evals_per_step(&self) -> usize;
}

/// Scratch buffers for a step; allocated once per block of paths so the
/// step itself allocates nothing.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Buffers of length `paths * max(dim, noise_dim)`; a one-path step uses
    /// the first `max(dim, noise_dim)` entries.
    pub buffers: [Vec<f64>; 4],
}

impl Workspace {
    /// Scratch for `paths` states of dimension `dim` driven by noise of
    /// dimension `noise_dim`.
    pub fn new(dim: usize, noise_dim: usize, paths: usize) -> Self {
        let n = dim.max(noise_dim) * paths.max(1);
        Self {
            buffers: std::array::from_fn(|_| vec![0.0; n]),
        }
    }
}

/// A one-step method for problems of type `S`.
pub trait Scheme<S: ?Sized>: SchemeInfo + Clone + std::fmt::Debug + Sync + Send {
    /// Rejects a problem the scheme cannot integrate (for example Milstein on
    /// noise that is not diagonal).
    fn validate(&self, sde: &S) -> Result<()>;
    /// Advances `x` from `t` to `t + dt` given the noise increment `dn`.
    fn step(&self, sde: &S, x: &mut [f64], t: f64, dt: f64, dn: &[f64], ws: &mut Workspace);
    /// Advances `paths` paths stored path after path: `xs` holds their states
    /// (each of the same length) and `dns` their increments. The default steps
    /// each path with [`Scheme::step`]; a scheme overrides it when a
    /// whole-block form lets the compiler vectorise.
    #[allow(clippy::too_many_arguments)]
    fn step_block(
        &self,
        sde: &S,
        xs: &mut [f64],
        dns: &[f64],
        paths: usize,
        t: f64,
        dt: f64,
        ws: &mut Workspace,
    ) {
        let (d, m) = (xs.len() / paths, dns.len() / paths);
        for (x, dn) in xs.chunks_exact_mut(d).zip(dns.chunks_exact(m)) {
            self.step(sde, x, t, dt, dn, ws);
        }
    }
}
