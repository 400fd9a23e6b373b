//! One region of the budget ([`RegionCase`]) and the chain evaluated on it for one set of input
//! factors ([`evaluate`]): dose scaled by the dosimetry factors (the dose is linear in the
//! activity, so no transport is rerun), BED of the region's dose bins with the drawn kinetics and
//! tissue, EQD2, gEUD, TCP, NTCP and the response model's mean relative uptake.
//!
//! The region's voxels are summarised by [`Bins`]: voxels sorted by dose and cut into at most
//! [`MAX_BINS`] groups (single voxels at the cold end, growing towards the hot end), each
//! standing for its mean per-cycle low-LET and alpha dose and its voxel count. Every factor of the budget scales a region's doses uniformly, so
//! the bins keep their order; the mean dose is exact, the mean BED exact up to the within-bin
//! dose variance times G/(α/β), and TCP/NTCP/response differ from the voxel evaluation by the
//! spread inside a bin (checked against the nominal voxel values in the tests).

use super::spec::{Input, MIN_FACTOR, N_INPUTS};
use crate::biology::lq::{bed_mixed_gy, geud_weighted_gy};
use crate::biology::ntcp::lkb_ntcp;
use crate::biology::response::{relative_uptake, CellState, ResponseModel, ResponseParams};
use crate::biology::tcp::tcp_population_weighted;
use crate::biology::tissues::{Tissue, Tracer};
use crate::biology::DoseRateShape;
use crate::dosimetry::kinetics::Model;
use crate::study::therapy::radiobiology::Role;
use serde::Serialize;

/// Largest number of dose bins per region.
pub const MAX_BINS: usize = 64;

/// A region's voxels as dose bins (per cycle, Gy) with their voxel counts.
#[derive(Clone, Debug, Default)]
pub struct Bins {
    pub low_let_gy: Vec<f64>,
    pub alpha_gy: Vec<f64>,
    pub count: Vec<f64>,
}

impl Bins {
    /// The bins of voxels with per-cycle low-LET doses `lo` and alpha doses `al` (Gy): the
    /// voxels sorted by dose, the j-th of `max_bins` bins ending at voxel n (j/k)², so bins
    /// grow from single voxels at the low-dose end (where a tumour's surviving clonogens are,
    /// so TCP keeps its cold spots) to 2n/k voxels at the high end; every voxel its own bin
    /// when n <= `max_bins`.
    pub fn of(lo: &[f64], al: &[f64], max_bins: usize) -> Bins {
        let n = lo.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| (lo[a] + al[a]).total_cmp(&(lo[b] + al[b])).then(a.cmp(&b)));
        let k = max_bins.max(1);
        let mut ends: Vec<usize> = match n <= k {
            true => (1..=n).collect(),
            false => (1..=k)
                .map(|j| ((n as f64) * (j as f64 / k as f64).powi(2)).round() as usize)
                .collect(),
        };
        ends.dedup();
        ends.retain(|&e| e > 0);
        let mut bins = Bins::default();
        let mut a = 0;
        for b in ends {
            let c = (b - a) as f64;
            let idx = &order[a..b];
            bins.low_let_gy
                .push(idx.iter().map(|&i| lo[i]).sum::<f64>() / c);
            bins.alpha_gy
                .push(idx.iter().map(|&i| al[i]).sum::<f64>() / c);
            bins.count.push(c);
            a = b;
        }
        bins
    }

    fn voxels(&self) -> f64 {
        self.count.iter().sum()
    }

    /// These bins (already scaled doses `lo`, `al`) merged into at most `k` groups of
    /// consecutive bins, count-weighted: the response model, whose relative uptake is smooth in
    /// the dose and costs a time integration per bin, runs on [`RESPONSE_BINS`] of them.
    fn merged(&self, lo: &[f64], al: &[f64], k: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let n = lo.len();
        let k = n.min(k.max(1));
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for j in 0..k {
            let r = j * n / k..(j + 1) * n / k;
            let c = &self.count[r.clone()];
            let w: f64 = c.iter().sum();
            let avg = |x: &[f64]| x[r.clone()].iter().zip(c).map(|(x, c)| x * c).sum::<f64>() / w;
            out.0.push(avg(lo));
            out.1.push(avg(al));
            out.2.push(w);
        }
        out
    }
}

/// Number of dose groups the response model runs on (its mean relative uptake and viable
/// fraction agree with the [`MAX_BINS`] evaluation in `tests/uncertainty_budget.rs`).
pub const RESPONSE_BINS: usize = 32;

/// The time-activity curve of a region as the budget draws it.
#[derive(Clone, Debug)]
pub enum Kinetics {
    /// A fitted exponential model: parameters and the lower Cholesky factor of their covariance.
    Fit {
        model: Model,
        params: Vec<f64>,
        chol: Vec<Vec<f64>>,
    },
    /// A fixed dose-rate shape (regions without a fit, or fits without parameters, e.g. the
    /// trapezoid) with the relative uncertainty of the TIA (1 sigma; 0 without a fit): the TIA
    /// factor is 1 + tia_rel z with the first of the fit's draws.
    Shape { shape: DoseRateShape, tia_rel: f64 },
}

/// The lesion response part of a region.
#[derive(Clone, Debug)]
pub struct ResponseCase {
    pub tracer: Tracer,
    /// the chain's nominal SUVpeak changes (%) by metrics key
    /// (`suv_peak_change_pct_noise_free`, `suv_peak_change_pct`)
    pub suv_change_pct: Vec<(String, f64)>,
    pub cycle_starts_h: Vec<f64>,
    pub followup_h: f64,
    /// the reported SUVpeaks for the PERCIST category of each sample (None: no categories)
    pub percist: Option<PercistCase>,
}

/// What a lesion's PERCIST category needs: the baseline and follow-up SUVpeak of the reported
/// (noisy) scans and the follow-up background for CMR. A sample's follow-up SUVpeak is the
/// reported one times the sample's mean relative uptake over the nominal one.
#[derive(Clone, Copy, Debug)]
pub struct PercistCase {
    pub baseline_suv_peak: f64,
    pub followup_suv_peak: f64,
    pub background_suv: Option<f64>,
}

/// One region of the budget.
#[derive(Clone, Debug)]
pub struct RegionCase {
    pub name: String,
    /// lesion (TCP, response), organ at risk (NTCP) or other
    pub role: Role,
    /// tissue name and parameters (None: BED = dose)
    pub tissue: Option<(String, Tissue)>,
    pub bins: Bins,
    pub voxel_cm3: f64,
    pub cycles: u32,
    /// gEUD volume parameter
    pub geud_a: f64,
    /// nominal mean dose over all cycles (Gy), exact over the voxels
    pub mean_dose_gy: f64,
    pub kinetics: Kinetics,
    /// physical-decay shape for a fit draw that gives no valid curve
    pub fallback_shape: DoseRateShape,
    /// relative Monte Carlo uncertainty (1 sigma) of the mean dose
    pub mc_rel: f64,
    pub response: Option<ResponseCase>,
    /// report the mean dose only (a patient study, which has no radiobiology: its BED, EQD2
    /// and gEUD would only repeat the dose)
    pub dose_only: bool,
}

/// The factors of one evaluation: one multiplier per input (1: nominal) and the fit's
/// standard-normal draws (already scaled by the fit input's scale).
#[derive(Clone, Debug)]
pub struct Factors {
    pub f: [f64; N_INPUTS],
    pub fit_z: Vec<f64>,
}

impl Factors {
    /// Every input at its nominal value.
    pub fn nominal() -> Factors {
        Factors {
            f: [1.0; N_INPUTS],
            fit_z: Vec::new(),
        }
    }

    fn get(&self, i: Input) -> f64 {
        self.f[i.index()]
    }
}

/// The reported quantities of one evaluation (NaN where the region has none).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Values {
    pub mean_dose_gy: f64,
    pub bed_gy: f64,
    pub eqd2_gy: f64,
    pub geud_gy: f64,
    pub tcp: f64,
    pub ntcp: f64,
    pub viable_fraction: f64,
    /// mean relative tracer uptake at follow-up
    pub uptake: f64,
}

/// The tissue with the radiobiology factors applied.
fn drawn_tissue(t: &Tissue, f: &Factors) -> Tissue {
    let mut t = t.clone();
    t.alpha_beta_gy *= f.get(Input::AlphaBeta);
    t.alpha_per_gy = t.alpha_per_gy.map(|a| a * f.get(Input::Alpha));
    t.sigma_alpha_per_gy = t.sigma_alpha_per_gy.map(|s| s * f.get(Input::SigmaAlpha));
    t.repair_half_time_h *= f.get(Input::RepairHalfTime);
    t.rbe_alpha *= f.get(Input::Rbe);
    t.clonogen_density_per_cm3 = t
        .clonogen_density_per_cm3
        .map(|r| r * f.get(Input::ClonogenDensity));
    t.clearance_half_time_d = t
        .clearance_half_time_d
        .map(|x| x * f.get(Input::ClearanceHalfTime));
    t.doubling_time_d = t.doubling_time_d.map(|x| x * f.get(Input::DoublingTime));
    if let Some(l) = t.lkb.as_mut() {
        l.td50_gy *= f.get(Input::LkbTd50);
        l.m *= f.get(Input::LkbM);
        l.n *= f.get(Input::LkbN);
    }
    t
}

/// The drawn dose-rate shape and the TIA relative to the nominal fit.
fn drawn_kinetics(c: &RegionCase, f: &Factors) -> (DoseRateShape, f64) {
    let (model, params, chol) = match &c.kinetics {
        Kinetics::Fit {
            model,
            params,
            chol,
        } => (model, params, chol),
        Kinetics::Shape { shape, tia_rel } => {
            let z = f.fit_z.first().copied().unwrap_or(0.0);
            return (shape.clone(), (1.0 + tia_rel * z).max(MIN_FACTOR));
        }
    };
    let tia = |p: &[f64]| -> Option<(Vec<(f64, f64)>, f64)> {
        let terms = model.exponential_terms(p)?;
        if terms.iter().any(|(_, l)| !(l.is_finite() && *l > 0.0)) {
            return None;
        }
        let s: f64 = terms.iter().map(|(a, l)| a / l).sum();
        (s.is_finite() && s > 0.0).then_some((terms, s))
    };
    let Some((terms0, tia0)) = tia(params) else {
        return (c.fallback_shape.clone(), 1.0);
    };
    let mut p = params.clone();
    for (i, row) in chol.iter().enumerate() {
        p[i] += row.iter().zip(&f.fit_z).map(|(l, z)| l * z).sum::<f64>();
    }
    let (terms, ratio) = match tia(&p) {
        Some((t, s)) => (t, s / tia0),
        // a draw outside the model's domain (a rate <= 0): the nominal curve
        None => (terms0, 1.0),
    };
    let shape = DoseRateShape::Exponentials { terms };
    match shape.validate() {
        Ok(()) => (shape, ratio),
        Err(_) => (c.fallback_shape.clone(), ratio),
    }
}

/// The factor on the region's dose from the dosimetry inputs (without the TIA ratio).
pub fn dose_factor(c: &RegionCase, f: &Factors) -> f64 {
    let mc = f.get(Input::MonteCarlo);
    f.get(Input::Calibration) * f.get(Input::Decay) * f.get(Input::Recovery) / f.get(Input::Volume)
        * (1.0 + c.mc_rel * (mc - 1.0)).max(0.0)
}

/// The chain on one region for one set of factors. The Monte Carlo factor `f[MonteCarlo]` is
/// 1 + z (z the standard-normal draw scaled by the input), applied as 1 + u z with u the
/// region's relative uncertainty.
pub fn evaluate(c: &RegionCase, f: &Factors) -> Values {
    let (shape, ratio) = drawn_kinetics(c, f);
    let s = dose_factor(c, f) * ratio;
    let b = &c.bins;
    let n = b.voxels();
    let lo: Vec<f64> = b.low_let_gy.iter().map(|d| d * s).collect();
    let al: Vec<f64> = b.alpha_gy.iter().map(|d| d * s).collect();
    let cycles = c.cycles as f64;
    let mut v = Values {
        mean_dose_gy: c.mean_dose_gy * s,
        tcp: f64::NAN,
        ntcp: f64::NAN,
        viable_fraction: f64::NAN,
        uptake: f64::NAN,
        ..Values::default()
    };
    let wmean = |x: &[f64]| x.iter().zip(&b.count).map(|(x, w)| x * w).sum::<f64>() / n;
    let Some((_, t0)) = &c.tissue else {
        let bed: Vec<f64> = lo.iter().zip(&al).map(|(l, a)| (l + a) * cycles).collect();
        v.bed_gy = wmean(&bed);
        v.eqd2_gy = v.bed_gy;
        v.geud_gy = geud_weighted_gy(&bed, Some(&b.count), c.geud_a);
        return v;
    };
    let t = drawn_tissue(t0, f);
    let g = shape.g_factor(t.repair_half_time_h).unwrap_or_else(|_| {
        c.fallback_shape
            .g_factor(t.repair_half_time_h)
            .unwrap_or(1.0)
    });
    let ab = t.alpha_beta_gy;
    let bed: Vec<f64> = lo
        .iter()
        .zip(&al)
        .map(|(l, a)| bed_mixed_gy(*l, *a, t.rbe_alpha, g, ab) * cycles)
        .collect();
    let eqd2: Vec<f64> = bed.iter().map(|x| x / (1.0 + 2.0 / ab)).collect();
    v.bed_gy = wmean(&bed);
    v.eqd2_gy = v.bed_gy / (1.0 + 2.0 / ab);
    v.geud_gy = geud_weighted_gy(&eqd2, Some(&b.count), c.geud_a);
    if c.role == Role::Lesion {
        if let (Some(a), Some(rho)) = (t.alpha_per_gy, t.clonogen_density_per_cm3) {
            let vol: Vec<f64> = b.count.iter().map(|k| k * c.voxel_cm3).collect();
            let sigma = t.sigma_alpha_per_gy.unwrap_or(0.0);
            v.tcp = tcp_population_weighted(&bed, &vol, rho, a, sigma);
        }
    }
    if let Some(l) = &t.lkb {
        v.ntcp = lkb_ntcp(&eqd2, Some(&b.count), l);
    }
    if let (Some(r), Ok(p)) = (&c.response, ResponseParams::from_tissue(&t)) {
        if let Ok(model) = ResponseModel::new(p, &shape, &r.cycle_starts_h, r.followup_h) {
            let (rlo, ral, w) = b.merged(&lo, &al, RESPONSE_BINS);
            let cells: Vec<CellState> = rlo
                .iter()
                .zip(&ral)
                .map(|(l, a)| model.voxel(*l, *a))
                .collect();
            let wm = |x: &dyn Fn(&CellState) -> f64| {
                cells.iter().zip(&w).map(|(c, w)| x(c) * w).sum::<f64>() / n
            };
            v.viable_fraction = wm(&|c| c.viable);
            v.uptake = wm(&|c| relative_uptake(c, &r.tracer));
        }
    }
    v
}
