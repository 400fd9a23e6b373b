//! PET scanner models: `data/pet/<name>.toml` (or any TOML file of the same shape).
//!
//! A scanner is a single ring of crystals. What the simulation uses from it:
//! - the system blur of one detected pair, after Moses (Nucl Instrum Methods A 2011;648:S236):
//!   FWHM^2 = (d/2)^2 + (0.0022 D)^2 + b^2, with d the crystal width (axial: the crystal's axial
//!   size), D the ring diameter (the 0.0022 D term is the annihilation-photon non-collinearity
//!   of 0.25 deg FWHM) and b the block decoding error. Positron range is simulated separately
//!   (from transport), and Moses' reconstruction factor a ~ 1.25 is not applied because the
//!   reconstruction is simulated; depth-of-interaction parallax (zero at the centre) is ignored;
//! - the absolute sensitivity (counts per annihilation inside the axial FOV, averaged over it);
//! - the number of crystals per ring (it caps the number of projection angles);
//! - the transaxial FOV (an object wider than it is refused).
//!
//! Time of flight and the energy window are recorded for the summary only: the reconstruction is
//! non-TOF, and scatter is an additive background whose fraction the caller gives.

use crate::tables::data_dir;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Non-collinearity blur per mm of ring diameter (FWHM), Moses 2011 (0.25 deg FWHM deviation).
pub const NONCOLLINEARITY_PER_MM: f64 = 0.0022;

/// A PET scanner model.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scanner {
    pub name: String,
    pub description: String,
    /// detector ring diameter (mm)
    pub ring_diameter_mm: f64,
    /// transaxial field of view (mm, diameter)
    pub transaxial_fov_mm: f64,
    /// axial field of view (mm)
    pub axial_fov_mm: f64,
    /// crystal width in the transaxial direction (mm)
    pub crystal_width_mm: f64,
    /// crystal size in the axial direction (mm)
    pub crystal_axial_mm: f64,
    /// crystal depth (mm), recorded only
    pub crystal_depth_mm: f64,
    pub crystals_per_ring: usize,
    /// block decoding error b (FWHM, mm)
    pub decoding_fwhm_mm: f64,
    /// NEMA sensitivity as published (cps/kBq), recorded only
    pub sensitivity_cps_per_kbq: f64,
    /// absolute sensitivity: counts per annihilation in the axial FOV, averaged over it
    pub efficiency: f64,
    /// NEMA scatter fraction, recorded (a suggested `scatter_fraction`)
    pub scatter_fraction_nema: f64,
    /// coincidence timing resolution (ps, FWHM), if time of flight; recorded only
    pub tof_fwhm_ps: Option<f64>,
    /// energy window (keV), recorded only
    pub energy_window_kev: [f64; 2],
    /// default voxel size of images of this scanner (mm)
    pub default_voxel_mm: f64,
}

impl Scanner {
    /// Loads `data/pet/<name>.toml`, or the TOML file at `name_or_path`.
    ///
    /// # Errors
    /// An unknown name (the error lists the built-in scanners), an unreadable or invalid file,
    /// a non-positive size or an efficiency outside (0, 1].
    pub fn load(name_or_path: &str) -> Result<Scanner> {
        let p = Path::new(name_or_path);
        let path = if p.extension().is_some_and(|e| e == "toml") && p.exists() {
            p.to_path_buf()
        } else {
            let path = data_dir().join("pet").join(format!("{name_or_path}.toml"));
            if !path.exists() {
                bail!(
                    "unknown scanner '{name_or_path}': built-in scanners are {}",
                    builtin_names().join(", ")
                );
            }
            path
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let s: Scanner = toml::from_str(&text)
            .with_context(|| format!("{}: invalid scanner model", path.display()))?;
        s.validate()
            .with_context(|| format!("{}: invalid scanner model", path.display()))?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        for (what, v) in [
            ("ring_diameter_mm", self.ring_diameter_mm),
            ("transaxial_fov_mm", self.transaxial_fov_mm),
            ("axial_fov_mm", self.axial_fov_mm),
            ("crystal_width_mm", self.crystal_width_mm),
            ("crystal_axial_mm", self.crystal_axial_mm),
            ("default_voxel_mm", self.default_voxel_mm),
        ] {
            if !(v.is_finite() && v > 0.0) {
                bail!("{what} = {v}, expected a positive length");
            }
        }
        if !(self.decoding_fwhm_mm.is_finite() && self.decoding_fwhm_mm >= 0.0) {
            bail!(
                "decoding_fwhm_mm = {}, expected >= 0",
                self.decoding_fwhm_mm
            );
        }
        if !(self.efficiency > 0.0 && self.efficiency <= 1.0) {
            bail!(
                "efficiency = {}, expected a fraction in (0, 1]",
                self.efficiency
            );
        }
        if self.crystals_per_ring < 8 {
            bail!(
                "crystals_per_ring = {}, expected at least 8",
                self.crystals_per_ring
            );
        }
        Ok(())
    }

    /// Transaxial FWHM (mm) of the system blur: crystal, non-collinearity and decoding error
    /// in quadrature (Moses 2011, without positron range and reconstruction factor).
    pub fn transaxial_fwhm_mm(&self) -> f64 {
        self.fwhm_mm(self.crystal_width_mm)
    }

    /// Axial FWHM (mm) of the system blur (the crystal's axial size in place of its width).
    pub fn axial_fwhm_mm(&self) -> f64 {
        self.fwhm_mm(self.crystal_axial_mm)
    }

    fn fwhm_mm(&self, d: f64) -> f64 {
        let nc = NONCOLLINEARITY_PER_MM * self.ring_diameter_mm;
        ((0.5 * d).powi(2) + nc * nc + self.decoding_fwhm_mm.powi(2)).sqrt()
    }
}

/// Names of the built-in scanner models (`data/pet/*.toml`).
pub fn builtin_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data_dir().join("pet"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let p = e.path();
                    let stem = p.file_stem()?.to_string_lossy().to_string();
                    (p.extension()? == "toml").then_some(stem)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
