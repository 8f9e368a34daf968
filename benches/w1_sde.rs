//! Workload W1 (`BENCHMARKS.md`): the Euler-Maruyama ensemble kernel on the
//! double well, against the Gaussian-sampling ceiling it is bound by.
//!
//! Criterion reports both as elements per second (path-steps and normals),
//! each on one thread; their ratio is the kernel's fraction of the ceiling. The whole workload, side by
//! side with the peer scripts, is `perturbo bench w1 --json`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand_distr::{Distribution, StandardNormal};

use perturbo::landscape::DoubleWell;
use perturbo::noise::{Brownian, Isotropic};
use perturbo::rng::Seed;
use perturbo::sde::{ensemble, EnsembleConfig, EulerMaruyama, Never, PerturbedFlow};

const PATHS: usize = 20_000;
const STEPS: usize = 200;

fn w1(c: &mut Criterion) {
    let sde = PerturbedFlow::new(DoubleWell, Isotropic::temperature(1, 0.25).unwrap()).unwrap();
    let noise = Brownian::new(1).unwrap();
    let cfg = EnsembleConfig {
        paths: PATHS,
        dt: 1e-3,
        steps: STEPS,
        t0: 0.0,
        seed: Seed(0),
    };
    let mut group = c.benchmark_group("w1");
    group.throughput(Throughput::Elements((PATHS * STEPS) as u64));
    group.sample_size(20);
    // One thread on both sides, so the ratio is the kernel's efficiency.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("euler_maruyama_ensemble_one_thread", |b| {
        b.iter(|| {
            pool.install(|| {
                ensemble::run(
                    &sde,
                    &noise,
                    &EulerMaruyama,
                    &[-1.0],
                    &Never,
                    &(),
                    &cfg,
                    &|_| {},
                )
                .unwrap()
            })
        })
    });
    group.bench_function("normal_sampling_ceiling_one_thread", |b| {
        b.iter_batched(
            || Seed(0).rng(),
            |mut rng| {
                (0..PATHS * STEPS)
                    .map(|_| -> f64 { StandardNormal.sample(&mut rng) })
                    .sum::<f64>()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, w1);
criterion_main!(benches);
