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
mod volume;

pub use volume::{Grid, ScalarType, Volume, VoxelType, IDENTITY_DIRECTION};

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What went wrong reading or writing a volume. Every message starts with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused to open, read, write or rename the file.
    #[error("{}: cannot {action}: {source}", path.display())]
    Os {
        /// the file
        path: PathBuf,
        /// what was attempted ("open", "read", "write", "rename to ...")
        action: String,
        /// the OS error
        source: std::io::Error,
    },
    /// The header is not what the format requires: the message names the field and the
    /// expected value.
    #[error("{}: {detail}", path.display())]
    Format {
        /// the file
        path: PathBuf,
        /// field, found value and expected value
        detail: String,
    },
    /// Fewer data bytes than the header announces.
    #[error(
        "{}: truncated: header says {} voxels of {elem_bytes} bytes ({expected_bytes} bytes) \
         but the file holds {found_bytes} bytes of data{note}",
        path.display(), volume::dims_string(*dims)
    )]
    Truncated {
        /// the file
        path: PathBuf,
        /// dimensions from the header
        dims: [usize; 3],
        /// bytes per voxel
        elem_bytes: usize,
        /// bytes the header announces
        expected_bytes: usize,
        /// bytes present
        found_bytes: usize,
        /// empty, or where the header is when it is another file (`" (header: a.mhd)"`)
        note: String,
    },
    /// The file name has no extension this module reads or writes.
    #[error(
        "{}: unknown volume format: expected a name ending in .nii, .nii.gz, .mhd or .mha",
        path.display()
    )]
    Extension {
        /// the file
        path: PathBuf,
    },
    /// A volume handed to [`write_volume`] is inconsistent (data length, dimensions, spacing).
    #[error("{}: cannot write: {detail}", path.display())]
    InvalidVolume {
        /// the destination file
        path: PathBuf,
        /// what is wrong
        detail: String,
    },
}

impl IoError {
    pub(crate) fn format(path: &Path, detail: impl Into<String>) -> IoError {
        IoError::Format {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }

    pub(crate) fn os(path: &Path, action: impl Into<String>, source: std::io::Error) -> IoError {
        IoError::Os {
            path: path.to_path_buf(),
            action: action.into(),
            source,
        }
    }
}

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

/// Reads a whole file, inflating it when it starts with the gzip magic bytes (so a `.nii.gz`
/// that is not compressed, or a `.nii` that is, still reads).
pub(crate) fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, IoError> {
    let raw = std::fs::read(path).map_err(|e| IoError::os(path, "read", e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| IoError::format(path, format!("gzip data cannot be decompressed: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Writes `path` atomically: `fill` writes into `path.tmp` beside it, which is then flushed,
/// synced and renamed over `path`. On any error the temporary file is removed.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), IoError> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| IoError::os(&tmp, "create", e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| IoError::os(&tmp, "write", e))?;
        let file = w
            .into_inner()
            .map_err(|e| IoError::os(&tmp, "write", e.into_error()))?;
        file.sync_all().map_err(|e| IoError::os(&tmp, "sync", e))?;
        drop(file);
        std::fs::rename(&tmp, path)
            .map_err(|e| IoError::os(&tmp, format!("rename to {}", path.display()), e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `data` as little-endian bytes in blocks, without a full-size copy.
pub(crate) fn write_le<T: VoxelType>(w: &mut impl Write, data: &[T]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for block in data.chunks((1 << 16) / T::SCALAR.size_bytes()) {
        buf.clear();
        for &v in block {
            v.put_le(&mut buf);
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// Voxel count times element size, or an error naming the file when it overflows.
pub(crate) fn data_bytes(path: &Path, dims: [usize; 3], elem: usize) -> Result<usize, IoError> {
    dims.iter()
        .try_fold(elem, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            IoError::format(
                path,
                format!(
                    "dimensions {} are too large to address",
                    volume::dims_string(dims)
                ),
            )
        })
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
