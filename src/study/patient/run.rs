//! The chain of a patient study: reference CT + structures -> phantom; scans read, timed and
//! registered onto the reference CT ([`super::images`]); region TACs (recovery-corrected) and
//! their fits; the voxel TIA map (mono-exponential per voxel, as the dosimetry study); the dose
//! of every method ([`crate::study::dose::compute`]); the per-region rows.
//!
//! Activity in voxels of air (CT density below 0.01 g/cm3) is set to 0, as in the dosimetry
//! study: counts outside the body are scatter and blur. With `[recovery]`, the voxel TIA of
//! each reported region is divided by the region's coefficient too, so the dose carries the
//! corrected activity.

use super::images::{scans, Scan};
use super::regions::{fitted_regions, report_ids, PatientRegion};
use super::spec::PatientSpec;
use crate::context::Context;
use crate::dosimetry::kinetics::voxel::{region_tacs, tia_map, VoxelFitOptions};
use crate::dosimetry::kinetics::{Model, ModelChoice, TrapezoidStart};
use crate::error::spec_error;
use crate::io::dicom::time::iso;
use crate::io::dicom::DoseReference;
use crate::io::image::read_image;
use crate::io::Volume;
use crate::phantom::Phantom;
use crate::source::nuclide::Nuclide;
use crate::study::dose::ct::ct_phantom;
use crate::study::dose::{compute, phantom_regions, DoseMethod, DoseResult, DoseSpec};
use anyhow::{Context as _, Result};
use std::path::Path;

/// Relative standard deviation of one voxel value in the voxel fits (only the ratios between a
/// voxel's points matter for the estimate).
const VOXEL_REL_SIGMA: f64 = 0.05;

/// What a patient study computed.
pub struct PatientResult {
    /// the reference CT as the phantom, with the structures as its regions
    pub phantom: Phantom,
    /// the reference CT in HU
    pub reference_hu: Volume<f64>,
    /// what an RT Dose needs to reference the CT (a DICOM CT only)
    pub reference: Option<DoseReference>,
    /// the administration time used (ISO 8601), when known
    pub injection_time: Option<String>,
    /// physical decay constant of the nuclide, 1/h
    pub lambda_phys_per_h: f64,
    /// the scans on the reference grid
    pub scans: Vec<Scan>,
    /// the reported regions
    pub regions: Vec<PatientRegion>,
    /// TIA per voxel (Bq s) on the reference grid
    pub tia_bq_s: Vec<f64>,
    /// the dose of each method, in the order of `dose.methods`
    pub doses: Vec<DoseResult>,
    /// the uncertainty budget of the reference method's mean doses (None: `samples = 0`)
    pub uncertainty: Option<crate::study::therapy::uncertainty::Budget>,
}

/// The reference CT as the phantom (with the structures) and in HU.
fn reference(
    ctx: &Context,
    spec: &PatientSpec,
) -> Result<(Phantom, Volume<f64>, Option<DoseReference>)> {
    let tp = &spec.timepoint[0];
    let labels = spec
        .regions
        .rtstruct
        .as_ref()
        .or(spec.regions.labels.as_ref());
    let field = if spec.regions.rtstruct.is_some() {
        "regions.rtstruct"
    } else {
        "regions.labels"
    };
    let hu = read_image(&tp.ct, tp.ct_series.as_deref().or(Some("CT")))
        .map_err(|e| spec_error("timepoint[0].ct", format!("{e:#}")))?;
    let (ph, r) = ct_phantom(
        ctx,
        &tp.ct,
        labels.map(|p| p.as_path()),
        spec.regions.names.as_deref(),
        spec.hu_calibration.as_deref(),
        tp.ct_series.as_deref(),
    )
    .map_err(|e| spec_error(field, format!("{e:#}")))?;
    Ok((ph, hu.volume, r))
}

/// The voxel TIA map (Bq s) of the activity images (Bq per voxel): mono-exponential per voxel
/// (trapezoid where that fails), 0 in air, divided in each reported region by its recovery
/// coefficient.
fn voxel_tia(
    ph: &Phantom,
    times: &[f64],
    stack: &[&[f64]],
    regions: &[PatientRegion],
    lambda_p: f64,
) -> Result<Vec<f64>> {
    let (mut tia, _) = tia_map(
        times,
        stack,
        &VoxelFitOptions {
            choice: ModelChoice::Fixed(Model::Mono),
            lambda_phys_per_h: lambda_p,
            rel_sigma: VOXEL_REL_SIGMA,
            trapezoid_start: TrapezoidStart::Zero,
        },
    )?;
    for (v, x) in tia.iter_mut().enumerate() {
        if ph.density[v] < 0.01 || !x.is_finite() {
            *x = 0.0;
        }
    }
    for r in regions.iter().filter(|r| r.recovery_coefficient != 1.0) {
        for v in ph.region_voxels(r.id) {
            tia[v as usize] /= r.recovery_coefficient;
        }
    }
    Ok(tia)
}

/// The dose of every method; the Monte Carlo checkpoints into `out/dose_mc/tally.bin`.
fn doses(
    ctx: &Context,
    spec: &PatientSpec,
    ph: &Phantom,
    tia: &[f64],
    out: &Path,
    threads: Option<usize>,
) -> Result<Vec<DoseResult>> {
    let d = &spec.dose;
    let mut results = Vec::new();
    for m in &d.methods {
        let method =
            DoseMethod::parse(m).map_err(|e| spec_error("dose.methods", format!("{e:#}")))?;
        eprintln!("patient: dose by {m}");
        let mut s = DoseSpec::new(method, &spec.nuclide);
        s.chain = spec.chain;
        s.histories = d.histories;
        s.seed = d.seed;
        s.threads = threads;
        s.target_uncertainty = d.target_uncertainty;
        s.region = d.target_region.clone();
        s.kernel_histories = d.kernel_histories;
        s.tissue_kernels = true;
        s.density_correction = true;
        let dir = out.join(format!("dose_{m}"));
        crate::study::common::create_dir(&dir)?;
        let r = compute(
            ctx,
            ph,
            tia,
            phantom_regions(ph),
            &s,
            Some(&dir.join("tally.bin")),
        )
        .map_err(|e| match crate::error::spec_error_of(&e) {
            Some(se) => spec_error(format!("dose.{}", se.field), se.message.clone()),
            None => e,
        })?;
        results.push(r);
    }
    Ok(results)
}

/// Runs a patient study. Only the Monte Carlo checkpoint is written into `out` (under
/// `dose_mc/`); everything else stays in memory until [`PatientResult::write`].
///
/// # Errors
/// Bad study values and unreadable inputs ([`crate::error::SpecError`] naming the field),
/// failing fits, an interrupted Monte Carlo run.
pub fn run(
    ctx: &Context,
    spec: &PatientSpec,
    out: &Path,
    threads: Option<usize>,
) -> Result<PatientResult> {
    spec.check()?;
    let nuclide =
        Nuclide::load(&spec.nuclide).map_err(|e| spec_error("nuclide", format!("{e:#}")))?;
    let lambda_p = nuclide.lambda_per_s() * 3600.0;
    eprintln!("patient: reference CT {}", spec.timepoint[0].ct.display());
    let (ph, reference_hu, dose_ref) = reference(ctx, spec)?;
    let ids = report_ids(spec, &ph)?;
    let (scans, inj) = scans(spec, &reference_hu)?;
    let voxel_ml = ph.grid.voxel_volume_cm3();
    let images: Vec<Vec<f64>> = scans
        .iter()
        .map(|s| {
            s.bq_ml
                .data
                .iter()
                .enumerate()
                .map(|(v, c)| {
                    if ph.density[v] < 0.01 {
                        0.0
                    } else {
                        c * voxel_ml
                    }
                })
                .collect()
        })
        .collect();
    let stack: Vec<&[f64]> = images.iter().map(|x| x.as_slice()).collect();
    let times: Vec<f64> = scans.iter().map(|s| s.time_h).collect();
    let tacs = region_tacs(&times, &stack, &ph.label, &ids)?;
    let regions = fitted_regions(spec, &ph, &ids, &times, &tacs, lambda_p)?;
    eprintln!("patient: voxel TIA fits");
    let tia = voxel_tia(&ph, &times, &stack, &regions, lambda_p)?;
    crate::study::common::create_dir(out)?;
    let doses = doses(ctx, spec, &ph, &tia, out, threads)
        .with_context(|| format!("dose on {}", spec.timepoint[0].ct.display()))?;
    Ok(PatientResult {
        phantom: ph,
        reference_hu,
        reference: dose_ref,
        injection_time: inj.map(iso),
        lambda_phys_per_h: lambda_p,
        scans,
        regions,
        tia_bq_s: tia,
        doses,
        // filled by [`super::run_file`] (the budget reads this result)
        uncertainty: None,
    })
}
