//! Synthetic serial activity images of a dosimetry study: the true activity of each region at
//! each scan time from its kinetic model, blurred by the image resolution (a separable
//! Gaussian of the given FWHM) and with noise.
//!
//! Noise model: Gaussian with standard deviation noise_rel x sqrt(v x c_ref) per voxel of
//! blurred value v, where c_ref is the mean blurred value of the hottest region at the first
//! scan (Poisson-like: the relative noise grows as the counts fall, and a voxel holding c_ref
//! has the relative noise noise_rel); negative values are set to 0, as OSEM images are
//! non-negative. Voxel v of image t draws from `HistoryRng::new(seed, t * N + v)`.

use super::spec::{DosimetrySpec, RegionKinetics};
use crate::error::spec_error;
use crate::pet::blur::{Blur3, Kernel1d};
use crate::phantom::Phantom;
use crate::rng::HistoryRng;
use crate::spec_bail;
use anyhow::Result;
use rayon::prelude::*;

/// ln 2.
const LN2: f64 = std::f64::consts::LN_2;

/// True activity (Bq) of a region at `t_h` for `a0_bq` administered:
/// A0 f (exp(-(lb + lp) t) - exp(-(lu + lb + lp) t)) (N a_cell in place of A0 f for labelled
/// cells, [`RegionKinetics::plateau_bq`]).
pub fn region_activity_bq(k: &RegionKinetics, a0_bq: f64, lambda_phys_per_h: f64, t_h: f64) -> f64 {
    let lb = LN2 / k.biological_half_life_h;
    let lu = LN2 / k.uptake_half_time_h;
    let le = lb + lambda_phys_per_h;
    k.plateau_bq(a0_bq) * ((-le * t_h).exp() - (-(lu + le) * t_h).exp())
}

/// The kinetics integral of a region (h): the TIA per Bq at the uptake plateau,
/// 1/le - 1/(lu + le).
pub fn kinetics_integral_h(k: &RegionKinetics, lambda_phys_per_h: f64) -> f64 {
    let lb = LN2 / k.biological_half_life_h;
    let lu = LN2 / k.uptake_half_time_h;
    let le = lb + lambda_phys_per_h;
    1.0 / le - 1.0 / (lu + le)
}

/// True TIA (Bq h) of a region: A0 f (1/le - 1/(lu + le)) (N a_cell in place of A0 f for
/// labelled cells).
pub fn region_tia_bq_h(k: &RegionKinetics, a0_bq: f64, lambda_phys_per_h: f64) -> f64 {
    k.plateau_bq(a0_bq) * kinetics_integral_h(k, lambda_phys_per_h)
}

/// Checks the kinetics against the phantom: known regions, positive half-times, fractions in
/// (0, 1] or labelled cells ([`RegionKinetics::check_activity`]), the regions' plateau
/// activities summing to at most the administered activity.
pub fn validate(spec: &DosimetrySpec, ph: &Phantom) -> Result<Vec<u16>> {
    let mut ids = Vec::new();
    let mut sum = 0.0;
    let a0_bq = spec.therapy.activity_per_cycle_mbq * 1e6;
    for (i, k) in spec.kinetics.iter().enumerate() {
        let id = ph
            .region_id(&k.region)
            .map_err(|e| spec_error(format!("kinetics[{i}].region"), format!("{e:#}")))?;
        if ph.region_voxels(id).is_empty() {
            spec_bail!(
                format!("kinetics[{i}].region"),
                "'{}' has no voxels at {} mm",
                k.region,
                spec.phantom.voxel_mm
            );
        }
        for (name, v) in [
            ("uptake_half_time_h", k.uptake_half_time_h),
            ("biological_half_life_h", k.biological_half_life_h),
        ] {
            if !(v.is_finite() && v > 0.0) {
                spec_bail!(
                    format!("kinetics[{i}].{name}"),
                    "({}) expected a positive time in h, got {v}",
                    k.region
                );
            }
        }
        k.check_activity(i)?;
        sum += k.plateau_bq(a0_bq);
        if ids.contains(&id) {
            spec_bail!(
                format!("kinetics[{i}].region"),
                "'{}' given twice",
                k.region
            );
        }
        ids.push(id);
    }
    if sum > a0_bq * (1.0 + 1e-9) {
        if spec.kinetics.iter().all(|k| k.labelled_cells.is_none()) {
            spec_bail!(
                "kinetics",
                "uptake fractions sum to {}, more than the administered activity",
                sum / a0_bq
            );
        }
        spec_bail!(
            "kinetics",
            "the regions' activity at the uptake plateau (uptake fractions x \
             therapy.activity_per_cycle_mbq, plus labelled cells x activity per cell) sums to \
             {:.6e} MBq, more than the administered {} MBq (therapy.activity_per_cycle_mbq)",
            sum * 1e-6,
            spec.therapy.activity_per_cycle_mbq
        );
    }
    let t = &spec.imaging.times_h;
    if t.len() < 2 || t.windows(2).any(|w| w[1] <= w[0]) || t[0] <= 0.0 {
        spec_bail!(
            "imaging.times_h",
            "expected at least two increasing positive times, got {t:?}"
        );
    }
    Ok(ids)
}

/// The true activity map (Bq per voxel) at `t_h`: each region's activity uniform over its
/// voxels by mass.
pub fn true_map(
    spec: &DosimetrySpec,
    ph: &Phantom,
    ids: &[u16],
    lambda_phys_per_h: f64,
    t_h: f64,
) -> Vec<f64> {
    let a0 = spec.therapy.activity_per_cycle_mbq * 1e6;
    let mut map = vec![0.0; ph.len()];
    for (k, &id) in spec.kinetics.iter().zip(ids) {
        let vox = ph.region_voxels(id);
        let mass: f64 = vox.iter().map(|&v| ph.voxel_mass_g(v as usize)).sum();
        let a = region_activity_bq(k, a0, lambda_phys_per_h, t_h);
        for &v in &vox {
            map[v as usize] += a * ph.voxel_mass_g(v as usize) / mass;
        }
    }
    map
}

/// A true map blurred by the image resolution (activity conserving inside the grid).
pub fn blurred(spec: &DosimetrySpec, ph: &Phantom, truth: &[f64]) -> Vec<f64> {
    let v = ph.grid.spacing_mm;
    let blur = Blur3 {
        k: [0, 1, 2].map(|a| Kernel1d::gaussian(spec.imaging.fwhm_mm, v[a])),
    };
    let mut img = truth.to_vec();
    blur.apply(&mut img, ph.grid.dims);
    img
}

/// Adds the image noise (see the module doc) to a blurred map, image number `index`.
pub fn add_noise(spec: &DosimetrySpec, img: &mut [f64], c_ref: f64, index: u64) {
    let n = img.len() as u64;
    let (seed, rel) = (spec.imaging.seed, spec.imaging.noise_rel);
    img.par_iter_mut().enumerate().for_each(|(i, x)| {
        if *x <= 0.0 || rel <= 0.0 {
            *x = x.max(0.0);
            return;
        }
        let mut rng = HistoryRng::new(seed, index * n + i as u64);
        let g = (-2.0 * rng.uniform_open().ln()).sqrt()
            * (2.0 * std::f64::consts::PI * rng.uniform()).cos();
        *x = (*x + g * rel * (*x * c_ref).sqrt()).max(0.0);
    });
}

/// Mean blurred value per voxel of the hottest region (by mean voxel value) of a map.
pub fn hottest_mean(ph: &Phantom, ids: &[u16], blurred: &[f64]) -> f64 {
    ids.iter()
        .map(|&id| {
            let vox = ph.region_voxels(id);
            vox.iter().map(|&v| blurred[v as usize]).sum::<f64>() / vox.len().max(1) as f64
        })
        .fold(0.0, f64::max)
}
