//! Electrons a source emits at or below the cut-off ([`BornLocal`]): deposited where they are
//! born, with one medium look-up per decay position, as the step loop would have at once; and
//! those above it that the step loop's range rejection would stop before their first step.

use super::electron::LeptonMedium;
use super::{Transport, VoxelSite};
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, BornLocal, Particle, ParticleKind};
use crate::physics::electron::Lepton;
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

    /// Whether electrons a source emits above the cut-off are to be range-tested where they
    /// are born ([`BornLocal::range_test`]): where electrons are transported and a range
    /// rejection applies (voxels, or kernel shells with `shell_range_rejection`).
    pub fn range_test_at_birth(&self) -> bool {
        self.transported_electron_cutoff_mev().is_some()
            && (self.voxels.is_some() || self.shell_range_rejection)
    }

    /// Deposits the electrons a source kept in `born` (and empties it) as [`Transport::run`]
    /// would have on popping them: where they are born, counted below the cut-off; outside the
    /// geometry they escape; in vacuum they go on the stack with an isotropic direction, to fly
    /// on to the next matter. Electrons above the cut-off (kept under
    /// [`BornLocal::range_test`]) stop there too where the step loop's range rejection would
    /// have stopped them before their first step; the others go on the stack with an isotropic
    /// direction. The energy stopped at one site is scored once.
    pub fn deposit_born(
        &self,
        born: &mut BornLocal,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) {
        let cut = self.born_local_mev();
        // the medium of the last position looked up (a decay's electrons share its position),
        // the range rejection's reach there (and its unit per cm; NaN until needed) and the
        // energy stopped there, not yet scored
        let mut last: Option<(Vec3, Option<LeptonMedium>)> = None;
        let (mut reach, mut pending) = ((f64::NAN, 1.0), 0.0);
        for &(pos, e) in &born.sites {
            let medium = match last {
                Some((p, m)) if p == pos => m,
                _ => {
                    if let Some((p, Some((_, _, site)))) = last {
                        self.deposit_local(site, p, &mut pending, score);
                    }
                    let m = self.lepton_medium(pos);
                    last = Some((pos, m));
                    reach.0 = f64::NAN;
                    m
                }
            };
            let stops = |m: usize, rho: f64, reach: &mut (f64, f64)| {
                if reach.0.is_nan() {
                    *reach = self.rejection_reach(pos, Lepton::Electron);
                }
                let ep = self.electron.expect("electrons are transported");
                ep.range(ep.tables(m, Lepton::Electron), e) / rho * reach.1 < reach.0
            };
            match medium {
                None => score.escaped += e,
                Some((m, rho, _)) if rho == 0.0 || (e > cut && !stops(m, rho, &mut reach)) => {
                    stack.push(Particle::new(
                        ParticleKind::Electron,
                        e,
                        pos,
                        isotropic_rng(rng),
                    ));
                }
                Some(_) => pending += e,
            }
        }
        if let Some((p, Some((_, _, site)))) = last {
            self.deposit_local(site, p, &mut pending, score);
        }
        born.sites.clear();
    }

    /// Scores the energy stopped at one site (`pending`, MeV, then 0) as below the cut-off.
    #[inline]
    fn deposit_local(
        &self,
        site: Option<VoxelSite>,
        pos: Vec3,
        pending: &mut f64,
        score: &mut HistoryScore,
    ) {
        if *pending > 0.0 {
            self.deposit_at(site, pos, *pending, score);
            score.below_cutoff += *pending;
            *pending = 0.0;
        }
    }
}
