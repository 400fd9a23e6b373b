//! Per-voxel maps of a neutron run (fluences and BNCT dose components per source neutron),
//! depth curves along the beam axis, region means and dose-volume histograms.

use super::summary::RegionDoses;
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::source::beam::axis_bin;
use crate::source::neutron_beam::Weighting;
use crate::transport::neutron::{Component, NeutronOutcome};
use crate::units::dose_gy;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Radius around the beam axis over which the depth curves are averaged (cm): voxels whose
/// centre lies within it, so that a profile has enough statistics at voxel resolution.
pub const AXIS_RADIUS_CM: f64 = 1.0;

/// Named per-voxel maps.
pub type Maps = Vec<(&'static str, Vec<f64>)>;

/// Header of depth.csv (CLI contract).
pub const DEPTH_HEADER: &str = "depth_cm,thermal_fluence_cm-2,epithermal_fluence_cm-2,fast_fluence_cm-2,dose_boron_gy,dose_nitrogen_gy,dose_hydrogen_gy,dose_gamma_gy,dose_weighted_gy";

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
    let mut maps: Maps = MAP_NAMES.into_iter().map(|k| (k, vec![0.0; n])).collect();
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
        let g_rel = gamma_rel_uncertainty(out, n, v);
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

/// The names of the maps of [`beam_maps`], in order.
const MAP_NAMES: [&str; 13] = [
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
];

/// Relative uncertainty (1 sigma) of the gamma dose of voxel `v`: the local and the transported
/// photon parts combined in quadrature.
fn gamma_rel_uncertainty(out: &NeutronOutcome, n: usize, v: usize) -> f64 {
    let (g_local, g_local_rel) = out
        .tally
        .mean_and_rel_uncertainty(Component::GammaLocal as usize * n + v);
    let (g_ph, g_ph_rel) = out
        .photon_tally
        .as_ref()
        .map_or((0.0, 0.0), |t| t.mean_and_rel_uncertainty(v));
    let g_sum = g_local + g_ph;
    if g_sum > 0.0 {
        ((g_local * g_local_rel).powi(2) + (g_ph * g_ph_rel).powi(2)).sqrt() / g_sum
    } else {
        0.0
    }
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
        let Some(b) = axis_bin(ph, v, (entry, dir), step_cm, AXIS_RADIUS_CM) else {
            continue;
        };
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
pub fn mean_over(ph: &Phantom, map: &[f64], pick: impl Fn(usize) -> bool) -> Option<f64> {
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
pub fn region_means(
    ph: &Phantom,
    maps: &Maps,
    is_tumour: &[bool],
) -> BTreeMap<String, RegionDoses> {
    let mut out = BTreeMap::new();
    for (id, reg) in ph.regions.iter().enumerate().skip(1) {
        let mut o = BTreeMap::new();
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
            o.insert(format!("{name}_mean_gy"), mean.unwrap_or(0.0));
            o.insert(format!("{name}_max_gy"), max);
        }
        let doses = RegionDoses {
            doses: o,
            tumour: is_tumour[id],
            // set from the region totals by the caller that has them
            weighted_rel_uncertainty: 0.0,
        };
        out.insert(reg.name.clone(), doses);
    }
    out
}

/// Cumulative weighted-dose-volume histograms of every region (mass fractions), 100 dose
/// levels from 0 to 1.2 x the 99.5th percentile of the labelled voxels' weighted dose; doses
/// multiplied by `scale` (source neutrons).
pub fn dvh_csv(ph: &Phantom, maps: &Maps, scale: f64) -> String {
    let w = &maps.iter().find(|m| m.0 == "dose_weighted").expect("map").1;
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
