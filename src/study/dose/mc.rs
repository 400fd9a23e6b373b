//! The Monte Carlo method of [`super::compute()`]: the TIA map as the source of a run on the
//! phantom, in memory, with an optional checkpoint file for resumption.

use super::spec::DoseSpec;
use crate::context::Context;
use crate::error::Interrupted;
use crate::phantom::Phantom;
use crate::run::problem::{make_transport, Problem};
use crate::run::spec::{fnv1a, PhantomSpec, RunFile, RunSpec, SourceSpec};
use crate::run::{self, RunSettings};
use crate::source::{Source, Spatial, Spectrum};
use anyhow::{Context as _, Result};
use serde_json::json;
use std::path::Path;

/// Dose, uncertainty and run information of a Monte Carlo dose.
pub(super) struct McDose {
    pub dose_gy: Vec<f64>,
    pub rel_uncertainty: Vec<f64>,
    /// exact relative uncertainty of each region's mean dose, by region id
    pub region_rel: Vec<f64>,
    pub info: serde_json::Value,
}

/// FNV-1a hash of the phantom's voxel arrays and the TIA values: a checkpoint is resumed only
/// for the same problem, not merely the same file names.
fn problem_hash(ph: &Phantom, tia: &[f64]) -> u64 {
    let mut bytes: Vec<u8> = tia.iter().flat_map(|x| x.to_le_bytes()).collect();
    bytes.extend(ph.density.iter().flat_map(|x| x.to_le_bytes()));
    bytes.extend(&ph.material);
    bytes.extend(ph.label.iter().flat_map(|x| x.to_le_bytes()));
    bytes.extend(ph.grid.spacing_mm.iter().flat_map(|x| x.to_le_bytes()));
    fnv1a(&bytes)
}

/// The run file that describes this run (its fingerprint guards the checkpoint).
fn run_file(ph: &Phantom, tia: &[f64], decays: f64, spec: &DoseSpec) -> RunFile {
    RunFile {
        name: format!("dose-mc-{}-{:016x}", spec.nuclide, problem_hash(ph, tia)),
        description: "theradose dose, method mc".into(),
        phantom: PhantomSpec {
            builtin: Some(ph.name.clone()),
            ct: None,
            ct_series: None,
            labels: None,
            label_names: Default::default(),
            hu_calibration: None,
            voxel_mm: Some(crate::run::spec::VoxelMm(ph.grid.spacing_mm)),
            groups: Vec::new(),
            world: None,
        },
        source: SourceSpec {
            particle: "photon".into(),
            kind: "map".into(),
            position_mm: None,
            region: None,
            map: None,
            energy_mev: None,
            lines: None,
            nuclide: Some(spec.nuclide.clone()),
            chain: Some(spec.chain),
            daughter_escape: Vec::new(),
            decay_data: spec.decay_data,
            emitted_particles: Some(decays),
            direction: None,
            field_diameter_cm: None,
            field_cm: None,
            aim_mm: None,
        },
        run: RunSpec {
            histories: spec.histories,
            seed: spec.seed,
            photon_cutoff_kev: None,
            compton_binding: None,
            target_uncertainty: spec.target_uncertainty,
            target_region: spec.region.clone(),
            electron_transport: None,
            electron_cutoff_kev: None,
        },
        scoring: Default::default(),
        figures: Default::default(),
        materials: Default::default(),
    }
}

/// Runs the Monte Carlo dose of a TIA map.
pub(super) fn run(
    ctx: &Context,
    ph: &Phantom,
    tia: &[f64],
    decays: f64,
    spec: &DoseSpec,
    checkpoint: Option<&Path>,
) -> Result<McDose> {
    let file = run_file(ph, tia, decays, spec);
    let source = Source {
        escape: Vec::new(),
        particle: crate::particle::ParticleKind::Photon,
        spatial: Spatial::map(ph, tia, "tia")?,
        spectrum: Spectrum::nuclide_from(&spec.nuclide, spec.chain, spec.decay_data)
            .context("nuclide")?,
    };
    let target = match (&spec.target_uncertainty, &spec.region) {
        (Some(rel), Some(name)) => {
            let id = ph
                .region_id(name)
                .map_err(|e| crate::error::spec_error("region", e))?;
            Some((*rel, ph.len() + id as usize))
        }
        _ => None,
    };
    let mut settings = RunSettings::new(spec.seed, spec.histories);
    settings.threads = spec.threads;
    settings.fingerprint = file.fingerprint();
    settings.target = target;
    if let Some(ckpt) = checkpoint {
        // continue the checkpoint of this problem (more histories extend it); one of another
        // problem is refused by `run::execute`, never replaced here
        settings.resume = ckpt.exists();
        settings.tally_path = Some(ckpt.to_path_buf());
    }
    let problem = Problem::assemble(file, ph.clone(), source, &ctx.materials)?;
    let transport = make_transport(&problem);
    let outcome = run::execute(&transport, &problem.source, &settings)?;
    if outcome.interrupted {
        return Err(anyhow::Error::new(Interrupted {
            histories: outcome.tally.histories,
        }));
    }
    let tally = &outcome.tally;
    let n = ph.len();
    let (dose, unc) = crate::run::problem::voxel_doses(ph, tally, decays);
    let region_rel = (0..ph.regions.len())
        .map(|id| tally.mean_and_rel_uncertainty(n + id).1)
        .collect();
    let b = &tally.balance;
    let fom = figure_of_merit(ph, tally, spec.region.as_deref(), &outcome);
    let info = json!({
        "histories": tally.histories,
        "histories_per_second": outcome.new_histories as f64 / outcome.seconds.max(1e-9),
        "cpu_seconds": outcome.cpu_seconds,
        "figure_of_merit": fom,
        "energy_balance": {
            "emitted_mev": b.emitted.mev(),
            "deposited_mev": b.deposited.mev(),
            "below_cutoff_mev": b.below_cutoff.mev(),
            "escaped_mev": b.escaped.mev(),
            "relative_discrepancy": b.relative_discrepancy(),
            "note": "deposited + below_cutoff + escaped = emitted; below-cut-off energy is deposited locally in the dose"
        },
        "reached_target_uncertainty": outcome.reached_target,
        "threads": outcome.threads,
    });
    Ok(McDose {
        dose_gy: dose,
        rel_uncertainty: unc,
        region_rel,
        info,
    })
}

/// The figure of merit (1 / (rel^2 x CPU s), [`crate::run::figure_of_merit`]) of the mean dose
/// of `region` (`--region`), else of the region with the highest mean dose; as the summary's
/// `figure_of_merit` object (null without an uncertainty).
fn figure_of_merit(
    ph: &Phantom,
    tally: &crate::tally::Tally,
    region: Option<&str>,
    outcome: &crate::run::RunOutcome,
) -> serde_json::Value {
    let n = ph.len();
    let masses = ph.region_masses_g();
    let mean = |id: usize| tally.mean_and_rel_uncertainty(n + id);
    let id = match region {
        Some(name) => ph.region_id(name).ok().map(usize::from),
        None => (1..ph.regions.len())
            .filter(|&id| masses[id] > 0.0 && mean(id).1 > 0.0)
            .max_by(|&a, &b| (mean(a).0 / masses[a]).total_cmp(&(mean(b).0 / masses[b]))),
    };
    let Some(id) = id else {
        return serde_json::Value::Null;
    };
    let rel = mean(id).1;
    match crate::run::figure_of_merit(
        rel,
        tally.histories,
        outcome.new_histories,
        outcome.cpu_seconds,
    ) {
        Some(v) => {
            json!({"region": ph.regions[id].name, "rel_uncertainty": rel, "per_cpu_second": v})
        }
        None => serde_json::Value::Null,
    }
}
