//! Lanczos with full reorthogonalisation on a Hessian-vector product: the
//! top eigenvalues of `H(x)` and the tridiagonal that stochastic Lanczos
//! quadrature reuses.
//!
//! # Method
//! From a unit start vector `q_1`, the Lanczos recurrence (Lanczos 1950;
//! Golub and Van Loan, *Matrix Computations*, 4th ed., 2013, Section 10.1)
//!
//! ```text
//! w = H q_j - alpha_j q_j - beta_{j-1} q_{j-1},   alpha_j = q_j^T H q_j,
//! beta_j = ||w||,   q_{j+1} = w / beta_j
//! ```
//!
//! builds an orthonormal basis `Q_m` of the Krylov space
//! `K_m = span{q_1, H q_1, ..., H^{m-1} q_1}` and the symmetric tridiagonal
//! `T_m = Q_m^T H Q_m` (diagonal `alpha`, off-diagonal `beta`). The
//! eigenvalues `theta_1 >= ... >= theta_m` of `T_m` (Ritz values) approximate
//! the extreme eigenvalues of `H`. In floating point the plain recurrence
//! loses orthogonality as Ritz values converge (Paige 1971) and produces
//! spurious copies; here every new `w` is orthogonalised against all
//! previous `q_i` by two passes of classical Gram-Schmidt ("twice is enough":
//! Giraud, Langou and Rozloznik, Comput. Math. Appl. 50, 2005), which keeps
//! `Q_m` orthonormal to working precision at `O(m^2 n)` flops and `m n`
//! memory. One run costs `m` Hessian-vector products.
//!
//! # Convergence (Kaniel-Paige-Saad)
//! With eigenvalues `lambda_1 >= ... >= lambda_n`, eigenvectors `u_i` and
//! `theta_i` the `i`-th largest Ritz value after `m` steps,
//!
//! ```text
//! 0 <= lambda_i - theta_i
//!   <= (lambda_1 - lambda_n) (kappa_i tan(q_1, u_i) / C_{m-i}(1 + 2 gamma_i))^2,
//! gamma_i = (lambda_i - lambda_{i+1}) / (lambda_{i+1} - lambda_n),
//! kappa_1 = 1,  kappa_i = prod_{j<i} (theta_j - lambda_n) / (theta_j - lambda_i),
//! ```
//!
//! with `C_d` the Chebyshev polynomial of degree `d` (Kaniel, Math. Comp. 20,
//! 1966; Paige, PhD thesis, London 1971; Saad, SIAM J. Numer. Anal. 17, 1980,
//! and *Numerical Methods for Large Eigenvalue Problems*, 2nd ed., SIAM
//! 2011, Section 6.6). So (i) Ritz values are lower bounds of the top
//! eigenvalues (Cauchy interlacing); (ii) for the `k`-th value the degree is
//! `m - k`: `m` must exceed `k`, and since `C_d(x) >= exp(d acosh x) / 2`
//! with `acosh(1 + 2 gamma) ~ 2 sqrt(gamma)` for small `gamma`, the bound
//! falls like `4 (lambda_1 - lambda_n) (kappa_k tan)^2 exp(-4 (m - k) sqrt(gamma_k))`:
//! reaching an error `tol` takes about
//! `m - k ~ ln(4 (lambda_1 - lambda_n) (kappa_k tan)^2 / tol) / (4 sqrt(gamma_k))`
//! steps, a few tens for a well-separated top of the spectrum and many more
//! when `gamma_k` is small; (iii) a start vector nearly orthogonal to `u_i`
//! (large `tan`; for a Gaussian start `tan^2` is about `n`) slows convergence
//! only logarithmically, and a Gaussian start makes exact orthogonality
//! impossible (probability zero). With `m = n` the Krylov space is the whole
//! space and the Ritz values are all eigenvalues to rounding.
//!
//! # Breakdown
//! If `beta_j` is negligible (below `8 n eps` times a running bound on
//! `||T||`), `K_j` is an invariant subspace: its Ritz values are eigenvalues
//! of a matrix within `beta_j` of `H`, and the run stops early
//! ([`Tridiagonal::invariant`]). This happens when `H` has fewer than `m`
//! distinct eigenvalues represented in the start vector; a single start vector
//! sees one copy of a repeated eigenvalue, so the top-`k` list then holds
//! fewer than `k` values.
//!
//! # A posteriori bounds
//! For a Ritz pair `(theta, Q_m s)`, `||H Q_m s - theta Q_m s|| = beta_m |s_m|`,
//! and some eigenvalue of `H` lies within that residual of `theta` (Parlett,
//! *The Symmetric Eigenvalue Problem*, SIAM 1998, Theorem 4.5.1 and
//! Chapter 13); [`Ritz::error_bounds`] reports it.
//!
//! # Requirements
//! Hessian-vector products ([`crate::optim::Capabilities::hessian_vector`]).

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::operator::HessianAt;
use super::probes::fill_gaussian;
use super::vector::{axpy, dot, norm};
use super::{check_point, ensure_at_least, Measured};
use crate::error::{ensure_finite, Error, Result};
use crate::optim::Oracle;
use crate::rng::Rng;

/// Relative size of `beta_j`, per unit of dimension and in units of a bound
/// on `||T||`, below which the Krylov space is taken as invariant.
const INVARIANCE_RTOL_PER_DIM: f64 = 8.0 * f64::EPSILON;

/// Sizes of a top-eigenvalue run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanczosConfig {
    /// Lanczos steps `m` (Hessian-vector products); capped at the dimension.
    pub steps: usize,
    /// How many of the largest eigenvalues to report (`k <= m`).
    pub top_k: usize,
}

impl Default for LanczosConfig {
    /// 20 steps for the top eigenvalue only: cheap enough for an observer
    /// called during a run; raise `steps` when the top gap is small (see the
    /// module's convergence bound).
    fn default() -> Self {
        Self {
            steps: 20,
            top_k: 1,
        }
    }
}

impl LanczosConfig {
    /// Rejects `steps = 0`, `top_k = 0` and `top_k > steps`.
    pub fn validate(&self) -> Result<()> {
        ensure_at_least("lanczos steps", self.steps, 1, "at least 1")?;
        ensure_at_least("lanczos top_k", self.top_k, 1, "at least 1")?;
        if self.top_k > self.steps {
            return Err(Error::OutOfRange {
                name: "lanczos top_k",
                value: self.top_k as f64,
                expected: "at most the number of Lanczos steps (m Ritz values from m steps)",
            });
        }
        Ok(())
    }
}

/// The Lanczos tridiagonal `T_m = Q_m^T H Q_m` of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tridiagonal {
    /// Diagonal `alpha_1..alpha_m` (`m` = steps taken).
    pub alpha: Vec<f64>,
    /// Off-diagonal `beta_1..beta_{m-1}`.
    pub beta: Vec<f64>,
    /// `beta_m = ||H q_m - alpha_m q_m - beta_{m-1} q_{m-1}||` after
    /// reorthogonalisation: the residual scale of the Ritz pairs.
    pub residual: f64,
    /// Whether the run stopped because `K_m` is invariant (`residual`
    /// negligible): then the Ritz values are eigenvalues of `H` to rounding.
    pub invariant: bool,
}

/// The eigen-decomposition of a [`Tridiagonal`], largest Ritz value first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ritz {
    /// Ritz values `theta_1 >= ... >= theta_m`.
    pub values: Vec<f64>,
    /// `s_{1,i}^2`, the squared first components of the eigenvectors of `T`:
    /// the Gauss quadrature weights of stochastic Lanczos quadrature (Golub
    /// and Welsch, Math. Comp. 23, 1969). They sum to 1.
    pub weights: Vec<f64>,
    /// `beta_m |s_{m,i}|`: an interval of this half-width around
    /// `theta_i` contains an eigenvalue of `H`.
    pub error_bounds: Vec<f64>,
}

impl Tridiagonal {
    /// Number of Lanczos steps taken (`alpha.len()`).
    #[must_use]
    pub fn steps(&self) -> usize {
        self.alpha.len()
    }

    /// Ritz values, quadrature weights and residual bounds: the symmetric
    /// eigenproblem of `T_m` (an `m x m` dense problem, `O(m^3)`).
    #[must_use]
    pub fn ritz(&self) -> Ritz {
        let m = self.steps();
        let t = DMatrix::from_fn(m, m, |i, j| {
            if i == j {
                self.alpha[i]
            } else if i.abs_diff(j) == 1 {
                self.beta[i.min(j)]
            } else {
                0.0
            }
        });
        let eig = SymmetricEigen::new(t);
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
        let vecs = &eig.eigenvectors;
        Ritz {
            values: order.iter().map(|&i| eig.eigenvalues[i]).collect(),
            weights: order.iter().map(|&i| vecs[(0, i)].powi(2)).collect(),
            error_bounds: order
                .iter()
                .map(|&i| self.residual * vecs[(m - 1, i)].abs())
                .collect(),
        }
    }
}

/// Runs `steps` Lanczos steps with full reorthogonalisation on the operator
/// `hvp` (`hvp(v, out)` writes `H v`), from `start` (normalised here).
///
/// Stops early when the Krylov space becomes invariant; `steps` is capped at
/// the dimension `start.len()`. Allocates the `m x n` basis once; the steps
/// allocate nothing. Rejects `steps = 0`, an empty, non-finite or zero start
/// vector, and a non-finite product (reported as `NonFinite`).
pub fn lanczos(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    start: &[f64],
    steps: usize,
) -> Result<Tridiagonal> {
    let n = start.len();
    ensure_at_least("Lanczos dimension", n, 1, "at least 1")?;
    ensure_at_least("lanczos steps", steps, 1, "at least 1")?;
    for &s in start {
        ensure_finite("Lanczos start vector", s)?;
    }
    let start_norm = crate::error::ensure_positive("Lanczos start vector norm", norm(start))?;
    let m = steps.min(n);
    let tol = INVARIANCE_RTOL_PER_DIM * n as f64;
    let mut basis = vec![0.0; m * n];
    basis[..n]
        .iter_mut()
        .zip(start)
        .for_each(|(q, s)| *q = s / start_norm);
    let mut w = vec![0.0; n];
    let mut alpha = Vec::with_capacity(m);
    let mut beta: Vec<f64> = Vec::with_capacity(m);
    let mut t_norm = 0.0_f64;
    for j in 0..m {
        let (done, next) = basis.split_at_mut((j + 1) * n);
        let q = &done[j * n..];
        hvp(q, &mut w);
        let a = ensure_finite("Hessian-vector product (Lanczos alpha)", dot(q, &w))?;
        axpy(-a, q, &mut w);
        if j > 0 {
            axpy(-beta[j - 1], &done[(j - 1) * n..j * n], &mut w);
        }
        for _pass in 0..2 {
            for qi in done.chunks_exact(n) {
                let c = dot(qi, &w);
                axpy(-c, qi, &mut w);
            }
        }
        let b = ensure_finite("Hessian-vector product (Lanczos beta)", norm(&w))?;
        alpha.push(a);
        let previous = if j > 0 { beta[j - 1] } else { 0.0 };
        // Gershgorin: every row of T so far has absolute sum at most this.
        t_norm = t_norm.max(a.abs() + b + previous);
        let invariant = b <= tol * t_norm;
        if invariant || j + 1 == m {
            return Ok(Tridiagonal {
                alpha,
                beta,
                residual: b,
                invariant,
            });
        }
        beta.push(b);
        next[..n].iter_mut().zip(&w).for_each(|(q, wi)| *q = wi / b);
    }
    unreachable!("the loop returns at its last step")
}

/// The `k` largest eigenvalues of an operator, as Ritz values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopEigenvalues {
    /// The `min(k, steps taken)` largest Ritz values, largest first.
    pub values: Vec<f64>,
    /// Their residual bounds ([`Ritz::error_bounds`]).
    pub error_bounds: Vec<f64>,
    /// The run's tridiagonal, for reuse (e.g. as one SLQ quadrature rule).
    pub tridiagonal: Tridiagonal,
}

/// The top `cfg.top_k` eigenvalues of the `n x n` operator `hvp` by
/// `cfg.steps` Lanczos steps from a Gaussian start drawn from `rng`.
pub fn top_eigenvalues(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    cfg: &LanczosConfig,
    rng: &mut Rng,
) -> Result<TopEigenvalues> {
    cfg.validate()?;
    let mut start = vec![0.0; n];
    fill_gaussian(rng, &mut start);
    let tridiagonal = lanczos(hvp, &start, cfg.steps)?;
    let ritz = tridiagonal.ritz();
    let k = cfg.top_k.min(ritz.values.len());
    Ok(TopEigenvalues {
        values: ritz.values[..k].to_vec(),
        error_bounds: ritz.error_bounds[..k].to_vec(),
        tridiagonal,
    })
}

/// The top eigenvalues of `H(x)` of `oracle`, with the Hessian-vector
/// products they took.
pub fn top_eigenvalues_at(
    oracle: &dyn Oracle,
    x: &[f64],
    cfg: &LanczosConfig,
    rng: &mut Rng,
) -> Result<Measured<TopEigenvalues>> {
    check_point(oracle, x)?;
    let mut op = HessianAt::new(oracle, x);
    let result = top_eigenvalues(&mut |v, out| op.apply(v, out), oracle.dim(), cfg, rng);
    op.finish(result).map(Measured::from)
}
