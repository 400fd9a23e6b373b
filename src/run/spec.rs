//! Run files (TOML): the phantom, the source and the settings of a Monte Carlo run. These are
//! the typed specs of a run (L4); the study files embed the same sections.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The phantom of a run: a built-in one, a CT in HU, or a volume exported by theradose.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PhantomSpec {
    /// name of a built-in phantom (`theradose phantom list`) or path of a phantom TOML
    pub builtin: Option<String>,
    /// CT volume in HU (DICOM folder or file, NIfTI or MetaImage)
    pub ct: Option<PathBuf>,
    /// the SeriesInstanceUID of the CT when its DICOM folder holds several CT series
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ct_series: Option<String>,
    /// label map on the CT grid
    pub labels: Option<PathBuf>,
    /// names of the label ids, e.g. { "1" = "liver" }
    #[serde(default)]
    pub label_names: BTreeMap<String, String>,
    /// HU calibration TOML (default: data/hu_schneider.toml)
    pub hu_calibration: Option<PathBuf>,
    /// voxel size for built-in phantoms (mm): one number for cubes, or [x, y, z] for
    /// anisotropic voxels (e.g. [10, 10, 0.05] for thin layers of a laterally wide slab)
    pub voxel_mm: Option<VoxelMm>,
    /// optional shape groups of a built-in phantom to include (e.g. "lesions")
    #[serde(default)]
    pub groups: Vec<String>,
    /// a homogeneous medium around the grid, transported without voxels (e.g. a small grid in
    /// a 50 cm water sphere): `world = { material = "water", radius_mm = 250 }` or
    /// `half_size_mm = [x, y, z]`, centred on the grid
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<WorldSpec>,
}

/// The world medium around a phantom's grid: a material out to a sphere or a box centred on the
/// grid, which it must contain.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// a material name (built in, or of the run file's `[materials]`)
    pub material: String,
    /// g/cm3 (default: the material's nominal density)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<f64>,
    /// radius of a world sphere (mm)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_mm: Option<f64>,
    /// half sizes of a world box (mm)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_size_mm: Option<[f64; 3]>,
}

/// A voxel size in mm: one number for cubic voxels, or [x, y, z] along the phantom's axes.
/// Cubic sizes are written back as one number, so older run files keep their fingerprints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VoxelMm(pub [f64; 3]);

impl VoxelMm {
    /// The size along each axis (mm).
    pub fn xyz(self) -> [f64; 3] {
        self.0
    }

    /// The one size of cubic voxels, `None` for anisotropic ones.
    pub fn cubic(self) -> Option<f64> {
        let [x, y, z] = self.0;
        (x == y && y == z).then_some(x)
    }
}

impl From<f64> for VoxelMm {
    fn from(v: f64) -> Self {
        VoxelMm([v; 3])
    }
}

impl Serialize for VoxelMm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.cubic() {
            Some(v) => s.serialize_f64(v),
            None => self.0.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for VoxelMm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(f64),
            Three([f64; 3]),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a voxel size in mm: a number, or [x, y, z]")
        })? {
            Raw::One(v) => Ok(VoxelMm([v; 3])),
            Raw::Three(v) => Ok(VoxelMm(v)),
        }
    }
}

/// The source of a run.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// "photon" (electron, positron: deposited locally until electron transport exists)
    #[serde(default = "default_particle")]
    pub particle: String,
    /// "point", "region", "map" or "beam" (a parallel beam along `direction` with the field
    /// `field_diameter_cm` or `field_cm`, aimed through `aim_mm`; `energy_mev` or `lines`)
    pub kind: String,
    pub position_mm: Option<[f64; 3]>,
    pub region: Option<String>,
    /// activity map (Bq or Bq s per voxel) on the phantom grid
    pub map: Option<PathBuf>,
    pub energy_mev: Option<f64>,
    /// [[energy_mev, intensity], ...]
    pub lines: Option<Vec<(f64, f64)>>,
    /// a radionuclide (e.g. "Lu-177"): every radiation of each decay is emitted; `particle`,
    /// `energy_mev` and `lines` do not apply. With kind = "beam": the nuclide's discrete lines of
    /// `particle` (photon: gamma and X-ray lines; alpha: alpha lines), one particle per history
    pub nuclide: Option<String>,
    /// with `nuclide`: include the decay chain at secular equilibrium (default false)
    pub chain: Option<bool>,
    /// with `chain`: daughters (and their descendants) of which a fraction leaves the decay
    /// site, e.g. [{ nuclide = "Bi-213", fraction = 0.3, to = "kidneys" }] (`to` a region
    /// name, or "lost" for activity leaving the body)
    #[serde(default)]
    pub daughter_escape: Vec<DaughterEscapeSpec>,
    /// with `nuclide`: the decay data, "icrp107" (ICRP-107, the default) or "endf"
    /// (ENDF/B-VIII.1), for the whole chain; a prefix on `nuclide` ("endf:Lu-177") overrides it
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
    /// number of real source particles the run represents: dose in Gy; without it, Gy per
    /// source particle
    pub emitted_particles: Option<f64>,
    /// beam: +z (default), -z, +x, -x, +y, -y, or a vector "ux,uy,uz" along the phantom's voxel
    /// axes (built-in phantoms: +x patient left, +y posterior, +z superior)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// beam: diameter of a circular field (cm); or `field_cm`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_diameter_cm: Option<f64>,
    /// beam: rectangular field [W, H] (cm), W along direction x z (direction x x within about
    /// 25 degrees of z), H along direction x W
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_cm: Option<[f64; 2]>,
    /// beam: a point [x, y, z] (mm) of the central axis (built-in phantom: its definition frame;
    /// CT: world coordinates). Without it an axis beam enters the centre of the face opposite to
    /// its direction, any other beam passes through the phantom centre
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aim_mm: Option<[f64; 3]>,
}

/// One daughter-escape rule of a run file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DaughterEscapeSpec {
    pub nuclide: String,
    pub fraction: f64,
    /// region where the escaped daughter decays, or "lost"
    pub to: String,
}

fn default_particle() -> String {
    "photon".into()
}

/// Run settings of a run file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub histories: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// photon transport cut-off (keV), default 1
    pub photon_cutoff_kev: Option<f64>,
    /// Compton binding correction (default true)
    pub compton_binding: Option<bool>,
    pub target_uncertainty: Option<f64>,
    pub target_region: Option<String>,
    /// condensed-history transport of electrons and positrons (default true); false deposits
    /// them where they are set in motion
    pub electron_transport: Option<bool>,
    /// electron/positron cut-off and delta-ray threshold (keV); default: the energy whose CSDA
    /// range in water is a hundredth of the smallest voxel dimension, within [10, 1000] keV;
    /// above it, range rejection deposits an electron that cannot reach a face of its voxel
    /// there at once
    pub electron_cutoff_kev: Option<f64>,
}

/// The default random seed of run files and computation specs: 1.
pub fn default_seed() -> u64 {
    1
}

/// Optional scorers of a run file (`[scoring]`); all off by default.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// `let = true`: dose-averaged and track-averaged LET of alpha tracks per voxel
    /// (`let_dose_averaged.nii.gz`, `let_track_averaged.nii.gz`, LET columns in regions.csv)
    #[serde(rename = "let", default)]
    pub let_scoring: bool,
}

impl ScoringSpec {
    fn is_default(&self) -> bool {
        *self == ScoringSpec::default()
    }
}

/// A run file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub phantom: PhantomSpec,
    pub source: SourceSpec,
    pub run: RunSpec,
    /// optional scorers; left out of the serialised file (and so of the fingerprint) when all
    /// are off
    #[serde(default, skip_serializing_if = "ScoringSpec::is_default")]
    pub scoring: ScoringSpec,
    /// `[figures]`: how the figures are drawn and written; left out of the serialised file
    /// (and so of the fingerprint) when default
    #[serde(default, skip_serializing_if = "crate::plot::FiguresSpec::is_default")]
    pub figures: crate::plot::FiguresSpec,
    /// `[materials.NAME]`: materials of the user's (elements by mass fraction, density,
    /// optional I), usable by name in the phantom like the built-in ones (`vacuum` is built in)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub materials: BTreeMap<String, crate::materials::MaterialSpec>,
}

impl RunFile {
    /// Reads a run file; relative paths in it are taken relative to its folder.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read run file {}", path.display()))?;
        let mut f: RunFile = toml::from_str(&text)
            .with_context(|| format!("{}: invalid run file", path.display()))?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let abs = |p: &mut Option<PathBuf>| {
            if let Some(q) = p {
                if q.is_relative() {
                    *q = base.join(&*q);
                }
            }
        };
        abs(&mut f.phantom.ct);
        abs(&mut f.phantom.labels);
        abs(&mut f.phantom.hu_calibration);
        abs(&mut f.source.map);
        if let Some(b) = &f.phantom.builtin {
            if b.ends_with(".toml") && Path::new(b).is_relative() {
                f.phantom.builtin = Some(base.join(b).to_string_lossy().to_string());
            }
        }
        Ok(f)
    }

    /// Hash of everything that determines the histories' results (phantom, source, physics,
    /// seed): a checkpoint or job part is only combined with a matching one. The number of
    /// histories is left out (history `i` is the same whatever the total), so a finished run
    /// can be extended; the tally header holds the planned count.
    pub fn fingerprint(&self) -> u64 {
        let mut f = self.clone();
        f.run.histories = 0;
        f.run.target_uncertainty = None;
        f.run.target_region = None;
        f.description.clear();
        let s = serde_json::to_string(&f).unwrap_or_default();
        fnv1a(s.as_bytes())
    }
}

/// FNV-1a 64-bit hash.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
