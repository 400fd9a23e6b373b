//! Positron annihilation into two photons: in flight (Heitler cross section on free electrons at
//! rest) and at rest, with the measured angular deviation of the photons from collinearity.
//!
//! - In flight: sigma per electron (Heitler 1954; PENELOPE-2011 eq. 3.189; Geant4
//!   `G4eeToTwoGammaModel`), gamma = 1 + T/mc^2:
//!   sigma = pi r_e^2 / (gamma + 1) [ (gamma^2 + 4 gamma + 1)/(gamma^2 - 1)
//!   ln(gamma + sqrt(gamma^2 - 1)) - (gamma + 3)/sqrt(gamma^2 - 1) ].
//!   The photon energy fraction eps = k / (T + 2 mc^2) is sampled from Heitler's DCS by the
//!   Geant4 algorithm (1/eps envelope on [eps_min, 1 - eps_min], rejection function
//!   1 - eps + (2 gamma eps - 1)/(eps (tau + 2)^2)); the first photon's angle follows from energy
//!   and momentum conservation, the second photon takes the remaining four-momentum.
//! - At rest: two photons of m c^2 each, isotropic, deviating from back-to-back by a small angle
//!   whose two transverse components are Gaussian with FWHM 0.5 degree each (positron
//!   annihilation in water; Colombino, Fiscella & Trossi, Nuovo Cimento 38 (1965) 707, as quoted
//!   in the PET literature, e.g. Moses, NIM A 648 (2011) S236; Shibuya et al., Phys. Med. Biol. 52
//!   (2007) 5249 measured 0.47-0.54 degree FWHM in water and in patients). The photon energies
//!   are kept at m c^2 (the Doppler shift of about 1 keV is neglected), so energy is conserved
//!   exactly.

use crate::numerics::Vec3;
use crate::particle::isotropic_rng;
use crate::rng::HistoryRng;
use crate::units::{CLASSICAL_ELECTRON_RADIUS_CM, ELECTRON_MASS_MEV};

/// FWHM of each transverse component of the acollinearity angle (radians): 0.5 degree.
pub const ACOLLINEARITY_FWHM_RAD: f64 = 0.5 * std::f64::consts::PI / 180.0;

/// Annihilation-in-flight cross section per electron (cm2) at kinetic energy `t_mev`.
pub fn cross_section(t_mev: f64) -> f64 {
    let g = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let s = (g * g - 1.0).sqrt();
    if s <= 0.0 {
        return 0.0;
    }
    std::f64::consts::PI * CLASSICAL_ELECTRON_RADIUS_CM * CLASSICAL_ELECTRON_RADIUS_CM / (g + 1.0)
        * ((g * g + 4.0 * g + 1.0) / (g * g - 1.0) * (g + s).ln() - (g + 3.0) / s)
}

/// Two photons (energy MeV, direction) from a positron of kinetic energy `t_mev` moving along
/// `dir` annihilating with an electron at rest.
pub fn in_flight(t_mev: f64, dir: Vec3, rng: &mut HistoryRng) -> [(f64, Vec3); 2] {
    let tau = t_mev / ELECTRON_MASS_MEV;
    let gam = tau + 1.0;
    let tau2 = tau + 2.0;
    let sqgrate = (tau / tau2).sqrt() * 0.5;
    let sqg2m1 = (tau * tau2).sqrt();
    let (emin, emax) = (0.5 - sqgrate, 0.5 + sqgrate);
    let eps = loop {
        let e = emin * (emax / emin).powf(rng.uniform());
        let g = 1.0 - e + (2.0 * gam * e - 1.0) / (e * tau2 * tau2);
        if g >= rng.uniform() {
            break e;
        }
    };
    let total = t_mev + 2.0 * ELECTRON_MASS_MEV;
    let k1 = eps * total;
    let cos1 = ((eps * tau2 - 1.0) / (eps * sqg2m1)).clamp(-1.0, 1.0);
    let (c, s) = rng.azimuth();
    let d1 = dir.rotated_cs(cos1, c, s);
    // second photon: the rest of the momentum (units of MeV/c)
    let p = dir * (t_mev * (t_mev + 2.0 * ELECTRON_MASS_MEV)).sqrt();
    let p2 = p - d1 * k1;
    let k2 = total - k1;
    let n = p2.norm();
    let d2 = if n > 0.0 { p2 * (1.0 / n) } else { d1 * -1.0 };
    [(k1, d1), (k2, d2)]
}

/// Directions of the two photons of an annihilation at rest (each of energy m c^2).
pub fn at_rest(rng: &mut HistoryRng) -> (Vec3, Vec3) {
    let d1 = isotropic_rng(rng);
    let sigma = ACOLLINEARITY_FWHM_RAD / (2.0 * (2.0 * std::f64::consts::LN_2).sqrt());
    // two Gaussian transverse components (Box-Muller): deviation angle and its azimuth
    let r = sigma * (-2.0 * rng.uniform_open().ln()).sqrt();
    let (c, s) = rng.azimuth();
    let d2 = (d1 * -1.0).rotated_cs(r.cos(), c, s);
    (d1, d2)
}
