//! The hard inelastic events that end a condensed-history electron or positron step (delta
//! rays, bremsstrahlung, annihilation in flight) and the annihilation of a positron at
//! rest: the secondaries they push on the stack.

use super::Transport;
use crate::numerics::Vec3;
use crate::particle::{Particle, ParticleKind};
use crate::physics::electron::condensed::{ElectronPhysics, LeptonTables};
use crate::physics::electron::{brems, moller, positron, Lepton};
use crate::rng::HistoryRng;
use crate::units::ELECTRON_MASS_MEV;

impl Transport<'_> {
    /// Two photons of m c^2 from a positron at rest at `pos`.
    pub(super) fn annihilate_at_rest(
        &self,
        pos: Vec3,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
    ) {
        let (d1, d2) = positron::at_rest(rng);
        stack.push(Particle::new(
            ParticleKind::Photon,
            ELECTRON_MASS_MEV,
            pos,
            d1,
        ));
        stack.push(Particle::new(
            ParticleKind::Photon,
            ELECTRON_MASS_MEV,
            pos,
            d2,
        ));
    }

    /// Performs the hard inelastic event selected by `r` (uniform in [0, sig_inel) of node `n`).
    /// Returns true when the positron annihilated in flight (the track ends). Hard elastic
    /// collisions are not step ends: [`Transport::step_path`] deflects at their places.
    #[allow(clippy::too_many_arguments)] // the step state of one particle
    pub(super) fn hard_event(
        &self,
        ep: &ElectronPhysics,
        tab: &LeptonTables,
        lepton: Lepton,
        p: &mut Particle,
        mut r: f64,
        n: &crate::physics::electron::condensed::Node,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
    ) -> bool {
        let e = p.energy_mev;
        if r < n.sig_delta {
            let wc = ep.params.cuts.delta_mev;
            if wc >= moller::max_fraction(lepton) * e {
                return false;
            }
            let w = moller::sample(lepton, e, wc, rng);
            let (cos_p, cos_d) = moller::cosines(e, w);
            let (c, s) = rng.azimuth();
            let d_delta = p.dir.rotated_cs(cos_d, -c, -s);
            p.dir = p.dir.rotated_cs(cos_p, c, s);
            p.energy_mev = e - w;
            stack.push(Particle::new(ParticleKind::Electron, w, p.pos, d_delta));
            return false;
        }
        r -= n.sig_delta;
        if r < n.sig_brems {
            if e <= tab.brems.k_cut_mev {
                return false;
            }
            let k = tab.brems.sample_energy(e, rng);
            let (c, s) = rng.azimuth();
            let d = p.dir.rotated_cs(brems::sample_photon_cos(e, rng), c, s);
            p.energy_mev = e - k;
            stack.push(Particle::new(ParticleKind::Photon, k, p.pos, d));
            return false;
        }
        if lepton == Lepton::Positron {
            for (k, d) in positron::in_flight(e, p.dir, rng) {
                stack.push(Particle::new(ParticleKind::Photon, k, p.pos, d));
            }

            return true;
        }
        false
    }
}
