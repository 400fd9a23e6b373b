//! The spec of a run-file study: the run file itself ([`crate::run::spec::RunFile`], `[phantom]`,
//! `[source]`, `[run]`, `[scoring]`) and the overrides a caller puts on it ([`RunOptions`]).

use crate::error::spec_error;
use crate::phantom::Phantom;
use crate::run::spec::RunFile;
use crate::spec_bail;
use anyhow::Result;

/// Overrides of a run file's `[run]` section and the settings of one invocation.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// histories (overrides `run.histories`)
    pub histories: Option<u64>,
    /// random seed (overrides `run.seed`)
    pub seed: Option<u64>,
    /// worker threads (default: all cores)
    pub threads: Option<usize>,
    /// the run is split into this many jobs (0 or 1: one)
    pub jobs: u64,
    /// which job of `jobs` this invocation runs (0-based)
    pub job_index: u64,
    /// continue from the checkpoint `tally.bin` of the output folder (more histories extend a
    /// finished run to the result of one longer run)
    pub resume: bool,
    /// replace a checkpoint or result already in the output folder (without `resume` or
    /// `force`, such a folder is refused: [`crate::run::guard::OutputExists`])
    pub force: bool,
    /// relative uncertainty (1 sigma, a fraction) at which to stop (overrides
    /// `run.target_uncertainty`)
    pub target_uncertainty: Option<f64>,
    /// the region whose mean dose the target uncertainty applies to (overrides
    /// `run.target_region`)
    pub region: Option<String>,
    /// seconds between checkpoints (default 10)
    pub checkpoint_every_s: Option<f64>,
}

impl RunOptions {
    /// Puts the overrides on a run file.
    pub fn apply(&self, file: &mut RunFile) {
        if let Some(h) = self.histories {
            file.run.histories = h;
        }
        if let Some(s) = self.seed {
            file.run.seed = s;
        }
        if self.target_uncertainty.is_some() {
            file.run.target_uncertainty = self.target_uncertainty;
        }
        if self.region.is_some() {
            file.run.target_region = self.region.clone();
        }
    }
}

/// The stopping target of a run file: (relative uncertainty, tally bin of the region's mean
/// dose), or `None` without `run.target_uncertainty`.
///
/// # Errors
/// A target that is not a positive fraction, a target without `run.target_region`, a region the
/// phantom does not have (all [`crate::error::SpecError`]s).
pub fn target(file: &RunFile, ph: &Phantom) -> Result<Option<(f64, usize)>> {
    let Some(rel) = file.run.target_uncertainty else {
        return Ok(None);
    };
    if !(rel.is_finite() && rel > 0.0) {
        spec_bail!(
            "run.target_uncertainty",
            "must be a positive fraction such as 0.02, got {rel}"
        );
    }
    let Some(name) = &file.run.target_region else {
        spec_bail!(
            "run.target_region",
            "missing: run.target_uncertainty = {rel} needs the region whose mean dose it applies to"
        );
    };
    let id = ph
        .region_id(name)
        .map_err(|e| spec_error("run.target_region", format!("{e:#}")))?;
    Ok(Some((rel, ph.len() + id as usize)))
}
