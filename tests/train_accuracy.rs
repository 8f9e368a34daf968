//! The issue's accuracy criterion for the MLP, from the documented recipe:
//!
//! ```text
//! perturbo train --dataset mnist --model mlp:784-512-256-10 \
//!     --optimizer momentum:beta=0.9 --lr 0.05 --batch 128 --epochs 10 --seed 1
//! ```
//!
//! (heavy-ball momentum, the fused `f32` path; pixels standardised by the
//! training set's mean and deviation). The threshold, 98.0% test accuracy
//! within 10 epochs, is the issue's criterion, not a value fitted to this
//! run; the run is deterministic (fixed seed, bit-identical for any thread
//! count), so the test cannot flake. Measured with seed 1: 98.1% after epoch
//! 5, 98.41% after epoch 10.

use std::process::Command;

#[test]
fn the_mlp_recipe_reaches_98_percent_within_10_epochs() {
    let out = Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args([
            "train",
            "--dataset",
            "mnist",
            "--model",
            "mlp:784-512-256-10",
            "--optimizer",
            "momentum:beta=0.9",
            "--lr",
            "0.05",
            "--batch",
            "128",
            "--epochs",
            "10",
            "--seed",
            "1",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["epochs"], 10);
    assert_eq!(report["update"], "fused");
    let accuracy = report["test_accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.98, "test accuracy {accuracy} < 0.98");
}
