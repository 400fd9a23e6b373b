//! A CT as the `--phantom` of `svalues` and `pet` (with `--labels`), on the test patient of
//! `scripts/make_dicom_testdata.py`: the built-in adult phantom at 10 mm written by pydicom as a
//! CT series in HU with an RTSTRUCT of its organs traced along the voxel edges. On that CT each
//! command must give what it gives on the built-in phantom itself:
//!
//! - S-values: self-irradiation S of the kidneys and the liver (2e4 decays each) within
//!   3 sigma_c + 0.5%, sigma_c the combined relative uncertainty of the two runs as reported,
//!   0.5% the deterministic part (the CT's density as whole HU, below 0.06% in mass);
//! - PET (noise-free, the same activity map): the central mean within 0.5% (attenuation from
//!   the CT's densities and Schneider media instead of the phantom's own).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dicom/patient")
        .join(name)
}

fn theradose(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// `source,target -> (s, rel_uncertainty)` of an S-value CSV.
fn svalues(path: &Path) -> HashMap<(String, String), (f64, f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                (c[0].to_string(), c[1].to_string()),
                (c[3].parse().unwrap(), c[4].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn svalues_on_a_dicom_ct_with_rtstruct_match_the_builtin_phantom() {
    let dir = tempfile::tempdir().unwrap();
    let (ct, rs) = (data("ct"), data("rtstruct.dcm"));
    let on_ct = dir.path().join("ct.csv");
    let common = [
        "svalues",
        "--nuclide",
        "Lu-177",
        "--sources",
        "kidneys,liver",
        "--histories",
        "20000",
    ];
    let mut args: Vec<&str> = common.to_vec();
    let (ct_s, rs_s, out_s) = (
        ct.to_str().unwrap(),
        rs.to_str().unwrap(),
        on_ct.to_str().unwrap(),
    );
    args.extend(["--phantom", ct_s, "--labels", rs_s, "--out", out_s]);
    let (ok, err) = theradose(&args);
    assert!(ok, "{err}");
    let builtin = dir.path().join("builtin.csv");
    let mut args: Vec<&str> = common.to_vec();
    args.extend([
        "--phantom",
        "adult",
        "--voxel-mm",
        "10",
        "--out",
        builtin.to_str().unwrap(),
    ]);
    let (ok, err) = theradose(&args);
    assert!(ok, "{err}");
    let (a, b) = (svalues(&on_ct), svalues(&builtin));
    for organ in ["kidneys", "liver"] {
        let key = (organ.to_string(), organ.to_string());
        let ((sa, ua), (sb, ub)) = (a[&key], b[&key]);
        let d = (sa - sb) / sb;
        let tol = 3.0 * ua.hypot(ub) + 0.005;
        eprintln!(
            "S({organ} <- {organ}): CT {sa:.5e}, built-in {sb:.5e}, {:+.3}% (tolerance {:.2}%)",
            100.0 * d,
            100.0 * tol
        );
        assert!(d.abs() < tol, "{organ}: {d:+.4} > {tol:.4}");
    }
    // labels belong to a CT, not to a built-in phantom
    let (ok, err) = theradose(&[
        "svalues",
        "--phantom",
        "adult",
        "--labels",
        rs_s,
        "--nuclide",
        "Lu-177",
    ]);
    assert!(!ok && err.contains("labels apply to a CT phantom"), "{err}");
}

fn central_mean(summary: &Path) -> f64 {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    v["mean_bq_ml_central"].as_f64().unwrap()
}

#[test]
fn pet_of_a_dicom_ct_matches_the_builtin_phantom() {
    let dir = tempfile::tempdir().unwrap();
    // an activity map on the CT grid: 20 kBq/mL in the body, 200 kBq/mL in the kidneys
    let ct = theradose::io::dicom::read_series(&data("ct"), None).unwrap();
    let map =
        theradose::io::dicom::structure_labels(&data("rtstruct.dcm"), &ct.volume.grid).unwrap();
    let kidneys = map.names.iter().find(|n| n.1 == "kidneys").unwrap().0;
    let data_bq_ml: Vec<f64> = map
        .labels
        .data
        .iter()
        .map(|&l| match l {
            0 => 0.0,
            l if l == kidneys => 2e5,
            _ => 2e4,
        })
        .collect();
    let act = dir.path().join("activity.nii.gz");
    theradose::io::write_volume(
        &act,
        &theradose::io::Volume {
            grid: ct.volume.grid.clone(),
            data: data_bq_ml,
        },
        "Bq/mL",
    )
    .unwrap();
    let run = |phantom: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut args = vec!["pet"];
        args.extend_from_slice(phantom);
        args.extend([
            "--activity",
            act.to_str().unwrap(),
            "--nuclide",
            "F-18",
            "--scanner",
            "clinical",
            "--duration-s",
            "600",
            "--noise-free",
            "--positron-histories",
            "0",
            "--iterations",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let (ok, err) = theradose(&args);
        assert!(ok, "{err}");
        central_mean(&out.join("summary.json"))
    };
    let (ct_s, rs_s) = (data("ct"), data("rtstruct.dcm"));
    let on_ct = run(
        &[
            "--phantom",
            ct_s.to_str().unwrap(),
            "--labels",
            rs_s.to_str().unwrap(),
        ],
        "ct",
    );
    let builtin = run(&["--phantom", "adult", "--voxel-mm", "10"], "builtin");
    let d = (on_ct - builtin) / builtin;
    eprintln!(
        "PET central mean: CT {on_ct:.1} Bq/mL, built-in {builtin:.1} Bq/mL, {:+.3}%",
        100.0 * d
    );
    assert!(d.abs() < 0.005, "{d:+.4}");
}

/// `image convert` (SPECT counts to Bq/mL) then `tia-map --phantom CT --labels RTSTRUCT`: the
/// region TIA of each organ with activity within 0.5% of the analytic A0 f / (lambda_b +
/// lambda_p) of `kinetics.json` (mono-exponential per voxel; whole counts bias it by about 0.1%).
#[test]
fn tia_map_on_a_dicom_ct_lists_the_region_tia() {
    let dir = tempfile::tempdir().unwrap();
    let mut images = Vec::new();
    for n in 1..=4 {
        let out = dir.path().join(format!("tp{n}.nii.gz"));
        let spect = data(&format!("spect_tp{n}.dcm"));
        let (ok, err) = theradose(&[
            "image",
            "convert",
            spect.to_str().unwrap(),
            "--units",
            "bq_ml",
            "--calibration-cps-per-mbq",
            "9.4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        images.push(out.to_str().unwrap().to_string());
    }
    let out = dir.path().join("tia");
    let (ct, rs) = (data("ct"), data("rtstruct.dcm"));
    let images = images.join(",");
    let (ok, err) = theradose(&[
        "tia-map",
        "--times-h",
        "4,24,72,168",
        "--images",
        &images,
        "--nuclide",
        "Lu-177",
        "--phantom",
        ct.to_str().unwrap(),
        "--labels",
        rs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let k: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("kinetics.json")).unwrap()).unwrap();
    let lp = std::f64::consts::LN_2 / k["half_life_h"].as_f64().unwrap();
    let a0 = k["injected_mbq"].as_f64().unwrap();
    for o in k["kinetics"].as_array().unwrap() {
        let name = o[0].as_str().unwrap();
        let truth =
            a0 * o[1].as_f64().unwrap() / (std::f64::consts::LN_2 / o[2].as_f64().unwrap() + lp);
        let r = s["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap();
        let d = r["tia_mbq_h"].as_f64().unwrap() / truth - 1.0;
        eprintln!(
            "{name}: TIA {:.1} MBq h, analytic {truth:.1}, {:+.3}%",
            r["tia_mbq_h"],
            100.0 * d
        );
        assert!(d.abs() < 0.005, "{name}: {d:+.4}");
    }
}

/// A folder holding two CT series as `--phantom`: without `--series` the error lists both
/// SeriesInstanceUIDs; with it, `svalues` (through the run file's phantom) and `dose` (through
/// the dose's CT phantom) use the chosen one.
#[test]
fn series_chooses_one_of_two_ct_series() {
    let dir = tempfile::tempdir().unwrap();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom/ct_two_series");
    let f = folder.to_str().unwrap();
    let (phantom_uid, localizer_uid) = (
        "1.2.826.0.1.3680043.8.498.16.10",
        "1.2.826.0.1.3680043.8.498.16.11",
    );
    let csv = dir.path().join("s.csv");
    let sv = |extra: &[&str]| {
        let mut a = vec![
            "svalues",
            "--phantom",
            f,
            "--nuclide",
            "Lu-177",
            "--histories",
            "1000",
            "--out",
            csv.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        theradose(&a)
    };
    let (ok, err) = sv(&[]);
    assert!(
        !ok && err.contains(phantom_uid) && err.contains(localizer_uid),
        "{err}"
    );
    let (ok, err) = sv(&["--series", phantom_uid]);
    assert!(ok, "{err}");
    // the chosen series: 24 x 20 x 6 voxels of 2 x 1.5 x 2.5 mm
    let ct = theradose::io::dicom::read_series(&folder, Some(phantom_uid)).unwrap();
    assert_eq!(ct.volume.grid.dims, [24, 20, 6]);
    let tia = dir.path().join("tia.nii.gz");
    theradose::io::write_volume(
        &tia,
        &theradose::io::Volume {
            data: vec![1e6; ct.volume.grid.len()],
            grid: ct.volume.grid.clone(),
        },
        "Bq s",
    )
    .unwrap();
    let out = dir.path().join("dose");
    let dose = |method: &str, extra: &[&str]| {
        let mut a = vec![
            "dose",
            "--method",
            method,
            "--phantom",
            f,
            "--tia",
            tia.to_str().unwrap(),
            "--nuclide",
            "Lu-177",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        theradose(&a)
    };
    let (ok, err) = dose("ldm", &[]);
    assert!(!ok && err.contains(localizer_uid), "{err}");
    let (ok, err) = dose("ldm", &["--series", phantom_uid]);
    assert!(ok, "{err}");
    // voxel S-values need cubic voxels; this CT has 2 x 1.5 x 2.5 mm
    let (ok, err) = dose("vsv", &["--series", phantom_uid, "--force"]);
    assert!(
        !ok && err.contains("cubic voxels") && err.contains("1.5"),
        "{err}"
    );
    let d = theradose::io::read_volume(&out.join("dose.nii.gz")).unwrap();
    assert_eq!(d.grid.dims, [24, 20, 6]);
}
