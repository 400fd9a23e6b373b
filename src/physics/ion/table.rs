//! Per-material tables for transport: stopping power S(E), CSDA range R(E), its inverse E(R)
//! and the Bohr range straggling sigma_R(E), on uniform logarithmic grids with O(1) lookup; for
//! LET scoring also the electronic stopping power S_el(E) and two integrals along the track,
//! Q(E) = int_0^E S_el dE' (dose-weighted LET) and G(E) = int_0^E S_el/S dE' (the energy lost
//! to electrons, i.e. the path-weighted LET).
//!
//! Units: E in MeV, S in MeV cm2/g, R and sigma_R in g/cm2 (divide by the density in g/cm3 for
//! cm). Low end: below the first node E0 the stopping power is taken proportional to sqrt(E)
//! (velocity-proportional stopping, ICRU 49), so R(E) = 2 E / S(E) there; the integral of 1/S
//! starts from R(E0) = 2 E0 / S(E0).

use super::stopping::Stopping;
use crate::numerics::LogGrid;

/// Nodes per decade of the energy grid.
const NODES_PER_DECADE: f64 = 64.0;

/// Tabulated S, R, E(R) and sigma_R of one ion in one medium.
#[derive(Clone, Debug)]
pub struct IonTable {
    /// energy grid (MeV)
    pub grid: LogGrid,
    ln_s: Vec<f64>,
    ln_r: Vec<f64>,
    /// uniform grid in ln R for the inverse
    r_grid: LogGrid,
    ln_e_of_r: Vec<f64>,
    /// sigma_R^2 (g2/cm4) at the nodes
    var_r: Vec<f64>,
    /// ln S_el at the nodes (electronic stopping, MeV cm2/g)
    ln_se: Vec<f64>,
    /// Q(E) = int_0^E S_el dE' at the nodes (MeV2 cm2/g)
    q_let: Vec<f64>,
    /// G(E) = int_0^E S_el/S dE' at the nodes (MeV)
    g_let: Vec<f64>,
}

impl IonTable {
    /// Tabulates `model` from `e_min` to `e_max` (MeV).
    ///
    /// # Panics
    /// If `e_min` is not positive or not below `e_max` (callers pass the data-file limits).
    pub fn new(model: &Stopping, e_min: f64, e_max: f64) -> Self {
        let n = ((e_max / e_min).log10() * NODES_PER_DECADE).ceil() as usize + 1;
        let grid = LogGrid::new(e_min, e_max, n);
        let e: Vec<f64> = (0..n).map(|i| grid.node(i)).collect();
        let s: Vec<f64> = e.iter().map(|&x| model.total(x)).collect();
        let mut r = vec![2.0 * e[0] / s[0]; n];
        // sigma_R^2 = int dOmega^2/d(rho x) / S^3 dE. Below e[0] the integrand grows as E^-3/2
        // for S ~ sqrt(E) at constant z_eff^2 (Bohr's free-electron picture fails there); the
        // part below e[0] is set to 2 k(E0) E0 / S0^3, the same order as one node's share, and is
        // meant to be small beside sigma_R^2 at MeV energies (not separately verified).
        let mut var = vec![2.0 * model.bohr_straggling_rate(e[0]) * e[0] / s[0].powi(3); n];
        // LET integrals; below e[0] S_el and S are taken proportional to sqrt(E) (as for R):
        // Q(e0) = 2/3 S_el(e0) e0, G(e0) = S_el(e0)/S(e0) e0
        let se: Vec<f64> = e.iter().map(|&x| model.electronic(x)).collect();
        let mut q_let = vec![2.0 / 3.0 * se[0] * e[0]; n];
        let mut g_let = vec![se[0] / s[0] * e[0]; n];
        for i in 1..n {
            // Simpson on [e_{i-1}, e_i] with the model at the geometric midpoint
            let (a, b) = (e[i - 1], e[i]);
            let m = (a * b).sqrt();
            let sm = model.total(m);
            // integrate in u = ln E: dE = E du
            let h = (b / a).ln();
            let f = |x: f64, sx: f64| x / sx;
            r[i] = r[i - 1] + h / 6.0 * (f(a, s[i - 1]) + 4.0 * f(m, sm) + f(b, s[i]));
            let g = |x: f64, sx: f64| x * model.bohr_straggling_rate(x) / sx.powi(3);
            var[i] = var[i - 1] + h / 6.0 * (g(a, s[i - 1]) + 4.0 * g(m, sm) + g(b, s[i]));
            let sem = model.electronic(m);
            q_let[i] = q_let[i - 1] + h / 6.0 * (a * se[i - 1] + 4.0 * m * sem + b * se[i]);
            g_let[i] = g_let[i - 1]
                + h / 6.0 * (a * se[i - 1] / s[i - 1] + 4.0 * m * sem / sm + b * se[i] / s[i]);
        }
        let ln_s: Vec<f64> = s.iter().map(|v| v.ln()).collect();
        let ln_r: Vec<f64> = r.iter().map(|v| v.ln()).collect();
        let r_grid = LogGrid::new(r[0], r[n - 1], n);
        let mut ln_e_of_r = Vec::with_capacity(n);
        let mut j = 0;
        for k in 0..n {
            let lr = r_grid.node(k).ln().clamp(ln_r[0], ln_r[n - 1]);
            while j + 2 < n && ln_r[j + 1] < lr {
                j += 1;
            }
            let t = (lr - ln_r[j]) / (ln_r[j + 1] - ln_r[j]);
            ln_e_of_r.push(e[j].ln() + t.clamp(0.0, 1.0) * (e[j + 1] / e[j]).ln());
        }
        IonTable {
            grid,
            ln_s,
            ln_r,
            r_grid,
            ln_e_of_r,
            var_r: var,
            ln_se: se.iter().map(|v| v.ln()).collect(),
            q_let,
            g_let,
        }
    }

    #[inline]
    fn loglog(&self, y: &[f64], e: f64) -> f64 {
        let (i, f) = self.grid.locate(e);
        (y[i] + f * (y[i + 1] - y[i])).exp()
    }

    /// Total stopping power S(E), MeV cm2/g.
    #[inline]
    pub fn stopping(&self, e: f64) -> f64 {
        if e < self.grid.e_min {
            return self.ln_s[0].exp() * (e / self.grid.e_min).sqrt();
        }
        self.loglog(&self.ln_s, e)
    }

    /// CSDA range R(E), g/cm2.
    #[inline]
    pub fn range(&self, e: f64) -> f64 {
        if e <= 0.0 {
            return 0.0;
        }
        if e < self.grid.e_min {
            return self.ln_r[0].exp() * (e / self.grid.e_min).sqrt();
        }
        self.loglog(&self.ln_r, e)
    }

    /// Energy (MeV) whose CSDA range is `r` (g/cm2): the residual energy of a straight-line
    /// track is `energy_at_range(range(E0) - path)`.
    #[inline]
    pub fn energy_at_range(&self, r: f64) -> f64 {
        if r <= 0.0 {
            return 0.0;
        }
        let r0 = self.r_grid.e_min;
        if r < r0 {
            return self.grid.e_min * (r / r0).powi(2);
        }
        let (i, f) = self.r_grid.locate(r);
        (self.ln_e_of_r[i] + f * (self.ln_e_of_r[i + 1] - self.ln_e_of_r[i])).exp()
    }

    /// Bohr range straggling sigma_R(E) (g/cm2): standard deviation of the path length to rest,
    /// sigma_R^2 = int_0^E (dOmega^2/d(rho x)) / S^3 dE (Bohr 1948; ICRU 49 sec. 5).
    #[inline]
    pub fn range_straggling(&self, e: f64) -> f64 {
        if e <= 0.0 {
            return 0.0;
        }
        let (i, f) = self.grid.locate(e.max(self.grid.e_min));
        let v = self.var_r[i] + f * (self.var_r[i + 1] - self.var_r[i]);
        let scale = if e < self.grid.e_min {
            e / self.grid.e_min
        } else {
            1.0
        };
        (v * scale).max(0.0).sqrt()
    }

    /// Electronic stopping power S_el(E), MeV cm2/g (the LET is S_el times the density).
    #[inline]
    pub fn electronic(&self, e: f64) -> f64 {
        if e < self.grid.e_min {
            return self.ln_se[0].exp() * (e / self.grid.e_min).sqrt();
        }
        self.loglog(&self.ln_se, e)
    }

    /// Q(E) = int_0^E S_el(E') dE' (MeV2 cm2/g): a step from E_in down to E_out deposits
    /// E_in - E_out with the dose-weighted LET sum rho (Q(E_in) - Q(E_out)). Between nodes the
    /// integral is completed by the trapezoid rule from the node below.
    #[inline]
    pub fn let_dose_integral(&self, e: f64) -> f64 {
        if e <= 0.0 {
            return 0.0;
        }
        let e0 = self.grid.e_min;
        if e < e0 {
            return self.q_let[0] * (e / e0).powf(1.5);
        }
        let (i, _) = self.grid.locate(e);
        let ei = self.grid.node(i);
        let sei = self.ln_se[i].exp();
        self.q_let[i] + 0.5 * (sei + self.electronic(e)) * (e - ei)
    }

    /// G(E) = int_0^E S_el(E')/S(E') dE' (MeV), the part of the energy lost to electrons: a
    /// step from E_in down to E_out has the path-weighted LET sum int LET dx = G(E_in) - G(E_out)
    /// (MeV/cm x cm, independent of the density and, for a stretched track, times the stretch).
    #[inline]
    pub fn let_track_integral(&self, e: f64) -> f64 {
        if e <= 0.0 {
            return 0.0;
        }
        let e0 = self.grid.e_min;
        if e < e0 {
            return self.g_let[0] * e / e0;
        }
        let (i, _) = self.grid.locate(e);
        let ei = self.grid.node(i);
        let ri = (self.ln_se[i] - self.ln_s[i]).exp();
        self.g_let[i] + 0.5 * (ri + self.electronic(e) / self.stopping(e)) * (e - ei)
    }
}
