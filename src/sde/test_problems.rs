//! SDEs with exact solutions, against which the schemes' orders are measured.
//!
//! - [`GeometricBrownianMotion`]: `dX = mu X dt + sigma X dW` coordinatewise
//!   (diagonal noise), solved pathwise from `W_T` alone, in both calculi.
//! - [`OrnsteinUhlenbeck`]: `dX = -theta X dt + sigma dW` (additive noise),
//!   with closed-form mean and variance and an exact one-step recursion.
//! - [`LinearSde`]: `dZ = A Z dt + B dW` in general, with its exact Gaussian
//!   moments (Van Loan's block exponential); [`harmonic_langevin`] is the
//!   underdamped Langevin dynamics of a harmonic well in that form, and
//!   [`scheme_moments`] the exact moments of a linear scheme on such an SDE.

use nalgebra::{DMatrix, DVector};

use super::{Scheme, Sde, Workspace};
use crate::error::{ensure_dim, ensure_finite, ensure_positive, Error, Result};
use crate::noise::{Diffusion, Isotropic, Structure};

/// The diagonal diffusion `G = diag(sigma x_i)` of geometric Brownian motion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearDiagonalNoise {
    dim: usize,
    sigma: f64,
}

impl Diffusion for LinearDiagonalNoise {
    fn dim(&self) -> usize {
        self.dim
    }

    fn noise_dim(&self) -> usize {
        self.dim
    }

    fn structure(&self) -> Structure {
        Structure::Diagonal
    }

    #[inline]
    fn apply(&self, x: &[f64], _t: f64, dn: &[f64], out: &mut [f64]) {
        for ((o, xi), d) in out.iter_mut().zip(x).zip(dn) {
            *o = self.sigma * xi * d;
        }
    }

    /// `g_i = sigma x_i`, `g_i' = sigma`.
    #[inline]
    fn diagonal(&self, x: &[f64], _t: f64, g: &mut [f64], dg: &mut [f64]) {
        for ((gi, dgi), xi) in g.iter_mut().zip(dg.iter_mut()).zip(x) {
            *gi = self.sigma * xi;
            *dgi = self.sigma;
        }
    }

    fn variance_along(&self, x: &[f64], _t: f64, n: &[f64]) -> f64 {
        x.iter()
            .zip(n)
            .map(|(xi, ni)| (self.sigma * xi * ni).powi(2))
            .sum()
    }
}

/// Geometric Brownian motion `dX_i = mu X_i dt + sigma X_i dW_i`, `i < dim`.
///
/// Exact solutions (Kloeden and Platen, *Numerical Solution of Stochastic
/// Differential Equations*, 1992, Chapter 4: its explicitly solvable
/// equations, and its Ito-Stratonovich drift conversion):
/// read as an Ito SDE,
/// `X_t = X_0 exp((mu - sigma^2 / 2) t + sigma W_t)` with
/// `E X_t = X_0 exp(mu t)`; read as a Stratonovich SDE,
/// `X_t = X_0 exp(mu t + sigma W_t)` with `E X_t = X_0 exp((mu + sigma^2 / 2) t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometricBrownianMotion {
    mu: f64,
    noise: LinearDiagonalNoise,
}

impl GeometricBrownianMotion {
    /// GBM in `dim >= 1` independent coordinates with drift rate `mu`
    /// (finite) and volatility `sigma > 0`.
    pub fn new(dim: usize, mu: f64, sigma: f64) -> Result<Self> {
        crate::noise::Brownian::new(dim)?;
        let mu = ensure_finite("mu", mu)?;
        let sigma = ensure_positive("sigma", sigma)?;
        Ok(Self {
            mu,
            noise: LinearDiagonalNoise { dim, sigma },
        })
    }

    /// The drift rate `mu`.
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// The volatility `sigma`.
    pub fn sigma(&self) -> f64 {
        self.noise.sigma
    }

    /// The Ito solution at time `t` from `x0` given `W_t = w`.
    pub fn exact_ito(&self, x0: f64, t: f64, w: f64) -> f64 {
        let s = self.sigma();
        x0 * ((self.mu - 0.5 * s * s) * t + s * w).exp()
    }

    /// The Stratonovich solution at time `t` from `x0` given `W_t = w`.
    pub fn exact_stratonovich(&self, x0: f64, t: f64, w: f64) -> f64 {
        x0 * (self.mu * t + self.sigma() * w).exp()
    }

    /// `E X_t` for the Ito reading.
    pub fn mean_ito(&self, x0: f64, t: f64) -> f64 {
        x0 * (self.mu * t).exp()
    }

    /// `E X_t` for the Stratonovich reading.
    pub fn mean_stratonovich(&self, x0: f64, t: f64) -> f64 {
        let s = self.sigma();
        x0 * ((self.mu + 0.5 * s * s) * t).exp()
    }
}

impl Sde for GeometricBrownianMotion {
    type Diffusion = LinearDiagonalNoise;

    fn dim(&self) -> usize {
        self.noise.dim
    }

    #[inline]
    fn drift(&self, x: &[f64], _t: f64, out: &mut [f64]) {
        for (o, xi) in out.iter_mut().zip(x) {
            *o = self.mu * xi;
        }
    }

    fn diffusion(&self) -> &LinearDiagonalNoise {
        &self.noise
    }
}

/// The Ornstein-Uhlenbeck process `dX = -theta X dt + sigma dW` in `R^dim`.
///
/// Closed forms per coordinate (Kloeden and Platen 1992, Chapter 4, the
/// linear equation with additive noise): `X_t` is Gaussian with
/// `E X_t = X_0 e^{-theta t}` and
/// `Var X_t = sigma^2 (1 - e^{-2 theta t}) / (2 theta)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrnsteinUhlenbeck {
    theta: f64,
    noise: Isotropic,
}

impl OrnsteinUhlenbeck {
    /// The OU process with rate `theta > 0` and amplitude `sigma > 0`.
    pub fn new(dim: usize, theta: f64, sigma: f64) -> Result<Self> {
        let theta = ensure_positive("theta", theta)?;
        Ok(Self {
            theta,
            noise: Isotropic::scaled(dim, sigma)?,
        })
    }

    /// The mean-reversion rate `theta`.
    pub fn theta(&self) -> f64 {
        self.theta
    }

    /// The noise amplitude `sigma`.
    pub fn sigma(&self) -> f64 {
        self.noise.scale()
    }

    /// `E X_t` from `x0`.
    pub fn mean(&self, x0: f64, t: f64) -> f64 {
        x0 * (-self.theta * t).exp()
    }

    /// `Var X_t` (from a deterministic start).
    pub fn variance(&self, t: f64) -> f64 {
        let s = self.sigma();
        -s * s * (-2.0 * self.theta * t).exp_m1() / (2.0 * self.theta)
    }

    /// The exact recursion over a step `dt` driven by the Brownian increment
    /// `dw` of that step:
    /// `x e^{-theta dt} + sqrt(Var X_dt) dw / sqrt(dt)`.
    ///
    /// It reproduces the law of `(X_{t_k})_k` exactly at every grid time (the
    /// transition is Gaussian with that mean and variance, and `dw / sqrt(dt)`
    /// is standard normal). Pathwise it replaces the stochastic integral
    /// `sigma int e^{-theta (t + dt - s)} dW_s` by a multiple of `dw`, an error
    /// of mean zero and variance `sigma^2 theta^2 dt^3 / 12 + O(dt^4)` per
    /// step, independent across steps and damped by the flow afterwards: on a
    /// grid of step `delta` over `[0, T]` the recursion is within RMS at most
    /// `sigma theta delta sqrt(T / 12)` (leading order) of the true path.
    pub fn exact_step(&self, x: f64, dt: f64, dw: f64) -> f64 {
        x * (-self.theta * dt).exp() + (self.variance(dt) / dt).sqrt() * dw
    }
}

impl Sde for OrnsteinUhlenbeck {
    type Diffusion = Isotropic;

    fn dim(&self) -> usize {
        Diffusion::dim(&self.noise)
    }

    #[inline]
    fn drift(&self, x: &[f64], _t: f64, out: &mut [f64]) {
        for (o, xi) in out.iter_mut().zip(x) {
            *o = -self.theta * xi;
        }
    }

    fn diffusion(&self) -> &Isotropic {
        &self.noise
    }
}

/// Underdamped Langevin dynamics (unit mass, friction `gamma`, temperature
/// `eps`) in the one-dimensional harmonic well `V(q) = k q^2 / 2`, as the
/// linear SDE of `Z = (q, p)`: `A = [[0, 1], [-k, -gamma]]`,
/// `B B^T = diag(0, 2 gamma eps)`.
pub fn harmonic_langevin(stiffness: f64, gamma: f64, eps: f64) -> Result<LinearSde> {
    let stiffness = ensure_positive("stiffness", stiffness)?;
    let gamma = ensure_positive("gamma", gamma)?;
    let eps = ensure_positive("eps", eps)?;
    LinearSde::new(
        DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -stiffness, -gamma]),
        DMatrix::from_row_slice(2, 2, &[0.0, 0.0, 0.0, 2.0 * gamma * eps]),
    )
}

/// The linear SDE `dZ = A Z dt + B dW`, described by `A` and `Q = B B^T`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSde {
    a: DMatrix<f64>,
    q: DMatrix<f64>,
}

impl LinearSde {
    /// The SDE with drift matrix `a` and noise covariance rate `q` (square,
    /// same size, finite, `q` symmetric).
    pub fn new(a: DMatrix<f64>, q: DMatrix<f64>) -> Result<Self> {
        let n = a.nrows();
        ensure_dim("drift matrix (square)", n, a.ncols())?;
        ensure_dim("noise covariance rows", n, q.nrows())?;
        ensure_dim("noise covariance columns", n, q.ncols())?;
        if let Some(v) = a.iter().chain(q.iter()).find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "linear SDE coefficient",
                value: *v,
            });
        }
        if (&q - q.transpose()).amax() > 1e-12 * q.amax() {
            return Err(Error::Unsupported(
                "noise covariance B B^T must be symmetric".to_owned(),
            ));
        }
        Ok(Self { a, q })
    }

    /// Mean and covariance of `Z_t` from the deterministic start `z0`:
    /// `m = e^{A t} z0`, `S = int_0^t e^{A s} Q e^{A^T s} ds`, the latter from
    /// one matrix exponential: with `C = [[-A, Q], [0, A^T]] t`,
    /// `e^C = [[F11, F12], [0, F22]]` and `S = F22^T F12` (Van Loan,
    /// "Computing integrals involving the matrix exponential", IEEE Trans.
    /// Automat. Control 23(3), 1978, Theorem 1).
    ///
    /// # Panics
    /// If `z0` does not have the SDE's dimension.
    pub fn moments(&self, z0: &[f64], t: f64) -> (DVector<f64>, DMatrix<f64>) {
        let n = self.a.nrows();
        assert_eq!(z0.len(), n, "start point dimension");
        let mut c = DMatrix::zeros(2 * n, 2 * n);
        c.view_mut((0, 0), (n, n)).copy_from(&(-&self.a * t));
        c.view_mut((0, n), (n, n)).copy_from(&(&self.q * t));
        c.view_mut((n, n), (n, n))
            .copy_from(&(self.a.transpose() * t));
        let e = c.exp();
        let f12 = e.view((0, n), (n, n));
        let f22 = e.view((n, n), (n, n));
        let cov = f22.transpose() * f12;
        let mean = f22.transpose() * DVector::from_column_slice(z0);
        (mean, cov)
    }
}

/// Mean and covariance after `steps` steps of `scheme` from `z0`, for a
/// linear SDE whose one-step map is linear in `(x, dn)`.
///
/// Writing the step as `x' = M x + N dn`, the columns of `M` and `N` are
/// read off by stepping unit vectors (so this exercises the scheme's own
/// [`Scheme::step`]); with `dn ~ N(0, dt I)` independent of `x`, the law
/// stays Gaussian with `m' = M m` and `S' = M S M^T + dt N N^T`. This gives a
/// scheme's weak error for quadratic observables with no Monte Carlo noise.
///
/// # Requirements
/// The step is linear in `(x, dn)`: a time-homogeneous linear SDE without
/// constant term (such as [`OrnsteinUhlenbeck`] or underdamped Langevin in a
/// quadratic well centred at 0) under a scheme built from linear operations
/// (Euler-Maruyama, Milstein, stochastic Heun, BAOAB). `z0` has the SDE's
/// dimension.
pub fn scheme_moments<S: Sde, M: Scheme<S>>(
    sde: &S,
    scheme: &M,
    z0: &[f64],
    dt: f64,
    steps: usize,
) -> (DVector<f64>, DMatrix<f64>) {
    let (d, m) = (sde.dim(), sde.diffusion().noise_dim());
    let mut ws = Workspace::new(d, m, 1);
    let mut state_map = DMatrix::zeros(d, d);
    let mut noise_map = DMatrix::zeros(d, m);
    let mut x = vec![0.0; d];
    let mut dn = vec![0.0; m];
    for j in 0..d {
        x.fill(0.0);
        x[j] = 1.0;
        scheme.step(sde, &mut x, 0.0, dt, &dn, &mut ws);
        state_map.set_column(j, &DVector::from_column_slice(&x));
    }
    for j in 0..m {
        x.fill(0.0);
        dn.fill(0.0);
        dn[j] = 1.0;
        scheme.step(sde, &mut x, 0.0, dt, &dn, &mut ws);
        noise_map.set_column(j, &DVector::from_column_slice(&x));
    }
    let injected = &noise_map * noise_map.transpose() * dt;
    let mut mean = DVector::from_column_slice(z0);
    let mut cov = DMatrix::zeros(d, d);
    for _ in 0..steps {
        mean = &state_map * mean;
        cov = &state_map * cov * state_map.transpose() + &injected;
    }
    (mean, cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbm_calculi_differ_by_the_ito_correction() {
        let gbm = GeometricBrownianMotion::new(1, 2.0, 1.0).unwrap();
        let (x0, t, w) = (1.5, 0.7, -0.3);
        // Stratonovich with drift mu equals Ito with drift mu + sigma^2 / 2.
        let shifted = GeometricBrownianMotion::new(1, 2.5, 1.0).unwrap();
        let (a, b) = (
            gbm.exact_stratonovich(x0, t, w),
            shifted.exact_ito(x0, t, w),
        );
        approx::assert_relative_eq!(a, b, max_relative = 4.0 * f64::EPSILON);
        let (a, b) = (gbm.mean_stratonovich(x0, t), shifted.mean_ito(x0, t));
        approx::assert_relative_eq!(a, b, max_relative = 4.0 * f64::EPSILON);
    }

    #[test]
    fn ou_closed_forms_match_the_linear_sde_moments() {
        let ou = OrnsteinUhlenbeck::new(1, 1.3, 0.7).unwrap();
        let lin = LinearSde::new(
            DMatrix::from_element(1, 1, -1.3),
            DMatrix::from_element(1, 1, 0.49),
        )
        .unwrap();
        let (m, s) = lin.moments(&[2.0], 0.9);
        // The Pade matrix exponential is accurate to a few ulps here.
        approx::assert_relative_eq!(m[0], ou.mean(2.0, 0.9), max_relative = 1e-13);
        approx::assert_relative_eq!(s[(0, 0)], ou.variance(0.9), max_relative = 1e-13);
    }

    #[test]
    fn harmonic_langevin_tends_to_gibbs() {
        // The slowest mode decays like e^{-gamma t / 2} = e^{-30} at t = 60:
        // the law is Gibbs, Var q = eps / k, Var p = eps, Cov = 0, mean 0.
        let (k, gamma, eps) = (2.0, 1.0, 0.3);
        let lin = harmonic_langevin(k, gamma, eps).unwrap();
        let (m, s) = lin.moments(&[1.0, 0.0], 60.0);
        approx::assert_abs_diff_eq!(m.amax(), 0.0, epsilon = 1e-10);
        approx::assert_relative_eq!(s[(0, 0)], eps / k, max_relative = 1e-10);
        approx::assert_relative_eq!(s[(1, 1)], eps, max_relative = 1e-10);
        approx::assert_abs_diff_eq!(s[(0, 1)], 0.0, epsilon = 1e-10);
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        assert!(GeometricBrownianMotion::new(1, f64::NAN, 1.0).is_err());
        assert!(GeometricBrownianMotion::new(0, 1.0, 1.0).is_err());
        assert!(OrnsteinUhlenbeck::new(1, -1.0, 1.0).is_err());
        assert!(harmonic_langevin(0.0, 1.0, 1.0).is_err());
        assert!(LinearSde::new(
            DMatrix::zeros(2, 2),
            DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1.0])
        )
        .is_err());
    }

    #[test]
    fn scheme_moments_of_euler_on_ou_match_the_recursion() {
        // EM on dX = -theta X dt + sigma dW: m_N = (1 - theta h)^N x0,
        // v_{n+1} = (1 - theta h)^2 v_n + sigma^2 h.
        let (theta, sigma, h, n) = (1.3, 0.7, 0.05, 20);
        let ou = OrnsteinUhlenbeck::new(1, theta, sigma).unwrap();
        let (m, s) = scheme_moments(&ou, &crate::sde::EulerMaruyama, &[2.0], h, n);
        let a: f64 = 1.0 - theta * h;
        let v = (0..n).fold(0.0, |v, _| a * a * v + sigma * sigma * h);
        // 20 steps of a 1x1 recursion: relative rounding below 1e-14.
        approx::assert_relative_eq!(m[0], a.powi(n as i32) * 2.0, max_relative = 1e-13);
        approx::assert_relative_eq!(s[(0, 0)], v, max_relative = 1e-13);
    }
}
