//! Scorers: energy deposited per bin (voxel, region or shell) with history-by-history
//! statistics, and the run's energy balance.
//!
//! Sums are kept in fixed point (u128) so that they are exactly associative: the result of a
//! run is bit-identical whatever the thread count, the order in which chunks finish, or the split
//! of the run into jobs merged afterwards. Each history's deposit in a bin is rounded to
//! `DEPOSIT_UNIT_MEV` (2^-40 MeV, about 1e-12 MeV) before it is added to `sum` and its square to
//! `sum2`; energy-balance totals use the same quantum.

mod chunk;
pub mod file;
pub mod let_tally;

pub use chunk::ChunkScore;

use crate::numerics::truncate_u64;

/// Quantum of a per-history deposit (MeV).
pub const DEPOSIT_UNIT_MEV: f64 = 1.0 / (1u64 << 40) as f64;
const BALANCE_SCALE: f64 = (1u64 << 40) as f64;

/// A per-history deposit in units of DEPOSIT_UNIT_MEV, rounded half up (deposits are >= 0;
/// truncating x + 0.5 rounds without a libm call).
#[inline]
fn quantise(e_mev: f64) -> u64 {
    truncate_u64(e_mev * (1u64 << 40) as f64 + 0.5)
}

/// Fixed-point energy total (units of 2^-40 MeV, about 1e-12 MeV; one history's energy is
/// rounded once, through a u64, which holds up to 1.6e7 MeV).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnergySum(pub u128);

impl EnergySum {
    #[inline]
    pub fn add_mev(&mut self, e: f64) {
        debug_assert!(e >= 0.0);
        self.0 += truncate_u64(e * BALANCE_SCALE + 0.5) as u128;
    }
    pub fn mev(&self) -> f64 {
        self.0 as f64 / BALANCE_SCALE
    }
}

/// Where the emitted energy went, summed over histories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// kinetic energy of source particles (plus rest energy of source positrons)
    pub emitted: EnergySum,
    /// deposited in interactions (local electron energy)
    pub deposited: EnergySum,
    /// energy of particles stopped below their cut-off (also deposited locally in the dose)
    pub below_cutoff: EnergySum,
    /// carried out of the geometry
    pub escaped: EnergySum,
}

impl Balance {
    pub fn add(&mut self, o: &Balance) {
        self.emitted.0 += o.emitted.0;
        self.deposited.0 += o.deposited.0;
        self.below_cutoff.0 += o.below_cutoff.0;
        self.escaped.0 += o.escaped.0;
    }
    /// |emitted - (deposited + below_cutoff + escaped)| / emitted
    pub fn relative_discrepancy(&self) -> f64 {
        let out = self.deposited.mev() + self.below_cutoff.mev() + self.escaped.mev();
        let e = self.emitted.mev();
        if e > 0.0 {
            (e - out).abs() / e
        } else {
            0.0
        }
    }
}

/// What one history scored, before it is folded into a tally.
#[derive(Debug, Default)]
pub struct HistoryScore {
    entries: Vec<(u32, f64)>,
    /// a few dense extra bins (region totals), tally bins extra_offset + k
    extra: DenseSums,
    extra_offset: u32,
    /// counting bins (annihilation sites): one count per entry
    marks: Vec<u32>,
    /// bins of other quantities than energy (LET sums, path lengths), folded like `entries`
    aux: Vec<(u32, f64)>,
    pub emitted: f64,
    pub deposited: f64,
    pub below_cutoff: f64,
    pub escaped: f64,
    /// [`Self::score_site`] scores only the extra bin (see [`Self::totals_only`])
    totals_only: bool,
}

impl HistoryScore {
    /// A score with `n_extra` dense extra bins numbered from `offset` in the tally.
    pub fn with_extra(offset: u32, n_extra: usize) -> Self {
        HistoryScore {
            extra: DenseSums::new(n_extra),
            extra_offset: offset,
            ..Default::default()
        }
    }
    /// This score with [`Self::score_site`] scoring only the extra bins (region totals): for
    /// runs that read nothing else of a site's deposits, whose ordinary bins then stay empty
    /// (`theradose vsv`, which reads its symmetry classes' totals only).
    pub fn totals_only(mut self) -> Self {
        self.totals_only = true;
        self
    }
    /// Scores energy deposited at a site: in its ordinary bin `bin` (unless
    /// [`Self::totals_only`]) and in its dense extra bin `k` (its region's total).
    #[inline(always)]
    pub fn score_site(&mut self, bin: u32, k: usize, e: f64) {
        if !self.totals_only {
            self.score(bin, e);
        }
        self.extra.add(k, e);
    }
    /// Scores energy in dense extra bin `k` (a region total).
    #[inline]
    pub fn score_extra(&mut self, k: usize, e: f64) {
        self.extra.add(k, e);
    }
    /// Counts one event (e.g. a positron annihilation) in a counting bin; a bin's mean is then
    /// events per history.
    #[inline]
    pub fn mark(&mut self, bin: u32) {
        self.marks.push(bin);
    }
    pub fn clear(&mut self) {
        self.entries.clear();
        self.marks.clear();
        self.aux.clear();
        self.extra.drain(|_, _| {});
        self.emitted = 0.0;
        self.deposited = 0.0;
        self.below_cutoff = 0.0;
        self.escaped = 0.0;
    }
    /// Scores energy in a bin (consecutive deposits in the same bin are coalesced).
    #[inline]
    pub fn score(&mut self, bin: u32, e: f64) {
        if let Some(last) = self.entries.last_mut() {
            if last.0 == bin {
                last.1 += e;
                return;
            }
        }
        self.entries.push((bin, e));
    }
    /// Adds each ordinary-bin deposit of this history, times the weights `f(bin)` gives, to the
    /// dense extra bins it names (totals derived at the end of a history, e.g. per region and
    /// dose component); zero products are skipped.
    pub fn fold_into_extra<const K: usize>(&mut self, f: impl Fn(u32) -> [(usize, f64); K]) {
        for i in 0..self.entries.len() {
            let (bin, e) = self.entries[i];
            for (k, w) in f(bin) {
                if w * e > 0.0 {
                    self.score_extra(k, w * e);
                }
            }
        }
    }
    /// The ordinary-bin deposits of this history so far (bin, MeV); consecutive deposits in one
    /// bin are coalesced, others may repeat a bin.
    pub fn entries(&self) -> &[(u32, f64)] {
        &self.entries
    }
    /// Scores a non-negative quantity other than energy (e.g. a LET-weighted sum) in a bin; it
    /// is summed per history and quantised like a deposit, but not counted in `scored_total`.
    #[inline]
    pub fn score_aux(&mut self, bin: u32, x: f64) {
        self.aux.push((bin, x));
    }
    /// Sum of the energy scored in the ordinary bins of this history (MeV); extra bins (region
    /// totals) repeat it and are not included.
    pub fn scored_total(&self) -> f64 {
        self.entries.iter().map(|e| e.1).sum()
    }
    /// Sum of the energy scored in the extra bins (MeV).
    pub fn extra_total(&self) -> f64 {
        self.extra.total()
    }
}

/// Sums in a few dense bins, with the bins touched listed in order of first appearance, so
/// that they are read and reset without a sweep over all bins (a history's region totals, and
/// the fold of a point kernel's shell deposits).
#[derive(Debug, Default)]
struct DenseSums {
    sums: Vec<f64>,
    /// whether bin k is listed in `touched` (a bin whose running sum is 0, e.g. after a zero
    /// deposit, must not be listed twice)
    listed: Vec<bool>,
    touched: Vec<u32>,
}

impl DenseSums {
    fn new(n: usize) -> Self {
        DenseSums {
            sums: vec![0.0; n],
            listed: vec![false; n],
            touched: Vec::new(),
        }
    }
    #[inline]
    fn add(&mut self, k: usize, e: f64) {
        if !self.listed[k] {
            self.listed[k] = true;
            self.touched.push(k as u32);
        }
        self.sums[k] += e;
    }
    /// The touched bins and their sums, in order of first appearance.
    fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.touched.iter().map(|&k| (k, self.sums[k as usize]))
    }
    fn total(&self) -> f64 {
        self.iter().map(|(_, v)| v).sum()
    }
    /// Calls `f(bin, sum)` for each touched bin in order of first appearance, and resets them.
    fn drain(&mut self, mut f: impl FnMut(u32, f64)) {
        for &k in &self.touched {
            f(k, self.sums[k as usize]);
            self.sums[k as usize] = 0.0;
            self.listed[k as usize] = false;
        }
        self.touched.clear();
    }
}

/// One tally bin: the sum of the per-history deposits (units of DEPOSIT_UNIT_MEV) and the sum
/// of their squares (units of DEPOSIT_UNIT_MEV^2), side by side and aligned to 32 bytes, so that
/// a bin never straddles two cache lines (with the 16-byte alignment of `[u128; 2]`, a large
/// allocation starts 16 bytes past a page and every other bin straddled two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(32))]
pub struct Bin {
    pub sum: u128,
    pub sum2: u128,
}

impl Bin {
    /// Adds one history's quantised deposit q (units of DEPOSIT_UNIT_MEV) and its square.
    #[inline]
    pub fn add_history(&mut self, q: u64) {
        let q = q as u128;
        self.sum += q;
        self.sum2 += q * q;
    }
    /// Adds another bin's sums (a chunk's, or another job's).
    #[inline]
    pub fn add(&mut self, o: &Bin) {
        self.sum += o.sum;
        self.sum2 += o.sum2;
    }
}

/// Sums and sums of squares of per-history deposits per bin, in fixed point (one cache line
/// fetch per scored bin).
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    pub bins: Vec<Bin>,
    pub histories: u64,
    pub balance: Balance,
}

impl Tally {
    pub fn new(n_bins: usize) -> Self {
        // chunks fold into bins scattered over the whole array: huge pages spare the TLB misses.
        // The advice must come before the first write to a page, so the bins are zeroed after it
        // (an allocation aligned to 32 bytes is not handed out pre-zeroed by calloc).
        let mut bins = Vec::with_capacity(n_bins);
        crate::numerics::advise_huge_pages(&bins);
        bins.resize(n_bins, Bin::default());
        Tally {
            bins,
            histories: 0,
            balance: Balance::default(),
        }
    }
    pub fn n_bins(&self) -> usize {
        self.bins.len()
    }
    /// Sum of the per-history deposits in a bin (units of DEPOSIT_UNIT_MEV).
    pub fn sum(&self, bin: usize) -> u128 {
        self.bins[bin].sum
    }
    /// Sum of the squared per-history deposits in a bin (units of DEPOSIT_UNIT_MEV^2).
    pub fn sum2(&self, bin: usize) -> u128 {
        self.bins[bin].sum2
    }
    /// Folds a chunk in and empties it (order does not matter: integer sums).
    pub fn absorb(&mut self, c: &mut ChunkScore) {
        c.drain_into(self);
    }
    /// Adds another tally of the same bins (job merge).
    pub fn merge(&mut self, o: &Tally) {
        assert_eq!(self.bins.len(), o.bins.len());
        for (a, b) in self.bins.iter_mut().zip(&o.bins) {
            a.add(b);
        }
        self.balance.add(&o.balance);
        self.histories += o.histories;
    }
    /// Mean energy per history in a bin (MeV) and the relative standard uncertainty of that mean
    /// (1 sigma, from history-by-history statistics; 0 when nothing was scored).
    pub fn mean_and_rel_uncertainty(&self, bin: usize) -> (f64, f64) {
        let n = self.histories as f64;
        let Bin { sum, sum2 } = self.bins[bin];
        if self.histories == 0 || sum == 0 {
            return (0.0, 0.0);
        }
        let s = sum as f64 * DEPOSIT_UNIT_MEV;
        let s2 = sum2 as f64 * DEPOSIT_UNIT_MEV * DEPOSIT_UNIT_MEV;
        let mean = s / n;
        if self.histories < 2 {
            return (mean, 1.0);
        }
        let var = ((s2 / n - mean * mean) / (n - 1.0)).max(0.0);
        (mean, var.sqrt() / mean)
    }
}

/// Hints the processor to fetch the cache line holding `r` (no effect on results).
#[inline(always)]
fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, even for invalid addresses, and `r` is a
    // valid reference.
    unsafe {
        core::arch::x86_64::_mm_prefetch(
            r as *const T as *const i8,
            core::arch::x86_64::_MM_HINT_T0,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

#[cfg(test)]
mod tests;
