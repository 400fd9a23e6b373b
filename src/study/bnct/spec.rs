//! The BNCT study file (`kind = "bnct"`): phantom, beam, boron (from a synthetic 18F-BPA PET or
//! from tissue-to-blood ratios), dose weighting, prescription and run settings. Every value is
//! checked once here; errors name the file and the field.

use crate::numerics::Vec3;
use crate::source::neutron_beam::{axis_direction, unit_vector};
use crate::study::common::spec_in_file;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A BNCT study file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BnctStudy {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub phantom: PhantomPart,
    pub beam: BeamPart,
    pub boron: BoronPart,
    pub fbpa_pet: Option<FbpaPart>,
    pub weighting: WeightingPart,
    pub prescription: PrescriptionPart,
    pub run: RunPart,
    /// `[biology]`: tissues of the regions for BED, TCP and NTCP (default: the tumour region as
    /// the `tumour` tissue of data/biology/tissues.toml)
    pub biology: Option<BiologyPart>,
    /// `[figures]`: style, size, resolution, formats, regions and planes of the figures
    #[serde(default)]
    pub figures: crate::plot::FiguresSpec,
    /// the study file (set on load)
    #[serde(skip)]
    pub file: PathBuf,
}

/// `[phantom]`: a built-in phantom or a phantom TOML (relative to the study file).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhantomPart {
    pub builtin: String,
    pub voxel_mm: Option<f64>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A beam direction: "+x" ... "-z", or a vector (normalised on load).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum DirectionSpec {
    Axis(String),
    Vector([f64; 3]),
}

/// `[beam]`: spectrum, field, direction and aim.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeamPart {
    /// epithermal, thermal (data/neutron/beams.toml) or a CSV spectrum (relative to the file)
    pub spectrum: String,
    /// disc field diameter (cm)
    pub field_diameter_cm: Option<f64>,
    /// rectangular field [w, h] (cm): w along the first field axis, h along the second
    /// ([`crate::source::neutron_beam::NeutronBeam::field_axes`])
    pub field_size_cm: Option<[f64; 2]>,
    pub direction: DirectionSpec,
    /// a point of the beam axis (mm) in the phantom definition's frame (that of its shapes'
    /// `center_mm`: +x patient left, +y posterior, +z superior, origin at the box centre);
    /// default: the centre of the phantom box. `direction` is in the same frame.
    pub aim_mm: Option<[f64; 3]>,
    /// epithermal fluence rate at the aperture (n cm-2 s-1)
    #[serde(default = "default_flux")]
    pub aperture_epithermal_flux: f64,
    /// transport the capture gammas (false: deposit them where they are made)
    #[serde(default = "yes")]
    pub gamma_transport: bool,
}

fn default_flux() -> f64 {
    1e9
}
fn yes() -> bool {
    true
}

/// `[boron]`: the 10B carrier and the 10B concentration per voxel.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoronPart {
    /// the carrier (documentation: its CBE values are in `[weighting]`)
    pub compound: String,
    /// 10B in blood during the irradiation (ug/g)
    pub blood_ppm: f64,
    /// tissue-to-blood concentration ratio per region (uptake of the FBPA PET, or the boron
    /// directly with `source = "ratios"`); regions not listed take `default_to_blood`
    pub uptake_to_blood: BTreeMap<String, f64>,
    #[serde(default = "one")]
    pub default_to_blood: f64,
    /// "fbpa_pet" (boron per voxel from the simulated PET) or "ratios" (uniform per region)
    pub source: String,
    /// with fbpa_pet: the region whose measured SUV stands for the blood pool (its
    /// `uptake_to_blood` divided out)
    pub blood_pool_region: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// `[fbpa_pet]`: the simulated 18F-FBPA scan.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FbpaPart {
    /// scanner name (data/pet) or file
    pub scanner: String,
    pub injected_mbq: f64,
    pub body_mass_kg: f64,
    /// SUV of blood at the scan (sets the activity, hence the counts)
    pub blood_suv: f64,
    pub uptake_min: f64,
    pub duration_s: f64,
    #[serde(default = "iters")]
    pub iterations: usize,
    #[serde(default = "subsets")]
    pub subsets: usize,
    #[serde(default)]
    pub post_filter_mm: f64,
    #[serde(default = "pos_hist")]
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub positron_histories: u64,
    #[serde(default = "yes")]
    pub noise: bool,
    #[serde(default = "seed")]
    pub seed: u64,
    /// the blood-pool reference uses the region's voxels at least this far from any other
    /// region (mm; default twice the scanner's transaxial FWHM), against spill-in
    pub reference_margin_mm: Option<f64>,
}

fn iters() -> usize {
    4
}
fn subsets() -> usize {
    8
}
fn pos_hist() -> u64 {
    20_000
}
fn seed() -> u64 {
    1
}

/// `[weighting]`: RBE of the neutron components and CBE of the boron dose per region.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightingPart {
    pub rbe_nitrogen: f64,
    pub rbe_hydrogen: f64,
    pub rbe_gamma: f64,
    /// CBE per region; regions not listed take `cbe_default`
    pub cbe: BTreeMap<String, f64>,
    pub cbe_default: f64,
}

/// What the treatment time is set by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrescriptionKind {
    /// the near-minimum (D98) weighted dose of the region
    TumourMin,
    /// the mean weighted dose of the region
    TumourMean,
    /// the largest mean weighted dose over a cube of about `peak_volume_cm3` in the region
    NormalPeak,
}

/// `[prescription]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionPart {
    /// tumour_min, tumour_mean or normal_peak
    pub kind: String,
    pub dose_gy_eq: f64,
    pub region: String,
    #[serde(default = "one")]
    pub peak_volume_cm3: f64,
    /// the tumour region reported beside a normal-tissue prescription (and the region of the
    /// 2% uncertainty target); default: `region` for tumour prescriptions
    pub tumour_region: Option<String>,
}

/// `[biology]`: which tissue each evaluated region is (`regions = { tumour = "tumour" }`), by a
/// name of data/biology/tissues.toml or of an inline `[biology.tissue.<name>]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiologyPart {
    #[serde(default)]
    pub regions: BTreeMap<String, String>,
    #[serde(default)]
    pub tissue: BTreeMap<String, crate::biology::tissues::Tissue>,
}

/// `[run]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunPart {
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub histories: u64,
    #[serde(default = "seed")]
    pub seed: u64,
    /// seconds between checkpoints of the neutron tally (`tally.bin` in the output folder;
    /// default 10)
    #[serde(default)]
    pub checkpoint_every_s: Option<f64>,
}

impl BnctStudy {
    /// Hash of everything in the study that determines its neutron histories' results (all
    /// but the histories, the checkpoint interval, the description and the file's place): a
    /// checkpoint is only continued by the same study.
    pub fn fingerprint(&self) -> u64 {
        let mut s = self.clone();
        s.run.histories = 0;
        s.run.checkpoint_every_s = None;
        s.description.clear();
        s.file = PathBuf::new();
        crate::run::spec::fnv1a(format!("{s:?}").as_bytes())
    }

    /// Reads and checks a study file.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML, an unknown or missing field, or a value out of range
    /// (the message names the file and the field).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read BNCT study {}", path.display()))?;
        let mut s: BnctStudy = toml::from_str(&text)
            .with_context(|| format!("{}: invalid BNCT study", path.display()))?;
        s.file = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new("."));
        if s.phantom.builtin.ends_with(".toml") && Path::new(&s.phantom.builtin).is_relative() {
            s.phantom.builtin = base.join(&s.phantom.builtin).display().to_string();
        }
        if s.beam.spectrum.ends_with(".csv") && Path::new(&s.beam.spectrum).is_relative() {
            s.beam.spectrum = base.join(&s.beam.spectrum).display().to_string();
        }
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        let f = self.file.display();
        let file = f.to_string();
        let positive = |what: &str, v: f64| -> Result<()> {
            if !(v.is_finite() && v > 0.0) {
                return Err(spec_in_file(
                    &file,
                    what,
                    format!("expected a positive number, got {v}"),
                ));
            }
            Ok(())
        };
        let non_negative = |what: &str, v: f64| -> Result<()> {
            if !(v.is_finite() && v >= 0.0) {
                return Err(spec_in_file(
                    &file,
                    what,
                    format!("expected a finite number >= 0, got {v}"),
                ));
            }
            Ok(())
        };
        if let Some(c) = self.run.checkpoint_every_s {
            non_negative("run.checkpoint_every_s", c)?;
        }
        if self.kind != "bnct" {
            bail!("{f}: kind = \"{}\": expected \"bnct\"", self.kind);
        }
        if self.name.is_empty() || self.name.contains(['/', '\\']) {
            bail!("{f}: name = \"{}\": expected a folder name", self.name);
        }
        if let Some(v) = self.phantom.voxel_mm {
            positive("phantom.voxel_mm", v)?;
        }
        let b = &self.beam;
        match (b.field_diameter_cm, b.field_size_cm) {
            (Some(d), None) => positive("beam.field_diameter_cm", d)?,
            (None, Some([w, h])) => {
                positive("beam.field_size_cm[0]", w)?;
                positive("beam.field_size_cm[1]", h)?;
            }
            _ => bail!("{f}: beam: give field_diameter_cm = D or field_size_cm = [w, h]"),
        }
        self.direction()?;
        positive("beam.aperture_epithermal_flux", b.aperture_epithermal_flux)?;
        let bo = &self.boron;
        non_negative("boron.blood_ppm", bo.blood_ppm)?;
        non_negative("boron.default_to_blood", bo.default_to_blood)?;
        for (r, v) in &bo.uptake_to_blood {
            non_negative(&format!("boron.uptake_to_blood.{r}"), *v)?;
        }
        match bo.source.as_str() {
            "ratios" => {}
            "fbpa_pet" => {
                let Some(p) = &self.fbpa_pet else {
                    bail!("{f}: boron.source = \"fbpa_pet\" needs an [fbpa_pet] section");
                };
                let Some(r) = &bo.blood_pool_region else {
                    bail!("{f}: boron.source = \"fbpa_pet\" needs boron.blood_pool_region");
                };
                positive(
                    &format!("boron.uptake_to_blood.{r} (the blood-pool region)"),
                    self.uptake_to_blood(r),
                )?;
                positive("fbpa_pet.injected_mbq", p.injected_mbq)?;
                positive("fbpa_pet.body_mass_kg", p.body_mass_kg)?;
                positive("fbpa_pet.blood_suv", p.blood_suv)?;
                non_negative("fbpa_pet.uptake_min", p.uptake_min)?;
                positive("fbpa_pet.duration_s", p.duration_s)?;
                non_negative("fbpa_pet.post_filter_mm", p.post_filter_mm)?;
                if p.iterations == 0 || p.subsets == 0 {
                    bail!("{f}: fbpa_pet.iterations and fbpa_pet.subsets: expected at least 1");
                }
                if let Some(m) = p.reference_margin_mm {
                    non_negative("fbpa_pet.reference_margin_mm", m)?;
                }
            }
            s => bail!("{f}: boron.source = \"{s}\": expected \"fbpa_pet\" or \"ratios\""),
        }
        let w = &self.weighting;
        positive("weighting.rbe_nitrogen", w.rbe_nitrogen)?;
        positive("weighting.rbe_hydrogen", w.rbe_hydrogen)?;
        positive("weighting.rbe_gamma", w.rbe_gamma)?;
        positive("weighting.cbe_default", w.cbe_default)?;
        for (r, v) in &w.cbe {
            positive(&format!("weighting.cbe.{r}"), *v)?;
        }
        self.prescription_kind()?;
        positive("prescription.dose_gy_eq", self.prescription.dose_gy_eq)?;
        positive(
            "prescription.peak_volume_cm3",
            self.prescription.peak_volume_cm3,
        )?;
        if self.run.histories == 0 {
            return Err(spec_in_file(
                &file,
                "run.histories",
                "expected at least 1, got 0".into(),
            ));
        }
        Ok(())
    }

    /// The beam direction as a unit vector (local frame = world axes of a built-in phantom).
    ///
    /// # Errors
    /// An unknown axis name or a zero or non-finite vector.
    pub fn direction(&self) -> Result<Vec3> {
        let f = self.file.display();
        match &self.beam.direction {
            DirectionSpec::Axis(a) => axis_direction(a).ok_or_else(|| {
                anyhow::anyhow!(
                    "{f}: beam.direction = \"{a}\": expected +x, -x, +y, -y, +z, -z or [ux, uy, uz]"
                )
            }),
            DirectionSpec::Vector(v) => unit_vector(*v).ok_or_else(|| {
                anyhow::anyhow!("{f}: beam.direction = {v:?}: expected a non-zero vector")
            }),
        }
    }

    /// The prescription kind.
    ///
    /// # Errors
    /// An unknown kind.
    pub fn prescription_kind(&self) -> Result<PrescriptionKind> {
        Ok(match self.prescription.kind.as_str() {
            "tumour_min" => PrescriptionKind::TumourMin,
            "tumour_mean" => PrescriptionKind::TumourMean,
            "normal_peak" => PrescriptionKind::NormalPeak,
            k => bail!(
                "{}: prescription.kind = \"{k}\": expected tumour_min, tumour_mean or normal_peak",
                self.file.display()
            ),
        })
    }

    /// The tumour region reported (and whose weighted-dose uncertainty is the 2% target).
    pub fn tumour_region(&self) -> &str {
        match &self.prescription.tumour_region {
            Some(t) => t,
            None => &self.prescription.region,
        }
    }

    /// Tissue-to-blood ratio of a region.
    pub fn uptake_to_blood(&self, region: &str) -> f64 {
        *self
            .boron
            .uptake_to_blood
            .get(region)
            .unwrap_or(&self.boron.default_to_blood)
    }

    /// CBE of a region.
    pub fn cbe(&self, region: &str) -> f64 {
        *self
            .weighting
            .cbe
            .get(region)
            .unwrap_or(&self.weighting.cbe_default)
    }

    /// Checks that every region the study names exists in the phantom.
    ///
    /// # Errors
    /// A region name the phantom lacks (the message lists the field and the phantom's regions).
    pub fn check_regions(&self, ph: &crate::phantom::Phantom) -> Result<()> {
        let f = self.file.display();
        let mut named: Vec<(String, &str)> = Vec::new();
        for r in self.boron.uptake_to_blood.keys() {
            named.push((format!("boron.uptake_to_blood.{r}"), r));
        }
        for r in self.weighting.cbe.keys() {
            named.push((format!("weighting.cbe.{r}"), r));
        }
        if let Some(r) = &self.boron.blood_pool_region {
            named.push(("boron.blood_pool_region".into(), r));
        }
        named.push(("prescription.region".into(), &self.prescription.region));
        named.push(("prescription.tumour_region".into(), self.tumour_region()));
        for (field, r) in named {
            ph.region_id(r)
                .with_context(|| format!("{f}: {field} = \"{r}\""))?;
        }
        Ok(())
    }
}
