//! A 1-D overdamped diffusion `dX = -V'(X) dt + sqrt(2 D(X)) dW` (Ito) and
//! the adaptive log-space panel grid on which its exact formulas are
//! integrated.
//!
//! Everything the 1-D theory needs is an integral of `exp(+-Phi)`, where
//! `Phi(x) = int^x V'(z) / D(z) dz` is the log of the scale density
//! `psi = exp(Phi)` (see `proofs/mfpt_1d.md`). For small noise `Phi` is huge
//! (`V / eps`), so the grid stores `Phi` itself, never `exp(Phi)`, and the
//! consumers ([`super::mfpt`], [`super::gibbs`]) exponentiate only
//! differences within a panel.
//!
//! **The grid.** Panels of 12 Gauss-Legendre nodes, built by marching away
//! from a start point. A panel is accepted when
//! - `Phi` changes by at most `max_exponent_step` across it (so the
//!   degree-11 interpolant resolves `exp(Phi)` to far below `1e-16` relative,
//!   see [`QuadratureOptions`]);
//! - its width is at most `max_panel_width`;
//! - the tail of the Legendre expansion on the panel (of `Phi` for a
//!   Langevin diffusion; of the increment `V'/D` and of `ln D` otherwise) is
//!   below `1e-12`, and the interpolant's values at the panel ends match the
//!   function's: this splits panels at kinks of `V''` and jumps of `D` that
//!   were not declared as knots (including one that hides between an end and
//!   the nearest node), down to widths of a few ulps where it no longer
//!   matters.
//!
//! Declared knots (for a landscape: its minima and saddles) are always panel
//! edges, and the march never stops before passing them. It stops where the
//! weight `exp(-Phi) / D` (the speed density) has fallen below `1e-17` of its
//! largest value on the side that matters and is still decreasing outwards.
//! A march that needs more than `max_panels` panels, that stalls (1000
//! consecutive panels narrower than `1e-6` of the largest width), or whose
//! exponent still jumps across a panel a few ulps wide, is reported as an
//! error: that happens when the potential does not confine the process, or
//! when `D` vanishes and `V' / D` is not integrable (SGD-like noise `D = c |V''|` at an inflection point of a
//! smooth landscape, where the process cannot pass at all).

use super::quadrature::{PanelRule, NODES};
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};
use crate::landscape::Landscape;

/// `ln(1e17)`: the speed density is truncated where it falls below `1e-17`
/// of its maximum.
const LN_TAIL: f64 = 39.143_946_580_898_5;
/// Legendre-tail tolerance (in units of the exponent) for accepting a panel.
const TAIL_TOL: f64 = 1e-12;
/// A panel narrower than this fraction of the largest width is "tiny"...
const STALL_WIDTH: f64 = 1e-6;
/// ... and this many tiny panels in a row mean the grid is stuck (a declared
/// or undeclared jump costs a few dozen: halving down to a few ulps and
/// doubling back).
const STALL_PANELS: usize = 1000;

/// Resolution knobs of the adaptive grid.
///
/// The defaults (`max_panel_width = 0.05`, `max_exponent_step = 0.5`,
/// `max_panels = 200_000`) gave relative errors below `1e-12` on every
/// closed form and golden value in `tests/theory.rs` (which holds them to
/// `1e-10`), and halving both knobs changes `ln T` by less than `1e-12`
/// (`proofs/mfpt_1d.md`, "Accuracy"). The panel width is in the units of
/// `x`: the landscapes of this crate have their features at scale 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadratureOptions {
    max_panel_width: f64,
    max_exponent_step: f64,
    max_panels: usize,
}

impl Default for QuadratureOptions {
    fn default() -> Self {
        Self {
            max_panel_width: 0.05,
            max_exponent_step: 0.5,
            max_panels: 200_000,
        }
    }
}

impl QuadratureOptions {
    /// Options with the given largest panel width, largest change of the
    /// exponent `Phi` per panel (in `(0, 2]`; the interpolation error of
    /// `exp(Phi)` grows like `step^12 / (2^11 12!)`) and panel budget.
    pub fn new(max_panel_width: f64, max_exponent_step: f64, max_panels: usize) -> Result<Self> {
        ensure_positive("max_panel_width", max_panel_width)?;
        ensure_positive("max_exponent_step", max_exponent_step)?;
        if max_exponent_step > 2.0 {
            return Err(Error::OutOfRange {
                name: "max_exponent_step",
                value: max_exponent_step,
                expected: "(0, 2]",
            });
        }
        if max_panels < 2 {
            return Err(Error::OutOfRange {
                name: "max_panels",
                value: max_panels as f64,
                expected: "at least 2",
            });
        }
        Ok(Self {
            max_panel_width,
            max_exponent_step,
            max_panels,
        })
    }
}

/// A closure `f64 -> f64` held by the diffusion.
type Fn1<'a> = Box<dyn Fn(f64) -> f64 + Send + Sync + 'a>;

/// How `Phi` is obtained.
enum Scale<'a> {
    /// `D = eps`: `Phi = V / eps`, evaluated from `V` directly.
    Langevin { potential: Fn1<'a>, eps: f64 },
    /// `Phi' = V' / D`, integrated panel by panel.
    StateDependent {
        slope: Fn1<'a>,
        diffusivity: Fn1<'a>,
    },
}

/// The 1-D overdamped diffusion `dX = -V'(X) dt + sqrt(2 D(X)) dW` (Ito).
///
/// Two kinds: [`Overdamped1d::langevin`] (constant `D = eps`, the
/// overdamped Langevin dynamics at temperature `eps`, stationary law
/// `exp(-V / eps) / Z`; given by `V`) and [`Overdamped1d::state_dependent`]
/// (any `D > 0`, for example SGD-like noise `D = (lr / 2B) |V''|` on a
/// landscape where `V''` never vanishes; given by `V'` and `D`, since the
/// formulas need only `Phi' = V' / D`). Exact quantities: [`super::mfpt`] (mean first
/// passage times) and [`super::gibbs`] (the Gibbs law).
///
/// # Requirements
/// `V` confining on the side away from the target (`V -> +inf`, for the
/// Gibbs law on both sides); `V'` continuous; `V''` and `D` piecewise smooth
/// (declare their kinks and jumps as knots for speed; undeclared ones are
/// found by the grid); `D > 0` and bounded away from 0 on compacts.
pub struct Overdamped1d<'a> {
    scale: Scale<'a>,
    knots: Vec<f64>,
    options: QuadratureOptions,
}

impl std::fmt::Debug for Overdamped1d<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.scale {
            Scale::Langevin { eps, .. } => format!("langevin(eps = {eps})"),
            Scale::StateDependent { .. } => "state-dependent".to_string(),
        };
        f.debug_struct("Overdamped1d")
            .field("kind", &kind)
            .field("knots", &self.knots)
            .field("options", &self.options)
            .finish()
    }
}

/// One accepted panel `[a, b]` in the march's coordinate `u` (`x = sigma u`).
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    /// Left end.
    pub a: f64,
    /// Right end.
    pub b: f64,
    /// `Phi` at the left end.
    pub phi_a: f64,
    /// `Phi` at the right end.
    pub phi_b: f64,
    /// `Phi` at the nodes (ascending `u`).
    pub phi: [f64; NODES],
    /// `ln D` at the nodes.
    pub ln_d: [f64; NODES],
}

impl Panel {
    /// `ln` of the speed density `exp(-Phi) / D` at node `j`.
    #[inline]
    pub fn ln_speed(&self, j: usize) -> f64 {
        -self.phi[j] - self.ln_d[j]
    }

    /// The same panel seen from the mirrored coordinate `-u`.
    pub fn mirrored(&self) -> Panel {
        let mut phi = self.phi;
        let mut ln_d = self.ln_d;
        phi.reverse();
        ln_d.reverse();
        Panel {
            a: -self.b,
            b: -self.a,
            phi_a: self.phi_b,
            phi_b: self.phi_a,
            phi,
            ln_d,
        }
    }
}

/// Outcome of trying a candidate panel.
enum Verdict {
    Accept,
    Refine,
}

impl<'a> Overdamped1d<'a> {
    /// Overdamped Langevin dynamics `dX = -V'(X) dt + sqrt(2 eps) dW` at
    /// temperature `eps > 0`; `Phi = V / eps` is evaluated from `potential`.
    pub fn langevin(potential: impl Fn(f64) -> f64 + Send + Sync + 'a, eps: f64) -> Result<Self> {
        ensure_positive("eps", eps)?;
        Ok(Self {
            scale: Scale::Langevin {
                potential: Box::new(potential),
                eps,
            },
            knots: Vec::new(),
            options: QuadratureOptions::default(),
        })
    }

    /// `dX = -V'(X) dt + sqrt(2 D(X)) dW` from the slope `V'` and the
    /// diffusivity `D` (which must be positive wherever the grid goes; a
    /// non-positive or non-finite value is reported as an error).
    pub fn state_dependent(
        slope: impl Fn(f64) -> f64 + Send + Sync + 'a,
        diffusivity: impl Fn(f64) -> f64 + Send + Sync + 'a,
    ) -> Self {
        Self {
            scale: Scale::StateDependent {
                slope: Box::new(slope),
                diffusivity: Box::new(diffusivity),
            },
            knots: Vec::new(),
            options: QuadratureOptions::default(),
        }
    }

    /// [`Overdamped1d::langevin`] on a 1-D landscape, with its minima and
    /// saddles as knots.
    pub fn langevin_on<L: Landscape>(landscape: &'a L, eps: f64) -> Result<Self> {
        ensure_dim("1-D theory landscape", 1, landscape.dim())?;
        let knots = critical_points(landscape);
        Self::langevin(move |x| landscape.value(&[x]), eps)?.with_knots(&knots)
    }

    /// [`Overdamped1d::state_dependent`] on a 1-D landscape (its gradient as
    /// `V'`), with its minima and saddles as knots.
    pub fn state_dependent_on<L: Landscape>(
        landscape: &'a L,
        diffusivity: impl Fn(f64) -> f64 + Send + Sync + 'a,
    ) -> Result<Self> {
        ensure_dim("1-D theory landscape", 1, landscape.dim())?;
        let knots = critical_points(landscape);
        let slope = move |x: f64| {
            let mut g = [0.0];
            landscape.gradient(&[x], &mut g);
            g[0]
        };
        Self::state_dependent(slope, diffusivity).with_knots(&knots)
    }

    /// Adds knots: points that become panel edges and that the grid must
    /// reach (kinks of `V''`, jumps of `D`, and every local minimum, so that
    /// no deep well beyond a high barrier is cut off).
    pub fn with_knots(mut self, knots: &[f64]) -> Result<Self> {
        for &k in knots {
            ensure_finite("knot", k)?;
        }
        self.knots.extend_from_slice(knots);
        self.knots.sort_by(f64::total_cmp);
        self.knots.dedup();
        Ok(self)
    }

    /// Replaces the grid's resolution options.
    #[must_use]
    pub fn with_options(mut self, options: QuadratureOptions) -> Self {
        self.options = options;
        self
    }

    /// The declared knots, ascending.
    pub fn knots(&self) -> &[f64] {
        &self.knots
    }

    /// The temperature of a Langevin diffusion, `None` for state-dependent noise.
    pub fn temperature(&self) -> Option<f64> {
        match self.scale {
            Scale::Langevin { eps, .. } => Some(eps),
            Scale::StateDependent { .. } => None,
        }
    }

    /// `V(x)` of a Langevin diffusion (`None` for state-dependent noise,
    /// which is given by `V'` only).
    pub(crate) fn potential_at(&self, x: f64) -> Option<f64> {
        match &self.scale {
            Scale::Langevin { potential, .. } => Some(potential(x)),
            Scale::StateDependent { .. } => None,
        }
    }

    /// Marches from `start` towards `-inf` in the coordinate `u = sigma x`
    /// (`sigma = +-1`) and returns the panels in marching order (descending
    /// `u`), `Phi` anchored at `Phi(start) = 0` for state-dependent noise
    /// (absolute `V / eps` for Langevin).
    ///
    /// `extra_knot` is a further edge (the start of a first passage). The
    /// weight maximum that sets the truncation is taken over the panels left
    /// of `pivot` only; the march stops when it has passed every knot, the
    /// speed density at the current end is `1e-17` below that maximum and
    /// decreasing outwards.
    pub(crate) fn march(
        &self,
        sigma: f64,
        start: f64,
        pivot: f64,
        extra_knot: Option<f64>,
    ) -> Result<Vec<Panel>> {
        let rule = PanelRule::new();
        // Knots in u, strictly below start, descending.
        let mut knots: Vec<f64> = self
            .knots
            .iter()
            .map(|k| sigma * k)
            .chain(extra_knot)
            .filter(|&k| k < start)
            .collect();
        knots.sort_by(|a, b| b.total_cmp(a));
        let must_pass = knots.last().copied().unwrap_or(start);
        let mut next_knot = 0;

        let opts = &self.options;
        let mut panels: Vec<Panel> = Vec::new();
        let mut z = start;
        let mut phi_z = self.phi_start(sigma, start);
        let mut width = opts.max_panel_width;
        let mut best_left = f64::NEG_INFINITY;
        let mut panel = Panel {
            a: 0.0,
            b: 0.0,
            phi_a: 0.0,
            phi_b: 0.0,
            phi: [0.0; NODES],
            ln_d: [0.0; NODES],
        };
        let mut increments = [0.0; NODES];
        let mut stalled = 0;
        loop {
            if panels.len() >= opts.max_panels {
                return Err(Error::Unsupported(format!(
                    "the 1-D quadrature grid needed more than {} panels marching from x = {} towards x = {}: \
                     the potential does not confine the process there, or D vanishes and V'/D is not integrable",
                    opts.max_panels,
                    sigma * start,
                    sigma * z
                )));
            }
            while next_knot < knots.len() && knots[next_knot] >= z {
                next_knot += 1;
            }
            let mut a = z - width;
            if let Some(&k) = knots.get(next_knot) {
                a = a.max(k);
            }
            let min_width = 8.0 * f64::EPSILON * z.abs().max(1.0);
            let verdict = self.try_panel(
                &rule,
                sigma,
                a,
                z,
                phi_z,
                &mut panel,
                &mut increments,
                z - a <= min_width,
            )?;
            match verdict {
                Verdict::Refine if z - a > min_width => {
                    width = 0.5 * (z - a);
                    continue;
                }
                Verdict::Refine => {
                    return Err(Error::Unsupported(format!(
                        "the scale density exp(int V'/D) jumps across a panel of width {:e} at x = {}: \
                         D vanishes there or V'/D is not integrable (for SGD-like noise D = c |V''|, \
                         an inflection point the process cannot pass)",
                        z - a,
                        sigma * z
                    )));
                }
                Verdict::Accept => {}
            }
            let accepted_width = z - a;
            stalled = if accepted_width < STALL_WIDTH * opts.max_panel_width {
                stalled + 1
            } else {
                0
            };
            if stalled > STALL_PANELS {
                return Err(Error::Unsupported(format!(
                    "the 1-D quadrature grid stalled near x = {}: more than {STALL_PANELS} consecutive panels \
                     narrower than {STALL_WIDTH:e} of the largest width; D vanishes there or V'/D is not \
                     integrable (for SGD-like noise D = c |V''|, an inflection point the process cannot pass)",
                    sigma * a
                )));
            }
            z = a;
            phi_z = panel.phi_a;
            width = (2.0 * accepted_width).min(opts.max_panel_width);
            let ln_speed_end = -panel.phi_a - self.ln_diffusivity(sigma * a);
            if panel.b <= pivot {
                best_left = (0..NODES)
                    .map(|j| panel.ln_speed(j))
                    .fold(best_left.max(ln_speed_end), f64::max);
            }
            let decreasing = ln_speed_end < panel.ln_speed(0);
            let done = z <= must_pass && decreasing && ln_speed_end < best_left - LN_TAIL;
            panels.push(panel.clone());
            if done {
                return Ok(panels);
            }
        }
    }

    /// `Phi` at the march's start: `V / eps` for Langevin, the anchor 0 otherwise.
    fn phi_start(&self, sigma: f64, start: f64) -> f64 {
        match &self.scale {
            Scale::Langevin { potential, eps } => potential(sigma * start) / eps,
            Scale::StateDependent { .. } => 0.0,
        }
    }

    /// `ln D(x)`.
    fn ln_diffusivity(&self, x: f64) -> f64 {
        match &self.scale {
            Scale::Langevin { eps, .. } => eps.ln(),
            Scale::StateDependent { diffusivity, .. } => diffusivity(x).ln(),
        }
    }

    /// Fills `panel` for `[a, b]` (in `u`) given `Phi(b) = phi_b`, and judges it.
    /// With `last_resort` only the exponent step is checked (a panel a few
    /// ulps wide straddling a kink is harmless; one that still jumps is not).
    #[allow(clippy::too_many_arguments)]
    fn try_panel(
        &self,
        rule: &PanelRule,
        sigma: f64,
        a: f64,
        b: f64,
        phi_b: f64,
        panel: &mut Panel,
        increments: &mut [f64; NODES],
        last_resort: bool,
    ) -> Result<Verdict> {
        panel.a = a;
        panel.b = b;
        panel.phi_b = phi_b;
        let half = 0.5 * (b - a);
        let smooth = match &self.scale {
            Scale::Langevin { potential, eps } => {
                panel.phi_a = potential(sigma * a) / eps;
                for j in 0..NODES {
                    panel.phi[j] = potential(sigma * rule.node_on(j, a, b)) / eps;
                }
                panel.ln_d = [eps.ln(); NODES];
                let scale = panel.phi.iter().fold(0.0_f64, |m, p| m.max(p.abs()));
                let tol = TAIL_TOL.max(64.0 * f64::EPSILON * scale);
                resolved(rule, &panel.phi, (panel.phi_a, phi_b), tol)
            }
            Scale::StateDependent { slope, diffusivity } => {
                // V'/D and ln D at u, with the diffusivity checked.
                let sample = |u: f64| -> Result<(f64, f64)> {
                    let x = sigma * u;
                    let d = diffusivity(x);
                    if !(d.is_finite() && d > 0.0) {
                        return Err(Error::Unsupported(format!(
                            "the diffusivity must be positive and finite, got D({x}) = {d}"
                        )));
                    }
                    let g = slope(x);
                    if !g.is_finite() {
                        return Err(Error::NonFinite {
                            name: "slope V'(x)",
                            value: g,
                        });
                    }
                    Ok((sigma * g / d, d.ln()))
                };
                for (j, (inc, ln_d)) in increments.iter_mut().zip(panel.ln_d.iter_mut()).enumerate()
                {
                    let (g, l) = sample(rule.node_on(j, a, b))?;
                    *inc = half * g;
                    *ln_d = l;
                }
                let (g_a, ln_d_a) = sample(a)?;
                let (g_b, ln_d_b) = sample(b)?;
                panel.phi_a = phi_b - rule.total(increments);
                for j in 0..NODES {
                    panel.phi[j] = panel.phi_a + rule.partial(j, increments);
                }
                let inc_scale = increments.iter().fold(0.0_f64, |m, p| m.max(p.abs()));
                let phi_scale = phi_b.abs().max(panel.phi_a.abs());
                let tol = TAIL_TOL.max(64.0 * f64::EPSILON * (inc_scale + phi_scale));
                // ln D enters the weight exp(-Phi)/D over this panel only, so
                // its error is weighted by the panel's share of the scale.
                let ln_d_tol = TAIL_TOL * self.options.max_panel_width / half;
                resolved(rule, increments, (half * g_a, half * g_b), tol)
                    && resolved(rule, &panel.ln_d, (ln_d_a, ln_d_b), ln_d_tol)
            }
        };
        if !panel.phi_a.is_finite() || panel.phi.iter().any(|p| !p.is_finite()) {
            return Err(Error::NonFinite {
                name: "potential V(x) / D on the quadrature grid",
                value: panel.phi_a,
            });
        }
        let (lo, hi) = panel
            .phi
            .iter()
            .chain([&panel.phi_a, &panel.phi_b])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &p| {
                (lo.min(p), hi.max(p))
            });
        let step_ok = hi - lo <= self.options.max_exponent_step;
        Ok(if step_ok && (smooth || last_resort) {
            Verdict::Accept
        } else {
            Verdict::Refine
        })
    }
}

/// Whether the degree-11 interpolant of `values` resolves the function on
/// the panel: a small Legendre tail, and interpolated end values matching
/// the function's own `ends` (a kink between an end and the nearest node
/// shows only there). The end test allows 16 `tol` for the amplification
/// of the extrapolation.
fn resolved(rule: &PanelRule, values: &[f64; NODES], ends: (f64, f64), tol: f64) -> bool {
    let (left, right) = rule.ends(values);
    rule.tail(values) <= tol
        && (left - ends.0).abs() <= 16.0 * tol
        && (right - ends.1).abs() <= 16.0 * tol
}

/// The first coordinates of a 1-D landscape's minima and saddles.
fn critical_points<L: Landscape>(landscape: &L) -> Vec<f64> {
    landscape
        .minima()
        .iter()
        .chain(landscape.saddles().iter())
        .map(|p| p[0])
        .collect()
}
