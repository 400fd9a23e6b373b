//! Neutron commands: `theradose kernel --particle neutron` (isotropic point source in a sphere)
//! and `theradose beam` (BNCT beams into phantoms; being built, issue 5).

use crate::io::{write_volume, Volume};
use crate::materials::MaterialDb;
use crate::numerics::Vec3;
use crate::phantom::{builtin, Phantom};
use crate::physics::neutron::NeutronPhysics;
use crate::physics::photon::PhotonPhysics;
use crate::source::neutron_beam::{
    self, AimedBeam, Field, NeutronBeam, NeutronSpectrum, Weighting,
};
use crate::transport::neutron::{
    Component, NeutronGeometry, NeutronOutcome, NeutronTransport, EPITHERMAL_MAX_MEV,
    THERMAL_MAX_MEV,
};
use crate::transport::{Geometry, Transport};
use crate::units::dose_gy;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `theradose beam`.
#[derive(clap::Args, Debug, Clone)]
// exactly one of the two field flags
#[command(group(
    clap::ArgGroup::new("field")
        .required(true)
        .args(["field_diameter_cm", "field_cm"])
))]
pub struct BeamArgs {
    /// neutron (the only beam particle so far)
    #[arg(long, default_value = "neutron")]
    pub particle: String,
    /// epithermal, thermal (data/neutron/beams.toml) or a CSV energy_lo_mev,energy_hi_mev,fraction
    #[arg(long)]
    pub spectrum: String,
    /// built-in phantom name or phantom TOML path
    #[arg(long)]
    pub phantom: String,
    /// diameter of a circular field (cm); or give --field-cm
    #[arg(long)]
    pub field_diameter_cm: Option<f64>,
    /// rectangular field W x H (cm), e.g. 10x6, instead of --field-diameter-cm. W lies along
    /// the first axis across the beam, u = direction x z (direction x x for beams within about
    /// 25 degrees of z), H along direction x u: for +-x and +-z beams W is along y, for +-y
    /// beams along x; H is along z for +-x and +-y beams, along x for +-z beams
    #[arg(long, value_name = "WxH", value_parser = parse_field_cm)]
    pub field_cm: Option<[f64; 2]>,
    /// 10B in normal tissue (ug/g)
    #[arg(long, default_value_t = 0.0)]
    pub boron_ppm: f64,
    /// 10B in the tumour regions (ug/g; default: --boron-ppm)
    #[arg(long)]
    pub tumour_ppm: Option<f64>,
    /// regions that are tumour (default: regions whose name contains "tumour" or "tumor")
    #[arg(long, value_delimiter = ',')]
    pub tumour_regions: Vec<String>,
    /// beam direction along the phantom's voxel axes (built-in phantoms: +x patient left, +y
    /// posterior, +z superior): +z (default), -z, +x, -x, +y, -y, or a vector ux,uy,uz
    /// (normalised; oblique beams). An axis (or a vector along one) without --aim-mm: the beam
    /// enters the phantom face opposite to it, centred on that face, and depth.csv is measured
    /// from that face. Otherwise (oblique, or --aim-mm given) the beam's central axis passes
    /// through the aim point, its source plane outside the phantom, and depth.csv is measured
    /// along that axis from where it first enters the body (the first labelled voxel: the skin)
    #[arg(long, default_value = "+z", allow_hyphen_values = true)]
    pub direction: String,
    /// a point x,y,z (mm) of the beam's central axis (default: the phantom centre): for a
    /// built-in phantom in its definition's frame (that of its shapes' center_mm, origin at the
    /// box centre), for a CT in the image's world coordinates
    #[arg(long, value_name = "X,Y,Z", value_parser = parse_aim_mm, allow_hyphen_values = true)]
    pub aim_mm: Option<[f64; 3]>,
    #[arg(long)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    /// voxel size of a built-in phantom (mm)
    #[arg(long)]
    pub voxel_mm: Option<f64>,
    /// 10B map (ug/g per voxel, NIfTI or MetaImage on the phantom grid) for the boron dose,
    /// instead of the uniform --boron-ppm / --tumour-ppm (which still set the absorption)
    #[arg(long)]
    pub boron_map: Option<PathBuf>,
    /// 18F-BPA (FBPA) PET in SUV on the phantom grid: the boron dose uses
    /// --boron-ppm x SUV / --fbpa-reference-suv per voxel (tumour-to-normal ratio from the PET)
    #[arg(long)]
    pub fbpa_pet: Option<PathBuf>,
    /// SUV of the reference (blood or normal tissue) that carries --boron-ppm
    #[arg(long, default_value_t = 1.0)]
    pub fbpa_reference_suv: f64,
    /// optional shape groups of a built-in phantom (e.g. "tumour" of the mouse)
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// deposit capture gammas locally instead of transporting them
    #[arg(long)]
    pub local_gamma: bool,
    /// epithermal fluence rate at the beam aperture (n cm-2 s-1) for dose rates and treatment
    /// time; default 1e9, the minimum IAEA-TECDOC-1223 (2001) recommends for clinical beams
    #[arg(long, default_value_t = 1e9)]
    pub aperture_epithermal_flux: f64,
    /// prescribed weighted dose (Gy-eq): the treatment time reaches it at the largest weighted
    /// dose on the beam axis, or in the tumour (mean) when the phantom has one. The axis maximum
    /// is the largest of noisy depth-bin means, biased high at few histories (the treatment time
    /// then comes out short): check that depth.csv is smooth around it, or use a study's
    /// `normal_peak` prescription, which reports its uncertainty
    #[arg(long)]
    pub prescription_gy: Option<f64>,
    #[arg(long)]
    pub out: PathBuf,
}

/// Radius around the beam axis over which the depth curves are averaged (cm): voxels whose
/// centre lies within it, so that a profile has enough statistics at voxel resolution.
pub const AXIS_RADIUS_CM: f64 = 1.0;

/// Named per-voxel maps.
pub type Maps = Vec<(&'static str, Vec<f64>)>;

/// Per-voxel results of a beam run, per source neutron.
pub struct BeamResult {
    pub phantom: Phantom,
    /// (name, values per voxel): fluences (cm-2), doses (Gy)
    pub maps: Maps,
    /// depth curve rows: depth_cm then the 8 columns of depth.csv
    pub depth: Vec<[f64; 9]>,
    pub summary: serde_json::Value,
}

impl BeamResult {
    /// depth.csv text.
    pub fn depth_csv(&self) -> String {
        let mut s = String::from(DEPTH_HEADER);
        s.push('\n');
        for r in &self.depth {
            let _ = writeln!(
                s,
                "{:.4},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e}",
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]
            );
        }
        s
    }

    /// Depth (cm) of the largest thermal fluence on the axis: the vertex of a least-squares
    /// parabola through the points within 1.2 cm of the largest bin (the curve is flat near its
    /// maximum, so a wider fit is less noisy than the largest bin).
    pub fn thermal_peak_depth_cm(&self) -> f64 {
        let d = &self.depth;
        let Some(k) = (0..d.len()).max_by(|&a, &b| d[a][1].total_cmp(&d[b][1])) else {
            return 0.0;
        };
        let x0 = d[k][0];
        // normal equations of y = c0 + c1 t + c2 t^2, t = x - x0
        let mut m = [[0.0f64; 3]; 3];
        let mut r = [0.0f64; 3];
        let mut n = 0;
        for row in d.iter().filter(|row| (row[0] - x0).abs() <= 1.2) {
            let t = row[0] - x0;
            let p = [1.0, t, t * t];
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] += p[i] * p[j];
                }
                r[i] += p[i] * row[1];
            }
            n += 1;
        }
        if n < 3 {
            return x0;
        }
        let det = |a: &[[f64; 3]; 3]| {
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        };
        let dm = det(&m);
        let solve = |c: usize| {
            let mut a = m;
            for i in 0..3 {
                a[i][c] = r[i];
            }
            det(&a) / dm
        };
        let (c1, c2) = (solve(1), solve(2));
        if c2.is_nan() || c2 >= 0.0 || dm.abs() < 1e-300 {
            return x0;
        }
        (x0 - 0.5 * c1 / c2).clamp(x0 - 1.2, x0 + 1.2)
    }
}

/// Header of depth.csv (CLI contract).
pub const DEPTH_HEADER: &str = "depth_cm,thermal_fluence_cm-2,epithermal_fluence_cm-2,fast_fluence_cm-2,dose_boron_gy,dose_nitrogen_gy,dose_hydrogen_gy,dose_gamma_gy,dose_weighted_gy";

/// Runs a BNCT beam into a phantom.
///
/// # Errors
/// Bad arguments (particle, spectrum, field, concentrations, direction, phantom, regions), or a
/// failed run.
pub fn run_beam(a: &BeamArgs) -> Result<BeamResult> {
    if a.particle != "neutron" {
        bail!("--particle {}: only neutron beams are built", a.particle);
    }
    let field = beam_field(a)?;
    let dir = beam_direction(&a.direction)?;
    let tumour_ppm = a.tumour_ppm.unwrap_or(a.boron_ppm);
    for (what, v) in [("--boron-ppm", a.boron_ppm), ("--tumour-ppm", tumour_ppm)] {
        if !(v.is_finite() && v >= 0.0) {
            bail!("{what} {v}: expected a concentration >= 0 ug/g");
        }
    }
    if !(a.aperture_epithermal_flux.is_finite() && a.aperture_epithermal_flux > 0.0) {
        bail!(
            "--aperture-epithermal-flux {}: expected a positive fluence rate (n cm-2 s-1)",
            a.aperture_epithermal_flux
        );
    }
    if let Some(p) = a.prescription_gy {
        if !(p.is_finite() && p > 0.0) {
            bail!("--prescription-gy {p}: expected a positive dose");
        }
    }
    let spectrum = NeutronSpectrum::from_name(&a.spectrum)?;
    let weights = neutron_beam::weighting()?;
    let db = MaterialDb::load()?;
    let is_volume = [".nii", ".nii.gz", ".mhd", ".mha"]
        .iter()
        .any(|x| a.phantom.ends_with(x));
    let mut ph = if is_volume {
        // a CT in HU, converted with the default Schneider calibration
        crate::study::build_phantom(
            &crate::study::PhantomSpec {
                builtin: None,
                ct: Some(PathBuf::from(&a.phantom)),
                labels: None,
                label_names: Default::default(),
                hu_calibration: None,
                voxel_mm: None,
                groups: vec![],
            },
            &db,
        )?
    } else {
        builtin::build(&a.phantom, &db, a.voxel_mm, &a.groups)?
    };
    // tumour voxels get their own copy of their material, carrying the tumour boron
    let is_tumour: Vec<bool> = ph
        .regions
        .iter()
        .map(|r| {
            if a.tumour_regions.is_empty() {
                let n = r.name.to_lowercase();
                n.contains("tumour") || n.contains("tumor")
            } else {
                a.tumour_regions.contains(&r.name)
            }
        })
        .collect();
    for t in &a.tumour_regions {
        ph.region_id(t)?;
    }
    let n_base = ph.materials.len();
    let mut ppm = vec![a.boron_ppm; n_base];
    let mut tumour_material = vec![None; n_base];
    for v in 0..ph.len() {
        if is_tumour[ph.label[v] as usize] {
            let m = ph.material[v] as usize;
            let id = match tumour_material[m] {
                Some(id) => id,
                None => {
                    let mut mat = ph.materials[m].clone();
                    mat.name = format!("{}+tumour-boron", mat.name);
                    ph.materials.push(mat);
                    ppm.push(tumour_ppm);
                    let id = (ph.materials.len() - 1) as u8;
                    tumour_material[m] = Some(id);
                    id
                }
            };
            ph.material[v] = id;
        }
    }
    let physics = NeutronPhysics::new(&ph.materials, &ppm)?;
    let photon = PhotonPhysics::new(&ph.materials)?;
    let is_builtin = !is_volume;
    let placed = place_beam(a, &ph, is_builtin, dir, field, spectrum)?;
    let beam = &placed.beam;
    let gamma = Transport::new(Geometry::Voxels(&ph), &photon, 1e-3);
    let mut tr = NeutronTransport::new(NeutronGeometry::Voxels(&ph), &physics);
    if !a.local_gamma {
        tr.photon = Some(&gamma);
    }
    let ppm_map = boron_map(a, &ph)?;
    let out = if placed.on_face {
        tr.execute(|rng| beam.sample(rng), a.seed, a.histories, a.threads)?
    } else {
        let size = ph.size_cm;
        tr.execute(
            |rng| beam.sample_into_box(rng, size),
            a.seed,
            a.histories,
            a.threads,
        )?
    };
    let cbe = cbe_by_name(&ph, &weights, &is_tumour);
    let maps = beam_maps(&ph, &out, &weights, &cbe, ppm_map.as_deref());
    // a beam on a face (as before oblique beams existed): every voxel, depth from the face;
    // otherwise body voxels only, depth from the skin
    let counted = |v: usize| placed.on_face || ph.label[v] != 0;
    let depth = depth_curve(
        &ph,
        &maps,
        placed.depth_origin,
        beam.dir,
        placed.step_cm,
        counted,
    );
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    let (u, v) = beam.field_axes();
    let mut summary = json!({
        "particle": "neutron",
        "spectrum": a.spectrum,
        "spectrum_description": beam.spectrum.description,
        "spectrum_source": beam.spectrum.source,
        "spectrum_fractions": {
            "thermal": beam.spectrum.fraction_between(0.0, THERMAL_MAX_MEV),
            "epithermal": f_epi,
            "fast": beam.spectrum.fraction_between(EPITHERMAL_MAX_MEV, 1e3),
        },
        "phantom": a.phantom,
        "direction": a.direction,
        "direction_vector": [beam.dir.x, beam.dir.y, beam.dir.z],
        "aim_mm": a.aim_mm,
        "aim_local_cm": [placed.aim.x, placed.aim.y, placed.aim.z],
        "depth_origin_local_cm": [placed.depth_origin.x, placed.depth_origin.y, placed.depth_origin.z],
        "field": field_text(&beam.field),
        "field_diameter_cm": a.field_diameter_cm,
        "field_size_cm": a.field_cm,
        "field_axes": {"w": [u.x, u.y, u.z], "h": [v.x, v.y, v.z]},
        "field_area_cm2": beam.area_cm2(),
        "epithermal_fluence_at_aperture_per_source_cm-2": f_epi / beam.area_cm2(),
        "boron_ppm": a.boron_ppm,
        "boron_map": a.boron_map.as_ref().map(|p| p.display().to_string()),
        "fbpa_pet": a.fbpa_pet.as_ref().map(|p| p.display().to_string()),
        "fbpa_reference_suv": a.fbpa_reference_suv,
        "tumour_ppm": tumour_ppm,
        "weighting": {
            "cbe_tumour": weights.cbe_tumour, "cbe_normal": weights.cbe_normal,
            "cbe_skin": weights.cbe_skin, "rbe_nitrogen": weights.rbe_nitrogen,
            "rbe_hydrogen": weights.rbe_hydrogen, "rbe_gamma": weights.rbe_gamma,
        },
        "units": "per source neutron: fluence cm-2, dose Gy",
        "depth_curve": if placed.on_face {
            format!("voxels within {AXIS_RADIUS_CM} cm of the beam axis, averaged per depth")
        } else {
            format!("body voxels within {AXIS_RADIUS_CM} cm of the beam axis, averaged per depth from where the axis enters the body")
        },
        "histories": out.tally.histories,
        "seed": a.seed,
        "seconds": out.seconds,
        "histories_per_second": out.tally.histories as f64 / out.seconds.max(1e-9),
        "threads": out.threads,
        "gamma_transport": !a.local_gamma,
        "energy_balance_relative_discrepancy": out.balance.relative_discrepancy(),
        "version": crate::VERSION,
    });
    // normalisation: source neutrons per second for the given aperture epithermal fluence rate
    let per_s = a.aperture_epithermal_flux * beam.area_cm2() / f_epi.max(1e-300);
    summary["aperture_epithermal_flux_cm-2_s-1"] = a.aperture_epithermal_flux.into();
    summary["source_neutrons_per_second"] = per_s.into();
    summary["regions"] = region_means(&ph, &maps, &is_tumour);
    let weighted = &maps.iter().find(|m| m.0 == "dose_weighted").expect("map").1;
    let tumour_mean = mean_over(&ph, weighted, |l| is_tumour[l]);
    let axis_max = depth.iter().map(|r| r[8]).fold(0.0, f64::max);
    summary["axis_max_weighted_dose_gy_per_source"] = axis_max.into();
    summary["axis_max_weighted_dose_rate_gy_per_s"] = (axis_max * per_s).into();
    if let Some(t) = tumour_mean {
        summary["tumour_mean_weighted_dose_gy_per_source"] = t.into();
        summary["tumour_mean_weighted_dose_rate_gy_per_s"] = (t * per_s).into();
    }
    if let Some(p) = a.prescription_gy {
        let (rate, at) = match tumour_mean {
            Some(t) => (t * per_s, "tumour mean weighted dose"),
            None => (axis_max * per_s, "largest weighted dose on the beam axis"),
        };
        if rate > 0.0 {
            summary["treatment_time_min"] = (p / rate / 60.0).into();
            summary["treatment_time_reference"] = at.into();
        }
    }
    let mut r = BeamResult {
        phantom: ph,
        maps,
        depth,
        summary: serde_json::Value::Null,
    };
    summary["thermal_fluence_peak_depth_cm"] = r.thermal_peak_depth_cm().into();
    r.summary = summary;
    Ok(r)
}

/// The field of --field-diameter-cm or --field-cm.
fn beam_field(a: &BeamArgs) -> Result<Field> {
    match (a.field_diameter_cm, a.field_cm) {
        (Some(d), None) => {
            if !(d.is_finite() && d > 0.0) {
                bail!("--field-diameter-cm {d}: expected a positive diameter (cm)");
            }
            Ok(Field::Disc { radius_cm: 0.5 * d })
        }
        (None, Some([w, h])) => {
            if !(w.is_finite() && w > 0.0 && h.is_finite() && h > 0.0) {
                bail!("--field-cm {w}x{h}: expected a positive width and height (cm)");
            }
            Ok(Field::Rectangle {
                half_x_cm: 0.5 * w,
                half_y_cm: 0.5 * h,
            })
        }
        (Some(_), Some(_)) => bail!("give --field-diameter-cm or --field-cm, not both"),
        (None, None) => bail!("give the field: --field-diameter-cm D or --field-cm WxH (cm)"),
    }
}

/// The unit vector of --direction: an axis name or a vector ux,uy,uz.
fn beam_direction(d: &str) -> Result<Vec3> {
    if let Some(v) = neutron_beam::axis_direction(d) {
        return Ok(v);
    }
    let parts: Vec<&str> = d.split(',').collect();
    let v: Option<Vec<f64>> = parts.iter().map(|x| x.trim().parse().ok()).collect();
    let Some(v) = v.filter(|v| v.len() == 3) else {
        bail!("--direction {d}: expected +x, -x, +y, -y, +z, -z or a vector ux,uy,uz");
    };
    neutron_beam::unit_vector([v[0], v[1], v[2]])
        .with_context(|| format!("--direction {d}: expected a non-zero, finite vector"))
}

/// Where a beam run's beam is and how its depth curve is measured.
struct Placement {
    beam: NeutronBeam,
    /// the beam starts on the phantom face (sample with `sample`), else outside the box
    /// (`sample_into_box`)
    on_face: bool,
    /// the aim point (local frame, cm)
    aim: Vec3,
    /// depth 0 of depth.csv (local frame, cm)
    depth_origin: Vec3,
    step_cm: f64,
}

/// Places the beam (see --direction): along an axis without --aim-mm on the centre of the face
/// it enters (the geometry of the first version of this command, kept bit for bit); otherwise
/// through the aim point with the study's geometry ([`AimedBeam`]).
fn place_beam(
    a: &BeamArgs,
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
        bail!("--aim-mm {p:?}: expected three finite numbers x,y,z (mm)");
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
        anyhow::anyhow!(
            "--direction {} / --aim-mm {at}: {e:#} (box 0-{:.1} x 0-{:.1} x 0-{:.1} cm)",
            a.direction,
            size[0],
            size[1],
            size[2]
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
fn field_text(f: &Field) -> String {
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

/// `--field-cm WxH`: two numbers (cm) joined by x; their signs are checked by [`run_beam`].
fn parse_field_cm(s: &str) -> std::result::Result<[f64; 2], String> {
    let v: Option<Vec<f64>> = s.split(['x', 'X']).map(|x| x.trim().parse().ok()).collect();
    match v.as_deref() {
        Some(&[w, h]) => Ok([w, h]),
        _ => Err(format!("expected WxH in cm, e.g. 10x6, got '{s}'")),
    }
}

/// `--aim-mm x,y,z`: three numbers (mm).
fn parse_aim_mm(s: &str) -> std::result::Result<[f64; 3], String> {
    let v: Option<Vec<f64>> = s.split(',').map(|x| x.trim().parse().ok()).collect();
    match v.as_deref() {
        Some(&[x, y, z]) if x.is_finite() && y.is_finite() && z.is_finite() => Ok([x, y, z]),
        _ => Err(format!("expected x,y,z in mm, e.g. -35,0,20, got '{s}'")),
    }
}

/// The per-voxel 10B concentration (ug/g) from --boron-map or --fbpa-pet, checked against the
/// phantom grid; None when neither is given.
fn boron_map(a: &BeamArgs, ph: &Phantom) -> Result<Option<Vec<f64>>> {
    let (path, scale) = match (&a.boron_map, &a.fbpa_pet) {
        (Some(_), Some(_)) => bail!("give --boron-map or --fbpa-pet, not both"),
        (Some(p), None) => (p, 1.0),
        (None, Some(p)) => {
            let r = a.fbpa_reference_suv;
            if !(r.is_finite() && r > 0.0) {
                bail!("--fbpa-reference-suv {r}: expected a positive SUV");
            }
            (p, a.boron_ppm / r)
        }
        (None, None) => return Ok(None),
    };
    let vol = crate::io::read_volume(path)
        .with_context(|| format!("cannot read the boron map {}", path.display()))?;
    if vol.grid.dims != ph.grid.dims {
        bail!(
            "{}: dimensions {}, expected {} like the phantom",
            path.display(),
            vol.grid.dims_string(),
            ph.grid.dims_string()
        );
    }
    if let Some(v) = vol.data.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        bail!(
            "{}: voxel {v} holds {}, expected a finite value >= 0",
            path.display(),
            vol.data[v]
        );
    }
    Ok(Some(vol.data.iter().map(|x| x * scale).collect()))
}

/// CBE per region label: tumour regions `cbe_tumour`, regions named "skin" `cbe_skin`, others
/// `cbe_normal`.
fn cbe_by_name(ph: &Phantom, w: &Weighting, is_tumour: &[bool]) -> Vec<f64> {
    ph.regions
        .iter()
        .zip(is_tumour)
        .map(|(r, &t)| {
            if t {
                w.cbe_tumour
            } else if r.name.to_lowercase().contains("skin") {
                w.cbe_skin
            } else {
                w.cbe_normal
            }
        })
        .collect()
}

/// Converts the tallies to per-voxel fluences (cm-2) and doses (Gy) per source neutron, with
/// the relative uncertainties of the doses; the weighted dose uses `cbe` per region label and
/// the RBEs of `w`. With a boron map (ug/g per voxel) the boron dose is the per-ppm kerma
/// tally times the map.
pub fn beam_maps(
    ph: &Phantom,
    out: &NeutronOutcome,
    w: &Weighting,
    cbe: &[f64],
    ppm_map: Option<&[f64]>,
) -> Maps {
    let n = ph.len();
    let vol = ph.voxel_volume_cm3();
    let mean = |c: Component, v: usize| out.tally.mean_and_rel_uncertainty(c as usize * n + v).0;
    let mut maps: Maps = [
        "fluence_thermal",
        "fluence_epithermal",
        "fluence_fast",
        "dose_boron",
        "dose_nitrogen",
        "dose_hydrogen",
        "dose_gamma",
        "dose_weighted",
        "dose_boron_rel_unc",
        "dose_nitrogen_rel_unc",
        "dose_hydrogen_rel_unc",
        "dose_gamma_rel_unc",
        "dose_weighted_rel_unc",
    ]
    .into_iter()
    .map(|k| (k, vec![0.0; n]))
    .collect();
    for v in 0..n {
        let mass = ph.voxel_mass_g(v);
        let gy = |e: f64| if mass > 0.0 { dose_gy(e, mass) } else { 0.0 };
        let photon = out
            .photon_tally
            .as_ref()
            .map_or(0.0, |t| t.mean_and_rel_uncertainty(v).0);
        let vals = [
            mean(Component::FluenceThermal, v) / vol,
            mean(Component::FluenceEpithermal, v) / vol,
            mean(Component::FluenceFast, v) / vol,
            match ppm_map {
                Some(p) => gy(mean(Component::BoronPerPpm, v)) * p[v],
                None => gy(mean(Component::Boron, v)),
            },
            gy(mean(Component::Nitrogen, v)),
            gy(mean(Component::Hydrogen, v)),
            gy(mean(Component::GammaLocal, v) + photon),
        ];
        let cbe = cbe[ph.label[v] as usize];
        let weighted = cbe * vals[3]
            + w.rbe_nitrogen * vals[4]
            + w.rbe_hydrogen * vals[5]
            + w.rbe_gamma * vals[6];
        for (k, x) in vals.iter().chain(std::iter::once(&weighted)).enumerate() {
            maps[k].1[v] = *x;
        }
        // relative uncertainties (1 sigma) of the dose components; gamma and weighted combine
        // their parts in quadrature (parts of one history are correlated: an approximation)
        let rel = |c: Component| out.tally.mean_and_rel_uncertainty(c as usize * n + v).1;
        let (g_local, g_local_rel) = out
            .tally
            .mean_and_rel_uncertainty(Component::GammaLocal as usize * n + v);
        let (g_ph, g_ph_rel) = out
            .photon_tally
            .as_ref()
            .map_or((0.0, 0.0), |t| t.mean_and_rel_uncertainty(v));
        let g_sum = g_local + g_ph;
        let g_rel = if g_sum > 0.0 {
            ((g_local * g_local_rel).powi(2) + (g_ph * g_ph_rel).powi(2)).sqrt() / g_sum
        } else {
            0.0
        };
        let rels = [
            rel(if ppm_map.is_some() {
                Component::BoronPerPpm
            } else {
                Component::Boron
            }),
            rel(Component::Nitrogen),
            rel(Component::Hydrogen),
            g_rel,
        ];
        let wparts = [
            cbe * vals[3],
            w.rbe_nitrogen * vals[4],
            w.rbe_hydrogen * vals[5],
            w.rbe_gamma * vals[6],
        ];
        let w_abs: f64 = wparts
            .iter()
            .zip(&rels)
            .map(|(p, r)| (p * r).powi(2))
            .sum::<f64>()
            .sqrt();
        for k in 0..4 {
            maps[8 + k].1[v] = rels[k];
        }
        maps[12].1[v] = if weighted > 0.0 {
            w_abs / weighted
        } else {
            0.0
        };
    }
    maps
}

/// Depth curve along a beam axis: the first 8 maps (fluences and doses) averaged over the
/// voxels `pick` accepts whose centre lies within [`AXIS_RADIUS_CM`] of the axis through
/// `entry` (local frame, cm) along the unit vector `dir`, in bins of `step_cm` of depth
/// (depth of a voxel: its centre's distance from `entry` along `dir`; rows at the bin centres,
/// bins behind `entry` or without voxels left out).
pub fn depth_curve(
    ph: &Phantom,
    maps: &Maps,
    entry: Vec3,
    dir: Vec3,
    step_cm: f64,
    pick: impl Fn(usize) -> bool,
) -> Vec<[f64; 9]> {
    let mut acc: Vec<([f64; 8], usize)> = Vec::new();
    for v in 0..ph.len() {
        if !pick(v) {
            continue;
        }
        let (i, j, k) = ph.ijk(v);
        let c = Vec3::new(
            (i as f64 + 0.5) * ph.voxel_cm[0],
            (j as f64 + 0.5) * ph.voxel_cm[1],
            (k as f64 + 0.5) * ph.voxel_cm[2],
        );
        let w = c - entry;
        let t = w.dot(dir);
        let r = w - dir * t;
        if t < 0.0 || r.dot(r) > AXIS_RADIUS_CM * AXIS_RADIUS_CM {
            continue;
        }
        let b = (t / step_cm) as usize;
        if b >= acc.len() {
            acc.resize(b + 1, ([0.0; 8], 0));
        }
        for (kk, m) in maps.iter().take(8).enumerate() {
            acc[b].0[kk] += m.1[v];
        }
        acc[b].1 += 1;
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.1 > 0)
        .map(|(b, (sum, count))| {
            let mut row = [0.0; 9];
            row[0] = (b as f64 + 0.5) * step_cm;
            for k in 0..8 {
                row[k + 1] = sum[k] / *count as f64;
            }
            row
        })
        .collect()
}

/// Mass-weighted mean of a dose map over the voxels whose label satisfies `pick` (None when no
/// voxel does).
fn mean_over(ph: &Phantom, map: &[f64], pick: impl Fn(usize) -> bool) -> Option<f64> {
    let (mut num, mut mass) = (0.0, 0.0);
    for (v, x) in map.iter().enumerate() {
        if pick(ph.label[v] as usize) {
            let m = ph.voxel_mass_g(v);
            num += x * m;
            mass += m;
        }
    }
    (mass > 0.0).then(|| num / mass)
}

/// Per-region mass-weighted mean and maximum of every dose map (Gy per source neutron).
fn region_means(ph: &Phantom, maps: &Maps, is_tumour: &[bool]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (id, reg) in ph.regions.iter().enumerate().skip(1) {
        let mut o = serde_json::Map::new();
        for (name, m) in maps
            .iter()
            .filter(|m| m.0.starts_with("dose_") && !m.0.ends_with("_unc"))
        {
            let mean = mean_over(ph, m, |l| l == id);
            let max = m
                .iter()
                .enumerate()
                .filter(|(v, _)| ph.label[*v] as usize == id)
                .map(|(_, x)| *x)
                .fold(0.0, f64::max);
            o.insert(format!("{name}_mean_gy"), mean.unwrap_or(0.0).into());
            o.insert(format!("{name}_max_gy"), max.into());
        }
        o.insert("tumour".into(), is_tumour[id].into());
        out.insert(reg.name.clone(), o.into());
    }
    out.into()
}

/// Cumulative weighted-dose-volume histograms of every region (mass fractions), 100 dose
/// levels from 0 to 1.2 x the 99.5th percentile of the labelled voxels' weighted dose; doses
/// multiplied by `scale` (source neutrons).
fn dvh_csv(r: &BeamResult, scale: f64) -> String {
    let ph = &r.phantom;
    let w = &r
        .maps
        .iter()
        .find(|m| m.0 == "dose_weighted")
        .expect("map")
        .1;
    // dose axis to 1.2 x the 99.5th percentile of the body's voxels: single noisy voxels (a
    // photon depositing in one voxel) would otherwise stretch it
    let mut body: Vec<f64> = (0..ph.len())
        .filter(|&v| ph.label[v] != 0)
        .map(|v| w[v] * scale)
        .collect();
    body.sort_by(|a, b| a.total_cmp(b));
    let d_max = body
        .get(((body.len() as f64 * 0.995) as usize).min(body.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
        * 1.2;
    let mut s = String::from("region,dose_weighted_gy,mass_fraction_at_least\n");
    for (id, reg) in ph.regions.iter().enumerate().skip(1) {
        let mut doses: Vec<(f64, f64)> = (0..ph.len())
            .filter(|&v| ph.label[v] as usize == id)
            .map(|v| (w[v] * scale, ph.voxel_mass_g(v)))
            .collect();
        let total: f64 = doses.iter().map(|x| x.1).sum();
        if total <= 0.0 {
            continue;
        }
        doses.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut k = 0;
        let mut acc = 0.0;
        for level in (0..100).rev() {
            let d = d_max * level as f64 / 99.0;
            while k < doses.len() && doses[k].0 >= d {
                acc += doses[k].1;
                k += 1;
            }
            let _ = writeln!(s, "{},{:.6e},{:.6}", reg.name, d, acc / total);
        }
    }
    s
}

/// Runs `theradose beam`: writes depth.csv, NIfTI maps of every component (and their relative
/// uncertainties), dvh.csv (weighted dose per region; in Gy-eq over the treatment time when
/// --prescription-gy is given, else per source neutron) and summary.json.
///
/// # Errors
/// As [`run_beam`], or an output folder that cannot be written.
pub fn run(args: &BeamArgs) -> Result<()> {
    let r = run_beam(args)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    crate::study::output::write_atomic(&args.out.join("depth.csv"), r.depth_csv().as_bytes())?;
    for (name, data) in &r.maps {
        let vol = Volume {
            grid: r.phantom.grid.clone(),
            data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
        };
        let path = args.out.join(format!("{name}.nii.gz"));
        write_volume(
            &path,
            &vol,
            &format!("theradose beam {name} per source neutron"),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // DVH of the weighted dose: absolute over the treatment time when a prescription is given
    let scale = match (
        r.summary["treatment_time_min"].as_f64(),
        r.summary["source_neutrons_per_second"].as_f64(),
    ) {
        (Some(t), Some(per_s)) => t * 60.0 * per_s,
        _ => 1.0,
    };
    crate::study::output::write_atomic(&args.out.join("dvh.csv"), dvh_csv(&r, scale).as_bytes())?;
    let summary = serde_json::to_string_pretty(&r.summary)?;
    crate::study::output::write_atomic(&args.out.join("summary.json"), summary.as_bytes())?;
    println!("{}", serde_json::to_string(&r.summary)?);
    Ok(())
}
