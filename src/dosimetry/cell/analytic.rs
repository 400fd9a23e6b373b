//! The CSDA straight-line method of the MIRD cellular S values (Goddu, Howell, Rao, J Nucl Med
//! 35 (1994) 303; Goddu et al., MIRD Cellular S Values, SNM 1997).
//!
//! A particle of initial energy E travels a straight track of length L = R(E) and loses energy
//! at the CSDA rate dE/dX of its residual energy. Its absorbed fraction in target T from source S
//! (Goddu 1994 eq. 2) is
//!
//! ```text
//!   phi_{T<-S}(E) = (1/E) int_0^L psi_{T<-S}(x) dE/dX|_{R = L - x} dx,
//! ```
//!
//! with the geometric reduction factor psi of [`super::geometry`]. The S value sums over the
//! particulate emissions i of a decay, S(T<-S) = sum_i y_i E_i phi_i(T<-S) / m_T (Goddu 1994
//! eq. 1), with m_T the target mass at unit density.
//!
//! Quadrature: one grid of distances x for all target-source pairs, from 0 to 2 RC (beyond which
//! every psi vanishes), split at every kink of psi (x = RC - RN, RN, 2 RN, RC, RC + RN, 2 RC) into
//! panels no wider than RN/48 and 0.05 um (at least 4 between two kinks), with 4-point
//! Gauss-Legendre nodes;
//! psi is tabulated once at the nodes, and the stopping power at the residual range once per
//! emission line. The panel holding the end of a track shorter than 2 RC is integrated afresh on
//! 8 sub-panels. The sum of the absorbed fractions over every target, evaluated for a target
//! far larger than the range, is 1 to 1e-6 (`tests/cell_svalues.rs`).

use super::geometry::{CellGeometry, SourceRegion, TargetRegion};
use super::range::{Particle, RangeEnergy};
use super::spectrum::EmissionLine;
use crate::units::MEV_TO_J;

/// 4-point Gauss-Legendre nodes and weights on [-1, 1].
const GL4: [(f64, f64); 4] = [
    (-0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
    (-0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
];

/// Sub-panels of the panel where a short track ends.
const END_SUBPANELS: usize = 8;

/// Number of (target, source) pairs: 3 targets x 4 sources.
pub const N_PAIRS: usize = 12;

/// The (target, source) pairs in the order of [`AnalyticCell::absorbed_fractions`].
pub fn pairs() -> [(TargetRegion, SourceRegion); N_PAIRS] {
    let mut out = [(TargetRegion::Nucleus, SourceRegion::Nucleus); N_PAIRS];
    let mut k = 0;
    for t in TargetRegion::ALL {
        for s in SourceRegion::ALL {
            out[k] = (t, s);
            k += 1;
        }
    }
    out
}

/// A quadrature grid over source-target distances: panel edges (um) and 4-point Gauss-Legendre
/// nodes and weights, with a table of psi per row (pair) at the nodes.
#[derive(Clone, Debug)]
pub struct DistanceGrid {
    /// panel edges (um), increasing
    edges: Vec<f64>,
    nodes: Vec<f64>,
    weights: Vec<f64>,
    /// psi at the nodes, `psi[row][node]`
    psi: Vec<Vec<f64>>,
}

impl DistanceGrid {
    /// Panels between consecutive `breaks` (increasing, um), each no wider than `h_max` and at
    /// least 4 between two breaks, and
    /// `rows` functions psi tabulated at the nodes by `psi_at(row, x)`.
    pub fn new(
        breaks: &[f64],
        h_max: f64,
        rows: usize,
        psi_at: impl Fn(usize, f64) -> f64,
    ) -> Self {
        let mut edges = vec![breaks[0]];
        for w in breaks.windows(2) {
            let n = ((w[1] - w[0]) / h_max).ceil().max(4.0) as usize;
            for k in 1..=n {
                edges.push(w[0] + (w[1] - w[0]) * k as f64 / n as f64);
            }
        }
        let (mut nodes, mut weights) = (vec![], vec![]);
        for e in edges.windows(2) {
            let (m, h) = (0.5 * (e[0] + e[1]), 0.5 * (e[1] - e[0]));
            for (t, w) in GL4 {
                nodes.push(m + h * t);
                weights.push(h * w);
            }
        }
        let psi = (0..rows)
            .map(|r| nodes.iter().map(|&x| psi_at(r, x)).collect())
            .collect();
        DistanceGrid {
            edges,
            nodes,
            weights,
            psi,
        }
    }

    /// int psi_row(x) g(x) dx over the grid up to `len` (um), for every row: whole panels from
    /// the table, the panel where `len` falls afresh on [`END_SUBPANELS`] sub-panels with
    /// `psi_at`.
    pub fn integrate(
        &self,
        len: f64,
        g: impl Fn(f64) -> f64,
        psi_at: impl Fn(usize, f64) -> f64,
    ) -> Vec<f64> {
        let mut out = vec![0.0; self.psi.len()];
        let n_full = self.edges.partition_point(|&e| e <= len).saturating_sub(1);
        let n_nodes = (n_full * GL4.len()).min(self.nodes.len());
        for i in 0..n_nodes {
            let gw = g(self.nodes[i]) * self.weights[i];
            for (o, psi) in out.iter_mut().zip(&self.psi) {
                *o += psi[i] * gw;
            }
        }
        if n_full < self.edges.len() - 1 && len > self.edges[0] {
            let (a, b) = (self.edges[n_full], len);
            let h = (b - a) / END_SUBPANELS as f64;
            for k in 0..END_SUBPANELS {
                let (m, hh) = (a + (k as f64 + 0.5) * h, 0.5 * h);
                for (t, w) in GL4 {
                    let x = m + hh * t;
                    let gw = g(x) * w * hh;
                    for (r, o) in out.iter_mut().enumerate() {
                        *o += psi_at(r, x) * gw;
                    }
                }
            }
        }
        out
    }
}

/// Tabulated geometric factors of one cell on the distance grid.
#[derive(Clone, Debug)]
pub struct AnalyticCell {
    pub geometry: CellGeometry,
    grid: DistanceGrid,
    /// psi at x = 0 (the decay site itself), per pair
    psi0: [f64; N_PAIRS],
}

impl AnalyticCell {
    /// Tabulates psi for every pair on the distance grid of `g`.
    pub fn new(g: CellGeometry) -> Self {
        let rn = g.nucleus_radius_um;
        // panels end at every kink of psi, so a thin cytoplasm needs no finer panels elsewhere
        let h_max = (rn / 48.0).min(0.05);
        let mut breaks = vec![0.0];
        breaks.extend(g.kinks_um());
        let ps = pairs();
        let grid = DistanceGrid::new(&breaks, h_max, N_PAIRS, |r, x| g.psi(ps[r].0, ps[r].1, x));
        let mut psi0 = [0.0; N_PAIRS];
        for (k, &(t, s)) in ps.iter().enumerate() {
            psi0[k] = g.psi(t, s, 0.0);
        }
        AnalyticCell {
            geometry: g,
            grid,
            psi0,
        }
    }

    /// Absorbed fractions phi_{T<-S}(E) of a particle of `e_mev` for every pair of [`pairs`].
    pub fn absorbed_fractions(&self, re: &RangeEnergy, p: Particle, e_mev: f64) -> [f64; N_PAIRS] {
        let len = re.track_um(p, e_mev);
        if len <= 0.0 || e_mev <= 0.0 {
            return self.psi0;
        }
        let stop = |x: f64| re.stopping_at_residual_mev_per_um(p, (len - x).max(0.0));
        let ps = pairs();
        let g = &self.geometry;
        let v = self
            .grid
            .integrate(len, stop, |r, x| g.psi(ps[r].0, ps[r].1, x));
        let mut out = [0.0; N_PAIRS];
        for (o, x) in out.iter_mut().zip(v) {
            *o = x / e_mev;
        }
        out
    }

    /// S values (Gy per Bq s) of every pair of [`pairs`] for the emission lines of one decay.
    pub fn svalues(&self, re: &RangeEnergy, lines: &[EmissionLine]) -> [f64; N_PAIRS] {
        let mut energy = [0.0; N_PAIRS];
        for l in lines {
            let phi = self.absorbed_fractions(re, l.particle, l.energy_mev);
            for (e, f) in energy.iter_mut().zip(phi) {
                *e += l.yield_per_decay * l.energy_mev * f;
            }
        }
        let mut s = [0.0; N_PAIRS];
        for (k, &(t, _)) in pairs().iter().enumerate() {
            s[k] = energy[k] * MEV_TO_J / target_mass_kg(&self.geometry, t);
        }
        s
    }
}

/// Mass (kg) of a target region at unit density (1 um^3 of water = 1e-15 kg).
pub fn target_mass_kg(g: &CellGeometry, t: TargetRegion) -> f64 {
    g.target_volume_um3(t) * 1e-15
}
