//! Calibration of the tumour response model against published lesion-level outcomes (issue 19).
//!
//! The model ([`crate::biology::response`]) turns a lesion's mean dose into its viable and
//! damaged cells at the follow-up and the FDG uptake a PET would see; a study's endpoint
//! ([`endpoint::Endpoint`]) is met above a threshold radiosensitivity α*(D). Lesions differ in α
//! (normal, mean ᾱ and spread σ_α, as in the TCP of Webb & Nahum 1993), so the response
//! probability of a dose bin is the population's mass above α*, averaged over the bin's doses.
//! The `fit` rows of the outcome table ([`data`]) fix (ᾱ, σ_α) by maximum likelihood
//! ([`fit`]); the `holdout` rows are predicted with 95 % intervals (parameter uncertainty and
//! binomial sampling) and scored: the fraction inside the intervals and the calibration slope.
//! The other response parameters (α/β, repair, clearance, doubling time) are the tissue's.

pub mod data;
pub mod endpoint;
pub mod fit;

use crate::biology::response::ResponseParams;
use crate::biology::tissues::TissueDb;
use crate::error::SpecField;
use anyhow::{bail, Context, Result};
use data::{Observation, Split};
use endpoint::{Arm, Endpoint};
use fit::{Counts, Estimate, Quadrature};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Mixed into the seed of the predictive draws.
const SALT: u64 = 0xCA11_B4A7_E0F1_9000;

fn default_tissue() -> String {
    "tumour".into()
}
fn default_tracer() -> String {
    "fdg".into()
}
fn default_samples() -> usize {
    4000
}
fn default_seed() -> u64 {
    1
}

/// What to calibrate (the flags of `theradose calibrate-response`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// outcome table; default the bundled `data/biology/outcomes/lesion_response.csv`
    #[serde(default)]
    pub data: Option<PathBuf>,
    /// tissue of `data/biology/tissues.toml` giving α/β, repair, clearance and doubling time
    #[serde(default = "default_tissue")]
    pub tissue: String,
    /// tracer of the FDG endpoints
    #[serde(default = "default_tracer")]
    pub tracer: String,
    /// draws of the predictive intervals
    #[serde(default = "default_samples")]
    pub samples: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

impl Default for CalibrationSpec {
    fn default() -> Self {
        Self {
            data: None,
            tissue: default_tissue(),
            tracer: default_tracer(),
            samples: default_samples(),
            seed: default_seed(),
        }
    }
}

/// One observation with its prediction.
#[derive(Clone, Debug, Serialize)]
pub struct RowResult {
    #[serde(flatten)]
    pub obs: Observation,
    pub observed: f64,
    /// response probability at the fitted (ᾱ, σ_α)
    pub predicted: f64,
    /// 95 % predictive interval of the observed fraction (parameters and binomial sampling)
    pub low95: f64,
    pub high95: f64,
    pub inside: bool,
}

/// A predicted dose-response curve of one study arm, for figures.
#[derive(Clone, Debug, Serialize)]
pub struct Curve {
    pub study: String,
    pub endpoint: Endpoint,
    pub dose_gy: Vec<f64>,
    pub probability: Vec<f64>,
    /// 95 % band of the probability from the parameter uncertainty
    pub low95: Vec<f64>,
    pub high95: Vec<f64>,
    /// dose (Gy) at which a lesion responds with probability 0.5, with its 95 % interval
    /// (where the band crosses 0.5); None outside the dose grid
    pub d50_gy: Option<f64>,
    pub d50_low95_gy: Option<f64>,
    pub d50_high95_gy: Option<f64>,
}

/// The dose where `p` (rising along `dose`) first reaches 0.5, interpolated in ln dose.
fn crossing(dose: &[f64], p: &[f64]) -> Option<f64> {
    let i = p.iter().position(|v| *v >= 0.5)?;
    if i == 0 {
        return None;
    }
    let f = (0.5 - p[i - 1]) / (p[i] - p[i - 1]);
    Some((dose[i - 1].ln() + f * (dose[i].ln() - dose[i - 1].ln())).exp())
}

/// Score of a set of rows: fraction inside the 95 % intervals and the calibration slope.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
    pub rows: usize,
    pub inside_fraction: f64,
    pub slope: Option<f64>,
    pub slope_se: Option<f64>,
}

/// The calibration: fitted parameters, per-row predictions and scores.
#[derive(Clone, Debug, Serialize)]
pub struct CalibrationResult {
    pub spec: CalibrationSpec,
    pub data_file: String,
    pub alpha_mean_per_gy: f64,
    pub sigma_alpha_per_gy: f64,
    /// standard errors and correlation of (ᾱ, σ_α)
    pub alpha_mean_se: f64,
    pub sigma_alpha_se: f64,
    pub correlation: f64,
    pub log_likelihood: f64,
    pub fit_rows: usize,
    pub fit_lesions: u32,
    pub rows: Vec<RowResult>,
    pub fit_score: Score,
    pub holdout_score: Score,
    pub curves: Vec<Curve>,
}

fn response_params(
    spec: &CalibrationSpec,
) -> Result<(ResponseParams, crate::biology::tissues::Tracer)> {
    let db = TissueDb::load()?;
    let t = db.tissue(&spec.tissue).spec_field("tissue")?;
    let params = ResponseParams::from_tissue(t).spec_field("tissue")?;
    let tracer = db.tracer(&spec.tracer).spec_field("tracer")?.clone();
    Ok((params, tracer))
}

fn arm(p: ResponseParams, fdg: &crate::biology::tissues::Tracer, o: &Observation) -> Result<Arm> {
    Arm::new(p, o.effective_half_life_h, o.followup_d, o.endpoint, fdg)
        .with_context(|| format!("observation {}", o.id))
}

/// Runs the calibration.
///
/// # Errors
/// A bad spec (the field is named), an unreadable or invalid outcome table, no `fit` rows, or
/// data that do not fix both parameters.
pub fn calibrate(spec: &CalibrationSpec) -> Result<CalibrationResult> {
    if spec.samples < 100 {
        crate::spec_bail!("samples", "{}: expected at least 100 draws", spec.samples);
    }
    let path = match &spec.data {
        Some(p) => p.clone(),
        None => crate::tables::data_dir().join(data::OUTCOME_FILE),
    };
    let obs = data::load(&path)?;
    let (params, fdg) = response_params(spec)?;
    let quads: Vec<Quadrature> = obs
        .par_iter()
        .map(|o| -> Result<Quadrature> {
            let mut a = arm(params, &fdg, o)?;
            let (dose_gy, weight) =
                fit::lognormal_nodes(o.dose_median_gy, o.dose_gsd, o.dose_low_gy, o.dose_high_gy);
            let alpha_star = dose_gy.iter().map(|d| a.alpha_star(*d)).collect();
            Ok(Quadrature {
                weight,
                dose_gy,
                alpha_star,
            })
        })
        .collect::<Result<_>>()?;
    let counts = |split: Split| -> Vec<Counts> {
        obs.iter()
            .zip(&quads)
            .filter(|(o, _)| o.split == split)
            .map(|(o, q)| Counts {
                quad: q,
                n: o.n_lesions,
                k: o.n_responders,
            })
            .collect()
    };
    let fit_rows = counts(Split::Fit);
    if fit_rows.is_empty() {
        bail!("{}: no row has split = fit", path.display());
    }
    let est = fit::fit(&fit_rows).with_context(|| {
        format!(
            "{}: the fit rows do not fix both the mean and the spread of α",
            path.display()
        )
    })?;
    let draws = fit::parameter_draws(&est, spec.samples, spec.seed ^ SALT);
    let rows: Vec<RowResult> = obs
        .iter()
        .zip(&quads)
        .enumerate()
        .map(|(i, (o, q))| predict(o, q, &est, &draws, spec.seed ^ SALT, i))
        .collect();
    let curves = curves(&obs, params, &fdg, &est, &draws)?;
    let score = |s: Split| score(rows.iter().filter(|r| r.obs.split == s));
    Ok(CalibrationResult {
        spec: spec.clone(),
        data_file: path.display().to_string(),
        alpha_mean_per_gy: est.mean,
        sigma_alpha_per_gy: est.sigma,
        alpha_mean_se: est.cov[0][0].sqrt(),
        sigma_alpha_se: est.cov[1][1].sqrt(),
        correlation: est.cov[0][1] / (est.cov[0][0] * est.cov[1][1]).sqrt(),
        log_likelihood: est.log_likelihood,
        fit_rows: fit_rows.len(),
        fit_lesions: fit_rows.iter().map(|r| r.n).sum(),
        fit_score: score(Split::Fit),
        holdout_score: score(Split::Holdout),
        rows,
        curves,
    })
}

/// The 95 % predictive interval of a row's observed fraction: per parameter draw, a binomial
/// count of the row's lesions (stream `row` of draw j: reproducible for any thread count).
fn predict(
    o: &Observation,
    q: &Quadrature,
    est: &Estimate,
    draws: &[(f64, f64)],
    seed: u64,
    row: usize,
) -> RowResult {
    let n = o.n_lesions;
    let mut fractions: Vec<f64> = draws
        .iter()
        .enumerate()
        .map(|(j, (m, s))| {
            let mut rng = crate::rng::HistoryRng::new(seed.wrapping_add(1 + row as u64), j as u64);
            f64::from(fit::binomial(&mut rng, n, q.probability(*m, *s))) / f64::from(n)
        })
        .collect();
    fractions.sort_by(f64::total_cmp);
    let (low95, high95) = (
        fit::quantile(&fractions, 0.025),
        fit::quantile(&fractions, 0.975),
    );
    let observed = o.observed();
    RowResult {
        obs: o.clone(),
        observed,
        predicted: q.probability(est.mean, est.sigma),
        low95,
        high95,
        inside: observed >= low95 - 1e-12 && observed <= high95 + 1e-12,
    }
}

fn score<'a>(rows: impl Iterator<Item = &'a RowResult>) -> Score {
    let rows: Vec<&RowResult> = rows.collect();
    let inside = rows.iter().filter(|r| r.inside).count();
    let pts: Vec<(f64, f64, u32)> = rows
        .iter()
        .map(|r| (r.predicted, r.observed, r.obs.n_lesions))
        .collect();
    let slope = fit::calibration_slope(&pts);
    Score {
        rows: rows.len(),
        inside_fraction: if rows.is_empty() {
            f64::NAN
        } else {
            inside as f64 / rows.len() as f64
        },
        slope: slope.map(|s| s.0),
        slope_se: slope.map(|s| s.1),
    }
}

/// Dose grid of the figure curves: 5 to 500 Gy, log-spaced.
const CURVE_POINTS: usize = 61;

fn curves(
    obs: &[Observation],
    params: ResponseParams,
    fdg: &crate::biology::tissues::Tracer,
    est: &Estimate,
    draws: &[(f64, f64)],
) -> Result<Vec<Curve>> {
    let mut seen: Vec<(String, Endpoint)> = Vec::new();
    let mut out = Vec::new();
    for o in obs {
        if seen.contains(&(o.study.clone(), o.endpoint)) {
            continue;
        }
        seen.push((o.study.clone(), o.endpoint));
        let mut a = arm(params, fdg, o)?;
        let dose_gy: Vec<f64> = (0..CURVE_POINTS)
            .map(|i| 5.0 * 100f64.powf(i as f64 / (CURVE_POINTS - 1) as f64))
            .collect();
        let stars: Vec<f64> = dose_gy.iter().map(|d| a.alpha_star(*d)).collect();
        let band = |a: f64| -> (f64, f64) {
            let mut p: Vec<f64> = draws
                .iter()
                .map(|(m, s)| fit::lesion_probability(a, *m, *s))
                .collect();
            p.sort_by(f64::total_cmp);
            (fit::quantile(&p, 0.025), fit::quantile(&p, 0.975))
        };
        let (low95, high95): (Vec<f64>, Vec<f64>) = stars.iter().map(|a| band(*a)).unzip();
        let probability: Vec<f64> = stars
            .iter()
            .map(|a| fit::lesion_probability(*a, est.mean, est.sigma))
            .collect();
        out.push(Curve {
            study: o.study.clone(),
            endpoint: o.endpoint,
            d50_gy: crossing(&dose_gy, &probability),
            d50_low95_gy: crossing(&dose_gy, &high95),
            d50_high95_gy: crossing(&dose_gy, &low95),
            probability,
            dose_gy,
            low95,
            high95,
        });
    }
    Ok(out)
}
