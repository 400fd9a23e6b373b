//! Voxel lookups for tracking: per-voxel data packed in 8 bytes, and a coarse grid of 8^3-voxel
//! blocks that answers for blocks holding a single (material, density, label), so that most
//! lookups in phantoms made of large uniform regions hit a small cache-resident array instead of
//! the full voxel array (the random reads of Woodcock tracking are otherwise cache misses).

use crate::numerics::Vec3;
use crate::phantom::Phantom;

/// One voxel's tracking data.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct PackedVoxel {
    pub density: f32,
    pub label: u16,
    pub material: u8,
    /// in the block array: 1 when the whole block holds this voxel's data
    uniform: u8,
}

const SHIFT: usize = 3;

/// Voxel data of a phantom arranged for fast lookup by position.
pub struct VoxelLookup {
    dims: [usize; 3],
    /// the dimensions as f64 (a position is inside when 0 <= p / voxel < extent)
    extent: [f64; 3],
    inv_voxel_cm: [f64; 3],
    voxels: Vec<PackedVoxel>,
    bdims: [usize; 2],
    blocks: Vec<PackedVoxel>,
}

impl VoxelLookup {
    pub fn new(ph: &Phantom) -> Self {
        let dims = ph.grid.dims;
        let mut voxels = Vec::with_capacity(ph.len());
        crate::numerics::advise_huge_pages(&voxels);
        voxels.extend((0..ph.len()).map(|v| PackedVoxel {
            density: ph.density[v],
            label: ph.label[v],
            material: ph.material[v],
            uniform: 0,
        }));
        let bd = dims.map(|d| d.div_ceil(1 << SHIFT));
        let mut blocks = vec![PackedVoxel::default(); bd[0] * bd[1] * bd[2]];
        let mut mixed = vec![false; blocks.len()];
        let mut seen = vec![false; blocks.len()];
        for k in 0..dims[2] {
            for j in 0..dims[1] {
                for i in 0..dims[0] {
                    let v = voxels[i + dims[0] * (j + dims[1] * k)];
                    let b = (i >> SHIFT) + bd[0] * ((j >> SHIFT) + bd[1] * (k >> SHIFT));
                    if !seen[b] {
                        seen[b] = true;
                        blocks[b] = v;
                    } else if blocks[b] != v {
                        mixed[b] = true;
                    }
                }
            }
        }
        for (b, m) in blocks.iter_mut().zip(&mixed) {
            b.uniform = u8::from(!*m);
        }
        VoxelLookup {
            dims,
            extent: dims.map(|d| d as f64),
            inv_voxel_cm: [0, 1, 2].map(|a| 1.0 / ph.voxel_cm[a]),
            voxels,
            bdims: [bd[0], bd[1]],
            blocks,
        }
    }

    /// Linear voxel index and data at a local position (cm), or None outside the grid.
    #[inline]
    pub fn at(&self, p: Vec3) -> Option<(usize, PackedVoxel)> {
        let fx = p.x * self.inv_voxel_cm[0];
        let fy = p.y * self.inv_voxel_cm[1];
        let fz = p.z * self.inv_voxel_cm[2];
        let e = self.extent;
        if !(fx >= 0.0 && fy >= 0.0 && fz >= 0.0 && fx < e[0] && fy < e[1] && fz < e[2]) {
            return None;
        }
        // SAFETY: each f is finite and in [0, dims), so its truncation fits a u32 (the grid's
        // dimensions are below 2^32)
        let (i, j, k) = unsafe {
            (
                fx.to_int_unchecked::<u32>() as usize,
                fy.to_int_unchecked::<u32>() as usize,
                fz.to_int_unchecked::<u32>() as usize,
            )
        };
        let d = self.dims;
        let v = i + d[0] * (j + d[1] * k);
        let b = self.blocks
            [(i >> SHIFT) + self.bdims[0] * ((j >> SHIFT) + self.bdims[1] * (k >> SHIFT))];
        if b.uniform == 1 {
            Some((v, b))
        } else {
            Some((v, self.voxels[v]))
        }
    }
}
