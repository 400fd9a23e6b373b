//! The patient dosimetry study (`kind = "patient"`) end to end, on DICOM written by an
//! independent writer: `scripts/make_dicom_testdata.py` (pydicom) writes the built-in adult
//! phantom at 10 mm as a CT series in HU, four NM SPECT reconstructions in counts at 4, 24, 72
//! and 168 h after 7400 MBq of Lu-177 (mono-exponential washout per organ, the numbers in
//! `tests/data/dicom/patient/kinetics.json`), and an RTSTRUCT of its organs traced along the
//! voxel edges. The same kinetics run as a dosimetry study on the built-in phantom (noise-free,
//! unblurred images) must give the same organ doses:
//!
//! - masses within 0.2%: the CT carries the density as whole HU through the Schneider ramp,
//!   about 0.001 g/cm3 per HU, so the rounding is below 0.06%;
//! - TIA within 0.5% of the analytic A0 f / (lambda_b + lambda_p) (the counts are whole
//!   numbers; at 168 h the body's voxels hold about 55 counts, a 0.1% bias at most);
//! - local deposition (deterministic) within 0.5%: the two sources above;
//! - Monte Carlo within 3 sigma_c + 0.5%, where sigma_c = sqrt(u_patient^2 + u_dosimetry^2) is
//!   the combined relative uncertainty (1 sigma) of the two region means as each run reports
//!   it (treated as independent, which is conservative: both runs use seed 1 on nearly the same
//!   geometry), and 0.5% the deterministic part above. The brain and muscle of the built-in
//!   phantom become soft tissue on the CT (the Schneider bins), which the organs with activity
//!   barely see.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use theradose::error::spec_error_of;
use theradose::study::{run_study_file, StudyKind, StudyOptions};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dicom/patient")
        .join(name)
}

/// Rows of a CSV file as maps from the header's names to the text of each cell.
fn csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            head.iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row[key].parse().unwrap()
}

struct Organ {
    name: String,
    fraction: f64,
    biological_half_life_h: f64,
}

fn kinetics() -> (serde_json::Value, Vec<Organ>) {
    let k: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("kinetics.json")).unwrap()).unwrap();
    let organs = k["kinetics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| Organ {
            name: o[0].as_str().unwrap().into(),
            fraction: o[1].as_f64().unwrap(),
            biological_half_life_h: o[2].as_f64().unwrap(),
        })
        .collect();
    (k, organs)
}

/// The dosimetry study of the same kinetics on the built-in phantom.
fn dosimetry_toml(k: &serde_json::Value, organs: &[Organ]) -> String {
    let mut s = format!(
        "kind = \"dosimetry\"\nname = \"same-kinetics\"\n[phantom]\nbuiltin = \"adult\"\nvoxel_mm = {}\n\
         [therapy]\nnuclide = \"Lu-177\"\nactivity_per_cycle_mbq = {}\n",
        k["voxel_mm"], k["injected_mbq"]
    );
    for o in organs {
        s += &format!(
            "[[kinetics]]\nregion = \"{}\"\nuptake_fraction = {}\nuptake_half_time_h = {}\nbiological_half_life_h = {}\n",
            o.name, o.fraction, k["uptake_half_time_h"], o.biological_half_life_h
        );
    }
    s += &format!(
        "[imaging]\ntimes_h = {}\nfwhm_mm = 0.0\nnoise_rel = 0.0\n\
         [dose]\nmethods = [\"mc\", \"ldm\"]\nhistories = 200000\ntia_model = \"mono\"\norgan_s_histories = 0\n",
        k["times_h"]
    );
    s
}

#[test]
fn patient_study_on_dicom_gives_the_dosimetry_study_organ_doses() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StudyOptions {
        histories: None,
        threads: Some(2),
    };
    let out = dir.path().join("patient");
    let r = run_study_file(&data("patient.toml"), Some(&out), &opts).unwrap();
    assert_eq!(r.kind, StudyKind::Patient);
    for f in [
        "doses.csv",
        "tac.csv",
        "tac/liver.png",
        "tia.nii.gz",
        "dose_mc/dose.nii.gz",
        "dose_mc/regions.csv",
        "dose_ldm/dose.nii.gz",
        "dvh.png",
        "report.md",
        "rt_dose.dcm",
        "registered/tp3_activity_bq_ml.nii.gz",
        "summary.json",
        "uncertainty.csv",
        "tornado.csv",
        "tornado_liver.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // the administration time and the scan times come from the SPECT headers
    assert_eq!(r.metrics["injection_time"], "2026-01-05T10:00:00");
    let times: Vec<f64> = r.metrics["scans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["time_h"].as_f64().unwrap())
        .collect();
    assert_eq!(times, [4.0, 24.0, 72.0, 168.0]);
    let head = std::fs::read_to_string(out.join("doses.csv")).unwrap();
    assert!(head.starts_with("method,region,mass_g,tia_mbq_h,effective_half_life_h,mean_gy,gy_per_gbq,d98_gy,d50_gy,d2_gy,rel_uncertainty\n"));

    let (k, organs) = kinetics();
    let dos_file = dir.path().join("dosimetry.toml");
    std::fs::write(&dos_file, dosimetry_toml(&k, &organs)).unwrap();
    let dos_out = dir.path().join("dosimetry");
    run_study_file(&dos_file, Some(&dos_out), &opts).unwrap();

    let patient = csv(&out.join("doses.csv"));
    let lp = std::f64::consts::LN_2 / k["half_life_h"].as_f64().unwrap();
    let a0 = k["injected_mbq"].as_f64().unwrap();
    for m in ["mc", "ldm"] {
        let reference = csv(&dos_out.join(format!("dose_{m}/regions.csv")));
        for o in &organs {
            let p = patient
                .iter()
                .find(|r| r["method"] == m && r["region"] == o.name)
                .unwrap();
            let d = reference.iter().find(|r| r["region"] == o.name).unwrap();
            let rel = |a: f64, b: f64| (a - b) / b;
            let dm = rel(num(p, "mass_g"), num(d, "mass_g"));
            assert!(dm.abs() < 0.002, "{} mass {dm:+.4}", o.name);
            let tia_true =
                a0 * o.fraction / (std::f64::consts::LN_2 / o.biological_half_life_h + lp);
            let dt = rel(num(p, "tia_mbq_h"), tia_true);
            assert!(dt.abs() < 0.005, "{} TIA {dt:+.4}", o.name);
            let dd = rel(num(p, "mean_gy"), num(d, "mean_gy"));
            let sigma = num(p, "rel_uncertainty").hypot(num(d, "rel_uncertainty"));
            let tol = 3.0 * sigma + 0.005;
            eprintln!(
                "{m} {}: patient {:.5} Gy, dosimetry study {:.5} Gy, {:+.3}% (tolerance {:.3}%)",
                o.name,
                num(p, "mean_gy"),
                num(d, "mean_gy"),
                100.0 * dd,
                100.0 * tol
            );
            assert!(dd.abs() < tol, "{m} {}: {dd:+.4} > {tol:.4}", o.name);
            let gbq = num(p, "mean_gy") / (a0 * 1e-3);
            assert!((num(p, "gy_per_gbq") - gbq).abs() < 1e-6 * gbq + 1e-12);
        }
    }
    // the RT Dose holds the reference (mc) dose on the CT grid
    let rt = theradose::io::dicom::read_rt_dose(&out.join("rt_dose.dcm")).unwrap();
    let nii = theradose::io::read_volume(&out.join("dose_mc/dose.nii.gz")).unwrap();
    assert!(rt.grid.same_geometry(&nii.grid, 1e-3));
    let max = nii.data.iter().cloned().fold(0.0, f64::max);
    let worst = rt
        .data
        .iter()
        .zip(&nii.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-5 * max,
        "RT Dose differs by {worst} Gy (max {max})"
    );
}

/// A copy of the test study with `edit` applied to its text, in `dir`, with the data paths
/// made absolute.
fn edited(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let base = data("");
    let text = std::fs::read_to_string(data("patient.toml")).unwrap();
    let mut text = edit(text);
    let names = ["ct".to_string(), "rtstruct.dcm".to_string()]
        .into_iter()
        .chain((1..=4).map(|n| format!("spect_tp{n}.dcm")));
    for f in names {
        let abs = format!("\"{}\"", base.join(&f).display());
        text = text.replace(&format!("\"{f}\""), &abs);
    }
    let p = dir.join("study.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn field_of(path: &Path) -> (String, String) {
    let opts = StudyOptions::default();
    let e = run_study_file(path, Some(&path.with_extension("out")), &opts).unwrap_err();
    let msg = format!("{e:#}");
    let field = spec_error_of(&e)
        .unwrap_or_else(|| panic!("not a spec error: {msg}"))
        .field
        .clone();
    (field, msg)
}

#[test]
fn bad_inputs_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    // a time point whose SPECT folder does not exist
    let p = edited(dir.path(), |t| {
        t.replacen(
            "emission = \"spect_tp2.dcm\"",
            "emission = \"tp2/spect\"",
            1,
        )
    });
    let (field, msg) = field_of(&p);
    assert_eq!(field, "timepoint[1].emission", "{msg}");
    assert!(
        msg.contains("tp2/spect") && msg.contains("no such file"),
        "{msg}"
    );
    // counts without a calibration
    let p = edited(dir.path(), |t| {
        let i = t.find("emission = \"spect_tp3.dcm\"").unwrap();
        let (a, b) = t.split_at(i);
        format!(
            "{a}{}",
            b.replacen("calibration_cps_per_mbq = 9.4\n", "", 1)
        )
    });
    let (field, msg) = field_of(&p);
    assert_eq!(field, "timepoint[2].calibration_cps_per_mbq", "{msg}");
    assert!(
        msg.contains("counts") && msg.contains("spect_tp3.dcm"),
        "{msg}"
    );
    // an ROI that is not in the RTSTRUCT: the error lists those that are
    let p = edited(dir.path(), |t| {
        t.replace(
            "rtstruct = \"rtstruct.dcm\"",
            "rtstruct = \"rtstruct.dcm\"\nrois = [\"liver\", \"tumour\"]",
        )
    });
    let (field, msg) = field_of(&p);
    assert_eq!(field, "regions.rois", "{msg}");
    assert!(msg.contains("'tumour'") && msg.contains("kidneys"), "{msg}");
    // an administration time that is not ISO 8601
    let p = edited(dir.path(), |t| {
        t.replace(
            "injected_mbq = 7400.0",
            "injected_mbq = 7400.0\ninjection_time = \"5 Jan 2026\"",
        )
    });
    let (field, msg) = field_of(&p);
    assert_eq!(field, "injection_time", "{msg}");
}

/// `[recovery]`: each region's TAC and voxel TIA are divided by the coefficient of its volume,
/// interpolated in ln(volume) (kidneys: 292 mL at 10 mm voxels, between the table's 100 and
/// 1000 mL points).
#[test]
fn recovery_divides_each_region_by_its_coefficient() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &str| {
        let p = edited(dir.path(), |t| {
            t.replace("methods = [\"mc\", \"ldm\"]", "methods = [\"ldm\"]")
                .replace(
                    "rtstruct = \"rtstruct.dcm\"",
                    "rtstruct = \"rtstruct.dcm\"\nrois = [\"kidneys\", \"liver\"]",
                )
                + extra
        });
        let out = dir.path().join(format!("out{}", extra.len()));
        run_study_file(&p, Some(&out), &StudyOptions::default()).unwrap();
        csv(&out.join("doses.csv"))
    };
    let plain = run("");
    let corrected = run("[recovery]\ncurve = [[10.0, 0.5], [100.0, 0.8], [1000.0, 0.9]]\n");
    let v: f64 = 292.0;
    let rc = 0.8 + 0.1 * (v / 100.0).ln() / 10f64.ln();
    let kid = |rows: &[HashMap<String, String>], key: &str| {
        num(rows.iter().find(|r| r["region"] == "kidneys").unwrap(), key)
    };
    for key in ["tia_mbq_h", "mean_gy"] {
        let ratio = kid(&plain, key) / kid(&corrected, key);
        assert!((ratio - rc).abs() < 1e-6, "{key}: {ratio} vs {rc}");
    }
    // the liver (1754 mL) takes the last point's coefficient
    let liver = |rows: &[HashMap<String, String>]| {
        num(
            rows.iter().find(|r| r["region"] == "liver").unwrap(),
            "tia_mbq_h",
        )
    };
    assert!((liver(&plain) / liver(&corrected) - 0.9).abs() < 1e-6);
}

/// A time point whose CT and SPECT were acquired with the patient moved by 10 mm along x and 20
/// mm along y (the same volumes with their origins shifted, as NIfTI): the study registers its
/// CT to the first, carries the SPECT back, and the organ TIA stays within 0.5% of the study
/// without the move (the rigid registration recovers the shift to within 0.5 mm, the
/// registration test's tolerance).
#[test]
fn a_moved_time_point_is_registered_back() {
    use theradose::io::image::{counts_to_bq_ml, read_image};
    let dir = tempfile::tempdir().unwrap();
    let shift = [10.0, 20.0, 0.0];
    let moved = |mut v: theradose::io::Volume<f64>, name: &str| {
        for (c, s) in shift.iter().enumerate() {
            v.grid.origin_mm[c] += s;
        }
        let p = dir.path().join(name);
        theradose::io::write_volume(&p, &v, "moved").unwrap();
        p
    };
    let ct = moved(
        read_image(&data("ct"), None).unwrap().volume,
        "ct_moved.nii.gz",
    );
    let spect_path = data("spect_tp3.dcm");
    let img = read_image(&spect_path, None).unwrap();
    let bq_ml = counts_to_bq_ml(&spect_path, &img, 9.4, None).unwrap();
    let spect = moved(bq_ml, "spect_moved.nii.gz");
    let rows = |text: String, out: &str| {
        let p = edited(dir.path(), |_| text.clone());
        let out = dir.path().join(out);
        let r = run_study_file(&p, Some(&out), &StudyOptions::default()).unwrap();
        (csv(&out.join("doses.csv")), r.metrics, out)
    };
    let base = std::fs::read_to_string(data("patient.toml"))
        .unwrap()
        .replace("methods = [\"mc\", \"ldm\"]", "methods = [\"ldm\"]");
    let (plain, _, _) = rows(base.clone(), "plain");
    let moved_text = base.replacen(
        "ct = \"ct\"\nemission = \"spect_tp3.dcm\"\ncalibration_cps_per_mbq = 9.4",
        &format!(
            "ct = \"{}\"\nemission = \"{}\"\ntime_h = 72.0",
            ct.display(),
            spect.display()
        ),
        1,
    );
    assert_ne!(moved_text, base);
    let (moved_rows, metrics, out) = rows(moved_text, "moved");
    let t = &metrics["scans"][2]["registration"]["transform"]["translation_mm"];
    for c in 0..3 {
        let d = t[c].as_f64().unwrap() - shift[c];
        assert!(d.abs() < 0.5, "translation {t} vs {shift:?}");
    }
    assert!(out.join("registered/tp2_check.png").is_file());
    assert!(out.join("registered/tp2_ct.nii.gz").is_file());
    for organ in ["kidneys", "liver", "spleen"] {
        let tia = |r: &[HashMap<String, String>]| {
            num(
                r.iter().find(|x| x["region"] == organ).unwrap(),
                "tia_mbq_h",
            )
        };
        let d = tia(&moved_rows) / tia(&plain) - 1.0;
        eprintln!("{organ}: TIA with the moved time point {d:+.4}");
        assert!(d.abs() < 0.005, "{organ}: {d:+.4}");
    }
}

/// The uncertainty budget of a patient study (issue 19) against the closed form: with the image
/// calibration alone (normal, 5 %), every region's 95 % interval of the mean dose is the mean
/// times 1 -+ 1.96 x 0.05 (within 2 %, the tolerance, at 4000 samples); with the
/// defaults the interval holds the nominal dose and the fit and the segmentation widen it;
/// `samples = 0` turns it off.
#[test]
fn the_uncertainty_budget_of_the_mean_doses_matches_the_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &str, tag: &str| {
        let p = edited(dir.path(), |t| {
            t.replace("methods = [\"mc\", \"ldm\"]", "methods = [\"ldm\"]") + extra
        });
        let out = dir.path().join(tag);
        run_study_file(&p, Some(&out), &StudyOptions::default())
            .unwrap()
            .metrics
    };
    let fixed: String = [
        "recovery",
        "volume",
        "fit",
        "monte_carlo",
        "decay",
        "alpha_beta",
        "alpha",
        "repair_half_time",
        "rbe",
        "clonogen_density",
        "lkb_td50",
        "lkb_m",
        "lkb_n",
        "clearance_half_time",
        "doubling_time",
    ]
    .iter()
    .map(|k| format!("{k} = {{ distribution = \"fixed\" }}\n"))
    .collect();
    let calib = format!(
        "[uncertainty]\nsamples = 4000\ncalibration = {{ distribution = \"normal\", rel_sd = 0.05 }}\n{fixed}"
    );
    let m = run(&calib, "calibration");
    let rows = m["rows"].as_array().unwrap();
    assert!(rows.len() >= 2);
    for r in rows {
        let mean = r["mean_gy"].as_f64().unwrap();
        let ci = r["mean_gy_ci95"].as_array().unwrap();
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        if mean == 0.0 {
            // a region without activity (the skin here): no dose, no interval
            assert_eq!((lo, hi), (0.0, 0.0));
            continue;
        }
        let (elo, ehi) = (mean * (1.0 - 1.96 * 0.05), mean * (1.0 + 1.96 * 0.05));
        assert!(
            ((hi - lo) / (ehi - elo) - 1.0).abs() < 0.02 && (lo / elo - 1.0).abs() < 0.02,
            "{}: [{lo}, {hi}] against [{elo}, {ehi}]",
            r["region"]
        );
    }
    // the defaults: wider than the calibration alone, and holding the nominal dose
    let d = run("", "defaults");
    for (r, c) in d["rows"].as_array().unwrap().iter().zip(rows) {
        let mean = r["mean_gy"].as_f64().unwrap();
        let ci = &r["mean_gy_ci95"];
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        if mean == 0.0 {
            continue;
        }
        let cc = &c["mean_gy_ci95"];
        let width_c = cc[1].as_f64().unwrap() - cc[0].as_f64().unwrap();
        assert!(
            lo < mean && mean < hi,
            "{}: {mean} outside [{lo}, {hi}]",
            r["region"]
        );
        assert!(
            hi - lo > width_c,
            "{}: defaults narrower than calibration alone",
            r["region"]
        );
    }
    assert_eq!(d["uncertainty"]["samples"], 1000);
    let report = std::fs::read_to_string(dir.path().join("defaults/report.md")).unwrap();
    assert!(report.contains("## Uncertainty budget"), "{report}");
    // off
    let off = run("[uncertainty]\nsamples = 0\n", "off");
    assert!(off["uncertainty"].is_null());
    assert!(off["rows"][0].get("mean_gy_ci95").is_none());
    assert!(!dir.path().join("off/uncertainty.csv").exists());
}
