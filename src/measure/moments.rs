//! Running mean and covariance of a stream of vectors (Welford 1962), and
//! the exact merge of two streams (Chan, Golub, LeVeque 1979, eq. 2.1), so
//! per-chain moments pool into one in a fixed order whatever the threads.

use nalgebra::{DMatrix, DVector};

/// The largest dimension for which the full covariance is kept: its
/// co-moment matrix costs `d^2` memory and `d^2` work per vector, so beyond
/// this (a network's parameters) only the per-coordinate variances are.
pub const MAX_COVARIANCE_DIM: usize = 256;

/// Sums of products of deviations: the full matrix, or its diagonal.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum CoMoments {
    Full(DMatrix<f64>),
    Diagonal(DVector<f64>),
}

/// Count, mean and sums of products of deviations of the vectors seen: the
/// full matrix up to [`MAX_COVARIANCE_DIM`], its diagonal beyond.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    count: u64,
    mean: DVector<f64>,
    m2: CoMoments,
    /// Scratch for `x - mean_old` in [`Moments::push`] (no state).
    #[serde(skip)]
    delta: Vec<f64>,
}

impl Moments {
    /// No vectors of dimension `dim` yet.
    #[must_use]
    pub fn new(dim: usize) -> Self {
        Self {
            count: 0,
            mean: DVector::zeros(dim),
            m2: if dim <= MAX_COVARIANCE_DIM {
                CoMoments::Full(DMatrix::zeros(dim, dim))
            } else {
                CoMoments::Diagonal(DVector::zeros(dim))
            },
            delta: vec![0.0; dim],
        }
    }

    /// Adds one vector (Welford's update of mean and co-moments,
    /// `M2 += (x - mean_old)(x - mean_new)^T`). Allocates nothing: it runs
    /// once per step of every chain.
    ///
    /// # Panics
    /// If `x` has the wrong length (a programmer bug).
    pub fn push(&mut self, x: &[f64]) {
        assert_eq!(x.len(), self.mean.len(), "Moments::push: wrong dimension");
        self.count += 1;
        let n = self.count as f64;
        self.delta.resize(x.len(), 0.0);
        for ((d, xi), m) in self.delta.iter_mut().zip(x).zip(self.mean.iter_mut()) {
            *d = xi - *m;
            *m += *d / n;
        }
        match &mut self.m2 {
            CoMoments::Full(m2) => {
                for (j, xj) in x.iter().enumerate() {
                    let after_j = xj - self.mean[j];
                    for (i, d) in self.delta.iter().enumerate() {
                        m2[(i, j)] += d * after_j;
                    }
                }
            }
            CoMoments::Diagonal(m2) => {
                for (i, xi) in x.iter().enumerate() {
                    m2[i] += self.delta[i] * (xi - self.mean[i]);
                }
            }
        }
    }

    /// Merges another stream of the same dimension into this one.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = &other.mean - &self.mean;
        match (&mut self.m2, &other.m2) {
            (CoMoments::Full(a), CoMoments::Full(b)) => {
                *a += b;
                a.ger(na * nb / n, &delta, &delta, 1.0);
            }
            (CoMoments::Diagonal(a), CoMoments::Diagonal(b)) => {
                *a += b;
                a.zip_apply(&delta, |m, d| *m += na * nb / n * d * d);
            }
            _ => unreachable!("streams of one dimension keep the same co-moments"),
        }
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

    /// The unbiased sample covariance: `None` with fewer than two vectors,
    /// or above [`MAX_COVARIANCE_DIM`] (see [`Moments::variances`]).
    pub fn covariance(&self) -> Option<DMatrix<f64>> {
        match &self.m2 {
            CoMoments::Full(m2) if self.count >= 2 => Some(m2 / (self.count as f64 - 1.0)),
            _ => None,
        }
    }

    /// The unbiased per-coordinate sample variances (`None` with fewer than
    /// two vectors), in any dimension.
    pub fn variances(&self) -> Option<DVector<f64>> {
        (self.count >= 2).then(|| {
            let scale = 1.0 / (self.count as f64 - 1.0);
            match &self.m2 {
                CoMoments::Full(m2) => m2.diagonal() * scale,
                CoMoments::Diagonal(m2) => m2 * scale,
            }
        })
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

    /// Above MAX_COVARIANCE_DIM only the diagonal is kept; its variances
    /// and merge equal those of the full matrix on the same data (to
    /// rounding: the same arithmetic on the diagonal entries).
    #[test]
    fn diagonal_moments_match_the_full_diagonal() {
        let dim = MAX_COVARIANCE_DIM + 1;
        let xs: Vec<Vec<f64>> = (0..7)
            .map(|k| {
                (0..dim)
                    .map(|i| ((k * 31 + i * 7) % 13) as f64 - 6.0)
                    .collect()
            })
            .collect();
        let (mut a, mut b) = (Moments::new(dim), Moments::new(dim));
        xs[..3].iter().for_each(|x| a.push(x));
        xs[3..].iter().for_each(|x| b.push(x));
        a.merge(&b);
        assert!(
            a.covariance().is_none(),
            "no full covariance above the limit"
        );
        let v = a.variances().unwrap();
        for i in [0, 1, dim - 1] {
            let col: Vec<f64> = xs.iter().map(|x| x[i]).collect();
            let m = col.iter().sum::<f64>() / 7.0;
            let direct = col.iter().map(|c| (c - m).powi(2)).sum::<f64>() / 6.0;
            assert!(
                (v[i] - direct).abs() <= 1e-12 * direct.max(1.0),
                "{i}: {} vs {direct}",
                v[i]
            );
        }
    }
}
