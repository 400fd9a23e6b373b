//! BNCT treatment-planning studies (`kind = "bnct"`, `theradose study FILE`).
//!
//! Parts: [`spec`] (the study file), [`mod@run`] (the chain in memory: beam, boron map, neutron
//! transport, weighting, prescription, DVH, radiobiology; with [`boron`], [`transport`],
//! [`regions`] and [`radiobiology`]), [`outputs`] (`depth.csv`, `regions.csv`, `dvh.csv`,
//! `radiobiology.csv`, NIfTI volumes, `summary.json`), [`figures`] and [`report`]
//! (`report.md`).

pub mod boron;
pub mod figures;
pub mod outputs;
pub mod radiobiology;
pub mod regions;
pub mod report;
pub mod run;
pub mod spec;
pub mod transport;

pub use run::{run, run_with, BnctResult};
pub use spec::BnctStudy;

use crate::context::Context;
use crate::study::common::{create_dir, out_dir, thread_pool, write_atomic, StudyOptions};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs a BNCT study file into `out` (default `results/<name>`); returns the output folder and
/// the summary (also written as `summary.json`).
///
/// # Errors
/// A bad study file (the message names the file and the field), a failing PET or neutron run,
/// an output folder that cannot be written.
pub fn run_file(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, serde_json::Value)> {
    let study = BnctStudy::load(path)?;
    let out = out_dir(out, &study.name);
    create_dir(&out)?;
    let summary = thread_pool(opts.threads)?.install(|| run_into(ctx, &study, &out, opts))?;
    eprintln!(
        "study '{}': treatment {:.1} min, tumour weighted dose {:.2} Gy-eq +- {:.2}% -> {}",
        study.name,
        summary["treatment_time_min"].as_f64().unwrap_or(0.0),
        summary["tumour"]["weighted_mean_gy_eq"]
            .as_f64()
            .unwrap_or(0.0),
        100.0
            * summary["tumour"]["weighted_rel_unc"]
                .as_f64()
                .unwrap_or(0.0),
        out.display()
    );
    Ok((out, summary))
}

/// Runs a loaded study and writes its folder `out` (which must exist): tables, volumes,
/// figures, `summary.json` and `report.md`. Returns the summary. The neutron tally is
/// checkpointed to `out/tally.bin` and a checkpoint of the same study found there is continued
/// (an interrupted study resumes to the result of an uninterrupted one); one of another study
/// is refused.
///
/// # Errors
/// As [`run_file`]; a checkpoint of another study; an interrupted run
/// ([`crate::error::Interrupted`], its checkpoint kept).
pub fn run_into(
    ctx: &Context,
    study: &BnctStudy,
    out: &Path,
    opts: &StudyOptions,
) -> Result<serde_json::Value> {
    let start = Instant::now();
    let _lock = crate::run::guard::OutputLock::acquire(out, &crate::run::progress::note)?;
    crate::run::install_interrupt_handler();
    let r = run_with(ctx, study, opts, Some(&out.join("tally.bin")))?;
    r.write(study, out)?;
    eprintln!("study '{}': figures", study.name);
    let figs = figures::write_figures(study, out, &r)?;
    let summary = r.summary(study, &figs, start.elapsed().as_secs_f64());
    write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    report::write_report(out, study, &summary, &r)?;
    Ok(summary)
}
