//! The one-command therapy study (issue 7): a radioligand therapy planned from a baseline PET,
//! carried through dose, radiobiology and tumour response to the predicted follow-up PET and its
//! PERCIST / EORTC category.
//!
//! A therapy study file is a TOML file with
//! - `name`, `description` and optionally `kind = "therapy"`;
//! - the sections of a dosimetry study at the top level (`[phantom]`, `[therapy]`,
//!   `[[kinetics]]`, `[imaging]`, `[dose]`: [`crate::study::dosimetry::DosimetrySpec`]); they are split off the file and
//!   handed to [`crate::study::dosimetry::run_into`] unchanged (so `theradose study` on the same sections with
//!   `kind = "dosimetry"` runs the dosimetry alone);
//! - `[baseline_pet]` ([`BaselinePetSpec`]): the diagnostic scan before therapy;
//! - `[biology]` ([`BiologySpec`]): the tissue of each region, extra tissues and overrides;
//! - `[followup]` ([`FollowupSpec`]): the cycle interval and the follow-up scan;
//! - `[sweep]` (optional): dotted key paths with lists of values, e.g.
//!   `"therapy.activity_per_cycle_mbq" = [3700.0, 7400.0]` (short names such as
//!   `activity_per_cycle_mbq`, `cycles`, `nuclide`, `phantom` resolve to the unique key of that
//!   name); every combination runs ([`sweep`]).
//!
//! The chain per study ([`run::run_one`]): dosimetry -> BED per voxel with each region's fitted
//! kinetics ([`radiobiology`]) -> EQD2, gEUD, TCP of lesions, NTCP of organs at risk -> cell
//! response per voxel at the follow-up scan -> follow-up tracer map = baseline map x relative
//! uptake -> baseline and follow-up PET, with and without noise ([`scan`]) -> SUV metrics and
//! response categories -> `metrics.json`, CSV tables, NIfTI volumes ([`outputs`]), figures
//! ([`figures`]) and `report.md` ([`report`]).

pub mod check;
pub mod dosimetry_sections;
pub mod figures;
pub mod keys;
pub mod metrics;
pub mod outputs;
pub mod progress;
pub mod radiobiology;
pub mod report;
pub mod role;
pub mod run;
pub mod scan;
pub mod spec;
pub mod split;
pub mod sweep;
pub mod sweep_outputs;
pub mod tissues;
pub mod titles;
pub mod uncertainty;
pub mod variant;

pub use metrics::TherapyMetrics;
pub use run::{run_one, Cache};
pub use spec::{BaselinePetSpec, BiologySpec, FollowupSpec, TherapyStudy};

use crate::context::Context;
use crate::study::common::{create_dir, out_dir, read_table, thread_pool, StudyOptions};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs a therapy study file into `out` (default `results/<name>`), with its sweep if it has
/// one; returns the output folder and the nominal run's metrics (`metrics.json`, with the
/// sweep's summary under `sweep`).
///
/// # Errors
/// Bad study values (named by file and field), a failing dosimetry or PET step, I/O errors.
pub fn run_therapy_file(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, serde_json::Value)> {
    run_therapy(ctx, path, out, opts, false)
}

/// [`run_therapy_file`]; with `collect`, the sweep points are not run but read from the point
/// folders that [`split::run_sweep_point`] wrote (the collect step of a split sweep).
///
/// # Errors
/// As [`run_therapy_file`]; with `collect`, a point that has not run.
pub fn run_therapy(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
    collect: bool,
) -> Result<(PathBuf, serde_json::Value)> {
    let start = Instant::now();
    let table = read_table(path)?;
    let (table, sweep_axes) = sweep::split_sweep(table, path)?;
    let nominal = TherapyStudy::from_table(
        sweep::point_table(&table, path, &[], &[])?,
        path,
        opts.histories,
    )?;
    // every name of the study and of every sweep point before the first history
    check::check_study(&nominal)?;
    check::check_sweep(&table, path, &sweep_axes, opts)?;
    let out = out_dir(out, &nominal.name);
    // the collect step of a split sweep: every point must have run
    let collected = match collect && !sweep_axes.is_empty() {
        true => Some(split::collect_points(path, &sweep_axes, &out)?),
        false => None,
    };
    create_dir(&out)?;
    let pool = thread_pool(opts.threads)?;
    let mut cache = Cache::default();
    eprintln!("study '{}': nominal run -> {}", nominal.name, out.display());
    let steps = progress::Steps::new(run::full_steps(&nominal), "study");
    let metrics = pool.install(|| run_one(ctx, &nominal, &out, &mut cache, opts, true, &steps));
    steps.finish();
    let mut metrics = metrics?;
    if let Some(points) = collected {
        metrics.sweep = Some(sweep_outputs::write_summary(&out, &sweep_axes, &points)?);
    } else if !sweep_axes.is_empty() {
        let points = sweep::run_sweep(
            ctx,
            &table,
            path,
            &sweep_axes,
            &out,
            &mut cache,
            opts,
            &pool,
        )?;
        metrics.sweep = Some(crate::plot::with_figures(&nominal.figures, || {
            sweep_outputs::write_summary(&out, &sweep_axes, &points)
        })?);
    }
    metrics.seconds = Some(start.elapsed().as_secs_f64());
    let metrics = metrics.to_json();
    outputs::write_metrics(&out, &metrics)?;
    report::write_report(&out, &nominal, &metrics)?;
    eprintln!(
        "study '{}' done in {:.0} s: {}",
        nominal.name,
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok((out, metrics))
}
