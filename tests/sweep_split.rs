//! A sweep split over processes (issue 20, the Slurm array of a study sweep): `theradose study
//! FILE --sweep-point I` runs one point, `--collect` runs the nominal study and gathers the
//! points into `sweep.csv`; the result agrees with the sweep run in one process.
//!
//! Study: studies/quickstart-ci.toml (8 mm voxels, 1e5 decays) with its sweep over two
//! activities. The single process simulates the dosimetry once and scales it by the activity;
//! each split point simulates its own (same seed, same decays), so the numbers agree to
//! floating-point rounding of that scaling: tolerance 1e-9 relative (src/study/therapy/split.rs).

use std::path::Path;
use std::process::Command;

fn theradose(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(args)
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = theradose(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The cells of sweep.csv.
fn sweep_csv(out: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(out.join("sweep.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Two cells agree: the same text, or numbers within 1e-9 relative.
fn same_cell(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => a == b,
    }
}

#[test]
fn split_sweep_points_and_collect_agree_with_one_process() {
    let study = concat!(env!("CARGO_MANIFEST_DIR"), "/studies/quickstart-ci.toml");
    let t = tempfile::tempdir().unwrap();
    let one = t.path().join("one");
    let split = t.path().join("split");
    let (one_s, split_s) = (one.to_str().unwrap(), split.to_str().unwrap());

    // (the point count and the errors of a bad index or an early --collect: tests/run_safety.rs)
    for i in ["0", "1"] {
        ok(&[
            "study",
            study,
            "--sweep-point",
            i,
            "--out",
            split_s,
            "--threads",
            "2",
        ]);
    }
    ok(&[
        "study",
        study,
        "--collect",
        "--out",
        split_s,
        "--threads",
        "2",
    ]);
    ok(&["study", study, "--out", one_s, "--threads", "2"]);

    let (a, b) = (sweep_csv(&one), sweep_csv(&split));
    assert_eq!(a.len(), 3, "a header and two points: {a:?}");
    assert_eq!(a[0], b[0], "same columns");
    for (ra, rb) in a.iter().zip(&b).skip(1) {
        assert_eq!(ra.len(), rb.len());
        for (k, (x, y)) in ra.iter().zip(rb).enumerate() {
            assert!(same_cell(x, y), "column {}: {x} vs {y}", a[0][k]);
        }
    }
    // the collected metrics.json holds the nominal run and both points
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(split.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["sweep"]["points"].as_array().unwrap().len(), 2);
}
