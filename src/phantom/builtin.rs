//! Built-in phantoms: `phantoms/*.toml` files of analytic shapes (box, sphere, ellipsoid,
//! cylinder), voxelised at any voxel size with sub-voxel sampling.
//!
//! Shapes are painted in file order; a later shape overrides earlier ones at every point it
//! covers (limited by its clip box and its `inside` label). Each voxel is sampled at s^3
//! sub-points: it takes the majority label, and the majority material and mean density of the
//! sub-points carrying that label, so a low-density region (lung) keeps its density at its
//! boundary and region masses follow the voxelised volumes.

use super::shapes::{build_shape, sub_points, Shape, ShapeDef};
use super::{Phantom, Region};
use crate::io::Grid;
use crate::materials::MaterialDb;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
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

    /// Voxelises the definition at `voxel_mm` with `sub` x `sub` x `sub` sub-samples per voxel,
    /// including the shapes of `groups`.
    pub fn voxelise(
        &self,
        db: &MaterialDb,
        voxel_mm: f64,
        sub: usize,
        groups: &[String],
    ) -> Result<Phantom> {
        self.voxelise_window(db, voxel_mm, sub, groups, None)
    }

    /// Checks a voxelisation request: a positive voxel size and known optional groups.
    fn check_request(&self, voxel_mm: f64, groups: &[String]) -> Result<()> {
        if !(voxel_mm.is_finite() && voxel_mm > 0.0) {
            bail!(
                "phantom '{}': voxel size {voxel_mm} mm, expected a positive number",
                self.name
            );
        }
        for g in groups {
            if !self.groups().contains(g) {
                bail!(
                    "phantom '{}' has no optional group '{}' (groups: {})",
                    self.name,
                    g,
                    self.groups().join(", ")
                );
            }
        }
        Ok(())
    }

    /// The voxel index range [w0, w1) of the full grid (`full` voxels, half sizes `half` mm)
    /// that overlaps `window` (definition frame, mm); the whole grid without a window.
    fn window_range(
        &self,
        full: [usize; 3],
        half: [f64; 3],
        voxel_mm: f64,
        window: Option<([f64; 3], [f64; 3])>,
    ) -> Result<([usize; 3], [usize; 3])> {
        Ok(match window {
            None => ([0; 3], full),
            Some((lo, hi)) => {
                let w0 = [0, 1, 2].map(|a| {
                    (((lo[a] + half[a]) / voxel_mm).floor().max(0.0) as usize).min(full[a])
                });
                let w1 = [0, 1, 2].map(|a| {
                    (((hi[a] + half[a]) / voxel_mm).ceil().max(0.0) as usize).min(full[a])
                });
                if (0..3).any(|a| w1[a] <= w0[a]) {
                    bail!(
                        "phantom '{}': the window {:?}..{:?} mm lies outside the world box",
                        self.name,
                        lo,
                        hi
                    );
                }
                (w0, w1)
            }
        })
    }

    /// The shapes of the phantom with `groups`, built, with the material names and the regions
    /// in order of first appearance (material 0 the background, region 0 "outside").
    fn shapes_of(
        &self,
        db: &MaterialDb,
        groups: &[String],
    ) -> Result<(Vec<String>, Vec<Region>, Vec<Shape>)> {
        let mut mat_names: Vec<String> = vec![self.background.clone()];
        let mut regions = vec![Region {
            name: "outside".into(),
            reference_mass_g: None,
            source: None,
        }];
        let mut shapes = Vec::new();
        for s in self.shapes.iter() {
            if let Some(g) = &s.group {
                if !groups.contains(g) {
                    continue;
                }
            }
            shapes.push(build_shape(
                &self.name,
                s,
                db,
                &mut mat_names,
                &mut regions,
            )?);
        }
        for (name, r) in &self.regions {
            match regions.iter_mut().find(|x| &x.name == name) {
                Some(x) => {
                    x.reference_mass_g = Some(r.reference_mass_g);
                    x.source = r.source.clone();
                }
                None => {
                    let declared = self.shapes.iter().any(|s| &s.label == name);
                    if !declared {
                        bail!(
                            "phantom '{}': [regions.{}] names no shape label",
                            self.name,
                            name
                        );
                    }
                }
            }
        }
        Ok((mat_names, regions, shapes))
    }

    /// Like `voxelise`, but only the voxels of the full grid that overlap the box
    /// `window = (lo_mm, hi_mm)` (definition frame): a zoom at fine voxel size into one region
    /// (e.g. a small lesion) on the same voxel lattice as the whole phantom.
    pub fn voxelise_window(
        &self,
        db: &MaterialDb,
        voxel_mm: f64,
        sub: usize,
        groups: &[String],
        window: Option<([f64; 3], [f64; 3])>,
    ) -> Result<Phantom> {
        self.check_request(voxel_mm, groups)?;
        let sub = sub.max(1);
        let full = [0, 1, 2].map(|a| ((self.size_mm[a] / voxel_mm).round() as usize).max(1));
        let half = [0, 1, 2].map(|a| full[a] as f64 * voxel_mm / 2.0);
        let (w0, w1) = self.window_range(full, half, voxel_mm, window)?;
        let dims = [0, 1, 2].map(|a| w1[a] - w0[a]);
        if dims.iter().product::<usize>() > 600_000_000 {
            bail!(
                "phantom '{}': {:?} voxels at {voxel_mm} mm is too many",
                self.name,
                dims
            );
        }
        let (mat_names, regions, shapes) = self.shapes_of(db, groups)?;
        let materials = mat_names
            .iter()
            .map(|n| db.get(n).cloned())
            .collect::<Result<Vec<_>>>()?;
        let bg_density = materials[0].nominal_density as f32;
        // The definition's frame is LPS (+x patient left, +y posterior, +z superior); world
        // coordinates of the grid are RAS like NIfTI, hence the flipped x and y axes.
        let mut grid = Grid::new(full, [voxel_mm; 3]);
        grid.direction = [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]];
        grid.origin_mm = [-grid.origin_mm[0], -grid.origin_mm[1], grid.origin_mm[2]];
        grid.origin_mm = grid.world_mm([w0[0] as f64, w0[1] as f64, w0[2] as f64]);
        grid.dims = dims;
        let n_slab = dims[0] * dims[1];
        let s3 = sub * sub * sub;
        let slabs: Vec<(Vec<u8>, Vec<f32>, Vec<u16>)> = (w0[2]..w1[2])
            .into_par_iter()
            .map(|k| {
                let mut lab = vec![0u16; n_slab * s3];
                let mut mat = vec![0u8; n_slab * s3];
                let mut den = vec![bg_density; n_slab * s3];
                let z0 = -half[2] + k as f64 * voxel_mm;
                for sh in &shapes {
                    if z0 + voxel_mm < sh.lo[2] || z0 > sh.hi[2] {
                        continue;
                    }
                    let i0 = (((sh.lo[0] + half[0]) / voxel_mm).floor().max(0.0) as usize)
                        .clamp(w0[0], w1[0]);
                    let i1 = (((sh.hi[0] + half[0]) / voxel_mm).ceil().max(0.0) as usize)
                        .clamp(w0[0], w1[0]);
                    let j0 = (((sh.lo[1] + half[1]) / voxel_mm).floor().max(0.0) as usize)
                        .clamp(w0[1], w1[1]);
                    let j1 = (((sh.hi[1] + half[1]) / voxel_mm).ceil().max(0.0) as usize)
                        .clamp(w0[1], w1[1]);
                    for j in j0..j1 {
                        for i in i0..i1 {
                            let v = (i - w0[0]) + dims[0] * (j - w0[1]);
                            for (q, (c, (b, a))) in sub_points(sub).enumerate() {
                                let p = [
                                    -half[0] + (i as f64 + a) * voxel_mm,
                                    -half[1] + (j as f64 + b) * voxel_mm,
                                    z0 + c * voxel_mm,
                                ];
                                let idx = v * s3 + q;
                                if let Some(need) = sh.inside {
                                    if lab[idx] != need {
                                        continue;
                                    }
                                }
                                if sh.contains(p) {
                                    lab[idx] = sh.label;
                                    mat[idx] = sh.material;
                                    den[idx] = sh.density;
                                }
                            }
                        }
                    }
                }
                reduce_slab(&lab, &mat, &den, n_slab, s3, regions.len(), mat_names.len())
            })
            .collect();
        let n = grid.len();
        let (mut material, mut density, mut label) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (m, d, l) in slabs {
            material.extend(m);
            density.extend(d);
            label.extend(l);
        }
        Phantom::new(
            &self.name, grid, material, density, label, materials, regions,
        )
    }
}

fn reduce_slab(
    lab: &[u16],
    mat: &[u8],
    den: &[f32],
    n: usize,
    s3: usize,
    n_reg: usize,
    n_mat: usize,
) -> (Vec<u8>, Vec<f32>, Vec<u16>) {
    let mut m_out = Vec::with_capacity(n);
    let mut d_out = Vec::with_capacity(n);
    let mut l_out = Vec::with_capacity(n);
    let mut lc = vec![0u32; n_reg];
    let mut mc = vec![0u32; n_mat];
    for v in 0..n {
        let r = v * s3..(v + 1) * s3;
        for q in r.clone() {
            lc[lab[q] as usize] += 1;
        }
        let label = argmax_and_clear(&mut lc) as u16;
        // material and density from the sub-points of the majority label, so each region keeps
        // its own density and its mass follows its voxelised volume
        let mut dsum = 0.0f64;
        let mut cnt = 0u32;
        for q in r {
            if lab[q] == label {
                mc[mat[q] as usize] += 1;
                dsum += den[q] as f64;
                cnt += 1;
            }
        }
        l_out.push(label);
        m_out.push(argmax_and_clear(&mut mc) as u8);
        d_out.push((dsum / cnt.max(1) as f64) as f32);
    }
    (m_out, d_out, l_out)
}

/// Index of the largest count (the first on ties); resets the counts.
fn argmax_and_clear(c: &mut [u32]) -> usize {
    let mut best = 0;
    for i in 0..c.len() {
        if c[i] > c[best] {
            best = i;
        }
    }
    c.iter_mut().for_each(|x| *x = 0);
    best
}

/// Loads and voxelises a built-in phantom (`voxel_mm` None: its default voxel size).
pub fn build(
    name: &str,
    db: &MaterialDb,
    voxel_mm: Option<f64>,
    groups: &[String],
) -> Result<Phantom> {
    let def = load_def(name)?;
    let v = voxel_mm.unwrap_or(def.default_voxel_mm);
    def.voxelise(db, v, 3, groups)
}

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
