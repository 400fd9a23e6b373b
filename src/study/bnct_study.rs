//! BNCT treatment-planning studies (`kind = "bnct"`, `theradose study FILE`).
//!
//! The chain ([`run_study`]): phantom -> beam aimed at the target ([`bnct::transport`]) ->
//! 10B map from a simulated 18F-BPA PET or from tissue-to-blood ratios ([`bnct::boron`]) ->
//! boron-loaded materials per region -> neutron transport with capture-gamma transport, the
//! B/N/H/gamma doses per voxel and history-by-history region totals -> weighted dose with the
//! CBE of each region -> prescription and treatment time ([`bnct::report`]) -> `depth.csv`,
//! `regions.csv`, `dvh.csv`, `summary.json`, `report.md`, figures ([`bnct::figures`]) and
//! NIfTI volumes in the output folder.

use super::bnct::boron::boron_map;
use super::bnct::figures::{self, ISODOSE};
use super::bnct::radiobiology;
use super::bnct::report::{self, RegionRow};
use super::bnct::spec::BnctStudy;
use super::bnct::transport::{aimed_beam, boron_materials, run as run_neutrons};
use super::output::write_atomic;
use super::therapy::StudyOptions;
use crate::io::{write_volume, Volume};
use crate::materials::MaterialDb;
use crate::phantom::{builtin, Phantom};
use crate::plot::Colormap;
use crate::source::neutron_beam::{self, Field};
use crate::transport::neutron::{EPITHERMAL_MAX_MEV, THERMAL_MAX_MEV};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs a BNCT study file into `out` (default `results/<name>`) and returns the output folder.
///
/// # Errors
/// A bad study file (the message names the file and the field), a failing PET or neutron run,
/// an output folder that cannot be written.
pub fn run_file(path: &Path, out: Option<&Path>, opts: &StudyOptions) -> Result<PathBuf> {
    let study = BnctStudy::load(path)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("results").join(&study.name));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = opts.threads {
        b = b.num_threads(t.max(1));
    }
    let summary = b.build()?.install(|| run_study(&study, &out, opts))?;
    eprintln!(
        "study '{}': treatment {:.1} min, tumour weighted dose {:.2} Gy-eq +- {:.2}% -> {}",
        study.name,
        summary["treatment_time_min"].as_f64().unwrap_or(0.0),
        summary["tumour"]["weighted_mean_gy_eq"]
            .as_f64()
            .unwrap_or(0.0),
        100.0
            * summary["tumour"]["weighted_rel_unc"]
                .as_f64()
                .unwrap_or(0.0),
        out.display()
    );
    Ok(out)
}

/// Runs a loaded study into `out`; returns its summary (also written as `summary.json`).
///
/// # Errors
/// As [`run_file`].
pub fn run_study(study: &BnctStudy, out: &Path, opts: &StudyOptions) -> Result<serde_json::Value> {
    let start = Instant::now();
    let f = study.file.display();
    let db = MaterialDb::load()?;
    let p = &study.phantom;
    let ph0 = builtin::build(&p.builtin, &db, p.voxel_mm, &p.groups)
        .with_context(|| format!("{f}: phantom.builtin = \"{}\"", p.builtin))?;
    study.check_regions(&ph0)?;
    let aimed = aimed_beam(study, &ph0)?;
    eprintln!("study '{}': boron map ({})", study.name, study.boron.source);
    let boron = boron_map(study, &ph0)?;
    let (ph, ppm_mat) = boron_materials(&ph0, &boron.ppm)?;
    let mut weights = neutron_beam::weighting()?;
    weights.rbe_nitrogen = study.weighting.rbe_nitrogen;
    weights.rbe_hydrogen = study.weighting.rbe_hydrogen;
    weights.rbe_gamma = study.weighting.rbe_gamma;
    let cbe: Vec<f64> = ph.regions.iter().map(|r| study.cbe(&r.name)).collect();
    let histories = opts.histories.unwrap_or(study.run.histories);
    eprintln!("study '{}': {histories} neutron histories", study.name);
    let run = run_neutrons(
        &ph,
        &ppm_mat,
        &boron.ppm,
        &aimed,
        &weights,
        &cbe,
        study.beam.gamma_transport,
        study.run.seed,
        histories,
        opts.threads,
    )?;
    // normalisation and prescription
    let beam = &aimed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    let per_s = study.beam.aperture_epithermal_flux * beam.area_cm2() / f_epi.max(1e-300);
    let rows = report::region_rows(study, &ph, &run, &boron.ppm, &cbe);
    let (metric, what) = report::prescription_metric(study, &rows)?;
    let (peak_rel, peak_warning) = report::peak_noise(study, &rows, run.histories);
    let warnings: Vec<String> = peak_warning.into_iter().collect();
    for w in &warnings {
        eprintln!("warning: study '{}': {w}", study.name);
    }
    let time_s = if metric > 0.0 {
        study.prescription.dose_gy_eq / (metric * per_s)
    } else {
        f64::NAN
    };
    let scale = time_s * per_s;
    let rows_gy: Vec<RegionRow> = rows.iter().map(|r| report::scaled(r, scale)).collect();
    // tables
    write_atomic(&out.join("depth.csv"), depth_csv(&run.depth).as_bytes())?;
    write_atomic(
        &out.join("regions.csv"),
        report::regions_csv(&rows_gy).as_bytes(),
    )?;
    let weighted_gy: Vec<f64> = map(&run.maps, "dose_weighted")
        .iter()
        .map(|d| d * scale)
        .collect();
    let (names, voxels): (Vec<String>, Vec<Vec<u32>>) = (1..ph.regions.len())
        .map(|id| (ph.regions[id].name.clone(), ph.region_voxels(id as u16)))
        .filter(|x| !x.1.is_empty())
        .unzip();
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let (grid, curves) = crate::dosimetry::regions::dvh(&weighted_gy, &mass, &voxels, 200);
    write_atomic(
        &out.join("dvh.csv"),
        crate::dosimetry::regions::dvh_csv(&names, &grid, &curves).as_bytes(),
    )?;
    // radiobiology of the weighted dose (constant rate over the treatment)
    // (none when no treatment time exists: a prescription metric of zero)
    let bio = if time_s.is_finite() {
        radiobiology::evaluate(study, &ph, &weighted_gy, time_s / 3600.0)?
    } else {
        Vec::new()
    };
    write_atomic(
        &out.join("radiobiology.csv"),
        radiobiology::csv(&bio).as_bytes(),
    )?;
    // volumes and figures
    write_volumes(study, out, &ph, &run, &boron, &weighted_gy)?;
    eprintln!("study '{}': figures", study.name);
    let figs = write_figures(study, out, &ph, &run, &boron, scale, per_s)?;
    figures::dvh_figure(&out.join("dvh.png"), &study.name, &names, &grid, &curves)?;
    let mut all_figs = figs;
    all_figs.push("dvh.png".into());
    // summary
    let tumour = study.tumour_region();
    let t_row = rows_gy.iter().find(|r| r.region == tumour);
    let t_rel = t_row.map_or(0.0, |r| r.rel_unc[4]);
    let field = match beam.field {
        Field::Disc { radius_cm } => format!("disc of {:.1} cm diameter", 2.0 * radius_cm),
        Field::Rectangle {
            half_x_cm,
            half_y_cm,
        } => format!(
            "rectangle {:.1} x {:.1} cm",
            2.0 * half_x_cm,
            2.0 * half_y_cm
        ),
    };
    let d = beam.dir;
    let regions: serde_json::Map<String, serde_json::Value> = rows_gy
        .iter()
        .map(|r| {
            (
                r.region.clone(),
                serde_json::to_value(r).unwrap_or_default(),
            )
        })
        .collect();
    let summary = json!({
        "study": study.name,
        "file": study.file.display().to_string(),
        "version": crate::VERSION,
        "seed": study.run.seed,
        "histories": run.histories,
        "threads": run.threads,
        "seconds_transport": run.seconds,
        "histories_per_second": run.histories as f64 / run.seconds.max(1e-9),
        "seconds_total": start.elapsed().as_secs_f64(),
        "energy_balance_relative_discrepancy": run.energy_balance,
        "phantom": {"name": ph.name, "dims": ph.grid.dims, "voxel_mm": ph.grid.spacing_mm},
        "beam": {
            "spectrum": study.beam.spectrum,
            "spectrum_description": beam.spectrum.description,
            "spectrum_source": beam.spectrum.source,
            "spectrum_fractions": {
                "thermal": beam.spectrum.fraction_between(0.0, THERMAL_MAX_MEV),
                "epithermal": f_epi,
                "fast": beam.spectrum.fraction_between(EPITHERMAL_MAX_MEV, 1e3),
            },
            "field": field,
            "field_area_cm2": beam.area_cm2(),
            "direction": [d.x, d.y, d.z],
            "aim_mm": study.beam.aim_mm,
            "body_entry_local_cm": [aimed.body_entry.x, aimed.body_entry.y, aimed.body_entry.z],
            "gamma_transport": study.beam.gamma_transport,
        },
        "aperture_epithermal_flux_cm-2_s-1": study.beam.aperture_epithermal_flux,
        "source_neutrons_per_second": per_s,
        "boron": boron.info,
        "weighting": {
            "rbe_nitrogen": weights.rbe_nitrogen,
            "rbe_hydrogen": weights.rbe_hydrogen,
            "rbe_gamma": weights.rbe_gamma,
            "cbe": study.weighting.cbe,
            "cbe_default": study.weighting.cbe_default,
        },
        "prescription": {
            "kind": study.prescription.kind,
            "dose_gy_eq": study.prescription.dose_gy_eq,
            "metric": what,
            "metric_gy_eq_per_source_neutron": metric,
            "peak_rel_unc": peak_rel,
        },
        "warnings": warnings,
        "treatment_time_min": time_s / 60.0,
        "treatment_source_neutrons": scale,
        "tumour": {
            "region": tumour,
            "weighted_mean_gy_eq": t_row.map_or(0.0, |r| r.mean[4]),
            "weighted_d98_gy_eq": t_row.map_or(0.0, |r| r.weighted_d98),
            "weighted_rel_unc": t_rel,
            // Monte Carlo variance falls as 1/N: time to 2% = time x (rel / 0.02)^2
            "seconds_to_2pct": run.seconds * (t_rel / 0.02).powi(2),
            "histories_to_2pct": (run.histories as f64 * (t_rel / 0.02).powi(2)).ceil(),
        },
        "regions": regions,
        "radiobiology": bio
            .iter()
            .map(|r| (r.region.clone(), serde_json::to_value(r).unwrap_or_default()))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
        "units": "regions: doses over the treatment (Gy; weighted Gy-eq); depth.csv and *.nii.gz per source neutron (fluence cm-2, dose Gy) unless named _treatment",
        "depth_curve": format!("body voxels within {} cm of the beam axis, by depth from the body surface along the axis", crate::dosimetry::bnct::AXIS_RADIUS_CM),
        "figures": all_figs,
    });
    write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    write_atomic(
        &out.join("report.md"),
        (report::report_md(study, &summary, &rows_gy)
            + &radiobiology::report_md(&bio, time_s / 3600.0))
            .as_bytes(),
    )?;
    Ok(summary)
}

fn map<'a>(maps: &'a crate::dosimetry::bnct::Maps, name: &str) -> &'a [f64] {
    &maps.iter().find(|m| m.0 == name).expect("map").1
}

fn depth_csv(depth: &[[f64; 9]]) -> String {
    let mut s = String::from(crate::dosimetry::bnct::DEPTH_HEADER);
    s.push('\n');
    for r in depth {
        s.push_str(&format!("{:.4}", r[0]));
        for x in &r[1..] {
            s.push_str(&format!(",{x:.6e}"));
        }
        s.push('\n');
    }
    s
}

fn write_volumes(
    study: &BnctStudy,
    out: &Path,
    ph: &Phantom,
    run: &super::bnct::transport::NeutronRun,
    boron: &super::bnct::boron::BoronMap,
    weighted_gy: &[f64],
) -> Result<()> {
    let mut vols: Vec<(&str, &[f64], &str)> = run
        .maps
        .iter()
        .map(|(n, d)| (*n, d.as_slice(), "per source neutron"))
        .collect();
    vols.push((
        "dose_weighted_treatment",
        weighted_gy,
        "Gy-eq over the treatment",
    ));
    vols.push(("boron_ppm", &boron.ppm, "10B ug/g"));
    if let (Some(pet), Some(truth)) = (&boron.pet_suv, &boron.truth_suv) {
        vols.push(("fbpa_pet_suv", pet, "reconstructed 18F-FBPA SUV"));
        vols.push(("fbpa_truth_suv", truth, "true 18F-FBPA SUV"));
    }
    for (name, data, what) in vols {
        let path = out.join(format!("{name}.nii.gz"));
        let vol = Volume {
            grid: ph.grid.clone(),
            data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
        };
        write_volume(
            &path,
            &vol,
            &format!("theradose {} {name} {what}", study.name),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The axial slice through the tumour's centroid (else the middle slice).
fn tumour_slice(study: &BnctStudy, ph: &Phantom) -> usize {
    let id = ph.region_id(study.tumour_region()).unwrap_or(0);
    let vox = ph.region_voxels(id);
    if id == 0 || vox.is_empty() {
        return ph.grid.dims[2] / 2;
    }
    let k: f64 = vox
        .iter()
        .map(|&v| ph.ijk(v as usize).2 as f64)
        .sum::<f64>()
        / vox.len() as f64;
    k.round() as usize
}

fn write_figures(
    study: &BnctStudy,
    out: &Path,
    ph: &Phantom,
    run: &super::bnct::transport::NeutronRun,
    boron: &super::bnct::boron::BoronMap,
    scale: f64,
    per_s: f64,
) -> Result<Vec<String>> {
    let mut figs = figures::depth_figures(out, &study.name, &run.depth, per_s, scale)?;
    let k = tumour_slice(study, ph);
    let z_mm = ph.grid.origin_mm[2] + k as f64 * ph.grid.spacing_mm[2];
    let comps = [
        ("dose_boron", "boron dose D_B", "D_B (Gy)"),
        ("dose_nitrogen", "nitrogen dose D_N", "D_N (Gy)"),
        ("dose_hydrogen", "fast-neutron dose D_H", "D_H (Gy)"),
        ("dose_gamma", "gamma dose D_gamma", "D_gamma (Gy)"),
        ("dose_weighted", "weighted dose D_w", "D_w (Gy-eq)"),
    ];
    for (name, what, unit) in comps {
        let m: Vec<f64> = map(&run.maps, name).iter().map(|d| d * scale).collect();
        let file = format!("{name}.png");
        figures::map_figure(
            ph,
            k,
            &m,
            &out.join(&file),
            &format!(
                "{}: {what}, axial z = {z_mm:.0} mm, isodose % of 99.5th pct",
                study.name
            ),
            unit,
            Colormap::Jet,
            &ISODOSE,
        )?;
        figs.push(file);
    }
    let th: Vec<f64> = map(&run.maps, "fluence_thermal")
        .iter()
        .map(|x| x * scale)
        .collect();
    figures::map_figure(
        ph,
        k,
        &th,
        &out.join("fluence_thermal.png"),
        &format!(
            "{}: thermal fluence over the treatment, z = {z_mm:.0} mm",
            study.name
        ),
        "thermal fluence (cm-2)",
        Colormap::Viridis,
        &[],
    )?;
    figures::map_figure(
        ph,
        k,
        &boron.ppm,
        &out.join("boron_ppm.png"),
        &format!("{}: 10B concentration, z = {z_mm:.0} mm", study.name),
        "10B (ug/g)",
        Colormap::Inferno,
        &[],
    )?;
    figs.push("fluence_thermal.png".into());
    figs.push("boron_ppm.png".into());
    if let Some(pet) = &boron.pet_suv {
        figures::map_figure(
            ph,
            k,
            pet,
            &out.join("fbpa_pet.png"),
            &format!("{}: simulated 18F-FBPA PET, z = {z_mm:.0} mm", study.name),
            "SUV",
            Colormap::Inferno,
            &[],
        )?;
        figs.push("fbpa_pet.png".into());
    }
    Ok(figs)
}
