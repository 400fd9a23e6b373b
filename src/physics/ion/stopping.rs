//! Stopping powers of protons, alpha particles and 7Li ions in any mixture of the elements of
//! `data/ion/icru49_stopping.txt` (MeV cm2/g).
//!
//! Model (the numbers and their sources are in the data file):
//! - Low velocity (below the blend window): ICRU-49 Ziegler-type fits, the molecular liquid-water
//!   fit for the part of the mixture that H and O can form as water (the "water core": all of
//!   the water, about 80% of soft tissue by mass) and Bragg additivity of the elemental fits for
//!   the rest.
//! - High velocity (above the window): Bragg sum of the elemental proton fits times the Bethe
//!   ratio L0(I_medium)/L0(I_Bragg), which moves the gas-phase elemental data to the
//!   condensed-phase mean excitation energy of the medium (ICRU 37/49: water 75 eV); joined at
//!   2 MeV/u to the Bethe formula with the Geant4 continuity factor. Alpha particles and 7Li use
//!   the proton stopping at the same velocity times their effective charge squared (Ziegler,
//!   Biersack, Littmark 1985), which carries the Barkas and charge-state effects only on average.
//! - In between, a linear blend in ln E.
//! - Nuclear stopping: ZBL universal potential, Bragg additivity.

use super::data::{ElementIon, IonData};
use crate::materials::Material;
use anyhow::{anyhow, bail, Result};

/// The heavy charged particles this module handles (bare nuclei).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ion {
    /// Proton (z = 1).
    Proton,
    /// Alpha particle, 4He (z = 2), with the ZBL helium effective charge at low velocity.
    Alpha,
    /// 7Li ion (z = 3) of the 10B(n,alpha)7Li reaction, with the ZBL heavy-ion effective charge.
    Li7,
}

impl Ion {
    /// Parses `proton`/`p`, `alpha`/`he4`, `li7`/`lithium`.
    ///
    /// # Errors
    /// For any other name (the message lists the known ones).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "proton" | "p" | "h1" => Ok(Ion::Proton),
            "alpha" | "he4" | "helium" => Ok(Ion::Alpha),
            "li7" | "lithium" | "7li" => Ok(Ion::Li7),
            _ => bail!("unknown ion '{name}': expected proton, alpha or li7"),
        }
    }
    /// Charge number.
    pub fn z(self) -> f64 {
        match self {
            Ion::Proton => 1.0,
            Ion::Alpha => 2.0,
            Ion::Li7 => 3.0,
        }
    }
    fn mass_keys(self) -> (&'static str, &'static str) {
        match self {
            Ion::Proton => ("proton_mass_mev", "proton_mass_u"),
            Ion::Alpha => ("alpha_mass_mev", "alpha_mass_u"),
            Ion::Li7 => ("li7_mass_mev", "li7_mass_u"),
        }
    }
}

/// Constants of the model, read once from the data file.
#[derive(Clone, Debug)]
struct Consts {
    me: f64,
    na: f64,
    k: f64,
    bohr_k: f64,
    mp: f64,
    mp_u: f64,
    v0_kev_u: f64,
    fit_min_kev_u: f64,
    alpha_fit_min_mev: f64,
    p_blend: (f64, f64),
    a_blend: (f64, f64),
    min_l0: f64,
    join_mev_u: f64,
    he_c: Vec<f64>,
    hi_a: Vec<f64>,
    hi_lambda: Vec<f64>,
    v_fermi: f64,
    nuc_e1: f64,
    nuc_b: Vec<f64>,
    nuc_s0: f64,
    water_m: f64,
    water_h: f64,
    water_o: f64,
    water_p: [f64; 5],
    water_a: [f64; 5],
}

/// Stopping powers of one ion in one medium.
#[derive(Clone, Debug)]
pub struct Stopping {
    pub ion: Ion,
    /// ion mass, MeV
    pub mass_mev: f64,
    /// ion mass, u
    pub mass_u: f64,
    /// mean excitation energy of the medium, eV
    pub i_medium_ev: f64,
    /// electrons per gram / N_A (mol/g)
    pub z_over_a: f64,
    c: Consts,
    all: Vec<(ElementIon, f64)>,
    rest: Vec<(ElementIon, f64)>,
    water_fraction: f64,
    i_bragg_ev: f64,
}

fn arr5(v: &[f64]) -> Result<[f64; 5]> {
    v.try_into()
        .map_err(|_| anyhow!("expected 5 fit coefficients, got {}", v.len()))
}

impl Stopping {
    /// Prepares the model of `ion` in `material`.
    ///
    /// # Errors
    /// When the material holds an element without ion data.
    pub fn new(data: &IonData, ion: Ion, material: &Material) -> Result<Self> {
        let s = |sec: &str, k: &str| data.scalar(sec, k);
        let c = Consts {
            me: s("constants", "electron_mass_mev")?,
            na: s("constants", "avogadro")?,
            k: s("constants", "bethe_k_mev_cm2_mol")?,
            bohr_k: s("constants", "bohr_straggling_mev2_cm2_mol")?,
            mp: s("constants", "proton_mass_mev")?,
            mp_u: s("constants", "proton_mass_u")?,
            v0_kev_u: s("constants", "bohr_velocity_kev_per_u")?,
            fit_min_kev_u: s("constants", "fit_min_kev_per_u")?,
            alpha_fit_min_mev: s("constants", "alpha_fit_min_mev")?,
            p_blend: (
                s("model", "proton_blend_lo_mev_per_u")?,
                s("model", "proton_blend_hi_mev_per_u")?,
            ),
            a_blend: (
                s("model", "alpha_blend_lo_mev_per_u")?,
                s("model", "alpha_blend_hi_mev_per_u")?,
            ),
            min_l0: s("model", "phase_correction_min_l0")?,
            join_mev_u: s("model", "bethe_join_mev_per_u")?,
            he_c: data.get("he_effective_charge", "c")?.to_vec(),
            hi_a: data.get("heavy_ion_effective_charge", "a")?.to_vec(),
            hi_lambda: data.get("heavy_ion_effective_charge", "lambda")?.to_vec(),
            v_fermi: s("heavy_ion_effective_charge", "fermi_velocity_v0")?,
            nuc_e1: s("nuclear_stopping", "e1")?,
            nuc_b: data.get("nuclear_stopping", "b")?.to_vec(),
            nuc_s0: s("nuclear_stopping", "s0")?,
            water_m: s("water_molecule", "molar_mass")?,
            water_h: s("water_molecule", "mass_fraction_h")?,
            water_o: s("water_molecule", "mass_fraction_o")?,
            water_p: arr5(data.get("water_molecule", "proton")?)?,
            water_a: arr5(data.get("water_molecule", "alpha")?)?,
        };
        if c.he_c.len() != 6 || c.hi_a.len() != 4 || c.hi_lambda.len() != 2 || c.nuc_b.len() != 4 {
            bail!("ion data: wrong number of effective-charge or nuclear-stopping coefficients");
        }
        let (mk, uk) = ion.mass_keys();
        let mut all = Vec::new();
        for &(z, w) in &material.elements {
            let e = data.elements.get(&z).ok_or_else(|| {
                anyhow!(
                    "material '{}': no ion stopping data for Z={} (data/ion/icru49_stopping.txt)",
                    material.name,
                    z
                )
            })?;
            all.push((e.clone(), w));
        }
        let frac = |z: u8| all.iter().find(|e| e.0.z == z).map_or(0.0, |e| e.1);
        let water_fraction = (frac(1) / c.water_h).min(frac(8) / c.water_o);
        let rest = all
            .iter()
            .map(|(e, w)| {
                let sub = match e.z {
                    1 => water_fraction * c.water_h,
                    8 => water_fraction * c.water_o,
                    _ => 0.0,
                };
                (e.clone(), (w - sub).max(0.0))
            })
            .collect::<Vec<_>>();
        let z_over_a: f64 = all
            .iter()
            .map(|(e, w)| w * e.z as f64 / e.atomic_weight)
            .sum();
        let ln_i = |f: &dyn Fn(&ElementIon) -> f64| {
            all.iter()
                .map(|(e, w)| w * e.z as f64 / e.atomic_weight * f(e).ln())
                .sum::<f64>()
                / z_over_a
        };
        let i_bragg_ev = ln_i(&|e| e.i_elem_ev).exp();
        let i_medium_ev = material
            .i_ev
            .or_else(|| data.material_i_ev(&material.name))
            .unwrap_or_else(|| ln_i(&|e| e.i_cond_ev).exp());
        Ok(Stopping {
            ion,
            mass_mev: data.scalar("constants", mk)?,
            mass_u: data.scalar("constants", uk)?,
            i_medium_ev,
            z_over_a,
            c,
            all,
            rest,
            water_fraction,
            i_bragg_ev,
        })
    }

    /// eV/(1e15 atoms/cm2) per atom of molar mass `a` (g/mol) -> MeV cm2/g.
    fn per_gram(&self, a: f64) -> f64 {
        self.c.na * 1e-21 / a
    }

    /// ICRU-49 proton fit, `t_kev_u` in keV/u; S ~ sqrt(T) below the fit's lower end.
    fn proton_fit(&self, a: &[f64; 5], t_kev_u: f64) -> f64 {
        let t = t_kev_u.max(self.c.fit_min_kev_u);
        let slow = a[1] * t.powf(0.45);
        let shigh = (1.0 + a[3] / t + a[4] * t).ln() * a[2] / t;
        let s = slow * shigh / (slow + shigh);
        s.max(0.0) * (t_kev_u / t).sqrt()
    }

    /// ICRU-49 helium fit, `t_mev` the He kinetic energy (MeV); S ~ sqrt(T) below 1 keV.
    fn alpha_fit(&self, b: &[f64; 5], t_mev: f64) -> f64 {
        let t = t_mev.max(self.c.alpha_fit_min_mev);
        let slow = b[0] * (t * 1000.0).powf(b[1]);
        let shigh = (1.0 + b[3] / t + b[4] * t).ln() * b[2] / t;
        let s = slow * shigh / (slow + shigh);
        s.max(0.0) * (t_mev / t).sqrt()
    }

    /// beta^2 and gamma of a proton of kinetic energy `t` (MeV).
    fn kin(&self, t: f64) -> (f64, f64) {
        let g = 1.0 + t / self.c.mp;
        (1.0 - 1.0 / (g * g), g)
    }

    /// L0 = ln(2 m c^2 beta^2 gamma^2 / I) - beta^2.
    fn l0(&self, t: f64, i_ev: f64) -> f64 {
        let (b2, g) = self.kin(t);
        (2.0 * self.c.me * 1e6 * b2 * g * g / i_ev).ln() - b2
    }

    /// Low-velocity proton branch: water core (molecular fit) + Bragg sum of the rest.
    fn proton_low(&self, t: f64) -> f64 {
        let t_kev_u = t * 1000.0 / self.c.mp_u;
        let mut s = self.water_fraction
            * self.proton_fit(&self.c.water_p, t_kev_u)
            * self.per_gram(self.c.water_m);
        for (e, w) in &self.rest {
            s += w * self.proton_fit(&e.proton, t_kev_u) * self.per_gram(e.atomic_weight);
        }
        s
    }

    /// High-velocity proton branch below the Bethe join: Bragg sum times the phase correction.
    fn proton_bragg_phase(&self, t: f64) -> f64 {
        let t_kev_u = t * 1000.0 / self.c.mp_u;
        let bragg: f64 = self
            .all
            .iter()
            .map(|(e, w)| w * self.proton_fit(&e.proton, t_kev_u) * self.per_gram(e.atomic_weight))
            .sum();
        let l_b = self.l0(t, self.i_bragg_ev).max(self.c.min_l0);
        bragg * (1.0 - (self.i_medium_ev / self.i_bragg_ev).ln() / l_b)
    }

    /// Bethe formula without corrections (MeV cm2/g) for a proton of energy `t`.
    fn bethe(&self, t: f64) -> f64 {
        let (b2, _) = self.kin(t);
        self.c.k * self.z_over_a / b2 * self.l0(t, self.i_medium_ev)
    }

    fn proton_high(&self, t: f64) -> f64 {
        let tj = self.c.join_mev_u * self.c.mp_u;
        if t <= tj {
            return self.proton_bragg_phase(t);
        }
        let ratio = self.proton_bragg_phase(tj) / self.bethe(tj);
        self.bethe(t) * (1.0 + (ratio - 1.0) * tj / t)
    }

    /// Electronic stopping power of a proton of kinetic energy `t` (MeV), MeV cm2/g.
    pub fn proton_electronic(&self, t: f64) -> f64 {
        let t_u = t / self.c.mp_u;
        blend(
            t_u,
            self.c.p_blend,
            || self.proton_low(t),
            || self.proton_high(t),
        )
    }

    /// ZBL helium effective charge squared (including z^2 = 4) at He energy `e` (MeV).
    pub fn he_charge_squared(&self, e: f64) -> f64 {
        let q = (e * 1000.0 / self.mass_u).ln().max(0.0);
        let mut x = 0.0;
        let mut qi = 1.0;
        for ci in &self.c.he_c {
            x += ci * qi;
            qi *= q;
        }
        4.0 * (1.0 - (-x).exp())
    }

    /// ZBL (Brandt-Kitagawa) heavy-ion effective charge squared of an ion of charge `z1` with
    /// energy per nucleon `e_mev_u`.
    pub fn heavy_charge_squared(&self, z1: f64, e_mev_u: f64) -> f64 {
        let vf = self.c.v_fermi;
        let v1 = (e_mev_u * 1000.0 / self.c.v0_kev_u).sqrt() / vf;
        let z23 = z1.powf(2.0 / 3.0);
        // relative velocity (ZBL eq. 3-32): ion velocity averaged over the Fermi sphere
        let y = if v1 >= 1.0 {
            vf * v1 * (1.0 + 0.2 / (v1 * v1)) / z23
        } else {
            0.75 * vf * (1.0 + 2.0 / 3.0 * v1 * v1 - v1.powi(4) / 15.0) / z23
        };
        let a = &self.c.hi_a;
        let y3 = y.powf(0.3);
        let q = (1.0 - (a[0] * y3 - a[1] * y3 * y3 - a[2] * y - a[3] * y * y).exp()).max(0.0);
        let l = &self.c.hi_lambda;
        let lambda = l[0] * vf * (1.0 - q).powf(2.0 / 3.0) / (z1.cbrt() * (l[1] + q));
        let gamma = q + 0.5 * (1.0 - q) * (1.0 + lambda * lambda).ln() / (vf * vf);
        (z1 * gamma.min(1.0)).powi(2)
    }

    /// Effective charge squared of this ion at energy `e` (MeV): 1 for protons.
    pub fn charge_squared(&self, e: f64) -> f64 {
        match self.ion {
            Ion::Proton => 1.0,
            Ion::Alpha => self.he_charge_squared(e),
            Ion::Li7 => self.heavy_charge_squared(3.0, e / self.mass_u),
        }
    }

    /// Proton energy (MeV) at the velocity of this ion with energy `e`.
    fn proton_equivalent(&self, e: f64) -> f64 {
        e * self.c.mp_u / self.mass_u
    }

    fn alpha_low(&self, e: f64) -> f64 {
        let mut s = self.water_fraction
            * self.alpha_fit(&self.c.water_a, e)
            * self.per_gram(self.c.water_m);
        for (el, w) in &self.rest {
            s += w * self.alpha_fit(&el.alpha, e) * self.per_gram(el.atomic_weight);
        }
        s
    }

    /// Electronic stopping power (MeV cm2/g) of this ion at kinetic energy `e` (MeV).
    pub fn electronic(&self, e: f64) -> f64 {
        match self.ion {
            Ion::Proton => self.proton_electronic(e),
            Ion::Alpha => blend(
                e / self.mass_u,
                self.c.a_blend,
                || self.alpha_low(e),
                || self.he_charge_squared(e) * self.proton_electronic(self.proton_equivalent(e)),
            ),
            Ion::Li7 => self.charge_squared(e) * self.proton_electronic(self.proton_equivalent(e)),
        }
    }

    /// Nuclear stopping power (MeV cm2/g), ZBL universal potential, Bragg additivity.
    pub fn nuclear(&self, e: f64) -> f64 {
        let z1 = self.ion.z();
        let m1 = self.mass_u;
        let b = &self.c.nuc_b;
        let mut s = 0.0;
        for (el, w) in &self.all {
            let z2 = el.z as f64;
            let m2 = el.atomic_weight;
            let a = z1.powf(0.23) + z2.powf(0.23);
            let eps = self.c.nuc_e1 * m2 * e * 1000.0 / (z1 * z2 * (m1 + m2) * a);
            let sn = if eps <= 30.0 {
                (1.0 + b[0] * eps).ln() / (2.0 * (eps + b[1] * eps.powf(b[2]) + b[3] * eps.sqrt()))
            } else {
                eps.ln() / (2.0 * eps)
            };
            let s_atom = self.c.nuc_s0 * z1 * z2 * m1 * sn / ((m1 + m2) * a);
            s += w * s_atom * self.per_gram(m2);
        }
        s
    }

    /// Total (electronic + nuclear) stopping power, MeV cm2/g.
    pub fn total(&self, e: f64) -> f64 {
        self.electronic(e) + self.nuclear(e)
    }

    /// Bohr energy-straggling rate d(Omega^2)/d(rho x), MeV^2 per g/cm2, with the effective
    /// charge: 4 pi r_e^2 (m c^2)^2 N_A (Z/A) z_eff^2.
    pub fn bohr_straggling_rate(&self, e: f64) -> f64 {
        self.c.bohr_k * self.z_over_a * self.charge_squared(e)
    }
}

/// Value below, above, or the linear-in-ln-E blend inside the window `(lo, hi)` (MeV/u).
fn blend(e_u: f64, (lo, hi): (f64, f64), low: impl Fn() -> f64, high: impl Fn() -> f64) -> f64 {
    if e_u <= lo {
        low()
    } else if e_u >= hi {
        high()
    } else {
        let t = (e_u / lo).ln() / (hi / lo).ln();
        (1.0 - t) * low() + t * high()
    }
}
