//! Label maps from structure files of either kind (RTSTRUCT or SEG), chosen by Modality.

use super::{open, rtstruct, seg, Attrs};
use crate::io::IoError;
use std::path::Path;

/// The label map of a structure file on `grid`: an RTSTRUCT (contours rasterised) or a SEG
/// (segments placed), chosen by the file's Modality.
///
/// # Errors
/// A file that is neither, or see [`rtstruct::rtstruct_labels`] and [`seg::seg_labels`].
pub fn structure_labels(
    path: &Path,
    grid: &crate::io::Grid,
) -> Result<rtstruct::LabelMap, IoError> {
    let obj = open(path)?;
    match Attrs::new(&obj, path)
        .text(dicom_dictionary_std::tags::MODALITY)
        .as_deref()
    {
        Some("RTSTRUCT") => rtstruct::rtstruct_labels(path, grid),
        Some("SEG") => seg::seg_labels(path, grid),
        other => Err(IoError::format(
            path,
            format!("Modality {other:?}: expected RTSTRUCT or SEG for labels"),
        )),
    }
}
