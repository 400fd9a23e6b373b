//! The typed metrics of one therapy run ([`TherapyMetrics`]); its JSON (through
//! `serde_json::Value`, keys sorted) is `metrics.json`, byte for byte.

use super::outputs::RunContext;
use super::radiobiology::{RegionBio, Role};
use super::scan::{LesionResponse, Scan};
use crate::pet::metrics::LesionMetrics;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Seeds of the random parts of the chain.
#[derive(Clone, Debug, Serialize)]
pub struct Seeds {
    /// Monte Carlo dose (`dose.seed`)
    pub dose: u64,
    /// synthetic images of the dosimetry (`imaging.seed`)
    pub imaging: u64,
    /// PET noise (`baseline_pet.seed`)
    pub pet: u64,
}

/// The administered therapy.
#[derive(Clone, Debug, Serialize)]
pub struct TherapyInfo {
    /// radionuclide
    pub nuclide: String,
    /// activity per cycle (MBq)
    pub activity_per_cycle_mbq: f64,
    /// number of cycles
    pub cycles: u32,
}

/// The radiobiology of one region (doses over all cycles unless named per cycle).
#[derive(Clone, Debug, Serialize)]
pub struct RegionMetrics {
    /// mean dose (Gy)
    pub mean_dose_gy: f64,
    /// mean BED (Gy)
    pub bed_gy: f64,
    /// EQD2 of the mean BED (Gy)
    pub eqd2_gy: f64,
    /// generalised EUD of the voxel EQD2 (Gy)
    pub geud_gy: f64,
    /// the gEUD's volume parameter a
    pub geud_a: f64,
    /// mean dose per cycle (Gy)
    pub mean_dose_per_cycle_gy: f64,
    /// alpha part of the mean dose (Gy)
    pub alpha_dose_gy: f64,
    /// relative uncertainty (1 sigma) of the mean dose (null without a fit)
    pub rel_uncertainty: f64,
    /// Lea-Catcheside factor of the dose-rate shape
    pub g_factor: f64,
    /// effective half-life of the fitted washout (h)
    pub effective_half_life_h: f64,
    /// uptake half-time (h, 0 if instant)
    pub uptake_half_time_h: f64,
    /// region mass (g)
    pub mass_g: f64,
    /// tissue of the region (null without one)
    pub tissue: Option<String>,
    /// lesion, organ at risk or other
    pub role: Role,
    /// TCP (lesions)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<f64>,
    /// NTCP (tissues with LKB parameters)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntcp: Option<f64>,
    /// mean viable fraction of the clonogens at the follow-up scan (lesions)
    #[serde(
        rename = "viable_fraction_at_followup",
        skip_serializing_if = "Option::is_none"
    )]
    pub viable_fraction: Option<f64>,
    /// `<quantity>_ci95` ([low, high]) and `<quantity>_median` of the uncertainty budget
    #[serde(flatten)]
    pub intervals: BTreeMap<String, Value>,
}

/// The budget's keys of a region, those of the quantities of `keep`.
fn intervals(c: &RunContext, name: &str, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Value> {
    let mut m = super::uncertainty::outputs::region(c.budget, name)
        .map(super::uncertainty::outputs::interval_keys)
        .unwrap_or_default();
    m.retain(|k, _| keep(k));
    m
}

fn is_suv(k: &str) -> bool {
    k.starts_with("suv_")
}

impl RegionMetrics {
    fn of(r: &RegionBio, c: &RunContext) -> RegionMetrics {
        RegionMetrics {
            mean_dose_gy: r.mean_dose_gy,
            bed_gy: r.bed_gy,
            eqd2_gy: r.eqd2_gy,
            geud_gy: r.geud_gy,
            geud_a: r.geud_a,
            mean_dose_per_cycle_gy: r.mean_dose_per_cycle_gy,
            alpha_dose_gy: r.alpha_dose_gy,
            rel_uncertainty: r.rel_uncertainty,
            g_factor: r.g_factor,
            effective_half_life_h: r.effective_half_life_h,
            uptake_half_time_h: r.uptake_half_time_h,
            mass_g: r.mass_g,
            tissue: r.tissue.clone(),
            role: r.role,
            tcp: r.tcp,
            ntcp: r.ntcp,
            viable_fraction: r.viable_fraction,
            intervals: intervals(c, &r.name, |k| !is_suv(k)),
        }
    }
}

/// The PET response of a lesion (SUV metrics of the noisy scans, or the noise-free ones when
/// no noisy scan was made).
#[derive(Clone, Debug, Serialize)]
pub struct ResponseMetrics {
    /// SUVpeak at baseline
    pub suv_peak_baseline: f64,
    /// SUVpeak at follow-up
    pub suv_peak_followup: f64,
    /// PERCIST category
    pub percist: String,
    /// EORTC category
    pub eortc: String,
    /// PERCIST category of the noise-free scans
    pub percist_noise_free: String,
    /// noise-free SUVpeak at baseline
    pub suv_peak_baseline_noise_free: f64,
    /// noise-free SUVpeak at follow-up
    pub suv_peak_followup_noise_free: f64,
    /// relative change of SUVpeak (%)
    pub suv_peak_change_pct: f64,
    /// relative change of the noise-free SUVpeak (%)
    pub suv_peak_change_pct_noise_free: f64,
    /// `<quantity>_ci95` and `<quantity>_median` of the predicted SUVpeak changes
    #[serde(flatten)]
    pub intervals: BTreeMap<String, Value>,
    /// all SUV metrics at baseline
    pub baseline: LesionMetrics,
    /// all SUV metrics at follow-up
    pub followup: LesionMetrics,
    /// noise-free SUV metrics at baseline
    pub baseline_noise_free: LesionMetrics,
    /// noise-free SUV metrics at follow-up
    pub followup_noise_free: LesionMetrics,
}

impl ResponseMetrics {
    fn of(l: &LesionResponse, c: &RunContext) -> ResponseMetrics {
        ResponseMetrics {
            suv_peak_baseline: l.baseline.suv_peak,
            suv_peak_followup: l.followup.suv_peak,
            percist: l.percist.clone(),
            eortc: l.eortc.clone(),
            percist_noise_free: l.percist_noise_free.clone(),
            suv_peak_baseline_noise_free: l.baseline_noise_free.suv_peak,
            suv_peak_followup_noise_free: l.followup_noise_free.suv_peak,
            suv_peak_change_pct: l.suv_peak_change_pct,
            suv_peak_change_pct_noise_free: l.suv_peak_change_pct_noise_free,
            intervals: intervals(c, &l.name, is_suv),
            baseline: l.baseline.clone(),
            followup: l.followup.clone(),
            baseline_noise_free: l.baseline_noise_free.clone(),
            followup_noise_free: l.followup_noise_free.clone(),
        }
    }
}

/// A lesion: its radiobiology and, when it was scanned, its PET response.
#[derive(Clone, Debug, Serialize)]
pub struct LesionEntry {
    /// radiobiology
    #[serde(flatten)]
    pub region: RegionMetrics,
    /// PET response
    #[serde(flatten)]
    pub response: Option<ResponseMetrics>,
}

/// Patient-level response.
#[derive(Clone, Debug, Serialize)]
pub struct PatientMetrics {
    /// PERCIST category of the hottest baseline lesion
    pub percist: Option<String>,
    /// mean follow-up SUV of the CMR reference region
    pub cmr_background_suv: Option<f64>,
}

/// One simulated scan.
#[derive(Clone, Debug, Serialize)]
pub struct ScanInfo {
    /// radionuclide of the tracer
    pub nuclide: String,
    /// tracer
    pub tracer: String,
    /// injected activity (MBq)
    pub injected_mbq: f64,
    /// uptake time before the scan (s)
    pub uptake_s: f64,
    /// whether a noisy image was made
    pub noisy: bool,
    /// first and one-past-last plane of the scan in the full phantom
    pub planes: [usize; 2],
    /// expected true coincidences
    pub expected_trues: f64,
    /// SUV per Bq/mL at scan start
    pub suv_per_bq_ml: f64,
}

impl ScanInfo {
    fn of(x: &Scan) -> ScanInfo {
        ScanInfo {
            nuclide: x.nuclide.clone(),
            tracer: x.tracer.clone(),
            injected_mbq: x.injected_mbq,
            uptake_s: x.uptake_s,
            noisy: x.noisy_suv.is_some(),
            planes: [x.k0, x.k0 + x.phantom.grid.dims[2]],
            expected_trues: x.expected_trues,
            suv_per_bq_ml: x.suv_per_bq_ml,
        }
    }
}

/// The scans of a run.
#[derive(Clone, Debug, Serialize)]
pub struct PetInfo {
    /// baseline of the comparison
    pub baseline: ScanInfo,
    /// follow-up
    pub followup: ScanInfo,
    /// the planning scan, when the comparison's baseline is another tracer's
    pub planning: Option<ScanInfo>,
}

/// `metrics.json` of a therapy run.
#[derive(Clone, Debug, Serialize)]
pub struct TherapyMetrics {
    /// study name
    pub study: String,
    /// study description
    pub description: String,
    /// the study file
    pub file: String,
    /// theradose version
    pub version: &'static str,
    /// seeds
    pub seed: Seeds,
    /// Monte Carlo decays of the dose
    pub histories: u64,
    /// the therapy
    pub therapy: TherapyInfo,
    /// factor applied to the dosimetry's per-cycle doses
    pub dose_scale_from_dosimetry: f64,
    /// time of the follow-up scan after the first cycle (h)
    pub followup_time_h: f64,
    /// the same in weeks
    pub followup_time_weeks: f64,
    /// start of each cycle (h)
    pub cycle_starts_h: Vec<f64>,
    /// lesions by name
    pub lesions: BTreeMap<String, LesionEntry>,
    /// organs at risk by name
    pub organs_at_risk: BTreeMap<String, RegionMetrics>,
    /// every region with a tissue or a fit, by name
    pub regions: BTreeMap<String, RegionMetrics>,
    /// patient-level response
    pub patient: PatientMetrics,
    /// the scans
    pub pet: PetInfo,
    /// the variant of the study file, if any
    pub variant: Option<String>,
    /// lesion size scale
    pub lesion_scale: f64,
    /// the study file's table as JSON
    pub inputs: Value,
    /// the sweep's summary (the nominal run of a file with `[sweep]`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Value>,
    /// the uncertainty budget (absent with `[uncertainty] samples = 0` and on sweep points)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<super::uncertainty::Budget>,
    /// wall time of the whole study (s), in the final `metrics.json`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

impl TherapyMetrics {
    /// The metrics as JSON (the content of `metrics.json`).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("therapy metrics serialise")
    }
}

/// The metrics of one run (the contract keys per lesion and organ at risk, and more).
pub fn metrics(c: &RunContext) -> TherapyMetrics {
    let s = c.study;
    let mut lesions = BTreeMap::new();
    let mut oars = BTreeMap::new();
    let mut regions = BTreeMap::new();
    for r in &c.bio.regions {
        let m = RegionMetrics::of(r, c);
        regions.insert(r.name.clone(), m.clone());
        match r.role {
            Role::Lesion => {
                let response = c.response.lesions.iter().find(|l| l.name == r.name);
                let entry = LesionEntry {
                    region: m,
                    response: response.map(|l| ResponseMetrics::of(l, c)),
                };
                lesions.insert(r.name.clone(), entry);
            }
            Role::OrganAtRisk => {
                oars.insert(r.name.clone(), m);
            }
            Role::Other => {}
        }
    }
    let d = &s.dosimetry;
    TherapyMetrics {
        study: s.name.clone(),
        description: s.description.clone(),
        file: s.file.clone(),
        version: crate::VERSION,
        seed: Seeds {
            dose: d.dose.seed,
            imaging: d.imaging.seed,
            pet: s.baseline_pet.seed,
        },
        histories: d.dose.histories,
        therapy: TherapyInfo {
            nuclide: d.therapy.nuclide.clone(),
            activity_per_cycle_mbq: d.therapy.activity_per_cycle_mbq,
            cycles: d.therapy.cycles,
        },
        dose_scale_from_dosimetry: c.dose_scale,
        followup_time_h: c.bio.followup_h,
        followup_time_weeks: c.bio.followup_h / 168.0,
        cycle_starts_h: c.bio.cycle_starts_h.clone(),
        lesions,
        organs_at_risk: oars,
        regions,
        patient: PatientMetrics {
            percist: c.response.patient_percist.clone(),
            cmr_background_suv: c.response.background_suv,
        },
        pet: PetInfo {
            baseline: ScanInfo::of(c.baseline),
            followup: ScanInfo::of(c.followup),
            planning: c.planning.map(ScanInfo::of),
        },
        variant: s.variant.clone(),
        lesion_scale: s.lesions.scale,
        inputs: serde_json::to_value(&s.inputs).unwrap_or(Value::Null),
        sweep: None,
        uncertainty: c.budget.cloned(),
        seconds: None,
    }
}
