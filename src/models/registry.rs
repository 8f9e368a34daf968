//! Models by name: `name:key=value,...` specs with seeded synthetic data.
//!
//! [`parse`] turns a spec and a seed into an [`AnyModel`], an enum with one
//! variant per model that implements [`Oracle`](crate::optim::Oracle) by `match`. The teacher (or
//! mixture mean) is drawn from `seed.child(0)` and the `n` samples from
//! `seed.child(1)`, so a spec and a seed fix the model bit for bit, and a
//! held-out set of the same law is the same law sampled with another seed
//! (build the law with [`crate::data`] directly for that).

use nalgebra::DMatrix;

use super::{spec_count, LeastSquares, Logistic};
use crate::data::{Dataset, GaussianMixture, LinearTeacher, LogisticTeacher, SampleLaw};
use crate::error::{Error, Result};
use crate::rng::Seed;
use crate::spec::Spec;

/// Every model spec with its parameters and defaults, one line each.
pub const MODEL_HELP: &str = "\
least-squares:n=256,p=4,noise=0.5,ridge=0  least squares on a ~ N(0, I_p), y = w*.a + noise N(0, 1), w* ~ N(0, I_p / p); ridge >= 0
logistic:n=256,p=4,ridge=0                 logistic regression on a ~ N(0, I_p), P(y = 1 | a) = sigmoid(w*.a), w* ~ N(0, I_p / p); ridge >= 0
mixture:n=256,p=2,separation=2,ridge=0     logistic regression on balanced classes a ~ N(+-mu, I_p), |mu| = separation >= 0, random direction";

/// The names [`parse`] accepts, in the order of [`MODEL_HELP`].
pub const MODEL_NAMES: [&str; 3] = ["least-squares", "logistic", "mixture"];

/// Any data-driven model, chosen at run time (see [`parse`]).
#[derive(Debug, Clone, PartialEq)]
pub enum AnyModel {
    /// [`LeastSquares`].
    LeastSquares(LeastSquares),
    /// [`Logistic`] (teacher-student or mixture data).
    Logistic(Logistic),
}

/// Calls `$call` on the model inside any variant.
macro_rules! dispatch {
    ($self:expr, $m:ident => $call:expr) => {
        match $self {
            AnyModel::LeastSquares($m) => $call,
            AnyModel::Logistic($m) => $call,
        }
    };
}

impl AnyModel {
    /// The data set the model is fitted on.
    pub fn data(&self) -> &Dataset {
        dispatch!(self, m => m.data())
    }

    /// The ridge coefficient.
    pub fn ridge(&self) -> f64 {
        dispatch!(self, m => m.ridge())
    }

    /// The exact covariance of one uniformly drawn per-sample gradient at
    /// `x` (see [`super::gradient_covariance`]).
    pub fn gradient_covariance(&self, x: &[f64]) -> DMatrix<f64> {
        dispatch!(self, m => m.gradient_covariance(x))
    }
}

oracle_by_dispatch!(AnyModel, dispatch);

/// Builds the model a spec names, with the defaults of [`MODEL_HELP`] for
/// omitted parameters, on data drawn from `seed` (teacher or mean from
/// `seed.child(0)`, samples from `seed.child(1)`).
///
/// Errors: an unknown name gives [`Error::Unknown`] (listing the known
/// names), a malformed spec, an unknown key or a count (`n`, `p`) that is not
/// a non-negative integer [`Error::BadSpec`], a zero count or more than
/// [`crate::data::MAX_ENTRIES`] inputs [`Error::OutOfRange`], and invalid
/// values the constructors' errors.
pub fn parse(text: &str, seed: Seed) -> Result<AnyModel> {
    let mut spec = Spec::parse("model", text)?;
    let name = spec.name().to_string();
    let (law_seed, data_seed) = (seed.child(0), seed.child(1));
    // Each arm reads its keys and rejects leftovers before building.
    Ok(match name.as_str() {
        "least-squares" => {
            let n = spec_count(spec.take_count("n", 256)?);
            let p = spec_count(spec.take_count("p", 4)?);
            let noise = spec.take_or("noise", 0.5)?;
            let ridge = spec.take_or("ridge", 0.0)?;
            spec.finish(&["n", "p", "noise", "ridge"])?;
            let data = LinearTeacher::random(p, noise, law_seed)?.sample(n, data_seed)?;
            AnyModel::LeastSquares(LeastSquares::new(data, ridge)?)
        }
        "logistic" => {
            let n = spec_count(spec.take_count("n", 256)?);
            let p = spec_count(spec.take_count("p", 4)?);
            let ridge = spec.take_or("ridge", 0.0)?;
            spec.finish(&["n", "p", "ridge"])?;
            let data = LogisticTeacher::random(p, law_seed)?.sample(n, data_seed)?;
            AnyModel::Logistic(Logistic::new(data, ridge)?)
        }
        "mixture" => {
            let n = spec_count(spec.take_count("n", 256)?);
            let p = spec_count(spec.take_count("p", 2)?);
            let separation = spec.take_or("separation", 2.0)?;
            let ridge = spec.take_or("ridge", 0.0)?;
            spec.finish(&["n", "p", "separation", "ridge"])?;
            let data = GaussianMixture::random(p, separation, law_seed)?.sample(n, data_seed)?;
            AnyModel::Logistic(Logistic::new(data, ridge)?)
        }
        _ => {
            return Err(Error::Unknown {
                kind: "model",
                name,
                known: MODEL_NAMES.join(", "),
            })
        }
    })
}
