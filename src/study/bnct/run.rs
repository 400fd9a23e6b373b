//! The chain of a BNCT study, in memory: phantom -> beam aimed at the target
//! ([`super::transport`]) -> 10B map from a simulated 18F-BPA PET or from tissue-to-blood
//! ratios ([`super::boron`]) -> boron-loaded materials per region -> neutron transport with
//! capture-gamma transport, the B/N/H/gamma doses per voxel and history-by-history region
//! totals -> weighted dose with the CBE of each region -> prescription and treatment time
//! ([`super::regions`]) -> DVH and radiobiology ([`super::radiobiology`]).

use super::boron::{boron_map, BoronMap};
use super::radiobiology::{self, BioRow};
use super::regions::{self, RegionRow};
use super::spec::BnctStudy;
use super::transport::{aimed_beam, boron_materials, run as run_neutrons, NeutronRun};
use crate::context::Context;
use crate::phantom::{builtin, Phantom};
use crate::source::neutron_beam::{self, AimedBeam, Weighting};
use crate::study::common::StudyOptions;
use crate::transport::neutron::{EPITHERMAL_MAX_MEV, THERMAL_MAX_MEV};
use anyhow::{Context as _, Result};

/// Dose-volume histograms of the weighted dose over the treatment (Gy-eq), per region with
/// voxels.
pub struct Dvh {
    /// region names
    pub names: Vec<String>,
    /// dose grid (Gy-eq)
    pub grid: Vec<f64>,
    /// per region, the volume fraction receiving at least each grid dose
    pub curves: Vec<Vec<f64>>,
}

/// What a BNCT study computed, per source neutron unless named otherwise.
pub struct BnctResult {
    /// the phantom with boron-loaded materials
    pub phantom: Phantom,
    /// the beam aimed at the target
    pub aimed: AimedBeam,
    /// the 10B map (and the simulated FBPA PET)
    pub boron: BoronMap,
    /// RBE weighting factors of the study
    pub weights: Weighting,
    /// maps, depth curve and region totals of the neutron run
    pub neutrons: NeutronRun,
    /// epithermal fraction of the beam spectrum
    pub epithermal_fraction: f64,
    /// source neutrons per second at the study's aperture flux (s-1)
    pub source_per_s: f64,
    /// prescription metric (Gy-eq per source neutron) and what it is
    pub metric_gy_eq: f64,
    /// what the metric is ("lesion near-minimum D98", ...)
    pub metric_what: String,
    /// relative uncertainty of the peak dose of the prescription's organ
    pub peak_rel_unc: Option<f64>,
    /// warnings about the statistics
    pub warnings: Vec<String>,
    /// treatment time (s); NaN when the prescription metric is zero
    pub treatment_s: f64,
    /// source neutrons over the treatment (the factor from per source neutron to treatment)
    pub scale: f64,
    /// per region, doses over the treatment (Gy; weighted Gy-eq)
    pub regions: Vec<RegionRow>,
    /// weighted dose per voxel over the treatment (Gy-eq)
    pub weighted_gy: Vec<f64>,
    /// DVHs of `weighted_gy`
    pub dvh: Dvh,
    /// radiobiology per region (empty without a treatment time)
    pub bio: Vec<BioRow>,
}

/// A named voxel map of the neutron run.
pub fn map<'a>(maps: &'a crate::dosimetry::bnct::Maps, name: &str) -> &'a [f64] {
    &maps.iter().find(|m| m.0 == name).expect("map").1
}

/// Runs a loaded BNCT study (in the current rayon pool): `opts.histories` overrides
/// `run.histories`. No checkpoints: [`run_with`] keeps them.
///
/// # Errors
/// A bad study value (named by file and field), a failing PET or neutron run.
pub fn run(ctx: &Context, study: &BnctStudy, opts: &StudyOptions) -> Result<BnctResult> {
    run_with(ctx, study, opts, None)
}

/// [`run`], with the neutron tally checkpointed to `checkpoint` (every `run.checkpoint_every_s`
/// seconds) and continued from it when it holds the same study ([`BnctStudy::fingerprint`]):
/// an interrupted study resumes to the result of an uninterrupted one.
///
/// # Errors
/// As [`run`]; a checkpoint of another study; an interrupted run
/// ([`crate::error::Interrupted`], its checkpoint kept).
pub fn run_with(
    ctx: &Context,
    study: &BnctStudy,
    opts: &StudyOptions,
    checkpoint: Option<&std::path::Path>,
) -> Result<BnctResult> {
    let f = study.file.display();
    let p = &study.phantom;
    let ph0 = builtin::build(&p.builtin, &ctx.materials, p.voxel_mm, &p.groups)
        .with_context(|| format!("{f}: phantom.builtin = \"{}\"", p.builtin))?;
    // every input before the first history (regions, tissues, prescription)
    study.check_regions(&ph0)?;
    radiobiology::check(study, &ph0)?;
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
    let mut settings = crate::run::RunSettings::new(study.run.seed, histories);
    settings.threads = opts.threads;
    settings.label = "neutrons".into();
    if let Some(path) = checkpoint {
        settings.tally_path = Some(path.to_path_buf());
        settings.resume = true;
        settings.fingerprint = study.fingerprint();
        settings.checkpoint_every_s = study.run.checkpoint_every_s.unwrap_or(10.0);
    }
    let neutrons = run_neutrons(
        &ph,
        &ppm_mat,
        &boron.ppm,
        &aimed,
        &weights,
        &cbe,
        study.beam.gamma_transport,
        &settings,
    )?;
    // normalisation and prescription
    let beam = &aimed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    let per_s = study.beam.aperture_epithermal_flux * beam.area_cm2() / f_epi.max(1e-300);
    let rows = regions::region_rows(study, &ph, &neutrons, &boron.ppm, &cbe);
    let (metric, what) = regions::prescription_metric(study, &rows)?;
    let (peak_rel, peak_warning) = regions::peak_noise(study, &rows, neutrons.histories);
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
    let rows_gy: Vec<RegionRow> = rows.iter().map(|r| regions::scaled(r, scale)).collect();
    let weighted_gy: Vec<f64> = map(&neutrons.maps, "dose_weighted")
        .iter()
        .map(|d| d * scale)
        .collect();
    let (names, voxels): (Vec<String>, Vec<Vec<u32>>) = (1..ph.regions.len())
        .map(|id| (ph.regions[id].name.clone(), ph.region_voxels(id as u16)))
        .filter(|x| !x.1.is_empty())
        .unzip();
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let (grid, curves) = crate::dosimetry::regions::dvh(&weighted_gy, &mass, &voxels, 200);
    // radiobiology of the weighted dose (constant rate over the treatment)
    // (none when no treatment time exists: a prescription metric of zero)
    let bio = if time_s.is_finite() {
        radiobiology::evaluate(study, &ph, &weighted_gy, time_s / 3600.0)?
    } else {
        Vec::new()
    };
    Ok(BnctResult {
        phantom: ph,
        aimed,
        boron,
        weights,
        neutrons,
        epithermal_fraction: f_epi,
        source_per_s: per_s,
        metric_gy_eq: metric,
        metric_what: what,
        peak_rel_unc: peak_rel,
        warnings,
        treatment_s: time_s,
        scale,
        regions: rows_gy,
        weighted_gy,
        dvh: Dvh {
            names,
            grid,
            curves,
        },
        bio,
    })
}
