//! The decay and cycle rules a [`super::Schedule`] is built from, each a few
//! lines: its formula, its validation and its source.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::error::ensure_non_negative;
use crate::error::{ensure_positive, Error, Result};

/// One rule `s(t)`, `t = 0, 1, 2, ...` the iteration index.
///
/// Every rule is validated by [`Rule::validate`] (which
/// [`super::Schedule::new`] calls), after which `s(t)` is finite and
/// non-negative for every `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// `s(t) = value` (`value >= 0`).
    Constant {
        /// The constant multiplier.
        value: f64,
    },
    /// Polynomial decay `s(t) = scale (1 + t / t0)^(-gamma)`, `scale >= 0`,
    /// `gamma >= 0`, `t0 > 0`. Non-increasing.
    ///
    /// Neelakantan et al.'s annealed gradient noise is the case
    /// `scale = sqrt(eta)`, `gamma -> gamma / 2`, `t0 = 1`
    /// ([`super::Schedule::anneal`]).
    Poly {
        /// The value at `t = 0`.
        scale: f64,
        /// The decay exponent.
        gamma: f64,
        /// The time scale of the decay, in iterations.
        t0: f64,
    },
    /// Exponential decay `s(t) = rate^t`, `0 < rate <= 1`. Non-increasing.
    Exp {
        /// The per-iteration factor.
        rate: f64,
    },
    /// Cosine annealing from 1 down to `floor` over `period` iterations
    /// (Loshchilov and Hutter, "SGDR: stochastic gradient descent with warm
    /// restarts", ICLR 2017, eq. (5), with `eta_max = 1`, `eta_min = floor`
    /// and a constant cycle length, i.e. their `T_mult = 1`):
    /// `s(t) = floor + (1 - floor) (1 + cos(pi c / period)) / 2` with
    /// `c = min(t, period)` (no restart: `s = floor` after the period) or
    /// `c = t mod period` (warm restarts: back to 1 every `period`
    /// iterations). `period >= 1`, `0 <= floor <= 1`. Non-increasing
    /// without restarts.
    Cosine {
        /// Length of one annealing cycle, in iterations.
        period: u64,
        /// The value at the end of a cycle.
        floor: f64,
        /// Whether to restart at 1 after each cycle.
        restart: bool,
    },
    /// Triangular cycle between `low` and `high` (Smith, "Cyclical learning
    /// rates for training neural networks", WACV 2017, Section 3, the
    /// `triangular` policy): with `p = (t mod period) / period`,
    /// `s(t) = low + (high - low) (1 - |2 p - 1|)`, so `s` starts at `low`,
    /// reaches `high` at half the period and is back at `low` after a full
    /// `period`. Smith's *stepsize* (the half cycle) is `period / 2`.
    /// `period >= 2`, `0 <= low <= high`.
    Cyclic {
        /// Length of a full cycle (low, high, low), in iterations.
        period: u64,
        /// The value at the start and end of a cycle.
        low: f64,
        /// The value at the middle of a cycle.
        high: f64,
    },
}

impl Rule {
    /// Checks the parameters against the ranges in each variant's doc.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Rule::Constant { value } => {
                ensure_non_negative("value", value)?;
            }
            Rule::Poly { scale, gamma, t0 } => {
                ensure_non_negative("scale", scale)?;
                ensure_non_negative("gamma", gamma)?;
                ensure_positive("t0", t0)?;
            }
            Rule::Exp { rate } => {
                ensure_positive("rate", rate)?;
                if rate > 1.0 {
                    return Err(Error::OutOfRange {
                        name: "rate",
                        value: rate,
                        expected: "(0, 1] (a rate above 1 grows without bound)",
                    });
                }
            }
            Rule::Cosine { period, floor, .. } => {
                if period == 0 {
                    return Err(Error::OutOfRange {
                        name: "period",
                        value: 0.0,
                        expected: "at least 1 iteration",
                    });
                }
                ensure_non_negative("floor", floor)?;
                if floor > 1.0 {
                    return Err(Error::OutOfRange {
                        name: "floor",
                        value: floor,
                        expected: "[0, 1] (cosine anneals from 1 down to the floor)",
                    });
                }
            }
            Rule::Cyclic { period, low, high } => {
                if period < 2 {
                    return Err(Error::OutOfRange {
                        name: "period",
                        value: period as f64,
                        expected: "at least 2 iterations (one up, one down)",
                    });
                }
                ensure_non_negative("low", low)?;
                ensure_non_negative("high", high)?;
                if low > high {
                    return Err(Error::OutOfRange {
                        name: "low",
                        value: low,
                        expected: "at most high",
                    });
                }
            }
        }
        Ok(())
    }

    /// `s(t)`; finite and non-negative once [`Rule::validate`] passed.
    pub fn value(&self, t: u64) -> f64 {
        let tf = t as f64;
        match *self {
            Rule::Constant { value } => value,
            Rule::Poly { scale, gamma, t0 } => scale * (1.0 + tf / t0).powf(-gamma),
            Rule::Exp { rate } => rate.powf(tf),
            Rule::Cosine {
                period,
                floor,
                restart,
            } => {
                let c = if restart { t % period } else { t.min(period) };
                let phase = c as f64 / period as f64;
                floor + (1.0 - floor) * 0.5 * (1.0 + (PI * phase).cos())
            }
            Rule::Cyclic { period, low, high } => {
                let p = (t % period) as f64 / period as f64;
                low + (high - low) * (1.0 - (2.0 * p - 1.0).abs())
            }
        }
    }
}
