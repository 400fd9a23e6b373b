//! The command-line contract of issue 17: `theradose cell-svalues` (flags, JSON keys, CSV
//! columns, errors naming the flag) and `theradose cell-cluster` (its three files).

use std::process::Command;

fn theradose(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(args)
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .expect("run theradose")
}

#[test]
fn cell_svalues_prints_the_contract_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let out = theradose(&[
        "cell-svalues",
        "--nuclide",
        "Tc-99m",
        "--cell-radius-um",
        "5",
        "--nucleus-radius-um",
        "3",
        "--method",
        "analytic",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["nuclide"], "Tc-99m");
    assert_eq!(j["method"], "analytic");
    assert_eq!(j["cell_radius_um"], 5.0);
    assert_eq!(j["nucleus_radius_um"], 3.0);
    for k in [
        "nucleus<-nucleus",
        "nucleus<-cytoplasm",
        "nucleus<-cell_surface",
        "cell<-cell",
        "cell<-cell_surface",
        "cytoplasm<-cytoplasm",
        "cytoplasm<-nucleus",
    ] {
        assert!(j["s_gy_per_bq_s"][k].as_f64().unwrap() > 0.0, "{k}");
        assert!(j["rel_uncertainty"][k].is_number(), "{k}");
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        rows.next(),
        Some("target,source,s_gy_per_bq_s,rel_uncertainty")
    );
    assert_eq!(rows.count(), 12);
}

#[test]
fn cell_svalues_errors_name_the_flag() {
    let out = theradose(&[
        "cell-svalues",
        "--nuclide",
        "I-125",
        "--cell-radius-um",
        "4",
        "--nucleus-radius-um",
        "5",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--nucleus-radius-um"), "{err}");
    let out = theradose(&[
        "cell-svalues",
        "--nuclide",
        "I-125",
        "--cell-radius-um",
        "-4",
        "--nucleus-radius-um",
        "2",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--cell-radius-um"), "{err}");
    let out = theradose(&[
        "cell-svalues",
        "--nuclide",
        "In-11",
        "--cell-radius-um",
        "5",
        "--nucleus-radius-um",
        "3",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--nuclide") && err.contains("In-111"), "{err}");
}

#[test]
fn cell_cluster_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = theradose(&[
        "cell-cluster",
        "--nuclide",
        "At-211",
        "--cell-radius-um",
        "5",
        "--nucleus-radius-um",
        "3",
        "--cells",
        "50",
        "--labelled-fraction",
        "0.5",
        "--activity-per-cell-bq",
        "0.01",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cells = std::fs::read_to_string(dir.path().join("cells.csv")).unwrap();
    assert!(cells.starts_with("cell,x_um,y_um,z_um,labelled,activity_bq,decays,self_dose_gy,"));
    assert_eq!(cells.lines().count(), 51);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["labelled"]["cells"], 25);
    assert!(s["labelled"]["mean_nucleus_dose_gy"].as_f64().unwrap() > 0.0);
    assert!(dir.path().join("histograms.csv").exists());
}
