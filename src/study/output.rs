//! The names of `study::output` before the run-file study moved to [`super::runfile`] and the
//! shared figures to [`super::common`]; kept so the command files of other modules keep their
//! call sites until they move to the new paths.

pub use super::common::{coronal_figure, phantom_png, write_atomic};
pub use super::runfile::{RunOptions, Timing};
use crate::run::spec::RunFile;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// [`super::runfile::run_file`], returning the summary as JSON.
///
/// # Errors
/// As [`super::runfile::run_file`].
pub fn run_file(file: RunFile, out: &Path, opt: &RunOptions) -> Result<serde_json::Value> {
    Ok(super::runfile::run_file(file, out, opt)?.summary.to_json())
}

/// [`super::runfile::merge()`], returning the summary as JSON.
///
/// # Errors
/// As [`super::runfile::merge()`].
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<serde_json::Value> {
    Ok(super::runfile::merge(parts, out)?.summary.to_json())
}
