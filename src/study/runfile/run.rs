//! Running a run file: the problem is built, transported (with checkpoints in the output
//! folder's `tally.bin`, so an interrupted run can be resumed) and its result written.

use super::outputs::write_all;
use super::result::{run_result, RunResult, Timing};
use super::spec::{target, RunOptions};
use crate::context::Context;
use crate::run::guard::{check_existing, Existing, OutputLock};
use crate::run::problem::{make_transport, Problem};
use crate::run::spec::RunFile;
use crate::run::{self, RunSettings};
use crate::study::common::write_atomic;
use anyhow::Result;
use serde_json::json;
use std::path::{Path, PathBuf};

/// A run stopped by the user (Ctrl-C) after writing its partial results and its checkpoint;
/// a later run with `resume` continues it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run interrupted; partial results written to {}", out.display())]
pub struct RunInterrupted {
    /// histories in the tally when the run stopped
    pub histories: u64,
    /// the output folder
    pub out: PathBuf,
    /// the checkpoint (`out/tally.bin`)
    pub checkpoint: PathBuf,
}

impl RunInterrupted {
    /// The library's interruption record.
    pub fn interrupted(&self) -> crate::error::Interrupted {
        crate::error::Interrupted {
            histories: self.histories,
        }
    }
}

/// Runs a run file (with `opt`'s overrides) into `out`: `run.json`, the checkpoint `tally.bin`,
/// and the result folder of [`RunResult::write`] with `dose_coronal.png`. Returns the result.
///
/// # Errors
/// Bad run-file values ([`crate::error::SpecError`] naming the field), I/O errors, and
/// [`RunInterrupted`] when the user stopped the run (partial results are written).
pub fn run_file(
    ctx: &Context,
    mut file: RunFile,
    out: &Path,
    opt: &RunOptions,
) -> Result<RunResult> {
    opt.apply(&mut file);
    // the output folder first: writable, not another run's, nothing replaced unasked
    let _lock = OutputLock::acquire(out, &run::progress::note)?;
    check_existing(out, Existing::of_flags(opt.resume, opt.force))?;
    let problem = Problem::build(ctx, file)?;
    let transport = make_transport(&problem);
    let mut settings = RunSettings::new(problem.file.run.seed, problem.file.run.histories);
    settings.threads = opt.threads;
    settings.jobs = opt.jobs.max(1);
    settings.job_index = opt.job_index;
    settings.resume = opt.resume && !opt.force;
    settings.fingerprint = problem.file.fingerprint();
    settings.tally_path = Some(out.join("tally.bin"));
    settings.checkpoint_every_s = opt.checkpoint_every_s.unwrap_or(10.0).max(0.0);
    settings.target = target(&problem.file, &problem.phantom)?;
    let run_json = json!({
        "version": crate::VERSION,
        "run_file": problem.file,
        "jobs": settings.jobs,
        "job_index": settings.job_index,
    });
    write_atomic(
        &out.join("run.json"),
        serde_json::to_string_pretty(&run_json)?.as_bytes(),
    )?;
    run::install_interrupt_handler();
    let outcome = run::execute(&transport, &problem.source, &settings)?;
    let timing = Timing {
        seconds: outcome.seconds,
        cpu_seconds: outcome.cpu_seconds,
        new_histories: outcome.new_histories,
        threads: outcome.threads,
    };
    let result = run_result(
        &problem,
        &transport,
        &outcome.tally,
        &outcome.header,
        Some(&timing),
        outcome.reached_target,
    );
    write_all(&problem, &result, out)?;
    if outcome.interrupted {
        return Err(RunInterrupted {
            histories: outcome.tally.histories,
            out: out.to_path_buf(),
            checkpoint: out.join("tally.bin"),
        }
        .into());
    }
    Ok(result)
}
