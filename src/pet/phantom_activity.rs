//! Activity maps of test phantoms and the analysis regions of `theradose pet`.
//!
//! Compartments: a region is *fillable* unless its name is `outside`, `shell`, or starts with
//! `wall` or `lung` (walls and the lung insert of a test phantom hold no activity). *Hot*
//! regions are those whose name starts with `sphere`, `lesion`, `tumour` or `tumor`; the
//! *background* region is the phantom's largest region (most voxels, `outside` excluded).

use crate::phantom::Phantom;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;

/// Pre-therapy 18F-FDG SUV (body weight, region mean, about 60 min after injection) of normal
/// tissue by region name of the built-in phantoms, for a follow-up FDG scan whose baseline must
/// be an FDG scan too (`followup.baseline_suv` of a therapy study overrides any entry). The
/// values and their sources are in `data/pet/tracers/fdg_suv.toml`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FdgSuvTable {
    /// SUV of a hot region (lesion, tumour, sphere) without its own entry
    pub lesion_suv: f64,
    /// SUV of any other region without an entry (body, skin, muscle)
    pub other_suv: f64,
    /// SUV by region name
    pub regions: BTreeMap<String, f64>,
}

/// The data file of [`FdgSuvTable`], relative to the data folder.
pub const FDG_SUV_FILE: &str = "pet/tracers/fdg_suv.toml";

impl FdgSuvTable {
    /// Reads `data/pet/tracers/fdg_suv.toml`.
    ///
    /// # Errors
    /// A missing or malformed file, or an SUV that is negative or not finite (the file and the
    /// field are named).
    pub fn load() -> Result<Self> {
        let (path, text) = crate::tables::read_data_file(FDG_SUV_FILE)?;
        Self::parse(&text, &path)
    }

    /// Parses the text of an FDG SUV table read from `path` (named in errors).
    ///
    /// # Errors
    /// Malformed TOML, unknown or missing fields, an SUV that is negative or not finite.
    pub fn parse(text: &str, path: &std::path::Path) -> Result<Self> {
        let t: FdgSuvTable = toml::from_str(text).with_context(|| {
            format!(
                "{}: expected lesion_suv, other_suv and a [regions] table of name = SUV",
                path.display()
            )
        })?;
        let fields = [("lesion_suv", &t.lesion_suv), ("other_suv", &t.other_suv)];
        for (name, v) in fields
            .into_iter()
            .chain(t.regions.iter().map(|(n, v)| (n.as_str(), v)))
        {
            if !(v.is_finite() && *v >= 0.0) {
                bail!("{}: {name} = {v}: expected an SUV >= 0", path.display());
            }
        }
        Ok(t)
    }

    /// The FDG SUV of a region: `overrides` by name, then (for a hot region)
    /// `overrides["lesions"]`, then the table's entry, its lesion SUV for hot regions, its other
    /// SUV; 0 for `outside`.
    pub fn suv(&self, region: &str, overrides: &BTreeMap<String, f64>) -> f64 {
        if region == "outside" {
            return 0.0;
        }
        if let Some(v) = overrides.get(region) {
            return *v;
        }
        if hot(region) {
            return overrides.get("lesions").copied().unwrap_or(self.lesion_suv);
        }
        self.regions.get(region).copied().unwrap_or(self.other_suv)
    }
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
        crate::spec_bail!(
            "uniform_bq_ml",
            "{c}: expected a finite non-negative concentration"
        );
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
        ("sphere_to_background", ratio),
        ("background_bq_ml", background),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            crate::spec_bail!(what, "{v}: expected a finite non-negative number");
        }
    }
    let hot_ids: Vec<bool> = ph.regions.iter().map(|r| hot(&r.name)).collect();
    if !hot_ids.iter().any(|&h| h) {
        bail!(
            "phantom '{}' has no hot region (a region named sphere*, lesion* or tumour*): \
             give uniform_bq_ml or activity",
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
        let fdg = FdgSuvTable::load().unwrap();
        let suv: Vec<f64> = ph.regions.iter().map(|r| fdg.suv(&r.name, &over)).collect();
        let (a, bw) = (250e6, 51_000.0);
        let map = suv_map(&ph, &suv, a, bw).unwrap();
        // C = SUV x injected / body mass, region by region
        for (name, want) in [
            ("liver", 2.0),
            ("brain", 7.0),
            ("lesion_1", 9.0),
            ("lesion_2", 4.0),
            ("body", fdg.other_suv),
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

    #[test]
    fn fdg_table_errors_name_the_file_and_field() {
        let p = std::path::Path::new("fdg.toml");
        let ok = "lesion_suv = 6\nother_suv = 0.8\n[regions]\nliver = 2\n";
        assert_eq!(FdgSuvTable::parse(ok, p).unwrap().regions["liver"], 2.0);
        let e = FdgSuvTable::parse(&ok.replace("liver = 2", "liver = -2"), p).unwrap_err();
        assert!(format!("{e:#}").contains("fdg.toml: liver = -2"), "{e:#}");
        let e = FdgSuvTable::parse("other_suv = 0.8\n[regions]\n", p).unwrap_err();
        assert!(
            format!("{e:#}").contains("fdg.toml: expected lesion_suv"),
            "{e:#}"
        );
    }
}
