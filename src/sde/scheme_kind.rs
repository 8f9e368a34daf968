//! Choosing a scheme at run time (the command line's `--scheme`).

use serde::{Deserialize, Serialize};

use super::{
    ensemble, EnsembleConfig, EnsembleResult, EulerMaruyama, Event, Milstein, Observer, Sde,
    StochasticHeun,
};
use crate::error::{Error, Result};
use crate::noise::NoiseProcess;

/// The schemes for general SDEs, by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeKind {
    /// [`EulerMaruyama`].
    #[default]
    EulerMaruyama,
    /// [`Milstein`].
    Milstein,
    /// [`StochasticHeun`].
    Heun,
}

impl SchemeKind {
    /// The names accepted on the command line.
    pub const NAMES: &'static str = "euler-maruyama, milstein, heun";

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "euler-maruyama" | "em" => Self::EulerMaruyama,
            "milstein" => Self::Milstein,
            "heun" => Self::Heun,
            _ => {
                return Err(Error::Unknown {
                    kind: "scheme",
                    name: name.into(),
                    known: Self::NAMES.into(),
                })
            }
        })
    }

    /// [`ensemble::run`] with the scheme this names.
    #[allow(clippy::too_many_arguments)]
    pub fn run_ensemble<S: Sde, N: NoiseProcess, E: Event, O: Observer>(
        self,
        sde: &S,
        noise: &N,
        start: &[f64],
        event: &E,
        observer: &O,
        cfg: &EnsembleConfig,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<EnsembleResult<O>> {
        match self {
            Self::EulerMaruyama => ensemble::run(
                sde,
                noise,
                &EulerMaruyama,
                start,
                event,
                observer,
                cfg,
                progress,
            ),
            Self::Milstein => {
                ensemble::run(sde, noise, &Milstein, start, event, observer, cfg, progress)
            }
            Self::Heun => ensemble::run(
                sde,
                noise,
                &StochasticHeun,
                start,
                event,
                observer,
                cfg,
                progress,
            ),
        }
    }
}
