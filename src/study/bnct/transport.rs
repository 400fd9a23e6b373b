//! The neutron run of a BNCT study: the beam aimed as the study says, boron-loaded materials
//! per region, and per-region totals of every dose component scored history by history (so a
//! region's mean dose has an exact uncertainty, not a bound from the voxels').

use super::spec::BnctStudy;
pub use crate::dosimetry::bnct::region_totals::REGION_QUANTITIES;
use crate::dosimetry::bnct::region_totals::{region_totals, BoronDose, RegionFold, NQ};
use crate::dosimetry::bnct::{beam_maps, depth_curve, Maps};
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::physics::neutron::NeutronPhysics;
use crate::physics::photon::PhotonPhysics;
use crate::source::neutron_beam::{
    builtin_point_to_local, AimedBeam, Field, NeutronSpectrum, Weighting,
};
use crate::tally::HistoryScore;
use crate::transport::neutron::{NeutronGeometry, NeutronTransport};
use crate::transport::{Geometry, Transport};
use anyhow::{bail, Result};

/// Builds the study's beam ([`AimedBeam::new`]): a source plane outside the phantom box, its
/// centre on the axis through `aim_mm` (default: the box centre) along the direction; both in
/// the phantom definition's frame (the frame of its shapes' `center_mm`: +x patient left, +y
/// posterior, +z superior, origin at the box centre), whose axes are the voxel axes.
///
/// # Errors
/// An unknown spectrum, or an axis that misses the body.
pub fn aimed_beam(study: &BnctStudy, ph: &Phantom) -> Result<AimedBeam> {
    let f = study.file.display();
    let dir = study.direction()?;
    let spectrum = NeutronSpectrum::from_name(&study.beam.spectrum)
        .map_err(|e| anyhow::anyhow!("{f}: beam.spectrum: {e:#}"))?;
    let size = ph.size_cm;
    let aim = match study.beam.aim_mm {
        Some(p) => builtin_point_to_local(ph, p),
        None => Vec3::new(0.5 * size[0], 0.5 * size[1], 0.5 * size[2]),
    };
    let field = match (study.beam.field_diameter_cm, study.beam.field_size_cm) {
        (Some(d), _) => Field::Disc { radius_cm: 0.5 * d },
        (None, Some([w, h])) => Field::Rectangle {
            half_x_cm: 0.5 * w,
            half_y_cm: 0.5 * h,
        },
        (None, None) => bail!("{f}: beam: no field"),
    };
    AimedBeam::new(ph, dir, aim, field, spectrum)
        .map_err(|e| anyhow::anyhow!("{f}: beam.aim_mm / beam.direction: {e:#}"))
}

/// Materials with the boron of each region: every (material, region) pair in use gets its own
/// copy carrying the region's mass-weighted mean 10B concentration (the transport's absorption;
/// the boron dose itself uses the per-voxel map). Returns the phantom with new material ids
/// and the ppm per material.
///
/// # Errors
/// More than 255 (material, region) pairs.
pub fn boron_materials(ph: &Phantom, ppm: &[f64]) -> Result<(Phantom, Vec<f64>)> {
    let nr = ph.regions.len();
    let (mut num, mut mass) = (vec![0.0; nr], vec![0.0; nr]);
    for (v, c) in ppm.iter().enumerate() {
        let l = ph.label[v] as usize;
        let m = ph.voxel_mass_g(v);
        num[l] += c * m;
        mass[l] += m;
    }
    let (out, keys) = crate::dosimetry::bnct::boron::split_materials(
        ph,
        false,
        |v| Some(ph.label[v]),
        |m, r| format!("{m}@{}", ph.regions[r as usize].name),
    )?;
    let ppm_mat = keys
        .iter()
        .map(|k| {
            let r = k.map_or(0, |r| r as usize);
            if mass[r] > 0.0 {
                num[r] / mass[r]
            } else {
                0.0
            }
        })
        .collect();
    Ok((out, ppm_mat))
}

/// The results of a study's neutron run, per source neutron.
pub struct NeutronRun {
    /// fluences (cm-2) and doses (Gy) per voxel, with the doses' relative uncertainties
    pub maps: Maps,
    /// depth curve rows (depth from the body surface, then the 8 columns of depth.csv)
    pub depth: Vec<[f64; 9]>,
    /// per region label, per [`REGION_QUANTITIES`]: (mean dose in Gy, relative uncertainty)
    /// from the history-by-history region totals
    pub region_tally: Vec<[(f64, f64); NQ]>,
    pub histories: u64,
    pub seconds: f64,
    /// CPU seconds of this invocation (every thread)
    pub cpu_seconds: f64,
    /// histories transported by this invocation (a resumed run counts only its own)
    pub new_histories: u64,
    pub threads: usize,
    pub energy_balance: f64,
}

/// Runs the neutron transport of a study on a boron-loaded phantom on the shared run driver
/// (`settings`: seed, histories, threads, and the checkpoint and resume of a study's folder).
///
/// `cbe` per region label; `ppm` the 10B map (ug/g per voxel).
///
/// # Errors
/// Physics tables that fail to build, a failed run, a checkpoint of another study; an
/// interrupted run ([`crate::error::Interrupted`], its checkpoint kept).
#[allow(clippy::too_many_arguments)] // one run's inputs, all distinct
pub fn run(
    ph: &Phantom,
    ppm_mat: &[f64],
    ppm: &[f64],
    aimed: &AimedBeam,
    weights: &Weighting,
    cbe: &[f64],
    gamma_transport: bool,
    settings: &crate::run::RunSettings,
) -> Result<NeutronRun> {
    let physics = NeutronPhysics::new(&ph.materials, ppm_mat)?;
    let photon = PhotonPhysics::new(&ph.materials)?;
    let gamma = Transport::new(Geometry::Voxels(ph), &photon, 1e-3);
    let mut tr = NeutronTransport::new(NeutronGeometry::Voxels(ph), &physics);
    if gamma_transport {
        tr.photon = Some(&gamma);
    }
    // per-history region totals of B, N, H, gamma and the weighted sum (MeV, or MeV x weight)
    let totals = RegionFold {
        ph,
        boron: BoronDose::PerPpm(ppm),
        cbe,
        weights: *weights,
    };
    let fold = |h: &mut HistoryScore, photon: Option<&HistoryScore>| totals.apply(h, photon);
    tr.history_extra = Some((totals.n_extra(), &fold));
    let size = ph.size_cm;
    let out =
        crate::run::neutron::execute(&tr, |rng| aimed.beam.sample_into_box(rng, size), settings)?;
    if out.interrupted {
        return Err(crate::error::Interrupted {
            histories: out.tally.histories,
        }
        .into());
    }
    let maps = beam_maps(ph, &out, weights, cbe, Some(ppm));
    let step = ph.voxel_cm.iter().cloned().fold(f64::INFINITY, f64::min);
    let depth = depth_curve(ph, &maps, aimed.body_entry, aimed.beam.dir, step, |v| {
        ph.label[v] != 0
    });
    let region_tally = region_totals(ph, &out);
    Ok(NeutronRun {
        maps,
        depth,
        region_tally,
        histories: out.tally.histories,
        seconds: out.seconds,
        cpu_seconds: out.cpu_seconds,
        new_histories: out.new_histories,
        threads: out.threads,
        energy_balance: out.balance.relative_discrepancy(),
    })
}
