//! PET cell-tracking studies (issue 17, item 3): `kind = "cell_tracking"`.
//!
//! - Detectability: the minimum detectable number of cells scales as 1/(activity per cell)
//!   within 20% over a tenfold range (the Rose-criterion model of `pet::detect` is exactly
//!   inverse in both noise limits; the 20% is for the noise estimate of one realisation per
//!   activity and the non-linearity of OSEM at low counts).
//! - Against a published detection limit (Lechermann LM et al., "Detection limit of 89Zr-labeled
//!   T cells for cellular tracking: an in vitro imaging approach using clinical PET/CT and
//!   PET/MRI", EJNMMI Res 2020;10:82): 3.3e4 [89Zr]Zr(oxinate)4-labelled Jurkat cells at
//!   15.4 kBq per 1e6 cells (15.4 mBq per cell) in a 1 cm3 cubic well of a gel plate were seen
//!   on a 30 min clinical PET/CT scan. (No preclinical reference stating scanner, activity per
//!   cell and cell number together was found; this one states all three.)
//! - Reporter against direct label: the time at which the reporter's reconstructed signal
//!   overtakes the decaying, effluxing direct label's agrees with the closed form of the same
//!   kinetics within 5%.
//! - Bad input: nucleus larger than the cell, unknown nuclide, negative activity per cell,
//!   migration fractions above 1 in sum at one time (the error names the time).

use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::study::cell_tracking::{run, CellTrackingStudy};
use theradose::study::{study_kind, StudyKind};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("theradose-celltrack-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const ZR: &str = r#"
[[label]]
name = "zr"
kind = "direct"
nuclide = "Zr-89"
activity_per_cell_bq = 0.05
efflux_half_time_h = 75.0
released_to = "skeleton"
"#;

const NIS: &str = r#"
[[label]]
name = "nis"
kind = "reporter"
nuclide = "F-18"
uptake_per_cell_bq_per_mbq = 1e-4
injected_mbq = 10.0
uptake_min = 60.0
background_pct_id_per_g = 0.5
"#;

/// A mouse study: `cells` and `extra` sections appended to the defaults.
fn mouse_study(cells_extra: &str, labels: &str, scans: &str, sweep: &str) -> String {
    format!(
        r#"name = "t"
kind = "cell_tracking"
[phantom]
builtin = "mouse"
voxel_mm = 1.0
[cells]
number = 1e6
cell_radius_um = 10.0
nucleus_radius_um = 5.0
alpha_per_gy = 0.2
alpha_beta_gy = 3.0
{cells_extra}
{labels}
[migration]
regions = ["lungs", "liver", "spleen"]
times_h = [0.0, 24.0, 72.0]
fractions = [[0.8, 0.1, 0.02], [0.2, 0.5, 0.06], [0.06, 0.55, 0.07]]
[scans]
scanner = "preclinical"
duration_s = 600.0
iterations = 3
subsets = 8
positron_histories = 5000
{scans}
{sweep}
"#
    )
}

/// Minimum detectable cells at 10 mBq and 100 mBq per cell (Zr-89, 24 h, every region): the
/// ratio is 10 within 20%. The label does not efflux here: effluxed label is a background
/// whose own noise grows with the activity per cell, and against such a background N_min falls
/// only as 1/sqrt(activity) (the bundled study shows both).
#[test]
fn min_detectable_cells_scale_inversely_with_activity_per_cell() {
    let dir = tmp("scaling");
    let zr = ZR.replace("efflux_half_time_h = 75.0\n", "");
    let text = mouse_study(
        "",
        &zr,
        "times_h = [24.0]",
        "[sweep]\nstrategy = [\"zr\"]\nactivity_per_cell_bq = [0.01, 0.1]",
    );
    let study = CellTrackingStudy::load(&write(&dir, "s.toml", &text)).unwrap();
    let r = run(&Context::load().unwrap(), &study).unwrap();
    let at = |a: f64| {
        r.points
            .iter()
            .find(|p| (p.point.activity_per_cell_bq - a).abs() < 1e-12)
            .unwrap()
    };
    let (lo, hi) = (at(0.01), at(0.1));
    for (x, y) in lo.rows.iter().zip(&hi.rows) {
        let ratio = x.min_detectable_cells / y.min_detectable_cells;
        eprintln!(
            "{} at {} h: N_min {:.3e} / {:.3e} = {ratio:.3}",
            x.region, x.time_h, x.min_detectable_cells, y.min_detectable_cells
        );
        assert!(
            (ratio / 10.0 - 1.0).abs() < 0.2,
            "{}: ratio {ratio}",
            x.region
        );
    }
}

/// Lechermann et al. 2020 conditions: clinical PET, 30 min, Zr-89 at 15.4 mBq per cell in a
/// 1 cm3 cube of gel (water) in a 3.4 x 3.4 x 1.4 cm plate; 3.3e4 cells were visible.
/// The reference read detection by eye. A human observer is less efficient than the Rose
/// criterion's ideal observer, who sums the signal over the whole well (the study's
/// `min_detectable_cells`), and more efficient than one who looks at a single voxel
/// (`min_detectable_cells_voxel`, the rms voxel noise): the published number must lie between
/// the two, both at CNR 5. The ideal observer's limit is a lower bound also because the PET
/// model has no intrinsic LYSO (Lu-176) background and no randoms at these sub-kBq activities.
#[test]
fn detection_limit_matches_lechermann_2020() {
    let dir = tmp("lechermann");
    let phantom = r#"name = "gel-plate"
description = "gel plate with one 1 cm3 cubic well (Lechermann et al. 2020)"
reference = "analytic"
size_mm = [60.0, 60.0, 30.0]
background = "air"
default_voxel_mm = 2.0
[[shape]]
label = "gel"
material = "water"
density = 1.0
kind = "box"
center_mm = [0.0, 0.0, 0.0]
half_size_mm = [17.0, 17.0, 7.0]
[[shape]]
label = "well"
material = "water"
density = 1.0
kind = "box"
center_mm = [0.0, 0.0, 0.0]
half_size_mm = [5.0, 5.0, 5.0]
"#;
    let ph = write(&dir, "plate.toml", phantom);
    let text = format!(
        r#"name = "lechermann"
kind = "cell_tracking"
[phantom]
builtin = "{}"
voxel_mm = 2.0
[cells]
number = 3.3e4
cell_radius_um = 6.0
nucleus_radius_um = 4.0
alpha_per_gy = 0.2
alpha_beta_gy = 3.0
[[label]]
name = "zr"
kind = "direct"
nuclide = "Zr-89"
activity_per_cell_bq = 0.0154
[migration]
regions = ["well"]
times_h = [0.0]
fractions = [[1.0]]
[scans]
times_h = [0.0]
scanner = "clinical"
duration_s = 1800.0
iterations = 3
subsets = 8
positron_histories = 5000
margin_mm = 6.0
"#,
        ph.display()
    );
    let study = CellTrackingStudy::load(&write(&dir, "s.toml", &text)).unwrap();
    let r = run(&Context::load().unwrap(), &study).unwrap();
    let row = &r.points[0].rows[0];
    let (n, nv) = (row.min_detectable_cells, row.min_detectable_cells_voxel);
    eprintln!(
        "well: CNR {:.2} with 3.3e4 cells, N_min {n:.3e} (ideal), {nv:.3e} (single voxel)",
        row.cnr
    );
    assert!(n < 3.3e4 && 3.3e4 < nv, "N_min {n:.3e} .. {nv:.3e}");
}

/// The reporter's reconstructed liver contrast overtakes the direct label's at the closed-form
/// time within 5%: cells doubling every 48 h, Zr-89 at 50 mBq per cell with a 75 h efflux
/// half-time, the NIS reporter at 1e-4 Bq per cell per MBq with 10 MBq per scan:
/// t* = ln(50) / (ln2/48 + ln2/78.41 + ln2/75) = 120 h, bracketed by the scans at 96 and 144 h.
/// The liver is compared: its recovery is the same for both positron emitters. In the lungs
/// (0.26 g/cm3) positron ranges are four times longer and Zr-89's (mean positron energy
/// 396 keV, against 250 keV for F-18) spills more of its signal out of the organ, so the image
/// ratio crosses earlier than the activity ratio (printed, not asserted).
#[test]
fn reporter_overtakes_direct_label_at_the_closed_form_time() {
    let dir = tmp("overtake");
    let labels = format!("{ZR}{NIS}");
    let text = mouse_study(
        "doubling_time_h = 48.0",
        &labels,
        "times_h = [96.0, 144.0]",
        "",
    );
    let study = CellTrackingStudy::load(&write(&dir, "s.toml", &text)).unwrap();
    let r = run(&Context::load().unwrap(), &study).unwrap();
    for o in &r.overtakes {
        let (img, exact) = (o.from_images_h.unwrap(), o.closed_form_h.unwrap());
        eprintln!(
            "{}: overtakes at {img:.2} h from the images, {exact:.2} h closed form",
            o.region
        );
    }
    let liver = r.overtakes.iter().find(|o| o.region == "liver").unwrap();
    let (img, exact) = (liver.from_images_h.unwrap(), liver.closed_form_h.unwrap());
    assert!((img / exact - 1.0).abs() < 0.05, "liver: {img} vs {exact}");
}

fn load_err(text: &str) -> String {
    let dir = tmp("bad");
    let p = write(&dir, &format!("b{}.toml", text.len()), text);
    format!("{:#}", CellTrackingStudy::load(&p).unwrap_err())
}

#[test]
fn bad_input_is_refused_with_the_field() {
    let ok = mouse_study("", ZR, "times_h = [24.0]", "");
    assert!(CellTrackingStudy::load(&write(&tmp("ok"), "ok.toml", &ok)).is_ok());
    assert_eq!(
        study_kind(&tmp("ok").join("ok.toml")).unwrap(),
        StudyKind::CellTracking
    );

    let e = load_err(&ok.replace("nucleus_radius_um = 5.0", "nucleus_radius_um = 12.0"));
    assert!(
        e.contains("cells.nucleus_radius_um") && e.contains("inside the cell"),
        "{e}"
    );

    let e = load_err(&ok.replace("\"Zr-89\"", "\"Zr-999\""));
    assert!(e.contains("nuclide") && e.contains("Zr-999"), "{e}");

    let e = load_err(&ok.replace(
        "activity_per_cell_bq = 0.05",
        "activity_per_cell_bq = -0.05",
    ));
    assert!(
        e.contains("activity_per_cell_bq") && e.contains("-0.05"),
        "{e}"
    );

    let e = load_err(&ok.replace("[0.2, 0.5, 0.06]", "[0.5, 0.5, 0.06]"));
    assert!(
        e.contains("migration.fractions") && e.contains("time_h = 24"),
        "{e}"
    );
}

/// `summary.json` and `report.md` name each figure by a file that was written: with `[figures]
/// formats = ["svg"]` the SVGs (they named PNGs that did not exist).
#[test]
fn the_summary_names_the_figure_files_written() {
    let dir = tmp("figure-names");
    let text =
        mouse_study("", ZR, "times_h = [24.0]", "") + "[figures]\nformats = [\"svg\"]\ndpi = 50\n";
    let path = write(&dir, "s.toml", &text);
    let out = dir.join("out");
    let opts = theradose::study::StudyOptions::default();
    theradose::study::run_study_file(&path, Some(&out), &opts).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let figures: Vec<&str> = summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(!figures.is_empty());
    for f in &figures {
        assert!(f.ends_with(".svg"), "{f}");
        assert!(out.join(f).is_file(), "{f} not written");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains(&format!("]({})", figures[0])), "{report}");
    assert!(!out.join("detectable_cells.png").exists());
}
