//! File formats as plain arrays and headers: NIfTI-1 (`.nii`, `.nii.gz`), MetaImage
//! (`.mhd` + `.raw`/`.zraw`, `.mha`) and DICOM ([`dicom`]: image series, RTSTRUCT, RT Dose);
//! [`image`] reads any of them with what is known of the image, [`labels`] the names of a
//! label map.
//!
//! Volumes are read into [`Volume<f64>`] whatever their stored type, and written from any
//! [`VoxelType`]. Geometry lives in [`Grid`], in RAS+ world coordinates (mm) as NIfTI stores
//! them; MetaImage's LPS+ coordinates are converted on read and write. Every error names the
//! file and what was expected; no input makes these functions panic. Writes are atomic: the file
//! is written beside its destination as `name.tmp` and renamed.

pub mod dicom;
pub mod image;
pub mod labels;
mod mhd;
mod nifti;
mod raw;
mod volume;

pub use raw::IoError;
pub use volume::{Grid, ScalarType, Volume, VoxelType, IDENTITY_DIRECTION};

use std::path::Path;

/// File formats recognised by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Nifti { gzip: bool },
    Mhd,
    Mha,
}

pub(crate) fn format_of(path: &Path) -> Result<Format, IoError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".nii.gz") {
        Ok(Format::Nifti { gzip: true })
    } else if name.ends_with(".nii") {
        Ok(Format::Nifti { gzip: false })
    } else if name.ends_with(".mhd") {
        Ok(Format::Mhd)
    } else if name.ends_with(".mha") {
        Ok(Format::Mha)
    } else {
        Err(IoError::Extension {
            path: path.to_path_buf(),
        })
    }
}

/// Reads a NIfTI-1 (`.nii`, `.nii.gz`) or MetaImage (`.mhd` + `.raw`/`.zraw`, or `.mha`) volume,
/// chosen by extension, converting any stored numeric type to f64. NIfTI `scl_slope` /
/// `scl_inter` are applied when the slope is non-zero.
///
/// # Errors
/// [`IoError`] naming the file when it is missing or unreadable, is not of the format its
/// extension says, has an unsupported header (more than three spatial dimensions of size > 1,
/// a zero dimension, an unknown element type, a missing `DimSize`) or holds too little data.
pub fn read_volume(path: &Path) -> Result<Volume<f64>, IoError> {
    match format_of(path)? {
        Format::Nifti { .. } => nifti::read(path),
        Format::Mhd | Format::Mha => mhd::read(path),
    }
}

/// Writes a volume, in the format its extension names: `.nii`, `.nii.gz`, `.mhd` (with the data
/// in `name.raw` beside it) or `.mha` (header and data in one file). `description` goes to the
/// NIfTI `descrip` field (truncated to 79 bytes) or a MetaImage `Comment` line.
///
/// # Errors
/// [`IoError::InvalidVolume`] when `vol.data.len()` differs from the grid's voxel count, a
/// dimension is zero (or above 32767 for NIfTI-1) or the geometry is not finite with positive
/// spacings; [`IoError::Os`] when the file cannot be written.
pub fn write_volume<T: VoxelType>(
    path: &Path,
    vol: &Volume<T>,
    description: &str,
) -> Result<(), IoError> {
    let format = format_of(path)?;
    check_writable(path, vol)?;
    match format {
        Format::Nifti { gzip } => nifti::write(path, vol, description, gzip),
        Format::Mhd => mhd::write(path, vol, description, false),
        Format::Mha => mhd::write(path, vol, description, true),
    }
}

fn check_writable<T>(path: &Path, vol: &Volume<T>) -> Result<(), IoError> {
    let g = &vol.grid;
    let bad = |detail: String| {
        Err(IoError::InvalidVolume {
            path: path.to_path_buf(),
            detail,
        })
    };
    if g.dims.contains(&0) {
        return bad(format!("dimensions {} contain a zero", g.dims_string()));
    }
    if vol.data.len() != g.len() {
        return bad(format!(
            "{} values for a grid of {} = {} voxels",
            vol.data.len(),
            g.dims_string(),
            g.len()
        ));
    }
    if !g.spacing_mm.iter().all(|s| s.is_finite() && *s > 0.0) {
        return bad(format!(
            "spacing {:?} mm, expected finite positive values",
            g.spacing_mm
        ));
    }
    let finite = g
        .origin_mm
        .iter()
        .chain(g.direction.iter().flatten())
        .all(|v| v.is_finite());
    if !finite {
        return bad("origin or direction holds a non-finite value".into());
    }
    Ok(())
}

/// Writes a file atomically (temporary file + rename).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
