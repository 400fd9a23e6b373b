//! The sections of a therapy study file and their checks.

use crate::biology::tissues::Tissue;
use crate::study::common::spec_in_file;
use crate::study::dosimetry::DosimetrySpec;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use super::dosimetry_sections::{
    dosimetry_and_lesions, dosimetry_from_table, is_lesion, LesionScaling, DOSIMETRY_KEYS,
};

/// The baseline (pre-therapy) diagnostic PET.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaselinePetSpec {
    /// `<nuclide>-<tracer>`, e.g. "Ga-68-PSMA" or "F-18-FDG" (the tracer names an uptake model
    /// of `data/biology/tissues.toml`: psma, fdg, sstr)
    pub tracer: String,
    /// injected activity (MBq)
    pub activity_mbq: f64,
    /// time from injection to scan start (min)
    pub uptake_min: f64,
    /// scan duration per bed position (s)
    pub duration_s: f64,
    /// scanner model: clinical, preclinical, or a scanner TOML file
    #[serde(default = "clinical")]
    pub scanner: String,
    /// fraction of the injected activity spread over the rest of the body (regions without
    /// kinetics) in proportion to mass
    #[serde(default)]
    pub body_fraction: f64,
    /// axial extent of the scan (mm, world z); default: the lesions (and the CMR reference
    /// region) plus `margin_mm`
    pub z_range_mm: Option<[f64; 2]>,
    #[serde(default = "margin_default")]
    pub margin_mm: f64,
    #[serde(default = "three")]
    pub iterations: usize,
    #[serde(default = "eight")]
    pub subsets: usize,
    /// projection angles (default: the pet module's)
    pub views: Option<usize>,
    /// positron histories of the range kernel (0: no positron range)
    #[serde(default = "positron_default")]
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub positron_histories: u64,
    /// Gaussian post-filter of the reconstructions (FWHM, mm)
    #[serde(default)]
    pub post_filter_mm: f64,
    /// resolution modelling in the reconstruction
    #[serde(default)]
    pub psf: bool,
    #[serde(default = "one_u64")]
    pub seed: u64,
}

/// The tissue of each region and the radiobiological parameters.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BiologySpec {
    /// region name -> tissue name (of `data/biology/tissues.toml` or of `tissue` below);
    /// tissues with α and a clonogen density make the region a lesion (TCP), tissues with
    /// LKB parameters an organ at risk (NTCP)
    pub regions: BTreeMap<String, String>,
    /// tissue of every other voxel (BED map only); none: BED = dose there (α/β = ∞)
    pub default_tissue: Option<String>,
    /// RBE of alpha particles for every tissue (default: the therapy's `rbe_alpha`)
    pub rbe_alpha: Option<f64>,
    /// extra tissues (same fields as `data/biology/tissues.toml`), added or replacing
    #[serde(default)]
    pub tissue: BTreeMap<String, Tissue>,
    /// per tissue overrides of single parameters, e.g. `tumour = { alpha_per_gy = 0.3 }`
    #[serde(default)]
    pub overrides: BTreeMap<String, TissueOverride>,
    /// gEUD volume parameter of lesions (Niemierko 1999 Med Phys 26:1101: a ~ -10 for
    /// tumours); organs at risk use a = 1/n of their LKB parameters, others a = 1
    #[serde(default = "geud_a_default")]
    pub geud_a_tumour: f64,
}

/// Single-parameter overrides of a tissue.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TissueOverride {
    pub alpha_per_gy: Option<f64>,
    pub sigma_alpha_per_gy: Option<f64>,
    pub alpha_beta_gy: Option<f64>,
    pub repair_half_time_h: Option<f64>,
    pub clonogen_density_per_cm3: Option<f64>,
    pub rbe_alpha: Option<f64>,
    pub clearance_half_time_d: Option<f64>,
    pub doubling_time_d: Option<f64>,
}

impl TissueOverride {
    /// Applies the given values to `t`.
    pub fn apply(&self, t: &mut Tissue) {
        let set = |dst: &mut Option<f64>, v: Option<f64>| {
            if v.is_some() {
                *dst = v;
            }
        };
        set(&mut t.alpha_per_gy, self.alpha_per_gy);
        set(&mut t.sigma_alpha_per_gy, self.sigma_alpha_per_gy);
        set(
            &mut t.clonogen_density_per_cm3,
            self.clonogen_density_per_cm3,
        );
        set(&mut t.clearance_half_time_d, self.clearance_half_time_d);
        set(&mut t.doubling_time_d, self.doubling_time_d);
        if let Some(v) = self.alpha_beta_gy {
            t.alpha_beta_gy = v;
        }
        if let Some(v) = self.repair_half_time_h {
            t.repair_half_time_h = v;
        }
        if let Some(v) = self.rbe_alpha {
            t.rbe_alpha = v;
        }
    }
}

/// The schedule after the first cycle and the follow-up scan.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FollowupSpec {
    /// time between cycles (weeks; VISION trial: 6)
    #[serde(default = "six")]
    pub cycle_interval_weeks: f64,
    /// follow-up scan after the start of the last cycle (weeks)
    pub weeks_after_last_cycle: f64,
    /// follow-up tracer (default: the baseline's), `<nuclide>-<tracer>`
    pub tracer: Option<String>,
    /// injected activity (MBq, default: the baseline's)
    pub activity_mbq: Option<f64>,
    /// region whose mean follow-up SUV is the PERCIST / EORTC background for CMR (e.g.
    /// "liver"); none: no CMR test
    pub cmr_reference_region: Option<String>,
    /// pre-therapy SUV per region of the follow-up tracer when it differs from the baseline
    /// tracer (an FDG follow-up after a PSMA baseline needs an FDG baseline): region name ->
    /// SUV, over the defaults of `data/pet/tracers/fdg_suv.toml`; `"lesions"` sets
    /// every lesion without its own entry
    #[serde(default)]
    pub baseline_suv: BTreeMap<String, f64>,
}

fn clinical() -> String {
    "clinical".into()
}
fn margin_default() -> f64 {
    40.0
}
fn three() -> usize {
    3
}
fn eight() -> usize {
    8
}
fn six() -> f64 {
    6.0
}
fn positron_default() -> u64 {
    20_000
}
fn one_u64() -> u64 {
    1
}
fn geud_a_default() -> f64 {
    -10.0
}

/// The non-dosimetry part of a therapy study file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct TherapySections {
    name: String,
    #[serde(default)]
    description: String,
    kind: Option<String>,
    /// the variant applied ([`super::variant`])
    variant: Option<String>,
    baseline_pet: BaselinePetSpec,
    biology: BiologySpec,
    followup: FollowupSpec,
    #[serde(default)]
    figures: crate::plot::FiguresSpec,
    #[serde(default)]
    uncertainty: super::uncertainty::spec::UncertaintySpec,
}

/// A parsed, checked therapy study.
#[derive(Clone, Debug, PartialEq)]
pub struct TherapyStudy {
    /// the study table as read (after the sweep point's values), for the records
    pub inputs: toml::Table,
    pub name: String,
    pub description: String,
    /// the study file (for messages)
    pub file: String,
    pub dosimetry: DosimetrySpec,
    /// the lesion size (kinetics already scaled)
    pub lesions: LesionScaling,
    /// the variant applied, if any
    pub variant: Option<String>,
    pub baseline_pet: BaselinePetSpec,
    pub biology: BiologySpec,
    pub followup: FollowupSpec,
    /// `[figures]`: how the figures are drawn and written (also those of the dosimetry)
    pub figures: crate::plot::FiguresSpec,
    /// `[uncertainty]`: the whole-chain uncertainty budget (on by default, `samples = 0` off)
    pub uncertainty: super::uncertainty::spec::UncertaintySpec,
}

/// "Ga-68-PSMA" -> ("Ga-68", "psma").
///
/// # Errors
/// A name without a nuclide part.
pub fn split_tracer(s: &str) -> Result<(String, String)> {
    match s.rsplit_once('-') {
        Some((n, t)) if n.contains('-') && !t.is_empty() => {
            Ok((n.to_string(), t.to_ascii_lowercase()))
        }
        _ => bail!("tracer \"{s}\": expected <nuclide>-<tracer>, e.g. \"Ga-68-PSMA\""),
    }
}

impl TherapyStudy {
    /// Parses and checks a therapy study table (sweep already removed); `histories` overrides
    /// the Monte Carlo decays.
    ///
    /// # Errors
    /// A missing or invalid section or value, named with the file and field.
    pub fn from_table(mut table: toml::Table, path: &Path, histories: Option<u64>) -> Result<Self> {
        let file = path.display().to_string();
        if table.contains_key("variants") {
            super::variant::apply(&mut table, path)?;
        }
        let (mut dosimetry, lesions) = dosimetry_and_lesions(&table, path)?;
        if let Some(h) = histories {
            dosimetry.dose.histories = h;
        }
        let inputs = table.clone();
        let mut rest = table;
        for k in DOSIMETRY_KEYS {
            rest.remove(k);
        }
        let s: TherapySections = toml::Value::Table(rest)
            .try_into()
            .map_err(|e| anyhow!("{file}: {e}"))?;
        if let Some(k) = &s.kind {
            if k != "therapy" {
                bail!("{file}: kind = \"{k}\": expected \"therapy\"");
            }
        }
        s.figures.check().map_err(|e| anyhow!("{file}: {e:#}"))?;
        dosimetry.figures = s.figures.clone();
        let study = TherapyStudy {
            inputs,
            name: s.name,
            description: s.description,
            file,
            dosimetry,
            lesions,
            variant: s.variant,
            baseline_pet: s.baseline_pet,
            biology: s.biology,
            followup: s.followup,
            figures: s.figures,
            uncertainty: s.uncertainty,
        };
        study.uncertainty.resolve(&study.file)?;
        study.validate()?;
        Ok(study)
    }

    /// The nuclide and tracer model of the baseline and follow-up scans.
    pub fn tracers(&self) -> Result<[(String, String); 2]> {
        let b = split_tracer(&self.baseline_pet.tracer)
            .with_context(|| format!("{}: baseline_pet.tracer", self.file))?;
        let f = match &self.followup.tracer {
            Some(t) => {
                split_tracer(t).with_context(|| format!("{}: followup.tracer", self.file))?
            }
            None => b.clone(),
        };
        Ok([b, f])
    }

    /// The follow-up scan time after the first cycle (h) and the cycle start times (h).
    pub fn schedule_h(&self) -> (f64, Vec<f64>) {
        let n = self.dosimetry.therapy.cycles;
        let step = self.followup.cycle_interval_weeks * 168.0;
        let starts: Vec<f64> = (0..n).map(|k| k as f64 * step).collect();
        let last = starts.last().copied().unwrap_or(0.0);
        (last + self.followup.weeks_after_last_cycle * 168.0, starts)
    }

    /// Every region's activity is an uptake fraction: labelled cells are refused.
    fn check_kinetics(&self) -> Result<()> {
        for (i, k) in self.dosimetry.kinetics.iter().enumerate() {
            if k.labelled_cells.is_some() {
                return Err(spec_in_file(
                    &self.file,
                    &format!("kinetics[{i}].labelled_cells"),
                    format!(
                        "({}) labelled cells are for dosimetry studies (kind = \"dosimetry\"): a \
                         therapy study images its PET tracer and scales its doses by uptake \
                         fractions of the administered activity; give uptake_fraction",
                        k.region
                    ),
                ));
            }
            k.check_activity(i).with_context(|| self.file.clone())?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        let f = &self.file;
        let bad = |field: &str, msg: String| spec_in_file(f, field, msg);
        let positive = |name: &str, v: f64| -> Result<()> {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(name, format!("expected a positive number, got {v}")));
            }
            Ok(())
        };
        self.check_kinetics()?;
        let b = &self.baseline_pet;
        positive("baseline_pet.activity_mbq", b.activity_mbq)?;
        positive("baseline_pet.duration_s", b.duration_s)?;
        if !(b.uptake_min.is_finite() && b.uptake_min >= 0.0) {
            let v = b.uptake_min;
            return Err(bad(
                "baseline_pet.uptake_min",
                format!("expected >= 0, got {v}"),
            ));
        }
        if !(0.0..1.0).contains(&b.body_fraction) {
            let v = b.body_fraction;
            return Err(bad(
                "baseline_pet.body_fraction",
                format!("expected 0 <= x < 1, got {v}"),
            ));
        }
        if let Some([z0, z1]) = b.z_range_mm {
            if !(z0.is_finite() && z1.is_finite() && z1 > z0) {
                return Err(bad(
                    "baseline_pet.z_range_mm",
                    format!("expected [low, high] mm, got [{z0}, {z1}]"),
                ));
            }
        }
        for (name, n) in [
            ("baseline_pet.iterations", b.iterations),
            ("baseline_pet.subsets", b.subsets),
        ] {
            if n == 0 {
                return Err(bad(name, "must be at least 1, got 0".into()));
            }
        }
        let fu = &self.followup;
        positive("followup.cycle_interval_weeks", fu.cycle_interval_weeks)?;
        if !(fu.weeks_after_last_cycle.is_finite() && fu.weeks_after_last_cycle >= 0.0) {
            let v = fu.weeks_after_last_cycle;
            return Err(bad(
                "followup.weeks_after_last_cycle",
                format!("expected >= 0, got {v}"),
            ));
        }
        if let Some(a) = fu.activity_mbq {
            positive("followup.activity_mbq", a)?;
        }
        for (r, v) in &fu.baseline_suv {
            if !(v.is_finite() && *v >= 0.0) {
                return Err(bad(
                    &format!("followup.baseline_suv.{r}"),
                    format!("expected an SUV >= 0, got {v}"),
                ));
            }
        }
        if self.biology.regions.is_empty() {
            return Err(bad(
                "biology.regions",
                "empty: expected region = \"tissue\" entries".into(),
            ));
        }
        if let Some(r) = self.biology.rbe_alpha {
            positive("biology.rbe_alpha", r)?;
        }
        if self.dosimetry.therapy.cycles == 0 {
            return Err(bad("therapy.cycles", "must be at least 1, got 0".into()));
        }
        self.tracers()?;
        Ok(())
    }
}
