//! `perturbo train` and the network as an optimizer oracle: the oracle
//! reproduces the engine, a killed run resumes to the uninterrupted report,
//! results do not depend on the thread count, bad input leaves no files,
//! and the fused `f32` update agrees with the generic `f64` one within the
//! rounding bound derived below.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::ScratchDir;
use perturbo::landscape::FiniteSum;
use perturbo::nn::objective::NetObjective;
use perturbo::nn::{Network, Workspace};
use perturbo::optim::{self, run_chains, Capabilities, Oracle, RunConfig};
use perturbo::rng::Seed;
use perturbo::train::update::FusedUpdate;

fn perturbo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// The report without its timing fields (`seconds`, `samples_per_sec`,
/// top level and per epoch), which are the only ones allowed to differ
/// between runs of one configuration.
fn without_timing(stdout: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(stdout).expect("one JSON object");
    let strip = |m: &mut serde_json::Value| {
        let m = m.as_object_mut().unwrap();
        m.remove("seconds").expect("a timing field");
        m.remove("samples_per_sec").expect("a timing field");
    };
    strip(&mut v);
    for row in v["history"].as_array_mut().unwrap() {
        strip(row);
    }
    v
}

fn succeeded(out: &std::process::Output) -> &[u8] {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

/// A small network on synthetic data: `n` inputs of width 5 with
/// deterministic values and labels in `0..3`.
fn small_objective(n: usize) -> NetObjective {
    let net = Network::parse("mlp:5-8-3,act=tanh").unwrap();
    let inputs = (0..n * 5).map(|k| ((k as f32) * 0.37).sin()).collect();
    let labels = (0..n).map(|i| (i * 7 % 3) as u8).collect();
    NetObjective::new(net, inputs, labels, 3).unwrap()
}

/// The oracle's gradient and Hessian-vector product at `f32`-representable
/// parameters are the engine's, bit for bit: with at most `EVAL_SLICE`
/// samples each is one engine call, widened exactly to `f64`.
#[test]
fn the_oracle_is_the_engine() {
    let obj = small_objective(50);
    let net = obj.network().clone();
    let p32: Vec<f32> = net.init_params(Seed(4));
    let x: Vec<f64> = p32.iter().map(|&v| f64::from(v)).collect();
    let data = obj.data();
    let all: Vec<usize> = (0..50).collect();
    let mut ws = Workspace::new(&net, 50);
    let mut g32 = vec![0.0f32; net.dim()];
    let loss = net
        .loss_and_gradient(&p32, &data, &all, &mut ws, &mut g32)
        .unwrap();
    let mut g = vec![0.0; net.dim()];
    obj.gradient(&x, &mut g);
    assert_eq!(obj.value(&x).to_bits(), loss.to_bits());
    assert!(g
        .iter()
        .zip(&g32)
        .all(|(a, &b)| a.to_bits() == f64::from(b).to_bits()));

    let batch = [3, 9, 9, 41];
    let mut gb = vec![0.0; net.dim()];
    let mut scratch = vec![0.0; net.dim()];
    let fs = obj.finite_sum().unwrap();
    fs.batch_gradient(&x, &batch, &mut gb, &mut scratch);
    net.loss_and_gradient(&p32, &data, &batch, &mut ws, &mut g32)
        .unwrap();
    assert!(gb
        .iter()
        .zip(&g32)
        .all(|(a, &b)| a.to_bits() == f64::from(b).to_bits()));

    let v32: Vec<f32> = (0..net.dim()).map(|k| ((k as f32) * 0.11).cos()).collect();
    let v: Vec<f64> = v32.iter().map(|&e| f64::from(e)).collect();
    let mut hv = vec![0.0; net.dim()];
    obj.hessian_vector(&x, &v, &mut hv).unwrap();
    let mut hv32 = vec![0.0f32; net.dim()];
    net.linearize(&p32, &data, &all)
        .unwrap()
        .hessian_vector(&v32, &mut hv32)
        .unwrap();
    assert!(hv
        .iter()
        .zip(&hv32)
        .all(|(a, &b)| a.to_bits() == f64::from(b).to_bits()));
    assert_eq!(
        obj.capabilities(),
        Capabilities {
            finite_sum: true,
            hessian_vector: true,
            inputs: true,
            ..Capabilities::default()
        }
    );
}

/// The supervised view (the inputs site's access to the network) is the
/// engine too: a sample's input reads back as its `f32` row widened; the
/// gradient at a sample's own input is its sample gradient, and a batch at
/// its own inputs is the minibatch gradient, bit for bit; at other inputs it
/// is the gradient of a data set holding those inputs (`f32`-representable
/// values, so nothing is rounded on the way in).
#[test]
fn the_supervised_view_is_the_engine() {
    let obj = small_objective(50);
    let sup = obj.supervised().unwrap();
    let net = obj.network().clone();
    let x: Vec<f64> = net
        .init_params::<f32>(Seed(4))
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let bits = |v: &[f64]| v.iter().map(|e| e.to_bits()).collect::<Vec<_>>();
    let (mut a, mut b) = (vec![0.0; net.dim()], vec![0.0; net.dim()]);
    let mut scratch = vec![0.0; net.dim()];
    assert_eq!(sup.input_dim(), 5);

    let batch = [3, 9, 9, 41];
    let mut own = vec![0.0; batch.len() * 5];
    for (&i, row) in batch.iter().zip(own.chunks_exact_mut(5)) {
        sup.read_input(i, row);
        let stored = &obj.data().input(i).to_vec();
        assert!(row.iter().zip(stored).all(|(&r, &s)| r == f64::from(s)));
    }
    sup.sample_gradient(&x, 9, &mut a);
    sup.gradient_at_input(&x, 9, &own[5..10], &mut b);
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(
        sup.sample_value(&x, 9).to_bits(),
        sup.value_at_input(&x, 9, &own[5..10]).to_bits()
    );
    sup.batch_gradient(&x, &batch, &mut a, &mut scratch);
    sup.batch_gradient_at_inputs(&x, &batch, &own, &mut b, &mut scratch);
    assert_eq!(bits(&a), bits(&b));

    // Other inputs: a data set whose rows are exactly those inputs.
    let other: Vec<f64> = own
        .iter()
        .map(|&v| f64::from((0.5 - 2.0 * v) as f32))
        .collect();
    let labels: Vec<u8> = batch.iter().map(|&i| obj.labels()[i]).collect();
    let moved = NetObjective::new(
        net.clone(),
        other.iter().map(|&v| v as f32).collect(),
        labels,
        3,
    )
    .unwrap();
    moved.batch_gradient(&x, &[0, 1, 2, 3], &mut a, &mut scratch);
    sup.batch_gradient_at_inputs(&x, &batch, &other, &mut b, &mut scratch);
    assert_eq!(bits(&a), bits(&b));
    let mut stored = vec![0.0; net.dim()];
    sup.batch_gradient(&x, &batch, &mut stored, &mut scratch);
    assert_ne!(bits(&stored), bits(&b), "the replaced inputs are used");
}

/// Any parsed optimizer runs on the network through the common driver:
/// SAM on minibatches takes exactly two minibatch gradients per step, and
/// every chain ends finite.
#[test]
fn run_chains_drives_an_optimizer_on_a_network() {
    let obj = small_objective(40);
    let sam = optim::parse("sam:lr=0.1,rho=0.05").unwrap();
    let start: Vec<f64> = obj
        .network()
        .init_params::<f32>(Seed(1))
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let cfg = RunConfig {
        steps: 30,
        burn_in: 0,
        batch: Some(8),
    };
    let chains = run_chains(&obj, &sam, &[start.clone(), start], &cfg, Seed(2), |_| ()).unwrap();
    for c in &chains {
        assert_eq!(c.counts.gradients, 2 * 30);
        assert_eq!(c.counts.sample_gradients, 2 * 30 * 8);
        assert!(c.final_state.iter().all(|v| v.is_finite()));
    }
}

/// The fused `f32` update and `Optimizer::step` in `f64`, fed the same
/// gradients, agree within the accumulated `f32` rounding.
///
/// The objective is linear, `L(x) = c . x`, so both paths see exactly the
/// gradient `c` at every step and differ only by the rounding of the update
/// arithmetic. Bound, per element, with `u = 2^-24` (unit roundoff of `f32`)
/// and `A` the largest magnitude of any quantity of the update (`|x|`, `|g|`,
/// `lambda |x|`, `|m|`, `|u|` ≤ `max(X, 2 M)` with `M` the largest momentum):
/// a step makes at most 9 roundings of size ≤ `u A` outside the momentum
/// (3 coefficients rounded to `f32`, 2 products, 3 sums, the final add) and 3
/// inside it (coefficient, product, sum), so the momentum's error stays
/// below `3 u A / (1 - beta)` and enters `x` multiplied by
/// `lr (1 + beta) <= 2 lr`; weight decay feeds `x`'s error back with factor
/// `(1 + lr lambda)` per step. Over `T` steps:
/// `|x_f32 - x_f64| <= T u A (9 + 6 lr / (1 - beta)) (1 + lr lambda)^T`,
/// doubled for second-order terms and the `f64` path's own rounding.
#[test]
fn fused_and_generic_updates_agree_to_f32_rounding() {
    let dim = 9000; // three blocks of the fused update, the last one partial
    let steps = 20;
    let c: Vec<f64> = (0..dim)
        .map(|i| ((i as f64) * 1.7).cos() * 10f64.powi((i % 5) as i32 - 2))
        .collect();
    let linear = Linear { c: c.clone() };
    let x0: Vec<f32> = (0..dim).map(|i| ((i as f32) * 0.3).sin()).collect();
    let cases = [
        ("sgd:lr=0.1", 0.1, 0.0, 0.0),
        ("momentum:lr=0.05,beta=0.9", 0.05, 0.9, 0.0),
        ("nesterov:lr=0.05,beta=0.9", 0.05, 0.9, 0.0),
        (
            "weight-decay:lambda=0.01 + momentum:lr=0.05,beta=0.9",
            0.05,
            0.9,
            0.01,
        ),
    ];
    for (spec, lr, beta, lambda) in cases {
        let opt = optim::parse(spec).unwrap();
        let fused = FusedUpdate::of(&opt).expect("a fused chain");
        let (mut x, mut m) = (x0.clone(), vec![0.0f32; dim]);
        let g: Vec<f32> = c.iter().map(|&v| v as f32).collect();
        let mut a = 0.0f64;
        for _ in 0..steps {
            let mbuf: &mut [f32] = if fused.has_momentum() {
                &mut m
            } else {
                &mut []
            };
            fused.apply(&mut x, &g, mbuf, 1.0);
            let big_x = x.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
            let big_m = m.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
            a = a.max(big_x).max(2.0 * big_m);
        }
        let a = a.max(c.iter().map(|v| v.abs()).fold(0.0, f64::max));
        let start: Vec<f64> = x0.iter().map(|&v| f64::from(v)).collect();
        let cfg = RunConfig {
            steps,
            burn_in: 0,
            batch: None,
        };
        let chains = run_chains(&linear, &opt, &[start], &cfg, Seed(0), |_| ()).unwrap();
        let u = 2f64.powi(-24);
        let t = steps as f64;
        let tol = 2.0 * t * u * a * (9.0 + 6.0 * lr / (1.0 - beta)) * (1.0 + lr * lambda).powf(t);
        let worst = chains[0]
            .final_state
            .iter()
            .zip(&x)
            .map(|(a, &b)| (a - f64::from(b)).abs())
            .fold(0.0, f64::max);
        assert!(
            worst <= tol,
            "{spec}: |fused - generic| = {worst:e} > {tol:e}"
        );
        // The test can fail: a wrong rule errs by about one step's
        // displacement `lr |g|`, ten times the bound or more.
        assert!(lr * c.iter().map(|v| v.abs()).fold(0.0, f64::max) > 10.0 * tol);
    }
    for spec in [
        "adam:lr=0.01",
        "sam:lr=0.1,rho=0.05",
        "noisy-gd:lr=0.1,temperature=0.1",
    ] {
        assert!(
            FusedUpdate::of(&optim::parse(spec).unwrap()).is_none(),
            "{spec}"
        );
    }
}

/// `L(x) = c . x`: the same gradient everywhere.
#[derive(Debug)]
struct Linear {
    c: Vec<f64>,
}

impl Oracle for Linear {
    fn describe(&self) -> String {
        "linear".into()
    }
    fn dim(&self) -> usize {
        self.c.len()
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.c.iter().zip(x).map(|(c, x)| c * x).sum()
    }
    fn gradient(&self, _x: &[f64], grad: &mut [f64]) {
        grad.copy_from_slice(&self.c);
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

/// A run of a few hundred small steps: long enough to be killed after its
/// first checkpoint, short enough to run three times.
const SMALL: &[&str] = &[
    "train",
    "--subset",
    "1000",
    "--model",
    "mlp:784-16-10",
    "--batch",
    "25",
    "--json",
];

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_report() {
    let dir = ScratchDir::new("train", "resume");
    let ck = dir.join("train.ck");
    let csv = dir.join("epochs.csv");
    let mut args = SMALL.to_vec();
    args.extend(["--epochs", "30", "--optimizer", "nesterov:lr=0.05"]);
    let mut other = args.clone();
    other.extend(["--seed", "4"]);
    args.extend(["--seed", "3"]);
    let mut with_ck = args.clone();
    with_ck.extend([
        "--checkpoint",
        ck.to_str().unwrap(),
        "--checkpoint-every",
        "13",
    ]);
    with_ck.extend(["--csv", csv.to_str().unwrap()]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(&with_ck)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ck.exists() {
        assert!(Instant::now() < deadline, "no checkpoint within 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ck.exists(), "the checkpoint survives the kill");

    let resumed = perturbo(&with_ck);
    let resumed = without_timing(succeeded(&resumed));
    assert!(!ck.exists(), "a completed run removes its checkpoint");
    let uninterrupted = perturbo(&args);
    assert_eq!(resumed, without_timing(succeeded(&uninterrupted)));
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(rows.lines().count(), 1 + 30, "header and one row per epoch");

    // A checkpoint of another configuration is refused, in one line.
    std::fs::write(
        &ck,
        serde_json::to_vec(&serde_json::json!({"config": 1})).unwrap(),
    )
    .unwrap();
    let out = perturbo(&with_ck);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a perturbo train checkpoint"));
    std::fs::remove_file(&ck).unwrap();
    let mut writer = Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(&with_ck)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    while !ck.exists() {
        assert!(
            Instant::now() < deadline + Duration::from_secs(60),
            "no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    writer.kill().unwrap();
    writer.wait().unwrap();
    other.extend(["--checkpoint", ck.to_str().unwrap()]);
    let out = perturbo(&other);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("different configuration"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// One and two threads give the same report (timing aside), on both
/// update paths.
#[test]
fn reports_do_not_depend_on_the_thread_count() {
    for optimizer in [
        "momentum:lr=0.05",
        "adam:lr=0.002",
        "input-noise:sigma=0.1 + dropout:p=0.2 + sgd:lr=0.05",
    ] {
        let mut args = SMALL.to_vec();
        args.extend(["--epochs", "2", "--optimizer", optimizer]);
        let mut one = args.clone();
        one.extend(["--threads", "1"]);
        let mut two = args.clone();
        two.extend(["--threads", "2"]);
        let a = without_timing(succeeded(&perturbo(&one)));
        let b = without_timing(succeeded(&perturbo(&two)));
        assert_eq!(a, b, "{optimizer}");
        let path = if optimizer.starts_with("momentum") {
            "fused"
        } else {
            "generic"
        };
        assert_eq!(a["update"], path);
    }
}

/// Writes gzip files with the MNIST names but garbage inside.
fn malformed_mnist(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::write(dir.join(name), b"not a gzip file").unwrap();
    }
}

#[test]
fn bad_input_fails_in_one_line_and_writes_nothing() {
    let dir = ScratchDir::new("train", "bad");
    let broken = dir.join("broken");
    malformed_mnist(&broken);
    let missing = dir.join("nowhere");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--data", missing.to_str().unwrap()], "nowhere"),
        (vec!["--data", broken.to_str().unwrap()], "train-images"),
        (vec!["--model", "mlp:100-10"], "input width"),
        (vec!["--model", "mlp:784-16-7"], "output width"),
        (vec!["--model", "mlp:784-0-10"], "width"),
        (vec!["--model", "mlp:784-8-10", "--lr", "-1"], "lr"),
        (
            vec!["--optimizer", "rmsprop:lr=0.1"],
            "unknown optimizer `rmsprop`",
        ),
        (
            vec!["--optimizer", "sgd:lr=0.1", "--lr", "0.2"],
            "lr is given twice",
        ),
        (vec!["--optimizer", "sgd"], "missing parameter lr"),
        (vec!["--dataset", "cifar"], "unknown dataset `cifar`"),
        (vec!["--batch", "0"], "batch"),
        (vec!["--label-noise", "1.5"], "label noise"),
        (vec!["--subset", "100000"], "balanced subset"),
        (vec!["--subset", "0"], "n = 0"),
        (vec!["--checkpoint-every", "0"], "checkpoint every"),
    ];
    for (i, (extra, needle)) in cases.iter().enumerate() {
        let (out, csv, ck) = (
            dir.join(format!("r{i}.json")),
            dir.join(format!("r{i}.csv")),
            dir.join(format!("r{i}.ck")),
        );
        let mut args = vec![
            "train",
            "--epochs",
            "1",
            "--out",
            out.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "--checkpoint",
            ck.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let res = perturbo(&args);
        let err = String::from_utf8_lossy(&res.stderr);
        assert!(!res.status.success(), "{extra:?} succeeded");
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: `{err}` lacks `{needle}`");
        assert!(res.stdout.is_empty(), "{extra:?}");
        for f in [&out, &csv, &ck] {
            assert!(!f.exists(), "{extra:?} wrote {}", f.display());
        }
    }
}

/// A learning-rate schedule multiplies the fused step: lr 0.1 under the
/// constant schedule 0.5 trains exactly as lr 0.05 without one (halving is
/// exact in binary floating point, so `f32(0.1) * 0.5 == f32(0.05)` and
/// every step is the same bit for bit), a decaying schedule changes the
/// result, and a schedule on a generic-path optimizer is refused in one line.
#[test]
fn a_learning_rate_schedule_scales_the_fused_step() {
    let run = |optimizer: &str, schedule: Option<&str>| {
        let mut args = SMALL.to_vec();
        args.extend(["--epochs", "2", "--optimizer", optimizer]);
        if let Some(s) = schedule {
            args.extend(["--lr-schedule", s]);
        }
        without_timing(succeeded(&perturbo(&args)))["history"].clone()
    };
    let halved = run("momentum:lr=0.1", Some("constant:value=0.5"));
    assert_eq!(halved, run("momentum:lr=0.05", None));
    assert_ne!(halved, run("momentum:lr=0.1", Some("cosine:period=80")));

    let mut args = SMALL.to_vec();
    args.extend([
        "--optimizer",
        "adam:lr=0.002",
        "--lr-schedule",
        "cosine:period=80",
    ]);
    let out = perturbo(&args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fused optimizers"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
