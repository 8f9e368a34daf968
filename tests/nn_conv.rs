//! Layer-level checks of the convolution ([`Conv2d`]) and max-pooling
//! ([`MaxPool2d`]) layers in f64: forward against a direct nested-loop
//! convolution, backward, R-forward and R-backward against central finite
//! differences, per-sample gradients against batch-of-one backward passes,
//! pooling ties, initialisation and shape errors.
//!
//! Why central differences can be held to rounding-level tolerances here:
//! the convolution is affine in its parameters for a fixed input and affine
//! in its input for fixed parameters; its backward pass is bilinear in
//! (input, output gradient) and in (weights, output gradient). A central
//! difference of such a map along one direction cancels the quadratic term
//! exactly, so it has no truncation error at all. Max pooling is linear
//! with a fixed routing as long as no window's maximum changes within the
//! step, which the inputs below guarantee by construction (distinct values
//! at least `GAP` apart, with `GAP` far above the step). What remains is
//! rounding: an output of size `|y|` summed from `n` terms is evaluated
//! with error about `n eps max|term|`, and dividing the difference by `2h`
//! magnifies it by `1/h`. With `h = 1e-3`, terms of order 1 to 10 and
//! `n <= 500`, that is below `500 * 2.2e-16 * 10 / 1e-3 = 1.1e-9`; the
//! tolerance `TOL (1 + |value|)` with `TOL = 1e-7` keeps a factor of about
//! 100 above it, while a wrong term (a transposed weight, a shifted
//! padding, a missing bias) shows up at the size of the values, order 1.

use perturbo::error::Error;
use perturbo::nn::conv::Conv2d;
use perturbo::nn::im2col::Unfold;
use perturbo::nn::pool::MaxPool2d;
use perturbo::nn::{Init, Layer, Shape};
use perturbo::rng::Seed;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Samples per chunk in the checks (several, so per-sample indexing and
/// sums over samples are exercised).
const ROWS: usize = 3;
/// Step of the central differences.
const H: f64 = 1e-3;
/// Relative tolerance of the finite-difference checks (module doc).
const TOL: f64 = 1e-7;
/// Spacing of the distinct pooling inputs; the largest move of an input in
/// a difference is `H * max|rx| < 1e-3 * 6`, far below `GAP / 2`, so no
/// window's argmax changes.
const GAP: f64 = 0.1;
/// Written into buffers before a pass, to see that the pass overwrites
/// what it must and leaves the rest alone.
const SENTINEL: f64 = 12345.0;

fn shape(channels: usize, height: usize, width: usize) -> Shape {
    Shape {
        channels,
        height,
        width,
    }
}

/// Convolutions covering padding wider than the kernel overhang, no
/// padding, a kernel larger than the image, several input channels and
/// non-square images.
fn convs() -> Vec<Conv2d> {
    [
        (shape(2, 5, 6), 3, 3, 1),
        (shape(1, 4, 4), 2, 2, 0),
        (shape(1, 3, 3), 2, 5, 2),
        (shape(3, 4, 7), 2, 3, 0),
        (shape(2, 3, 4), 2, 1, 2),
    ]
    .into_iter()
    .map(|(s, out, k, pad)| Conv2d::new(s, out, k, pad).unwrap())
    .collect()
}

fn pools() -> Vec<MaxPool2d> {
    [
        (shape(2, 4, 6), 2),
        (shape(1, 6, 3), 3),
        (shape(2, 3, 3), 1),
    ]
    .into_iter()
    .map(|(s, k)| MaxPool2d::new(s, k).unwrap())
    .collect()
}

fn normal(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Seed(seed).rng();
    (0..n).map(|_| StandardNormal.sample(&mut rng)).collect()
}

/// `n` distinct values `GAP` apart in a seeded random order (Fisher-Yates).
fn distinct(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Seed(seed).rng();
    let mut v: Vec<f64> = (0..n).map(|i| GAP * (i as f64 - n as f64 / 2.0)).collect();
    for i in (1..n).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
    v
}

/// Inputs for `layer`: normal for convolutions, distinct for pooling.
trait Inputs: Layer {
    fn inputs(&self, rows: usize, seed: u64) -> Vec<f64>;
}

impl Inputs for Conv2d {
    fn inputs(&self, rows: usize, seed: u64) -> Vec<f64> {
        normal(rows * self.input_len(), seed)
    }
}

impl Inputs for MaxPool2d {
    fn inputs(&self, rows: usize, seed: u64) -> Vec<f64> {
        distinct(rows * self.input_len(), seed)
    }
}

/// `a` and `b` agree within `tol (1 + |b|)` everywhere.
fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()),
            "{what}[{i}]: {x} against {y}"
        );
    }
}

/// `x + t d` elementwise.
fn along(x: &[f64], d: &[f64], t: f64) -> Vec<f64> {
    x.iter().zip(d).map(|(a, b)| a + t * b).collect()
}

/// Forward pass of `rows` samples; also returns the scratch it left.
fn forward<L: Layer>(l: &L, params: &[f64], x: &[f64], rows: usize) -> (Vec<f64>, Vec<f64>) {
    let mut scratch = vec![SENTINEL; l.scratch_len(rows)];
    let mut y = vec![SENTINEL; rows * l.output_len()];
    l.forward(params, x, &mut y, rows, &mut scratch);
    (y, scratch)
}

/// `(dparams, dx)` of a backward pass after a forward pass, both buffers
/// pre-filled with NaN to check that they are overwritten.
fn backward<L: Layer>(
    l: &L,
    params: &[f64],
    x: &[f64],
    dy: &[f64],
    rows: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (y, mut scratch) = forward(l, params, x, rows);
    let mut grad = vec![f64::NAN; l.param_len()];
    let mut dx = vec![f64::NAN; rows * l.input_len()];
    l.backward(
        params,
        x,
        &y,
        dy,
        Some(&mut grad),
        Some(&mut dx),
        rows,
        &mut scratch,
    );
    (grad, dx)
}

/// The R-forward pass after a forward pass.
fn r_forward<L: Layer>(
    l: &L,
    params: &[f64],
    v: &[f64],
    x: &[f64],
    rx: Option<&[f64]>,
    rows: usize,
) -> Vec<f64> {
    let (_, mut scratch) = forward(l, params, x, rows);
    let mut ry = vec![f64::NAN; rows * l.output_len()];
    l.r_forward(params, v, x, rx, &mut ry, rows, &mut scratch);
    ry
}

/// The R-backward pass after forward, backward and R-forward passes (the
/// order a network runs them in, so the scratch is as it would be).
#[allow(clippy::too_many_arguments)]
fn r_backward<L: Layer>(
    l: &L,
    params: &[f64],
    v: &[f64],
    x: &[f64],
    rx: Option<&[f64]>,
    dy: &[f64],
    rdy: &[f64],
    rows: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (y, mut scratch) = forward(l, params, x, rows);
    let mut grad = vec![0.0; l.param_len()];
    let mut dx = vec![0.0; rows * l.input_len()];
    l.backward(
        params,
        x,
        &y,
        dy,
        Some(&mut grad),
        Some(&mut dx),
        rows,
        &mut scratch,
    );
    let mut ry = vec![0.0; rows * l.output_len()];
    l.r_forward(params, v, x, rx, &mut ry, rows, &mut scratch);
    let mut rgrad = vec![f64::NAN; l.param_len()];
    let mut rdx = vec![f64::NAN; rows * l.input_len()];
    l.r_backward(
        params,
        v,
        x,
        rx,
        &y,
        dy,
        rdy,
        &mut rgrad,
        Some(&mut rdx),
        rows,
        &mut scratch,
    );
    (rgrad, rdx)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Direct nested-loop convolution: `y[s, o, i, j] = b[o] + sum_{c, a, e}
/// w[o, c, a, e] x[s, c, i + a - pad, j + e - pad]` (zero outside).
fn direct_conv(l: &Conv2d, params: &[f64], x: &[f64], rows: usize) -> Vec<f64> {
    let (inp, out, k, pad) = (l.input_shape(), l.output_shape(), l.kernel(), l.padding());
    let wlen = out.channels * inp.channels * k * k;
    let mut y = Vec::new();
    for s in 0..rows {
        for o in 0..out.channels {
            for i in 0..out.height {
                for j in 0..out.width {
                    let mut acc = params[wlen + o];
                    for c in 0..inp.channels {
                        for a in 0..k {
                            for e in 0..k {
                                let (ih, iw) = (
                                    (i + a) as isize - pad as isize,
                                    (j + e) as isize - pad as isize,
                                );
                                if ih < 0
                                    || iw < 0
                                    || ih >= inp.height as isize
                                    || iw >= inp.width as isize
                                {
                                    continue;
                                }
                                let xi = ((s * inp.channels + c) * inp.height + ih as usize)
                                    * inp.width
                                    + iw as usize;
                                acc += params[((o * inp.channels + c) * k + a) * k + e] * x[xi];
                            }
                        }
                    }
                    y.push(acc);
                }
            }
        }
    }
    y
}

/// Integer inputs, weights and biases in [-3, 3]: every product and sum is
/// an integer far below 2^24, so f64 and f32 are exact and must match the
/// direct loop to the last bit; the tolerance 1e-9 is far below the
/// integer spacing 1 and only keeps the comparison free of float `==`.
#[test]
fn forward_matches_direct_convolution_exactly() {
    let mut rng = Seed(1).rng();
    for l in convs() {
        let x: Vec<f64> = (0..ROWS * l.input_len())
            .map(|_| rng.random_range(-3i32..=3) as f64)
            .collect();
        let p: Vec<f64> = (0..l.param_len())
            .map(|_| rng.random_range(-3i32..=3) as f64)
            .collect();
        let want = direct_conv(&l, &p, &x, ROWS);
        // Buffers longer than the chunk: the tail must stay untouched.
        let mut scratch = vec![0.0; l.scratch_len(ROWS) + 5];
        let mut y = vec![SENTINEL; ROWS * l.output_len() + 7];
        l.forward(&p, &x, &mut y, ROWS, &mut scratch);
        assert_close(&y[..want.len()], &want, 1e-9, "f64 forward");
        assert!(
            y[want.len()..].iter().all(|&t| (t - SENTINEL).abs() < 1e-9),
            "tail of y written"
        );
        let (x32, p32): (Vec<f32>, Vec<f32>) = (
            x.iter().map(|&v| v as f32).collect(),
            p.iter().map(|&v| v as f32).collect(),
        );
        let mut scratch32 = vec![0.0f32; l.scratch_len(ROWS)];
        let mut y32 = vec![0.0f32; ROWS * l.output_len()];
        l.forward(&p32, &x32, &mut y32, ROWS, &mut scratch32);
        let y32: Vec<f64> = y32.iter().map(|&v| f64::from(v)).collect();
        assert_close(&y32, &want, 1e-9, "f32 forward");
    }
}

/// Unfolding and folding are adjoint: `<unfold(x), c> = <x, fold(c)>` for
/// random `x`, `c` (both sides sum the same products in different orders,
/// so they agree to rounding: 1e-12 relative to the sum of |products|).
#[test]
fn fold_is_the_adjoint_of_unfold() {
    for (i, l) in convs().iter().enumerate() {
        let u = Unfold::new(l.input_shape(), l.kernel(), l.padding());
        let x = normal(l.input_len(), 10 + i as u64);
        let c = normal(u.len(), 20 + i as u64);
        let mut cols = vec![SENTINEL; u.len()];
        u.unfold(&x, &mut cols);
        let mut back = vec![SENTINEL; x.len()];
        u.fold(&c, &mut back);
        let (lhs, rhs) = (dot(&cols, &c), dot(&x, &back));
        let scale: f64 = cols.iter().zip(&c).map(|(a, b)| (a * b).abs()).sum();
        assert!(
            (lhs - rhs).abs() <= 1e-12 * (1.0 + scale),
            "layer {i}: {lhs} vs {rhs}"
        );
    }
}

/// Backward pass against central differences of `L = sum(c .* y)` with
/// random `c`, in every parameter and every input (tolerance: module doc).
fn check_backward<L: Inputs>(l: &L, seed: u64) {
    let x = l.inputs(ROWS, seed);
    let p = normal(l.param_len(), seed + 1);
    let c = normal(ROWS * l.output_len(), seed + 2);
    let (grad, dx) = backward(l, &p, &x, &c, ROWS);
    let loss = |p: &[f64], x: &[f64]| dot(&forward(l, p, x, ROWS).0, &c);
    let fd = |f: &dyn Fn(f64) -> f64| (f(H) - f(-H)) / (2.0 * H);
    let mut e = vec![0.0; p.len().max(x.len())];
    let fd_grad: Vec<f64> = (0..p.len())
        .map(|i| {
            e[i] = 1.0;
            let g = fd(&|t| loss(&along(&p, &e[..p.len()], t), &x));
            e[i] = 0.0;
            g
        })
        .collect();
    let fd_dx: Vec<f64> = (0..x.len())
        .map(|i| {
            e[i] = 1.0;
            let g = fd(&|t| loss(&p, &along(&x, &e[..x.len()], t)));
            e[i] = 0.0;
            g
        })
        .collect();
    assert_close(&grad, &fd_grad, TOL, "dparams");
    assert_close(&dx, &fd_dx, TOL, "dx");
}

#[test]
fn backward_matches_finite_differences() {
    for (i, l) in convs().iter().enumerate() {
        check_backward(l, 100 + 10 * i as u64);
    }
    for (i, l) in pools().iter().enumerate() {
        check_backward(l, 200 + 10 * i as u64);
    }
}

/// R-forward against `(f(p + h v, x + h rx) - f(p - h v, x - h rx)) / 2h`,
/// with `rx` given and absent (then `x` is held fixed).
fn check_r_forward<L: Inputs>(l: &L, seed: u64) {
    let x = l.inputs(ROWS, seed);
    let p = normal(l.param_len(), seed + 1);
    let v = normal(l.param_len(), seed + 2);
    let rx = normal(x.len(), seed + 3);
    let zero = vec![0.0; x.len()];
    for (rx, dir) in [(Some(&rx[..]), &rx[..]), (None, &zero[..])] {
        let ry = r_forward(l, &p, &v, &x, rx, ROWS);
        let f = |t: f64| forward(l, &along(&p, &v, t), &along(&x, dir, t), ROWS).0;
        let want: Vec<f64> = f(H)
            .iter()
            .zip(f(-H))
            .map(|(a, b)| (a - b) / (2.0 * H))
            .collect();
        assert_close(
            &ry,
            &want,
            TOL,
            if rx.is_some() {
                "R{y} with R{x}"
            } else {
                "R{y}, R{x} = 0"
            },
        );
    }
}

#[test]
fn r_forward_matches_finite_differences() {
    for (i, l) in convs().iter().enumerate() {
        check_r_forward(l, 300 + 10 * i as u64);
    }
    for (i, l) in pools().iter().enumerate() {
        check_r_forward(l, 400 + 10 * i as u64);
    }
}

/// R-backward against central differences of the backward pass's
/// `(dparams, dx)` along `(v, rx, rdy)` (the output gradient moves too, as
/// it does in a network), with `rx` given and absent.
fn check_r_backward<L: Inputs>(l: &L, seed: u64) {
    let x = l.inputs(ROWS, seed);
    let p = normal(l.param_len(), seed + 1);
    let v = normal(l.param_len(), seed + 2);
    let rx = normal(x.len(), seed + 3);
    let dy = normal(ROWS * l.output_len(), seed + 4);
    let rdy = normal(dy.len(), seed + 5);
    let zero = vec![0.0; x.len()];
    for (rx, dir) in [(Some(&rx[..]), &rx[..]), (None, &zero[..])] {
        let (rgrad, rdx) = r_backward(l, &p, &v, &x, rx, &dy, &rdy, ROWS);
        let b = |t: f64| {
            backward(
                l,
                &along(&p, &v, t),
                &along(&x, dir, t),
                &along(&dy, &rdy, t),
                ROWS,
            )
        };
        let ((gp, xp), (gm, xm)) = (b(H), b(-H));
        let diff = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(u, w)| (u - w) / (2.0 * H)).collect()
        };
        assert_close(&rgrad, &diff(&gp, &gm), TOL, "R{dparams}");
        assert_close(&rdx, &diff(&xp, &xm), TOL, "R{dx}");
    }
}

#[test]
fn r_backward_matches_finite_differences() {
    for (i, l) in convs().iter().enumerate() {
        check_r_backward(l, 500 + 10 * i as u64);
    }
    for (i, l) in pools().iter().enumerate() {
        check_r_backward(l, 600 + 10 * i as u64);
    }
}

/// Per-sample gradients of a chunk against a backward pass of each sample
/// alone, and their sum against the chunk's backward pass. Both sides
/// compute sample `s`'s block with the same products of the same numbers,
/// so they agree to rounding; 1e-12 relative admits only a reordering of
/// sums. Entries between the rows of `out` (the stride is longer than the
/// gradient) must stay untouched.
#[test]
fn per_sample_gradients_match_batch_of_one() {
    for (i, l) in convs().iter().enumerate() {
        let seed = 700 + 10 * i as u64;
        let x = l.inputs(ROWS, seed);
        let p = normal(l.param_len(), seed + 1);
        let dy = normal(ROWS * l.output_len(), seed + 2);
        let (n, stride) = (l.param_len(), l.param_len() + 3);
        let (_, mut scratch) = forward(l, &p, &x, ROWS);
        let mut out = vec![SENTINEL; ROWS * stride];
        l.per_sample_gradients(&x, &dy, &mut out, stride, ROWS, &mut scratch);
        let mut sum = vec![0.0; n];
        for s in 0..ROWS {
            let xs = &x[s * l.input_len()..][..l.input_len()];
            let dys = &dy[s * l.output_len()..][..l.output_len()];
            let (g, _) = backward(l, &p, xs, dys, 1);
            let row = &out[s * stride..(s + 1) * stride];
            assert_close(&row[..n], &g, 1e-12, "per-sample gradient");
            assert!(
                row[n..].iter().all(|&t| (t - SENTINEL).abs() < 1e-9),
                "gap written"
            );
            sum.iter_mut().zip(&row[..n]).for_each(|(a, b)| *a += b);
        }
        let (g, _) = backward(l, &p, &x, &dy, ROWS);
        assert_close(&sum, &g, 1e-12, "sum of per-sample gradients");
    }
    for l in pools() {
        let x = l.inputs(ROWS, 800);
        let dy = normal(ROWS * l.output_len(), 801);
        let mut out = vec![SENTINEL; 4];
        l.per_sample_gradients(&x, &dy, &mut out, 0, ROWS, &mut []);
        assert!(
            out.iter().all(|&t| (t - SENTINEL).abs() < 1e-9),
            "pooling wrote a gradient"
        );
    }
}

/// Ties: a window `[[1, 3], [3, 2]]` has its first maximum (row-major) at
/// its top right, an all-equal window at its top left; forward takes that
/// value, backward sends the whole gradient there, R-forward reads `rx`
/// there and R-backward routes `rdy` there.
#[test]
fn pooling_ties_go_to_the_first_maximum() {
    let l = MaxPool2d::new(shape(1, 2, 4), 2).unwrap();
    // Two windows side by side: [[1, 3], [3, 2]] and [[5, 5], [5, 5]].
    let x = [1.0, 3.0, 5.0, 5.0, 3.0, 2.0, 5.0, 5.0];
    let (y, _) = forward(&l, &[], &x, 1);
    assert_close(&y, &[3.0, 5.0], 0.0, "tied forward");
    let (_, dx) = backward(&l, &[], &x, &[10.0, 20.0], 1);
    assert_close(
        &dx,
        &[0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        0.0,
        "tied backward",
    );
    let rx: Vec<f64> = (1..=8).map(f64::from).collect();
    let ry = r_forward(&l, &[], &[], &x, Some(&rx), 1);
    assert_close(&ry, &[2.0, 3.0], 0.0, "tied R-forward");
    let (_, rdx) = r_backward(&l, &[], &[], &x, Some(&rx), &[1.0, 1.0], &[10.0, 20.0], 1);
    assert_close(
        &rdx,
        &[0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        0.0,
        "tied R-backward",
    );
}

/// LeNet-5's shapes (BENCHMARKS.md W2b): 1x28x28 -> conv 6@5x5 pad 2 ->
/// 6x28x28 -> pool 2 -> 6x14x14 -> conv 16@5x5 -> 16x10x10 -> pool 2 ->
/// 16x5x5 = 400 values; parameter counts 6*25+6 and 16*150+16.
#[test]
fn lenet_shapes() {
    let c1 = Conv2d::new(shape(1, 28, 28), 6, 5, 2).unwrap();
    assert_eq!(c1.output_shape(), shape(6, 28, 28));
    assert_eq!(c1.param_len(), 156);
    let p1 = MaxPool2d::new(c1.output_shape(), 2).unwrap();
    assert_eq!(p1.output_shape(), shape(6, 14, 14));
    let c2 = Conv2d::new(p1.output_shape(), 16, 5, 0).unwrap();
    assert_eq!(c2.output_shape(), shape(16, 10, 10));
    assert_eq!(c2.param_len(), 2416);
    let p2 = MaxPool2d::new(c2.output_shape(), 2).unwrap();
    assert_eq!(p2.output_shape(), shape(16, 5, 5));
    assert_eq!(p2.output_len(), 400);
    assert_eq!(p2.param_len(), 0);
}

/// Zero sizes, a kernel larger than the padded input and a pooling size
/// that does not divide the image are rejected with one-line errors.
#[test]
fn shape_errors() {
    let s = shape(2, 5, 6);
    let bad_conv = [
        Conv2d::new(shape(0, 5, 6), 3, 3, 1),
        Conv2d::new(shape(2, 0, 6), 3, 3, 1),
        Conv2d::new(shape(2, 5, 0), 3, 3, 1),
        Conv2d::new(s, 0, 3, 1),
        Conv2d::new(s, 3, 0, 1),
        Conv2d::new(s, 3, 6, 0),
        Conv2d::new(s, 3, 8, 1),
    ];
    for (i, r) in bad_conv.into_iter().enumerate() {
        let e = r.expect_err("bad convolution accepted");
        let msg = e.to_string();
        assert!(
            !msg.is_empty() && !msg.contains('\n'),
            "conv case {i}: {msg}"
        );
        assert!(
            matches!(e, Error::OutOfRange { .. } | Error::Unsupported(_)),
            "conv case {i}: {e:?}"
        );
    }
    // The largest admissible kernel is accepted (padded 7x8 takes 7x7).
    assert_eq!(
        Conv2d::new(s, 3, 7, 1).unwrap().output_shape(),
        shape(3, 1, 2)
    );
    let bad_pool = [
        MaxPool2d::new(shape(0, 4, 4), 2),
        MaxPool2d::new(shape(1, 4, 4), 0),
        MaxPool2d::new(shape(1, 4, 6), 4),
        MaxPool2d::new(shape(1, 5, 4), 2),
    ];
    for (i, r) in bad_pool.into_iter().enumerate() {
        let msg = r.expect_err("bad pooling accepted").to_string();
        assert!(
            !msg.is_empty() && !msg.contains('\n'),
            "pool case {i}: {msg}"
        );
    }
    assert!(Conv2d::new(s, 3, 8, 1)
        .unwrap_err()
        .to_string()
        .contains("8x8"));
    assert!(MaxPool2d::new(shape(1, 4, 6), 4)
        .unwrap_err()
        .to_string()
        .contains("4x6"));
}

/// `init_params` uses `fan_in = C k^2` and `fan_out = out k^2`. He: the mean
/// square of the 2400 weights of a 6 -> 16, 5x5 convolution estimates
/// `2 / fan_in = 2/150` with standard error `(2/150) sqrt(2/2400)`; Z = 5
/// standard errors (a false alarm rate below 1e-6 for a fixed seed that
/// either passes or not). Glorot: every weight lies within
/// `a = sqrt(6 / (150 + 400))` and the largest exceeds `0.9 a` (the chance
/// that 2400 uniform draws all stay below `0.9 a` is `0.9^2400`), so a
/// wrong fan shows. Biases are zero.
#[test]
fn init_uses_the_convolution_fans() {
    const Z: f64 = 5.0;
    let l = Conv2d::new(shape(6, 14, 14), 16, 5, 0).unwrap();
    let n = 16 * 150;
    let mut p = vec![SENTINEL; l.param_len()];
    l.init_params(Init::He, &mut p, &mut Seed(9).rng());
    let var = 2.0 / 150.0;
    let ms = p[..n].iter().map(|w| w * w).sum::<f64>() / n as f64;
    assert!(
        (ms - var).abs() <= Z * var * (2.0 / n as f64).sqrt(),
        "He mean square {ms} vs {var}"
    );
    assert!(p[n..].iter().all(|&b| b.abs() < 1e-300), "bias not zero");
    l.init_params(Init::Glorot, &mut p, &mut Seed(10).rng());
    let a = (6.0f64 / 550.0).sqrt();
    let max = p[..n].iter().fold(0.0f64, |m, w| m.max(w.abs()));
    assert!(
        max <= a && max > 0.9 * a,
        "Glorot max |w| {max} vs bound {a}"
    );
}
