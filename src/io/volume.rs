//! Voxel grids and the volumes stored on them, independent of any file format.

/// Geometry of a voxel grid as NIfTI and DICOM carry it.
///
/// Index order: x fastest, then y, then z: linear index = `i + nx * (j + ny * k)`.
///
/// World coordinates are RAS+, the NIfTI `sform` convention: +x towards the subject's Right,
/// +y Anterior, +z Superior. Each format keeps its own rule on disk:
///
/// * NIfTI: the stored `srow`/quaternion coordinates are taken as they are (RAS+).
/// * MetaImage (ITK): coordinates are LPS+, so `world_RAS = diag(-1, -1, 1) * world_LPS`; the
///   conversion happens in `mhd.rs` on read and write, which makes NIfTI -> MHD -> NIfTI exact.
///
/// World position of voxel `(i, j, k)` in mm:
/// `origin_mm[r] + sum_c direction[r][c] * spacing_mm[c] * [i, j, k][c]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Number of voxels along each voxel axis.
    pub dims: [usize; 3],
    /// Voxel size along each voxel axis, mm.
    pub spacing_mm: [f64; 3],
    /// World position (mm, RAS+) of the centre of voxel (0, 0, 0).
    pub origin_mm: [f64; 3],
    /// Direction cosines: column `c` (`direction[0][c]`, `direction[1][c]`, `direction[2][c]`)
    /// is the world (RAS+) direction of voxel axis `c`, a unit vector.
    pub direction: [[f64; 3]; 3],
}

/// The identity direction matrix: voxel axes along world x, y, z.
pub const IDENTITY_DIRECTION: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl Grid {
    /// An axis-aligned grid (identity direction) centred on the world origin: the centre of the
    /// middle of the grid is at (0, 0, 0) mm.
    pub fn new(dims: [usize; 3], spacing_mm: [f64; 3]) -> Grid {
        let origin_mm = std::array::from_fn(|c| -0.5 * (dims[c].max(1) - 1) as f64 * spacing_mm[c]);
        Grid {
            dims,
            spacing_mm,
            origin_mm,
            direction: IDENTITY_DIRECTION,
        }
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// True when the grid holds no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Volume of one voxel, cm3.
    pub fn voxel_volume_cm3(&self) -> f64 {
        self.spacing_mm.iter().product::<f64>() * 1e-3
    }

    /// Linear index of voxel `(i, j, k)`: `i + nx * (j + ny * k)`.
    ///
    /// Bounds are checked only in debug builds.
    #[inline]
    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        debug_assert!(
            i < self.dims[0] && j < self.dims[1] && k < self.dims[2],
            "voxel ({i}, {j}, {k}) outside grid {:?}",
            self.dims
        );
        i + self.dims[0] * (j + self.dims[1] * k)
    }

    /// World position (mm, RAS+) of the continuous voxel coordinate `ijk` (voxel centres at
    /// integer values).
    pub fn world_mm(&self, ijk: [f64; 3]) -> [f64; 3] {
        std::array::from_fn(|r| {
            self.origin_mm[r]
                + (0..3)
                    .map(|c| self.direction[r][c] * self.spacing_mm[c] * ijk[c])
                    .sum::<f64>()
        })
    }

    /// Same dimensions, spacings within `tol_mm`, and the centres of all eight corner voxels
    /// within `tol_mm` of each other (which checks origin and direction together).
    pub fn same_geometry(&self, other: &Grid, tol_mm: f64) -> bool {
        if self.dims != other.dims {
            return false;
        }
        let spacing_ok = (0..3).all(|c| (self.spacing_mm[c] - other.spacing_mm[c]).abs() <= tol_mm);
        spacing_ok
            && (0..8).all(|corner| {
                let ijk: [f64; 3] = std::array::from_fn(|c| {
                    if corner >> c & 1 == 1 {
                        (self.dims[c].max(1) - 1) as f64
                    } else {
                        0.0
                    }
                });
                let (a, b) = (self.world_mm(ijk), other.world_mm(ijk));
                (0..3).all(|r| (a[r] - b[r]).abs() <= tol_mm)
            })
    }

    /// The grid in words for error messages: dimensions, spacing, the world position of
    /// voxel (0,0,0) and the orientation of the voxel axes as a three-letter code (`RAS`,
    /// `LPS`, ...: the anatomical direction each voxel axis points to), so that two grids that
    /// differ show where.
    pub fn describe(&self) -> String {
        let letters = (0..3)
            .map(|c| {
                let col = [
                    self.direction[0][c],
                    self.direction[1][c],
                    self.direction[2][c],
                ];
                let r = (0..3)
                    .max_by(|&a, &b| col[a].abs().total_cmp(&col[b].abs()))
                    .unwrap_or(c);
                let (pos, neg) = [('R', 'L'), ('A', 'P'), ('S', 'I')][r];
                if col[r] >= 0.0 {
                    pos
                } else {
                    neg
                }
            })
            .collect::<String>();
        let f = |v: [f64; 3]| format!("{:.6}, {:.6}, {:.6}", v[0], v[1], v[2]);
        format!(
            "{} voxels of {} mm, voxel (0,0,0) at ({}) mm RAS, axes {letters}",
            self.dims_string(),
            f(self.spacing_mm)
                .replace(".000000", "")
                .replace(", ", " x "),
            f(self.origin_mm).replace(".000000", "")
        )
    }

    /// Dimensions written as `nxxnyxnz`, the form error messages use.
    pub fn dims_string(&self) -> String {
        dims_string(self.dims)
    }
}

/// `[128, 128, 90]` -> `"128x128x90"`.
pub(crate) fn dims_string(dims: [usize; 3]) -> String {
    format!("{}x{}x{}", dims[0], dims[1], dims[2])
}

/// Values on a voxel grid, in the grid's index order (`data[grid.index(i, j, k)]`).
#[derive(Clone, Debug)]
pub struct Volume<T> {
    /// The geometry.
    pub grid: Grid,
    /// One value per voxel; `data.len() == grid.len()`.
    pub data: Vec<T>,
}

impl<T: Clone> Volume<T> {
    /// A volume with every voxel set to `value`.
    pub fn filled(grid: Grid, value: T) -> Volume<T> {
        let data = vec![value; grid.len()];
        Volume { grid, data }
    }
}

impl<T> Volume<T> {
    /// The value at voxel `(i, j, k)`.
    ///
    /// # Panics
    /// When the voxel is outside the grid.
    pub fn at(&self, i: usize, j: usize, k: usize) -> &T {
        &self.data[self.grid.index(i, j, k)]
    }
}

/// Numeric element types the file formats carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    /// unsigned 8-bit
    U8,
    /// signed 8-bit
    I8,
    /// signed 16-bit
    I16,
    /// unsigned 16-bit
    U16,
    /// signed 32-bit
    I32,
    /// unsigned 32-bit
    U32,
    /// signed 64-bit
    I64,
    /// unsigned 64-bit
    U64,
    /// IEEE 754 single
    F32,
    /// IEEE 754 double
    F64,
}

impl ScalarType {
    /// Bytes per element.
    pub fn size_bytes(self) -> usize {
        match self {
            ScalarType::U8 | ScalarType::I8 => 1,
            ScalarType::I16 | ScalarType::U16 => 2,
            ScalarType::I32 | ScalarType::U32 | ScalarType::F32 => 4,
            ScalarType::I64 | ScalarType::U64 | ScalarType::F64 => 8,
        }
    }

    /// Decodes `bytes` (a whole number of elements) to f64, little- or big-endian.
    pub(crate) fn decode(self, bytes: &[u8], big_endian: bool) -> Vec<f64> {
        macro_rules! conv {
            ($t:ty) => {{
                const N: usize = std::mem::size_of::<$t>();
                bytes
                    .chunks_exact(N)
                    .map(|b| {
                        let a: [u8; N] = b.try_into().expect("chunks_exact gives N bytes");
                        let v = if big_endian {
                            <$t>::from_be_bytes(a)
                        } else {
                            <$t>::from_le_bytes(a)
                        };
                        v as f64
                    })
                    .collect()
            }};
        }
        match self {
            ScalarType::U8 => conv!(u8),
            ScalarType::I8 => conv!(i8),
            ScalarType::I16 => conv!(i16),
            ScalarType::U16 => conv!(u16),
            ScalarType::I32 => conv!(i32),
            ScalarType::U32 => conv!(u32),
            ScalarType::I64 => conv!(i64),
            ScalarType::U64 => conv!(u64),
            ScalarType::F32 => conv!(f32),
            ScalarType::F64 => conv!(f64),
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Element types a volume can be written with: u8, i16, u16, i32, f32, f64.
pub trait VoxelType: Copy + sealed::Sealed {
    /// The stored element type.
    const SCALAR: ScalarType;
    /// Appends the little-endian bytes of `self`.
    fn put_le(self, out: &mut Vec<u8>);
    /// The value as f64 (exact for every implementing type).
    fn to_f64(self) -> f64;
}

macro_rules! voxel_type {
    ($t:ty, $s:ident) => {
        impl sealed::Sealed for $t {}
        impl VoxelType for $t {
            const SCALAR: ScalarType = ScalarType::$s;
            #[inline]
            fn put_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}
voxel_type!(u8, U8);
voxel_type!(i16, I16);
voxel_type!(u16, U16);
voxel_type!(i32, I32);
voxel_type!(f32, F32);
voxel_type!(f64, F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_grid_is_centred_and_indexes_x_fastest() {
        let g = Grid::new([3, 4, 5], [2.0, 1.0, 0.5]);
        assert_eq!(g.origin_mm, [-2.0, -1.5, -1.0]);
        let far = g.world_mm([2.0, 3.0, 4.0]);
        assert_eq!(far, [2.0, 1.5, 1.0]);
        assert_eq!(g.len(), 60);
        assert_eq!(g.index(1, 2, 3), 1 + 3 * (2 + 4 * 3));
        assert!((g.voxel_volume_cm3() - 1e-3).abs() < 1e-15);
    }

    #[test]
    fn same_geometry_sees_a_flip() {
        let a = Grid::new([4, 4, 4], [1.0; 3]);
        let mut b = a.clone();
        assert!(a.same_geometry(&b, 1e-9));
        b.direction[0][0] = -1.0;
        b.direction[1][1] = -1.0;
        assert!(!a.same_geometry(&b, 1e-3));
        // the descriptions of an RAS and an LPS grid differ (issue 20: they read the same)
        assert!(a.describe().ends_with("axes RAS"), "{}", a.describe());
        assert!(b.describe().ends_with("axes LPS"), "{}", b.describe());
    }

    #[test]
    fn decode_both_byte_orders() {
        let v: i16 = -1234;
        assert_eq!(
            ScalarType::I16.decode(&v.to_le_bytes(), false),
            vec![-1234.0]
        );
        assert_eq!(
            ScalarType::I16.decode(&v.to_be_bytes(), true),
            vec![-1234.0]
        );
    }
}
