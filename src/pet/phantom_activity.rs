//! Activity maps of test phantoms and the analysis regions of `theradose pet`.
//!
//! Compartments: a region is *fillable* unless its name is `outside`, `shell`, or starts with
//! `wall` or `lung` (walls and the lung insert of a test phantom hold no activity). *Hot*
//! regions are those whose name starts with `sphere`, `lesion`, `tumour` or `tumor`; the
//! *background* region is the phantom's largest region (most voxels, `outside` excluded).

use crate::phantom::Phantom;
use anyhow::{bail, Result};

fn fillable(name: &str) -> bool {
    !(name == "outside" || name == "shell" || name.starts_with("wall") || name.starts_with("lung"))
}

fn hot(name: &str) -> bool {
    ["sphere", "lesion", "tumour", "tumor"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The largest region (most voxels; `outside` excluded), or None if there is none.
pub fn largest_region(ph: &Phantom) -> Option<u16> {
    let mut counts = vec![0usize; ph.regions.len()];
    for &l in &ph.label {
        counts[l as usize] += 1;
    }
    (1..counts.len())
        .filter(|&i| counts[i] > 0)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .map(|i| i as u16)
}

/// `c` Bq/mL in every voxel of a fillable region, 0 elsewhere.
///
/// # Errors
/// A negative or non-finite concentration, or a phantom without a fillable region.
pub fn uniform(ph: &Phantom, c: f64) -> Result<Vec<f64>> {
    if !(c.is_finite() && c >= 0.0) {
        bail!("--uniform-bq-ml {c}: expected a finite non-negative concentration");
    }
    let fill: Vec<bool> = ph.regions.iter().map(|r| fillable(&r.name)).collect();
    if !fill.iter().any(|&f| f) {
        bail!("phantom '{}' has no fillable region", ph.name);
    }
    Ok(ph
        .label
        .iter()
        .map(|&l| if fill[l as usize] { c } else { 0.0 })
        .collect())
}

/// `ratio x background` Bq/mL in the hot regions, `background` in the largest region, 0
/// elsewhere.
///
/// # Errors
/// A negative or non-finite value, or a phantom without hot regions.
pub fn sphere_to_background(ph: &Phantom, ratio: f64, background: f64) -> Result<Vec<f64>> {
    for (what, v) in [
        ("--sphere-to-background", ratio),
        ("--background-bq-ml", background),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            bail!("{what} {v}: expected a finite non-negative number");
        }
    }
    let hot_ids: Vec<bool> = ph.regions.iter().map(|r| hot(&r.name)).collect();
    if !hot_ids.iter().any(|&h| h) {
        bail!(
            "phantom '{}' has no hot region (a region named sphere*, lesion* or tumour*): \
             use --uniform-bq-ml or --activity",
            ph.name
        );
    }
    let bg = largest_region(ph);
    Ok(ph
        .label
        .iter()
        .map(|&l| {
            if hot_ids[l as usize] {
                ratio * background
            } else if Some(l) == bg {
                background
            } else {
                0.0
            }
        })
        .collect())
}

/// The central 50% of a region: its voxels whose centre lies within a quarter of the region's
/// extent from the region's centroid along each axis (x, y and z separately), the extent being
/// the distance between the outermost voxel centres of the region along that axis plus one
/// voxel. For a box region this is the central box of half its size in each direction.
pub fn central_voxels(ph: &Phantom, region: u16) -> Vec<u32> {
    let d = ph.grid.dims;
    let ijk = |v: usize| [v % d[0], (v / d[0]) % d[1], v / (d[0] * d[1])];
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    let mut sum = [0.0f64; 3];
    let mut n = 0usize;
    for (v, &l) in ph.label.iter().enumerate() {
        if l == region {
            let p = ijk(v);
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
                sum[a] += p[a] as f64;
            }
            n += 1;
        }
    }
    if n == 0 {
        return Vec::new();
    }
    let c = sum.map(|s| s / n as f64);
    let quarter = [0, 1, 2].map(|a| 0.25 * (hi[a] - lo[a] + 1) as f64);
    (0..ph.label.len())
        .filter(|&v| {
            let p = ijk(v);
            ph.label[v] == region && (0..3).all(|a| (p[a] as f64 - c[a]).abs() <= quarter[a])
        })
        .map(|v| v as u32)
        .collect()
}

/// Recovery of one hot sphere: the diameter parsed from its region name (`sphere_10mm`) and
/// the reconstructed mean and maximum over its voxels divided by its true mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    pub region: String,
    pub diameter_mm: f64,
    pub mean: f64,
    pub max: f64,
}

/// Recovery coefficients of the regions named `sphere_<d>mm`, by increasing diameter.
pub fn sphere_recovery(ph: &Phantom, recon: &[f64], truth: &[f64]) -> Vec<Recovery> {
    let mut out = Vec::new();
    for (id, r) in ph.regions.iter().enumerate() {
        let Some(d) = r
            .name
            .strip_prefix("sphere_")
            .and_then(|s| s.strip_suffix("mm"))
            .and_then(|s| s.parse::<f64>().ok())
        else {
            continue;
        };
        let voi = super::metrics::voi_from_label(&ph.label, id as u16);
        let t = super::metrics::suv_mean(truth, &voi);
        if voi.is_empty() || t <= 0.0 {
            continue;
        }
        out.push(Recovery {
            region: r.name.clone(),
            diameter_mm: d,
            mean: super::metrics::suv_mean(recon, &voi) / t,
            max: super::metrics::suv_max(recon, &voi) / t,
        });
    }
    out.sort_by(|a, b| a.diameter_mm.total_cmp(&b.diameter_mm));
    out
}
