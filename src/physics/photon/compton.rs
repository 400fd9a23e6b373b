//! Incoherent (Compton) scattering: Klein-Nishina sampling, optionally with the binding
//! correction of the incoherent scattering function S(x, Z) (rejection on S(x)/Z, as in
//! EGSnrc's `ibcmp = 1` without Doppler broadening).

use crate::rng::HistoryRng;
use crate::units::{CLASSICAL_ELECTRON_RADIUS_CM, ELECTRON_MASS_MEV};

/// Klein-Nishina differential cross section per electron, d sigma / d cos(theta), in cm2,
/// for a photon of energy `k_mev` scattered with cosine `cos_t`.
pub fn klein_nishina_dcs(k_mev: f64, cos_t: f64) -> f64 {
    let k = k_mev / ELECTRON_MASS_MEV;
    let eps = 1.0 / (1.0 + k * (1.0 - cos_t));
    let r2 = CLASSICAL_ELECTRON_RADIUS_CM * CLASSICAL_ELECTRON_RADIUS_CM;
    std::f64::consts::PI * r2 * eps * eps * (eps + 1.0 / eps - (1.0 - cos_t * cos_t))
}

/// Klein-Nishina total cross section per electron in cm2 (Klein & Nishina 1929).
pub fn klein_nishina_total(k_mev: f64) -> f64 {
    let k = k_mev / ELECTRON_MASS_MEV;
    let r2 = CLASSICAL_ELECTRON_RADIUS_CM * CLASSICAL_ELECTRON_RADIUS_CM;
    let l = (1.0 + 2.0 * k).ln();
    2.0 * std::f64::consts::PI
        * r2
        * ((1.0 + k) / (k * k) * (2.0 * (1.0 + k) / (1.0 + 2.0 * k) - l / k) + l / (2.0 * k)
            - (1.0 + 3.0 * k) / ((1.0 + 2.0 * k) * (1.0 + 2.0 * k)))
}

/// Samples the ratio eps = E'/E and cos(theta) from the Klein-Nishina distribution
/// (the composition-rejection method of Butcher & Messel 1960 as used in EGS4 and Geant4's
/// G4KleinNishinaCompton).
#[inline]
pub fn sample_klein_nishina(k_mev: f64, rng: &mut HistoryRng) -> (f64, f64) {
    KleinNishina::new(k_mev).sample(rng)
}

/// The energy-dependent constants of the Klein-Nishina sampler, computed once per photon energy.
#[derive(Clone, Copy, Debug)]
pub struct KleinNishina {
    k: f64,
    eps0sq: f64,
    alpha1: f64,
    alpha2: f64,
}

impl KleinNishina {
    #[inline]
    pub fn new(k_mev: f64) -> Self {
        let k = k_mev / ELECTRON_MASS_MEV;
        let eps0 = 1.0 / (1.0 + 2.0 * k);
        let eps0sq = eps0 * eps0;
        let alpha1 = (1.0 + 2.0 * k).ln();
        KleinNishina {
            k,
            eps0sq,
            alpha1,
            alpha2: alpha1 + 0.5 * (1.0 - eps0sq),
        }
    }

    /// Samples (eps = E'/E, cos theta).
    #[inline]
    pub fn sample(&self, rng: &mut HistoryRng) -> (f64, f64) {
        let KleinNishina {
            k,
            eps0sq,
            alpha1,
            alpha2,
        } = *self;
        loop {
            let (eps, epssq) = if alpha1 > alpha2 * rng.uniform() {
                let e = (-alpha1 * rng.uniform()).exp();
                (e, e * e)
            } else {
                let e2 = eps0sq + (1.0 - eps0sq) * rng.uniform();
                (e2.sqrt(), e2)
            };
            // accept with g = 1 - eps sin^2 / (1 + eps^2), sin^2 = c (2 - c), c = 1 - cos =
            // t / d, t = 1 - eps, d = eps k; g >= u is tested multiplied by (1 + eps^2) d^2 > 0,
            // so a trial needs no division and only an accepted one divides once
            let (t, d) = (1.0 - eps, eps * k);
            if (1.0 + epssq) * (1.0 - rng.uniform()) * d * d >= eps * t * (2.0 * d - t) {
                return (eps, 1.0 - t / d);
            }
        }
    }
}
