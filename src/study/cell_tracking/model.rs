//! One label strategy at one activity per cell: the kinetics of its cells and label, the
//! activity per region at a scan, and the nucleus dose of the labelled cells
//! ([`crate::dosimetry::cell::label`] holds the formulas).

use super::spec::{CellTrackingStudy, LabelKind, LabelPart};
use crate::context::Context;
use crate::dosimetry::cell::label::{
    integrate, rate_per_h, CellKinetics, CellRadiobiology, DirectKinetics, ReporterKinetics,
};
use crate::dosimetry::cell::nucleus::nucleus_dose;
use crate::dosimetry::cell::CellSValueSpec;
use crate::source::nuclide::Nuclide;
use crate::units::MEV_TO_J;
use anyhow::Result;
use serde::Serialize;
use std::f64::consts::LN_2;

/// A label strategy's kinetics.
#[derive(Clone, Copy, Debug)]
pub enum Kinetics {
    Direct(DirectKinetics),
    Reporter(ReporterKinetics),
}

/// One point of the study: a strategy at an activity per cell.
#[derive(Clone, Debug)]
pub struct Point {
    pub strategy: String,
    /// direct: at administration; reporter: tracer per cell at a scan start (Bq)
    pub activity_per_cell_bq: f64,
    pub nuclide: String,
    pub cells: CellKinetics,
    pub kinetics: Kinetics,
}

impl Point {
    /// The point of `label`, at `activity_bq` per cell for a direct label (else its own).
    pub fn new(study: &CellTrackingStudy, label: &LabelPart, activity_bq: Option<f64>) -> Point {
        let nuc = Nuclide::load(&label.nuclide).ok();
        let decay_per_h = nuc.map_or(0.0, |n| n.lambda_per_s() * 3600.0);
        let c = &study.cells;
        let cells = CellKinetics {
            cells0: c.number,
            growth_per_h: rate_per_h(c.doubling_time_h),
            death_per_h: rate_per_h(c.death_half_time_h),
        };
        let kinetics = match label.kind {
            LabelKind::Direct => Kinetics::Direct(DirectKinetics {
                a0_bq: activity_bq.or(label.activity_per_cell_bq).unwrap_or(0.0),
                decay_per_h,
                efflux_per_h: rate_per_h(label.efflux_half_time_h),
            }),
            LabelKind::Reporter => Kinetics::Reporter(ReporterKinetics {
                uptake_per_cell_bq_per_mbq: label.uptake_per_cell_bq_per_mbq.unwrap_or(0.0),
                injected_mbq: label.injected_mbq.unwrap_or(0.0),
                uptake_h: label.uptake_min.unwrap_or(0.0) / 60.0,
                decay_per_h,
                washout_per_h: 0.0,
            }),
        };
        let activity_per_cell_bq = match kinetics {
            Kinetics::Direct(d) => d.a0_bq,
            Kinetics::Reporter(r) => r.per_cell_bq(),
        };
        Point {
            strategy: label.name.clone(),
            activity_per_cell_bq,
            nuclide: label.nuclide.clone(),
            cells,
            kinetics,
        }
    }

    /// Activity bound to the living cells at a scan starting at `t_h` (Bq), all regions.
    pub fn cell_bound_bq(&self, t_h: f64) -> f64 {
        match &self.kinetics {
            Kinetics::Direct(d) => d.cell_bound_bq(&self.cells, t_h),
            Kinetics::Reporter(r) => self.cells.cells(t_h) * r.per_cell_bq(),
        }
    }
}

/// Non-penetrating energy per decay (J): beta+, beta-, conversion and Auger electrons, alphas.
fn non_penetrating_j(nuclide: &str) -> Result<f64> {
    let e = Nuclide::load(nuclide)?.mean_energy();
    Ok((e.beta_plus + e.beta_minus + e.ce_auger + e.alpha) * MEV_TO_J)
}

/// The nucleus dose of a labelled cell and its effect.
#[derive(Clone, Debug, Serialize)]
pub struct CellDose {
    pub strategy: String,
    pub activity_per_cell_bq: f64,
    pub nucleus_dose_gy: f64,
    pub self_dose_gy: f64,
    pub cross_dose_gy: f64,
    pub self_fraction: f64,
    pub surviving_fraction: f64,
    /// S(nucleus <- compartment) (Gy per Bq s), analytic (Goddu et al. 1997)
    pub s_nucleus_gy_per_bq_s: f64,
    /// cumulated activity per cell (Bq s)
    pub cumulated_per_cell_bq_s: f64,
}

/// Region masses the cross-dose needs (g): the migration regions, the rest of the body, the
/// region the released label goes to, and the whole body.
#[derive(Clone, Debug)]
pub struct Masses {
    pub regions_g: Vec<f64>,
    pub rest_g: f64,
    pub released_to_g: Option<f64>,
    pub body_g: f64,
}

/// The nucleus dose of the cells of point `p` (label `label`).
///
/// # Errors
/// Cellular S values or decay data that cannot be computed.
pub fn cell_dose(
    ctx: &Context,
    study: &CellTrackingStudy,
    label: &LabelPart,
    p: &Point,
    m: &Masses,
) -> Result<CellDose> {
    let c = &study.cells;
    let e_j = non_penetrating_j(&p.nuclide)?;
    let (cum_bq_h, cross_gy, t_eff_h) = match &p.kinetics {
        Kinetics::Direct(d) => direct_dose(study, label, p, d, m, e_j),
        Kinetics::Reporter(r) => reporter_dose(study, label, p, r, m, e_j),
    };
    let d = nucleus_dose(
        ctx,
        &CellSValueSpec::new(&p.nuclide, c.cell_radius_um, c.nucleus_radius_um),
        label.compartment,
        cum_bq_h * 3600.0,
        cross_gy,
    )?;
    let bio = CellRadiobiology {
        alpha_per_gy: c.alpha_per_gy,
        alpha_beta_gy: c.alpha_beta_gy,
        repair_half_time_h: c.repair_half_time_h,
    };
    Ok(CellDose {
        strategy: p.strategy.clone(),
        activity_per_cell_bq: p.activity_per_cell_bq,
        nucleus_dose_gy: d.nucleus_dose_gy,
        self_dose_gy: d.self_dose_gy,
        cross_dose_gy: d.cross_dose_gy,
        self_fraction: d.self_fraction,
        surviving_fraction: bio.surviving_fraction(d.nucleus_dose_gy, t_eff_h),
        s_nucleus_gy_per_bq_s: d.s_nucleus_gy_per_bq_s,
        cumulated_per_cell_bq_s: d.cumulated_per_cell_bq_s,
    })
}

/// A direct label: cumulated activity per cell (Bq h), cross-dose (Gy) and the effective
/// half-life of the self-dose rate (h). The cross-dose rate at t averages the dose rates of the
/// regions over where the cell is (f_r / Σ f) and is integrated over 30 physical half-lives.
fn direct_dose(
    study: &CellTrackingStudy,
    label: &LabelPart,
    p: &Point,
    d: &DirectKinetics,
    m: &Masses,
    e_j: f64,
) -> (f64, f64, f64) {
    let nreg = study.migration.regions.len();
    // where a cell is and the dose rate there (Gy/h) at t
    let rate = |t: f64| {
        let bound = d.cell_bound_bq(&p.cells, t);
        let released = d.released_bq(&p.cells, t);
        let body_rel = if m.released_to_g.is_none() {
            released / m.body_g
        } else {
            0.0
        };
        let mut sum_f = 0.0;
        let mut dr = 0.0;
        for r in 0..nreg {
            let f = study.fraction(r, t);
            sum_f += f;
            let rel = if label.released_to.as_deref() == Some(&study.migration.regions[r]) {
                released / m.released_to_g.unwrap_or(f64::INFINITY)
            } else {
                0.0
            };
            dr += f * (f * bound / m.regions_g[r] + rel + body_rel);
        }
        let rest = (1.0 - sum_f).max(0.0);
        dr += rest * (rest * bound / m.rest_g + body_rel);
        dr * e_j * 1e3 * 3600.0
    };
    let k = d
        .decay_per_h
        .min(d.decay_per_h + d.efflux_per_h + p.cells.death_per_h);
    let horizon = 30.0 * LN_2 / k.max(1e-6);
    let cross = integrate(rate, horizon, 40_000);
    let keff = d.decay_per_h + d.efflux_per_h + p.cells.growth_per_h;
    (d.cumulated_per_cell_bq_h(&p.cells), cross, LN_2 / keff)
}

/// A reporter: as [`direct_dose`], summed over the scans' tracer injections.
fn reporter_dose(
    study: &CellTrackingStudy,
    label: &LabelPart,
    p: &Point,
    r: &ReporterKinetics,
    m: &Masses,
    e_j: f64,
) -> (f64, f64, f64) {
    let tau = r.cumulated_per_cell_bq_h() / r.per_cell_bq();
    let bkg_bq_per_g = label.background_pct_id_per_g / 100.0
        * r.injected_mbq
        * 1e6
        * (-r.decay_per_h * r.uptake_h).exp();
    let mut cross = 0.0;
    for &t in &study.scans.times_h {
        let bound = p.cells.cells(t) * r.per_cell_bq();
        let mut sum_f = 0.0;
        for (reg, mass) in m.regions_g.iter().enumerate() {
            let f = study.fraction(reg, t);
            sum_f += f;
            cross += f * (f * bound / mass + bkg_bq_per_g);
        }
        let rest = (1.0 - sum_f).max(0.0);
        cross += rest * (rest * bound / m.rest_g + bkg_bq_per_g);
    }
    let n = study.scans.times_h.len() as f64;
    (
        n * r.cumulated_per_cell_bq_h(),
        cross * tau * e_j * 1e3 * 3600.0,
        LN_2 / (r.decay_per_h + r.washout_per_h),
    )
}
