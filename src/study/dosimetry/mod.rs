//! Dosimetry studies (`kind = "dosimetry"`, issue 6): a radiopharmaceutical therapy in a
//! built-in phantom, from a stated kinetic model per region to synthetic serial activity images
//! (with the resolution and noise of a SPECT/PET image), time-activity fits and time-integrated
//! activity, and the absorbed dose by Monte Carlo, voxel S-values and local deposition, per
//! cycle and for all cycles, with DVHs, TAC figures and the method comparison.
//!
//! A study file holds the sections of [`DosimetrySpec`] (see `studies/lu177-psma.toml`); the
//! therapy chain of issue 7 (`studies/quickstart.toml`) embeds the same sections and calls
//! [`run_into`] for the dose.
//!
//! A region's activity is a fraction of the administered activity, or labelled cells (cells x
//! activity per cell, [`cells`]), whose nuclei's dose the results give beside the organ's.
//!
//! Parts: [`spec`], [`cells`] (labelled cells and their nucleus dose), [`images`] (the synthetic
//! images), [`mod@run`] (the chain), [`regions`] (per-region results, organ S-value doses),
//! [`outputs`] (tables, images, `summary.json`), [`figures`] (TAC fits, method comparison),
//! [`report`] (`report.md`).

pub mod cells;
pub mod figures;
pub mod images;
pub mod outputs;
pub mod regions;
pub mod report;
pub mod run;
pub mod spec;

pub use cells::{LabelledCellDose, LabelledCells};
pub use regions::RegionResult;
pub use run::{run, DosimetryResult};
pub use spec::{
    DoseSpec, DosimetryFile, DosimetrySpec, ImagingSpec, RegionKinetics, StudyPhantom, TherapySpec,
};

use crate::context::Context;
use crate::study::common::{out_dir, StudyOptions};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Runs a dosimetry study into `out` and writes its folder ([`run()`], then
/// [`DosimetryResult::write`]).
///
/// # Errors
/// As [`run()`]; an output file that cannot be written.
pub fn run_into(
    ctx: &Context,
    spec: &DosimetrySpec,
    out: &Path,
    threads: Option<usize>,
) -> Result<DosimetryResult> {
    // the output folder is checked before the images, fits and transport
    crate::run::guard::check_writable_dir(out)?;
    let r = run(ctx, spec, out, threads)?;
    r.write(spec, out)?;
    Ok(r)
}

/// Reads a study file of `kind = "dosimetry"` ([`DosimetryFile`]) and runs it into `out`
/// (default `results/<name>`); `opts.histories` overrides `dose.histories`. Returns the output
/// folder and the result.
///
/// # Errors
/// As [`DosimetryFile::load`] and [`run_into`].
pub fn run_file(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
) -> Result<(PathBuf, DosimetryResult)> {
    let DosimetryFile { name, mut spec } = DosimetryFile::load(path)?;
    if let Some(h) = opts.histories {
        spec.dose.histories = h;
    }
    let out = out_dir(out, &name);
    let r = run_into(ctx, &spec, &out, opts.threads)?;
    Ok((out, r))
}
