//! What a dose computation is asked: the method and its options, as a study section or the
//! command's flags deserialise into them.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    #[serde(deserialize_with = "crate::units::deserialize_count")]
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
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub kernel_histories: u64,
    /// vsv: folder of cached kernels (default: the context's cache folder, `vsv/` inside it)
    #[serde(default)]
    pub kernel_cache: Option<PathBuf>,
    /// decay data: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1), for the whole
    /// chain; a prefix on `nuclide` ("endf:Lu-177") overrides it
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
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
    /// The decay data used: the prefix of `nuclide` ("endf:Lu-177") or `decay_data`.
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] on `nuclide` for an unknown prefix.
    pub fn decay_data_used(&self) -> Result<crate::source::DecayData> {
        crate::source::DecayData::of_name(&self.nuclide, self.decay_data)
            .map_err(|e| crate::error::spec_error("nuclide", format!("{e:#}")))
    }

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
            decay_data: Default::default(),
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
