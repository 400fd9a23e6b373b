//! The therapy study (issue 7) end to end at CI size (`studies/quickstart-ci.toml`: the
//! quickstart at 8 mm voxels, 1e5 decays, three imaging times, two OSEM iterations, a sweep over
//! two activities), and the chain's invariants: the metrics.json contract keys, valid PNG
//! figures, TCP and NTCP non-decreasing with the activity, BED >= dose in every region.

use serde_json::Value;
use std::path::Path;
use theradose::context::Context;
use theradose::study::{self, therapy, StudyKind, StudyOptions};

#[path = "common/png.rs"]
mod png;
use png::{png_size, pngs_under};

/// The data, loaded once for the tests of this file.
fn ctx() -> &'static Context {
    static CTX: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
    CTX.get_or_init(|| Context::load().unwrap())
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing or not a number in {v}"))
}

#[test]
fn quickstart_ci_runs_end_to_end() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml");
    assert_eq!(study::study_kind(&file).unwrap(), StudyKind::Therapy);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quickstart-ci");
    let opts = StudyOptions {
        histories: None,
        threads: Some(2),
    };
    let (out, m) = therapy::run_therapy_file(ctx(), &file, Some(&out), &opts).unwrap();

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
        // issue 19: every sweep point carries its budget (the sweep figures' bands); the
        // dose interval scales with the activity like the dose (same samples, same seed)
        let ci = |p: &Value, i: usize| p["lesions"][name]["mean_dose_gy_ci95"][i].as_f64().unwrap();
        for i in 0..2 {
            assert!(
                (ci(&pts[1], i) / ci(&pts[0], i) - 3.0).abs() < 1e-6,
                "{name} ci95[{i}]"
            );
        }
        let tcp = &pts[0]["lesions"][name]["tcp_ci95"];
        // the binned budget's interval holds the voxel-wise nominal TCP (bins within 0.002)
        let (lo, hi) = (tcp[0].as_f64().unwrap(), tcp[1].as_f64().unwrap());
        assert!(
            lo - 0.002 <= t(&pts[0]) && t(&pts[0]) <= hi + 0.002,
            "{name}: TCP {lo}..{hi}"
        );
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
    // issue 20: every region's dose uncertainty is the dosimetry run's (no NaN for regions
    // without a kinetics fit, which the Monte Carlo reports at a few percent)
    let regions = std::fs::read_to_string(out.join("regions.csv")).unwrap();
    assert!(!regions.contains("NaN"), "{regions}");
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
    assert_budget(&disk, &out, &report);
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
    assert_eq!(study::study_kind(&run).unwrap(), StudyKind::Run);
    let dos = w("d.toml", "name = \"d\"\nkind = \"dosimetry\"\n");
    assert_eq!(study::study_kind(&dos).unwrap(), StudyKind::Dosimetry);
    let bad = w("b.toml", "name = \"b\"\n");
    let e = study::study_kind(&bad).unwrap_err().to_string();
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
        therapy::run_therapy_file(ctx(), &broken, Some(dir.path()), &StudyOptions::default())
            .unwrap_err()
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
        therapy::run_therapy_file(ctx(), &typo, Some(dir.path()), &StudyOptions::default())
            .unwrap_err()
    );
    assert!(e.contains("sweep.no_such_field"), "{e}");
}

/// A CI-sized study file in `dir`: `studies/<base>` with each `(from, to)` replaced (each `from`
/// must occur) and its `[sweep]` section replaced by `sweep`.
fn ci_study(dir: &Path, base: &str, edits: &[(&str, &str)], sweep: &str) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("studies")
            .join(base),
    )
    .unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{base}: no '{from}'");
        text = text.replacen(from, to, 1);
    }
    let at = text.find("\n[sweep]").expect("a [sweep] section");
    let rest = &text[at + 1..];
    // the sweep section ends at the next table header
    let end = rest[1..].find("\n[").map_or(rest.len(), |e| e + 2);
    let text = format!("{}{sweep}\n{}", &text[..at + 1], &rest[end..]);
    let p = dir.join(format!("ci-{base}"));
    std::fs::write(&p, text).unwrap();
    p
}

fn run(file: &Path, out: &Path) -> (std::path::PathBuf, Value) {
    let opts = StudyOptions {
        histories: None,
        threads: Some(2),
    };
    therapy::run_therapy_file(ctx(), file, Some(out), &opts).unwrap()
}

/// sweep.csv: a header with the swept keys first and one row per point.
fn sweep_csv(out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    for r in &rows {
        assert_eq!(r.len(), head.len(), "{r:?}");
    }
    (head, rows)
}

fn assert_pngs(out: &Path, names: &[&str]) {
    let mut figs = Vec::new();
    pngs_under(out, &mut figs);
    for name in names {
        let p = figs
            .iter()
            .find(|p| p.ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        let (w, h) = png_size(p);
        assert!(w >= 100 && h >= 100, "{}: {w}x{h}", p.display());
    }
}

/// Lu-177 vs Ac-225 (the dosimetry re-run per nuclide, Ac-225 with its daughters) with an FDG
/// follow-up after the Ga-68-PSMA planning scan.
///
/// Ac-225 against Lu-177 per GBq: each Ac-225 decay with its chain at equilibrium releases
/// about 27.6 MeV of alpha energy locally (ICRP 107: Ac-225 5.8, Fr-221 6.3, At-217 7.1,
/// Bi-213/Po-213 8.4 MeV) against 0.148 MeV of beta energy per Lu-177 decay, weighted by RBE 5
/// and a physical half-life 1.5 times longer: the RBE-weighted lesion BED per GBq must be far
/// higher, more than 100 times (the energy ratio alone is about 190).
///
/// The uncertainty budget (issue 19, on by default): `<quantity>_ci95` and `_median` beside the
/// keys of every lesion and organ at risk, the interval around the median, `uncertainty.csv`
/// with its columns, a tornado figure per lesion and organ at risk, the report's section.
fn assert_budget(m: &Value, out: &Path, report: &str) {
    for (sec, keys) in [
        (
            "lesions",
            &[
                "mean_dose_gy",
                "bed_gy",
                "eqd2_gy",
                "tcp",
                "suv_peak_change_pct",
            ][..],
        ),
        (
            "organs_at_risk",
            &["mean_dose_gy", "bed_gy", "eqd2_gy", "ntcp"][..],
        ),
    ] {
        for (name, r) in m[sec].as_object().unwrap() {
            for k in keys {
                let ci = r[format!("{k}_ci95")].as_array();
                let ci = ci.unwrap_or_else(|| panic!("{name}.{k}_ci95 missing"));
                let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
                let med = f(r, &format!("{k}_median"));
                assert!(lo <= med && med <= hi, "{name}.{k}: {lo} {med} {hi}");
            }
            let png = out.join(format!("tornado_{name}.png"));
            assert!(png.exists(), "{}", png.display());
        }
    }
    assert_eq!(m["uncertainty"]["samples"], 1000);
    let csv = std::fs::read_to_string(out.join("uncertainty.csv")).unwrap();
    assert!(csv.starts_with("quantity,region,median,low,high,dominant_input\n"));
    assert!(csv.contains("\ntcp,lesion_1,"), "{csv}");
    assert!(report.contains("## Uncertainty budget"));
}

/// FDG follow-up: the comparison's baseline is an FDG scan (physiological FDG: liver SUV 2.0 in
/// `data/pet/tracers/fdg_suv.toml`), not the PSMA map; the liver keeps its uptake after
/// therapy, so the follow-up CMR background (mean liver SUV) must be 2.0 within 15% (OSEM at 2
/// iterations, 8 mm voxels and noise; the PSMA liver of the planning scan is about 4 times
/// lower: 2.4% of 150 MBq over 1.8 kg).
#[test]
fn nuclide_sweep_and_fdg_followup() {
    let dir = tempfile::tempdir().unwrap();
    let file = ci_study(
        dir.path(),
        "quickstart-ci.toml",
        &[
            (
                "histories = 100000",
                "histories = 100000\norgan_s_histories = 0",
            ),
            (
                "tracer = \"Ga-68-PSMA\"\ncmr",
                "tracer = \"F-18-FDG\"\nactivity_mbq = 250.0\ncmr",
            ),
        ],
        "[sweep]\n\"therapy.nuclide\" = [\"Lu-177\", \"Ac-225\"]",
    );
    let (out, m) = run(&file, &dir.path().join("out"));
    assert_eq!(m["pet"]["baseline"]["tracer"], "fdg");
    assert_eq!(m["pet"]["baseline"]["nuclide"], "F-18");
    assert_eq!(m["pet"]["planning"]["tracer"], "psma");
    let bg = f(&m["patient"], "cmr_background_suv");
    eprintln!("FDG follow-up liver SUVmean {bg:.3} (table 2.0)");
    assert!((bg / 2.0 - 1.0).abs() < 0.15, "FDG liver SUV {bg}");

    let (head, rows) = sweep_csv(&out);
    assert_eq!(head[0], "therapy.nuclide");
    assert_eq!(rows.len(), 2);
    let pts = m["sweep"]["points"].as_array().unwrap();
    let nuc = |p: &Value| p["values"]["therapy.nuclide"].as_str().unwrap().to_string();
    assert_eq!(
        (nuc(&pts[0]), nuc(&pts[1])),
        ("Lu-177".into(), "Ac-225".into())
    );
    // the Ac-225 point ran its own dosimetry (with the chain), the Lu-177 point reused the nominal
    let ac: Value = serde_json::from_slice(
        &std::fs::read(out.join("sweep/nuclide=Ac-225/dosimetry/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ac["study"]["therapy"]["chain"], true);
    assert!(!out.join("sweep/nuclide=Lu-177/dosimetry").exists());
    for name in ["lesion_1", "lesion_2", "lesion_3"] {
        let bed = |p: &Value| f(&p["lesions"][name], "bed_gy") / 7.4;
        let (lu, ac) = (bed(&pts[0]), bed(&pts[1]));
        eprintln!("{name}: BED per GBq Lu-177 {lu:.3} Gy, Ac-225 {ac:.1} Gy");
        assert!(ac > 100.0 * lu, "{name}: BED/GBq Ac-225 {ac}, Lu-177 {lu}");
    }
    // alpha dose only for Ac-225 (per-point metrics)
    let region = |l: &str| -> Value {
        let p = out.join(format!("sweep/nuclide={l}/metrics.json"));
        serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).unwrap()["regions"]["lesion_1"]
            .clone()
    };
    assert_eq!(f(&region("Lu-177"), "alpha_dose_gy"), 0.0);
    let a = region("Ac-225");
    assert!(f(&a, "alpha_dose_gy") > 0.9 * f(&a, "mean_dose_gy"), "{a}");
    assert_pngs(
        &out,
        &[
            "pet_planning.png",
            "pet_baseline.png",
            "tcp_ntcp_by_nuclide.png",
            "suv_change_by_nuclide.png",
        ],
    );
}

/// Lesion size at constant activity concentration (uptake fraction x scale³).
///
/// What is tested and why: TCP need not rise with size. At equal dose a larger lesion holds
/// more clonogens and TCP = exp(-N SF) falls, while its mean dose rises a little (more of the
/// beta energy absorbed in it, less partial-volume loss in the serial images); the sign of the
/// net change depends on the sizes. What must hold: the lesion masses scale as scale³ (within
/// the voxelisation of a sphere of 3.75 and 7.5 voxels across at 8 mm: 25%), while the mean
/// dose at constant concentration changes far less than the volume (a factor 8 between 1 and
/// 2): within a factor 2. At a constant uptake fraction it would fall about 8-fold. (Smaller
/// scales lose lesion_3, 15 mm, at 8 mm voxels: that stops the run naming the region.)
#[test]
fn lesion_size_sweep_at_constant_concentration() {
    let dir = tempfile::tempdir().unwrap();
    let file = ci_study(
        dir.path(),
        "quickstart-ci.toml",
        &[(
            "histories = 100000",
            "histories = 100000\norgan_s_histories = 0",
        )],
        "[uncertainty]\nsamples = 0\n[sweep]\n\"phantom.lesion_scale\" = [1.0, 2.0]",
    );
    let (out, m) = run(&file, &dir.path().join("out"));
    // samples = 0 turns the uncertainty budget off
    assert!(m.get("uncertainty").is_none());
    assert!(m["lesions"]["lesion_1"].get("tcp_ci95").is_none());
    assert!(!out.join("uncertainty.csv").exists());
    let (head, rows) = sweep_csv(&out);
    assert_eq!(head[0], "phantom.lesion_scale");
    assert_eq!(rows.len(), 2);
    let pts = m["sweep"]["points"].as_array().unwrap();
    let metrics = |p: &Value| -> Value {
        let s = p["values"]["phantom.lesion_scale"].as_f64().unwrap();
        let p = out.join(format!("sweep/lesion_scale={s:?}/metrics.json"));
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let (small, large) = (metrics(&pts[0]), metrics(&pts[1]));
    let r = |m: &Value, k: &str| f(&m["regions"]["lesion_1"], k);
    let mass_ratio = r(&large, "mass_g") / r(&small, "mass_g");
    assert!(
        (mass_ratio / 8.0 - 1.0).abs() < 0.25,
        "lesion_1 mass ratio {mass_ratio}"
    );
    let dose_ratio = r(&large, "mean_dose_gy") / r(&small, "mean_dose_gy");
    eprintln!(
        "lesion_1 x1 -> x2: mass ratio {mass_ratio:.2}, dose ratio {dose_ratio:.3}, TCP {:.3} -> {:.3}",
        r(&small, "tcp"),
        r(&large, "tcp")
    );
    assert!((0.5..2.0).contains(&dose_ratio), "dose ratio {dose_ratio}");
    // the scaled phantom was written beside the dosimetry
    assert!(out
        .join("sweep/lesion_scale=2.0/dosimetry/phantom.toml")
        .exists());
    assert_pngs(
        &out,
        &[
            "tcp_ntcp_vs_lesion_scale.png",
            "suv_change_vs_lesion_scale.png",
        ],
    );
}

/// Mouse vs adult as variants: the mouse runs with its own regions (flank tumour, no red
/// marrow) on the preclinical scanner; sweep.csv holds both phantoms' lesions.
#[test]
fn mouse_and_adult_variants() {
    let dir = tempfile::tempdir().unwrap();
    let file = ci_study(
        dir.path(),
        "sweep-mouse-adult.toml",
        &[
            ("voxel_mm = 4.0", "voxel_mm = 8.0"),
            ("histories = 1000000", "histories = 100000"),
            ("iterations = 3", "iterations = 2"),
            (
                "builtin = \"mouse\", voxel_mm = 0.5",
                "builtin = \"mouse\", voxel_mm = 1.0",
            ),
        ],
        "[sweep]\nvariant = [\"adult\", \"mouse\"]",
    );
    let (out, m) = run(&file, &dir.path().join("out"));
    assert_eq!(m["variant"], "adult");
    let (head, rows) = sweep_csv(&out);
    assert_eq!(head[0], "variant");
    assert_eq!(rows.len(), 2);
    for col in ["lesion_1_tcp", "tumour_tcp", "kidneys_ntcp"] {
        assert!(head.iter().any(|h| h == col), "{col} not in {head:?}");
    }
    let mouse: Value = serde_json::from_slice(
        &std::fs::read(out.join("sweep/variant=mouse/metrics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mouse["variant"], "mouse");
    assert_eq!(mouse["inputs"]["baseline_pet"]["scanner"], "preclinical");
    assert_eq!(mouse["inputs"]["phantom"]["builtin"], "mouse");
    let t = &mouse["lesions"]["tumour"];
    assert!((0.0..=1.0).contains(&f(t, "tcp")));
    assert!(
        f(t, "mean_dose_gy") > 0.0 && f(t, "suv_peak_baseline") > 0.0,
        "{t}"
    );
    assert!(mouse["organs_at_risk"].get("red_marrow").is_none());
    assert_pngs(
        &out,
        &["tcp_ntcp_by_variant.png", "suv_change_by_variant.png"],
    );

    // a region the phantom lacks fails with its name (no silent skip): the mouse variant
    // without its replaced region map keeps the adult's lesion_1..3 and red_marrow
    let bad = ci_study(
        dir.path(),
        "sweep-mouse-adult.toml",
        &[
            ("variant = \"adult\"", "variant = \"mouse\""),
            ("histories = 1000000", "histories = 20000"),
            ("replace = [\"biology.regions\"]\n", ""),
            (
                "builtin = \"mouse\", voxel_mm = 0.5",
                "builtin = \"mouse\", voxel_mm = 1.0",
            ),
        ],
        "",
    );
    let e = format!(
        "{:#}",
        therapy::run_therapy_file(
            ctx(),
            &bad,
            Some(&dir.path().join("bad")),
            &StudyOptions::default()
        )
        .unwrap_err()
    );
    assert!(e.contains("biology.regions.lesion_1"), "{e}");
}
