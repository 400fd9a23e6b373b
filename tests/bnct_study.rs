//! BNCT studies (`kind = "bnct"`): a CI-sized head study (8 mm voxels, a few thousand neutron
//! histories) runs and writes every file; the boron map follows the simulated FBPA PET; the
//! weighted dose is the weighted sum of its components per region; region uncertainties
//! fall as 1/sqrt(N); results do not depend on the thread count; bad input names file and
//! field.

use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::io::read_volume;
use theradose::materials::MaterialDb;
use theradose::phantom::builtin;
use theradose::study::{bnct, StudyOptions};

#[path = "common/png.rs"]
mod png;
use png::png_size;

/// A BNCT study file run with the data loaded once for the tests of this file.
fn run_file(
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> anyhow::Result<(PathBuf, serde_json::Value)> {
    static CTX: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
    bnct::run_file(
        CTX.get_or_init(|| Context::load().unwrap()),
        path,
        out,
        opts,
    )
}

const PHANTOM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/studies/bnct-head-phantom.toml"
);

/// A CI-sized head study: 8 mm voxels, 2000 positron histories for the PET's range kernel.
fn study_text(boron_source: &str) -> String {
    format!(
        r#"
name = "bnct-ci"
kind = "bnct"
description = "CI-sized head study"
[phantom]
builtin = "{PHANTOM}"
voxel_mm = 8.0
[beam]
spectrum = "epithermal"
field_diameter_cm = 12.0
direction = "+x"
aim_mm = [-35.0, 0.0, 20.0]
[boron]
compound = "BPA"
blood_ppm = 15.0
source = "{boron_source}"
uptake_to_blood = {{ tumour = 3.5, skin = 1.5, brain = 1.0, skull = 1.0 }}
blood_pool_region = "brain"
[fbpa_pet]
scanner = "clinical"
injected_mbq = 260.0
body_mass_kg = 70.0
blood_suv = 1.0
uptake_min = 60.0
duration_s = 600.0
positron_histories = 2000
[weighting]
rbe_nitrogen = 3.2
rbe_hydrogen = 3.2
rbe_gamma = 1.0
cbe = {{ tumour = 3.8, skin = 2.5, brain = 1.3 }}
cbe_default = 1.3
[prescription]
kind = "normal_peak"
dose_gy_eq = 12.5
region = "brain"
tumour_region = "tumour"
[biology]
regions = {{ tumour = "tumour", brain = "brain_test" }}
[biology.tissue.brain_test]
description = "test tissue"
source = "test values"
alpha_beta_gy = 2.0
repair_half_time_h = 1.5
[run]
histories = 3000
seed = 1
"#
    )
}

fn write_study(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn opts(histories: u64, threads: usize) -> StudyOptions {
    StudyOptions {
        histories: Some(histories),
        threads: Some(threads),
    }
}

/// regions.csv as (header, rows of cells).
fn regions(out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(out.join("regions.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

fn cell(h: &[String], row: &[String], col: &str) -> f64 {
    let i = h
        .iter()
        .position(|c| c == col)
        .unwrap_or_else(|| panic!("{col}"));
    row[i].parse().unwrap()
}

fn row<'a>(rows: &'a [Vec<String>], region: &str) -> &'a [String] {
    rows.iter().find(|r| r[0] == region).unwrap()
}

/// Signature, IHDR size and a file size far above that of a blank image.
fn assert_png(path: &Path) {
    assert!(path.exists(), "{} missing", path.display());
    let (w, h) = png_size(path);
    assert!(w > 100 && h > 100, "{}: {w} x {h}", path.display());
    let len = std::fs::metadata(path).unwrap().len();
    assert!(len > 10_000, "{}: {len} bytes", path.display());
}

/// Mean of `img` over the voxels labelled `id`.
fn mean_over(img: &[f64], label: &[u16], id: u16) -> f64 {
    let (s, n) = label
        .iter()
        .zip(img)
        .filter(|(l, _)| **l == id)
        .fold((0.0, 0usize), |(s, n), (_, x)| (s + x, n + 1));
    s / n as f64
}

#[test]
fn head_study_writes_every_file_and_boron_follows_the_fbpa_pet() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_study(dir.path(), "ci.toml", &study_text("fbpa_pet"));
    let out = dir.path().join("out");
    run_file(&path, Some(&out), &opts(3000, 2)).unwrap();
    // every table, figure and volume
    let depth = std::fs::read_to_string(out.join("depth.csv")).unwrap();
    assert_eq!(
        depth.lines().next().unwrap(),
        theradose::dosimetry::bnct::DEPTH_HEADER
    );
    assert!(depth.lines().count() > 10);
    for f in ["regions.csv", "dvh.csv", "summary.json", "report.md"] {
        assert!(std::fs::metadata(out.join(f)).unwrap().len() > 100, "{f}");
    }
    for f in [
        "depth_fluence",
        "depth_dose",
        "dose_boron",
        "dose_nitrogen",
        "dose_hydrogen",
        "dose_gamma",
        "dose_weighted",
        "fluence_thermal",
        "boron_ppm",
        "fbpa_pet",
        "dvh",
    ] {
        assert_png(&out.join(format!("{f}.png")));
    }
    // the maps over anatomy: SVG beside the PNG, panels titled in world mm, orientation
    // letters, the colour bar's label, isodose lines labelled with their values (issue 22)
    for (f, label) in [
        ("dose_weighted", "D_w (Gy-eq)"),
        ("boron_ppm", "10B (ug/g)"),
        ("fbpa_pet", "SUV (body weight)"),
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{f}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .filter_map(|n| n.text().map(str::trim))
            .collect();
        for want in ["axial, z = ", "coronal, y = ", "sagittal, x = "] {
            assert!(texts.iter().any(|t| t.starts_with(want)), "{f}: {want}");
        }
        for want in ["R", "L", "A", "P", "S", "I", label] {
            assert!(texts.contains(&want), "{f}: {want} not in {texts:?}");
        }
        if f == "dose_weighted" {
            assert!(
                texts.iter().any(|t| t.ends_with(" Gy-eq") && t != &label),
                "{f}: no isodose label in {texts:?}"
            );
        }
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("![dose_weighted.png](dose_weighted.png)"));
    for f in [
        "dose_weighted",
        "dose_weighted_treatment",
        "boron_ppm",
        "fbpa_pet_suv",
        "fluence_thermal",
    ] {
        assert!(out.join(format!("{f}.nii.gz")).exists(), "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(s["treatment_time_min"].as_f64().unwrap() > 0.0);
    assert!(s["energy_balance_relative_discrepancy"].as_f64().unwrap() < 1e-6);
    // figure of merit (issue 21, item 4) of the tumour's weighted mean dose
    let fom = &s["figure_of_merit"];
    let rel = s["tumour"]["weighted_rel_unc"].as_f64().unwrap();
    assert_eq!(fom["region"], s["tumour"]["region"]);
    assert_eq!(fom["rel_uncertainty"].as_f64().unwrap(), rel);
    let want = 1.0 / (rel * rel * s["cpu_seconds"].as_f64().unwrap());
    assert!((fom["per_cpu_second"].as_f64().unwrap() / want - 1.0).abs() < 1e-12);

    // the boron map follows the measured FBPA uptake: ppm = blood ppm x SUV / blood-pool SUV
    let db = MaterialDb::load().unwrap();
    let ph = builtin::build(PHANTOM, &db, Some(8.0), &[]).unwrap();
    let ppm = read_volume(&out.join("boron_ppm.nii.gz")).unwrap().data;
    let suv = read_volume(&out.join("fbpa_pet_suv.nii.gz")).unwrap().data;
    let truth = read_volume(&out.join("fbpa_truth_suv.nii.gz"))
        .unwrap()
        .data;
    let (t, b) = (
        ph.region_id("tumour").unwrap(),
        ph.region_id("brain").unwrap(),
    );
    // NIfTI volumes hold f32: ratios agree to f32 precision
    let ppm_ratio = mean_over(&ppm, &ph.label, t) / mean_over(&ppm, &ph.label, b);
    let pet_ratio = mean_over(&suv, &ph.label, t) / mean_over(&suv, &ph.label, b);
    let recovery = pet_ratio / (mean_over(&truth, &ph.label, t) / mean_over(&truth, &ph.label, b));
    eprintln!("tumour/brain: boron {ppm_ratio:.4}, PET {pet_ratio:.4}, recovery {recovery:.3}");
    assert!((ppm_ratio / pet_ratio - 1.0).abs() < 1e-5);
    assert!((ppm_ratio - 3.5 * recovery).abs() < 1e-4 * ppm_ratio);
    // a 3 cm tumour in 8 mm voxels: partial-volume losses, but far above the brain
    assert!(recovery < 1.0 && ppm_ratio > 1.5, "{recovery} {ppm_ratio}");
    // the map follows the noisy image voxel by voxel, not one value per region
    let tum: Vec<f64> = (0..ph.len())
        .filter(|&v| ph.label[v] == t)
        .map(|v| ppm[v])
        .collect();
    let spread = tum.iter().cloned().fold(0.0, f64::max) - tum.iter().cloned().fold(1e9, f64::min);
    assert!(spread > 0.05 * ppm_ratio * 15.0, "{spread}");

    // per region: D_w = CBE D_B + RBE_N D_N + RBE_H D_H + D_gamma (RBEs of the study file)
    let (h, rows) = regions(&out);
    assert_eq!(rows.len(), 4);
    for r in &rows {
        let w = cell(&h, r, "dose_weighted_gy_eq");
        let sum = cell(&h, r, "cbe") * cell(&h, r, "dose_boron_gy")
            + 3.2 * (cell(&h, r, "dose_nitrogen_gy") + cell(&h, r, "dose_hydrogen_gy"))
            + cell(&h, r, "dose_gamma_gy");
        assert!((w - sum).abs() <= 1e-9 * w, "{}: {w} vs {sum}", r[0]);
        assert!(cell(&h, r, "dose_weighted_rel_unc") > 0.0);
    }
    let tumour = row(&rows, "tumour");
    assert_eq!(cell(&h, tumour, "cbe"), 3.8);

    // radiobiology of the weighted dose: constant rate over the treatment time, G exact; the
    // mean of the voxel BEDs lies between D(1 + G D/ab) (Jensen, BED convex in D) and
    // D(1 + G D_max/ab); EQD2 = BED/(1 + 2/ab) (Dale 1985; Fowler 1989)
    let t_h = s["treatment_time_min"].as_f64().unwrap() / 60.0;
    let text = std::fs::read_to_string(out.join("radiobiology.csv")).unwrap();
    let mut lines = text.lines();
    let bh: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let brows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(brows.len(), 2);
    for (region, ab, rep) in [("tumour", 10.0, 1.5), ("brain", 2.0, 1.5)] {
        let b = row(&brows, region);
        let g = theradose::biology::gfactor::g_constant_rate(t_h, rep);
        assert!((cell(&bh, b, "g_factor") - g).abs() < 1e-8, "{region}");
        assert!(g > 0.5 && g < 1.0, "{g}");
        assert_eq!(cell(&bh, b, "alpha_beta_gy"), ab);
        let d = cell(&bh, b, "weighted_mean_gy_eq");
        let r = row(&rows, region);
        assert!(
            (d / cell(&h, r, "dose_weighted_gy_eq") - 1.0).abs() < 1e-5,
            "{region}"
        );
        let dmax = cell(&h, r, "weighted_max_gy_eq");
        let bed = cell(&bh, b, "bed_gy");
        assert!(
            bed >= d * (1.0 + g * d / ab) * (1.0 - 1e-6),
            "{region}: {bed}"
        );
        assert!(
            bed <= d * (1.0 + g * dmax / ab) * (1.0 + 1e-6),
            "{region}: {bed}"
        );
        let eqd2 = cell(&bh, b, "eqd2_gy");
        assert!(
            (eqd2 - bed / (1.0 + 2.0 / ab)).abs() < 1e-5 * bed,
            "{region}"
        );
    }
    let tcp = cell(&bh, row(&brows, "tumour"), "tcp");
    assert!((0.0..=1.0).contains(&tcp), "{tcp}");
    assert!(s["radiobiology"]["tumour"]["tcp"].is_number());
    assert!(report.contains("## Radiobiology"));
    // the brain's peak holds the prescription (12.5 Gy-eq)
    let peak = cell(&h, row(&rows, "brain"), "weighted_peak_gy_eq");
    assert!((peak - 12.5).abs() < 1e-6 * 12.5, "{peak}");
}

/// Relative uncertainty of a region's mean dose from the history-by-history region totals:
/// Monte Carlo variance falls as 1/N, so 4x the histories halve it. The estimate of the
/// standard deviation from N histories has its own scatter (about 1/sqrt(2N) for light tails,
/// more for the heavy-tailed boron and gamma contributions), hence +-20% on the ratio 0.5.
#[test]
fn region_uncertainty_falls_as_one_over_sqrt_n() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_study(dir.path(), "ratios.toml", &study_text("ratios"));
    let rel = |n: u64, name: &str| {
        let out = dir.path().join(name);
        run_file(&path, Some(&out), &opts(n, 2)).unwrap();
        let (h, rows) = regions(&out);
        ["tumour", "brain"].map(|r| cell(&h, row(&rows, r), "dose_weighted_rel_unc"))
    };
    let a = rel(3000, "n1");
    let b = rel(12000, "n4");
    for k in 0..2 {
        let ratio = b[k] / a[k];
        eprintln!("rel uncertainty {} -> {} (ratio {ratio:.3})", a[k], b[k]);
        assert!((ratio - 0.5).abs() < 0.1, "ratio {ratio}");
    }
}

/// Same seed, 1 or 3 threads: bit-identical tables (integer tallies merged in any order).
#[test]
fn study_is_deterministic_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_study(dir.path(), "ratios.toml", &study_text("ratios"));
    let run = |t: usize| {
        let out = dir.path().join(format!("t{t}"));
        run_file(&path, Some(&out), &opts(1000, t)).unwrap();
        (
            std::fs::read_to_string(out.join("regions.csv")).unwrap(),
            std::fs::read_to_string(out.join("depth.csv")).unwrap(),
        )
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn bad_input_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let base = study_text("ratios");
    let cases = [
        (
            "field_diameter_cm = 12.0",
            "field_diameter_cm = -1.0",
            "beam.field_diameter_cm",
        ),
        ("direction = \"+x\"", "direction = \"+w\"", "beam.direction"),
        (
            "direction = \"+x\"",
            "direction = [0.0, 0.0, 0.0]",
            "beam.direction",
        ),
        ("blood_ppm = 15.0", "blood_ppm = -2.0", "boron.blood_ppm"),
        (
            "\nregion = \"brain\"",
            "\nregion = \"cerebellum\"",
            "prescription.region",
        ),
        ("tumour = 3.8,", "tumor = 3.8,", "weighting.cbe.tumor"),
        (
            "kind = \"normal_peak\"",
            "kind = \"peak\"",
            "prescription.kind",
        ),
        ("source = \"ratios\"", "source = \"mri\"", "boron.source"),
        (
            "histories = 3000",
            "histories = 3000\nthreads = 2",
            "threads",
        ),
        (
            "brain = \"brain_test\"",
            "cortex = \"brain_test\"",
            "biology.regions.cortex",
        ),
        (
            "tumour = \"tumour\"",
            "tumour = \"bone\"",
            "biology.regions.tumour",
        ),
        (
            "alpha_beta_gy = 2.0",
            "alpha_beta_gy = -2.0",
            "biology.tissue.brain_test",
        ),
    ];
    for (i, (from, to, field)) in cases.iter().enumerate() {
        assert!(base.contains(from), "{from}");
        let name = format!("bad{i}.toml");
        let path = write_study(dir.path(), &name, &base.replacen(from, to, 1));
        let err = run_file(&path, Some(&dir.path().join("out")), &opts(10, 1)).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&name) && msg.contains(field), "{msg}");
        // validated before the first history: no neutron tally (checkpoint) was written
        assert!(
            !dir.path().join("out").join("tally.bin").exists(),
            "{field}: the error came after the Monte Carlo"
        );
    }
}
