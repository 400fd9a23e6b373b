//! Range-energy relations in unit-density water for the CSDA straight-line method.
//!
//! Electrons: the experimental range-energy relation of Cole (Radiat. Res. 38 (1969) 7) in the
//! form the MIRD cellular S values were computed with: energy as a function of range,
//!
//! ```text
//!   E(R) = 5.9 (R + 0.007)^0.565 + 0.00413 R^1.33 - 0.367      (E in keV, R in um)
//!   dE/dR = 3.3335 (R + 0.007)^-0.435 + 0.00549 R^0.33          keV/um
//! ```
//!
//! with the range R(E) its inverse (Goddu, Howell, Rao, J Nucl Med 35 (1994) 303; the DCAL
//! code of those tables as MIRDcell V3 carries it: `SelfDoseCal/Dedr2Function.java`,
//! `Energy.electronRange`). The power law R = 0.0431 (E + 0.367)^1.77 - 0.007 (the inverse of
//! the first term alone) agrees below about 20 keV but drops the 0.00413 R^1.33 term: its
//! stopping power is 8% below ESTAR's at 100 keV and 46% at 500 keV, where E(R) is within 6%
//! of ESTAR up to 2 MeV (`tests/cell_svalues_mirdcell.rs` compares with MIRDcell).
//!
//! E(R) vanishes at R_0 = 3.309e-4 um (E(0) = -0.0097 keV, an artefact of the fit); the track
//! of an electron of energy E is taken as R(E) - R_0 long and its residual range r as R - R_0,
//! so that the energy lost along it is exactly E.
//!
//! Alpha particles: the ASTAR stopping power and CSDA range of liquid water (ICRU Report 49),
//! as the project's ion tables give them ([`crate::physics::ion`]: within 2% of ASTAR over 1-9
//! MeV, `tests/ion_stopping.rs`).

use crate::physics::ion::IonTable;

/// Cole (1969) coefficients of E(R) as the MIRD cellular S values use them.
const COLE_A_KEV: f64 = 5.9;
const COLE_P: f64 = 0.565;
const COLE_B_UM: f64 = 0.007;
const COLE_C_KEV: f64 = 0.00413;
const COLE_Q: f64 = 1.33;
const COLE_E0_KEV: f64 = 0.367;
/// The range at which Cole's E(R) vanishes (um): the origin of every residual range.
pub const COLE_R0_UM: f64 = 3.309_019_668_075_761e-4;

/// The particle kinds whose energy the cell absorbs in the CSDA model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Particle {
    Electron,
    Alpha,
    /// the daughter nucleus recoiling from an alpha decay: it stops within about 0.1 um and is
    /// taken as a deposit at the decay site (zero track)
    Recoil,
}

/// Range-energy relations for electrons (Cole) and alphas (ASTAR water).
#[derive(Clone, Debug)]
pub struct RangeEnergy {
    /// the alpha table in water (density 1 g/cm3), None when no alphas are needed
    pub alpha: Option<IonTable>,
}

/// Cole's energy E(R) (keV) of an electron whose range is `r_um` (0 at [`COLE_R0_UM`]).
#[inline]
pub fn cole_energy_kev(r_um: f64) -> f64 {
    let r = r_um.max(0.0);
    COLE_A_KEV * (r + COLE_B_UM).powf(COLE_P) + COLE_C_KEV * r.powf(COLE_Q) - COLE_E0_KEV
}

/// Cole's stopping power dE/dR (keV/um) at range `r_um`.
#[inline]
pub fn cole_stopping_at_range_kev_per_um(r_um: f64) -> f64 {
    let r = r_um.max(0.0);
    COLE_A_KEV * COLE_P * (r + COLE_B_UM).powf(COLE_P - 1.0)
        + COLE_C_KEV * COLE_Q * r.powf(COLE_Q - 1.0)
}

/// Cole's range R(E) (um) of an electron of `e_kev` (the inverse of [`cole_energy_kev`]; R_0 at
/// E = 0): Newton's method from the power-law guess, kept inside a bracket.
pub fn cole_range_um(e_kev: f64) -> f64 {
    if e_kev <= 0.0 {
        return COLE_R0_UM;
    }
    let (mut lo, mut hi) = (COLE_R0_UM, f64::INFINITY);
    // first guess: the power-law form R = 0.0431 (E + 0.367)^1.77 - 0.007 of Cole's relation
    // (module doc), exact below about 20 keV
    let mut r = (0.0431 * (e_kev + COLE_E0_KEV).powf(1.77) - COLE_B_UM).max(COLE_R0_UM);
    for _ in 0..100 {
        let f = cole_energy_kev(r) - e_kev;
        if f.abs() <= 1e-13 * e_kev.max(1.0) {
            break;
        }
        if f < 0.0 {
            lo = r;
        } else {
            hi = r;
        }
        let next = r - f / cole_stopping_at_range_kev_per_um(r);
        r = if next > lo && next < hi {
            next
        } else if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * r
        };
    }
    r
}

/// Cole's stopping power dE/dR (keV/um) of an electron of `e_kev`.
#[inline]
pub fn cole_stopping_kev_per_um(e_kev: f64) -> f64 {
    cole_stopping_at_range_kev_per_um(cole_range_um(e_kev))
}

impl RangeEnergy {
    /// Track length (um) of a particle of `e_mev` slowing down to rest.
    pub fn track_um(&self, p: Particle, e_mev: f64) -> f64 {
        match p {
            Particle::Electron => cole_range_um(e_mev * 1e3) - COLE_R0_UM,
            Particle::Alpha => self.alpha_table().range(e_mev) * 1e4,
            Particle::Recoil => 0.0,
        }
    }

    /// Stopping power (MeV/um) of a particle whose residual track is `r_um` long.
    pub fn stopping_at_residual_mev_per_um(&self, p: Particle, r_um: f64) -> f64 {
        match p {
            Particle::Electron => cole_stopping_at_range_kev_per_um(r_um + COLE_R0_UM) * 1e-3,
            Particle::Alpha => {
                let t = self.alpha_table();
                let e = t.energy_at_range(r_um * 1e-4);
                t.stopping(e) * 1e-4
            }
            Particle::Recoil => 0.0,
        }
    }

    /// Residual energy (MeV) of a particle whose residual track is `r_um` long.
    pub fn energy_at_residual_mev(&self, p: Particle, r_um: f64) -> f64 {
        match p {
            Particle::Electron => cole_energy_kev(r_um.max(0.0) + COLE_R0_UM).max(0.0) * 1e-3,
            Particle::Alpha => self.alpha_table().energy_at_range(r_um * 1e-4),
            Particle::Recoil => 0.0,
        }
    }

    fn alpha_table(&self) -> &IonTable {
        self.alpha
            .as_ref()
            .expect("alpha table built for a source with alphas")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cole's relation at a few energies (the formula itself, evaluated independently), and its
    /// inverse and derivative consistent with it.
    #[test]
    fn cole_relation_is_consistent() {
        // E(R_0) = 0; 1 keV: R = 0.068144 um; 10 keV: 2.69776 um; 100 keV: 142.791 um;
        // 1 MeV: 4604.85 um (bisection of E(R) = 5.9 (R+0.007)^0.565 + 0.00413 R^1.33 - 0.367)
        assert!(cole_energy_kev(COLE_R0_UM).abs() < 1e-12);
        assert!((cole_range_um(1.0) - 0.068_144).abs() < 1e-6);
        assert!((cole_range_um(10.0) - 2.697_76).abs() < 1e-5);
        assert!((cole_range_um(100.0) - 142.791).abs() < 1e-3);
        assert!((cole_range_um(1000.0) - 4604.85).abs() < 1e-2);
        for &e in &[0.05, 1.0, 30.0, 500.0, 3000.0] {
            let r = cole_range_um(e);
            assert!((cole_energy_kev(r) - e).abs() < 1e-9 * e.max(1.0));
            let h = 1e-5 * r;
            let d = (cole_energy_kev(r + h) - cole_energy_kev(r - h)) / (2.0 * h);
            assert!((d / cole_stopping_kev_per_um(e) - 1.0).abs() < 1e-6);
        }
    }

    /// The energy lost along a whole track is the initial energy (residual range from R_0).
    #[test]
    fn track_energy_is_the_initial_energy() {
        let re = RangeEnergy { alpha: None };
        for &e in &[0.001, 0.05, 0.6] {
            let len = re.track_um(Particle::Electron, e);
            // midpoint rule in u on r = len u^3 (dense where the stopping power peaks, r -> 0)
            let n = 20_000;
            let h = 1.0 / n as f64;
            let lost: f64 = (0..n)
                .map(|k| {
                    let u = (k as f64 + 0.5) * h;
                    let r = len * u * u * u;
                    re.stopping_at_residual_mev_per_um(Particle::Electron, r)
                        * 3.0
                        * len
                        * u
                        * u
                        * h
                })
                .sum();
            assert!((lost / e - 1.0).abs() < 1e-6, "{e} MeV: {lost}");
            assert!((re.energy_at_residual_mev(Particle::Electron, len) / e - 1.0).abs() < 1e-9);
        }
    }
}
