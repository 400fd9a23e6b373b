//! Where a beam goes: its field, its direction and its placement on or outside the phantom
//! (the shared beam geometry of [`crate::source::beam`], with the neutron spectrum).

use crate::dosimetry::bnct::spec::BeamSpec;
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::source::beam::{self, Field};
use crate::source::neutron_beam::{NeutronBeam, NeutronSpectrum};
use anyhow::Result;

/// The field of `field_diameter_cm` or `field_cm`.
pub fn beam_field(a: &BeamSpec) -> Result<Field> {
    Field::from_spec(a.field_diameter_cm, a.field_cm)
}

/// The unit vector of a direction: an axis name (+x, -z, ...) or a vector ux,uy,uz.
pub fn beam_direction(d: &str) -> Result<Vec3> {
    beam::parse_direction(d)
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

/// Places the beam (see [`BeamSpec::direction`] and [`beam::place`]): along an axis without
/// --aim-mm on the centre of the face it enters (the geometry of the first version of this
/// command, kept bit for bit); otherwise through the aim point with the study's geometry.
pub fn place_beam(
    a: &BeamSpec,
    ph: &Phantom,
    is_builtin: bool,
    dir: Vec3,
    field: Field,
    spectrum: NeutronSpectrum,
) -> Result<Placement> {
    let p = beam::place(ph, is_builtin, dir, &a.direction, a.aim_mm, field)?;
    Ok(Placement {
        beam: NeutronBeam::new(p.beam, spectrum),
        on_face: p.on_face,
        aim: p.aim,
        depth_origin: p.depth_origin,
        step_cm: p.step_cm,
    })
}

/// The field in words, with the rectangle's axes.
pub fn field_text(f: &Field) -> String {
    f.text()
}
