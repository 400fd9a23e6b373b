//! Neutron physics, 20 MeV down to 1e-5 eV, for BNCT: pointwise ENDF/B-VIII.1 cross sections
//! (`data/neutron/`, see `scripts/gen_neutron_tables.py`), natural isotopic mixtures, added 10B,
//! kerma factors of the charged products.
//!
//! Model assumptions:
//! - Cross sections at 0 K from the tables; target thermal motion (free gas, 293.6 K) raises the
//!   effective elastic cross section of every nuclide at thermal energies (analytic free-gas
//!   average of a constant cross section, applied below [`FREE_GAS_MAX_MEV`]). Hydrogen bound in
//!   water: its scattering law below 1 eV, above it a free gas at the law's effective
//!   temperature (about 1200 K) up to 400 kT_eff.
//! - Kerma counts the kinetic energy given to charged particles and recoils: elastic recoils
//!   (E 2A/(A+1)^2 (1 - <mu_cm>)), (n,p), (n,alpha) with their Q values (the 0.478 MeV gamma of
//!   the 10B excited branch is not kerma), and the non-elastic reactions not listed separately
//!   (counted as their incident energy, deposited locally). Capture and inelastic recoils are
//!   neglected (below 0.1% of the kerma in tissue).

pub mod collision;
pub mod data;
pub mod free_gas;
pub mod thermal;

use crate::materials::{Material, MaterialDb};
use crate::units::{AVOGADRO, MEV_TO_J};
use anyhow::{bail, Result};
pub use data::{MicroXs, NuclideTable};
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
pub use thermal::{ThermalH2O, SAB_MAX_MEV};

/// The bound-hydrogen scattering law, built once per process (it takes about a second).
static THERMAL_H2O: OnceLock<Arc<ThermalH2O>> = OnceLock::new();

/// The shared bound-hydrogen scattering law of water.
///
/// # Errors
/// A missing or malformed `data/neutron/tsl_H_in_H2O.txt`.
pub fn thermal_h2o() -> Result<Arc<ThermalH2O>> {
    if let Some(t) = THERMAL_H2O.get() {
        return Ok(t.clone());
    }
    let t = Arc::new(ThermalH2O::load()?);
    Ok(THERMAL_H2O.get_or_init(|| t).clone())
}

/// Energy range of the tables (MeV): 1e-5 eV to 20 MeV.
pub const E_MIN_MEV: f64 = 1e-11;
pub const E_MAX_MEV: f64 = 20.0;
/// Temperature of the media (K): 293.6 K, the room-temperature point of the ENDF/B-VIII.1
/// H-in-H2O evaluation.
pub const TEMPERATURE_K: f64 = 293.6;
/// Boltzmann constant (MeV/K), CODATA 2018 exact.
pub const BOLTZMANN_MEV_PER_K: f64 = 8.617_333_262e-11;
/// Target motion is ignored above this many kT (MCNP's free-gas cut-off, 400 kT).
pub const FREE_GAS_CUTOFF_KT: f64 = 400.0;
/// Above this energy (MeV) the target motion of the medium's nuclei is ignored (400 kT; bound
/// hydrogen: 400 kT_eff, see [`NeutronPhysics::target_kt_mev`]).
pub const FREE_GAS_MAX_MEV: f64 = FREE_GAS_CUTOFF_KT * BOLTZMANN_MEV_PER_K * TEMPERATURE_K;
/// Molar mass of the neutron (g/mol), CODATA 2018 (m_n = 1.008 664 915 95 u).
pub const NEUTRON_MOLAR_MASS: f64 = 1.008_664_915_95;
/// Molar mass of 10B (g/mol), AME2020 (10.012 936 862 u).
pub const B10_MOLAR_MASS: f64 = 10.012_936_862;
/// 1 MeV/g in Gy (1.602e-13 J per 1e-3 kg).
const GY_PER_MEV_PER_G: f64 = MEV_TO_J * 1e3;

/// kT of the media (MeV).
pub fn kt_mev() -> f64 {
    BOLTZMANN_MEV_PER_K * TEMPERATURE_K
}

/// Isotopes (table name, atom fraction) of an element, natural composition from IUPAC
/// "Isotopic compositions of the elements 2013" (Meija et al., Pure Appl. Chem. 88 (2016) 293),
/// representative values. Isotopes without a table are dropped and the rest renormalised (2H,
/// 33S, 34S, 36S); natural K, Fe and Ar are single approximate tables (see their file headers).
pub fn isotopes(z: u8) -> Option<&'static [(&'static str, f64)]> {
    Some(match z {
        1 => &[("H-1", 0.999_885)],
        5 => &[("B-10", 0.199), ("B-11", 0.801)],
        6 => &[("C-12", 0.9893), ("C-13", 0.0107)],
        7 => &[("N-14", 0.996_36), ("N-15", 0.003_64)],
        8 => &[("O-16", 0.997_57), ("O-17", 0.000_38), ("O-18", 0.002_05)],
        11 => &[("Na-23", 1.0)],
        12 => &[("Mg-24", 0.7899), ("Mg-25", 0.1000), ("Mg-26", 0.1101)],
        15 => &[("P-31", 1.0)],
        16 => &[("S-32", 0.9499)],
        17 => &[("Cl-35", 0.7576), ("Cl-37", 0.2424)],
        18 => &[("Ar-40", 1.0)],
        19 => &[("K-39", 1.0)],
        20 => &[
            ("Ca-40", 0.969_41),
            ("Ca-42", 0.006_47),
            ("Ca-43", 0.001_35),
            ("Ca-44", 0.020_86),
            ("Ca-46", 0.000_04),
            ("Ca-48", 0.001_87),
        ],
        26 => &[("Fe-56", 1.0)],
        _ => return None,
    })
}

/// The charged-particle kerma of a material split by origin (Gy cm2 per unit fluence).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kerma {
    /// 10B(n,alpha)7Li, both branches
    pub boron: f64,
    /// 14N(n,p)14C
    pub nitrogen: f64,
    /// elastic recoils of all nuclei (mostly hydrogen) and the other charged-particle reactions
    /// (the fast-neutron dose of BNCT)
    pub hydrogen: f64,
}

impl Kerma {
    pub fn total(&self) -> f64 {
        self.boron + self.nitrogen + self.hydrogen
    }
}

/// Which kerma component a nuclide's (n,p)/(n,alpha) reactions belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Boron10,
    Nitrogen14,
    Hydrogen1,
    Other,
}

/// One material for neutrons: its nuclides and their number per gram.
#[derive(Clone, Debug)]
pub struct NeutronMaterial {
    pub name: String,
    /// (nuclide index, atoms per gram x 1e-24, so that sum n sigma(barn) is in cm2/g)
    pub nuclides: Vec<(usize, f64)>,
    /// 10B added to the tissue composition (ug/g)
    pub boron_ppm: f64,
}

/// Neutron physics for a set of materials, indexed like the phantom's material ids.
#[derive(Clone, Debug)]
pub struct NeutronPhysics {
    pub nuclides: Vec<NuclideTable>,
    pub roles: Vec<Role>,
    pub materials: Vec<NeutronMaterial>,
    /// hydrogen below [`SAB_MAX_MEV`] scatters by the water scattering law (all hydrogenous
    /// materials are treated as water-like; None: free gas)
    pub thermal: Option<Arc<ThermalH2O>>,
}

impl NeutronPhysics {
    /// Builds the physics of `materials` with `boron_ppm[m]` ug/g of 10B added to material m
    /// (missing entries: none).
    ///
    /// # Errors
    /// An element without neutron data, a negative or non-finite boron concentration, a missing
    /// table.
    pub fn new(materials: &[Material], boron_ppm: &[f64]) -> Result<Self> {
        let mut nuclides: Vec<NuclideTable> = Vec::new();
        let index = |name: &str, nuclides: &mut Vec<NuclideTable>| -> Result<usize> {
            if let Some(i) = nuclides.iter().position(|n| n.name == name) {
                return Ok(i);
            }
            nuclides.push(NuclideTable::load(name)?);
            Ok(nuclides.len() - 1)
        };
        let mut out = Vec::new();
        for (m, mat) in materials.iter().enumerate() {
            let ppm = boron_ppm.get(m).copied().unwrap_or(0.0);
            if !(ppm.is_finite() && ppm >= 0.0) {
                bail!(
                    "boron concentration {ppm} ug/g for '{}': expected >= 0",
                    mat.name
                );
            }
            let mut list: Vec<(usize, f64)> = Vec::new();
            for &(z, w) in &mat.elements {
                let Some(iso) = isotopes(z) else {
                    bail!(
                        "material '{}': no neutron data for element Z={z} ({})",
                        mat.name,
                        crate::tables::SYMBOLS.get(z as usize).unwrap_or(&"?")
                    );
                };
                let mut ids = Vec::new();
                for &(name, a) in iso {
                    ids.push((index(name, &mut nuclides)?, a));
                }
                let a_sum: f64 = ids.iter().map(|x| x.1).sum();
                let molar: f64 = ids
                    .iter()
                    .map(|&(i, a)| a / a_sum * nuclides[i].awr * NEUTRON_MOLAR_MASS)
                    .sum();
                for (i, a) in ids {
                    list.push((i, w * AVOGADRO / molar * (a / a_sum) * 1e-24));
                }
            }
            if ppm > 0.0 {
                let i = index("B-10", &mut nuclides)?;
                list.push((i, ppm * 1e-6 * AVOGADRO / B10_MOLAR_MASS * 1e-24));
            }
            out.push(NeutronMaterial {
                name: mat.name.clone(),
                nuclides: list,
                boron_ppm: ppm,
            });
        }
        let roles = nuclides
            .iter()
            .map(|n| match n.name.as_str() {
                "B-10" => Role::Boron10,
                "N-14" => Role::Nitrogen14,
                "H-1" => Role::Hydrogen1,
                _ => Role::Other,
            })
            .collect();
        // 10B is always loaded: boron maps applied after a run need its kerma
        index("B-10", &mut nuclides)?;
        let has_h = nuclides.iter().any(|n| n.name == "H-1");
        Ok(NeutronPhysics {
            nuclides,
            roles,
            materials: out,
            thermal: if has_h { Some(thermal_h2o()?) } else { None },
        })
    }

    /// Microscopic cross sections of nuclide `n` at `e_mev` in the medium at 293.6 K: the elastic
    /// cross section is the bound-hydrogen scattering law for H below [`SAB_MAX_MEV`], the
    /// free-gas average below [`FREE_GAS_MAX_MEV`].
    pub fn micro(&self, n: usize, e_mev: f64) -> MicroXs {
        let nuc = &self.nuclides[n];
        let mut x = nuc.xs_at(e_mev);
        if let (Role::Hydrogen1, Some(t), true) =
            (self.roles[n], &self.thermal, e_mev < SAB_MAX_MEV)
        {
            let s = t.total_b(e_mev);
            x.total += s - x.elastic;
            x.elastic = s;
        } else {
            let kt = self.target_kt_mev(n);
            if e_mev < FREE_GAS_CUTOFF_KT * kt {
                let f = free_gas_factor(nuc.awr * e_mev / kt);
                x.total += x.elastic * (f - 1.0);
                x.elastic *= f;
            }
        }
        x
    }

    /// kT (MeV) of the free-gas target motion of nuclide `n`: the medium's, or for hydrogen
    /// bound in water above [`SAB_MAX_MEV`] the effective temperature of its scattering law
    /// (the short-collision-time limit: the zero-point motion of the bound proton, about 1200 K;
    /// without it the cross section would drop by 3.5% at 1 eV where the law ends). Free-gas
    /// motion applies below [`FREE_GAS_CUTOFF_KT`] times this kT.
    pub fn target_kt_mev(&self, n: usize) -> f64 {
        match (self.roles[n], &self.thermal) {
            (Role::Hydrogen1, Some(t)) => t.kt_eff_mev,
            _ => kt_mev(),
        }
    }

    /// Mass attenuation (total) and mass absorption coefficients (cm2/g) of material `m`.
    /// Absorption counts every reaction that removes the neutron (all but elastic and inelastic).
    pub fn mass_coefficients(&self, m: usize, e_mev: f64) -> (f64, f64) {
        let mut tot = 0.0;
        let mut abs = 0.0;
        for &(n, nd) in &self.materials[m].nuclides {
            let x = self.micro(n, e_mev);
            tot += nd * x.total;
            abs += nd * (x.total - x.elastic - x.inelastic);
        }
        (tot, abs)
    }

    /// An upper bound of the total cross section (cm2/g) of material `m` over [e_lo, e_hi], for
    /// Woodcock majorants: tabulated maxima, times the free-gas factor at e_lo (it decreases with
    /// energy), and for bound hydrogen the larger end value with a 5% margin (its cross section
    /// is smooth and monotonic within an interval of 2%).
    pub fn majorant_mass(&self, m: usize, e_lo: f64, e_hi: f64) -> f64 {
        let mut s = 0.0;
        for &(n, nd) in &self.materials[m].nuclides {
            let nuc = &self.nuclides[n];
            let stat = nuc.max_total(e_lo, e_hi);
            let kt = self.target_kt_mev(n);
            let mut best = if e_lo < FREE_GAS_CUTOFF_KT * kt {
                stat * free_gas_factor(nuc.awr * e_lo / kt)
            } else {
                stat
            };
            if let (Role::Hydrogen1, Some(t), true) =
                (self.roles[n], &self.thermal, e_lo < SAB_MAX_MEV)
            {
                let b = t.total_b(e_lo).max(t.total_b(e_hi.min(SAB_MAX_MEV)));
                best = best.max(1.05 * b + stat);
            }
            s += nd * best;
        }
        s * (1.0 + 1e-6)
    }

    /// 10B(n,alpha) kerma of 1 ug/g of 10B in any tissue (Gy cm2), 0 when no material holds 10B.
    pub fn boron_kerma_per_ppm(&self, e_mev: f64) -> f64 {
        let Some(n) = self.roles.iter().position(|r| *r == Role::Boron10) else {
            return 0.0;
        };
        let nuc = &self.nuclides[n];
        let x = nuc.xs_at(e_mev);
        let ground = (x.nalpha - x.nalpha1).max(0.0);
        let charged = ground * (nuc.q_nalpha_mev + e_mev).max(0.0)
            + x.nalpha1 * (nuc.q_nalpha1_mev + e_mev).max(0.0);
        1e-6 * AVOGADRO / B10_MOLAR_MASS * 1e-24 * charged * GY_PER_MEV_PER_G
    }

    /// Kerma factors of material `m` at `e_mev` (Gy cm2), free-atom elastic recoils.
    pub fn kerma(&self, m: usize, e_mev: f64) -> Kerma {
        let mut k = Kerma::default();
        for &(n, nd) in &self.materials[m].nuclides {
            let nuc = &self.nuclides[n];
            let x = nuc.xs_at(e_mev);
            let a = nuc.awr;
            let recoil = e_mev * 2.0 * a / ((a + 1.0) * (a + 1.0)) * (1.0 - nuc.mean_mu_cm(e_mev));
            let ground = (x.nalpha - x.nalpha1).max(0.0);
            let charged = x.np * (nuc.q_np_mev + e_mev).max(0.0)
                + ground * (nuc.q_nalpha_mev + e_mev).max(0.0)
                + x.nalpha1 * (nuc.q_nalpha1_mev + e_mev).max(0.0);
            let mev_per_g = nd;
            k.hydrogen += mev_per_g * (x.elastic * recoil + x.other() * e_mev);
            match self.roles[n] {
                Role::Boron10 => k.boron += mev_per_g * charged,
                Role::Nitrogen14 => k.nitrogen += mev_per_g * charged,
                _ => k.hydrogen += mev_per_g * charged,
            }
        }
        Kerma {
            boron: k.boron * GY_PER_MEV_PER_G,
            nitrogen: k.nitrogen * GY_PER_MEV_PER_G,
            hydrogen: k.hydrogen * GY_PER_MEV_PER_G,
        }
    }
}

/// Ratio of the free-gas effective cross section to the 0 K cross section for a constant
/// cross section, x2 = A E / kT (e.g. Bell & Glasstone 1970, eq. 7.21):
/// sigma_eff / sigma = [(x^2 + 1/2) erf(x) + x exp(-x^2) / sqrt(pi)] / x^2.
pub fn free_gas_factor(x2: f64) -> f64 {
    if x2 > 1e4 {
        return 1.0 + 0.5 / x2;
    }
    let x = x2.sqrt();
    if x < 1e-4 {
        // small-x limit: 2 / (sqrt(pi) x)
        return 2.0 / (std::f64::consts::PI.sqrt() * x);
    }
    ((x2 + 0.5) * erf(x) + x * (-x2).exp() / std::f64::consts::PI.sqrt()) / x2
}

/// Error function, Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), for x >= 0.
pub fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let p = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    1.0 - p * (-x * x).exp()
}

/// `theradose table --particle neutron`: macroscopic total and absorption cross sections (1/cm,
/// at the medium's nominal density) and the charged-particle kerma factor (Gy cm2) of a medium
/// with `boron_ppm` ug/g of 10B added.
///
/// # Errors
/// An unknown medium, energies outside 1e-5 eV to 20 MeV, a negative boron concentration.
pub fn table_csv(
    db: &MaterialDb,
    medium: &str,
    boron_ppm: f64,
    energies_mev: &[f64],
) -> Result<String> {
    let mat = db.medium(medium)?.clone();
    let rho = mat.nominal_density;
    let ph = NeutronPhysics::new(std::slice::from_ref(&mat), &[boron_ppm])?;
    let mut s = String::from("energy_mev,sigma_total_cm-1,sigma_absorption_cm-1,kerma_gy_cm2\n");
    for &e in energies_mev {
        if !(e.is_finite() && (E_MIN_MEV..=E_MAX_MEV).contains(&e)) {
            crate::spec_bail!(
                "energies",
                "{e} MeV outside the neutron tables (1e-11 to 20 MeV)"
            );
        }
        let (t, a) = ph.mass_coefficients(0, e);
        let k = ph.kerma(0, e).total();
        let _ = writeln!(s, "{},{:.6e},{:.6e},{:.6e}", e, t * rho, a * rho, k);
    }
    Ok(s)
}
