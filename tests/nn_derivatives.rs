//! Derivative checks of the network engine in f64: every pass of the dense
//! and activation layers against central finite differences; for networks
//! (MLPs and a small CNN through convolution, activation, pooling and dense
//! layers) the batch gradient and the exact Hessian-vector product against
//! finite differences, per-sample gradients against batch-of-one gradients,
//! per-sample norms against the norms of the per-sample gradients, Hessian
//! symmetry, bit-identical results for 1, 2 and 3 threads, and shape errors.
//!
//! Finite-difference tolerance used throughout (f64, step `H = 1e-5`): a
//! central difference of a smooth function has truncation error
//! `H^2 |f'''| / 6 ~ 2e-11 |f'''|` and rounding error about
//! `eps |f| / H ~ 2e-11 |f|` (eps = 2.2e-16). On these small problems
//! `|f|` and `|f'''|` are below about 100, so both stay under `5e-9`, and
//! `FD_TOL (1 + scale) = 1e-7 (1 + scale)` leaves a factor 20 or more,
//! while a wrong term (a missing factor, a transposed block, a dropped
//! second-derivative term) shows up at the size of the derivative itself.
//! ReLU and max-pooling are piecewise smooth: a difference is wrong only if
//! an input lies within about `H` of a kink or a tie, which for standard
//! normal data has probability about 1e-5 per value; the data are fixed by
//! seed, so a test either always or never meets one, never flakily.

mod common;

use common::on_threads;
use perturbo::error::Error;
use perturbo::nn::{
    Activate, Activation, AnyLayer, Conv2d, Data, Dense, Init, Layer, Loss, MaxPool2d, Network,
    Scalar, Shape, Targets, Workspace, CHUNK, LINEAR_CHUNK,
};
use perturbo::rng::Seed;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Finite-difference step.
const H: f64 = 1e-5;
/// Finite-difference tolerance relative to `1 + scale` (module docs).
const FD_TOL: f64 = 1e-7;

const ACTIVATIONS: [Activation; 3] = [Activation::Relu, Activation::Tanh, Activation::Gelu];
const LOSSES: [Loss; 2] = [Loss::CrossEntropy, Loss::Squared];

fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Seed(seed).rng();
    (0..n).map(|_| StandardNormal.sample(&mut rng)).collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `a + t b`.
fn axpy(a: &[f64], t: f64, b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + t * y).collect()
}

/// Asserts `got` equals the central difference `(up - down) / (2 H)`
/// entrywise within `FD_TOL (1 + max |got|)`.
fn assert_fd(what: &str, got: &[f64], up: &[f64], down: &[f64]) {
    let scale = 1.0 + max_abs(got);
    for (i, ((&g, &u), &d)) in got.iter().zip(up).zip(down).enumerate() {
        let fd = (u - d) / (2.0 * H);
        assert!(
            (g - fd).abs() <= FD_TOL * scale,
            "{what}[{i}]: analytic {g} vs finite difference {fd}"
        );
    }
}

// ---------------------------------------------------------------- layers

/// One layer at a random point: parameters `p`, inputs `x`, output
/// weights `c` (the `dy` of the scalar `sum(c .* y)`), and a direction
/// `(v, rx, rdy)`.
struct Point {
    p: Vec<f64>,
    x: Vec<f64>,
    c: Vec<f64>,
    v: Vec<f64>,
    rx: Vec<f64>,
    rdy: Vec<f64>,
}

struct LayerCheck<'a, L> {
    layer: &'a L,
    rows: usize,
    scratch: Vec<f64>,
}

impl<L: Layer> LayerCheck<'_, L> {
    fn out_len(&self) -> usize {
        self.rows * self.layer.output_len()
    }

    fn forward(&mut self, p: &[f64], x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.out_len()];
        self.layer
            .forward(p, x, &mut y, self.rows, &mut self.scratch);
        y
    }

    /// `(dL/dp, dL/dx)` for `L = sum(dy .* y(p, x))`.
    fn backward(&mut self, p: &[f64], x: &[f64], dy: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let y = self.forward(p, x);
        let mut g = vec![0.0; self.layer.param_len()];
        let mut dx = vec![0.0; x.len()];
        let rows = self.rows;
        self.layer.backward(
            p,
            x,
            &y,
            dy,
            Some(&mut g),
            Some(&mut dx),
            rows,
            &mut self.scratch,
        );
        (g, dx)
    }

    /// Sums `c .* y` at `(p, x)`.
    fn objective(&mut self, p: &[f64], x: &[f64], c: &[f64]) -> f64 {
        dot(&self.forward(p, x), c)
    }
}

/// Every pass of `layer` on `rows` samples against finite differences, and
/// its per-sample gradients against batch-of-one backward passes.
fn check_layer<L: Layer>(name: &str, layer: &L, rows: usize, seed: u64) {
    let (np, nx, ny) = (
        layer.param_len(),
        rows * layer.input_len(),
        rows * layer.output_len(),
    );
    let pt = Point {
        p: normals(np, seed),
        x: normals(nx, seed + 1),
        c: normals(ny, seed + 2),
        v: normals(np, seed + 3),
        rx: normals(nx, seed + 4),
        rdy: normals(ny, seed + 5),
    };
    let mut ck = LayerCheck {
        layer,
        rows,
        scratch: vec![0.0; layer.scratch_len(rows)],
    };

    // Backward: d sum(c .* y) / dp and / dx, coordinate by coordinate.
    let (g, dx) = ck.backward(&pt.p, &pt.x, &pt.c);
    let (mut up, mut down) = (vec![0.0; np], vec![0.0; np]);
    for i in 0..np {
        let mut q = pt.p.clone();
        q[i] += H;
        up[i] = ck.objective(&q, &pt.x, &pt.c);
        q[i] -= 2.0 * H;
        down[i] = ck.objective(&q, &pt.x, &pt.c);
    }
    assert_fd(&format!("{name} dparams"), &g, &up, &down);
    let (mut up, mut down) = (vec![0.0; nx], vec![0.0; nx]);
    for i in 0..nx {
        let mut q = pt.x.clone();
        q[i] += H;
        up[i] = ck.objective(&pt.p, &q, &pt.c);
        q[i] -= 2.0 * H;
        down[i] = ck.objective(&pt.p, &q, &pt.c);
    }
    assert_fd(&format!("{name} dx"), &dx, &up, &down);

    // R-forward: d/dr y(p + r v, x + r rx), and with rx = None (x fixed).
    for with_rx in [true, false] {
        let rx = if with_rx {
            pt.rx.clone()
        } else {
            vec![0.0; nx]
        };
        ck.forward(&pt.p, &pt.x);
        let mut ry = vec![0.0; ny];
        layer.r_forward(
            &pt.p,
            &pt.v,
            &pt.x,
            with_rx.then_some(&rx[..]),
            &mut ry,
            rows,
            &mut ck.scratch,
        );
        let up = ck.forward(&axpy(&pt.p, H, &pt.v), &axpy(&pt.x, H, &rx));
        let down = ck.forward(&axpy(&pt.p, -H, &pt.v), &axpy(&pt.x, -H, &rx));
        assert_fd(
            &format!("{name} R-forward (rx: {with_rx})"),
            &ry,
            &up,
            &down,
        );
    }

    // R-backward: d/dr of (dparams, dx) at (p + r v, x + r rx, dy + r rdy).
    let y = ck.forward(&pt.p, &pt.x);
    let mut rg = vec![0.0; np];
    let mut rdx = vec![0.0; nx];
    layer.r_backward(
        &pt.p,
        &pt.v,
        &pt.x,
        Some(&pt.rx),
        &y,
        &pt.c,
        &pt.rdy,
        &mut rg,
        Some(&mut rdx),
        rows,
        &mut ck.scratch,
    );
    let (gu, xu) = ck.backward(
        &axpy(&pt.p, H, &pt.v),
        &axpy(&pt.x, H, &pt.rx),
        &axpy(&pt.c, H, &pt.rdy),
    );
    let (gd, xd) = ck.backward(
        &axpy(&pt.p, -H, &pt.v),
        &axpy(&pt.x, -H, &pt.rx),
        &axpy(&pt.c, -H, &pt.rdy),
    );
    assert_fd(&format!("{name} R-backward dparams"), &rg, &gu, &gd);
    assert_fd(&format!("{name} R-backward dx"), &rdx, &xu, &xd);

    // Per-sample gradients: row s equals the backward pass of sample s
    // alone. Both are the same products of sample s's x and dy, so they
    // agree to rounding of sums of at most a few dozen terms; 1e-12 of the
    // row's scale is hundreds of times that.
    ck.forward(&pt.p, &pt.x);
    let stride = np + 3;
    let mut ps = vec![0.0; rows * stride];
    layer.per_sample_gradients(&pt.x, &pt.c, &mut ps, stride, rows, &mut ck.scratch);
    let (ni, no) = (layer.input_len(), layer.output_len());
    for s in 0..rows {
        let mut one = LayerCheck {
            layer,
            rows: 1,
            scratch: vec![0.0; layer.scratch_len(1)],
        };
        let (gs, _) = one.backward(
            &pt.p,
            &pt.x[s * ni..(s + 1) * ni],
            &pt.c[s * no..(s + 1) * no],
        );
        let row = &ps[s * stride..s * stride + np];
        let scale = max_abs(&gs);
        for (a, b) in row.iter().zip(&gs) {
            assert!(
                (a - b).abs() <= 1e-12 * scale,
                "{name} per-sample row {s}: {a} vs {b}"
            );
        }
    }
}

/// Dense layers and every activation layer, each pass against finite
/// differences (tolerance in the module docs).
#[test]
fn dense_and_activation_layers_match_finite_differences() {
    check_layer("dense 4->3", &Dense::new(4, 3).unwrap(), 5, 10);
    check_layer("dense 1->1", &Dense::new(1, 1).unwrap(), 2, 20);
    for (i, act) in ACTIVATIONS.into_iter().enumerate() {
        let layer = Activate::new(act, 7).unwrap();
        check_layer(&format!("{act:?}"), &layer, 4, 30 + 10 * i as u64);
    }
}

// -------------------------------------------------------------- networks

/// `n` samples of width `d`: standard normal inputs, labels below
/// `classes`, standard normal regression targets.
struct Synthetic {
    x: Vec<f64>,
    labels: Vec<u8>,
    t: Vec<f64>,
    d: usize,
    classes: usize,
}

impl Synthetic {
    fn new(n: usize, d: usize, classes: usize, seed: u64) -> Self {
        let mut rng = Seed(seed).rng();
        let labels = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
        Self {
            x: normals(n * d, seed + 1),
            labels,
            t: normals(n * classes, seed + 2),
            d,
            classes,
        }
    }

    fn data(&self, loss: Loss) -> Data<'_, f64> {
        data(loss, &self.x, self.d, &self.labels, &self.t, self.classes)
    }
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

/// A small CNN through every layer type: input `2 x 6 x 6`, conv 3@3x3
/// with padding 1, `act`, max-pool 2 (to `3 x 3 x 3`), conv 2@2x2 (to
/// `2 x 2 x 2`, so a convolution also sees `R{x}` and passes `dx` on),
/// `act`, dense 8 -> 3.
fn small_cnn(act: Activation, loss: Loss) -> Network {
    let input = Shape {
        channels: 2,
        height: 6,
        width: 6,
    };
    let c1 = Conv2d::new(input, 3, 3, 1).unwrap();
    let pool = MaxPool2d::new(c1.output_shape(), 2).unwrap();
    let c2 = Conv2d::new(pool.output_shape(), 2, 2, 0).unwrap();
    let layers: Vec<AnyLayer> = vec![
        c1.into(),
        Activate::new(act, c1.output_len()).unwrap().into(),
        pool.into(),
        c2.into(),
        Activate::new(act, c2.output_len()).unwrap().into(),
        Dense::new(c2.output_len(), 3).unwrap().into(),
    ];
    Network::new(layers, loss, Init::He).unwrap()
}

fn small_mlp(act: Activation, loss: Loss) -> Network {
    Network::mlp(&[5, 6, 4, 3], act, loss, Init::Glorot).unwrap()
}

/// Parameters with every entry `N(0, 1/4)`: non-zero biases keep
/// pre-activations off ReLU's kink even where a previous layer is dead.
fn random_params(net: &Network, seed: u64) -> Vec<f64> {
    normals(net.dim(), seed).iter().map(|v| 0.5 * v).collect()
}

/// Every network the network-level checks run on, with its data width:
/// MLPs and the CNN for every activation and loss.
fn networks() -> Vec<(String, Network, usize)> {
    let mut nets = Vec::new();
    for act in ACTIVATIONS {
        for loss in LOSSES {
            nets.push((format!("mlp {act:?}/{loss:?}"), small_mlp(act, loss), 5));
            nets.push((format!("cnn {act:?}/{loss:?}"), small_cnn(act, loss), 72));
        }
    }
    nets
}

/// The batch gradient of the CNN against central differences of the mean
/// loss, every coordinate, `CHUNK + 13` samples (two chunks, one
/// partial). (The MLPs' gradients are checked the same way in
/// tests/nn_dense.rs.)
#[test]
fn cnn_gradient_matches_finite_differences() {
    let n = CHUNK + 13;
    let batch: Vec<usize> = (0..n).collect();
    for (name, net, d) in networks().into_iter().filter(|(_, _, d)| *d == 72) {
        let syn = Synthetic::new(n, d, 3, 40);
        let data = syn.data(net.loss_kind());
        let mut ws = Workspace::new(&net, n);
        let mut p = random_params(&net, 41);
        let mut g = vec![0.0; net.dim()];
        net.loss_and_gradient(&p, &data, &batch, &mut ws, &mut g)
            .unwrap();
        let (mut up, mut down) = (vec![0.0; net.dim()], vec![0.0; net.dim()]);
        for i in 0..net.dim() {
            let p0 = p[i];
            p[i] = p0 + H;
            up[i] = net.loss(&p, &data, &batch, &mut ws).unwrap();
            p[i] = p0 - H;
            down[i] = net.loss(&p, &data, &batch, &mut ws).unwrap();
            p[i] = p0;
        }
        assert_fd(&format!("{name} gradient"), &g, &up, &down);
    }
}

/// Row `s` of the per-sample gradients equals the gradient of the batch
/// `[batch[s]]` alone, for every network, over `CHUNK + 9` samples (two
/// chunks, one partial) taken out of order.
///
/// Tolerance `1e-12` of the row's largest entry: both are the same
/// products of sample `s`'s layer inputs and output gradients (for a dense
/// layer each entry is the single product `dy_s[o] x_s[i]`, exactly as in a
/// GEMM of one row), but the output gradients come from backward GEMMs over
/// a chunk of many rows or of 1 row, which may sum each dot product (length
/// at most 36 here) in a different order; a few layers of that rounding are
/// about `1e-14` relative.
#[test]
fn per_sample_gradients_equal_batch_of_one_gradients() {
    let n = CHUNK + 9;
    let batch: Vec<usize> = (0..n).map(|i| (i * 11) % n).collect();
    for (name, net, d) in networks() {
        let syn = Synthetic::new(n, d, 3, 50);
        let data = syn.data(net.loss_kind());
        let mut ws = Workspace::new(&net, n);
        let p = random_params(&net, 51);
        let dim = net.dim();
        let mut rows = vec![0.0; n * dim];
        net.per_sample_gradients(&p, &data, &batch, &mut ws, &mut rows)
            .unwrap();
        let mut g = vec![0.0; dim];
        for (s, &i) in batch.iter().enumerate() {
            net.loss_and_gradient(&p, &data, &[i], &mut ws, &mut g)
                .unwrap();
            let row = &rows[s * dim..(s + 1) * dim];
            let scale = max_abs(&g);
            assert!(scale > 0.0, "{name}: zero gradient for sample {i}");
            for (j, (a, b)) in row.iter().zip(&g).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "{name} sample {s}, parameter {j}: per-sample {a} vs batch-of-one {b}"
                );
            }
        }
    }
}

/// The per-sample norms (rank-one identity for dense layers, formed blocks
/// for convolutions) equal the norms of the full per-sample gradients.
///
/// Tolerance `1e-12` relative: both sum the same non-negative squares
/// (at most 110 of them) in `f64` in different groupings, which is exact up
/// to `dim * eps ~ 2.5e-14` relative, plus the same rank-one products
/// rounded differently (a few eps).
#[test]
fn per_sample_norms_equal_norms_of_per_sample_gradients() {
    let n = CHUNK + 9;
    let batch: Vec<usize> = (0..n).collect();
    for (name, net, d) in networks() {
        let syn = Synthetic::new(n, d, 3, 60);
        let data = syn.data(net.loss_kind());
        let mut ws = Workspace::new(&net, n);
        let p = random_params(&net, 61);
        let dim = net.dim();
        let mut rows = vec![0.0; n * dim];
        net.per_sample_gradients(&p, &data, &batch, &mut ws, &mut rows)
            .unwrap();
        let mut norms = vec![0.0; n];
        net.per_sample_gradient_norms(&p, &data, &batch, &mut ws, &mut norms)
            .unwrap();
        for (s, &got) in norms.iter().enumerate() {
            let want = dot(&rows[s * dim..(s + 1) * dim], &rows[s * dim..(s + 1) * dim]).sqrt();
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "{name} sample {s}: norm {got} vs {want}"
            );
        }
    }
}

/// The exact Hessian-vector product of the mean loss against central
/// differences of the gradient along a unit direction, `(g(p + H v) -
/// g(p - H v)) / 2H`, for every network, over `LINEAR_CHUNK + 20` samples
/// (two chunks of the linearization, one partial); the tolerance of
/// the module docs applies with `f` the gradient (its third derivative is
/// the fourth of the loss, of the same modest size here). The product is
/// asked twice from one linearization (the second must not depend on the
/// first) and must not vanish, so the check cannot pass trivially.
#[test]
fn hessian_vector_matches_finite_differences_of_the_gradient() {
    let n = LINEAR_CHUNK + 20;
    let batch: Vec<usize> = (0..n).collect();
    for (name, net, d) in networks() {
        let syn = Synthetic::new(n, d, 3, 70);
        let data = syn.data(net.loss_kind());
        let mut ws = Workspace::new(&net, n);
        let p = random_params(&net, 71);
        let dim = net.dim();
        let mut v = normals(dim, 72);
        let norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|x| *x /= norm);

        let mut lin = net.linearize(&p, &data, &batch).unwrap();
        let loss = net.loss(&p, &data, &batch, &mut ws).unwrap();
        assert!((lin.loss() - loss).abs() <= 1e-14 * loss.abs());
        let mut hv = vec![0.0; dim];
        let mut other = vec![0.0; dim];
        lin.hessian_vector(&normals(dim, 73), &mut other).unwrap();
        lin.hessian_vector(&v, &mut hv).unwrap();
        assert!(max_abs(&hv) > 1e-3, "{name}: H v vanishes");

        let (mut up, mut down) = (vec![0.0; dim], vec![0.0; dim]);
        net.loss_and_gradient(&axpy(&p, H, &v), &data, &batch, &mut ws, &mut up)
            .unwrap();
        net.loss_and_gradient(&axpy(&p, -H, &v), &data, &batch, &mut ws, &mut down)
            .unwrap();
        assert_fd(&format!("{name} H v"), &hv, &up, &down);
    }
}

/// The Hessian is symmetric: `u . H v = v . H u` for random `u`, `v`.
///
/// Tolerance: both sides equal in exact arithmetic; each product is
/// computed with relative rounding of a few layers of dot products (length
/// at most 110 with the final dot), about `1e-13` of `|u| |H v|`; `1e-10`
/// of it is far above that, while an asymmetric term (a missing or
/// transposed block of `H`) changes the two sides at order one.
#[test]
fn hessian_vector_products_are_symmetric() {
    let n = LINEAR_CHUNK + 20;
    let batch: Vec<usize> = (0..n).collect();
    for (name, net, d) in networks() {
        let syn = Synthetic::new(n, d, 3, 80);
        let data = syn.data(net.loss_kind());
        let p = random_params(&net, 81);
        let dim = net.dim();
        let (u, v) = (normals(dim, 82), normals(dim, 83));
        let mut lin = net.linearize(&p, &data, &batch).unwrap();
        let (mut hu, mut hv) = (vec![0.0; dim], vec![0.0; dim]);
        lin.hessian_vector(&u, &mut hu).unwrap();
        lin.hessian_vector(&v, &mut hv).unwrap();
        let (uhv, vhu) = (dot(&u, &hv), dot(&v, &hu));
        let scale = dot(&u, &u).sqrt() * dot(&hv, &hv).sqrt();
        assert!(
            (uhv - vhu).abs() <= 1e-10 * scale,
            "{name}: u.Hv = {uhv} vs v.Hu = {vhu}"
        );
    }
}

/// Loss, gradient, per-sample gradients and norms, and Hessian-vector
/// products are bit-identical under rayon pools of 1, 2 and 3 threads, in
/// f32, for an MLP and the CNN, over `LINEAR_CHUNK + 44` samples (several
/// chunks of both sizes, the last of each partial) taken out of order.
#[test]
fn bit_identical_for_any_thread_count() {
    let n = LINEAR_CHUNK + 44;
    let batch: Vec<usize> = (0..n).rev().collect();
    for (net, d) in [
        (small_mlp(Activation::Gelu, Loss::CrossEntropy), 5),
        (small_cnn(Activation::Relu, Loss::CrossEntropy), 72),
    ] {
        let syn = Synthetic::new(n, d, 3, 90);
        let x: Vec<f32> = syn.x.iter().map(|&v| v as f32).collect();
        let t: Vec<f32> = syn.t.iter().map(|&v| v as f32).collect();
        let data = data(Loss::CrossEntropy, &x, d, &syn.labels, &t, 3);
        let p: Vec<f32> = net.init_params(Seed(91));
        let v: Vec<f32> = normals(net.dim(), 92).iter().map(|&a| a as f32).collect();
        let run = |threads: usize| {
            on_threads(threads, || {
                let dim = net.dim();
                let mut ws = Workspace::new(&net, n);
                let mut g = vec![0.0f32; dim];
                let loss = net
                    .loss_and_gradient(&p, &data, &batch, &mut ws, &mut g)
                    .unwrap();
                let mut rows = vec![0.0f32; n * dim];
                net.per_sample_gradients(&p, &data, &batch, &mut ws, &mut rows)
                    .unwrap();
                let mut norms = vec![0.0f64; n];
                net.per_sample_gradient_norms(&p, &data, &batch, &mut ws, &mut norms)
                    .unwrap();
                let mut hv = vec![0.0f32; dim];
                net.linearize(&p, &data, &batch)
                    .unwrap()
                    .hessian_vector(&v, &mut hv)
                    .unwrap();
                let bits32 = |a: &[f32]| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                (
                    loss.to_bits(),
                    bits32(&g),
                    bits32(&rows),
                    norms.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    bits32(&hv),
                )
            })
        };
        let one = run(1);
        assert_eq!(one, run(2), "2 threads differ from 1");
        assert_eq!(one, run(3), "3 threads differ from 1");
    }
}

/// Wrong buffer lengths, batches and layer stacks are errors, not panics.
#[test]
fn bad_shapes_are_errors() {
    let syn = Synthetic::new(10, 5, 3, 100);
    let data = syn.data(Loss::CrossEntropy);
    let net = small_mlp(Activation::Tanh, Loss::CrossEntropy);
    let p = random_params(&net, 101);
    let dim = net.dim();
    let mut ws = Workspace::new(&net, 10);
    let mut rows = vec![0.0; 2 * dim];
    assert!(net
        .per_sample_gradients(&p, &data, &[0, 1, 2], &mut ws, &mut rows)
        .is_err());
    let mut norms = vec![0.0; 2];
    assert!(net
        .per_sample_gradient_norms(&p, &data, &[0, 1, 2], &mut ws, &mut norms)
        .is_err());
    assert!(net.linearize(&p, &data, &[]).is_err());
    assert!(net.linearize(&p, &data, &[10]).is_err());
    assert!(net.linearize(&p[1..], &data, &[0]).is_err());
    let mut lin = net.linearize(&p, &data, &[0, 1]).unwrap();
    let mut out = vec![0.0; dim];
    assert!(lin.hessian_vector(&p[1..], &mut out).is_err());
    assert!(lin.hessian_vector(&p, &mut out[1..]).is_err());

    // Layers whose widths do not chain.
    let stack: Vec<AnyLayer> = vec![
        Dense::new(5, 4).unwrap().into(),
        Activate::new(Activation::Relu, 3).unwrap().into(),
    ];
    assert!(matches!(
        Network::new(stack, Loss::CrossEntropy, Init::He),
        Err(Error::DimensionMismatch {
            expected: 4,
            got: 3,
            ..
        })
    ));
    assert!(Network::new(Vec::new(), Loss::CrossEntropy, Init::He).is_err());
    assert!(Dense::new(0, 3).is_err());
    assert!(Activate::new(Activation::Relu, 0).is_err());

    // LeNet-5 on data of the wrong width: one line naming both widths.
    let lenet = Network::parse("lenet5").unwrap();
    let pl: Vec<f64> = lenet.init_params(Seed(102));
    let err = lenet
        .loss(&pl, &data, &[0], &mut Workspace::new(&lenet, 1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("784") && err.contains('5') && !err.contains('\n'),
        "{err}"
    );
}
