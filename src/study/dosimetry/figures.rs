//! Figures of a dosimetry study: the TAC fit of each region (`tac/<region>.png`) and the
//! comparison of the dose methods (`comparison.png`, `comparison_voxels.png`).

use super::regions::RegionResult;
use crate::dosimetry::kinetics::TacFit;
use crate::phantom::Phantom;
use crate::plot::tac::{tac_png, TacFigure};
use crate::plot::{self, Series};
use anyhow::Result;
use std::path::Path;

/// The comparison figures: the histogram of voxel differences per method (`hist_series`:
/// name, (bin centre %, fraction) points) and the region means of each method against the
/// reference (`series_pts`).
///
/// # Errors
/// When a PNG cannot be written.
pub fn comparison_figures(
    out: &Path,
    reference: &str,
    hist_series: &[(String, Vec<(f64, f64)>)],
    series_pts: &[(String, Vec<(f64, f64)>)],
    regions: &[RegionResult],
) -> Result<()> {
    let hs: Vec<Series> = hist_series
        .iter()
        .map(|(n, p)| Series {
            name: n,
            points: p,
            y_err: None,
        })
        .collect();
    plot::line_png(
        &out.join("comparison_voxels.png"),
        &format!("Voxel dose differences against {reference} (voxels above 10% of its maximum)"),
        "relative difference (%)",
        "fraction of voxels per 1% bin",
        &hs,
        false,
    )?;
    let top = regions
        .iter()
        .map(|r| r.mean_gy[reference])
        .fold(0.0, f64::max)
        * 1.05;
    let identity = vec![(0.0, 0.0), (top, top)];
    let mut series = vec![Series {
        name: "identity",
        points: &identity,
        y_err: None,
    }];
    for (name, pts) in series_pts {
        series.push(Series {
            name,
            points: pts,
            y_err: None,
        });
    }
    plot::line_png(
        &out.join("comparison.png"),
        &format!("Region mean dose per cycle: methods against {reference}"),
        &format!("{reference} dose (Gy)"),
        "method dose (Gy)",
        &series,
        false,
    )
}

/// Histogram of relative differences in 1% bins from -50% to +50% (fraction per bin; outside
/// values go to the end bins), as (bin centre in %, fraction) points.
pub fn histogram(diffs: &[f64]) -> Vec<(f64, f64)> {
    let mut h = vec![0.0; 101];
    for d in diffs {
        let b = ((d * 100.0).round() + 50.0).clamp(0.0, 100.0) as usize;
        h[b] += 1.0;
    }
    let n = diffs.len().max(1) as f64;
    h.iter()
        .enumerate()
        .map(|(b, c)| (b as f64 - 50.0, c / n))
        .collect()
}

/// TAC figure of one region: image values (MBq) with the fit and its 95% band.
///
/// # Errors
/// An unknown region, a PNG that cannot be written.
pub fn tac_figure(
    path: &Path,
    region: &str,
    times: &[f64],
    stack: &[&[f64]],
    ph: &Phantom,
    fit: &TacFit,
) -> Result<()> {
    let id = ph.region_id(region)?;
    let vox = ph.region_voxels(id);
    let values: Vec<f64> = stack
        .iter()
        .map(|img| vox.iter().map(|&v| img[v as usize]).sum::<f64>() * 1e-6)
        .collect();
    let t_end = times.last().copied().unwrap_or(1.0) * 1.3;
    let ts: Vec<f64> = (0..=200).map(|i| t_end * i as f64 / 200.0).collect();
    let curve: Vec<(f64, f64)> = ts.iter().map(|&t| (t, fit.eval(t) * 1e-6)).collect();
    let sd: Vec<f64> = ts
        .iter()
        .map(|&t| fit.eval_sd(t).unwrap_or(0.0) * 1e-6)
        .collect();
    let lo: Vec<f64> = curve
        .iter()
        .zip(&sd)
        .map(|(c, s)| (c.1 - 1.96 * s).max(0.0))
        .collect();
    let hi: Vec<f64> = curve.iter().zip(&sd).map(|(c, s)| c.1 + 1.96 * s).collect();
    let label = format!("{} fit, TIA {:.3e} MBq h", fit.model.name(), fit.tia * 1e-6);
    tac_png(
        path,
        &TacFigure {
            title: &format!("{region}: time-activity curve (image region sum)"),
            y_label: "activity (MBq)",
            times_h: times,
            values: &values,
            errors: None,
            curve: &curve,
            curve_label: &label,
            band: Some((&lo, &hi)),
        },
    )
}
