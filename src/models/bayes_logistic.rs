//! Bayesian logistic regression with a Gaussian prior, on synthetic data
//! (benchmark W3) or on two MNIST digits with pooled pixels.
//!
//! Model: `P(y_i = 1 | a_i, theta) = sigmoid(a_i . theta)`, prior
//! `theta ~ N(0, alpha^{-1} I)`. Under the crate's convention (see
//! `bayes_glm.rs`: value `U = -log p(theta | data) + const` as the mean of
//! `u_i = N l_i - log p(theta)`, prior not scaled by `1/N` inside `u_i`),
//!
//! ```text
//! l_i(theta) = softplus(z_i) - y_i z_i,          z_i = a_i . theta,
//! u_i(theta) = N l_i(theta) + alpha |theta|^2 / 2,
//! grad U     = sum_i (sigmoid(z_i) - y_i) a_i + alpha theta,
//! H          = sum_i sigmoid(z_i) (1 - sigmoid(z_i)) a_i a_i^T + alpha I,
//! ```
//!
//! (Bishop, "Pattern Recognition and Machine Learning", 2006, Eqs. 4.90,
//! 4.91, 4.97, plus the prior; the numerics are those of
//! [`super::Logistic`]). `U` is strictly convex, so the MAP is unique; the
//! posterior has no closed form, and [`BayesLogistic::laplace`] gives the
//! Laplace approximation (Bishop 2006, Section 4.5.1) as a sanity
//! reference.

use rand_distr::{Distribution, StandardNormal};

use super::bayes_glm::Posterior;
use super::Logistic;
use crate::data::mnist::{MnistSplit, SIDE};
use crate::data::{Dataset, LogisticTeacher, SampleLaw};
use crate::error::{ensure_at_least, Error, Result};
use crate::rng::Seed;

/// The posterior of Bayesian logistic regression (prior
/// `N(0, alpha^{-1} I)`) as a finite sum of `u_i`.
#[derive(Debug, Clone, PartialEq)]
pub struct BayesLogistic {
    post: Posterior,
}

impl BayesLogistic {
    /// The model's name, as in its spec.
    pub const NAME: &'static str = "bayes-logistic";

    /// The posterior given `data` (labels in `[0, 1]`) and prior precision
    /// `alpha > 0`.
    ///
    /// Rejects a label outside `[0, 1]` and `alpha` not positive and finite.
    pub fn new(data: Dataset, alpha: f64) -> Result<Self> {
        // The label check of the (non-Bayesian) logistic model.
        let data = Logistic::new(data, 0.0)?.data().clone();
        Ok(Self {
            post: Posterior::new(data, alpha, 1.0, "likelihood weight")?,
        })
    }

    /// Benchmark W3's problem (`/work/shared/BENCHMARKS.md`): `n` inputs
    /// `a ~ N(0, I_p)`, true weights `w ~ N(0, I_p)` (unit variance, not the
    /// `1/p` of [`LogisticTeacher::random`]), labels
    /// `Bernoulli(sigmoid(a . w))`, prior `N(0, alpha^{-1} I)` (W3 uses
    /// `alpha = 1`). The weights are drawn from `seed.child(0)`, the samples
    /// from `seed.child(1)` (as the model registry does).
    ///
    /// Rejects `n = 0`, `p = 0`, `n p` above [`crate::data::MAX_ENTRIES`]
    /// and a bad `alpha`.
    pub fn synthetic(n: usize, p: usize, alpha: f64, seed: Seed) -> Result<Self> {
        ensure_at_least("p", p, 1, "at least one weight")?;
        let mut rng = seed.child(0).rng();
        let weights: Vec<f64> = (0..p).map(|_| StandardNormal.sample(&mut rng)).collect();
        let data = LogisticTeacher::new(weights)?.sample(n, seed.child(1))?;
        Self::new(data, alpha)
    }

    /// Two MNIST digits as a binary task: the images of `split` labelled
    /// `negative` (`y = 0`) or `positive` (`y = 1`), in split order, with
    /// features the `pool x pool` block averages of the pixels scaled to
    /// `[0, 1]` (`(28 / pool)^2` of them; `pool = 4` gives 49) followed by a
    /// constant `1` (the bias), and prior `N(0, alpha^{-1} I)`.
    ///
    /// Rejects equal or out-of-range digits, a `pool` that does not divide
    /// 28, and a bad `alpha`.
    pub fn mnist(
        split: &MnistSplit,
        negative: u8,
        positive: u8,
        pool: usize,
        alpha: f64,
    ) -> Result<Self> {
        for d in [negative, positive] {
            if d > 9 {
                return Err(Error::OutOfRange {
                    name: "digit",
                    value: f64::from(d),
                    expected: "a digit 0..=9",
                });
            }
        }
        if negative == positive {
            return Err(Error::Unsupported(format!(
                "a binary MNIST task needs two different digits, got {negative} twice"
            )));
        }
        if pool == 0 || !SIDE.is_multiple_of(pool) {
            return Err(Error::OutOfRange {
                name: "pool",
                value: pool as f64,
                expected: "a divisor of 28 (1, 2, 4, 7, 14, 28)",
            });
        }
        let cells = SIDE / pool;
        let p = cells * cells + 1;
        let norm = 1.0 / (255.0 * (pool * pool) as f64);
        let (mut inputs, mut targets) = (Vec::new(), Vec::new());
        for i in 0..split.n() {
            let label = split.label(i);
            if label != negative && label != positive {
                continue;
            }
            let image = split.image(i);
            let start = inputs.len();
            inputs.resize(start + p, 0.0);
            let row = &mut inputs[start..start + p];
            for (r, line) in image.chunks_exact(SIDE).enumerate() {
                for (c, &pixel) in line.iter().enumerate() {
                    row[(r / pool) * cells + c / pool] += f64::from(pixel) * norm;
                }
            }
            row[p - 1] = 1.0;
            targets.push(if label == positive { 1.0 } else { 0.0 });
        }
        Self::new(Dataset::new(inputs, targets, p)?, alpha)
    }
}

bayes_model!(BayesLogistic, Logistic);
