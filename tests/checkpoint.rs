//! `perturbo run --checkpoint`: a run killed mid-way and resumed from its
//! checkpoint gives exactly the report of an uninterrupted run; a
//! checkpoint that does not belong to the configuration is refused.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::ScratchDir;

/// A run long enough (tens of millions of steps) to be killed after its
/// first checkpoint and before its end.
const RUN: &[&str] = &[
    "run",
    "--landscape",
    "quadratic:h=2,5",
    "--optimizer",
    "noisy-gd:lr=0.02,temperature=0.5",
    "--steps",
    "30000000",
    "--burn-in",
    "1000",
    "--chains",
    "2",
    "--json",
];

fn perturbo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Starts `args`, waits for its first checkpoint at `ck`, checks the run
/// is still going (a finished run removes its checkpoint, which would leave
/// the caller checking nothing) and kills it.
fn kill_after_first_checkpoint(args: &[&str], ck: &std::path::Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ck.exists() {
        assert!(
            Instant::now() < deadline,
            "no checkpoint written within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ck.exists(), "the checkpoint must survive the kill");
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_report() {
    let dir = ScratchDir::new("ck", "resume");
    let ck = dir.join("run.ck");
    let ck_arg = ck.to_str().unwrap();
    let mut args = RUN.to_vec();
    args.extend(["--checkpoint", ck_arg, "--checkpoint-every", "500000"]);

    kill_after_first_checkpoint(&args, &ck);

    let resumed = perturbo(&args);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(!ck.exists(), "a completed run removes its checkpoint");
    let uninterrupted = perturbo(RUN);
    assert!(uninterrupted.status.success());
    assert_eq!(
        String::from_utf8_lossy(&resumed.stdout),
        String::from_utf8_lossy(&uninterrupted.stdout),
        "resumed and uninterrupted reports differ"
    );
}

#[test]
fn a_foreign_or_broken_checkpoint_is_refused() {
    let dir = ScratchDir::new("ck", "foreign");
    let ck = dir.join("run.ck");
    std::fs::write(&ck, b"not json").unwrap();
    let out = perturbo(&[
        "run",
        "--steps",
        "1000",
        "--burn-in",
        "10",
        "--checkpoint",
        ck.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a perturbo run checkpoint"), "{err}");

    // A valid checkpoint of another configuration: write one by killing a
    // long run, then ask for a different seed.
    std::fs::remove_file(&ck).unwrap();
    let mut args = RUN.to_vec();
    args.extend([
        "--checkpoint",
        ck.to_str().unwrap(),
        "--checkpoint-every",
        "500000",
    ]);
    kill_after_first_checkpoint(&args, &ck);
    args.extend(["--seed", "2"]);
    let out = perturbo(&args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("different configuration"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
