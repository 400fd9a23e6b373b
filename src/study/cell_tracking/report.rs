//! `report.md` of a cell-tracking study: what was simulated, how many cells PET sees per region
//! and scan for each strategy, the nucleus dose of the labelled cells, and when a reporter
//! overtakes a direct label.

use super::run::CellTrackingResult;
use super::spec::CellTrackingStudy;
use crate::study::common::write_atomic;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;

/// The report's text.
pub fn report(
    study: &CellTrackingStudy,
    r: &CellTrackingResult,
    figures: &[String],
    elapsed_s: f64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: PET cell tracking\n", study.name);
    if !study.description.trim().is_empty() {
        let _ = writeln!(s, "{}\n", study.description.trim());
    }
    let _ = writeln!(
        s,
        "{:.3e} cells (radius {} um, nucleus {} um) in the `{}` phantom; scans at {:?} h on the `{}` \
         scanner ({} s, OSEM {} x {}); detectable means CNR >= {} (Rose criterion). theradose {}, \
         seed {}, {:.0} s.\n",
        study.cells.number,
        study.cells.cell_radius_um,
        study.cells.nucleus_radius_um,
        study.phantom.builtin,
        study.scans.times_h,
        r.scanner,
        study.scans.duration_s,
        study.scans.iterations,
        study.scans.subsets,
        study.detection.cnr_threshold,
        crate::VERSION,
        study.scans.seed,
        elapsed_s
    );
    for p in r.points.iter().filter(|p| p.nominal) {
        let _ = writeln!(
            s,
            "## {} ({}, {:.3e} Bq per cell)\n\n| time (h) | region | cells | activity (Bq) | CNR | detectable | min. detectable cells |\n| --- | --- | --- | --- | --- | --- | --- |",
            p.point.strategy, p.point.nuclide, p.point.activity_per_cell_bq
        );
        for x in &p.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {:.3e} | {:.3e} | {:.1} | {} | {:.3e} |",
                x.time_h,
                x.region,
                x.cells,
                x.activity_bq,
                x.cnr,
                if x.detectable { "yes" } else { "no" },
                x.min_detectable_cells
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "## Nucleus dose of the labelled cells\n\nSelf-dose from the analytic cellular S values \
         (MIRD cellular S values, Goddu et al. 1997) times the cumulated activity per cell; cross-dose \
         from the organ's activity concentration (non-penetrating emissions, absorbed fraction 1; \
         photons not counted); surviving fraction from the linear-quadratic model (alpha {} /Gy, \
         alpha/beta {} Gy, repair half-time {} h).\n\n| strategy | activity per cell (Bq) | nucleus dose (Gy) | self fraction | surviving fraction |\n| --- | --- | --- | --- | --- |",
        study.cells.alpha_per_gy, study.cells.alpha_beta_gy, study.cells.repair_half_time_h
    );
    for p in &r.points {
        let d = &p.dose;
        let _ = writeln!(
            s,
            "| {} | {:.3e} | {:.3e} | {:.3} | {:.4} |",
            d.strategy,
            d.activity_per_cell_bq,
            d.nucleus_dose_gy,
            d.self_fraction,
            d.surviving_fraction
        );
    }
    if !r.overtakes.is_empty() {
        let _ = writeln!(
            s,
            "\n## When the reporter overtakes the direct label\n\n| direct | reporter | region | from the images (h) | closed form (h) |\n| --- | --- | --- | --- | --- |"
        );
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1}"));
        for o in &r.overtakes {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                o.direct,
                o.reporter,
                o.region,
                f(o.from_images_h),
                f(o.closed_form_h)
            );
        }
    }
    let _ = writeln!(s, "\n## Figures\n");
    for f in figures {
        let _ = writeln!(s, "![{f}]({f})");
    }
    let _ = writeln!(
        s,
        "\nTables: `detectability.csv` (first strategy; every strategy in `<strategy>/detectability.csv`), \
         `cell_dose.csv`, `sweep.csv`; numbers in `summary.json`."
    );
    s
}

/// Writes `report.md` into `out`.
///
/// # Errors
/// When it cannot be written.
pub fn write_report(
    out: &Path,
    study: &CellTrackingStudy,
    r: &CellTrackingResult,
    figures: &[String],
    elapsed_s: f64,
) -> Result<()> {
    write_atomic(
        &out.join("report.md"),
        report(study, r, figures, elapsed_s).as_bytes(),
    )
}
