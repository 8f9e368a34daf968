//! Closed-form predictions, each with its derivation in `proofs/`.
//!
//! | module | claim | proof |
//! | --- | --- | --- |
//! | [`kramers`] | Eyring-Kramers mean transition time over an index-1 saddle | `proofs/kramers.md` |
//! | [`mfpt`] | exact 1-D mean first-passage time by quadrature | `proofs/mfpt_1d.md` |
//! | [`alpha_stable`] | mean exit time under small alpha-stable noise | `proofs/alpha_stable_exit.md` |
//! | [`gibbs`] | the Gibbs law of a 1-D landscape | `proofs/gibbs_and_ou.md` |
//! | [`lyapunov`] | OU and linear-recursion stationary covariances | `proofs/gibbs_and_ou.md` |
//! | [`sgd_noise`] | SGD-like noise escapes sharp minima exponentially faster | `proofs/sgd_noise_flat_minima.md` |
//!
//! Conventions are those of [`crate::noise`]: overdamped Langevin at
//! temperature `eps` is `dX = -grad V dt + sqrt(2 eps) dW`; state-dependent
//! noise is `sqrt(2 D(X)) dW` (Ito); alpha-stable noise is `eps dL` with
//! `E exp(i u L_1) = exp(-|u|^alpha)`. Every function validates its inputs
//! and returns [`crate::Result`]; times that may overflow `f64` also come
//! as logs.
//!
//! The 1-D exact formulas share one numerical engine: [`Overdamped1d`], an
//! adaptive Gauss-Legendre panel grid that integrates `exp(+-Phi)` in log
//! space (see [`overdamped`]).

pub mod alpha_stable;
pub mod gibbs;
pub mod kramers;
pub mod lyapunov;
pub mod mfpt;
pub mod overdamped;
mod quadrature;
pub mod sgd_noise;

pub use gibbs::Gibbs1d;
pub use kramers::{EyringKramers, TransitionTarget};
pub use overdamped::{Overdamped1d, QuadratureOptions};
pub use sgd_noise::SgdEscape;
