//! One medium (a material at a density) for electrons and positrons: mean excitation energy,
//! density effect, and the radiative data of its elements; stopping powers by direct evaluation.
//! [`super::StoppingTable`] tabulates these for the transport.

use super::collision::{self, DensityEffect};
use super::data::{ElementRadiative, MediaData};
use super::Lepton;
use crate::materials::Material;
use crate::units::{AVOGADRO, BARN_CM2, ELECTRON_MASS_MEV};
use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How the mean excitation energy of a medium was obtained.
#[derive(Clone, Debug, PartialEq)]
pub enum ExcitationSource {
    /// Tabulated for this medium in `data/electron/media.toml` (the entry's source text).
    Tabulated(String),
    /// Bragg additivity over the constituents (ICRU-37 values for atoms in compounds).
    Bragg,
    /// Given with the material by the user (a run file's `[materials.NAME] i_ev`).
    User,
}

/// A material at a density, ready for electron and positron stopping powers.
#[derive(Clone, Debug)]
pub struct ElectronMedium {
    pub name: String,
    /// g/cm3
    pub density: f64,
    /// <Z/A> in mol/g
    pub z_over_a: f64,
    /// mean excitation energy I in eV
    pub i_ev: f64,
    pub excitation_source: ExcitationSource,
    pub density_effect: DensityEffect,
    /// (atoms per gram, element data); also (Z, mass fraction) for the positron correction
    elements: Vec<(f64, f64, Arc<ElementRadiative>)>,
}

/// Caches element radiative tables so each file is read once.
#[derive(Default)]
pub struct ElementCache(BTreeMap<u8, Arc<ElementRadiative>>);

impl ElementCache {
    pub fn get(&mut self, z: u8) -> Result<Arc<ElementRadiative>> {
        if let Some(d) = self.0.get(&z) {
            return Ok(d.clone());
        }
        let d = Arc::new(ElementRadiative::load(z)?);
        self.0.insert(z, d.clone());
        Ok(d)
    }
}

impl ElectronMedium {
    /// Builds `material` at `density` (g/cm3), loading `data/electron/`.
    ///
    /// # Errors
    /// A density that is not positive and finite, an element without data in
    /// `data/electron/`, or unreadable data files.
    pub fn new(material: &Material, density: f64) -> Result<Self> {
        let media = MediaData::load()?;
        Self::with_data(material, density, &media, &mut ElementCache::default())
    }

    /// As [`ElectronMedium::new`] with already loaded data (for many media).
    pub fn with_data(
        material: &Material,
        density: f64,
        media: &MediaData,
        cache: &mut ElementCache,
    ) -> Result<Self> {
        if !(density.is_finite() && density > 0.0) {
            return Err(anyhow!(
                "material '{}': density {density} g/cm3, expected a positive number",
                material.name
            ));
        }
        let mut elements = Vec::new();
        let mut z_over_a = 0.0;
        for &(z, w) in &material.elements {
            let d = cache.get(z)?;
            z_over_a += w * z as f64 / d.atomic_weight;
            elements.push((w * AVOGADRO / d.atomic_weight, w, d));
        }
        // A tabulated medium applies only to the composition it was tabulated for.
        let entry = media
            .media
            .get(&material.name)
            .filter(|m| (m.z_over_a / z_over_a - 1.0).abs() < 5e-3);
        // a user's I replaces the tabulated one, and with it the tabulated density-effect fit
        let entry = entry.filter(|_| material.i_ev.is_none());
        let (i_ev, excitation_source) = match (material.i_ev, entry) {
            (Some(i), _) => (i, ExcitationSource::User),
            (None, Some(m)) => (m.i_ev, ExcitationSource::Tabulated(m.source.clone())),
            (None, None) => (bragg_i_ev(material, media, cache)?, ExcitationSource::Bragg),
        };
        let density_effect = match entry.and_then(|m| m.sternheimer) {
            Some(fit) => DensityEffect::published(fit, density),
            None => DensityEffect::general(i_ev, density, z_over_a),
        };
        Ok(ElectronMedium {
            name: material.name.clone(),
            density,
            z_over_a,
            i_ev,
            excitation_source,
            density_effect,
            elements,
        })
    }

    /// Unrestricted collision stopping power (MeV cm2/g) at kinetic energy `t_mev`.
    pub fn collision(&self, lepton: Lepton, t_mev: f64) -> f64 {
        collision::collision(
            lepton,
            t_mev,
            self.z_over_a,
            self.i_ev,
            &self.density_effect,
        )
    }

    /// Collision stopping power (MeV cm2/g) restricted to energy transfers below `cut_mev`.
    pub fn restricted_collision(&self, lepton: Lepton, t_mev: f64, cut_mev: f64) -> f64 {
        collision::restricted_collision(
            lepton,
            t_mev,
            cut_mev,
            self.z_over_a,
            self.i_ev,
            &self.density_effect,
        )
    }

    /// Radiative stopping power (MeV cm2/g): sum over elements of N_A w / A sigma_brems ET
    /// (EEDL). For positrons each element's value is multiplied by the positron/electron ratio
    /// F_p(Z, T) = 1 - exp(-t (0.12359 - t (0.061274 - ...))), t = ln(1 + 10^6 T/(Z^2 m c^2)),
    /// the fit of Salvat et al., PENELOPE-2011 (OECD-NEA), eq. 3.163, to the ratios of Kim et al.,
    /// Phys. Rev. A 33 (1986) 3002.
    pub fn radiative(&self, lepton: Lepton, t_mev: f64) -> f64 {
        self.radiative_below(lepton, t_mev, f64::INFINITY)
    }

    /// Radiative stopping power (MeV cm2/g) from photons below `k_cut_mev` only.
    pub fn radiative_below(&self, lepton: Lepton, t_mev: f64, k_cut_mev: f64) -> f64 {
        let kappa = k_cut_mev / t_mev;
        self.elements
            .iter()
            .map(|(n, _, d)| {
                let mut s = n * d.loss_mev_b(t_mev) * BARN_CM2;
                if kappa < 1.0 {
                    s *= d.loss_fraction_below(t_mev, kappa);
                }
                if lepton == Lepton::Positron {
                    s *= positron_radiative_ratio(d.z, t_mev);
                }
                s
            })
            .sum()
    }

    /// Total (unrestricted) stopping power, collision + radiative (MeV cm2/g).
    pub fn total(&self, lepton: Lepton, t_mev: f64) -> f64 {
        self.collision(lepton, t_mev) + self.radiative(lepton, t_mev)
    }
}

/// Positron/electron radiative stopping-power ratio for element `z` at kinetic energy `t_mev`
/// (PENELOPE-2011 eq. 3.163, a fit to Kim et al. 1986).
pub fn positron_radiative_ratio(z: u8, t_mev: f64) -> f64 {
    let zf = z as f64;
    let t = (1.0 + 1e6 / (zf * zf) * t_mev / ELECTRON_MASS_MEV).ln();
    // coefficients of PENELOPE-2011 eq. 3.163
    let p = t
        * (-1.2359e-1
            + t * (6.1274e-2
                + t * (-3.1516e-2
                    + t * (7.7446e-3 + t * (-1.0595e-3 + t * (7.0568e-5 - 1.8080e-6 * t))))));
    1.0 - p.exp()
}

/// Mean excitation energy (eV) by the Bragg rule, ln I = sum w (Z/A) ln I_i / sum w (Z/A), with
/// the ICRU-37 values for atoms bound in condensed compounds (`data/electron/media.toml`).
pub fn bragg_i_ev(material: &Material, media: &MediaData, cache: &mut ElementCache) -> Result<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for &(z, w) in &material.elements {
        let i = match media.constituent_i_ev.get(&z) {
            Some(&i) => i,
            None => {
                media.other_factor
                    * media.element_i_ev.get(&z).copied().ok_or_else(|| {
                        anyhow!(
                            "material '{}': no mean excitation energy for Z = {z} in \
                             data/electron/media.toml [elements]",
                            material.name
                        )
                    })?
            }
        };
        let za = w * z as f64 / cache.get(z)?.atomic_weight;
        num += za * i.ln();
        den += za;
    }
    Ok((num / den).exp())
}
