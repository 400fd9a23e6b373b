//! Per-region results of a patient study: the region TAC (recovery-corrected), its fit and
//! TIA, and the rows of `doses.csv` per dose method.

use super::spec::PatientSpec;
use crate::dosimetry::kinetics::{fit_tac, Model, ModelChoice, TacFit, TacOptions, Weights};
use crate::dosimetry::regions::RegionDose;
use crate::error::spec_error;
use crate::phantom::Phantom;
use crate::spec_bail;
use crate::study::dose::DoseResult;
use anyhow::Result;
use serde::Serialize;
use std::f64::consts::LN_2;

/// Relative standard deviation given to each point of a region TAC (relative weights: the fit
/// scales the covariance by the reduced chi-square, so only the ratios matter).
pub const TAC_REL_SIGMA: f64 = 0.05;

/// One reported region.
#[derive(Clone, Debug, Serialize)]
pub struct PatientRegion {
    pub name: String,
    /// label id in the phantom
    pub id: u16,
    /// volume of the region's voxels (mL) and their mass (g, CT density)
    pub volume_ml: f64,
    pub mass_g: f64,
    /// recovery coefficient applied (1 without `[recovery]`)
    pub recovery_coefficient: f64,
    /// region activity at each scan as imaged (Bq) and divided by the recovery coefficient
    pub tac_imaged_bq: Vec<f64>,
    pub tac_bq: Vec<f64>,
    /// TIA of the fitted corrected TAC (MBq h), its relative uncertainty (1 sigma) and model
    pub tia_mbq_h: f64,
    pub tia_rel_uncertainty: f64,
    pub tia_model: String,
    /// effective half-life of the slowest fitted washout (h); the physical one for the
    /// trapezoid
    pub effective_half_life_h: f64,
    /// the fit (None for a region without activity)
    #[serde(skip)]
    pub fit: Option<TacFit>,
}

/// The region ids to report: every region of the phantom with voxels, or those named in
/// `regions.rois`.
///
/// # Errors
/// An unknown or empty ROI in `regions.rois` (the names found are listed).
pub fn report_ids(spec: &PatientSpec, ph: &Phantom) -> Result<Vec<u16>> {
    let names: Vec<&str> = ph.regions.iter().skip(1).map(|r| r.name.as_str()).collect();
    if spec.regions.rois.is_empty() {
        let mut ids = Vec::new();
        for id in 1..ph.regions.len() as u16 {
            if ph.region_voxels(id).is_empty() {
                eprintln!(
                    "patient: ROI '{}' covers no voxel of the CT grid; left out",
                    ph.regions[id as usize].name
                );
            } else {
                ids.push(id);
            }
        }
        return Ok(ids);
    }
    let mut ids = Vec::new();
    for r in &spec.regions.rois {
        let id = ph.region_id(r).map_err(|_| {
            spec_error(
                "regions.rois",
                format!(
                    "'{r}' is not a region of the structures; found: {}",
                    names.join(", ")
                ),
            )
        })?;
        if ph.region_voxels(id).is_empty() {
            spec_bail!("regions.rois", "'{r}' covers no voxel of the CT grid");
        }
        ids.push(id);
    }
    Ok(ids)
}

/// The model choice of `dose.tia_model`.
///
/// # Errors
/// An unknown model name.
pub fn model_choice(name: &str) -> Result<ModelChoice> {
    Ok(match name {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
            spec_error(
                "dose.tia_model",
                format!("'{m}': expected auto, mono, bi, tri, uptake or trapezoid"),
            )
        })?),
    })
}

/// Fits one region's corrected TAC; a failing fit falls back to the trapezoid with the
/// physical-decay tail (said on stderr).
fn fit(name: &str, times: &[f64], y: &[f64], opts: &TacOptions) -> Result<Option<TacFit>> {
    let y_max = y.iter().cloned().fold(0.0, f64::max);
    if y_max <= 0.0 {
        return Ok(None);
    }
    let sigma: Vec<f64> = y
        .iter()
        .map(|v| TAC_REL_SIGMA * v.max(1e-3 * y_max))
        .collect();
    match fit_tac(times, y, Weights::Relative(&sigma), opts) {
        Ok(f) => Ok(Some(f)),
        Err(e) => {
            eprintln!("patient: region {name}: {e:#}; trapezoid with physical-decay tail instead");
            let mut o = *opts;
            o.choice = ModelChoice::Fixed(Model::Trapezoid);
            Ok(Some(fit_tac(times, y, Weights::Relative(&sigma), &o)?))
        }
    }
}

/// The reported regions with their TACs (`tacs[r][j]`, Bq, as imaged) corrected and fitted.
///
/// # Errors
/// A fit that fails even as a trapezoid.
pub fn fitted_regions(
    spec: &PatientSpec,
    ph: &Phantom,
    ids: &[u16],
    times: &[f64],
    tacs: &[Vec<f64>],
    lambda_phys_per_h: f64,
) -> Result<Vec<PatientRegion>> {
    let opts = TacOptions::new(model_choice(&spec.dose.tia_model)?, Some(lambda_phys_per_h));
    let mut out = Vec::new();
    for (&id, tac) in ids.iter().zip(tacs) {
        let name = ph.regions[id as usize].name.clone();
        let vox = ph.region_voxels(id);
        let volume_ml = vox.len() as f64 * ph.grid.voxel_volume_cm3();
        let rc = spec
            .recovery
            .as_ref()
            .map_or(1.0, |r| r.coefficient(volume_ml));
        let y: Vec<f64> = tac.iter().map(|a| a / rc).collect();
        let f = fit(&name, times, &y, &opts)?;
        out.push(PatientRegion {
            mass_g: vox.iter().map(|&v| ph.voxel_mass_g(v as usize)).sum(),
            volume_ml,
            recovery_coefficient: rc,
            tac_imaged_bq: tac.clone(),
            tac_bq: y,
            tia_mbq_h: f.as_ref().map_or(0.0, |f| f.tia * 1e-6),
            tia_rel_uncertainty: f
                .as_ref()
                .and_then(|f| f.tia_rel_uncertainty())
                .unwrap_or(0.0),
            tia_model: f.as_ref().map_or("none", |f| f.model.name()).to_string(),
            effective_half_life_h: f
                .as_ref()
                .and_then(|f| f.effective_half_life_h)
                .unwrap_or(LN_2 / lambda_phys_per_h),
            fit: f,
            name,
            id,
        });
    }
    Ok(out)
}

/// One row of `doses.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct DoseRow {
    pub method: String,
    pub region: String,
    pub mass_g: f64,
    pub tia_mbq_h: f64,
    pub effective_half_life_h: f64,
    pub mean_gy: f64,
    pub gy_per_gbq: f64,
    pub d98_gy: f64,
    pub d50_gy: f64,
    pub d2_gy: f64,
    pub rel_uncertainty: f64,
}

/// The rows of `doses.csv`: every reported region for every method, methods in order.
pub fn dose_rows(
    regions: &[PatientRegion],
    doses: &[DoseResult],
    injected_mbq: f64,
) -> Vec<DoseRow> {
    let mut rows = Vec::new();
    for d in doses {
        for r in regions {
            let Some(rd): Option<&RegionDose> = d.regions.iter().find(|x| x.name == r.name) else {
                continue;
            };
            rows.push(DoseRow {
                method: d.spec.method.name().to_string(),
                region: r.name.clone(),
                mass_g: rd.mass_g,
                tia_mbq_h: r.tia_mbq_h,
                effective_half_life_h: r.effective_half_life_h,
                mean_gy: rd.mean_gy,
                gy_per_gbq: rd.mean_gy / (injected_mbq * 1e-3),
                d98_gy: rd.d98_gy,
                d50_gy: rd.d50_gy,
                d2_gy: rd.d2_gy,
                rel_uncertainty: rd.rel_uncertainty,
            });
        }
    }
    rows
}
