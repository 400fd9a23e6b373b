//! Building a run: the phantom, the source and the physics of a run file (L4), and the transport
//! that runs it.

use super::spec::{PhantomSpec, RunFile, SourceSpec, WorldSpec};
use crate::error::spec_error;
use crate::materials::{HuCalibration, MaterialDb};
use crate::numerics::Vec3;
use crate::particle::ParticleKind;
use crate::phantom::{builtin, Phantom};
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::{ElectronMedium, Lepton, StoppingTable};
use crate::physics::photon::PhotonPhysics;
use crate::source::beam::{self, Field};
use crate::source::{EscapeRule, Source, Spatial, Spectrum};
use crate::transport::world::{World, WorldShape};
use crate::transport::{Geometry, Transport};
use anyhow::{anyhow, bail, Context, Result};

/// Builds the phantom of a run.
pub fn build_phantom(spec: &PhantomSpec, db: &MaterialDb) -> Result<Phantom> {
    match (&spec.builtin, &spec.ct) {
        (Some(name), None) => {
            builtin::build_sized(name, db, spec.voxel_mm.map(|v| v.xyz()), &spec.groups)
        }
        (None, Some(ct)) => {
            let cal = match &spec.hu_calibration {
                Some(p) => HuCalibration::from_file(p)?,
                None => HuCalibration::default_schneider()?,
            };
            let names: Vec<(u16, String)> = spec
                .label_names
                .iter()
                .map(|(k, v)| {
                    k.parse::<u16>().map(|id| (id, v.clone())).map_err(|_| {
                        anyhow!("phantom.label_names: key '{k}' is not a label id (0-65535)")
                    })
                })
                .collect::<Result<_>>()?;
            let labels = spec.labels.as_deref().map(|p| (p, names.as_slice()));
            match &spec.ct_series {
                None => Phantom::from_ct(ct, &cal, db, labels),
                Some(uid) => {
                    let img = crate::io::image::read_image(ct, Some(uid))?;
                    let hu =
                        crate::io::image::in_units(ct, &img, crate::io::image::ImageUnits::Hu)?;
                    Phantom::from_ct_volume(ct, hu, &cal, db, labels)
                }
            }
        }
        (Some(_), Some(_)) => bail!("phantom: give either builtin or ct, not both"),
        (None, None) => bail!("phantom: expected builtin = NAME or ct = FILE"),
    }
}

/// Parses a particle name.
pub fn particle_kind(name: &str) -> Result<ParticleKind> {
    ParticleKind::from_name(name)
}

/// Builds the source of a run on its phantom (`is_builtin`: a built-in phantom, whose beam aim
/// points are in its definition frame).
pub fn build_source(spec: &SourceSpec, ph: &Phantom, is_builtin: bool) -> Result<Source> {
    let particle = particle_kind(&spec.particle).context("source.particle")?;
    let beam_fields = spec.direction.is_some()
        || spec.field_diameter_cm.is_some()
        || spec.field_cm.is_some()
        || spec.aim_mm.is_some();
    if beam_fields && spec.kind != "beam" {
        crate::spec_bail!(
            "source.kind",
            "'{}' with direction, field_diameter_cm, field_cm or aim_mm: these belong to \
             kind = \"beam\"",
            spec.kind
        );
    }
    let spatial = match spec.kind.as_str() {
        "point" => {
            let p = spec
                .position_mm
                .ok_or_else(|| anyhow!("source: kind = \"point\" needs position_mm = [x, y, z]"))?;
            let local = ph.world_to_local(p);
            if ph.voxel_at(local).is_none() {
                bail!("source.position_mm {:?} lies outside the phantom", p);
            }
            Spatial::Point(local)
        }
        "region" => {
            let r = spec
                .region
                .as_deref()
                .ok_or_else(|| anyhow!("source: kind = \"region\" needs region = NAME"))?;
            Spatial::region(ph, r)?
        }
        "map" => {
            let path = spec
                .map
                .as_deref()
                .ok_or_else(|| anyhow!("source: kind = \"map\" needs map = FILE"))?;
            let vol = crate::io::read_volume(path)?;
            if !vol.grid.same_geometry(&ph.grid, 1e-3) {
                bail!(
                    "{}: activity map grid {}, expected {} like the phantom",
                    path.display(),
                    vol.grid.describe(),
                    ph.grid.describe()
                );
            }
            Spatial::map(ph, &vol.data, &path.display().to_string())?
        }
        "beam" => beam_spatial(spec, ph, is_builtin)?,
        k => crate::spec_bail!("source.kind", "'{k}': expected point, region, map or beam"),
    };
    let (spectrum, escape) = source_spectrum(spec, ph)?;
    if let Some(n) = spec.emitted_particles {
        if !(n.is_finite() && n > 0.0) {
            bail!("source.emitted_particles = {n}: expected a positive number");
        }
    }
    Ok(Source {
        escape,
        particle,
        spatial,
        spectrum,
    })
}

/// The energies of a run's source, with the daughter-escape rules of a nuclide source.
fn source_spectrum(spec: &SourceSpec, ph: &Phantom) -> Result<(Spectrum, Vec<EscapeRule>)> {
    let mut escape = Vec::new();
    if spec.nuclide.is_none() && !spec.daughter_escape.is_empty() {
        bail!("source.daughter_escape needs nuclide = NAME and chain = true");
    }
    let spectrum = match (spec.energy_mev, &spec.lines) {
        _ if spec.nuclide.is_some() && spec.kind == "beam" => nuclide_beam_lines(spec)?,
        _ if spec.nuclide.is_some() => {
            if spec.energy_mev.is_some() || spec.lines.is_some() {
                bail!("source: give nuclide, or energy_mev / lines, not both");
            }
            let n = spec.nuclide.as_deref().unwrap_or_default();
            escape = spec
                .daughter_escape
                .iter()
                .map(|d| {
                    let to = if d.to == "lost" {
                        None
                    } else {
                        Some(Spatial::region(ph, &d.to)?)
                    };
                    Ok(EscapeRule {
                        nuclide: d.nuclide.clone(),
                        fraction: d.fraction,
                        to,
                    })
                })
                .collect::<Result<Vec<_>>>()
                .context("source.daughter_escape")?;
            Spectrum::nuclide_with_escape_from(
                n,
                spec.chain.unwrap_or(false),
                &escape,
                spec.decay_data,
            )
            .context("source.nuclide")?
        }
        (Some(e), None) => {
            if !(e.is_finite() && e > 0.0 && e <= crate::physics::photon::E_MAX_MEV) {
                crate::spec_bail!("source.energy_mev", "{e}: expected 0 < E <= 20 MeV");
            }
            Spectrum::Mono(e)
        }
        (None, Some(l)) => Spectrum::lines(l)
            .map_err(|e| crate::error::spec_error("source.lines", format!("{e:#}")))?,
        (Some(_), Some(_)) => {
            crate::spec_bail!("source.lines", "give energy_mev or lines, not both")
        }
        (None, None) if spec.kind == "beam" => crate::spec_bail!(
            "source.energy_mev",
            "a beam needs its energy: energy_mev = E or lines = [[E_MeV, intensity], ...]"
        ),
        _ => bail!("source: give energy_mev, lines = [[E_MeV, intensity], ...] or nuclide = NAME"),
    };
    Ok((spectrum, escape))
}

/// A beam of a nuclide's discrete lines of the source's particle: gamma and X-ray lines for
/// photons, alpha lines for alphas, sampled by their yields per decay (one particle per
/// history: doses are per emitted particle, not per decay). Beta spectra are continuous and a
/// beam of them is not built.
fn nuclide_beam_lines(spec: &SourceSpec) -> Result<Spectrum> {
    let name = spec.nuclide.as_deref().unwrap_or_default();
    if spec.energy_mev.is_some() || spec.lines.is_some() || spec.chain == Some(true) {
        crate::spec_bail!(
            "source.nuclide",
            "{name}: a nuclide beam takes its lines from the nuclide alone: no energy_mev, \
             lines or chain"
        );
    }
    let n = crate::source::nuclide::Nuclide::load_from(name, spec.decay_data)
        .map_err(|e| crate::error::spec_error("source.nuclide", format!("{e:#}")))?;
    let lines: Vec<(f64, f64)> = match spec.particle.as_str() {
        "photon" | "gamma" => n.gammas.iter().chain(&n.xrays),
        "alpha" => n.alphas.iter().chain(&[]),
        p => crate::spec_bail!(
            "source.nuclide",
            "{name}: a nuclide beam is of photons or alphas (discrete lines), not {p}"
        ),
    }
    .filter(|l| l.energy_mev > 0.0 && l.intensity > 0.0)
    .map(|l| (l.energy_mev, l.intensity))
    .collect();
    if lines.is_empty() {
        crate::spec_bail!(
            "source.nuclide",
            "{name} emits no {} lines ({})",
            spec.particle,
            spec.decay_data.name()
        );
    }
    Spectrum::lines(&lines)
        .map_err(|e| crate::error::spec_error("source.nuclide", format!("{e:#}")))
}

/// The beam of a `kind = "beam"` source: its field, direction and aim point placed on the
/// phantom ([`beam::place`]); a spec error names the field (`source.field_cm`, ...).
fn beam_spatial(spec: &SourceSpec, ph: &Phantom, is_builtin: bool) -> Result<Spatial> {
    let in_source = |e: anyhow::Error| match crate::error::spec_error_of(&e) {
        Some(s) => crate::error::spec_error(format!("source.{}", s.field), &s.message),
        None => e,
    };
    if spec.position_mm.is_some() || spec.region.is_some() || spec.map.is_some() {
        crate::spec_bail!(
            "source.kind",
            "\"beam\" is placed by direction, field and aim_mm, not position_mm, region or map"
        );
    }
    let field = Field::from_spec(spec.field_diameter_cm, spec.field_cm).map_err(in_source)?;
    let direction = spec.direction.as_deref().unwrap_or("+z");
    let dir = beam::parse_direction(direction).map_err(in_source)?;
    let placement =
        beam::place(ph, is_builtin, dir, direction, spec.aim_mm, field).map_err(in_source)?;
    Ok(Spatial::Beam {
        placement,
        box_cm: ph.size_cm,
    })
}

/// Everything a run needs, built from a run file.
pub struct Problem {
    pub file: RunFile,
    pub phantom: Phantom,
    pub photon: PhotonPhysics,
    /// condensed-history electron physics, when electrons are transported
    pub electron: Option<ElectronPhysics>,
    /// alpha stopping tables per phantom material, when the source emits alphas
    pub alpha: Option<Vec<crate::physics::ion::table::IonTable>>,
    pub source: Source,
    /// the homogeneous medium around the grid (`phantom.world`); its material is the last of
    /// the phantom's
    pub world: Option<World>,
}

impl Problem {
    /// Builds the phantom, the source and the physics of a run file, with the materials of
    /// `ctx`.
    ///
    /// # Errors
    /// A bad value in the file (named by its field), or data that cannot be read.
    pub fn build(ctx: &crate::context::Context, file: RunFile) -> Result<Self> {
        let db = ctx.materials.with_user(&file.materials)?;
        let phantom = build_phantom(&file.phantom, &db)?;
        let source = build_source(&file.source, &phantom, file.phantom.builtin.is_some())?;
        Problem::assemble(file, phantom, source, &db)
    }

    /// A run of `file`'s settings on a phantom and a source built by the caller (e.g. from
    /// arrays in memory); `file.phantom` and `file.source` only describe them (the fingerprint of
    /// checkpoints and the summary).
    ///
    /// # Errors
    /// A bad value of `file.run` (named by its field), or data that cannot be read.
    pub fn assemble(
        file: RunFile,
        phantom: Phantom,
        source: Source,
        db: &MaterialDb,
    ) -> Result<Self> {
        if file.run.histories == 0 {
            crate::spec_bail!("run.histories", "must be at least 1, got 0");
        }
        let mut phantom = phantom;
        let world = match &file.phantom.world {
            Some(w) => Some(build_world(w, &mut phantom, db)?),
            None => None,
        };
        if let Some(k) = file.run.photon_cutoff_kev {
            if !(k.is_finite() && k >= 1.0) {
                crate::spec_bail!("run.photon_cutoff_kev", "expected at least 1 keV, got {k}");
            }
        }
        let mut photon = PhotonPhysics::new(&phantom.materials)?;
        photon.compton_binding = file.run.compton_binding.unwrap_or(true);
        let electron = if file.run.electron_transport.unwrap_or(true) {
            let cut_mev = match file.run.electron_cutoff_kev {
                Some(k) => {
                    if !(k.is_finite() && k >= 1.0) {
                        crate::spec_bail!(
                            "run.electron_cutoff_kev",
                            "expected at least 1 keV, got {k}"
                        );
                    }
                    k * 1e-3
                }
                None => range_rejection_cutoff_mev(db, &phantom)?,
            };
            let photon_cut = file.run.photon_cutoff_kev.unwrap_or(1.0) * 1e-3;
            Some(ElectronPhysics::new(
                &phantom.materials,
                CondensedParams::new(cut_mev, photon_cut),
            )?)
        } else {
            None
        };
        let alpha = if source.emits_alphas() {
            let data = crate::physics::ion::data::IonData::load()?;
            let tables = phantom
                .materials
                .iter()
                .map(|m| {
                    crate::physics::ion::build_table(
                        &data,
                        crate::physics::ion::stopping::Ion::Alpha,
                        m,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            Some(tables)
        } else {
            None
        };
        Ok(Problem {
            file,
            phantom,
            photon,
            electron,
            alpha,
            source,
            world,
        })
    }
}

/// Default electron cut-off of a voxel run (MeV): the energy whose CSDA range in water equals a
/// hundredth of the smallest voxel dimension, within [10 keV, 1 MeV]. Speed comes from range
/// rejection (an electron that cannot reach a face of its voxel deposits there at once, see
/// `Transport::track_lepton`), which is exact; a cut-off of a tenth of the voxel was 2-3% too
/// hot in the edge voxels of a uniform Lu-177 sphere against the VSV convolution (tests/dose.rs).
pub fn range_rejection_cutoff_mev(db: &MaterialDb, ph: &Phantom) -> Result<f64> {
    let water = db.get("water")?;
    let table = StoppingTable::new(&ElectronMedium::new(water, 1.0)?, Lepton::Electron, None);
    let voxel_cm = ph.voxel_cm.iter().cloned().fold(f64::INFINITY, f64::min);
    Ok(table.energy_at_range(0.01 * voxel_cm).clamp(1e-2, 1.0))
}

/// The transport of a problem.
pub fn make_transport(problem: &Problem) -> Transport<'_> {
    let cut = problem.file.run.photon_cutoff_kev.unwrap_or(1.0) * 1e-3;
    let mut t = Transport::new(Geometry::Voxels(&problem.phantom), &problem.photon, cut);
    if problem.source.emits_positrons() {
        t = t.with_annihilation_tally();
    }
    if let Some(a) = &problem.alpha {
        t = t.with_alphas(a);
        if problem.file.scoring.let_scoring {
            t = t.with_let_scoring();
        }
    }
    if let Some(w) = problem.world {
        t = t.with_world(w);
    }
    match &problem.electron {
        Some(e) => t.with_electrons(e),
        None => t,
    }
}

/// The world medium of `spec` around `ph`'s grid: its material added to the phantom's (or
/// found there), a sphere or a box centred on the grid that contains the grid.
///
/// # Errors
/// An unknown material, a density that is not positive, neither or both of `radius_mm` and
/// `half_size_mm`, or a boundary that cuts the grid (all named by their `phantom.world` field).
pub fn build_world(spec: &WorldSpec, ph: &mut Phantom, db: &MaterialDb) -> Result<World> {
    let mat = db
        .get(&spec.material)
        .map_err(|e| spec_error("phantom.world.material", format!("{e:#}")))?;
    let density = spec.density.unwrap_or(mat.nominal_density);
    if !(density.is_finite() && density >= 0.0) {
        crate::spec_bail!(
            "phantom.world.density",
            "expected a non-negative g/cm3, got {density}"
        );
    }
    let material = match ph.materials.iter().position(|m| m == mat) {
        Some(i) => i,
        None => {
            if ph.materials.len() >= u8::MAX as usize {
                crate::spec_bail!(
                    "phantom.world.material",
                    "the phantom has 255 materials already"
                );
            }
            ph.materials.push(mat.clone());
            ph.materials.len() - 1
        }
    };
    let half = ph.size_cm.map(|s| 0.5 * s);
    let centre = Vec3::new(half[0], half[1], half[2]);
    let shape = match (spec.radius_mm, spec.half_size_mm) {
        (Some(r), None) => {
            let r_cm = 0.1 * r;
            let need = half.iter().map(|h| h * h).sum::<f64>().sqrt();
            if !(r_cm.is_finite() && r_cm >= need) {
                crate::spec_bail!(
                    "phantom.world.radius_mm",
                    "{r} mm does not contain the grid: expected at least its half diagonal, {:.1} mm",
                    10.0 * need
                );
            }
            WorldShape::Sphere {
                centre,
                radius_cm: r_cm,
            }
        }
        (None, Some(h)) => {
            if (0..3).any(|a| !(h[a].is_finite() && 0.1 * h[a] >= half[a])) {
                crate::spec_bail!(
                    "phantom.world.half_size_mm",
                    "{h:?} mm does not contain the grid: expected at least its half sizes {:?} mm",
                    half.map(|x| 10.0 * x)
                );
            }
            WorldShape::Box {
                lo: centre - Vec3::new(0.1 * h[0], 0.1 * h[1], 0.1 * h[2]),
                hi: centre + Vec3::new(0.1 * h[0], 0.1 * h[1], 0.1 * h[2]),
            }
        }
        _ => crate::spec_bail!(
            "phantom.world",
            "give one of radius_mm (a sphere) or half_size_mm = [x, y, z] (a box)"
        ),
    };
    Ok(World {
        material,
        density,
        shape,
    })
}

/// Dose (Gy per unit of `norm`) and relative uncertainty per voxel; 0 Gy in massless voxels.
pub fn voxel_doses(ph: &Phantom, tally: &crate::tally::Tally, norm: f64) -> (Vec<f64>, Vec<f64>) {
    let n = ph.len();
    let mut dose = Vec::with_capacity(n);
    let mut unc = Vec::with_capacity(n);
    for v in 0..n {
        let (m, r) = tally.mean_and_rel_uncertainty(v);
        let mass = ph.voxel_mass_g(v);
        dose.push(if mass > 0.0 {
            crate::units::dose_gy(m * norm, mass)
        } else {
            0.0
        });
        unc.push(r);
    }
    (dose, unc)
}
