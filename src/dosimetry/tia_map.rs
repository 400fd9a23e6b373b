//! Time-integrated activity maps (L5, `theradose tia-map`): a time-integrated activity map (Bq s per voxel) from registered serial
//! activity images (issue 6). Each voxel's time-activity curve is fitted (mono-exponential by
//! default; voxels with too few positive values or a failed fit take the trapezoid with a
//! physical-decay tail, see [`crate::dosimetry::kinetics::voxel::tia_map`]).
//!
//! Images in Bq/mL (default) are turned into Bq per voxel with the voxel volume; a calibration
//! factor multiplies every value first (e.g. Bq/mL per count/s of a SPECT reconstruction).
//! Images on other grids than the first (or than `grid_like`, or than the `phantom`'s) are
//! resampled to it, activity-conserving. With a `phantom` (a CT in HU, or a built-in phantom at
//! the first image's voxel size) voxels of air (below 0.01 g/cm3) hold no TIA, and the summary
//! lists the TIA of each region (a CT's `labels`: label map, RTSTRUCT or SEG).

use crate::dosimetry::kinetics::voxel::{tia_map, VoxelFitOptions};
use crate::dosimetry::kinetics::{Model, ModelChoice, TrapezoidStart};
use crate::dosimetry::resample::{resample, ResampleMode};
use crate::error::SpecField;
use crate::io::{read_volume, write_file_atomic, write_volume, Grid, Volume};
use crate::source::nuclide::Nuclide;
use crate::spec_bail;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Serial activity images and how to fit them (the TOML section of `theradose tia-map`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiaMapSpec {
    /// scan times after administration (h), increasing, one per image
    pub times_h: Vec<f64>,
    /// activity images (NIfTI or MetaImage), one per time, registered to each other
    pub images: Vec<PathBuf>,
    /// radionuclide (physical decay of the tail and the lower bound of fitted rates)
    pub nuclide: String,
    /// decay data of `nuclide`: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1)
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
    /// image units: bq-ml (activity concentration) or bq (activity per voxel)
    #[serde(default = "default_units")]
    pub units: String,
    /// factor applied to every image value first
    #[serde(default = "default_calibration")]
    pub calibration: f64,
    /// voxel model: mono (default), auto (AICc, ten times slower), bi, uptake, trapezoid
    #[serde(default = "default_model")]
    pub model: String,
    /// relative noise (1 sigma) of a voxel value, for the fit weights and the uncertainty map
    #[serde(default = "default_noise_rel")]
    pub noise_rel: f64,
    /// resample every image to the grid of this volume (default: the first image's grid)
    #[serde(default)]
    pub grid_like: Option<PathBuf>,
    /// make the map on this phantom's grid: a CT (DICOM folder or file, NIfTI, MetaImage in
    /// HU) or a built-in phantom name (at the first image's voxel size)
    #[serde(default)]
    pub phantom: Option<String>,
    /// with a CT `phantom`: its regions (label map on the CT grid, RTSTRUCT or DICOM SEG)
    #[serde(default)]
    pub labels: Option<PathBuf>,
    /// names of the ids of a `labels` label map (JSON or CSV `id,name`)
    #[serde(default)]
    pub label_names: Option<PathBuf>,
    /// with a CT `phantom` folder holding several CT series: the SeriesInstanceUID to use
    #[serde(default)]
    pub series: Option<String>,
}

/// The TIA of one region of the `phantom`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RegionTia {
    pub name: String,
    pub voxels: usize,
    pub volume_ml: f64,
    pub tia_mbq_h: f64,
}

/// Default of [`TiaMapSpec::units`]: bq-ml.
pub fn default_units() -> String {
    "bq-ml".into()
}
/// Default of [`TiaMapSpec::calibration`]: 1.
pub fn default_calibration() -> f64 {
    1.0
}
/// Default of [`TiaMapSpec::model`]: mono.
pub fn default_model() -> String {
    "mono".into()
}
/// Default of [`TiaMapSpec::noise_rel`]: 0.1.
pub fn default_noise_rel() -> f64 {
    0.1
}

/// A TIA map with its uncertainty and summary.
#[derive(Clone, Debug)]
pub struct TiaMapResult {
    /// the grid of the maps (the first image's, or `grid_like`'s)
    pub grid: Grid,
    /// TIA per voxel (Bq s)
    pub tia_bq_s: Vec<f64>,
    /// relative uncertainty (1 sigma) of each voxel's TIA
    pub rel_uncertainty: Vec<f64>,
    /// images resampled to the grid, with what they were resampled to
    pub resampled: Vec<String>,
    /// `summary.json`
    pub summary: TiaMapSummary,
}

/// The summary of a TIA map (`summary.json`; keys in alphabetical order).
#[derive(Clone, Debug, Serialize)]
pub struct TiaMapSummary {
    /// calibration factor
    pub calibration: f64,
    /// the decay data of the nuclide's half-life: "icrp107" or "endf"
    pub decay_data: crate::source::DecayData,
    /// grid dimensions
    pub dims: [usize; 3],
    /// the images
    pub images: Vec<PathBuf>,
    /// voxel model
    pub model: String,
    /// the nuclide
    pub nuclide: String,
    /// with a `phantom`: the TIA of each of its regions
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionTia>,
    /// total TIA (Bq s)
    pub tia_total_bq_s: f64,
    /// total TIA (MBq h)
    pub tia_total_mbq_h: f64,
    /// scan times (h)
    pub times_h: Vec<f64>,
    /// image units
    pub units: String,
    /// theradose version
    pub version: String,
    /// voxel size (mm)
    pub voxel_mm: [f64; 3],
}

impl TiaMapResult {
    /// Writes `tia.nii.gz` (Bq s per voxel), `tia_uncertainty.nii.gz` and `summary.json` into
    /// the folder `out`.
    ///
    /// # Errors
    /// A folder or file that cannot be written.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let desc = format!(
            "theradose {} TIA Bq s per voxel, {}",
            crate::VERSION,
            self.summary.nuclide
        );
        write_volume(
            &out.join("tia.nii.gz"),
            &Volume {
                grid: self.grid.clone(),
                data: self.tia_bq_s.clone(),
            },
            &desc,
        )?;
        write_volume(
            &out.join("tia_uncertainty.nii.gz"),
            &Volume {
                grid: self.grid.clone(),
                data: self.rel_uncertainty.clone(),
            },
            "relative uncertainty (1 sigma) of the TIA",
        )?;
        write_file_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&self.summary)?.as_bytes(),
        )
    }
}

/// Checks a spec's times, calibration and units; returns whether the images are per mL.
fn check(a: &TiaMapSpec) -> Result<bool> {
    if a.times_h.len() != a.images.len() {
        spec_bail!(
            "times_h",
            "{} values for {} images: expected one time per image",
            a.times_h.len(),
            a.images.len()
        );
    }
    if a.times_h.len() < 2 || a.times_h.windows(2).any(|w| w[1] <= w[0]) || a.times_h[0] < 0.0 {
        spec_bail!(
            "times_h",
            "{:?}: expected at least two increasing times (h)",
            a.times_h
        );
    }
    if !(a.calibration.is_finite() && a.calibration > 0.0) {
        spec_bail!(
            "calibration",
            "{}: expected a positive factor",
            a.calibration
        );
    }
    match a.units.as_str() {
        "bq-ml" => Ok(true),
        "bq" => Ok(false),
        u => spec_bail!("units", "{u}: expected bq-ml or bq"),
    }
}

/// Fits every voxel's time-activity curve of the spec's images into a TIA map.
///
/// # Errors
/// Spec errors naming the field (times, calibration, units, model, nuclide), images that
/// cannot be read or hold negative or non-finite values, a failed resampling.
pub fn tia_map_images(a: &TiaMapSpec) -> Result<TiaMapResult> {
    let per_ml = check(a)?;
    let choice = match a.model.as_str() {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
            crate::error::spec_error(
                "model",
                format!("{m}: expected mono, auto, bi, uptake or trapezoid"),
            )
        })?),
    };
    let nuc = Nuclide::load_from(&a.nuclide, a.decay_data).spec_field("nuclide")?;
    let phantom = phantom_of(a)?;
    let reference = match (&phantom, &a.grid_like) {
        (Some(ph), _) => ph.grid.clone(),
        (None, Some(p)) => read_volume(p)?.grid,
        (None, None) => read_volume(&a.images[0])?.grid,
    };
    let mut stack = Vec::new();
    let mut resampled = Vec::new();
    for p in &a.images {
        let mut v = read_volume(p)?;
        for (i, x) in v.data.iter_mut().enumerate() {
            if !x.is_finite() || *x < 0.0 {
                let [nx, ny, _] = v.grid.dims;
                bail!(
                    "{}: voxel ({}, {}, {}) is {x}, expected a finite non-negative activity",
                    p.display(),
                    i % nx,
                    (i / nx) % ny,
                    i / (nx * ny)
                );
            }
            // to Bq per voxel
            *x *= a.calibration
                * if per_ml {
                    v.grid.voxel_volume_cm3()
                } else {
                    1.0
                };
        }
        if !v.grid.same_geometry(&reference, 1e-3) {
            resampled.push(format!(
                "{}: resampled (activity conserving) to {:?} of {:?} mm",
                p.display(),
                reference.dims,
                reference.spacing_mm
            ));
            v = resample(&v, &reference, ResampleMode::ConserveActivity)?;
        }
        stack.push(v.data);
    }
    let refs: Vec<&[f64]> = stack.iter().map(|x| x.as_slice()).collect();
    let opts = VoxelFitOptions {
        choice,
        lambda_phys_per_h: nuc.lambda_per_s() * 3600.0,
        rel_sigma: a.noise_rel.max(1e-3),
        trapezoid_start: TrapezoidStart::Zero,
    };
    let (mut tia, unc) = tia_map(&a.times_h, &refs, &opts)?;
    let mut regions = Vec::new();
    if let Some(ph) = &phantom {
        for (v, x) in tia.iter_mut().enumerate() {
            if ph.density[v] < 0.01 {
                *x = 0.0;
            }
        }
        regions = region_tia(ph, &tia);
    }
    let total: f64 = tia.iter().sum();
    let summary = TiaMapSummary {
        calibration: a.calibration,
        decay_data: nuc.data,
        dims: reference.dims,
        images: a.images.clone(),
        model: a.model.clone(),
        nuclide: a.nuclide.clone(),
        regions,
        tia_total_bq_s: total,
        tia_total_mbq_h: total / 3.6e9,
        times_h: a.times_h.clone(),
        units: a.units.clone(),
        version: crate::VERSION.into(),
        voxel_mm: reference.spacing_mm,
    };
    Ok(TiaMapResult {
        grid: reference,
        tia_bq_s: tia,
        rel_uncertainty: unc,
        resampled,
        summary,
    })
}

/// The `phantom` of a spec, built (a CT with its labels, or a built-in phantom at the first
/// image's voxel size).
fn phantom_of(a: &TiaMapSpec) -> Result<Option<crate::phantom::Phantom>> {
    let Some(p) = &a.phantom else {
        if let Some(l) = &a.labels {
            spec_bail!("labels", "{}: labels need a phantom (a CT)", l.display());
        }
        return Ok(None);
    };
    if a.grid_like.is_some() {
        spec_bail!("grid_like", "give either phantom or grid_like, not both");
    }
    let voxel_mm = match a.images.first() {
        Some(i) => Some(read_volume(i)?.grid.spacing_mm[0]),
        None => None,
    };
    let spec = crate::run::phantom_arg::phantom_spec(
        p,
        a.labels.as_deref(),
        a.label_names.as_deref(),
        a.series.as_deref(),
        voxel_mm,
        &[],
    )
    .spec_field("phantom")?;
    let db = crate::materials::MaterialDb::load()?;
    Ok(Some(
        crate::run::problem::build_phantom(&spec, &db).spec_field("phantom")?,
    ))
}

/// The TIA of every region of a phantom but the background.
fn region_tia(ph: &crate::phantom::Phantom, tia: &[f64]) -> Vec<RegionTia> {
    let mut sum = vec![0.0; ph.regions.len()];
    let mut n = vec![0usize; ph.regions.len()];
    for (v, &l) in ph.label.iter().enumerate() {
        sum[l as usize] += tia[v];
        n[l as usize] += 1;
    }
    (1..ph.regions.len())
        .map(|r| RegionTia {
            name: ph.regions[r].name.clone(),
            voxels: n[r],
            volume_ml: n[r] as f64 * ph.grid.voxel_volume_cm3(),
            tia_mbq_h: sum[r] / 3.6e9,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary keeps the key order of the JSON the command always wrote (alphabetical).
    #[test]
    fn summary_keys_in_alphabetical_order() {
        let s = TiaMapSummary {
            calibration: 1.0,
            decay_data: Default::default(),
            dims: [1, 1, 1],
            images: vec![],
            model: "mono".into(),
            nuclide: "Lu-177".into(),
            regions: vec![RegionTia {
                name: "liver".into(),
                voxels: 1,
                volume_ml: 1.0,
                tia_mbq_h: 1.0,
            }],
            tia_total_bq_s: 1.0,
            tia_total_mbq_h: 1.0,
            times_h: vec![],
            units: "bq".into(),
            version: crate::VERSION.into(),
            voxel_mm: [1.0; 3],
        };
        let text = serde_json::to_string(&s).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
        assert!(at("tia_total_mbq_h") < at("times_h"), "{text}");
    }

    #[test]
    fn times_per_image_name_the_field() {
        let s: TiaMapSpec = toml::from_str(
            "times_h = [1.0]\nimages = [\"a.nii\", \"b.nii\"]\nnuclide = \"Lu-177\"",
        )
        .unwrap();
        assert_eq!(s.units, "bq-ml");
        let e = tia_map_images(&s).unwrap_err();
        let f = crate::error::spec_error_of(&e).unwrap();
        assert_eq!(f.field, "times_h");
        assert!(f.message.contains("expected one time per image"));
        assert!(toml::from_str::<TiaMapSpec>(
            "times_h = []\nimages = []\nnuclide = \"F-18\"\nout = \"x\""
        )
        .is_err());
    }
}
