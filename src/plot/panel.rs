//! A plane of a voxel volume as a display image: the radiological orientation (patient's right
//! on the left, anterior or superior at the top), the edge letters and the plane's title in
//! world coordinates.

use crate::io::Grid;

/// The plane of a panel, named as in radiology: the display puts the patient's right on the
/// left (axial, coronal), anterior on the left (sagittal), anterior (axial) or superior at the
/// top. Voxel axes 0, 1, 2 are taken as the patient's left-right, front-back and foot-head axes;
/// the grid's direction cosines say which way each points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// Across voxel axes 0 and 1, at a fixed axis-2 index.
    Axial,
    /// Across voxel axes 0 and 2, at a fixed axis-1 index.
    Coronal,
    /// Across voxel axes 1 and 2, at a fixed axis-0 index.
    Sagittal,
}

impl Plane {
    /// "axial", "coronal" or "sagittal" (as in `[figures] slices`); else `None`.
    pub fn parse(s: &str) -> Option<Plane> {
        match s {
            "axial" => Some(Plane::Axial),
            "coronal" => Some(Plane::Coronal),
            "sagittal" => Some(Plane::Sagittal),
            _ => None,
        }
    }
}

/// A plane of a volume in display order: row 0 at the top, column 0 at the left.
#[derive(Debug, Clone)]
pub(super) struct PlaneImage<T = f64> {
    pub(super) values: Vec<T>,
    pub(super) w: usize,
    pub(super) h: usize,
    /// Pixel size (mm) across and down.
    pub(super) pixel_mm: [f64; 2],
    /// Width and height (mm).
    pub(super) extent_mm: (f64, f64),
    /// The patient directions at the left, right, top and bottom edges ("R", "A", ...).
    pub(super) letters: [String; 4],
    /// e.g. "axial z = 16 mm" (world coordinates, RAS+).
    pub(super) title: String,
}

/// The letters of voxel axis `c`'s positive and negative directions, and the world axis (0, 1,
/// 2 for x, y, z) it runs along most.
fn axis_letters(grid: &Grid, c: usize) -> (&'static str, &'static str, usize) {
    let d = [0, 1, 2].map(|r| grid.direction[r][c]);
    let a = (0..3)
        .max_by(|&p, &q| d[p].abs().total_cmp(&d[q].abs()))
        .unwrap_or(c);
    // RAS+: +x right, +y anterior, +z superior
    let (plus, minus) = [("R", "L"), ("A", "P"), ("S", "I")][a];
    if d[a] >= 0.0 {
        (plus, minus, a)
    } else {
        (minus, plus, a)
    }
}

/// Cuts `values` (one per voxel of `grid`) in `plane` through voxel `at`.
pub(super) fn plane_image<T: Copy>(
    grid: &Grid,
    values: &[T],
    plane: Plane,
    at: [usize; 3],
) -> PlaneImage<T> {
    // (across, down, fixed) voxel axes and the patient directions wanted at the left and top
    let (ha, va, fa, want_left, want_top) = match plane {
        Plane::Axial => (0, 1, 2, "R", "A"),
        Plane::Coronal => (0, 2, 1, "R", "S"),
        Plane::Sagittal => (1, 2, 0, "A", "S"),
    };
    let [nx, ny, _] = grid.dims;
    let (hp, hm, _) = axis_letters(grid, ha);
    let (vp, vm, _) = axis_letters(grid, va);
    // index increasing towards the wanted left: flip; towards the wanted top: rows run upwards
    let flip_h = hp == want_left;
    let up_v = vp == want_top;
    let (w, h) = (grid.dims[ha], grid.dims[va]);
    let mut out = Vec::with_capacity(w * h);
    for r in 0..h {
        let b = if up_v { h - 1 - r } else { r };
        for c in 0..w {
            let a = if flip_h { w - 1 - c } else { c };
            let mut ijk = at;
            ijk[ha] = a;
            ijk[va] = b;
            out.push(values[ijk[0] + nx * (ijk[1] + ny * ijk[2])]);
        }
    }
    let letters = [
        if flip_h { hp } else { hm },
        if flip_h { hm } else { hp },
        if up_v { vp } else { vm },
        if up_v { vm } else { vp },
    ]
    .map(String::from);
    let pixel_mm = [grid.spacing_mm[ha], grid.spacing_mm[va]];
    let centre = grid.world_mm([at[0] as f64, at[1] as f64, at[2] as f64]);
    let (_, _, world) = axis_letters(grid, fa);
    let name = match plane {
        Plane::Axial => "axial",
        Plane::Coronal => "coronal",
        Plane::Sagittal => "sagittal",
    };
    PlaneImage {
        values: out,
        w,
        h,
        pixel_mm,
        extent_mm: (w as f64 * pixel_mm[0], h as f64 * pixel_mm[1]),
        letters,
        title: format!(
            "{name}, {} = {:.0} mm",
            ["x", "y", "z"][world],
            centre[world].round() + 0.0 // no "-0"
        ),
    }
}

/// The one scale (drawing units per mm) at which the images of `extents_mm` (width, height)
/// all fit a box of `avail` drawing units: panels side by side share it, so that a millimetre
/// is as long in each and their scale bars agree.
pub(super) fn common_scale(extents_mm: impl Iterator<Item = (f64, f64)>, avail: (f64, f64)) -> f64 {
    extents_mm
        .map(|(ex, ey)| (avail.0 / ex).min(avail.1 / ey))
        .fold(f64::INFINITY, f64::min)
}

impl PlaneImage<f64> {
    /// The bilinear interpolation at `(x, y)` in pixel-centre units (pixel `(c, r)`'s centre at
    /// `(c, r)`), clamped to the image; a non-finite neighbour gives the nearest pixel's value.
    pub(super) fn sample(&self, x: f64, y: f64) -> f64 {
        let x = x.clamp(0.0, (self.w - 1) as f64);
        let y = y.clamp(0.0, (self.h - 1) as f64);
        let (c0, r0) = (x.floor() as usize, y.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(self.w - 1), (r0 + 1).min(self.h - 1));
        let (tx, ty) = (x - c0 as f64, y - r0 as f64);
        let v = |c: usize, r: usize| self.values[r * self.w + c];
        let q = [v(c0, r0), v(c1, r0), v(c0, r1), v(c1, r1)];
        if q.iter().all(|x| x.is_finite()) {
            (1.0 - ty) * ((1.0 - tx) * q[0] + tx * q[1]) + ty * ((1.0 - tx) * q[2] + tx * q[3])
        } else {
            v(x.round() as usize, y.round() as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_frame_puts_the_right_on_the_left_and_anterior_on_top() {
        // the built-in phantoms: voxel x to the patient's left, y posterior, z superior
        let mut g = Grid::new([3, 2, 2], [1.0, 2.0, 3.0]);
        g.direction = [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]];
        let v: Vec<usize> = (0..12).collect();
        let ax = plane_image(&g, &v, Plane::Axial, [0, 0, 0]);
        assert_eq!(ax.letters, ["R", "L", "A", "P"].map(String::from));
        // top-left: the most anterior row (j = 0), the patient's rightmost column (i = 0)
        assert_eq!(ax.values, [0, 1, 2, 3, 4, 5]);
        let co = plane_image(&g, &v, Plane::Coronal, [0, 1, 0]);
        assert_eq!(co.letters, ["R", "L", "S", "I"].map(String::from));
        // top row: k = 1 (superior)
        assert_eq!(co.values, [9, 10, 11, 3, 4, 5]);
        assert_eq!(co.pixel_mm, [1.0, 3.0]);
        let sa = plane_image(&g, &v, Plane::Sagittal, [2, 0, 1]);
        assert_eq!(sa.letters, ["A", "P", "S", "I"].map(String::from));
        assert!(sa.title.starts_with("sagittal, x = "));
    }
}
