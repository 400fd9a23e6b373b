//! Built-in phantoms: `phantoms/*.toml` files of analytic shapes (box, sphere, ellipsoid,
//! cylinder), voxelised at any voxel size with sub-voxel sampling.
//!
//! Shapes are painted in file order; a later shape overrides earlier ones at every point it
//! covers (limited by its clip box and its `inside` label). Each voxel is sampled at s^3
//! sub-points: it takes the majority label, and the majority material and mean density of the
//! sub-points carrying that label, so a low-density region (lung) keeps its density at its
//! boundary and region masses follow the voxelised volumes.

use super::shapes::ShapeDef;
use super::Phantom;
use crate::materials::MaterialDb;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct RegionDef {
    reference_mass_g: f64,
    source: Option<String>,
}

/// A parsed phantom definition.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PhantomDef {
    pub name: String,
    pub description: String,
    pub reference: Option<String>,
    pub size_mm: [f64; 3],
    pub background: String,
    pub default_voxel_mm: f64,
    #[serde(rename = "shape", default)]
    shapes: Vec<ShapeDef>,
    #[serde(default)]
    regions: BTreeMap<String, RegionDef>,
}

/// The folder of built-in phantom files (`$THERADOSE_PHANTOMS`, else this crate's `phantoms/`).
pub fn phantoms_dir() -> PathBuf {
    if let Ok(d) = std::env::var("THERADOSE_PHANTOMS") {
        return PathBuf::from(d);
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/phantoms"))
}

/// Names of the built-in phantoms.
pub fn list() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(phantoms_dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let p = e.path();
                    (p.extension()? == "toml")
                        .then(|| p.file_stem().unwrap().to_string_lossy().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Reads a built-in phantom definition by name, or a definition file by path.
pub fn load_def(name_or_path: &str) -> Result<PhantomDef> {
    let p = Path::new(name_or_path);
    let path = if p.extension().is_some_and(|e| e == "toml") && p.exists() {
        p.to_path_buf()
    } else {
        let path = phantoms_dir().join(format!("{name_or_path}.toml"));
        if !path.exists() {
            bail!(
                "unknown phantom '{}': built-in phantoms are {}",
                name_or_path,
                list().join(", ")
            );
        }
        path
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let def: PhantomDef = toml::from_str(&text)
        .with_context(|| format!("{}: invalid phantom definition", path.display()))?;
    Ok(def)
}

impl PhantomDef {
    /// Groups of optional shapes this definition has.
    pub fn groups(&self) -> Vec<String> {
        let mut g: Vec<String> = self.shapes.iter().filter_map(|s| s.group.clone()).collect();
        g.sort();
        g.dedup();
        g
    }

    /// The region names a voxelisation with the optional `groups` has ("outside" first, then
    /// the labels of the shapes painted), known without voxelising: studies check the regions
    /// they name before any transport.
    pub fn region_names(&self, groups: &[String]) -> Vec<String> {
        let mut names = vec!["outside".to_string()];
        for s in &self.shapes {
            let included = s.group.as_ref().is_none_or(|g| groups.contains(g));
            if included && !names.contains(&s.label) {
                names.push(s.label.clone());
            }
        }
        names
    }

    /// Bounding box (definition frame, mm) of the shapes that paint `label`.
    pub fn label_bounds(&self, label: &str) -> Option<([f64; 3], [f64; 3])> {
        let db_free_extent = |s: &ShapeDef| -> [f64; 3] {
            if let Some(h) = s.half_size_mm {
                return h;
            }
            if let Some(r) = s.radius_mm {
                if s.kind == "sphere" {
                    return [r; 3];
                }
            }
            let r = s.radii_mm.clone().unwrap_or_default();
            match (s.kind.as_str(), r.len()) {
                ("ellipsoid", 3) => [r[0], r[1], r[2]],
                ("cylinder", _) => {
                    let rr = if r.len() == 2 {
                        [r[0], r[1]]
                    } else {
                        [s.radius_mm.unwrap_or(0.0); 2]
                    };
                    let h = s.half_length_mm.unwrap_or(0.0);
                    match s.axis.as_deref().unwrap_or("z") {
                        "x" => [h, rr[0], rr[1]],
                        "y" => [rr[0], h, rr[1]],
                        _ => [rr[0], rr[1], h],
                    }
                }
                _ => [0.0; 3],
            }
        };
        let mut out: Option<([f64; 3], [f64; 3])> = None;
        for s in self.shapes.iter().filter(|s| s.label == label) {
            let e = db_free_extent(s);
            let lo = [0, 1, 2].map(|a| s.center_mm[a] - e[a]);
            let hi = [0, 1, 2].map(|a| s.center_mm[a] + e[a]);
            out = Some(match out {
                None => (lo, hi),
                Some((l, h)) => (
                    [0, 1, 2].map(|a| l[a].min(lo[a])),
                    [0, 1, 2].map(|a| h[a].max(hi[a])),
                ),
            });
        }
        out
    }

    /// Scales every shape whose label satisfies `is_lesion` by `s` about its centre (a lesion-size
    /// study) and their reference masses by s³; the name gets the suffix `-lesions-x<s>`.
    /// Returns the labels scaled.
    pub fn scale_lesions(&mut self, s: f64, is_lesion: impl Fn(&str) -> bool) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for sh in self.shapes.iter_mut().filter(|sh| is_lesion(&sh.label)) {
            sh.scale(s);
            if !labels.contains(&sh.label) {
                labels.push(sh.label.clone());
            }
        }
        for l in &labels {
            if let Some(r) = self.regions.get_mut(l) {
                r.reference_mass_g *= s.powi(3);
                r.source = Some(format!(
                    "{} (lesion shapes scaled by {s} in size)",
                    r.source.as_deref().unwrap_or("")
                ));
            }
        }
        self.name = format!("{}-lesions-x{s}", self.name);
        labels
    }

    /// The definition as TOML text (readable by [`load_def`]).
    ///
    /// # Errors
    /// A value TOML cannot hold (not expected for a parsed definition).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).context("phantom definition to TOML")
    }

    /// Regions with a declared reference mass: (label, mass g).
    pub fn reference_masses(&self) -> Vec<(String, f64)> {
        self.regions
            .iter()
            .map(|(k, r)| (k.clone(), r.reference_mass_g))
            .collect()
    }
}

/// Loads and voxelises a built-in phantom (`voxel_mm` None: its default voxel size).
pub fn build(
    name: &str,
    db: &MaterialDb,
    voxel_mm: Option<f64>,
    groups: &[String],
) -> Result<Phantom> {
    build_sized(name, db, voxel_mm.map(|v| [v; 3]), groups)
}

/// Like [`build`] with a voxel size per axis (mm, x, y, z of the definition frame): anisotropic
/// voxels such as thin layers of a laterally wide slab.
pub fn build_sized(
    name: &str,
    db: &MaterialDb,
    voxel_mm: Option<[f64; 3]>,
    groups: &[String],
) -> Result<Phantom> {
    let def = load_def(name)?;
    let v = voxel_mm.unwrap_or([def.default_voxel_mm; 3]);
    def.voxelise_box(db, v, 3, groups, None)
}

mod voxelise;

#[cfg(test)]
mod tests {
    use super::*;

    /// Scaling the lesions by 2 multiplies their voxelised masses by 8 (analytic sphere masses:
    /// lesion_1 r = 15 mm -> 30 mm at 1.06 g/cm3; at 4 mm voxels the sphere is 15 voxels across,
    /// its voxelised volume within 3% of the analytic one), leaves every other region as it
    /// was, and survives the TOML round trip.
    #[test]
    fn scaled_lesions_keep_the_rest_and_round_trip() {
        let db = MaterialDb::load().unwrap();
        let groups = ["lesions".to_string()];
        let mut def = load_def("adult").unwrap();
        let plain = def.voxelise(&db, 4.0, 3, &groups).unwrap();
        let scaled = def.scale_lesions(2.0, |l| l.starts_with("lesion"));
        assert_eq!(scaled, ["lesion_1", "lesion_2", "lesion_3"]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("scaled.toml");
        std::fs::write(&p, def.to_toml().unwrap()).unwrap();
        let back = load_def(p.to_str().unwrap()).unwrap();
        assert_eq!(back.name, "adult-lesions-x2");
        let ph = back.voxelise(&db, 4.0, 3, &groups).unwrap();
        let mass = |ph: &Phantom, n: &str| ph.region_masses_g()[ph.region_id(n).unwrap() as usize];
        let analytic = 4.0 / 3.0 * std::f64::consts::PI * 3.0f64.powi(3) * 1.06;
        let m1 = mass(&ph, "lesion_1");
        assert!(
            (m1 / analytic - 1.0).abs() < 0.03,
            "lesion_1 {m1} g, {analytic} g"
        );
        let refm = back.reference_masses();
        let r1 = refm.iter().find(|(n, _)| n == "lesion_1").unwrap().1;
        assert!((r1 - 14.985 * 8.0).abs() < 1e-9);
        // the kidneys are neither scaled nor overlapped by the scaled lesions
        assert_eq!(mass(&ph, "kidneys"), mass(&plain, "kidneys"));
    }
}
