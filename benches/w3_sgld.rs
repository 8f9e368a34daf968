//! Workload W3 (`BENCHMARKS.md`): SGLD on Bayesian logistic regression
//! (`n = 10,000`, `d = 20`, batch 100), one iteration and its parts.
//!
//! `sgld_iteration` times the whole driver (`optim::run_chains`, one chain,
//! the `sgld` spec, minibatches drawn with replacement) per iteration;
//! `batch_gradient` the model's minibatch gradient alone (100 rows of 20),
//! `normals` the 20 standard normals the noise needs, and `batch_draw` the
//! 100 uniform indices: their sum against `sgld_iteration` is the driver's
//! own overhead. The whole workload, side by side with the JAX peer, is
//! `perturbo bench w3 --json`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use perturbo::experiments::bench_w3::{self, W3Config};
use perturbo::landscape::FiniteSum;
use perturbo::rng::Seed;

/// Iterations per timed run of the driver.
const ITERS: u64 = 1_000;

fn w3(c: &mut Criterion) {
    let cfg = W3Config {
        iters: ITERS,
        ..W3Config::default()
    };
    let (model, sgld) = bench_w3::setup(&cfg).unwrap();
    let mut group = c.benchmark_group("w3");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sgld_iteration", |b| {
        b.iter_custom(|reps| {
            let clock = std::time::Instant::now();
            for _ in 0..reps.div_ceil(ITERS) {
                bench_w3::simulate(&model, &sgld, &cfg).unwrap();
            }
            clock
                .elapsed()
                .mul_f64(reps as f64 / (reps.div_ceil(ITERS) * ITERS) as f64)
        })
    });
    let mut rng = Seed(3).rng();
    let batch: Vec<usize> = (0..cfg.batch).map(|_| rng.random_range(0..cfg.n)).collect();
    let (x, mut grad, mut scratch) = (vec![0.1; cfg.d], vec![0.0; cfg.d], vec![0.0; cfg.d]);
    group.bench_function("batch_gradient", |b| {
        b.iter(|| model.batch_gradient(&x, &batch, &mut grad, &mut scratch))
    });
    group.bench_function("normals", |b| {
        b.iter(|| {
            (0..cfg.d)
                .map(|_| -> f64 { StandardNormal.sample(&mut rng) })
                .sum::<f64>()
        })
    });
    let mut indices = Vec::with_capacity(cfg.batch);
    group.bench_function("batch_draw", |b| {
        b.iter(|| {
            indices.clear();
            indices.extend((0..cfg.batch).map(|_| rng.random_range(0..cfg.n)));
            indices[0]
        })
    });
    group.finish();
}

criterion_group!(benches, w3);
criterion_main!(benches);
