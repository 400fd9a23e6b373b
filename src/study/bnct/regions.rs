//! Per-region results of a BNCT study: doses of every component with their uncertainties, the
//! peak dose and its noise, and the prescription metric that sets the treatment time.

use super::spec::{BnctStudy, PrescriptionKind};
use super::transport::NeutronRun;
use crate::phantom::Phantom;
use anyhow::{bail, Result};

/// Doses of one region over the treatment (Gy; weighted Gy-eq) and their relative
/// uncertainties (1 sigma, exact: from the history-by-history region totals).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RegionRow {
    pub region: String,
    pub mass_g: f64,
    pub cbe: f64,
    pub boron_ppm_mean: f64,
    /// boron, nitrogen, hydrogen, gamma, weighted: mass-weighted means of the voxel maps
    pub mean: [f64; 5],
    pub rel_unc: [f64; 5],
    pub weighted_d98: f64,
    pub weighted_d2: f64,
    pub weighted_max: f64,
    /// largest mean weighted dose over a cube of about `peak_volume_cm3` in the region
    pub weighted_peak: f64,
    /// relative uncertainty of `weighted_peak`, its voxels taken as independent (see
    /// [`peak_dose`])
    pub weighted_peak_rel_unc: f64,
    /// upper bound of that uncertainty (see [`peak_dose`])
    pub weighted_peak_rel_unc_upper: f64,
}

/// Peak dose of a region: the largest mean of `map` over a cube of about `volume_cm3` (side
/// the nearest odd number of voxels to its edge, at least 1) centred on a voxel of the region,
/// averaging the cube's voxels of that region by mass. A mean over a volume rather than the
/// hottest voxel, so that a peak limit is not set by single noisy voxels.
///
/// Returns the peak and two relative uncertainties of it from the voxels' relative
/// uncertainties `rel` (1 sigma): the voxels taken as independent (standard deviations added
/// in quadrature), and an upper bound (added linearly: |cov| <= sigma_i sigma_j). Voxel doses of
/// one history are correlated (a neutron deposits in neighbouring voxels), which puts the true
/// value between the two when the correlations are positive; the noise of a voxel is mostly
/// its own rare large deposits (a capture-gamma electron, a recoil proton), which keeps it
/// near the first (bnct-head, 27-voxel peak cube: the peak moved by 1.4% from 2e5 to 8e5
/// histories while the upper bound was 26% and 17%). For a one-voxel cube both are that
/// voxel's uncertainty.
pub fn peak_dose(
    ph: &Phantom,
    map: &[f64],
    rel: &[f64],
    id: u16,
    volume_cm3: f64,
) -> (f64, f64, f64) {
    let d = ph.grid.dims;
    let edge_cm = volume_cm3.cbrt();
    let h = [0, 1, 2].map(|a| {
        let n = (edge_cm / ph.voxel_cm[a]).round().max(1.0) as usize;
        (n.max(1) - 1).div_ceil(2)
    });
    let mut best = (0.0f64, 0.0f64, 0.0f64);
    for v in 0..ph.len() {
        if ph.label[v] != id {
            continue;
        }
        let (i, j, k) = ph.ijk(v);
        let (mut num, mut mass, mut var, mut sd) = (0.0, 0.0, 0.0, 0.0);
        for kk in k.saturating_sub(h[2])..(k + h[2] + 1).min(d[2]) {
            for jj in j.saturating_sub(h[1])..(j + h[1] + 1).min(d[1]) {
                for ii in i.saturating_sub(h[0])..(i + h[0] + 1).min(d[0]) {
                    let w = ii + d[0] * (jj + d[1] * kk);
                    if ph.label[w] == id {
                        let m = ph.voxel_mass_g(w);
                        num += map[w] * m;
                        let s = map[w] * rel[w] * m;
                        var += s * s;
                        sd += s;
                        mass += m;
                    }
                }
            }
        }
        if mass > 0.0 && num / mass > best.0 {
            best = (num / mass, var.sqrt() / num, sd / num);
        }
    }
    best
}

/// Relative uncertainty of a normal-tissue peak above which the prescription is flagged.
pub const PEAK_REL_UNC_LIMIT: f64 = 0.05;

/// For a `normal_peak` prescription: the relative uncertainty of the peak (voxels taken as
/// independent, see [`peak_dose`]) and, when it exceeds [`PEAK_REL_UNC_LIMIT`], a warning. The peak is the largest of many
/// noisy means, so it is biased high by about its noise: the treatment time comes out short by
/// about as much. `histories`: those of the run (for the number that would reach the limit,
/// the uncertainty falling as 1/sqrt(N)).
pub fn peak_noise(
    study: &BnctStudy,
    rows: &[RegionRow],
    histories: u64,
) -> (Option<f64>, Option<String>) {
    let p = &study.prescription;
    if study.prescription_kind().ok() != Some(PrescriptionKind::NormalPeak) {
        return (None, None);
    }
    let Some(r) = rows.iter().find(|r| r.region == p.region) else {
        return (None, None);
    };
    let rel = r.weighted_peak_rel_unc;
    let warning = (rel > PEAK_REL_UNC_LIMIT).then(|| {
        let needed = (histories as f64 * (rel / PEAK_REL_UNC_LIMIT).powi(2)).ceil();
        format!(
            "the prescription's {} peak has a relative uncertainty of {:.1}% (voxels taken \
             as independent; at most {:.1}%), above {:.0}%: the largest of noisy means is \
             biased high by about its noise, so the treatment time is likely too short by up to \
             as much; run more histories (about {needed:.0} for {:.0}%, the uncertainty falling \
             as 1/sqrt(N))",
            p.region,
            100.0 * rel,
            100.0 * r.weighted_peak_rel_unc_upper,
            100.0 * PEAK_REL_UNC_LIMIT,
            100.0 * PEAK_REL_UNC_LIMIT
        )
    });
    (Some(rel), warning)
}

/// Region rows, per source neutron (multiply by the treatment's source neutrons for Gy).
pub fn region_rows(
    study: &BnctStudy,
    ph: &Phantom,
    run: &NeutronRun,
    ppm: &[f64],
    cbe: &[f64],
) -> Vec<RegionRow> {
    let map = |name: &str| &run.maps.iter().find(|m| m.0 == name).expect("map").1;
    let comps = [
        map("dose_boron"),
        map("dose_nitrogen"),
        map("dose_hydrogen"),
        map("dose_gamma"),
        map("dose_weighted"),
    ];
    let weighted_rel = map("dose_weighted_rel_unc");
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    (1..ph.regions.len())
        .filter_map(|id| {
            let vox = ph.region_voxels(id as u16);
            let m: f64 = vox.iter().map(|&v| mass[v as usize]).sum();
            if m <= 0.0 {
                return None;
            }
            let mean_of = |x: &[f64]| {
                vox.iter()
                    .map(|&v| x[v as usize] * mass[v as usize])
                    .sum::<f64>()
                    / m
            };
            let rd = crate::dosimetry::regions::region_dose("", comps[4], None, &mass, &vox, None);
            let (peak, peak_rel, peak_rel_upper) = peak_dose(
                ph,
                comps[4],
                weighted_rel,
                id as u16,
                study.prescription.peak_volume_cm3,
            );
            Some(RegionRow {
                region: ph.regions[id].name.clone(),
                mass_g: m,
                cbe: cbe[id],
                boron_ppm_mean: mean_of(ppm),
                mean: std::array::from_fn(|q| mean_of(comps[q])),
                rel_unc: std::array::from_fn(|q| run.region_tally[id][q].1),
                weighted_d98: rd.d98_gy,
                weighted_d2: rd.d2_gy,
                weighted_max: rd.max_gy,
                weighted_peak: peak,
                weighted_peak_rel_unc: peak_rel,
                weighted_peak_rel_unc_upper: peak_rel_upper,
            })
        })
        .collect()
}

/// Scales a row's doses by `s` (source neutrons).
pub fn scaled(r: &RegionRow, s: f64) -> RegionRow {
    let mut o = r.clone();
    o.mean.iter_mut().for_each(|x| *x *= s);
    o.weighted_d98 *= s;
    o.weighted_d2 *= s;
    o.weighted_max *= s;
    o.weighted_peak *= s;
    o
}

/// The prescription metric of the study (weighted dose per source neutron) and what it is.
///
/// # Errors
/// A prescription region with no voxels.
pub fn prescription_metric(study: &BnctStudy, rows: &[RegionRow]) -> Result<(f64, String)> {
    let p = &study.prescription;
    let Some(r) = rows.iter().find(|r| r.region == p.region) else {
        bail!(
            "{}: prescription.region = \"{}\" has no voxels at this voxel size",
            study.file.display(),
            p.region
        );
    };
    Ok(match study.prescription_kind()? {
        PrescriptionKind::TumourMin => (r.weighted_d98, format!("{} near-minimum D98", p.region)),
        PrescriptionKind::TumourMean => (r.mean[4], format!("{} mean", p.region)),
        PrescriptionKind::NormalPeak => (
            r.weighted_peak,
            format!(
                "{} peak (largest mean over {} cm3)",
                p.region, p.peak_volume_cm3
            ),
        ),
    })
}
