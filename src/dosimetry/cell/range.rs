//! Range-energy relations in unit-density water for the CSDA straight-line method.
//!
//! Electrons: the experimental range-energy relation of Cole (Radiat. Res. 38 (1969) 7), as
//! Goddu, Howell and Rao (J Nucl Med 35 (1994) 303, eq. 10) used it for the MIRD cellular S
//! values,
//!
//! ```text
//!   R(E) = 0.0431 (E + 0.367)^1.77 - 0.007      (R in um, E in keV; 20 eV to 20 MeV)
//!   dE/dX = 1 / (dR/dE) = 1 / (0.0763 (E + 0.367)^0.77)   keV/um
//! ```
//!
//! The track of an electron of energy E is taken as R(E) - R(0) long (R(0) = 3.2e-4 um, the
//! offset of the fit), so that the energy lost along it is exactly E.
//!
//! Alpha particles: the ASTAR stopping power and CSDA range of liquid water (ICRU Report 49),
//! as the project's ion tables give them ([`crate::physics::ion`]: within 2% of ASTAR over 1-9
//! MeV, `tests/ion_stopping.rs`).

use crate::physics::ion::IonTable;

/// Cole (1969) coefficients as Goddu et al. (1994) quote them.
const COLE_A_UM: f64 = 0.0431;
const COLE_E0_KEV: f64 = 0.367;
const COLE_P: f64 = 1.77;
const COLE_C_UM: f64 = 0.007;

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

/// Cole's range R(E) (um) of an electron of `e_kev`, including the fit's offset at E = 0.
#[inline]
pub fn cole_range_um(e_kev: f64) -> f64 {
    COLE_A_UM * (e_kev.max(0.0) + COLE_E0_KEV).powf(COLE_P) - COLE_C_UM
}

/// Cole's energy (keV) of an electron whose range R(E) is `r_um` (inverse of [`cole_range_um`]).
#[inline]
pub fn cole_energy_kev(r_um: f64) -> f64 {
    (((r_um + COLE_C_UM) / COLE_A_UM).powf(1.0 / COLE_P) - COLE_E0_KEV).max(0.0)
}

/// Cole's stopping power dE/dX (keV/um) at `e_kev`.
#[inline]
pub fn cole_stopping_kev_per_um(e_kev: f64) -> f64 {
    1.0 / (COLE_A_UM * COLE_P * (e_kev.max(0.0) + COLE_E0_KEV).powf(COLE_P - 1.0))
}

impl RangeEnergy {
    /// Track length (um) of a particle of `e_mev` slowing down to rest.
    pub fn track_um(&self, p: Particle, e_mev: f64) -> f64 {
        match p {
            Particle::Electron => cole_range_um(e_mev * 1e3) - cole_range_um(0.0),
            Particle::Alpha => self.alpha_table().range(e_mev) * 1e4,
            Particle::Recoil => 0.0,
        }
    }

    /// Stopping power (MeV/um) of a particle whose residual track is `r_um` long.
    pub fn stopping_at_residual_mev_per_um(&self, p: Particle, r_um: f64) -> f64 {
        match p {
            Particle::Electron => {
                let e_kev = cole_energy_kev(r_um + cole_range_um(0.0));
                cole_stopping_kev_per_um(e_kev) * 1e-3
            }
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
            Particle::Electron => cole_energy_kev(r_um + cole_range_um(0.0)) * 1e-3,
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

    /// Cole's relation at a few energies (the formula itself; Goddu 1994 eq. 10), and its
    /// inverse and derivative consistent with it.
    #[test]
    fn cole_relation_is_consistent() {
        // 1 keV: 0.0431 * 1.367^1.77 - 0.007 = 0.06795 um; 10 keV: 2.698 um; 100 keV: 150.41 um
        assert!((cole_range_um(1.0) - 0.06795).abs() < 1e-4);
        assert!((cole_range_um(10.0) - 2.698).abs() < 1e-3);
        assert!((cole_range_um(100.0) - 150.41).abs() < 0.01);
        for &e in &[0.05, 1.0, 30.0, 500.0] {
            assert!((cole_energy_kev(cole_range_um(e)) - e).abs() < 1e-9 * e.max(1.0));
            let h = 1e-4 * e;
            let d = (cole_range_um(e + h) - cole_range_um(e - h)) / (2.0 * h);
            assert!((1.0 / d - cole_stopping_kev_per_um(e)).abs() < 1e-6 / d);
        }
    }
}
