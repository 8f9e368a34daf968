//! Posterior targets by name: `name:key=value,...` specs for the Gaussian
//! target and the Bayesian models, with seeded synthetic data.
//!
//! [`parse_posterior`] turns a spec and a seed into an [`AnyPosterior`], an
//! enum with one variant per target that implements [`Oracle`](crate::optim::Oracle) by `match`.
//! Synthetic data follow the model registry's seeding (teacher from
//! `seed.child(0)`, samples from `seed.child(1)`), so a spec and a seed fix
//! the target bit for bit. Every target here follows the pinned convention
//! of `bayes_glm.rs`: the value is `U = -log p(theta | data) + const`, and
//! the Langevin form at `T = 1` targets the posterior.

use std::path::Path;

use super::{spec_count, BayesLinear, BayesLogistic, GaussianTarget};
use crate::data::mnist::DEFAULT_DIR;
use crate::data::{LinearTeacher, Mnist, SampleLaw};
use crate::error::{ensure_positive, Error, Result};
use crate::measure::posterior::Gaussian;
use crate::rng::Seed;
use crate::spec::Spec;

/// Every posterior spec with its parameters and defaults, one line each.
pub const POSTERIOR_HELP: &str = "\
gaussian:d=2,rho=0.5,sd=1,mean=0            N(mean 1, sd^2 ((1 - rho) I + rho 1 1^T)), -1/(d-1) < rho < 1; exact samples and moments
bayes-linear:n=256,p=4,noise=0.5,alpha=1    Bayesian linear regression, y = w*.a + N(0, noise^2), a ~ N(0, I_p), w* ~ N(0, I_p / p); known beta = noise^-2, prior N(0, I / alpha); exact posterior
bayes-logistic:n=10000,p=20,alpha=1         Bayesian logistic regression (benchmark W3): a ~ N(0, I_p), w* ~ N(0, I_p), y ~ Bernoulli(sigmoid(w*.a)), prior N(0, I / alpha)
bayes-mnist:digits=3,8,pool=4,alpha=1       Bayesian logistic regression on MNIST training digits (first -> y = 0, second -> y = 1), pool x pool averaged pixels in [0, 1] plus a bias, prior N(0, I / alpha)";

/// The names [`parse_posterior`] accepts, in the order of [`POSTERIOR_HELP`].
pub const POSTERIOR_NAMES: [&str; 4] =
    ["gaussian", "bayes-linear", "bayes-logistic", "bayes-mnist"];

/// Any posterior target, chosen at run time (see [`parse_posterior`]).
#[derive(Debug, Clone, PartialEq)]
pub enum AnyPosterior {
    /// [`GaussianTarget`].
    Gaussian(GaussianTarget),
    /// [`BayesLinear`].
    Linear(BayesLinear),
    /// [`BayesLogistic`] (synthetic or MNIST data).
    Logistic(BayesLogistic),
}

/// Calls `$call` on the target inside any variant.
macro_rules! dispatch {
    ($self:expr, $m:ident => $call:expr) => {
        match $self {
            AnyPosterior::Gaussian($m) => $call,
            AnyPosterior::Linear($m) => $call,
            AnyPosterior::Logistic($m) => $call,
        }
    };
}

impl AnyPosterior {
    /// The exact posterior when it is Gaussian and known in closed form
    /// (the Gaussian target, Bayesian linear regression); `None` otherwise.
    ///
    /// Errors only as [`BayesLinear::posterior`] does.
    pub fn exact(&self) -> Result<Option<Gaussian>> {
        Ok(match self {
            Self::Gaussian(g) => Some(g.law().clone()),
            Self::Linear(m) => Some(m.posterior()?),
            Self::Logistic(_) => None,
        })
    }

    /// The exact law where known, else the Laplace approximation: a
    /// Gaussian reference for every target.
    pub fn gaussian_reference(&self) -> Result<Gaussian> {
        match self {
            Self::Logistic(m) => m.laplace(),
            _ => Ok(self.exact()?.expect("the other targets are exact")),
        }
    }
}

oracle_by_dispatch!(AnyPosterior, dispatch);

/// The two digits of a `digits=a,b` list: distinct whole numbers `0..=9`.
fn digits(spec: &mut Spec) -> Result<(u8, u8)> {
    let list = spec.take_list("digits").unwrap_or_else(|| vec![3.0, 8.0]);
    let digit = |v: f64| -> Result<u8> {
        if (0.0..=9.0).contains(&v) && v.fract().abs() < f64::EPSILON {
            Ok(v as u8)
        } else {
            Err(Error::OutOfRange {
                name: "digits",
                value: v,
                expected: "two digits 0..=9",
            })
        }
    };
    match list.as_slice() {
        [a, b] => Ok((digit(*a)?, digit(*b)?)),
        _ => Err(Error::OutOfRange {
            name: "digits",
            value: list.len() as f64,
            expected: "exactly two digits, e.g. digits=3,8",
        }),
    }
}

/// Builds the target a spec names, with the defaults of [`POSTERIOR_HELP`]
/// for omitted parameters; synthetic data are drawn from `seed` (teacher
/// from `seed.child(0)`, samples from `seed.child(1)`), MNIST is read from
/// [`DEFAULT_DIR`] (the seed is unused there, as for the Gaussian target).
///
/// Errors: an unknown name gives [`Error::Unknown`] (listing the known
/// names), a malformed spec, an unknown key or a bad count
/// [`Error::BadSpec`], and invalid values the constructors' errors (a
/// missing MNIST file [`Error::Io`]).
pub fn parse_posterior(text: &str, seed: Seed) -> Result<AnyPosterior> {
    let mut spec = Spec::parse("posterior", text)?;
    let name = spec.name().to_string();
    let (law_seed, data_seed) = (seed.child(0), seed.child(1));
    // Each arm reads its keys and rejects leftovers before building.
    Ok(match name.as_str() {
        "gaussian" => {
            let d = spec_count(spec.take_count("d", 2)?);
            let rho = spec.take_or("rho", 0.5)?;
            let sd = spec.take_or("sd", 1.0)?;
            let mean = spec.take_or("mean", 0.0)?;
            spec.finish(&["d", "rho", "sd", "mean"])?;
            AnyPosterior::Gaussian(GaussianTarget::equicorrelated(d, rho, sd, mean)?)
        }
        "bayes-linear" => {
            let n = spec_count(spec.take_count("n", 256)?);
            let p = spec_count(spec.take_count("p", 4)?);
            let noise = spec.take_or("noise", 0.5)?;
            let alpha = spec.take_or("alpha", 1.0)?;
            spec.finish(&["n", "p", "noise", "alpha"])?;
            let noise = ensure_positive("noise", noise)?;
            let data = LinearTeacher::random(p, noise, law_seed)?.sample(n, data_seed)?;
            AnyPosterior::Linear(BayesLinear::new(data, alpha, 1.0 / (noise * noise))?)
        }
        "bayes-logistic" => {
            let n = spec_count(spec.take_count("n", 10_000)?);
            let p = spec_count(spec.take_count("p", 20)?);
            let alpha = spec.take_or("alpha", 1.0)?;
            spec.finish(&["n", "p", "alpha"])?;
            AnyPosterior::Logistic(BayesLogistic::synthetic(n, p, alpha, seed)?)
        }
        "bayes-mnist" => {
            let (negative, positive) = digits(&mut spec)?;
            let pool = spec_count(spec.take_count("pool", 4)?);
            let alpha = spec.take_or("alpha", 1.0)?;
            spec.finish(&["digits", "pool", "alpha"])?;
            let mnist = Mnist::load(Path::new(DEFAULT_DIR))?;
            AnyPosterior::Logistic(BayesLogistic::mnist(
                mnist.train(),
                negative,
                positive,
                pool,
                alpha,
            )?)
        }
        _ => {
            return Err(Error::Unknown {
                kind: "posterior",
                name,
                known: POSTERIOR_NAMES.join(", "),
            })
        }
    })
}
