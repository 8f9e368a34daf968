//! Sharpness-aware minimization (SAM; Foret, Kleiner, Mobahi, Neyshabur
//! 2021, "Sharpness-aware minimization for efficiently improving
//! generalization", ICLR, eq. 2 and Algorithm 1) and its adaptive,
//! scale-invariant variant (ASAM; Kwon, Kim, Park, Choi 2021, "ASAM:
//! adaptive sharpness-aware minimization for scale-invariant learning of deep
//! neural networks", ICML, eq. 10-11).
//!
//! SAM: `g1 = grad L(x)`, `e = rho g1 / |g1|`, step along `grad L(x + e)`,
//! the first-order solution of `max_{|e| <= rho} L(x + e)`. ASAM replaces the
//! ball by an ellipsoid shaped by `T_x = diag(|x_i| + eta)`:
//! `e = rho T_x^2 g1 / |T_x g1|`. Two gradients per step. The ascent point is
//! computed by [`sharpness_aware_gradient`], a function of the gradient
//! oracle alone: nothing is kept between the two calls.

use super::evaluator::Evaluator;
use super::probe::Probe;
use super::transform::Site;
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// The neighbourhood SAM maximizes over.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Neighbourhood {
    /// The Euclidean ball of radius `rho` (SAM).
    Ball,
    /// The ellipsoid `|T_x^-1 e| <= rho`, `T_x = diag(|x_i| + eta)` (ASAM).
    Adaptive {
        /// The offset `eta > 0` that keeps zero weights perturbable.
        eta: f64,
    },
}

/// SAM or ASAM with radius `rho`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SharpnessAware {
    rho: f64,
    neighbourhood: Neighbourhood,
}

impl SharpnessAware {
    /// SAM with radius `rho > 0`.
    pub fn sam(rho: f64) -> Result<Self> {
        Ok(Self {
            rho: ensure_positive("rho", rho)?,
            neighbourhood: Neighbourhood::Ball,
        })
    }

    /// ASAM with radius `rho > 0` and offset `eta > 0`.
    pub fn asam(rho: f64, eta: f64) -> Result<Self> {
        Ok(Self {
            rho: ensure_positive("rho", rho)?,
            neighbourhood: Neighbourhood::Adaptive {
                eta: ensure_positive("eta", eta)?,
            },
        })
    }

    /// The per-coordinate scale `t_i` of the neighbourhood at `x_i`.
    fn scale(&self, x: f64) -> f64 {
        match self.neighbourhood {
            Neighbourhood::Ball => 1.0,
            Neighbourhood::Adaptive { eta } => x.abs() + eta,
        }
    }
}

/// The sharpness-aware gradient `grad L(x + e)` with `e` the first-order
/// maximizer of `L` over the neighbourhood, using only `gradient(point,
/// out)`; `point` is scratch. When `grad L(x) = 0` there is no ascent
/// direction and `e = 0`.
pub fn sharpness_aware_gradient(
    method: &SharpnessAware,
    gradient: &mut dyn FnMut(&[f64], &mut [f64]),
    x: &[f64],
    point: &mut [f64],
    out: &mut [f64],
) {
    gradient(x, out);
    let scaled_norm = norm_by(out, x, |g, xi| method.scale(xi) * g);
    let factor = if scaled_norm > 0.0 {
        method.rho / scaled_norm
    } else {
        0.0
    };
    for ((p, &xi), g) in point.iter_mut().zip(x).zip(out.iter()) {
        let t = method.scale(xi);
        *p = xi + factor * t * t * g;
    }
    gradient(point, out);
}

/// `|(f(g_i, x_i))_i|`.
fn norm_by(g: &[f64], x: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    g.iter()
        .zip(x)
        .map(|(&g, &x)| f(g, x).powi(2))
        .sum::<f64>()
        .sqrt()
}

impl Probe for SharpnessAware {
    /// The ascent point.
    type State = Vec<f64>;

    fn site(&self) -> Option<Site> {
        Some(Site::Parameters)
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> Vec<f64> {
        vec![0.0; dim]
    }

    fn gradient(
        &self,
        point: &mut Vec<f64>,
        _t: u64,
        x: &[f64],
        eval: &Evaluator<'_>,
        _rng: &mut Rng,
        out: &mut [f64],
    ) -> Result<()> {
        sharpness_aware_gradient(self, &mut |p, g| eval.gradient(p, g), x, point, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::transform::norm;

    /// On `L = |x|^2 / 2` the gradient at `x + e` is `x + rho x / |x|`.
    #[test]
    fn sam_on_isotropic_quadratic_moves_rho_along_the_gradient() {
        let sam = SharpnessAware::sam(0.5).unwrap();
        let x = [3.0, 4.0];
        let (mut point, mut out) = ([0.0; 2], [0.0; 2]);
        sharpness_aware_gradient(
            &sam,
            &mut |p, g| g.copy_from_slice(p),
            &x,
            &mut point,
            &mut out,
        );
        let expected = [3.0 + 0.5 * 0.6, 4.0 + 0.5 * 0.8];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-14, "{out:?} vs {expected:?}");
        }
        assert!((norm(&[point[0] - x[0], point[1] - x[1]]) - 0.5).abs() < 1e-14);
    }
}
