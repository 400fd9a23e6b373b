//! DICOM SEG (Segmentation IOD): binary (1-bit) or fractional (8-bit) segments, one frame per
//! segment and plane, placed by the per-frame PlanePositionSequence and the shared
//! PlaneOrientationSequence and PixelMeasuresSequence. Each set pixel (fractional: at least
//! half) labels the voxel of `grid` nearest its centre.

use super::rtstruct::LabelMap;
use super::{flip, open, Attrs};
use crate::io::{Grid, IoError, Volume};
use dicom_dictionary_std::tags;
use std::path::Path;

/// Plane geometry of a frame: ImagePositionPatient, row and column directions (LPS), pixel
/// spacing (between rows, between columns, mm).
struct Plane {
    ipp: [f64; 3],
    row: [f64; 3],
    col: [f64; 3],
    ps: [f64; 2],
}

fn shared_plane(a: &Attrs) -> Result<([f64; 6], [f64; 2]), IoError> {
    let shared = a.items(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).first();
    let sh = shared.map(|s| Attrs::new(s, a.path));
    let from = |seq, tag, n| -> Result<Vec<f64>, IoError> {
        match sh.as_ref().and_then(|s| s.items(seq).first()) {
            Some(item) => Attrs::new(item, a.path).floats(tag, n),
            None => a.floats(tag, n),
        }
    };
    let iop = from(
        tags::PLANE_ORIENTATION_SEQUENCE,
        tags::IMAGE_ORIENTATION_PATIENT,
        6,
    )?;
    let ps = from(tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING, 2)?;
    Ok((std::array::from_fn(|i| iop[i]), [ps[0], ps[1]]))
}

/// Rasterises every segment of a SEG file onto `grid`. Label ids are the SegmentNumbers;
/// where segments overlap, the smaller one keeps the voxel.
///
/// # Errors
/// A file that is not a SEG, lacks the frame geometry, or holds fewer pixel bytes than its
/// frames need.
pub fn seg_labels(path: &Path, grid: &Grid) -> Result<LabelMap, IoError> {
    let obj = open(path)?;
    let a = Attrs::new(&obj, path);
    if a.text(tags::MODALITY).as_deref() != Some("SEG") {
        return Err(IoError::format(path, "Modality is not SEG"));
    }
    let mut names: Vec<(u16, String)> = Vec::new();
    for s in a.items(tags::SEGMENT_SEQUENCE) {
        let sa = Attrs::new(s, path);
        let n = sa.uint(tags::SEGMENT_NUMBER)?;
        names.push((n as u16, sa.text(tags::SEGMENT_LABEL).unwrap_or_default()));
    }
    let (rows, cols) = (a.uint(tags::ROWS)?, a.uint(tags::COLUMNS)?);
    let bits = a.uint(tags::BITS_ALLOCATED)?;
    let frames = a.items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let bytes = obj
        .element(tags::PIXEL_DATA)
        .map_err(|_| IoError::format(path, "PixelData is missing"))?
        .to_bytes()
        .map_err(|e| IoError::format(path, format!("pixel data cannot be read: {e}")))?;
    let per = rows * cols;
    let need = if bits == 1 {
        (per * frames.len()).div_ceil(8)
    } else {
        per * frames.len()
    };
    if bytes.len() < need || !(bits == 1 || bits == 8) {
        return Err(IoError::format(
            path,
            format!(
                "{} pixel bytes of {bits} bits for {} frames of {cols}x{rows}",
                bytes.len(),
                frames.len()
            ),
        ));
    }
    let (iop, ps) = shared_plane(&a)?;
    // world (RAS, relative to the origin) -> voxel index; the direction columns are orthonormal
    let inv: [[f64; 3]; 3] =
        std::array::from_fn(|k| std::array::from_fn(|a| grid.direction[a][k] / grid.spacing_mm[k]));
    let mut sets: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (f, item) in frames.iter().enumerate() {
        let fa = Attrs::new(item, path);
        let pos = fa
            .items(tags::PLANE_POSITION_SEQUENCE)
            .first()
            .ok_or_else(|| {
                IoError::format(path, format!("frame {}: no PlanePositionSequence", f + 1))
            })?;
        let ipp = Attrs::new(pos, path).floats(tags::IMAGE_POSITION_PATIENT, 3)?;
        let seg = fa
            .items(tags::SEGMENT_IDENTIFICATION_SEQUENCE)
            .first()
            .ok_or_else(|| {
                IoError::format(
                    path,
                    format!("frame {}: no SegmentIdentificationSequence", f + 1),
                )
            })?;
        let number = Attrs::new(seg, path).uint(tags::REFERENCED_SEGMENT_NUMBER)?;
        let s = names
            .iter()
            .position(|n| n.0 as usize == number)
            .ok_or_else(|| {
                IoError::format(
                    path,
                    format!(
                        "frame {} refers to segment {number}, which SegmentSequence lacks",
                        f + 1
                    ),
                )
            })?;
        let plane = Plane {
            ipp: [ipp[0], ipp[1], ipp[2]],
            row: [iop[0], iop[1], iop[2]],
            col: [iop[3], iop[4], iop[5]],
            ps,
        };
        for p in 0..per {
            let on = if bits == 1 {
                let b = f * per + p;
                bytes[b / 8] >> (b % 8) & 1 == 1
            } else {
                bytes[f * per + p] >= 128
            };
            if on {
                if let Some(v) = voxel_of(&plane, p % cols, p / cols, grid, &inv) {
                    sets[s].push(v);
                }
            }
        }
    }
    Ok(paint(grid, names, sets))
}

/// The voxel of `grid` nearest the centre of pixel (column `c`, row `r`) of a frame.
fn voxel_of(p: &Plane, c: usize, r: usize, grid: &Grid, inv: &[[f64; 3]; 3]) -> Option<usize> {
    let w: [f64; 3] = flip(std::array::from_fn(|a| {
        p.ipp[a] + c as f64 * p.ps[1] * p.row[a] + r as f64 * p.ps[0] * p.col[a]
    }));
    let d: [f64; 3] = std::array::from_fn(|a| w[a] - grid.origin_mm[a]);
    let mut ijk = [0usize; 3];
    for k in 0..3 {
        let x = (0..3).map(|a| inv[k][a] * d[a]).sum::<f64>().round();
        if x < 0.0 || x >= grid.dims[k] as f64 {
            return None;
        }
        ijk[k] = x as usize;
    }
    Some(grid.index(ijk[0], ijk[1], ijk[2]))
}

/// Label map of voxel sets, the smaller set winning overlaps.
fn paint(grid: &Grid, names: Vec<(u16, String)>, mut sets: Vec<Vec<usize>>) -> LabelMap {
    sets.iter_mut().for_each(|s| {
        s.sort_unstable();
        s.dedup();
    });
    let vox_ml = grid.voxel_volume_cm3();
    let mut order: Vec<usize> = (0..sets.len()).collect();
    order.sort_by(|&a, &b| sets[b].len().cmp(&sets[a].len()));
    let mut labels = vec![0u16; grid.len()];
    for &s in &order {
        for &v in &sets[s] {
            labels[v] = names[s].0;
        }
    }
    let label_volumes_ml = names
        .iter()
        .map(|n| labels.iter().filter(|&&l| l == n.0).count() as f64 * vox_ml)
        .collect();
    LabelMap {
        labels: Volume {
            grid: grid.clone(),
            data: labels,
        },
        volumes_ml: sets.iter().map(|s| s.len() as f64 * vox_ml).collect(),
        label_volumes_ml,
        names,
    }
}
