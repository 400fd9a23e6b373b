//! `theradose study FILE` (and the Python `theradose.run_study`): a study file is classified by
//! its content and run by its kind; every kind returns a [`StudyResult`].

use super::common::{read_table, StudyOptions};
use super::{bnct, cell_tracking, dosimetry, patient, runfile, therapy};
use crate::context::Context;
use crate::run::spec::RunFile;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// What `theradose study FILE` found in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StudyKind {
    /// a run file (`[source]`): transported as `theradose run` does
    Run,
    /// `kind = "dosimetry"`: the dosimetry study of issue 6
    Dosimetry,
    /// a therapy study (`[baseline_pet]` or `kind = "therapy"`)
    Therapy,
    /// `kind = "bnct"`: a BNCT treatment-planning study (issue 5)
    Bnct,
    /// `kind = "patient"`: patient dosimetry from serial DICOM scans (issue 16)
    Patient,
    /// `kind = "cell_tracking"`: a PET cell-tracking study (issue 17)
    #[serde(rename = "cell_tracking")]
    CellTracking,
}

/// Classifies a study file by its content.
///
/// # Errors
/// An unreadable or invalid TOML file, or one that is none of the kinds.
pub fn study_kind(path: &Path) -> Result<StudyKind> {
    let table = read_table(path)?;
    let kind = table.get("kind").and_then(|k| k.as_str());
    Ok(match kind {
        Some("dosimetry") => StudyKind::Dosimetry,
        Some("therapy") => StudyKind::Therapy,
        Some("bnct") => StudyKind::Bnct,
        Some("patient") => StudyKind::Patient,
        Some("cell_tracking") => StudyKind::CellTracking,
        Some(k) => bail!(
            "{}: kind = \"{k}\": expected \"therapy\", \"dosimetry\", \"bnct\", \"patient\" or \
             \"cell_tracking\" (or no kind with a [source] run file)",
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

/// The result of a study run.
#[derive(Clone, Debug)]
pub struct StudyResult {
    /// the kind of the study file
    pub kind: StudyKind,
    /// the folder the study wrote
    pub out_dir: PathBuf,
    /// the study's numbers, as written: `metrics.json` for a therapy study, `summary.json` for
    /// the other kinds
    pub metrics: serde_json::Value,
}

/// Runs a study file into `out` (default `results/<name>`) by its kind ([`study_kind`]) with
/// the data of `ctx`.
///
/// # Errors
/// As the kind's runner: bad study values (named by file and field; spec values as
/// [`crate::error::SpecError`]), failing steps, I/O errors, and for a run file an interrupted
/// run ([`runfile::RunInterrupted`]).
pub fn run_study(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<StudyResult> {
    let kind = study_kind(path)?;
    let (out_dir, metrics) = match kind {
        StudyKind::Run => {
            let rf = RunFile::load(path)?;
            let out = super::common::out_dir(out, &rf.name);
            let o = runfile::RunOptions {
                histories: opts.histories,
                threads: opts.threads,
                jobs: 1,
                // a study continues the checkpoint of the same run and refuses another's
                resume: true,
                ..Default::default()
            };
            let r = runfile::run_file(ctx, rf, &out, &o)?;
            (out, r.summary.to_json())
        }
        StudyKind::Dosimetry => {
            let (out, r) = dosimetry::run_file(ctx, path, out, opts)?;
            (out, r.summary)
        }
        StudyKind::Bnct => bnct::run_file(ctx, path, out, opts)?,
        StudyKind::Patient => patient::run_file(ctx, path, out, opts)?,
        StudyKind::CellTracking => cell_tracking::run_file(ctx, path, out, opts)?,
        StudyKind::Therapy => therapy::run_therapy_file(ctx, path, out, opts)?,
    };
    Ok(StudyResult {
        kind,
        out_dir,
        metrics,
    })
}

/// [`run_study`] with a freshly loaded [`Context`].
///
/// # Errors
/// As [`run_study`]; data that cannot be loaded.
pub fn run_study_file(path: &Path, out: Option<&Path>, opts: &StudyOptions) -> Result<StudyResult> {
    run_study(&Context::load()?, path, out, opts)
}

/// Removes the Monte Carlo checkpoints (`tally.bin`, up to four folders deep) in the output
/// folder of a study file (`out`, else `results/<name>`), so that the study starts afresh; the
/// command line's `study --force`. Returns the files removed.
///
/// # Errors
/// An unreadable study file; a checkpoint that cannot be removed.
pub fn remove_checkpoints(path: &Path, out: Option<&Path>) -> Result<Vec<PathBuf>> {
    let table = read_table(path)?;
    let name = table.get("name").and_then(|n| n.as_str()).unwrap_or("");
    let dir = super::common::out_dir(out, name);
    let mut removed = Vec::new();
    let mut stack = vec![(dir, 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && depth < 4 {
                stack.push((p, depth + 1));
            } else if p.file_name().is_some_and(|n| n == "tally.bin") {
                std::fs::remove_file(&p)
                    .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", p.display()))?;
                removed.push(p);
            }
        }
    }
    removed.sort();
    Ok(removed)
}
