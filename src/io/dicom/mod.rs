//! DICOM in and out, with the dicom-rs crates (dicom-object 0.10).
//!
//! * [`series`]: image series from a folder (CT in HU, PET in Bq/mL, NM/SPECT in counts or
//!   Bq/mL), single- or multi-frame, with the patient, study and frame-of-reference identity
//!   of the series so a dose written back can reference it.
//!   Enhanced multi-frame CT and PET (functional groups) are read too (`enhanced`).
//! * [`pet`]: SUV body-weight factors from the radiopharmaceutical information.
//! * [`rtstruct`]: RTSTRUCT contours rasterised onto an image grid (even-odd rule, sub-voxel
//!   sampling).
//! * [`rtdose`]: RT Dose export and read-back.
//!
//! Geometry: DICOM's patient frame is LPS+, our [`Grid`](super::Grid) is RAS+; x and y change
//! sign on the way in and out (`flip`). Every error names the file and what was found.

mod acquisition;
mod enhanced;
pub mod pet;
mod pixels;
pub mod rtdose;
pub mod rtstruct;
pub mod seg;
pub mod series;
mod structures;
pub mod time;

pub use rtdose::{read_rt_dose, write_rt_dose, write_rt_dose_for, DoseReference};
pub use series::{list_series, read_series, DicomImage, PatientStudy, SeriesInfo};
pub use structures::structure_labels;

use super::IoError;
use dicom_core::header::HasLength;
use dicom_core::Tag;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use std::path::Path;

/// RAS <-> LPS: negate x and y.
pub(crate) fn flip(v: [f64; 3]) -> [f64; 3] {
    [-v[0], -v[1], v[2]]
}

/// Cross product `a x b`.
pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Dot product.
pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Opens a DICOM file (Part 10, with its 128-byte preamble and meta group).
pub(crate) fn open(path: &Path) -> Result<DefaultDicomObject, IoError> {
    dicom_object::open_file(path)
        .map_err(|e| IoError::format(path, format!("not a readable DICOM file: {e}")))
}

/// Attribute access on a data set (a file or a sequence item), with errors naming the file.
pub(crate) struct Attrs<'a> {
    pub obj: &'a InMemDicomObject,
    pub path: &'a Path,
}

impl<'a> Attrs<'a> {
    pub fn new(obj: &'a InMemDicomObject, path: &'a Path) -> Attrs<'a> {
        Attrs { obj, path }
    }

    /// The trimmed text of an attribute, `None` when absent or empty.
    pub fn text(&self, tag: Tag) -> Option<String> {
        let e = self.obj.element_opt(tag).ok().flatten()?;
        let s = e.to_str().ok()?;
        let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        (!s.is_empty()).then(|| s.to_string())
    }

    /// The numbers of a decimal-string or binary numeric attribute, `None` when absent.
    pub fn floats_opt(&self, tag: Tag) -> Result<Option<Vec<f64>>, IoError> {
        let Some(e) = self.obj.element_opt(tag).ok().flatten() else {
            return Ok(None);
        };
        if e.is_empty() {
            return Ok(None);
        }
        e.to_multi_float64().map(Some).map_err(|err| {
            IoError::format(self.path, format!("{}: not a number: {err}", tag_name(tag)))
        })
    }

    /// Exactly `n` numbers of a required attribute.
    pub fn floats(&self, tag: Tag, n: usize) -> Result<Vec<f64>, IoError> {
        match self.floats_opt(tag)? {
            Some(v) if v.len() == n && v.iter().all(|x| x.is_finite()) => Ok(v),
            Some(v) => Err(IoError::format(
                self.path,
                format!("{}: {:?}, expected {n} finite numbers", tag_name(tag), v),
            )),
            None => Err(IoError::format(
                self.path,
                format!("{} is missing", tag_name(tag)),
            )),
        }
    }

    /// The first number of an attribute, `None` when absent.
    pub fn float(&self, tag: Tag) -> Result<Option<f64>, IoError> {
        Ok(self.floats_opt(tag)?.and_then(|v| v.first().copied()))
    }

    /// A required unsigned integer attribute.
    pub fn uint(&self, tag: Tag) -> Result<usize, IoError> {
        match self.float(tag)? {
            Some(v) if v >= 0.0 && v.fract() == 0.0 => Ok(v as usize),
            Some(v) => Err(IoError::format(
                self.path,
                format!("{}: {v}, expected a whole number", tag_name(tag)),
            )),
            None => Err(IoError::format(
                self.path,
                format!("{} is missing", tag_name(tag)),
            )),
        }
    }

    /// The items of a sequence attribute (empty when absent).
    pub fn items(&self, tag: Tag) -> &'a [InMemDicomObject] {
        self.obj
            .element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.items())
            .unwrap_or(&[])
    }
}

/// The keyword of a tag from the standard dictionary (`(0028,0030) PixelSpacing`).
pub(crate) fn tag_name(tag: Tag) -> String {
    use dicom_core::dictionary::DataDictionary;
    let kw = dicom_dictionary_std::StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias)
        .unwrap_or("");
    format!("({:04X},{:04X}) {kw}", tag.group(), tag.element())
}
