//! Voxelisation of a phantom definition: the grid (whole, or a window on the same lattice),
//! the shapes of the requested groups painted at sub-voxel points, and each voxel's majority
//! label with the majority material and mean density of that label's sub-points.

use super::super::shapes::{build_shape, sub_points, Shape};
use super::super::{Phantom, Region};
use super::PhantomDef;
use crate::io::Grid;
use crate::materials::MaterialDb;
use anyhow::{bail, Result};
use rayon::prelude::*;

impl PhantomDef {
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

    /// Checks a voxelisation request: positive voxel sizes and known optional groups.
    fn check_request(&self, voxel_mm: [f64; 3], groups: &[String]) -> Result<()> {
        if let Some(bad) = voxel_mm.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            bail!(
                "phantom '{}': voxel size {bad} mm, expected a positive number",
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
        voxel_mm: [f64; 3],
        window: Option<([f64; 3], [f64; 3])>,
    ) -> Result<([usize; 3], [usize; 3])> {
        Ok(match window {
            None => ([0; 3], full),
            Some((lo, hi)) => {
                let w0 = [0, 1, 2].map(|a| {
                    (((lo[a] + half[a]) / voxel_mm[a]).floor().max(0.0) as usize).min(full[a])
                });
                let w1 = [0, 1, 2].map(|a| {
                    (((hi[a] + half[a]) / voxel_mm[a]).ceil().max(0.0) as usize).min(full[a])
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
        self.voxelise_box(db, [voxel_mm; 3], sub, groups, window)
    }

    /// Like `voxelise_window` with a voxel size per axis, x, y, z of the definition frame
    /// (mm): anisotropic voxels, e.g. laterally wide and thin in depth for slab problems.
    pub fn voxelise_box(
        &self,
        db: &MaterialDb,
        voxel_mm: [f64; 3],
        sub: usize,
        groups: &[String],
        window: Option<([f64; 3], [f64; 3])>,
    ) -> Result<Phantom> {
        self.check_request(voxel_mm, groups)?;
        let sub = sub.max(1);
        let full = [0, 1, 2].map(|a| ((self.size_mm[a] / voxel_mm[a]).round() as usize).max(1));
        let half = [0, 1, 2].map(|a| full[a] as f64 * voxel_mm[a] / 2.0);
        let (w0, w1) = self.window_range(full, half, voxel_mm, window)?;
        let dims = [0, 1, 2].map(|a| w1[a] - w0[a]);
        if dims.iter().product::<usize>() > 600_000_000 {
            bail!(
                "phantom '{}': {:?} voxels at {:?} mm is too many",
                self.name,
                dims,
                voxel_mm
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
        let mut grid = Grid::new(full, voxel_mm);
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
                let [vx, vy, vz] = voxel_mm;
                let z0 = -half[2] + k as f64 * vz;
                for sh in &shapes {
                    if z0 + vz < sh.lo[2] || z0 > sh.hi[2] {
                        continue;
                    }
                    let i0 =
                        (((sh.lo[0] + half[0]) / vx).floor().max(0.0) as usize).clamp(w0[0], w1[0]);
                    let i1 =
                        (((sh.hi[0] + half[0]) / vx).ceil().max(0.0) as usize).clamp(w0[0], w1[0]);
                    let j0 =
                        (((sh.lo[1] + half[1]) / vy).floor().max(0.0) as usize).clamp(w0[1], w1[1]);
                    let j1 =
                        (((sh.hi[1] + half[1]) / vy).ceil().max(0.0) as usize).clamp(w0[1], w1[1]);
                    for j in j0..j1 {
                        for i in i0..i1 {
                            let v = (i - w0[0]) + dims[0] * (j - w0[1]);
                            for (q, (c, (b, a))) in sub_points(sub).enumerate() {
                                let p = [
                                    -half[0] + (i as f64 + a) * vx,
                                    -half[1] + (j as f64 + b) * vy,
                                    z0 + c * vz,
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
