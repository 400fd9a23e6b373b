//! BNCT treatment-planning studies (`kind = "bnct"`, `theradose study FILE`): placeholder.

use super::therapy::StudyOptions;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// Runs a BNCT study file into `out` (default `results/<name>`) and returns the output folder.
///
/// # Errors
/// Not built yet.
pub fn run_file(path: &Path, _out: Option<&Path>, _opts: &StudyOptions) -> Result<PathBuf> {
    bail!("{}: BNCT studies are not runnable yet", path.display())
}
