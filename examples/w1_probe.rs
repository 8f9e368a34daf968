use perturbo::landscape::DoubleWell;
use perturbo::noise::{Brownian, Isotropic};
use perturbo::rng::Seed;
use perturbo::sde::{ensemble, EnsembleConfig, EulerMaruyama, Never, PerturbedFlow};
fn main() {
    let sde = PerturbedFlow::new(DoubleWell, Isotropic::temperature(1, 0.25).unwrap()).unwrap();
    let cfg = EnsembleConfig {
        paths: 100_000,
        dt: 1e-3,
        steps: 1000,
        t0: 0.0,
        seed: Seed(1),
    };
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = ensemble::run(
            &sde,
            &Brownian::new(1).unwrap(),
            &EulerMaruyama,
            &[-1.0],
            &Never,
            &(),
            &cfg,
            &|_| {},
        )
        .unwrap();
        let el = t.elapsed().as_secs_f64();
        let mean: f64 = r.records.iter().map(|p| p.final_state[0]).sum::<f64>() / 1e5;
        let frac = r.records.iter().filter(|p| p.final_state[0] > 0.0).count() as f64 / 1e5;
        println!(
            "{:.1} M path-steps/s  mean {mean:.4} frac {frac:.4}",
            1e8 / el / 1e6
        );
    }
}
