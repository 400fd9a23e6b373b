//! The error type of volume files and the byte-level helpers the formats share: gzip-aware
//! reading, atomic writes, little-endian voxel data and overflow-checked data sizes.

use super::volume::{self, VoxelType};

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
    /// A volume handed to [`write_volume`](super::write_volume) is inconsistent (data length, dimensions, spacing).
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

/// Reads a whole file, inflating it when it starts with the gzip magic bytes (so a `.nii.gz`
/// that is not compressed, or a `.nii` that is, still reads). Inflation stops after the bytes
/// the format's header implies: `limit` is given the first `head` inflated bytes and returns
/// how many bytes the file can hold at most, so a small file that inflates to gigabytes (a
/// "gzip bomb", or trailing garbage) never allocates more than its header honestly asks for.
pub(crate) fn read_maybe_gzip(
    path: &Path,
    head: usize,
    limit: impl FnOnce(&[u8]) -> usize,
) -> Result<Vec<u8>, IoError> {
    let raw = std::fs::read(path).map_err(|e| IoError::os(path, "read", e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let first = inflate_at_most(&raw, head as u64)
            .map_err(|e| IoError::format(path, format!("gzip data cannot be decompressed: {e}")))?;
        let cap = limit(&first).max(first.len());
        inflate_at_most(&raw, cap as u64)
            .map_err(|e| IoError::format(path, format!("gzip data cannot be decompressed: {e}")))
    } else {
        Ok(raw)
    }
}

/// The first `max` bytes of gzip data (fewer when it is shorter).
pub(crate) fn inflate_at_most(gz: &[u8], max: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .take(max)
        .read_to_end(&mut out)?;
    Ok(out)
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
