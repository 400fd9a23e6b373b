//! Nothing lost, nothing silent (issue 20, item 4): an output folder holding a checkpoint or a
//! result is refused without --resume or --force; --resume with more histories extends a
//! finished run to the result of one longer run, bit for bit; a lock file keeps two runs out of
//! one folder (a stale lock is taken over); a failed checkpoint write leaves the previous
//! checkpoint intact and says so; every run says whether its target uncertainty was reached.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "common/cli.rs"]
mod cli;
use cli::{exe, s};

/// 0.662 MeV photons from a point in a 20 cm water cube at 20 mm voxels (1000 voxels).
fn run_file(dir: &Path, histories: u64) -> PathBuf {
    let p = dir.join("run.toml");
    let text = format!(
        "name = \"safety\"\n[phantom]\nbuiltin = \"water-cube\"\nvoxel_mm = 20.0\n[source]\n\
         particle = \"photon\"\nkind = \"point\"\nposition_mm = [10.0, -10.0, 30.0]\n\
         energy_mev = 0.662\n[run]\nhistories = {histories}\nseed = 42\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn theradose(args: &[&str]) -> Output {
    exe().args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let o = theradose(args);
    assert!(
        o.status.success(),
        "theradose {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn existing_results_are_kept_unless_resumed_or_forced() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), 30_000);
    let out = t.path().join("o");
    ok(&["run", s(&f), "--out", s(&out)]);
    let before = std::fs::read(out.join("tally.bin")).unwrap();
    // the user's finding: a rerun with fewer histories silently replaced the checkpoint
    let o = theradose(&["run", s(&f), "--out", s(&out), "--histories", "1000"]);
    assert!(!o.status.success());
    let e = err(&o);
    assert!(
        e.contains("already holds a checkpoint of 30000 of 30000 histories"),
        "{e}"
    );
    assert!(e.contains("--resume") && e.contains("--force"), "{e}");
    assert_eq!(std::fs::read(out.join("tally.bin")).unwrap(), before);
    // resuming with fewer histories than the checkpoint holds is refused too
    let o = theradose(&[
        "run",
        s(&f),
        "--out",
        s(&out),
        "--histories",
        "1000",
        "--resume",
    ]);
    assert!(!o.status.success());
    assert!(err(&o).contains("ask for at least 30000"), "{}", err(&o));
    // --force replaces it
    ok(&[
        "run",
        s(&f),
        "--out",
        s(&out),
        "--histories",
        "1000",
        "--force",
    ]);
    let (_, tally) = theradose::tally::file::read(&out.join("tally.bin")).unwrap();
    assert_eq!(tally.histories, 1000);
}

#[test]
fn resume_with_more_histories_extends_to_one_long_run() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), 30_000);
    let long = t.path().join("long");
    ok(&[
        "run",
        s(&f),
        "--out",
        s(&long),
        "--histories",
        "7e4",
        "--threads",
        "2",
    ]);
    let ext = t.path().join("ext");
    ok(&["run", s(&f), "--out", s(&ext), "--threads", "1"]);
    let o = ok(&[
        "run",
        s(&f),
        "--out",
        s(&ext),
        "--histories",
        "70000",
        "--resume",
        "--threads",
        "2",
    ]);
    assert!(
        err(&o).contains("extending a run of 30000 histories"),
        "{}",
        err(&o)
    );
    for file in [
        "tally.bin",
        "dose.nii.gz",
        "uncertainty.nii.gz",
        "regions.csv",
    ] {
        assert!(
            std::fs::read(long.join(file)).unwrap() == std::fs::read(ext.join(file)).unwrap(),
            "{file}: extended run differs from one run of 70000 histories"
        );
    }
    // the comparison can fail: the shorter run's tally differs
    let short = t.path().join("short");
    ok(&["run", s(&f), "--out", s(&short)]);
    assert!(
        std::fs::read(short.join("tally.bin")).unwrap()
            != std::fs::read(long.join("tally.bin")).unwrap()
    );
}

#[test]
fn a_live_lock_refuses_and_a_stale_lock_is_taken_over() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), 2_000);
    let out = t.path().join("o");
    std::fs::create_dir_all(&out).unwrap();
    // a live process holds the folder (this test's own process)
    std::fs::write(
        out.join("theradose.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let o = theradose(&["run", s(&f), "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(err(&o).contains("another theradose run"), "{}", err(&o));
    assert!(!out.join("tally.bin").exists());
    // a dead one (a finished child's process id) is taken over with a message
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    std::fs::write(out.join("theradose.lock"), format!("{dead}\n")).unwrap();
    let o = ok(&["run", s(&f), "--out", s(&out)]);
    assert!(err(&o).contains("stale lock"), "{}", err(&o));
    assert!(out.join("tally.bin").exists());
    assert!(!out.join("theradose.lock").exists(), "lock released");
}

#[test]
fn a_failed_checkpoint_write_keeps_the_previous_one() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), 20_000);
    let out = t.path().join("o");
    ok(&["run", s(&f), "--out", s(&out)]);
    let before = std::fs::read(out.join("tally.bin")).unwrap();
    assert!(before.len() > 16 * 1024, "{} bytes", before.len());
    // a file-size limit of 8 KiB (bash counts ulimit -f in 1024-byte blocks): run.json fits,
    // the ~32 KiB checkpoint does not
    let cmd = format!(
        "ulimit -f 8 && exec '{}' run '{}' --out '{}' --resume --histories 40000",
        env!("CARGO_BIN_EXE_theradose"),
        s(&f),
        s(&out)
    );
    let o = Command::new("bash")
        .args(["-c", &cmd])
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = err(&o);
    assert!(
        e.contains("previous checkpoint") && e.contains("intact"),
        "{e}"
    );
    assert_eq!(o.status.code(), Some(1), "an error, not a signal: {e}");
    assert_eq!(std::fs::read(out.join("tally.bin")).unwrap(), before);
    assert!(!out.join("tally.bin.tmp").exists());
}

#[test]
fn target_uncertainty_is_reported_reached_or_not() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), 5_000);
    for (target, reached) in [("0.5", true), ("1e-6", false)] {
        let out = t.path().join(format!("o{target}"));
        let o = ok(&[
            "run",
            s(&f),
            "--out",
            s(&out),
            "--target-uncertainty",
            target,
            "--region",
            "water",
        ]);
        let sum: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(sum["target_uncertainty_reached"], reached, "{target}");
        let stdout = String::from_utf8_lossy(&o.stdout);
        let line = if reached { ": reached" } else { "NOT reached" };
        assert!(stdout.contains(line), "{stdout}");
    }
    // without a target: null, and no line
    let out = t.path().join("none");
    ok(&["run", s(&f), "--out", s(&out)]);
    let sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(sum["target_uncertainty_reached"].is_null());
}

/// `dose` accepts --resume (its interruption message names it), refuses a folder holding a
/// checkpoint, and --resume with more histories equals one longer run.
#[test]
fn dose_resumes_and_refuses_like_run() {
    let t = tempfile::tempdir().unwrap();
    let tia = t.path().join("wc.nii.gz");
    ok(&[
        "phantom",
        "export",
        "water-cube",
        "--voxel-mm",
        "20",
        "--out",
        s(&tia),
    ]);
    let dose = |out: &Path, extra: &[&str]| {
        let mut a = vec![
            "dose",
            "--method",
            "mc",
            "--phantom",
            "water-cube",
            "--tia",
            s(&tia),
            "--nuclide",
            "Lu-177",
            "--out",
            s(out),
        ];
        a.extend_from_slice(extra);
        theradose(&a)
    };
    let long = t.path().join("long");
    let o = dose(&long, &["--histories", "4e4"]);
    assert!(o.status.success(), "{}", err(&o));
    // the table on stdout (progress and logs on stderr)
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("mean (Gy)") && stdout.contains("water"),
        "{stdout}"
    );
    assert!(!err(&o).contains("mean (Gy)"));
    let ext = t.path().join("ext");
    assert!(dose(&ext, &["--histories", "2e4"]).status.success());
    let o = dose(&ext, &["--histories", "4e4"]);
    assert!(
        !o.status.success() && err(&o).contains("--resume"),
        "{}",
        err(&o)
    );
    let o = dose(&ext, &["--histories", "4e4", "--resume"]);
    assert!(o.status.success(), "{}", err(&o));
    for file in ["tally.bin", "dose.nii.gz"] {
        assert!(
            std::fs::read(long.join(file)).unwrap() == std::fs::read(ext.join(file)).unwrap(),
            "{file}"
        );
    }
}

/// A sweep split over processes (Slurm arrays, `scripts/slurm/`): the point count is printed,
/// a point beyond it is refused, and --collect before the points ran names the missing one.
#[test]
fn sweep_points_are_counted_and_checked() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml");
    let o = ok(&["study", s(&f), "--sweep-points"]);
    // "therapy.activity_per_cycle_mbq" = [3700.0, 11100.0]
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2");
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("o");
    let o = theradose(&["study", s(&f), "--sweep-point", "2", "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("has 2 sweep points (0 to 1)"),
        "{}",
        err(&o)
    );
    let o = theradose(&["study", s(&f), "--collect", "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(err(&o).contains("--sweep-point 0"), "{}", err(&o));
    assert!(!out.join("dosimetry").exists(), "nothing computed");
}
