//! Label kinetics of tracked cells and the dose to their nuclei (L5): how much activity a
//! labelled cell and its progeny carry over time, when a reporter's signal overtakes a direct
//! label's, and the nucleus dose from the label (self) and from the other cells and the organ
//! (cross).
//!
//! Kinetics (rates per hour):
//! - cells: N(t) = N0 e^{(g - d) t}, g = ln 2 / doubling time (0 without proliferation), d =
//!   ln 2 / death-or-clearance half-time (0 without); a dead cell's label leaves the organ with it
//!   (cleared, not counted in any region);
//! - direct label: the population's label A(t) = N0 a0 e^{-(λ + ε + d) t}, λ the physical decay,
//!   ε = ln 2 / efflux half-time; division halves a cell's label, so the activity per cell is
//!   a(t) = a0 e^{-(λ + ε + g) t}; the effluxed label accumulates (decaying) in a `released_to`
//!   region;
//! - reporter: every living cell expresses it; a scan's tracer, injected `uptake_min` before the
//!   scan, gives u A_inj per cell at the scan start, so the population's signal is
//!   N(t) u A_inj (decay over the uptake time included).
//!
//! Overtaking: the ratio of the reporter's to the direct label's cell-bound activity at the scan
//! start is r(t) = u A_inj e^{-λ_T t_up} e^{(g + λ + ε) t} / a0 (cells, death and migration
//! cancel), so the reporter overtakes at t* = ln(a0 / (u A_inj e^{-λ_T t_up})) / (g + λ + ε)
//! ([`overtake_time_h`]).
//!
//! Nucleus dose of a labelled cell (and its progeny):
//! - self: S(nucleus <- compartment) x the cumulated activity per cell, ∫ a(t) dt, with the
//!   cellular S values of [`super::analytic`] (MIRD cellular S values, Goddu et al. 1997);
//! - cross: the cell sits in region r with probability f_r(t) / Σ f(t) and takes the
//!   non-penetrating dose rate of that region's activity concentration, A_r(t) Δ_np / m_r
//!   (absorbed fraction 1 for the electrons and positrons of an organ-sized source: their ranges,
//!   < 4 mm, against organs of several mm; the cell's own activity is a negligible part of it),
//!   plus that of the background concentration (free tracer, released label); photons are not
//!   counted (absorbed fraction of a few percent in a mouse organ).

use crate::biology::{gfactor, lq};
use anyhow::{bail, Result};
use std::f64::consts::LN_2;

/// Rate per hour of a half-time in hours (0 for none or an infinite one).
pub fn rate_per_h(half_time_h: Option<f64>) -> f64 {
    match half_time_h {
        Some(t) if t.is_finite() && t > 0.0 => LN_2 / t,
        _ => 0.0,
    }
}

/// Kinetics of the cell population (rates per hour).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellKinetics {
    /// cells at t = 0
    pub cells0: f64,
    /// proliferation rate g = ln 2 / doubling time
    pub growth_per_h: f64,
    /// death and clearance rate d
    pub death_per_h: f64,
}

impl CellKinetics {
    /// Living cells at `t_h`.
    pub fn cells(&self, t_h: f64) -> f64 {
        self.cells0 * ((self.growth_per_h - self.death_per_h) * t_h).exp()
    }
}

/// A direct label's kinetics (rates per hour).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DirectKinetics {
    /// activity per cell at t = 0 (Bq)
    pub a0_bq: f64,
    /// physical decay λ
    pub decay_per_h: f64,
    /// efflux ε
    pub efflux_per_h: f64,
}

impl DirectKinetics {
    /// Activity per cell (Bq) at `t_h`: a0 e^{-(λ + ε + g) t}.
    pub fn per_cell_bq(&self, c: &CellKinetics, t_h: f64) -> f64 {
        self.a0_bq * (-(self.decay_per_h + self.efflux_per_h + c.growth_per_h) * t_h).exp()
    }

    /// Label held by living cells (Bq) at `t_h`: N0 a0 e^{-(λ + ε + d) t}.
    pub fn cell_bound_bq(&self, c: &CellKinetics, t_h: f64) -> f64 {
        c.cells0
            * self.a0_bq
            * (-(self.decay_per_h + self.efflux_per_h + c.death_per_h) * t_h).exp()
    }

    /// Effluxed label still present (Bq) at `t_h`: N0 a0 ε (e^{-λt} − e^{-(λ+ε+d)t}) / (ε + d)
    /// (only the efflux of living cells; the label of dead cells is cleared).
    pub fn released_bq(&self, c: &CellKinetics, t_h: f64) -> f64 {
        let k = self.efflux_per_h + c.death_per_h;
        if self.efflux_per_h <= 0.0 || k <= 0.0 {
            return 0.0;
        }
        let l = self.decay_per_h;
        c.cells0 * self.a0_bq * self.efflux_per_h / k * ((-l * t_h).exp() - (-(l + k) * t_h).exp())
    }

    /// Cumulated activity per cell (Bq h) from 0 to infinity: a0 / (λ + ε + g).
    pub fn cumulated_per_cell_bq_h(&self, c: &CellKinetics) -> f64 {
        self.a0_bq / (self.decay_per_h + self.efflux_per_h + c.growth_per_h)
    }
}

/// A reporter's tracer per scan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReporterKinetics {
    /// tracer activity per cell per injected MBq at the scan start (Bq/MBq)
    pub uptake_per_cell_bq_per_mbq: f64,
    /// injected tracer per scan (MBq)
    pub injected_mbq: f64,
    /// injection to scan start (h)
    pub uptake_h: f64,
    /// tracer physical decay λ_T
    pub decay_per_h: f64,
    /// tracer biological washout from the cells after the scan (0: none; the tracer stays)
    pub washout_per_h: f64,
}

impl ReporterKinetics {
    /// Tracer per cell at a scan's start (Bq), u A_inj.
    pub fn per_cell_bq(&self) -> f64 {
        self.uptake_per_cell_bq_per_mbq * self.injected_mbq
    }

    /// The same referred to the injection time (Bq): u A_inj e^{λ_T t_up}.
    pub fn per_cell_at_injection_bq(&self) -> f64 {
        self.per_cell_bq() * (self.decay_per_h * self.uptake_h).exp()
    }

    /// Cumulated tracer activity per cell of one injection (Bq h): linear uptake to the scan
    /// start (∫ of a ramp from 0 to the scan's value, decaying) is approximated by the ramp's
    /// area a_s t_up / 2, then e^{-(λ_T + w) t} from the scan on: a_s (t_up/2 + 1/(λ_T + w)).
    pub fn cumulated_per_cell_bq_h(&self) -> f64 {
        let a = self.per_cell_bq();
        a * (0.5 * self.uptake_h + 1.0 / (self.decay_per_h + self.washout_per_h))
    }
}

/// The time (h) at which the reporter's cell-bound activity at a scan start overtakes the direct
/// label's: t* = ln(a0 / (u A_inj)) / (g + λ + ε) (module docs). `None` when it never does (no
/// net decline of the direct label relative to the reporter), 0 when the reporter starts ahead.
pub fn overtake_time_h(
    direct: &DirectKinetics,
    reporter: &ReporterKinetics,
    cells: &CellKinetics,
) -> Option<f64> {
    let k = cells.growth_per_h + direct.decay_per_h + direct.efflux_per_h;
    let ratio0 = reporter.per_cell_bq() / direct.a0_bq;
    if ratio0 >= 1.0 {
        return Some(0.0);
    }
    if k <= 0.0 {
        return None;
    }
    Some((1.0 / ratio0).ln() / k)
}

/// The LQ parameters of the labelled cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellRadiobiology {
    /// α (per Gy)
    pub alpha_per_gy: f64,
    /// α/β (Gy)
    pub alpha_beta_gy: f64,
    /// sublethal-damage repair half-time (h)
    pub repair_half_time_h: f64,
}

impl CellRadiobiology {
    /// Surviving fraction of a protracted low-LET dose `dose_gy` delivered with an effective
    /// half-life `effective_half_life_h` (a mono-exponential dose rate): SF = exp(−α BED),
    /// BED = D (1 + G D / (α/β)), G of Dale 1985 ([`gfactor::g_mono_exponential`]).
    pub fn surviving_fraction(&self, dose_gy: f64, effective_half_life_h: f64) -> f64 {
        let g = if effective_half_life_h.is_finite() && effective_half_life_h > 0.0 {
            gfactor::g_mono_exponential(effective_half_life_h, self.repair_half_time_h)
        } else {
            0.0
        };
        lq::surviving_fraction(
            lq::bed_gy(dose_gy, g, self.alpha_beta_gy),
            self.alpha_per_gy,
        )
    }
}

/// Integrates `f(t)` (per hour) from 0 to `t_end_h` by the trapezoid rule on `n` intervals of a
/// grid uniform in t.
pub fn integrate(f: impl Fn(f64) -> f64, t_end_h: f64, n: usize) -> f64 {
    let h = t_end_h / n as f64;
    let mut s = 0.5 * (f(0.0) + f(t_end_h));
    for i in 1..n {
        s += f(i as f64 * h);
    }
    s * h
}

/// Checks a half-time field: positive and finite, or absent.
///
/// # Errors
/// A value that is not positive and finite (the message names the field).
pub fn check_half_time(field: &str, v: Option<f64>) -> Result<()> {
    if let Some(t) = v {
        if !(t.is_finite() && t > 0.0) {
            bail!("{field} = {t}: expected a positive half-time in hours (or leave it out)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kin() -> (CellKinetics, DirectKinetics, ReporterKinetics) {
        let c = CellKinetics {
            cells0: 1e6,
            growth_per_h: LN_2 / 48.0,
            death_per_h: LN_2 / 200.0,
        };
        let d = DirectKinetics {
            a0_bq: 0.05,
            decay_per_h: LN_2 / 78.41,
            efflux_per_h: LN_2 / 150.0,
        };
        let r = ReporterKinetics {
            uptake_per_cell_bq_per_mbq: 1e-4,
            injected_mbq: 10.0,
            uptake_h: 1.0,
            decay_per_h: LN_2 / 1.8295,
            washout_per_h: 0.0,
        };
        (c, d, r)
    }

    /// At the closed-form time the cell-bound activities of both labels are equal.
    #[test]
    fn overtake_equalises_the_signals() {
        let (c, d, r) = kin();
        let t = overtake_time_h(&d, &r, &c).unwrap();
        let direct = d.cell_bound_bq(&c, t);
        let reporter = c.cells(t) * r.per_cell_bq();
        assert!(
            (direct / reporter - 1.0).abs() < 1e-12,
            "{direct} {reporter}"
        );
    }

    /// Label conservation: cell-bound + released + decayed + cleared with dead cells = a0 N0;
    /// checked through d/dt of the released label equalling ε x cell-bound − λ x released.
    #[test]
    fn released_label_obeys_its_rate_equation() {
        let (c, d, _) = kin();
        let (t, h) = (40.0, 1e-4);
        let dr = (d.released_bq(&c, t + h) - d.released_bq(&c, t - h)) / (2.0 * h);
        let rhs = d.efflux_per_h * d.cell_bound_bq(&c, t) - d.decay_per_h * d.released_bq(&c, t);
        assert!((dr / rhs - 1.0).abs() < 1e-6, "{dr} {rhs}");
    }

    /// The trapezoid integral of the per-cell activity converges to the closed form.
    #[test]
    fn cumulated_activity_matches_the_integral() {
        let (c, d, _) = kin();
        let num = integrate(|t| d.per_cell_bq(&c, t), 5000.0, 200_000);
        let exact = d.cumulated_per_cell_bq_h(&c);
        assert!((num / exact - 1.0).abs() < 1e-6, "{num} {exact}");
    }
}
