use perturbo::rng::Seed;
use rand_distr::{Distribution, StandardNormal};
fn main() {
    let n = 100_000_000usize;
    let mut r = Seed(1).rng();
    let t = std::time::Instant::now();
    let mut s = 0.0;
    for _ in 0..n {
        let z: f64 = StandardNormal.sample(&mut r);
        s += z;
    }
    println!(
        "single rng: {:.1} M/s ({s:.1})",
        n as f64 / t.elapsed().as_secs_f64() / 1e6
    );
    let b = 256;
    let mut rngs: Vec<_> = (0..b).map(|i| Seed(1).stream(i as u64)).collect();
    let mut x = vec![-1.0f64; b];
    let t = std::time::Instant::now();
    for _ in 0..n / b {
        for p in 0..b {
            let z: f64 = StandardNormal.sample(&mut rngs[p]);
            let xp = x[p];
            x[p] = xp - 1e-3 * 4.0 * xp * (xp * xp - 1.0) + 0.0223 * z;
        }
    }
    println!(
        "per-path rng fused: {:.1} M/s ({})",
        n as f64 / t.elapsed().as_secs_f64() / 1e6,
        x[0]
    );
    let mut zb = vec![0.0f64; b];
    let t = std::time::Instant::now();
    for _ in 0..n / b {
        for p in 0..b {
            zb[p] = StandardNormal.sample(&mut rngs[p]);
        }
        for p in 0..b {
            let xp = x[p];
            x[p] = xp - 1e-3 * 4.0 * xp * (xp * xp - 1.0) + 0.0223 * zb[p];
        }
    }
    println!(
        "per-path rng split: {:.1} M/s ({})",
        n as f64 / t.elapsed().as_secs_f64() / 1e6,
        x[0]
    );
}
