//! Sinogram geometry of stacked 2D planes and the exact ray-pixel intersection lengths of one
//! line of response (Siddon 1985, Med Phys 12:252, walked incrementally as Jacobs et al. 1998).
//!
//! Every image slice k is a direct plane (span 1, segment 0). In a plane the line of response
//! (view v, bin b) is the line {p : p . n = s_b} with n = (cos phi_v, sin phi_v),
//! phi_v = pi v / n_views and s_b = (b - (n_bins - 1)/2) bin_mm; the image plane is
//! centred on the origin, pixel (i, j) covering x in [-X/2 + i dx, -X/2 + (i+1) dx] (X = nx dx)
//! and likewise in y. Every plane shares the same in-plane rays, so one traversal serves all
//! planes (the projector exploits this).

/// The sampling of a stacked-2D sinogram on an image grid.
#[derive(Clone, Debug, PartialEq)]
pub struct SinoGeom {
    /// image size in voxels (x, y in plane; z = planes)
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    /// in-plane voxel size (mm)
    pub dx_mm: f64,
    pub dy_mm: f64,
    /// projection angles over [0, pi)
    pub n_views: usize,
    /// radial bins per view
    pub n_bins: usize,
    /// radial bin width (mm)
    pub bin_mm: f64,
}

/// The pixels one ray crosses: in-plane pixel index `i + nx j` and intersection length (mm).
#[derive(Clone, Debug, Default)]
pub struct Ray {
    pub pixel: Vec<u32>,
    pub len_mm: Vec<f64>,
}

impl Ray {
    /// An empty ray with room for `n` pixels.
    pub fn with_capacity(n: usize) -> Ray {
        Ray {
            pixel: Vec::with_capacity(n),
            len_mm: Vec::with_capacity(n),
        }
    }
    /// Sum of the intersection lengths (mm).
    pub fn total_mm(&self) -> f64 {
        self.len_mm.iter().sum()
    }
}

impl SinoGeom {
    /// Lines of response per plane.
    pub fn lors_per_plane(&self) -> usize {
        self.n_views * self.n_bins
    }
    /// Lines of response of all planes.
    pub fn n_lors(&self) -> usize {
        self.lors_per_plane() * self.nz
    }
    /// Pixels per plane.
    pub fn pixels_per_plane(&self) -> usize {
        self.nx * self.ny
    }
    /// Radial offset of bin `b` (mm).
    pub fn bin_offset_mm(&self, b: usize) -> f64 {
        (b as f64 - 0.5 * (self.n_bins as f64 - 1.0)) * self.bin_mm
    }
    /// Angle of view `v` (rad).
    pub fn view_angle(&self, v: usize) -> f64 {
        std::f64::consts::PI * v as f64 / self.n_views as f64
    }

    /// The pixels and intersection lengths of ray (view `v`, bin `b`), written into `ray`
    /// (cleared first; no allocation once it has grown to the longest ray).
    pub fn trace(&self, v: usize, b: usize, ray: &mut Ray) {
        let (s, c) = self.view_angle(v).sin_cos();
        self.trace_line(c, s, self.bin_offset_mm(b), ray);
    }

    /// The pixels crossed by the line {p : p . (cos_phi, sin_phi) = s_mm}.
    pub fn trace_line(&self, cos_phi: f64, sin_phi: f64, s_mm: f64, ray: &mut Ray) {
        ray.pixel.clear();
        ray.len_mm.clear();
        // point on the line and unit direction
        let (px, py) = (s_mm * cos_phi, s_mm * sin_phi);
        let (ux, uy) = (-sin_phi, cos_phi);
        let (hx, hy) = (
            0.5 * self.nx as f64 * self.dx_mm,
            0.5 * self.ny as f64 * self.dy_mm,
        );
        // parameter interval inside the image rectangle
        let Some((t0, t1)) = slab(px, ux, hx).and_then(|(a0, a1)| {
            let (b0, b1) = slab(py, uy, hy)?;
            let (t0, t1) = (a0.max(b0), a1.min(b1));
            (t1 > t0).then_some((t0, t1))
        }) else {
            return;
        };
        // next pixel-boundary crossings along x and y, and their spacings
        let first = |p: f64, u: f64, h: f64, d: f64| -> (f64, f64) {
            if u == 0.0 {
                return (f64::INFINITY, f64::INFINITY);
            }
            let q = (p + t0 * u + h) / d; // entry coordinate in pixel units
            let m = if u > 0.0 {
                q.floor() + 1.0
            } else {
                q.ceil() - 1.0
            };
            ((m * d - h - p) / u, d / u.abs())
        };
        let (mut tx, dtx) = first(px, ux, hx, self.dx_mm);
        let (mut ty, dty) = first(py, uy, hy, self.dy_mm);
        let (nxm, nym) = (self.nx - 1, self.ny - 1);
        let mut t = t0;
        while t < t1 {
            let t_next = tx.min(ty).min(t1);
            if t_next > t {
                let mid = 0.5 * (t + t_next);
                let i = (((px + mid * ux + hx) / self.dx_mm) as usize).min(nxm);
                let j = (((py + mid * uy + hy) / self.dy_mm) as usize).min(nym);
                ray.pixel.push((i + self.nx * j) as u32);
                ray.len_mm.push(t_next - t);
                t = t_next;
            }
            if tx <= t {
                tx += dtx;
            }
            if ty <= t {
                ty += dty;
            }
        }
    }
}

/// Parameter interval where p + t u lies in [-h, h]; None when the line misses it.
fn slab(p: f64, u: f64, h: f64) -> Option<(f64, f64)> {
    if u == 0.0 {
        return (p > -h && p < h).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let (a, b) = ((-h - p) / u, (h - p) / u);
    Some((a.min(b), a.max(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom() -> SinoGeom {
        SinoGeom {
            nx: 7,
            ny: 5,
            nz: 1,
            dx_mm: 2.0,
            dy_mm: 3.0,
            n_views: 12,
            n_bins: 15,
            bin_mm: 1.3,
        }
    }

    #[test]
    fn axis_parallel_ray_crosses_one_column() {
        // phi = 0: the line x = s, direction +y; s = 0.5 lies in column 3 (x in [-1, 1])
        let mut r = Ray::default();
        geom().trace_line(1.0, 0.0, 0.5, &mut r);
        assert_eq!(r.pixel.len(), 5);
        assert!(r.pixel.iter().all(|p| p % 7 == 3));
        assert!((r.total_mm() - 15.0).abs() < 1e-12);
    }

    #[test]
    fn ray_outside_is_empty() {
        let mut r = Ray::default();
        geom().trace_line(1.0, 0.0, 7.5, &mut r);
        assert!(r.pixel.is_empty());
    }
}
