//! Schedules from the command line: `name:key=value,...` and back.

use std::fmt;

use super::{Rule, Schedule};
use crate::error::{Error, Result};
use crate::spec::Spec;

/// The schedule specs [`parse`] accepts.
pub const SCHEDULE_HELP: &str = "\
Schedules (multiplier s(t) at iteration t = 0, 1, ...):
  constant:value=1                       s = value
  poly:gamma=G,t0=T[,scale=1]            s = scale (1 + t/T)^(-G)
  anneal:eta=E[,gamma=0.55]              s = sqrt(E) (1 + t)^(-G/2)  (Neelakantan et al. 2015: variance E/(1+t)^G)
  exp:rate=R                             s = R^t, 0 < R <= 1
  cosine:period=P[,floor=0,restart=0|1]  1 -> floor over P steps (SGDR), restarting every P steps if restart=1
  cyclic:period=P,low=L,high=H           triangle L -> H -> L over P steps (Smith 2017)
Every kind also takes warmup=K: s rises linearly from 0 over K steps, then the rule starts.";

/// The schedule names [`parse`] accepts, in the order of [`SCHEDULE_HELP`].
pub const SCHEDULE_NAMES: &[&str] = &["constant", "poly", "anneal", "exp", "cosine", "cyclic"];

/// A non-negative integer parameter given as a number.
fn as_count(name: &'static str, value: f64) -> Result<u64> {
    // 2^53: every integer below it is exact in f64.
    if (0.0..9_007_199_254_740_992.0).contains(&value) && value.fract().abs() < f64::MIN_POSITIVE {
        Ok(value as u64)
    } else {
        Err(Error::OutOfRange {
            name,
            value,
            expected: "a non-negative integer",
        })
    }
}

/// The schedule described by `text` (see [`SCHEDULE_HELP`]), validated.
pub fn parse(text: &str) -> Result<Schedule> {
    let mut spec = Spec::parse("schedule", text)?;
    let name = spec.name().to_string();
    let warmup = as_count("warmup", spec.take_or("warmup", 0.0)?)?;
    let (schedule, known): (Schedule, &[&str]) = match name.as_str() {
        "constant" => (
            Schedule::constant(spec.take_or("value", 1.0)?)?,
            &["value", "warmup"],
        ),
        "poly" => (
            Schedule::new(Rule::Poly {
                scale: spec.take_or("scale", 1.0)?,
                gamma: spec.take_required("gamma")?,
                t0: spec.take_required("t0")?,
            })?,
            &["gamma", "t0", "scale", "warmup"],
        ),
        "anneal" => {
            let eta = spec.take_required("eta")?;
            let gamma = spec.take_or("gamma", 0.55)?;
            (Schedule::anneal(eta, gamma)?, &["eta", "gamma", "warmup"])
        }
        "exp" => (
            Schedule::exponential(spec.take_required("rate")?)?,
            &["rate", "warmup"],
        ),
        "cosine" => {
            let period = as_count("period", spec.take_required("period")?)?;
            let floor = spec.take_or("floor", 0.0)?;
            let restart = match spec.take_or("restart", 0.0)? {
                f if f.total_cmp(&0.0).is_eq() => false,
                f if f.total_cmp(&1.0).is_eq() => true,
                value => {
                    return Err(Error::OutOfRange {
                        name: "restart",
                        value,
                        expected: "0 or 1",
                    })
                }
            };
            (
                Schedule::cosine(period, floor, restart)?,
                &["period", "floor", "restart", "warmup"],
            )
        }
        "cyclic" => {
            let period = as_count("period", spec.take_required("period")?)?;
            let low = spec.take_required("low")?;
            let high = spec.take_required("high")?;
            (
                Schedule::cyclic(period, low, high)?,
                &["period", "low", "high", "warmup"],
            )
        }
        _ => {
            return Err(Error::Unknown {
                kind: "schedule",
                name,
                known: SCHEDULE_NAMES.join(", "),
            })
        }
    };
    spec.finish(known)?;
    Ok(schedule.with_warmup(warmup))
}

/// The spec [`parse`] reads back into the same schedule (an annealing
/// schedule prints as the `poly` it is stored as).
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.rule() {
            Rule::Constant { value } => write!(f, "constant:value={value}")?,
            Rule::Poly { scale, gamma, t0 } => {
                write!(f, "poly:gamma={gamma},t0={t0},scale={scale}")?
            }
            Rule::Exp { rate } => write!(f, "exp:rate={rate}")?,
            Rule::Cosine {
                period,
                floor,
                restart,
            } => write!(
                f,
                "cosine:period={period},floor={floor},restart={}",
                u8::from(restart)
            )?,
            Rule::Cyclic { period, low, high } => {
                write!(f, "cyclic:period={period},low={low},high={high}")?
            }
        }
        if self.warmup() > 0 {
            write!(f, ",warmup={}", self.warmup())?;
        }
        Ok(())
    }
}
