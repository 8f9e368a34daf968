//! Seeded synthetic data: teacher-student regression and classification, and
//! a two-class Gaussian mixture.
//!
//! A law of one sample `(a, y)` is a small immutable object implementing
//! [`SampleLaw`]; [`SampleLaw::sample`] draws `n` samples from a
//! [`Seed`], so a training set and a held-out set of the same law are two
//! calls with two seeds. Inputs are standard normal, `a ~ N(0, I_p)` (shifted
//! by the class mean for the mixture), drawn with the ziggurat sampler of
//! `rand_distr`; sample `i` is drawn after samples `0..i` from the one
//! generator `seed.rng()`, so a data set is a function of `(law, n, seed)`
//! alone and its first `m` samples do not depend on `n`.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use super::dataset::{check_size, Dataset};
use crate::error::{ensure_finite, Error, Result};
use crate::models::logistic::sigmoid;
use crate::rng::{Rng, Seed};

/// The law of one sample `(a, y)`, from which data sets are drawn.
pub trait SampleLaw {
    /// Input dimension `p`.
    fn input_dim(&self) -> usize;

    /// Draws the input of sample `index` into `input` (length `p`) and
    /// returns its target. `index` lets a law fix the class of each sample
    /// (balanced classes) instead of drawing it.
    fn draw(&self, index: usize, rng: &mut Rng, input: &mut [f64]) -> f64;

    /// `n` samples drawn in index order from `seed.rng()`.
    ///
    /// Rejects `n = 0` and `n p` above [`super::MAX_ENTRIES`].
    fn sample(&self, n: usize, seed: Seed) -> Result<Dataset>
    where
        Self: Sized,
    {
        let p = self.input_dim();
        check_size(n, p)?;
        let mut inputs = vec![0.0; n * p];
        let mut targets = vec![0.0; n];
        let mut rng = seed.rng();
        for (i, (row, y)) in inputs.chunks_exact_mut(p).zip(&mut targets).enumerate() {
            *y = self.draw(i, &mut rng, row);
        }
        Dataset::new(inputs, targets, p)
    }
}

/// Fills `out` with independent `N(0, 1)` draws.
fn standard_normals(rng: &mut Rng, out: &mut [f64]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// `w ~ N(0, I_p / p)` from `seed.rng()`: a teacher whose output `w . a`
/// has variance `|w|^2 ≈ 1` for `a ~ N(0, I_p)`, whatever `p`.
fn random_teacher(p: usize, seed: Seed) -> Result<Vec<f64>> {
    check_size(1, p)?;
    let mut w = vec![0.0; p];
    standard_normals(&mut seed.rng(), &mut w);
    let scale = 1.0 / (p as f64).sqrt();
    w.iter_mut().for_each(|v| *v *= scale);
    Ok(w)
}

/// Rejects an empty vector or a non-finite entry; `name` names it.
fn check_vector(name: &'static str, v: &[f64]) -> Result<()> {
    check_size(1, v.len())?;
    for &x in v {
        ensure_finite(name, x)?;
    }
    Ok(())
}

/// `a . w`.
#[inline]
fn dot(a: &[f64], w: &[f64]) -> f64 {
    a.iter().zip(w).map(|(x, y)| x * y).sum()
}

/// Linear teacher-student regression: `a ~ N(0, I_p)`,
/// `y = w* . a + noise_sd Z` with `Z ~ N(0, 1)` independent of `a`.
///
/// So `E[y | a] = w* . a` and `Var(y | a) = noise_sd^2`; least squares on
/// `n` samples estimates `w*` with covariance `noise_sd^2 (A^T A)^{-1}`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearTeacher {
    teacher: Vec<f64>,
    noise_sd: f64,
}

impl LinearTeacher {
    /// The law with teacher `w*` (non-empty, finite) and label-noise standard
    /// deviation `noise_sd >= 0` (finite).
    pub fn new(teacher: Vec<f64>, noise_sd: f64) -> Result<Self> {
        check_vector("teacher", &teacher)?;
        ensure_finite("noise", noise_sd)?;
        if noise_sd < 0.0 {
            return Err(Error::OutOfRange {
                name: "noise",
                value: noise_sd,
                expected: "noise >= 0 (a standard deviation)",
            });
        }
        Ok(Self { teacher, noise_sd })
    }

    /// The law with a random teacher `w* ~ N(0, I_p / p)` drawn from
    /// `seed.rng()` (so `Var(w* . a) ≈ 1`).
    pub fn random(p: usize, noise_sd: f64, seed: Seed) -> Result<Self> {
        Self::new(random_teacher(p, seed)?, noise_sd)
    }

    /// The teacher `w*`.
    pub fn teacher(&self) -> &[f64] {
        &self.teacher
    }

    /// The label-noise standard deviation.
    pub fn noise_sd(&self) -> f64 {
        self.noise_sd
    }
}

impl SampleLaw for LinearTeacher {
    fn input_dim(&self) -> usize {
        self.teacher.len()
    }

    fn draw(&self, _index: usize, rng: &mut Rng, input: &mut [f64]) -> f64 {
        standard_normals(rng, input);
        let z: f64 = StandardNormal.sample(rng);
        dot(input, &self.teacher) + self.noise_sd * z
    }
}

/// Logistic teacher-student classification: `a ~ N(0, I_p)` and a label
/// `y in {0, 1}` with `P(y = 1 | a) = sigmoid(w* . a)`,
/// `sigmoid(z) = 1 / (1 + e^{-z})`.
///
/// The label is `1` exactly when a uniform `U ~ [0, 1)` falls below
/// `sigmoid(w* . a)`. The population cross-entropy is minimised at `w*`
/// (the model is well specified).
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticTeacher {
    teacher: Vec<f64>,
}

impl LogisticTeacher {
    /// The law with teacher `w*` (non-empty, finite).
    pub fn new(teacher: Vec<f64>) -> Result<Self> {
        check_vector("teacher", &teacher)?;
        Ok(Self { teacher })
    }

    /// The law with a random teacher `w* ~ N(0, I_p / p)` drawn from
    /// `seed.rng()`.
    pub fn random(p: usize, seed: Seed) -> Result<Self> {
        Self::new(random_teacher(p, seed)?)
    }

    /// The teacher `w*`.
    pub fn teacher(&self) -> &[f64] {
        &self.teacher
    }
}

impl SampleLaw for LogisticTeacher {
    fn input_dim(&self) -> usize {
        self.teacher.len()
    }

    fn draw(&self, _index: usize, rng: &mut Rng, input: &mut [f64]) -> f64 {
        standard_normals(rng, input);
        let u: f64 = rng.random();
        if u < sigmoid(dot(input, &self.teacher)) {
            1.0
        } else {
            0.0
        }
    }
}

/// Two balanced Gaussian classes with means `+-mu` and identity covariance:
/// sample `i` has label `y = 1` for even `i` and `y = 0` for odd `i` (so the
/// classes differ in size by at most one), and input `a = (2y - 1) mu + Z`,
/// `Z ~ N(0, I_p)`.
///
/// With equal class priors the posterior is exactly logistic,
/// `P(y = 1 | a) = sigmoid(2 mu . a)` (the log-likelihood ratio of
/// `N(mu, I)` to `N(-mu, I)` is `2 mu . a`), so logistic regression is well
/// specified on it with population minimiser `2 mu`; the Bayes error is
/// `Phi(-|mu|)` (Hastie, Tibshirani and Friedman, "The Elements of
/// Statistical Learning", 2nd ed., 2009, Section 4.3, linear discriminant
/// analysis with equal covariances).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    mean: Vec<f64>,
}

impl GaussianMixture {
    /// The mixture with class means `+-mean` (non-empty, finite).
    pub fn new(mean: Vec<f64>) -> Result<Self> {
        check_vector("mixture mean", &mean)?;
        Ok(Self { mean })
    }

    /// The mixture in `R^p` whose mean `mu` has length `separation >= 0`
    /// along a uniformly random unit direction drawn from `seed.rng()` (a
    /// normalised standard normal vector).
    pub fn random(p: usize, separation: f64, seed: Seed) -> Result<Self> {
        ensure_finite("separation", separation)?;
        if separation < 0.0 {
            return Err(Error::OutOfRange {
                name: "separation",
                value: separation,
                expected: "separation >= 0 (the length of the class mean)",
            });
        }
        check_size(1, p)?;
        let mut rng = seed.rng();
        let mut mean = vec![0.0; p];
        // A standard normal vector is zero with probability 0; redraw then.
        let norm = loop {
            standard_normals(&mut rng, &mut mean);
            let norm = dot(&mean, &mean).sqrt();
            if norm > 0.0 {
                break norm;
            }
        };
        mean.iter_mut().for_each(|v| *v *= separation / norm);
        Self::new(mean)
    }

    /// The mean `mu` of class `1` (class `0` has mean `-mu`).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
}

impl SampleLaw for GaussianMixture {
    fn input_dim(&self) -> usize {
        self.mean.len()
    }

    fn draw(&self, index: usize, rng: &mut Rng, input: &mut [f64]) -> f64 {
        let (y, sign) = if index.is_multiple_of(2) {
            (1.0, 1.0)
        } else {
            (0.0, -1.0)
        };
        standard_normals(rng, input);
        for (a, m) in input.iter_mut().zip(&self.mean) {
            *a += sign * m;
        }
        y
    }
}
