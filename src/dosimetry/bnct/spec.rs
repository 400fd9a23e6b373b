//! What a BNCT beam run is asked for.

use crate::spec_bail;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A BNCT beam run (the TOML section of `theradose beam`; fields named like its flags).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeamSpec {
    /// neutron (photon, electron, positron and alpha beams are run-file sources)
    #[serde(default = "default_particle")]
    pub particle: String,
    /// epithermal, thermal (data/neutron/beams.toml) or a CSV energy_lo_mev,energy_hi_mev,fraction
    pub spectrum: String,
    /// built-in phantom name, phantom TOML path, or a CT (.nii, .nii.gz, .mhd, .mha) in HU
    pub phantom: String,
    /// diameter of a circular field (cm); or `field_cm`
    #[serde(default)]
    pub field_diameter_cm: Option<f64>,
    /// rectangular field W x H (cm): W along the first axis across the beam, u = direction x z
    /// (direction x x for beams within about 25 degrees of z), H along direction x u
    #[serde(default)]
    pub field_cm: Option<[f64; 2]>,
    /// 10B in normal tissue (ug/g)
    #[serde(default)]
    pub boron_ppm: f64,
    /// 10B in the tumour regions (ug/g; default: `boron_ppm`)
    #[serde(default)]
    pub tumour_ppm: Option<f64>,
    /// regions that are tumour (default: regions whose name contains "tumour" or "tumor")
    #[serde(default)]
    pub tumour_regions: Vec<String>,
    /// +z (default), -z, +x, -x, +y, -y, or a vector ux,uy,uz along the phantom's voxel axes
    #[serde(default = "default_direction")]
    pub direction: String,
    /// a point x,y,z (mm) of the beam's central axis (default: the phantom centre)
    #[serde(default)]
    pub aim_mm: Option<[f64; 3]>,
    /// source neutrons
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// voxel size of a built-in phantom (mm)
    #[serde(default)]
    pub voxel_mm: Option<f64>,
    /// 10B map (ug/g per voxel) on the phantom grid for the boron dose
    #[serde(default)]
    pub boron_map: Option<PathBuf>,
    /// 18F-BPA PET in SUV on the phantom grid: boron dose from `boron_ppm` x SUV / reference SUV
    #[serde(default)]
    pub fbpa_pet: Option<PathBuf>,
    /// SUV of the reference (blood or normal tissue) that carries `boron_ppm`
    #[serde(default = "default_reference_suv")]
    pub fbpa_reference_suv: f64,
    /// optional shape groups of a built-in phantom
    #[serde(default)]
    pub groups: Vec<String>,
    /// deposit capture gammas locally instead of transporting them
    #[serde(default)]
    pub local_gamma: bool,
    /// epithermal fluence rate at the beam aperture (n cm-2 s-1)
    #[serde(default = "default_aperture_flux")]
    pub aperture_epithermal_flux: f64,
    /// prescribed weighted dose (Gy-eq): sets the treatment time
    #[serde(default)]
    pub prescription_gy: Option<f64>,
}

/// Default of [`BeamSpec::particle`]: neutron.
pub fn default_particle() -> String {
    "neutron".into()
}
/// Default of [`BeamSpec::direction`]: +z.
pub fn default_direction() -> String {
    "+z".into()
}
/// Default of [`BeamSpec::fbpa_reference_suv`]: 1.
pub fn default_reference_suv() -> f64 {
    1.0
}
/// Default of [`BeamSpec::aperture_epithermal_flux`] (n cm-2 s-1): 1e9, the minimum
/// IAEA-TECDOC-1223 (2001) recommends for clinical beams.
pub fn default_aperture_flux() -> f64 {
    1e9
}

/// Checks the values of a spec that need no data: particle, concentrations, fluence rate,
/// prescription.
///
/// # Errors
/// A spec error naming the first field with a bad value.
pub fn check(a: &BeamSpec) -> Result<()> {
    if a.particle != "neutron" {
        spec_bail!(
            "particle",
            "{}: a BNCT beam is of neutrons (photon, electron, positron and alpha beams are \
             run-file sources of kind = \"beam\")",
            a.particle
        );
    }
    if a.spectrum.is_empty() {
        spec_bail!(
            "spectrum",
            "a neutron beam needs a spectrum: epithermal, thermal or a CSV \
             energy_lo_mev,energy_hi_mev,fraction"
        );
    }
    let tumour_ppm = a.tumour_ppm.unwrap_or(a.boron_ppm);
    for (field, v) in [("boron_ppm", a.boron_ppm), ("tumour_ppm", tumour_ppm)] {
        if !(v.is_finite() && v >= 0.0) {
            spec_bail!(field, "{v}: expected a concentration >= 0 ug/g");
        }
    }
    if !(a.aperture_epithermal_flux.is_finite() && a.aperture_epithermal_flux > 0.0) {
        spec_bail!(
            "aperture_epithermal_flux",
            "{}: expected a positive fluence rate (n cm-2 s-1)",
            a.aperture_epithermal_flux
        );
    }
    if let Some(p) = a.prescription_gy {
        if !(p.is_finite() && p > 0.0) {
            spec_bail!("prescription_gy", "{p}: expected a positive dose");
        }
    }
    Ok(())
}
