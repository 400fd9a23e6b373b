//! `theradose tia-map`: a time-integrated activity map (Bq s per voxel) from registered serial
//! activity images (issue 6). Each voxel's time-activity curve is fitted (mono-exponential by
//! default; voxels with too few positive values or a failed fit take the trapezoid with a
//! physical-decay tail, see [`crate::dosimetry::kinetics::voxel::tia_map`]).
//!
//! Images in Bq/mL (default) are turned into Bq per voxel with the voxel volume; a calibration
//! factor multiplies every value first (e.g. Bq/mL per count/s of a SPECT reconstruction).
//! Images on other grids than the first (or than `--grid-like`) are resampled to it,
//! activity-conserving.

use crate::dosimetry::kinetics::voxel::{tia_map, VoxelFitOptions};
use crate::dosimetry::kinetics::{Model, ModelChoice, TrapezoidStart};
use crate::dosimetry::resample::{resample, ResampleMode};
use crate::io::{read_volume, write_volume, Volume};
use crate::source::nuclide::Nuclide;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `theradose tia-map`.
#[derive(clap::Args, Debug, Clone)]
pub struct TiaMapArgs {
    /// scan times after administration (h), increasing, one per image
    #[arg(long, value_delimiter = ',', required = true)]
    pub times_h: Vec<f64>,
    /// activity images (NIfTI or MetaImage), one per time, registered to each other
    #[arg(long, value_delimiter = ',', required = true)]
    pub images: Vec<PathBuf>,
    /// radionuclide (physical decay of the tail and the lower bound of fitted rates)
    #[arg(long)]
    pub nuclide: String,
    /// image units: bq-ml (activity concentration) or bq (activity per voxel)
    #[arg(long, default_value = "bq-ml")]
    pub units: String,
    /// factor applied to every image value first
    #[arg(long, default_value_t = 1.0)]
    pub calibration: f64,
    /// voxel model: mono (default), auto (AICc, ten times slower), bi, uptake, trapezoid
    #[arg(long, default_value = "mono")]
    pub model: String,
    /// relative noise (1 sigma) of a voxel value, for the fit weights and the uncertainty map
    #[arg(long, default_value_t = 0.1)]
    pub noise_rel: f64,
    /// resample every image to the grid of this volume (default: the first image's grid)
    #[arg(long)]
    pub grid_like: Option<PathBuf>,
    /// output folder: tia.nii.gz (Bq s per voxel), tia_uncertainty.nii.gz, summary.json
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `theradose tia-map`.
pub fn run(a: &TiaMapArgs) -> Result<()> {
    if a.times_h.len() != a.images.len() {
        bail!(
            "--times-h has {} values for {} --images: expected one time per image",
            a.times_h.len(),
            a.images.len()
        );
    }
    if a.times_h.len() < 2 || a.times_h.windows(2).any(|w| w[1] <= w[0]) || a.times_h[0] < 0.0 {
        bail!(
            "--times-h {:?}: expected at least two increasing times (h)",
            a.times_h
        );
    }
    if !(a.calibration.is_finite() && a.calibration > 0.0) {
        bail!(
            "--calibration {}: expected a positive factor",
            a.calibration
        );
    }
    let per_ml = match a.units.as_str() {
        "bq-ml" => true,
        "bq" => false,
        u => bail!("--units {u}: expected bq-ml or bq"),
    };
    let choice =
        match a.model.as_str() {
            "auto" => ModelChoice::Auto,
            m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
                anyhow!("--model {m}: expected mono, auto, bi, uptake or trapezoid")
            })?),
        };
    let nuc = Nuclide::load(&a.nuclide).context("--nuclide")?;
    let reference = match &a.grid_like {
        Some(p) => read_volume(p)?.grid,
        None => read_volume(&a.images[0])?.grid,
    };
    let mut stack = Vec::new();
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
            eprintln!(
                "{}: resampled (activity conserving) to {:?} of {:?} mm",
                p.display(),
                reference.dims,
                reference.spacing_mm
            );
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
    let (tia, unc) = tia_map(&a.times_h, &refs, &opts)?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let desc = format!(
        "theradose {} TIA Bq s per voxel, {}",
        crate::VERSION,
        a.nuclide
    );
    write_volume(
        &a.out.join("tia.nii.gz"),
        &Volume {
            grid: reference.clone(),
            data: tia.clone(),
        },
        &desc,
    )?;
    write_volume(
        &a.out.join("tia_uncertainty.nii.gz"),
        &Volume {
            grid: reference.clone(),
            data: unc,
        },
        "relative uncertainty (1 sigma) of the TIA",
    )?;
    let total: f64 = tia.iter().sum();
    let summary = json!({
        "version": crate::VERSION,
        "nuclide": a.nuclide,
        "times_h": a.times_h,
        "images": a.images,
        "units": a.units,
        "calibration": a.calibration,
        "model": a.model,
        "dims": reference.dims,
        "voxel_mm": reference.spacing_mm,
        "tia_total_bq_s": total,
        "tia_total_mbq_h": total / 3.6e9,
    });
    super::output::write_atomic(
        &a.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    eprintln!(
        "TIA map: {:.4e} MBq h in total -> {}",
        total / 3.6e9,
        a.out.join("tia.nii.gz").display()
    );
    Ok(())
}
