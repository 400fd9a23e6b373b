//! The one-command therapy study (issue 7): a radioligand therapy planned from a baseline PET,
//! carried through dose, radiobiology and tumour response to the predicted follow-up PET and its
//! PERCIST / EORTC category.
//!
//! A therapy study file is a TOML file with
//! - `name`, `description` and optionally `kind = "therapy"`;
//! - the sections of a dosimetry study at the top level (`[phantom]`, `[therapy]`,
//!   `[[kinetics]]`, `[imaging]`, `[dose]`: [`DosimetrySpec`]); they are split off the file and
//!   handed to [`dosimetry_study::run`] unchanged (so `theradose study` on the same sections with
//!   `kind = "dosimetry"` runs the dosimetry alone);
//! - `[baseline_pet]` ([`BaselinePetSpec`]): the diagnostic scan before therapy;
//! - `[biology]` ([`BiologySpec`]): the tissue of each region, extra tissues and overrides;
//! - `[followup]` ([`FollowupSpec`]): the cycle interval and the follow-up scan;
//! - `[sweep]` (optional): dotted key paths with lists of values, e.g.
//!   `"therapy.activity_per_cycle_mbq" = [3700.0, 7400.0]` (short names such as
//!   `activity_per_cycle_mbq`, `cycles`, `nuclide`, `phantom` resolve to the unique key of that
//!   name); every combination runs ([`sweep`]).
//!
//! The chain per study ([`run_one`]): dosimetry -> BED per voxel with each region's fitted
//! kinetics ([`radiobiology`]) -> EQD2, gEUD, TCP of lesions, NTCP of organs at risk -> cell
//! response per voxel at the follow-up scan -> follow-up tracer map = baseline map x relative
//! uptake -> baseline and follow-up PET, with and without noise ([`scan`]) -> SUV metrics and
//! response categories -> `metrics.json`, CSV tables, NIfTI volumes ([`report`]), figures
//! ([`figures`]) and `report.md` ([`markdown`]).

pub mod figures;
pub mod markdown;
pub mod progress;
pub mod radiobiology;
pub mod report;
pub mod scan;
pub mod spec;
pub mod sweep;
pub mod variant;

pub use spec::{BaselinePetSpec, BiologySpec, FollowupSpec, TherapyStudy};

use super::dosimetry_study::{self, DosimetryResult, DosimetrySpec};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `theradose study FILE` found in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudyKind {
    /// a run file (`[source]`): transported as `theradose run` does
    Run,
    /// `kind = "dosimetry"`: the dosimetry study of issue 6
    Dosimetry,
    /// a therapy study (`[baseline_pet]` or `kind = "therapy"`)
    Therapy,
    /// `kind = "bnct"`: a BNCT treatment-planning study (issue 5)
    Bnct,
}

/// Classifies a study file by its content.
///
/// # Errors
/// An unreadable or invalid TOML file, or one that is none of the three kinds.
pub fn study_kind(path: &Path) -> Result<StudyKind> {
    let table = spec::read_table(path)?;
    let kind = table.get("kind").and_then(|k| k.as_str());
    Ok(match kind {
        Some("dosimetry") => StudyKind::Dosimetry,
        Some("therapy") => StudyKind::Therapy,
        Some("bnct") => StudyKind::Bnct,
        Some(k) => bail!(
            "{}: kind = \"{k}\": expected \"therapy\", \"dosimetry\" or \"bnct\" (or no kind with a \
             [source] run file)",
            path.display()
        ),
        None if table.contains_key("source") => StudyKind::Run,
        None if table.contains_key("baseline_pet") => StudyKind::Therapy,
        None => bail!(
            "{}: not a study file: expected [source] (a run file), kind = \"dosimetry\", or a \
             therapy study with [baseline_pet]",
            path.display()
        ),
    })
}

/// Options of a therapy study run.
#[derive(Clone, Debug, Default)]
pub struct StudyOptions {
    /// Monte Carlo decays (overrides `[dose] histories`)
    pub histories: Option<u64>,
    /// worker threads (default: all cores)
    pub threads: Option<usize>,
}

/// Runs a therapy study file into `out` (default `results/<name>`), with its sweep if it has
/// one; returns the output folder and the nominal run's metrics.
///
/// # Errors
/// Bad study values (named by file and field), a failing dosimetry or PET step, I/O errors.
pub fn run_therapy_file(
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, serde_json::Value)> {
    let start = Instant::now();
    let table = spec::read_table(path)?;
    let (table, sweep_axes) = sweep::split_sweep(table, path)?;
    let nominal = TherapyStudy::from_table(
        sweep::point_table(&table, path, &[], &[])?,
        path,
        opts.histories,
    )?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("results").join(&nominal.name));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let pool = thread_pool(opts.threads)?;
    let mut cache = Cache::default();
    eprintln!("study '{}': nominal run -> {}", nominal.name, out.display());
    let steps = progress::Steps::new(full_steps(&nominal), "study");
    let metrics = pool.install(|| run_one(&nominal, &out, &mut cache, opts, true, &steps));
    steps.finish();
    let mut metrics = metrics?;
    if !sweep_axes.is_empty() {
        let points = sweep::run_sweep(&table, path, &sweep_axes, &out, &mut cache, opts, &pool)?;
        let summary = sweep::write_summary(&out, &sweep_axes, &points)?;
        metrics["sweep"] = summary;
    }
    metrics["seconds"] = serde_json::json!(start.elapsed().as_secs_f64());
    report::write_metrics(&out, &metrics)?;
    markdown::write_report(&out, &nominal, &metrics)?;
    eprintln!(
        "study '{}' done in {:.0} s: {}",
        nominal.name,
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok((out, metrics))
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t.max(1));
    }
    Ok(b.build()?)
}

/// Dosimetry results and baseline scans already computed in this invocation: sweep points that
/// differ only in administered activity, cycles or non-dosimetry sections reuse them.
#[derive(Default)]
pub struct Cache {
    dosimetry: DosimetryCache,
    baseline: Vec<(String, scan::Scan)>,
}

/// The key of a dosimetry result up to the administered activity and the number of cycles: the
/// dose per cycle is proportional to the administered activity (linear transport, uptake
/// fractions independent of the activity, image noise relative to the image scale).
fn dosimetry_key(study: &TherapyStudy) -> String {
    let mut s = study.dosimetry.clone();
    s.therapy.activity_per_cycle_mbq = 1.0;
    s.therapy.cycles = 1;
    serde_json::to_string(&(s, &study.lesions)).unwrap_or_default()
}

/// The dosimetry spec to run: with a lesion scale other than 1, its phantom is the built-in one
/// with scaled lesions, written to `dir/phantom.toml`.
fn runnable_spec(study: &TherapyStudy, dir: &Path) -> Result<DosimetrySpec> {
    let mut spec = study.dosimetry.clone();
    let s = study.lesions.scale;
    if s != 1.0 {
        let mut def = crate::phantom::builtin::load_def(&spec.phantom.builtin)
            .with_context(|| format!("{}: phantom.builtin", study.file))?;
        if def.scale_lesions(s, spec::is_lesion).is_empty() {
            bail!(
                "{}: phantom.lesion_scale = {s}: phantom '{}' has no lesion shapes (labels \
                 lesion*, tumour*, tumor*)",
                study.file,
                def.name
            );
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let p = dir.join("phantom.toml");
        super::output::write_atomic(&p, def.to_toml()?.as_bytes())?;
        spec.phantom.builtin = p.to_string_lossy().to_string();
    }
    Ok(spec)
}

/// Runs (or reuses) the dosimetry of a study; returns the result, the factor its per-cycle doses
/// are to be scaled by, and the folder its outputs went to.
type DosimetryCache = Vec<(String, f64, PathBuf, DosimetryResult)>;

fn dosimetry<'c>(
    study: &TherapyStudy,
    out: &Path,
    cache: &'c mut DosimetryCache,
    threads: Option<usize>,
) -> Result<(&'c DosimetryResult, f64, PathBuf)> {
    let key = dosimetry_key(study);
    let activity = study.dosimetry.therapy.activity_per_cycle_mbq;
    let found = cache.iter().position(|(k, ..)| *k == key);
    let idx = match found {
        Some(i) => i,
        None => {
            let dir = out.join("dosimetry");
            let spec = runnable_spec(study, &dir)?;
            let r = dosimetry_study::run(&spec, &dir, threads)
                .with_context(|| format!("study '{}': dosimetry", study.name))?;
            cache.push((key, activity, dir, r));
            cache.len() - 1
        }
    };
    let (_, a_ref, dir, r) = &cache[idx];
    Ok((r, activity / a_ref, dir.clone()))
}

/// Runs the chain of one study into `out`; `full` adds the noisy scans, NIfTI volumes and
/// figures (sweep points write tables and metrics only). Returns the metrics JSON. `progress`
/// gets a message per step (the nominal run's own steps, or the sweep's bar).
///
/// # Errors
/// As [`run_therapy_file`].
pub fn run_one(
    study: &TherapyStudy,
    out: &Path,
    cache: &mut Cache,
    opts: &StudyOptions,
    full: bool,
    progress: &progress::Steps,
) -> Result<serde_json::Value> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let Cache {
        dosimetry: dcache,
        baseline: bcache,
    } = cache;
    let mut step = 0;
    let mut next = |msg: &str| {
        if full {
            progress.start(step, msg);
            step += 1;
        } else {
            progress.note(msg);
        }
    };
    next("dosimetry");
    let (dos, scale, dos_dir) = progress.suspend(|| dosimetry(study, out, dcache, opts.threads))?;
    next("radiobiology: BED, TCP, NTCP, response");
    let bio = radiobiology::evaluate(study, dos, scale)?;
    let mut cached = |key: String, what: &str, make: &dyn Fn() -> Result<scan::Scan>| match bcache
        .iter()
        .find(|(k, _)| *k == key)
    {
        Some((_, s)) if !full || s.noisy_suv.is_some() => Ok(s.clone()),
        _ => {
            next(what);
            let s = make()?;
            bcache.push((key, s.clone()));
            Ok::<_, anyhow::Error>(s)
        }
    };
    let planning = cached(scan::baseline_key(study), "baseline PET", &|| {
        scan::baseline(study, dos, &bio, full)
    })?;
    // the baseline of the comparison: the planning scan, or a pre-therapy scan of the
    // follow-up tracer when it differs (FDG after PSMA)
    let reference = if scan::needs_reference(study)? {
        Some(cached(
            scan::reference_key(study),
            "pre-therapy PET of the follow-up tracer",
            &|| scan::reference(study, dos, &planning, full),
        )?)
    } else {
        None
    };
    let baseline = reference.as_ref().unwrap_or(&planning);
    next("follow-up PET");
    let followup = scan::followup(study, dos, &bio, baseline, full)?;
    let response = scan::compare(study, &bio, baseline, &followup)?;
    let ctx = report::RunContext {
        study,
        dosimetry: dos,
        dose_scale: scale,
        dosimetry_dir: &dos_dir,
        bio: &bio,
        planning: reference.as_ref().map(|_| &planning),
        baseline,
        followup: &followup,
        response: &response,
    };
    let metrics = report::metrics_json(&ctx);
    report::write_tables(out, &ctx)?;
    if full {
        next("figures and volumes");
        report::write_volumes(out, &ctx)?;
        figures::write_figures(out, &ctx)?;
    }
    report::write_metrics(out, &metrics)?;
    Ok(metrics)
}

/// The steps [`run_one`] announces for a full run of `study`.
fn full_steps(study: &TherapyStudy) -> u64 {
    5 + u64::from(scan::needs_reference(study).unwrap_or(false))
}

/// `theradose study [FILE]`: dispatches a study file by its content (run file, dosimetry study
/// or therapy study) and returns the output folder.
///
/// # Errors
/// As the study kind's runner.
pub fn run_study_file(path: &Path, out: Option<&Path>, opts: &StudyOptions) -> Result<PathBuf> {
    match study_kind(path)? {
        StudyKind::Run => {
            let rf = super::RunFile::load(path)?;
            let out = out
                .map(Path::to_path_buf)
                .unwrap_or_else(|| Path::new("results").join(&rf.name));
            let o = super::output::RunOptions {
                histories: opts.histories,
                threads: opts.threads,
                jobs: 1,
                ..Default::default()
            };
            let s = super::output::run_file(rf, &out, &o)?;
            println!("{}", serde_json::to_string_pretty(&s)?);
            Ok(out)
        }
        StudyKind::Dosimetry => {
            let table = spec::read_table(path)?;
            let name = table.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let out = out
                .map(Path::to_path_buf)
                .unwrap_or_else(|| Path::new("results").join(name));
            dosimetry_study::run_file(path, Some(&out), opts.histories, opts.threads)?;
            Ok(out)
        }
        StudyKind::Bnct => super::bnct_study::run_file(path, out, opts),
        StudyKind::Therapy => {
            let (out, m) = run_therapy_file(path, out, opts)?;
            markdown::print_summary(&m);
            Ok(out)
        }
    }
}
