//! Run-time choice of the noise process and the diffusion.
//!
//! The command line picks both from a `name:key=value,...` spec; these enums
//! hold any of them behind one concrete type and forward every trait method
//! by `match`, so the schemes and the driver stay monomorphic.

use super::{
    AlphaStable, AntiCorrelated, Brownian, Diffusion, FullCovariance, Isotropic, NoiseProcess,
    OrnsteinUhlenbeck, OuState, Periodic, SgdLike, Structure,
};
use crate::error::{Error, Result};
use crate::landscape::Hessian;
use crate::rng::Rng;
use crate::spec::Spec;

/// The process names [`AnyProcess::from_spec`] accepts.
pub const PROCESS_NAMES: &str = "brownian, alpha-stable, anticorrelated, ou, periodic";

/// Any of the driving processes of this module.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyProcess {
    /// [`Brownian`] motion.
    Brownian(Brownian),
    /// The [`AlphaStable`] Levy process.
    AlphaStable(AlphaStable),
    /// [`AntiCorrelated`] (Anti-PGD) perturbations.
    AntiCorrelated(AntiCorrelated),
    /// [`OrnsteinUhlenbeck`] coloured noise.
    OrnsteinUhlenbeck(OrnsteinUhlenbeck),
    /// [`Periodic`] oscillation.
    Periodic(Periodic),
}

/// The per-path state of an [`AnyProcess`]: the state of the same variant.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyProcessState {
    /// Brownian motion has none.
    Brownian,
    /// The alpha-stable process has none.
    AlphaStable,
    /// The previous Anti-PGD draw.
    AntiCorrelated(Vec<f64>),
    /// The OU value and its cached step.
    OrnsteinUhlenbeck(OuState),
    /// The phase.
    Periodic(f64),
}

impl AnyProcess {
    /// [`Brownian`] motion in `R^dim`.
    pub fn brownian(dim: usize) -> Result<Self> {
        Ok(Self::Brownian(Brownian::new(dim)?))
    }

    /// The [`AlphaStable`] process in `R^dim` with index `alpha`.
    pub fn alpha_stable(dim: usize, alpha: f64) -> Result<Self> {
        Ok(Self::AlphaStable(AlphaStable::new(dim, alpha)?))
    }

    /// [`AntiCorrelated`] (Anti-PGD) perturbations in `R^dim`.
    pub fn anticorrelated(dim: usize) -> Result<Self> {
        Ok(Self::AntiCorrelated(AntiCorrelated::new(dim)?))
    }

    /// [`OrnsteinUhlenbeck`] coloured noise in `R^dim` with correlation time `tau`.
    pub fn ornstein_uhlenbeck(dim: usize, tau: f64) -> Result<Self> {
        Ok(Self::OrnsteinUhlenbeck(OrnsteinUhlenbeck::new(dim, tau)?))
    }

    /// [`Periodic`] oscillation in `R^dim` at angular frequency `omega`.
    pub fn periodic(dim: usize, omega: f64, random_phase: bool) -> Result<Self> {
        Ok(Self::Periodic(Periodic::new(dim, omega, random_phase)?))
    }

    /// The process of dimension `dim` described by `text`:
    /// `brownian`, `alpha-stable:alpha=A` (default 1.5), `anticorrelated`,
    /// `ou:tau=T` (default 0.1), `periodic:omega=W,random_phase=0|1`
    /// (defaults 1 and 1).
    pub fn from_spec(text: &str, dim: usize) -> Result<Self> {
        let mut spec = Spec::parse("noise", text)?;
        let name = spec.name().to_string();
        let (process, known): (Self, &[&str]) = match name.as_str() {
            "brownian" => (Self::brownian(dim)?, &[]),
            "alpha-stable" => (
                Self::alpha_stable(dim, spec.take_or("alpha", 1.5)?)?,
                &["alpha"],
            ),
            "anticorrelated" => (Self::anticorrelated(dim)?, &[]),
            "ou" => (
                Self::ornstein_uhlenbeck(dim, spec.take_or("tau", 0.1)?)?,
                &["tau"],
            ),
            "periodic" => {
                let omega = spec.take_or("omega", 1.0)?;
                let flag = spec.take_or("random_phase", 1.0)?;
                let random_phase = match flag {
                    f if f.total_cmp(&0.0).is_eq() => false,
                    f if f.total_cmp(&1.0).is_eq() => true,
                    value => {
                        return Err(Error::OutOfRange {
                            name: "random_phase",
                            value,
                            expected: "0 or 1",
                        })
                    }
                };
                (
                    Self::periodic(dim, omega, random_phase)?,
                    &["omega", "random_phase"],
                )
            }
            _ => {
                return Err(Error::Unknown {
                    kind: "noise process",
                    name,
                    known: PROCESS_NAMES.into(),
                })
            }
        };
        spec.finish(known)?;
        Ok(process)
    }
}

impl NoiseProcess for AnyProcess {
    type State = AnyProcessState;

    fn dim(&self) -> usize {
        match self {
            Self::Brownian(p) => p.dim(),
            Self::AlphaStable(p) => p.dim(),
            Self::AntiCorrelated(p) => p.dim(),
            Self::OrnsteinUhlenbeck(p) => p.dim(),
            Self::Periodic(p) => p.dim(),
        }
    }

    fn init(&self, rng: &mut Rng) -> AnyProcessState {
        match self {
            Self::Brownian(_) => AnyProcessState::Brownian,
            Self::AlphaStable(_) => AnyProcessState::AlphaStable,
            Self::AntiCorrelated(p) => AnyProcessState::AntiCorrelated(p.init(rng)),
            Self::OrnsteinUhlenbeck(p) => AnyProcessState::OrnsteinUhlenbeck(p.init(rng)),
            Self::Periodic(p) => AnyProcessState::Periodic(p.init(rng)),
        }
    }

    #[inline]
    fn increment(
        &self,
        state: &mut AnyProcessState,
        t: f64,
        dt: f64,
        rng: &mut Rng,
        out: &mut [f64],
    ) {
        match (self, state) {
            (Self::Brownian(p), AnyProcessState::Brownian) => p.increment(&mut (), t, dt, rng, out),
            (Self::AlphaStable(p), AnyProcessState::AlphaStable) => {
                p.increment(&mut (), t, dt, rng, out)
            }
            (Self::AntiCorrelated(p), AnyProcessState::AntiCorrelated(s)) => {
                p.increment(s, t, dt, rng, out)
            }
            (Self::OrnsteinUhlenbeck(p), AnyProcessState::OrnsteinUhlenbeck(s)) => {
                p.increment(s, t, dt, rng, out)
            }
            (Self::Periodic(p), AnyProcessState::Periodic(s)) => p.increment(s, t, dt, rng, out),
            _ => unreachable!("a noise state passed to a process of another kind"),
        }
    }

    /// Matches once per block: the independent-increment processes run
    /// their own block loops (their unit states are a zero-sized slice, which
    /// allocates nothing); the others step path by path.
    #[inline]
    fn increment_block(
        &self,
        states: &mut [AnyProcessState],
        times: &[f64],
        dt: f64,
        rngs: &mut [Rng],
        out: &mut [f64],
    ) {
        let units = &mut vec![(); rngs.len()];
        match self {
            Self::Brownian(p) => p.increment_block(units, times, dt, rngs, out),
            Self::AlphaStable(p) => p.increment_block(units, times, dt, rngs, out),
            _ => super::increment_each(self, states, times, dt, rngs, out),
        }
    }

    fn is_brownian(&self) -> bool {
        matches!(self, Self::Brownian(_))
    }
}

/// Any of the diffusions of this module that the command line can build.
///
/// # Requirements
/// `L` (the landscape of the SGD-like variant) has a Hessian.
#[derive(Debug, Clone)]
pub enum AnyDiffusion<L> {
    /// [`Isotropic`] `G = s I`.
    Isotropic(Isotropic),
    /// [`FullCovariance`] `G = chol(2 D)`.
    FullCovariance(FullCovariance),
    /// [`SgdLike`] `G = sqrt(2 D(x))`, `D = (lr / 2B) |H(x)|`.
    SgdLike(SgdLike<L>),
}

impl<L: Hessian> AnyDiffusion<L> {
    /// Overdamped Langevin at temperature `eps`: [`Isotropic::temperature`].
    pub fn temperature(dim: usize, eps: f64) -> Result<Self> {
        Ok(Self::Isotropic(Isotropic::temperature(dim, eps)?))
    }

    /// `G = scale I`: [`Isotropic::scaled`].
    pub fn scaled(dim: usize, scale: f64) -> Result<Self> {
        Ok(Self::Isotropic(Isotropic::scaled(dim, scale)?))
    }

    /// A constant diffusion matrix `d`: [`FullCovariance::new`].
    pub fn full_covariance(d: nalgebra::DMatrix<f64>) -> Result<Self> {
        Ok(Self::FullCovariance(FullCovariance::new(d)?))
    }

    /// SGD-like noise on `landscape`: [`SgdLike::new`].
    pub fn sgd_like(landscape: L, lr: f64, batch: f64) -> Result<Self> {
        Ok(Self::SgdLike(SgdLike::new(landscape, lr, batch)?))
    }
}

/// Forwards a method call to whichever diffusion `$self` holds.
macro_rules! each_diffusion {
    ($self:expr, $d:ident => $call:expr) => {
        match $self {
            AnyDiffusion::Isotropic($d) => $call,
            AnyDiffusion::FullCovariance($d) => $call,
            AnyDiffusion::SgdLike($d) => $call,
        }
    };
}

impl<L: Hessian + std::fmt::Debug> Diffusion for AnyDiffusion<L> {
    fn dim(&self) -> usize {
        each_diffusion!(self, d => d.dim())
    }

    fn noise_dim(&self) -> usize {
        each_diffusion!(self, d => d.noise_dim())
    }

    fn structure(&self) -> Structure {
        each_diffusion!(self, d => d.structure())
    }

    #[inline]
    fn apply(&self, x: &[f64], t: f64, dn: &[f64], out: &mut [f64]) {
        each_diffusion!(self, d => d.apply(x, t, dn, out))
    }

    #[inline]
    fn apply_block(&self, xs: &[f64], t: f64, dns: &[f64], out: &mut [f64]) {
        each_diffusion!(self, d => d.apply_block(xs, t, dns, out))
    }

    fn diagonal(&self, x: &[f64], t: f64, g: &mut [f64], dg: &mut [f64]) {
        each_diffusion!(self, d => d.diagonal(x, t, g, dg))
    }

    #[inline]
    fn variance_along(&self, x: &[f64], t: f64, n: &[f64]) -> f64 {
        each_diffusion!(self, d => d.variance_along(x, t, n))
    }

    fn constant_scale(&self) -> Option<f64> {
        each_diffusion!(self, d => d.constant_scale())
    }
}
