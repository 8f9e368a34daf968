//! Closed-form theory checked against independent computations.

use perturbo::theory::mfpt::{log_mean_first_passage_time, mean_first_passage_time};
use perturbo::theory::Overdamped1d;

/// Mean first-passage time of the OU process `dX = -k X dt + sqrt(2 D) dW`
/// from `x0` to `b > x0` by power series (independent of the quadrature):
/// `T = F(b sqrt(k/D)) - F(x0 sqrt(k/D))`, `F(beta) = (1/k) sqrt(pi/2)
/// [int_0^beta e^{eta^2/2} + int_0^beta e^{eta^2/2} erf(eta/sqrt 2)]`, both
/// integrands expanded termwise (`e^{x^2} erf x = (2/sqrt pi) sum 2^n
/// x^{2n+1} / (2n+1)!!`, Abramowitz and Stegun 7.1.6).
fn ou_mfpt_series(k: f64, d: f64, x0: f64, b: f64) -> f64 {
    let f = |beta: f64| -> f64 {
        let b2 = beta * beta;
        // First series: sum beta^{2n+1} / (2^n n! (2n+1)).
        let mut s1 = 0.0;
        let mut pow = beta; // beta^{2n+1} / (2^n n!)
        // Second: sum a_n 2^{-(n+1/2)} beta^{2n+2} / (2n+2), a_n = (2/sqrt pi) 2^n / (2n+1)!!.
        let mut s2 = 0.0;
        let mut c = 2.0 / std::f64::consts::PI.sqrt() / std::f64::consts::SQRT_2 * b2; // n = 0 term without 1/(2n+2)
        for n in 0..2000 {
            let nf = n as f64;
            let t1 = pow / (2.0 * nf + 1.0);
            let t2 = c / (2.0 * nf + 2.0);
            s1 += t1;
            s2 += t2;
            if t1.abs() < 1e-18 * s1.abs() && t2.abs() < 1e-18 * s2.abs().max(1e-300) && nf > b2 {
                break;
            }
            pow *= b2 / (2.0 * (nf + 1.0));
            // a_{n+1} 2^{-(n+3/2)} / (a_n 2^{-(n+1/2)}) = (2 / (2n+3)) / 2 = 1 / (2n+3); times beta^2.
            c *= b2 / (2.0 * nf + 3.0);
        }
        (std::f64::consts::PI / 2.0).sqrt() * (s1 + s2) / k
    };
    let s = (k / d).sqrt();
    f(b * s) - f(x0 * s)
}

#[test]
fn scratch_ou() {
    for (k, d, x0, b) in [(1.0, 1.0, 0.0, 1.0), (2.0, 0.1, 0.0, 1.0), (1.0, 0.05, -0.3, 1.2), (3.0, 0.5, -2.0, -0.5)] {
        let want = ou_mfpt_series(k, d, x0, b);
        let p = Overdamped1d::langevin(move |x| 0.5 * k * x * x, d).unwrap();
        let got = mean_first_passage_time(&p, x0, b).unwrap();
        let p2 = Overdamped1d::state_dependent(move |x| k * x, move |_| d);
        let got2 = mean_first_passage_time(&p2, x0, b).unwrap();
        println!("{k} {d} {x0} {b}: series {want} quad {got} rel {:e} sd rel {:e}", got / want - 1.0, got2 / want - 1.0);
        let _ = log_mean_first_passage_time(&p, x0, b);
    }
}
