//! The spec of a patient dosimetry study: the top-level keys (`nuclide`, `injected_mbq`,
//! `injection_time`), `[[timepoint]]`, `[regions]`, `[recovery]` and `[dose]` of the study
//! TOML ([`PatientSpec`]), their checks, and the study file around them ([`PatientFile`]).
//! Relative paths in the file are taken relative to its folder.

use crate::spec_bail;
use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One scan: a CT and the emission image (SPECT or PET) acquired with it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimepointSpec {
    /// the CT of this scan: DICOM folder or file, NIfTI or MetaImage (HU)
    pub ct: PathBuf,
    /// the emission image: DICOM (NM in counts or Bq/mL, PT in Bq/mL), NIfTI or MetaImage
    /// (Bq/mL) on the CT's frame of reference
    pub emission: PathBuf,
    /// the SeriesInstanceUID of the CT when its folder holds several CT series
    #[serde(default)]
    pub ct_series: Option<String>,
    /// the SeriesInstanceUID of the emission image when its folder holds several series
    #[serde(default)]
    pub emission_series: Option<String>,
    /// camera sensitivity (counts per second per MBq) for an emission image in counts
    #[serde(default)]
    pub calibration_cps_per_mbq: Option<f64>,
    /// acquisition time behind the counts (s), when the header lacks it
    #[serde(default)]
    pub acquisition_s: Option<f64>,
    /// hours after the administration; default: the emission image's acquisition time
    /// (AcquisitionDate/Time, else SeriesDate/Time) minus `injection_time`
    #[serde(default)]
    pub time_h: Option<f64>,
}

/// The regions: an RTSTRUCT or SEG, or a label map with its names, on the reference (first)
/// CT.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionsSpec {
    /// RTSTRUCT (or DICOM SEG) on the reference CT
    #[serde(default)]
    pub rtstruct: Option<PathBuf>,
    /// label map (NIfTI or MetaImage) on the reference CT grid
    #[serde(default)]
    pub labels: Option<PathBuf>,
    /// names of the label map's ids (JSON `{"1": "liver"}` or CSV `id,name`)
    #[serde(default)]
    pub names: Option<PathBuf>,
    /// the regions reported (ROI names as in the file); default all
    #[serde(default)]
    pub rois: Vec<String>,
}

/// Recovery coefficient against region volume: `[[volume_ml, rc], ...]`, volumes increasing.
/// A region's TAC is divided by its coefficient, interpolated linearly in ln(volume) and held
/// at the end values outside the table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecoverySpec {
    pub curve: Vec<[f64; 2]>,
}

impl RecoverySpec {
    /// The recovery coefficient of a region of `volume_ml` (see the type's doc).
    pub fn coefficient(&self, volume_ml: f64) -> f64 {
        let c = &self.curve;
        let x = volume_ml.max(1e-300).ln();
        if x <= c[0][0].ln() {
            return c[0][1];
        }
        for w in c.windows(2) {
            let (x0, x1) = (w[0][0].ln(), w[1][0].ln());
            if x <= x1 {
                return w[0][1] + (w[1][1] - w[0][1]) * (x - x0) / (x1 - x0);
            }
        }
        c[c.len() - 1][1]
    }

    fn check(&self) -> Result<()> {
        if self.curve.is_empty() {
            spec_bail!("recovery.curve", "empty: expected [[volume_ml, rc], ...]");
        }
        for (i, p) in self.curve.iter().enumerate() {
            if !(p[0].is_finite() && p[0] > 0.0 && p[1].is_finite() && p[1] > 0.0) {
                spec_bail!(
                    "recovery.curve",
                    "point {i} {p:?}: expected a positive volume (mL) and a positive coefficient"
                );
            }
            if i > 0 && p[0] <= self.curve[i - 1][0] {
                spec_bail!(
                    "recovery.curve",
                    "volumes must increase: {} mL after {} mL",
                    p[0],
                    self.curve[i - 1][0]
                );
            }
        }
        Ok(())
    }
}

/// Which dose methods run and with what statistics.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PatientDoseSpec {
    /// any of "mc", "vsv", "ldm"; the first is the reference (`rt_dose.dcm`, `dvh.png`)
    #[serde(default = "methods_default")]
    pub methods: Vec<String>,
    /// Monte Carlo decays
    #[serde(default = "histories_default")]
    pub histories: u64,
    #[serde(default = "one")]
    pub seed: u64,
    /// stop the Monte Carlo when `target_region` reaches this relative uncertainty (1 sigma)
    #[serde(default)]
    pub target_uncertainty: Option<f64>,
    #[serde(default)]
    pub target_region: Option<String>,
    /// model of the region fits: "auto" (AICc), "mono", "bi", "tri", "uptake", "trapezoid"
    /// (voxels are fitted mono-exponentially, falling back to the trapezoid)
    #[serde(default = "auto")]
    pub tia_model: String,
    /// decays per voxel S-value kernel (vsv)
    #[serde(default = "kernel_histories_default")]
    pub kernel_histories: u64,
}

impl Default for PatientDoseSpec {
    fn default() -> Self {
        PatientDoseSpec {
            methods: methods_default(),
            histories: histories_default(),
            seed: 1,
            target_uncertainty: None,
            target_region: None,
            tia_model: auto(),
            kernel_histories: kernel_histories_default(),
        }
    }
}

fn methods_default() -> Vec<String> {
    vec!["mc".into(), "vsv".into(), "ldm".into()]
}
fn histories_default() -> u64 {
    1_000_000
}
fn kernel_histories_default() -> u64 {
    2_000_000
}
fn one() -> u64 {
    1
}
fn auto() -> String {
    "auto".into()
}
fn yes() -> bool {
    true
}

/// The sections of a patient dosimetry study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PatientSpec {
    /// the administered radionuclide, e.g. "Lu-177"
    pub nuclide: String,
    /// the decay chain at secular equilibrium in the source (Ac-225: true)
    #[serde(default)]
    pub chain: bool,
    /// administered activity (MBq), for `gy_per_gbq`
    pub injected_mbq: f64,
    /// ISO 8601 (`2026-01-05T10:00:00`, scanner local time); default: the emission images'
    /// RadiopharmaceuticalStartDateTime
    #[serde(default)]
    pub injection_time: Option<String>,
    /// the scans; the first one's CT is the reference every other is registered to
    pub timepoint: Vec<TimepointSpec>,
    pub regions: RegionsSpec,
    #[serde(default)]
    pub recovery: Option<RecoverySpec>,
    #[serde(default)]
    pub dose: PatientDoseSpec,
    /// register each later CT rigidly to the first (a time point on the first CT's file is
    /// taken as registered)
    #[serde(default = "yes")]
    pub register: bool,
    /// HU -> density and material calibration (TOML like `data/hu_schneider.toml`)
    #[serde(default)]
    pub hu_calibration: Option<PathBuf>,
    /// `[uncertainty]`: the budget of the mean doses (samples = 1000 by default; 0: off)
    #[serde(default)]
    pub uncertainty: crate::study::therapy::uncertainty::UncertaintySpec,
    /// `[figures]`: how the figures are drawn and written (see [`crate::plot::FiguresSpec`])
    #[serde(default, skip_serializing_if = "crate::plot::FiguresSpec::is_default")]
    pub figures: crate::plot::FiguresSpec,
}

impl PatientSpec {
    /// Checks the numbers and that the named files exist.
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] naming the field and the value.
    pub fn check(&self) -> Result<()> {
        self.figures.check()?;
        self.uncertainty.resolve("the study")?;
        if !(self.injected_mbq.is_finite() && self.injected_mbq > 0.0) {
            spec_bail!(
                "injected_mbq",
                "expected a positive activity (MBq), got {}",
                self.injected_mbq
            );
        }
        if self.timepoint.is_empty() {
            spec_bail!("timepoint", "no [[timepoint]]: expected at least two scans");
        }
        for (i, tp) in self.timepoint.iter().enumerate() {
            for (key, p) in [("ct", &tp.ct), ("emission", &tp.emission)] {
                if !p.exists() {
                    spec_bail!(
                        format!("timepoint[{i}].{key}"),
                        "{}: no such file or folder",
                        p.display()
                    );
                }
            }
            if let Some(c) = tp.calibration_cps_per_mbq {
                if !(c.is_finite() && c > 0.0) {
                    spec_bail!(
                        format!("timepoint[{i}].calibration_cps_per_mbq"),
                        "expected a positive sensitivity (counts/s per MBq), got {c}"
                    );
                }
            }
            if let Some(t) = tp.time_h {
                if !(t.is_finite() && t > 0.0) {
                    spec_bail!(
                        format!("timepoint[{i}].time_h"),
                        "expected a positive time after administration (h), got {t}"
                    );
                }
            }
        }
        let r = &self.regions;
        match (&r.rtstruct, &r.labels) {
            (Some(_), Some(_)) => spec_bail!(
                "regions",
                "both rtstruct and labels given: expected one of them"
            ),
            (None, None) => spec_bail!(
                "regions",
                "expected rtstruct = \"RS.dcm\" (or SEG), or labels = \"labels.nii.gz\""
            ),
            (Some(p), None) | (None, Some(p)) => {
                let key = if r.rtstruct.is_some() {
                    "regions.rtstruct"
                } else {
                    "regions.labels"
                };
                if !p.is_file() {
                    spec_bail!(key, "{}: no such file", p.display());
                }
            }
        }
        if let Some(rc) = &self.recovery {
            rc.check()?;
        }
        self.check_dose()
    }

    fn check_dose(&self) -> Result<()> {
        let d = &self.dose;
        if d.methods.is_empty() {
            spec_bail!(
                "dose.methods",
                "empty: expected some of \"mc\", \"vsv\", \"ldm\""
            );
        }
        for m in &d.methods {
            if !matches!(m.as_str(), "mc" | "vsv" | "ldm") {
                spec_bail!("dose.methods", "'{m}', expected mc, vsv or ldm");
            }
        }
        if d.histories == 0 {
            spec_bail!("dose.histories", "expected at least 1, got 0");
        }
        if d.target_uncertainty.is_some() && d.target_region.is_none() {
            spec_bail!(
                "dose.target_region",
                "target_uncertainty needs the region whose mean dose it applies to"
            );
        }
        Ok(())
    }

    /// Takes relative paths relative to `base` (the study file's folder).
    pub fn resolve(&mut self, base: &Path) {
        let abs = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        for tp in &mut self.timepoint {
            abs(&mut tp.ct);
            abs(&mut tp.emission);
        }
        let r = &mut self.regions;
        for p in [
            &mut r.rtstruct,
            &mut r.labels,
            &mut r.names,
            &mut self.hu_calibration,
        ]
        .into_iter()
        .flatten()
        {
            abs(p);
        }
    }
}

/// A study file of `kind = "patient"`: `name`, `description`, `kind` and the keys of
/// [`PatientSpec`].
pub struct PatientFile {
    /// the study's name (the default output folder is `results/<name>`)
    pub name: String,
    pub spec: PatientSpec,
}

impl PatientFile {
    /// Reads a patient study file; relative paths are resolved against its folder.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML, no `name`, a `kind` other than "patient", unknown or
    /// mistyped keys (named with the file).
    pub fn load(path: &Path) -> Result<PatientFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read study file {}", path.display()))?;
        let mut value: toml::Table =
            toml::from_str(&text).with_context(|| format!("{}: invalid TOML", path.display()))?;
        let name = match value.remove("name") {
            Some(toml::Value::String(s)) => s,
            _ => bail!("{}: expected name = \"...\"", path.display()),
        };
        value.remove("description");
        match value.remove("kind") {
            Some(toml::Value::String(k)) if k == "patient" => {}
            other => bail!("{}: kind = {other:?}, expected \"patient\"", path.display()),
        }
        let mut spec: PatientSpec = toml::Value::Table(value)
            .try_into()
            .with_context(|| format!("{}: invalid patient study", path.display()))?;
        spec.resolve(path.parent().unwrap_or(Path::new(".")));
        Ok(PatientFile { name, spec })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_is_log_linear_and_clamped() {
        let rc = RecoverySpec {
            curve: vec![[1.0, 0.45], [5.0, 0.72], [20.0, 0.88], [100.0, 0.95]],
        };
        assert_eq!(rc.coefficient(0.2), 0.45);
        assert_eq!(rc.coefficient(500.0), 0.95);
        assert!((rc.coefficient(5.0) - 0.72).abs() < 1e-12);
        // halfway in ln(volume) between 1 and 5 mL: sqrt(5) mL
        assert!((rc.coefficient(5f64.sqrt()) - 0.585).abs() < 1e-12);
        assert!(rc.check().is_ok());
        let bad = RecoverySpec {
            curve: vec![[5.0, 0.7], [1.0, 0.5]],
        };
        assert!(format!("{:#}", bad.check().unwrap_err()).contains("recovery.curve"));
    }
}
