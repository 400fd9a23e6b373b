//! The dosimetry sections of a therapy study file ([`DOSIMETRY_KEYS`]) as a [`DosimetrySpec`],
//! with the study's lesion size ([`LesionScaling`]) taken off `[phantom]`.

use crate::study::dosimetry::DosimetrySpec;
use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use std::path::Path;

/// The top-level keys that belong to the dosimetry study ([`DosimetrySpec`]).
pub const DOSIMETRY_KEYS: [&str; 5] = ["phantom", "therapy", "kinetics", "imaging", "dose"];

/// Lesion size of a therapy study: `[phantom] lesion_scale` (a factor on the linear size of the
/// lesion shapes, default 1) and `lesion_uptake` ("concentration", default: the uptake fraction
/// of each lesion kinetics region scales with its volume, scale³, so the activity concentration
/// stays that of the file; "fraction": the uptake fractions stay as written, the concentration
/// falls as 1/scale³). Lesions are the regions named `lesion*`, `tumour*` or `tumor*` (the hot
/// regions of [`crate::pet::phantom_activity`]); the scaled phantom is written beside the
/// dosimetry ([`crate::phantom::builtin::PhantomDef::scale_lesions`]).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LesionScaling {
    pub scale: f64,
    /// true: constant concentration (uptake fraction x scale³)
    pub constant_concentration: bool,
}

impl Default for LesionScaling {
    fn default() -> Self {
        LesionScaling {
            scale: 1.0,
            constant_concentration: true,
        }
    }
}

/// Whether a region is a lesion for [`LesionScaling`].
pub fn is_lesion(region: &str) -> bool {
    ["lesion", "tumour", "tumor"]
        .iter()
        .any(|p| region.starts_with(p))
}

/// The dosimetry sections of a study table as a [`DosimetrySpec`]; a phantom TOML path is taken
/// relative to the study file's folder.
///
/// # Errors
/// A missing or invalid section, named with the file.
pub fn dosimetry_from_table(table: &toml::Table, path: &Path) -> Result<DosimetrySpec> {
    Ok(dosimetry_and_lesions(table, path)?.0)
}

/// [`dosimetry_from_table`] and the study's [`LesionScaling`] (taken off `[phantom]`); the
/// lesion kinetics are scaled.
///
/// # Errors
/// As [`dosimetry_from_table`]; a lesion scale that is not a positive number, an unknown
/// `lesion_uptake`.
pub fn dosimetry_and_lesions(
    table: &toml::Table,
    path: &Path,
) -> Result<(DosimetrySpec, LesionScaling)> {
    let f = path.display();
    let mut table = table.clone();
    let mut lesions = LesionScaling::default();
    if let Some(toml::Value::Table(ph)) = table.get_mut("phantom") {
        if let Some(v) = ph.remove("lesion_scale") {
            let s = v.as_float().or(v.as_integer().map(|i| i as f64));
            match s {
                Some(s) if s.is_finite() && s > 0.0 => lesions.scale = s,
                _ => bail!("{f}: phantom.lesion_scale = {v}: expected a positive number"),
            }
        }
        match ph.remove("lesion_uptake") {
            None => {}
            Some(v) => match v.as_str() {
                Some("concentration") => {}
                Some("fraction") => lesions.constant_concentration = false,
                _ => bail!(
                    "{f}: phantom.lesion_uptake = {v}: expected \"concentration\" or \"fraction\""
                ),
            },
        }
    }
    // the decay chain at secular equilibrium at the decay site unless the file says otherwise
    // (Ac-225 and its daughters, as studies/ac225-psma.toml; Lu-177's daughter is stable, so
    // this changes nothing for it), so a sweep over therapy.nuclide needs no second key
    if let Some(toml::Value::Table(th)) = table.get_mut("therapy") {
        th.entry("chain").or_insert(toml::Value::Boolean(true));
    }
    let table = &table;
    let mut d = toml::Table::new();
    for k in DOSIMETRY_KEYS {
        match table.get(k) {
            Some(v) => {
                d.insert(k.to_string(), v.clone());
            }
            None => bail!("{}: missing section [{k}]", path.display()),
        }
    }
    let mut spec: DosimetrySpec = toml::Value::Table(d)
        .try_into()
        .map_err(|e| anyhow!("{}: dosimetry sections: {e}", path.display()))?;
    let b = &spec.phantom.builtin;
    if b.ends_with(".toml") && Path::new(b).is_relative() {
        let base = path.parent().unwrap_or(Path::new("."));
        spec.phantom.builtin = base.join(b).to_string_lossy().to_string();
    }
    if lesions.constant_concentration {
        let v = lesions.scale.powi(3);
        for k in spec.kinetics.iter_mut().filter(|k| is_lesion(&k.region)) {
            if let Some(f) = k.uptake_fraction.as_mut() {
                *f *= v;
            }
        }
    }
    Ok((spec, lesions))
}
