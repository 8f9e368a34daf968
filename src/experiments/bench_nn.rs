//! What the network workloads of `BENCHMARKS.md` (W2a, W2b, W4, W5) share:
//! MNIST as the peer scripts read it, the floating-point work of a network
//! per sample, and the machine's ceiling, the measured `f32` GEMM rate.
//!
//! The peers scale pixels to `[0, 1]` and do not standardise them, so
//! [`mnist_unit`] does the same (unlike `perturbo train`, which
//! standardises): both sides then train on the same numbers.

use std::path::Path;
use std::time::Instant;

use crate::data::mnist::{CLASSES, PIXELS};
use crate::data::{Mnist, MnistSplit};
use crate::error::Result;
use crate::nn::gemm::{matmul, MatRef, Threads};
use crate::nn::{AnyLayer, Network};
use crate::train::{Split, TrainData};

/// Side of the square matrices of the ceiling measurement: large enough
/// that packing and thread start-up are negligible (2 x 2048^3 = 17.2
/// GFLOP per product), small enough to take well under a second.
pub const PEAK_SIDE: usize = 2048;

/// Products timed by [`gemm_peak_gflops`]; the fastest counts.
pub const PEAK_REPEATS: usize = 5;

/// MNIST from `dir` with pixels `p / 255` in `[0, 1]`, as the peers read it.
pub fn mnist_unit(dir: &Path) -> Result<TrainData> {
    let (train, test) = Mnist::load(dir)?.into_splits();
    let split = |s: &MnistSplit| Split {
        inputs: s.features_f32(None),
        labels: s.labels().to_vec(),
    };
    Ok(TrainData {
        train: split(&train),
        test: split(&test),
        width: PIXELS,
        classes: CLASSES,
    })
}

/// Multiply-adds of one sample's forward pass through `layers`: `inputs x outputs` for a dense layer, `output values x input
/// channels x kernel^2` for a convolution (activations and pooling do no
/// multiply-adds).
pub fn macs_per_sample(layers: &[AnyLayer]) -> usize {
    layers
        .iter()
        .map(|l| match l {
            AnyLayer::Dense(d) => d.inputs * d.outputs,
            AnyLayer::Conv2d(c) => {
                c.output_shape().len() * c.input_shape().channels * c.kernel() * c.kernel()
            }
            AnyLayer::Activate(_) | AnyLayer::MaxPool2d(_) => 0,
        })
        .sum()
}

/// Floating-point operations of one training sample as the engine runs
/// it: per layer, the forward product and the parameter gradient (`2 x
/// MACs` each) and the input gradient (another `2 x MACs`) for every layer
/// but the first, whose input gradient nothing needs (the engine skips it,
/// as PyTorch does for inputs that do not require a gradient). This is the
/// usual `6 x MACs` count (Kaplan et al. 2020, "Scaling laws for neural
/// language models", arXiv:2001.08361, section 2.1) less the first layer's
/// input gradient: for W2a's MLP, whose first layer holds three quarters of
/// the multiply-adds, 2.41 MFLOP rather than 3.21, the same as PyTorch's
/// `torch.utils.flop_counter.FlopCounterMode` counts for one gradient of
/// the peer's network (`benches/peer_flops.py`).
pub fn train_flops_per_sample(net: &Network) -> f64 {
    let layers = net.layers();
    (6 * macs_per_sample(layers) - 2 * macs_per_sample(&layers[..1])) as f64
}

/// Multiply-adds of one sample's exact Hessian-vector product as the
/// engine runs it (`hvp.rs`, `dense.rs`): for a layer with `m` forward
/// multiply-adds, the R-forward pass is `X V^T` plus `R{X} W^T`, the
/// R-backward pass `R{dY}^T X` plus `dY^T R{X}` for the weights and
/// `R{dY} W` plus `dY V` for the input, so `6 m`; the first layer with
/// parameters has `R{X} = 0` and needs no input term, so `2 m`.
pub fn hvp_macs_per_sample(net: &Network) -> usize {
    let mut first = true;
    let mut total = 0;
    for layer in net.layers() {
        let m = macs_per_sample(std::slice::from_ref(layer));
        if m > 0 {
            total += if first { 2 * m } else { 6 * m };
            first = false;
        }
    }
    total
}

/// The machine's `f32` GEMM rate in GFLOP/s: the fastest of
/// [`PEAK_REPEATS`] products of two [`PEAK_SIDE`]-square matrices through
/// [`matmul`] with `threads` threads of the current rayon pool (`2 n^3`
/// operations each), after one untimed product.
pub fn gemm_peak_gflops(threads: usize) -> f64 {
    let n = PEAK_SIDE;
    let a: Vec<f32> = (0..n * n).map(|i| ((i % 17) as f32 - 8.0) / 8.0).collect();
    let b: Vec<f32> = (0..n * n).map(|i| ((i % 13) as f32 - 6.0) / 6.0).collect();
    let mut c = vec![0.0f32; n * n];
    let mut product = || {
        matmul(
            MatRef::new(&a, n, n),
            MatRef::new(&b, n, n),
            &mut c,
            1.0,
            0.0,
            Threads::Rayon(threads),
        )
    };
    product();
    let mut best = f64::INFINITY;
    for _ in 0..PEAK_REPEATS {
        let clock = Instant::now();
        product();
        best = best.min(clock.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    2.0 * (n * n * n) as f64 / best / 1e9
}

/// The first `n` training samples of `data` (inputs and labels).
pub fn first_samples(data: &TrainData, n: usize) -> Split {
    Split {
        inputs: data.train.inputs[..n * data.width].to_vec(),
        labels: data.train.labels[..n].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine's arithmetic counts for W2a's MLP, beside the counts
    /// PyTorch's `FlopCounterMode` gives for the peers' same network
    /// (`python benches/peer_flops.py`, torch 2.15: 2,407,424 FLOP per
    /// training sample, 5,616,640,000 per double-backward Hessian-vector
    /// product on 1,000 samples). Training does the same arithmetic on both
    /// sides; the R-operator product does 1.75 times less than
    /// double-backward, which is W4's ratio at equal FLOP rates.
    #[test]
    fn w2a_counts_match_the_peers_counter() {
        let net = Network::parse("mlp:784-512-256-10").unwrap();
        // An exact integer count carried in an f64; PyTorch's, not ours.
        assert_eq!(train_flops_per_sample(&net) as u64, 2_407_424);
        // By hand: 2 FLOP x (2 x 784 x 512 for the first layer, 6 x (512 x
        // 256 + 256 x 10) for the others) x 1,000 samples; the peer's
        // 5,616,640,000 is 1.750 times as much.
        assert_eq!(2 * hvp_macs_per_sample(&net) * 1000, 3_209_216_000);
    }
}
