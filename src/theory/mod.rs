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
//! | [`noisy_gd`] | stationary covariance of noisy GD on a quadratic; Gibbs limit and its `O(lr)` correction | `proofs/noisy_gd_covariance.md` |
//! | [`sgd_bound`] | constant-step SGD mean-square bound; exact error curve on a quadratic | `proofs/sgd_bound.md` |
//! | [`weight_perturbation`] | `E L(x + eps) = L + (sigma^2/2) Tr H + O(sigma^4)`; exact on a separable quartic | `proofs/weight_perturbation.md` |
//! | [`input_noise`] | Gaussian input noise on least squares is ridge with `lambda = sigma^2` | `proofs/input_noise_ridge.md` |
//! | [`saddle_escape`] | iterations of perturbed GD to leave a strict saddle; law of the start | `proofs/saddle_escape.md` |
//! | [`anti_pgd`] | Anti-PGD vs PGD on the widening valley: exact one-step drifts | `proofs/anti_pgd.md` |
//! | [`sgd_sde`] | SGD is a weak order-1 approximation of its SDE limit: exact moments on 1-D least squares | `proofs/sgd_weak_order.md` |
//! | [`ula`] | ULA on a Gaussian target: exact stationary law, stability limit, W2 and KL to the target | `proofs/ula_gaussian.md` |
//! | [`bayes_linear_sgd`] | exact stationary covariance of SGD / SGLD on Bayesian linear regression with minibatch noise | `proofs/sgd_posterior_mandt.md` |
//! | [`mandt`] | Mandt et al.: OU covariance of constant SGD and the KL-optimal learning rate | `proofs/sgd_posterior_mandt.md` |
//! | [`ula_bound`] | non-asymptotic W2 bound for ULA on strongly log-concave smooth targets | `proofs/ula_w2_bound.md` |
//! | [`sgld_bias`] | SGLD's O(h) bias and the step-size / iteration trade-off | `proofs/sgld_step_tradeoff.md` |
//! | [`sghmc`] | SGHMC's stationary law with and without the friction correction | `proofs/sghmc_friction.md` |
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
pub mod anti_pgd;
pub mod bayes_linear_sgd;
pub(crate) mod checks;
pub mod gibbs;
pub mod input_noise;
pub mod kramers;
pub mod lyapunov;
pub mod mandt;
pub mod mfpt;
pub mod noisy_gd;
pub mod overdamped;
mod quadrature;
pub mod saddle_escape;
pub mod sgd_bound;
pub mod sgd_noise;
pub mod sgd_sde;
pub mod sghmc;
pub mod sgld_bias;
pub mod ula;
pub mod ula_bound;
pub mod weight_perturbation;

pub use anti_pgd::WideningValley;
pub use gibbs::Gibbs1d;
pub use kramers::{EyringKramers, TransitionTarget};
pub use noisy_gd::NoisyGd;
pub use overdamped::{Overdamped1d, QuadratureOptions};
pub use saddle_escape::SaddleEscape;
pub use sgd_bound::{QuadraticSgd, SgdBound};
pub use sgd_noise::SgdEscape;
pub use sgd_sde::{Limit, ScalarLeastSquares, SgdSde, TwoMoments};
pub use weight_perturbation::SeparableQuartic;
