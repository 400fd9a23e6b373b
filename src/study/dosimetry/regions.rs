//! Per-region results of a dosimetry study: the fitted TIA and kinetics, the mean dose per
//! method, dose-volume metrics, the alpha part, and the organ-level MIRD dose.

use super::cells::{labelled_cell_dose, CellDoseInputs, LabelledCellDose};
use super::images::region_tia_bq_h;
use super::spec::DosimetrySpec;
use crate::dosimetry::kinetics::TacFit;
use crate::dosimetry::regions::RegionDose;
use crate::dosimetry::svalues::SvalueTable;
use crate::phantom::Phantom;
use anyhow::{anyhow, Context as _, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::f64::consts::LN_2;

/// Per-region results of a dosimetry study (doses per cycle unless named `_total`).
#[derive(Clone, Debug, Serialize)]
pub struct RegionResult {
    pub name: String,
    pub mass_g: f64,
    /// TIA per cycle from the fit of the region's image TAC (MBq h) and its relative
    /// uncertainty; the true (model) TIA beside it
    pub tia_mbq_h: f64,
    pub tia_rel_uncertainty: f64,
    pub tia_true_mbq_h: f64,
    pub tia_model: String,
    /// effective half-life of the fitted washout (h) and uptake half-time (h, 0 if instant)
    pub effective_half_life_h: f64,
    pub uptake_half_time_h: f64,
    /// mean absorbed dose per cycle by method name ("mc", "vsv", "ldm", "organ-s")
    pub mean_gy: std::collections::BTreeMap<String, f64>,
    /// relative uncertainty (1 sigma) of the reference (first method's) mean dose
    pub rel_uncertainty: f64,
    pub d90_gy: f64,
    pub d50_gy: f64,
    pub d2_gy: f64,
    pub max_gy: f64,
    /// alpha part of the reference mean dose per cycle (Gy, 0 without alphas) and the
    /// RBE-weighted mean dose per cycle
    pub alpha_gy: f64,
    pub rbe_weighted_gy: f64,
    /// over all cycles
    pub mean_gy_total: f64,
    /// the fitted TAC as signed exponential terms (amplitude in Bq, rate per h), for the
    /// G-factor of the BED; empty for the trapezoid
    pub exponential_terms: Vec<(f64, f64)>,
}

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

/// Organ-level MIRD doses: S-values of the kinetics regions as sources (all regions as targets)
/// by Monte Carlo, and each kinetics region's dose per cycle = sum over sources of the fitted
/// TIA x S(region <- source), stored as method [`ORGAN_S`]. Returns the S-value table.
///
/// # Errors
/// A failing S-value run.
pub fn organ_doses(
    ctx: &crate::context::Context,
    spec: &DosimetrySpec,
    threads: Option<usize>,
    regions: &mut [RegionResult],
) -> Result<SvalueTable> {
    eprintln!("dosimetry: organ S-values");
    let file = crate::dosimetry::svalues::nuclide_run_file(
        &spec.phantom.builtin,
        Some(spec.phantom.voxel_mm),
        &spec.phantom.groups,
        (&spec.therapy.nuclide, spec.therapy.decay_data),
        spec.therapy.chain,
        spec.dose.organ_s_histories,
        spec.dose.seed,
    )?;
    let sources: Vec<String> = spec.kinetics.iter().map(|k| k.region.clone()).collect();
    let table = crate::dosimetry::svalues::compute(ctx, file, &sources, threads)?;
    let tia: Vec<(String, f64)> = regions
        .iter()
        .map(|r| (r.name.clone(), r.tia_mbq_h * 3600.0))
        .collect();
    let doses = table.organ_dose_gy(&tia)?;
    for r in regions.iter_mut() {
        if let Some((_, d)) = doses.iter().find(|(n, _)| *n == r.name) {
            r.mean_gy.insert(ORGAN_S.to_string(), *d);
        }
    }
    Ok(table)
}

/// The nucleus dose of the labelled cells of every region given as labelled cells
/// ([`super::cells`]): self-dose from the region's model TIA per cell, cross-dose the region's
/// mean dose by the reference (first) method.
///
/// # Errors
/// An unknown nuclide or cellular S values that cannot be computed.
pub fn labelled_cell_doses(
    ctx: &crate::context::Context,
    spec: &DosimetrySpec,
    regions: &[RegionResult],
    lambda_phys_per_h: f64,
) -> Result<Vec<LabelledCellDose>> {
    let method = &spec.dose.methods[0];
    let input = CellDoseInputs {
        nuclide: &spec.therapy.nuclide,
        chain: spec.therapy.chain,
        decay_data: spec.therapy.decay_data_used()?,
        cycles: spec.therapy.cycles,
        method,
    };
    let a0 = spec.therapy.activity_per_cycle_mbq * 1e6;
    let mut out = Vec::new();
    for (i, k) in spec.kinetics.iter().enumerate() {
        let Some(lc) = &k.labelled_cells else {
            continue;
        };
        let r = regions
            .iter()
            .find(|r| r.name == k.region)
            .ok_or_else(|| anyhow!("region {} missing from the results", k.region))?;
        let tia_bq_s = region_tia_bq_h(k, a0, lambda_phys_per_h) * 3600.0;
        let d = labelled_cell_dose(ctx, &input, &k.region, lc, tia_bq_s, r.mean_gy[method])
            .with_context(|| format!("kinetics[{i}].labelled_cells ({})", k.region))?;
        out.push(d);
    }
    Ok(out)
}
