//! One therapy study run ([`run_one`]): dosimetry (cached across sweep points) ->
//! radiobiology -> baseline, reference and follow-up PET -> response; the tables, volumes and
//! figures of the run are written by [`super::outputs`] and [`super::figures`].

use super::progress::Steps;
use super::spec::{self, TherapyStudy};
use super::{figures, outputs, radiobiology, scan, uncertainty};
use crate::context::Context;
use crate::study::common::{write_atomic, StudyOptions};
use crate::study::dosimetry::{self, DosimetryResult, DosimetrySpec};
use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};

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
        write_atomic(&p, def.to_toml()?.as_bytes())?;
        spec.phantom.builtin = p.to_string_lossy().to_string();
    }
    Ok(spec)
}

/// Runs (or reuses) the dosimetry of a study; returns the result, the factor its per-cycle doses
/// are to be scaled by, and the folder its outputs went to.
type DosimetryCache = Vec<(String, f64, PathBuf, DosimetryResult)>;

fn dosimetry<'c>(
    ctx: &Context,
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
            let r = dosimetry::run_into(ctx, &spec, &dir, threads)
                .with_context(|| format!("study '{}': dosimetry", study.name))?;
            cache.push((key, activity, dir, r));
            cache.len() - 1
        }
    };
    let (_, a_ref, dir, r) = &cache[idx];
    Ok((r, activity / a_ref, dir.clone()))
}

/// Runs the chain of one study into `out`; `full` adds the noisy scans, NIfTI volumes and
/// figures (sweep points write tables and metrics only). Returns the typed metrics. `progress`
/// gets a message per step (the nominal run's own steps, or the sweep's bar).
///
/// # Errors
/// As [`super::run_therapy_file`].
pub fn run_one(
    ctx: &Context,
    study: &TherapyStudy,
    out: &Path,
    cache: &mut Cache,
    opts: &StudyOptions,
    full: bool,
    progress: &Steps,
) -> Result<super::metrics::TherapyMetrics> {
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
    let (dos, scale, dos_dir) =
        progress.suspend(|| dosimetry(ctx, study, out, dcache, opts.threads))?;
    next("radiobiology: BED, TCP, NTCP, response");
    let bio = radiobiology::evaluate(study, dos, scale)?;
    let mut cached = |key: String, what: &str, make: &dyn Fn() -> Result<scan::Scan>| match bcache
        .iter()
        .find(|(k, _)| *k == key)
    {
        // a sweep point (not `full`) compares noise-free scans: it must not take the nominal
        // run's noisy image from the cache, or its response would depend on whether the
        // nominal ran first in this process (a split sweep point runs alone)
        Some((_, s)) if !full => Ok(scan::Scan {
            noisy_suv: None,
            ..s.clone()
        }),
        Some((_, s)) if s.noisy_suv.is_some() => Ok(s.clone()),
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
    // the budget of the run (every sweep point too: the sweep figures draw its intervals)
    let budget = uncertainty::run(study, dos, scale, &bio, &response)?;
    let rc = outputs::RunContext {
        study,
        dosimetry: dos,
        dose_scale: scale,
        dosimetry_dir: &dos_dir,
        bio: &bio,
        planning: reference.as_ref().map(|_| &planning),
        baseline,
        followup: &followup,
        response: &response,
        budget: budget.as_ref(),
    };
    let metrics = super::metrics::metrics(&rc);
    outputs::write_tables(out, &rc)?;
    if full {
        next("figures and volumes");
        outputs::write_volumes(out, &rc)?;
        figures::write_figures(out, &rc)?;
    }
    outputs::write_metrics(out, &metrics.to_json())?;
    Ok(metrics)
}

/// The steps [`run_one`] announces for a full run of `study`.
pub fn full_steps(study: &TherapyStudy) -> u64 {
    5 + u64::from(scan::needs_reference(study).unwrap_or(false))
}
