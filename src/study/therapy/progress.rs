//! Progress of a therapy study: a bar over its steps (or sweep points) on a terminal, plain lines
//! otherwise or with `THERADOSE_NO_PROGRESS=1` (as the run engine's bar, `crate::run`). The bar
//! is hidden while a step draws its own (the Monte Carlo of the dosimetry).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Whether progress bars are drawn (stderr is a terminal and `THERADOSE_NO_PROGRESS` unset).
pub fn bars() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("THERADOSE_NO_PROGRESS").is_none()
}

/// A bar of `total` steps with a message per step.
pub struct Steps {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    start: Instant,
}

impl Steps {
    /// A bar (or line log) of `total` steps named `label`.
    pub fn new(total: u64, label: &str) -> Self {
        let bar = bars().then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template(&format!(
                    "{{bar:30}} {{pos}}/{{len}} {label} [{{elapsed_precise}}] {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Steps {
            bar,
            label: label.to_string(),
            total,
            start: Instant::now(),
        }
    }

    /// Starts step `i` (0-based) with a message.
    pub fn start(&self, i: u64, msg: &str) {
        match &self.bar {
            Some(b) => {
                b.set_position(i);
                b.set_message(msg.to_string());
            }
            None => eprintln!(
                "{} {}/{}: {msg} ({:.0} s)",
                self.label,
                i + 1,
                self.total,
                self.start.elapsed().as_secs_f64()
            ),
        }
    }

    /// A message within the current step.
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.set_message(msg.to_string()),
            None => eprintln!("  {msg} ({:.0} s)", self.start.elapsed().as_secs_f64()),
        }
    }

    /// Runs `f` with the bar hidden (for a step that draws its own bar).
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
