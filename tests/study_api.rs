//! The library face of the studies (issue 15): `study::run_study` returns the numbers it
//! writes (`metrics.json` of a therapy study, `summary.json` of a run file) byte for byte, and a
//! bad value of a study spec is a `SpecError` naming its field.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use theradose::context::Context;
use theradose::error::spec_error_of;
use theradose::study::{run_study, StudyKind, StudyOptions};

/// The data, loaded once for the tests of this file.
fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| Context::load().unwrap())
}

fn quickstart_ci() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml")
}

/// quickstart-ci without its sweep, with `edit` applied.
fn quickstart_variant(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(quickstart_ci()).unwrap();
    let nominal = text[..text.find("[sweep]").unwrap()].to_string();
    let p = dir.join(name);
    std::fs::write(&p, edit(nominal)).unwrap();
    p
}

#[test]
fn run_study_returns_the_written_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quickstart-ci");
    let opts = StudyOptions {
        histories: None,
        threads: Some(2),
    };
    let r = run_study(ctx(), &quickstart_ci(), Some(&out), &opts).unwrap();
    assert_eq!(r.kind, StudyKind::Therapy);
    assert_eq!(r.out_dir, out);
    let written = std::fs::read_to_string(out.join("metrics.json")).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&r.metrics).unwrap(),
        written,
        "the returned metrics are metrics.json"
    );
    assert!(r.metrics["lesions"]["lesion_1"]["tcp"].is_number());
    assert!(r.metrics["sweep"].is_object(), "with the sweep's summary");
}

#[test]
fn run_file_study_returns_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("run.toml");
    std::fs::write(
        &f,
        "name = \"r\"\n[phantom]\nbuiltin = \"water-cube\"\nvoxel_mm = 20.0\n[source]\n\
         kind = \"point\"\nposition_mm = [0.0, 0.0, 0.0]\nenergy_mev = 0.5\n[run]\nhistories = 2000\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = run_study(ctx(), &f, Some(&out), &StudyOptions::default()).unwrap();
    assert_eq!(r.kind, StudyKind::Run);
    let written = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert_eq!(serde_json::to_string_pretty(&r.metrics).unwrap(), written);
    assert_eq!(r.metrics["histories"], 2000);
}

/// The field of the spec error in `e`'s chain (panics without one).
fn field_of(e: &anyhow::Error) -> String {
    spec_error_of(e)
        .unwrap_or_else(|| panic!("no SpecError in: {e:#}"))
        .field
        .clone()
}

#[test]
fn bad_spec_values_name_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let o = StudyOptions::default();
    // therapy study: the baseline PET activity
    let p = quickstart_variant(dir.path(), "a.toml", |t| {
        t.replace("activity_mbq = 150.0", "activity_mbq = -1.0")
    });
    let e = run_study(ctx(), &p, Some(&dir.path().join("a")), &o).unwrap_err();
    assert_eq!(field_of(&e), "baseline_pet.activity_mbq");
    let msg = format!("{e:#}");
    assert!(msg.contains("a.toml") && msg.contains("got -1"), "{msg}");
    // the embedded dosimetry sections: the activity per cycle
    let p = quickstart_variant(dir.path(), "b.toml", |t| {
        t.replace(
            "activity_per_cycle_mbq = 7400.0",
            "activity_per_cycle_mbq = -7400.0",
        )
    });
    let e = run_study(ctx(), &p, Some(&dir.path().join("b")), &o).unwrap_err();
    assert_eq!(field_of(&e), "therapy.activity_per_cycle_mbq");
    // a run file: a target uncertainty without its region
    let f = dir.path().join("run.toml");
    std::fs::write(
        &f,
        "name = \"r\"\n[phantom]\nbuiltin = \"water-cube\"\nvoxel_mm = 20.0\n[source]\n\
         kind = \"point\"\nposition_mm = [0.0, 0.0, 0.0]\nenergy_mev = 0.5\n[run]\nhistories = 100\n\
         target_uncertainty = 0.05\n",
    )
    .unwrap();
    let e = run_study(ctx(), &f, Some(&dir.path().join("r")), &o).unwrap_err();
    assert_eq!(field_of(&e), "run.target_region");
    assert!(
        !format!("{e:#}").contains("--"),
        "no flag in a library error: {e:#}"
    );
}

#[test]
fn a_bad_tissue_override_names_its_section() {
    let dir = tempfile::tempdir().unwrap();
    let p = quickstart_variant(dir.path(), "t.toml", |t| {
        t.replace(
            "[followup]",
            "[biology.overrides.kidney]\nalpha_beta_gy = -1.0\n\n[followup]",
        )
    });
    let opts = StudyOptions {
        histories: Some(2000),
        threads: Some(2),
    };
    let e = run_study(ctx(), &p, Some(&dir.path().join("t")), &opts).unwrap_err();
    assert_eq!(field_of(&e), "biology.overrides.kidney");
    assert!(format!("{e:#}").contains("alpha_beta_gy"), "{e:#}");
}
