//! The finished histories of one chunk of a run, kept until the chunk is folded into the
//! run's [`Tally`].

use super::{prefetch, quantise, Balance, Bin, DenseSums, HistoryScore, Tally};

/// Per-chunk accumulation of finished histories, folded into a `Tally` at chunk end: a list of
/// (bin, quantised deposit) for large tallies, or, for tallies of at most [`DIRECT_BINS`] bins
/// ([`Self::for_bins`]), the chunk's own sums per bin, to which each history's quantised
/// deposits are added at once (no list, and a chunk folds in with one pass over its bins).
#[derive(Debug, Default)]
pub struct ChunkScore {
    pub(super) entries: Vec<(u32, u64)>,
    /// the chunk's sums per bin (empty when `entries` is used)
    direct: Vec<Bin>,
    pub balance: Balance,
    pub histories: u64,
    /// scratch of [`Self::fold`] for long histories in the first `DENSE_BINS` bins (empty
    /// between histories)
    dense: DenseSums,
}

/// Bins below this index are summed in a dense scratch array when a history scores more than a
/// few deposits (a point kernel's tens of shell deposits per electron) instead of by sorting.
pub(super) const DENSE_BINS: usize = 4096;

/// Largest tally whose chunks keep their own sums per bin (32 KiB of them): point kernels
/// (shells), `vsv` (its voxels and symmetry classes). Adding a history's deposits there at once
/// spares the list and `Tally::absorb`'s pass over it: 140 keV photon kernel 2,299 -> 2,244
/// instructions per history, Lu-177 `vsv` 4,084 -> 4,075 per decay (callgrind, marginal between
/// 2e5 and 6e5 histories).
pub const DIRECT_BINS: usize = 1024;

impl ChunkScore {
    /// An empty chunk for a tally of `n_bins` bins: with its own sums per bin when
    /// `n_bins <= DIRECT_BINS`, else listing its deposits.
    pub fn for_bins(n_bins: usize) -> Self {
        let mut c = ChunkScore::default();
        if n_bins <= DIRECT_BINS {
            c.direct = vec![Bin::default(); n_bins];
        }
        c
    }
    /// Keeps one history's total `e` (MeV, or a count) in `bin`, quantised; nothing when it
    /// rounds to zero.
    #[inline]
    fn keep(&mut self, bin: u32, e: f64) {
        keep_in(&mut self.direct, &mut self.entries, bin, e);
    }
    /// Closes a history: combines its deposits per bin, quantises them, keeps the balance.
    pub fn close_history(&mut self, h: &mut HistoryScore) {
        self.close_with_offset(h, 0);
        self.histories += 1;
    }
    /// Closes the second score of a history, whose bins are numbered from 0, into the bins from
    /// `offset` on (a second transport's score, e.g. the photons of a neutron run, after the
    /// first one's bins). The history is counted once, by the `close_history` of its first score.
    pub fn close_history_at(&mut self, h: &mut HistoryScore, offset: u32) {
        self.close_with_offset(h, offset);
    }
    /// Keeps a history's deposits, in its bins plus `offset`, and its balance, and clears it.
    #[inline]
    fn close_with_offset(&mut self, h: &mut HistoryScore, offset: u32) {
        self.fold(&mut h.entries, offset);
        self.fold(&mut h.aux, offset);
        for (k, e) in h.extra.iter() {
            self.keep(offset + h.extra_offset + k, e);
        }
        if !h.marks.is_empty() {
            h.marks.sort_unstable();
            for run in h.marks.chunk_by(|a, b| a == b) {
                self.keep(offset + run[0], run.len() as f64);
            }
        }
        self.balance.emitted.add_mev(h.emitted);
        self.balance.deposited.add_mev(h.deposited);
        self.balance.below_cutoff.add_mev(h.below_cutoff);
        self.balance.escaped.add_mev(h.escaped);
        h.clear();
    }
    /// Sums one history's (bin, value) list per bin and keeps the quantised sums: a short list
    /// (a photon history's few voxels) by comparing every pair, each bin's values summed in
    /// their order of scoring where the bin first appears; a longer one in a dense array when
    /// its bins are all below `DENSE_BINS` (again in order of scoring), else by sorting it. An
    /// empty list (a totals-only score's, `vsv`'s) costs one test, inlined at the caller.
    #[inline(always)]
    pub(super) fn fold(&mut self, entries: &mut [(u32, f64)], offset: u32) {
        if !entries.is_empty() {
            self.fold_list(entries, offset);
        }
    }
    /// [`Self::fold`] of a list that holds entries.
    fn fold_list(&mut self, entries: &mut [(u32, f64)], offset: u32) {
        const SHORT: usize = 24;
        if entries.len() <= SHORT {
            // most photon histories score each bin once: a 256-bit filter of the bins proves
            // that in one pass, and each entry is then its bin's total
            let mut seen = [0u64; 4];
            let mut repeated = false;
            for &(bin, _) in entries.iter() {
                let h = bin.wrapping_mul(0x9E37_79B1) >> 24;
                let (word, bit) = ((h >> 6) as usize, 1u64 << (h & 63));
                repeated |= seen[word] & bit != 0;
                seen[word] |= bit;
            }
            if !repeated {
                for &(bin, e) in entries.iter() {
                    self.keep(offset + bin, e);
                }
                return;
            }
            for (i, &(bin, first)) in entries.iter().enumerate() {
                if entries[..i].iter().any(|e| e.0 == bin) {
                    continue;
                }
                let mut e = first;
                for x in &entries[i + 1..] {
                    if x.0 == bin {
                        e += x.1;
                    }
                }
                self.keep(offset + bin, e);
            }
            return;
        }
        if entries.iter().all(|e| (e.0 as usize) < DENSE_BINS) {
            self.fold_dense(entries, offset);
            return;
        }
        entries.sort_unstable_by_key(|e| e.0);
        let mut k = 0;
        while k < entries.len() {
            let bin = entries[k].0;
            let mut e = 0.0;
            while k < entries.len() && entries[k].0 == bin {
                e += entries[k].1;
                k += 1;
            }
            self.keep(offset + bin, e);
        }
    }
    /// [`Self::fold`] of a list whose bins are all below `DENSE_BINS`.
    fn fold_dense(&mut self, entries: &[(u32, f64)], offset: u32) {
        if self.dense.sums.len() < DENSE_BINS {
            self.dense = DenseSums::new(DENSE_BINS);
        }
        for &(bin, e) in entries {
            self.dense.add(bin as usize, e);
        }
        let (direct, list) = (&mut self.direct, &mut self.entries);
        self.dense
            .drain(|bin, e| keep_in(direct, list, offset + bin, e));
    }
    /// Number of deposits listed so far (none in a chunk with its own sums): callers that run
    /// many histories into one chunk fold it into the tally when the list grows long.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Folds this chunk into `t` and empties it (order does not matter: integer sums). Listed
    /// bins are scattered over a large array, so each is prefetched 64 entries ahead to overlap
    /// the cache misses (against 16 before: 9.4 -> 6.4 ns per entry in a stand-alone test
    /// replaying 64 chunks into a 128^3 tally; about 11 ns per entry measured inside the photon
    /// benchmark).
    pub(super) fn drain_into(&mut self, t: &mut Tally) {
        const AHEAD: usize = 64;
        let e = &self.entries;
        // the first AHEAD bins are requested together before any is needed
        for &(b, _) in e.iter().take(AHEAD) {
            prefetch(&t.bins[b as usize]);
        }
        for k in 0..e.len() {
            if let Some(&(b, _)) = e.get(k + AHEAD) {
                prefetch(&t.bins[b as usize]);
            }
            let (bin, q) = e[k];
            t.bins[bin as usize].add_history(q);
        }
        assert!(self.direct.len() <= t.bins.len(), "chunk of a larger tally");
        for (to, from) in t.bins.iter_mut().zip(self.direct.iter_mut()) {
            to.add(from);
            *from = Bin::default();
        }
        t.balance.add(&self.balance);
        t.histories += self.histories;
        self.entries.clear();
        self.balance = Balance::default();
        self.histories = 0;
    }
}

/// [`ChunkScore::keep`] on the chunk's two stores, for callers that hold other parts of it.
#[inline]
fn keep_in(direct: &mut [Bin], list: &mut Vec<(u32, u64)>, bin: u32, e: f64) {
    let q = quantise(e);
    if q == 0 {
        return;
    }
    match direct.get_mut(bin as usize) {
        Some(b) => b.add_history(q),
        None => list.push((bin, q)),
    }
}
