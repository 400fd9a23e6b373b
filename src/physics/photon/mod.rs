//! Photon physics, 1 keV to 20 MeV: photoelectric absorption, incoherent (Compton) scattering,
//! coherent (Rayleigh) scattering and pair production, from the EPDL-based ENDF/B-VIII.1
//! photo-atomic cross sections (`data/photon/`), mixed by mass fraction.
//!
//! Per material the cross sections are tabulated on one grid uniform in ln E so a lookup is O(1).
//! Model assumptions (read before trusting low energies in high-Z media):
//! - photoelectric: the photoelectron carries the whole photon energy (binding energy included);
//!   fluorescence is not emitted (tissue elements have K x-rays below 4 keV, absorbed within
//!   micrometres); mu_en does account for fluorescence escape.
//! - incoherent: Klein-Nishina angles, with the S(x, Z) binding rejection when
//!   `compton_binding` is on (default), no Doppler broadening;
//! - pair (nuclear + electron field, triplet treated as pair): kinetic energy shared uniformly
//!   between electron and positron, both emitted along the photon direction.

pub mod compton;
pub mod rayleigh;

use crate::materials::Material;
use crate::numerics::{clamped_index, interp_loglog, LogGrid, Vec3};
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::rng::HistoryRng;
use crate::tables::ElementPhotonData;
use crate::units::{AVOGADRO, BARN_CM2, ELECTRON_MASS_MEV, HC_KEV_ANGSTROM};
use anyhow::Result;
use rayleigh::RayleighSampler;
use std::collections::BTreeMap;

/// Lowest and highest photon energies of the tables (MeV).
pub const E_MIN_MEV: f64 = 1e-3;
pub const E_MAX_MEV: f64 = 20.0;
const N_GRID: usize = 2048;
/// S(x) tabulation: log-uniform x grid (1/Angstrom)
const SX_MIN: f64 = 1e-4;
const SX_MAX: f64 = 1e4;
const N_SX: usize = 1024;

/// Mass coefficients of one material at one energy (cm2/g).
#[derive(Clone, Copy, Debug, Default)]
pub struct MassCoefficients {
    pub coherent: f64,
    pub incoherent: f64,
    pub photoelectric: f64,
    pub pair: f64,
    /// mass energy-transfer coefficient (no radiative-loss correction)
    pub energy_transfer: f64,
}

impl MassCoefficients {
    pub fn total(&self) -> f64 {
        self.coherent + self.incoherent + self.photoelectric + self.pair
    }
}

/// Photon tables of one material (per gram).
#[derive(Clone, Debug)]
pub struct PhotonMaterial {
    pub name: String,
    /// per grid node: total mu/rho (cm2/g), cumulative fractions coherent, +incoherent, +photo
    nodes: Vec<[f64; 4]>,
    /// mu_tr/rho per node (cm2/g)
    mu_tr: Vec<f64>,
    rayleigh: RayleighSampler,
    /// S_mix(x)/Z_mix on the log-uniform x grid
    s_over_z: Vec<f64>,
    /// x^2 beyond which S_mix/Z_mix exceeds 1 - 1e-6 (1/Angstrom^2)
    x_sat2: f64,
    /// whether `s_over_z` never decreases (so that nodes bound it between them)
    s_over_z_monotone: bool,
    elements: Vec<(f64, ElementRef)>,
}

#[derive(Clone, Debug)]
struct ElementRef {
    data: std::sync::Arc<ElementPhotonData>,
}

/// How an interaction ended for the photon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// The photon continues with its new energy and direction.
    Scattered,
    /// The photon is gone (photoelectric absorption or pair production).
    Absorbed,
}

/// The interaction types, in the order of the cumulative table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interaction {
    Coherent,
    Incoherent,
    Photoelectric,
    Pair,
}

/// Photon physics for a set of materials, indexed like the phantom's material ids.
#[derive(Clone, Debug)]
pub struct PhotonPhysics {
    pub grid: LogGrid,
    pub materials: Vec<PhotonMaterial>,
    /// Compton binding correction by S(x, Z) rejection
    pub compton_binding: bool,
    sx_ln_min: f64,
    sx_inv_d: f64,
}

impl PhotonPhysics {
    /// Builds the tables of `materials` (loading each element's data once).
    pub fn new(materials: &[Material]) -> Result<Self> {
        let grid = LogGrid::new(E_MIN_MEV, E_MAX_MEV, N_GRID);
        let mut cache: BTreeMap<u8, std::sync::Arc<ElementPhotonData>> = BTreeMap::new();
        let mut out = Vec::new();
        for m in materials {
            let mut elements = Vec::new();
            for &(z, w) in &m.elements {
                let d = match cache.get(&z) {
                    Some(d) => d.clone(),
                    None => {
                        let d = std::sync::Arc::new(ElementPhotonData::load(z)?);
                        cache.insert(z, d.clone());
                        d
                    }
                };
                let atoms_per_g = w * AVOGADRO / d.atomic_weight;
                elements.push((atoms_per_g, ElementRef { data: d }));
            }
            out.push(PhotonMaterial::build(&m.name, &grid, elements));
        }
        let sx_ln_min = SX_MIN.ln();
        let sx_inv_d = (N_SX - 1) as f64 / (SX_MAX / SX_MIN).ln();
        Ok(PhotonPhysics {
            grid,
            materials: out,
            compton_binding: true,
            sx_ln_min,
            sx_inv_d,
        })
    }

    /// Mass coefficients of material `m` at `e_mev`, computed from the element data directly
    /// (log-log interpolation), for tables and tests; the transport uses the grid.
    pub fn coefficients(&self, m: usize, e_mev: f64) -> MassCoefficients {
        self.materials[m].coefficients_at(e_mev)
    }

    /// Mass energy-absorption coefficient mu_en/rho (cm2/g). The radiative fraction g is not
    /// subtracted (it is below 0.5% for tissues under 2 MeV; electron transport will supply it).
    pub fn mu_en_rho(&self, m: usize, e_mev: f64) -> f64 {
        self.materials[m].coefficients_at(e_mev).energy_transfer
    }

    /// Grid location of an energy, shared by all materials.
    #[inline]
    pub fn locate(&self, e_mev: f64) -> (usize, f64) {
        self.grid.locate(e_mev)
    }

    /// Total mu/rho (cm2/g) of material `m` at grid location (i, f).
    #[inline]
    pub fn mu_rho(&self, m: usize, i: usize, f: f64) -> f64 {
        let n = &self.materials[m].nodes;
        n[i][0] + f * (n[i + 1][0] - n[i][0])
    }

    /// mu_tr/rho (cm2/g) of material `m` on the grid.
    pub fn mu_tr_rho_grid(&self, m: usize, e_mev: f64) -> f64 {
        let (i, f) = self.locate(e_mev);
        let t = &self.materials[m].mu_tr;
        t[i] + f * (t[i + 1] - t[i])
    }

    /// Upper bound of mu/rho of material `m` over grid interval i (for Woodcock majorants).
    pub fn mu_rho_interval_max(&self, m: usize, i: usize) -> f64 {
        let n = &self.materials[m].nodes;
        n[i][0].max(n[i + 1][0])
    }

    /// Picks the interaction type at grid location (i, f) from one uniform number.
    #[inline]
    pub fn select(&self, m: usize, i: usize, f: f64, u: f64) -> Interaction {
        let n = &self.materials[m].nodes;
        let c = |k: usize| n[i][k] + f * (n[i + 1][k] - n[i][k]);
        if u < c(1) {
            Interaction::Coherent
        } else if u < c(2) {
            Interaction::Incoherent
        } else if u < c(3) {
            Interaction::Photoelectric
        } else {
            Interaction::Pair
        }
    }

    /// Performs an interaction of `photon` in material `m`. Updates the photon's energy and
    /// direction, pushes charged secondaries (photo-, Compton and pair electrons, positrons) onto
    /// `secondaries`, and returns the photon's fate with the kinetic energy (MeV) of the photo- and
    /// Compton electrons the caller deposits at the interaction site instead: those at or below
    /// `local_electron_mev` (the caller's electron cut-off; `f64::INFINITY` when electrons are
    /// deposited locally) are not pushed, and their direction is not sampled.
    #[inline]
    pub fn interact(
        &self,
        m: usize,
        kind: Interaction,
        photon: &mut Particle,
        rng: &mut HistoryRng,
        secondaries: &mut Vec<Particle>,
        local_electron_mev: f64,
    ) -> (Fate, f64) {
        let e = photon.energy_mev;
        match kind {
            Interaction::Coherent => {
                let cos_t = self.materials[m].rayleigh.sample_cos(e, rng);
                let (c, sn) = rng.azimuth();
                photon.dir = photon.dir.rotated_cs(cos_t, c, sn);
                (Fate::Scattered, 0.0)
            }
            Interaction::Incoherent => {
                let kn = compton::KleinNishina::new(e);
                let (eps, cos_t) = loop {
                    // `u`: the sampler's spare uniform number, for the binding test
                    let (eps, cos_t, u) = kn.sample_with_spare(rng);
                    if !self.compton_binding {
                        break (eps, cos_t);
                    }
                    let k = e * 1e3 / HC_KEV_ANGSTROM;
                    let x2 = k * k * (0.5 * (1.0 - cos_t)).max(0.0);
                    // beyond x_sat, S(x)/Z > 1 - 1e-6: accept without a test (bias < 1e-6)
                    if x2 >= self.materials[m].x_sat2 || self.binding_accepts(m, x2, u) {
                        break (eps, cos_t);
                    }
                };
                let (c, sn) = rng.azimuth();
                let e_new = eps * e;
                let t_e = e - e_new;
                let new_dir = photon.dir.rotated_cs(cos_t, c, sn);
                let mut local = 0.0;
                if t_e <= local_electron_mev {
                    local = t_e;
                } else if t_e > 0.0 {
                    // electron direction from momentum conservation
                    let pe = photon.dir * e - new_dir * e_new;
                    let dir_e = if pe.norm() > 0.0 {
                        pe.normalized()
                    } else {
                        photon.dir
                    };
                    secondaries.push(Particle::new(
                        ParticleKind::Electron,
                        t_e,
                        photon.pos,
                        dir_e,
                    ));
                }
                photon.dir = new_dir;
                photon.energy_mev = e_new;
                (Fate::Scattered, local)
            }
            Interaction::Photoelectric => {
                if e <= local_electron_mev {
                    return (Fate::Absorbed, e);
                }
                let dir = isotropic_rng(rng);
                secondaries.push(Particle::new(ParticleKind::Electron, e, photon.pos, dir));
                (Fate::Absorbed, 0.0)
            }
            Interaction::Pair => {
                let t = (e - 2.0 * ELECTRON_MASS_MEV).max(0.0);
                let t_minus = t * rng.uniform();
                secondaries.push(Particle::new(
                    ParticleKind::Electron,
                    t_minus,
                    photon.pos,
                    photon.dir,
                ));
                secondaries.push(Particle::new(
                    ParticleKind::Positron,
                    t - t_minus,
                    photon.pos,
                    photon.dir,
                ));
                (Fate::Absorbed, 0.0)
            }
        }
    }

    /// Whether the binding rejection keeps a Compton sample: `u <= S(x)/Z` (x^2 in
    /// 1/Angstrom^2, `u` uniform). S/Z is first bracketed without a logarithm: ln x^2 lies
    /// within 0.0861 ln 2 above (exponent + mantissa fraction) ln 2, since log2(1 + f) - f is in
    /// [0, 0.08607] for f in [0, 1), so the nodes around that range bound the (non-decreasing)
    /// interpolated S/Z; only a `u` inside the bracket needs the exact value. Same decisions as
    /// `u <= s_over_z2`.
    #[inline]
    fn binding_accepts(&self, m: usize, x2: f64, u: f64) -> bool {
        let pm = &self.materials[m];
        if pm.s_over_z_monotone && x2 > SX_MIN * SX_MIN {
            let half_ln2 = 0.5 * std::f64::consts::LN_2;
            // margins of 1e-9 nodes cover the rounding of this and of `s_over_z2`
            let t_lo =
                (0.5 * crate::numerics::ln_lower_bound(x2) - self.sx_ln_min) * self.sx_inv_d - 1e-9;
            let t_hi = t_lo + half_ln2 * 0.0861 * self.sx_inv_d + 2e-9;
            let s = &pm.s_over_z;
            if u <= s[clamped_index(t_lo, N_SX)] {
                return true;
            }
            if u > s[(clamped_index(t_hi, N_SX) + 1).min(N_SX - 1)] {
                return false;
            }
        }
        u <= self.s_over_z2(m, x2)
    }

    /// S(x)/Z of material `m` as a function of x^2 (x in 1/Angstrom).
    #[inline]
    fn s_over_z2(&self, m: usize, x2: f64) -> f64 {
        if x2 <= SX_MIN * SX_MIN {
            return 0.0;
        }
        let t = (0.5 * x2.ln() - self.sx_ln_min) * self.sx_inv_d;
        let s = &self.materials[m].s_over_z;
        let i = clamped_index(t, N_SX);
        if i >= N_SX - 1 {
            return s[N_SX - 1];
        }
        let f = t - i as f64;
        s[i] + f * (s[i + 1] - s[i])
    }
}

impl PhotonMaterial {
    fn build(name: &str, grid: &LogGrid, elements: Vec<(f64, ElementRef)>) -> Self {
        let mut pm = PhotonMaterial {
            name: name.to_string(),
            nodes: Vec::with_capacity(grid.n),
            mu_tr: Vec::with_capacity(grid.n),
            rayleigh: RayleighSampler::new(
                &elements
                    .iter()
                    .map(|(n, e)| (*n, e.data.ff_x.as_slice(), e.data.ff.as_slice()))
                    .collect::<Vec<_>>(),
            ),
            s_over_z: Vec::with_capacity(N_SX),
            x_sat2: f64::INFINITY,
            s_over_z_monotone: false,
            elements,
        };
        for i in 0..grid.n {
            let c = pm.coefficients_at(grid.node(i));
            let tot = c.total();
            pm.nodes.push([
                tot,
                c.coherent / tot,
                (c.coherent + c.incoherent) / tot,
                (c.coherent + c.incoherent + c.photoelectric) / tot,
            ]);
            pm.mu_tr.push(c.energy_transfer);
        }
        let electrons: f64 = pm.elements.iter().map(|(n, e)| n * e.data.z as f64).sum();
        for k in 0..N_SX {
            let x = SX_MIN * (SX_MAX / SX_MIN).powf(k as f64 / (N_SX - 1) as f64);
            let s: f64 = pm
                .elements
                .iter()
                .map(|(n, e)| {
                    let d = &e.data;
                    let v = if x <= d.sf_x[0] {
                        d.sf[0]
                    } else {
                        interp_loglog(&d.sf_x, &d.sf, x)
                    };
                    n * v
                })
                .sum();
            pm.s_over_z.push((s / electrons).clamp(0.0, 1.0));
        }
        pm.s_over_z_monotone = pm.s_over_z.windows(2).all(|w| w[0] <= w[1]);
        let mut k_sat = N_SX;
        while k_sat > 0 && pm.s_over_z[k_sat - 1] > 1.0 - 1e-6 {
            k_sat -= 1;
        }
        if k_sat < N_SX {
            let x = SX_MIN * (SX_MAX / SX_MIN).powf(k_sat as f64 / (N_SX - 1) as f64);
            pm.x_sat2 = x * x;
        }
        pm
    }

    fn coefficients_at(&self, e: f64) -> MassCoefficients {
        let mut c = MassCoefficients::default();
        for (n, el) in &self.elements {
            let d = &el.data;
            let k = n * BARN_CM2;
            let f = |ys: &[f64]| interp_loglog(&d.energy_mev, ys, e);
            c.coherent += k * f(&d.coherent_b);
            c.incoherent += k * f(&d.incoherent_b);
            c.photoelectric += k * f(&d.photoelectric_b);
            c.pair += k * (f(&d.pair_nuclear_b) + f(&d.pair_electron_b));
            c.energy_transfer += k * f(&d.energy_transfer_b);
        }
        c
    }
}

/// The direction of a photon leaving a point isotropically, for sources.
pub fn isotropic_direction(rng: &mut HistoryRng) -> Vec3 {
    isotropic_rng(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn bracketed_binding_rejection_decides_like_the_exact_one() {
        let db = crate::materials::MaterialDb::load().unwrap();
        let mats: Vec<Material> = ["water", "cortical-bone", "lung"]
            .iter()
            .map(|n| db.get(n).unwrap().clone())
            .collect();
        let ph = PhotonPhysics::new(&mats).unwrap();
        let mut r = HistoryRng::new(11, 0);
        for (m, mat) in mats.iter().enumerate() {
            assert!(ph.materials[m].s_over_z_monotone, "{}", mat.name);
            for k in 0..300_000 {
                // x from 1e-5 to 1e5 /Angstrom (beyond both table ends), u random or within a
                // few ulps of S/Z (where only the exact value can decide)
                let x2 = 10f64.powf(-10.0 + 20.0 * r.uniform());
                let s = ph.s_over_z2(m, x2);
                let u = match k % 3 {
                    0 => r.uniform(),
                    1 => f64::from_bits(s.to_bits().saturating_sub(k as u64 % 4)),
                    _ => f64::from_bits(s.to_bits() + k as u64 % 4),
                };
                assert_eq!(
                    ph.binding_accepts(m, x2, u),
                    u <= s,
                    "x2 {x2} u {u} S/Z {s}"
                );
            }
        }
    }
}
