//! Dosimetry studies (issue 6): a radiopharmaceutical therapy in a built-in phantom, from a
//! stated kinetic model per region to synthetic serial activity images (with the resolution
//! and noise of a SPECT/PET image), time-activity fits and time-integrated activity, and the
//! absorbed dose by Monte Carlo, voxel S-values and local deposition, per cycle and for all
//! cycles, with DVHs, TAC figures and the method comparison.
//!
//! A study file holds the sections of [`DosimetrySpec`] (see `studies/lu177-psma.toml`); the
//! therapy chain of issue 7 (`studies/quickstart.toml`) embeds the same sections and calls
//! [`run`] for the dose.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The phantom of a study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudyPhantom {
    /// built-in phantom name or phantom TOML
    pub builtin: String,
    /// voxel size (mm), also the voxel size of the synthetic images
    pub voxel_mm: f64,
    /// shape groups to include (e.g. "lesions")
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The administered therapy.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TherapySpec {
    /// e.g. "Lu-177" or "Ac-225"
    pub nuclide: String,
    /// the decay chain at secular equilibrium in the source (Ac-225: true)
    #[serde(default)]
    pub chain: bool,
    /// administered activity per cycle (MBq)
    pub activity_per_cycle_mbq: f64,
    /// number of identical cycles
    #[serde(default = "one")]
    pub cycles: u32,
    /// RBE of the alpha dose (reported separately, RBE-weighted), default 5
    #[serde(default = "rbe_default")]
    pub rbe_alpha: f64,
}

fn one() -> u32 {
    1
}
fn rbe_default() -> f64 {
    5.0
}

/// The kinetics of one region: a fraction of the administered activity taken up with an uptake
/// half-time and washed out with a biological half-life (physical decay on top):
/// A(t) = A0 f (exp(-(lb + lp) t) - exp(-(lu + lb + lp) t)), l = ln2 / half-time.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionKinetics {
    /// region name of the phantom
    pub region: String,
    /// fraction of the administered activity at the uptake plateau (no decay)
    pub uptake_fraction: f64,
    pub uptake_half_time_h: f64,
    pub biological_half_life_h: f64,
    /// where the value comes from (a paper, or "assumed")
    #[serde(default)]
    pub source: String,
}

/// How the serial images are made.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImagingSpec {
    /// scan times after administration (h)
    pub times_h: Vec<f64>,
    /// image resolution (FWHM, mm)
    pub fwhm_mm: f64,
    /// relative noise (1 sigma) of a voxel holding the mean activity concentration of the
    /// hottest region at the first scan; Poisson-like (sigma ~ sqrt(value))
    pub noise_rel: f64,
    #[serde(default = "one_u64")]
    pub seed: u64,
}

fn one_u64() -> u64 {
    1
}

/// Which dose methods run and with what statistics.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DoseSpec {
    /// any of "mc", "vsv", "ldm" (the first is the reference of the comparison)
    pub methods: Vec<String>,
    /// Monte Carlo decays
    pub histories: u64,
    /// stop the Monte Carlo when every region in `target_regions` has reached this relative
    /// uncertainty (1 sigma) on its mean dose (optional)
    pub target_uncertainty: Option<f64>,
    #[serde(default)]
    pub target_regions: Vec<String>,
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// TIA model: "auto" (AICc), "mono", "bi", "tri", "trapezoid"
    #[serde(default = "auto")]
    pub tia_model: String,
}

fn auto() -> String {
    "auto".into()
}

/// The sections of a dosimetry study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DosimetrySpec {
    pub phantom: StudyPhantom,
    pub therapy: TherapySpec,
    pub kinetics: Vec<RegionKinetics>,
    pub imaging: ImagingSpec,
    pub dose: DoseSpec,
}

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
}

/// What a dosimetry study returns to the therapy chain.
pub struct DosimetryResult {
    pub phantom: crate::phantom::Phantom,
    /// reference dose per voxel per cycle (Gy), its low-LET and alpha parts, and the
    /// relative uncertainty per voxel
    pub dose_gy: Vec<f64>,
    pub alpha_gy: Vec<f64>,
    pub rel_uncertainty: Vec<f64>,
    /// TIA per voxel per cycle used as the source (Bq s)
    pub tia_bq_s: Vec<f64>,
    pub regions: Vec<RegionResult>,
}

/// Runs a dosimetry study into `out` (images, fits, doses, tables, figures).
///
/// # Errors
/// Bad study values (named by field), unknown regions or nuclides, I/O errors.
pub fn run(spec: &DosimetrySpec, out: &Path, threads: Option<usize>) -> Result<DosimetryResult> {
    let _ = (spec, out, threads);
    anyhow::bail!("dosimetry studies are being built (issue 6)")
}
