//! Patient dosimetry studies (`kind = "patient"`, issue 16): serial SPECT/CT or PET/CT in
//! DICOM (or NIfTI/MetaImage) with structures from the planning system -> scans registered to
//! the first CT -> region TACs (recovery-corrected) and their fits, the voxel TIA map -> the
//! absorbed dose on the patient's CT by Monte Carlo, voxel S-values and local deposition ->
//! `doses.csv`, DVHs, `report.md` and an RT Dose for the planning system.
//!
//! A study file holds the keys of [`PatientSpec`] (see `studies/patient-example.toml`).
//!
//! Parts: [`spec`], [`images`] (reading, timing and registering the scans), [`mod@run`] (the
//! chain), [`regions`] (per-region fits and dose rows), [`outputs`], [`figures`], [`report`], [`uncertainty`] (the budget of the mean doses).

pub mod figures;
pub mod images;
pub mod outputs;
pub mod regions;
pub mod report;
pub mod run;
pub mod spec;
pub mod uncertainty;

pub use regions::{DoseRow, PatientRegion};
pub use run::{run, PatientResult};
pub use spec::{
    PatientDoseSpec, PatientFile, PatientSpec, RecoverySpec, RegionsSpec, TimepointSpec,
};

use crate::context::Context;
use crate::study::common::{out_dir, StudyOptions};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

/// Reads a study file of `kind = "patient"` and runs it into `out` (default
/// `results/<name>`); `opts.histories` overrides `dose.histories`. Returns the output folder
/// and `summary.json`'s value.
///
/// # Errors
/// As [`PatientFile::load`], [`run()`] and [`PatientResult::write`]; spec errors carry the
/// study file as context.
pub fn run_file(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, serde_json::Value)> {
    let PatientFile { name, mut spec } = PatientFile::load(path)?;
    if let Some(h) = opts.histories {
        spec.dose.histories = h;
    }
    let out = out_dir(out, &name);
    // every figure (those of the dose runs too) under the study's [figures]
    let r = crate::plot::with_figures(&spec.figures, || -> Result<_> {
        let mut r =
            run(ctx, &spec, &out, opts.threads).with_context(|| path.display().to_string())?;
        r.uncertainty = uncertainty::budget(&r, &spec)?;
        r.write(&spec, &out)?;
        Ok(r)
    })?;
    eprintln!("patient: wrote {}", out.display());
    Ok((out, r.summary(&spec)))
}
