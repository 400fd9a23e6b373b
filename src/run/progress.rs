//! Progress of a run, reported to an observer the caller chooses: the library never writes to
//! the terminal itself. The command line installs a terminal display
//! ([`set_progress_sink`]); without one (the Python package, tests) a run reports nothing.

use std::sync::{Arc, OnceLock};

/// Receives the progress of runs.
pub trait ProgressSink: Send + Sync + std::fmt::Debug {
    /// A run of `total` histories (`label`, e.g. "histories" or "decays") begins with `done`
    /// of them already done (resumed from a checkpoint); the returned handle follows it.
    fn run(&self, total: u64, done: u64, label: &str) -> Box<dyn RunProgress>;
    /// A line about a run (e.g. that it resumes from a checkpoint).
    fn note(&self, line: &str);
}

/// The progress of one run.
pub trait RunProgress: Send + Sync {
    /// `n` more histories are done (called from the worker threads).
    fn advance(&self, n: u64);
    /// The run ended (finished, reached its target or was interrupted).
    fn finish(&self);
}

static SINK: OnceLock<Arc<dyn ProgressSink>> = OnceLock::new();

/// Installs the process-wide progress sink used by runs whose settings name none; the first
/// call wins. Returns false when one was installed before.
pub fn set_progress_sink(sink: Arc<dyn ProgressSink>) -> bool {
    SINK.set(sink).is_ok()
}

/// The sink of a run: its own, else the process-wide one, else none.
pub(super) fn sink_of(own: Option<&Arc<dyn ProgressSink>>) -> Option<&Arc<dyn ProgressSink>> {
    own.or_else(|| SINK.get())
}

/// Sends a line about a run (a resumed checkpoint, a stale lock taken over) to the process-wide
/// sink, if one is installed.
pub fn note(line: &str) {
    if let Some(s) = SINK.get() {
        s.note(line);
    }
}

/// A run's progress handle that reports nowhere.
pub(super) struct Silent;

impl RunProgress for Silent {
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
