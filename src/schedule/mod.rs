//! Schedules: a multiplier `s(t)` of a noise intensity (or a step size) at
//! iteration `t = 0, 1, 2, ...`.
//!
//! A [`Schedule`] is a [`Rule`] (constant, polynomial decay, Neelakantan's
//! annealing, exponential, cosine with or without warm restarts, cyclical
//! triangular) optionally preceded by a linear warm-up: with `K` warm-up
//! iterations,
//!
//! ```text
//! s(t) = (t / K) r(0)     for t < K,
//! s(t) = r(t - K)         for t >= K,
//! ```
//!
//! so the schedule starts at 0, reaches the rule's initial value exactly at
//! the switch (continuity), and the rule then runs on its own clock from 0.
//!
//! Every schedule is validated at construction (also when deserialized),
//! after which `s(t)` is finite and non-negative for every `t`. [`parse`]
//! reads the command-line form `name:key=value,...` listed in
//! [`SCHEDULE_HELP`].

mod parse;
mod rule;

use serde::{Deserialize, Serialize};

pub use parse::{parse, SCHEDULE_HELP, SCHEDULE_NAMES};
pub use rule::Rule;

use crate::error::{ensure_positive, Error, Result};

/// A validated multiplier schedule: a [`Rule`] after an optional linear
/// warm-up of `warmup` iterations (see the module docs for the formula).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct Schedule {
    rule: Rule,
    warmup: u64,
}

/// The serialized form, validated by [`Schedule::new`] on the way in.
#[derive(Deserialize)]
struct Unchecked {
    rule: Rule,
    #[serde(default)]
    warmup: u64,
}

impl TryFrom<Unchecked> for Schedule {
    type Error = Error;

    fn try_from(raw: Unchecked) -> Result<Self> {
        Ok(Schedule::new(raw.rule)?.with_warmup(raw.warmup))
    }
}

impl Schedule {
    /// The schedule following `rule` from `t = 0` (no warm-up), after
    /// checking its parameters ([`Rule::validate`]).
    pub fn new(rule: Rule) -> Result<Self> {
        rule.validate()?;
        Ok(Self { rule, warmup: 0 })
    }

    /// The same rule after a linear warm-up from 0 over `steps` iterations
    /// (`steps = 0` removes the warm-up).
    #[must_use]
    pub fn with_warmup(self, steps: u64) -> Self {
        Self {
            warmup: steps,
            ..self
        }
    }

    /// `s(t) = value`, `value >= 0`.
    pub fn constant(value: f64) -> Result<Self> {
        Self::new(Rule::Constant { value })
    }

    /// Polynomial decay `s(t) = (1 + t / t0)^(-gamma)`, `gamma >= 0`, `t0 > 0`.
    pub fn poly(gamma: f64, t0: f64) -> Result<Self> {
        Self::new(Rule::Poly {
            scale: 1.0,
            gamma,
            t0,
        })
    }

    /// The annealed gradient-noise schedule of Neelakantan et al. ("Adding
    /// gradient noise improves learning for very deep networks",
    /// arXiv:1511.06807, 2015, Section 2): the noise *variance* at step `t`
    /// is `sigma_t^2 = eta / (1 + t)^gamma` (the paper uses `gamma = 0.55`
    /// and `eta` in `{0.01, 0.3, 1.0}`), so the *standard deviation*
    /// multiplier returned here is
    ///
    /// `s(t) = sqrt(eta) (1 + t)^(-gamma / 2)`,
    ///
    /// to be applied to unit-variance Gaussian noise. `eta > 0`,
    /// `gamma >= 0`. Stored as [`Rule::Poly`] with `scale = sqrt(eta)`,
    /// exponent `gamma / 2` and `t0 = 1`.
    pub fn anneal(eta: f64, gamma: f64) -> Result<Self> {
        ensure_positive("eta", eta)?;
        crate::error::ensure_non_negative("gamma", gamma)?;
        Self::new(Rule::Poly {
            scale: eta.sqrt(),
            gamma: 0.5 * gamma,
            t0: 1.0,
        })
    }

    /// Exponential decay `s(t) = rate^t`, `0 < rate <= 1`.
    pub fn exponential(rate: f64) -> Result<Self> {
        Self::new(Rule::Exp { rate })
    }

    /// Cosine annealing from 1 to `floor` over `period` iterations, with
    /// warm restarts when `restart` (SGDR; see [`Rule::Cosine`]).
    pub fn cosine(period: u64, floor: f64, restart: bool) -> Result<Self> {
        Self::new(Rule::Cosine {
            period,
            floor,
            restart,
        })
    }

    /// Triangular cycle between `low` and `high` with full cycle `period`
    /// (Smith 2017; see [`Rule::Cyclic`]).
    pub fn cyclic(period: u64, low: f64, high: f64) -> Result<Self> {
        Self::new(Rule::Cyclic { period, low, high })
    }

    /// The rule after the warm-up.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The number of warm-up iterations (0 for none).
    pub fn warmup(&self) -> u64 {
        self.warmup
    }

    /// The multiplier at iteration `t`: finite and non-negative.
    pub fn value(&self, t: u64) -> f64 {
        if t < self.warmup {
            t as f64 / self.warmup as f64 * self.rule.value(0)
        } else {
            self.rule.value(t - self.warmup)
        }
    }
}
