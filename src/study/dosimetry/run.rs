//! The chain of a dosimetry study: phantom -> true activity per region from the stated
//! kinetics -> synthetic serial images (resolution and noise of a SPECT/PET image) -> region
//! TAC fits and the voxel TIA map -> absorbed dose by each method (Monte Carlo, voxel S-values,
//! local deposition) -> per-region results and the organ-level MIRD dose.
//!
//! The dose methods run through the `dose` command's computation, which reads the TIA map from
//! and writes its doses to files: [`run`] therefore writes `tia.nii.gz` and `dose_<method>/`
//! into the output folder; everything else stays in memory until [`DosimetryResult::write`].

use super::cells::LabelledCellDose;
use super::images;
use super::regions::{labelled_cell_doses, organ_doses, region_results, RegionResult};
use super::spec::DosimetrySpec;
use crate::context::Context;
use crate::dosimetry::kinetics::voxel::{fit_regions, tia_map, VoxelFitOptions};
use crate::dosimetry::kinetics::{Model, ModelChoice, TacFit, TacOptions, TrapezoidStart};
use crate::dosimetry::ldm::{energy_split, ldm_dose};
use crate::dosimetry::regions::RegionDose;
use crate::dosimetry::svalues::SvalueTable;
use crate::io::{write_volume, Volume};
use crate::phantom::Phantom;
use crate::run::problem::build_phantom;
use crate::run::spec::PhantomSpec;
use crate::source::nuclide::Nuclide;
use crate::source::Spectrum;
use crate::study::dose::{run_files, DoseFiles};
use anyhow::{Context as _, Result};
use serde_json::json;
use std::f64::consts::LN_2 as LN2;
use std::path::Path;

/// What a dosimetry study computed (doses per cycle).
pub struct DosimetryResult {
    /// the phantom of the study
    pub phantom: Phantom,
    /// reference (first method's) dose per voxel per cycle (Gy)
    pub dose_gy: Vec<f64>,
    /// alpha and recoil part of the dose per voxel per cycle (Gy)
    pub alpha_gy: Vec<f64>,
    /// relative uncertainty (1 sigma) of the reference dose per voxel
    pub rel_uncertainty: Vec<f64>,
    /// TIA per voxel per cycle used as the source (Bq s)
    pub tia_bq_s: Vec<f64>,
    /// per kinetics region
    pub regions: Vec<RegionResult>,
    /// the synthetic images: activity per voxel (Bq) at each `imaging.times_h`
    pub images_bq: Vec<Vec<f64>>,
    /// the TAC fit of each kinetics region
    pub fits: Vec<TacFit>,
    /// per dose method, the `dose` command's region rows
    pub per_method: Vec<(String, Vec<RegionDose>)>,
    /// the organ S-values, when `dose.organ_s_histories` > 0
    pub svalues: Option<SvalueTable>,
    /// the nucleus dose of the labelled cells, one row per region given as labelled cells
    pub labelled_cells: Vec<LabelledCellDose>,
    /// `summary.json`
    pub summary: serde_json::Value,
}

/// The synthetic serial images (activity per voxel, Bq) and the noise reference (Bq per voxel:
/// the mean of the hottest region in the first noise-free image).
fn synthetic_images(
    spec: &DosimetrySpec,
    ph: &Phantom,
    ids: &[u16],
    lambda_p: f64,
) -> (Vec<Vec<f64>>, f64) {
    let times = &spec.imaging.times_h;
    eprintln!(
        "dosimetry: {} synthetic images of {} ({} regions)",
        times.len(),
        ph.name,
        ids.len()
    );
    let blurred: Vec<Vec<f64>> = times
        .iter()
        .map(|&t| images::blurred(spec, ph, &images::true_map(spec, ph, ids, lambda_p, t)))
        .collect();
    let c_ref = images::hottest_mean(ph, ids, &blurred[0]);
    let mut imgs = blurred;
    for (j, img) in imgs.iter_mut().enumerate() {
        images::add_noise(spec, img, c_ref, j as u64);
        // the body outline masks the image (voxels of air hold no activity)
        for (v, x) in img.iter_mut().enumerate() {
            if ph.density[v] < 0.01 {
                *x = 0.0;
            }
        }
    }
    (imgs, c_ref)
}

/// The region fits and the voxel TIA map (Bq s per voxel per cycle; 0 in air).
fn fits_and_tia(
    spec: &DosimetrySpec,
    ph: &Phantom,
    ids: &[u16],
    stack: &[&[f64]],
    lambda_p: f64,
) -> Result<(Vec<TacFit>, Vec<f64>)> {
    let times = &spec.imaging.times_h;
    let choice = match spec.dose.tia_model.as_str() {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
            crate::error::spec_error(
                "dose.tia_model",
                format!("'{m}': expected auto, mono, bi, tri, uptake or trapezoid"),
            )
        })?),
    };
    let rel_sigma = spec.imaging.noise_rel.max(0.02);
    let fits = fit_regions(
        times,
        stack,
        &ph.label,
        ids,
        rel_sigma,
        &TacOptions::new(choice, Some(lambda_p)),
    )?;
    eprintln!("dosimetry: voxel TIA fits");
    let (mut tia, _tia_unc) = tia_map(
        times,
        stack,
        &VoxelFitOptions {
            choice: ModelChoice::Fixed(Model::Mono),
            lambda_phys_per_h: lambda_p,
            rel_sigma,
            trapezoid_start: TrapezoidStart::Zero,
        },
    )?;
    for (v, x) in tia.iter_mut().enumerate() {
        if ph.density[v] < 0.01 || !x.is_finite() {
            *x = 0.0;
        }
    }
    Ok((fits, tia))
}

/// The dose of every method from `tia_path` into `out/dose_<method>/`; returns the region
/// rows per method and the reference (first) method's dose and relative uncertainty per voxel.
#[allow(clippy::type_complexity)] // (rows per method, (dose, uncertainty))
fn doses(
    ctx: &Context,
    spec: &DosimetrySpec,
    tia_path: &Path,
    out: &Path,
    threads: Option<usize>,
) -> Result<(Vec<(String, Vec<RegionDose>)>, (Vec<f64>, Vec<f64>))> {
    let mut per_method: Vec<(String, Vec<RegionDose>)> = Vec::new();
    let mut reference: Option<(Vec<f64>, Vec<f64>)> = None;
    for m in &spec.dose.methods {
        eprintln!("dosimetry: dose by {m}");
        let dir = out.join(format!("dose_{m}"));
        let mut a = DoseFiles::with_method(
            m,
            &spec.phantom.builtin,
            tia_path,
            &spec.therapy.nuclide,
            &dir,
        )
        .map_err(|e| crate::error::spec_error("dose.methods", format!("{e:#}")))?;
        a.groups = spec.phantom.groups.clone();
        a.spec.chain = spec.therapy.chain;
        a.spec.decay_data = spec.therapy.decay_data;
        a.spec.histories = spec.dose.histories;
        a.spec.seed = spec.dose.seed;
        a.spec.threads = threads;
        a.spec.target_uncertainty = spec.dose.target_uncertainty;
        a.spec.region = spec.dose.target_regions.first().cloned();
        a.spec.kernel_histories = spec.dose.kernel_histories;
        a.spec.tissue_kernels = true;
        a.spec.density_correction = true;
        let r = run_files(ctx, &a)?;
        if reference.is_none() {
            let u = r
                .rel_uncertainty
                .clone()
                .unwrap_or_else(|| vec![0.0; r.dose_gy.len()]);
            reference = Some((r.dose_gy.clone(), u));
        }
        per_method.push((m.clone(), r.regions));
    }
    Ok((per_method, reference.expect("at least one method")))
}

/// Runs a dosimetry study: writes `tia.nii.gz` (Bq s per voxel per cycle) and `dose_<method>/`
/// (the `dose` command's outputs per method, per cycle) into `out`, and returns the rest in
/// memory.
///
/// # Errors
/// Bad study values ([`crate::error::SpecError`] naming the field), unknown regions or
/// nuclides, I/O errors.
pub fn run(
    ctx: &Context,
    spec: &DosimetrySpec,
    out: &Path,
    threads: Option<usize>,
) -> Result<DosimetryResult> {
    spec.check()?;
    let ph = build_phantom(
        &PhantomSpec {
            builtin: Some(spec.phantom.builtin.clone()),
            ct: None,
            ct_series: None,
            labels: None,
            label_names: Default::default(),
            hu_calibration: None,
            voxel_mm: Some(spec.phantom.voxel_mm.into()),
            groups: spec.phantom.groups.clone(),
            world: None,
        },
        &ctx.materials,
    )?;
    let ids = images::validate(spec, &ph)?;
    let decay_data = spec.therapy.decay_data_used()?;
    let nuclide =
        Nuclide::load_from(&spec.therapy.nuclide, decay_data).context("therapy.nuclide")?;
    let lambda_p = nuclide.lambda_per_s() * 3600.0;
    let (imgs, c_ref) = synthetic_images(spec, &ph, &ids, lambda_p);
    let stack: Vec<&[f64]> = imgs.iter().map(|x| x.as_slice()).collect();
    let (fits, tia) = fits_and_tia(spec, &ph, &ids, &stack, lambda_p)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let tia_path = out.join("tia.nii.gz");
    write_volume(
        &tia_path,
        &Volume {
            grid: ph.grid.clone(),
            data: tia.clone(),
        },
        &format!("theradose {} TIA Bq s per voxel per cycle", crate::VERSION),
    )?;
    // the dose runs' figures (dose_<method>/) under the study's [figures] too
    let (per_method, (dose, unc)) =
        crate::plot::with_figures(&spec.figures, || doses(ctx, spec, &tia_path, out, threads))?;
    // alpha part: alphas and recoils stop within about 0.1 mm, so locally at voxel scale
    let spectrum = Spectrum::nuclide_from(&spec.therapy.nuclide, spec.therapy.chain, decay_data)?;
    let split = energy_split(&spectrum);
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let alpha = ldm_dose(&tia, split.alpha_recoil_mev, &mass);
    let mut regions = region_results(spec, &ph, &ids, &fits, &per_method, &alpha, lambda_p)?;
    let svalues = if spec.dose.organ_s_histories > 0 {
        Some(organ_doses(ctx, spec, threads, &mut regions)?)
    } else {
        None
    };
    let labelled_cells = labelled_cell_doses(ctx, spec, &regions, lambda_p)?;
    let summary = json!({
        "version": crate::VERSION,
        "study": spec,
        "phantom": crate::study::common::PhantomInfo::of(&ph),
        "decay_data": decay_data,
        "physical_half_life_h": LN2 / lambda_p,
        "energy_per_decay_mev": split,
        "alpha_dose": "alpha and recoil energy deposited in the decay voxel (ranges below 0.1 mm)",
        "image_noise_reference_bq_per_voxel": c_ref,
        "regions": regions,
        "labelled_cells": labelled_cells,
    });
    Ok(DosimetryResult {
        phantom: ph,
        dose_gy: dose,
        alpha_gy: alpha,
        rel_uncertainty: unc,
        tia_bq_s: tia,
        regions,
        images_bq: imgs,
        fits,
        per_method,
        svalues,
        labelled_cells,
        summary,
    })
}
