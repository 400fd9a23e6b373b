//! BNCT beams (L5): a neutron beam into a phantom with boron, the per-voxel fluences and dose
//! components per source neutron, the weighted dose (CBE and RBE factors), its depth curve and
//! region means, and the normalisation to an aperture fluence rate and a prescription
//! (`theradose beam`; the BNCT study uses [`maps`] and [`boron`]).

pub mod boron;
pub mod driver;
pub mod maps;
pub mod placement;
pub mod region_totals;
pub mod result;
pub mod spec;
pub mod summary;

pub use driver::{merge_beam, run_beam_with, BeamControl, BeamRun};
pub use maps::{beam_maps, depth_curve, Maps, AXIS_RADIUS_CM, DEPTH_HEADER};
pub use result::BeamResult;
pub use spec::BeamSpec;

use crate::context::Context;
use crate::error::SpecField;
use crate::phantom::{builtin, Phantom};
use crate::physics::neutron::NeutronPhysics;
use crate::physics::photon::PhotonPhysics;
use crate::run::problem::build_phantom;
use crate::run::spec::PhantomSpec;
use crate::run::RunSettings;
use crate::source::neutron_beam::{self, NeutronSpectrum, Weighting};
use crate::tally::HistoryScore;
use crate::transport::neutron::{
    HistoryExtra, NeutronGeometry, NeutronOutcome, NeutronTransport, EPITHERMAL_MAX_MEV,
    THERMAL_MAX_MEV,
};
use crate::transport::{Geometry, Transport};
use anyhow::Result;
use boron::{boron_map, cbe_by_name, tumour_boron_materials};
use maps::{mean_over, region_means};
use placement::{beam_direction, beam_field, field_text, place_beam, Placement};
use region_totals::{region_totals, weighted_figure_of_merit, BoronDose, RegionFold, WEIGHTED};
use spec::check;
use std::collections::BTreeMap;
use std::path::PathBuf;
use summary::{BeamSummary, FieldAxes, SpectrumFractions, WeightingFactors};

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
                ct_series: None,
                labels: None,
                label_names: Default::default(),
                hu_calibration: None,
                voxel_mm: None,
                groups: vec![],
                world: None,
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
    let s = setup(ctx, a)?;
    let out = {
        let totals = s.region_fold();
        let fold = |h: &mut HistoryScore, p: Option<&HistoryScore>| totals.apply(h, p);
        let gamma = Transport::new(Geometry::Voxels(&s.ph), &s.photon, 1e-3);
        let tr = s.transport(a, &gamma, (totals.n_extra(), &fold));
        run_histories(&s, &tr, &RunSettings::new(a.seed, a.histories), a)?
    };
    Ok(finish(a, s, &out))
}

/// Everything a beam run needs before its histories.
pub(crate) struct Setup {
    ph: Phantom,
    is_tumour: Vec<bool>,
    tumour_ppm: f64,
    physics: NeutronPhysics,
    photon: PhotonPhysics,
    placed: Placement,
    weights: Weighting,
    ppm_map: Option<Vec<f64>>,
    /// CBE per region label
    cbe: Vec<f64>,
}

impl Setup {
    /// The neutron transport of the beam (gammas through `gamma` unless `local_gamma`), with
    /// the per-history region totals `totals` (see [`Setup::region_fold`]).
    pub(crate) fn transport<'a>(
        &'a self,
        a: &BeamSpec,
        gamma: &'a Transport<'a>,
        totals: HistoryExtra<'a>,
    ) -> NeutronTransport<'a> {
        let mut tr = NeutronTransport::new(NeutronGeometry::Voxels(&self.ph), &self.physics);
        if !a.local_gamma {
            tr.photon = Some(gamma);
        }
        tr.history_extra = Some(totals);
        tr
    }

    /// The per-history totals of the dose components per region (for their exact
    /// uncertainties and the figure of merit).
    pub(crate) fn region_fold(&self) -> RegionFold<'_> {
        RegionFold {
            ph: &self.ph,
            boron: self
                .ppm_map
                .as_deref()
                .map_or(BoronDose::Material, BoronDose::PerPpm),
            cbe: &self.cbe,
            weights: self.weights,
        }
    }
}

/// Runs the histories of `settings` (threads from the spec) on the run driver.
pub(crate) fn run_histories(
    s: &Setup,
    tr: &NeutronTransport,
    settings: &RunSettings,
    a: &BeamSpec,
) -> Result<NeutronOutcome> {
    let mut settings = settings.clone();
    settings.threads = a.threads;
    let beam = &s.placed.beam;
    if s.placed.on_face {
        crate::run::neutron::execute(tr, |rng| beam.sample(rng), &settings)
    } else {
        let size = s.ph.size_cm;
        crate::run::neutron::execute(tr, |rng| beam.sample_into_box(rng, size), &settings)
    }
}

/// Checks a spec and builds its phantom, physics and beam.
pub(crate) fn setup(ctx: &Context, a: &BeamSpec) -> Result<Setup> {
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
    let ppm_map = boron_map(a, &ph)?;
    let cbe = cbe_by_name(&ph, &weights, &is_tumour);
    Ok(Setup {
        cbe,
        ph,
        is_tumour,
        tumour_ppm,
        physics,
        photon,
        placed,
        weights,
        ppm_map,
    })
}

/// The maps, depth curve and summary of a finished (or merged) run.
pub(crate) fn finish(a: &BeamSpec, s: Setup, out: &NeutronOutcome) -> BeamResult {
    let (ph, weights, is_tumour, placed) = (&s.ph, &s.weights, &s.is_tumour, &s.placed);
    let beam = &placed.beam;
    let ppm_map = s.ppm_map.as_deref();
    let maps = beam_maps(ph, out, weights, &s.cbe, ppm_map);
    // a beam on a face (as before oblique beams existed): every voxel, depth from the face;
    // otherwise body voxels only, depth from the skin
    let counted = |v: usize| placed.on_face || ph.label[v] != 0;
    let depth = depth_curve(
        ph,
        &maps,
        placed.depth_origin,
        beam.dir,
        placed.step_cm,
        counted,
    );
    let mut summary = run_summary(a, placed, out, weights, s.tumour_ppm);
    normalise(a, placed, ph, &maps, &depth, is_tumour, &mut summary);
    let totals = region_totals(ph, out);
    for (id, reg) in ph.regions.iter().enumerate() {
        if let Some(d) = summary.regions.get_mut(&reg.name) {
            d.weighted_rel_uncertainty = totals[id][WEIGHTED].1;
        }
    }
    // the first tumour region, else the region (not the outside) of highest weighted mean dose
    let fom_region = is_tumour.iter().position(|t| *t).or_else(|| {
        (1..totals.len()).max_by(|i, j| totals[*i][WEIGHTED].0.total_cmp(&totals[*j][WEIGHTED].0))
    });
    summary.figure_of_merit =
        fom_region.and_then(|r| weighted_figure_of_merit(ph, &totals, r, out));
    let mut r = BeamResult {
        phantom: s.ph,
        maps,
        depth,
        summary,
    };
    r.summary.thermal_fluence_peak_depth_cm = r.thermal_peak_depth_cm();
    r
}

/// The summary of a run before its normalisation (whose fields are zero or empty until
/// [`normalise`]): the beam, the boron, the weighting and the run's statistics.
fn run_summary(
    a: &BeamSpec,
    placed: &Placement,
    out: &NeutronOutcome,
    weights: &Weighting,
    tumour_ppm: f64,
) -> BeamSummary {
    let beam = &placed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    let (u, v) = beam.field_axes();
    BeamSummary {
        aim_local_cm: [placed.aim.x, placed.aim.y, placed.aim.z],
        aim_mm: a.aim_mm,
        aperture_epithermal_flux_cm2_s1: 0.0,
        axis_max_weighted_dose_gy_per_source: 0.0,
        axis_max_weighted_dose_rate_gy_per_s: 0.0,
        boron_map: a.boron_map.as_ref().map(|p| p.display().to_string()),
        boron_ppm: a.boron_ppm,
        depth_curve: if placed.on_face {
            format!("voxels within {AXIS_RADIUS_CM} cm of the beam axis, averaged per depth")
        } else {
            format!("body voxels within {AXIS_RADIUS_CM} cm of the beam axis, averaged per depth from where the axis enters the body")
        },
        depth_origin_local_cm: [
            placed.depth_origin.x,
            placed.depth_origin.y,
            placed.depth_origin.z,
        ],
        direction: a.direction.clone(),
        direction_vector: [beam.dir.x, beam.dir.y, beam.dir.z],
        energy_balance_relative_discrepancy: out.balance.relative_discrepancy(),
        epithermal_fluence_at_aperture_per_source_cm2: f_epi / beam.area_cm2(),
        fbpa_pet: a.fbpa_pet.as_ref().map(|p| p.display().to_string()),
        fbpa_reference_suv: a.fbpa_reference_suv,
        field: field_text(&beam.field),
        field_area_cm2: beam.area_cm2(),
        field_axes: FieldAxes {
            h: [v.x, v.y, v.z],
            w: [u.x, u.y, u.z],
        },
        field_diameter_cm: a.field_diameter_cm,
        field_size_cm: a.field_cm,
        gamma_transport: !a.local_gamma,
        histories: out.tally.histories,
        histories_per_second: out.new_histories as f64 / out.seconds.max(1e-9),
        particle: "neutron".into(),
        phantom: a.phantom.clone(),
        regions: BTreeMap::new(),
        seconds: out.seconds,
        cpu_seconds: out.cpu_seconds,
        figure_of_merit: None,
        seed: a.seed,
        source_neutrons_per_second: 0.0,
        spectrum: a.spectrum.clone(),
        spectrum_description: beam.spectrum.description.clone(),
        spectrum_fractions: SpectrumFractions {
            epithermal: f_epi,
            fast: beam.spectrum.fraction_between(EPITHERMAL_MAX_MEV, 1e3),
            thermal: beam.spectrum.fraction_between(0.0, THERMAL_MAX_MEV),
        },
        spectrum_source: beam.spectrum.source.clone(),
        thermal_fluence_peak_depth_cm: 0.0,
        threads: out.threads,
        treatment_time_min: None,
        treatment_time_reference: None,
        tumour_mean_weighted_dose_gy_per_source: None,
        tumour_mean_weighted_dose_rate_gy_per_s: None,
        tumour_ppm,
        units: "per source neutron: fluence cm-2, dose Gy".into(),
        version: crate::VERSION.into(),
        weighting: WeightingFactors {
            cbe_normal: weights.cbe_normal,
            cbe_skin: weights.cbe_skin,
            cbe_tumour: weights.cbe_tumour,
            rbe_gamma: weights.rbe_gamma,
            rbe_hydrogen: weights.rbe_hydrogen,
            rbe_nitrogen: weights.rbe_nitrogen,
        },
    }
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
    summary: &mut BeamSummary,
) {
    let beam = &placed.beam;
    let f_epi = beam
        .spectrum
        .fraction_between(THERMAL_MAX_MEV, EPITHERMAL_MAX_MEV);
    // normalisation: source neutrons per second for the given aperture epithermal fluence rate
    let per_s = a.aperture_epithermal_flux * beam.area_cm2() / f_epi.max(1e-300);
    summary.aperture_epithermal_flux_cm2_s1 = a.aperture_epithermal_flux;
    summary.source_neutrons_per_second = per_s;
    summary.regions = region_means(ph, maps, is_tumour);
    let weighted = &maps.iter().find(|m| m.0 == "dose_weighted").expect("map").1;
    let tumour_mean = mean_over(ph, weighted, |l| is_tumour[l]);
    let axis_max = depth.iter().map(|r| r[8]).fold(0.0, f64::max);
    summary.axis_max_weighted_dose_gy_per_source = axis_max;
    summary.axis_max_weighted_dose_rate_gy_per_s = axis_max * per_s;
    if let Some(t) = tumour_mean {
        summary.tumour_mean_weighted_dose_gy_per_source = Some(t);
        summary.tumour_mean_weighted_dose_rate_gy_per_s = Some(t * per_s);
    }
    if let Some(p) = a.prescription_gy {
        let (rate, at) = match tumour_mean {
            Some(t) => (t * per_s, "tumour mean weighted dose"),
            None => (axis_max * per_s, "largest weighted dose on the beam axis"),
        };
        if rate > 0.0 {
            summary.treatment_time_min = Some(p / rate / 60.0);
            summary.treatment_time_reference = Some(at.into());
        }
    }
}
