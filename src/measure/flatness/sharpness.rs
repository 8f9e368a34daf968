//! Worst-case sharpness: the largest loss increase over a neighbourhood of
//! `x`, in SAM's L2 ball and in Keskar et al.'s relative box.
//!
//! # Definitions
//! SAM's sharpness (Foret, Kleiner, Mobahi and Neyshabur, "Sharpness-aware
//! minimization for efficiently improving generalization", ICLR 2021,
//! Eq. 1 with `p = 2`):
//!
//! ```text
//! S_rho(x) = max_{||delta||_2 <= rho} L(x + delta) - L(x).
//! ```
//!
//! Keskar et al.'s sharpness ("On large-batch training for deep learning:
//! generalization gap and sharp minima", ICLR 2017, Section 2.2.2,
//! Metric 2.1, with `A = I_n`, the full space):
//!
//! ```text
//! phi_eps(x) = 100 * max_{delta in C_eps} (L(x + delta) - L(x)) / (1 + L(x)),
//! C_eps = { delta : |delta_i| <= eps (|x_i| + 1) },
//! ```
//!
//! defined for `L(x) > -1` (it is meant for non-negative losses).
//!
//! # Method
//! Projected ascent in the set's own geometry. The direction at `delta` is
//! `d = argmax_{u in C} <grad L(x + delta), u>`, the maximiser of the
//! linearised increase over the set: `rho g / ||g||` for the ball (SAM's
//! first-order perturbation, Foret et al. 2021, Eq. 2), `w_i sign(g_i)` for
//! the box of half-widths `w` (the FGSM step). A step moves to
//! `P_C(delta + a d)` and is accepted if the loss increases; otherwise `a`
//! halves (starting from `a = 1`). Starts: the first-order point itself
//! (when `grad L(x) != 0`) and `random_starts` random boundary points
//! (uniform on the sphere; uniform random corners of the box), where a convex
//! loss attains its maximum. Each start runs `steps` steps; a step costs one
//! loss value, an accepted one also a gradient.
//!
//! # Accuracy
//! Every iterate is feasible, so the result is a **lower bound** on the true
//! maximum (which is non-convex and NP-hard in general: maximising a convex
//! quadratic over a box already is). It is at least the increase at the
//! first-order point and at least 0 (`delta = 0`). On a quadratic at its
//! minimum, `L(x + delta) - L(x) = delta^T H delta / 2` and the ball step is
//! a power-iteration step on `I + t H` with `t >= 1 / lambda_1`, so the
//! error after `T` steps is at most
//! `(rho^2 / 2) (lambda_1 - lambda_n) tan^2(theta_0) ((1 + lambda_2/lambda_1) / 2)^(2T)`
//! from a start at angle `theta_0` to the top eigenvector; the maximum is
//! `rho^2 lambda_1 / 2` (derivation in `proofs/flatness_measures.md`).
//!
//! # Requirements
//! Value and gradient only.

use serde::{Deserialize, Serialize};

use super::probes::{fill_gaussian, fill_rademacher};
use super::vector::{norm, shifted};
use super::{check_point, ensure_at_least, Measured};
use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::optim::{Counts, Oracle};
use crate::rng::Rng;

/// Sizes of a sharpness search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpnessConfig {
    /// The neighbourhood's size: `rho` of the ball, or `eps` of the box.
    pub radius: f64,
    /// Ascent steps per start.
    pub steps: usize,
    /// Random starts besides the first-order point.
    pub random_starts: usize,
}

impl Default for SharpnessConfig {
    /// SAM's usual `rho = 0.05`, 20 steps, 2 random starts.
    fn default() -> Self {
        Self {
            radius: 0.05,
            steps: 20,
            random_starts: 2,
        }
    }
}

impl SharpnessConfig {
    /// Rejects a non-positive or non-finite radius, no steps and no random
    /// start (at a stationary point the first-order start does not exist).
    pub fn validate(&self) -> Result<()> {
        ensure_positive("sharpness radius", self.radius)?;
        ensure_at_least("sharpness steps", self.steps, 1, "at least 1")?;
        ensure_at_least(
            "sharpness random_starts",
            self.random_starts,
            1,
            "at least 1",
        )?;
        Ok(())
    }
}

/// The result of a sharpness search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sharpness {
    /// `L(x)`.
    pub loss: f64,
    /// The largest `L(x + delta) - L(x)` found (a lower bound on the true
    /// maximum, at least 0).
    pub max_increase: f64,
    /// The increase at the first-order point (`None` where `grad L(x) = 0`).
    pub first_order_increase: Option<f64>,
    /// The reported measure: `max_increase` for SAM, and
    /// `100 max_increase / (1 + L(x))` for Keskar et al.
    pub sharpness: f64,
}

/// The neighbourhood searched, centred at `delta = 0`.
enum Region<'a> {
    /// `||delta||_2 <= rho`.
    Ball(f64),
    /// `|delta_i| <= w_i`.
    Box(&'a [f64]),
}

impl Region<'_> {
    /// Projects `delta` onto the set (Euclidean projection).
    fn project(&self, delta: &mut [f64]) {
        match self {
            Region::Ball(rho) => {
                let r = norm(delta);
                if r > *rho {
                    delta.iter_mut().for_each(|d| *d *= rho / r);
                }
            }
            Region::Box(w) => delta
                .iter_mut()
                .zip(w.iter())
                .for_each(|(d, &wi)| *d = d.clamp(-wi, wi)),
        }
    }

    /// Writes `argmax_{u in C} <g, u>` into `out`; `false` (and `out`
    /// untouched) when `g = 0`, where no direction ascends to first order.
    fn linear_max(&self, g: &[f64], out: &mut [f64]) -> bool {
        let g_norm = norm(g);
        if g_norm <= 0.0 {
            return false;
        }
        match self {
            Region::Ball(rho) => out
                .iter_mut()
                .zip(g)
                .for_each(|(o, gi)| *o = rho * gi / g_norm),
            Region::Box(w) => out
                .iter_mut()
                .zip(g.iter().zip(w.iter()))
                .for_each(|(o, (gi, &wi))| *o = if *gi == 0.0 { 0.0 } else { wi.copysign(*gi) }),
        }
        true
    }

    /// Writes a random boundary point into `out`: uniform on the sphere, or
    /// a uniform random corner of the box.
    fn random_boundary(&self, rng: &mut Rng, out: &mut [f64]) {
        match self {
            Region::Ball(rho) => {
                fill_gaussian(rng, out);
                let r = norm(out);
                out.iter_mut().for_each(|o| *o *= rho / r);
            }
            Region::Box(w) => {
                fill_rademacher(rng, out);
                out.iter_mut().zip(w.iter()).for_each(|(o, wi)| *o *= wi);
            }
        }
    }
}

/// The oracle at points `x + delta`, counting evaluations.
struct Shifted<'a> {
    oracle: &'a dyn Oracle,
    x: &'a [f64],
    point: Vec<f64>,
    counts: Counts,
}

impl Shifted<'_> {
    /// `L(x + delta)`; a non-finite loss is an error.
    fn loss(&mut self, delta: &[f64]) -> Result<f64> {
        shifted(self.x, 1.0, delta, &mut self.point);
        self.counts.values += 1;
        ensure_finite("loss at a perturbed point", self.oracle.value(&self.point))
    }

    /// Writes `grad L(x + delta)` into `grad`; a non-finite gradient is an
    /// error.
    fn gradient(&mut self, delta: &[f64], grad: &mut [f64]) -> Result<()> {
        shifted(self.x, 1.0, delta, &mut self.point);
        self.counts.gradients += 1;
        self.oracle.gradient(&self.point, grad);
        ensure_finite("gradient norm at a perturbed point", norm(grad)).map(drop)
    }
}

/// Work vectors of the ascent, allocated once per search.
struct Buffers {
    grad: Vec<f64>,
    direction: Vec<f64>,
    candidate: Vec<f64>,
}

/// Ascent from the feasible `delta` in `region` for `steps` steps; returns
/// the loss at the start and the best loss reached, leaving the best point
/// in `delta`.
fn climb(
    f: &mut Shifted<'_>,
    region: &Region<'_>,
    steps: usize,
    delta: &mut [f64],
    buf: &mut Buffers,
) -> Result<(f64, f64)> {
    let first = f.loss(delta)?;
    let (mut best, mut step, mut stale_gradient) = (first, 1.0_f64, true);
    for _ in 0..steps {
        if stale_gradient {
            f.gradient(delta, &mut buf.grad)?;
            stale_gradient = false;
        }
        if !region.linear_max(&buf.grad, &mut buf.direction) {
            break;
        }
        shifted(delta, step, &buf.direction, &mut buf.candidate);
        region.project(&mut buf.candidate);
        let value = f.loss(&buf.candidate)?;
        if value > best {
            best = value;
            delta.copy_from_slice(&buf.candidate);
            stale_gradient = true;
        } else {
            step *= 0.5;
        }
    }
    Ok((first, best))
}

/// The search shared by both measures: `L(x)`, the best increase and the
/// first-order increase, with the evaluations taken.
fn search(
    oracle: &dyn Oracle,
    x: &[f64],
    region: &Region<'_>,
    cfg: &SharpnessConfig,
    rng: &mut Rng,
) -> Result<(Sharpness, Counts)> {
    cfg.validate()?;
    check_point(oracle, x)?;
    let n = oracle.dim();
    let mut f = Shifted {
        oracle,
        x,
        point: vec![0.0; n],
        counts: Counts::default(),
    };
    let mut buf = Buffers {
        grad: vec![0.0; n],
        direction: vec![0.0; n],
        candidate: vec![0.0; n],
    };
    let mut delta = vec![0.0; n];
    let loss = f.loss(&delta)?;
    f.gradient(&delta, &mut buf.grad)?;
    let mut best = loss;
    let mut first_order_increase = None;
    if region.linear_max(&buf.grad, &mut delta) {
        let (first, top) = climb(&mut f, region, cfg.steps, &mut delta, &mut buf)?;
        first_order_increase = Some(first - loss);
        best = best.max(top);
    }
    for _ in 0..cfg.random_starts {
        region.random_boundary(rng, &mut delta);
        best = best.max(climb(&mut f, region, cfg.steps, &mut delta, &mut buf)?.1);
    }
    let max_increase = best - loss;
    Ok((
        Sharpness {
            loss,
            max_increase,
            first_order_increase,
            sharpness: max_increase,
        },
        f.counts,
    ))
}

/// SAM's sharpness `max_{||delta|| <= rho} L(x + delta) - L(x)` with
/// `rho = cfg.radius`, searched as in the module docs.
pub fn sam_sharpness_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &SharpnessConfig,
    rng: &mut Rng,
) -> Result<Measured<Sharpness>> {
    search(oracle, x, &Region::Ball(cfg.radius), cfg, rng).map(Measured::from)
}

/// Keskar et al.'s sharpness `100 max_{C_eps} (L(x + delta) - L(x)) / (1 + L(x))`
/// with `eps = cfg.radius`. Rejects `L(x) <= -1`.
pub fn keskar_sharpness_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &SharpnessConfig,
    rng: &mut Rng,
) -> Result<Measured<Sharpness>> {
    cfg.validate()?;
    let half_widths: Vec<f64> = x.iter().map(|xi| cfg.radius * (xi.abs() + 1.0)).collect();
    let (mut found, counts) = search(oracle, x, &Region::Box(&half_widths), cfg, rng)?;
    if found.loss <= -1.0 {
        return Err(Error::OutOfRange {
            name: "loss for Keskar sharpness",
            value: found.loss,
            expected: "greater than -1 (the measure divides by 1 + L(x))",
        });
    }
    found.sharpness = 100.0 * found.max_increase / (1.0 + found.loss);
    Ok(Measured::from((found, counts)))
}
