//! Any image a user hands over: a DICOM folder or file, NIfTI or MetaImage, with what is known
//! of it ([`ImageInfo`]: format, modality, geometry, units, the series beside it, PET SUV
//! inputs), and its values in the units asked for ([`ImageUnits`]).

use super::dicom::{self, pet::PetInfo, DicomImage, SeriesInfo};
use super::{read_volume, IoError, Volume};
use serde::Serialize;
use std::path::Path;

/// What `theradose image info` prints about an image.
#[derive(Clone, Debug, Serialize)]
pub struct ImageInfo {
    /// `dicom`, `nifti` or `metaimage`
    pub format: String,
    /// DICOM Modality (CT, PT, NM, ...); empty for NIfTI and MetaImage
    pub modality: String,
    /// voxels along i, j, k
    pub dims: [usize; 3],
    /// voxel size along i, j, k, mm
    pub spacing_mm: [f64; 3],
    /// centre of voxel (0, 0, 0), RAS+, mm
    pub origin_mm: [f64; 3],
    /// direction cosines, RAS+: column c is the world direction of voxel axis c
    pub direction: [[f64; 3]; 3],
    /// units of the values: `HU`, `BQML`, `COUNTS`, ... (`unknown` for NIfTI and MetaImage)
    pub units: String,
    /// SeriesInstanceUID (DICOM), else empty
    pub series_instance_uid: String,
    /// every series found beside it (DICOM)
    pub series: Vec<SeriesInfo>,
    /// NM tomography: acquisition time behind the counts, s
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquisition_s: Option<f64>,
    /// PET: SUV body-weight factor and its inputs
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pet: Option<PetInfo>,
}

/// An image in memory with what is known of it.
#[derive(Clone, Debug)]
pub struct Image {
    /// values in `info.units`
    pub volume: Volume<f64>,
    /// format, modality, units, series
    pub info: ImageInfo,
    /// the DICOM series, when the image is DICOM (identity and instances for an RT Dose)
    pub dicom: Option<DicomImage>,
}

/// True when `path` names a NIfTI or MetaImage file (by extension), false for anything else
/// (a DICOM folder or file).
pub fn is_volume_file(path: &Path) -> bool {
    super::format_of(path).is_ok()
}

/// True when `path` names an image rather than a built-in phantom (a name or a phantom TOML):
/// an existing folder (DICOM), a NIfTI or MetaImage file, or another existing file that is not
/// `.toml` (a DICOM file).
pub fn is_image_path(path: &Path) -> bool {
    path.is_dir()
        || is_volume_file(path)
        || (path.is_file()
            && !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml")))
}

/// Reads an image: NIfTI or MetaImage by extension, else DICOM (a folder, or a file holding one
/// image or a multi-frame volume). `series` chooses a DICOM series by SeriesInstanceUID or
/// modality.
///
/// # Errors
/// See [`read_volume`] and [`dicom::read_series`].
pub fn read_image(path: &Path, series: Option<&str>) -> Result<Image, IoError> {
    if is_volume_file(path) {
        let volume = read_volume(path)?;
        let format =
            if super::format_of(path).is_ok_and(|f| matches!(f, super::Format::Nifti { .. })) {
                "nifti"
            } else {
                "metaimage"
            };
        let info = info_of(&volume, format, "", "unknown", "", Vec::new(), None, None);
        return Ok(Image {
            volume,
            info,
            dicom: None,
        });
    }
    let d = dicom::read_series(path, series)?;
    let info = info_of(
        &d.volume,
        "dicom",
        &d.modality,
        &d.units,
        &d.series_instance_uid,
        d.series.clone(),
        d.pet.clone(),
        d.acquisition_s,
    );
    Ok(Image {
        volume: d.volume.clone(),
        info,
        dicom: Some(d),
    })
}

#[allow(clippy::too_many_arguments)] // one argument per field of ImageInfo
fn info_of(
    v: &Volume<f64>,
    format: &str,
    modality: &str,
    units: &str,
    uid: &str,
    series: Vec<SeriesInfo>,
    pet: Option<PetInfo>,
    acquisition_s: Option<f64>,
) -> ImageInfo {
    ImageInfo {
        format: format.into(),
        modality: modality.into(),
        dims: v.grid.dims,
        spacing_mm: v.grid.spacing_mm,
        origin_mm: v.grid.origin_mm,
        direction: v.grid.direction,
        units: units.into(),
        series_instance_uid: uid.into(),
        series,
        acquisition_s,
        pet,
    }
}

/// Units an image can be converted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageUnits {
    /// activity concentration, Bq/mL (PET `BQML`)
    BqMl,
    /// standardised uptake value, body weight (PET `BQML` x SUVbw factor)
    Suv,
    /// CT numbers, HU
    Hu,
    /// NM counts
    Counts,
}

impl ImageUnits {
    /// `bq_ml`, `suv`, `hu` or `counts` (also with `-`).
    ///
    /// # Errors
    /// Any other name (a spec error on `units`).
    pub fn parse(s: &str) -> anyhow::Result<ImageUnits> {
        match s.replace('-', "_").as_str() {
            "bq_ml" => Ok(ImageUnits::BqMl),
            "suv" => Ok(ImageUnits::Suv),
            "hu" => Ok(ImageUnits::Hu),
            "counts" => Ok(ImageUnits::Counts),
            _ => Err(crate::error::spec_error(
                "units",
                format!("'{s}': expected bq_ml, suv, hu or counts"),
            )),
        }
    }
}

/// The image's values in `units`: a factor for SUV, the values as they are when the image
/// already holds those units.
///
/// # Errors
/// Units the image does not hold (e.g. `hu` of a PET, `suv` without the header values SUV
/// needs), named with the path and what the image holds.
pub fn in_units(path: &Path, img: &Image, units: ImageUnits) -> Result<Volume<f64>, IoError> {
    let have = img.info.units.as_str();
    let ok = match units {
        ImageUnits::BqMl => have == "BQML",
        ImageUnits::Hu => have == "HU",
        ImageUnits::Counts => ["COUNTS", "CNTS"].contains(&have),
        ImageUnits::Suv => {
            let pet = img.info.pet.as_ref();
            let Some(f) = pet.and_then(|p| p.suv_bw_factor) else {
                let why = pet.map(|p| p.note.clone()).unwrap_or_else(|| {
                    format!("the image is {} in {have}, not a PET", img.info.modality)
                });
                return Err(IoError::format(
                    path,
                    format!("cannot convert to SUV: {why}"),
                ));
            };
            let mut v = img.volume.clone();
            v.data.iter_mut().for_each(|x| *x *= f);
            return Ok(v);
        }
    };
    if !ok {
        return Err(IoError::format(
            path,
            format!(
                "the image holds {have} ({}), not {units:?}",
                img.info.modality
            ),
        ));
    }
    Ok(img.volume.clone())
}

/// Counts of an NM (SPECT) image as activity concentration (Bq/mL):
/// `counts / (acquisition_s * cps_per_mbq) * 1e6 / voxel_ml`, with the acquisition time from
/// the header unless `acquisition_s` is given.
///
/// # Errors
/// An image not in counts, a calibration that is not positive, no acquisition time.
pub fn counts_to_bq_ml(
    path: &Path,
    img: &Image,
    cps_per_mbq: f64,
    acquisition_s: Option<f64>,
) -> Result<Volume<f64>, IoError> {
    let mut v = in_units(path, img, ImageUnits::Counts)?;
    if !(cps_per_mbq.is_finite() && cps_per_mbq > 0.0) {
        return Err(IoError::format(
            path,
            format!("calibration {cps_per_mbq} counts/s per MBq: expected a positive number"),
        ));
    }
    let Some(t) = acquisition_s
        .or(img.info.acquisition_s)
        .filter(|t| *t > 0.0)
    else {
        return Err(IoError::format(
            path,
            "no acquisition time: the header has no RotationInformationSequence with ActualFrameDuration and NumberOfFramesInRotation; give it",
        ));
    };
    let f = 1e6 / (t * cps_per_mbq * v.grid.voxel_volume_cm3());
    v.data.iter_mut().for_each(|x| *x *= f);
    Ok(v)
}
