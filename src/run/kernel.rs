//! What the run driver asks of a particle transport: the size of its tally, per-thread scratch
//! space, and one history from its random stream into a chunk. The photon/electron/alpha
//! transport of a [`Source`] is one kernel; neutrons ([`super::neutron`]) are another.

use crate::particle::{BornLocal, Particle};
use crate::rng::HistoryRng;
use crate::source::Source;
use crate::tally::{ChunkScore, HistoryScore};
use crate::transport::Transport;

/// A particle transport the run driver can drive.
pub trait HistoryKernel: Sync {
    /// Per-thread working space (particle stacks, the score of the history in progress).
    type Scratch: Send;
    /// Number of tally bins a history scores into.
    fn n_bins(&self) -> usize;
    /// Fresh working space for one thread.
    fn scratch(&self) -> Self::Scratch;
    /// Runs one history from `rng` (its own stream) and closes it into `chunk`.
    fn history(&self, rng: &mut HistoryRng, scratch: &mut Self::Scratch, chunk: &mut ChunkScore);
}

/// Source particles (photons, electrons, positrons, alphas, or a radionuclide's decays)
/// through a [`Transport`].
pub struct PhotonKernel<'a> {
    pub transport: &'a Transport<'a>,
    pub source: &'a Source,
}

impl HistoryKernel for PhotonKernel<'_> {
    type Scratch = (Vec<Particle>, HistoryScore, BornLocal);
    fn n_bins(&self) -> usize {
        self.transport.n_bins()
    }
    fn scratch(&self) -> Self::Scratch {
        (
            Vec::with_capacity(64),
            self.transport.new_score(),
            self.transport.born_local(),
        )
    }
    #[inline]
    fn history(&self, rng: &mut HistoryRng, s: &mut Self::Scratch, chunk: &mut ChunkScore) {
        let (stack, hist, born) = s;
        // a source positron also brings its rest energy (see `Balance`)
        hist.emitted += self.source.emit(rng, stack, born);
        self.transport.deposit_born(born, rng, stack, hist);
        self.transport.run(rng, stack, hist);
        chunk.close_history(hist);
    }
}
