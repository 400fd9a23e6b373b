//! Hard inelastic collisions with atomic electrons (delta rays) above an energy-transfer
//! threshold: Moller scattering for electrons, Bhabha scattering for positrons, on free electrons
//! at rest (binding neglected, as in the restricted stopping powers of [`super::collision`]).
//!
//! With T the kinetic energy, W the energy transfer, eps = W/T, gamma = 1 + T/mc^2 and
//! C = 2 pi r_e^2 mc^2 / T (cm2 per electron), the DCS per electron are (Geant4
//! `G4MollerBhabhaModel`, physics reference manual sec. 10.1.4; ICRU Report 37 eqs. 2.3, 2.4):
//! - Moller, eps in [eps_c, 1/2] (the faster outgoing electron is the primary):
//!   dsigma/deps = C / beta^2 [1/eps^2 + 1/(1-eps)^2 + (1 - g) - g/(eps (1-eps))],
//!   g = (2 gamma - 1)/gamma^2;
//! - Bhabha, eps in [eps_c, 1]:
//!   dsigma/deps = C [1/(beta^2 eps^2) - b1/eps + b2 - b3 eps + b4 eps^2] with y = 1/(1+gamma),
//!   b1 = 2 - y^2, b2 = (1-2y)(3+y^2), b4 = (1-2y)^3, b3 = b4 + (1-2y)^2.
//!
//! Sampling: eps from the 1/eps^2 envelope by inversion, accepted with the ratio of the DCS to
//! the envelope (the Geant4 algorithm; acceptance above 0.5 at all energies).

use super::Lepton;
use crate::rng::HistoryRng;
use crate::units::{CLASSICAL_ELECTRON_RADIUS_CM, ELECTRON_MASS_MEV};

/// 2 pi r_e^2 m c^2 (MeV cm2).
const TWO_PI_RE2_MC2: f64 = 2.0
    * std::f64::consts::PI
    * CLASSICAL_ELECTRON_RADIUS_CM
    * CLASSICAL_ELECTRON_RADIUS_CM
    * ELECTRON_MASS_MEV;

/// Largest fraction of T that can be transferred: 1/2 for electrons (indistinguishable), 1 for
/// positrons.
#[inline]
pub fn max_fraction(lepton: Lepton) -> f64 {
    match lepton {
        Lepton::Electron => 0.5,
        Lepton::Positron => 1.0,
    }
}

/// Cross section (cm2 per electron) for energy transfers above `cut_mev` at kinetic energy
/// `t_mev`; 0 when the cut exceeds the largest transfer.
pub fn cross_section(lepton: Lepton, t_mev: f64, cut_mev: f64) -> f64 {
    let xmin = cut_mev / t_mev;
    let xmax = max_fraction(lepton);
    if xmin >= xmax {
        return 0.0;
    }
    let gam = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let beta2 = 1.0 - 1.0 / (gam * gam);
    let c = TWO_PI_RE2_MC2 / t_mev;
    match lepton {
        Lepton::Electron => {
            let g = (2.0 * gam - 1.0) / (gam * gam);
            let s = (xmax - xmin)
                * (1.0 - g + 1.0 / (xmin * xmax) + 1.0 / ((1.0 - xmin) * (1.0 - xmax)))
                - g * (xmax * (1.0 - xmin) / (xmin * (1.0 - xmax))).ln();
            c * s / beta2
        }
        Lepton::Positron => {
            let b = bhabha_coefficients(gam);
            let s = (xmax - xmin)
                * (1.0 / (beta2 * xmin * xmax) + b[1] - 0.5 * b[2] * (xmin + xmax)
                    + b[3] * (xmin * xmin + xmin * xmax + xmax * xmax) / 3.0)
                - b[0] * (xmax / xmin).ln();
            c * s
        }
    }
}

/// [b1, b2, b3, b4] of the Bhabha DCS.
#[inline]
fn bhabha_coefficients(gam: f64) -> [f64; 4] {
    let y = 1.0 / (1.0 + gam);
    let y12 = 1.0 - 2.0 * y;
    let b4 = y12 * y12 * y12;
    [2.0 - y * y, y12 * (3.0 + y * y), b4 + y12 * y12, b4]
}

/// The DCS dsigma/deps (cm2 per electron) at fraction `eps`, for tests and plots.
pub fn dcs(lepton: Lepton, t_mev: f64, eps: f64) -> f64 {
    let gam = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let beta2 = 1.0 - 1.0 / (gam * gam);
    let c = TWO_PI_RE2_MC2 / t_mev;
    match lepton {
        Lepton::Electron => {
            let g = (2.0 * gam - 1.0) / (gam * gam);
            let y = 1.0 - eps;
            c / beta2 * (1.0 / (eps * eps) + 1.0 / (y * y) + 1.0 - g - g / (eps * y))
        }
        Lepton::Positron => {
            let b = bhabha_coefficients(gam);
            c * (1.0 / (beta2 * eps * eps) - b[0] / eps + b[1] - b[2] * eps + b[3] * eps * eps)
        }
    }
}

/// Samples the energy transfer W (MeV) of a collision above `cut_mev` (requires
/// `cut_mev < max_fraction * t_mev`).
pub fn sample(lepton: Lepton, t_mev: f64, cut_mev: f64, rng: &mut HistoryRng) -> f64 {
    let xmin = cut_mev / t_mev;
    let xmax = max_fraction(lepton);
    debug_assert!(xmin < xmax);
    let gam = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let beta2 = 1.0 - 1.0 / (gam * gam);
    // the DCS times eps^2 (up to constants), bounded by its value `bound` on [xmin, xmax]
    let envelope = |rng: &mut HistoryRng| {
        let q = rng.uniform();
        xmin * xmax / (xmin * (1.0 - q) + xmax * q)
    };
    match lepton {
        Lepton::Electron => {
            let g = (2.0 * gam - 1.0) / (gam * gam);
            let f = |x: f64| {
                let y = 1.0 - x;
                1.0 - g * x + x * x * (1.0 - g + (1.0 - g * y) / (y * y))
            };
            let bound = f(xmax);
            loop {
                let x = envelope(rng);
                if bound * rng.uniform() <= f(x) {
                    return x * t_mev;
                }
            }
        }
        Lepton::Positron => {
            let b = bhabha_coefficients(gam);
            let f = |x: f64| {
                let y = x * x;
                1.0 + (y * y * b[3] - x * y * b[2] + y * b[1] - x * b[0]) * beta2
            };
            let y = xmax * xmax;
            let bound =
                1.0 + (y * y * b[3] - xmin * xmin * xmin * b[2] + y * b[1] - xmin * b[0]) * beta2;
            loop {
                let x = envelope(rng);
                if bound * rng.uniform() <= f(x) {
                    return x * t_mev;
                }
            }
        }
    }
}

/// Directions (cosines with the incident direction) of the primary after transferring `w_mev`
/// and of the delta ray, from two-body kinematics on a free electron at rest.
#[inline]
pub fn cosines(t_mev: f64, w_mev: f64) -> (f64, f64) {
    let m2 = 2.0 * ELECTRON_MASS_MEV;
    let tp = t_mev - w_mev;
    let cos_p = (tp * (t_mev + m2) / (t_mev * (tp + m2))).sqrt().min(1.0);
    let cos_d = (w_mev * (t_mev + m2) / (t_mev * (w_mev + m2)))
        .sqrt()
        .min(1.0);
    (cos_p, cos_d)
}
