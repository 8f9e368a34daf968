//! The command line: bad input gets one line naming the problem, a non-zero
//! exit and no output file; good input gets the promised JSON fields.

mod common;

use std::process::Command;

use common::ScratchDir;

fn perturbo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_perturbo"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn bad_escape_inputs_fail_with_one_line_and_no_output() {
    let cases: &[(&[&str], &str)] = &[
        (&["--eps", "-0.5"], "eps"),
        (&["--dt", "-1e-3"], "dt"),
        (&["--dt", "0"], "dt"),
        (&["--eps", "NaN"], "eps"),
        (&["--landscape", "volcano"], "unknown landscape `volcano`"),
        (&["--landscape", "double-well:b=2"], "unknown parameter `b`"),
        (&["--landscape", "tilted-double-well:c=nan"], "finite"),
        (&["--landscape", "transverse-double-well:a=-3"], "a"),
        (&["--noise", "pink"], "unknown noise `pink`"),
        (&["--scheme", "rk4"], "unknown scheme `rk4`"),
        (
            &["--start", "5", "--target", "interval:low=-2,high=2"],
            "already inside the target",
        ),
        (&["--start", "0,0"], "dimension mismatch"),
        (&["--start", "nan"], "start point"),
        (&["--target", "interval:low=1,high=0"], "low < high"),
        (&["--noise", "levy", "--alpha", "2.5"], "alpha"),
        (&["--paths", "0"], "paths"),
        (&["--paths", "1000000000000"], "paths"),
        (&["--bogus-flag"], "--bogus-flag"),
    ];
    let dir = ScratchDir::new("cli", "bad");
    for (i, (extra, needle)) in cases.iter().enumerate() {
        let out_file = dir.join(format!("report-{i}.json"));
        let mut args = vec![
            "escape",
            "--paths",
            "10",
            "--max-time",
            "1",
            "--out",
            out_file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = perturbo(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{extra:?} must fail; stderr: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{extra:?}: one line expected, got: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "{extra:?}: `{needle}` not in: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "{extra:?}: nothing on stdout expected"
        );
        assert!(!out_file.exists(), "{extra:?}: an output file was written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
}

#[test]
fn escape_json_has_the_promised_fields_and_is_written_atomically() {
    let dir = ScratchDir::new("cli", "good");
    let out_file = dir.join("escape.json");
    let out = perturbo(&[
        "escape",
        "--landscape",
        "double-well",
        "--eps",
        "0.5",
        "--dt",
        "1e-3",
        "--paths",
        "300",
        "--seed",
        "1",
        "--json",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(printed, written);
    for key in [
        "mean_exit_time",
        "std_error",
        "ci_low",
        "ci_high",
        "escaped",
        "censored",
        "kramers",
        "exact_mfpt",
    ] {
        assert!(printed.get(key).is_some(), "missing `{key}` in {printed}");
    }
    let mean = printed["mean_exit_time"].as_f64().unwrap();
    let (lo, hi) = (
        printed["ci_low"].as_f64().unwrap(),
        printed["ci_high"].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi);
    assert_eq!(
        printed["escaped"].as_u64().unwrap() + printed["censored"].as_u64().unwrap(),
        300
    );
}

#[test]
fn help_pins_the_conventions() {
    let out = perturbo(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for convention in ["sqrt(2 eps) dW", "(lr / 2B) |H(X)|", "exp(-|u|^alpha)"] {
        assert!(
            help.contains(convention),
            "help must state `{convention}`:\n{help}"
        );
    }
}
