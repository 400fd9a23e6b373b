//! The terminal display of run progress, installed by the command line: a progress bar when
//! stderr is a terminal and `THERADOSE_NO_PROGRESS` is not set, plain log lines every 5 s
//! otherwise, and the runs' notes (resuming from a checkpoint) as lines.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use theradose::run::progress::{ProgressSink, RunProgress};

/// Progress on stderr.
#[derive(Debug)]
pub struct Terminal;

impl ProgressSink for Terminal {
    fn run(&self, total: u64, done: u64, label: &str) -> Box<dyn RunProgress> {
        Box::new(Progress::new(total, done, label))
    }
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// A progress bar on a terminal, plain log lines every 5 s otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    base: u64,
    done: AtomicU64,
    start: Instant,
    last_log: Mutex<Instant>,
    label: String,
}

impl Progress {
    fn new(total: u64, done: u64, label: &str) -> Self {
        let bar = if std::io::stderr().is_terminal()
            && std::env::var_os("THERADOSE_NO_PROGRESS").is_none()
        {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{bar:40}} {{pos}}/{{len}} {label} [{{elapsed_precise}} < {{eta_precise}}] {{per_sec}}"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_position(done);
            Some(b)
        } else {
            None
        };
        Progress {
            bar,
            total,
            base: done,
            done: AtomicU64::new(done),
            start: Instant::now(),
            last_log: Mutex::new(Instant::now()),
            label: label.to_string(),
        }
    }
    fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(b) = &self.bar {
            b.inc(n);
            return;
        }
        let mut last = self.last_log.lock().expect("progress lock");
        if last.elapsed().as_secs_f64() >= 5.0 {
            *last = Instant::now();
            let t = self.start.elapsed().as_secs_f64();
            let rate = (done - self.base) as f64 / t.max(1e-9);
            let eta = self.total.saturating_sub(done) as f64 / rate.max(1e-9);
            eprintln!(
                "progress: {done}/{} {}, {:.0} per second, {:.0} s elapsed, about {:.0} s left",
                self.total, self.label, rate, t, eta
            );
        }
    }
    fn end(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl RunProgress for Progress {
    fn advance(&self, n: u64) {
        self.add(n);
    }
    fn finish(&self) {
        self.end();
    }
}
