//! The geometry of a parallel beam, shared by the neutron beams of BNCT
//! ([`super::neutron_beam`]) and the photon, electron, positron and alpha beams of run files: a
//! disc or rectangular field on a source plane, a direction, and the placement of the beam on a
//! phantom face or through an aim point.

use crate::error::spec_error;
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::rng::HistoryRng;
use crate::spec_bail;
use anyhow::{bail, Result};

/// The field of a beam at its source plane.
#[derive(Clone, Copy, Debug)]
pub enum Field {
    Disc { radius_cm: f64 },
    Rectangle { half_x_cm: f64, half_y_cm: f64 },
}

impl Field {
    /// The field of a spec's `field_diameter_cm` or `field_cm` (exactly one of them).
    ///
    /// # Errors
    /// Neither or both given, or a size that is not positive (the error names the field).
    pub fn from_spec(field_diameter_cm: Option<f64>, field_cm: Option<[f64; 2]>) -> Result<Self> {
        match (field_diameter_cm, field_cm) {
            (Some(d), None) => {
                if !(d.is_finite() && d > 0.0) {
                    spec_bail!(
                        "field_diameter_cm",
                        "{d}: expected a positive diameter (cm)"
                    );
                }
                Ok(Field::Disc { radius_cm: 0.5 * d })
            }
            (None, Some([w, h])) => {
                if !(w.is_finite() && w > 0.0 && h.is_finite() && h > 0.0) {
                    spec_bail!(
                        "field_cm",
                        "{w}x{h}: expected a positive width and height (cm)"
                    );
                }
                Ok(Field::Rectangle {
                    half_x_cm: 0.5 * w,
                    half_y_cm: 0.5 * h,
                })
            }
            (Some(_), Some(_)) => {
                spec_bail!("field_cm", "give field_diameter_cm or field_cm, not both")
            }
            (None, None) => spec_bail!(
                "field_diameter_cm",
                "give the field: field_diameter_cm or field_cm (cm)"
            ),
        }
    }

    /// Area of the field (cm2).
    pub fn area_cm2(&self) -> f64 {
        match *self {
            Field::Disc { radius_cm } => std::f64::consts::PI * radius_cm * radius_cm,
            Field::Rectangle {
                half_x_cm,
                half_y_cm,
            } => 4.0 * half_x_cm * half_y_cm,
        }
    }

    /// The half-width of the largest square centred on the axis inside the field (cm).
    pub fn inner_half_width_cm(&self) -> f64 {
        match *self {
            Field::Disc { radius_cm } => radius_cm * std::f64::consts::FRAC_1_SQRT_2,
            Field::Rectangle {
                half_x_cm,
                half_y_cm,
            } => half_x_cm.min(half_y_cm),
        }
    }

    /// A point uniform over the field: its coordinates (cm) along the two field axes.
    #[inline]
    pub fn sample(&self, rng: &mut HistoryRng) -> (f64, f64) {
        match *self {
            Field::Disc { radius_cm } => loop {
                let x = (2.0 * rng.uniform() - 1.0) * radius_cm;
                let y = (2.0 * rng.uniform() - 1.0) * radius_cm;
                if x * x + y * y <= radius_cm * radius_cm {
                    break (x, y);
                }
            },
            Field::Rectangle {
                half_x_cm,
                half_y_cm,
            } => (
                (2.0 * rng.uniform() - 1.0) * half_x_cm,
                (2.0 * rng.uniform() - 1.0) * half_y_cm,
            ),
        }
    }

    /// The field in words, with the rectangle's axes.
    pub fn text(&self) -> String {
        match *self {
            Field::Disc { radius_cm } => format!("disc of {} cm diameter", 2.0 * radius_cm),
            Field::Rectangle {
                half_x_cm,
                half_y_cm,
            } => format!(
                "rectangle {} x {} cm (W along field_axes.w, H along field_axes.h)",
                2.0 * half_x_cm,
                2.0 * half_y_cm
            ),
        }
    }
}

/// A parallel beam: the centre of its field on the source plane (cm, phantom local frame), its
/// unit direction and its field.
#[derive(Clone, Copy, Debug)]
pub struct BeamGeometry {
    pub centre: Vec3,
    pub dir: Vec3,
    pub field: Field,
}

impl BeamGeometry {
    /// The two unit vectors across the beam: `u` = dir x z (dir x x when the beam is within
    /// about 25 degrees of z), `v` = dir x u. A rectangle's `half_x_cm` lies along `u`,
    /// `half_y_cm` along `v`: for a beam along +x or -x, u is along y and v along z.
    pub fn field_axes(&self) -> (Vec3, Vec3) {
        let d = self.dir;
        let t = if d.z.abs() < 0.9 {
            Vec3::new(0.0, 0.0, 1.0)
        } else {
            Vec3::new(1.0, 0.0, 0.0)
        };
        let u = cross(d, t).normalized();
        (u, cross(d, u))
    }

    /// A start point uniform over the field on the source plane.
    #[inline]
    pub fn sample_position(&self, rng: &mut HistoryRng) -> Vec3 {
        let (a, b) = self.field.sample(rng);
        let (u, v) = self.field_axes();
        self.centre + u * a + v * b
    }

    /// A start point as [`Self::sample_position`], moved along the direction to where its ray
    /// enters the box `[0, size_cm]` (a phantom's local frame), so that a source plane outside
    /// the phantom works with transport that starts inside it. A ray that misses the box keeps
    /// its point outside: the particle leaves at once and still counts as a source particle.
    #[inline]
    pub fn sample_position_into_box(&self, rng: &mut HistoryRng, size_cm: [f64; 3]) -> Vec3 {
        let p = self.sample_position(rng);
        match ray_box_entry(p, self.dir, size_cm) {
            Some(t) => p + self.dir * (t + 1e-9),
            None => p,
        }
    }
}

/// The unit vector of an axis name: `+x`, `-x`, `+y`, `-y`, `+z`, `-z` (None otherwise).
pub fn axis_direction(name: &str) -> Option<Vec3> {
    Some(match name {
        "+x" => Vec3::new(1.0, 0.0, 0.0),
        "-x" => Vec3::new(-1.0, 0.0, 0.0),
        "+y" => Vec3::new(0.0, 1.0, 0.0),
        "-y" => Vec3::new(0.0, -1.0, 0.0),
        "+z" => Vec3::new(0.0, 0.0, 1.0),
        "-z" => Vec3::new(0.0, 0.0, -1.0),
        _ => return None,
    })
}

/// `v` divided by its length; None for a zero or non-finite vector.
pub fn unit_vector(v: [f64; 3]) -> Option<Vec3> {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    (n.is_finite() && n > 0.0).then(|| Vec3::new(v[0] / n, v[1] / n, v[2] / n))
}

/// The unit vector of a spec's `direction`: an axis name (+x, -z, ...) or a vector ux,uy,uz.
///
/// # Errors
/// Anything else, or a zero vector (the error names `direction`).
pub fn parse_direction(d: &str) -> Result<Vec3> {
    if let Some(v) = axis_direction(d) {
        return Ok(v);
    }
    let v: Option<Vec<f64>> = d.split(',').map(|x| x.trim().parse().ok()).collect();
    let Some(v) = v.filter(|v| v.len() == 3) else {
        spec_bail!(
            "direction",
            "{d}: expected +x, -x, +y, -y, +z, -z or a vector ux,uy,uz"
        );
    };
    unit_vector([v[0], v[1], v[2]]).ok_or_else(|| {
        spec_error(
            "direction",
            format!("{d}: expected a non-zero, finite vector"),
        )
    })
}

/// A point (mm) of a built-in phantom's definition frame (that of its shapes' `center_mm`: LPS,
/// +x patient left, +y posterior, +z superior, origin at the box centre) in the phantom's local
/// frame (cm): the definition frame is the grid's RAS world frame with x and y flipped
/// (`phantom::builtin`).
pub fn builtin_point_to_local(ph: &Phantom, p_mm: [f64; 3]) -> Vec3 {
    ph.world_to_local([-p_mm[0], -p_mm[1], p_mm[2]])
}

/// A beam along the unit vector `dir` whose central axis passes through `aim` (the phantom's
/// local frame, cm), its source plane outside the phantom box (sample it with
/// [`BeamGeometry::sample_position_into_box`]), and the point where the axis first meets a
/// labelled voxel (the skin), found by marching along the axis in 0.1 mm steps from the box
/// entry.
///
/// # Errors
/// An axis that misses the phantom box, or crosses it through background voxels only (the
/// message says which; callers name the inputs).
pub fn aim_through(
    ph: &Phantom,
    dir: Vec3,
    aim: Vec3,
    field: Field,
) -> Result<(BeamGeometry, Vec3)> {
    let size = ph.size_cm;
    let diag = (size[0] * size[0] + size[1] * size[1] + size[2] * size[2]).sqrt();
    let centre = aim - dir * (diag + 1.0);
    let beam = BeamGeometry { centre, dir, field };
    let Some(t0) = ray_box_entry(centre, dir, size) else {
        bail!("the beam axis misses the phantom");
    };
    let step = 0.01;
    let mut t = t0 + 1e-9;
    loop {
        let p = centre + dir * t;
        match ph.voxel_at(p) {
            Some(v) if ph.label[v] != 0 => return Ok((beam, p)),
            Some(_) => t += step,
            None => bail!("the beam axis misses the body"),
        }
    }
}

/// Where a beam is on a phantom and how its depth curve is measured.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    /// the beam
    pub beam: BeamGeometry,
    /// the beam starts on the phantom face (sample with `sample_position`), else outside the
    /// box (`sample_position_into_box`)
    pub on_face: bool,
    /// the aim point (local frame, cm)
    pub aim: Vec3,
    /// depth 0 of the depth curve (local frame, cm)
    pub depth_origin: Vec3,
    /// bin width of the depth curve (cm)
    pub step_cm: f64,
}

/// Places a beam along `dir` (the spec's `direction`, quoted in errors) on a phantom: along an
/// axis without an aim point, on the centre of the face it enters (depth from that face);
/// otherwise through the aim point (`aim_mm`: for a built-in phantom in its definition frame,
/// else in world coordinates; default the phantom centre), its source plane outside the box
/// and depth from where its axis enters the body ([`aim_through`]).
///
/// # Errors
/// A non-finite aim point, or an axis that misses the phantom or its body (named `aim_mm`).
pub fn place(
    ph: &Phantom,
    is_builtin: bool,
    dir: Vec3,
    direction: &str,
    aim_mm: Option<[f64; 3]>,
    field: Field,
) -> Result<Placement> {
    let size = ph.size_cm;
    let centre = Vec3::new(0.5 * size[0], 0.5 * size[1], 0.5 * size[2]);
    let on_axis = (0..3).find(|&k| (0..3).all(|j| j == k || dir.get(j) == 0.0));
    if let (Some(axis), None) = (on_axis, aim_mm) {
        // enter the face opposite to the direction, centred on it
        let sign = dir.get(axis).signum();
        let mut c = [centre.x, centre.y, centre.z];
        c[axis] = if sign > 0.0 { 1e-9 } else { size[axis] - 1e-9 };
        let mut d = [0.0; 3];
        d[axis] = sign;
        let beam = BeamGeometry {
            centre: Vec3::new(c[0], c[1], c[2]),
            dir: Vec3::new(d[0], d[1], d[2]),
            field,
        };
        return Ok(Placement {
            on_face: true,
            aim: centre,
            depth_origin: beam.centre,
            step_cm: ph.voxel_cm[axis],
            beam,
        });
    }
    if let Some(p) = aim_mm.filter(|p| !p.iter().all(|x| x.is_finite())) {
        spec_bail!("aim_mm", "{p:?}: expected three finite numbers x,y,z (mm)");
    }
    let aim = match aim_mm {
        Some(p) if is_builtin => builtin_point_to_local(ph, p),
        Some(p) => ph.world_to_local(p),
        None => centre,
    };
    let (beam, body_entry) = aim_through(ph, dir, aim, field).map_err(|e| {
        let at = aim_mm.map_or("the phantom centre".into(), |p| {
            format!("{},{},{} mm", p[0], p[1], p[2])
        });
        spec_error(
            "aim_mm",
            format!(
                "{at} with direction {direction}: {e:#} (box 0-{:.1} x 0-{:.1} x 0-{:.1} cm)",
                size[0], size[1], size[2]
            ),
        )
    })?;
    Ok(Placement {
        on_face: false,
        aim,
        depth_origin: body_entry,
        step_cm: ph.voxel_cm.iter().cloned().fold(f64::INFINITY, f64::min),
        beam,
    })
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    Vec3::new(
        a.y * b.z - a.z * b.y,
        a.z * b.x - a.x * b.z,
        a.x * b.y - a.y * b.x,
    )
}

/// Distance along the ray `pos + t dir` (t >= 0) at which it enters the box `[0, size_cm]`: 0
/// when it starts inside, None when it misses the box (slab method).
pub fn ray_box_entry(pos: Vec3, dir: Vec3, size_cm: [f64; 3]) -> Option<f64> {
    let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
    for (a, &size) in size_cm.iter().enumerate() {
        let (p, d) = (pos.get(a), dir.get(a));
        if d.abs() < 1e-300 {
            if p < 0.0 || p > size {
                return None;
            }
            continue;
        }
        let (ta, tb) = ((0.0 - p) / d, (size - p) / d);
        t0 = t0.max(ta.min(tb));
        t1 = t1.min(ta.max(tb));
    }
    (t0 <= t1).then_some(t0)
}

/// The depth bin of voxel `v` of `ph` along a beam axis: `step_cm` bins from `origin` along
/// `dir`, for a voxel whose centre lies within `radius_cm` of the axis and not behind `origin`;
/// None otherwise. The depth curves of the beams (run files and BNCT) average these voxels.
pub fn axis_bin(
    ph: &Phantom,
    v: usize,
    (origin, dir): (Vec3, Vec3),
    step_cm: f64,
    radius_cm: f64,
) -> Option<usize> {
    let (i, j, k) = ph.ijk(v);
    let w = ph.voxel_centre(i, j, k) - origin;
    let t = w.dot(dir);
    let r = w - dir * t;
    (t >= 0.0 && r.dot(r) <= radius_cm * radius_cm).then(|| (t / step_cm) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::spec_error_of;

    #[test]
    fn field_errors_name_the_field() {
        let field = |d, r| {
            let e = Field::from_spec(d, r).unwrap_err();
            spec_error_of(&e).unwrap().field.clone()
        };
        assert_eq!(field(Some(-1.0), None), "field_diameter_cm");
        assert_eq!(field(None, Some([1.0, f64::NAN])), "field_cm");
        assert_eq!(field(Some(1.0), Some([1.0, 1.0])), "field_cm");
        assert_eq!(field(None, None), "field_diameter_cm");
        let e = parse_direction("0,0,0").unwrap_err();
        assert_eq!(spec_error_of(&e).unwrap().field, "direction");
        let d = parse_direction("0,3,4").unwrap();
        assert!((d.y - 0.6).abs() < 1e-15 && (d.z - 0.8).abs() < 1e-15);
    }

    #[test]
    fn start_points_lie_in_the_field_and_enter_the_box() {
        // a 2 x 1 cm rectangle along +x (u = y, v = z), its source plane 5 cm before a 4 cm box
        let g = BeamGeometry {
            centre: Vec3::new(-5.0, 2.0, 2.0),
            dir: Vec3::new(1.0, 0.0, 0.0),
            field: Field::Rectangle {
                half_x_cm: 1.0,
                half_y_cm: 0.5,
            },
        };
        let mut rng = HistoryRng::new(1, 0);
        for _ in 0..1000 {
            let p = g.sample_position(&mut rng);
            assert_eq!(p.x, -5.0);
            assert!((p.y - 2.0).abs() <= 1.0 && (p.z - 2.0).abs() <= 0.5);
            let q = g.sample_position_into_box(&mut rng, [4.0; 3]);
            assert!(q.x > 0.0 && q.x < 1e-6, "{q:?}");
        }
        let disc = Field::Disc { radius_cm: 2.0 };
        assert!((disc.area_cm2() - 4.0 * std::f64::consts::PI).abs() < 1e-12);
        assert!((disc.inner_half_width_cm() - 2f64.sqrt()).abs() < 1e-12);
    }
}
