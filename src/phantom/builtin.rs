//! Built-in phantoms: `phantoms/*.toml` files of analytic shapes (box, sphere, ellipsoid,
//! cylinder), voxelised at any voxel size with sub-voxel sampling.
//!
//! Shapes are painted in file order; a later shape overrides earlier ones at every point it
//! covers (limited by its clip box and its `inside` label). Each voxel is sampled at s^3
//! sub-points: it takes the majority label, and the majority material and mean density of the
//! sub-points carrying that label, so a low-density region (lung) keeps its density at its
//! boundary and region masses follow the voxelised volumes.

use super::{Phantom, Region};
use crate::io::Grid;
use crate::materials::MaterialDb;
use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct ShapeDef {
    label: String,
    material: String,
    density: Option<f64>,
    kind: String,
    center_mm: [f64; 3],
    radii_mm: Option<Vec<f64>>,
    radius_mm: Option<f64>,
    half_size_mm: Option<[f64; 3]>,
    half_length_mm: Option<f64>,
    axis: Option<String>,
    clip_min_mm: Option<[f64; 3]>,
    clip_max_mm: Option<[f64; 3]>,
    inside: Option<String>,
    group: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct RegionDef {
    reference_mass_g: f64,
    source: Option<String>,
}

/// A parsed phantom definition.
#[derive(Deserialize, Debug, Clone)]
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

#[derive(Clone, Copy, Debug)]
enum Kind {
    Box([f64; 3]),
    Ellipsoid([f64; 3]),
    /// axis, radii of the two other axes (in increasing axis order), half length
    Cylinder(usize, [f64; 2], f64),
}

#[derive(Clone, Debug)]
struct Shape {
    kind: Kind,
    c: [f64; 3],
    lo: [f64; 3],
    hi: [f64; 3],
    label: u16,
    material: u8,
    density: f32,
    inside: Option<u16>,
}

impl Shape {
    #[inline]
    fn contains(&self, p: [f64; 3]) -> bool {
        if (0..3).any(|a| p[a] < self.lo[a] || p[a] > self.hi[a]) {
            return false;
        }
        let d = [p[0] - self.c[0], p[1] - self.c[1], p[2] - self.c[2]];
        match self.kind {
            Kind::Box(_) => true,
            Kind::Ellipsoid(r) => {
                (d[0] / r[0]).powi(2) + (d[1] / r[1]).powi(2) + (d[2] / r[2]).powi(2) <= 1.0
            }
            Kind::Cylinder(ax, r, _) => {
                let (a, b) = match ax {
                    0 => (1, 2),
                    1 => (0, 2),
                    _ => (0, 1),
                };
                (d[a] / r[0]).powi(2) + (d[b] / r[1]).powi(2) <= 1.0
            }
        }
    }
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
        let sub = sub.max(1);
        let full = [0, 1, 2].map(|a| ((self.size_mm[a] / voxel_mm).round() as usize).max(1));
        let half = [0, 1, 2].map(|a| full[a] as f64 * voxel_mm / 2.0);
        let (w0, w1) = match window {
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
        };
        let dims = [0, 1, 2].map(|a| w1[a] - w0[a]);
        if dims.iter().product::<usize>() > 600_000_000 {
            bail!(
                "phantom '{}': {:?} voxels at {voxel_mm} mm is too many",
                self.name,
                dims
            );
        }
        // materials and regions in order of first appearance
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
            shapes.push(self.build_shape(s, db, &mut mat_names, &mut regions)?);
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

    fn build_shape(
        &self,
        s: &ShapeDef,
        db: &MaterialDb,
        mats: &mut Vec<String>,
        regions: &mut Vec<Region>,
    ) -> Result<Shape> {
        let ctx = || format!("phantom '{}', shape '{}'", self.name, s.label);
        let mat = db.get(&s.material).with_context(ctx)?;
        let density = s.density.unwrap_or(mat.nominal_density);
        if !(density.is_finite() && density >= 0.0) {
            bail!(
                "{}: density {density} g/cm3, expected a finite non-negative value",
                ctx()
            );
        }
        let mid = match mats.iter().position(|m| m == &s.material) {
            Some(i) => i,
            None => {
                mats.push(s.material.clone());
                mats.len() - 1
            }
        };
        if mid > 255 {
            bail!("{}: more than 256 materials", ctx());
        }
        let lid = match regions.iter().position(|r| r.name == s.label) {
            Some(i) => i,
            None => {
                regions.push(Region {
                    name: s.label.clone(),
                    reference_mass_g: None,
                    source: None,
                });
                regions.len() - 1
            }
        };
        let inside = match &s.inside {
            Some(n) => Some(regions.iter().position(|r| &r.name == n).ok_or_else(|| {
                anyhow!("{}: inside = '{}' names no earlier shape label", ctx(), n)
            })? as u16),
            None => None,
        };
        let pos = |v: f64, what: &str| -> Result<f64> {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(anyhow!(
                    "{}: {what} = {v}, expected a positive length in mm",
                    ctx()
                ))
            }
        };
        let kind = match s.kind.as_str() {
            "box" => {
                let h = s
                    .half_size_mm
                    .ok_or_else(|| anyhow!("{}: box needs half_size_mm", ctx()))?;
                Kind::Box([
                    pos(h[0], "half_size_mm")?,
                    pos(h[1], "half_size_mm")?,
                    pos(h[2], "half_size_mm")?,
                ])
            }
            "sphere" => {
                let r = pos(
                    s.radius_mm
                        .ok_or_else(|| anyhow!("{}: sphere needs radius_mm", ctx()))?,
                    "radius_mm",
                )?;
                Kind::Ellipsoid([r; 3])
            }
            "ellipsoid" => {
                let r = s
                    .radii_mm
                    .as_ref()
                    .ok_or_else(|| anyhow!("{}: ellipsoid needs radii_mm", ctx()))?;
                if r.len() != 3 {
                    bail!("{}: ellipsoid radii_mm needs 3 values", ctx());
                }
                Kind::Ellipsoid([
                    pos(r[0], "radii_mm")?,
                    pos(r[1], "radii_mm")?,
                    pos(r[2], "radii_mm")?,
                ])
            }
            "cylinder" => {
                let ax = match s.axis.as_deref().unwrap_or("z") {
                    "x" => 0,
                    "y" => 1,
                    "z" => 2,
                    a => bail!("{}: axis '{a}', expected x, y or z", ctx()),
                };
                let r = match (&s.radii_mm, s.radius_mm) {
                    (Some(r), _) if r.len() == 2 => {
                        [pos(r[0], "radii_mm")?, pos(r[1], "radii_mm")?]
                    }
                    (None, Some(r)) => [pos(r, "radius_mm")?; 2],
                    _ => bail!("{}: cylinder needs radius_mm or radii_mm = [r1, r2]", ctx()),
                };
                let h = pos(
                    s.half_length_mm
                        .ok_or_else(|| anyhow!("{}: cylinder needs half_length_mm", ctx()))?,
                    "half_length_mm",
                )?;
                Kind::Cylinder(ax, r, h)
            }
            k => bail!(
                "{}: kind '{k}', expected box, sphere, ellipsoid or cylinder",
                ctx()
            ),
        };
        let ext = match kind {
            Kind::Box(h) => h,
            Kind::Ellipsoid(r) => r,
            Kind::Cylinder(ax, r, h) => {
                let mut e = [0.0; 3];
                let others: Vec<usize> = (0..3).filter(|&a| a != ax).collect();
                e[ax] = h;
                e[others[0]] = r[0];
                e[others[1]] = r[1];
                e
            }
        };
        let c = s.center_mm;
        let cmin = s.clip_min_mm.unwrap_or([f64::NEG_INFINITY; 3]);
        let cmax = s.clip_max_mm.unwrap_or([f64::INFINITY; 3]);
        let lo = [0, 1, 2].map(|a| (c[a] - ext[a]).max(cmin[a]));
        let hi = [0, 1, 2].map(|a| (c[a] + ext[a]).min(cmax[a]));
        Ok(Shape {
            kind,
            c,
            lo,
            hi,
            label: lid as u16,
            material: mid as u8,
            density: density as f32,
            inside,
        })
    }
}

/// Sub-point offsets (fractions of a voxel) in (z, (y, x)) order.
fn sub_points(sub: usize) -> impl Iterator<Item = (f64, (f64, f64))> {
    let f = move |i: usize| (i as f64 + 0.5) / sub as f64;
    (0..sub)
        .flat_map(move |c| (0..sub).flat_map(move |b| (0..sub).map(move |a| (f(c), (f(b), f(a))))))
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
