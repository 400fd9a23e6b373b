//! A beam run on the shared run driver: checkpoints and resume, job split and merge, and the
//! target-uncertainty stop, as for `theradose run`.
//!
//! A job part's folder holds `beam.json` (the spec) and `tally.bin` (the tally, also the
//! checkpoint); [`merge_beam_parts`] adds the parts' tallies (integer sums: the merged result is
//! bit-identical to a single run of all histories) and makes the result from them.

use super::{finish, run_histories, setup, BeamResult, BeamSpec};
use crate::context::Context;
use crate::run::neutron::{outcome, NeutronLayout};
use crate::run::RunSettings;
use crate::tally::file::{self as tfile, TallyHeader};
use crate::tally::{HistoryScore, Tally};
use crate::transport::{Geometry, Transport};
use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};

/// Name of the spec file in a beam's output folder.
pub const BEAM_SPEC_FILE: &str = "beam.json";
/// Name of the tally (checkpoint) file in a beam's output folder.
pub const TALLY_FILE: &str = "tally.bin";

/// How a beam run is driven.
#[derive(Clone, Debug)]
pub struct BeamControl {
    /// the tally file for checkpoints and the final tally (None: no checkpoints)
    pub tally_path: Option<PathBuf>,
    /// seconds between checkpoints
    pub checkpoint_every_s: f64,
    /// continue from the checkpoint at `tally_path`
    pub resume: bool,
    /// split the run into this many jobs ...
    pub jobs: u64,
    /// ... of which this is one (0 <= job_index < jobs)
    pub job_index: u64,
    /// stop once the charged-particle energy deposited in the phantom per source neutron (the
    /// sum of the boron, nitrogen and hydrogen kerma over all voxels) reaches this relative
    /// standard uncertainty (checked every 32768 histories)
    pub target_uncertainty: Option<f64>,
}

impl Default for BeamControl {
    fn default() -> Self {
        BeamControl {
            tally_path: None,
            checkpoint_every_s: 10.0,
            resume: false,
            jobs: 1,
            job_index: 0,
            target_uncertainty: None,
        }
    }
}

/// What a controlled beam run produced.
pub enum BeamRun {
    /// the whole run (all jobs' histories, or stopped at the target): its result
    Done(Box<BeamResult>),
    /// one job part of several: its tally is in `tally_path`, to merge
    Part { histories: u64 },
    /// interrupted: the checkpoint holds `histories` of `planned`
    Interrupted { histories: u64, planned: u64 },
}

/// Hash of everything in a spec that determines the histories' results (all but the threads):
/// a checkpoint or job part is only combined with a matching one.
pub fn beam_fingerprint(a: &BeamSpec) -> u64 {
    let mut a = a.clone();
    a.threads = None;
    let s = serde_json::to_string(&a).unwrap_or_default();
    crate::run::spec::fnv1a(s.as_bytes())
}

/// Runs a beam with checkpoints, resume, job split and a target uncertainty.
///
/// # Errors
/// As [`super::run_beam`]; a target uncertainty outside (0, 1); a job index beyond the jobs; a
/// checkpoint of another run.
pub fn run_beam_with(ctx: &Context, a: &BeamSpec, c: &BeamControl) -> Result<BeamRun> {
    if let Some(t) = c.target_uncertainty {
        if !(t > 0.0 && t < 1.0) {
            crate::spec_bail!(
                "target_uncertainty",
                "{t}: expected a relative uncertainty in (0, 1), e.g. 0.02"
            );
        }
    }
    let s = setup(ctx, a)?;
    let out = {
        let totals = s.region_fold();
        let fold = |h: &mut HistoryScore, p: Option<&HistoryScore>| totals.apply(h, p);
        let gamma = Transport::new(Geometry::Voxels(&s.ph), &s.photon, 1e-3);
        let tr = s.transport(a, &gamma, (totals.n_extra(), &fold));
        let lay = NeutronLayout::of(&tr);
        let mut settings = RunSettings::new(a.seed, a.histories);
        settings.jobs = c.jobs;
        settings.job_index = c.job_index;
        settings.tally_path = c.tally_path.clone();
        settings.checkpoint_every_s = c.checkpoint_every_s;
        settings.resume = c.resume;
        settings.target = c.target_uncertainty.map(|r| (r, lay.charged_bin()));
        settings.fingerprint = beam_fingerprint(a);
        settings.label = "neutrons".into();
        run_histories(&s, &tr, &settings, a)?
    };
    if out.interrupted {
        let planned = {
            let mut st = RunSettings::new(a.seed, a.histories);
            st.jobs = c.jobs;
            st.job_index = c.job_index;
            let (lo, hi) = st.job_range();
            hi - lo
        };
        return Ok(BeamRun::Interrupted {
            histories: out.tally.histories,
            planned,
        });
    }
    if c.jobs > 1 {
        return Ok(BeamRun::Part {
            histories: out.tally.histories,
        });
    }
    Ok(BeamRun::Done(Box::new(finish(a, s, &out))))
}

/// The result of a beam from its spec and a (merged) tally of its runs.
///
/// # Errors
/// As [`super::run_beam`]'s set-up; a tally of another size than the spec's runs make.
pub fn merge_beam(ctx: &Context, a: &BeamSpec, tally: &Tally) -> Result<BeamResult> {
    let s = setup(ctx, a)?;
    let out = {
        let totals = s.region_fold();
        let fold = |h: &mut HistoryScore, p: Option<&HistoryScore>| totals.apply(h, p);
        let gamma = Transport::new(Geometry::Voxels(&s.ph), &s.photon, 1e-3);
        let tr = s.transport(a, &gamma, (totals.n_extra(), &fold));
        let lay = NeutronLayout::of(&tr);
        if tally.n_bins() != lay.n_bins {
            bail!(
                "the tally has {} bins, the beam of this spec makes {}: it belongs to another run",
                tally.n_bins(),
                lay.n_bins
            );
        }
        outcome(&tr, tally, None)
    };
    Ok(finish(a, s, &out))
}

/// Reads the spec and tally of the job-part folders `parts`, checks that they are parts of one
/// run (same spec, distinct jobs) and adds their tallies: (spec, merged tally, header of the
/// merged tally).
///
/// # Errors
/// A folder without `beam.json` or `tally.bin`, parts of different runs, a part given twice.
pub fn merge_beam_parts(parts: &[PathBuf]) -> Result<(BeamSpec, Tally, TallyHeader)> {
    let Some(first) = parts.first() else {
        bail!("merge: give at least one part folder");
    };
    let spec = read_beam_spec(first)?;
    let fp = beam_fingerprint(&spec);
    let mut total: Option<Tally> = None;
    let mut firsts = Vec::new();
    for p in parts {
        let path = p.join(TALLY_FILE);
        let (h, t) = tfile::read(&path)?;
        if h.fingerprint != fp || read_beam_spec(p).map(|s| beam_fingerprint(&s)).ok() != Some(fp) {
            bail!(
                "{}: belongs to a different beam run than {}",
                p.display(),
                first.display()
            );
        }
        if firsts.contains(&h.first_history) {
            bail!("{}: the same job part was given twice", p.display());
        }
        firsts.push(h.first_history);
        match &mut total {
            None => total = Some(t),
            Some(acc) => {
                if acc.n_bins() != t.n_bins() {
                    bail!("{}: tally size differs", p.display());
                }
                acc.merge(&t);
            }
        }
    }
    let tally = total.expect("at least one part");
    let header = TallyHeader {
        fingerprint: fp,
        first_history: 0,
        planned: tally.histories,
    };
    Ok((spec, tally, header))
}

/// Writes a beam's spec into its output folder (for `merge` and for the record).
///
/// # Errors
/// A folder or file that cannot be written.
pub fn write_beam_spec(out: &Path, a: &BeamSpec) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let text = serde_json::to_string_pretty(a)?;
    crate::io::write_file_atomic(&out.join(BEAM_SPEC_FILE), text.as_bytes())
}

/// Reads the spec of a beam's output folder.
fn read_beam_spec(dir: &Path) -> Result<BeamSpec> {
    let path = dir.join(BEAM_SPEC_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {} (not a `theradose beam` folder?)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{}: invalid beam spec", path.display()))
}
