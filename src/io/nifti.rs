//! NIfTI-1 single-file volumes (`.nii`, `.nii.gz`), header read and written by hand.
//!
//! Layout of the 348-byte header: NIfTI-1 reference `nifti1.h`
//! (<https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h>). Reading accepts either byte
//! order (detected from `sizeof_hdr`); writing is little-endian with `vox_offset` 352, magic
//! `n+1`, `sform_code` = `qform_code` = 1 (scanner) describing the same affine, and
//! `xyzt_units` = mm + s.

use std::io::Write;
use std::path::Path;

use super::raw::{data_bytes, read_maybe_gzip, write_atomic, write_le, IoError};
use super::volume::{Grid, ScalarType, Volume, VoxelType};

const HEADER_BYTES: usize = 348;
const VOX_OFFSET: usize = 352;
/// `xyzt_units`: NIFTI_UNITS_MM (2) | NIFTI_UNITS_SEC (8).
const UNITS_MM_SEC: u8 = 2 | 8;

/// NIfTI `datatype` codes (nifti1.h `DT_*`).
fn scalar_of_code(code: i16) -> Option<ScalarType> {
    Some(match code {
        2 => ScalarType::U8,
        4 => ScalarType::I16,
        8 => ScalarType::I32,
        16 => ScalarType::F32,
        64 => ScalarType::F64,
        256 => ScalarType::I8,
        512 => ScalarType::U16,
        768 => ScalarType::U32,
        1024 => ScalarType::I64,
        1280 => ScalarType::U64,
        _ => return None,
    })
}

fn code_of_scalar(s: ScalarType) -> i16 {
    match s {
        ScalarType::U8 => 2,
        ScalarType::I16 => 4,
        ScalarType::I32 => 8,
        ScalarType::F32 => 16,
        ScalarType::F64 => 64,
        ScalarType::I8 => 256,
        ScalarType::U16 => 512,
        ScalarType::U32 => 768,
        ScalarType::I64 => 1024,
        ScalarType::U64 => 1280,
    }
}

/// Field access on a header of known byte order.
struct Fields<'a> {
    b: &'a [u8],
    big: bool,
}

impl Fields<'_> {
    fn i16(&self, at: usize) -> i16 {
        let a = [self.b[at], self.b[at + 1]];
        if self.big {
            i16::from_be_bytes(a)
        } else {
            i16::from_le_bytes(a)
        }
    }
    fn f32(&self, at: usize) -> f64 {
        let a = [self.b[at], self.b[at + 1], self.b[at + 2], self.b[at + 3]];
        f64::from(if self.big {
            f32::from_be_bytes(a)
        } else {
            f32::from_le_bytes(a)
        })
    }
    fn f32s<const N: usize>(&self, at: usize) -> [f64; N] {
        std::array::from_fn(|i| self.f32(at + 4 * i))
    }
}

pub(super) fn read(path: &Path) -> Result<Volume<f64>, IoError> {
    let bytes = read_maybe_gzip(path, HEADER_BYTES, |head| inflated_size(path, head))?;
    let bad = |detail: String| IoError::format(path, detail);
    if bytes.len() < HEADER_BYTES {
        return Err(bad(format!(
            "not a NIfTI-1 file: {} bytes, expected a header of {HEADER_BYTES} bytes",
            bytes.len()
        )));
    }
    let sizeof_le = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let sizeof_be = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let big = match (sizeof_le, sizeof_be) {
        (348, _) => false,
        (_, 348) => true,
        (540, _) | (_, 540) => {
            return Err(bad(
                "NIfTI-2 header (sizeof_hdr 540): only NIfTI-1 is read".into()
            ))
        }
        _ => {
            return Err(bad(format!(
                "not a NIfTI-1 file: sizeof_hdr is {sizeof_le}, expected 348"
            )))
        }
    };
    let h = Fields { b: &bytes, big };
    let magic = &bytes[344..348];
    if magic == b"ni1\0" {
        return Err(bad(
            "magic \"ni1\": a .hdr/.img pair; expected a single-file NIfTI-1 (magic \"n+1\")"
                .into(),
        ));
    }
    if magic != b"n+1\0" {
        return Err(bad(format!(
            "not a NIfTI-1 file: magic is {:?}, expected \"n+1\"",
            String::from_utf8_lossy(magic).trim_end_matches('\0')
        )));
    }

    let dims = read_dims(path, &h)?;
    let code = h.i16(70);
    let scalar = scalar_of_code(code).ok_or_else(|| {
        bad(format!(
            "datatype {code} is not supported: expected a scalar integer or real type \
             (2, 4, 8, 16, 64, 256, 512, 768, 1024, 1280)"
        ))
    })?;
    let vox_offset = h.f32(108);
    if !(vox_offset >= HEADER_BYTES as f64 && vox_offset <= bytes.len() as f64) {
        return Err(bad(format!(
            "vox_offset {vox_offset}: expected at least {HEADER_BYTES} and within the file's {} bytes",
            bytes.len()
        )));
    }
    let start = vox_offset as usize;
    let elem = scalar.size_bytes();
    let expected = data_bytes(path, dims, elem)?;
    let found = bytes.len() - start;
    if found < expected {
        return Err(IoError::Truncated {
            path: path.to_path_buf(),
            dims,
            elem_bytes: elem,
            expected_bytes: expected,
            found_bytes: found,
            note: String::new(),
        });
    }

    let mut data = scalar.decode(&bytes[start..start + expected], big);
    let (slope, inter) = (h.f32(112), h.f32(116));
    if slope != 0.0 && slope.is_finite() && inter.is_finite() && (slope != 1.0 || inter != 0.0) {
        data.iter_mut().for_each(|v| *v = *v * slope + inter);
    }
    let grid = read_geometry(path, &h, dims)?;
    Ok(Volume { grid, data })
}

/// The bytes a NIfTI-1 file whose header is `head` holds at most (`vox_offset` plus the data its
/// dimensions and datatype imply); just the header when the header is not readable (the reader
/// then reports what is wrong with it).
fn inflated_size(path: &Path, head: &[u8]) -> usize {
    if head.len() < HEADER_BYTES {
        return head.len();
    }
    let word = [head[0], head[1], head[2], head[3]];
    let big = match (i32::from_le_bytes(word), i32::from_be_bytes(word)) {
        (348, _) => false,
        (_, 348) => true,
        _ => return HEADER_BYTES,
    };
    let h = Fields { b: head, big };
    let (Ok(dims), Some(scalar)) = (read_dims(path, &h), scalar_of_code(h.i16(70))) else {
        return HEADER_BYTES;
    };
    let offset = h.f32(108);
    if !(offset >= HEADER_BYTES as f64 && offset < 1e15) {
        return HEADER_BYTES;
    }
    data_bytes(path, dims, scalar.size_bytes())
        .ok()
        .and_then(|d| d.checked_add(offset as usize))
        .unwrap_or(HEADER_BYTES)
}

/// `dim[]`: at most three spatial dimensions of size > 1; a 4th (or higher) of size 1 is fine.
fn read_dims(path: &Path, h: &Fields) -> Result<[usize; 3], IoError> {
    let dim: [i16; 8] = std::array::from_fn(|i| h.i16(40 + 2 * i));
    let ndim = dim[0];
    if !(1..=7).contains(&ndim) {
        return Err(IoError::format(
            path,
            format!("dim[0] is {ndim}: expected 1 to 7 dimensions"),
        ));
    }
    let used = &dim[1..=ndim as usize];
    if let Some(d) = used.iter().find(|&&d| d <= 0) {
        return Err(IoError::format(
            path,
            format!("dimensions {used:?} include {d}: expected every dimension >= 1"),
        ));
    }
    if used.iter().skip(3).any(|&d| d > 1) {
        return Err(IoError::format(
            path,
            format!(
                "dimensions {used:?}: expected a 3-D volume (dimensions beyond the 3rd of size 1)"
            ),
        ));
    }
    Ok(std::array::from_fn(|i| {
        if i < used.len() {
            used[i] as usize
        } else {
            1
        }
    }))
}

/// Grid from the header: `sform` when `sform_code > 0`, else `qform` when `qform_code > 0`, else
/// `pixdim` alone (NIfTI "method 1"). Lengths are scaled to mm by `xyzt_units`.
fn read_geometry(path: &Path, h: &Fields, dims: [usize; 3]) -> Result<Grid, IoError> {
    let to_mm = match h.b[123] & 0x07 {
        1 => 1000.0, // NIFTI_UNITS_METER
        3 => 1e-3,   // NIFTI_UNITS_MICRON
        _ => 1.0,    // mm, or unknown (taken as mm)
    };
    let pixdim: [f64; 8] = h.f32s(76);
    let (qform_code, sform_code) = (h.i16(252), h.i16(254));
    let mut grid = Grid::new(dims, [1.0; 3]);
    if sform_code > 0 {
        let rows: [[f64; 4]; 3] = [h.f32s(280), h.f32s(296), h.f32s(312)];
        for (c, spacing) in grid.spacing_mm.iter_mut().enumerate() {
            let col = [rows[0][c], rows[1][c], rows[2][c]];
            let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            if !(norm > 0.0 && norm.is_finite()) {
                return Err(IoError::format(
                    path,
                    format!("sform column {c} is {col:?}: expected a finite non-zero voxel axis"),
                ));
            }
            *spacing = norm * to_mm;
            for (row, v) in grid.direction.iter_mut().zip(col) {
                row[c] = v / norm;
            }
        }
        grid.origin_mm = std::array::from_fn(|r| rows[r][3] * to_mm);
    } else {
        grid.spacing_mm = std::array::from_fn(|c| pixdim[c + 1].abs() * to_mm);
        if let Some(c) =
            (0..3).find(|&c| !(grid.spacing_mm[c] > 0.0 && grid.spacing_mm[c].is_finite()))
        {
            return Err(IoError::format(
                path,
                format!(
                    "pixdim[{}] is {}: expected a positive voxel size",
                    c + 1,
                    pixdim[c + 1]
                ),
            ));
        }
        if qform_code > 0 {
            let qfac = if pixdim[0] < 0.0 { -1.0 } else { 1.0 };
            grid.direction = quatern_to_direction(h.f32s(256), qfac);
            let q: [f64; 3] = h.f32s(268);
            grid.origin_mm = std::array::from_fn(|r| q[r] * to_mm);
        } else {
            grid.origin_mm = [0.0; 3];
        }
    }
    if !grid.origin_mm.iter().all(|v| v.is_finite()) {
        return Err(IoError::format(
            path,
            format!("origin {:?}: expected finite values", grid.origin_mm),
        ));
    }
    Ok(grid)
}

/// Rotation from quaternion (b, c, d) with `a = sqrt(1 - b² - c² - d²)`, third column times
/// `qfac` (nifti1.h, "METHOD 2").
fn quatern_to_direction([b, c, d]: [f64; 3], qfac: f64) -> [[f64; 3]; 3] {
    let s = b * b + c * c + d * d;
    let (a, b, c, d) = if 1.0 - s < 1e-7 {
        let n = s.sqrt().max(f64::MIN_POSITIVE);
        (0.0, b / n, c / n, d / n)
    } else {
        ((1.0 - s).sqrt(), b, c, d)
    };
    [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c) * qfac,
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b) * qfac,
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            (a * a + d * d - c * c - b * b) * qfac,
        ],
    ]
}

/// Quaternion (b, c, d) and qfac of a direction matrix (nifti1_io `nifti_mat44_to_quatern`,
/// without its polar decomposition: an orthonormal direction is assumed; the `sform`, which
/// readers prefer, carries the exact affine in any case).
fn direction_to_quatern(dir: &[[f64; 3]; 3]) -> ([f64; 3], f64) {
    let mut r = *dir;
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        r.iter_mut().for_each(|row| row[2] = -row[2]);
    }
    let trace = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let (a, b, c, d) = if trace > 0.5 {
        let a = 0.5 * trace.sqrt();
        (
            a,
            0.25 * (r[2][1] - r[1][2]) / a,
            0.25 * (r[0][2] - r[2][0]) / a,
            0.25 * (r[1][0] - r[0][1]) / a,
        )
    } else {
        let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if xd > 1.0 {
            let b = 0.5 * xd.sqrt();
            let a = 0.25 * (r[2][1] - r[1][2]) / b;
            (
                a,
                b,
                0.25 * (r[0][1] + r[1][0]) / b,
                0.25 * (r[0][2] + r[2][0]) / b,
            )
        } else if yd > 1.0 {
            let c = 0.5 * yd.sqrt();
            let a = 0.25 * (r[0][2] - r[2][0]) / c;
            (
                a,
                0.25 * (r[0][1] + r[1][0]) / c,
                c,
                0.25 * (r[1][2] + r[2][1]) / c,
            )
        } else {
            let d = (0.5 * zd.max(0.0).sqrt()).max(f64::MIN_POSITIVE);
            let a = 0.25 * (r[1][0] - r[0][1]) / d;
            (
                a,
                0.25 * (r[0][2] + r[2][0]) / d,
                0.25 * (r[1][2] + r[2][1]) / d,
                d,
            )
        }
    };
    // a >= 0 by convention (a is implied by b, c, d on read)
    let sign = if a < 0.0 { -1.0 } else { 1.0 };
    ([sign * b, sign * c, sign * d], qfac)
}

/// The 348-byte little-endian header plus the 4-byte empty extension flag.
fn header_bytes(grid: &Grid, scalar: ScalarType, description: &str) -> Vec<u8> {
    let mut h = vec![0u8; VOX_OFFSET];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, &348i32.to_le_bytes());
    put(38, b"r"); // regular
    let dim = [3, grid.dims[0], grid.dims[1], grid.dims[2], 1, 1, 1, 1];
    for (i, d) in dim.iter().enumerate() {
        put(40 + 2 * i, &(*d as i16).to_le_bytes());
    }
    put(70, &code_of_scalar(scalar).to_le_bytes());
    put(72, &(8 * scalar.size_bytes() as i16).to_le_bytes());
    let (quat, qfac) = direction_to_quatern(&grid.direction);
    let s = grid.spacing_mm;
    let pixdim = [qfac, s[0], s[1], s[2], 1.0, 1.0, 1.0, 1.0];
    for (i, p) in pixdim.iter().enumerate() {
        put(76 + 4 * i, &(*p as f32).to_le_bytes());
    }
    put(108, &(VOX_OFFSET as f32).to_le_bytes());
    put(112, &1.0f32.to_le_bytes()); // scl_slope
    put(123, &[UNITS_MM_SEC]);
    let mut descrip = description.as_bytes();
    if descrip.len() > 79 {
        let cut = (0..=79)
            .rev()
            .find(|&i| description.is_char_boundary(i))
            .unwrap_or(0);
        descrip = &descrip[..cut];
    }
    put(148, descrip);
    put(252, &1i16.to_le_bytes()); // qform_code: scanner
    put(254, &1i16.to_le_bytes()); // sform_code: scanner
    for (i, q) in quat.iter().chain(grid.origin_mm.iter()).enumerate() {
        put(256 + 4 * i, &(*q as f32 + 0.0).to_le_bytes());
    }
    for r in 0..3 {
        let row = [
            grid.direction[r][0] * s[0],
            grid.direction[r][1] * s[1],
            grid.direction[r][2] * s[2],
            grid.origin_mm[r],
        ];
        for (c, v) in row.iter().enumerate() {
            // + 0.0 writes -0 as 0, so equal grids give identical headers
            put(280 + 16 * r + 4 * c, &(*v as f32 + 0.0).to_le_bytes());
        }
    }
    put(344, b"n+1\0");
    h
}

pub(super) fn write<T: VoxelType>(
    path: &Path,
    vol: &Volume<T>,
    description: &str,
    gzip: bool,
) -> Result<(), IoError> {
    if let Some(d) = vol.grid.dims.iter().find(|&&d| d > i16::MAX as usize) {
        return Err(IoError::InvalidVolume {
            path: path.to_path_buf(),
            detail: format!("dimension {d} exceeds the NIfTI-1 limit of {}", i16::MAX),
        });
    }
    let header = header_bytes(&vol.grid, T::SCALAR, description);
    write_atomic(path, |w| {
        if gzip {
            let mut z = flate2::write::GzEncoder::new(w, flate2::Compression::new(6));
            z.write_all(&header)?;
            write_le(&mut z, &vol.data)?;
            z.finish().map(|_| ())
        } else {
            w.write_all(&header)?;
            write_le(w, &vol.data)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quaternion_round_trips_rotations_and_flips() {
        let (c, s) = (0.6f64, 0.8f64);
        let cases = [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]],
            [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, -1.0]],
            [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]],
        ];
        for dir in cases {
            let (q, qfac) = direction_to_quatern(&dir);
            let back = quatern_to_direction(q, qfac);
            for r in 0..3 {
                for k in 0..3 {
                    assert!(
                        (back[r][k] - dir[r][k]).abs() < 1e-12,
                        "{dir:?} -> {back:?}"
                    );
                }
            }
        }
    }
}
