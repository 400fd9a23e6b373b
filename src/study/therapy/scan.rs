//! The baseline and follow-up PET of a therapy study, their SUV metrics and response categories.
//!
//! Baseline activity: each region of `[[kinetics]]` holds the injected diagnostic activity times
//! its uptake fraction times (e^{-λb t} − e^{-(λu+λb) t}) at the scan's uptake time t, spread
//! uniformly over the region (the theranostic-pair assumption: the diagnostic tracer follows the
//! therapeutic one's biological kinetics); `baseline_pet.body_fraction` of the activity is
//! spread over all other voxels of the body in proportion to their mass. Physical decay of the
//! PET nuclide over the uptake time is applied by the PET simulation.
//!
//! Follow-up activity: the baseline map per injected MBq times the relative uptake of each voxel
//! ([`super::radiobiology`]) times the follow-up injected activity, scanned at the same uptake
//! time. When the follow-up tracer differs from the baseline one (an 18F-FDG follow-up after a
//! 68Ga-PSMA planning scan), the baseline of the comparison is a pre-therapy scan of the
//! follow-up tracer ([`reference()`]): for FDG its physiological distribution (brain, heart,
//! kidneys and bladder, liver background; lesions by their own SUV; `data/pet/tracers/fdg_suv.toml` and
//! `followup.baseline_suv`); any other tracer model without a physiological table is refused. The scans cover the axial range of the lesions (plus a margin) to keep the
//! reconstruction short.

use super::radiobiology::{Bio, Role};
use super::spec::TherapyStudy;
use crate::pet::criteria::{eortc, percist};
use crate::pet::metrics::{lesion_metrics, suv_mean, suv_scale, voi_from_label, LesionMetrics};
use crate::pet::phantom_activity::{suv_map, FdgSuvTable};
use crate::pet::{simulate, PetOptions, Scanner};
use crate::phantom::Phantom;
use crate::source::nuclide::Nuclide;
use crate::study::common::crop_z;
use crate::study::dosimetry::DosimetryResult;
use anyhow::{bail, Context, Result};
use serde::Serialize;

/// One simulated scan (images on the cropped grid of `phantom`).
#[derive(Clone, Debug)]
pub struct Scan {
    /// the phantom cut to the scanned planes
    pub phantom: Phantom,
    /// first plane of the scan in the full phantom
    pub k0: usize,
    pub nuclide: String,
    pub tracer: String,
    pub injected_mbq: f64,
    pub uptake_s: f64,
    /// activity concentration at injection without physical decay (Bq/mL), as scanned
    pub map_bq_ml: Vec<f64>,
    /// SUV per Bq/mL at scan start
    pub suv_per_bq_ml: f64,
    pub noise_free_suv: Vec<f64>,
    pub noisy_suv: Option<Vec<f64>>,
    pub expected_trues: f64,
}

impl Scan {
    /// The noisy SUV image if there is one, else the noise-free one.
    pub fn suv(&self) -> &[f64] {
        self.noisy_suv.as_deref().unwrap_or(&self.noise_free_suv)
    }
}

/// A key of what the baseline scan depends on.
pub fn baseline_key(study: &TherapyStudy) -> String {
    serde_json::to_string(&(
        &study.baseline_pet,
        &study.dosimetry.phantom,
        &study.dosimetry.kinetics,
        &study.followup.cmr_reference_region,
        &study.lesions,
    ))
    .unwrap_or_default()
}

/// The planes [k0, k1) of the scans.
fn z_planes(study: &TherapyStudy, ph: &Phantom, bio: &Bio) -> Result<(usize, usize)> {
    let nz = ph.grid.dims[2];
    let z_of = |k: usize| ph.grid.world_mm([0.0, 0.0, k as f64])[2];
    let b = &study.baseline_pet;
    let (lo, hi) =
        match b.z_range_mm {
            Some([a, c]) => (a, c),
            None => {
                let mut ids: Vec<u16> = bio
                    .regions
                    .iter()
                    .filter(|r| r.role == Role::Lesion)
                    .map(|r| r.label)
                    .collect();
                if let Some(r) = &study.followup.cmr_reference_region {
                    ids.push(ph.region_id(r).with_context(|| {
                        format!("{}: followup.cmr_reference_region", study.file)
                    })?);
                }
                let plane = ph.grid.dims[0] * ph.grid.dims[1];
                let ks: Vec<usize> = ph
                    .label
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| ids.contains(l))
                    .map(|(v, _)| v / plane)
                    .collect();
                if ks.is_empty() {
                    return Ok((0, nz));
                }
                let (k_lo, k_hi) = (ks.iter().min().unwrap_or(&0), ks.iter().max().unwrap_or(&0));
                let (za, zb) = (z_of(*k_lo), z_of(*k_hi));
                (za.min(zb) - b.margin_mm, za.max(zb) + b.margin_mm)
            }
        };
    let inside: Vec<usize> = (0..nz).filter(|&k| (lo..=hi).contains(&z_of(k))).collect();
    match (inside.first(), inside.last()) {
        (Some(&a), Some(&c)) => Ok((a, c + 1)),
        _ => bail!(
            "{}: baseline_pet.z_range_mm [{lo}, {hi}] holds no plane of the phantom",
            study.file
        ),
    }
}

/// Baseline tracer concentration per injected MBq (Bq/mL, no physical decay) on the full grid.
fn baseline_map_per_mbq(study: &TherapyStudy, ph: &Phantom) -> Result<Vec<f64>> {
    let t_h = study.baseline_pet.uptake_min / 60.0;
    let voxel_ml = ph.voxel_volume_cm3();
    let mut map = vec![0.0; ph.len()];
    let mut listed = vec![false; ph.regions.len()];
    for k in &study.dosimetry.kinetics {
        let id = ph
            .region_id(&k.region)
            .with_context(|| format!("{}: kinetics region '{}'", study.file, k.region))?;
        listed[id as usize] = true;
        let vox = ph.region_voxels(id);
        if vox.is_empty() {
            continue;
        }
        let lb = std::f64::consts::LN_2 / k.biological_half_life_h;
        let uptake = if k.uptake_half_time_h > 0.0 {
            1.0 - (-std::f64::consts::LN_2 / k.uptake_half_time_h * t_h).exp()
        } else {
            1.0
        };
        let c = 1e6 * k.uptake_fraction.unwrap_or(0.0) * uptake * (-lb * t_h).exp()
            / (vox.len() as f64 * voxel_ml);
        for v in vox {
            map[v as usize] += c;
        }
    }
    let fb = study.baseline_pet.body_fraction;
    if fb > 0.0 {
        let rest: Vec<usize> = (0..ph.len())
            .filter(|&v| ph.label[v] != 0 && !listed[ph.label[v] as usize])
            .collect();
        let mass: f64 = rest.iter().map(|&v| ph.voxel_mass_g(v)).sum();
        if mass > 0.0 {
            for v in rest {
                map[v] += 1e6 * fb * ph.voxel_mass_g(v) / mass / voxel_ml;
            }
        }
    }
    Ok(map)
}

fn body_mass_g(ph: &Phantom) -> f64 {
    (0..ph.len())
        .filter(|&v| ph.label[v] != 0)
        .map(|v| ph.voxel_mass_g(v))
        .sum()
}

/// The SUV images of one simulated scan.
struct Images {
    noise_free_suv: Vec<f64>,
    noisy_suv: Option<Vec<f64>>,
    suv_per_bq_ml: f64,
    expected_trues: f64,
}

/// Simulates one scan of `map_bq_ml` (cropped grid) of `nuclide`.
#[allow(clippy::too_many_arguments)] // one scan's inputs, all distinct
fn simulate_scan(
    study: &TherapyStudy,
    scan_ph: &Phantom,
    map_bq_ml: &[f64],
    nuclide: &str,
    injected_mbq: f64,
    body_g: f64,
    seed: u64,
    full: bool,
) -> Result<Images> {
    let b = &study.baseline_pet;
    let scanner = Scanner::load(&b.scanner)
        .with_context(|| format!("{}: baseline_pet.scanner", study.file))?;
    let mut opts = PetOptions {
        uptake_s: b.uptake_min * 60.0,
        duration_s: b.duration_s,
        iterations: b.iterations,
        subsets: b.subsets,
        noise: false,
        seed,
        psf_recon: b.psf,
        positron_histories: b.positron_histories,
        post_filter_fwhm_mm: b.post_filter_mm,
        views: b.views,
        // the PET's own lines only without the study's progress bar
        progress: !super::progress::bars(),
        ..Default::default()
    };
    let nuc = Nuclide::load(nuclide)?;
    let scale = suv_scale(injected_mbq * 1e6, body_g, opts.uptake_s, nuc.half_life_s)?;
    let nf = simulate(scan_ph, map_bq_ml, nuclide, &scanner, &opts)?;
    let to_suv = |x: &[f64]| x.iter().map(|c| c * scale).collect::<Vec<f64>>();
    let noisy = if full {
        opts.noise = true;
        Some(to_suv(
            &simulate(scan_ph, map_bq_ml, nuclide, &scanner, &opts)?.recon_bq_ml,
        ))
    } else {
        None
    };
    Ok(Images {
        noise_free_suv: to_suv(&nf.recon_bq_ml),
        noisy_suv: noisy,
        suv_per_bq_ml: scale,
        expected_trues: nf.expected_trues,
    })
}

/// The baseline scan (noise-free, and noisy with `full`).
///
/// # Errors
/// Unknown regions, nuclides or scanners, a failing simulation.
pub fn baseline(
    study: &TherapyStudy,
    dos: &DosimetryResult,
    bio: &Bio,
    full: bool,
) -> Result<Scan> {
    let ph = &dos.phantom;
    let [(nuc, tracer), _] = study.tracers()?;
    let (k0, k1) = z_planes(study, ph, bio)?;
    let scan_ph = crop_z(ph, k0, k1)?;
    let plane = ph.grid.dims[0] * ph.grid.dims[1];
    let a = study.baseline_pet.activity_mbq;
    let map: Vec<f64> = baseline_map_per_mbq(study, ph)?[k0 * plane..k1 * plane]
        .iter()
        .map(|c| c * a)
        .collect();
    let im = simulate_scan(
        study,
        &scan_ph,
        &map,
        &nuc,
        a,
        body_mass_g(ph),
        study.baseline_pet.seed,
        full,
    )?;
    Ok(Scan {
        phantom: scan_ph,
        k0,
        nuclide: nuc,
        tracer,
        injected_mbq: a,
        uptake_s: study.baseline_pet.uptake_min * 60.0,
        map_bq_ml: map,
        suv_per_bq_ml: im.suv_per_bq_ml,
        noise_free_suv: im.noise_free_suv,
        noisy_suv: im.noisy_suv,
        expected_trues: im.expected_trues,
    })
}

/// Whether the follow-up tracer model differs from the baseline's (then the comparison needs a
/// pre-therapy scan of the follow-up tracer, [`reference()`]).
pub fn needs_reference(study: &TherapyStudy) -> Result<bool> {
    let [(_, b), (_, f)] = study.tracers()?;
    Ok(b != f)
}

/// A key of what the reference scan depends on.
pub fn reference_key(study: &TherapyStudy) -> String {
    serde_json::to_string(&(
        baseline_key(study),
        &study.followup.tracer,
        &study.followup.activity_mbq,
        &study.followup.baseline_suv,
    ))
    .unwrap_or_default()
}

/// The pre-therapy scan of the follow-up tracer on the planes of the planning scan `plan`:
/// for FDG, SUV per region ([`FdgSuvTable`]) x injected / body mass.
///
/// # Errors
/// A follow-up tracer without a physiological table (only FDG has one), a failing simulation.
pub fn reference(
    study: &TherapyStudy,
    dos: &DosimetryResult,
    plan: &Scan,
    full: bool,
) -> Result<Scan> {
    let ph = &dos.phantom;
    let [_, (nuc, tracer)] = study.tracers()?;
    let fdg = FdgSuvTable::load()?;
    if tracer != "fdg" {
        bail!(
            "{}: followup.tracer \"{}\" differs from baseline_pet.tracer \"{}\": a pre-therapy \
             scan of it is needed, and only FDG has a physiological distribution ({} regions); \
             use the baseline's tracer or F-18-FDG",
            study.file,
            study.followup.tracer.as_deref().unwrap_or(""),
            study.baseline_pet.tracer,
            fdg.regions.len()
        );
    }
    let a = study.followup.activity_mbq.unwrap_or(plan.injected_mbq);
    let body_g = body_mass_g(ph);
    let suv: Vec<f64> = plan
        .phantom
        .regions
        .iter()
        .map(|r| fdg.suv(&r.name, &study.followup.baseline_suv))
        .collect();
    let map = suv_map(&plan.phantom, &suv, a * 1e6, body_g)?;
    let im = simulate_scan(
        study,
        &plan.phantom,
        &map,
        &nuc,
        a,
        body_g,
        study.baseline_pet.seed.wrapping_add(2),
        full,
    )?;
    Ok(Scan {
        phantom: plan.phantom.clone(),
        k0: plan.k0,
        nuclide: nuc,
        tracer,
        injected_mbq: a,
        uptake_s: plan.uptake_s,
        map_bq_ml: map,
        suv_per_bq_ml: im.suv_per_bq_ml,
        noise_free_suv: im.noise_free_suv,
        noisy_suv: im.noisy_suv,
        expected_trues: im.expected_trues,
    })
}

/// The follow-up scan: the baseline map per MBq times the relative uptake (`base` is the
/// baseline of the comparison: the planning scan, or the [`reference()`] scan of the follow-up
/// tracer).
///
/// # Errors
/// As [`baseline`].
pub fn followup(
    study: &TherapyStudy,
    dos: &DosimetryResult,
    bio: &Bio,
    base: &Scan,
    full: bool,
) -> Result<Scan> {
    let ph = &dos.phantom;
    let [_, (nuc, tracer)] = study.tracers()?;
    let a = study.followup.activity_mbq.unwrap_or(base.injected_mbq);
    let off = base.k0 * ph.grid.dims[0] * ph.grid.dims[1];
    let map: Vec<f64> = base
        .map_bq_ml
        .iter()
        .enumerate()
        .map(|(v, c)| c / base.injected_mbq * a * bio.relative_uptake[off + v])
        .collect();
    let im = simulate_scan(
        study,
        &base.phantom,
        &map,
        &nuc,
        a,
        body_mass_g(ph),
        study.baseline_pet.seed.wrapping_add(1),
        full,
    )?;
    Ok(Scan {
        phantom: base.phantom.clone(),
        k0: base.k0,
        nuclide: nuc,
        tracer,
        injected_mbq: a,
        uptake_s: base.uptake_s,
        map_bq_ml: map,
        suv_per_bq_ml: im.suv_per_bq_ml,
        noise_free_suv: im.noise_free_suv,
        noisy_suv: im.noisy_suv,
        expected_trues: im.expected_trues,
    })
}

/// Response of one lesion between the scans.
#[derive(Clone, Debug, Serialize)]
pub struct LesionResponse {
    pub name: String,
    /// metrics of the noisy images (the noise-free ones when no noisy scan was made)
    pub baseline: LesionMetrics,
    pub followup: LesionMetrics,
    pub baseline_noise_free: LesionMetrics,
    pub followup_noise_free: LesionMetrics,
    /// relative change of SUVpeak (%), noisy and noise-free
    pub suv_peak_change_pct: f64,
    pub suv_peak_change_pct_noise_free: f64,
    pub percist: String,
    pub percist_noise_free: String,
    pub eortc: String,
}

/// Responses of all lesions and the patient-level PERCIST category (hottest baseline lesion).
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    pub lesions: Vec<LesionResponse>,
    /// mean follow-up SUV of the CMR reference region (noisy), if one is given
    pub background_suv: Option<f64>,
    pub patient_percist: Option<String>,
}

/// SUV metrics and PERCIST / EORTC categories of every lesion.
///
/// # Errors
/// A lesion outside the scanned planes, a zero baseline SUVpeak.
pub fn compare(study: &TherapyStudy, bio: &Bio, base: &Scan, fu: &Scan) -> Result<Response> {
    let ph = &base.phantom;
    let background = match &study.followup.cmr_reference_region {
        Some(r) => {
            let voi = voi_from_label(&ph.label, ph.region_id(r)?);
            (!voi.is_empty()).then(|| suv_mean(fu.suv(), &voi))
        }
        None => None,
    };
    let cycles = study.dosimetry.therapy.cycles;
    let mut lesions = Vec::new();
    for r in bio.regions.iter().filter(|r| r.role == Role::Lesion) {
        let voi = voi_from_label(&ph.label, r.label);
        let m = |img: &[f64]| {
            lesion_metrics(img, &ph.grid, &voi).with_context(|| {
                format!(
                    "{}: lesion '{}' lies outside the scanned planes (baseline_pet.z_range_mm)",
                    study.file, r.name
                )
            })
        };
        let (b, f) = (m(base.suv())?, m(fu.suv())?);
        let (bn, fne) = (m(&base.noise_free_suv)?, m(&fu.noise_free_suv)?);
        let change = |a: f64, c: f64| 100.0 * (c / a - 1.0);
        lesions.push(LesionResponse {
            name: r.name.clone(),
            suv_peak_change_pct: change(b.suv_peak, f.suv_peak),
            suv_peak_change_pct_noise_free: change(bn.suv_peak, fne.suv_peak),
            percist: percist(b.suv_peak, f.suv_peak, background)
                .with_context(|| format!("lesion '{}'", r.name))?
                .to_string(),
            percist_noise_free: percist(bn.suv_peak, fne.suv_peak, background)?.to_string(),
            eortc: eortc(b.suv_max, f.suv_max, cycles, background)?.to_string(),
            baseline: b,
            followup: f,
            baseline_noise_free: bn,
            followup_noise_free: fne,
        });
    }
    // PERCIST compares the hottest lesion of each scan, which need not be the same lesion
    let hottest = |f: fn(&LesionResponse) -> f64| lesions.iter().map(f).reduce(f64::max);
    let patient_percist = match (
        hottest(|l| l.baseline.suv_peak),
        hottest(|l| l.followup.suv_peak),
    ) {
        (Some(b), Some(f)) => Some(percist(b, f, background)?.to_string()),
        _ => None,
    };
    Ok(Response {
        lesions,
        background_suv: background,
        patient_percist,
    })
}
