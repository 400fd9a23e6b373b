//! Image series from DICOM files: a folder of single-frame slices (any names, any order) or one
//! multi-frame object (NM/SPECT), as a [`Volume<f64>`] in the modality's units.
//!
//! Slices are sorted by the projection of ImagePositionPatient on the slice normal (row x
//! column direction of ImageOrientationPatient); RescaleSlope/Intercept are applied per slice.
//! The grid is RAS+: voxel axis i runs along the row direction (increasing column index),
//! j along the column direction, k along the normal, each flipped from LPS.

use super::pixels::{check_syntax, decode_pixels};
use super::{acquisition, cross, dot, flip, open, pet, Attrs};
use crate::io::{Grid, IoError, Volume};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One series found in a folder.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SeriesInfo {
    /// SeriesInstanceUID
    pub series_instance_uid: String,
    /// Modality (CT, PT, NM, RTSTRUCT, ...)
    pub modality: String,
    /// SeriesDescription (empty when absent)
    pub description: String,
    /// number of files of the series
    pub files: usize,
}

/// The patient, study and frame-of-reference identity of a series: what a derived object (an
/// RT Dose) copies so that a planning system files it beside its CT. Empty strings where the
/// source file has no value.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PatientStudy {
    /// PatientName
    pub patient_name: String,
    /// PatientID
    pub patient_id: String,
    /// PatientBirthDate (DA)
    pub patient_birth_date: String,
    /// PatientSex (M, F, O)
    pub patient_sex: String,
    /// StudyInstanceUID
    pub study_instance_uid: String,
    /// StudyDate (DA)
    pub study_date: String,
    /// StudyTime (TM)
    pub study_time: String,
    /// StudyID
    pub study_id: String,
    /// AccessionNumber
    pub accession_number: String,
    /// ReferringPhysicianName
    pub referring_physician_name: String,
    /// FrameOfReferenceUID
    pub frame_of_reference_uid: String,
    /// PositionReferenceIndicator
    pub position_reference_indicator: String,
}

/// A DICOM image series read into memory.
#[derive(Clone, Debug)]
pub struct DicomImage {
    /// values in [`DicomImage::units`], on the series' grid (RAS+, mm)
    pub volume: Volume<f64>,
    /// Modality of the series (CT, PT, NM, MR, ...)
    pub modality: String,
    /// units of the values: `HU` (CT), the Units attribute of PET/NM (`BQML`, `CNTS`, ...),
    /// `COUNTS` for NM without one, else `unknown`
    pub units: String,
    /// SeriesInstanceUID
    pub series_instance_uid: String,
    /// patient, study and frame of reference
    pub identity: PatientStudy,
    /// PET: the SUV body-weight factor and what it was made of
    pub pet: Option<pet::PetInfo>,
    /// every series found where this one was read (this one included)
    pub series: Vec<SeriesInfo>,
    /// (SOPClassUID, SOPInstanceUID) of each slice in k order (one entry for a multi-frame)
    pub instances: Vec<(String, String)>,
    /// NM tomography: the acquisition time behind the counts, s (sum over the rotations of
    /// ActualFrameDuration x NumberOfFramesInRotation); None when the header lacks it
    pub acquisition_s: Option<f64>,
    /// when the image was acquired, seconds since 1970-01-01 in the scanner's local time
    /// (AcquisitionDate/Time, else SeriesDate/Time, else AcquisitionDateTime); see
    /// [`super::time::iso`]
    pub scan_time_s: Option<f64>,
    /// the administration (RadiopharmaceuticalStartDateTime, else SeriesDate or StudyDate
    /// with RadiopharmaceuticalStartTime, of the RadiopharmaceuticalInformationSequence), in
    /// the same clock; None when the header lacks it
    pub injection_time_s: Option<f64>,
}

/// The DICOM files at `path`: the file itself, or every file under the folder (recursively)
/// that parses as DICOM, read in parallel. Non-DICOM files (a README, a DICOMDIR's siblings)
/// are skipped.
fn open_all(path: &Path) -> Result<Vec<(PathBuf, DefaultDicomObject)>, IoError> {
    if path.is_file() {
        return Ok(vec![(path.to_path_buf(), open(path)?)]);
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| IoError::os(&dir, "list", e))?;
        for entry in rd {
            let p = entry.map_err(|e| IoError::os(&dir, "list", e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "DICOMDIR") {
                files.push(p);
            }
        }
    }
    files.sort();
    let objs: Vec<_> = files
        .into_par_iter()
        .filter_map(|p| open(&p).ok().map(|o| (p, o)))
        .collect();
    if objs.is_empty() {
        return Err(IoError::format(path, "no DICOM file found"));
    }
    Ok(objs)
}

fn attrs<'a>(f: &'a (PathBuf, DefaultDicomObject)) -> Attrs<'a> {
    Attrs::new(&f.1, &f.0)
}

/// Groups files by SeriesInstanceUID, in order of first appearance (sorted file names).
fn group(
    files: Vec<(PathBuf, DefaultDicomObject)>,
) -> Vec<(SeriesInfo, Vec<(PathBuf, DefaultDicomObject)>)> {
    let mut out: Vec<(SeriesInfo, Vec<_>)> = Vec::new();
    for f in files {
        let a = attrs(&f);
        let uid = a.text(tags::SERIES_INSTANCE_UID).unwrap_or_default();
        match out.iter_mut().find(|(s, _)| s.series_instance_uid == uid) {
            Some((s, v)) => {
                s.files += 1;
                v.push(f);
            }
            None => {
                let info = SeriesInfo {
                    series_instance_uid: uid,
                    modality: a.text(tags::MODALITY).unwrap_or_default(),
                    description: a.text(tags::SERIES_DESCRIPTION).unwrap_or_default(),
                    files: 1,
                };
                out.push((info, vec![f]));
            }
        }
    }
    out
}

/// Lists the series of the DICOM files at `path` (a file or a folder).
///
/// # Errors
/// A folder that cannot be listed or holds no DICOM file.
pub fn list_series(path: &Path) -> Result<Vec<SeriesInfo>, IoError> {
    Ok(group(open_all(path)?).into_iter().map(|g| g.0).collect())
}

fn choices(series: &[SeriesInfo]) -> String {
    series
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {} files{})",
                s.series_instance_uid,
                s.modality,
                s.files,
                if s.description.is_empty() {
                    String::new()
                } else {
                    format!(", \"{}\"", s.description)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads an image series from a DICOM file or folder. `select` chooses among several series:
/// a SeriesInstanceUID, or a modality (`CT`, `PT`, `NM`; case-insensitive); `None` takes the
/// only image series.
///
/// # Errors
/// [`IoError::Format`] naming the file when: no series or several match (the choices are
/// listed); slices differ in size, spacing or orientation; a slice is missing, the spacing is
/// uneven or the slices are sheared (gantry tilt); the transfer syntax is compressed; the
/// pixel data are shorter than announced.
pub fn read_series(path: &Path, select: Option<&str>) -> Result<DicomImage, IoError> {
    let groups = group(open_all(path)?);
    let all: Vec<SeriesInfo> = groups.iter().map(|g| g.0.clone()).collect();
    let is_image = |g: &&(SeriesInfo, Vec<_>)| {
        g.1.iter()
            .any(|f: &(PathBuf, DefaultDicomObject)| attrs(f).text(tags::ROWS).is_some())
    };
    let matching: Vec<_> = groups
        .iter()
        .filter(is_image)
        .filter(|g| match select {
            None => true,
            Some(s) => g.0.series_instance_uid == s || g.0.modality.eq_ignore_ascii_case(s),
        })
        .collect();
    let chosen = match matching.as_slice() {
        [one] => *one,
        [] => {
            return Err(IoError::format(
                path,
                format!(
                    "no image series{}; found: {}",
                    select
                        .map(|s| format!(" matches '{s}'"))
                        .unwrap_or_default(),
                    choices(&all)
                ),
            ))
        }
        _ => {
            return Err(IoError::format(
                path,
                format!(
                    "{} image series{}: choose one by SeriesInstanceUID or modality: {}",
                    matching.len(),
                    select.map(|s| format!(" match '{s}'")).unwrap_or_default(),
                    choices(&matching.iter().map(|g| g.0.clone()).collect::<Vec<_>>())
                ),
            ))
        }
    };
    let files: Vec<_> = chosen
        .1
        .iter()
        .filter(|f| attrs(f).text(tags::ROWS).is_some())
        .collect();
    let mut img = build(&files)?;
    img.series = all;
    Ok(img)
}

/// The header values of one file that fix its geometry and pixel encoding.
struct Slice<'a> {
    file: &'a (PathBuf, DefaultDicomObject),
    /// ImageOrientationPatient (LPS): row direction, column direction
    iop: [f64; 6],
    /// ImagePositionPatient (LPS, mm) of the first frame
    ipp: [f64; 3],
    rows: usize,
    cols: usize,
    /// PixelSpacing: between rows, between columns (mm)
    ps: [f64; 2],
    frames: usize,
}

fn slice_header<'a>(f: &'a (PathBuf, DefaultDicomObject)) -> Result<Slice<'a>, IoError> {
    check_syntax(f)?;
    let a = attrs(f);
    // NM images carry position and orientation in the Detector Information Sequence
    let det = a.items(tags::DETECTOR_INFORMATION_SEQUENCE).first();
    let geo = |tag, n| match (a.floats_opt(tag)?, det) {
        (Some(_), _) | (None, None) => a.floats(tag, n),
        (None, Some(d)) => Attrs::new(d, &f.0).floats(tag, n),
    };
    let iop = geo(tags::IMAGE_ORIENTATION_PATIENT, 6)?;
    let ipp = geo(tags::IMAGE_POSITION_PATIENT, 3)?;
    let ps = a.floats(tags::PIXEL_SPACING, 2)?;
    if let Some(t) = a.float(tags::GANTRY_DETECTOR_TILT)? {
        if t.abs() > 1e-3 {
            return Err(IoError::format(
                &f.0,
                format!("gantry tilt of {t} degrees (0018,1120): tilted slices are not a grid; resample the series first"),
            ));
        }
    }
    Ok(Slice {
        file: f,
        iop: std::array::from_fn(|i| iop[i]),
        ipp: [ipp[0], ipp[1], ipp[2]],
        rows: a.uint(tags::ROWS)?,
        cols: a.uint(tags::COLUMNS)?,
        ps: [ps[0], ps[1]],
        frames: a
            .float(tags::NUMBER_OF_FRAMES)?
            .map_or(1, |n| n.max(1.0) as usize),
    })
}

/// The normal of the slices (LPS), the row and column directions.
fn axes(s: &Slice) -> ([f64; 3], [f64; 3], [f64; 3]) {
    let r = [s.iop[0], s.iop[1], s.iop[2]];
    let c = [s.iop[3], s.iop[4], s.iop[5]];
    (r, c, cross(r, c))
}

/// The grid and values of a series of single-frame slices (or one multi-frame NM file), the
/// first file in slice order, and the files in slice order.
#[allow(clippy::type_complexity)] // (grid, values, first file, files in order)
fn slices_volume<'a>(
    files: &[&'a (PathBuf, DefaultDicomObject)],
) -> Result<
    (
        Grid,
        Vec<f64>,
        &'a (PathBuf, DefaultDicomObject),
        Vec<&'a (PathBuf, DefaultDicomObject)>,
    ),
    IoError,
> {
    let mut slices = files
        .iter()
        .map(|f| slice_header(f))
        .collect::<Result<Vec<_>, _>>()?;
    let (r, c, n) = axes(&slices[0]);
    for s in &slices[1..] {
        let same = s.rows == slices[0].rows
            && s.cols == slices[0].cols
            && (0..2).all(|i| (s.ps[i] - slices[0].ps[i]).abs() < 1e-4)
            && (0..6).all(|i| (s.iop[i] - slices[0].iop[i]).abs() < 1e-4);
        if !same {
            return Err(IoError::format(
                &s.file.0,
                format!(
                    "{}x{} pixels of {:?} mm, orientation {:?}; expected {}x{} of {:?} mm, {:?} like {}",
                    s.cols, s.rows, s.ps, s.iop, slices[0].cols, slices[0].rows,
                    slices[0].ps, slices[0].iop, slices[0].file.0.display()
                ),
            ));
        }
    }
    slices.sort_by(|a, b| dot(a.ipp, n).total_cmp(&dot(b.ipp, n)));
    let dz = slice_spacing(&slices, n)?;
    let first = &slices[0];
    let mut grid = Grid::new(
        [first.cols, first.rows, slices.len() * first.frames],
        [first.ps[1], first.ps[0], dz],
    );
    grid.origin_mm = flip(first.ipp);
    let (rr, cr, nr) = (flip(r), flip(c), flip(n));
    for a in 0..3 {
        grid.direction[a] = [rr[a], cr[a], nr[a]];
    }
    let per_slice = first.rows * first.cols * first.frames;
    let mut data = vec![0.0; grid.len()];
    data.par_chunks_mut(per_slice)
        .zip(slices.par_iter())
        .try_for_each(|(out, s)| decode_pixels(s.file, out))?;
    let first_file = first.file;
    let sorted = slices.iter().map(|s| s.file).collect();
    Ok((grid, data, first_file, sorted))
}

fn build(files: &[&(PathBuf, DefaultDicomObject)]) -> Result<DicomImage, IoError> {
    let (grid, data, first, sorted) = if files.len() == 1 && super::enhanced::is_enhanced(files[0])
    {
        let (grid, data) = super::enhanced::read(files[0])?;
        (grid, data, files[0], vec![files[0]])
    } else {
        slices_volume(files)?
    };
    let a = attrs(first);
    let modality = a.text(tags::MODALITY).unwrap_or_default();
    let units = match modality.as_str() {
        "CT" => "HU".to_string(),
        "NM" => a.text(tags::UNITS).unwrap_or_else(|| "COUNTS".into()),
        _ => a.text(tags::UNITS).unwrap_or_else(|| "unknown".into()),
    };
    let pet = if modality == "PT" {
        Some(pet::pet_info(&a)?)
    } else {
        None
    };
    let instances = sorted
        .iter()
        .map(|f| {
            let a = attrs(f);
            (
                a.text(tags::SOP_CLASS_UID).unwrap_or_default(),
                a.text(tags::SOP_INSTANCE_UID).unwrap_or_default(),
            )
        })
        .collect();
    Ok(DicomImage {
        volume: Volume { grid, data },
        series_instance_uid: a.text(tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        identity: identity(&a),
        modality,
        units,
        pet,
        series: Vec::new(),
        instances,
        acquisition_s: acquisition::acquisition_s(&a)?,
        scan_time_s: acquisition::scan_time_s(&a),
        injection_time_s: acquisition::injection_time_s(&a),
    })
}

/// The distance between slices (mm) along the normal `n`, after checking that the slices are
/// evenly spaced, none is missing, and none is shifted in-plane (a sheared or tilted series).
fn slice_spacing(slices: &[Slice], n: [f64; 3]) -> Result<f64, IoError> {
    let first = &slices[0];
    if slices.len() == 1 {
        let a = attrs(first.file);
        let dz = match a.float(tags::SPACING_BETWEEN_SLICES)? {
            Some(d) if d != 0.0 => d.abs(),
            _ => a.float(tags::SLICE_THICKNESS)?.unwrap_or(0.0),
        };
        if first.frames > 1 && dz <= 0.0 {
            return Err(IoError::format(
                &first.file.0,
                "multi-frame image without SpacingBetweenSlices (0018,0088) or SliceThickness (0018,0050)",
            ));
        }
        return Ok(if dz > 0.0 { dz } else { first.ps[0] });
    }
    if let Some(s) = slices.iter().find(|s| s.frames > 1) {
        return Err(IoError::format(
            &s.file.0,
            format!("{} frames in a series of {} files: expected single-frame slices or one multi-frame file", s.frames, slices.len()),
        ));
    }
    let d: Vec<f64> = slices.iter().map(|s| dot(s.ipp, n)).collect();
    for s in slices {
        let along = dot(s.ipp, n) - d[0];
        let shift: f64 = (0..3)
            .map(|a| (s.ipp[a] - first.ipp[a] - along * n[a]).powi(2))
            .sum::<f64>()
            .sqrt();
        if shift > 0.01 * first.ps[0].max(first.ps[1]) + 1e-3 {
            return Err(IoError::format(
                &s.file.0,
                format!("ImagePositionPatient {:?} is shifted {shift:.3} mm in-plane from {} ({:?}): sheared slices (gantry tilt?) are not a grid", s.ipp, first.file.0.display(), first.ipp),
            ));
        }
    }
    let gaps: Vec<f64> = d.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let dz = sorted[sorted.len() / 2];
    let name = |i: usize| slices[i].file.0.display().to_string();
    for (i, &g) in gaps.iter().enumerate() {
        if g < 1e-3 {
            return Err(IoError::format(
                &slices[i + 1].file.0,
                format!(
                    "at the same position ({:.3} mm along the normal) as {}: duplicate slice",
                    d[i],
                    name(i)
                ),
            ));
        }
        let tol = 0.01 * dz + 1e-3;
        if (g - dz).abs() > tol {
            let ratio = g / dz;
            let detail = if ratio > 1.5 && (ratio - ratio.round()).abs() < 0.05 {
                format!(
                    "missing slice: {:.0} slice(s) missing between {} ({:.3} mm) and this file ({:.3} mm); spacing elsewhere {dz:.3} mm",
                    ratio.round() - 1.0, name(i), d[i], d[i + 1]
                )
            } else {
                format!(
                    "uneven slice spacing: {g:.3} mm from {} ({:.3} mm) to this file ({:.3} mm), {dz:.3} mm elsewhere",
                    name(i), d[i], d[i + 1]
                )
            };
            return Err(IoError::format(&slices[i + 1].file.0, detail));
        }
    }
    Ok(dz)
}

/// The patient, study and frame-of-reference attributes of a data set.
pub(crate) fn identity(a: &Attrs) -> PatientStudy {
    let t = |tag| a.text(tag).unwrap_or_default();
    PatientStudy {
        patient_name: t(tags::PATIENT_NAME),
        patient_id: t(tags::PATIENT_ID),
        patient_birth_date: t(tags::PATIENT_BIRTH_DATE),
        patient_sex: t(tags::PATIENT_SEX),
        study_instance_uid: t(tags::STUDY_INSTANCE_UID),
        study_date: t(tags::STUDY_DATE),
        study_time: t(tags::STUDY_TIME),
        study_id: t(tags::STUDY_ID),
        accession_number: t(tags::ACCESSION_NUMBER),
        referring_physician_name: t(tags::REFERRING_PHYSICIAN_NAME),
        frame_of_reference_uid: t(tags::FRAME_OF_REFERENCE_UID),
        position_reference_indicator: t(tags::POSITION_REFERENCE_INDICATOR),
    }
}
