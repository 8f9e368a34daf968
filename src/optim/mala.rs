//! The Metropolis-adjusted Langevin algorithm (Roberts and Tweedie 1996,
//! "Exponential convergence of Langevin distributions and their discrete
//! approximations", Bernoulli 2(4), sec. 1.3 "MALA"), isotropic or with a
//! fixed preconditioner: the reference sampler of `exp(-U/T)`, exact at any
//! step size.
//!
//! **Proposal.** With a fixed metric `M = L L^T` (`L` lower triangular with
//! a positive diagonal; `M = I` for plain MALA) and `g = grad U(x)` (the
//! probe's full gradient), propose the Langevin step in the metric `M`
//! `y = x - lr M g(x) + sqrt(2 lr T) L xi`, `xi ~ N(0, I)`, i.e.
//! `y ~ N(x - lr M g(x), 2 lr T M)` with density
//! `q(y | x) ∝ exp(-(y - x + lr M g(x))^T M^{-1} (y - x + lr M g(x)) / (4 lr T))`,
//! the Euler step of the preconditioned Langevin diffusion
//! `dX = -M grad U dt + sqrt(2 T) L dW`, whose invariant law is still
//! `exp(-U/T)` for any constant positive definite `M` (Roberts and Stramer
//! 2002, "Langevin diffusions and Metropolis-Hastings algorithms",
//! Methodology and Computing in Applied Probability 4(4), sec. 2, Eq. 2
//! with a constant `sigma = L`; Girolami and Calderhead 2011, "Riemann
//! manifold Langevin and Hamiltonian Monte Carlo methods", JRSS B 73(2),
//! sec. 5, the manifold MALA with a constant metric tensor `G = M^{-1}` and
//! `epsilon^2 = 2 lr` at `T = 1`).
//!
//! **Ratio.** Accept `y` with probability `min(1, a)`,
//! `log a = -(U(y) - U(x)) / T + log q(x | y) - log q(y | x)`
//! (Metropolis et al. 1953; Hastings 1970): the chain is reversible with
//! respect to `exp(-U/T)` for any fixed `M`, so ULA's discretisation bias
//! is removed. Both Gaussians have covariance `2 lr T M`, so their
//! normalising constants cancel. Writing `v = -lr L^T g(x) + sqrt(2 lr T) xi`
//! (so `y = x + L v`): `L^{-1}(y - x + lr M g(x)) = sqrt(2 lr T) xi`, so
//! `log q(y | x) = -|xi|^2 / 2`, and `L^{-1}(x - y + lr M g(y)) =
//! lr L^T g(y) - v`, so `log q(x | y) = -|lr L^T g(y) - v|^2 / (4 lr T)`:
//! no triangular solve, three triangular products per step (`O(d^2)`).
//!
//! **Units.** `lr` is in the metric's units: with `M` the target's
//! covariance (e.g. the Laplace covariance at the mode), the preconditioned
//! target is near isotropic with unit scale, and `lr` of order 0.5 to 1
//! accepts often, whatever the original condition number.
//!
//! Cost per step: the probe's gradient at `x`, one gradient at `y`, and the
//! values `U(x)`, `U(y)` (two gradients and two values, all full).
//! Proposals and acceptances go to the run's [`Counts`](super::Counts), so
//! the acceptance rate is in every report.
//!
//! MALA owns the whole step: the ratio is exact only for its own proposal
//! on the full objective, so [`Optimizer::new`](super::Optimizer::new)
//! accepts it only alone (plain probe, no inputs site), and a run with a
//! minibatch is refused: a minibatch value or gradient would make the ratio
//! that of a different, random target.

use nalgebra::DMatrix;
use rand::RngExt;

use super::transform::{standard_normals, Site, Step, Transform};
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};
use crate::rng::Rng;

/// MALA at learning rate `lr` and temperature `T`, isotropic or in a fixed
/// metric `M = L L^T` (module docs).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mala {
    lr: f64,
    temperature: f64,
    /// `L`, or `None` for `M = I`.
    factor: Option<Factor>,
}

/// A lower-triangular `d x d` factor `L` with a positive diagonal, stored
/// row-major (the strict upper triangle is zero and never read).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Factor {
    dim: usize,
    rows: Vec<f64>,
}

impl Factor {
    /// `out = L v`.
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        for (i, (o, row)) in out
            .iter_mut()
            .zip(self.rows.chunks_exact(self.dim))
            .enumerate()
        {
            *o = row[..=i].iter().zip(v).map(|(l, x)| l * x).sum();
        }
    }

    /// `out = L^T v`.
    fn apply_transpose(&self, v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (i, (&vi, row)) in v.iter().zip(self.rows.chunks_exact(self.dim)).enumerate() {
            for (o, l) in out[..=i].iter_mut().zip(row) {
                *o += l * vi;
            }
        }
    }
}

/// Buffers for the proposal, its gradient, the noise and one product
/// (nothing carried between steps: the chain is Markov in `x`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MalaState {
    proposal: Vec<f64>,
    proposal_gradient: Vec<f64>,
    noise: Vec<f64>,
    /// `v = -lr L^T g(x) + sqrt(2 lr T) xi`, the step in whitened units.
    whitened: Vec<f64>,
}

impl Mala {
    /// Isotropic MALA (`M = I`): learning rate `lr > 0`, temperature `T > 0`.
    pub fn new(lr: f64, temperature: f64) -> Result<Self> {
        Ok(Self {
            lr: ensure_positive("lr", lr)?,
            temperature: ensure_positive("temperature", temperature)?,
            factor: None,
        })
    }

    /// MALA in the fixed metric `M = L L^T` given its Cholesky factor `L`
    /// (`cholesky_factor`: square, finite, lower triangular, positive
    /// diagonal, so `M` is positive definite); `lr` is in the metric's
    /// units (module docs). The chain's dimension must be `L`'s.
    ///
    /// Errors: an empty or non-square factor, a non-finite entry, a nonzero
    /// entry above the diagonal, or a diagonal entry that is not positive.
    pub fn preconditioned(
        lr: f64,
        temperature: f64,
        cholesky_factor: DMatrix<f64>,
    ) -> Result<Self> {
        let dim = cholesky_factor.nrows();
        ensure_dim(
            "mala: metric factor columns vs rows",
            dim,
            cholesky_factor.ncols(),
        )?;
        if dim == 0 {
            return Err(Error::OutOfRange {
                name: "mala: metric factor dimension",
                value: 0.0,
                expected: "at least 1",
            });
        }
        for (i, row) in cholesky_factor.row_iter().enumerate() {
            for (j, &l) in row.iter().enumerate() {
                ensure_finite("mala: metric factor", l)?;
                if j > i && l.abs() > 0.0 {
                    return Err(Error::OutOfRange {
                        name: "mala: metric factor above the diagonal",
                        value: l,
                        expected: "0 (a lower-triangular Cholesky factor)",
                    });
                }
            }
            ensure_positive("mala: metric factor diagonal", cholesky_factor[(i, i)])?;
        }
        Ok(Self {
            factor: Some(Factor {
                dim,
                rows: cholesky_factor.transpose().as_slice().to_vec(),
            }),
            ..Self::new(lr, temperature)?
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The temperature.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// `L` of the metric `M = L L^T`, or `None` for isotropic MALA.
    pub fn cholesky_factor(&self) -> Option<DMatrix<f64>> {
        self.factor
            .as_ref()
            .map(|f| DMatrix::from_row_slice(f.dim, f.dim, &f.rows))
    }

    /// `out = L v` (`v` itself for `M = I`).
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        match &self.factor {
            Some(f) => f.apply(v, out),
            None => out.copy_from_slice(v),
        }
    }

    /// `out = L^T v` (`v` itself for `M = I`).
    fn apply_transpose(&self, v: &[f64], out: &mut [f64]) {
        match &self.factor {
            Some(f) => f.apply_transpose(v, out),
            None => out.copy_from_slice(v),
        }
    }
}

/// The error for MALA on minibatches.
pub(crate) fn minibatch_error() -> Error {
    Error::Unsupported(
        "mala needs the full objective: its Metropolis-Hastings ratio compares exact values of U, \
         so a minibatch (--batch) does not apply; use ula or sgld for minibatches"
            .into(),
    )
}

impl Transform for Mala {
    type State = MalaState;

    fn site(&self) -> Option<Site> {
        Some(Site::Gradient)
    }

    fn init(&self, dim: usize, _rng: &mut Rng) -> MalaState {
        MalaState {
            proposal: vec![0.0; dim],
            proposal_gradient: vec![0.0; dim],
            noise: vec![0.0; dim],
            whitened: vec![0.0; dim],
        }
    }

    fn update(&self, s: &mut MalaState, step: &mut Step<'_, '_>, update: &mut [f64]) -> Result<()> {
        if !step.eval.batch().is_empty() {
            return Err(minibatch_error());
        }
        if let Some(f) = &self.factor {
            ensure_dim("mala: metric vs parameters", f.dim, step.params.len())?;
        }
        let (x, gx) = (step.params, step.gradient);
        let (lr, t) = (self.lr, self.temperature);
        let scale = (2.0 * lr * t).sqrt();
        standard_normals(step.rng, &mut s.noise);
        let forward: f64 = s.noise.iter().map(|z| z * z).sum();
        // v = -lr L^T g(x) + scale xi; y = x + L v.
        self.apply_transpose(gx, &mut s.whitened);
        for (v, &z) in s.whitened.iter_mut().zip(&s.noise) {
            *v = -lr * *v + scale * z;
        }
        self.apply(&s.whitened, update);
        for ((y, &xi), &d) in s.proposal.iter_mut().zip(x).zip(update.iter()) {
            *y = xi + d;
        }
        step.eval.gradient(&s.proposal, &mut s.proposal_gradient);
        // |L^{-1}(x - y + lr M g(y))|^2 = |lr L^T g(y) - v|^2.
        self.apply_transpose(&s.proposal_gradient, &mut s.noise);
        let reverse: f64 = s
            .noise
            .iter()
            .zip(&s.whitened)
            .map(|(&w, &v)| (lr * w - v).powi(2))
            .sum();
        let energy = (step.eval.value(&s.proposal) - step.eval.value(x)) / t;
        let log_ratio = -energy - reverse / (4.0 * lr * t) + 0.5 * forward;
        // A NaN ratio (a proposal where U is undefined) is a rejection.
        let accepted = step.rng.random::<f64>().ln() < log_ratio;
        step.eval.record_proposal(accepted);
        for ((u, &yi), &xi) in update.iter_mut().zip(&s.proposal).zip(x) {
            *u = if accepted { yi - xi } else { 0.0 };
        }
        Ok(())
    }
}
