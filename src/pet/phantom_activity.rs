//! Activity maps of test phantoms and the analysis regions of `theradose pet`.
//!
//! Compartments: a region is *fillable* unless its name is `outside`, `shell`, or starts with
//! `wall` or `lung` (walls and the lung insert of a test phantom hold no activity). *Hot*
//! regions are those whose name starts with `sphere`, `lesion`, `tumour` or `tumor`; the
//! *background* region is the phantom's largest region (most voxels, `outside` excluded).

use crate::phantom::Phantom;
use anyhow::{bail, Result};
use std::collections::BTreeMap;

/// Pre-therapy 18F-FDG SUV (body weight, region mean, about 60 min after injection) of normal
/// tissue by region name of the built-in phantoms, for a follow-up FDG scan whose baseline must
/// be an FDG scan too (`followup.baseline_suv` of a therapy study overrides any entry).
/// Sources, per entry:
/// - brain: cerebellum SUVmean 8.0 ± 2.2 in 98 patients (Wang et al 2007 Mol Imaging Biol
///   9:83, abstract); the whole brain (grey and white matter) is set a little lower, 7.0
///   (ASSUMPTION);
/// - liver 2.0, the PERCIST reference organ (Wahl et al 2009 J Nucl Med 50:122S: normal liver
///   SUVmax 2.0-3.5 as commonly quoted; the mean taken at the low end, ASSUMPTION);
/// - heart 3.0 (fasting myocardium is highly variable, SUV 1-10; ASSUMPTION, blood content
///   included);
/// - kidneys 2.5 and bladder 20 (renal excretion of FDG: parenchyma with urine in the
///   collecting system, and bladder urine; ASSUMPTIONS of the order seen at 60 min);
/// - spleen 1.8, red marrow 1.6 (below the 2.5 normal-marrow threshold), salivary glands 2.0
///   (sublingual glands 3.3 ± 1.5 in Wang 2007, parotids lower), lungs 0.5, cortical bone 0.8,
///   other soft tissue and skin 0.8 (ASSUMPTIONS in the ranges of Wang 2007).
pub const FDG_SUV: [(&str, f64); 14] = [
    ("brain", 7.0),
    ("liver", 2.0),
    ("heart", 3.0),
    ("kidneys", 2.5),
    ("bladder", 20.0),
    ("spleen", 1.8),
    ("red_marrow", 1.6),
    ("salivary_glands", 2.0),
    ("lungs", 0.5),
    ("spine", 0.8),
    ("ribs", 0.8),
    ("pelvis", 0.8),
    ("skull", 0.8),
    ("skeleton", 0.8),
];

/// FDG SUV of a region not in [`FDG_SUV`] (body, skin, muscle; ASSUMPTION as above).
pub const FDG_OTHER_SUV: f64 = 0.8;

/// FDG SUV of a lesion (a hot region) without its own entry: ASSUMPTION, an FDG-avid metastasis
/// (SUVmax above 4 is the usual threshold of FDG-positive disease in metastatic prostate
/// cancer; the mean is set at 6).
pub const FDG_LESION_SUV: f64 = 6.0;

/// The FDG SUV of a region: `overrides` by name, then (for a hot region) `overrides["lesions"]`,
/// then [`FDG_SUV`], [`FDG_LESION_SUV`] for hot regions, [`FDG_OTHER_SUV`]; 0 for `outside`.
pub fn fdg_suv(region: &str, overrides: &BTreeMap<String, f64>) -> f64 {
    if region == "outside" {
        return 0.0;
    }
    if let Some(v) = overrides.get(region) {
        return *v;
    }
    if hot(region) {
        return overrides.get("lesions").copied().unwrap_or(FDG_LESION_SUV);
    }
    FDG_SUV
        .iter()
        .find(|(n, _)| *n == region)
        .map_or(FDG_OTHER_SUV, |(_, v)| *v)
}

/// Activity concentration (Bq/mL at injection, no decay) of a tracer with the given SUV per
/// region: C = SUV x injected / body mass (SUV in g/mL, tissue taken as 1 g/mL); voxels of air
/// (density below 0.01 g/cm3) hold none.
///
/// # Errors
/// A negative or non-finite SUV, injected activity or body mass.
pub fn suv_map(
    ph: &Phantom,
    suv_of_region: &[f64],
    injected_bq: f64,
    body_g: f64,
) -> Result<Vec<f64>> {
    if !(injected_bq.is_finite() && injected_bq > 0.0 && body_g.is_finite() && body_g > 0.0) {
        bail!("SUV map: injected {injected_bq} Bq, body {body_g} g: expected positive numbers");
    }
    if suv_of_region.len() != ph.regions.len() {
        bail!(
            "SUV map: {} SUVs for the {} regions of phantom '{}'",
            suv_of_region.len(),
            ph.regions.len(),
            ph.name
        );
    }
    if let Some((i, v)) = suv_of_region
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        bail!(
            "SUV map: region '{}' has SUV {v}, expected >= 0",
            ph.regions[i].name
        );
    }
    let per_suv = injected_bq / body_g;
    Ok(ph
        .label
        .iter()
        .zip(&ph.density)
        .map(|(&l, &d)| {
            if d < 0.01 {
                0.0
            } else {
                suv_of_region[l as usize] * per_suv
            }
        })
        .collect())
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::materials::MaterialDb;

    #[test]
    fn fdg_map_holds_the_region_suvs() {
        let db = MaterialDb::load().unwrap();
        let ph = crate::phantom::builtin::build("adult", &db, Some(16.0), &["lesions".to_string()])
            .unwrap();
        let mut over = BTreeMap::new();
        over.insert("lesions".to_string(), 9.0);
        over.insert("lesion_2".to_string(), 4.0);
        let suv: Vec<f64> = ph.regions.iter().map(|r| fdg_suv(&r.name, &over)).collect();
        let (a, bw) = (250e6, 51_000.0);
        let map = suv_map(&ph, &suv, a, bw).unwrap();
        // C = SUV x injected / body mass, region by region
        for (name, want) in [
            ("liver", 2.0),
            ("brain", 7.0),
            ("lesion_1", 9.0),
            ("lesion_2", 4.0),
            ("body", FDG_OTHER_SUV),
        ] {
            let id = ph.region_id(name).unwrap();
            for v in ph.region_voxels(id) {
                let c = map[v as usize];
                assert!((c / (want * a / bw) - 1.0).abs() < 1e-12, "{name}: {c}");
            }
        }
        let out = ph.region_id("outside").unwrap();
        assert!(ph
            .region_voxels(out)
            .iter()
            .all(|&v| map[v as usize] == 0.0));
        assert!(suv_map(&ph, &suv[1..], a, bw).is_err());
        assert!(suv_map(&ph, &suv, -1.0, bw).is_err());
    }
}
