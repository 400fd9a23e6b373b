//! Running histories: rounds of fixed-size chunks in parallel with rayon, exact (integer) merge,
//! checkpoints, resume, interruption, job split, progress and the target-uncertainty stop.
//!
//! History `i` always uses the random stream (seed, i), and tallies are integer sums, so the
//! result depends only on which histories ran: not on threads, chunk completion order, job split
//! or resumption.

pub mod guard;
pub mod kernel;
pub mod neutron;
pub mod phantom_arg;
pub mod pool;
pub mod problem;
pub mod progress;
pub mod spec;

use crate::rng::HistoryRng;
use crate::source::Source;
use crate::tally::file::{self, TallyHeader};
use crate::tally::{ChunkScore, Tally};
use crate::transport::Transport;
use anyhow::{bail, Result};
pub use kernel::HistoryKernel;
use progress::{ProgressSink, RunProgress, Silent};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

/// Set by the Ctrl-C handler: the run finishes its round, writes its checkpoint and stops.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs a Ctrl-C / SIGTERM handler that sets `INTERRUPTED` (once per process).
pub fn install_interrupt_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupt: finishing the current round and writing the checkpoint (Ctrl-C again to abort)");
        });
    });
}

/// Histories per chunk (the unit of parallel work; its deposits are folded into the shared tally
/// at once). Small enough that the thread that finishes a round first seldom waits long for the
/// other's last chunk.
pub const CHUNK: u64 = 256;
/// Histories per round with a target uncertainty: the target is checked after each round, at
/// fixed history counts (multiples of this from the job's first history), so the stopping point
/// does not depend on the speed, the thread count or a resumption.
pub const TARGET_ROUND: u64 = 32_768;
/// Wall-clock length aimed at for a round without a target (s). Rounds are where interrupts and
/// checkpoints are honoured, and each ends with a barrier where one thread may wait for another:
/// without a target they grow to about this length (never below `TARGET_ROUND` histories).
const ROUND_SECONDS: f64 = 0.25;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunSettings {
    pub seed: u64,
    /// histories of the whole run (all jobs)
    pub histories: u64,
    pub threads: Option<usize>,
    pub jobs: u64,
    pub job_index: u64,
    /// tally file for checkpoints (and the final tally); None: no checkpoints
    pub tally_path: Option<PathBuf>,
    pub checkpoint_every_s: f64,
    pub resume: bool,
    /// (relative uncertainty, tally bin): stop once that bin's mean reaches it
    pub target: Option<(f64, usize)>,
    pub fingerprint: u64,
    pub label: String,
    /// where the run reports its progress; None: the process-wide sink of
    /// [`progress::set_progress_sink`], if any
    pub progress: Option<Arc<dyn ProgressSink>>,
}

impl RunSettings {
    pub fn new(seed: u64, histories: u64) -> Self {
        RunSettings {
            seed,
            histories,
            threads: None,
            jobs: 1,
            job_index: 0,
            tally_path: None,
            checkpoint_every_s: 10.0,
            resume: false,
            target: None,
            fingerprint: 0,
            label: "histories".into(),
            progress: None,
        }
    }
    /// The history range [first, end) of this job.
    pub fn job_range(&self) -> (u64, u64) {
        let n = self.histories as u128;
        let j = self.jobs.max(1) as u128;
        let i = self.job_index as u128;
        ((n * i / j) as u64, (n * (i + 1) / j) as u64)
    }
}

/// CPU time the process has used so far (user + system, all threads; s); 0 where the system
/// does not say.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zero-initialised struct it is given
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// Figure of merit of a mean whose relative uncertainty (1 sigma) is `rel` after `histories`
/// histories, `new_histories` of which took `cpu_seconds` in this invocation:
/// 1 / (rel^2 T), with T the CPU time of all `histories` at this invocation's rate, so a
/// resumed run is not credited with the time of the histories it continued (issue 21: speed
/// and variance reduction compared on one number, per CPU second). None without a positive
/// uncertainty, time or new histories.
pub fn figure_of_merit(
    rel: f64,
    histories: u64,
    new_histories: u64,
    cpu_seconds: f64,
) -> Option<f64> {
    let t = cpu_seconds * histories as f64 / new_histories as f64;
    (rel > 0.0 && rel.is_finite() && new_histories > 0 && t > 0.0).then(|| 1.0 / (rel * rel * t))
}

/// The figure of merit of a run: 1 / (rel^2 T) of one region's mean dose ([`figure_of_merit`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FigureOfMerit {
    /// the region whose mean dose it follows
    pub region: String,
    /// the dose quantity when not the absorbed dose (e.g. "weighted dose" of BNCT)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// relative uncertainty (1 sigma) of the region's mean dose
    pub rel_uncertainty: f64,
    /// 1 / (rel_uncertainty^2 x CPU seconds)
    pub per_cpu_second: f64,
}

impl FigureOfMerit {
    /// The one-line statement the command line prints (stderr), with the run's CPU seconds.
    pub fn describe(&self, cpu_seconds: f64) -> String {
        format!(
            "figure of merit of {}'s mean {}: {:.4e} per CPU second \
             (1 / (relative uncertainty^2 x CPU s); {cpu_seconds:.2} CPU s in this run)",
            self.region,
            self.quantity.as_deref().unwrap_or("dose"),
            self.per_cpu_second
        )
    }
}

/// What a run produced.
pub struct RunOutcome {
    pub tally: Tally,
    pub header: TallyHeader,
    /// wall-clock seconds of this invocation
    pub seconds: f64,
    /// CPU seconds of this invocation (user + system, every thread of the process)
    pub cpu_seconds: f64,
    /// histories simulated by this invocation (excluding resumed ones)
    pub new_histories: u64,
    pub threads: usize,
    pub interrupted: bool,
    pub reached_target: bool,
}

/// Runs the histories of `settings` with `source` through `transport`.
pub fn execute(
    transport: &Transport,
    source: &Source,
    settings: &RunSettings,
) -> Result<RunOutcome> {
    execute_kernel(&kernel::PhotonKernel { transport, source }, settings)
}

/// Runs the histories of `settings` through the particle transport of `kernel` (photons,
/// electrons, alphas from a [`Source`]; or neutrons, [`neutron`]): the one driver of every run.
pub fn execute_kernel<K: HistoryKernel>(kernel: &K, settings: &RunSettings) -> Result<RunOutcome> {
    check_settings(settings)?;
    let (first, end) = settings.job_range();
    let header = TallyHeader {
        fingerprint: settings.fingerprint,
        first_history: first,
        planned: end - first,
    };
    let mut tally = initial_tally(settings, &header, kernel.n_bins())?;
    let pool = pool::thread_pool(settings.threads)?;
    let threads = pool.current_num_threads();
    let start = Instant::now();
    let cpu_start = process_cpu_seconds();
    let done_before = tally.histories;
    let progress: Box<dyn RunProgress> = match progress::sink_of(settings.progress.as_ref()) {
        Some(sink) => sink.run(header.planned, done_before, &settings.label),
        None => Box::new(Silent),
    };
    let mut last_ckpt = Instant::now();
    let mut reached_target = false;
    let mut interrupted = false;
    let key = HistoryRng::run_key(settings.seed);
    while tally.histories < header.planned {
        if let Some((rel, bin)) = settings.target {
            let (m, r) = tally.mean_and_rel_uncertainty(bin);
            if tally.histories >= 2 && m > 0.0 && r <= rel {
                reached_target = true;
                break;
            }
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        let lo = first + tally.histories;
        let round = if settings.target.is_some() {
            // up to the next multiple of TARGET_ROUND
            TARGET_ROUND - tally.histories % TARGET_ROUND
        } else {
            let done = tally.histories - done_before;
            let rate = done as f64 / start.elapsed().as_secs_f64().max(1e-9);
            // (capped at 1e9 histories, far beyond any rate, so the cast stays exact)
            let r = (rate * ROUND_SECONDS).clamp(TARGET_ROUND as f64, 1e9) as u64;
            r.div_ceil(CHUNK) * CHUNK
        };
        let hi = (lo + round).min(end);
        let histories = Histories { key, lo, hi };
        pool.install(|| run_round(kernel, histories, &mut tally, &*progress));
        if let Some(path) = &settings.tally_path {
            if last_ckpt.elapsed().as_secs_f64() >= settings.checkpoint_every_s
                && tally.histories < header.planned
            {
                file::write(path, &header, &tally)?;
                last_ckpt = Instant::now();
            }
        }
    }
    progress.finish();
    if let Some((rel, bin)) = settings.target {
        let (m, r) = tally.mean_and_rel_uncertainty(bin);
        reached_target |= tally.histories >= 2 && m > 0.0 && r <= rel;
    }
    if let Some(path) = &settings.tally_path {
        file::write(path, &header, &tally)?;
    }
    Ok(RunOutcome {
        new_histories: tally.histories - done_before,
        tally,
        header,
        seconds: start.elapsed().as_secs_f64(),
        cpu_seconds: (process_cpu_seconds() - cpu_start).max(0.0),
        threads,
        interrupted,
        reached_target,
    })
}

/// Checks the settings a caller may get wrong: zero histories, a job index beyond the jobs.
fn check_settings(settings: &RunSettings) -> Result<()> {
    if settings.histories == 0 {
        crate::spec_bail!("histories", "must be at least 1, got 0");
    }
    if settings.jobs == 0 || settings.job_index >= settings.jobs {
        crate::spec_bail!(
            "job_index",
            "{} must be below jobs ({})",
            settings.job_index,
            settings.jobs
        );
    }
    Ok(())
}

/// The tally a run starts from: empty, or the checkpoint of the same run when resuming.
fn initial_tally(settings: &RunSettings, header: &TallyHeader, n_bins: usize) -> Result<Tally> {
    let mut tally = Tally::new(n_bins);
    if settings.resume {
        let Some(path) = &settings.tally_path else {
            crate::spec_bail!("resume", "needs an output folder for the checkpoint")
        };
        if path.exists() {
            let (h, t) = file::read(path)?;
            if h.fingerprint != header.fingerprint
                || h.first_history != header.first_history
                || t.n_bins() != tally.n_bins()
            {
                bail!(
                    "{}: the checkpoint belongs to a different run (fingerprint, job or grid differ); \
                     remove it or choose another output folder",
                    path.display()
                );
            }
            if h.planned != header.planned && settings.jobs > 1 {
                crate::spec_bail!(
                    "histories",
                    "{}: the checkpoint is job {} of {} of a run of other histories ({} in this job, \
                     {} now); a split run is extended by running the whole run again with more \
                     histories",
                    path.display(),
                    settings.job_index,
                    settings.jobs,
                    h.planned,
                    header.planned
                );
            }
            if t.histories > header.planned {
                crate::spec_bail!(
                    "histories",
                    "{}: the checkpoint already holds {} histories, more than the {} asked for; \
                     ask for at least {}",
                    path.display(),
                    t.histories,
                    header.planned,
                    t.histories
                );
            }
            tally = t;
            if let Some(sink) = progress::sink_of(settings.progress.as_ref()) {
                let extend = if h.planned < header.planned {
                    format!(" (extending a run of {} histories)", h.planned)
                } else {
                    String::new()
                };
                sink.note(&format!(
                    "resuming {}: {} of {} histories done{extend}",
                    path.display(),
                    tally.histories,
                    header.planned
                ));
            }
        }
    }
    Ok(tally)
}

/// The histories [lo, hi) of one round and the run key of their random streams.
#[derive(Clone, Copy)]
struct Histories {
    key: u64,
    lo: u64,
    hi: u64,
}

/// Runs one round in chunks on the current rayon pool, folding each chunk into `tally`.
fn run_round<K: HistoryKernel>(
    kernel: &K,
    h: Histories,
    tally: &mut Tally,
    progress: &dyn RunProgress,
) {
    let Histories { key, lo, hi } = h;
    let n_bins = tally.n_bins();
    let shared = Mutex::new(tally);
    let n_chunks = (hi - lo).div_ceil(CHUNK);
    (0..n_chunks).into_par_iter().for_each_init(
        || (kernel.scratch(), ChunkScore::for_bins(n_bins)),
        |(scratch, chunk), c| {
            let a = lo + c * CHUNK;
            let b = (a + CHUNK).min(hi);
            for index in a..b {
                let mut rng = HistoryRng::from_key(key, index);
                kernel.history(&mut rng, scratch, chunk);
            }
            shared.lock().expect("tally lock").absorb(chunk);
            progress.advance(b - a);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::figure_of_merit;

    #[test]
    fn figure_of_merit_charges_a_resumed_run_for_all_its_histories() {
        // 1 % after 1e6 histories in 10 CPU s: 1 / (1e-4 x 10) = 1000 per CPU s
        assert_eq!(
            figure_of_merit(0.01, 1_000_000, 1_000_000, 10.0),
            Some(1000.0)
        );
        // a resumed run that added the second half in 10 CPU s is charged 20 CPU s
        assert_eq!(figure_of_merit(0.01, 1_000_000, 500_000, 10.0), Some(500.0));
        assert_eq!(figure_of_merit(0.0, 1000, 1000, 1.0), None);
        assert_eq!(figure_of_merit(0.01, 1000, 0, 1.0), None);
        assert_eq!(figure_of_merit(0.01, 1000, 1000, 0.0), None);
    }
}
