//! SUV metrics of a volume of interest (VOI): SUVmax, SUVmean, SUVpeak (1 mL sphere), metabolic
//! tumour volume (MTV) at a threshold, total lesion glycolysis (TLG = SUVmean x MTV).
//!
//! Images are in grid order (`i + nx (j + ny k)`); a VOI is a list of voxel indices inside the
//! image (as [`voi_from_label`] gives; an index beyond the image panics). The functions work on
//! any image unit: pass an SUV image for SUV metrics (see [`suv_scale`]).

use crate::io::Grid;
use anyhow::{bail, Result};

/// Volume of the SUVpeak sphere (mL): 1 mL, a sphere of 12.4 mm diameter (PERCIST 1.0, Wahl et
/// al. 2009 J Nucl Med 50:122S, quotes 1.2 cm for its "1 cm3" sphere).
pub const PEAK_SPHERE_ML: f64 = 1.0;
/// Sub-samples per voxel axis when weighting voxels by their volume inside the peak sphere.
const SPHERE_SUB: usize = 8;

/// Factor from activity concentration (Bq/mL) to body-weight SUV (g/mL, i.e. unitless for a
/// tissue density of 1 g/mL): SUV = C x body mass (g) / injected activity decay-corrected to
/// the scan start, A_inj 2^(-uptake / half-life).
///
/// # Errors
/// Non-positive or non-finite activity, mass or half-life, or a negative uptake time.
pub fn suv_scale(
    injected_bq: f64,
    body_mass_g: f64,
    uptake_s: f64,
    half_life_s: f64,
) -> Result<f64> {
    for (what, v) in [
        ("injected activity (Bq)", injected_bq),
        ("body mass (g)", body_mass_g),
        ("half-life (s)", half_life_s),
    ] {
        if !(v.is_finite() && v > 0.0) {
            bail!("SUV: {what} = {v}, expected a positive number");
        }
    }
    if !(uptake_s.is_finite() && uptake_s >= 0.0) {
        bail!("SUV: uptake time {uptake_s} s, expected >= 0");
    }
    let at_scan = injected_bq * (-std::f64::consts::LN_2 * uptake_s / half_life_s).exp();
    Ok(body_mass_g / at_scan)
}

/// Voxel indices whose label is `id`.
pub fn voi_from_label(label: &[u16], id: u16) -> Vec<u32> {
    (0..label.len() as u32)
        .filter(|&v| label[v as usize] == id)
        .collect()
}

/// Maximum over the VOI (0 for an empty VOI).
pub fn suv_max(img: &[f64], voi: &[u32]) -> f64 {
    if voi.is_empty() {
        return 0.0;
    }
    voi.iter()
        .map(|&v| img[v as usize])
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Mean over the VOI (0 for an empty VOI).
pub fn suv_mean(img: &[f64], voi: &[u32]) -> f64 {
    if voi.is_empty() {
        return 0.0;
    }
    voi.iter().map(|&v| img[v as usize]).sum::<f64>() / voi.len() as f64
}

/// The SUVpeak of a VOI and the voxel its sphere is centred on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peak {
    pub value: f64,
    pub centre: usize,
}

/// SUVpeak: the largest mean of the image in a 1 mL sphere centred on a voxel centre of the
/// VOI (the sphere may reach outside the VOI). Each voxel counts with the fraction of its
/// volume inside the sphere (8^3 sub-samples); voxels beyond the grid do not count. None for
/// an empty VOI.
pub fn suv_peak(img: &[f64], grid: &Grid, voi: &[u32]) -> Option<Peak> {
    let r_mm = (3.0 * PEAK_SPHERE_ML * 1e3 / (4.0 * std::f64::consts::PI)).cbrt();
    let w = sphere_weights(grid.spacing_mm, r_mm);
    let d = grid.dims.map(|n| n as i64);
    let mut best: Option<Peak> = None;
    for &c in voi {
        let c = c as usize;
        let ci = [
            (c % grid.dims[0]) as i64,
            ((c / grid.dims[0]) % grid.dims[1]) as i64,
            (c / (grid.dims[0] * grid.dims[1])) as i64,
        ];
        let (mut s, mut sw) = (0.0, 0.0);
        for (o, wt) in &w {
            let p = [ci[0] + o[0], ci[1] + o[1], ci[2] + o[2]];
            if (0..3).all(|a| p[a] >= 0 && p[a] < d[a]) {
                s += wt * img[(p[0] + d[0] * (p[1] + d[1] * p[2])) as usize];
                sw += wt;
            }
        }
        let m = if sw > 0.0 { s / sw } else { 0.0 };
        if best.is_none_or(|b| m > b.value) {
            best = Some(Peak {
                value: m,
                centre: c,
            });
        }
    }
    best
}

/// Voxel offsets and the fraction of each voxel inside a sphere of `r_mm` centred on the
/// centre of voxel (0, 0, 0).
pub fn sphere_weights(spacing_mm: [f64; 3], r_mm: f64) -> Vec<([i64; 3], f64)> {
    let h = spacing_mm.map(|s| (r_mm / s).ceil() as i64 + 1);
    let f = |q: usize| (q as f64 + 0.5) / SPHERE_SUB as f64 - 0.5;
    let mut out = Vec::new();
    for k in -h[2]..=h[2] {
        for j in -h[1]..=h[1] {
            for i in -h[0]..=h[0] {
                let mut inside = 0usize;
                for c in 0..SPHERE_SUB {
                    for b in 0..SPHERE_SUB {
                        for a in 0..SPHERE_SUB {
                            let x = (i as f64 + f(a)) * spacing_mm[0];
                            let y = (j as f64 + f(b)) * spacing_mm[1];
                            let z = (k as f64 + f(c)) * spacing_mm[2];
                            inside += usize::from(x * x + y * y + z * z <= r_mm * r_mm);
                        }
                    }
                }
                if inside > 0 {
                    out.push(([i, j, k], inside as f64 / SPHERE_SUB.pow(3) as f64));
                }
            }
        }
    }
    out
}

/// A segmentation threshold for the metabolic tumour volume.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// a fraction of the VOI's maximum (0.41: the 41% isocontour of the EANM guideline,
    /// Boellaard et al. 2015 Eur J Nucl Med Mol Imaging 42:328)
    FractionOfMax(f64),
    /// an absolute value (2.5 for SUV >= 2.5)
    Absolute(f64),
}

/// Metabolic tumour volume and the metrics of its voxels.
#[derive(Clone, Debug, PartialEq)]
pub struct Mtv {
    /// voxels of the VOI at or above the threshold
    pub voxels: Vec<u32>,
    /// their volume (mL)
    pub volume_ml: f64,
    /// their mean value
    pub mean: f64,
    /// total lesion glycolysis: mean x volume (SUV mL for an SUV image)
    pub tlg: f64,
}

/// The voxels of the VOI at or above `threshold` and their volume, mean and TLG.
pub fn mtv(img: &[f64], grid: &Grid, voi: &[u32], threshold: Threshold) -> Mtv {
    let t = match threshold {
        Threshold::FractionOfMax(f) => f * suv_max(img, voi),
        Threshold::Absolute(a) => a,
    };
    let voxels: Vec<u32> = voi
        .iter()
        .copied()
        .filter(|&v| img[v as usize] >= t)
        .collect();
    let volume_ml = voxels.len() as f64 * grid.voxel_volume_cm3();
    let mean = suv_mean(img, &voxels);
    Mtv {
        voxels,
        volume_ml,
        mean,
        tlg: mean * volume_ml,
    }
}

/// The metrics of one lesion, in the unit of the image (SUV for an SUV image).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LesionMetrics {
    pub suv_max: f64,
    pub suv_peak: f64,
    pub suv_mean: f64,
    /// 41% of SUVmax isocontour within the VOI: volume (mL) and TLG (SUV mL)
    pub mtv41_ml: f64,
    pub tlg41: f64,
    /// SUV >= 2.5 within the VOI: volume (mL) and TLG (SUV mL)
    pub mtv25_ml: f64,
    pub tlg25: f64,
}

/// SUVmax, SUVpeak, SUVmean (over the VOI) and MTV / TLG at 41% of SUVmax and at SUV 2.5 of an
/// SUV image; None for an empty VOI.
pub fn lesion_metrics(suv: &[f64], grid: &Grid, voi: &[u32]) -> Option<LesionMetrics> {
    let peak = suv_peak(suv, grid, voi)?;
    let m41 = mtv(suv, grid, voi, Threshold::FractionOfMax(0.41));
    let m25 = mtv(suv, grid, voi, Threshold::Absolute(2.5));
    Some(LesionMetrics {
        suv_max: suv_max(suv, voi),
        suv_peak: peak.value,
        suv_mean: suv_mean(suv, voi),
        mtv41_ml: m41.volume_ml,
        tlg41: m41.tlg,
        mtv25_ml: m25.volume_ml,
        tlg25: m25.tlg,
    })
}
