//! MetaImage volumes (ITK MetaIO): `.mhd` text header with the data in a separate `.raw` /
//! `.zraw` file, or `.mha` with header and data in one file.
//!
//! Format: <https://itk.org/Wiki/ITK/MetaIO/Documentation>. `TransformMatrix` lists the direction
//! of voxel axis 0, then axis 1, then axis 2 (ITK `MetaImageIO` writes
//! `m[axis * n + component]`). World coordinates are LPS+ (ITK); [`Grid`] holds RAS+, so x and y
//! are negated on read and on write: `world_RAS = diag(-1, -1, 1) * world_LPS`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::raw::{data_bytes, write_atomic, write_le, IoError};
use super::volume::{Grid, ScalarType, Volume, VoxelType};

/// Sign of each world component between LPS and RAS (its own inverse).
const LPS_RAS: [f64; 3] = [-1.0, -1.0, 1.0];

fn scalar_of_met(name: &str) -> Option<ScalarType> {
    Some(match name {
        "MET_UCHAR" => ScalarType::U8,
        "MET_CHAR" => ScalarType::I8,
        "MET_SHORT" => ScalarType::I16,
        "MET_USHORT" => ScalarType::U16,
        "MET_INT" | "MET_LONG" => ScalarType::I32,
        "MET_UINT" | "MET_ULONG" => ScalarType::U32,
        "MET_LONG_LONG" => ScalarType::I64,
        "MET_ULONG_LONG" => ScalarType::U64,
        "MET_FLOAT" => ScalarType::F32,
        "MET_DOUBLE" => ScalarType::F64,
        _ => return None,
    })
}

fn met_of_scalar(s: ScalarType) -> &'static str {
    match s {
        ScalarType::U8 => "MET_UCHAR",
        ScalarType::I8 => "MET_CHAR",
        ScalarType::I16 => "MET_SHORT",
        ScalarType::U16 => "MET_USHORT",
        ScalarType::I32 => "MET_INT",
        ScalarType::U32 => "MET_UINT",
        ScalarType::I64 => "MET_LONG_LONG",
        ScalarType::U64 => "MET_ULONG_LONG",
        ScalarType::F32 => "MET_FLOAT",
        ScalarType::F64 => "MET_DOUBLE",
    }
}

/// The `key = value` pairs of a header, in order, and where the data begin (after the
/// `ElementDataFile` line, the last one MetaIO reads).
struct Header {
    fields: Vec<(String, String)>,
    data_start: usize,
}

impl Header {
    fn parse(path: &Path, bytes: &[u8]) -> Result<Header, IoError> {
        let mut fields = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let end = bytes[pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |e| pos + e);
            let line = String::from_utf8_lossy(&bytes[pos..end]);
            pos = (end + 1).min(bytes.len());
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(IoError::format(
                    path,
                    format!(
                        "header line {:?} is not of the form `Key = Value`",
                        truncate(line)
                    ),
                ));
            };
            let key = key.trim().to_string();
            let last = key.eq_ignore_ascii_case("ElementDataFile");
            fields.push((key, value.trim().to_string()));
            if last {
                return Ok(Header {
                    fields,
                    data_start: pos,
                });
            }
        }
        Err(IoError::format(
            path,
            "not a MetaImage header: no ElementDataFile line (expected e.g. \
             `ElementDataFile = name.raw` as the last line)",
        ))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The first of `keys` present.
    fn get_any<'k>(&self, keys: &[&'k str]) -> Option<(&'k str, &str)> {
        keys.iter().find_map(|k| self.get(k).map(|v| (*k, v)))
    }

    fn flag(&self, path: &Path, keys: &[&str]) -> Result<bool, IoError> {
        match self.get_any(keys) {
            None => Ok(false),
            Some((key, v)) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(IoError::format(
                    path,
                    format!("{key} = {v}: expected True or False"),
                )),
            },
        }
    }

    fn numbers<T: std::str::FromStr>(
        &self,
        path: &Path,
        keys: &[&str],
        count: Option<usize>,
    ) -> Result<Option<Vec<T>>, IoError> {
        let Some((key, v)) = self.get_any(keys) else {
            return Ok(None);
        };
        let parsed: Option<Vec<T>> = v.split_whitespace().map(|t| t.parse().ok()).collect();
        match parsed {
            Some(nums) if count.is_none_or(|n| nums.len() == n) => Ok(Some(nums)),
            _ => Err(IoError::format(
                path,
                format!(
                    "{key} = {}: expected {} numbers",
                    truncate(v),
                    count.map_or("whitespace-separated".to_string(), |n| n.to_string())
                ),
            )),
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

pub(super) fn read(path: &Path) -> Result<Volume<f64>, IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, "read", e))?;
    let h = Header::parse(path, &bytes)?;
    let bad = |detail: String| IoError::format(path, detail);

    if let Some(t) = h.get("ObjectType") {
        if !t.eq_ignore_ascii_case("Image") {
            return Err(bad(format!("ObjectType = {t}: expected Image")));
        }
    }
    let dim_size: Vec<usize> = h
        .numbers(path, &["DimSize"], None)?
        .ok_or_else(|| bad("missing DimSize: expected e.g. `DimSize = 128 128 90`".into()))?;
    let n = dim_size.len();
    if let Some(nd) = h.numbers::<usize>(path, &["NDims"], Some(1))? {
        if nd[0] != n {
            return Err(bad(format!("NDims = {} but DimSize has {n} values", nd[0])));
        }
    }
    if n == 0 || dim_size.contains(&0) || dim_size.iter().skip(3).any(|&d| d > 1) {
        return Err(bad(format!(
            "DimSize = {dim_size:?}: expected 1 to 3 non-zero dimensions (further ones of size 1)"
        )));
    }
    let et = h.get("ElementType").ok_or_else(|| {
        bad("missing ElementType: expected e.g. `ElementType = MET_FLOAT`".into())
    })?;
    let scalar = scalar_of_met(et).ok_or_else(|| {
        bad(format!(
            "ElementType = {}: expected one of MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, \
             MET_INT, MET_UINT, MET_LONG_LONG, MET_ULONG_LONG, MET_FLOAT, MET_DOUBLE",
            truncate(et)
        ))
    })?;
    if let Some(ch) = h.numbers::<usize>(path, &["ElementNumberOfChannels"], Some(1))? {
        if ch[0] != 1 {
            return Err(bad(format!(
                "ElementNumberOfChannels = {}: expected 1 (scalar voxels)",
                ch[0]
            )));
        }
    }
    let big = h.flag(path, &["BinaryDataByteOrderMSB", "ElementByteOrderMSB"])?;
    let compressed = h.flag(path, &["CompressedData"])?;

    let grid = read_geometry(path, &h, &dim_size)?;
    let elem = scalar.size_bytes();
    let expected = data_bytes(path, grid.dims, elem)?;
    let (data_path, raw) = read_data_bytes(path, &h, &bytes, expected, compressed)?;
    if raw.len() < expected {
        let note = if data_path == path {
            String::new()
        } else {
            format!(" (header: {})", path.display())
        };
        return Err(IoError::Truncated {
            path: data_path,
            note,
            dims: grid.dims,
            elem_bytes: elem,
            expected_bytes: expected,
            found_bytes: raw.len(),
        });
    }
    let data = scalar.decode(&raw[..expected], big);
    Ok(Volume { grid, data })
}

/// Spacing, offset and transform (LPS) of the first three axes, converted to an RAS [`Grid`].
fn read_geometry(path: &Path, h: &Header, dim_size: &[usize]) -> Result<Grid, IoError> {
    let n = dim_size.len();
    let m = n.min(3);
    let spacing: Vec<f64> = h
        .numbers(path, &["ElementSpacing", "ElementSize"], Some(n))?
        .unwrap_or_else(|| vec![1.0; n]);
    let offset: Vec<f64> = h
        .numbers(path, &["Offset", "Position", "Origin"], Some(n))?
        .unwrap_or_else(|| vec![0.0; n]);
    let matrix: Option<Vec<f64>> = h.numbers(
        path,
        &["TransformMatrix", "Rotation", "Orientation"],
        Some(n * n),
    )?;

    let mut grid = Grid::new([1; 3], [1.0; 3]);
    grid.origin_mm = [0.0; 3];
    for c in 0..m {
        grid.dims[c] = dim_size[c];
        grid.spacing_mm[c] = spacing[c];
        grid.origin_mm[c] = LPS_RAS[c] * offset[c] + 0.0; // + 0.0: no -0
        if let Some(mat) = &matrix {
            for r in 0..m {
                grid.direction[r][c] = LPS_RAS[r] * mat[c * n + r] + 0.0;
            }
        }
    }
    if !grid.spacing_mm.iter().all(|s| *s > 0.0 && s.is_finite()) {
        return Err(IoError::format(
            path,
            format!("ElementSpacing = {spacing:?}: expected positive voxel sizes"),
        ));
    }
    let finite = grid.origin_mm.iter().chain(grid.direction.iter().flatten());
    if !finite.clone().all(|v| v.is_finite()) {
        return Err(IoError::format(
            path,
            "Offset or TransformMatrix holds a non-finite value",
        ));
    }
    Ok(grid)
}

/// The (decompressed) voxel bytes and the file they came from.
fn read_data_bytes(
    path: &Path,
    h: &Header,
    header_bytes: &[u8],
    expected: usize,
    compressed: bool,
) -> Result<(PathBuf, Vec<u8>), IoError> {
    let name = h.get("ElementDataFile").unwrap_or_default();
    let (data_path, stored) = if name.eq_ignore_ascii_case("LOCAL") {
        (path.to_path_buf(), header_bytes[h.data_start..].to_vec())
    } else if name.is_empty() || name.eq_ignore_ascii_case("LIST") || name.contains('%') {
        return Err(IoError::format(
            path,
            format!(
                "ElementDataFile = {}: expected LOCAL or the name of one data file \
                 (lists and patterns of slice files are not read)",
                truncate(name)
            ),
        ));
    } else {
        let dp = path.parent().unwrap_or(Path::new("")).join(name);
        let bytes = std::fs::read(&dp).map_err(|e| {
            IoError::os(
                path,
                format!("read its ElementDataFile {}", dp.display()),
                e,
            )
        })?;
        (dp, bytes)
    };
    // HeaderSize: bytes to skip in a separate data file; -1 means the data end the file.
    let header_size = h.numbers::<i64>(path, &["HeaderSize"], Some(1))?;
    // inflate no more than the header implies (a small file must not inflate to gigabytes)
    let skip_max = match header_size.as_deref() {
        Some([s]) if *s >= 0 => *s as usize,
        Some(_) => 1 << 20,
        None => 0,
    };
    let mut raw = if compressed {
        inflate(
            &stored,
            expected.saturating_add(skip_max).saturating_add(1) as u64,
        )
        .map_err(|e| {
            IoError::format(
                &data_path,
                format!("CompressedData = True but the data cannot be inflated: {e}"),
            )
        })?
    } else {
        stored
    };
    if let Some(hs) = header_size {
        let skip = match hs[0] {
            -1 => raw.len().saturating_sub(expected),
            s if s >= 0 => (s as usize).min(raw.len()),
            s => {
                return Err(IoError::format(
                    path,
                    format!("HeaderSize = {s}: expected -1 or a byte count"),
                ))
            }
        };
        raw.drain(..skip);
    } else if !compressed && data_path != path && raw.len() > expected {
        return Err(IoError::format(
            &data_path,
            format!(
                "holds {} bytes but the header {} describes {expected} bytes of data",
                raw.len(),
                path.display()
            ),
        ));
    }
    Ok((data_path, raw))
}

/// zlib (what MetaIO writes) or gzip, detected from the first bytes; at most `max` bytes.
fn inflate(stored: &[u8], max: u64) -> std::io::Result<Vec<u8>> {
    if stored.starts_with(&[0x1f, 0x8b]) {
        return super::raw::inflate_at_most(stored, max);
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(stored)
        .take(max)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// Shortest text that parses back to the same f64; `-0` written as `0`.
fn num(v: f64) -> String {
    format!("{}", v + 0.0)
}

fn header_text<T: VoxelType>(grid: &Grid, description: &str, data_file: &str) -> String {
    let join = |v: &mut dyn Iterator<Item = f64>| v.map(num).collect::<Vec<_>>().join(" ");
    let transform = join(&mut (0..9).map(|i| LPS_RAS[i % 3] * grid.direction[i % 3][i / 3]));
    let offset = join(&mut (0..3).map(|r| LPS_RAS[r] * grid.origin_mm[r]));
    let spacing = join(&mut grid.spacing_mm.iter().copied());
    let mut t = String::from("ObjectType = Image\nNDims = 3\n");
    let comment: String = description
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !comment.trim().is_empty() {
        t += &format!("Comment = {}\n", comment.trim());
    }
    t += "BinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\n";
    t += &format!("TransformMatrix = {transform}\nOffset = {offset}\n");
    t += "CenterOfRotation = 0 0 0\n";
    t += &format!("ElementSpacing = {spacing}\n");
    t += &format!(
        "DimSize = {} {} {}\n",
        grid.dims[0], grid.dims[1], grid.dims[2]
    );
    t += &format!("ElementType = {}\n", met_of_scalar(T::SCALAR));
    t += &format!("ElementDataFile = {data_file}\n");
    t
}

/// `.mha` (`local`): header and data in one file. `.mhd`: the data go to `name.raw` beside it,
/// written (atomically) before the header.
pub(super) fn write<T: VoxelType>(
    path: &Path,
    vol: &Volume<T>,
    description: &str,
    local: bool,
) -> Result<(), IoError> {
    if local {
        let header = header_text::<T>(&vol.grid, description, "LOCAL");
        return write_atomic(path, |w| {
            w.write_all(header.as_bytes())?;
            write_le(w, &vol.data)
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = &name[..name.len().saturating_sub(4)]; // ".mhd", checked by the caller
    let raw_name = format!("{stem}.raw");
    write_atomic(&path.with_file_name(&raw_name), |w| write_le(w, &vol.data))?;
    let header = header_text::<T>(&vol.grid, description, &raw_name);
    write_atomic(path, |w| w.write_all(header.as_bytes()))
}
