//! What a point kernel is asked for and what it returns.

use crate::physics::electron::condensed::CondensedParams;
use crate::spec_bail;
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// A point kernel of one particle at one energy (the TOML section of `theradose kernel`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSpec {
    /// photon, electron, positron or neutron
    pub particle: String,
    /// source energy (MeV)
    pub energy_mev: f64,
    /// medium name (`data/materials.toml`), at its nominal density
    pub medium: String,
    /// sphere radius (cm)
    pub radius_cm: f64,
    /// number of equal-width shells
    pub shells: usize,
    /// source particles
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[serde(default)]
    pub threads: Option<usize>,
    /// electron and positron cut-off and delta-ray threshold (keV); default E/100 within
    /// [1, 10] keV (the EGSnrc kernels of Mainegra-Hing et al. 2005 used 1 keV below 1 MeV and
    /// 10 keV from 1 MeV)
    #[serde(default)]
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV); default 1 keV
    #[serde(default)]
    pub photon_cutoff_kev: Option<f64>,
    /// photon kernels: what becomes of the electrons photons set in motion
    #[serde(default)]
    pub photon_electrons: PhotonElectrons,
}

/// What a photon kernel does with the electrons (and positrons) its photons set in motion
/// (photoelectrons, Compton electrons, pairs, Auger electrons).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotonElectrons {
    /// deposited where they are set in motion (kerma; the default, and exact for a shell much
    /// wider than their range)
    #[default]
    Local,
    /// transported by condensed history down to the electron cut-off, like the electrons of an
    /// electron kernel
    Transport,
}

impl PhotonElectrons {
    /// Parses "local" or "transport".
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "local" => Ok(Self::Local),
            "transport" => Ok(Self::Transport),
            _ => anyhow::bail!("'{s}': expected local or transport"),
        }
    }
}

/// Checks the electron and photon cut-offs (MeV): finite and at least 1 keV.
pub(crate) fn check_cutoffs(e_cut_mev: f64, p_cut_mev: f64) -> Result<()> {
    for (field, v) in [
        ("electron_cutoff_kev", e_cut_mev),
        ("photon_cutoff_kev", p_cut_mev),
    ] {
        if !(v.is_finite() && v >= 1e-3) {
            spec_bail!(field, "{}: expected at least 1 keV", v * 1e3);
        }
    }
    Ok(())
}

impl KernelSpec {
    /// The condensed-history parameters of this kernel (electrons and positrons).
    ///
    /// # Errors
    /// Cut-offs that are not finite or below 1 keV.
    pub fn condensed_params(&self) -> Result<CondensedParams> {
        let e_cut = self
            .electron_cutoff_kev
            .map(|k| k * 1e-3)
            .unwrap_or_else(|| (self.energy_mev / 100.0).clamp(1e-3, 1e-2));
        let p_cut = self.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
        check_cutoffs(e_cut, p_cut)?;
        Ok(CondensedParams::new(e_cut, p_cut))
    }
}

/// The summary of a kernel run (`theradose kernel` prints it as JSON; fields in the order of its
/// keys, the optional ones only where the kernel has them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelSummary {
    /// energy deposited in the sphere per unit source energy
    pub absorbed_fraction: f64,
    /// annihilations per history (positrons and decays)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annihilations: Option<f64>,
    /// neutrons absorbed in the sphere per source neutron (neutron kernels)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captures_per_source: Option<f64>,
    /// the decay data of a nuclide kernel: "icrp107" or "endf"
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_data: Option<crate::source::DecayData>,
    /// nominal density of the medium
    pub density_g_cm3: f64,
    /// electron transport cutoff (when electrons are transported)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub electron_cutoff_kev: Option<f64>,
    /// |emitted - deposited - escaped| / emitted
    pub energy_balance_relative_discrepancy: f64,
    /// source energy (the mean energy per decay for a nuclide)
    pub energy_mev: f64,
    /// histories simulated
    pub histories: u64,
    /// histories per wall-clock second
    pub histories_per_second: f64,
    /// mean energy emitted per decay (nuclide kernels)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_energy_per_decay_mev: Option<f64>,
    /// the medium's name
    pub medium: String,
    /// the nuclide's name (nuclide kernels)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nuclide: Option<String>,
    /// the source particle ("decay" for a nuclide)
    pub particle: String,
    /// photon transport cutoff (when electrons or neutrons are transported)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photon_cutoff_kev: Option<f64>,
    /// sphere radius
    pub radius_cm: f64,
    /// wall-clock seconds of the transport
    pub seconds: f64,
    /// the run seed
    pub seed: u64,
    /// spherical shells of equal width
    pub shells: usize,
    /// a source given by its emissions: its spectrum file and lines ("spectrum F (electron) +
    /// 2 lines")
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// worker threads used
    pub threads: usize,
    /// theradose version
    pub version: String,
}

/// The result of a kernel run: per shell the energy fraction and its uncertainty, the shells
/// CSV text and the summary.
#[derive(Clone, Debug)]
pub struct KernelResult {
    /// `r_inner_cm,r_outer_cm,energy_fraction,rel_uncertainty[,capture_fraction]` per shell
    pub csv: String,
    /// the summary `theradose kernel` prints as JSON
    pub summary: KernelSummary,
    /// energy fraction per shell
    pub fractions: Vec<f64>,
    /// relative uncertainty (1 sigma) of each fraction
    pub rel_uncertainty: Vec<f64>,
}

impl KernelResult {
    /// Writes the shells CSV to `path` (atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<()> {
        crate::io::write_file_atomic(path, self.csv.as_bytes())
    }
}

/// A whole-decay point kernel (`theradose kernel --nuclide`): a point source emitting every
/// radiation of each decay of a radionuclide (parent only) at the centre of a homogeneous
/// sphere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NuclideKernelSpec {
    /// radionuclide, e.g. Lu-177
    pub nuclide: String,
    /// medium name, at its nominal density
    pub medium: String,
    /// sphere radius (cm)
    pub radius_cm: f64,
    /// number of equal-width shells
    pub shells: usize,
    /// decays
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// electron and positron cut-off and delta-ray threshold (keV); default: the mean energy
    /// emitted per decay / 100 within [1, 10] keV, the rule of the single-particle kernels
    #[serde(default)]
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV); default 1 keV
    #[serde(default)]
    pub photon_cutoff_kev: Option<f64>,
    /// decay data: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1); a prefix on
    /// `nuclide` ("endf:Lu-177") overrides it
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
}

/// Checks the sphere of a kernel: a positive radius (cm) and at least one shell.
pub(crate) fn check_sphere(radius_cm: f64, shells: usize) -> Result<()> {
    if !(radius_cm.is_finite() && radius_cm > 0.0) {
        spec_bail!("radius_cm", "{radius_cm}: expected a positive radius in cm");
    }
    if shells == 0 {
        spec_bail!("shells", "must be at least 1, got 0");
    }
    Ok(())
}

/// A point kernel of a source given by its emissions (`theradose kernel --particle P
/// --spectrum F` and/or `--lines`): a tabulated spectrum and lines with yields per event; the
/// energy fractions are relative to the mean energy emitted per event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionKernelSpec {
    /// the spectrum and lines
    pub emissions: crate::source::emitter::EmissionSpec,
    /// medium name, at its nominal density
    pub medium: String,
    /// sphere radius (cm)
    pub radius_cm: f64,
    /// number of equal-width shells
    pub shells: usize,
    /// source events
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// electron and positron cut-off (keV); default: the mean energy per event / 100 within
    /// [1, 10] keV, the rule of the single-energy kernels
    #[serde(default)]
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV); default 1 keV
    #[serde(default)]
    pub photon_cutoff_kev: Option<f64>,
    /// a source of photons only: what becomes of the electrons they set in motion (electrons
    /// emitted by the source are always transported)
    #[serde(default)]
    pub photon_electrons: PhotonElectrons,
}
