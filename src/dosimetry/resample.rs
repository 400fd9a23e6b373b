//! Resampling activity images between voxel grids (e.g. a SPECT onto the CT/phantom grid).
//!
//! Two modes: [`ResampleMode::Trilinear`] interpolates an intensive quantity (concentration,
//! Bq/mL) at the target voxel centres; [`ResampleMode::ConserveActivity`] moves activity per
//! voxel (Bq) so the total is kept: by exact overlap volumes when the two grids share their
//! axis directions (the usual case: same scanner frame, different voxel size or origin), else
//! by trilinear interpolation of the concentration rescaled to the source activity whose voxel
//! centres lie in the target grid.

use anyhow::{bail, ensure, Result};

use crate::io::{Grid, Volume};

/// How values are carried to the target grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResampleMode {
    /// Values are an intensive quantity (concentration): trilinear interpolation at each target
    /// voxel centre, constant extrapolation within half a source voxel of the source edge, 0
    /// farther out. Reproduces a linear field exactly inside the hull of the source centres.
    Trilinear,
    /// Values are activity per voxel (Bq): the activity of the overlap of each source voxel
    /// with each target voxel goes to that target voxel (uniform activity within a source
    /// voxel). The total of the source activity inside the target grid is conserved exactly;
    /// activity outside it is dropped.
    ConserveActivity,
}

/// Direction matrices equal to this (unitless) count as the same frame.
const SAME_DIRECTION_TOL: f64 = 1e-9;

/// Resamples `src` onto `target`.
///
/// # Errors
/// When either grid is empty, has a non-positive spacing, or a singular direction matrix, or
/// `src.data` does not hold one value per voxel.
pub fn resample(src: &Volume<f64>, target: &Grid, mode: ResampleMode) -> Result<Volume<f64>> {
    check_grid(&src.grid, "source")?;
    check_grid(target, "target")?;
    ensure!(
        src.data.len() == src.grid.len(),
        "source image: {} values for a {} grid, expected {}",
        src.data.len(),
        src.grid.dims_string(),
        src.grid.len()
    );
    let data = match mode {
        ResampleMode::Trilinear => trilinear(src, target)?,
        ResampleMode::ConserveActivity if same_frame(&src.grid, target) => overlap(src, target),
        ResampleMode::ConserveActivity => rescaled(src, target)?,
    };
    Ok(Volume {
        grid: target.clone(),
        data,
    })
}

fn check_grid(g: &Grid, what: &str) -> Result<()> {
    if g.is_empty() {
        bail!("{what} grid {}: no voxels", g.dims_string());
    }
    if g.spacing_mm.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        bail!(
            "{what} grid: spacing {:?} mm, expected positive",
            g.spacing_mm
        );
    }
    Ok(())
}

/// Same direction matrix and orthonormal axes: voxel faces of the two grids are parallel.
fn same_frame(a: &Grid, b: &Grid) -> bool {
    let same = (0..3).all(|r| {
        (0..3).all(|c| (a.direction[r][c] - b.direction[r][c]).abs() < SAME_DIRECTION_TOL)
    });
    let ortho = (0..3).all(|c| {
        (0..3).all(|d| {
            let dot: f64 = (0..3).map(|r| a.direction[r][c] * a.direction[r][d]).sum();
            (dot - if c == d { 1.0 } else { 0.0 }).abs() < SAME_DIRECTION_TOL
        })
    });
    same && ortho
}

/// The affine map world (mm) -> continuous voxel index of `g`: `(inverse matrix, origin)`.
pub(crate) fn world_to_index(g: &Grid) -> Result<[[f64; 3]; 3]> {
    let m: [[f64; 3]; 3] =
        std::array::from_fn(|r| std::array::from_fn(|c| g.direction[r][c] * g.spacing_mm[c]));
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if !(det.is_finite() && det.abs() > 1e-12 * g.spacing_mm.iter().product::<f64>()) {
        bail!("grid direction matrix {:?} is singular", g.direction);
    }
    // Inverse by cofactors: inv[c][r] = cofactor(r, c) / det.
    Ok(std::array::from_fn(|c| {
        std::array::from_fn(|r| {
            let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
            let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
            (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det
        })
    }))
}

/// Continuous source index of every target voxel centre, in target index order.
fn source_coords(src: &Grid, target: &Grid) -> Result<Vec<[f64; 3]>> {
    let inv = world_to_index(src)?;
    let [nx, ny, nz] = target.dims;
    let mut out = Vec::with_capacity(target.len());
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let w = target.world_mm([i as f64, j as f64, k as f64]);
                let d: [f64; 3] = std::array::from_fn(|r| w[r] - src.origin_mm[r]);
                out.push(std::array::from_fn(|c| {
                    (0..3).map(|r| inv[c][r] * d[r]).sum()
                }));
            }
        }
    }
    Ok(out)
}

/// Trilinear value of `src` at continuous index `x` (see [`ResampleMode::Trilinear`]).
pub(crate) fn interpolate(src: &Volume<f64>, x: [f64; 3]) -> f64 {
    let dims = src.grid.dims;
    let mut lo = [0usize; 3];
    let mut frac = [0.0; 3];
    for c in 0..3 {
        let n = dims[c] as f64;
        if !(x[c] >= -0.5 && x[c] <= n - 0.5) {
            return 0.0;
        }
        let xc = x[c].clamp(0.0, n - 1.0);
        lo[c] = (xc.floor() as usize).min(dims[c].saturating_sub(2));
        frac[c] = if dims[c] > 1 { xc - lo[c] as f64 } else { 0.0 };
    }
    let mut v = 0.0;
    for corner in 0..8 {
        let mut w = 1.0;
        let mut idx = [0usize; 3];
        for c in 0..3 {
            let up = corner >> c & 1 == 1;
            w *= if up { frac[c] } else { 1.0 - frac[c] };
            idx[c] = (lo[c] + usize::from(up)).min(dims[c] - 1);
        }
        if w != 0.0 {
            v += w * src.data[src.grid.index(idx[0], idx[1], idx[2])];
        }
    }
    v
}

fn trilinear(src: &Volume<f64>, target: &Grid) -> Result<Vec<f64>> {
    Ok(source_coords(&src.grid, target)?
        .into_iter()
        .map(|x| interpolate(src, x))
        .collect())
}

/// Concentration interpolated, times the target voxel volume, rescaled to the source activity
/// whose voxel centres fall inside the target grid.
fn rescaled(src: &Volume<f64>, target: &Grid) -> Result<Vec<f64>> {
    let v_src = src.grid.voxel_volume_cm3();
    let conc = Volume {
        grid: src.grid.clone(),
        data: src.data.iter().map(|a| a / v_src).collect(),
    };
    let v_t = target.voxel_volume_cm3();
    let mut out: Vec<f64> = trilinear(&conc, target)?.iter().map(|c| c * v_t).collect();
    let inside = source_coords(target, &src.grid)?
        .iter()
        .zip(&src.data)
        .filter(|(x, _)| (0..3).all(|c| x[c] >= -0.5 && x[c] <= target.dims[c] as f64 - 0.5))
        .map(|(_, a)| a)
        .sum::<f64>();
    let total: f64 = out.iter().sum();
    if total > 0.0 {
        out.iter_mut().for_each(|a| *a *= inside / total);
    }
    Ok(out)
}

/// Per axis, for each target voxel, the source voxels overlapping it and the fraction of each
/// source voxel's length inside it.
fn overlap_weights(src: &Grid, target: &Grid, c: usize) -> Vec<Vec<(usize, f64)>> {
    // Offset of the target origin from the source origin along axis c (direction shared).
    let off: f64 = (0..3)
        .map(|r| src.direction[r][c] * (target.origin_mm[r] - src.origin_mm[r]))
        .sum();
    let (hs, ht) = (src.spacing_mm[c], target.spacing_mm[c]);
    (0..target.dims[c])
        .map(|t| {
            let (a, b) = (off + (t as f64 - 0.5) * ht, off + (t as f64 + 0.5) * ht);
            let first = ((a / hs + 0.5).floor().max(0.0)) as usize;
            let last = ((b / hs + 0.5).ceil().max(0.0) as usize).min(src.dims[c]);
            (first..last)
                .filter_map(|s| {
                    let (sa, sb) = ((s as f64 - 0.5) * hs, (s as f64 + 0.5) * hs);
                    let len = b.min(sb) - a.max(sa);
                    (len > 0.0).then_some((s, len / hs))
                })
                .collect()
        })
        .collect()
}

/// Exact overlap for grids with parallel faces, applied axis by axis (separable).
fn overlap(src: &Volume<f64>, target: &Grid) -> Vec<f64> {
    let w: [Vec<Vec<(usize, f64)>>; 3] =
        std::array::from_fn(|c| overlap_weights(&src.grid, target, c));
    let mut dims = src.grid.dims;
    let mut data = src.data.clone();
    for c in 0..3 {
        let mut nd = dims;
        nd[c] = target.dims[c];
        let mut out = vec![0.0; nd.iter().product()];
        for k in 0..nd[2] {
            for j in 0..nd[1] {
                for i in 0..nd[0] {
                    let at = [i, j, k];
                    let v: f64 = w[c][at[c]]
                        .iter()
                        .map(|&(s, f)| {
                            let mut from = at;
                            from[c] = s;
                            f * data[from[0] + dims[0] * (from[1] + dims[1] * from[2])]
                        })
                        .sum();
                    out[i + nd[0] * (j + nd[1] * k)] = v;
                }
            }
        }
        data = out;
        dims = nd;
    }
    data
}
