//! Study and run files (TOML), result folders and the commands built on them.
//!
//! A run file names a phantom, a source and run settings; `theradose run FILE.toml` transports
//! it and writes `dose.nii.gz`, `uncertainty.nii.gz`, `summary.json`, `regions.csv` and a PNG.

pub mod beam_cmd;
pub mod bed_cmd;
pub mod bnct;
pub mod bnct_study;
pub mod decay_cmd;
pub mod dose_cmd;
pub mod dose_kernels;
pub mod dosimetry_images;
pub mod dosimetry_report;
pub mod dosimetry_study;
pub mod kernel;
pub mod output;
pub mod pet_cmd;
pub mod positron_range;
pub mod svalues;
pub mod therapy;
pub mod tia_cmd;
pub mod tia_map_cmd;
pub mod vsv;

use crate::materials::{HuCalibration, MaterialDb};
use crate::particle::ParticleKind;
use crate::phantom::{builtin, Phantom};
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::{ElectronMedium, Lepton, StoppingTable};
use crate::physics::photon::PhotonPhysics;
use crate::source::{EscapeRule, Source, Spatial, Spectrum};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The phantom of a run: a built-in one, a CT in HU, or a volume exported by theradose.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PhantomSpec {
    /// name of a built-in phantom (`theradose phantom list`) or path of a phantom TOML
    pub builtin: Option<String>,
    /// CT volume in HU (NIfTI or MetaImage)
    pub ct: Option<PathBuf>,
    /// label map on the CT grid
    pub labels: Option<PathBuf>,
    /// names of the label ids, e.g. { "1" = "liver" }
    #[serde(default)]
    pub label_names: BTreeMap<String, String>,
    /// HU calibration TOML (default: data/hu_schneider.toml)
    pub hu_calibration: Option<PathBuf>,
    /// voxel size for built-in phantoms (mm)
    pub voxel_mm: Option<f64>,
    /// optional shape groups of a built-in phantom to include (e.g. "lesions")
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The source of a run.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// "photon" (electron, positron: deposited locally until electron transport exists)
    #[serde(default = "default_particle")]
    pub particle: String,
    /// "point", "region" or "map"
    pub kind: String,
    pub position_mm: Option<[f64; 3]>,
    pub region: Option<String>,
    /// activity map (Bq or Bq s per voxel) on the phantom grid
    pub map: Option<PathBuf>,
    pub energy_mev: Option<f64>,
    /// [[energy_mev, intensity], ...]
    pub lines: Option<Vec<(f64, f64)>>,
    /// a radionuclide (e.g. "Lu-177"): every radiation of each decay is emitted; `particle`,
    /// `energy_mev` and `lines` do not apply
    pub nuclide: Option<String>,
    /// with `nuclide`: include the decay chain at secular equilibrium (default false)
    pub chain: Option<bool>,
    /// with `chain`: daughters (and their descendants) of which a fraction leaves the decay
    /// site, e.g. [{ nuclide = "Bi-213", fraction = 0.3, to = "kidneys" }] (`to` a region
    /// name, or "lost" for activity leaving the body)
    #[serde(default)]
    pub daughter_escape: Vec<DaughterEscapeSpec>,
    /// number of real source particles the run represents: dose in Gy; without it, Gy per
    /// source particle
    pub emitted_particles: Option<f64>,
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

fn default_seed() -> u64 {
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
    /// seed, total histories): a checkpoint or job part is only combined with a matching one.
    pub fn fingerprint(&self) -> u64 {
        let mut f = self.clone();
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

/// Builds the phantom of a run.
pub fn build_phantom(spec: &PhantomSpec, db: &MaterialDb) -> Result<Phantom> {
    match (&spec.builtin, &spec.ct) {
        (Some(name), None) => builtin::build(name, db, spec.voxel_mm, &spec.groups),
        (None, Some(ct)) => {
            let cal = match &spec.hu_calibration {
                Some(p) => HuCalibration::from_file(p)?,
                None => HuCalibration::default_schneider()?,
            };
            let names: Vec<(u16, String)> = spec
                .label_names
                .iter()
                .map(|(k, v)| {
                    k.parse::<u16>().map(|id| (id, v.clone())).map_err(|_| {
                        anyhow!("phantom.label_names: key '{k}' is not a label id (0-65535)")
                    })
                })
                .collect::<Result<_>>()?;
            let labels = spec.labels.as_deref().map(|p| (p, names.as_slice()));
            Phantom::from_ct(ct, &cal, db, labels)
        }
        (Some(_), Some(_)) => bail!("phantom: give either builtin or ct, not both"),
        (None, None) => bail!("phantom: expected builtin = NAME or ct = FILE"),
    }
}

/// Parses a particle name.
pub fn particle_kind(name: &str) -> Result<ParticleKind> {
    match name {
        "photon" | "gamma" => Ok(ParticleKind::Photon),
        "electron" => Ok(ParticleKind::Electron),
        "positron" => Ok(ParticleKind::Positron),
        "alpha" => Ok(ParticleKind::Alpha),
        p => bail!("particle '{p}': expected photon, electron, positron or alpha"),
    }
}

/// Builds the source of a run on its phantom.
pub fn build_source(spec: &SourceSpec, ph: &Phantom) -> Result<Source> {
    let particle = particle_kind(&spec.particle).context("source.particle")?;
    let spatial = match spec.kind.as_str() {
        "point" => {
            let p = spec
                .position_mm
                .ok_or_else(|| anyhow!("source: kind = \"point\" needs position_mm = [x, y, z]"))?;
            let local = ph.world_to_local(p);
            if ph.voxel_at(local).is_none() {
                bail!("source.position_mm {:?} lies outside the phantom", p);
            }
            Spatial::Point(local)
        }
        "region" => {
            let r = spec
                .region
                .as_deref()
                .ok_or_else(|| anyhow!("source: kind = \"region\" needs region = NAME"))?;
            Spatial::region(ph, r)?
        }
        "map" => {
            let path = spec
                .map
                .as_deref()
                .ok_or_else(|| anyhow!("source: kind = \"map\" needs map = FILE"))?;
            let vol = crate::io::read_volume(path)?;
            if !vol.grid.same_geometry(&ph.grid, 1e-3) {
                bail!(
                    "{}: activity map grid {:?} of {:?} mm, expected {:?} of {:?} mm like the phantom",
                    path.display(),
                    vol.grid.dims,
                    vol.grid.spacing_mm,
                    ph.grid.dims,
                    ph.grid.spacing_mm
                );
            }
            Spatial::map(ph, &vol.data, &path.display().to_string())?
        }
        k => bail!("source.kind '{k}': expected point, region or map"),
    };
    let mut escape = Vec::new();
    if spec.nuclide.is_none() && !spec.daughter_escape.is_empty() {
        bail!("source.daughter_escape needs nuclide = NAME and chain = true");
    }
    let spectrum = match (spec.energy_mev, &spec.lines) {
        _ if spec.nuclide.is_some() => {
            if spec.energy_mev.is_some() || spec.lines.is_some() {
                bail!("source: give nuclide, or energy_mev / lines, not both");
            }
            let n = spec.nuclide.as_deref().unwrap_or_default();
            escape = spec
                .daughter_escape
                .iter()
                .map(|d| {
                    let to = if d.to == "lost" {
                        None
                    } else {
                        Some(Spatial::region(ph, &d.to)?)
                    };
                    Ok(EscapeRule {
                        nuclide: d.nuclide.clone(),
                        fraction: d.fraction,
                        to,
                    })
                })
                .collect::<Result<Vec<_>>>()
                .context("source.daughter_escape")?;
            Spectrum::nuclide_with_escape(n, spec.chain.unwrap_or(false), &escape)
                .context("source.nuclide")?
        }
        (Some(e), None) => {
            if !(e.is_finite() && e > 0.0 && e <= crate::physics::photon::E_MAX_MEV) {
                bail!("source.energy_mev = {e}: expected 0 < E <= 20 MeV");
            }
            Spectrum::Mono(e)
        }
        (None, Some(l)) => Spectrum::lines(l)?,
        _ => bail!("source: give energy_mev, lines = [[E_MeV, intensity], ...] or nuclide = NAME"),
    };
    if let Some(n) = spec.emitted_particles {
        if !(n.is_finite() && n > 0.0) {
            bail!("source.emitted_particles = {n}: expected a positive number");
        }
    }
    Ok(Source {
        escape,
        particle,
        spatial,
        spectrum,
    })
}

/// Everything a run needs, built from a run file.
pub struct Problem {
    pub file: RunFile,
    pub phantom: Phantom,
    pub photon: PhotonPhysics,
    /// condensed-history electron physics, when electrons are transported
    pub electron: Option<ElectronPhysics>,
    /// alpha stopping tables per phantom material, when the source emits alphas
    pub alpha: Option<Vec<crate::physics::ion::table::IonTable>>,
    pub source: Source,
}

impl Problem {
    pub fn build(file: RunFile) -> Result<Self> {
        if file.run.histories == 0 {
            bail!("run.histories = 0: expected at least 1");
        }
        let db = MaterialDb::load()?;
        let phantom = build_phantom(&file.phantom, &db)?;
        let mut photon = PhotonPhysics::new(&phantom.materials)?;
        photon.compton_binding = file.run.compton_binding.unwrap_or(true);
        let source = build_source(&file.source, &phantom)?;
        let electron = if file.run.electron_transport.unwrap_or(true) {
            let cut_mev = match file.run.electron_cutoff_kev {
                Some(k) => {
                    if !(k.is_finite() && k >= 1.0) {
                        bail!("run.electron_cutoff_kev = {k}: expected at least 1 keV");
                    }
                    k * 1e-3
                }
                None => range_rejection_cutoff_mev(&db, &phantom)?,
            };
            let photon_cut = file.run.photon_cutoff_kev.unwrap_or(1.0) * 1e-3;
            Some(ElectronPhysics::new(
                &phantom.materials,
                CondensedParams::new(cut_mev, photon_cut),
            )?)
        } else {
            None
        };
        let alpha = if source.emits_alphas() {
            let data = crate::physics::ion::data::IonData::load()?;
            let tables = phantom
                .materials
                .iter()
                .map(|m| {
                    crate::physics::ion::build_table(
                        &data,
                        crate::physics::ion::stopping::Ion::Alpha,
                        m,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            Some(tables)
        } else {
            None
        };
        Ok(Problem {
            file,
            phantom,
            photon,
            electron,
            alpha,
            source,
        })
    }
}

/// Default electron cut-off of a voxel run (MeV): the energy whose CSDA range in water equals a
/// hundredth of the smallest voxel dimension, within [10 keV, 1 MeV]. Speed comes from range
/// rejection (an electron that cannot reach a face of its voxel deposits there at once, see
/// `Transport::track_lepton`), which is exact; a cut-off of a tenth of the voxel was 2-3% too
/// hot in the edge voxels of a uniform Lu-177 sphere against the VSV convolution (tests/dose.rs).
pub fn range_rejection_cutoff_mev(db: &MaterialDb, ph: &Phantom) -> Result<f64> {
    let water = db.get("water")?;
    let table = StoppingTable::new(&ElectronMedium::new(water, 1.0)?, Lepton::Electron, None);
    let voxel_cm = ph.voxel_cm.iter().cloned().fold(f64::INFINITY, f64::min);
    Ok(table.energy_at_range(0.01 * voxel_cm).clamp(1e-2, 1.0))
}
