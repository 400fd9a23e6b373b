//! BNCT beams (L5): a neutron beam into a phantom with boron, the per-voxel fluences and dose
//! components per source neutron, the weighted dose (CBE and RBE factors), its depth curve and
//! region means, and the normalisation to an aperture fluence rate and a prescription
//! (`theradose beam`; the BNCT study uses [`maps`] and [`boron`]).

pub mod boron;
pub mod maps;
pub mod placement;

pub use maps::{beam_maps, depth_curve, Maps, AXIS_RADIUS_CM, DEPTH_HEADER};

use crate::context::Context;
use crate::error::SpecField;
use crate::io::{write_file_atomic, write_volume, Volume};
use crate::phantom::{builtin, Phantom};
use crate::physics::neutron::NeutronPhysics;
use crate::physics::photon::PhotonPhysics;
use crate::run::problem::build_phantom;
use crate::run::spec::PhantomSpec;
use crate::source::neutron_beam::{self, NeutronSpectrum, Weighting};
use crate::spec_bail;
use crate::transport::neutron::{
    NeutronGeometry, NeutronOutcome, NeutronTransport, EPITHERMAL_MAX_MEV, THERMAL_MAX_MEV,
};
use crate::transport::{Geometry, Transport};
use anyhow::{Context as _, Result};
use boron::{boron_map, cbe_by_name, tumour_boron_materials};
use maps::{dvh_csv, mean_over, region_means};
use placement::{beam_direction, beam_field, field_text, place_beam, Placement};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A BNCT beam run (the TOML section of `theradose beam`; fields named like its flags).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeamSpec {
    /// neutron (the only beam particle so far)
    #[serde(default = "default_particle")]
    pub particle: String,
    /// epithermal, thermal (data/neutron/beams.toml) or a CSV energy_lo_mev,energy_hi_mev,fraction
    pub spectrum: String,
    /// built-in phantom name, phantom TOML path, or a CT (.nii, .nii.gz, .mhd, .mha) in HU
    pub phantom: String,
    /// diameter of a circular field (cm); or `field_cm`
    #[serde(default)]
    pub field_diameter_cm: Option<f64>,
    /// rectangular field W x H (cm): W along the first axis across the beam, u = direction x z
    /// (direction x x for beams within about 25 degrees of z), H along direction x u
    #[serde(default)]
    pub field_cm: Option<[f64; 2]>,
    /// 10B in normal tissue (ug/g)
    #[serde(default)]
    pub boron_ppm: f64,
    /// 10B in the tumour regions (ug/g; default: `boron_ppm`)
    #[serde(default)]
    pub tumour_ppm: Option<f64>,
    /// regions that are tumour (default: regions whose name contains "tumour" or "tumor")
    #[serde(default)]
    pub tumour_regions: Vec<String>,
    /// +z (default), -z, +x, -x, +y, -y, or a vector ux,uy,uz along the phantom's voxel axes
    #[serde(default = "default_direction")]
    pub direction: String,
    /// a point x,y,z (mm) of the beam's central axis (default: the phantom centre)
    #[serde(default)]
    pub aim_mm: Option<[f64; 3]>,
    /// source neutrons
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// voxel size of a built-in phantom (mm)
    #[serde(default)]
    pub voxel_mm: Option<f64>,
    /// 10B map (ug/g per voxel) on the phantom grid for the boron dose
    #[serde(default)]
    pub boron_map: Option<PathBuf>,
    /// 18F-BPA PET in SUV on the phantom grid: boron dose from `boron_ppm` x SUV / reference SUV
    #[serde(default)]
    pub fbpa_pet: Option<PathBuf>,
    /// SUV of the reference (blood or normal tissue) that carries `boron_ppm`
    #[serde(default = "default_reference_suv")]
    pub fbpa_reference_suv: f64,
    /// optional shape groups of a built-in phantom
    #[serde(default)]
    pub groups: Vec<String>,
    /// deposit capture gammas locally instead of transporting them
    #[serde(default)]
    pub local_gamma: bool,
    /// epithermal fluence rate at the beam aperture (n cm-2 s-1)
    #[serde(default = "default_aperture_flux")]
    pub aperture_epithermal_flux: f64,
    /// prescribed weighted dose (Gy-eq): sets the treatment time
    #[serde(default)]
    pub prescription_gy: Option<f64>,
}

/// Default of [`BeamSpec::particle`]: neutron.
pub fn default_particle() -> String {
    "neutron".into()
}
/// Default of [`BeamSpec::direction`]: +z.
pub fn default_direction() -> String {
    "+z".into()
}
/// Default of [`BeamSpec::fbpa_reference_suv`]: 1.
pub fn default_reference_suv() -> f64 {
    1.0
}
/// Default of [`BeamSpec::aperture_epithermal_flux`] (n cm-2 s-1): 1e9, the minimum
/// IAEA-TECDOC-1223 (2001) recommends for clinical beams.
pub fn default_aperture_flux() -> f64 {
    1e9
}

/// Per-voxel results of a beam run, per source neutron.
pub struct BeamResult {
    /// the phantom as transported (tumour voxels with their boron-loaded materials)
    pub phantom: Phantom,
    /// (name, values per voxel): fluences (cm-2), doses (Gy)
    pub maps: Maps,
    /// depth curve rows: depth_cm then the 8 columns of depth.csv
    pub depth: Vec<[f64; 9]>,
    /// the JSON summary (`summary.json`, printed by `theradose beam`)
    pub summary: serde_json::Value,
}

impl BeamResult {
    /// Writes depth.csv, NIfTI maps of every component (and their relative uncertainties),
    /// dvh.csv (weighted dose per region; in Gy-eq over the treatment time when a prescription
    /// was given, else per source neutron) and summary.json into the folder `out`.
    ///
    /// # Errors
    /// An output folder or file that cannot be written.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        write_file_atomic(&out.join("depth.csv"), self.depth_csv().as_bytes())?;
        for (name, data) in &self.maps {
            let vol = Volume {
                grid: self.phantom.grid.clone(),
                data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            };
            let path = out.join(format!("{name}.nii.gz"));
            write_volume(
                &path,
                &vol,
                &format!("theradose beam {name} per source neutron"),
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
        }
        // DVH of the weighted dose: absolute over the treatment time when prescribed
        let scale = match (
            self.summary["treatment_time_min"].as_f64(),
            self.summary["source_neutrons_per_second"].as_f64(),
        ) {
            (Some(t), Some(per_s)) => t * 60.0 * per_s,
            _ => 1.0,
        };
        write_file_atomic(&out.join("dvh.csv"), dvh_csv(self, scale).as_bytes())?;
        let summary = serde_json::to_string_pretty(&self.summary)?;
        write_file_atomic(&out.join("summary.json"), summary.as_bytes())
    }

    /// depth.csv text (header [`DEPTH_HEADER`]).
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

/// Checks the values of a spec that need no data: particle, concentrations, fluence rate,
/// prescription.
fn check(a: &BeamSpec) -> Result<()> {
    if a.particle != "neutron" {
        spec_bail!("particle", "{}: only neutron beams are built", a.particle);
    }
    let tumour_ppm = a.tumour_ppm.unwrap_or(a.boron_ppm);
    for (field, v) in [("boron_ppm", a.boron_ppm), ("tumour_ppm", tumour_ppm)] {
        if !(v.is_finite() && v >= 0.0) {
            spec_bail!(field, "{v}: expected a concentration >= 0 ug/g");
        }
    }
    if !(a.aperture_epithermal_flux.is_finite() && a.aperture_epithermal_flux > 0.0) {
        spec_bail!(
            "aperture_epithermal_flux",
            "{}: expected a positive fluence rate (n cm-2 s-1)",
            a.aperture_epithermal_flux
        );
    }
    if let Some(p) = a.prescription_gy {
        if !(p.is_finite() && p > 0.0) {
            spec_bail!("prescription_gy", "{p}: expected a positive dose");
        }
    }
    Ok(())
}

/// Whether the phantom of a spec is a CT volume (by extension) rather than a built-in phantom.
fn is_volume(phantom: &str) -> bool {
    [".nii", ".nii.gz", ".mhd", ".mha"]
        .iter()
        .any(|x| phantom.ends_with(x))
}

/// The phantom of a spec (a CT in HU with the default Schneider calibration, or a built-in
/// phantom) and which of its region labels are tumour.
fn phantom(ctx: &Context, a: &BeamSpec) -> Result<(Phantom, Vec<bool>)> {
    let db = &ctx.materials;
    let ph = if is_volume(&a.phantom) {
        build_phantom(
            &PhantomSpec {
                builtin: None,
                ct: Some(PathBuf::from(&a.phantom)),
                labels: None,
                label_names: Default::default(),
                hu_calibration: None,
                voxel_mm: None,
                groups: vec![],
            },
            db,
        )?
    } else {
        builtin::build(&a.phantom, db, a.voxel_mm, &a.groups)?
    };
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
        ph.region_id(t).spec_field("tumour_regions")?;
    }
    Ok((ph, is_tumour))
}

/// Runs a BNCT beam into a phantom.
///
/// # Errors
/// Spec errors naming the field (particle, spectrum, field, concentrations, direction, aim,
/// regions, maps), an unknown phantom, or a failed run.
pub fn run_beam(ctx: &Context, a: &BeamSpec) -> Result<BeamResult> {
    check(a)?;
    let field = beam_field(a)?;
    let dir = beam_direction(&a.direction)?;
    let spectrum = NeutronSpectrum::from_name(&a.spectrum).spec_field("spectrum")?;
    let weights = neutron_beam::weighting()?;
    let (ph, is_tumour) = phantom(ctx, a)?;
    // tumour voxels get their own copy of their material, carrying the tumour boron
    let tumour_ppm = a.tumour_ppm.unwrap_or(a.boron_ppm);
    let (ph, ppm) = tumour_boron_materials(&ph, &is_tumour, a.boron_ppm, tumour_ppm)?;
    let physics = NeutronPhysics::new(&ph.materials, &ppm)?;
    let photon = PhotonPhysics::new(&ph.materials)?;
    let placed = place_beam(a, &ph, !is_volume(&a.phantom), dir, field, spectrum)?;
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
    let mut summary = run_summary(a, &placed, &out, &weights, tumour_ppm);
    normalise(a, &placed, &ph, &maps, &depth, &is_tumour, &mut summary);
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

/// The summary of a run before its normalisation: the beam, the boron, the weighting and the
/// run's statistics.
fn run_summary(
    a: &BeamSpec,
    placed: &Placement,
    out: &NeutronOutcome,
    weights: &Weighting,
    tumour_ppm: f64,
) -> serde_json::Value {
    let beam = &placed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    let (u, v) = beam.field_axes();
    json!({
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
    })
}

/// Adds the normalisation to the summary: source neutrons per second for the aperture
/// epithermal fluence rate, region means, dose rates on the axis and in the tumour, and the
/// treatment time of a prescription.
fn normalise(
    a: &BeamSpec,
    placed: &Placement,
    ph: &Phantom,
    maps: &Maps,
    depth: &[[f64; 9]],
    is_tumour: &[bool],
    summary: &mut serde_json::Value,
) {
    let beam = &placed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    // normalisation: source neutrons per second for the given aperture epithermal fluence rate
    let per_s = a.aperture_epithermal_flux * beam.area_cm2() / f_epi.max(1e-300);
    summary["aperture_epithermal_flux_cm-2_s-1"] = a.aperture_epithermal_flux.into();
    summary["source_neutrons_per_second"] = per_s.into();
    summary["regions"] = region_means(ph, maps, is_tumour);
    let weighted = &maps.iter().find(|m| m.0 == "dose_weighted").expect("map").1;
    let tumour_mean = mean_over(ph, weighted, |l| is_tumour[l]);
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
}
