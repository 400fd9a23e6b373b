//! CT phantoms: HU -> (material, density) by the Schneider et al. 2000 calibration
//! (Phys Med Biol 45:459; density ramp as distributed with GATE), clamping with a warning that
//! counts the voxels, a user calibration table, label maps, and errors for bad CT inputs
//! (grid mismatch, NaN voxels, activity maps on another grid).

use std::path::Path;
use std::process::Command;
use theradose::io::{write_volume, Grid, Volume};
use theradose::materials::{HuCalibration, MaterialDb};
use theradose::phantom::Phantom;

#[test]
fn schneider_ramp_and_intervals() {
    let cal = HuCalibration::default_schneider().unwrap();
    // density nodes of the ramp (Schneider 2000 / GATE Schneider2000DensitiesTable.txt)
    for (hu, rho) in [
        (-1000.0, 0.00121),
        (-98.0, 0.93),
        (14.0, 1.03),
        (100.0, 1.1199),
        (101.0, 1.0762),
        (1600.0, 1.9642),
        (3000.0, 2.8),
    ] {
        let (_, r) = cal.convert(hu);
        assert!((r - rho).abs() < 1e-9, "HU {hu}: {r} vs {rho}");
    }
    // linear between nodes: HU 0 lies between (-97, 0.930486) and (14, 1.03)
    let (_, r0) = cal.convert(0.0);
    assert!((r0 - (0.930486 + 97.0 / 111.0 * (1.03 - 0.930486))).abs() < 1e-9);
    let name = |hu: f64| cal.intervals[cal.convert(hu).0 as usize].1.clone();
    assert_eq!(name(-1000.0), "air");
    assert_eq!(name(-800.0), "lung");
    assert_eq!(name(-100.0), "adipose");
    assert_eq!(name(40.0), "soft-tissue");
    assert_eq!(name(200.0), "spongiosa");
    assert_eq!(name(1200.0), "cortical-bone");
    // clamping: out-of-range HU take the end values and are counted
    let conv = cal.convert_volume(&[-3000.0, 0.0, 5000.0, 40.0]).unwrap();
    assert_eq!(conv.clamped, 2);
    assert!(
        (conv.density[0] as f64 - 0.00121).abs() < 1e-6
            && (conv.density[2] as f64 - 2.8).abs() < 1e-6
    );
    assert!(cal
        .convert_volume(&[0.0, f64::NAN])
        .unwrap_err()
        .to_string()
        .contains("voxel 1"));
}

#[test]
fn user_calibration_file() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("cal.toml");
    std::fs::write(&p, "source = \"test\"\nhu_min = -1000.0\nhu_max = 2000.0\ndensity_ramp = [[-1000.0, 0.001], [0.0, 1.0], [2000.0, 2.0]]\nintervals = [[-200.0, \"lung\"], [2001.0, \"water\"]]\n").unwrap();
    let cal = HuCalibration::from_file(&p).unwrap();
    let (m, r) = cal.convert(1000.0);
    assert_eq!(cal.intervals[m as usize].1, "water");
    assert!((r - 1.5).abs() < 1e-12);
    std::fs::write(&p, "source = \"x\"\nhu_min = 0.0\nhu_max = 1.0\ndensity_ramp = [[0.0, 1.0]]\nintervals = [[2.0, \"water\"]]\n").unwrap();
    let e = format!("{:#}", HuCalibration::from_file(&p).unwrap_err());
    assert!(e.contains("cal.toml") && e.contains("density_ramp"), "{e}");
}

fn grid() -> Grid {
    let mut g = Grid::new([6, 5, 4], [5.0, 5.0, 5.0]);
    g.origin_mm = [-12.5, -10.0, -7.5];
    g
}

fn write_ct(dir: &Path, hu: impl Fn(usize) -> f64) {
    let g = grid();
    let data: Vec<f32> = (0..g.len()).map(|v| hu(v) as f32).collect();
    write_volume(
        &dir.join("ct.nii.gz"),
        &Volume {
            grid: g.clone(),
            data,
        },
        "test CT",
    )
    .unwrap();
    let labels: Vec<u16> = (0..g.len())
        .map(|v| if v % 6 < 3 { 1 } else { 2 })
        .collect();
    write_volume(
        &dir.join("labels.nii.gz"),
        &Volume {
            grid: g,
            data: labels,
        },
        "labels",
    )
    .unwrap();
}

#[test]
fn ct_phantom_from_files() {
    let t = tempfile::tempdir().unwrap();
    write_ct(t.path(), |v| if v == 0 { -5000.0 } else { 40.0 });
    let db = MaterialDb::load().unwrap();
    let cal = HuCalibration::default_schneider().unwrap();
    let names = vec![(1u16, "left".to_string()), (2u16, "right".to_string())];
    let ph = Phantom::from_ct(
        &t.path().join("ct.nii.gz"),
        &cal,
        &db,
        Some((&t.path().join("labels.nii.gz"), &names)),
    )
    .unwrap();
    assert_eq!(ph.grid.dims, [6, 5, 4]);
    assert_eq!(ph.regions[1].name, "left");
    assert_eq!(ph.materials[ph.material[1] as usize].name, "soft-tissue");
    assert!(
        (ph.density[0] as f64 - 0.00121).abs() < 1e-6,
        "clamped HU -5000 -> air density"
    );
    // a run on the CT through the CLI, with an activity map on the CT grid
    let g = grid();
    let act: Vec<f32> = (0..g.len())
        .map(|v| if v == 40 { 1e6 } else { 0.0 })
        .collect();
    write_volume(
        &t.path().join("act.nii.gz"),
        &Volume { grid: g, data: act },
        "activity",
    )
    .unwrap();
    let rf = t.path().join("ct.toml");
    std::fs::write(&rf, "name = \"ct\"\n[phantom]\nct = \"ct.nii.gz\"\nlabels = \"labels.nii.gz\"\nlabel_names = { \"1\" = \"left\", \"2\" = \"right\" }\n[source]\nkind = \"map\"\nmap = \"act.nii.gz\"\nenergy_mev = 0.2\n[run]\nhistories = 2000\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "run",
            rf.to_str().unwrap(),
            "--out",
            t.path().join("out").to_str().unwrap(),
        ])
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("1 voxels had HU outside"),
        "clamp warning must count voxels: {err}"
    );
    let csv = std::fs::read_to_string(t.path().join("out/regions.csv")).unwrap();
    assert!(
        csv.starts_with("region,mass_g,mean_dose_gy_per_particle,rel_uncertainty\n")
            && csv.contains("left,")
            && csv.contains("right,")
    );
}

#[test]
fn bad_ct_inputs() {
    let t = tempfile::tempdir().unwrap();
    write_ct(t.path(), |v| if v == 7 { f64::NAN } else { 0.0 });
    let db = MaterialDb::load().unwrap();
    let cal = HuCalibration::default_schneider().unwrap();
    let e = format!(
        "{:#}",
        Phantom::from_ct(&t.path().join("ct.nii.gz"), &cal, &db, None).unwrap_err()
    );
    assert!(e.contains("ct.nii.gz") && e.contains("voxel 7"), "{e}");
    // label map on another grid
    write_ct(t.path(), |_| 0.0);
    let other = Grid::new([6, 5, 3], [5.0, 5.0, 5.0]);
    write_volume(
        &t.path().join("lab2.nii.gz"),
        &Volume {
            grid: other.clone(),
            data: vec![1u16; other.len()],
        },
        "x",
    )
    .unwrap();
    let e = format!(
        "{:#}",
        Phantom::from_ct(
            &t.path().join("ct.nii.gz"),
            &cal,
            &db,
            Some((&t.path().join("lab2.nii.gz"), &[]))
        )
        .unwrap_err()
    );
    assert!(e.contains("lab2.nii.gz") && e.contains("expected"), "{e}");
    // activity map whose grid does not match the phantom; negative activity; empty map
    for (i, (vals, expect)) in [
        (None, "expected"),
        (Some(-1.0f32), "negative"),
        (Some(0.0f32), "no activity"),
    ]
    .iter()
    .enumerate()
    {
        let g = if vals.is_none() {
            other.clone()
        } else {
            grid()
        };
        let v = vals.unwrap_or(1.0);
        write_volume(
            &t.path().join("act.nii.gz"),
            &Volume {
                grid: g.clone(),
                data: vec![v; g.len()],
            },
            "a",
        )
        .unwrap();
        let rf = t.path().join("r.toml");
        std::fs::write(&rf, "name = \"ct\"\n[phantom]\nct = \"ct.nii.gz\"\n[source]\nkind = \"map\"\nmap = \"act.nii.gz\"\nenergy_mev = 0.2\n[run]\nhistories = 10\n").unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
            .args([
                "run",
                rf.to_str().unwrap(),
                "--out",
                t.path().join("o").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success()
                && err.contains("act.nii.gz")
                && err.contains(expect)
                && !err.contains("panicked"),
            "case {i}: {err}"
        );
    }
    // a region that is named but holds no voxel (empty region): clear error, no panic
    let rf = t.path().join("g.toml");
    std::fs::write(&rf, "name = \"ct\"\n[phantom]\nct = \"ct.nii.gz\"\nlabels = \"labels.nii.gz\"\nlabel_names = { \"3\" = \"ghost\" }\n[source]\nkind = \"region\"\nregion = \"ghost\"\nenergy_mev = 0.2\n[run]\nhistories = 10\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "run",
            rf.to_str().unwrap(),
            "--out",
            t.path().join("g").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("'ghost'") && err.contains("no voxels"),
        "{err}"
    );
}
