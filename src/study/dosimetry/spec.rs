//! The spec of a dosimetry study: the sections `[phantom]`, `[therapy]`, `[[kinetics]]`,
//! `[imaging]` and `[dose]` of the study TOML ([`DosimetrySpec`]), their checks, and the study
//! file around them ([`DosimetryFile`]).

use super::cells::LabelledCells;
use crate::error::spec_error;
use crate::spec_bail;
use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The phantom of a study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudyPhantom {
    /// built-in phantom name or phantom TOML
    pub builtin: String,
    /// voxel size (mm), also the voxel size of the synthetic images
    pub voxel_mm: f64,
    /// shape groups to include (e.g. "lesions")
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The administered therapy.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TherapySpec {
    /// e.g. "Lu-177" or "Ac-225"
    pub nuclide: String,
    /// the decay chain at secular equilibrium in the source (Ac-225: true)
    #[serde(default)]
    pub chain: bool,
    /// administered activity per cycle (MBq)
    pub activity_per_cycle_mbq: f64,
    /// number of identical cycles
    #[serde(default = "one")]
    pub cycles: u32,
    /// RBE of the alpha dose (reported separately, RBE-weighted), default 5
    #[serde(default = "rbe_default")]
    pub rbe_alpha: f64,
    /// decay data of the nuclide and its chain: "icrp107" (ICRP-107, the default) or "endf"
    /// (ENDF/B-VIII.1); a prefix on `nuclide` ("endf:Lu-177") overrides it
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
}

impl TherapySpec {
    /// The decay data used: the prefix of `nuclide` or `decay_data`.
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] on `therapy.nuclide` for an unknown prefix.
    pub fn decay_data_used(&self) -> Result<crate::source::DecayData> {
        crate::source::DecayData::of_name(&self.nuclide, self.decay_data)
            .map_err(|e| spec_error("therapy.nuclide", format!("{e:#}")))
    }
}

fn one() -> u32 {
    1
}
fn rbe_default() -> f64 {
    5.0
}

/// The kinetics of one region: a fraction of the administered activity taken up with an uptake
/// half-time and washed out with a biological half-life (physical decay on top):
/// A(t) = A0 f (exp(-(lb + lp) t) - exp(-(lu + lb + lp) t)), l = ln2 / half-time. A region
/// given as labelled cells has N a_cell (cells x activity per cell) in place of A0 f
/// ([`super::cells`]).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionKinetics {
    /// region name of the phantom
    pub region: String,
    /// fraction of the administered activity at the uptake plateau (no decay); exactly one of
    /// this and `labelled_cells`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptake_fraction: Option<f64>,
    /// the region's activity as labelled cells (cells x activity per cell), with their nucleus
    /// dose in the results
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelled_cells: Option<LabelledCells>,
    pub uptake_half_time_h: f64,
    pub biological_half_life_h: f64,
    /// where the value comes from (a paper, or "assumed")
    #[serde(default)]
    pub source: String,
}

impl RegionKinetics {
    /// The region's activity at the uptake plateau without decay (Bq) for `a0_bq` administered:
    /// f A0, or cells x activity per cell.
    pub fn plateau_bq(&self, a0_bq: f64) -> f64 {
        match (&self.labelled_cells, self.uptake_fraction) {
            (Some(c), _) => c.activity_bq(),
            (None, Some(f)) => f * a0_bq,
            (None, None) => 0.0,
        }
    }

    /// Checks the source of the region's activity; `i` is the entry's index.
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] naming `kinetics[i].<field>`: both or neither of
    /// `uptake_fraction` and `labelled_cells`, a fraction outside (0, 1], bad labelled cells.
    pub fn check_activity(&self, i: usize) -> Result<()> {
        let field = |f: &str| format!("kinetics[{i}].{f}");
        match (self.uptake_fraction, &self.labelled_cells) {
            (Some(_), Some(_)) => spec_bail!(
                field("labelled_cells"),
                "({}) both uptake_fraction and labelled_cells are given: give the region's \
                 activity one way",
                self.region
            ),
            (None, None) => spec_bail!(
                field("uptake_fraction"),
                "({}) missing: give uptake_fraction (a fraction of the administered activity) or \
                 labelled_cells",
                self.region
            ),
            (Some(f), None) => {
                if !(f > 0.0 && f <= 1.0) {
                    spec_bail!(
                        field("uptake_fraction"),
                        "({}) expected 0 < f <= 1, got {f}",
                        self.region
                    );
                }
            }
            (None, Some(c)) => c.check(&field("labelled_cells"))?,
        }
        Ok(())
    }
}

/// How the serial images are made.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImagingSpec {
    /// scan times after administration (h)
    pub times_h: Vec<f64>,
    /// image resolution (FWHM, mm)
    pub fwhm_mm: f64,
    /// relative noise (1 sigma) of a voxel holding the mean activity concentration of the
    /// hottest region at the first scan; Poisson-like (sigma ~ sqrt(value))
    pub noise_rel: f64,
    #[serde(default = "one_u64")]
    pub seed: u64,
}

fn one_u64() -> u64 {
    1
}

/// Which dose methods run and with what statistics.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DoseSpec {
    /// any of "mc", "vsv", "ldm" (the first is the reference of the comparison)
    pub methods: Vec<String>,
    /// Monte Carlo decays
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub histories: u64,
    /// stop the Monte Carlo when the first region of `target_regions` has reached this
    /// relative uncertainty (1 sigma) on its mean dose (optional; name the statistically
    /// hardest region first, usually the smallest lesion: the larger regions are then below it,
    /// as `doses.csv` reports)
    pub target_uncertainty: Option<f64>,
    #[serde(default)]
    pub target_regions: Vec<String>,
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// TIA model of the region fits: "auto" (AICc), "mono", "bi", "tri", "uptake",
    /// "trapezoid" (voxels are fitted mono-exponentially, falling back to the trapezoid)
    #[serde(default = "auto")]
    pub tia_model: String,
    /// decays per voxel S-value kernel (per chain member and tissue kernel)
    #[serde(default = "kernel_histories_default")]
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub kernel_histories: u64,
    /// decays per source region of the organ S-values (MIRD organ dose = sum of fitted region
    /// TIA x S, compared with the voxel methods as "organ-s"; 0 skips it)
    #[serde(default = "organ_s_histories_default")]
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub organ_s_histories: u64,
}

fn organ_s_histories_default() -> u64 {
    200_000
}

fn kernel_histories_default() -> u64 {
    2_000_000
}

fn auto() -> String {
    "auto".into()
}

/// The sections of a dosimetry study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DosimetrySpec {
    pub phantom: StudyPhantom,
    pub therapy: TherapySpec,
    pub kinetics: Vec<RegionKinetics>,
    pub imaging: ImagingSpec,
    pub dose: DoseSpec,
    /// `[figures]`: how the figures are drawn and written (default: paper, PNG and SVG)
    #[serde(default, skip_serializing_if = "crate::plot::FiguresSpec::is_default")]
    pub figures: crate::plot::FiguresSpec,
}

/// The fields of these sections as the axis title of a sweep figure: words and units as the
/// fields' documentation above gives them. A key is the dotted path of `[sweep]`; `*` stands
/// for one segment (a region's name), which replaces `{}` in the title. Every numeric field has
/// an entry (`tests/sweep_titles.rs`).
pub const FIELD_TITLES: [(&str, &str); 21] = [
    ("phantom.builtin", "phantom"),
    ("phantom.voxel_mm", "voxel size (mm)"),
    ("therapy.nuclide", "therapy nuclide"),
    ("therapy.chain", "decay chain in equilibrium in the source"),
    (
        "therapy.activity_per_cycle_mbq",
        "administered activity per cycle (MBq)",
    ),
    ("therapy.cycles", "number of cycles"),
    ("therapy.rbe_alpha", "RBE of the alpha dose"),
    ("therapy.decay_data", "decay data"),
    (
        "kinetics.*.uptake_fraction",
        "{} uptake (fraction of the administered activity)",
    ),
    ("kinetics.*.uptake_half_time_h", "{} uptake half-time (h)"),
    (
        "kinetics.*.biological_half_life_h",
        "{} biological half-life (h)",
    ),
    ("imaging.times_h", "scan times after administration (h)"),
    ("imaging.fwhm_mm", "image resolution, FWHM (mm)"),
    ("imaging.noise_rel", "relative image noise (1 sigma)"),
    ("imaging.seed", "image noise seed"),
    ("dose.histories", "Monte Carlo decays"),
    (
        "dose.target_uncertainty",
        "target relative uncertainty of the mean dose (1 sigma)",
    ),
    ("dose.seed", "Monte Carlo seed"),
    ("dose.tia_model", "TIA model"),
    ("dose.kernel_histories", "decays per voxel S-value kernel"),
    (
        "dose.organ_s_histories",
        "decays per source region of the organ S-values",
    ),
];

impl DosimetrySpec {
    /// Checks the numbers of a study (the phantom and kinetics are checked against the phantom
    /// in [`super::images::validate`]).
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] naming the field and the value.
    pub fn check(&self) -> Result<()> {
        let t = &self.therapy;
        if !(t.activity_per_cycle_mbq.is_finite() && t.activity_per_cycle_mbq > 0.0) {
            spec_bail!(
                "therapy.activity_per_cycle_mbq",
                "expected a positive activity, got {}",
                t.activity_per_cycle_mbq
            );
        }
        if t.cycles == 0 {
            spec_bail!("therapy.cycles", "expected at least 1, got 0");
        }
        if self.dose.methods.is_empty() {
            spec_bail!(
                "dose.methods",
                "empty: expected some of \"mc\", \"vsv\", \"ldm\""
            );
        }
        for m in &self.dose.methods {
            if !matches!(m.as_str(), "mc" | "vsv" | "ldm") {
                spec_bail!("dose.methods", "'{m}', expected mc, vsv or ldm");
            }
        }
        if self.dose.histories == 0 {
            spec_bail!("dose.histories", "expected at least 1, got 0");
        }
        for (i, k) in self.kinetics.iter().enumerate() {
            k.check_activity(i)?;
        }
        for (field, v) in [
            ("imaging.fwhm_mm", self.imaging.fwhm_mm),
            ("imaging.noise_rel", self.imaging.noise_rel),
        ] {
            if v.is_nan() || v < 0.0 {
                return Err(spec_error(field, format!("must be >= 0, got {v}")));
            }
        }
        Ok(())
    }
}

/// A study file of `kind = "dosimetry"`: `name`, `description`, `kind` and the sections of
/// [`DosimetrySpec`].
pub struct DosimetryFile {
    /// the study's name (the default output folder is `results/<name>`)
    pub name: String,
    /// the sections
    pub spec: DosimetrySpec,
}

impl DosimetryFile {
    /// Reads a dosimetry study file.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML, no `name`, a `kind` other than "dosimetry", invalid
    /// sections (named with the file).
    pub fn load(path: &Path) -> Result<DosimetryFile> {
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
            Some(toml::Value::String(k)) if k == "dosimetry" => {}
            other => bail!(
                "{}: kind = {other:?}, expected \"dosimetry\"",
                path.display()
            ),
        }
        let spec: DosimetrySpec = toml::Value::Table(value)
            .try_into()
            .with_context(|| format!("{}: invalid dosimetry study", path.display()))?;
        spec.check().with_context(|| path.display().to_string())?;
        Ok(DosimetryFile { name, spec })
    }
}
