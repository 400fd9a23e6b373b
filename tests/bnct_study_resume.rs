//! A BNCT study killed (SIGKILL) after its first checkpoint continues from it on the next
//! `theradose study` of the same file, to the result of an uninterrupted run; a checkpoint of
//! another study is refused.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn exe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_theradose"));
    c.env("THERADOSE_NO_PROGRESS", "1");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// studies/bnct-mouse.toml with `histories` and a checkpoint after every round.
fn study(dir: &Path, name: &str, histories: u64, seed: u64) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/bnct-mouse.toml"),
    )
    .unwrap();
    let run = text.find("\n[run]").expect("[run]");
    let text = format!(
        "{}\n[run]\nhistories = {histories}\nseed = {seed}\ncheckpoint_every_s = 0\n",
        &text[..run]
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn run(file: &Path, out: &Path, threads: &str) -> Output {
    exe()
        .args([
            "study",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--threads", threads])
        .output()
        .unwrap()
}

/// The study's numbers without its timing fields.
fn summary(out: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| {
                    !(k.contains("second") || k.contains("wall") || k.contains("elapsed"))
                        && k != "threads"
                });
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

const COMPARED: [&str; 6] = [
    "tally.bin",
    "regions.csv",
    "depth.csv",
    "dvh.csv",
    "dose_weighted.nii.gz",
    "dose_boron.nii.gz",
];

#[test]
fn killed_bnct_study_resumes_to_the_uninterrupted_result() {
    let t = tempfile::tempdir().unwrap();
    let n = 40_000; // rounds hold at least 32768 histories
    let file = study(t.path(), "s.toml", n, 1);
    let full = t.path().join("full");
    let o = run(&file, &full, "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // killed hard after its first checkpoint
    let part = t.path().join("part");
    let mut child = exe()
        .args([
            "study",
            file.to_str().unwrap(),
            "--out",
            part.to_str().unwrap(),
        ])
        .args(["--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ck = part.join("tally.bin");
    let t0 = std::time::Instant::now();
    while !ck.exists() && t0.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success(), "the study finished first");
    let (h, tally) = theradose::tally::file::read(&ck).unwrap();
    assert!(
        tally.histories > 0 && tally.histories < h.planned,
        "expected a partial checkpoint, got {} of {}",
        tally.histories,
        h.planned
    );
    // control: the comparison sees a difference (the partial checkpoint is not the result)
    assert_ne!(
        std::fs::read(&ck).unwrap(),
        std::fs::read(full.join("tally.bin")).unwrap()
    );
    assert!(!part.join("summary.json").exists());

    // a checkpoint of another study (another seed) is refused, and kept
    let other = study(t.path(), "other.toml", n, 2);
    let o = run(&other, &part, "2");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("different run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        theradose::tally::file::read(&ck).unwrap().1.histories,
        tally.histories
    );

    // the same study continues the checkpoint
    let o = run(&file, &part, "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in COMPARED {
        assert!(
            std::fs::read(part.join(f)).unwrap() == std::fs::read(full.join(f)).unwrap(),
            "{f}: resumed study differs from the uninterrupted one"
        );
    }
    assert_eq!(summary(&part), summary(&full));
}
