//! Coloured noise: the integral of an Ornstein-Uhlenbeck process.

use rand_distr::{Distribution, StandardNormal};

use super::NoiseProcess;
use crate::error::{ensure_positive, Result};
use crate::rng::Rng;

/// Ornstein-Uhlenbeck coloured noise with correlation time `tau`.
///
/// The noise `eta` solves `tau d eta = -eta dt + dW` in every coordinate:
/// stationary law `N(0, 1/(2 tau))`, correlation `E eta_t eta_{t+s} =
/// exp(-|s| / tau) / (2 tau)`, so `int eta` tends to Brownian motion as
/// `tau -> 0` (Hanggi and Jung 1995, "Colored noise in dynamical systems",
/// Adv. Chem. Phys. 89). The driving increment is
/// `dN = int_t^{t+dt} eta_s ds`; each path starts from the stationary law.
///
/// The step is exact (no discretisation error for any `dt`): given
/// `eta_t`, the pair `(eta_{t+dt}, dN)` is Gaussian with, writing
/// `q = dt / tau`, `a = e^{-q}`, `b = 1 - a`,
///
/// - `E eta_{t+dt} = a eta_t`, `Var eta_{t+dt} = b (2 - b) / (2 tau)`;
/// - `E dN = tau b eta_t`, `Var dN = tau J(q)`, `J(q) = int_0^q (1 - e^{-v})^2 dv
///   = q - b - b^2 / 2`;
/// - `Cov(eta_{t+dt}, dN) = b^2 / 2`.
///
/// (Write `eta_s - a(s) eta_t = (1/tau) int_t^s e^{-(s-v)/tau} dW_v` and
/// swap the order of integration in `dN`: `dN - E dN = int_t^{t+dt} (1 -
/// e^{-(t+dt-v)/tau}) dW_v`; the moments are integrals of exponentials.)
/// `J` is summed from its Taylor series `sum_{n>=2} (-1)^n (2^n - 2)
/// q^{n+1} / (n+1)!` for `q < 1/2`, where the closed form cancels
/// (`J ~ q^3 / 3`). The coefficients depend only on `dt` and are cached in
/// the path state, recomputed when `dt` changes. Not Brownian: increments
/// are correlated over `tau`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrnsteinUhlenbeck {
    dim: usize,
    tau: f64,
}

impl OrnsteinUhlenbeck {
    /// The noise in `R^dim` (at least 1) with correlation time `tau > 0`.
    pub fn new(dim: usize, tau: f64) -> Result<Self> {
        super::Brownian::new(dim)?;
        Ok(Self {
            dim,
            tau: ensure_positive("tau", tau)?,
        })
    }

    /// The correlation time.
    pub fn tau(&self) -> f64 {
        self.tau
    }
}

/// The exact one-step coefficients for one `dt` (see [`OrnsteinUhlenbeck`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct StepCoefficients {
    /// The step they were computed for (NaN: none yet).
    dt: f64,
    /// `e^{-dt/tau}`.
    decay: f64,
    /// `tau (1 - e^{-dt/tau})`: the mean of `dN` per unit `eta_t`.
    mean_integral: f64,
    /// Standard deviation of `eta_{t+dt}` given `eta_t`.
    sd_eta: f64,
    /// Coefficient of the shared normal in `dN`: `Cov / sd_eta`.
    shared: f64,
    /// Standard deviation of `dN` given `eta_t` and `eta_{t+dt}`.
    sd_residual: f64,
}

impl StepCoefficients {
    const NONE: Self = Self {
        dt: f64::NAN,
        decay: 0.0,
        mean_integral: 0.0,
        sd_eta: 0.0,
        shared: 0.0,
        sd_residual: 0.0,
    };

    fn new(tau: f64, dt: f64) -> Self {
        let q = dt / tau;
        let b = -(-q).exp_m1();
        let var_eta = b * (2.0 - b) / (2.0 * tau);
        let cov = 0.5 * b * b;
        let var_integral = tau * integrated_square(q, b);
        let sd_eta = var_eta.sqrt();
        let shared = if sd_eta > 0.0 { cov / sd_eta } else { 0.0 };
        Self {
            dt,
            decay: 1.0 - b,
            mean_integral: tau * b,
            sd_eta,
            shared,
            sd_residual: (var_integral - shared * shared).max(0.0).sqrt(),
        }
    }
}

/// `J(q) = int_0^q (1 - e^{-v})^2 dv`, given `b = 1 - e^{-q}`: the series
/// below `q = 1/2`, the closed form above.
fn integrated_square(q: f64, b: f64) -> f64 {
    if q < 0.5 {
        integrated_square_series(q)
    } else {
        q - b - 0.5 * b * b
    }
}

/// `J(q) = sum_{n>=2} (-1)^n (2^n - 2) q^{n+1} / (n+1)!`. For `q < 1/2` the
/// terms shrink by at least `2q / (n+2) <= 1/4` per order, so 30 terms reach
/// rounding.
fn integrated_square_series(q: f64) -> f64 {
    let mut sum = 0.0;
    let mut power_over_factorial = q * q * q / 6.0; // q^{n+1} / (n+1)! at n = 2
    let mut two_pow = 4.0;
    for n in 2..32 {
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * (two_pow - 2.0) * power_over_factorial;
        two_pow *= 2.0;
        power_over_factorial *= q / (n as f64 + 2.0);
    }
    sum
}

/// Per-path state of [`OrnsteinUhlenbeck`]: the current `eta` and the
/// cached step coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct OuState {
    eta: Vec<f64>,
    step: StepCoefficients,
}

impl OuState {
    /// The current value of the coloured noise `eta_t`.
    pub fn eta(&self) -> &[f64] {
        &self.eta
    }
}

impl NoiseProcess for OrnsteinUhlenbeck {
    type State = OuState;

    fn dim(&self) -> usize {
        self.dim
    }

    fn init(&self, rng: &mut Rng) -> OuState {
        let sd = (0.5 / self.tau).sqrt();
        OuState {
            eta: (0..self.dim)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    sd * z
                })
                .collect(),
            step: StepCoefficients::NONE,
        }
    }

    #[inline]
    fn increment(&self, state: &mut OuState, _t: f64, dt: f64, rng: &mut Rng, out: &mut [f64]) {
        if state.step.dt.to_bits() != dt.to_bits() {
            state.step = StepCoefficients::new(self.tau, dt);
        }
        let c = state.step;
        for (o, eta) in out.iter_mut().zip(state.eta.iter_mut()) {
            let z1: f64 = StandardNormal.sample(rng);
            let z2: f64 = StandardNormal.sample(rng);
            *o = c.mean_integral * *eta + c.shared * z1 + c.sd_residual * z2;
            *eta = c.decay * *eta + c.sd_eta * z1;
        }
    }

    fn is_brownian(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_closed_form_of_j_agree_where_both_are_accurate() {
        // At q in [0.3, 0.5] the closed form loses at most a factor ~35 to
        // cancellation (J ~ q^3 / 3 against q), so both are good to ~1e-14.
        for q in [0.3_f64, 0.4, 0.5] {
            let b = -(-q).exp_m1();
            let closed = q - b - 0.5 * b * b;
            let series = integrated_square_series(q);
            assert!(
                (closed - series).abs() < 1e-13 * closed,
                "q {q}: {closed} vs {series}"
            );
        }
        // At small q the first three terms q^3/3 - q^4/4 + 7 q^5/60 leave a
        // relative remainder of order q^3 = 1e-12.
        let q = 1e-4_f64;
        let three_terms = q * q * q / 3.0 - q.powi(4) / 4.0 + 7.0 * q.powi(5) / 60.0;
        let j = integrated_square(q, -(-q).exp_m1());
        assert!(
            (j / three_terms - 1.0).abs() < 1e-11,
            "{j} vs {three_terms}"
        );
    }
}
