//! The files of a cell-tracking study: `detectability.csv` (the first strategy at its own
//! activity; every strategy's in `<strategy>/detectability.csv`), `cell_dose.csv` (every point),
//! `sweep.csv` (every point, scan and region) and `summary.json`.

use super::run::{CellTrackingResult, PointResult};
use super::spec::CellTrackingStudy;
use crate::study::common::{create_dir, write_atomic};
use anyhow::Result;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

/// `detectability.csv` of one point: `time_h, region, cells, activity_bq, cnr, detectable,
/// min_detectable_cells` (activity at the scan start).
pub fn detectability_csv(p: &PointResult) -> String {
    let mut s =
        String::from("time_h,region,cells,activity_bq,cnr,detectable,min_detectable_cells\n");
    for r in &p.rows {
        let _ = writeln!(
            s,
            "{},{},{:.6e},{:.6e},{:.4},{},{:.6e}",
            r.time_h, r.region, r.cells, r.activity_bq, r.cnr, r.detectable, r.min_detectable_cells
        );
    }
    s
}

/// `cell_dose.csv`: `strategy, activity_per_cell_bq, nucleus_dose_gy, self_fraction,
/// surviving_fraction`, one row per point.
pub fn cell_dose_csv(r: &CellTrackingResult) -> String {
    let mut s = String::from(
        "strategy,activity_per_cell_bq,nucleus_dose_gy,self_fraction,surviving_fraction\n",
    );
    for p in &r.points {
        let d = &p.dose;
        let _ = writeln!(
            s,
            "{},{:.6e},{:.6e},{:.6},{:.6}",
            d.strategy,
            d.activity_per_cell_bq,
            d.nucleus_dose_gy,
            d.self_fraction,
            d.surviving_fraction
        );
    }
    s
}

/// `sweep.csv`: every point's rows with the strategy and activity per cell.
pub fn sweep_csv(r: &CellTrackingResult) -> String {
    let mut s = String::from(
        "strategy,activity_per_cell_bq,time_h,region,cells,activity_bq,contrast_bq_ml,noise_bq_ml,cnr,detectable,min_detectable_cells\n",
    );
    for p in &r.points {
        for x in &p.rows {
            let _ = writeln!(
                s,
                "{},{:.6e},{},{},{:.6e},{:.6e},{:.6e},{:.6e},{:.4},{},{:.6e}",
                p.point.strategy,
                p.point.activity_per_cell_bq,
                x.time_h,
                x.region,
                x.cells,
                x.activity_bq,
                x.contrast_bq_ml,
                x.noise_bq_ml,
                x.cnr,
                x.detectable,
                x.min_detectable_cells
            );
        }
    }
    s
}

/// The summary (`summary.json`).
pub fn summary(
    study: &CellTrackingStudy,
    r: &CellTrackingResult,
    figures: &[String],
    elapsed_s: f64,
) -> Value {
    let points: Vec<Value> = r
        .points
        .iter()
        .map(|p| {
            json!({
                "strategy": p.point.strategy,
                "nuclide": p.point.nuclide,
                "activity_per_cell_bq": p.point.activity_per_cell_bq,
                "nominal": p.nominal,
                "dose": p.dose,
                "scans": p.rows,
            })
        })
        .collect();
    json!({
        "name": study.name,
        "kind": "cell_tracking",
        "version": crate::VERSION,
        "study_file": study.file.display().to_string(),
        "phantom": { "name": r.phantom.name, "scan_dims": r.phantom.grid.dims, "voxel_mm": r.phantom.grid.spacing_mm },
        "scanner": r.scanner,
        "scan_times_h": study.scans.times_h,
        "scan_duration_s": study.scans.duration_s,
        "seed": study.scans.seed,
        "positron_histories": study.scans.positron_histories,
        "cnr_threshold": study.detection.cnr_threshold,
        "cells_administered": study.cells.number,
        "points": points,
        "overtakes": r.overtakes,
        "figures": figures,
        "elapsed_s": elapsed_s,
    })
}

/// Writes the tables into `out` (which must exist).
///
/// # Errors
/// A file that cannot be written.
pub fn write_tables(r: &CellTrackingResult, out: &Path) -> Result<()> {
    let mut first = true;
    for p in r.points.iter().filter(|p| p.nominal) {
        let csv = detectability_csv(p);
        if first {
            write_atomic(&out.join("detectability.csv"), csv.as_bytes())?;
            first = false;
        }
        let dir = out.join(&p.point.strategy);
        create_dir(&dir)?;
        write_atomic(&dir.join("detectability.csv"), csv.as_bytes())?;
    }
    write_atomic(&out.join("cell_dose.csv"), cell_dose_csv(r).as_bytes())?;
    write_atomic(&out.join("sweep.csv"), sweep_csv(r).as_bytes())
}
