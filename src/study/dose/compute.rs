//! The dose computation itself: a TIA map on a phantom to a dose map with its uncertainty and
//! its region statistics, by the method a [`DoseSpec`] names.

use super::mc;
use super::spec::{DoseMethod, DoseSpec};
use crate::context::Context;
use crate::dosimetry::ldm::{energy_split, ldm_dose};
use crate::dosimetry::regions::{region_dose, RegionDose};
use crate::dosimetry::svconv::vsv_dose;
use crate::dosimetry::vsv_cache::{kernel_set, KernelOptions};
use crate::phantom::Phantom;
use crate::source::Spectrum;
use anyhow::Result;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// A named set of voxels whose dose statistics are reported (a phantom region or a mask).
#[derive(Clone, Debug)]
pub struct DoseRegion {
    pub name: String,
    /// linear voxel indices (i fastest)
    pub voxels: Vec<u32>,
    /// the phantom region id, for the exact Monte Carlo uncertainty of its mean
    pub region_id: Option<u16>,
}

/// Every region of a phantom except the background (id 0).
pub fn phantom_regions(ph: &Phantom) -> Vec<DoseRegion> {
    ph.regions
        .iter()
        .enumerate()
        .skip(1)
        .map(|(id, r)| DoseRegion {
            name: r.name.clone(),
            voxels: ph.region_voxels(id as u16),
            region_id: Some(id as u16),
        })
        .collect()
}

/// A dose map with its statistics.
#[derive(Clone, Debug)]
pub struct DoseResult {
    pub spec: DoseSpec,
    /// absorbed dose per voxel (Gy), voxel order of the phantom grid (i fastest)
    pub dose_gy: Vec<f64>,
    /// relative uncertainty (1 sigma) per voxel (mc; None for vsv and ldm)
    pub rel_uncertainty: Option<Vec<f64>>,
    /// the regions, in the order of `regions`
    pub region_sets: Vec<DoseRegion>,
    /// statistics per region
    pub regions: Vec<RegionDose>,
    /// decays in the TIA map (the sum of its voxels)
    pub decays: f64,
    /// wall-clock seconds of the computation
    pub seconds: f64,
    /// what the method used (kernels, histories, energy split)
    pub method_info: serde_json::Value,
}

/// Computes the dose of a TIA map (Bq s per voxel, on the phantom's grid) by the spec's method.
/// `regions` are the voxel sets to report (usually [`phantom_regions`]). With `checkpoint`, the
/// Monte Carlo tally is checkpointed there and an interrupted run of the same problem resumes.
///
/// # Errors
/// A bad spec value (a [`crate::error::SpecError`] naming the field), a TIA map of the wrong size
/// or with negative or non-finite values, an unknown nuclide or medium, or an interrupted run.
pub fn compute(
    ctx: &Context,
    ph: &Phantom,
    tia: &[f64],
    regions: Vec<DoseRegion>,
    spec: &DoseSpec,
    checkpoint: Option<&Path>,
) -> Result<DoseResult> {
    spec.validate()?;
    check_tia(ph, tia)?;
    let start = Instant::now();
    let spectrum = Spectrum::nuclide_from(&spec.nuclide, spec.chain, spec.decay_data)
        .map_err(|e| crate::error::spec_error("nuclide", format!("{e:#}")))?;
    let decays: f64 = tia.iter().sum();
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let (dose, unc, region_unc, info) = match spec.method {
        DoseMethod::Mc => {
            let m = mc::run(ctx, ph, tia, decays, spec, checkpoint)?;
            (
                m.dose_gy,
                Some(m.rel_uncertainty),
                Some(m.region_rel),
                m.info,
            )
        }
        DoseMethod::Vsv => {
            let v = ph.grid.spacing_mm;
            if (1..3).any(|c| (v[c] - v[0]).abs() > 1e-3 * v[0]) {
                crate::spec_bail!(
                    "method",
                    "vsv: voxel S-value kernels are computed for cubic voxels, the phantom has {v:?} mm; use mc or ldm, or resample the CT to cubic voxels"
                );
            }
            let opts = KernelOptions {
                nuclide: spec.nuclide.clone(),
                chain: spec.chain,
                voxel_mm: ph.grid.spacing_mm[0],
                medium: spec.kernel_medium.clone(),
                tissue_kernels: spec.tissue_kernels,
                n: spec.kernel_n,
                histories: spec.kernel_histories,
                seed: spec.seed,
                threads: spec.threads,
                cache: spec
                    .kernel_cache
                    .clone()
                    .unwrap_or_else(|| ctx.cache_dir.join("vsv")),
                decay_data: spec.decay_data,
            };
            let (kernels, class, kinfo) = kernel_set(ctx, &opts, ph)?;
            let t0 = Instant::now();
            let rho = spec.density_correction.then_some(ph.density.as_slice());
            let dose = vsv_dose(tia, ph.grid.dims, &kernels, &class, rho)?;
            let info = json!({"kernels": kinfo, "convolution_seconds": t0.elapsed().as_secs_f64(),
                "density_correction": spec.density_correction});
            (dose, None, None, info)
        }
        DoseMethod::Ldm => {
            let split = energy_split(&spectrum);
            let info = json!({"energy_per_decay_mev": split,
                "deposited_locally": "electrons (beta-, beta+, conversion, Auger), alphas, recoils; photons ignored"});
            (
                ldm_dose(tia, split.non_penetrating_mev(), &mass),
                None,
                None,
                info,
            )
        }
    };
    let rows = regions
        .iter()
        .map(|r| {
            let exact = match (&region_unc, r.region_id) {
                (Some(u), Some(id)) => Some(u[id as usize]),
                _ => None,
            };
            region_dose(&r.name, &dose, unc.as_deref(), &mass, &r.voxels, exact)
        })
        .collect();
    Ok(DoseResult {
        spec: spec.clone(),
        dose_gy: dose,
        rel_uncertainty: unc,
        region_sets: regions,
        regions: rows,
        decays,
        seconds: start.elapsed().as_secs_f64(),
        method_info: info,
    })
}

/// Checks a TIA map against the phantom: its size, finite and non-negative values, not all zero.
fn check_tia(ph: &Phantom, tia: &[f64]) -> Result<()> {
    if tia.len() != ph.len() {
        crate::spec_bail!(
            "tia",
            "{} voxels, expected {} like the phantom grid {:?}",
            tia.len(),
            ph.len(),
            ph.grid.dims
        );
    }
    if let Some((i, v)) = tia
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        let (a, b, c) = ph.ijk(i);
        crate::spec_bail!(
            "tia",
            "voxel ({a}, {b}, {c}) is {v}, expected a finite non-negative TIA (Bq s)"
        );
    }
    if tia.iter().all(|&v| v == 0.0) {
        crate::spec_bail!("tia", "the TIA map is zero everywhere");
    }
    Ok(())
}
