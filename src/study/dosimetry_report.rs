//! Tables and figures of a dosimetry study: per-region results (`doses.csv`) and the
//! comparison of the dose methods against the first (`comparison.csv`, `comparison.png`,
//! voxel-level statistics in `comparison.json` and their histogram `comparison_voxels.png`).

use super::dosimetry_images::region_tia_bq_h;
use super::dosimetry_study::{DosimetrySpec, RegionResult};
use super::output;
use crate::dosimetry::kinetics::TacFit;
use crate::dosimetry::regions::RegionDose;
use crate::io::read_volume;
use crate::phantom::Phantom;
use crate::plot::{self, Series};
use anyhow::{anyhow, Result};
use serde_json::json;
use std::collections::BTreeMap;
use std::f64::consts::LN_2;
use std::fmt::Write as _;
use std::path::Path;

/// Name of the organ-level MIRD dose (sum over sources of TIA x S) in the comparisons.
pub const ORGAN_S: &str = "organ-s";

/// Uptake half-time (h) of a fitted TAC: with a negative term (uptake), ln2 over the difference
/// between its rate and the slowest positive rate; 0 without one.
fn uptake_half_time_h(terms: &[(f64, f64)]) -> f64 {
    let slow = terms
        .iter()
        .filter(|t| t.0 > 0.0)
        .map(|t| t.1)
        .fold(f64::INFINITY, f64::min);
    terms
        .iter()
        .filter(|t| t.0 < 0.0 && t.1 > slow)
        .map(|t| LN_2 / (t.1 - slow))
        .fold(0.0, f64::max)
}

/// Per-region results of the kinetics regions.
pub fn region_results(
    spec: &DosimetrySpec,
    ph: &Phantom,
    ids: &[u16],
    fits: &[TacFit],
    per_method: &[(String, Vec<RegionDose>)],
    alpha_gy: &[f64],
    lambda_phys_per_h: f64,
) -> Result<Vec<RegionResult>> {
    let a0 = spec.therapy.activity_per_cycle_mbq * 1e6;
    let mut out = Vec::new();
    for ((k, &id), fit) in spec.kinetics.iter().zip(ids).zip(fits) {
        let row = |m: usize| -> Result<&RegionDose> {
            per_method[m]
                .1
                .iter()
                .find(|r| r.name == k.region)
                .ok_or_else(|| {
                    anyhow!(
                        "region {} missing from the {} doses",
                        k.region,
                        per_method[m].0
                    )
                })
        };
        let reference = row(0)?;
        let mut mean_gy = BTreeMap::new();
        for (m, (name, _)) in per_method.iter().enumerate() {
            mean_gy.insert(name.clone(), row(m)?.mean_gy);
        }
        let vox = ph.region_voxels(id);
        let mass: f64 = vox.iter().map(|&v| ph.voxel_mass_g(v as usize)).sum();
        let alpha = if mass > 0.0 {
            vox.iter()
                .map(|&v| alpha_gy[v as usize] * ph.voxel_mass_g(v as usize))
                .sum::<f64>()
                / mass
        } else {
            0.0
        };
        let terms = fit.exponential_terms().unwrap_or_default();
        let rbe = spec.therapy.rbe_alpha;
        out.push(RegionResult {
            name: k.region.clone(),
            mass_g: reference.mass_g,
            tia_mbq_h: fit.tia * 1e-6,
            tia_rel_uncertainty: fit.tia_rel_uncertainty().unwrap_or(0.0),
            tia_true_mbq_h: region_tia_bq_h(k, a0, lambda_phys_per_h) * 1e-6,
            tia_model: fit.model.name().to_string(),
            effective_half_life_h: fit
                .effective_half_life_h
                .unwrap_or(LN_2 / lambda_phys_per_h),
            uptake_half_time_h: uptake_half_time_h(&terms),
            mean_gy,
            rel_uncertainty: reference.rel_uncertainty,
            d90_gy: reference.d90_gy,
            d50_gy: reference.d50_gy,
            d2_gy: reference.d2_gy,
            max_gy: reference.max_gy,
            alpha_gy: alpha,
            rbe_weighted_gy: reference.mean_gy - alpha + rbe * alpha,
            mean_gy_total: reference.mean_gy * spec.therapy.cycles as f64,
            exponential_terms: terms,
        });
    }
    Ok(out)
}

/// Writes `doses.csv`, `comparison.csv`, `comparison.json` and `comparison.png`.
pub fn write_tables(
    spec: &DosimetrySpec,
    out: &Path,
    ph: &Phantom,
    regions: &[RegionResult],
    per_method: &[(String, Vec<RegionDose>)],
    reference_dose: &[f64],
) -> Result<()> {
    // the dose-map methods, then the organ-level MIRD dose when the study computed it
    let mut methods: Vec<&str> = per_method.iter().map(|m| m.0.as_str()).collect();
    if regions
        .first()
        .is_some_and(|r| r.mean_gy.contains_key(ORGAN_S))
    {
        methods.push(ORGAN_S);
    }
    let cycles = spec.therapy.cycles;
    let mut csv = String::from(
        "region,mass_g,tia_mbq_h,tia_rel_uncertainty,tia_coefficient_h,tia_true_mbq_h,tia_model,effective_half_life_h,uptake_half_time_h",
    );
    for m in &methods {
        let _ = write!(csv, ",{m}_gy_per_cycle");
    }
    let _ = writeln!(
        csv,
        ",rel_uncertainty,d90_gy,d50_gy,d2_gy,max_gy,alpha_gy_per_cycle,rbe_weighted_gy_per_cycle,cycles,mean_gy_all_cycles,rbe_weighted_gy_all_cycles"
    );
    for r in regions {
        let _ = write!(
            csv,
            "{},{:.3},{:.6e},{:.4},{:.4e},{:.6e},{},{:.2},{:.2}",
            r.name,
            r.mass_g,
            r.tia_mbq_h,
            r.tia_rel_uncertainty,
            r.tia_mbq_h / spec.therapy.activity_per_cycle_mbq,
            r.tia_true_mbq_h,
            r.tia_model,
            r.effective_half_life_h,
            r.uptake_half_time_h
        );
        for m in &methods {
            let _ = write!(csv, ",{:.6e}", r.mean_gy[*m]);
        }
        let _ = writeln!(
            csv,
            ",{:.4e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{cycles},{:.6e},{:.6e}",
            r.rel_uncertainty,
            r.d90_gy,
            r.d50_gy,
            r.d2_gy,
            r.max_gy,
            r.alpha_gy,
            r.rbe_weighted_gy,
            r.mean_gy_total,
            r.rbe_weighted_gy * cycles as f64
        );
    }
    output::write_atomic(&out.join("doses.csv"), csv.as_bytes())?;
    // comparison per region
    let reference = methods[0];
    let mut cmp = String::from("region,mass_g");
    for m in &methods {
        let _ = write!(cmp, ",{m}_gy");
    }
    for m in methods.iter().skip(1) {
        let _ = write!(cmp, ",{m}_vs_{reference}_percent");
    }
    cmp.push('\n');
    for r in regions {
        let base = r.mean_gy[reference];
        let _ = write!(cmp, "{},{:.3}", r.name, r.mass_g);
        for m in &methods {
            let _ = write!(cmp, ",{:.6e}", r.mean_gy[*m]);
        }
        for m in methods.iter().skip(1) {
            let _ = write!(cmp, ",{:.2}", 100.0 * (r.mean_gy[*m] / base - 1.0));
        }
        cmp.push('\n');
    }
    output::write_atomic(&out.join("comparison.csv"), cmp.as_bytes())?;
    // voxel level: relative differences in the voxels above 10% of the reference maximum
    let max = (0..ph.len())
        .filter(|&v| ph.density[v] >= 0.01)
        .map(|v| reference_dose[v])
        .fold(0.0, f64::max);
    let mut voxel_stats = serde_json::Map::new();
    let mut series_pts = Vec::new();
    let mut hist_series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for m in per_method.iter().skip(1).map(|x| x.0.as_str()) {
        let d = read_volume(&out.join(format!("dose_{m}")).join("dose.nii.gz"))?.data;
        let diffs: Vec<f64> = (0..ph.len())
            .filter(|&v| ph.density[v] >= 0.01 && reference_dose[v] > 0.1 * max)
            .map(|v| d[v] / reference_dose[v] - 1.0)
            .collect();
        let n = diffs.len().max(1) as f64;
        let mean = diffs.iter().sum::<f64>() / n;
        let sd = (diffs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        hist_series.push((format!("{m} vs {reference}"), histogram(&diffs)));
        voxel_stats.insert(
            m.to_string(),
            json!({"voxels": diffs.len(), "mean_relative_difference": mean, "sd_relative_difference": sd,
                "threshold_gy": 0.1 * max}),
        );
    }
    for m in methods.iter().skip(1) {
        let mut pts: Vec<(f64, f64)> = regions
            .iter()
            .map(|r| (r.mean_gy[reference], r.mean_gy[*m]))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        series_pts.push((format!("{m} (region means)"), pts));
    }
    output::write_atomic(
        &out.join("comparison.json"),
        serde_json::to_string_pretty(&json!({"reference": reference, "voxels": voxel_stats}))?
            .as_bytes(),
    )?;
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
    for (name, pts) in &series_pts {
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
fn histogram(diffs: &[f64]) -> Vec<(f64, f64)> {
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
