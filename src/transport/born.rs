//! Electrons a source emits at or below the cut-off ([`BornLocal`]): deposited where they are
//! born, with one medium look-up per decay position, as the step loop would have at once; those
//! above it that the step loop's range rejection would stop before their first step; and
//! photons below the photon cut-off, which the photon loop would have deposited at once.

use super::Transport;
use crate::particle::{isotropic_rng, BornLocal, Particle, ParticleKind};
use crate::physics::electron::Lepton;
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;

impl Transport<'_> {
    /// The per-thread holder of the electrons a source hands over where they are born, set up
    /// for this transport (see [`BornLocal`]): at or below the electron cut-off where electrons
    /// are transported (else 0: a source then puts every electron on the stack for
    /// [`Transport::run`] to deposit), and range-tested above it where a range rejection
    /// applies (voxels, or kernel shells with `shell_range_rejection`); photons below the photon
    /// cut-off.
    pub fn born_local(&self) -> BornLocal {
        let cut = self.transported_electron_cutoff_mev();
        BornLocal {
            max_mev: cut.unwrap_or(0.0),
            range_test: cut.is_some() && (self.voxels.is_some() || self.shell_range_rejection),
            photon_below_mev: self.photon_cutoff_mev,
            sites: Vec::with_capacity(32),
        }
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
    /// on to the next matter. Electrons above the cut-off (kept under
    /// [`BornLocal::range_test`]) stop there too where the step loop's range rejection would
    /// have stopped them before their first step; the others go on the stack with an isotropic
    /// direction. Photons (below the photon cut-off) are deposited where they are born, in
    /// vacuum too, and outside the geometry counted below the cut-off, as in the photon loop.
    ///
    /// Inlined to a test of `born`'s emptiness: a photon source keeps nothing, and the call
    /// cost about 4 % of a 140 keV photon history's instructions.
    #[inline(always)]
    pub fn deposit_born(
        &self,
        born: &mut BornLocal,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) {
        if !born.sites.is_empty() {
            self.deposit_born_sites(born, rng, stack, score);
        }
    }

    /// [`Transport::deposit_born`] of a `born` that holds sites.
    fn deposit_born_sites(
        &self,
        born: &mut BornLocal,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) {
        // a decay's electrons share its position: one medium look-up, at most one range
        // rejection reach and one deposit per run of sites at one position
        for run in born.sites.chunk_by(|a, b| a.0 == b.0) {
            let pos = run[0].0;
            let Some((m, rho, site)) = self.lepton_medium(pos) else {
                // (a photon below the cut-off counts as deposited there, as in the photon loop)
                for &(_, e, photon) in run {
                    if photon {
                        score.below_cutoff += e;
                    } else {
                        score.escaped += e;
                    }
                }
                continue;
            };
            let mut reach: Option<(f64, f64)> = None;
            let mut stops = |e: f64| {
                let (r, per_cm) =
                    *reach.get_or_insert_with(|| self.rejection_reach(pos, Lepton::Electron));
                let ep = self.electron.expect("electrons are transported");
                // the range's bounds decide without a logarithm unless it is close to the reach
                // (the same decision: x / rho * per_cm is non-decreasing in x)
                if let Some([lo, hi]) = ep.range_bounds(m).bounds(e) {
                    if hi / rho * per_cm < r {
                        return true;
                    }
                    if lo / rho * per_cm >= r {
                        return false;
                    }
                }
                ep.range(ep.tables(m, Lepton::Electron), e) / rho * per_cm < r
            };
            let mut stopped = 0.0;
            for &(_, e, photon) in run {
                if !photon && (rho == 0.0 || (e > born.max_mev && !stops(e))) {
                    let dir = isotropic_rng(rng);
                    stack.push(Particle::new(ParticleKind::Electron, e, pos, dir));
                } else {
                    stopped += e;
                }
            }
            if stopped > 0.0 {
                self.deposit_at(site, pos, stopped, score);
                score.below_cutoff += stopped;
            }
        }
        born.sites.clear();
    }
}
