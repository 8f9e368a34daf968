//! Running mean and covariance of a stream of vectors (Welford 1962), and
//! the exact merge of two streams (Chan, Golub, LeVeque 1979, eq. 2.1), so
//! per-chain moments pool into one in a fixed order whatever the threads.

use nalgebra::{DMatrix, DVector};

/// Count, mean and sum of outer products of deviations of the vectors seen.
#[derive(Debug, Clone)]
pub struct Moments {
    count: u64,
    mean: DVector<f64>,
    m2: DMatrix<f64>,
    /// Scratch for `x - mean_old` in [`Moments::push`] (no state).
    delta: Vec<f64>,
}

impl Moments {
    /// No vectors of dimension `dim` yet.
    #[must_use]
    pub fn new(dim: usize) -> Self {
        Self {
            count: 0,
            mean: DVector::zeros(dim),
            m2: DMatrix::zeros(dim, dim),
            delta: vec![0.0; dim],
        }
    }

    /// Adds one vector (Welford's update of mean and co-moment matrix,
    /// `M2 += (x - mean_old)(x - mean_new)^T`). Allocates nothing: it runs
    /// once per step of every chain.
    ///
    /// # Panics
    /// If `x` has the wrong length (a programmer bug).
    pub fn push(&mut self, x: &[f64]) {
        assert_eq!(x.len(), self.mean.len(), "Moments::push: wrong dimension");
        self.count += 1;
        let n = self.count as f64;
        for ((d, xi), m) in self.delta.iter_mut().zip(x).zip(self.mean.iter_mut()) {
            *d = xi - *m;
            *m += *d / n;
        }
        for (j, xj) in x.iter().enumerate() {
            let after_j = xj - self.mean[j];
            for (i, d) in self.delta.iter().enumerate() {
                self.m2[(i, j)] += d * after_j;
            }
        }
    }

    /// Merges another stream into this one.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = &other.mean - &self.mean;
        self.m2 += &other.m2;
        self.m2.ger(na * nb / n, &delta, &delta, 1.0);
        self.mean += &delta * (nb / n);
        self.count += other.count;
    }

    /// Number of vectors.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sample mean (zeros if empty).
    pub fn mean(&self) -> &DVector<f64> {
        &self.mean
    }

    /// The unbiased sample covariance (`None` with fewer than two vectors).
    pub fn covariance(&self) -> Option<DMatrix<f64>> {
        (self.count >= 2).then(|| &self.m2 / (self.count as f64 - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_equals_one_stream() {
        let xs: Vec<[f64; 2]> = (0..10).map(|i| [i as f64, (i * i) as f64 - 3.0]).collect();
        let mut all = Moments::new(2);
        xs.iter().for_each(|x| all.push(x));
        let (mut a, mut b) = (Moments::new(2), Moments::new(2));
        xs[..4].iter().for_each(|x| a.push(x));
        xs[4..].iter().for_each(|x| b.push(x));
        a.merge(&b);
        let (ca, call) = (a.covariance().unwrap(), all.covariance().unwrap());
        // Both are exact rational computations of the same quantity; they
        // differ only by rounding, of relative size a few ulps.
        assert!((ca - &call).norm() <= 1e-12 * call.norm());
        assert!((a.mean() - all.mean()).norm() <= 1e-12 * all.mean().norm());
        // Direct two-pass value for the first coordinate: var of 0..9 = 55/6.
        assert!((call[(0, 0)] - 55.0 / 6.0).abs() < 1e-12);
    }
}
