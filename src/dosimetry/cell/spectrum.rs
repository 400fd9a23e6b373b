//! The particulate emissions of a nuclide (and its chain) that the cellular S values count:
//! conversion and Auger electrons (lines), beta-minus and beta-plus spectra (binned), alpha
//! particles (lines) and, on request, the recoiling daughter nuclei of alpha decay.
//!
//! Photons (gamma and X-rays, annihilation) are not counted in the analytic method, as in the
//! MIRD cellular S values (Goddu et al. 1997, ch. 2: their absorbed fractions in cellular
//! dimensions are negligible); the Monte Carlo transports them.

use super::range::Particle;
use crate::source::beta::BetaSpectrum;
use crate::source::nuclide::Nuclide;

/// Bins per beta spectrum (equal width from 0 to the endpoint).
const BETA_BINS: usize = 256;

/// One emitted particle energy with its yield per decay of the parent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EmissionLine {
    pub particle: Particle,
    pub energy_mev: f64,
    /// particles per decay of the first chain member
    pub yield_per_decay: f64,
}

/// Mean energy per decay (MeV) of a set of lines, by particle.
pub fn mean_energy_mev(lines: &[EmissionLine], p: Particle) -> f64 {
    lines
        .iter()
        .filter(|l| l.particle == p)
        .map(|l| l.energy_mev * l.yield_per_decay)
        .sum::<f64>()
        + 0.0
}

/// Adds the binned spectrum of a beta branch with `intensity` particles per decay.
fn push_beta(out: &mut Vec<EmissionLine>, s: &BetaSpectrum, intensity: f64) {
    let e0 = s.params.endpoint_mev;
    let h = e0 / BETA_BINS as f64;
    for k in 0..BETA_BINS {
        let (a, b) = (k as f64 * h, (k + 1) as f64 * h);
        let p = s.cdf(b) - s.cdf(a);
        if p <= 0.0 {
            continue;
        }
        // first moment of the bin by Simpson's rule (the density is piecewise linear)
        let m = 0.5 * (a + b);
        let moment = h / 6.0 * (a * s.pdf(a) + 4.0 * m * s.pdf(m) + b * s.pdf(b));
        let e = (moment / p).clamp(a, b);
        out.push(EmissionLine {
            particle: Particle::Electron,
            energy_mev: e,
            yield_per_decay: intensity * p,
        });
    }
}

/// The particulate lines of one decay of `n`, weighted by `w` decays per parent decay.
pub fn nuclide_lines(n: &Nuclide, w: f64, recoil: bool, out: &mut Vec<EmissionLine>) {
    for l in &n.electrons {
        if l.energy_mev > 0.0 && l.intensity > 0.0 {
            out.push(EmissionLine {
                particle: Particle::Electron,
                energy_mev: l.energy_mev,
                yield_per_decay: w * l.intensity,
            });
        }
    }
    for b in &n.beta_minus {
        if let Some(s) = &b.spectrum {
            push_beta(out, s, w * b.intensity);
        }
    }
    for b in &n.ec_beta_plus {
        if let (Some(s), true) = (&b.spectrum, b.positron_intensity > 0.0) {
            push_beta(out, s, w * b.positron_intensity);
        }
    }
    for l in &n.alphas {
        if l.intensity > 0.0 {
            out.push(EmissionLine {
                particle: Particle::Alpha,
                energy_mev: l.energy_mev,
                yield_per_decay: w * l.intensity,
            });
            if recoil && l.recoil_mev > 0.0 {
                out.push(EmissionLine {
                    particle: Particle::Recoil,
                    energy_mev: l.recoil_mev,
                    yield_per_decay: w * l.intensity,
                });
            }
        }
    }
}
