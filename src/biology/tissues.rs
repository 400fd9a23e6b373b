//! Default radiobiological parameters of tissues and tracer-uptake parameters, loaded from
//! `data/biology/tissues.toml` (each number's source is in that file).

use super::ntcp::LkbParams;
use crate::tables::read_data_file;
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Relative path of the tissue file in the data folder.
pub const TISSUE_FILE: &str = "biology/tissues.toml";

/// Radiobiological parameters of one tissue.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tissue {
    pub description: String,
    /// where the numbers come from (summary; per-number sources are comments in the file)
    pub source: String,
    /// α/β ratio (Gy)
    pub alpha_beta_gy: f64,
    /// half-time of repair of sublethal damage (h)
    pub repair_half_time_h: f64,
    /// linear radiosensitivity α (1/Gy), needed for TCP and response
    pub alpha_per_gy: Option<f64>,
    /// population spread of α (1/Gy)
    pub sigma_alpha_per_gy: Option<f64>,
    /// clonogen density (1/cm³)
    pub clonogen_density_per_cm3: Option<f64>,
    /// relative biological effectiveness of alpha particles (default 5)
    #[serde(default = "default_rbe")]
    pub rbe_alpha: f64,
    /// half-time of clearance of lethally damaged cells (d)
    pub clearance_half_time_d: Option<f64>,
    /// doubling time of surviving clonogens (d)
    pub doubling_time_d: Option<f64>,
    /// Lyman–Kutcher–Burman parameters (EQD2)
    pub lkb: Option<LkbParams>,
}

fn default_rbe() -> f64 {
    5.0
}

/// What a tracer's uptake follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TracerKind {
    /// uptake proportional to viable-cell density (FDG)
    Viable,
    /// uptake proportional to target expression of viable cells (PSMA, SSTR)
    Expression,
}

/// Uptake parameters of one PET tracer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracer {
    pub description: String,
    pub source: String,
    pub kind: TracerKind,
    /// fraction of the baseline signal not carried by tumour cells (0..1)
    pub background: f64,
    /// uptake of a lethally damaged cell relative to a viable one (≥ 0)
    pub damaged_weight: f64,
    /// target expression per viable cell at follow-up relative to baseline (> 0)
    pub expression: f64,
}

/// All tissues and tracers of the data file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TissueDb {
    pub tissue: BTreeMap<String, Tissue>,
    #[serde(default)]
    pub tracer: BTreeMap<String, Tracer>,
}

impl TissueDb {
    /// Loads `data/biology/tissues.toml`.
    pub fn load() -> Result<Self> {
        let (path, text) = read_data_file(TISSUE_FILE)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a tissue file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let db: TissueDb =
            toml::from_str(text).with_context(|| format!("{origin}: invalid tissue file"))?;
        for (name, t) in &db.tissue {
            t.validate()
                .with_context(|| format!("{origin}: tissue.{name}"))?;
        }
        for (name, t) in &db.tracer {
            t.validate()
                .with_context(|| format!("{origin}: tracer.{name}"))?;
        }
        Ok(db)
    }

    /// A tissue by name (e.g. "tumour", "kidney", "red_marrow").
    pub fn tissue(&self, name: &str) -> Result<&Tissue> {
        self.tissue.get(name).ok_or_else(|| {
            anyhow!(
                "unknown tissue '{name}': expected one of {:?}",
                self.tissue.keys().collect::<Vec<_>>()
            )
        })
    }

    /// A tracer by name (e.g. "fdg", "psma", "sstr").
    pub fn tracer(&self, name: &str) -> Result<&Tracer> {
        self.tracer.get(name).ok_or_else(|| {
            anyhow!(
                "unknown tracer '{name}': expected one of {:?}",
                self.tracer.keys().collect::<Vec<_>>()
            )
        })
    }
}

fn positive(name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        bail!("{name} = {v}: expected a positive number");
    }
    Ok(())
}

impl Tissue {
    /// Checks that every given parameter is in its range.
    pub fn validate(&self) -> Result<()> {
        positive("alpha_beta_gy", self.alpha_beta_gy)?;
        positive("repair_half_time_h", self.repair_half_time_h)?;
        positive("rbe_alpha", self.rbe_alpha)?;
        let optional = [
            ("alpha_per_gy", self.alpha_per_gy),
            ("clonogen_density_per_cm3", self.clonogen_density_per_cm3),
            ("clearance_half_time_d", self.clearance_half_time_d),
            ("doubling_time_d", self.doubling_time_d),
        ];
        for (name, v) in optional {
            if let Some(v) = v {
                positive(name, v)?;
            }
        }
        if let Some(s) = self.sigma_alpha_per_gy {
            if !(s.is_finite() && s >= 0.0) {
                bail!("sigma_alpha_per_gy = {s}: expected a non-negative number");
            }
        }
        if let Some(l) = &self.lkb {
            l.validate().map_err(|e| anyhow!(e))?;
        }
        Ok(())
    }

    /// α (1/Gy), or an error naming the missing field.
    pub fn alpha(&self) -> Result<f64> {
        self.alpha_per_gy
            .ok_or_else(|| anyhow!("alpha_per_gy is not given for this tissue"))
    }
}

impl Tracer {
    /// Checks the uptake parameters.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.background) {
            bail!("background = {}: expected 0..1", self.background);
        }
        if !(self.damaged_weight.is_finite() && self.damaged_weight >= 0.0) {
            bail!("damaged_weight = {}: expected >= 0", self.damaged_weight);
        }
        positive("expression", self.expression)
    }
}
