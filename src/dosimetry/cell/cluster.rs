//! Multicellular dosimetry (MIRDcell's questions): a spherical cluster or a planar monolayer of
//! identical cells, a labelled fraction with log-normally distributed activity per cell, the
//! self- and cross-dose to every nucleus by the CSDA method, alpha hits per nucleus and the
//! specific-energy spectrum, and per-cell survival by the linear-quadratic model with an RBE for
//! the alpha dose ([`crate::biology::lq`]).
//!
//! Dose to nucleus k: D_k = A~_k S(N<-src) + sum_{j != k} A~_j S_cross(d_jk), with A~ the decays
//! of a cell (activity x mean life of the label, or over `exposure_h`), S the cellular S value
//! of [`super::analytic`] and S_cross the cell-to-cell S value of [`super::cross`].
//!
//! Alpha hits: the mean number n_k of alpha tracks entering nucleus k (same sum with the hit
//! tables); the number of hits is Poisson(n_k) and the specific energy of the nucleus is taken
//! as z_k = N_k D_alpha,k / n_k, i.e. every hit deposits the mean specific energy per hit of that
//! nucleus (the spread of single-hit specific energies, chord lengths and LET along the Bragg
//! curve, is not sampled).
//!
//! Survival: -ln SF_k = alpha (D_low (1 + G D_low / (alpha/beta)) + RBE D_alpha) (Dale 1985;
//! Sgouros et al. 2010 for the RBE-weighted alpha dose), with the tissue parameters of
//! `data/biology/tissues.toml` and the protraction factor G of a mono-exponential dose rate with
//! the label's effective half-life.

use super::analytic::{pairs, AnalyticCell};
use super::cross::CrossTable;
use super::geometry::{CellGeometry, SourceRegion, TargetRegion};
use super::packing::{place, Arrangement};
use super::range::Particle;
use super::{emission_lines, range_energy, CellSValueSpec};
use crate::biology::gfactor::g_mono_exponential;
use crate::biology::lq::{bed_mixed_gy, surviving_fraction};
use crate::biology::tissues::TissueDb;
use crate::context::Context;
use crate::error::SpecField;
use crate::numerics::Vec3;
use crate::rng::HistoryRng;
use crate::source::decay_data::DecayData;
use crate::source::nuclide::Nuclide;
use crate::spec_bail;
use anyhow::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

fn one() -> f64 {
    1.0
}
fn default_cells() -> usize {
    500
}
fn default_seed() -> u64 {
    1
}
fn default_tissue() -> String {
    "tumour".into()
}
fn default_source() -> SourceRegion {
    SourceRegion::Cell
}

/// A multicellular computation (`theradose cell-cluster`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellClusterSpec {
    pub nuclide: String,
    #[serde(default)]
    pub chain: bool,
    #[serde(default)]
    pub decay_data: DecayData,
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    /// cluster (sphere) or monolayer (plane)
    #[serde(default)]
    pub arrangement: Arrangement,
    /// number of cells
    #[serde(default = "default_cells")]
    pub cells: usize,
    /// volume (cluster) or area (monolayer) fraction occupied by cells; default 0.3 / 0.5
    #[serde(default)]
    pub packing_fraction: Option<f64>,
    /// fraction of the cells that carry activity (0 to 1)
    #[serde(default = "one")]
    pub labelled_fraction: f64,
    /// mean initial activity of a labelled cell (Bq)
    pub activity_per_cell_bq: f64,
    /// shape sigma of the log-normal activity per labelled cell (0: all equal); the mean is kept
    #[serde(default)]
    pub activity_sigma: f64,
    /// where the activity sits in the labelled cells
    #[serde(default = "default_source")]
    pub source: SourceRegion,
    /// effective half-life of the label in the cells (h); default the physical half-life
    #[serde(default)]
    pub effective_half_life_h: Option<f64>,
    /// exposure time (h); default until complete decay
    #[serde(default)]
    pub exposure_h: Option<f64>,
    /// tissue of `data/biology/tissues.toml` for alpha, alpha/beta, repair half-time and RBE
    #[serde(default = "default_tissue")]
    pub tissue: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

/// One cell of the result.
#[derive(Clone, Debug, Serialize)]
pub struct CellRow {
    pub x_um: f64,
    pub y_um: f64,
    pub z_um: f64,
    pub labelled: bool,
    pub activity_bq: f64,
    pub decays: f64,
    pub self_dose_gy: f64,
    pub cross_dose_gy: f64,
    pub nucleus_dose_gy: f64,
    pub alpha_dose_gy: f64,
    pub mean_alpha_hits: f64,
    pub alpha_hits: u64,
    pub specific_energy_gy: f64,
    pub surviving_fraction: f64,
}

/// The cells and the S values they were computed with.
#[derive(Clone, Debug)]
pub struct CellCluster {
    pub spec: CellClusterSpec,
    pub nuclide: String,
    pub cells: Vec<CellRow>,
    /// radius of the sphere (disk) holding the centres (um)
    pub extent_radius_um: f64,
    /// self S value S(nucleus <- source) (Gy per Bq s): electrons, alphas
    pub s_self_low: f64,
    pub s_self_alpha: f64,
    /// mean alpha hits of the own nucleus per decay
    pub hits_self: f64,
    /// the cell-to-cell table used for the cross-dose
    pub cross: CrossTable,
    pub mean_life_s: f64,
    pub alpha_per_gy: f64,
    pub alpha_beta_gy: f64,
    pub rbe_alpha: f64,
    pub g_factor: f64,
}

fn check(spec: &CellClusterSpec) -> Result<()> {
    if spec.cells == 0 || spec.cells > 200_000 {
        spec_bail!("cells", "{}: expected 1 to 200000 cells", spec.cells);
    }
    if !(0.0..=1.0).contains(&spec.labelled_fraction) {
        spec_bail!(
            "labelled_fraction",
            "{}: expected 0 to 1",
            spec.labelled_fraction
        );
    }
    if !(spec.activity_per_cell_bq.is_finite() && spec.activity_per_cell_bq >= 0.0) {
        spec_bail!(
            "activity_per_cell_bq",
            "{}: expected a non-negative activity per cell in Bq",
            spec.activity_per_cell_bq
        );
    }
    if !(spec.activity_sigma.is_finite() && (0.0..=3.0).contains(&spec.activity_sigma)) {
        spec_bail!("activity_sigma", "{}: expected 0 to 3", spec.activity_sigma);
    }
    for (f, v) in [
        ("effective_half_life_h", spec.effective_half_life_h),
        ("exposure_h", spec.exposure_h),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && v > 0.0) {
                spec_bail!(f, "{v}: expected a positive time in hours");
            }
        }
    }
    Ok(())
}

/// A standard normal number (Box-Muller).
fn gauss(rng: &mut HistoryRng) -> f64 {
    (-2.0 * rng.uniform_open().ln()).sqrt() * (std::f64::consts::TAU * rng.uniform()).cos()
}

/// A Poisson number of mean `m` (inversion for small means, normal approximation above 500).
fn poisson(m: f64, rng: &mut HistoryRng) -> u64 {
    if m <= 0.0 {
        return 0;
    }
    if m > 500.0 {
        return (m + m.sqrt() * gauss(rng)).round().max(0.0) as u64;
    }
    let (mut k, mut p, mut cdf) = (0u64, (-m).exp(), 0.0);
    let u = rng.uniform();
    loop {
        cdf += p;
        if u < cdf || k > 10_000 {
            return k;
        }
        k += 1;
        p *= m / k as f64;
    }
}

/// Initial activity (Bq) of every cell: `labelled_fraction` of the cells chosen at random
/// (Fisher-Yates), each with a log-normal activity of mean `activity_per_cell_bq`.
fn activities(spec: &CellClusterSpec, rng: &mut HistoryRng) -> Vec<f64> {
    let n_lab = (spec.labelled_fraction * spec.cells as f64).round() as usize;
    let mut order: Vec<usize> = (0..spec.cells).collect();
    for i in (1..order.len()).rev() {
        let j = (rng.uniform() * (i + 1) as f64) as usize;
        order.swap(i, j.min(i));
    }
    let mut activity = vec![0.0; spec.cells];
    let s2 = spec.activity_sigma;
    for &i in order.iter().take(n_lab) {
        activity[i] = spec.activity_per_cell_bq * (s2 * gauss(rng) - 0.5 * s2 * s2).exp();
    }
    activity
}

/// Cross sums per cell k over the other cells j: (electron dose, alpha dose (Gy), mean alpha
/// hits, own decays). Each cell sums its neighbours in index order (rayon over cells), so the
/// result does not depend on the thread count.
fn cross_sums(cross: &CrossTable, pos: &[Vec3], decays: &[f64]) -> Vec<(f64, f64, f64, f64)> {
    (0..pos.len())
        .into_par_iter()
        .map(|k| {
            let (mut low, mut alpha, mut hits) = (0.0, 0.0, 0.0);
            for j in 0..pos.len() {
                if j == k || decays[j] == 0.0 {
                    continue;
                }
                let (a, b, h) = cross.lookup((pos[j] - pos[k]).norm());
                low += decays[j] * a;
                alpha += decays[j] * b;
                hits += decays[j] * h;
            }
            (low, alpha, hits, decays[k])
        })
        .collect()
}

/// Linear-quadratic parameters of the survival.
struct Lq {
    alpha_per_gy: f64,
    alpha_beta_gy: f64,
    rbe: f64,
    g: f64,
}

/// The result rows: self (from `own` = (S electrons, S alphas, hits per decay)) plus cross
/// dose, sampled hits, specific energy and surviving fraction of every cell.
fn rows(
    seed: u64,
    pos: &[Vec3],
    activity: &[f64],
    doses: &[(f64, f64, f64, f64)],
    own: (f64, f64, f64),
    lq: &Lq,
) -> Vec<CellRow> {
    let mut cells = Vec::with_capacity(pos.len());
    for (k, &(c_low, c_alpha, c_hits, n_dec)) in doses.iter().enumerate() {
        let (self_low, self_alpha) = (n_dec * own.0, n_dec * own.1);
        let (d_low, d_alpha) = (self_low + c_low, self_alpha + c_alpha);
        let mean_hits = n_dec * own.2 + c_hits;
        let hits = poisson(mean_hits, &mut HistoryRng::new(seed, 1 + k as u64));
        let z = if mean_hits > 0.0 {
            d_alpha * hits as f64 / mean_hits
        } else {
            0.0
        };
        let bed = bed_mixed_gy(d_low, d_alpha, lq.rbe, lq.g, lq.alpha_beta_gy);
        cells.push(CellRow {
            x_um: pos[k].x,
            y_um: pos[k].y,
            z_um: pos[k].z,
            labelled: activity[k] > 0.0,
            activity_bq: activity[k],
            decays: n_dec,
            self_dose_gy: self_low + self_alpha,
            cross_dose_gy: c_low + c_alpha,
            nucleus_dose_gy: d_low + d_alpha,
            alpha_dose_gy: d_alpha,
            mean_alpha_hits: mean_hits,
            alpha_hits: hits,
            specific_energy_gy: z,
            surviving_fraction: surviving_fraction(bed, lq.alpha_per_gy),
        });
    }
    cells
}

/// Computes a multicellular geometry.
///
/// # Errors
/// Spec errors naming the field (radii, nuclide, cells, fractions, activity, tissue).
pub fn compute(ctx: &Context, spec: &CellClusterSpec) -> Result<CellCluster> {
    check(spec)?;
    let mut cs = CellSValueSpec::new(&spec.nuclide, spec.cell_radius_um, spec.nucleus_radius_um);
    cs.chain = spec.chain;
    cs.decay_data = spec.decay_data;
    let g: CellGeometry = cs.geometry()?;
    let lines = emission_lines(&cs)?;
    let nuclide = Nuclide::load_from(&spec.nuclide, spec.decay_data).spec_field("nuclide")?;
    let tissue = TissueDb::load()?
        .tissue(&spec.tissue)
        .spec_field("tissue")?
        .clone();
    let re = range_energy(ctx, &lines)?;
    // positions
    let mut rng = HistoryRng::new(spec.seed, 0);
    let phi = spec.packing_fraction.unwrap_or(match spec.arrangement {
        Arrangement::Cluster => 0.3,
        Arrangement::Monolayer => 0.5,
    });
    let (pos, extent) = place(
        spec.arrangement,
        spec.cells,
        g.cell_radius_um,
        phi,
        &mut rng,
    )?;
    // self S values, electrons and alphas apart
    let cell = AnalyticCell::new(g);
    let k_self = pairs()
        .iter()
        .position(|&p| p == (TargetRegion::Nucleus, spec.source))
        .expect("nucleus target");
    let (low, alpha): (Vec<_>, Vec<_>) =
        lines.iter().partition(|l| l.particle == Particle::Electron);
    let s_self_low = cell.svalues(&re, &low)[k_self];
    let s_self_alpha = cell.svalues(&re, &alpha)[k_self];
    let cross = CrossTable::new(
        &g,
        spec.source,
        &lines,
        &re,
        2.0 * extent + 2.0 * g.cell_radius_um,
    );
    let hits_self = cross.hits[0];
    // decays per cell
    let lambda = match spec.effective_half_life_h {
        Some(h) => std::f64::consts::LN_2 / (h * 3600.0),
        None => nuclide.lambda_per_s(),
    };
    let mean_life_s = match spec.exposure_h {
        Some(t) => (1.0 - (-lambda * t * 3600.0).exp()) / lambda,
        None => 1.0 / lambda,
    };
    let activity = activities(spec, &mut rng);
    let decays: Vec<f64> = activity.iter().map(|a| a * mean_life_s).collect();
    let doses = cross_sums(&cross, &pos, &decays);
    let alpha_per_gy = tissue.alpha()?;
    let g_factor = g_mono_exponential(
        std::f64::consts::LN_2 / lambda / 3600.0,
        tissue.repair_half_time_h,
    );
    let lq = Lq {
        alpha_per_gy,
        alpha_beta_gy: tissue.alpha_beta_gy,
        rbe: tissue.rbe_alpha,
        g: g_factor,
    };
    let own = (s_self_low, s_self_alpha, hits_self);
    let cells = rows(spec.seed, &pos, &activity, &doses, own, &lq);
    Ok(CellCluster {
        spec: spec.clone(),
        nuclide: nuclide.name,
        cells,
        extent_radius_um: extent,
        s_self_low,
        s_self_alpha,
        hits_self,
        cross,
        mean_life_s,
        alpha_per_gy,
        alpha_beta_gy: tissue.alpha_beta_gy,
        rbe_alpha: tissue.rbe_alpha,
        g_factor,
    })
}
