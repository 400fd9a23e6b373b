//! Tumour response over time: a two-compartment cell model per voxel and the tracer uptake a
//! follow-up PET would see.
//!
//! Compartments (fractions of the voxel's baseline viable-cell count):
//! - V, viable (clonogenic) cells: killed at the LQ rate of the dose delivered in each step —
//!   the log kill of a step is α·(D-increment) + β·(quadratic increment of the dose-rate
//!   convolution with repair), so that after a whole cycle −ln SF = α·BED exactly as in
//!   [`super::lq`] — and the survivors regrow exponentially with the doubling time;
//! - L, lethally damaged cells: receive the killed cells and are cleared with a half-time.
//!
//! The dose rate of a voxel is its dose per cycle times the cycle's unit dose-rate shape, so the
//! time integration (exact per interval for a piecewise-linear rate, see
//! [`super::gfactor::step_increments`]) is done once and shared by all voxels.

use super::doserate::DoseRateShape;
use super::gfactor::{rate_per_h, step_increments};
use super::tissues::{Tissue, Tracer, TracerKind};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;

/// Radiobiological parameters of the response model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResponseParams {
    /// linear radiosensitivity (1/Gy)
    pub alpha_per_gy: f64,
    /// α/β (Gy)
    pub alpha_beta_gy: f64,
    /// sublethal-damage repair half-time (h)
    pub repair_half_time_h: f64,
    /// RBE of the alpha-particle dose (linear term only)
    pub rbe_alpha: f64,
    /// clearance half-time of lethally damaged cells (d)
    pub clearance_half_time_d: f64,
    /// doubling time of surviving viable cells (d)
    pub doubling_time_d: f64,
}

impl ResponseParams {
    /// The parameters of a tissue of `data/biology/tissues.toml`.
    pub fn from_tissue(t: &Tissue) -> Result<Self> {
        let need = |v: Option<f64>, name: &str| {
            v.with_context(|| format!("tissue '{}': {name} is not given", t.description))
        };
        Ok(Self {
            alpha_per_gy: need(t.alpha_per_gy, "alpha_per_gy")?,
            alpha_beta_gy: t.alpha_beta_gy,
            repair_half_time_h: t.repair_half_time_h,
            rbe_alpha: t.rbe_alpha,
            clearance_half_time_d: need(t.clearance_half_time_d, "clearance_half_time_d")?,
            doubling_time_d: need(t.doubling_time_d, "doubling_time_d")?,
        })
    }
}

/// Viable and lethally damaged cells of a voxel at the scan time, as fractions of the baseline
/// viable-cell count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellState {
    pub viable: f64,
    pub damaged: f64,
}

/// One integration step, for unit dose per cycle.
#[derive(Clone, Copy, Debug)]
struct Step {
    /// instantaneous dose at the step's start and its quadratic term (2P increment)
    impulse_dose: f64,
    impulse_quad: f64,
    /// dose and quadratic term delivered during the step
    dose: f64,
    quad: f64,
    /// growth factor of viable cells and survival factor of damaged cells over half the step
    half_growth: f64,
    half_clear: f64,
}

/// The response model of one dose-rate schedule, evaluated at one scan time.
#[derive(Clone, Debug)]
pub struct ResponseModel {
    params: ResponseParams,
    steps: Vec<Step>,
}

/// Longest integration step (h) while dose is delivered: killed cells enter the damaged
/// compartment at mid-step, an error of order (h·ln2/T_clear)² ≈ 4e-4 of a step's kill for
/// T_clear = 7 d.
pub const MAX_STEP_H: f64 = 6.0;

/// Integration steps per half-time at the start of a cycle: a piecewise-linear exponential
/// misstates the local dose by (ln2/64)²/12 = 1e-5 (relative).
const STEPS_PER_HALF_TIME: f64 = 64.0;

impl ResponseModel {
    /// Builds the model for cycles starting at `cycle_starts_h` (h after the first therapy, ≥ 0),
    /// each with dose-rate `shape`, and a scan at `scan_time_h` (h). Cycles after the scan give
    /// no dose.
    ///
    /// # Errors
    /// Non-positive parameters, an invalid shape, negative cycle starts or scan time.
    pub fn new(
        params: ResponseParams,
        shape: &DoseRateShape,
        cycle_starts_h: &[f64],
        scan_time_h: f64,
    ) -> Result<Self> {
        check_params(&params)?;
        shape.validate()?;
        if !(scan_time_h.is_finite() && scan_time_h >= 0.0) {
            bail!("scan time {scan_time_h} h: expected a non-negative number");
        }
        if cycle_starts_h.iter().any(|s| !(s.is_finite() && *s >= 0.0)) {
            bail!("cycle start times must be non-negative numbers (h)");
        }
        let mut starts: Vec<f64> = cycle_starts_h.to_vec();
        starts.sort_by(f64::total_cmp);
        // time nodes: cycle starts exactly, the samples of a tabulated shape, the scan, and
        // graded steps while a cycle delivers dose: h = fast/N at the start, growing as τ/N
        // through an uptake phase, and in the tail at most (slow/N)·2^{τ/(4 slow)}, so that the
        // relative error (λh)²/12 times the remaining dose rate 2^{−τ/slow} falls off and sums to
        // 2(ln2/N)²/12 = 2e-5 of the cycle's dose (N = 64); at most MAX_STEP_H.
        let (fast, slow) = shape.time_scales_h();
        let n = STEPS_PER_HALF_TIME;
        let mut nodes = vec![0.0, scan_time_h];
        for &s in starts.iter().filter(|s| **s <= scan_time_h) {
            nodes.push(s);
            let end = (s + shape.duration_h()).min(scan_time_h);
            let mut tau = 0.0;
            while s + tau < end {
                let tail = slow / n * (tau / (4.0 * slow)).exp2();
                tau += MAX_STEP_H.min((fast / n).max(tau / n)).min(tail);
                nodes.push((s + tau).min(end));
            }
            if let DoseRateShape::Tabulated { times_h, .. } = shape {
                nodes.extend(times_h.iter().map(|t| s + t).filter(|t| *t <= scan_time_h));
            }
        }
        nodes.sort_by(f64::total_cmp);
        nodes.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs().max(1.0));
        let instantaneous = matches!(shape, DoseRateShape::Instantaneous);
        let rate = |t: f64, right: bool| -> f64 {
            starts.iter().map(|s| shape.unit_rate(t - s, right)).sum()
        };
        let mu = rate_per_h(params.repair_half_time_h);
        let growth = std::f64::consts::LN_2 / (params.doubling_time_d * 24.0);
        let clear = std::f64::consts::LN_2 / (params.clearance_half_time_d * 24.0);
        let mut y = 0.0;
        let mut steps = Vec::with_capacity(nodes.len());
        for w in nodes.windows(2) {
            let (t0, t1) = (w[0], w[1]);
            let mut step = Step {
                impulse_dose: 0.0,
                impulse_quad: 0.0,
                dose: 0.0,
                quad: 0.0,
                half_growth: (0.5 * growth * (t1 - t0)).exp(),
                half_clear: (-0.5 * clear * (t1 - t0)).exp(),
            };
            if instantaneous {
                let n = starts.iter().filter(|s| (**s - t0).abs() <= 1e-9).count() as f64;
                if n > 0.0 {
                    // P += I·Y + I²/2, Y += I
                    step.impulse_dose = n;
                    step.impulse_quad = 2.0 * (n * y + 0.5 * n * n);
                    y += n;
                }
            }
            let inc = step_increments(t1 - t0, rate(t0, true), rate(t1, false), mu, y);
            step.dose = inc.dose;
            step.quad = 2.0 * inc.quad;
            y = inc.y_end;
            steps.push(step);
        }
        Ok(Self { params, steps })
    }

    /// Dose (per unit dose per cycle) delivered before the scan, and the quadratic term Σ2P:
    /// for one completed cycle these are 1 and G.
    pub fn unit_dose_and_g(&self) -> (f64, f64) {
        let d = self.steps.iter().map(|s| s.impulse_dose + s.dose).sum();
        let q = self.steps.iter().map(|s| s.impulse_quad + s.quad).sum();
        (d, q)
    }

    /// Changes α (1/Gy) and with it β = α/(α/β): the time steps do not depend on α, so a
    /// population of radiosensitivities reuses one model.
    pub fn set_alpha_per_gy(&mut self, alpha_per_gy: f64) {
        self.params.alpha_per_gy = alpha_per_gy;
    }

    /// Cell state at the scan of a voxel receiving `low_let_gy` (Gy) and `alpha_gy` (Gy, RBE
    /// applied here) per cycle.
    pub fn voxel(&self, low_let_gy: f64, alpha_gy: f64) -> CellState {
        let p = &self.params;
        let beta = p.alpha_per_gy / p.alpha_beta_gy;
        let lin = p.alpha_per_gy * (low_let_gy + p.rbe_alpha * alpha_gy);
        let quad = beta * low_let_gy * low_let_gy;
        let (mut v, mut l) = (1.0_f64, 0.0_f64);
        for s in &self.steps {
            if s.impulse_dose > 0.0 {
                let sf = (-(lin * s.impulse_dose + quad * s.impulse_quad)).exp();
                l += v * (1.0 - sf);
                v *= sf;
            }
            // growth half step, kill at mid-step, growth half step (Strang splitting); killed
            // cells are cleared for the remaining half step
            v *= s.half_growth;
            let sf = (-(lin * s.dose + quad * s.quad)).exp();
            l = l * s.half_clear * s.half_clear + v * (1.0 - sf) * s.half_clear;
            v *= sf * s.half_growth;
        }
        CellState {
            viable: v,
            damaged: l,
        }
    }

    /// Cell states of a voxel dose map (Gy per cycle); `alpha_gy` the alpha-dose map or `None`.
    ///
    /// # Errors
    /// The alpha-dose map's length differs from the dose map's.
    pub fn voxels(&self, low_let_gy: &[f64], alpha_gy: Option<&[f64]>) -> Result<Vec<CellState>> {
        if let Some(a) = alpha_gy {
            if a.len() != low_let_gy.len() {
                bail!(
                    "alpha dose map has {} voxels, expected {} like the beta/gamma dose",
                    a.len(),
                    low_let_gy.len()
                );
            }
        }
        Ok(low_let_gy
            .par_iter()
            .enumerate()
            .map(|(i, d)| self.voxel(*d, alpha_gy.map_or(0.0, |a| a[i])))
            .collect())
    }
}

fn check_params(p: &ResponseParams) -> Result<()> {
    for (name, v) in [
        ("alpha_per_gy", p.alpha_per_gy),
        ("alpha_beta_gy", p.alpha_beta_gy),
        ("repair_half_time_h", p.repair_half_time_h),
        ("rbe_alpha", p.rbe_alpha),
        ("clearance_half_time_d", p.clearance_half_time_d),
        ("doubling_time_d", p.doubling_time_d),
    ] {
        if !(v.is_finite() && v > 0.0) {
            bail!("response parameter {name} = {v}: expected a positive number");
        }
    }
    Ok(())
}

/// Tracer uptake at the scan relative to the baseline scan of the same voxel:
/// background + (1 − background)·expression·(V + damaged_weight·L), with expression = 1 for a
/// tracer of viable-cell density (FDG).
pub fn relative_uptake(state: &CellState, tracer: &Tracer) -> f64 {
    let expression = match tracer.kind {
        TracerKind::Viable => 1.0,
        TracerKind::Expression => tracer.expression,
    };
    tracer.background
        + (1.0 - tracer.background)
            * expression
            * (state.viable + tracer.damaged_weight * state.damaged)
}

/// Relative uptake (follow-up / baseline) per voxel of a dose map (Gy per cycle).
///
/// # Errors
/// As [`ResponseModel::voxels`].
pub fn relative_uptake_voxels(
    model: &ResponseModel,
    low_let_gy: &[f64],
    alpha_gy: Option<&[f64]>,
    tracer: &Tracer,
) -> Result<Vec<f64>> {
    Ok(model
        .voxels(low_let_gy, alpha_gy)?
        .iter()
        .map(|s| relative_uptake(s, tracer))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biology::tissues::TissueDb;

    fn params() -> ResponseParams {
        let db = TissueDb::load().unwrap();
        ResponseParams::from_tissue(db.tissue("tumour").unwrap()).unwrap()
    }

    #[test]
    fn tabulated_and_closed_form_shapes_agree() {
        // the same exponential as a closed form and as samples every 0.5 h: viable fractions
        // agree to the piecewise-linear sampling error, (λh)²/12 ≈ 4e-6 of the log kill
        let te = 60.0;
        let t: Vec<f64> = (0..=4800).map(|k| k as f64 * 0.5).collect();
        let r: Vec<f64> = t
            .iter()
            .map(|t| (-std::f64::consts::LN_2 * t / te).exp())
            .collect();
        let tab = DoseRateShape::tabulated(&t, &r).unwrap();
        let exp = DoseRateShape::Exponential {
            effective_half_life_h: te,
        };
        let scan = 42.0 * 24.0;
        let a = ResponseModel::new(params(), &tab, &[0.0], scan)
            .unwrap()
            .voxel(40.0, 0.0);
        let b = ResponseModel::new(params(), &exp, &[0.0], scan)
            .unwrap()
            .voxel(40.0, 0.0);
        assert!(
            (a.viable.ln() / b.viable.ln() - 1.0).abs() < 1e-4,
            "{a:?} {b:?}"
        );
        assert!((a.damaged / b.damaged - 1.0).abs() < 1e-4);
    }

    #[test]
    fn fast_uptake_uses_graded_steps() {
        // TU = 0.5 h, TE = 60 h: the graded grid resolves the uptake with few steps
        let shape = DoseRateShape::UptakeExponential {
            uptake_half_time_h: 0.5,
            effective_half_life_h: 60.0,
        };
        let m = ResponseModel::new(params(), &shape, &[0.0], 56.0 * 24.0).unwrap();
        assert!(m.steps.len() < 2000, "{} steps", m.steps.len());
        let (d, _) = m.unit_dose_and_g();
        // dose delivered by the scan: 1 − (e^{-λe T}/λe − e^{-λu T}/λu)/(1/λe − 1/λu)
        let (le, lu, t) = (
            std::f64::consts::LN_2 / 60.0,
            std::f64::consts::LN_2 / 0.5,
            56.0 * 24.0,
        );
        let exact = 1.0 - ((-le * t).exp() / le - (-lu * t).exp() / lu) / (1.0 / le - 1.0 / lu);
        assert!((d / exact - 1.0).abs() < 1e-4, "{d} {exact}");
    }
}
