//! Checks of the dense network engine (`perturbo::nn`): gradients against
//! finite differences, batch gradients against per-sample ones, thread-count
//! determinism, spec errors, and descent under gradient steps.

mod common;

use common::on_threads;
use perturbo::error::Error;
use perturbo::nn::dense_stack::MAX_BATCH;
use perturbo::nn::{
    Activation, AnyLayer, Data, Init, Loss, Network, Scalar, Targets, Workspace, CHUNK,
};
use perturbo::rng::Seed;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// f32 unit roundoff, `2^-24`.
const U32: f64 = 5.960_464_477_539_063e-8;

/// `n` inputs of width `d` with standard normal entries, `n` labels below
/// `classes`, and `n * classes` standard normal regression targets.
fn synthetic(n: usize, d: usize, classes: usize, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<f64>) {
    let mut rng = Seed(seed).rng();
    let x = (0..n * d)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let labels = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
    let t = (0..n * classes)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    (x, labels, t)
}

fn data<'a, T: Scalar>(
    loss: Loss,
    x: &'a [T],
    d: usize,
    labels: &'a [u8],
    t: &'a [T],
    classes: usize,
) -> Data<'a, T> {
    let targets = match loss {
        Loss::CrossEntropy => Targets::Classes { labels, classes },
        Loss::Squared => Targets::Values {
            values: t,
            width: classes,
        },
    };
    Data::new(x, d, targets).unwrap()
}

fn to_f32(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Central differences of the f64 network against its analytic gradient,
/// for every activation and loss, on a 5-4-3-3 net, every coordinate, and
/// through both routes of an MLP: a batch of `CHUNK + 8` samples (the
/// feature-block route of `nn::dense_stack`) and of `MAX_BATCH + CHUNK + 8`
/// (chunks of `CHUNK` samples, the last partial).
///
/// Tolerance: the central difference with step h has truncation error
/// `h^2 |L'''| / 6` and rounding error about `eps |L| / h` (eps = 2.2e-16);
/// with h = 1e-5 and |L|, |L'''| of order 1 to 10 on this small net both
/// are below 1e-8, so `1e-6 (1 + |g|)` holds with a factor 100 to spare,
/// while any wrong term (a missing factor, a transposed weight) shows up at
/// the size of the gradient itself. ReLU's kink is hit only if a
/// pre-activation lies within about 1e-5 of zero; the data are fixed, so
/// this either never happens or always happens, never flakily.
#[test]
fn gradient_matches_finite_differences_in_f64() {
    for n in [CHUNK + 8, MAX_BATCH + CHUNK + 8] {
        gradient_matches_finite_differences_on(n);
    }
}

fn gradient_matches_finite_differences_on(n: usize) {
    let (d, k) = (5, 3);
    let (x, labels, t) = synthetic(n, d, k, 11);
    let batch: Vec<usize> = (0..n).collect();
    let h = 1e-5;
    for act in [Activation::Relu, Activation::Tanh, Activation::Gelu] {
        for loss in [Loss::CrossEntropy, Loss::Squared] {
            let mlp = Network::mlp(&[d, 4, 3, k], act, loss, Init::Glorot).unwrap();
            let data = data(loss, &x, d, &labels, &t, k);
            let mut ws = Workspace::new(&mlp, n);
            let mut params: Vec<f64> = mlp.init_params(Seed(3));
            // Non-zero biases: with a zero bias a sample whose previous ReLU
            // layer is all dead puts a pre-activation exactly on the kink.
            for (l, layer) in mlp.layers().iter().enumerate() {
                if let AnyLayer::Dense(dense) = layer {
                    let bias = &mut params[mlp.param_range(l)][dense.bias()];
                    for (j, b) in bias.iter_mut().enumerate() {
                        *b = 0.1 * (j as f64 + 1.0);
                    }
                }
            }
            let mut grad = vec![0.0; mlp.dim()];
            mlp.loss_and_gradient(&params, &data, &batch, &mut ws, &mut grad)
                .unwrap();
            for i in 0..mlp.dim() {
                let p0 = params[i];
                params[i] = p0 + h;
                let up = mlp.loss(&params, &data, &batch, &mut ws).unwrap();
                params[i] = p0 - h;
                let down = mlp.loss(&params, &data, &batch, &mut ws).unwrap();
                params[i] = p0;
                let fd = (up - down) / (2.0 * h);
                assert!(
                    (fd - grad[i]).abs() <= 1e-6 * (1.0 + grad[i].abs()),
                    "{act:?}/{loss:?}, batch {n}, parameter {i}: analytic {} vs FD {fd}",
                    grad[i]
                );
            }
        }
    }
}

/// The f32 engine computes the same gradient as the f64 one from the same
/// seed (parameters rounded to f32).
///
/// Tolerance: every gradient entry is a sum of at most 40 products of
/// quantities that each carry a relative f32 error of a few `u` (rounded
/// parameters and inputs, then three layers of dot products of length <= 5);
/// Higham's bound for a dot product of length m is `m u sum|terms|`, so the
/// error is below about `200 u` times the sum of magnitudes, which is at
/// most a few times `max |g|` here; `1e-4 max|g|` is about 1,700 u.
#[test]
fn f32_gradient_agrees_with_f64() {
    let (n, d, k) = (40, 5, 3);
    let (x, labels, t) = synthetic(n, d, k, 12);
    let (x32, t32) = (to_f32(&x), to_f32(&t));
    let batch: Vec<usize> = (0..n).collect();
    for act in [Activation::Relu, Activation::Tanh, Activation::Gelu] {
        for loss in [Loss::CrossEntropy, Loss::Squared] {
            let mlp = Network::mlp(&[d, 4, 3, k], act, loss, Init::He).unwrap();
            let p64: Vec<f64> = mlp.init_params(Seed(4));
            let p32: Vec<f32> = mlp.init_params(Seed(4));
            let mut g64 = vec![0.0; mlp.dim()];
            let mut g32 = vec![0.0f32; mlp.dim()];
            mlp.loss_and_gradient(
                &p64,
                &data(loss, &x, d, &labels, &t, k),
                &batch,
                &mut Workspace::new(&mlp, n),
                &mut g64,
            )
            .unwrap();
            mlp.loss_and_gradient(
                &p32,
                &data(loss, &x32, d, &labels, &t32, k),
                &batch,
                &mut Workspace::new(&mlp, n),
                &mut g32,
            )
            .unwrap();
            let scale = g64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (i, (a, b)) in g64.iter().zip(&g32).enumerate() {
                assert!(
                    (a - f64::from(*b)).abs() <= 1e-4 * scale,
                    "{act:?}/{loss:?} parameter {i}: f64 {a} vs f32 {b}"
                );
            }
        }
    }
}

/// The gradient of a batch is the mean of its batch-size-1 gradients: in
/// f64 up to reordering (tolerance `1e-12 (1 + |g|)`, far above the
/// `n eps` of summing `CHUNK + 6` terms in another order), and in f32
/// within the rounding of the products, which sum the `n = CHUNK + 6`
/// per-sample terms in f32 (the feature-block route sums the whole batch
/// in one product, after scaling each output gradient by `1 / n`): Higham's
/// bound gives `(n + 1) u sum_i |g_i| / n`; we allow twice that plus
/// `1e-30` for entries that are exactly zero.
#[test]
fn batch_gradient_is_mean_of_single_sample_gradients() {
    let (n, d, k) = (CHUNK + 6, 6, 4);
    let (x, labels, t) = synthetic(n, d, k, 13);
    let x32 = to_f32(&x);
    let batch: Vec<usize> = (0..n).collect();
    let mlp = Network::parse("mlp:6-8-5-4,act=tanh").unwrap();

    let p64: Vec<f64> = mlp.init_params(Seed(5));
    let data64 = data(Loss::CrossEntropy, &x, d, &labels, &t, k);
    let mut ws64 = Workspace::new(&mlp, n);
    let mut g = vec![0.0; mlp.dim()];
    let loss = mlp
        .loss_and_gradient(&p64, &data64, &batch, &mut ws64, &mut g)
        .unwrap();
    let (mut mean_g, mut mean_loss) = (vec![0.0; mlp.dim()], 0.0);
    let mut gi = vec![0.0; mlp.dim()];
    for i in 0..n {
        mean_loss += mlp
            .loss_and_gradient(&p64, &data64, &[i], &mut ws64, &mut gi)
            .unwrap()
            / n as f64;
        for (m, v) in mean_g.iter_mut().zip(&gi) {
            *m += v / n as f64;
        }
    }
    assert!((loss - mean_loss).abs() <= 1e-12 * (1.0 + loss));
    for (a, b) in g.iter().zip(&mean_g) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "f64: {a} vs {b}");
    }

    let p32: Vec<f32> = mlp.init_params(Seed(5));
    let t32 = to_f32(&t);
    let data32 = data(Loss::CrossEntropy, &x32, d, &labels, &t32, k);
    let mut ws32 = Workspace::new(&mlp, n);
    let mut g32 = vec![0.0f32; mlp.dim()];
    mlp.loss_and_gradient(&p32, &data32, &batch, &mut ws32, &mut g32)
        .unwrap();
    let mut mean32 = vec![0.0f64; mlp.dim()];
    let mut abs32 = vec![0.0f64; mlp.dim()];
    let mut gi32 = vec![0.0f32; mlp.dim()];
    for i in 0..n {
        mlp.loss_and_gradient(&p32, &data32, &[i], &mut ws32, &mut gi32)
            .unwrap();
        for ((m, s), &v) in mean32.iter_mut().zip(&mut abs32).zip(&gi32) {
            *m += f64::from(v) / n as f64;
            *s += f64::from(v).abs() / n as f64;
        }
    }
    for (j, ((&a, &b), &s)) in g32.iter().zip(&mean32).zip(&abs32).enumerate() {
        let tol = 2.0 * (n + 1) as f64 * U32 * s + 1e-30;
        assert!(
            (f64::from(a) - b).abs() <= tol,
            "f32 parameter {j}: batch {a} vs mean {b} (tol {tol})"
        );
    }
}

/// Loss and gradient are bit-identical under rayon pools of 1, 2 and 8
/// threads, through both routes: 200 samples (feature blocks; the hidden
/// width 200 makes two blocks, the last partial) and 300 (several chunks,
/// the last partial; 159,010 parameters, so the reduction is split over
/// many blocks).
#[test]
fn bit_identical_for_any_thread_count() {
    for n in [200, 300] {
        bit_identical_for_any_thread_count_on(n);
    }
}

fn bit_identical_for_any_thread_count_on(n: usize) {
    let (d, k) = (784, 10);
    let (x, labels, t) = synthetic(n, d, k, 14);
    let (x32, t32) = (to_f32(&x), to_f32(&t));
    let mlp = Network::parse("mlp:784-200-10,act=gelu").unwrap();
    let params: Vec<f32> = mlp.init_params(Seed(6));
    let data = data(Loss::CrossEntropy, &x32, d, &labels, &t32, k);
    let batch: Vec<usize> = (0..n).rev().collect();
    let run = |threads: usize| {
        on_threads(threads, || {
            let mut ws = Workspace::new(&mlp, n);
            let mut g = vec![0.0f32; mlp.dim()];
            let loss = mlp
                .loss_and_gradient(&params, &data, &batch, &mut ws, &mut g)
                .unwrap();
            (
                loss.to_bits(),
                g.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            )
        })
    };
    let one = run(1);
    assert_eq!(one, run(2), "batch {n}: 2 threads differ from 1");
    assert_eq!(one, run(8), "batch {n}: 8 threads differ from 1");
}

/// The two routes of an MLP compute the same mean loss and gradient: in
/// f64, a batch of `2m` samples through chunks (`2m > MAX_BATCH`) against
/// the average of its two halves through feature blocks (`m <= MAX_BATCH`).
/// Both are exact up to the order of the sums (about `n eps` relative,
/// 1e-13 here), so `1e-12 (1 + |g|)` holds, while any difference in what
/// is computed (a missing block, a bias summed over the wrong axis, a
/// wrong scaling) shows at the size of the gradient.
#[test]
fn feature_blocks_and_chunks_agree() {
    let (m, d, k) = (MAX_BATCH / 2 + 20, 300, 10);
    let n = 2 * m;
    assert!(
        n > MAX_BATCH && m <= MAX_BATCH,
        "the halves must take the other route"
    );
    let (x, labels, t) = synthetic(n, d, k, 15);
    let mlp = Network::parse("mlp:300-260-130-10,act=tanh").unwrap();
    let params: Vec<f64> = mlp.init_params(Seed(8));
    let data = data(Loss::CrossEntropy, &x, d, &labels, &t, k);
    let batch: Vec<usize> = (0..n).collect();
    let mut ws = Workspace::new(&mlp, n);
    let mut whole = vec![0.0; mlp.dim()];
    let loss = mlp
        .loss_and_gradient(&params, &data, &batch, &mut ws, &mut whole)
        .unwrap();
    let (mut halves, mut half_loss) = (vec![0.0; mlp.dim()], 0.0);
    let mut g = vec![0.0; mlp.dim()];
    for half in batch.chunks(m) {
        half_loss += 0.5
            * mlp
                .loss_and_gradient(&params, &data, half, &mut ws, &mut g)
                .unwrap();
        halves.iter_mut().zip(&g).for_each(|(h, v)| *h += 0.5 * v);
    }
    assert!(
        (loss - half_loss).abs() <= 1e-12 * (1.0 + loss),
        "{loss} vs {half_loss}"
    );
    for (j, (a, b)) in whole.iter().zip(&halves).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * (1.0 + a.abs()),
            "parameter {j}: {a} vs {b}"
        );
    }
}

/// Full-batch gradient steps on a tanh network with squared loss (smooth)
/// satisfy the descent lemma: for an objective whose gradient is
/// L-Lipschitz along the step and a rate `lr <= 1/L`,
/// `f(x - lr g) <= f(x) - (lr/2) |g|^2`. The squared loss of a 2-16-2 tanh
/// net on unit-scale data has curvature of order 1 to 10, so `lr = 0.02`
/// is below 1/L; a gradient with a wrong sign or scale breaks the
/// inequality at the first step. Computed in f64, so rounding (1e-15) is
/// far below the guaranteed decrease.
#[test]
fn gradient_steps_decrease_the_loss() {
    let (n, d, k) = (64, 2, 2);
    let (x, labels, _) = synthetic(n, d, k, 15);
    // A learnable target: t = (sin x0, x0 x1 / 2).
    let t: Vec<f64> = x
        .chunks(2)
        .flat_map(|p| [p[0].sin(), 0.5 * p[0] * p[1]])
        .collect();
    let mlp = Network::parse("mlp:2-16-2,act=tanh,loss=squared").unwrap();
    let data = data(Loss::Squared, &x, d, &labels, &t, k);
    let batch: Vec<usize> = (0..n).collect();
    let mut ws = Workspace::new(&mlp, n);
    let mut params: Vec<f64> = mlp.init_params(Seed(7));
    let mut g = vec![0.0; mlp.dim()];
    let lr = 0.02;
    let first = mlp
        .loss_and_gradient(&params, &data, &batch, &mut ws, &mut g)
        .unwrap();
    let mut loss = first;
    for step in 0..20 {
        let g2: f64 = g.iter().map(|v| v * v).sum();
        assert!(g2 > 0.0, "zero gradient at step {step}");
        for (p, v) in params.iter_mut().zip(&g) {
            *p -= lr * v;
        }
        let next = mlp
            .loss_and_gradient(&params, &data, &batch, &mut ws, &mut g)
            .unwrap();
        assert!(
            next <= loss - 0.5 * lr * g2,
            "step {step}: {next} > {loss} - (lr/2)|g|^2 = {}",
            loss - 0.5 * lr * g2
        );
        loss = next;
    }
    assert!(loss < first);
}

/// Malformed specs give a `BadSpec` naming the problem; a good one has the
/// expected parameter count.
#[test]
fn spec_errors_are_clear() {
    let reason = |spec: &str| match Network::parse(spec) {
        Err(Error::BadSpec { reason, .. }) => reason,
        other => panic!("{spec}: expected BadSpec, got {other:?}"),
    };
    assert!(reason("mlp:784-0-10").contains("width 1 is 0"));
    assert!(reason("mlp:").contains("missing layer widths"));
    assert!(reason("mlp").contains("missing layer widths"));
    assert!(reason("mlp:10").contains("at least an input and an output"));
    assert!(reason("mlp:784-x-10").contains("`x` is not a whole number"));
    assert!(reason("mlp:4-2,width=3").contains("unknown option `width`"));
    assert!(matches!(
        Network::parse("mlp:4-2,act=swish"),
        Err(Error::Unknown {
            kind: "activation",
            ..
        })
    ));
    assert!(matches!(
        Network::parse("cnn:4-2"),
        Err(Error::Unknown { kind: "model", .. })
    ));
    assert!(reason("lenet5:depth=3").contains("unknown option `depth`"));
    assert!(reason("lenet5:act").contains("`act` is not key=value"));
    assert!(matches!(
        Network::parse("lenet5:loss=hinge"),
        Err(Error::Unknown { kind: "loss", .. })
    ));
    let mlp = Network::parse("mlp:784-512-256-10").unwrap();
    assert_eq!(mlp.dim(), 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10);
    assert_eq!((mlp.input_len(), mlp.output_len()), (784, 10));
    // LeNet-5 (W2b): conv 6@5x5 (1 input channel) and 16@5x5 (6 channels),
    // then dense 400-120-84-10, each with its bias.
    let lenet = Network::parse("lenet5:act=tanh").unwrap();
    let convs = 6 * 25 + 6 + 16 * 6 * 25 + 16;
    let dense = 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10;
    assert_eq!(lenet.dim(), convs + dense);
    assert_eq!((lenet.input_len(), lenet.output_len()), (784, 10));
    assert_eq!(lenet.init_kind(), Init::Glorot);
    assert!(matches!(
        mlp.layers()[1],
        AnyLayer::Activate(a) if a.kind == Activation::Relu
    ));
}

/// Shape errors at the call: wrong parameter count, wrong input width,
/// out-of-range sample index, loss that does not fit the targets.
#[test]
fn bad_calls_are_errors() {
    let (x, labels, t) = synthetic(10, 3, 2, 16);
    let mlp = Network::parse("mlp:3-2").unwrap();
    let data = data(Loss::CrossEntropy, &x, 3, &labels, &t, 2);
    let mut ws = Workspace::new(&mlp, 10);
    let params: Vec<f64> = mlp.init_params(Seed(8));
    assert!(mlp.loss(&params[1..], &data, &[0], &mut ws).is_err());
    assert!(mlp.loss(&params, &data, &[10], &mut ws).is_err());
    assert!(mlp.loss(&params, &data, &[], &mut ws).is_err());
    // A model whose input width does not fit the data: one line naming both.
    let wide = Network::parse("mlp:4-2").unwrap();
    let p4: Vec<f64> = wide.init_params(Seed(8));
    let err = wide
        .loss(&p4, &data, &[0], &mut Workspace::new(&wide, 1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains('4') && err.contains('3') && !err.contains('\n'),
        "{err}"
    );
    let sq = Network::parse("mlp:3-2,loss=squared").unwrap();
    assert!(sq.loss(&params, &data, &[0], &mut ws).is_err());
    let one_class: Targets<'_, f64> = Targets::Classes {
        labels: &labels,
        classes: 1,
    };
    assert!(Data::new(&x, 3, one_class).is_err());
    assert!(Data::new(
        &x[1..],
        3,
        Targets::Values {
            values: &t,
            width: 2
        }
    )
    .is_err());
}
