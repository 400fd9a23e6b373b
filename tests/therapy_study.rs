//! The therapy study (issue 7) end to end at CI size (`studies/quickstart-ci.toml`: the
//! quickstart at 8 mm voxels, 1e5 decays, three imaging times, two OSEM iterations, a sweep over
//! two activities), and the chain's invariants: the metrics.json contract keys, valid PNG
//! figures, TCP and NTCP non-decreasing with the activity, BED >= dose in every region.

use serde_json::Value;
use std::path::Path;
use theradose::study::therapy::{self, StudyKind, StudyOptions};

/// Width and height from a PNG's signature and IHDR chunk (PNG spec, ISO/IEC 15948 5.2, 11.2.2).
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert!(b.len() > 33, "{}: {} bytes", path.display(), b.len());
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: PNG signature",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR", "{}: first chunk IHDR", path.display());
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    (w, h)
}

fn pngs_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            pngs_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "png") {
            out.push(p);
        }
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing or not a number in {v}"))
}

#[test]
fn quickstart_ci_runs_end_to_end() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml");
    assert_eq!(therapy::study_kind(&file).unwrap(), StudyKind::Therapy);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quickstart-ci");
    let opts = StudyOptions {
        histories: None,
        threads: Some(2),
    };
    let (out, m) = therapy::run_therapy_file(&file, Some(&out), &opts).unwrap();

    // the metrics.json contract (issue 7): per lesion and per organ at risk
    let disk: Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let lesions = disk["lesions"].as_object().unwrap();
    assert_eq!(lesions.len(), 3, "three lesions in the adult phantom");
    for (name, l) in lesions {
        for k in [
            "mean_dose_gy",
            "bed_gy",
            "tcp",
            "suv_peak_baseline",
            "suv_peak_followup",
        ] {
            let x = f(l, k);
            assert!(x.is_finite() && x >= 0.0, "{name}.{k} = {x}");
        }
        assert!((0.0..=1.0).contains(&f(l, "tcp")));
        let p = l["percist"].as_str().unwrap();
        assert!(["CMR", "PMR", "SMD", "PMD"].contains(&p), "{name}: {p}");
    }
    let oars = disk["organs_at_risk"].as_object().unwrap();
    for name in ["kidneys", "red_marrow"] {
        let o = &oars[name];
        for k in ["mean_dose_gy", "bed_gy", "ntcp"] {
            let x = f(o, k);
            assert!(x.is_finite() && x >= 0.0, "{name}.{k} = {x}");
        }
    }
    // BED >= dose in every region (BED = D(1 + G D/(a/b)) with G, D >= 0; RBE >= 1)
    for (name, r) in disk["regions"].as_object().unwrap() {
        let (d, b) = (f(r, "mean_dose_gy"), f(r, "bed_gy"));
        assert!(b >= d * (1.0 - 1e-12), "{name}: BED {b} < dose {d}");
    }

    // the sweep over two activities: TCP and NTCP non-decreasing with the activity
    let pts = m["sweep"]["points"].as_array().unwrap();
    assert_eq!(pts.len(), 2);
    let act = |p: &Value| f(&p["values"], "therapy.activity_per_cycle_mbq");
    assert!(act(&pts[0]) < act(&pts[1]));
    for name in lesions.keys() {
        let t = |p: &Value| f(&p["lesions"][name], "tcp");
        assert!(t(&pts[1]) >= t(&pts[0]), "{name}: TCP falls with activity");
        let d = |p: &Value| f(&p["lesions"][name], "mean_dose_gy");
        // the dose scales with the activity (one dosimetry, scaled): 11.1 / 3.7 = 3
        assert!((d(&pts[1]) / d(&pts[0]) - 3.0).abs() < 1e-9);
    }
    for name in ["kidneys", "red_marrow"] {
        let n = |p: &Value| f(&p["organs_at_risk"][name], "ntcp");
        assert!(n(&pts[1]) >= n(&pts[0]), "{name}: NTCP falls with activity");
    }

    // tables, volumes, report
    for file in [
        "regions.csv",
        "lesions.csv",
        "sweep.csv",
        "report.md",
        "dose.nii.gz",
        "bed.nii.gz",
        "surviving_fraction.nii.gz",
        "pet_baseline_suv.nii.gz",
        "pet_followup_suv.nii.gz",
    ] {
        let p = out.join(file);
        assert!(
            p.exists() && std::fs::metadata(&p).unwrap().len() > 0,
            "{file}"
        );
    }
    // every figure (ours, the sweep's and the dosimetry's DVH / TAC figures) is a valid PNG
    let mut figs = Vec::new();
    pngs_under(&out, &mut figs);
    for name in [
        "dose_map.png",
        "bed_map.png",
        "pet_baseline.png",
        "pet_followup.png",
        "waterfall.png",
        "tcp_ntcp_vs_activity_per_cycle_mbq.png",
    ] {
        assert!(figs.iter().any(|p| p.ends_with(name)), "{name} missing");
    }
    assert!(
        figs.iter().any(|p| p.to_string_lossy().contains("tac")),
        "no TAC figure"
    );
    assert!(
        figs.iter().any(|p| p.to_string_lossy().contains("dvh")),
        "no DVH figure"
    );
    for p in &figs {
        let (w, h) = png_size(p);
        assert!(w >= 100 && h >= 100, "{}: {w}x{h}", p.display());
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("![dose_map.png](dose_map.png)"));
}

#[test]
fn study_files_are_dispatched_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let run = w("run.toml", "name = \"r\"\n[source]\nkind = \"point\"\n");
    assert_eq!(therapy::study_kind(&run).unwrap(), StudyKind::Run);
    let dos = w("d.toml", "name = \"d\"\nkind = \"dosimetry\"\n");
    assert_eq!(therapy::study_kind(&dos).unwrap(), StudyKind::Dosimetry);
    let bad = w("b.toml", "name = \"b\"\n");
    let e = therapy::study_kind(&bad).unwrap_err().to_string();
    assert!(e.contains("b.toml"), "{e}");
    // a bad value names the file and the field
    let qs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml"),
    )
    .unwrap();
    let broken = w(
        "broken.toml",
        &qs.replace("activity_mbq = 150.0", "activity_mbq = -1.0"),
    );
    let e = format!(
        "{:#}",
        therapy::run_therapy_file(&broken, Some(dir.path()), &StudyOptions::default()).unwrap_err()
    );
    assert!(
        e.contains("broken.toml") && e.contains("baseline_pet.activity_mbq"),
        "{e}"
    );
    let typo = w(
        "typo.toml",
        &qs.replace("[sweep]", "[sweep]\nno_such_field = [1, 2]"),
    );
    let e = format!(
        "{:#}",
        therapy::run_therapy_file(&typo, Some(dir.path()), &StudyOptions::default()).unwrap_err()
    );
    assert!(e.contains("sweep.no_such_field"), "{e}");
}
