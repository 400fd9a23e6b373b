//! Bremsstrahlung emission above a photon-energy threshold k_c: cross section and photon-energy
//! sampling from the EEDL scaled spectra (ENDF/B-VIII.1 MF26 MT527, based on Seltzer & Berger,
//! At. Data Nucl. Data Tables 35 (1986) 345), as tabulated in `data/electron/Z###_Sym.txt`.
//!
//! The files give, per element, the radiative stopping cross section S(E) (MeV barn) and the
//! energy fraction F(kappa; E) carried by photons with k < kappa E on a fixed kappa grid (8 per
//! decade from 1e-5 to 1), with F linear in kappa between grid points. Hence the scaled spectrum
//! kappa dsigma/dkappa = (S/E) dF/dkappa is constant on each kappa interval, the number of photons
//! above kappa_c is sum_j (S/E) F'_j ln(kappa_{j+1}/kappa_j) (intervals clipped at kappa_c), and
//! within an interval kappa is sampled log-uniformly: exactly consistent with the restricted
//! radiative stopping power S (1 - F(kappa_c)) of [`super::ElectronMedium::radiative_below`].
//! Positrons: S times the PENELOPE-2011 / Kim et al. (1986) ratio, spectrum shape unchanged.
//!
//! Photon direction: the emission of a dipole-like source moving with the lepton's velocity,
//! cos(theta) = (c' + beta)/(1 + beta c') with c' uniform in [-1, 1] (density proportional to
//! 1/(1 - beta cos theta)^2, the leading-order angular distribution of the Sauter/Koch-Motz 2BS
//! cross section at high energies); the lepton keeps its direction.

use super::medium::{positron_radiative_ratio, ElementCache};
use super::Lepton;
use crate::numerics::LogGrid;
use crate::rng::HistoryRng;
use crate::units::{AVOGADRO, BARN_CM2, ELECTRON_MASS_MEV};
use anyhow::Result;

/// kappa grid of the EEDL cumulative spectra written by `scripts/gen_electron_tables.py`
/// (KAPPA there: 1e-5 .. 1 with 8 points per decade; the point 0 is not needed because
/// k_c / E >= 1 keV / 20 MeV = 5e-5).
fn kappa_grid() -> Vec<f64> {
    let mut k: Vec<f64> = (0..40).map(|j| 10f64.powf(-5.0 + j as f64 / 8.0)).collect();
    k.push(1.0);
    k
}

/// Bremsstrahlung tables of one material for one lepton, per gram.
#[derive(Clone, Debug)]
pub struct BremsTable {
    pub k_cut_mev: f64,
    grid: LogGrid,
    kappa: Vec<f64>,
    /// ln(kappa_{j+1}/kappa_j)
    ln_ratio: Vec<f64>,
    n_el: usize,
    /// per node, per element, per interval: kappa dsigma/dkappa (cm2/g)
    shape: Vec<f64>,
    /// per node: cross section for photons above k_cut (cm2/g)
    sigma: Vec<f64>,
}

const N_NODES: usize = 160;

impl BremsTable {
    /// Builds the table of a material given as (Z, mass fraction).
    pub fn new(
        elements: &[(u8, f64)],
        lepton: Lepton,
        k_cut_mev: f64,
        cache: &mut ElementCache,
    ) -> Result<Self> {
        let grid = LogGrid::new(super::E_MIN_MEV, super::E_MAX_MEV, N_NODES);
        let kappa = kappa_grid();
        let ln_ratio: Vec<f64> = kappa.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        let nk = ln_ratio.len();
        let mut data = Vec::new();
        for &(z, w) in elements {
            data.push((w * AVOGADRO, cache.get(z)?));
        }
        let mut shape = Vec::with_capacity(N_NODES * data.len() * nk);
        for i in 0..N_NODES {
            let e = grid.node(i);
            for (nw, d) in &data {
                let mut s = nw / d.atomic_weight * d.loss_mev_b(e) * BARN_CM2 / e;
                if lepton == Lepton::Positron {
                    s *= positron_radiative_ratio(d.z, e);
                }
                for j in 0..nk {
                    let df =
                        d.loss_fraction_below(e, kappa[j + 1]) - d.loss_fraction_below(e, kappa[j]);
                    shape.push(s * df.max(0.0) / (kappa[j + 1] - kappa[j]));
                }
            }
        }
        let mut t = BremsTable {
            k_cut_mev,
            grid,
            kappa,
            ln_ratio,
            n_el: data.len(),
            shape,
            sigma: vec![],
        };
        t.sigma = (0..N_NODES)
            .map(|i| t.sigma_at_node(i, k_cut_mev / t.grid.node(i)))
            .collect();
        Ok(t)
    }

    /// Number of photons above kappa_c (cm2/g) at node `i`.
    fn sigma_at_node(&self, i: usize, kappa_c: f64) -> f64 {
        let nk = self.ln_ratio.len();
        let mut s = 0.0;
        for el in 0..self.n_el {
            let row = &self.shape[(i * self.n_el + el) * nk..][..nk];
            for (j, r) in row.iter().enumerate() {
                let w = self.clipped_ln(j, kappa_c);
                if w > 0.0 {
                    s += r * w;
                }
            }
        }
        s
    }

    #[inline]
    fn clipped_ln(&self, j: usize, kappa_c: f64) -> f64 {
        let (a, b) = (self.kappa[j], self.kappa[j + 1]);
        if kappa_c >= b {
            0.0
        } else if kappa_c <= a {
            self.ln_ratio[j]
        } else {
            (b / kappa_c).ln()
        }
    }

    /// Cross section (cm2/g) for photons above the cut at kinetic energy `t_mev` (linear in ln E
    /// between nodes).
    #[inline]
    pub fn sigma(&self, t_mev: f64) -> f64 {
        if t_mev <= self.k_cut_mev {
            return 0.0;
        }
        let (i, f) = self.grid.locate(t_mev);
        self.sigma[i] + f * (self.sigma[i + 1] - self.sigma[i])
    }

    /// Samples the photon energy (MeV, in [k_cut, t_mev]) at kinetic energy `t_mev`: the spectrum
    /// shape of a neighbouring node (chosen with the interpolation weight), clipped at
    /// kappa_c = k_cut / t_mev.
    pub fn sample_energy(&self, t_mev: f64, rng: &mut HistoryRng) -> f64 {
        let (i, f) = self.grid.locate(t_mev);
        let node = if rng.uniform() < f { i + 1 } else { i };
        let kappa_c = self.k_cut_mev / t_mev;
        let nk = self.ln_ratio.len();
        let total = self.sigma_at_node(node, kappa_c);
        if total <= 0.0 {
            return t_mev;
        }
        let mut r = rng.uniform() * total;
        for el in 0..self.n_el {
            let row = &self.shape[(node * self.n_el + el) * nk..][..nk];
            for (j, rj) in row.iter().enumerate() {
                let w = self.clipped_ln(j, kappa_c);
                if w <= 0.0 {
                    continue;
                }
                let p = rj * w;
                if r < p || (el + 1 == self.n_el && j + 1 == nk) {
                    let lo = self.kappa[j].max(kappa_c);
                    let kap = lo * (w * rng.uniform()).exp();
                    return (kap * t_mev).clamp(self.k_cut_mev, t_mev);
                }
                r -= p;
            }
        }
        t_mev
    }
}

/// Samples cos(theta) of a bremsstrahlung photon relative to the lepton of kinetic energy `t_mev`.
#[inline]
pub fn sample_photon_cos(t_mev: f64, rng: &mut HistoryRng) -> f64 {
    let g = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let beta = (1.0 - 1.0 / (g * g)).sqrt();
    let c = 2.0 * rng.uniform() - 1.0;
    (c + beta) / (1.0 + beta * c)
}
