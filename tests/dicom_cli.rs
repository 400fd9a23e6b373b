//! `theradose image info|convert` and `theradose rtstruct` on the pydicom-written files of
//! `scripts/make_dicom_testdata.py`.

use std::path::{Path, PathBuf};
use std::process::Command;
use theradose::io::labels::read_label_names;
use theradose::io::read_volume;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dicom")
        .join(name)
}

fn theradose(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn image_info_of_a_pet_prints_the_suv_inputs() {
    let (ok, out, err) = theradose(&["image", "info", data("pet_start").to_str().unwrap()]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["format"], "dicom");
    assert_eq!(j["modality"], "PT");
    assert_eq!(j["units"], "BQML");
    assert_eq!(j["dims"], serde_json::json!([16, 16, 6]));
    assert_eq!(j["spacing_mm"], serde_json::json!([4.0, 4.0, 4.0]));
    assert_eq!(j["decay_correction"], "START");
    assert_eq!(j["weight_kg"], 70.0);
    assert_eq!(j["injected_mbq"], 370.0);
    assert_eq!(j["injection_time"], "2026-01-05T10:00:00");
    assert_eq!(j["scan_start"], "2026-01-05T11:00:00");
    assert!(j["suv_bw_factor"].as_f64().unwrap() > 0.0);
    assert_eq!(j["series"].as_array().unwrap().len(), 1);
    for key in ["origin_mm", "direction", "series_instance_uid"] {
        assert!(j.get(key).is_some(), "{key}");
    }
    // two series: info lists both when asked for one that is not there
    let (ok, _, err) = theradose(&["image", "info", data("ct_two_series").to_str().unwrap()]);
    assert!(!ok && err.contains("localizer"), "{err}");
}

#[test]
fn image_convert_to_suv_and_hu() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("suv.nii.gz");
    let (ok, _, err) = theradose(&[
        "image",
        "convert",
        data("pet_admin").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--units",
        "suv",
    ]);
    assert!(ok, "{err}");
    let v = read_volume(&out).unwrap();
    assert_eq!(v.grid.dims, [16, 16, 6]);
    assert!(v.data.iter().all(|s| (s - 1.0).abs() < 0.005));
    // a PET is not in HU: the error names the file and what it holds
    let (ok, _, err) = theradose(&[
        "image",
        "convert",
        data("pet_admin").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--units",
        "hu",
    ]);
    assert!(
        !ok && err.contains("pet_admin") && err.contains("BQML"),
        "{err}"
    );
    let ct = dir.path().join("ct.nii.gz");
    let uid = "1.2.826.0.1.3680043.8.498.16.10";
    let ct_dir = data("ct_two_series");
    let args = [
        "image",
        "convert",
        ct_dir.to_str().unwrap(),
        "--series",
        uid,
    ];
    let (ok, _, err) = theradose(&[&args[..], &["--out", ct.to_str().unwrap()]].concat());
    assert!(ok, "{err}");
    let v = read_volume(&ct).unwrap();
    assert_eq!(v.grid.origin_mm, [23.0, 14.25, -10.0]);
    assert_eq!(v.data[v.grid.index(10, 8, 5)], 1000.0);
}

#[test]
fn rtstruct_writes_labels_and_prints_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("labels.nii.gz");
    let (ok, stdout, err) = theradose(&[
        "rtstruct",
        data("rtstruct.dcm").to_str().unwrap(),
        "--ct",
        data("ct_rt").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "id,name,volume_ml,label_volume_ml");
    assert!(lines[1].starts_with("1,Sphere,33."), "{stdout}");
    assert!(lines[2].starts_with("2,Ring,63."), "{stdout}");
    let names = read_label_names(&dir.path().join("labels.json")).unwrap();
    assert_eq!(names, [(1, "Sphere".to_string()), (2, "Ring".to_string())]);
    let v = read_volume(&out).unwrap();
    assert_eq!(v.grid.dims, [48, 48, 45]);
    assert_eq!(v.data.iter().filter(|&&l| l == 2.0).count(), 544 * 15);
}

/// An NM SPECT in counts to Bq/mL with a calibration factor: 900 counts in a voxel of
/// 4.42 mm, 1200 s of acquisition (from the header), 9.4 cps/MBq.
#[test]
fn image_convert_spect_counts_to_bq_ml() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spect.nii.gz");
    let nm = data("nm_multiframe.dcm");
    let (ok, info, err) = theradose(&["image", "info", nm.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(info.contains("\"acquisition_s\": 1200.0"), "{info}");
    let args = [
        "image",
        "convert",
        nm.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (ok, _, err) = theradose(
        &[
            &args[..],
            &["--units", "bq_ml", "--calibration-cps-per-mbq", "9.4"],
        ]
        .concat(),
    );
    assert!(ok, "{err}");
    let v = read_volume(&out).unwrap();
    let expected = 900.0 / (1200.0 * 9.4) * 1e6 / (4.42f64.powi(3) * 1e-3);
    let got = v.data[v.grid.index(8, 7, 3)];
    assert!((got / expected - 1.0).abs() < 1e-6, "{got} vs {expected}");
}
