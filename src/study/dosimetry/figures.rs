//! Figures of a dosimetry study: the TAC fit of each region (`tac/<region>.png`) and the
//! comparison of the dose methods (`comparison.png`, `comparison_voxels.png`).

use super::regions::RegionResult;
use crate::dosimetry::kinetics::TacFit;
use crate::phantom::Phantom;
use crate::plot::tac::{tac_png, TacFigure};
use crate::plot::{self, Series};
use anyhow::Result;
use std::path::Path;

/// The comparison figures: `comparison_voxels.png`, the histogram of voxel differences per
/// method against the reference (`hist_series`: name, (bin centre %, fraction) points), only
/// when there is a second method (else a message says why it is not written); and
/// `comparison.png`, the region mean dose per cycle by method as grouped bars, the reference's
/// with its one-sigma Monte Carlo error bar. `series_pts` (region means against the reference)
/// is kept for callers; the bars show the same numbers.
///
/// # Errors
/// When a figure cannot be written.
pub fn comparison_figures(
    out: &Path,
    reference: &str,
    hist_series: &[(String, Vec<(f64, f64)>)],
    series_pts: &[(String, Vec<(f64, f64)>)],
    regions: &[RegionResult],
) -> Result<()> {
    let _ = series_pts;
    let hs: Vec<Series> = hist_series
        .iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(n, p)| Series {
            name: n,
            points: p,
            y_err: None,
            y_band: None,
            scatter: false,
        })
        .collect();
    if hs.is_empty() {
        eprintln!(
            "comparison_voxels.png not written: only {reference} ran, no second method to \
             compare its voxels with (add \"vsv\" or \"ldm\" to [dose] methods)"
        );
    } else {
        plot::written(plot::line_png(
            &out.join("comparison_voxels.png"),
            &format!(
                "Voxel dose differences against {reference} (voxels above 10% of its maximum)"
            ),
            &format!("relative difference from {reference} (%)"),
            "fraction of voxels per 1% bin",
            &hs,
            false,
        ))?;
    }
    method_bars(&out.join("comparison.png"), reference, regions).map(|_| ())
}

/// The region mean dose per cycle by method as grouped bars (the reference first, with its
/// one-sigma error bar).
fn method_bars(path: &Path, reference: &str, regions: &[RegionResult]) -> Result<bool> {
    if regions.is_empty() {
        return Ok(false);
    }
    let mut methods: Vec<&str> = vec![reference];
    for m in regions[0].mean_gy.keys() {
        if m != reference {
            methods.push(m);
        }
    }
    let categories: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
    let values: Vec<Vec<f64>> = methods
        .iter()
        .map(|m| {
            regions
                .iter()
                .map(|r| r.mean_gy.get(*m).copied().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let sigma: Vec<f64> = regions
        .iter()
        .map(|r| r.rel_uncertainty * r.mean_gy.get(reference).copied().unwrap_or(0.0))
        .collect();
    let names: Vec<String> = methods.iter().map(|m| method_name(m)).collect();
    let groups: Vec<plot::BarGroup> = names
        .iter()
        .zip(&values)
        .map(|(name, values)| plot::BarGroup { name, values })
        .collect();
    let fig = plot::BarFigure {
        title: "Region mean absorbed dose per cycle by method",
        x_label: "region",
        y_label: "mean absorbed dose per cycle (Gy)",
        categories: &categories,
        groups: &groups,
        ref_lines: &[],
    };
    plot::written(plot::grouped_bar_png(path, &fig, &[Some(&sigma)]))
}

/// The legend name of a dose method.
fn method_name(m: &str) -> String {
    match m {
        "mc" => "Monte Carlo (mc)".into(),
        "vsv" => "voxel S-values (vsv)".into(),
        "ldm" => "local deposition (ldm)".into(),
        "organ-s" => "organ S-values (organ-s)".into(),
        other => other.into(),
    }
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
