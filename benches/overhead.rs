//! One optimizer step of every method of the overhead table, on the
//! table's first objective (`least-squares:n=1024,p=64` with minibatches of
//! 32), through the driver as real runs take it.
//!
//! Each sample is one chain of `iters` steps timed by
//! [`overhead::time_steps`], so criterion's time per iteration is the time
//! per step (the chain's set-up is amortized over the steps). Compare a
//! method's line with `sgd`'s from the same run; the drift-robust ratios
//! are what `perturbo bench overhead` prints. Methods the objective cannot
//! serve are left out.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use perturbo::experiments::overhead::{self, OverheadConfig};
use perturbo::experiments::problem::Problem;
use perturbo::optim::{self, require};
use perturbo::rng::Seed;

fn one_step(c: &mut Criterion) {
    let cfg = OverheadConfig::default();
    let objective = &cfg.objectives[0];
    let seed = Seed(cfg.seed);
    let problem = Problem::parse(&objective.problem, seed.child(0)).expect("the default objective");
    let oracle = problem.oracle();
    let start = vec![cfg.start; oracle.dim()];
    let mut group = c.benchmark_group("overhead_step");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for spec in &cfg.methods {
        let optimizer = optim::parse(spec).expect("the default methods parse");
        if require(oracle, optimizer.needs(), "the method").is_err() {
            continue;
        }
        group.bench_function(spec.as_str(), |b| {
            b.iter_custom(|iters| {
                let (elapsed, _) = overhead::time_steps(
                    oracle,
                    &optimizer,
                    &start,
                    objective.batch,
                    iters.max(1),
                    seed.child(1),
                )
                .expect("a default method runs on the default objective");
                elapsed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, one_step);
criterion_main!(benches);
