//! RTSTRUCT: regions of interest as closed planar contours, rasterised onto an image grid.
//!
//! Each contour (ContourData, LPS mm) is taken into the grid's voxel coordinates and assigned
//! to the nearest slice (the slices must be parallel to the contours). A voxel of that slice is
//! sampled on an `n x n` sub-grid in its plane; a sample is inside when a ray from it crosses
//! the ROI's contours of that slice an odd number of times (even-odd rule), so a contour inside
//! another is a hole. The voxel's fraction inside is the share of its samples inside; the label
//! map takes the voxels at least half inside.

use super::{flip, open, Attrs};
use crate::io::{Grid, IoError, Volume};
use dicom_dictionary_std::tags;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A region of interest of an RTSTRUCT.
#[derive(Clone, Debug)]
pub struct Roi {
    /// ROINumber
    pub number: i64,
    /// ROIName, as in the file
    pub name: String,
    /// closed planar contours, each a list of points (LPS, mm)
    pub contours: Vec<Vec<[f64; 3]>>,
}

/// The ROIs of an RTSTRUCT file, in the order of its StructureSetROISequence.
///
/// # Errors
/// A file that is not DICOM, not an RTSTRUCT, or whose ContourData is not a list of points.
pub fn read_rtstruct(path: &Path) -> Result<Vec<Roi>, IoError> {
    let obj = open(path)?;
    let a = Attrs::new(&obj, path);
    let modality = a.text(tags::MODALITY).unwrap_or_default();
    if modality != "RTSTRUCT" {
        return Err(IoError::format(
            path,
            format!("Modality is '{modality}', expected RTSTRUCT"),
        ));
    }
    let mut rois: Vec<Roi> = Vec::new();
    for item in a.items(tags::STRUCTURE_SET_ROI_SEQUENCE) {
        let it = Attrs::new(item, path);
        rois.push(Roi {
            number: it.float(tags::ROI_NUMBER)?.unwrap_or(-1.0) as i64,
            name: it.text(tags::ROI_NAME).unwrap_or_default(),
            contours: Vec::new(),
        });
    }
    for item in a.items(tags::ROI_CONTOUR_SEQUENCE) {
        let it = Attrs::new(item, path);
        let number = it.float(tags::REFERENCED_ROI_NUMBER)?.unwrap_or(-1.0) as i64;
        let Some(roi) = rois.iter_mut().find(|r| r.number == number) else {
            return Err(IoError::format(
                path,
                format!("ROIContourSequence refers to ROI {number}, which StructureSetROISequence lacks"),
            ));
        };
        for c in it.items(tags::CONTOUR_SEQUENCE) {
            let ca = Attrs::new(c, path);
            if ca.text(tags::CONTOUR_GEOMETRIC_TYPE).as_deref() != Some("CLOSED_PLANAR") {
                continue;
            }
            let pts = ca.floats_opt(tags::CONTOUR_DATA)?.unwrap_or_default();
            if pts.len() % 3 != 0 || pts.len() < 9 {
                return Err(IoError::format(
                    path,
                    format!("ROI '{}': ContourData of {} numbers, expected 3 per point and at least 3 points", roi.name, pts.len()),
                ));
            }
            roi.contours
                .push(pts.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect());
        }
    }
    Ok(rois)
}

/// The voxels a ROI covers: (linear index, fraction of the voxel inside, 0-1].
pub type RoiCover = Vec<(usize, f32)>;

/// A contour in a slice's voxel coordinates (i, j).
type Polygon = Vec<[f64; 2]>;

/// Continuous voxel coordinates (voxel centres at integers) of a world point (RAS+, mm).
fn voxel_of(grid: &Grid, p_ras: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|c| {
        (0..3)
            .map(|r| grid.direction[r][c] * (p_ras[r] - grid.origin_mm[r]))
            .sum::<f64>()
            / grid.spacing_mm[c]
    })
}

/// Rasterises one ROI onto `grid` with `n x n` in-plane samples per voxel.
///
/// # Errors
/// A contour that is not parallel to the grid's slices.
pub fn rasterise(roi: &Roi, grid: &Grid, n: usize, path: &Path) -> Result<RoiCover, IoError> {
    let [nx, ny, nz] = grid.dims;
    // slice -> (distance of the contour plane from the slice centre, polygon in (i, j))
    let mut planes: BTreeMap<usize, Vec<(f64, Polygon)>> = BTreeMap::new();
    for c in &roi.contours {
        let v: Vec<[f64; 3]> = c.iter().map(|p| voxel_of(grid, flip(*p))).collect();
        let k = v[0][2];
        if v.iter().any(|q| (q[2] - k).abs() > 0.01) {
            return Err(IoError::format(
                path,
                format!("ROI '{}': a contour is not parallel to the image slices (voxel k from {k:.3} varies)", roi.name),
            ));
        }
        let kr = k.round();
        if kr < 0.0 || kr >= nz as f64 {
            continue;
        }
        let poly = v.iter().map(|q| [q[0], q[1]]).collect();
        planes
            .entry(kr as usize)
            .or_default()
            .push(((k - kr).abs(), poly));
    }
    let mut cover = RoiCover::new();
    let inv = 1.0 / n as f64;
    for (k, polys) in planes {
        // the contour plane nearest the slice centre (contours finer than the slices)
        let best = polys.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let polys: Vec<&Polygon> = polys
            .iter()
            .filter(|p| p.0 - best < 1e-3)
            .map(|p| &p.1)
            .collect();
        let mut counts = vec![0u32; nx * ny];
        let mut xs = Vec::new();
        for j in 0..ny {
            for s in 0..n {
                let y = j as f64 - 0.5 + (s as f64 + 0.5) * inv;
                xs.clear();
                for poly in &polys {
                    crossings(poly, y, &mut xs);
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    fill_row(&mut counts[j * nx..(j + 1) * nx], pair[0], pair[1], n);
                }
            }
        }
        let base = k * nx * ny;
        let per = (n * n) as f32;
        cover.extend(
            counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(i, &c)| (base + i, c as f32 / per)),
        );
    }
    Ok(cover)
}

/// The x of every edge of `poly` that crosses the line at `y` (half-open rule on the edge's
/// y range, so a vertex on the line counts once).
fn crossings(poly: &[[f64; 2]], y: f64, xs: &mut Vec<f64>) {
    for e in 0..poly.len() {
        let (a, b) = (poly[e], poly[(e + 1) % poly.len()]);
        if (a[1] <= y) != (b[1] <= y) {
            xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
        }
    }
}

/// Counts, in each voxel of a row, the samples (at `i - 0.5 + (t + 0.5) / n`) with x in
/// `[x0, x1)`.
fn fill_row(row: &mut [u32], x0: f64, x1: f64, n: usize) {
    let nf = n as f64;
    // sample index m (global along the row): x = (m + 0.5) / n - 0.5
    let m0 = ((x0 + 0.5) * nf - 0.5).ceil().max(0.0) as usize;
    let m1 = (((x1 + 0.5) * nf - 0.5).ceil().max(0.0) as usize).min(row.len() * n);
    for m in m0..m1 {
        row[m / n] += 1;
    }
}

/// A label map made from an RTSTRUCT.
#[derive(Clone, Debug)]
pub struct LabelMap {
    /// label ids on the image grid (0: no ROI)
    pub labels: Volume<u16>,
    /// (label id, ROI name) in file order
    pub names: Vec<(u16, String)>,
    /// per ROI: its volume (mL) from the voxel fractions, before overlaps are resolved
    pub volumes_ml: Vec<f64>,
    /// per ROI: the volume (mL) of its voxels in the label map
    pub label_volumes_ml: Vec<f64>,
}

/// One ROI's line of [`LabelMap::summary`].
#[derive(Clone, Debug, Serialize)]
pub struct RoiVolume {
    /// label id in the map
    pub id: u16,
    /// ROI name, as in the file
    pub name: String,
    /// volume from sub-voxel fractions, mL
    pub volume_ml: f64,
    /// volume of its voxels in the label map, mL
    pub label_volume_ml: f64,
}

impl LabelMap {
    /// Writes the label map (u16, NIfTI or MetaImage by extension) and `labels.json` (ids and
    /// names, as [`crate::io::labels::read_label_names`] reads them) beside it.
    ///
    /// # Errors
    /// Files that cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), IoError> {
        crate::io::write_volume(path, &self.labels, "theradose label map from RTSTRUCT")?;
        let json = path.with_file_name("labels.json");
        let text = crate::io::labels::label_names_json(&self.names);
        crate::io::raw::write_atomic(&json, |w| std::io::Write::write_all(w, text.as_bytes()))
    }

    /// Every ROI's id, name and volumes.
    pub fn summary(&self) -> Vec<RoiVolume> {
        (0..self.names.len())
            .map(|r| RoiVolume {
                id: self.names[r].0,
                name: self.names[r].1.clone(),
                volume_ml: self.volumes_ml[r],
                label_volume_ml: self.label_volumes_ml[r],
            })
            .collect()
    }
}

/// Rasterises every ROI of an RTSTRUCT onto `grid` (5 x 5 samples per voxel: an odd count, so no voxel is exactly half inside). Label ids follow
/// the file's order from 1; where ROIs overlap, the smaller ROI keeps the voxel (a tumour
/// inside an organ stays the tumour).
///
/// # Errors
/// See [`read_rtstruct`] and [`rasterise`]; more than 65535 ROIs.
pub fn rtstruct_labels(path: &Path, grid: &Grid) -> Result<LabelMap, IoError> {
    let rois = read_rtstruct(path)?;
    if rois.len() > u16::MAX as usize {
        return Err(IoError::format(
            path,
            format!("{} ROIs, at most 65535 fit a label map", rois.len()),
        ));
    }
    let covers = rois
        .iter()
        .map(|r| rasterise(r, grid, 5, path))
        .collect::<Result<Vec<_>, _>>()?;
    let vox_ml = grid.voxel_volume_cm3();
    let volumes_ml: Vec<f64> = covers
        .iter()
        .map(|c| c.iter().map(|v| v.1 as f64).sum::<f64>() * vox_ml)
        .collect();
    let mut order: Vec<usize> = (0..rois.len()).collect();
    order.sort_by(|&a, &b| volumes_ml[b].total_cmp(&volumes_ml[a]));
    let mut labels = vec![0u16; grid.len()];
    for &r in &order {
        for &(i, f) in &covers[r] {
            if f >= 0.5 {
                labels[i] = r as u16 + 1;
            }
        }
    }
    let mut counts = vec![0usize; rois.len() + 1];
    for &l in &labels {
        counts[l as usize] += 1;
    }
    Ok(LabelMap {
        labels: Volume {
            grid: grid.clone(),
            data: labels,
        },
        names: rois
            .iter()
            .enumerate()
            .map(|(r, roi)| (r as u16 + 1, roi.name.clone()))
            .collect(),
        volumes_ml,
        label_volumes_ml: (1..=rois.len())
            .map(|l| counts[l] as f64 * vox_ml)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A square ring (outer 10 x 10 voxels, hole 4 x 4) on one slice: 84 voxels, exactly.
    #[test]
    fn even_odd_makes_holes() {
        let grid = Grid::new([20, 20, 1], [1.0, 1.0, 1.0]);
        let sq = |h: f64| {
            // LPS corners of a square of half-width h voxels around the grid centre
            vec![[-h, -h, 0.0], [h, -h, 0.0], [h, h, 0.0], [-h, h, 0.0]]
        };
        let roi = Roi {
            number: 1,
            name: "ring".into(),
            contours: vec![sq(5.0), sq(2.0)],
        };
        let c = rasterise(&roi, &grid, 4, Path::new("x")).unwrap();
        let area: f32 = c.iter().map(|v| v.1).sum();
        assert!((area - 84.0).abs() < 1e-4, "{area}");
    }
}
