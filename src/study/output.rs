//! Running a problem and writing its result folder: `dose.nii.gz` (Gy, or Gy per source
//! particle), `uncertainty.nii.gz` (relative, 1 sigma), `labels.nii.gz`, `regions.csv`,
//! `summary.json`, `dose_coronal.png`, plus `run.json` and `tally.bin` for resume and merge.
//! With `[scoring] let = true` also `let_dose_averaged.nii.gz` and `let_track_averaged.nii.gz`
//! (keV/um) and the columns `let_d_kev_um,let_t_kev_um` at the end of `regions.csv`.

use super::{Problem, RunFile};
use crate::io::{write_volume, Volume};
use crate::plot;
use crate::run::problem::make_transport;
use crate::run::{self, RunSettings};
use crate::tally::file::{self as tfile, TallyHeader};
use crate::tally::Tally;
use crate::transport::Transport;
use crate::units;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Command-line overrides of a run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub histories: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub jobs: u64,
    pub job_index: u64,
    pub resume: bool,
    pub target_uncertainty: Option<f64>,
    pub region: Option<String>,
    /// seconds between checkpoints (default 10)
    pub checkpoint_every_s: Option<f64>,
}

/// Runs a run file into `out` and writes the results. Returns the summary JSON.
pub fn run_file(mut file: RunFile, out: &Path, opt: &RunOptions) -> Result<serde_json::Value> {
    if let Some(h) = opt.histories {
        file.run.histories = h;
    }
    if let Some(s) = opt.seed {
        file.run.seed = s;
    }
    if opt.target_uncertainty.is_some() {
        file.run.target_uncertainty = opt.target_uncertainty;
    }
    if opt.region.is_some() {
        file.run.target_region = opt.region.clone();
    }
    let problem = Problem::build(file)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let transport = make_transport(&problem);
    let mut settings = RunSettings::new(problem.file.run.seed, problem.file.run.histories);
    settings.threads = opt.threads;
    settings.jobs = opt.jobs.max(1);
    settings.job_index = opt.job_index;
    settings.resume = opt.resume;
    settings.fingerprint = problem.file.fingerprint();
    settings.tally_path = Some(out.join("tally.bin"));
    settings.checkpoint_every_s = opt.checkpoint_every_s.unwrap_or(10.0).max(0.0);
    if let Some(rel) = problem.file.run.target_uncertainty {
        if !(rel.is_finite() && rel > 0.0) {
            bail!("target uncertainty {rel}: expected a positive fraction such as 0.02");
        }
        let Some(name) = &problem.file.run.target_region else {
            bail!("--target-uncertainty needs --region NAME (the region whose mean dose it applies to)");
        };
        let id = problem.phantom.region_id(name)?;
        settings.target = Some((rel, problem.phantom.len() + id as usize));
    }
    let run_json = json!({
        "version": crate::VERSION,
        "run_file": problem.file,
        "jobs": settings.jobs,
        "job_index": settings.job_index,
    });
    write_atomic(
        &out.join("run.json"),
        serde_json::to_string_pretty(&run_json)?.as_bytes(),
    )?;
    run::install_interrupt_handler();
    let outcome = run::execute(&transport, &problem.source, &settings)?;
    if outcome.interrupted {
        eprintln!(
            "stopped after {} histories; checkpoint in {}; continue with --resume",
            outcome.tally.histories,
            out.join("tally.bin").display()
        );
    }
    let timing = Timing {
        seconds: outcome.seconds,
        new_histories: outcome.new_histories,
        threads: outcome.threads,
    };
    let summary = write_results(
        &problem,
        &transport,
        &outcome.tally,
        &outcome.header,
        out,
        Some(&timing),
        outcome.reached_target,
    )?;
    if outcome.interrupted {
        bail!(
            "run interrupted; partial results written to {}",
            out.display()
        );
    }
    Ok(summary)
}

/// Timing of one invocation.
pub struct Timing {
    pub seconds: f64,
    pub new_histories: u64,
    pub threads: usize,
}

/// Merges job parts (`tally.bin` + `run.json` folders) into `out`.
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<serde_json::Value> {
    if parts.is_empty() {
        bail!("merge: give at least one part folder");
    }
    let mut total: Option<(RunFile, u64, Tally, Vec<u64>)> = None;
    for p in parts {
        let rj: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.join("run.json")).with_context(|| {
                format!("{}: not a theradose run folder (no run.json)", p.display())
            })?)
            .with_context(|| format!("{}/run.json: invalid JSON", p.display()))?;
        let file: RunFile = serde_json::from_value(rj["run_file"].clone())
            .with_context(|| format!("{}/run.json: no run_file", p.display()))?;
        let jobs = rj["jobs"].as_u64().unwrap_or(1);
        let (h, t) = tfile::read(&p.join("tally.bin"))?;
        if t.histories != h.planned {
            bail!(
                "{}: incomplete part ({} of {} histories); finish it with --resume first",
                p.display(),
                t.histories,
                h.planned
            );
        }
        match &mut total {
            None => total = Some((file, jobs, t, vec![h.first_history])),
            Some((f0, j0, acc, firsts)) => {
                if f0.fingerprint() != file.fingerprint() || *j0 != jobs {
                    bail!(
                        "{}: belongs to a different run than {}",
                        p.display(),
                        parts[0].display()
                    );
                }
                if firsts.contains(&h.first_history) {
                    bail!("{}: the same job part was given twice", p.display());
                }
                if acc.n_bins() != t.n_bins() {
                    bail!("{}: tally size differs", p.display());
                }
                acc.merge(&t);
                firsts.push(h.first_history);
            }
        }
    }
    let (file, jobs, tally, firsts) = total.expect("at least one part");
    if (firsts.len() as u64) != jobs {
        eprintln!(
            "warning: merged {} of {} job parts; the result covers {} histories",
            firsts.len(),
            jobs,
            tally.histories
        );
    }
    let fp = file.fingerprint();
    let problem = Problem::build(file)?;
    let transport = make_transport(&problem);
    std::fs::create_dir_all(out)?;
    let header = TallyHeader {
        fingerprint: fp,
        first_history: 0,
        planned: tally.histories,
    };
    tfile::write(&out.join("tally.bin"), &header, &tally)?;
    let run_json = json!({"version": crate::VERSION, "run_file": problem.file, "jobs": 1, "job_index": 0, "merged_from": parts});
    write_atomic(
        &out.join("run.json"),
        serde_json::to_string_pretty(&run_json)?.as_bytes(),
    )?;
    write_results(&problem, &transport, &tally, &header, out, None, false)
}

/// Writes dose, uncertainty, labels, regions.csv, summary.json and the figure.
pub fn write_results(
    problem: &Problem,
    transport: &Transport,
    tally: &Tally,
    header: &TallyHeader,
    out: &Path,
    timing: Option<&Timing>,
    reached_target: bool,
) -> Result<serde_json::Value> {
    let ph = &problem.phantom;
    let n = ph.len();
    let norm = problem.file.source.emitted_particles.unwrap_or(1.0);
    let dose_unit = if problem.file.source.emitted_particles.is_some() {
        "Gy"
    } else {
        "Gy per source particle"
    };
    let mut annihilation_total: Option<f64> = None;
    let mut dose = Vec::with_capacity(n);
    let mut unc = Vec::with_capacity(n);
    for v in 0..n {
        let (m, r) = tally.mean_and_rel_uncertainty(v);
        let mass = ph.voxel_mass_g(v);
        dose.push(if mass > 0.0 {
            units::dose_gy(m * norm, mass)
        } else {
            0.0
        });
        unc.push(r);
    }
    let desc = format!(
        "theradose {} dose {} seed {} histories {}",
        crate::VERSION,
        dose_unit,
        problem.file.run.seed,
        tally.histories
    );
    write_volume(
        &out.join("dose.nii.gz"),
        &Volume {
            grid: ph.grid.clone(),
            data: dose.iter().map(|&d| d as f32).collect(),
        },
        &desc,
    )?;
    write_volume(
        &out.join("uncertainty.nii.gz"),
        &Volume {
            grid: ph.grid.clone(),
            data: unc.iter().map(|&d| d as f32).collect(),
        },
        &format!(
            "theradose {} relative uncertainty (1 sigma) of dose",
            crate::VERSION
        ),
    )?;
    if transport.annihilation_tally {
        // annihilation sites per voxel: bins after the voxels and the regions
        let off = n + ph.regions.len();
        let ann: Vec<f32> = (0..n)
            .map(|v| (tally.mean_and_rel_uncertainty(off + v).0 * norm) as f32)
            .collect();
        let total: f64 = ann.iter().map(|&a| a as f64).sum();
        write_volume(
            &out.join("annihilations.nii.gz"),
            &Volume {
                grid: ph.grid.clone(),
                data: ann,
            },
            &format!(
                "theradose {} positron annihilations per voxel ({})",
                crate::VERSION,
                if problem.file.source.emitted_particles.is_some() {
                    "total"
                } else {
                    "per source event"
                }
            ),
        )?;
        annihilation_total = Some(total);
    }
    write_volume(
        &out.join("labels.nii.gz"),
        &Volume {
            grid: ph.grid.clone(),
            data: ph.label.clone(),
        },
        "theradose region labels",
    )?;
    let let_layout = transport.let_layout();
    let let_by_region = match &let_layout {
        Some(lay) => {
            write_let_maps(ph, lay, tally, out)?;
            lay.sums_by_label(tally, &ph.label, ph.regions.len())
        }
        None => Vec::new(),
    };
    // regions
    let masses = ph.region_masses_g();
    let mut csv = String::from("region,mass_g,mean_dose_gy,rel_uncertainty");
    csv.push_str(if let_layout.is_some() {
        ",let_d_kev_um,let_t_kev_um\n"
    } else {
        "\n"
    });
    let mut regions = Vec::new();
    for (id, r) in ph.regions.iter().enumerate().skip(1) {
        let (m, u) = tally.mean_and_rel_uncertainty(n + id);
        let d = if masses[id] > 0.0 {
            units::dose_gy(m * norm, masses[id])
        } else {
            0.0
        };
        csv.push_str(&format!("{},{:.6},{:.6e},{:.4e}", r.name, masses[id], d, u));
        let mut js =
            json!({"name": r.name, "mass_g": masses[id], "mean_dose_gy": d, "rel_uncertainty": u});
        if let Some(s) = let_by_region.get(id) {
            let (ld, lt) = (s.dose_averaged_kev_um(), s.track_averaged_kev_um());
            csv.push_str(&format!(",{ld:.4},{lt:.4}"));
            js["let_d_kev_um"] = json!(ld);
            js["let_t_kev_um"] = json!(lt);
        }
        csv.push('\n');
        regions.push(js);
    }
    write_atomic(&out.join("regions.csv"), csv.as_bytes())?;
    let b = &tally.balance;
    let mut summary = json!({
        "version": crate::VERSION,
        "name": problem.file.name,
        "seed": problem.file.run.seed,
        "histories": tally.histories,
        "histories_planned": header.planned,
        "first_history": header.first_history,
        "dose_unit": dose_unit,
        "inputs": problem.file,
        "phantom": {"name": ph.name, "dims": ph.grid.dims, "voxel_mm": ph.grid.spacing_mm},
        "energy_balance": {
            "emitted_mev": b.emitted.mev(),
            "deposited_mev": b.deposited.mev(),
            "below_cutoff_mev": b.below_cutoff.mev(),
            "escaped_mev": b.escaped.mev(),
            "relative_discrepancy": b.relative_discrepancy(),
            "note": "deposited + below_cutoff + escaped = emitted; below-cut-off energy is deposited locally in the dose"
        },
        "regions": regions,
        "reached_target_uncertainty": reached_target,
        "transport": {
            "photon_cutoff_mev": transport.photon_cutoff_mev,
            "compton_binding": problem.photon.compton_binding,
            "tracking": "woodcock",
            "electron_transport": problem.electron.is_some(),
            "electron_cutoff_mev": problem.electron.as_ref().map(|e| e.params.cutoff_mev),
        },
    });
    if let_layout.is_some() {
        let mut s = crate::tally::let_tally::LetSums::default();
        let_by_region.iter().for_each(|r| s.add(r));
        summary["let"] = json!({
            "dose_averaged_kev_um": s.dose_averaged_kev_um(),
            "track_averaged_kev_um": s.track_averaged_kev_um(),
            "note": "alpha tracks only (electronic stopping, unrestricted); whole phantom",
        });
    }
    if let Some(a) = annihilation_total {
        // per source event, or in total when the run represents `emitted_particles` events
        summary["annihilations"] = json!(a);
    }
    if let Some(t) = timing {
        summary["seconds"] = json!(t.seconds);
        summary["threads"] = json!(t.threads);
        summary["histories_per_second"] = json!(t.new_histories as f64 / t.seconds.max(1e-9));
    }
    write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    coronal_png(problem, &dose, &out.join("dose_coronal.png"), dose_unit)?;
    Ok(summary)
}

/// Writes the dose-averaged and track-averaged LET maps of alpha tracks (keV/um; 0 where no
/// alpha deposited energy).
fn write_let_maps(
    ph: &crate::phantom::Phantom,
    lay: &crate::tally::let_tally::LetLayout,
    tally: &Tally,
    out: &Path,
) -> Result<()> {
    let (ld, lt) = lay.maps(tally);
    for (name, data, what) in [
        ("let_dose_averaged.nii.gz", ld, "dose-averaged"),
        ("let_track_averaged.nii.gz", lt, "track-averaged"),
    ] {
        write_volume(
            &out.join(name),
            &Volume {
                grid: ph.grid.clone(),
                data,
            },
            &format!(
                "theradose {} {what} LET of alpha tracks keV/um",
                crate::VERSION
            ),
        )?;
    }
    Ok(())
}

/// Coronal slice (x-z plane) through the source (centroid of its voxels) of the dose, with
/// region outlines; voxels below 0.01 g/cm3 (air) are blanked, their dose being meaningless noise
/// over a tiny mass.
fn coronal_png(problem: &Problem, dose: &[f64], path: &Path, unit: &str) -> Result<()> {
    let ph = &problem.phantom;
    let [nx, ny, _] = ph.grid.dims;
    let j = match &problem.source.spatial {
        crate::source::Spatial::Point(p) => (p.y / ph.voxel_cm[1]).floor().max(0.0) as usize,
        crate::source::Spatial::Voxels { voxels, .. } => {
            let s: f64 = voxels
                .iter()
                .map(|&v| ((v as usize / nx) % ny) as f64)
                .sum();
            (s / voxels.len().max(1) as f64).round() as usize
        }
    }
    .min(ny - 1);
    let title = format!(
        "{}: dose, coronal slice j = {} (y = {:.0} mm)",
        problem.file.name,
        j,
        (j as f64 + 0.5) * ph.grid.spacing_mm[1]
    );
    let cb = format!("dose ({unit})");
    let value = |v: usize| if ph.density[v] >= 0.01 { dose[v] } else { 0.0 };
    coronal_figure(
        ph,
        j,
        value,
        path,
        &title,
        &cb,
        plot::Colormap::Inferno,
        true,
        None,
    )
}

/// Central coronal slice (x-z plane at the middle y) of a phantom's density with its region
/// outlines (`results/phantoms/NAME.png`).
pub fn phantom_png(ph: &crate::phantom::Phantom, path: &Path) -> Result<()> {
    let title = format!(
        "{}: density, central coronal slice ({} mm voxels)",
        ph.name, ph.grid.spacing_mm[0]
    );
    let value = |v: usize| ph.density[v] as f64;
    let j = ph.grid.dims[1] / 2;
    coronal_figure(
        ph,
        j,
        value,
        path,
        &title,
        "density (g/cm3)",
        plot::Colormap::Gray,
        false,
        Some((0.0, 2.0)),
    )
}

/// Draws the x-z slice j of a per-voxel quantity with the region outlines.
#[allow(clippy::too_many_arguments)] // one figure's settings, all distinct
pub fn coronal_figure(
    ph: &crate::phantom::Phantom,
    j: usize,
    value: impl Fn(usize) -> f64,
    path: &Path,
    title: &str,
    colorbar_label: &str,
    colormap: plot::Colormap,
    log_scale: bool,
    range: Option<(f64, f64)>,
) -> Result<()> {
    let [nx, ny, nz] = ph.grid.dims;
    let mut vals = Vec::with_capacity(nx * nz);
    let mut labs = Vec::with_capacity(nx * nz);
    for k in 0..nz {
        for i in 0..nx {
            let v = i + nx * (j + ny * k);
            vals.push(value(v));
            labs.push(ph.label[v]);
        }
    }
    plot::slice_png(
        path,
        &plot::Slice {
            values: &vals,
            width: nx,
            height: nz,
            pixel_mm: [ph.grid.spacing_mm[0], ph.grid.spacing_mm[2]],
        },
        &plot::SliceFigure {
            title,
            colorbar_label,
            x_label: "x (mm, patient right to left)",
            y_label: "z (mm, inferior to superior)",
            colormap,
            log_scale,
            range,
            outline_labels: Some(&labs),
            isolines: &[],
        },
    )
}
pub use crate::io::write_file_atomic as write_atomic;
