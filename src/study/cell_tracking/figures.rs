//! Figures of a cell-tracking study: the PET montage over time per strategy (coronal panels
//! through the migration regions, one per scan, over the phantom density), detectable cells
//! against time (cells present and the minimum detectable per region, one panel per strategy),
//! and the protocol's trade-off (nucleus dose and minimum detectable cells against the activity
//! per cell).

use super::run::{CellTrackingResult, PointResult};
use super::spec::CellTrackingStudy;
use crate::plot::{self, Colormap, LinePanel, MapFigure, MapPanel, Plane, Series};
use anyhow::Result;
use std::path::Path;

/// Writes every figure into `out`; returns the names of those written (each by its PNG, or by
/// its first format when `[figures] formats` has no PNG).
///
/// # Errors
/// A figure that cannot be written.
pub fn write_figures(
    study: &CellTrackingStudy,
    out: &Path,
    r: &CellTrackingResult,
) -> Result<Vec<String>> {
    plot::with_figures(&study.figures, || {
        let mut names = Vec::new();
        for p in r.points.iter().filter(|p| p.nominal) {
            let name = format!("pet_montage_{}.png", p.point.strategy);
            if montage(study, r, p, &out.join(&name))? {
                names.push(name);
            }
        }
        if detectable_vs_time(study, r, &out.join("detectable_cells.png"))? {
            names.push("detectable_cells.png".into());
        }
        if trade_off(study, r, &out.join("dose_vs_detectability.png"))? {
            names.push("dose_vs_detectability.png".into());
        }
        // name each figure by a file that was written: the PNG, else the first other format
        let formats = plot::current().formats;
        let ext = ["png", "svg", "pdf"]
            .into_iter()
            .find(|e| formats.iter().any(|f| f == e))
            .unwrap_or("png");
        Ok(names
            .iter()
            .map(|n| n.replace(".png", &format!(".{ext}")))
            .collect())
    })
}

/// The voxel the montage's coronal plane passes through: the mass centre of the migration
/// regions.
fn through(study: &CellTrackingStudy, r: &CellTrackingResult) -> [usize; 3] {
    let ph = &r.phantom;
    let ids: Vec<u16> = study
        .migration
        .regions
        .iter()
        .filter_map(|n| ph.region_id(n).ok())
        .collect();
    let (mut s, mut n) = ([0.0; 3], 0.0);
    for v in (0..ph.len()).filter(|&v| ids.contains(&ph.label[v])) {
        let (i, j, k) = ph.ijk(v);
        s[0] += i as f64;
        s[1] += j as f64;
        s[2] += k as f64;
        n += 1.0;
    }
    let d = ph.grid.dims;
    if n == 0.0 {
        return [d[0] / 2, d[1] / 2, d[2] / 2];
    }
    [0, 1, 2].map(|a| ((s[a] / n).round() as usize).min(d[a] - 1))
}

fn montage(
    study: &CellTrackingStudy,
    r: &CellTrackingResult,
    p: &PointResult,
    path: &Path,
) -> Result<bool> {
    let labels: Vec<String> = study
        .scans
        .times_h
        .iter()
        .map(|t| format!("{t} h"))
        .collect();
    let panels: Vec<MapPanel> = p
        .images
        .iter()
        .zip(&labels)
        .map(|(img, l)| MapPanel {
            values: img,
            plane: Plane::Coronal,
            label: l,
        })
        .collect();
    let density: Vec<f64> = r.phantom.density.iter().map(|&d| d as f64).collect();
    let ids: Vec<u16> = study
        .migration
        .regions
        .iter()
        .filter_map(|n| r.phantom.region_id(n).ok())
        .collect();
    let title = format!(
        "{}: {} ({:.3} Bq per cell), simulated PET over time",
        study.name, p.point.strategy, p.point.activity_per_cell_bq
    );
    plot::written(plot::map_png(
        path,
        &MapFigure {
            title: &title,
            grid: &r.phantom.grid,
            panels: &panels,
            through: through(study, r),
            colorbar_label: "reconstructed activity (Bq/mL)",
            colormap: Colormap::Inferno,
            range: None,
            log_scale: true,
            anatomy: Some(&density),
            anatomy_window: (0.0, 2.0),
            labels: Some(&r.phantom.label),
            outline: &ids,
            isolevels: &[],
            iso_unit: "Bq/mL",
            notes: &[],
        },
    ))
}

fn detectable_vs_time(
    study: &CellTrackingStudy,
    r: &CellTrackingResult,
    path: &Path,
) -> Result<bool> {
    let nominal: Vec<&PointResult> = r.points.iter().filter(|p| p.nominal).collect();
    let mut curves: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
    let mut names: Vec<Vec<String>> = Vec::new();
    for p in &nominal {
        let (mut c, mut n) = (Vec::new(), Vec::new());
        for region in &study.migration.regions {
            let rows: Vec<_> = p.rows.iter().filter(|x| &x.region == region).collect();
            c.push(rows.iter().map(|x| (x.time_h, x.cells)).collect());
            n.push(format!("{region}: cells"));
            c.push(
                rows.iter()
                    .map(|x| (x.time_h, x.min_detectable_cells))
                    .collect(),
            );
            n.push(format!("{region}: minimum detectable"));
        }
        curves.push(c);
        names.push(n);
    }
    let series: Vec<Vec<Series>> = curves
        .iter()
        .zip(&names)
        .map(|(c, n)| {
            c.iter()
                .zip(n)
                .map(|(pts, name)| Series {
                    name,
                    points: pts,
                    y_err: None,
                    y_band: None,
                    scatter: false,
                })
                .collect()
        })
        .collect();
    let panels: Vec<LinePanel> = nominal
        .iter()
        .zip(&series)
        .map(|(p, s)| LinePanel {
            title: &p.point.strategy,
            x_label: "time after administration (h)",
            y_label: "cells",
            series: s,
            log_y: true,
        })
        .collect();
    let title = format!(
        "{}: cells per region and the fewest PET detects (CNR >= {})",
        study.name, study.detection.cnr_threshold
    );
    plot::written(plot::line_panels_png(path, &title, &panels))
}

fn trade_off(study: &CellTrackingStudy, r: &CellTrackingResult, path: &Path) -> Result<bool> {
    // direct strategies with several activities
    let mut strategies: Vec<&str> = r.points.iter().map(|p| p.point.strategy.as_str()).collect();
    strategies.dedup();
    let t_first = study.scans.times_h.first().copied().unwrap_or(0.0);
    let t_last = study.scans.times_h.last().copied().unwrap_or(0.0);
    let mut dose = Vec::new();
    let mut det = Vec::new();
    let mut names = Vec::new();
    for s in &strategies {
        let mut pts: Vec<&PointResult> =
            r.points.iter().filter(|p| p.point.strategy == *s).collect();
        pts.sort_by(|a, b| {
            a.point
                .activity_per_cell_bq
                .total_cmp(&b.point.activity_per_cell_bq)
        });
        dose.push(
            pts.iter()
                .map(|p| (p.point.activity_per_cell_bq, p.dose.nucleus_dose_gy))
                .collect::<Vec<_>>(),
        );
        names.push(s.to_string());
        for (t, tag) in [(t_first, "first"), (t_last, "last")] {
            // the region with the most cells at that scan
            let best = |p: &PointResult| {
                p.rows
                    .iter()
                    .filter(|x| x.time_h == t)
                    .max_by(|a, b| a.cells.total_cmp(&b.cells))
                    .map_or(f64::NAN, |x| x.min_detectable_cells)
            };
            det.push((
                format!("{s}: {tag} scan ({t} h)"),
                pts.iter()
                    .map(|p| (p.point.activity_per_cell_bq, best(p)))
                    .collect::<Vec<_>>(),
            ));
        }
    }
    let ds: Vec<Series> = dose
        .iter()
        .zip(&names)
        .map(|(p, n)| Series {
            name: n,
            points: p,
            y_err: None,
            y_band: None,
            scatter: false,
        })
        .collect();
    let dt: Vec<Series> = det
        .iter()
        .map(|(n, p)| Series {
            name: n,
            points: p,
            y_err: None,
            y_band: None,
            scatter: false,
        })
        .collect();
    let title = format!("{}: nucleus dose against detectability", study.name);
    plot::written(plot::line_panels_png(
        path,
        &title,
        &[
            LinePanel {
                title: "nucleus dose of a labelled cell",
                x_label: "activity per cell (Bq)",
                y_label: "nucleus dose (Gy)",
                series: &ds,
                log_y: true,
            },
            LinePanel {
                title: "minimum detectable cells (region with most cells)",
                x_label: "activity per cell (Bq)",
                y_label: "cells",
                series: &dt,
                log_y: true,
            },
        ],
    ))
}
