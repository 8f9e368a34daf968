//! Occupation density of one coordinate, as an observer, and its comparison
//! with a target law (the Gibbs density `exp(-V/eps) / Z` for overdamped
//! Langevin; `proofs/gibbs_and_ou.md`).
//!
//! [`Histogram`] bins the chosen coordinate of every running path every
//! `every` steps from step `burn_in` on. Taken at a single step across
//! independent paths, the counts are multinomial, so Pearson's chi-square
//! statistic against the target's bin probabilities
//! ([`Histogram::chi_square`]) has a chi-square law with `bins - 1` degrees of
//! freedom under the null (Pearson 1900); taken along paths, the samples are
//! correlated and the histogram is an estimate of the density only.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sde::Observer;

/// Counts of one coordinate in equal bins on `[low, high)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    axis: usize,
    low: f64,
    high: f64,
    burn_in: usize,
    every: usize,
    counts: Vec<u64>,
    /// Samples below `low`.
    pub below: u64,
    /// Samples at or above `high`.
    pub above: u64,
}

impl Histogram {
    /// `bins` equal bins of coordinate `axis` on `[low, high)`, sampled at
    /// steps `burn_in, burn_in + every, ...` (0-based step indices).
    pub fn new(
        axis: usize,
        low: f64,
        high: f64,
        bins: usize,
        burn_in: usize,
        every: usize,
    ) -> Result<Self> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(Error::Unsupported(format!(
                "histogram range needs low < high, got [{low}, {high})"
            )));
        }
        if bins == 0 || every == 0 {
            return Err(Error::OutOfRange {
                name: "histogram bins and sampling interval",
                value: 0.0,
                expected: "at least 1",
            });
        }
        Ok(Self {
            axis,
            low,
            high,
            burn_in,
            every,
            counts: vec![0; bins],
            below: 0,
            above: 0,
        })
    }

    /// Samples recorded, inside the range or not.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.below + self.above
    }

    /// Bin edges `low + i (high - low) / bins`, `i = 0..=bins`.
    pub fn edges(&self) -> Vec<f64> {
        let n = self.counts.len();
        (0..=n)
            .map(|i| self.low + (self.high - self.low) * i as f64 / n as f64)
            .collect()
    }

    /// `(bin centre, estimated density)` pairs, normalised by all samples.
    pub fn density(&self) -> Vec<(f64, f64)> {
        let width = (self.high - self.low) / self.counts.len() as f64;
        let total = self.total().max(1) as f64;
        self.edges()
            .windows(2)
            .zip(&self.counts)
            .map(|(e, &c)| (0.5 * (e[0] + e[1]), c as f64 / (total * width)))
            .collect()
    }

    /// Pearson's chi-square statistic of the counts (with the two outer
    /// tails as extra cells) against the law with CDF `cdf`, and its degrees
    /// of freedom. Cells whose expected count is below 5 are merged with
    /// their neighbour, the usual validity condition of the chi-square
    /// approximation (Cochran 1954).
    pub fn chi_square(&self, cdf: impl Fn(f64) -> f64) -> (f64, usize) {
        let n = self.total() as f64;
        let edges = self.edges();
        let mut cells: Vec<(f64, f64)> = Vec::with_capacity(self.counts.len() + 2);
        cells.push((self.below as f64, cdf(self.low)));
        for (e, &c) in edges.windows(2).zip(&self.counts) {
            cells.push((c as f64, cdf(e[1]) - cdf(e[0])));
        }
        cells.push((self.above as f64, 1.0 - cdf(self.high)));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        let mut acc = (0.0, 0.0);
        for (obs, p) in cells {
            acc = (acc.0 + obs, acc.1 + p);
            if acc.1 * n >= 5.0 {
                merged.push(acc);
                acc = (0.0, 0.0);
            }
        }
        if let Some(last) = merged.last_mut() {
            last.0 += acc.0;
            last.1 += acc.1;
        }
        let stat = merged
            .iter()
            .map(|&(obs, p)| (obs - n * p).powi(2) / (n * p))
            .sum();
        (stat, merged.len().saturating_sub(1))
    }
}

impl Observer for Histogram {
    #[inline]
    fn observe(&mut self, _path: usize, step: usize, _t: f64, x: &[f64]) {
        if step < self.burn_in || !(step - self.burn_in).is_multiple_of(self.every) {
            return;
        }
        let v = x[self.axis];
        if v < self.low {
            self.below += 1;
        } else if v >= self.high {
            self.above += 1;
        } else {
            let n = self.counts.len();
            let i = (((v - self.low) / (self.high - self.low)) * n as f64) as usize;
            self.counts[i.min(n - 1)] += 1;
        }
    }

    fn merge(&mut self, other: Self) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.below += other.below;
        self.above += other.above;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

    use crate::landscape::Quadratic;
    use crate::noise::{Brownian, Isotropic};
    use crate::rng::Seed;
    use crate::sde::{ensemble, EnsembleConfig, EulerMaruyama, Never, PerturbedFlow};

    /// Overdamped Langevin on V = k x^2 / 2 at temperature eps is an OU
    /// process whose Gibbs law is N(0, eps / k); Euler-Maruyama with step dt
    /// has the exact stationary law N(0, eps / (k (1 - k dt / 2))) (its
    /// linear recursion's fixed point), which the test uses so that no
    /// discretisation allowance is needed. Started in that law's
    /// neighbourhood and run for 20 relaxation times (residual e^-40), the
    /// paths' final states are independent draws from it: the chi-square
    /// statistic must stay below its 1 - 1e-4 quantile (false-alarm 1e-4).
    /// A histogram against the continuous-time law at a temperature off by
    /// 20% must fail the same test, so the test has power.
    #[test]
    fn final_states_follow_the_stationary_law() {
        let (k, eps, dt) = (2.0, 0.5, 0.01);
        let land = Quadratic::new(nalgebra::DMatrix::from_element(1, 1, k), vec![0.0]).unwrap();
        let sde = PerturbedFlow::new(land, Isotropic::temperature(1, eps).unwrap()).unwrap();
        let steps = (20.0 / (k * dt)) as usize;
        let hist = Histogram::new(0, -2.0, 2.0, 40, steps - 1, 1).unwrap();
        let cfg = EnsembleConfig {
            paths: 20_000,
            dt,
            steps,
            t0: 0.0,
            seed: Seed(3),
        };
        let r = ensemble::run(
            &sde,
            &Brownian::new(1).unwrap(),
            &EulerMaruyama,
            &[0.0],
            &Never,
            &hist,
            &cfg,
            &|_| {},
        )
        .unwrap();
        let h = r.observer;
        assert_eq!(h.total(), 20_000);
        let law = |var: f64| Normal::new(0.0, var.sqrt()).unwrap();
        let exact = law(eps / (k * (1.0 - k * dt / 2.0)));
        let (stat, df) = h.chi_square(|x| exact.cdf(x));
        let critical = ChiSquared::new(df as f64).unwrap().inverse_cdf(1.0 - 1e-4);
        assert!(
            stat < critical,
            "chi2 {stat} with {df} df exceeds {critical}"
        );
        let wrong = law(1.2 * eps / k);
        let (stat_wrong, _) = h.chi_square(|x| wrong.cdf(x));
        assert!(
            stat_wrong > critical,
            "a 20% temperature error went unnoticed: chi2 {stat_wrong}"
        );
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(Histogram::new(0, 1.0, 0.0, 10, 0, 1).is_err());
        assert!(Histogram::new(0, 0.0, 1.0, 0, 0, 1).is_err());
        assert!(Histogram::new(0, 0.0, f64::NAN, 10, 0, 1).is_err());
    }
}
