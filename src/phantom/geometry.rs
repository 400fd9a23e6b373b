//! Voxel geometry for tracking: the only answers the transport loops (photon, electron, alpha,
//! neutron) ask of the phantom, written once (as EGSnrc's geometry classes answer only "which
//! region", "distance to the next boundary" and "distance to the nearest boundary"):
//!
//! - which voxel holds a point ([`voxel_index`], and [`VoxelLookup::at`] with the voxel's
//!   tracking data);
//! - the distance along a direction to the next face of the voxel ([`VoxelLookup::next_face_cm`]),
//!   and to the first face behind which the medium changes ([`VoxelLookup::first_medium_change`]);
//! - the distance to the nearest face of the voxel in any direction
//!   ([`VoxelLookup::nearest_face_cm`], for range rejection);
//! - the distances to leave the phantom's box ([`box_exit_cm`]) or a sphere centred at the
//!   origin ([`sphere_exit_cm`]), and the shell of a sphere holding a radius ([`sphere_shell`]).
//!
//! All in the phantom's local frame (cm, origin at the outer corner of voxel (0,0,0)). The
//! phantom knows voxels and material ids, never cross sections.
//!
//! The voxel lookup packs per-voxel data in 8 bytes and keeps a coarse grid of 8^3-voxel blocks
//! that answers for blocks holding a single (material, density, label), so that most lookups in
//! phantoms made of large uniform regions hit a small cache-resident array instead of the full
//! voxel array (the random reads of Woodcock tracking are otherwise cache misses).

use crate::numerics::Vec3;

/// One voxel's tracking data.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct PackedVoxel {
    /// mass density (g/cm3)
    pub density: f32,
    /// region label
    pub label: u16,
    /// material id
    pub material: u8,
    /// in the block array: 1 when the whole block holds this voxel's data; in the voxel array:
    /// [`SAME_MEDIUM_AROUND`] when the 26 neighbours in the grid share this voxel's material
    /// and density
    uniform: u8,
}

/// Flag of a voxel whose neighbours (faces, edges and corners, within the grid) all have its
/// material and density: a straight segment no longer than the smallest voxel size that starts
/// in it cannot reach another medium.
const SAME_MEDIUM_AROUND: u8 = 2;

const SHIFT: usize = 3;

/// The linear index (x fastest) of the voxel holding local position `p` (cm) in a grid of `dims`
/// voxels of size `1 / inv_voxel_cm`, or None outside the grid (NaN and infinite coordinates
/// included). A position exactly on a face belongs to the voxel above it.
#[inline]
pub fn voxel_index(p: Vec3, inv_voxel_cm: [f64; 3], dims: [usize; 3]) -> Option<usize> {
    voxel_ijk(p, inv_voxel_cm, dims).map(|(i, j, k)| i + dims[0] * (j + dims[1] * k))
}

/// (i, j, k) of the voxel holding `p`, as [`voxel_index`].
#[inline]
fn voxel_ijk(p: Vec3, inv_voxel_cm: [f64; 3], dims: [usize; 3]) -> Option<(usize, usize, usize)> {
    let fx = p.x * inv_voxel_cm[0];
    let fy = p.y * inv_voxel_cm[1];
    let fz = p.z * inv_voxel_cm[2];
    // through u32 (the grid's dimensions are below 2^32): one conversion instruction each,
    // where a usize takes the unsigned 64-bit sequence
    let e = dims.map(|d| d as u32 as f64);
    if !(fx >= 0.0 && fy >= 0.0 && fz >= 0.0 && fx < e[0] && fy < e[1] && fz < e[2]) {
        return None;
    }
    // SAFETY: each f is finite and in [0, dims), so its truncation fits a u32 (the grid's
    // dimensions are below 2^32)
    let ijk = unsafe {
        (
            fx.to_int_unchecked::<u32>() as usize,
            fy.to_int_unchecked::<u32>() as usize,
            fz.to_int_unchecked::<u32>() as usize,
        )
    };
    Some(ijk)
}

/// Distance (cm) from `pos` inside a sphere of radius `radius_cm` centred at the origin, along
/// the unit vector `dir`, to its surface: the larger root of |pos + s dir| = R (0 on the
/// surface moving out; a point just outside by rounding gets the tangent distance).
#[inline]
pub fn sphere_exit_cm(pos: Vec3, dir: Vec3, radius_cm: f64) -> f64 {
    let b = pos.dot(dir);
    let c = pos.dot(pos) - radius_cm * radius_cm;
    -b + (b * b - c).max(0.0).sqrt()
}

/// The shell (of `shells` equal-width shells of a sphere of radius `radius_cm`) holding radius
/// `r_cm`, or None at or beyond the surface.
#[inline]
pub fn sphere_shell(r_cm: f64, radius_cm: f64, shells: usize) -> Option<usize> {
    if r_cm >= radius_cm {
        return None;
    }
    Some(crate::numerics::clamped_index(
        (r_cm / radius_cm) * shells as f64,
        shells,
    ))
}

/// Distance (cm) from `pos` (inside) along `dir` to the faces of the box [0, size] (cm); 0 when
/// already on or beyond a face it moves out of.
#[inline]
pub fn box_exit_cm(pos: Vec3, dir: Vec3, size: [f64; 3]) -> f64 {
    let mut d = f64::INFINITY;
    for (a, &s) in size.iter().enumerate() {
        let (x, u) = (pos.get(a), dir.get(a));
        if u > 0.0 {
            d = d.min((s - x) / u);
        } else if u < 0.0 {
            d = d.min(-x / u);
        }
    }
    d.max(0.0)
}

/// Voxel data of a phantom arranged for fast lookup by position, with the voxel-face distances.
pub struct VoxelLookup {
    dims: [usize; 3],
    voxel_cm: [f64; 3],
    inv_voxel_cm: [f64; 3],
    min_voxel_cm: f64,
    voxels: Vec<PackedVoxel>,
    bdims: [usize; 2],
    blocks: Vec<PackedVoxel>,
    /// the voxels carry their [`SAME_MEDIUM_AROUND`] flags
    marked: bool,
}

impl VoxelLookup {
    /// The lookup of a grid of `dims` voxels of `voxel_cm`, with per-voxel (x fastest) material
    /// ids, densities (g/cm3) and labels (`Phantom::voxel_lookup`).
    pub fn new(
        dims: [usize; 3],
        voxel_cm: [f64; 3],
        material: &[u8],
        density: &[f32],
        label: &[u16],
    ) -> Self {
        let n = material.len();
        debug_assert!(n == dims[0] * dims[1] * dims[2] && density.len() == n && label.len() == n);
        let mut voxels = Vec::with_capacity(n);
        crate::numerics::advise_huge_pages(&voxels);
        voxels.extend((0..n).map(|v| PackedVoxel {
            density: density[v],
            label: label[v],
            material: material[v],
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
            voxel_cm,
            inv_voxel_cm: [0, 1, 2].map(|a| 1.0 / voxel_cm[a]),
            min_voxel_cm: voxel_cm.iter().copied().fold(f64::INFINITY, f64::min),
            voxels,
            bdims: [bd[0], bd[1]],
            blocks,
            marked: false,
        }
    }

    /// Sets the same-medium flags that let [`Self::first_medium_change`] skip the voxel walk in
    /// uniform surroundings (done once, about 1 s for 512 x 512 x 300 voxels here; without them
    /// every search walks).
    pub fn mark_same_medium_around(&mut self) {
        if !self.marked {
            mark_same_medium_around(&mut self.voxels, self.dims);
            self.marked = true;
        }
    }

    /// Linear voxel index and data at a local position (cm), or None outside the grid.
    #[inline]
    pub fn at(&self, p: Vec3) -> Option<(usize, PackedVoxel)> {
        let (i, j, k) = voxel_ijk(p, self.inv_voxel_cm, self.dims)?;
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

    /// Distance (cm) from `pos`, inside voxel `v`, along `dir` to the face of `v` through which
    /// it leaves (0 when on or beyond that face already).
    #[inline]
    pub fn next_face_cm(&self, v: usize, pos: Vec3, dir: Vec3) -> f64 {
        let d = self.dims;
        let idx = [v % d[0], (v / d[0]) % d[1], v / (d[0] * d[1])];
        let mut d_exit = f64::INFINITY;
        for (a, &ia) in idx.iter().enumerate() {
            let u = dir.get(a);
            let w = self.voxel_cm[a];
            let x = pos.get(a);
            let s = if u > 0.0 {
                ((ia + 1) as f64 * w - x) / u
            } else if u < 0.0 {
                (ia as f64 * w - x) / u
            } else {
                f64::INFINITY
            };
            d_exit = d_exit.min(s.max(0.0));
        }
        d_exit
    }

    /// Along a segment of length `len` from `pos` (inside the phantom), the first voxel face behind
    /// which the material or density differs from that of the start voxel: (distance, axis, face
    /// coordinate in cm). Faces closer than 1e-9 cm to `pos` are ignored (the particle was just
    /// placed beyond them). A voxel walk (Amanatides & Woo, Eurographics 1987); a segment of at most
    /// one voxel crosses at most three faces.
    #[inline]
    pub fn first_medium_change(&self, pos: Vec3, dir: Vec3, len: f64) -> Option<(f64, usize, f64)> {
        let dims = self.dims;
        if len <= self.min_voxel_cm {
            if let Some(v) = voxel_index(pos, self.inv_voxel_cm, dims) {
                if self.voxels[v].uniform & SAME_MEDIUM_AROUND != 0 {
                    return None;
                }
            }
        }
        self.walk_to_medium_change(pos, dir, len)
    }

    /// [`Self::first_medium_change`] by walking the voxels (no short cut).
    fn walk_to_medium_change(&self, pos: Vec3, dir: Vec3, len: f64) -> Option<(f64, usize, f64)> {
        let dims = self.dims;
        let mut idx = [0usize; 3];
        let mut t_max = [f64::INFINITY; 3];
        let mut t_delta = [f64::INFINITY; 3];
        for a in 0..3 {
            let v = self.voxel_cm[a];
            let f = pos.get(a) / v;
            idx[a] = (f.max(0.0) as usize).min(dims[a] - 1);
            let u = dir.get(a);
            if u > 0.0 {
                t_max[a] = ((idx[a] + 1) as f64 * v - pos.get(a)) / u;
                t_delta[a] = v / u;
            } else if u < 0.0 {
                t_max[a] = (idx[a] as f64 * v - pos.get(a)) / u;
                t_delta[a] = -v / u;
            }
        }
        let lin = |i: &[usize; 3]| i[0] + dims[0] * (i[1] + dims[1] * i[2]);
        let v0 = lin(&idx);
        let (m0, rho0) = (self.voxels[v0].material, self.voxels[v0].density);
        loop {
            let a = if t_max[0] <= t_max[1] && t_max[0] <= t_max[2] {
                0
            } else if t_max[1] <= t_max[2] {
                1
            } else {
                2
            };
            let d = t_max[a];
            if d >= len {
                return None;
            }
            let up = dir.get(a) > 0.0;
            let face = if up { idx[a] + 1 } else { idx[a] };
            if up {
                if idx[a] + 1 >= dims[a] {
                    return None;
                }
                idx[a] += 1;
            } else {
                if idx[a] == 0 {
                    return None;
                }
                idx[a] -= 1;
            }
            let v = lin(&idx);
            if d > 1e-9 && (self.voxels[v].material != m0 || self.voxels[v].density != rho0) {
                return Some((d.max(0.0), a, face as f64 * self.voxel_cm[a]));
            }
            t_max[a] += t_delta[a];
        }
    }

    /// Distance (cm) from `pos` to the nearest face of the voxel holding it, in any direction.
    #[inline]
    pub fn nearest_face_cm(&self, pos: Vec3) -> f64 {
        let mut d = f64::INFINITY;
        for a in 0..3 {
            let f = pos.get(a) * self.inv_voxel_cm[a];
            // the fraction within the voxel (a truncation toward zero: positions inside the grid
            // are not negative, and a negative one gives a negative distance, never a
            // rejection; one rounding instruction, where `f as u64` saturates in about ten)
            let f = f - f.trunc();
            d = d.min(f.min(1.0 - f) * self.voxel_cm[a]);
        }
        d
    }
}

/// Sets [`SAME_MEDIUM_AROUND`] on each voxel whose 3x3x3 neighbourhood (within the grid) holds
/// one material and density: three passes, one per axis (equality is transitive, so a voxel
/// whose row, plane and block neighbours all match on each axis in turn matches all 26).
fn mark_same_medium_around(voxels: &mut [PackedVoxel], dims: [usize; 3]) {
    let same =
        |a: &PackedVoxel, b: &PackedVoxel| a.material == b.material && a.density == b.density;
    let stride = [1, dims[0], dims[0] * dims[1]];
    // bit 0: the previous pass's answer; bit 1: this pass's
    let mut ok = vec![1u8; voxels.len()];
    for (axis, &st) in stride.iter().enumerate() {
        // blocks of dims[axis] layers of `st` voxels; the index along `axis` is the layer
        // (each voxel reads only bit 0, so the order is free: layers outer, contiguous inner)
        let (len, period) = (dims[axis], st * dims[axis]);
        for outer in (0..voxels.len()).step_by(period) {
            for i in 0..len {
                for v in outer + i * st..outer + (i + 1) * st {
                    let mut good = ok[v] & 1 == 1;
                    if i > 0 {
                        good &= ok[v - st] & 1 == 1 && same(&voxels[v - st], &voxels[v]);
                    }
                    if i + 1 < len {
                        good &= ok[v + st] & 1 == 1 && same(&voxels[v + st], &voxels[v]);
                    }
                    ok[v] |= u8::from(good) << 1;
                }
            }
        }
        ok.iter_mut().for_each(|f| *f >>= 1);
    }
    for (vx, good) in voxels.iter_mut().zip(ok) {
        if good == 1 {
            vx.uniform |= SAME_MEDIUM_AROUND;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phantom::Phantom;

    fn cube() -> Phantom {
        let db = crate::materials::MaterialDb::load().expect("materials");
        let w = db.get("water").expect("water").clone();
        Phantom::homogeneous(w, 1.0, [4, 3, 2], 5.0, "water").expect("phantom")
    }

    /// Exact answers for a 4 x 3 x 2 grid of 0.5 cm voxels.
    #[test]
    fn which_voxel_and_face_distances_are_exact() {
        let ph = cube();
        let l = ph.voxel_lookup();
        let p = Vec3::new(0.6, 1.2, 0.9);
        // i = 1, j = 2, k = 1
        assert_eq!(l.at(p).map(|x| x.0), Some(1 + 4 * (2 + 3)));
        assert_eq!(ph.voxel_at(p), Some(1 + 4 * (2 + 3)));
        assert_eq!(l.at(Vec3::new(-1e-12, 0.1, 0.1)), None);
        assert_eq!(l.at(Vec3::new(2.0, 0.1, 0.1)), None);
        assert_eq!(l.at(Vec3::new(f64::NAN, 0.1, 0.1)), None);
        // on a face: the voxel above
        assert_eq!(l.at(Vec3::new(0.5, 0.0, 0.0)).map(|x| x.0), Some(1));
        let v = l.at(p).expect("inside").0;
        let s2 = 0.5f64.sqrt();
        // along +x: face x = 1.0 at 0.4; along (-x - y)/sqrt2: x = 0.5 at 0.1 sqrt2
        assert!((l.next_face_cm(v, p, Vec3::new(1.0, 0.0, 0.0)) - 0.4).abs() < 1e-12);
        let d = l.next_face_cm(v, p, Vec3::new(-s2, -s2, 0.0));
        assert!((d - 0.1 / s2).abs() < 1e-12, "{d}");
        // nearest: x = 0.6 is 0.1 from the face x = 0.5 and z = 0.9 0.1 from z = 1.0; y = 1.2 is 0.2 from y = 1.0
        assert!((l.nearest_face_cm(p) - 0.1).abs() < 1e-12);
        assert!((box_exit_cm(p, Vec3::new(0.0, 0.0, -1.0), ph.size_cm) - 0.9).abs() < 1e-12);
        assert!((box_exit_cm(p, Vec3::new(0.0, 1.0, 0.0), ph.size_cm) - 0.3).abs() < 1e-12);
        assert_eq!(
            l.first_medium_change(p, Vec3::new(1.0, 0.0, 0.0), 5.0),
            None
        );
    }

    /// The same-medium short cut gives the walk's answer: random segments no longer than the
    /// smallest voxel in a 6 x 5 x 4 grid of anisotropic voxels with two materials and three
    /// densities scattered in blocks.
    #[test]
    fn medium_change_short_cut_equals_the_walk() {
        let dims = [6, 5, 4];
        let n = dims[0] * dims[1] * dims[2];
        let mut rng = crate::rng::HistoryRng::new(9, 0);
        let (mut material, mut density) = (vec![0u8; n], vec![1.0f32; n]);
        for v in 0..n {
            let (i, j) = (v % 6, (v / 6) % 5);
            if i >= 4 && j >= 2 {
                material[v] = 1;
            }
            if v % 37 == 5 {
                density[v] = 1.5;
            }
        }
        let voxel_cm = [0.3, 0.2, 0.45];
        let mut l = VoxelLookup::new(dims, voxel_cm, &material, &density, &vec![0u16; n]);
        l.mark_same_medium_around();
        let marked = l
            .voxels
            .iter()
            .filter(|v| v.uniform & SAME_MEDIUM_AROUND != 0)
            .count();
        assert!(marked > 5 && marked < n, "{marked} of {n} marked");
        for _ in 0..20_000 {
            let p = Vec3::new(
                rng.uniform() * 1.8,
                rng.uniform() * 1.0,
                rng.uniform() * 1.8,
            );
            let d = crate::particle::isotropic_rng(&mut rng);
            let len = rng.uniform() * 0.2;
            assert_eq!(
                l.first_medium_change(p, d, len),
                l.walk_to_medium_change(p, d, len)
            );
        }
    }

    #[test]
    fn sphere_exit_and_shells() {
        let d = Vec3::new(0.0, 0.0, 1.0);
        assert!((sphere_exit_cm(Vec3::default(), d, 3.0) - 3.0).abs() < 1e-15);
        assert!((sphere_exit_cm(Vec3::new(0.0, 0.0, -1.0), d, 3.0) - 4.0).abs() < 1e-15);
        // chord from (2, 0, 0) along z: sqrt(9 - 4)
        let s = sphere_exit_cm(Vec3::new(2.0, 0.0, 0.0), d, 3.0);
        assert!((s - 5f64.sqrt()).abs() < 1e-15);
        assert_eq!(sphere_shell(0.0, 3.0, 6), Some(0));
        assert_eq!(sphere_shell(2.99, 3.0, 6), Some(5));
        assert_eq!(sphere_shell(1.25, 3.0, 6), Some(2));
        assert_eq!(sphere_shell(3.0, 3.0, 6), None);
    }
}
