//! The kernel Stein discrepancy with the inverse multiquadric kernel.
//!
//! For a target `p` with score `s = grad log p` and a kernel `k`, the Stein
//! kernel is
//!
//! ```text
//! k_0(x, y) = s(x).s(y) k(x, y) + s(x).grad_y k + s(y).grad_x k + div_x grad_y k,
//! ```
//!
//! with `E_{x ~ p} k_0(x, y) = 0` for every `y` (Stein's identity), and the
//! discrepancy of a sample `x_1..x_n` is `KSD^2 = (1/n^2) sum_{i,j}
//! k_0(x_i, x_j)` (Gorham and Mackey, "Measuring sample quality with
//! kernels", ICML 2017, Section 3 and Proposition 2 with uniform weights;
//! Liu, Lee and Jordan, "A kernelized Stein discrepancy for goodness-of-fit
//! tests", ICML 2016, for the U-statistic). The kernel is the IMQ
//! `k(x, y) = (c^2 + |x - y|^2)^beta` with `c = 1`, `beta = -1/2`, which
//! Gorham and Mackey (Theorem 8) show detects non-convergence for
//! distantly dissipative targets (all the strongly log-concave posteriors
//! here). With `r = x - y` and `q = c^2 + |r|^2` in dimension `d`:
//!
//! ```text
//! grad_x k = 2 beta q^{beta-1} r = -grad_y k,
//! div_x grad_y k = -4 beta (beta - 1) q^{beta-2} |r|^2 - 2 beta d q^{beta-1},
//! k_0 = s(x).s(y) q^beta + 2 beta q^{beta-1} (s(y) - s(x)).r + div_x grad_y k.
//! ```

use crate::error::{ensure_dim, ensure_finite, Error, Result};
use crate::optim::Oracle;

/// IMQ exponent `beta = -1/2` (Gorham and Mackey 2017, Theorem 8).
const BETA: f64 = -0.5;
/// IMQ scale `c = 1`.
const C2: f64 = 1.0;

/// The kernel Stein discrepancy of a sample, with the spread needed to
/// test it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Ksd {
    /// `KSD^2` as Gorham and Mackey define it: the V-statistic
    /// `(1/n^2) sum_{i,j} k_0(x_i, x_j)` (non-negative; biased upwards by
    /// the diagonal, `E = E k_0(X, X) / n` for exact samples).
    pub v_statistic: f64,
    /// The unbiased U-statistic `(1/(n(n-1))) sum_{i != j} k_0(x_i, x_j)` of
    /// `KSD^2(law of the sample, p)`: mean zero for exact independent draws.
    pub u_statistic: f64,
    /// The standard error of the U-statistic for exact independent draws:
    /// the kernel is then degenerate (`E k_0(x, Y) = 0`), and
    /// `Var U = 2 E k_0(X, Y)^2 / (n (n - 1))` exactly (Serfling,
    /// "Approximation Theorems of Mathematical Statistics", 1980, Section
    /// 5.2.1, Lemma A with `zeta_1 = 0`), with `E k_0^2` estimated by the
    /// mean over pairs.
    pub null_se: f64,
    /// The standard error of the U-statistic in general, from its Hoeffding
    /// projection: `sqrt(4 zeta_1 / n)`, with `zeta_1` the sample variance
    /// of the row means `(1/(n-1)) sum_{j != i} k_0(x_i, x_j)` (Serfling
    /// 1980, Section 5.5.1, Theorem A; first-order term only).
    pub se: f64,
}

impl Ksd {
    /// `KSD = sqrt(v_statistic)`.
    pub fn ksd(&self) -> f64 {
        self.v_statistic.sqrt()
    }
}

/// The IMQ kernel Stein discrepancy of `samples` (row-major, `n x d` with
/// `d = oracle.dim()`) against the law `exp(-U)` of an oracle, whose score
/// is `s = -grad U` (temperature 1, the posterior under the crate's
/// convention). `O(n^2 d)` time, `O(n d)` memory.
///
/// Errors: fewer than two samples, a length that is not a multiple of `d`,
/// a non-finite sample or score.
pub fn ksd_imq(oracle: &dyn Oracle, samples: &[f64]) -> Result<Ksd> {
    let d = oracle.dim();
    ensure_dim(
        "ksd: samples length (a multiple of the dimension)",
        (samples.len() / d) * d,
        samples.len(),
    )?;
    let n = samples.len() / d;
    if n < 2 {
        return Err(Error::OutOfRange {
            name: "samples",
            value: n as f64,
            expected: "at least two samples",
        });
    }
    let mut scores = vec![0.0; n * d];
    for (x, s) in samples.chunks_exact(d).zip(scores.chunks_exact_mut(d)) {
        oracle.gradient(x, s);
        for (v, xi) in s.iter_mut().zip(x) {
            ensure_finite("sample", *xi)?;
            *v = -ensure_finite("score", *v)?;
        }
    }
    let df = d as f64;
    let stein = |i: usize, j: usize| -> f64 {
        let (x, y) = (&samples[i * d..(i + 1) * d], &samples[j * d..(j + 1) * d]);
        let (sx, sy) = (&scores[i * d..(i + 1) * d], &scores[j * d..(j + 1) * d]);
        let (mut r2, mut ss, mut drift) = (0.0, 0.0, 0.0);
        for k in 0..d {
            let r = x[k] - y[k];
            r2 += r * r;
            ss += sx[k] * sy[k];
            drift += (sy[k] - sx[k]) * r;
        }
        let q = C2 + r2;
        let q_beta = q.powf(BETA);
        let q1 = q_beta / q;
        let q2 = q1 / q;
        ss * q_beta + 2.0 * BETA * q1 * drift
            - 4.0 * BETA * (BETA - 1.0) * q2 * r2
            - 2.0 * BETA * df * q1
    };
    let (mut diag, mut off, mut off2) = (0.0, 0.0, 0.0);
    let mut rows = vec![0.0; n];
    for i in 0..n {
        diag += stein(i, i);
        for j in i + 1..n {
            let k = stein(i, j);
            off += 2.0 * k;
            off2 += 2.0 * k * k;
            rows[i] += k;
            rows[j] += k;
        }
    }
    let nf = n as f64;
    let pairs = nf * (nf - 1.0);
    let u_statistic = off / pairs;
    let row_means: Vec<f64> = rows.iter().map(|r| r / (nf - 1.0)).collect();
    let centre = row_means.iter().sum::<f64>() / nf;
    let zeta1 = row_means.iter().map(|r| (r - centre).powi(2)).sum::<f64>() / (nf - 1.0);
    Ok(Ksd {
        v_statistic: ((diag + off) / (nf * nf)).max(0.0),
        u_statistic,
        null_se: (2.0 * (off2 / pairs) / pairs).sqrt(),
        se: (4.0 * zeta1 / nf).sqrt(),
    })
}
