//! The depth-dose curve of a beam source (`depth.csv`) and the beam's part of `summary.json`.

use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::source::beam::{axis_bin, Placement};
use crate::source::Spatial;
use serde::Serialize;
use std::fmt::Write as _;

/// Largest radius (cm) around the beam axis of the voxels averaged per depth (that of the
/// neutron beam's depth.csv); smaller for narrow fields (see [`axis_radius_cm`]).
pub const MAX_AXIS_RADIUS_CM: f64 = 1.0;

/// One depth bin of the central-axis curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DepthRow {
    /// depth of the bin centre along the beam axis from the depth origin (cm)
    pub depth_cm: f64,
    /// mean dose of the bin's voxels (the run's dose unit)
    pub dose: f64,
    /// relative uncertainty (1 sigma) of that mean, the voxels taken as independent (adjacent
    /// voxels hit by one track are correlated, so this somewhat understates it)
    pub rel_uncertainty: f64,
    /// voxels averaged
    pub voxels: usize,
}

/// The beam of a run, for `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct BeamInfo {
    /// the field in words
    pub field: String,
    /// field area on the source plane (cm2); the fluence per source particle is its inverse
    pub field_area_cm2: f64,
    /// unit direction of the beam (phantom voxel axes)
    pub direction_vector: [f64; 3],
    /// the aim point (phantom local frame, cm)
    pub aim_local_cm: [f64; 3],
    /// depth 0 of depth.csv (phantom local frame, cm)
    pub depth_origin_local_cm: [f64; 3],
    /// how the depth curve is made
    pub depth_curve: String,
    /// radius around the axis of the voxels averaged per depth (cm)
    pub axis_radius_cm: f64,
    /// depth of the largest bin of depth.csv (cm)
    pub depth_of_max_cm: Option<f64>,
    /// depth beyond the maximum where depth.csv falls to half of it (linear between bins; cm)
    pub r50_cm: Option<f64>,
}

/// The beam's placement, when the source is a beam.
fn placement(spatial: &Spatial) -> Option<&Placement> {
    match spatial {
        Spatial::Beam { placement, .. } => Some(placement),
        _ => None,
    }
}

/// Radius (cm) of the voxels averaged per depth: half the field's inner half-width, at most
/// [`MAX_AXIS_RADIUS_CM`], at least half the largest voxel side (the axis voxel counts).
pub fn axis_radius_cm(p: &Placement, ph: &Phantom) -> f64 {
    let v = ph.voxel_cm.iter().cloned().fold(0.0, f64::max);
    (0.5 * p.beam.field.inner_half_width_cm())
        .min(MAX_AXIS_RADIUS_CM)
        .max(0.5 * v)
}

/// The central-axis depth curve of a beam source: the mean dose of the voxels whose centre lies
/// within [`axis_radius_cm`] of the axis through the depth origin, in bins of the placement's
/// step (depth of a voxel: its centre's distance from the origin along the beam; rows at the
/// bin centres; bins behind the origin or without voxels left out). A beam on a face counts
/// every voxel, an aimed beam body voxels only. None for other sources.
pub fn beam_depth_curve(
    spatial: &Spatial,
    ph: &Phantom,
    dose: &[f64],
    rel: &[f64],
) -> Option<Vec<DepthRow>> {
    let p = placement(spatial)?;
    let radius = axis_radius_cm(p, ph);
    let (origin, dir, step) = (p.depth_origin, p.beam.dir, p.step_cm);
    // per bin: sum of doses, sum of squared absolute uncertainties, count
    let mut acc: Vec<(f64, f64, usize)> = Vec::new();
    for v in 0..ph.len() {
        if !p.on_face && ph.label[v] == 0 {
            continue;
        }
        let Some(b) = axis_bin(ph, v, (origin, dir), step, radius) else {
            continue;
        };
        if b >= acc.len() {
            acc.resize(b + 1, (0.0, 0.0, 0));
        }
        acc[b].0 += dose[v];
        acc[b].1 += (dose[v] * rel[v]).powi(2);
        acc[b].2 += 1;
    }
    let rows = acc
        .iter()
        .enumerate()
        .filter(|(_, a)| a.2 > 0)
        .map(|(b, &(sum, var, n))| DepthRow {
            depth_cm: (b as f64 + 0.5) * step,
            dose: sum / n as f64,
            rel_uncertainty: if sum > 0.0 { var.sqrt() / sum } else { 0.0 },
            voxels: n,
        })
        .collect();
    Some(rows)
}

/// The depth of the maximum and R50 of a depth curve.
pub fn max_and_r50(rows: &[DepthRow]) -> (Option<f64>, Option<f64>) {
    let Some((imax, top)) = rows
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.dose.total_cmp(&b.1.dose))
        .filter(|(_, r)| r.dose > 0.0)
    else {
        return (None, None);
    };
    let half = 0.5 * top.dose;
    let r50 = rows[imax..].windows(2).find_map(|w| {
        (w[0].dose >= half && w[1].dose < half).then(|| {
            let f = (w[0].dose - half) / (w[0].dose - w[1].dose);
            w[0].depth_cm + f * (w[1].depth_cm - w[0].depth_cm)
        })
    });
    (Some(top.depth_cm), r50)
}

/// The beam's summary, when the source is a beam.
pub fn beam_info(spatial: &Spatial, ph: &Phantom, rows: Option<&[DepthRow]>) -> Option<BeamInfo> {
    let p = placement(spatial)?;
    let v3 = |v: Vec3| [v.x, v.y, v.z];
    let radius = axis_radius_cm(p, ph);
    let (depth_of_max_cm, r50_cm) = rows.map_or((None, None), max_and_r50);
    Some(BeamInfo {
        field: p.beam.field.text(),
        field_area_cm2: p.beam.field.area_cm2(),
        direction_vector: v3(p.beam.dir),
        aim_local_cm: v3(p.aim),
        depth_origin_local_cm: v3(p.depth_origin),
        depth_curve: format!(
            "{} within {radius} cm of the beam axis, averaged per depth from {}; \
             rel_uncertainty takes the voxels as independent (neighbours hit by one track are \
             correlated, so it is somewhat low)",
            if p.on_face { "voxels" } else { "body voxels" },
            if p.on_face {
                "the phantom face"
            } else {
                "where the axis enters the body"
            }
        ),
        axis_radius_cm: radius,
        depth_of_max_cm,
        r50_cm,
    })
}

/// `depth.csv`: `depth_cm,dose_gy_per_particle,rel_uncertainty,voxels` (`dose_gy` when the run
/// represents `source.emitted_particles`).
pub fn depth_csv(rows: &[DepthRow], dose_unit: &str) -> String {
    let col = if dose_unit == "Gy" {
        "dose_gy"
    } else {
        "dose_gy_per_particle"
    };
    let mut s = format!("depth_cm,{col},rel_uncertainty,voxels\n");
    for r in rows {
        let _ = writeln!(
            s,
            "{:.5},{:.6e},{:.4e},{}",
            r.depth_cm, r.dose, r.rel_uncertainty, r.voxels
        );
    }
    s
}
