//! Electrons a source emits at or below the cut-off ([`BornLocal`]): deposited where they are
//! born, with one medium look-up per decay position, as the step loop would have at once.

use super::electron::LeptonMedium;
use super::Transport;
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, BornLocal, Particle, ParticleKind};
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;

impl Transport<'_> {
    /// Electrons at or below this energy (MeV) stop where they are born: the electron cut-off
    /// where electrons are transported, else 0 (a source then puts every electron on the stack
    /// for [`Transport::run`] to deposit); see [`BornLocal`].
    pub fn born_local_mev(&self) -> f64 {
        self.transported_electron_cutoff_mev().unwrap_or(0.0)
    }

    /// The electron cut-off (MeV) where electrons are transported (electron physics attached
    /// and `electrons_local` off); None where they are deposited where they start.
    #[inline]
    pub(super) fn transported_electron_cutoff_mev(&self) -> Option<f64> {
        match self.electron {
            Some(ep) if !self.electrons_local => Some(ep.params.cutoff_mev),
            _ => None,
        }
    }

    /// Deposits the electrons a source kept in `born` (and empties it) as [`Transport::run`]
    /// would have on popping them: where they are born, counted below the cut-off; outside the
    /// geometry they escape; in vacuum they go on the stack with an isotropic direction, to fly
    /// on to the next matter.
    pub fn deposit_born(
        &self,
        born: &mut BornLocal,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) {
        // the medium of the last position looked up: a decay's electrons share its position
        let mut last: Option<(Vec3, Option<LeptonMedium>)> = None;
        for &(pos, e) in &born.sites {
            let medium = match last {
                Some((p, m)) if p == pos => m,
                _ => {
                    let m = self.lepton_medium(pos);
                    last = Some((pos, m));
                    m
                }
            };
            match medium {
                None => score.escaped += e,
                Some((_, 0.0, _)) => stack.push(Particle::new(
                    ParticleKind::Electron,
                    e,
                    pos,
                    isotropic_rng(rng),
                )),
                Some((_, _, site)) => {
                    self.deposit_at(site, pos, e, score);
                    score.below_cutoff += e;
                }
            }
        }
        born.sites.clear();
    }
}
