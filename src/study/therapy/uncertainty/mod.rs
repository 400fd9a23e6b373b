//! The whole-chain uncertainty budget of a therapy study (issue 19): `[uncertainty] samples =
//! 1000` (the default; 0 turns it off) draws the calibration factor, recovery coefficients,
//! segmented volumes, time-activity fits (their parameter covariance), Monte Carlo statistics,
//! decay data and the radiobiological parameters (α/β, α, repair half-time, RBE, clonogen
//! density, LKB TD50, m, n, and the response model's clearance and doubling times) from the
//! distributions of `[uncertainty]` (defaults with sources in `data/biology/uncertainty.toml`,
//! [`spec`]) and carries every sample through the chain of each region ([`model`]). The
//! transport is never rerun: the dose is linear in the activity, so a sample scales each
//! region's dose bins.
//!
//! Every region's dose, BED, EQD2, gEUD, TCP, NTCP, viable fraction and every lesion's
//! predicted SUVpeak change get a median and a 95% interval and the dominant input ([`sample`]),
//! with the MIRD-style analytic propagation of the region doses as a check ([`analytic`]);
//! [`outputs`] writes `uncertainty.csv`, the tornado figures and the metrics keys.
//!
//! Assumptions (stated in the report): a region's dose scales with its own activity (self-dose;
//! cross-fire from other regions moves with them only through the shared calibration); the
//! recovery and volume factors act on the mean dose as 1/RC-type and 1/V factors; the
//! follow-up SUVpeak scales with the lesion's mean relative uptake (the PET noise of the
//! simulated scan is not resampled); every sweep point runs its own budget (the sweep figures
//! draw its intervals as bands).

pub mod analytic;
pub mod model;
pub mod outputs;
pub mod sample;
pub mod spec;

pub use spec::UncertaintySpec;

use super::radiobiology::{shape_of, Bio, Role};
use super::scan::Response;
use super::spec::TherapyStudy;
use crate::biology::response::ResponseParams;
use crate::source::nuclide::Nuclide;
use crate::study::dosimetry::DosimetryResult;
use anyhow::{Context, Result};
use model::{Bins, Kinetics, RegionCase, ResponseCase, MAX_BINS};
use serde::Serialize;
use spec::{Dist, Input};
use std::collections::BTreeMap;
use std::time::Instant;

/// The budget of a study run.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    pub samples: usize,
    pub seed: u64,
    /// dose bins per region (at most)
    pub bins: usize,
    /// the distribution of every input, by key
    pub inputs: BTreeMap<String, Dist>,
    pub regions: Vec<sample::RegionBudget>,
    /// the analytic check of the mean doses
    pub analytic: Vec<analytic::AnalyticDose>,
    /// wall time of the budget (s)
    pub seconds: f64,
}

/// The lower Cholesky factor of a covariance matrix; a non-positive pivot (a parameter held
/// fixed, or rounding) gives a zero column.
pub fn cholesky(c: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = c.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let d = c[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            continue;
        }
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            let s = c[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = s / l[j][j];
        }
    }
    l
}

/// The kinetics of a region: its fit's parameters and covariance, or its fixed shape.
fn kinetics(dos: &DosimetryResult, name: &str, t_phys_h: f64) -> (Kinetics, RegionFallback) {
    let idx = dos.regions.iter().position(|r| r.name == name);
    let result = idx.map(|i| &dos.regions[i]);
    let fallback = shape_of(result, t_phys_h);
    let fit = idx.and_then(|i| dos.fits.get(i));
    (kinetics_of_fit(fit, &fallback), fallback)
}

/// The kinetics the budget draws for a region with the TAC fit `fit`: the fit's parameters and
/// the Cholesky factor of their covariance, or (no fit, or one without parameters or TIA
/// uncertainty) the fixed `fallback` shape with the fit's TIA uncertainty, if any.
pub fn kinetics_of_fit(
    fit: Option<&crate::dosimetry::kinetics::TacFit>,
    fallback: &RegionFallback,
) -> Kinetics {
    match fit {
        Some(f) if f.model.n_params() > 0 && f.tia_sd.is_some() => Kinetics::Fit {
            model: f.model,
            params: f.params.clone(),
            chol: cholesky(&f.cov),
        },
        _ => Kinetics::Shape {
            shape: fallback.clone(),
            tia_rel: fit.and_then(|f| f.tia_rel_uncertainty()).unwrap_or(0.0),
        },
    }
}

type RegionFallback = crate::biology::DoseRateShape;

/// The budget's regions: every region of the radiobiology with its dose bins.
///
/// # Errors
/// An unknown region, tissue or tracer, unreadable decay data.
pub fn cases(
    study: &TherapyStudy,
    dos: &DosimetryResult,
    scale: f64,
    bio: &Bio,
    response: &Response,
) -> Result<Vec<RegionCase>> {
    let ph = &dos.phantom;
    let therapy = &study.dosimetry.therapy;
    let t_phys_h = Nuclide::load_from(&therapy.nuclide, therapy.decay_data)?.half_life_s / 3600.0;
    let [_, (_, tracer_name)] = study.tracers()?;
    let tracer = bio.tissues.tracer(&tracer_name)?.clone();
    let mut out = Vec::new();
    for r in &bio.regions {
        let vox = ph.region_voxels(ph.region_id(&r.name)?);
        let lo: Vec<f64> = vox
            .iter()
            .map(|&v| ((dos.dose_gy[v as usize] - dos.alpha_gy[v as usize]) * scale).max(0.0))
            .collect();
        let al: Vec<f64> = vox
            .iter()
            .map(|&v| (dos.alpha_gy[v as usize] * scale).max(0.0))
            .collect();
        let tissue = match &r.tissue {
            Some(t) => Some((t.clone(), bio.tissues.tissue(t)?.clone())),
            None => None,
        };
        let (kinetics, fallback_shape) = kinetics(dos, &r.name, t_phys_h);
        let lesion = response.lesions.iter().find(|l| l.name == r.name);
        let responds = tissue
            .as_ref()
            .is_some_and(|(_, t)| ResponseParams::from_tissue(t).is_ok());
        let resp = match (r.role, lesion) {
            (Role::Lesion, Some(l)) if responds => Some(ResponseCase {
                tracer: tracer.clone(),
                suv_change_pct: vec![
                    (
                        "suv_peak_change_pct_noise_free".into(),
                        l.suv_peak_change_pct_noise_free,
                    ),
                    ("suv_peak_change_pct".into(), l.suv_peak_change_pct),
                ],
                cycle_starts_h: bio.cycle_starts_h.clone(),
                followup_h: bio.followup_h,
                percist: Some(model::PercistCase {
                    baseline_suv_peak: l.baseline.suv_peak,
                    followup_suv_peak: l.followup.suv_peak,
                    background_suv: response.background_suv,
                }),
            }),
            _ => None,
        };
        out.push(RegionCase {
            name: r.name.clone(),
            role: r.role,
            tissue,
            bins: Bins::of(&lo, &al, MAX_BINS),
            voxel_cm3: ph.voxel_volume_cm3(),
            cycles: therapy.cycles,
            geud_a: r.geud_a,
            mean_dose_gy: r.mean_dose_gy,
            kinetics,
            fallback_shape,
            mc_rel: if r.rel_uncertainty.is_finite() {
                r.rel_uncertainty
            } else {
                0.0
            },
            response: resp,
            dose_only: false,
        });
    }
    Ok(out)
}

/// Runs the budget of a study run; None when `[uncertainty] samples = 0`.
///
/// # Errors
/// A bad `[uncertainty]` section, as [`cases`].
pub fn run(
    study: &TherapyStudy,
    dos: &DosimetryResult,
    scale: f64,
    bio: &Bio,
    response: &Response,
) -> Result<Option<Budget>> {
    let u = &study.uncertainty;
    if u.samples == 0 {
        return Ok(None);
    }
    let start = Instant::now();
    let inputs = u.resolve(&study.file)?;
    let problem = sample::Problem {
        regions: cases(study, dos, scale, bio, response).context("uncertainty budget")?,
        inputs,
        samples: u.samples,
        seed: u.seed.unwrap_or(study.dosimetry.dose.seed),
    };
    Ok(Some(solve(&problem, start)))
}

/// The budget of a problem (`start`: when the budget began, for its wall time).
pub fn solve(problem: &sample::Problem, start: Instant) -> Budget {
    let regions = sample::propagate(problem);
    let analytic = analytic::check(problem, &regions);
    Budget {
        samples: problem.samples,
        seed: problem.seed,
        bins: MAX_BINS,
        inputs: Input::ALL
            .iter()
            .map(|i| (i.key().to_string(), problem.inputs[i.index()]))
            .collect(),
        regions,
        analytic,
        seconds: start.elapsed().as_secs_f64(),
    }
}
