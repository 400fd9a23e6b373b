//! What a new user tripped on (issue 20, item 6), one test per finding, each failing on the
//! behaviour before the fix: counts such as 1e5 in run files and on the command line (help texts
//! and every command's count options are checked in `cli_help.rs`), errors found before any
//! computation (sweep keys, tissues, the --out folder), cut-offs and data folders reported as
//! what they are, grids described so that two differing grids differ, column names true to their
//! content, the default study found from any folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "common/cli.rs"]
mod cli;
use cli::{exe, output_within, s, text};

fn run_file(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("run.toml");
    std::fs::write(
        &p,
        format!("name = \"f\"\n[phantom]\nbuiltin = \"water-cube\"\nvoxel_mm = 20.0\n{body}\n"),
    )
    .unwrap();
    p
}

const POINT: &str = "[source]\nparticle = \"photon\"\nkind = \"point\"\nposition_mm = [0.0, 0.0, 0.0]\nenergy_mev = 0.662\n";

#[test]
fn counts_in_exponent_notation_are_accepted_and_fractions_refused() {
    let t = tempfile::tempdir().unwrap();
    // histories = 2e3 in the file, --histories 3e3 on the command line
    let f = run_file(t.path(), &format!("{POINT}[run]\nhistories = 2e3\n"));
    let out = t.path().join("a");
    let o = exe()
        .args(["run", s(&f), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(sum["histories"], 2000);
    let out = t.path().join("b");
    let o = exe()
        .args(["run", s(&f), "--out", s(&out), "--histories", "3e3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // a fractional count is refused, by flag and in the file
    let o = exe()
        .args(["run", s(&f), "--histories", "1.5"])
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o).contains("not a count"),
        "{}",
        text(&o)
    );
    let g = run_file(t.path(), &format!("{POINT}[run]\nhistories = 1.5e0\n"));
    let o = exe().args(["run", s(&g)]).output().unwrap();
    assert!(
        !o.status.success() && text(&o).contains("not a count"),
        "{}",
        text(&o)
    );
}

#[test]
fn run_prints_its_table_on_stdout_with_a_true_column_name() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(t.path(), &format!("{POINT}[run]\nhistories = 2000\n"));
    let out = t.path().join("o");
    let o = exe()
        .args(["run", s(&f), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("region") && stdout.contains("water"),
        "{stdout}"
    );
    assert!(stdout.contains("Gy per source particle"), "{stdout}");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("rel. unc."));
    // without emitted_particles the values are Gy per source particle, and say so
    let csv = std::fs::read_to_string(out.join("regions.csv")).unwrap();
    assert!(
        csv.starts_with("region,mass_g,mean_dose_gy_per_particle,"),
        "{csv}"
    );
    let sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(sum["regions"][0]["mean_dose_gy"].is_null());
    assert!(
        sum["regions"][0]["mean_dose_gy_per_particle"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // with it, Gy
    let g = run_file(
        t.path(),
        &format!("{POINT}emitted_particles = 1e12\n[run]\nhistories = 2000\n"),
    );
    let out = t.path().join("g");
    let o = exe()
        .args(["run", s(&g), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("regions.csv")).unwrap();
    assert!(csv.starts_with("region,mass_g,mean_dose_gy,"), "{csv}");
}

#[test]
fn a_negative_photon_cutoff_is_reported_as_such() {
    let t = tempfile::tempdir().unwrap();
    let f = run_file(
        t.path(),
        &format!("{POINT}[run]\nhistories = 2000\nphoton_cutoff_kev = -1\n"),
    );
    let o = exe()
        .args(["run", s(&f), "--out", s(&t.path().join("o"))])
        .output()
        .unwrap();
    let e = text(&o);
    assert!(!o.status.success());
    assert!(
        e.contains("run.photon_cutoff_kev") && e.contains("-1") && e.contains("keV"),
        "{e}"
    );
    assert!(!e.contains("bremsstrahlung") && !e.contains("MeV"), "{e}");
}

#[test]
fn kernel_and_vsv_check_their_output_before_simulating() {
    let t = tempfile::tempdir().unwrap();
    // a file where the output folder should be: no folder can be made there
    let blocker = t.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let bad = blocker.join("k.csv");
    let mut c = exe();
    c.args([
        "kernel",
        "--particle",
        "photon",
        "--energy",
        "1",
        "--medium",
        "water",
        "--radius",
        "10",
        "--shells",
        "10",
        "--histories",
        "1e12",
        "--out",
        s(&bad),
    ]);
    let o = output_within(c, Duration::from_secs(60));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot create output folder"),
        "{}",
        text(&o)
    );
    let mut c = exe();
    c.args([
        "vsv",
        "--nuclide",
        "Lu-177",
        "--voxel-mm",
        "2",
        "--medium",
        "water",
        "--n",
        "3",
        "--histories",
        "1e12",
        "--out",
        s(&bad),
    ]);
    let o = output_within(c, Duration::from_secs(60));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot create output folder"),
        "{}",
        text(&o)
    );
    // an existing result is kept without --force
    let done = t.path().join("done.csv");
    std::fs::write(&done, "keep").unwrap();
    let mut c = exe();
    c.args([
        "kernel",
        "--particle",
        "photon",
        "--energy",
        "1",
        "--medium",
        "water",
        "--radius",
        "10",
        "--shells",
        "10",
        "--histories",
        "1e12",
        "--out",
        s(&done),
    ]);
    let o = output_within(c, Duration::from_secs(60));
    assert!(
        !o.status.success() && text(&o).contains("--force"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read_to_string(&done).unwrap(), "keep");
}

#[test]
fn a_wrong_data_folder_is_reported_as_such() {
    let o = exe()
        .args(["decay", "--nuclide", "Lu-177"])
        .env("THERADOSE_DATA", "/no/such/theradose-data")
        .output()
        .unwrap();
    let e = text(&o);
    assert!(!o.status.success());
    assert!(
        e.contains("data folder /no/such/theradose-data")
            && e.contains("THERADOSE_DATA")
            && e.contains("does not exist"),
        "{e}"
    );
    assert!(!e.contains("unknown nuclide"), "{e}");
    let t = tempfile::tempdir().unwrap();
    let o = exe()
        .args(["decay", "--nuclide", "Lu-177"])
        .env("THERADOSE_DATA", t.path())
        .output()
        .unwrap();
    assert!(
        text(&o).contains("not theradose's data folder"),
        "{}",
        text(&o)
    );
    // and the help says what it is
    let help = String::from_utf8_lossy(&exe().arg("--help").output().unwrap().stdout).into_owned();
    assert!(help.contains("THERADOSE_DATA"), "{help}");
}

#[test]
fn a_grid_mismatch_names_the_two_grids() {
    use theradose::io::{read_volume, write_volume};
    let t = tempfile::tempdir().unwrap();
    let ph = t.path().join("wc.nii.gz");
    let o = exe()
        .args([
            "phantom",
            "export",
            "water-cube",
            "--voxel-mm",
            "20",
            "--out",
            s(&ph),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // the same voxels in LPS: x and y axes flipped, voxel (0,0,0) at the opposite corner
    let mut v = read_volume(&ph).unwrap();
    let g = &mut v.grid;
    for c in 0..2 {
        let len = g.spacing_mm[c] * (g.dims[c] - 1) as f64;
        for r in 0..3 {
            g.origin_mm[r] += g.direction[r][c] * len;
            g.direction[r][c] = -g.direction[r][c];
        }
    }
    let map = t.path().join("lps.nii.gz");
    write_volume(&map, &v, "LPS activity").unwrap();
    let f = run_file(
        t.path(),
        &format!(
            "[source]\nparticle = \"photon\"\nkind = \"map\"\nmap = \"{}\"\nenergy_mev = 0.662\n[run]\nhistories = 1000\n",
            s(&map)
        ),
    );
    let o = exe()
        .args(["run", s(&f), "--out", s(&t.path().join("o"))])
        .output()
        .unwrap();
    let e = text(&o);
    assert!(!o.status.success());
    assert!(e.contains("axes LPS") && e.contains("axes RAS"), "{e}");
}

/// A study whose sweep key is misspelled, whose region names an unknown tissue, or whose
/// `[biology.regions]` names a region the phantom lacks, fails before the first history (nothing is written into the output folder, and within seconds: the
/// nominal run takes minutes).
#[test]
fn study_errors_are_found_before_computing() {
    let t = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml"),
    )
    .unwrap();
    let cases = [
        (
            base.replace(
                "\"therapy.activity_per_cycle_mbq\" = [3700.0, 11100.0]",
                "\"therapy.activity_per_cyle_mbq\" = [3700.0, 11100.0]",
            ),
            "activity_per_cyle_mbq",
        ),
        (
            base.replace("kidneys = \"kidney\"", "kidneys = \"kidny\""),
            "unknown tissue 'kidny'",
        ),
        (
            base.replace("kidneys = \"kidney\"", "kidney = \"kidney\""),
            "biology.regions.kidney: phantom 'adult' has no region 'kidney'",
        ),
    ];
    for (i, (study, expect)) in cases.iter().enumerate() {
        assert_ne!(study, &base, "case {i}: the replacement did not apply");
        let p = t.path().join(format!("s{i}.toml"));
        std::fs::write(&p, study).unwrap();
        let out = t.path().join(format!("o{i}"));
        let mut c = exe();
        c.args(["study", s(&p), "--out", s(&out)]);
        let o = output_within(c, Duration::from_secs(60));
        assert!(!o.status.success());
        assert!(text(&o).contains(expect), "case {i}: {}", text(&o));
        assert!(
            !out.join("dosimetry").exists(),
            "case {i}: it computed first"
        );
    }
}

/// `theradose study` without a file works outside the repository: the built-in copy of the
/// quickstart is used (checked through a study-level error it reports from that copy).
#[test]
fn the_default_study_is_found_from_any_folder() {
    let t = tempfile::tempdir().unwrap();
    let o = exe()
        .current_dir(t.path())
        .args(["study", "--histories", "0"])
        .output()
        .unwrap();
    let e = text(&o);
    assert!(!o.status.success());
    assert!(!e.contains("cannot read study file"), "{e}");
    assert!(e.contains("built into theradose"), "{e}");
    assert!(e.contains("histories"), "{e}");
    let help = String::from_utf8_lossy(&exe().args(["study", "--help"]).output().unwrap().stdout)
        .into_owned();
    assert!(help.contains("built into this binary"), "{help}");
}

/// Every command that writes into a folder checks it before computing (issue 20, item 5):
/// with a file where the folder should be, each fails at once, naming the folder, instead of
/// after its Monte Carlo, PET simulation or images (svalues took 18 s, a dosimetry study 30 s).
#[test]
fn every_command_checks_its_output_before_computing() {
    let t = tempfile::tempdir().unwrap();
    let blocker = t.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let bad = blocker.join("out");
    let bad_csv = blocker.join("out.csv");
    let lu177 = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/lu177-psma.toml");
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "svalues",
            "--phantom",
            "adult",
            "--nuclide",
            "Lu-177",
            "--histories",
            "1e9",
        ],
        vec![
            "pet",
            "--phantom",
            "mouse",
            "--nuclide",
            "F-18",
            "--uniform-bq-ml",
            "1e4",
            "--scanner",
            "preclinical",
            "--duration-s",
            "600",
        ],
        vec![
            "cell-svalues",
            "--nuclide",
            "I-125",
            "--cell-radius-um",
            "5",
            "--nucleus-radius-um",
            "3",
            "--method",
            "mc",
            "--histories",
            "1e9",
        ],
        vec!["study", s(&lu177)],
    ];
    for args in cases {
        let out = if matches!(args[0], "svalues" | "cell-svalues") {
            &bad_csv
        } else {
            &bad
        };
        let mut c = exe();
        c.args(&args).args(["--out", s(out)]);
        let o = output_within(c, Duration::from_secs(20));
        assert!(!o.status.success(), "{}", args[0]);
        assert!(
            text(&o).contains("cannot create output folder"),
            "{}: {}",
            args[0],
            text(&o)
        );
    }
}
