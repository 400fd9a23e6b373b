//! DICOM RT Dose export (and read-back, for tests and round trips) of a dose map on its grid,
//! with the dicom-rs crates (dicom-object 0.10).
//!
//! The file is an RT Dose instance (SOP class 1.2.840.10008.5.1.4.1.1.481.2, explicit VR
//! little endian): one multi-frame image of 32-bit unsigned pixels, dose = pixel x
//! DoseGridScaling (Gy), DoseUnits GY, DoseType PHYSICAL. A radionuclide dose has no RT Plan
//! and no RT treatment record, and the RT Dose IOD defines no summation type for it:
//! DoseSummationType is `PLAN_OVERVIEW` (the dose of a whole course), the one value that
//! requires neither a ReferencedRTPlanSequence (`PLAN`, `FRACTION`, `BEAM`, `BRACHY`, ...) nor
//! a ReferencedTreatmentRecordSequence (`RECORD`). dciodvfy (dicom3tools 1.00~20220618) accepts it with
//! a warning that it does not know the term. With a [`DoseReference`] (the patient's CT)
//! the patient, study and frame-of-reference attributes are copied from the CT and its slices
//! are listed in ReferencedImageSequence, so a planning system files the dose with that CT;
//! without one, the type 2 attributes are present and empty. Geometry in
//! the DICOM patient frame (LPS): ImagePositionPatient is the centre of voxel (0, 0, 0),
//! ImageOrientationPatient the directions of increasing column (voxel axis i) and row (axis j),
//! GridFrameOffsetVector the offsets (mm) of the frames (axis k) along the row x column normal.
//! Our grids are RAS: x and y change sign.

use super::{flip, PatientStudy};
use crate::io::{Grid, Volume};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{meta::FileMetaTableBuilder, InMemDicomObject};
use std::path::Path;

/// The image series a dose was computed on: its patient, study and frame of reference, and its
/// instances (SOPClassUID, SOPInstanceUID), as [`super::DicomImage`] holds them.
#[derive(Clone, Debug, Default)]
pub struct DoseReference {
    /// patient, study and frame-of-reference attributes to copy
    pub identity: PatientStudy,
    /// the reference images, listed in ReferencedImageSequence
    pub instances: Vec<(String, String)>,
}

fn strs(v: &[f64]) -> PrimitiveValue {
    PrimitiveValue::Strs(v.iter().map(|x| format!("{x:.6}")).collect())
}

/// A UID under the 2.25 root (ITU-T X.667: a UUID-like 128-bit number in decimal) from a hash
/// of `seed` and the current time.
fn uid(seed: u64, salt: u64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let hi = mix(seed ^ t as u64);
    let lo = mix(salt.wrapping_add((t >> 64) as u64).wrapping_add(hi));
    format!("2.25.{}", ((hi as u128) << 64) | lo as u128)
}

/// Writes `dose` (Gy per voxel, on `grid`) as a DICOM RT Dose file of its own study and frame
/// of reference (new UIDs, empty patient module).
///
/// # Errors
/// Non-finite or negative doses, a length that does not match the grid, write failures.
pub fn write_rt_dose(
    path: &Path,
    grid: &Grid,
    dose_gy: &[f64],
    description: &str,
) -> anyhow::Result<()> {
    write_rt_dose_for(path, grid, dose_gy, description, None)
}

/// Writes `dose` (Gy per voxel, on `grid`) as a DICOM RT Dose file that belongs to the study
/// and frame of reference of `reference` (a new study and frame when `None`).
///
/// # Errors
/// Non-finite or negative doses, a length that does not match the grid, write failures.
pub fn write_rt_dose_for(
    path: &Path,
    grid: &Grid,
    dose_gy: &[f64],
    description: &str,
    reference: Option<&DoseReference>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        dose_gy.len() == grid.len(),
        "{}: {} doses for a grid of {} voxels",
        path.display(),
        dose_gy.len(),
        grid.len()
    );
    if let Some(d) = dose_gy.iter().find(|d| !d.is_finite() || **d < 0.0) {
        anyhow::bail!("{}: dose {d} cannot be written to RT Dose", path.display());
    }
    let [nx, ny, nz] = grid.dims;
    let max = dose_gy.iter().cloned().fold(0.0, f64::max);
    let scaling = if max > 0.0 {
        max / u32::MAX as f64
    } else {
        1.0
    };
    let mut pixels = Vec::with_capacity(4 * dose_gy.len());
    for d in dose_gy {
        pixels
            .extend_from_slice(&((d / scaling).round().min(u32::MAX as f64) as u32).to_le_bytes());
    }
    let col = |c: usize| {
        flip([
            grid.direction[0][c],
            grid.direction[1][c],
            grid.direction[2][c],
        ])
    };
    let (row_dir, col_dir, slice_dir) = (col(0), col(1), col(2));
    let normal = [
        row_dir[1] * col_dir[2] - row_dir[2] * col_dir[1],
        row_dir[2] * col_dir[0] - row_dir[0] * col_dir[2],
        row_dir[0] * col_dir[1] - row_dir[1] * col_dir[0],
    ];
    let sign = (0..3)
        .map(|a| normal[a] * slice_dir[a])
        .sum::<f64>()
        .signum();
    let offsets: Vec<f64> = (0..nz)
        .map(|k| sign * k as f64 * grid.spacing_mm[2])
        .collect();
    let position = flip(grid.world_mm([0.0, 0.0, 0.0]));
    // FNV-1a of the pixels: the UIDs differ for different doses written at the same instant
    let hash = pixels.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let sop = uid(hash, 4);
    let mut obj = InMemDicomObject::new_empty();
    put_identity(&mut obj, reference, hash, &sop, description);
    let mut put = |tag, vr, v: PrimitiveValue| obj.put(DataElement::new(tag, vr, v));
    let s = |x: &str| PrimitiveValue::from(x);
    put(tags::IMAGE_POSITION_PATIENT, VR::DS, strs(&position));
    put(
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        strs(&[row_dir, col_dir].concat()),
    );
    put(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16));
    put(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, s("MONOCHROME2"));
    put(tags::NUMBER_OF_FRAMES, VR::IS, s(&nz.to_string()));
    put(
        tags::FRAME_INCREMENT_POINTER,
        VR::AT,
        PrimitiveValue::Tags(vec![tags::GRID_FRAME_OFFSET_VECTOR].into()),
    );
    put(tags::ROWS, VR::US, PrimitiveValue::from(ny as u16));
    put(tags::COLUMNS, VR::US, PrimitiveValue::from(nx as u16));
    // PixelSpacing is (row spacing = between rows, i.e. along j; column spacing = along i)
    put(
        tags::PIXEL_SPACING,
        VR::DS,
        strs(&[grid.spacing_mm[1], grid.spacing_mm[0]]),
    );
    put(tags::SLICE_THICKNESS, VR::DS, strs(&[grid.spacing_mm[2]]));
    put(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(32u16));
    put(tags::BITS_STORED, VR::US, PrimitiveValue::from(32u16));
    put(tags::HIGH_BIT, VR::US, PrimitiveValue::from(31u16));
    put(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(0u16),
    );
    put(tags::DOSE_UNITS, VR::CS, s("GY"));
    put(tags::DOSE_TYPE, VR::CS, s("PHYSICAL"));
    put(tags::DOSE_SUMMATION_TYPE, VR::CS, s("PLAN_OVERVIEW"));
    put(tags::GRID_FRAME_OFFSET_VECTOR, VR::DS, strs(&offsets));
    put(
        tags::DOSE_GRID_SCALING,
        VR::DS,
        PrimitiveValue::from(format!("{scaling:.10e}").as_str()),
    );
    put(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U8(pixels.into()));
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(uids::RT_DOSE_STORAGE)
                .media_storage_sop_instance_uid(&sop),
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    file.write_to_file(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// The patient, study, series, frame-of-reference, equipment and SOP attributes, copied from
/// `reference` where it has them.
fn put_identity(
    obj: &mut InMemDicomObject,
    reference: Option<&DoseReference>,
    hash: u64,
    sop: &str,
    description: &str,
) {
    let id = reference.map(|r| r.identity.clone()).unwrap_or_default();
    let or_new = |v: &str, salt| {
        if v.is_empty() {
            uid(hash, salt)
        } else {
            v.to_string()
        }
    };
    let (study, frame) = (
        or_new(&id.study_instance_uid, 1),
        or_new(&id.frame_of_reference_uid, 3),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let iso = super::time::iso(now);
    let (date, time) = (iso[..10].replace('-', ""), iso[11..].replace(':', ""));
    let mut put = |tag, vr, v: &str| obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    put(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put(tags::SOP_CLASS_UID, VR::UI, uids::RT_DOSE_STORAGE);
    put(tags::SOP_INSTANCE_UID, VR::UI, sop);
    put(tags::INSTANCE_CREATION_DATE, VR::DA, &date);
    put(tags::INSTANCE_CREATION_TIME, VR::TM, &time);
    put(tags::STUDY_DATE, VR::DA, &id.study_date);
    put(tags::STUDY_TIME, VR::TM, &id.study_time);
    put(tags::CONTENT_DATE, VR::DA, &date);
    put(tags::CONTENT_TIME, VR::TM, &time);
    put(tags::ACCESSION_NUMBER, VR::SH, &id.accession_number);
    put(tags::MODALITY, VR::CS, "RTDOSE");
    put(tags::MANUFACTURER, VR::LO, "theradose");
    put(
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        &id.referring_physician_name,
    );
    let desc: String = description.chars().take(64).collect();
    put(tags::SERIES_DESCRIPTION, VR::LO, &desc);
    put(tags::OPERATORS_NAME, VR::PN, "");
    put(tags::PATIENT_NAME, VR::PN, &id.patient_name);
    put(tags::PATIENT_ID, VR::LO, &id.patient_id);
    put(tags::PATIENT_BIRTH_DATE, VR::DA, &id.patient_birth_date);
    put(tags::PATIENT_SEX, VR::CS, &id.patient_sex);
    put(tags::SOFTWARE_VERSIONS, VR::LO, crate::VERSION);
    put(tags::STUDY_INSTANCE_UID, VR::UI, &study);
    put(tags::SERIES_INSTANCE_UID, VR::UI, &uid(hash, 2));
    put(tags::STUDY_ID, VR::SH, &id.study_id);
    put(tags::SERIES_NUMBER, VR::IS, "1");
    put(tags::INSTANCE_NUMBER, VR::IS, "1");
    put(tags::FRAME_OF_REFERENCE_UID, VR::UI, &frame);
    put(
        tags::POSITION_REFERENCE_INDICATOR,
        VR::LO,
        &id.position_reference_indicator,
    );
    if let Some(r) = reference.filter(|r| !r.instances.is_empty()) {
        let items = r.instances.iter().map(|(class, inst)| {
            InMemDicomObject::from_element_iter([
                DataElement::new(
                    tags::REFERENCED_SOP_CLASS_UID,
                    VR::UI,
                    PrimitiveValue::from(class.as_str()),
                ),
                DataElement::new(
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    VR::UI,
                    PrimitiveValue::from(inst.as_str()),
                ),
            ])
        });
        obj.put(DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            dicom_core::value::DataSetSequence::from(items.collect::<Vec<_>>()),
        ));
    }
}

/// Reads an RT Dose file written by [`write_rt_dose`] (axis-aligned frames): the dose in Gy
/// on its grid (RAS).
///
/// # Errors
/// A file that is not DICOM or lacks the RT Dose attributes.
pub fn read_rt_dose(path: &Path) -> anyhow::Result<Volume<f64>> {
    let obj =
        dicom_object::open_file(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let get = |t| {
        obj.element(t)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let floats = |t| -> anyhow::Result<Vec<f64>> {
        get(t)?
            .to_multi_float64()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let int = |t| -> anyhow::Result<usize> {
        get(t)?
            .to_int::<u32>()
            .map(|x| x as usize)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let (ny, nx, nz) = (
        int(tags::ROWS)?,
        int(tags::COLUMNS)?,
        int(tags::NUMBER_OF_FRAMES)?,
    );
    let ps = floats(tags::PIXEL_SPACING)?;
    let offsets = floats(tags::GRID_FRAME_OFFSET_VECTOR)?;
    let dz = if offsets.len() > 1 {
        (offsets[1] - offsets[0]).abs()
    } else {
        floats(tags::SLICE_THICKNESS)?[0]
    };
    let pos = floats(tags::IMAGE_POSITION_PATIENT)?;
    let ori = floats(tags::IMAGE_ORIENTATION_PATIENT)?;
    let scaling = floats(tags::DOSE_GRID_SCALING)?[0];
    let bytes = get(tags::PIXEL_DATA)?
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    anyhow::ensure!(
        bytes.len() == 4 * nx * ny * nz,
        "{}: {} pixel bytes for {nx}x{ny}x{nz} 32-bit voxels",
        path.display(),
        bytes.len()
    );
    let data = bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 * scaling)
        .collect();
    let r = flip([ori[0], ori[1], ori[2]]);
    let c = flip([ori[3], ori[4], ori[5]]);
    let sign = if offsets.len() > 1 && offsets[1] < offsets[0] {
        -1.0
    } else {
        1.0
    };
    let nrm = [
        r[1] * c[2] - r[2] * c[1],
        r[2] * c[0] - r[0] * c[2],
        r[0] * c[1] - r[1] * c[0],
    ];
    // the RAS/LPS flip is a rotation (180 degrees about z), so it commutes with the cross
    // product: the RAS normal is the cross product of the RAS row and column directions
    let mut grid = Grid::new([nx, ny, nz], [ps[1], ps[0], dz]);
    grid.origin_mm = flip([pos[0], pos[1], pos[2]]);
    for a in 0..3 {
        grid.direction[a][0] = r[a];
        grid.direction[a][1] = c[a];
        grid.direction[a][2] = sign * nrm[a];
    }
    Ok(Volume { grid, data })
}
