//! Collision stopping power of electrons (Moller) and positrons (Bhabha) from Bethe theory, as in
//! ICRU Report 37 (1984) eqs. 2.1-2.4 (Rohrlich & Carlson 1954 for electrons), with the
//! density-effect correction; and the restricted collision stopping power for energy transfers
//! below a delta-ray threshold (Berger & Seltzer; the forms of Geant4 `G4MollerBhabhaModel`
//! `ComputeDEDXPerVolume`, which reduce to the ICRU-37 formulas when the threshold is the largest
//! possible transfer: T/2 for electrons, T for positrons).
//!
//! All stopping powers here are mass stopping powers in MeV cm2/g; energies in MeV.

use super::data::SternheimerFit;
use super::Lepton;
use crate::units::{AVOGADRO, CLASSICAL_ELECTRON_RADIUS_CM, ELECTRON_MASS_MEV};
use std::f64::consts::{LN_10, LN_2};

/// 2 pi r_e^2 m c^2 N_A in MeV cm2/mol (CODATA 2018 constants); times Z/A (mol/g) gives the
/// prefactor of the Bethe formula per gram.
pub const BETHE_K: f64 = 2.0
    * std::f64::consts::PI
    * CLASSICAL_ELECTRON_RADIUS_CM
    * CLASSICAL_ELECTRON_RADIUS_CM
    * ELECTRON_MASS_MEV
    * AVOGADRO;

/// The density-effect correction delta of one medium at its actual density.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DensityEffect {
    /// Sternheimer, Berger & Seltzer (1984) fit parameters of the tabulated medium, rescaled to
    /// the actual density (`data/electron/media.toml`).
    Published(SternheimerFit),
    /// Sternheimer & Peierls (Phys. Rev. B 3 (1971) 3681) general formula from I and the plasma
    /// energy: cbar = 2 ln(I / hbar omega_p) + 1, m = 3, x0/x1 from cbar and I (condensed
    /// media) or from cbar alone (gases, density below 0.01 g/cm3). Insulator (delta0 = 0).
    General(SternheimerFit),
}

/// Plasma energy hbar omega_p (eV) of a medium: 28.816 sqrt(rho <Z/A>) eV (rho in g/cm3), as in
/// Sternheimer et al. 1984 and the PDG review of the passage of particles through matter.
pub fn plasma_energy_ev(density: f64, z_over_a: f64) -> f64 {
    28.816 * (density * z_over_a).sqrt()
}

impl DensityEffect {
    /// Published fit parameters moved to `density` (g/cm3): cbar - ln(r), x0 and x1 - ln(r)/(2 ln
    /// 10) with r = density / fit density, so that delta stays a function of
    /// beta gamma hbar omega_p / I.
    pub fn published(fit: SternheimerFit, density: f64) -> Self {
        let lr = (density / fit.density).ln();
        DensityEffect::Published(SternheimerFit {
            density,
            cbar: fit.cbar - lr,
            x0: fit.x0 - lr / (2.0 * LN_10),
            x1: fit.x1 - lr / (2.0 * LN_10),
            ..fit
        })
    }

    /// The Sternheimer-Peierls general parameters for mean excitation energy `i_ev` (eV).
    pub fn general(i_ev: f64, density: f64, z_over_a: f64) -> Self {
        let cbar = 2.0 * (i_ev / plasma_energy_ev(density, z_over_a)).ln() + 1.0;
        // Sternheimer & Peierls 1971, Table I (x0, x1 as functions of cbar and I)
        let (x0, x1) = if density < 0.01 {
            match cbar {
                c if c < 10.0 => (1.6, 4.0),
                c if c < 10.5 => (1.7, 4.0),
                c if c < 11.0 => (1.8, 4.0),
                c if c < 11.5 => (1.9, 4.0),
                c if c < 12.25 => (2.0, 4.0),
                c if c < 13.804 => (2.0, 5.0),
                c => (0.326 * c - 2.5, 5.0),
            }
        } else if i_ev < 100.0 {
            (
                if cbar < 3.681 {
                    0.2
                } else {
                    0.326 * cbar - 1.0
                },
                2.0,
            )
        } else {
            (
                if cbar < 5.215 {
                    0.2
                } else {
                    0.326 * cbar - 1.5
                },
                3.0,
            )
        };
        let m = 3.0;
        let a = (cbar - 2.0 * LN_10 * x0) / (x1 - x0).powf(m);
        DensityEffect::General(SternheimerFit {
            density,
            cbar,
            x0,
            x1,
            a,
            m,
            delta0: 0.0,
        })
    }

    /// The fit parameters in use.
    pub fn fit(&self) -> &SternheimerFit {
        match self {
            DensityEffect::Published(f) | DensityEffect::General(f) => f,
        }
    }

    /// delta at kinetic energy `t_mev` of an electron or positron.
    #[inline]
    pub fn delta(&self, t_mev: f64) -> f64 {
        let f = self.fit();
        let tau = t_mev / ELECTRON_MASS_MEV;
        let x = 0.5 * (tau * (tau + 2.0)).log10();
        if x < f.x0 {
            f.delta0 * 10f64.powf(2.0 * (x - f.x0))
        } else if x < f.x1 {
            2.0 * LN_10 * x - f.cbar + f.a * (f.x1 - x).powf(f.m)
        } else {
            2.0 * LN_10 * x - f.cbar
        }
    }
}

/// Unrestricted collision stopping power (MeV cm2/g), ICRU-37 eq. 2.1:
/// S/rho = K Z/A / beta^2 [ ln(tau^2 (tau+2) / (2 (I/mc^2)^2)) + F(tau) - delta ], with
/// F-(tau) = 1 - beta^2 + (tau^2/8 - (2 tau + 1) ln 2)/(tau+1)^2 (electrons, eq. 2.2) and
/// F+(tau) = 2 ln 2 - beta^2/12 (23 + 14/(tau+2) + 10/(tau+2)^2 + 4/(tau+2)^3) (positrons,
/// eq. 2.3).
pub fn collision(lepton: Lepton, t_mev: f64, z_over_a: f64, i_ev: f64, de: &DensityEffect) -> f64 {
    let tau = t_mev / ELECTRON_MASS_MEV;
    let gam = tau + 1.0;
    let beta2 = tau * (tau + 2.0) / (gam * gam);
    let eexc = i_ev * 1e-6 / ELECTRON_MASS_MEV;
    let f = match lepton {
        Lepton::Electron => {
            1.0 - beta2 + (tau * tau / 8.0 - (2.0 * tau + 1.0) * LN_2) / (gam * gam)
        }
        Lepton::Positron => {
            let y = tau + 2.0;
            2.0 * LN_2 - beta2 / 12.0 * (23.0 + 14.0 / y + 10.0 / (y * y) + 4.0 / (y * y * y))
        }
    };
    let l = (tau * tau * (tau + 2.0) / (2.0 * eexc * eexc)).ln() + f - de.delta(t_mev);
    BETHE_K * z_over_a / beta2 * l
}

/// Restricted collision stopping power (MeV cm2/g): the mean energy loss per unit mass thickness
/// in collisions that transfer less than `cut_mev` to the struck electron (Moller for electrons,
/// Bhabha for positrons), the rest being explicit delta rays. The cut is clamped to the largest
/// transfer (T/2 for electrons, where the faster electron is the primary; T for positrons), so a
/// cut at or above it gives [`collision`]. Never negative.
pub fn restricted_collision(
    lepton: Lepton,
    t_mev: f64,
    cut_mev: f64,
    z_over_a: f64,
    i_ev: f64,
    de: &DensityEffect,
) -> f64 {
    let tau = t_mev / ELECTRON_MASS_MEV;
    let gam = tau + 1.0;
    let gamma2 = gam * gam;
    let beta2 = tau * (tau + 2.0) / gamma2;
    let eexc = i_ev * 1e-6 / ELECTRON_MASS_MEV;
    let lead = (2.0 * (tau + 2.0) / (eexc * eexc)).ln();
    let l = match lepton {
        Lepton::Electron => {
            let d = (cut_mev / ELECTRON_MASS_MEV).min(0.5 * tau);
            lead - 1.0 - beta2
                + ((tau - d) * d).ln()
                + tau / (tau - d)
                + (0.5 * d * d + (2.0 * tau + 1.0) * (1.0 - d / tau).ln()) / gamma2
        }
        Lepton::Positron => {
            let d = (cut_mev / ELECTRON_MASS_MEV).min(tau);
            let y = 1.0 / (1.0 + gam);
            // d^2/2, d^3/3, d^4/4 (the Bhabha integrals)
            let d2 = 0.5 * d * d;
            let d3 = d * d * d / 3.0;
            let d4 = 0.25 * d * d * d * d;
            lead + (tau * d).ln()
                - beta2 * (tau + 2.0 * d - y * (3.0 * d2 + y * (d - d3 + y * (d2 - tau * d3 + d4))))
                    / tau
        }
    };
    (BETHE_K * z_over_a / beta2 * (l - de.delta(t_mev))).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn water_de() -> DensityEffect {
        DensityEffect::general(75.0, 1.0, 0.5551)
    }

    #[test]
    fn restricted_at_the_largest_transfer_is_unrestricted() {
        let de = water_de();
        for t in [0.002, 0.01, 0.1, 1.0, 10.0] {
            for lep in [Lepton::Electron, Lepton::Positron] {
                let full = collision(lep, t, 0.5551, 75.0, &de);
                let r = restricted_collision(lep, t, t, 0.5551, 75.0, &de);
                assert!((r / full - 1.0).abs() < 1e-10, "{lep:?} {t}: {r} vs {full}");
            }
        }
    }

    #[test]
    fn restricted_grows_with_the_cut() {
        let de = water_de();
        let mut prev = 0.0;
        for cut in [1e-3, 3e-3, 1e-2, 0.03, 0.1, 0.5] {
            let r = restricted_collision(Lepton::Electron, 1.0, cut, 0.5551, 75.0, &de);
            assert!(r > prev);
            prev = r;
        }
    }

    #[test]
    fn rescaled_fit_is_the_fit_at_its_own_density() {
        let fit = SternheimerFit {
            density: 1.0,
            cbar: 3.5017,
            x0: 0.24,
            x1: 2.8004,
            a: 0.09116,
            m: 3.4773,
            delta0: 0.0,
        };
        assert_eq!(DensityEffect::published(fit, 1.0).fit(), &fit);
        // above x1 (10 GeV) delta = 2 ln(beta gamma hbar omega_p / I) - 1: a denser medium has a
        // larger delta by ln(rho ratio)
        let d1 = DensityEffect::published(fit, 1.0).delta(1e4);
        let d2 = DensityEffect::published(fit, 2.0).delta(1e4);
        assert!((d2 - d1 - 2f64.ln()).abs() < 1e-12);
    }
}
