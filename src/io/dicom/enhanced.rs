//! Enhanced multi-frame images (Enhanced CT, Enhanced PET, their Legacy Converted forms): one
//! file whose frames carry their geometry and rescale in functional groups. Each value is
//! looked up in the frame's item of PerFrameFunctionalGroupsSequence, then in
//! SharedFunctionalGroupsSequence: PlaneOrientationSequence (ImageOrientationPatient),
//! PixelMeasuresSequence (PixelSpacing), PlanePositionSequence (ImagePositionPatient) and
//! PixelValueTransformationSequence (RescaleSlope, RescaleIntercept; else the top-level
//! attributes). Frames are sorted along the slice normal, in any stored order, and must be
//! evenly spaced.

use super::pixels::decode_pixels;
use super::{cross, dot, flip, Attrs};
use crate::io::{Grid, IoError};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use std::path::{Path, PathBuf};

/// True when the data set has per-frame functional groups.
pub(super) fn is_enhanced(f: &(PathBuf, DefaultDicomObject)) -> bool {
    !Attrs::new(&f.1, &f.0)
        .items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .is_empty()
}

/// The first item of functional group `seq` for a frame: in its per-frame item, else shared.
fn group<'a>(
    frame: &'a InMemDicomObject,
    shared: Option<&'a InMemDicomObject>,
    seq: Tag,
    path: &'a Path,
) -> Option<&'a InMemDicomObject> {
    let of = |o: &'a InMemDicomObject| Attrs::new(o, path).items(seq).first();
    of(frame).or_else(|| shared.and_then(of))
}

/// One frame's geometry and rescale.
struct Frame {
    iop: Vec<f64>,
    ps: Vec<f64>,
    ipp: [f64; 3],
    slope: f64,
    intercept: f64,
}

fn frame(
    i: usize,
    item: &InMemDicomObject,
    shared: Option<&InMemDicomObject>,
    top: &Attrs,
) -> Result<Frame, IoError> {
    let path = top.path;
    let need = |seq: Tag, tag: Tag, n: usize| -> Result<Vec<f64>, IoError> {
        let g = group(item, shared, seq, path).ok_or_else(|| {
            IoError::format(
                path,
                format!(
                    "frame {}: no {} in its functional groups",
                    i + 1,
                    super::tag_name(seq)
                ),
            )
        })?;
        Attrs::new(g, path).floats(tag, n)
    };
    let ipp = need(
        tags::PLANE_POSITION_SEQUENCE,
        tags::IMAGE_POSITION_PATIENT,
        3,
    )?;
    let (mut slope, mut intercept) = (
        top.float(tags::RESCALE_SLOPE)?.unwrap_or(1.0),
        top.float(tags::RESCALE_INTERCEPT)?.unwrap_or(0.0),
    );
    if let Some(g) = group(
        item,
        shared,
        tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
        path,
    ) {
        let a = Attrs::new(g, path);
        slope = a.float(tags::RESCALE_SLOPE)?.unwrap_or(slope);
        intercept = a.float(tags::RESCALE_INTERCEPT)?.unwrap_or(intercept);
    }
    Ok(Frame {
        iop: need(
            tags::PLANE_ORIENTATION_SEQUENCE,
            tags::IMAGE_ORIENTATION_PATIENT,
            6,
        )?,
        ps: need(tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING, 2)?,
        ipp: [ipp[0], ipp[1], ipp[2]],
        slope,
        intercept,
    })
}

/// The grid (RAS+) and the rescaled values of an enhanced multi-frame file.
///
/// # Errors
/// A frame without its geometry, frames that differ in orientation or pixel spacing, frames at
/// the same position, uneven spacing (a missing frame) or shifted in-plane; see
/// [`decode_pixels`].
pub(super) fn read(f: &(PathBuf, DefaultDicomObject)) -> Result<(Grid, Vec<f64>), IoError> {
    let (path, obj) = f;
    let top = Attrs::new(obj, path);
    let shared = top.items(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).first();
    let items = top.items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let (rows, cols) = (top.uint(tags::ROWS)?, top.uint(tags::COLUMNS)?);
    let n = top.uint(tags::NUMBER_OF_FRAMES)?;
    if items.len() != n {
        return Err(IoError::format(
            path,
            format!(
                "{} per-frame functional groups for NumberOfFrames {n}",
                items.len()
            ),
        ));
    }
    let frames = items
        .iter()
        .enumerate()
        .map(|(i, item)| frame(i, item, shared, &top))
        .collect::<Result<Vec<_>, _>>()?;
    let f0 = &frames[0];
    for (i, fr) in frames.iter().enumerate() {
        let same = (0..6).all(|c| (fr.iop[c] - f0.iop[c]).abs() < 1e-4)
            && (0..2).all(|c| (fr.ps[c] - f0.ps[c]).abs() < 1e-4);
        if !same {
            return Err(IoError::format(
                path,
                format!(
                    "frame {}: orientation {:?}, pixel spacing {:?}; expected {:?}, {:?} like frame 1",
                    i + 1, fr.iop, fr.ps, f0.iop, f0.ps
                ),
            ));
        }
    }
    let (r, c) = (
        [f0.iop[0], f0.iop[1], f0.iop[2]],
        [f0.iop[3], f0.iop[4], f0.iop[5]],
    );
    let nrm = cross(r, c);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| dot(frames[a].ipp, nrm).total_cmp(&dot(frames[b].ipp, nrm)));
    let dz = spacing(path, &frames, &order, nrm, f0.ps[0].max(f0.ps[1]))?;
    let first = &frames[order[0]];
    let mut grid = Grid::new([cols, rows, n], [f0.ps[1], f0.ps[0], dz]);
    grid.origin_mm = flip(first.ipp);
    let (rr, cr, nr) = (flip(r), flip(c), flip(nrm));
    for a in 0..3 {
        grid.direction[a] = [rr[a], cr[a], nr[a]];
    }
    let per = rows * cols;
    let mut raw = vec![0.0; per * n];
    decode_pixels(f, &mut raw)?;
    let (s0, i0) = (
        top.float(tags::RESCALE_SLOPE)?.unwrap_or(1.0),
        top.float(tags::RESCALE_INTERCEPT)?.unwrap_or(0.0),
    );
    let mut data = Vec::with_capacity(per * n);
    for &fi in &order {
        let fr = &frames[fi];
        // decode_pixels applied the top-level rescale; undo it, then apply the frame's
        data.extend(
            raw[fi * per..(fi + 1) * per]
                .iter()
                .map(|v| (v - i0) / s0 * fr.slope + fr.intercept),
        );
    }
    Ok((grid, data))
}

/// The frame spacing (mm) along the normal, after checking it is even and unsheared.
fn spacing(
    path: &Path,
    frames: &[Frame],
    order: &[usize],
    nrm: [f64; 3],
    pixel_mm: f64,
) -> Result<f64, IoError> {
    if order.len() == 1 {
        return Ok(pixel_mm);
    }
    let d: Vec<f64> = order.iter().map(|&i| dot(frames[i].ipp, nrm)).collect();
    let gaps: Vec<f64> = d.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let dz = sorted[sorted.len() / 2];
    let p0 = frames[order[0]].ipp;
    for (k, &i) in order.iter().enumerate() {
        let along = d[k] - d[0];
        let shift: f64 = (0..3)
            .map(|a| (frames[i].ipp[a] - p0[a] - along * nrm[a]).powi(2))
            .sum::<f64>()
            .sqrt();
        if shift > 0.01 * pixel_mm + 1e-3 {
            return Err(IoError::format(
                path,
                format!("frame {}: ImagePositionPatient {:?} shifted {shift:.3} mm in-plane: sheared frames are not a grid", i + 1, frames[i].ipp),
            ));
        }
    }
    for (k, &g) in gaps.iter().enumerate() {
        if g < 1e-3 || (g - dz).abs() > 0.01 * dz + 1e-3 {
            return Err(IoError::format(
                path,
                format!(
                    "frames {} and {} are {g:.3} mm apart along the normal, {dz:.3} mm elsewhere: {}",
                    order[k] + 1,
                    order[k + 1] + 1,
                    if g < 1e-3 { "duplicate frame" } else { "uneven spacing or a missing frame" }
                ),
            ));
        }
    }
    Ok(dz)
}
