//! Workloads W2a, W2b, W4 and W5 (`BENCHMARKS.md`): the network engine's
//! kernels, each at the workload's size, on the default rayon pool (two
//! threads on the reference machine).
//!
//! - `w2a_step`, `w2b_step`: one training step of the MLP and of LeNet-5
//!   on a batch of 128 MNIST images, as `perturbo train` takes it (the
//!   engine's loss and gradient, then the fused `f32` SGD update at
//!   `lr = 0.1`); elements are samples.
//! - `w4_hvp`: one exact Hessian-vector product of the MLP's mean loss over
//!   1,000 images, linearized once outside the loop; elements are products.
//! - `w5_per_sample`: every per-sample gradient of the MLP for 256 images
//!   (a 548 MB output); elements are samples.
//!
//! The whole workloads, side by side with the PyTorch peers, are
//! `perturbo bench w2a|w2b|w4|w5 --json` and `benches/peers.sh`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use perturbo::data::mnist::DEFAULT_DIR;
use perturbo::experiments::bench_nn::mnist_unit;
use perturbo::nn::{Data, Network, Targets, Workspace};
use perturbo::optim;
use perturbo::rng::Seed;
use perturbo::train::update::FusedUpdate;

/// Samples per training step (W2).
const BATCH: usize = 128;

fn nn(c: &mut Criterion) {
    let mnist = mnist_unit(Path::new(DEFAULT_DIR)).expect("MNIST under data/mnist");
    let targets = Targets::Classes {
        labels: &mnist.train.labels,
        classes: mnist.classes,
    };
    let data = Data::new(&mnist.train.inputs, mnist.width, targets).unwrap();
    let mut group = c.benchmark_group("nn");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(5));

    let sgd = FusedUpdate::of(&optim::parse("sgd:lr=0.1").unwrap()).unwrap();
    for (name, spec) in [("w2a_step", "mlp:784-512-256-10"), ("w2b_step", "lenet5")] {
        let net = Network::parse(spec).unwrap();
        let mut params: Vec<f32> = net.init_params(Seed(0));
        let mut grad = vec![0.0f32; net.dim()];
        let mut ws = Workspace::new(&net, BATCH);
        let batch: Vec<usize> = (0..BATCH).collect();
        group.throughput(Throughput::Elements(BATCH as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                net.loss_and_gradient(&params, &data, &batch, &mut ws, &mut grad)
                    .unwrap();
                sgd.apply(&mut params, &grad, &mut [], 1.0);
            })
        });
    }

    let net = Network::parse("mlp:784-512-256-10").unwrap();
    let params: Vec<f32> = net.init_params(Seed(0));
    let first: Vec<usize> = (0..1000).collect();
    let mut lin = net.linearize(&params, &data, &first).unwrap();
    let v: Vec<f32> = (0..net.dim())
        .map(|i| ((i % 7) as f32 - 3.0) / 3.0)
        .collect();
    let mut hv = vec![0.0f32; net.dim()];
    group.throughput(Throughput::Elements(1));
    group.bench_function("w4_hvp", |b| {
        b.iter(|| lin.hessian_vector(&v, &mut hv).unwrap())
    });

    let batch: Vec<usize> = (0..256).collect();
    let mut ws = Workspace::new(&net, batch.len());
    let mut out = vec![0.0f32; batch.len() * net.dim()];
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("w5_per_sample", |b| {
        b.iter(|| {
            net.per_sample_gradients(&params, &data, &batch, &mut ws, &mut out)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, nn);
criterion_main!(benches);
