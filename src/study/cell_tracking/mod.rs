//! PET cell-tracking studies (`kind = "cell_tracking"`, `theradose study FILE`): labelled or
//! reporter-expressing cells followed over days, how many cells PET sees per organ and scan, and
//! the dose their nuclei take from their own label.
//!
//! Parts: [`spec`] (the study file), [`model`] (one strategy's kinetics and nucleus dose),
//! [`mod@run`] (cells -> activity -> simulated PET -> CNR and minimum detectable cells; the
//! reporter-overtakes-direct time), [`outputs`] (`detectability.csv`, `cell_dose.csv`,
//! `sweep.csv`, `summary.json`), [`figures`] and [`report`] (`report.md`).
//!
//! The `[sweep]` is this kind's own (label strategies by name x activities per cell of the direct
//! labels): the therapy sweep's key-path machinery re-runs a whole study per point, where here
//! the phantom and scan set-up are shared by every point.

pub mod figures;
pub mod model;
pub mod outputs;
pub mod report;
pub mod run;
pub mod spec;

pub use run::{run, CellTrackingResult};
pub use spec::CellTrackingStudy;

use crate::context::Context;
use crate::study::common::{create_dir, out_dir, thread_pool, write_atomic, StudyOptions};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs a cell-tracking study file into `out` (default `results/<name>`); returns the output
/// folder and the summary (also written as `summary.json`).
///
/// # Errors
/// A bad study file (the message names the file and the field), a failing PET simulation or
/// S-value computation, an output folder that cannot be written.
pub fn run_file(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, serde_json::Value)> {
    let study = CellTrackingStudy::load(path)?;
    let out = out_dir(out, &study.name);
    create_dir(&out)?;
    let summary = thread_pool(opts.threads)?.install(|| run_into(ctx, &study, &out))?;
    eprintln!(
        "study '{}': {} points, {:.0} s -> {}",
        study.name,
        summary["points"].as_array().map_or(0, Vec::len),
        summary["elapsed_s"].as_f64().unwrap_or(0.0),
        out.display()
    );
    Ok((out, summary))
}

/// Runs a loaded study and writes its folder `out` (which must exist); returns the summary.
///
/// # Errors
/// As [`run_file`].
pub fn run_into(ctx: &Context, study: &CellTrackingStudy, out: &Path) -> Result<serde_json::Value> {
    let start = Instant::now();
    let _lock = crate::run::guard::OutputLock::acquire(out, &crate::run::progress::note)?;
    let r = run(ctx, study)?;
    outputs::write_tables(&r, out)?;
    let figs = figures::write_figures(study, out, &r)?;
    let elapsed = start.elapsed().as_secs_f64();
    let summary = outputs::summary(study, &r, &figs, elapsed);
    write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    report::write_report(out, study, &r, &figs, elapsed)?;
    Ok(summary)
}
