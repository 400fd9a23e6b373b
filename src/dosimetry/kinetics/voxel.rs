//! TIA of image stacks: per voxel ([`tia_map`]) and per region ([`fit_regions`]).

use anyhow::{bail, ensure, Result};
use rayon::prelude::*;

use super::simple::trapezoid_tail;
use super::{fit_tac, ModelChoice, TacFit, TacOptions, TrapezoidStart, Weights};

/// Seconds per hour: the fits work in h, the maps are written in Bq s.
const S_PER_H: f64 = 3600.0;
/// A voxel value below this fraction of the voxel's maximum gets the standard deviation of a
/// value at this fraction, so a near-zero point does not get a near-infinite weight.
const SIGMA_FLOOR_FRACTION: f64 = 1e-3;

/// Options of [`tia_map`].
#[derive(Clone, Copy, Debug)]
pub struct VoxelFitOptions {
    /// The model per voxel ([`ModelChoice::Fixed`]`(Model::Mono)` is the usual choice: fast and
    /// robust on noisy voxels; `Auto` costs about ten times more).
    pub choice: ModelChoice,
    /// Physical decay constant of the nuclide, 1/h (rate floor and trapezoid tail).
    pub lambda_phys_per_h: f64,
    /// Relative standard deviation of one voxel value (image noise), taken as known (absolute
    /// weights), e.g. 0.1.
    pub rel_sigma: f64,
    /// Start of the trapezoid of the voxels that fall back to it.
    pub trapezoid_start: TrapezoidStart,
}

/// Time-integrated activity of every voxel of a stack of registered activity images.
///
/// `images[j]` holds the activity per voxel (Bq) at `times_h[j]` (h after injection), all on
/// the same grid. Each voxel's curve is fitted with `opts.choice` over its positive values;
/// voxels with fewer positive values than the model needs, or whose fit fails, take the
/// trapezoid with physical-decay tail over all values; all-zero voxels stay 0. Runs in
/// parallel over voxels (rayon); the result does not depend on the thread count.
///
/// Returns `(tia_bq_s, rel_uncertainty)`, one entry per voxel: TIA in Bq s and its relative
/// standard deviation (0 where the TIA is 0).
///
/// # Errors
/// Times not increasing or mismatched with the images, images of different sizes, a NaN,
/// infinite or negative voxel (the message names the image and voxel), or an invalid option.
pub fn tia_map(
    times_h: &[f64],
    images: &[&[f64]],
    opts: &VoxelFitOptions,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let nvox = check_stack(times_h, images)?;
    ensure!(
        opts.lambda_phys_per_h.is_finite() && opts.lambda_phys_per_h > 0.0,
        "physical decay constant {} 1/h: expected positive and finite",
        opts.lambda_phys_per_h
    );
    ensure!(
        opts.rel_sigma.is_finite() && opts.rel_sigma > 0.0,
        "relative voxel uncertainty {}: expected positive and finite",
        opts.rel_sigma
    );
    let out: Vec<(f64, f64)> = (0..nvox)
        .into_par_iter()
        .map(|v| {
            let y: Vec<f64> = images.iter().map(|im| im[v]).collect();
            voxel_tia(times_h, &y, opts)
        })
        .collect();
    Ok(out.into_iter().unzip())
}

/// One voxel: `(TIA Bq s, relative sd)`.
fn voxel_tia(times_h: &[f64], y: &[f64], opts: &VoxelFitOptions) -> (f64, f64) {
    let y_max = y.iter().cloned().fold(0.0, f64::max);
    if y_max <= 0.0 {
        return (0.0, 0.0);
    }
    let sd = |v: f64| opts.rel_sigma * v.max(SIGMA_FLOOR_FRACTION * y_max);
    let (t_pos, y_pos): (Vec<f64>, Vec<f64>) = times_h
        .iter()
        .zip(y)
        .filter(|(_, v)| **v > 0.0)
        .map(|(t, v)| (*t, *v))
        .unzip();
    let sigma_pos: Vec<f64> = y_pos.iter().map(|&v| sd(v)).collect();
    let mut fit_opts = TacOptions::new(opts.choice, Some(opts.lambda_phys_per_h));
    fit_opts.trapezoid_start = opts.trapezoid_start;
    if let Ok(f) = fit_tac(&t_pos, &y_pos, Weights::Absolute(&sigma_pos), &fit_opts) {
        if let Some(r) = f.tia_rel_uncertainty() {
            return (f.tia * S_PER_H, r);
        }
    }
    let (tia, c) = trapezoid_tail(times_h, y, opts.lambda_phys_per_h, opts.trapezoid_start);
    let var: f64 = c.iter().zip(y).map(|(c, &v)| (c * sd(v)).powi(2)).sum();
    let rel = if tia > 0.0 { var.sqrt() / tia } else { 0.0 };
    (tia * S_PER_H, rel)
}

/// Checks a stack: times valid and one per image, equal sizes, finite non-negative voxels.
/// Returns the voxel count.
fn check_stack(times_h: &[f64], images: &[&[f64]]) -> Result<usize> {
    ensure!(
        images.len() == times_h.len(),
        "images: {} given for {} times, expected one image per time",
        images.len(),
        times_h.len()
    );
    super::validate_tac(
        times_h,
        &vec![1.0; times_h.len()],
        &vec![1.0; times_h.len()],
    )?;
    let nvox = images[0].len();
    for (j, im) in images.iter().enumerate() {
        if im.len() != nvox {
            bail!(
                "image {} (t = {} h): {} voxels, expected {nvox} like image 1",
                j + 1,
                times_h[j],
                im.len()
            );
        }
        if let Some(v) = im.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
            bail!(
                "image {} (t = {} h): voxel {v} is {}, expected a finite activity >= 0",
                j + 1,
                times_h[j],
                im[v]
            );
        }
    }
    Ok(nvox)
}

/// Region time-activity curves: `out[r][j]` is the sum of `images[j]` over the voxels whose
/// label is `region_ids[r]` (Bq when the images are Bq per voxel).
///
/// # Errors
/// When the label map and the images differ in size, or the images are invalid.
pub fn region_tacs(
    times_h: &[f64],
    images: &[&[f64]],
    labels: &[u16],
    region_ids: &[u16],
) -> Result<Vec<Vec<f64>>> {
    let nvox = check_stack(times_h, images)?;
    ensure!(
        labels.len() == nvox,
        "label map: {} voxels, expected {nvox} like the activity images",
        labels.len()
    );
    let mut slot = vec![usize::MAX; u16::MAX as usize + 1];
    for (r, &id) in region_ids.iter().enumerate() {
        slot[id as usize] = r;
    }
    let mut out = vec![vec![0.0; times_h.len()]; region_ids.len()];
    for (j, im) in images.iter().enumerate() {
        for (v, &l) in labels.iter().enumerate() {
            let r = slot[l as usize];
            if r != usize::MAX {
                out[r][j] += im[v];
            }
        }
    }
    Ok(out)
}

/// Fits the region curves of [`region_tacs`] with `opts`, relative weights `rel_sigma` (e.g.
/// 0.1: 10 % of each value, scaled by the reduced chi-square). One result per region id, in
/// order; TIA in Bq h when the images are Bq per voxel.
///
/// # Errors
/// Invalid images or labels, or a region whose fit fails (named by its id).
pub fn fit_regions(
    times_h: &[f64],
    images: &[&[f64]],
    labels: &[u16],
    region_ids: &[u16],
    rel_sigma: f64,
    opts: &TacOptions,
) -> Result<Vec<TacFit>> {
    let tacs = region_tacs(times_h, images, labels, region_ids)?;
    tacs.iter()
        .zip(region_ids)
        .map(|(y, id)| {
            let y_max = y.iter().cloned().fold(0.0, f64::max);
            let sigma: Vec<f64> = y
                .iter()
                .map(|v| rel_sigma * v.max(SIGMA_FLOOR_FRACTION * y_max))
                .collect();
            fit_tac(times_h, y, Weights::Relative(&sigma), opts)
                .map_err(|e| anyhow::anyhow!("region {id}: {e}"))
        })
        .collect()
}
