//! A homogeneous "world" medium around the voxel grid, out to a sphere or a box centred on the
//! grid: particles that leave the grid go on in it, without voxels, and may come back. Energy
//! absorbed there counts as deposited (not in any voxel), so a small grid scores the dose of a
//! large homogeneous medium (a source sphere in a 50 cm water sphere) without voxels everywhere.
//!
//! Photons cross it by exact exponential flights (the medium is homogeneous, so no Woodcock
//! majorant is needed); electrons and positrons by the same condensed-history steps as in the
//! voxels, cut where they re-enter the grid or leave the world; alphas stop in it at once.

use crate::numerics::Vec3;
use crate::phantom::geometry::sphere_exit_cm;

/// The outer boundary of the world, in the phantom's local frame (cm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WorldShape {
    /// a sphere of `radius_cm` about `centre`
    Sphere { centre: Vec3, radius_cm: f64 },
    /// the box `lo`..`hi`
    Box { lo: Vec3, hi: Vec3 },
}

/// The world medium: a material of the phantom's list at a density, within `shape`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct World {
    /// index in the phantom's materials
    pub material: usize,
    /// g/cm3
    pub density: f64,
    pub shape: WorldShape,
}

/// How a flight through the world ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flight {
    /// an interaction in the world medium (the particle is at its site)
    Interacts,
    /// back at the grid (the particle is just inside it)
    Reentered,
    /// out of the world
    Escaped,
}

/// A small step past a face, so that a particle is on the intended side of it.
pub const NUDGE_CM: f64 = 1e-9;

impl World {
    /// Whether `p` lies within the world's outer boundary.
    #[inline]
    pub fn contains(&self, p: Vec3) -> bool {
        match self.shape {
            WorldShape::Sphere { centre, radius_cm } => {
                let q = p - centre;
                q.dot(q) < radius_cm * radius_cm
            }
            WorldShape::Box { lo, hi } => {
                (0..3).all(|a| p.get(a) >= lo.get(a) && p.get(a) < hi.get(a))
            }
        }
    }

    /// Distance (cm) from `p` inside the world along `dir` to its outer boundary.
    #[inline]
    pub fn exit_cm(&self, p: Vec3, dir: Vec3) -> f64 {
        match self.shape {
            WorldShape::Sphere { centre, radius_cm } => sphere_exit_cm(p - centre, dir, radius_cm),
            WorldShape::Box { lo, hi } => {
                let mut d = f64::INFINITY;
                for a in 0..3 {
                    let (x, u) = (p.get(a), dir.get(a));
                    if u > 0.0 {
                        d = d.min((hi.get(a) - x) / u);
                    } else if u < 0.0 {
                        d = d.min((lo.get(a) - x) / u);
                    }
                }
                d.max(0.0)
            }
        }
    }

    /// Distance (cm) from `p` inside the world to its outer boundary in any direction.
    #[inline]
    pub fn boundary_distance_cm(&self, p: Vec3) -> f64 {
        match self.shape {
            WorldShape::Sphere { centre, radius_cm } => (radius_cm - (p - centre).norm()).max(0.0),
            WorldShape::Box { lo, hi } => (0..3)
                .map(|a| (p.get(a) - lo.get(a)).min(hi.get(a) - p.get(a)))
                .fold(f64::INFINITY, f64::min)
                .max(0.0),
        }
    }
}

/// Whether `p` lies in the grid box [0, size) (cm).
#[inline]
pub fn in_grid(p: Vec3, size: [f64; 3]) -> bool {
    (0..3).all(|a| p.get(a) >= 0.0 && p.get(a) < size[a])
}

/// Distance (cm) from `p` outside the box [0, size] along `dir` to where it enters the box, or
/// infinity when the ray misses it (slab method).
#[inline]
pub fn box_entry_cm(p: Vec3, dir: Vec3, size: [f64; 3]) -> f64 {
    let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
    for (a, &s) in size.iter().enumerate() {
        let (x, u) = (p.get(a), dir.get(a));
        if u == 0.0 {
            if x < 0.0 || x > s {
                return f64::INFINITY;
            }
            continue;
        }
        let (ta, tb) = ((0.0 - x) / u, (s - x) / u);
        t0 = t0.max(ta.min(tb));
        t1 = t1.min(ta.max(tb));
    }
    if t0 <= t1 {
        t0
    } else {
        f64::INFINITY
    }
}

/// Distance (cm) from `p` to the nearest point of the box [0, size] (0 inside).
#[inline]
pub fn box_distance_cm(p: Vec3, size: [f64; 3]) -> f64 {
    let mut s2 = 0.0;
    for (a, &s) in size.iter().enumerate() {
        let x = p.get(a);
        let d = if x < 0.0 {
            -x
        } else if x > s {
            x - s
        } else {
            0.0
        };
        s2 += d * d;
    }
    s2.sqrt()
}

/// A photon's flight from `p` (outside the grid, inside the world) with attenuation
/// coefficient `mu` (1/cm) of the world medium and `mfp` mean free paths to its next
/// interaction: it interacts in the world, re-enters the grid of `size` (cm), or escapes.
#[inline]
pub fn photon_flight(
    w: &World,
    pos: &mut Vec3,
    dir: Vec3,
    mu: f64,
    mfp: f64,
    size: [f64; 3],
) -> Flight {
    let s = if mu > 0.0 { mfp / mu } else { f64::INFINITY };
    let d_out = w.exit_cm(*pos, dir);
    let d_in = box_entry_cm(*pos, dir, size);
    if s < d_out.min(d_in) {
        *pos = *pos + dir * s;
        Flight::Interacts
    } else if d_in <= d_out {
        *pos = *pos + dir * (d_in + NUDGE_CM);
        if in_grid(*pos, size) {
            Flight::Reentered
        } else {
            // grazing a corner or an edge: on to the world boundary
            Flight::Escaped
        }
    } else {
        Flight::Escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_distances_of_the_grid_box() {
        let size = [2.0, 2.0, 2.0];
        let x = Vec3::new(1.0, 0.0, 0.0);
        assert_eq!(box_entry_cm(Vec3::new(-3.0, 1.0, 1.0), x, size), 3.0);
        assert_eq!(
            box_entry_cm(Vec3::new(-3.0, 3.0, 1.0), x, size),
            f64::INFINITY
        );
        assert_eq!(
            box_entry_cm(Vec3::new(5.0, 1.0, 1.0), x, size),
            f64::INFINITY
        );
        let d = Vec3::new(1.0, 1.0, 0.0) * (0.5f64).sqrt();
        let e = box_entry_cm(Vec3::new(-1.0, -1.0, 1.0), d, size);
        assert!((e - 2f64.sqrt()).abs() < 1e-12, "{e}");
        assert_eq!(box_distance_cm(Vec3::new(-3.0, 6.0, 1.0), size), 5.0);
        assert_eq!(box_distance_cm(Vec3::new(1.0, 1.0, 1.0), size), 0.0);
    }

    #[test]
    fn world_boundaries() {
        let w = World {
            material: 0,
            density: 1.0,
            shape: WorldShape::Sphere {
                centre: Vec3::new(1.0, 1.0, 1.0),
                radius_cm: 10.0,
            },
        };
        let p = Vec3::new(1.0, 1.0, 4.0);
        assert!(w.contains(p));
        assert!((w.exit_cm(p, Vec3::new(0.0, 0.0, 1.0)) - 7.0).abs() < 1e-12);
        assert!((w.boundary_distance_cm(p) - 7.0).abs() < 1e-12);
        let b = World {
            shape: WorldShape::Box {
                lo: Vec3::new(-4.0, -4.0, -4.0),
                hi: Vec3::new(6.0, 6.0, 6.0),
            },
            ..w
        };
        assert!(!b.contains(Vec3::new(6.5, 0.0, 0.0)));
        assert_eq!(b.exit_cm(p, Vec3::new(0.0, 0.0, -1.0)), 8.0);
        assert_eq!(b.boundary_distance_cm(p), 2.0);
        // a flight in a medium that cannot interact (mu = 0) towards the grid re-enters it
        let mut q = Vec3::new(-2.0, 1.0, 1.0);
        let f = photon_flight(&b, &mut q, Vec3::new(1.0, 0.0, 0.0), 0.0, 1.0, [2.0; 3]);
        assert_eq!(f, Flight::Reentered);
        assert!(in_grid(q, [2.0; 3]));
        let mut q = Vec3::new(-2.0, 1.0, 1.0);
        let f = photon_flight(&b, &mut q, Vec3::new(-1.0, 0.0, 0.0), 0.0, 1.0, [2.0; 3]);
        assert_eq!(f, Flight::Escaped);
        let mut q = Vec3::new(-2.0, 1.0, 1.0);
        let f = photon_flight(&b, &mut q, Vec3::new(-1.0, 0.0, 0.0), 1.0, 0.5, [2.0; 3]);
        assert_eq!(f, Flight::Interacts);
        assert_eq!(q, Vec3::new(-2.5, 1.0, 1.0));
    }
}
