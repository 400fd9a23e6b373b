//! Where a beam goes: its field, its direction and its placement on or outside the phantom.

use crate::dosimetry::bnct::spec::BeamSpec;
use crate::error::spec_error;
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::source::neutron_beam::{self, AimedBeam, Field, NeutronBeam, NeutronSpectrum};
use crate::spec_bail;
use anyhow::Result;

/// The field of `field_diameter_cm` or `field_cm`.
pub fn beam_field(a: &BeamSpec) -> Result<Field> {
    match (a.field_diameter_cm, a.field_cm) {
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

/// The unit vector of a direction: an axis name (+x, -z, ...) or a vector ux,uy,uz.
pub fn beam_direction(d: &str) -> Result<Vec3> {
    if let Some(v) = neutron_beam::axis_direction(d) {
        return Ok(v);
    }
    let parts: Vec<&str> = d.split(',').collect();
    let v: Option<Vec<f64>> = parts.iter().map(|x| x.trim().parse().ok()).collect();
    let Some(v) = v.filter(|v| v.len() == 3) else {
        spec_bail!(
            "direction",
            "{d}: expected +x, -x, +y, -y, +z, -z or a vector ux,uy,uz"
        );
    };
    neutron_beam::unit_vector([v[0], v[1], v[2]]).ok_or_else(|| {
        spec_error(
            "direction",
            format!("{d}: expected a non-zero, finite vector"),
        )
    })
}

/// Where a beam run's beam is and how its depth curve is measured.
pub struct Placement {
    /// the beam
    pub beam: NeutronBeam,
    /// the beam starts on the phantom face (sample with `sample`), else outside the box
    /// (`sample_into_box`)
    pub on_face: bool,
    /// the aim point (local frame, cm)
    pub aim: Vec3,
    /// depth 0 of depth.csv (local frame, cm)
    pub depth_origin: Vec3,
    /// bin width of the depth curve (cm)
    pub step_cm: f64,
}

/// Places the beam (see [`BeamSpec::direction`]): along an axis without --aim-mm on the centre of the face
/// it enters (the geometry of the first version of this command, kept bit for bit); otherwise
/// through the aim point with the study's geometry ([`AimedBeam`]).
pub fn place_beam(
    a: &BeamSpec,
    ph: &Phantom,
    is_builtin: bool,
    dir: Vec3,
    field: Field,
    spectrum: NeutronSpectrum,
) -> Result<Placement> {
    let size = ph.size_cm;
    let centre = Vec3::new(0.5 * size[0], 0.5 * size[1], 0.5 * size[2]);
    let on_axis = (0..3).find(|&k| (0..3).all(|j| j == k || dir.get(j) == 0.0));
    if let (Some(axis), None) = (on_axis, a.aim_mm) {
        // enter the face opposite to the direction, centred on it
        let sign = dir.get(axis).signum();
        let mut c = [centre.x, centre.y, centre.z];
        c[axis] = if sign > 0.0 { 1e-9 } else { size[axis] - 1e-9 };
        let mut d = [0.0; 3];
        d[axis] = sign;
        let beam = NeutronBeam {
            centre: Vec3::new(c[0], c[1], c[2]),
            dir: Vec3::new(d[0], d[1], d[2]),
            field,
            spectrum,
        };
        return Ok(Placement {
            on_face: true,
            aim: centre,
            depth_origin: beam.centre,
            step_cm: ph.voxel_cm[axis],
            beam,
        });
    }
    if let Some(p) = a.aim_mm.filter(|p| !p.iter().all(|x| x.is_finite())) {
        spec_bail!("aim_mm", "{p:?}: expected three finite numbers x,y,z (mm)");
    }
    let aim = match a.aim_mm {
        Some(p) if is_builtin => neutron_beam::builtin_point_to_local(ph, p),
        Some(p) => ph.world_to_local(p),
        None => centre,
    };
    let aimed = AimedBeam::new(ph, dir, aim, field, spectrum).map_err(|e| {
        let at = a.aim_mm.map_or("the phantom centre".into(), |p| {
            format!("{},{},{} mm", p[0], p[1], p[2])
        });
        spec_error(
            "aim_mm",
            format!(
                "{at} with direction {}: {e:#} (box 0-{:.1} x 0-{:.1} x 0-{:.1} cm)",
                a.direction, size[0], size[1], size[2]
            ),
        )
    })?;
    Ok(Placement {
        on_face: false,
        aim,
        depth_origin: aimed.body_entry,
        step_cm: ph.voxel_cm.iter().cloned().fold(f64::INFINITY, f64::min),
        beam: aimed.beam,
    })
}

/// The field in words, with the rectangle's axes.
pub fn field_text(f: &Field) -> String {
    match *f {
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
