//! Neutrons on the shared run driver, as `tests/run_cli.rs` checks photons: bit-identical
//! results for 1, 2 and 7 threads and for any job split (library and `theradose beam --jobs N
//! --job-index I` + `theradose merge`), and a run killed (SIGKILL) or interrupted (SIGINT)
//! mid-run and resumed with `--resume` gives the same tally as an uninterrupted run.

use std::path::Path;
use std::process::Command;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::isotropic_rng;
use theradose::physics::neutron::NeutronPhysics;
use theradose::physics::photon::PhotonPhysics;
use theradose::run::neutron::execute;
use theradose::run::RunSettings;
use theradose::transport::neutron::{
    NeutronGeometry, NeutronOutcome, NeutronTransport, SourceNeutron,
};
use theradose::transport::{Geometry, Transport};

#[path = "common/cli.rs"]
mod cli;
use cli::{exe, s};

/// 1 MeV neutrons from the centre of a 10 cm sphere of boronated (30 ug/g) soft tissue, gammas
/// transported: `histories` of them, split in `jobs` jobs merged, on `threads` threads.
fn sphere_run(threads: usize, jobs: u64, histories: u64) -> NeutronOutcome {
    let db = MaterialDb::load().unwrap();
    let st = db.get("soft-tissue").unwrap().clone();
    let ph = NeutronPhysics::new(std::slice::from_ref(&st), &[30.0]).unwrap();
    let photon = PhotonPhysics::new(std::slice::from_ref(&st)).unwrap();
    let sphere = Geometry::Sphere {
        radius_cm: 10.0,
        material: 0,
        density: 1.06,
        shells: 10,
    };
    let gamma = Transport::new(sphere, &photon, 1e-3);
    let mut tr = NeutronTransport::new(
        NeutronGeometry::Sphere {
            radius_cm: 10.0,
            material: 0,
            density: 1.06,
            shells: 10,
        },
        &ph,
    );
    tr.photon = Some(&gamma);
    let source = |rng: &mut theradose::rng::HistoryRng| SourceNeutron {
        energy_mev: 1.0,
        pos: Vec3::default(),
        dir: isotropic_rng(rng),
    };
    let mut merged: Option<theradose::tally::Tally> = None;
    let mut last = None;
    for j in 0..jobs {
        let mut s = RunSettings::new(9, histories);
        s.threads = Some(threads);
        s.jobs = jobs;
        s.job_index = j;
        let kernel = theradose::run::neutron::NeutronKernel::new(&tr, source);
        let out = theradose::run::execute_kernel(&kernel, &s).unwrap();
        match &mut merged {
            None => merged = Some(out.tally.clone()),
            Some(m) => m.merge(&out.tally),
        }
        last = Some(out);
    }
    let t = merged.unwrap();
    assert_eq!(t.histories, histories);
    let o = theradose::run::neutron::outcome(&tr, &t, last.as_ref());
    // the one-call path gives the same when not split
    if jobs == 1 {
        let mut s = RunSettings::new(9, histories);
        s.threads = Some(threads);
        let direct = execute(&tr, source, &s).unwrap();
        assert_eq!(direct.tally, o.tally);
    }
    o
}

/// Tallies (neutron components, photon bins) and the energy balance are bit-identical for 1, 2
/// and 7 threads and for 1 or 3 jobs merged; the balance (kept per history in fixed point)
/// still closes (the bound is that of tests/neutron_transport.rs, 1e-6 relative).
#[test]
fn bit_identical_for_threads_and_job_split() {
    let n = 3000;
    let a = sphere_run(1, 1, n);
    for (threads, jobs) in [(2, 1), (7, 1), (2, 3), (1, 7)] {
        let b = sphere_run(threads, jobs, n);
        assert_eq!(a.tally, b.tally, "{threads} threads, {jobs} jobs");
        assert_eq!(
            a.photon_tally, b.photon_tally,
            "{threads} threads, {jobs} jobs"
        );
        assert_eq!(a.balance, b.balance, "{threads} threads, {jobs} jobs");
    }
    let d = a.balance.relative_discrepancy();
    assert!(
        d < 1e-6,
        "energy balance discrepancy {d:e}: {:?}",
        a.balance
    );
    assert!(a.balance.source > 0.99 * n as f64 && a.balance.gamma > 0.0);
}

/// The flags of a small beam: epithermal, 2 cm field on the mouse with its flank tumour at 2 mm.
fn beam_args(histories: u64) -> Vec<String> {
    beam_args_seed(histories, 5)
}

fn beam_args_seed(histories: u64, seed: u64) -> Vec<String> {
    [
        "beam",
        "--spectrum",
        "epithermal",
        "--phantom",
        "mouse",
        "--groups",
        "tumour",
        "--voxel-mm",
        "2",
        "--field-diameter-cm",
        "2",
        "--boron-ppm",
        "20",
        "--seed",
        &seed.to_string(),
        "--histories",
        &histories.to_string(),
    ]
    .map(String::from)
    .to_vec()
}

fn beam(histories: u64, extra: &[&str]) -> std::process::Output {
    let o = exe()
        .args(beam_args(histories))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "theradose beam {extra:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `theradose beam` on 1 and 7 threads, and as 3 jobs merged with `theradose merge`, writes the
/// same tally.bin and the same maps and depth curve, byte for byte.
#[test]
fn beam_cli_threads_and_job_split_merge() {
    let t = tempfile::tempdir().unwrap();
    let n = 20_000;
    let one = t.path().join("one");
    beam(n, &["--out", s(&one), "--threads", "1"]);
    let seven = t.path().join("seven");
    beam(n, &["--out", s(&seven), "--threads", "7"]);
    let mut parts = Vec::new();
    for i in 0..3 {
        let p = t.path().join(format!("part{i}"));
        beam(
            n,
            &[
                "--out",
                s(&p),
                "--jobs",
                "3",
                "--job-index",
                &i.to_string(),
                "--threads",
                "2",
            ],
        );
        // a job part holds its tally, not a result
        assert!(p.join("tally.bin").exists() && !p.join("summary.json").exists());
        parts.push(p);
    }
    let merged = t.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(parts.iter().map(|p| s(p).to_string()));
    args.extend(["--out".to_string(), s(&merged).to_string()]);
    let o = exe().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "tally.bin",
        "depth.csv",
        "dose_boron.nii.gz",
        "dose_weighted.nii.gz",
        "dose_gamma_rel_unc.nii.gz",
        "fluence_thermal.nii.gz",
    ] {
        let a = std::fs::read(one.join(f)).unwrap();
        assert!(
            a == std::fs::read(seven.join(f)).unwrap(),
            "{f}: 1 vs 7 threads"
        );
        assert!(
            a == std::fs::read(merged.join(f)).unwrap(),
            "{f}: single vs merged"
        );
    }
    // a part of another run is refused
    let other = t.path().join("other");
    let o = exe()
        .args(beam_args_seed(n, 6))
        .args(["--out", s(&other), "--jobs", "3", "--job-index", "1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = exe()
        .args([
            "merge",
            s(&parts[0]),
            s(&other),
            "--out",
            s(&t.path().join("bad")),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different beam run"));
}

/// Starts a beam with a checkpoint after every round, waits for its first checkpoint, then
/// stops it with `signal` ("KILL" or "INT"); returns whether it had finished anyway.
fn start_and_stop(histories: u64, out: &Path, signal: &str) -> bool {
    let mut child = exe()
        .args(beam_args(histories))
        .args(["--out", s(out), "--threads", "1", "--checkpoint-every", "0"])
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ck = out.join("tally.bin");
    let t0 = std::time::Instant::now();
    while !ck.exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let st = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    child.wait().unwrap().success()
}

/// A beam killed hard (SIGKILL) and one interrupted (SIGINT: it finishes its round and writes
/// its checkpoint) after their first checkpoint, then resumed, end with the tally of an
/// uninterrupted run; resuming with another seed is refused.
#[test]
fn killed_or_interrupted_beam_resumes_to_the_same_result() {
    let t = tempfile::tempdir().unwrap();
    let n = 150_000;
    let full = t.path().join("full");
    beam(n, &["--out", s(&full), "--threads", "2"]);
    let reference = std::fs::read(full.join("tally.bin")).unwrap();
    for signal in ["KILL", "INT"] {
        let part = t.path().join(signal);
        let finished = start_and_stop(n, &part, signal);
        let (h, tally) = theradose::tally::file::read(&part.join("tally.bin")).unwrap();
        assert!(
            !finished,
            "SIG{signal}: the run finished first: make it longer"
        );
        assert!(
            tally.histories > 0 && tally.histories < h.planned,
            "SIG{signal}: expected a partial checkpoint, got {} of {}",
            tally.histories,
            h.planned
        );
        beam(n, &["--out", s(&part), "--threads", "2", "--resume"]);
        assert!(
            std::fs::read(part.join("tally.bin")).unwrap() == reference,
            "SIG{signal}: resumed tally differs from the uninterrupted one"
        );
        assert!(
            std::fs::read(part.join("dose_weighted.nii.gz")).unwrap()
                == std::fs::read(full.join("dose_weighted.nii.gz")).unwrap()
        );
    }
    let o = exe()
        .args(beam_args_seed(n, 8))
        .args(["--out", s(&t.path().join("KILL")), "--resume"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different run"));
}

/// `--target-uncertainty` stops at a multiple of 32768 neutrons, the same for any thread count,
/// with the charged-energy deposit at or below the target.
#[test]
fn target_uncertainty_stops_early_and_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for threads in ["1", "2"] {
        let out = t.path().join(threads);
        let o = beam(
            2_000_000,
            &[
                "--out",
                s(&out),
                "--threads",
                threads,
                "--target-uncertainty",
                "0.05",
            ],
        );
        let sum: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let h = sum["histories"].as_u64().unwrap();
        assert!(h < 2_000_000 && h.is_multiple_of(32_768), "stopped at {h}");
        counts.push(h);
    }
    assert_eq!(counts[0], counts[1]);
    // out of range
    let o = exe()
        .args(beam_args(1000))
        .args([
            "--out",
            s(&t.path().join("bad")),
            "--target-uncertainty",
            "2",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--target-uncertainty"));
}
