//! Labelled cells in a dosimetry study (issue 17 item 4): a region's activity given as cells x
//! activity per cell, and the mean absorbed dose to the labelled cells' nuclei beside the organ
//! dose. A Zr-89-labelled cell population homing to the liver of the mouse phantom at 1 mm, dose
//! by local deposition (seconds).
//!
//! References: the organ TIA is the closed-form integral of the stated kinetics; the nucleus
//! self-dose is S(nucleus <- cell) of `theradose cell-svalues` (analytic MIRD cellular S values,
//! Goddu et al. 1997) times the TIA per cell, computed here independently of the study.

use std::f64::consts::LN_2;
use std::path::Path;
use std::process::Command;
use theradose::context::Context;
use theradose::error::spec_error_of;
use theradose::study::dosimetry::{run_into, DosimetryFile, DosimetrySpec};

const CELLS: f64 = 1e6;
const A_CELL_BQ: f64 = 0.05;
/// Zr-89 half-life (h), ICRP-107: 78.41 h
const ZR89_HALF_LIFE_H: f64 = 78.41;
const UPTAKE_H: f64 = 2.0;
const BIO_H: f64 = 200.0;

fn study(liver: &str) -> String {
    format!(
        r#"
name = "labelled-cells-test"
kind = "dosimetry"

[phantom]
builtin = "mouse"
voxel_mm = 1.0

[therapy]
nuclide = "Zr-89"
activity_per_cycle_mbq = 1.0

[[kinetics]]
region = "liver"
{liver}
uptake_half_time_h = {UPTAKE_H}
biological_half_life_h = {BIO_H}

[[kinetics]]
region = "spleen"
uptake_fraction = 0.02
uptake_half_time_h = 1.0
biological_half_life_h = 100.0

[imaging]
times_h = [4.0, 24.0, 72.0, 168.0]
fwhm_mm = 1.5
noise_rel = 0.02

[dose]
methods = ["ldm"]
histories = 1
organ_s_histories = 0

[figures]
formats = ["svg"]
"#
    )
}

const LIVER_CELLS: &str = "labelled_cells = { cells = 1e6, activity_per_cell_bq = 0.05, \
     cell_radius_um = 10, nucleus_radius_um = 6, compartment = \"cell\" }";

/// S(nucleus <- cell) of Zr-89 for RC 10 um, RN 6 um from the command line's JSON.
fn cli_s_nucleus_cell() -> f64 {
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "cell-svalues",
            "--nuclide",
            "Zr-89",
            "--cell-radius-um",
            "10",
            "--nucleus-radius-um",
            "6",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["s_gy_per_bq_s"]["nucleus<-cell"].as_f64().unwrap()
}

#[test]
fn labelled_cells_give_organ_and_nucleus_dose() {
    let spec: DosimetrySpec = toml::from_str(
        &study(LIVER_CELLS).replace("name = \"labelled-cells-test\"\nkind = \"dosimetry\"\n", ""),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("study");
    let r = run_into(&Context::load().unwrap(), &spec, &out, Some(2)).unwrap();

    // the organ TIA: cells x activity per cell x the kinetics integral 1/le - 1/(lu + le)
    let le = LN_2 / ZR89_HALF_LIFE_H + LN_2 / BIO_H;
    let lu = LN_2 / UPTAKE_H;
    let integral_h = 1.0 / le - 1.0 / (lu + le);
    let tia_bq_h = CELLS * A_CELL_BQ * integral_h;
    let liver = r.regions.iter().find(|g| g.name == "liver").unwrap();
    assert!(
        (liver.tia_true_mbq_h / (tia_bq_h * 1e-6) - 1.0).abs() < 1e-3,
        "organ TIA {} MBq h, expected {}",
        liver.tia_true_mbq_h,
        tia_bq_h * 1e-6
    );
    // the image fit recovers it within the blur and noise
    let fit = liver.tia_mbq_h / liver.tia_true_mbq_h;
    assert!((0.8..1.1).contains(&fit), "fitted / model TIA {fit}");

    // one row, for the liver only
    assert_eq!(r.labelled_cells.len(), 1);
    let c = &r.labelled_cells[0];
    assert_eq!(c.region, "liver");
    // self-dose = S(nucleus <- cell) x TIA per cell, S from `theradose cell-svalues`
    let s = cli_s_nucleus_cell();
    let tia_per_cell_bq_s = A_CELL_BQ * integral_h * 3600.0;
    let self_gy = s * tia_per_cell_bq_s;
    assert!(
        (c.nucleus.self_dose_gy / self_gy - 1.0).abs() < 1e-3,
        "self-dose {} Gy, expected {self_gy} Gy",
        c.nucleus.self_dose_gy
    );
    // cross-dose = the organ's mean dose; nucleus dose = self + cross >= organ dose
    let organ = liver.mean_gy["ldm"];
    assert_eq!(c.organ_dose_gy, organ);
    assert_eq!(c.nucleus.cross_dose_gy, organ);
    assert!((c.nucleus.nucleus_dose_gy - (self_gy + organ)).abs() < 1e-3 * self_gy);
    assert!(c.nucleus.nucleus_dose_gy >= organ);
    assert!((c.nucleus_to_organ_ratio - c.nucleus.nucleus_dose_gy / organ).abs() < 1e-9);
    eprintln!(
        "liver: organ {organ:.4e} Gy, nucleus {:.4e} Gy (self {:.4e}), ratio {:.1}",
        c.nucleus.nucleus_dose_gy, c.nucleus.self_dose_gy, c.nucleus_to_organ_ratio
    );

    // the outputs
    let csv = std::fs::read_to_string(out.join("labelled_cells.csv")).unwrap();
    assert!(csv.starts_with("region,cells,activity_per_cell_bq,"));
    assert!(csv.lines().nth(1).unwrap().starts_with("liver,"));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Labelled cells: organ dose and nucleus dose"));
    assert!(report.contains(&format!("{:.3e}", c.nucleus.nucleus_dose_gy)));
    assert!(report.contains(&format!("{:.3e}", c.nucleus_to_organ_ratio)));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let row = &summary["labelled_cells"][0];
    assert_eq!(row["region"], "liver");
    assert_eq!(
        row["nucleus"]["nucleus_dose_gy"].as_f64().unwrap(),
        c.nucleus.nucleus_dose_gy
    );
}

/// Writes a study file with the liver's entry `liver` and loads it.
fn load(dir: &Path, liver: &str) -> anyhow::Result<DosimetryFile> {
    let path = dir.join("study.toml");
    std::fs::write(&path, study(liver)).unwrap();
    DosimetryFile::load(&path)
}

#[test]
fn bad_labelled_cells_are_refused_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            LIVER_CELLS.replace(
                "activity_per_cell_bq = 0.05",
                "activity_per_cell_bq = -0.05",
            ),
            "kinetics[0].labelled_cells.activity_per_cell_bq",
        ),
        (
            LIVER_CELLS.replace("cells = 1e6", "cells = -3"),
            "kinetics[0].labelled_cells.cells",
        ),
        (
            LIVER_CELLS.replace("nucleus_radius_um = 6", "nucleus_radius_um = 12"),
            "kinetics[0].labelled_cells.nucleus_radius_um",
        ),
        (
            LIVER_CELLS.replace("cell_radius_um = 10", "cell_radius_um = 0"),
            "kinetics[0].labelled_cells.cell_radius_um",
        ),
        (
            format!("uptake_fraction = 0.1\n{LIVER_CELLS}"),
            "kinetics[0].labelled_cells",
        ),
        (String::new(), "kinetics[0].uptake_fraction"),
    ];
    for (liver, field) in cases {
        let e = match load(dir.path(), &liver) {
            Ok(_) => panic!("accepted: {liver}"),
            Err(e) => e,
        };
        let msg = format!("{e:#}");
        assert_eq!(
            spec_error_of(&e).map(|s| s.field.as_str()),
            Some(field),
            "{msg}"
        );
        assert!(msg.contains("study.toml"), "no file in: {msg}");
        assert!(msg.contains(field), "no field in: {msg}");
    }
    // an unknown compartment is a TOML error naming the file and the value
    let e = load(
        dir.path(),
        &LIVER_CELLS.replace("\"cell\" }", "\"membrane\" }"),
    )
    .err()
    .unwrap();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("study.toml") && msg.contains("membrane"),
        "{msg}"
    );
    // a valid entry loads
    assert!(load(dir.path(), LIVER_CELLS).is_ok());
}

#[test]
fn labelled_cells_above_the_administered_activity_are_refused() {
    // 1e8 cells x 0.05 Bq = 5 MBq in the liver, more than the 1 MBq administered
    let spec: DosimetrySpec = toml::from_str(
        &study(&LIVER_CELLS.replace("cells = 1e6", "cells = 1e8"))
            .replace("name = \"labelled-cells-test\"\nkind = \"dosimetry\"\n", ""),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = match run_into(&Context::load().unwrap(), &spec, dir.path(), Some(1)) {
        Ok(_) => panic!("accepted 5 MBq of cells for 1 MBq administered"),
        Err(e) => e,
    };
    let msg = format!("{e:#}");
    assert_eq!(
        spec_error_of(&e).map(|s| s.field.as_str()),
        Some("kinetics")
    );
    assert!(msg.contains("activity_per_cycle_mbq"), "{msg}");
}

#[test]
fn a_therapy_study_refuses_labelled_cells() {
    use theradose::study::therapy::TherapyStudy;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml");
    let text =
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("uptake_fraction = 0.04", LIVER_CELLS, 1);
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    table.remove("sweep"); // from_table takes a study without its sweep
    let e = match TherapyStudy::from_table(table, &path, None) {
        Ok(_) => panic!("a therapy study accepted labelled cells"),
        Err(e) => e,
    };
    let msg = format!("{e:#}");
    assert_eq!(
        spec_error_of(&e).map(|s| s.field.as_str()),
        Some("kinetics[0].labelled_cells"),
        "{msg}"
    );
    assert!(msg.contains("quickstart-ci.toml"), "{msg}");
}
