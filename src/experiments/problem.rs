//! The objective a discrete-time experiment runs on: a tractable landscape
//! or a data-driven model, named by one spec.

use crate::error::{Error, Result};
use crate::landscape::{self, AnyLandscape, LANDSCAPE_HELP};
use crate::models::{self, AnyModel, AnyPosterior, MODEL_HELP, POSTERIOR_HELP};
use crate::optim::Oracle;
use crate::rng::Seed;

/// A landscape or a model.
#[derive(Debug, Clone)]
pub enum Problem {
    /// A tractable landscape.
    Landscape(AnyLandscape),
    /// A data-driven model on a seeded synthetic data set.
    Model(AnyModel),
    /// A Bayesian target whose potential is `-log posterior` (exact or with
    /// a Laplace reference).
    Posterior(AnyPosterior),
}

/// Every accepted spec: the landscapes, the models, then the posteriors.
pub fn problem_help() -> String {
    format!(
        "landscapes:\n{LANDSCAPE_HELP}\nmodels (data drawn from the run's seed):\n{MODEL_HELP}\nposteriors (potential U = -log posterior):\n{POSTERIOR_HELP}"
    )
}

impl Problem {
    /// Builds the objective a spec names; a model's data set is drawn from
    /// `seed`.
    pub fn parse(spec: &str, seed: Seed) -> Result<Self> {
        let name = spec.split(':').next().unwrap_or("").trim();
        if models::MODEL_NAMES.contains(&name) {
            return Ok(Self::Model(models::parse(spec, seed)?));
        }
        if models::POSTERIOR_NAMES.contains(&name) {
            return Ok(Self::Posterior(models::parse_posterior(spec, seed)?));
        }
        match landscape::parse(spec) {
            Err(Error::Unknown { name, known, .. }) => Err(Error::Unknown {
                kind: "landscape or model",
                name,
                known: format!(
                    "{known}; models: {}; posteriors: {}",
                    models::MODEL_NAMES.join(", "),
                    models::POSTERIOR_NAMES.join(", ")
                ),
            }),
            other => other.map(Self::Landscape),
        }
    }

    /// The objective as an oracle.
    pub fn oracle(&self) -> &dyn Oracle {
        match self {
            Self::Landscape(l) => l,
            Self::Model(m) => m,
            Self::Posterior(p) => p,
        }
    }
}
