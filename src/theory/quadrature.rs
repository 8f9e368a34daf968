//! The panel rule behind the 1-D quadratures: 12-point Gauss-Legendre with
//! its spectral integration matrix, and log-space accumulation.
//!
//! On the reference panel `[-1, 1]` with Gauss-Legendre nodes `t_j` and
//! weights `w_j` (the roots of the Legendre polynomial `P_K` and
//! `w_j = 2 / ((1 - t_j^2) P_K'(t_j)^2)`; Abramowitz and Stegun, *Handbook of
//! Mathematical Functions*, 1964, 25.4.29):
//!
//! - `sum_j w_j f(t_j)` is exact for polynomials of degree `<= 2K - 1`;
//! - the cumulative integrals `int_{-1}^{t_j} f = sum_l S_jl f(t_l)` are exact
//!   for degree `<= K - 1`, with `S_jl = int_{-1}^{t_j} l_l(s) ds` for the
//!   Lagrange basis `l_l` of the nodes. Expanding `l_l` in Legendre
//!   polynomials (exact by the discrete orthogonality of the nodes) and using
//!   `int_{-1}^{t} P_n = (P_{n+1}(t) - P_{n-1}(t)) / (2n + 1)` for `n >= 1`
//!   (Abramowitz and Stegun 22.13.9 rearranged) gives
//!   `S_jl = w_l [ (t_j + 1) / 2 + sum_{n=1}^{K-1} P_n(t_l) (P_{n+1}(t_j) - P_{n-1}(t_j)) / 2 ]`
//!   (the spectral integration matrix of Greengard, "Spectral integration and
//!   two-point boundary value problems", SIAM J. Numer. Anal. 28, 1991);
//! - the last two Legendre coefficients `c_n = (2n + 1) / 2 sum_l w_l P_n(t_l) f(t_l)`,
//!   `n = K - 2, K - 1`, estimate how well the degree-`K - 1` interpolant
//!   resolves `f` on the panel (they decay geometrically for an analytic `f`
//!   and like a power of `n` across a kink), which is how the adaptive grids
//!   find kinks nobody declared;
//! - the interpolant's values at the panel ends, `p(+-1) = sum_n (+-1)^n c_n`,
//!   compared with the function's own end values, catch a kink that lies
//!   between an end and the nearest node, which the tail cannot see.

/// Nodes per panel.
pub(crate) const NODES: usize = 12;

/// `ln(a + b)` from `ln a` and `ln b`, exact for `-inf` arguments.
pub(crate) fn ln_add_exp(ln_a: f64, ln_b: f64) -> f64 {
    let (hi, lo) = if ln_a >= ln_b {
        (ln_a, ln_b)
    } else {
        (ln_b, ln_a)
    };
    if hi.is_infinite() {
        // Both -inf (an empty sum) or +inf: the larger is the answer.
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// The Legendre polynomials `P_0 .. P_{K+1}` at `x`.
fn legendre_all(x: f64) -> [f64; NODES + 2] {
    let mut p = [0.0; NODES + 2];
    p[0] = 1.0;
    p[1] = x;
    for n in 1..=NODES {
        let nf = n as f64;
        p[n + 1] = ((2.0 * nf + 1.0) * x * p[n] - nf * p[n - 1]) / (nf + 1.0);
    }
    p
}

/// The `NODES`-point Gauss-Legendre rule on `[-1, 1]` with its cumulative
/// (spectral integration) matrix and its two tail-coefficient rows.
#[derive(Debug, Clone)]
pub(crate) struct PanelRule {
    /// Nodes, ascending.
    pub nodes: [f64; NODES],
    /// Weights (sum 2).
    pub weights: [f64; NODES],
    /// `cumulative[j][l] = int_{-1}^{t_j} l_l`.
    cumulative: [[f64; NODES]; NODES],
    /// Rows giving the Legendre coefficients `c_{K-2}` and `c_{K-1}`.
    tail: [[f64; NODES]; 2],
    /// Rows giving the interpolant at `-1` and at `+1`.
    ends: [[f64; NODES]; 2],
}

impl PanelRule {
    /// Builds the rule: Newton's method on `P_K` from the Chebyshev-like
    /// guesses `cos(pi (i + 3/4) / (K + 1/2))`.
    pub fn new() -> Self {
        let k = NODES;
        let mut nodes = [0.0; NODES];
        let mut weights = [0.0; NODES];
        for (i, (node, weight)) in nodes.iter_mut().zip(weights.iter_mut()).enumerate() {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (k as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let p = legendre_all(x);
                dp = k as f64 * (x * p[k] - p[k - 1]) / (x * x - 1.0);
                let dx = p[k] / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            *node = x;
            *weight = 2.0 / ((1.0 - x * x) * dp * dp);
        }
        // Ascending order (the guesses run from +1 down to -1).
        nodes.reverse();
        weights.reverse();

        let p_nodes: Vec<[f64; NODES + 2]> = nodes.iter().map(|&t| legendre_all(t)).collect();
        let mut cumulative = [[0.0; NODES]; NODES];
        for (j, row) in cumulative.iter_mut().enumerate() {
            let pj = &p_nodes[j];
            for (l, entry) in row.iter_mut().enumerate() {
                let pl = &p_nodes[l];
                let mut s = 0.5 * (nodes[j] + 1.0);
                for n in 1..k {
                    s += 0.5 * pl[n] * (pj[n + 1] - pj[n - 1]);
                }
                *entry = weights[l] * s;
            }
        }
        let mut tail = [[0.0; NODES]; 2];
        for (row, n) in tail.iter_mut().zip([k - 2, k - 1]) {
            for (l, entry) in row.iter_mut().enumerate() {
                *entry = (2.0 * n as f64 + 1.0) / 2.0 * weights[l] * p_nodes[l][n];
            }
        }
        let mut ends = [[0.0; NODES]; 2];
        for (l, p) in p_nodes.iter().enumerate() {
            for (n, pn) in p.iter().take(k).enumerate() {
                let c = (2.0 * n as f64 + 1.0) / 2.0 * weights[l] * pn;
                ends[0][l] += if n % 2 == 0 { c } else { -c };
                ends[1][l] += c;
            }
        }
        Self {
            nodes,
            weights,
            cumulative,
            tail,
            ends,
        }
    }

    /// The node `j` mapped to the panel `[a, b]`.
    #[inline]
    pub fn node_on(&self, j: usize, a: f64, b: f64) -> f64 {
        0.5 * (a + b) + 0.5 * (b - a) * self.nodes[j]
    }

    /// `int_{-1}^{1} f` from the values `f(t_l)`.
    #[inline]
    pub fn total(&self, values: &[f64; NODES]) -> f64 {
        self.weights.iter().zip(values).map(|(w, v)| w * v).sum()
    }

    /// `int_{-1}^{t_j} f` from the values `f(t_l)`.
    #[inline]
    pub fn partial(&self, j: usize, values: &[f64; NODES]) -> f64 {
        self.cumulative[j]
            .iter()
            .zip(values)
            .map(|(s, v)| s * v)
            .sum()
    }

    /// `|c_{K-2}| + |c_{K-1}|`: the size of the unresolved part of `f`.
    #[inline]
    pub fn tail(&self, values: &[f64; NODES]) -> f64 {
        self.tail
            .iter()
            .map(|row| {
                row.iter()
                    .zip(values)
                    .map(|(c, v)| c * v)
                    .sum::<f64>()
                    .abs()
            })
            .sum()
    }

    /// The interpolant of the node values at the left (`-1`) and right
    /// (`+1`) end of the panel.
    #[inline]
    pub fn ends(&self, values: &[f64; NODES]) -> (f64, f64) {
        let dot = |row: &[f64; NODES]| row.iter().zip(values).map(|(c, v)| c * v).sum::<f64>();
        (dot(&self.ends[0]), dot(&self.ends[1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(rule: &PanelRule, f: impl Fn(f64) -> f64) -> [f64; NODES] {
        let mut v = [0.0; NODES];
        for (vj, &t) in v.iter_mut().zip(&rule.nodes) {
            *vj = f(t);
        }
        v
    }

    #[test]
    fn gauss_rule_is_exact_to_degree_2k_minus_1() {
        let rule = PanelRule::new();
        // Weights sum to the length 2; nodes symmetric and ascending.
        assert!((rule.weights.iter().sum::<f64>() - 2.0).abs() < 1e-14);
        for j in 0..NODES {
            assert!((rule.nodes[j] + rule.nodes[NODES - 1 - j]).abs() < 1e-15);
        }
        assert!(rule.nodes.windows(2).all(|w| w[0] < w[1]));
        // int_{-1}^{1} x^d = 2 / (d + 1) for even d, 0 for odd d.
        for d in 0..(2 * NODES) {
            let got = rule.total(&values(&rule, |x| x.powi(d as i32)));
            let want = if d % 2 == 0 {
                2.0 / (d as f64 + 1.0)
            } else {
                0.0
            };
            assert!((got - want).abs() < 1e-14, "degree {d}: {got} vs {want}");
        }
    }

    #[test]
    fn cumulative_matrix_is_exact_to_degree_k_minus_1() {
        let rule = PanelRule::new();
        for d in 0..NODES {
            let v = values(&rule, |x| x.powi(d as i32));
            for (j, &t) in rule.nodes.iter().enumerate() {
                let dp1 = d as i32 + 1;
                let want = (t.powi(dp1) - (-1.0_f64).powi(dp1)) / f64::from(dp1);
                let got = rule.partial(j, &v);
                assert!(
                    (got - want).abs() < 1e-14,
                    "degree {d}, node {j}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn tail_separates_smooth_from_kinked() {
        let rule = PanelRule::new();
        // A polynomial of degree K - 3 has no tail at all.
        let smooth = rule.tail(&values(&rule, |x| x.powi(NODES as i32 - 3) - 0.5 * x));
        assert!(smooth < 1e-14, "{smooth}");
        // |x| has a kink: its Legendre coefficients decay like n^(-3/2).
        let kink = rule.tail(&values(&rule, f64::abs));
        assert!(kink > 1e-3, "{kink}");
    }

    #[test]
    fn end_values_are_exact_to_degree_k_minus_1() {
        let rule = PanelRule::new();
        let f = |x: f64| 3.0 * x.powi(NODES as i32 - 1) - x * x + 0.25;
        let (left, right) = rule.ends(&values(&rule, f));
        assert!((left - f(-1.0)).abs() < 1e-12, "{left}");
        assert!((right - f(1.0)).abs() < 1e-12, "{right}");
    }

    #[test]
    fn ln_add_exp_handles_empty_sums_and_large_gaps() {
        assert!((ln_add_exp(0.0, 0.0) - 2.0_f64.ln()).abs() < 1e-15);
        assert!((ln_add_exp(f64::NEG_INFINITY, 3.0) - 3.0).abs() < 1e-15);
        assert!(ln_add_exp(f64::NEG_INFINITY, f64::NEG_INFINITY).is_infinite());
        assert!((ln_add_exp(1000.0, 0.0) - 1000.0).abs() < 1e-12);
    }
}
