//! Neutron histories on the run driver: the same rounds, checkpoints, resume, job split, merge
//! and target-uncertainty stop as every other run.
//!
//! One history: the source neutron from the history's own stream, its transport (collisions,
//! fluence and kerma scoring), then the photons it made through the photon transport, then the
//! optional per-history totals ([`NeutronTransport::history_extra`]).
//!
//! Tally layout (one tally, so that a checkpoint holds everything):
//! `[N_COMPONENTS x cells | history extras | energy balance | photon transport bins]`.
//! The energy balance of each history is kept in 14 bins (each of the 7 [`NeutronBalance`]
//! terms split into its positive and negative part, quantised like a deposit), so that the
//! balance too merges exactly across threads, jobs and resumptions.

use super::kernel::HistoryKernel;
use super::{execute_kernel, RunOutcome, RunSettings};
use crate::particle::Particle;
use crate::physics::neutron::collision::NeutronBalance;
use crate::rng::HistoryRng;
use crate::source::neutron_beam::SourceNeutron;
use crate::tally::{ChunkScore, HistoryScore, Tally, DEPOSIT_UNIT_MEV};
use crate::transport::neutron::{NeutronOutcome, NeutronTransport, N_COMPONENTS};
use anyhow::Result;

/// Terms of [`NeutronBalance`], each with a positive and a negative bin.
const BALANCE_TERMS: usize = 7;

/// Where each part of a neutron run lies in its tally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeutronLayout {
    /// N_COMPONENTS x cells + history extras
    pub neutron_bins: usize,
    /// first of the 2 x 7 balance bins
    pub balance_offset: usize,
    /// first photon-transport bin
    pub photon_offset: usize,
    /// all bins
    pub n_bins: usize,
}

impl NeutronLayout {
    /// The layout of a transport's runs.
    pub fn of(tr: &NeutronTransport) -> Self {
        let n_extra = tr.history_extra.map_or(0, |x| x.0);
        let neutron_bins = N_COMPONENTS * tr.cells() + n_extra;
        let balance_offset = neutron_bins;
        let photon_offset = balance_offset + 2 * BALANCE_TERMS;
        let n_bins = photon_offset + tr.photon.map_or(0, |t| t.n_bins());
        NeutronLayout {
            neutron_bins,
            balance_offset,
            photon_offset,
            n_bins,
        }
    }
    /// The bin of the positive part of the charged-particle energy deposited per history (all
    /// cells): the quantity a beam's target uncertainty follows.
    pub fn charged_bin(&self) -> usize {
        self.balance_offset + 2 * 3
    }
}

/// The neutron transport `tr` with its source (history stream -> source neutron).
pub struct NeutronKernel<'a, F> {
    tr: &'a NeutronTransport<'a>,
    source: F,
    layout: NeutronLayout,
}

impl<'a, F> NeutronKernel<'a, F>
where
    F: Fn(&mut HistoryRng) -> SourceNeutron + Sync,
{
    pub fn new(tr: &'a NeutronTransport<'a>, source: F) -> Self {
        NeutronKernel {
            tr,
            source,
            layout: NeutronLayout::of(tr),
        }
    }
}

/// A thread's working space: the neutron and photon scores of the history in progress and the
/// photons waiting for transport.
pub struct NeutronScratch {
    hist: HistoryScore,
    photon: Option<HistoryScore>,
    stack: Vec<Particle>,
}

impl<F> HistoryKernel for NeutronKernel<'_, F>
where
    F: Fn(&mut HistoryRng) -> SourceNeutron + Sync,
{
    type Scratch = NeutronScratch;

    fn n_bins(&self) -> usize {
        self.layout.n_bins
    }

    fn scratch(&self) -> NeutronScratch {
        let n_extra = self.tr.history_extra.map_or(0, |x| x.0);
        let offset = (N_COMPONENTS * self.tr.cells()) as u32;
        NeutronScratch {
            hist: HistoryScore::with_extra(offset, n_extra + 2 * BALANCE_TERMS),
            photon: self.tr.photon.map(|t| t.new_score()),
            stack: Vec::new(),
        }
    }

    fn history(&self, rng: &mut HistoryRng, s: &mut NeutronScratch, chunk: &mut ChunkScore) {
        let src = (self.source)(rng);
        let mut bal = NeutronBalance {
            source: src.energy_mev,
            ..NeutronBalance::default()
        };
        self.tr
            .history(src, rng, &mut s.hist, &mut bal, &mut s.stack);
        if let (Some(t), Some(ph)) = (self.tr.photon, s.photon.as_mut()) {
            t.run(rng, &mut s.stack, ph);
        }
        if let Some((_, f)) = self.tr.history_extra {
            f(&mut s.hist, s.photon.as_ref());
        }
        let first = self.layout.balance_offset - N_COMPONENTS * self.tr.cells();
        for (k, v) in balance_terms(&bal).into_iter().enumerate() {
            // each extra bin once per history, and only when not zero
            if v > 0.0 {
                s.hist.score_extra(first + 2 * k, v);
            } else if v < 0.0 {
                s.hist.score_extra(first + 2 * k + 1, -v);
            }
        }
        if let Some(ph) = s.photon.as_mut() {
            chunk.close_history_at(ph, self.layout.photon_offset as u32);
        }
        s.stack.clear();
        chunk.close_history(&mut s.hist);
    }
}

/// The terms of a balance in a fixed order.
fn balance_terms(b: &NeutronBalance) -> [f64; BALANCE_TERMS] {
    [
        b.source,
        b.q_released,
        b.thermal_exchange,
        b.charged,
        b.gamma,
        b.escaped,
        b.roulette,
    ]
}

/// Runs the neutron histories of `settings` (seed, histories, threads, checkpoints, resume, job
/// split, target) from `source` through `tr`; results depend only on which histories ran.
///
/// # Errors
/// Bad settings (zero histories, a job index beyond the jobs), a checkpoint of another run, a
/// thread pool or a checkpoint that cannot be made.
pub fn execute<F>(
    tr: &NeutronTransport,
    source: F,
    settings: &RunSettings,
) -> Result<NeutronOutcome>
where
    F: Fn(&mut HistoryRng) -> SourceNeutron + Sync,
{
    let kernel = NeutronKernel::new(tr, source);
    let out = execute_kernel(&kernel, settings)?;
    Ok(outcome(tr, &out.tally, Some(&out)))
}

/// `histories` histories with `seed` on `threads` threads (None: all cores), no checkpoints.
///
/// # Errors
/// As [`execute`].
pub fn run_histories<F>(
    tr: &NeutronTransport,
    source: F,
    seed: u64,
    histories: u64,
    threads: Option<usize>,
) -> Result<NeutronOutcome>
where
    F: Fn(&mut HistoryRng) -> SourceNeutron + Sync,
{
    let mut s = RunSettings::new(seed, histories);
    s.threads = threads;
    execute(tr, source, &s)
}

/// Splits a neutron run's tally (of [`NeutronLayout::of`]`(tr)`) into the neutron and photon
/// tallies and the energy balance; `run` gives the timing and the stop reason (None for a
/// merged tally).
pub fn outcome(tr: &NeutronTransport, tally: &Tally, run: Option<&RunOutcome>) -> NeutronOutcome {
    let lay = NeutronLayout::of(tr);
    let part = |a: usize, b: usize, balance| Tally {
        bins: tally.bins[a..b].to_vec(),
        histories: tally.histories,
        balance,
    };
    let mv = |b: usize| tally.bins[b].sum as f64 * DEPOSIT_UNIT_MEV;
    let term = |k: usize| mv(lay.balance_offset + 2 * k) - mv(lay.balance_offset + 2 * k + 1);
    let balance = NeutronBalance {
        source: term(0),
        q_released: term(1),
        thermal_exchange: term(2),
        charged: term(3),
        gamma: term(4),
        escaped: term(5),
        roulette: term(6),
    };
    NeutronOutcome {
        tally: part(0, lay.neutron_bins, Default::default()),
        photon_tally: tr
            .photon
            .map(|_| part(lay.photon_offset, lay.n_bins, tally.balance)),
        balance,
        cells: tr.cells(),
        seconds: run.map_or(0.0, |r| r.seconds),
        cpu_seconds: run.map_or(0.0, |r| r.cpu_seconds),
        threads: run.map_or(0, |r| r.threads),
        new_histories: run.map_or(0, |r| r.new_histories),
        interrupted: run.is_some_and(|r| r.interrupted),
        reached_target: run.is_some_and(|r| r.reached_target),
    }
}
