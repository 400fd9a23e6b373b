//! Materials: elemental compositions by mass fraction, nominal densities, mixtures, and the
//! conversion of CT numbers (HU) to (material, density).
//!
//! Compositions come from `data/materials.toml` (ICRU-44/46 as listed by NIST; the file names the
//! source of each); the HU calibration from `data/hu_schneider.toml` (Schneider et al. 2000).

use crate::tables::{self, atomic_number};
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A material: name, elemental mass fractions (normalised to 1), nominal density, and an
/// optional mean excitation energy that overrides the tabulated or Bragg-rule one.
#[derive(Clone, Debug, PartialEq)]
pub struct Material {
    pub name: String,
    /// (atomic number, mass fraction), fractions summing to 1
    pub elements: Vec<(u8, f64)>,
    /// g/cm3 (0 only for [`Material::vacuum`])
    pub nominal_density: f64,
    pub source: String,
    /// mean excitation energy I (eV) given by the user, for electron, positron and ion
    /// stopping powers; None: the tabulated value of the medium, else the Bragg rule
    pub i_ev: Option<f64>,
}

impl Material {
    /// Builds a material from (Z, mass fraction) pairs, renormalising the fractions.
    pub fn new(
        name: &str,
        elements: &[(u8, f64)],
        nominal_density: f64,
        source: &str,
    ) -> Result<Self> {
        if elements.is_empty() {
            bail!("material '{name}': no elements");
        }
        if !(nominal_density.is_finite() && nominal_density > 0.0) {
            bail!("material '{name}': density {nominal_density} g/cm3, expected a positive number");
        }
        let total: f64 = elements.iter().map(|e| e.1).sum();
        if elements.iter().any(|e| !(e.1.is_finite() && e.1 >= 0.0)) || total <= 0.0 {
            bail!("material '{name}': mass fractions must be non-negative and sum to a positive value");
        }
        let mut el: Vec<(u8, f64)> = elements.iter().map(|&(z, w)| (z, w / total)).collect();
        el.sort_by_key(|e| e.0);
        Ok(Material {
            name: name.to_string(),
            elements: el,
            nominal_density,
            source: source.to_string(),
            i_ev: None,
        })
    }

    /// The same material with a mean excitation energy `i_ev` (eV) of the user's.
    ///
    /// # Errors
    /// An I that is not a positive number.
    pub fn with_i_ev(mut self, i_ev: f64) -> Result<Self> {
        if !(i_ev.is_finite() && i_ev > 0.0) {
            bail!(
                "material '{}': I = {i_ev} eV, expected a positive number",
                self.name
            );
        }
        self.i_ev = Some(i_ev);
        Ok(self)
    }

    /// Vacuum: no matter (density 0). Particles cross its voxels without interacting or
    /// losing energy; its voxels have no mass and score no dose. Its element list (hydrogen)
    /// only gives the physics tables a shape; they are never used at density 0.
    pub fn vacuum() -> Self {
        Material {
            name: VACUUM.into(),
            elements: vec![(1, 1.0)],
            nominal_density: 0.0,
            source: "vacuum (no matter)".into(),
            i_ev: None,
        }
    }

    /// Whether this is [`Material::vacuum`].
    pub fn is_vacuum(&self) -> bool {
        self.nominal_density == 0.0
    }

    /// A mixture of materials by mass fraction (fractions renormalised); density is the
    /// mass-weighted harmonic mean of the nominal densities (volumes add).
    pub fn mix(name: &str, parts: &[(&Material, f64)]) -> Result<Self> {
        let total: f64 = parts.iter().map(|p| p.1).sum();
        if parts.is_empty() || total <= 0.0 || parts.iter().any(|p| p.1.is_nan() || p.1 < 0.0) {
            bail!("mixture '{name}': fractions must be non-negative and sum to a positive value");
        }
        let mut by_z: BTreeMap<u8, f64> = BTreeMap::new();
        let mut inv_rho = 0.0;
        for (m, w) in parts {
            let w = w / total;
            inv_rho += w / m.nominal_density;
            for &(z, f) in &m.elements {
                *by_z.entry(z).or_default() += w * f;
            }
        }
        let el: Vec<(u8, f64)> = by_z.into_iter().collect();
        let src = parts
            .iter()
            .map(|(m, w)| format!("{} {:.4}", m.name, w / total))
            .collect::<Vec<_>>()
            .join(" + ");
        Material::new(name, &el, 1.0 / inv_rho, &format!("mixture by mass: {src}"))
    }
}

/// The name of [`Material::vacuum`], always in the material library.
pub const VACUUM: &str = "vacuum";

/// A material defined by the user (a run file's `[materials.NAME]`): elements by mass fraction,
/// density and an optional mean excitation energy.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// elemental mass fractions by symbol, e.g. { H = 0.111894, O = 0.888106 } (renormalised)
    pub composition: BTreeMap<String, f64>,
    /// g/cm3
    pub density: f64,
    /// mean excitation energy I (eV); default: the Bragg rule over the elements (ICRU-37
    /// values for atoms in compounds)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i_ev: Option<f64>,
    /// where the composition comes from (for the report)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl MaterialSpec {
    /// The material `name` of this spec.
    ///
    /// # Errors
    /// An unknown element symbol, bad fractions, a density or I that is not positive.
    pub fn material(&self, name: &str) -> Result<Material> {
        let mut el = Vec::new();
        for (sym, w) in &self.composition {
            let z = atomic_number(sym)
                .ok_or_else(|| anyhow!("material '{name}': unknown element symbol '{sym}'"))?;
            el.push((z, *w));
        }
        let source = if self.source.is_empty() {
            "defined in the run file"
        } else {
            &self.source
        };
        let m = Material::new(name, &el, self.density, source)?;
        match self.i_ev {
            Some(i) => m.with_i_ev(i),
            None => Ok(m),
        }
    }
}

#[derive(Deserialize)]
struct MaterialEntry {
    source: String,
    nominal_density: f64,
    composition: BTreeMap<String, f64>,
}

/// The material library of `data/materials.toml`.
#[derive(Clone, Debug)]
pub struct MaterialDb {
    pub materials: Vec<Material>,
}

impl MaterialDb {
    /// Loads `data/materials.toml`.
    pub fn load() -> Result<Self> {
        let (path, text) = tables::read_data_file("materials.toml")?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let raw: BTreeMap<String, MaterialEntry> = toml::from_str(text)?;
        let mut materials = Vec::new();
        for (name, e) in raw {
            let mut el = Vec::new();
            for (sym, w) in &e.composition {
                let z = atomic_number(sym)
                    .ok_or_else(|| anyhow!("material '{name}': unknown element symbol '{sym}'"))?;
                el.push((z, *w));
            }
            materials.push(Material::new(&name, &el, e.nominal_density, &e.source)?);
        }
        materials.push(Material::vacuum());
        Ok(MaterialDb { materials })
    }

    /// A material by name for a homogeneous medium (kernels, voxel S-values, tables): like
    /// [`MaterialDb::get`], but vacuum, which has no matter to deposit dose in, is refused.
    pub fn medium(&self, name: &str) -> Result<&Material> {
        let m = self.get(name)?;
        if m.is_vacuum() {
            bail!("medium '{name}': a homogeneous medium needs matter; vacuum is for voxels of a phantom");
        }
        Ok(m)
    }

    /// This library with the user's materials added (a run file's `[materials]`).
    ///
    /// # Errors
    /// A name the library already has (`materials.NAME`), or a bad definition.
    pub fn with_user(&self, user: &BTreeMap<String, MaterialSpec>) -> Result<Self> {
        let mut db = self.clone();
        for (name, spec) in user {
            if self.get(name).is_ok() {
                crate::spec_bail!(
                    format!("materials.{name}"),
                    "'{name}' is a built-in material; give yours another name"
                );
            }
            let m = spec.material(name).map_err(|e| {
                crate::error::spec_error(format!("materials.{name}"), format!("{e:#}"))
            })?;
            db.materials.push(m);
        }
        Ok(db)
    }

    /// Names of all materials.
    pub fn names(&self) -> Vec<&str> {
        self.materials.iter().map(|m| m.name.as_str()).collect()
    }

    /// A material by name; the error lists the known names.
    pub fn get(&self, name: &str) -> Result<&Material> {
        self.materials
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| {
                anyhow!(
                    "unknown material or medium '{}': expected one of {}",
                    name,
                    self.names().join(", ")
                )
            })
    }
}

#[derive(Deserialize)]
struct HuFile {
    source: String,
    hu_min: f64,
    hu_max: f64,
    density_ramp: Vec<(f64, f64)>,
    intervals: Vec<(f64, String)>,
}

/// A piecewise CT calibration: HU -> density by a linear ramp, HU -> material by intervals.
#[derive(Clone, Debug)]
pub struct HuCalibration {
    pub source: String,
    pub hu_min: f64,
    pub hu_max: f64,
    ramp_hu: Vec<f64>,
    ramp_rho: Vec<f64>,
    /// (upper bound exclusive, material name)
    pub intervals: Vec<(f64, String)>,
}

/// Result of converting a CT volume.
#[derive(Clone, Debug)]
pub struct HuConversion {
    /// index into `HuCalibration::intervals` per voxel
    pub medium: Vec<u8>,
    pub density: Vec<f32>,
    /// number of voxels whose HU lay outside [hu_min, hu_max] and were clamped
    pub clamped: usize,
}

impl HuCalibration {
    /// The default Schneider-style calibration of `data/hu_schneider.toml`.
    pub fn default_schneider() -> Result<Self> {
        let (path, text) = tables::read_data_file("hu_schneider.toml")?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    /// A user calibration in the same TOML format.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}: HU calibration", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let f: HuFile = toml::from_str(text)?;
        if f.density_ramp.len() < 2 {
            bail!("density_ramp: expected at least two (HU, g/cm3) nodes");
        }
        if f.density_ramp.windows(2).any(|w| w[1].0 < w[0].0)
            || f.density_ramp.iter().any(|p| p.1.is_nan() || p.1 <= 0.0)
        {
            bail!("density_ramp: HU must increase and densities be positive");
        }
        if f.intervals.is_empty() || f.intervals.windows(2).any(|w| w[1].0 <= w[0].0) {
            bail!("intervals: expected increasing upper HU bounds");
        }
        if f.intervals.last().unwrap().0 <= f.hu_max {
            bail!("intervals: the last upper bound must exceed hu_max");
        }
        Ok(HuCalibration {
            source: f.source,
            hu_min: f.hu_min,
            hu_max: f.hu_max,
            ramp_hu: f.density_ramp.iter().map(|p| p.0).collect(),
            ramp_rho: f.density_ramp.iter().map(|p| p.1).collect(),
            intervals: f.intervals,
        })
    }

    /// (interval index, density g/cm3) of one HU value, clamped to [hu_min, hu_max].
    pub fn convert(&self, hu: f64) -> (u8, f64) {
        let h = hu.clamp(self.hu_min, self.hu_max);
        let rho = crate::numerics::interp_linear(&self.ramp_hu, &self.ramp_rho, h);
        let m = self
            .intervals
            .iter()
            .position(|iv| h < iv.0)
            .unwrap_or(self.intervals.len() - 1);
        (m as u8, rho)
    }

    /// Converts a whole CT volume. NaN HU values are an error naming the voxel.
    pub fn convert_volume(&self, hu: &[f64]) -> Result<HuConversion> {
        let mut medium = Vec::with_capacity(hu.len());
        let mut density = Vec::with_capacity(hu.len());
        let mut clamped = 0;
        for (i, &h) in hu.iter().enumerate() {
            if !h.is_finite() {
                bail!("CT voxel {i}: HU value {h}, expected a finite number");
            }
            if h < self.hu_min || h > self.hu_max {
                clamped += 1;
            }
            let (m, r) = self.convert(h);
            medium.push(m);
            density.push(r as f32);
        }
        Ok(HuConversion {
            medium,
            density,
            clamped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixture_conserves_element_mass() {
        let w = Material::new("w", &[(1, 0.111894), (8, 0.888106)], 1.0, "").unwrap();
        let a = Material::new("a", &[(7, 0.76), (8, 0.24)], 0.0012, "").unwrap();
        let m = Material::mix("m", &[(&w, 0.5), (&a, 0.5)]).unwrap();
        let o = m.elements.iter().find(|e| e.0 == 8).unwrap().1;
        assert!((o - 0.5 * (0.888106 + 0.24)).abs() < 1e-12);
        assert!(Material::new("bad", &[(1, -1.0)], 1.0, "").is_err());
        assert!(Material::new("bad", &[(1, 1.0)], f64::NAN, "").is_err());
    }
}
