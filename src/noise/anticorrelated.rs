//! Anti-correlated parameter perturbations (Anti-PGD).

use rand_distr::{Distribution, StandardNormal};

use super::NoiseProcess;
use crate::error::Result;
use crate::rng::Rng;

/// The Anti-PGD perturbation of Orvieto, Kersting, Proske, Bach and Lucchi
/// (ICML 2022, arXiv:2202.02831), "Anticorrelated noise injection for
/// improved generalization", their Anti-PGD update: the parameters are
/// perturbed by `xi_k`, with `xi_0, xi_1, ...` iid `N(0, I)`, so the
/// increment of step `k` is
///
/// `dN_k = xi_{k+1} - xi_k`.
///
/// Consecutive increments are anti-correlated: `Var dN_k = 2`,
/// `Corr(dN_k, dN_{k+1}) = -1/2`, `Corr(dN_k, dN_{k+j}) = 0` for `j >= 2`,
/// and the partial sums telescope to `xi_n - xi_0`, which stays bounded in
/// law instead of diffusing. The amplitude (their `sigma`) is the
/// diffusion's, e.g. [`super::Isotropic::scaled`].
///
/// A discrete-time perturbation: the variance of an increment does **not**
/// scale with `dt` (the `dt` argument is ignored). In the SDE driver `dt`
/// therefore plays the role of the learning rate in the drift only, and
/// refining `dt` at a fixed horizon adds perturbation steps without
/// shrinking them; there is no continuous-time limit to converge to, so
/// order tests do not apply. The per-path state is the previous draw `xi_k`,
/// drawn from `N(0, I)` at the start of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AntiCorrelated {
    dim: usize,
}

impl AntiCorrelated {
    /// The perturbation in `R^dim` (at least 1).
    pub fn new(dim: usize) -> Result<Self> {
        super::Brownian::new(dim)?;
        Ok(Self { dim })
    }
}

impl NoiseProcess for AntiCorrelated {
    /// The previous perturbation `xi_k`.
    type State = Vec<f64>;

    fn dim(&self) -> usize {
        self.dim
    }

    fn init(&self, rng: &mut Rng) -> Self::State {
        (0..self.dim).map(|_| StandardNormal.sample(rng)).collect()
    }

    #[inline]
    fn increment(&self, state: &mut Vec<f64>, _t: f64, _dt: f64, rng: &mut Rng, out: &mut [f64]) {
        for (o, xi) in out.iter_mut().zip(state.iter_mut()) {
            let next: f64 = StandardNormal.sample(rng);
            *o = next - *xi;
            *xi = next;
        }
    }

    fn is_brownian(&self) -> bool {
        false
    }
}
