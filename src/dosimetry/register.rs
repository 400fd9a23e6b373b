//! Rigid registration (6 degrees of freedom) of a moving image (a time point's CT) to a fixed
//! one (the reference CT), by normalised cross-correlation, coarse to fine.
//!
//! The transform maps a fixed-image world point `p` (RAS+, mm) to the moving image:
//! `q = R (p - c) + c + t`, `R = Rz(rz) Ry(ry) Rx(rx)` about the centre `c` of the fixed grid.
//! Each level (block averages of 4, 2 and 1 voxels) runs a pattern search over the six
//! parameters (translations in mm, rotations scaled so that 1 unit moves a point 50 mm from the
//! centre by 1 mm), halving the steps until they are below 0.05 mm. Only fixed voxels whose
//! image falls inside the moving grid count in the NCC.

use super::resample::{interpolate, world_to_index};
use crate::io::{Grid, Volume};
use anyhow::{ensure, Result};
use serde::Serialize;

/// A rigid transform: rotations (rad) about the fixed grid's centre and a translation (mm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Rigid {
    /// rotations about x, y, z (rad), applied x first
    pub rotation_rad: [f64; 3],
    /// translation, RAS+ mm
    pub translation_mm: [f64; 3],
    /// centre of rotation, RAS+ mm
    pub centre_mm: [f64; 3],
}

/// Lever arm (mm) that turns a rotation (rad) into a comparable displacement.
const ARM_MM: f64 = 50.0;

impl Rigid {
    /// The rotation matrix `Rz Ry Rx`.
    pub fn matrix(&self) -> [[f64; 3]; 3] {
        let [a, b, g] = self.rotation_rad;
        let (sa, ca, sb, cb, sg, cg) = (a.sin(), a.cos(), b.sin(), b.cos(), g.sin(), g.cos());
        [
            [cg * cb, cg * sb * sa - sg * ca, cg * sb * ca + sg * sa],
            [sg * cb, sg * sb * sa + cg * ca, sg * sb * ca - cg * sa],
            [-sb, cb * sa, cb * ca],
        ]
    }

    /// The moving-image point of fixed-image point `p` (mm).
    pub fn apply(&self, p: [f64; 3]) -> [f64; 3] {
        let m = self.matrix();
        let d: [f64; 3] = std::array::from_fn(|r| p[r] - self.centre_mm[r]);
        std::array::from_fn(|r| {
            (0..3).map(|c| m[r][c] * d[c]).sum::<f64>() + self.centre_mm[r] + self.translation_mm[r]
        })
    }

    /// The angle of the rotation, rad.
    pub fn angle_rad(&self) -> f64 {
        let m = self.matrix();
        ((m[0][0] + m[1][1] + m[2][2] - 1.0) / 2.0)
            .clamp(-1.0, 1.0)
            .acos()
    }

    fn params(&self) -> [f64; 6] {
        let r = self.rotation_rad;
        let t = self.translation_mm;
        [
            t[0],
            t[1],
            t[2],
            r[0] * ARM_MM,
            r[1] * ARM_MM,
            r[2] * ARM_MM,
        ]
    }

    fn with_params(&self, p: [f64; 6]) -> Rigid {
        Rigid {
            translation_mm: [p[0], p[1], p[2]],
            rotation_rad: [p[3] / ARM_MM, p[4] / ARM_MM, p[5] / ARM_MM],
            centre_mm: self.centre_mm,
        }
    }
}

/// Block averages of `f x f x f` voxels (the last block of an axis may be partial).
fn downsample(v: &Volume<f64>, f: usize) -> Volume<f64> {
    if f == 1 {
        return v.clone();
    }
    let d = v.grid.dims;
    let nd: [usize; 3] = std::array::from_fn(|c| d[c].div_ceil(f));
    let mut grid = v.grid.clone();
    grid.dims = nd;
    grid.spacing_mm = std::array::from_fn(|c| v.grid.spacing_mm[c] * f as f64);
    grid.origin_mm = v.grid.world_mm([(f as f64 - 1.0) / 2.0; 3]);
    let mut sum = vec![0.0; grid.len()];
    let mut n = vec![0u32; grid.len()];
    for k in 0..d[2] {
        for j in 0..d[1] {
            for i in 0..d[0] {
                let o = grid.index(i / f, j / f, k / f);
                sum[o] += v.data[v.grid.index(i, j, k)];
                n[o] += 1;
            }
        }
    }
    let data = sum.iter().zip(&n).map(|(s, &c)| s / c as f64).collect();
    Volume { grid, data }
}

/// Normalised cross-correlation of `fixed` with `moving` seen through `t` (1 is identical).
fn ncc(fixed: &Volume<f64>, moving: &Volume<f64>, inv: &[[f64; 3]; 3], t: &Rigid) -> f64 {
    let g = &fixed.grid;
    let (mut n, mut sf, mut sm, mut sff, mut smm, mut sfm) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let md = moving.grid.dims;
    for k in 0..g.dims[2] {
        for j in 0..g.dims[1] {
            for i in 0..g.dims[0] {
                let q = t.apply(g.world_mm([i as f64, j as f64, k as f64]));
                let d: [f64; 3] = std::array::from_fn(|r| q[r] - moving.grid.origin_mm[r]);
                let x: [f64; 3] = std::array::from_fn(|c| (0..3).map(|r| inv[c][r] * d[r]).sum());
                if (0..3).any(|c| x[c] < 0.0 || x[c] > md[c] as f64 - 1.0) {
                    continue;
                }
                let (a, b) = (fixed.data[g.index(i, j, k)], interpolate(moving, x));
                n += 1.0;
                sf += a;
                sm += b;
                sff += a * a;
                smm += b * b;
                sfm += a * b;
            }
        }
    }
    if n < 8.0 {
        return -1.0;
    }
    let cov = sfm - sf * sm / n;
    let var = (sff - sf * sf / n) * (smm - sm * sm / n);
    if var > 0.0 {
        cov / var.sqrt()
    } else {
        -1.0
    }
}

/// The result of [`register_rigid`].
#[derive(Clone, Debug, Serialize)]
pub struct Registration {
    /// fixed -> moving world transform
    pub transform: Rigid,
    /// NCC at the end of the finest level
    pub ncc: f64,
    /// cost evaluations, all levels
    pub evaluations: usize,
}

/// Registers `moving` to `fixed` (rigid, NCC, levels of 4, 2 and 1 voxel blocks).
///
/// # Errors
/// Empty images or singular grids.
pub fn register_rigid(fixed: &Volume<f64>, moving: &Volume<f64>) -> Result<Registration> {
    ensure!(
        !fixed.grid.is_empty() && !moving.grid.is_empty(),
        "registration of an empty image"
    );
    let centre = fixed.grid.world_mm(std::array::from_fn(|c| {
        (fixed.grid.dims[c] as f64 - 1.0) / 2.0
    }));
    let mut t = Rigid {
        centre_mm: centre,
        ..Rigid::default()
    };
    let (mut evaluations, mut best) = (0, -1.0);
    for f in [4usize, 2, 1] {
        let (fx, mv) = (downsample(fixed, f), downsample(moving, f));
        let inv = world_to_index(&mv.grid)?;
        let mut p = t.params();
        best = ncc(&fx, &mv, &inv, &t.with_params(p));
        let mut step = 2.0 * f as f64 * fixed.grid.spacing_mm.iter().cloned().fold(0.0, f64::max);
        while step > 0.05 {
            let mut improved = false;
            for a in 0..6 {
                for s in [step, -step] {
                    let mut q = p;
                    q[a] += s;
                    let c = ncc(&fx, &mv, &inv, &t.with_params(q));
                    evaluations += 1;
                    if c > best {
                        (best, p, improved) = (c, q, true);
                        break;
                    }
                }
            }
            if !improved {
                step /= 2.0;
            }
        }
        t = t.with_params(p);
    }
    Ok(Registration {
        transform: t,
        ncc: best,
        evaluations,
    })
}

/// `moving` carried onto `fixed_grid` through `t` (trilinear; 0 outside the moving image):
/// an emission image of a time point onto the reference CT, as a concentration.
///
/// # Errors
/// A singular moving grid.
pub fn apply_rigid(moving: &Volume<f64>, fixed_grid: &Grid, t: &Rigid) -> Result<Volume<f64>> {
    let inv = world_to_index(&moving.grid)?;
    let g = fixed_grid;
    let mut data = Vec::with_capacity(g.len());
    for k in 0..g.dims[2] {
        for j in 0..g.dims[1] {
            for i in 0..g.dims[0] {
                let q = t.apply(g.world_mm([i as f64, j as f64, k as f64]));
                let d: [f64; 3] = std::array::from_fn(|r| q[r] - moving.grid.origin_mm[r]);
                let x: [f64; 3] = std::array::from_fn(|c| (0..3).map(|r| inv[c][r] * d[r]).sum());
                data.push(interpolate(moving, x));
            }
        }
    }
    Ok(Volume {
        grid: g.clone(),
        data,
    })
}

/// A check image of a registration: the axial slice `k` of `fixed`, with `registered` (on the
/// same grid) in alternate `block x block` squares, as `(values, width, height)` row-major.
/// Edges that continue across the squares show a good registration.
pub fn checkerboard(
    fixed: &Volume<f64>,
    registered: &Volume<f64>,
    k: usize,
    block: usize,
) -> (Vec<f64>, usize, usize) {
    let g = &fixed.grid;
    let (w, h) = (g.dims[0], g.dims[1]);
    let b = block.max(1);
    let values = (0..h)
        .flat_map(|j| (0..w).map(move |i| (i, j)))
        .map(|(i, j)| {
            let v = if (i / b + j / b).is_multiple_of(2) {
                fixed
            } else {
                registered
            };
            v.data[g.index(i, j, k)]
        })
        .collect();
    (values, w, h)
}

/// The axial slice `k` of `fixed` and of `registered` (on the same grid), as
/// `(fixed, registered, width, height)` row-major, for an overlay check image
/// ([`crate::plot::overlay_png`]: edges that meet in grey show a good registration).
pub fn axial_pair(
    fixed: &Volume<f64>,
    registered: &Volume<f64>,
    k: usize,
) -> (Vec<f64>, Vec<f64>, usize, usize) {
    let g = &fixed.grid;
    let (w, h) = (g.dims[0], g.dims[1]);
    let slab = k * w * h..(k + 1) * w * h;
    (
        fixed.data[slab.clone()].to_vec(),
        registered.data[slab].to_vec(),
        w,
        h,
    )
}
