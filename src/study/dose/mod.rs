//! Absorbed dose from a time-integrated activity (TIA) map on a phantom, by one of three methods:
//! - `mc`: full Monte Carlo with the TIA map as the source on the phantom's materials (every
//!   radiation of each decay; electrons, positrons, alphas and photons transported);
//! - `vsv`: voxel S-value convolution by FFT, with kernels made by the project's own voxel
//!   S-value computation for the map's voxel size (cached in the kernel cache folder), optional
//!   density correction and tissue-class kernels (see [`crate::dosimetry::svconv`]);
//! - `ldm`: local deposition of the non-penetrating energy (see [`crate::dosimetry::ldm`]).
//!
//! [`compute`] takes a phantom and a TIA array in memory and returns a [`DoseResult`] with the
//! dose and its uncertainty per voxel and the region statistics; [`DoseResult::write`] writes the
//! files of `theradose dose`. [`run_files`] does both from files, as the command does.

pub mod ct;
mod mc;
mod outputs;

pub use outputs::{dvh_png, run_files, DoseFiles};

use crate::context::Context;
use crate::dosimetry::ldm::{energy_split, ldm_dose};
use crate::dosimetry::regions::{region_dose, RegionDose};
use crate::dosimetry::svconv::vsv_dose;
use crate::dosimetry::vsv_cache::{kernel_set, KernelOptions};
use crate::phantom::Phantom;
use crate::source::Spectrum;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How the dose is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DoseMethod {
    /// Monte Carlo transport of every radiation of each decay
    Mc,
    /// voxel S-value convolution (FFT)
    Vsv,
    /// local deposition of the non-penetrating energy
    Ldm,
}

impl DoseMethod {
    /// The method's name as in files and on the command line (`mc`, `vsv`, `ldm`).
    pub fn name(self) -> &'static str {
        match self {
            DoseMethod::Mc => "mc",
            DoseMethod::Vsv => "vsv",
            DoseMethod::Ldm => "ldm",
        }
    }

    /// Parses `mc`, `vsv` or `ldm`.
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] on field `method` for any other name.
    pub fn parse(name: &str) -> Result<DoseMethod> {
        match name {
            "mc" => Ok(DoseMethod::Mc),
            "vsv" => Ok(DoseMethod::Vsv),
            "ldm" => Ok(DoseMethod::Ldm),
            m => crate::spec_bail!("method", "expected mc, vsv or ldm, got '{m}'"),
        }
    }
}

/// What dose to compute: the method and its settings (the `[dose]` keys of a study; the
/// keywords of `theradose.dose` in Python).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DoseSpec {
    pub method: DoseMethod,
    /// radionuclide, e.g. Lu-177
    pub nuclide: String,
    /// include the decay chain at secular equilibrium (e.g. Ac-225 and its daughters)
    #[serde(default)]
    pub chain: bool,
    /// Monte Carlo decays (mc)
    #[serde(default = "default_histories")]
    pub histories: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[serde(default)]
    pub threads: Option<usize>,
    /// mc: stop when the mean dose of `region` reaches this relative uncertainty (1 sigma)
    #[serde(default)]
    pub target_uncertainty: Option<f64>,
    /// region for `target_uncertainty`
    #[serde(default)]
    pub region: Option<String>,
    /// vsv: kernel medium (ignored with `tissue_kernels`)
    #[serde(default = "default_kernel_medium")]
    pub kernel_medium: String,
    /// vsv: one kernel per tissue class (soft-tissue, lung, cortical-bone) by voxel material
    #[serde(default)]
    pub tissue_kernels: bool,
    /// vsv: scale the dose by kernel density / voxel density
    #[serde(default)]
    pub density_correction: bool,
    /// vsv: kernel half-width in voxels (default covers 6 cm)
    #[serde(default)]
    pub kernel_n: Option<usize>,
    /// vsv: decays per kernel (per chain member)
    #[serde(default = "default_kernel_histories")]
    pub kernel_histories: u64,
    /// vsv: folder of cached kernels (default: the context's cache folder, `vsv/` inside it)
    #[serde(default)]
    pub kernel_cache: Option<PathBuf>,
}

fn default_histories() -> u64 {
    1_000_000
}
fn default_seed() -> u64 {
    1
}
fn default_kernel_medium() -> String {
    "soft-tissue".into()
}
fn default_kernel_histories() -> u64 {
    2_000_000
}

impl DoseSpec {
    /// The defaults of `theradose dose` for a method and a nuclide.
    pub fn new(method: DoseMethod, nuclide: &str) -> DoseSpec {
        DoseSpec {
            method,
            nuclide: nuclide.into(),
            chain: false,
            histories: default_histories(),
            seed: default_seed(),
            threads: None,
            target_uncertainty: None,
            region: None,
            kernel_medium: default_kernel_medium(),
            tissue_kernels: false,
            density_correction: false,
            kernel_n: None,
            kernel_histories: default_kernel_histories(),
            kernel_cache: None,
        }
    }

    /// Checks the values that do not need the phantom (`histories` for mc, `kernel_histories`
    /// for vsv: the other methods ignore them).
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.method == DoseMethod::Mc && self.histories == 0 {
            crate::spec_bail!("histories", "must be at least 1, got 0");
        }
        if self.method == DoseMethod::Vsv && self.kernel_histories == 0 {
            crate::spec_bail!("kernel_histories", "must be at least 1, got 0");
        }
        if self.threads == Some(0) {
            crate::spec_bail!("threads", "must be at least 1, got 0");
        }
        if let Some(t) = self.target_uncertainty {
            if !(t.is_finite() && t > 0.0) {
                crate::spec_bail!(
                    "target_uncertainty",
                    "expected a positive fraction such as 0.02, got {t}"
                );
            }
            if self.region.is_none() {
                crate::spec_bail!(
                    "region",
                    "target_uncertainty needs the region whose mean dose it applies to"
                );
            }
        }
        Ok(())
    }
}

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
    let spectrum = Spectrum::nuclide(&spec.nuclide, spec.chain)
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
