//! The outcome table: grouped lesion-level dose-response observations
//! (`data/biology/outcomes/lesion_response.csv`; its header gives every number's source).

use super::endpoint::Endpoint;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::Path;

/// Relative path of the bundled outcome table in the data folder.
pub const OUTCOME_FILE: &str = "biology/outcomes/lesion_response.csv";

/// Whether a row calibrates the model or only tests it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Fit,
    Holdout,
}

/// The lesions of one dose bin of one study and how many responded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub id: String,
    pub study: String,
    pub tumour: String,
    pub therapy: String,
    pub endpoint: Endpoint,
    /// time of the response assessment after the administration (d)
    pub followup_d: f64,
    /// effective half-life of the lesion's dose rate (h)
    pub effective_half_life_h: f64,
    /// the bin [low, high) of lesion mean doses (Gy); high may be +∞
    pub dose_low_gy: f64,
    pub dose_high_gy: f64,
    /// log-normal of the lesions' mean doses, restricted to the bin: median (Gy) and GSD
    pub dose_median_gy: f64,
    pub dose_gsd: f64,
    pub n_lesions: u32,
    pub n_responders: u32,
    pub split: Split,
}

impl Observation {
    /// Observed fraction of responders.
    pub fn observed(&self) -> f64 {
        f64::from(self.n_responders) / f64::from(self.n_lesions)
    }
}

const COLUMNS: [&str; 14] = [
    "id",
    "study",
    "tumour",
    "therapy",
    "endpoint",
    "followup_d",
    "effective_half_life_h",
    "dose_low_gy",
    "dose_high_gy",
    "dose_median_gy",
    "dose_gsd",
    "n_lesions",
    "n_responders",
    "split",
];

/// Reads an outcome table (CSV with `#` comment lines and the header of [`COLUMNS`]).
///
/// # Errors
/// A missing file, a wrong header, or a bad field (the message names the file, the line and the
/// column, and what was expected).
pub fn load(path: &Path) -> Result<Vec<Observation>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read outcome table {}", path.display()))?;
    parse(&text).with_context(|| format!("outcome table {}", path.display()))
}

/// Parses the text of an outcome table (see [`load`]).
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str) -> Result<Vec<Observation>> {
    let mut lines = crate::tables::data_lines(text);
    let Some((_, header)) = lines.next() else {
        bail!("no header line: expected {}", COLUMNS.join(","));
    };
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    if names != COLUMNS {
        bail!("header '{header}': expected {}", COLUMNS.join(","));
    }
    let mut out: Vec<Observation> = Vec::new();
    for (i, line) in lines {
        let obs = row(line).with_context(|| format!("line {i}"))?;
        if out.iter().any(|o| o.id == obs.id) {
            bail!("line {i}: id '{}' appears twice", obs.id);
        }
        out.push(obs);
    }
    if out.is_empty() {
        bail!("no observation rows");
    }
    Ok(out)
}

fn row(line: &str) -> Result<Observation> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    if f.len() != COLUMNS.len() {
        bail!("{} fields, expected {}", f.len(), COLUMNS.len());
    }
    let num = |k: usize| -> Result<f64> {
        let v: f64 = f[k]
            .parse()
            .with_context(|| format!("column {}: '{}' is not a number", COLUMNS[k], f[k]))?;
        if v.is_nan() || v < 0.0 {
            bail!("column {}: {v} must be a non-negative number", COLUMNS[k]);
        }
        Ok(v)
    };
    let count = |k: usize| -> Result<u32> {
        f[k].parse()
            .with_context(|| format!("column {}: '{}' is not a whole number", COLUMNS[k], f[k]))
    };
    let positive = |k: usize| -> Result<f64> {
        let v = num(k)?;
        if !(v.is_finite() && v > 0.0) {
            bail!("column {}: {v} must be a positive number", COLUMNS[k]);
        }
        Ok(v)
    };
    let obs = Observation {
        id: f[0].to_string(),
        study: f[1].to_string(),
        tumour: f[2].to_string(),
        therapy: f[3].to_string(),
        endpoint: Endpoint::parse(f[4]).context("column endpoint")?,
        followup_d: positive(5)?,
        effective_half_life_h: positive(6)?,
        dose_low_gy: num(7)?,
        dose_high_gy: num(8)?,
        dose_median_gy: positive(9)?,
        dose_gsd: positive(10)?,
        n_lesions: count(11)?,
        n_responders: count(12)?,
        split: match f[13] {
            "fit" => Split::Fit,
            "holdout" => Split::Holdout,
            s => bail!("column split: '{s}', expected fit or holdout"),
        },
    };
    if obs.id.is_empty() {
        bail!("column id is empty");
    }
    if obs.dose_low_gy >= obs.dose_high_gy {
        bail!(
            "dose bin [{}, {}) Gy is empty: dose_low_gy must be below dose_high_gy",
            obs.dose_low_gy,
            obs.dose_high_gy
        );
    }
    if obs.dose_gsd <= 1.0 {
        bail!("column dose_gsd: {} must exceed 1", obs.dose_gsd);
    }
    if obs.n_lesions == 0 || obs.n_responders > obs.n_lesions {
        bail!(
            "{} responders of {} lesions: need at least one lesion and no more responders than lesions",
            obs.n_responders,
            obs.n_lesions
        );
    }
    Ok(obs)
}
