//! Workload W1 (`BENCHMARKS.md`): the Euler-Maruyama ensemble kernel on the
//! double well, against the Gaussian-sampling ceiling it is bound by.
//!
//! Criterion reports both as elements per second (path-steps and normals),
//! each on one thread, at the full W1 size; their ratio is the kernel's
//! fraction of the ceiling. The whole workload, side by
//! side with the peer scripts, is `perturbo bench w1 --json`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use perturbo::experiments::bench_w1::{self, W1Config};
use perturbo::rng::Seed;

const PATHS: usize = 100_000;
const STEPS: usize = 1_000;

fn w1(c: &mut Criterion) {
    let cfg = W1Config {
        paths: PATHS,
        steps: STEPS,
        ..W1Config::default()
    };
    let mut group = c.benchmark_group("w1");
    group.throughput(Throughput::Elements((PATHS * STEPS) as u64));
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(15));
    // One thread on both sides, so the ratio is the kernel's efficiency.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("euler_maruyama_ensemble_one_thread", |b| {
        b.iter(|| pool.install(|| bench_w1::simulate(&cfg).unwrap()))
    });
    group.bench_function("normal_sampling_ceiling_one_thread", |b| {
        b.iter(|| bench_w1::sum_of_normals(Seed(0), 0, PATHS * STEPS))
    });
    group.finish();
}

criterion_group!(benches, w1);
criterion_main!(benches);
