//! Alpha particles in voxel phantoms: straight-line continuous-slowing-down tracks (ICRU-49 /
//! ASTAR stopping powers of `physics::ion`), depositing in each voxel the energy lost along the
//! chord through it: E_out = E(R(E_in) - rho * chord). A track that ends inside its voxel (the
//! common case at mm voxels: 40-100 um ranges) deposits locally after one range lookup. Range
//! straggling: each track's path length is the CSDA range scaled by (1 + delta), delta normal
//! with the Bohr sigma_R/R of the starting energy and material (about 1 % for alphas); the energy
//! loss curve is stretched by the same factor. Angular deflection is neglected.
//!
//! LET scoring (optional, [`Transport::with_let_scoring`]): each step from E_in to E_out in a
//! voxel of density rho scores, exactly for the tabulated stopping powers, the dose-weighted
//! LET sum int LET dE = 0.1 rho (Q(E_in) - Q(E_out)) keV/um MeV and the path-weighted sum
//! int LET dx = 0.1 stretch (G(E_in) - G(E_out)) keV/um cm (`IonTable::let_dose_integral`,
//! `let_track_integral`), so a track that stops inside one voxel still gets its Bragg peak.

use super::{world, Geometry, Transport};
use crate::particle::Particle;
use crate::physics::ion::table::IonTable;
use crate::rng::HistoryRng;
use crate::tally::let_tally::{LetLayout, KEV_UM_PER_MEV_CM, LET_BINS_PER_VOXEL, LET_SCALE_KEV_UM};
use crate::tally::HistoryScore;

impl Transport<'_> {
    /// Scores the LET of alpha tracks per voxel (voxel geometry; 4 tally bins per voxel after
    /// all others, see [`crate::tally::let_tally`]). Without it alpha transport is unchanged.
    pub fn with_let_scoring(mut self) -> Self {
        self.let_scoring = matches!(self.geometry, Geometry::Voxels(_));
        self
    }

    /// Number of LET tally bins (0 when LET is not scored).
    pub(crate) fn let_bins(&self) -> usize {
        match (&self.geometry, self.let_scoring) {
            (Geometry::Voxels(ph), true) => LET_BINS_PER_VOXEL * ph.len(),
            _ => 0,
        }
    }

    /// Where the LET bins lie in this transport's tally (None when LET is not scored).
    pub fn let_layout(&self) -> Option<LetLayout> {
        match (&self.geometry, self.let_scoring) {
            (Geometry::Voxels(ph), true) => Some(LetLayout {
                offset: self.n_bins() - self.let_bins(),
                n_voxels: ph.len(),
            }),
            _ => None,
        }
    }

    /// Transports one alpha particle to rest along a straight line.
    pub(crate) fn track_alpha(
        &self,
        tables: &[IonTable],
        mut p: Particle,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
    ) {
        let Geometry::Voxels(_) = &self.geometry else {
            self.deposit(p.pos, p.energy_mev, score);
            score.deposited += p.energy_mev;
            return;
        };
        let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
        let let_bins = self.let_layout();
        // range straggling: stretch factor of this track (Gaussian, Box-Muller)
        let stretch = match lookup.at(p.pos) {
            Some((_, vx)) => {
                let t = &tables[vx.material as usize];
                let r = t.range(p.energy_mev);
                let rel = if r > 0.0 {
                    t.range_straggling(p.energy_mev) / r
                } else {
                    0.0
                };
                let g = (-2.0 * rng.uniform_open().ln()).sqrt()
                    * (std::f64::consts::TAU * rng.uniform()).cos();
                (1.0 + rel * g).max(0.5)
            }
            None => 1.0,
        };
        loop {
            let Some((v, vx)) = lookup.at(p.pos) else {
                if self.alpha_world_flight(tables, &mut p, stretch, score) {
                    continue;
                }
                return;
            };
            let rho = vx.density as f64;
            let t = &tables[vx.material as usize];
            let r_cm = if rho > 0.0 {
                stretch * t.range(p.energy_mev) / rho
            } else {
                f64::INFINITY
            };
            let d_exit = lookup.next_face_cm(v, p.pos, p.dir);
            if r_cm <= d_exit {
                self.deposit(p.pos, p.energy_mev, score);
                score.deposited += p.energy_mev;
                if let Some(lay) = &let_bins {
                    let step = LetStep {
                        e_in: p.energy_mev,
                        e_out: 0.0,
                        path_cm: r_cm,
                    };
                    score_let(lay, v, t, rho, stretch, step, score);
                }
                return;
            }
            let e_out = t
                .energy_at_range(t.range(p.energy_mev) - d_exit * rho / stretch)
                .min(p.energy_mev);
            let lost = p.energy_mev - e_out;
            // score the loss in this voxel (at the chord's midpoint), then step just past the face
            self.deposit(p.pos + p.dir * (0.5 * d_exit), lost, score);
            score.deposited += lost;
            if let (Some(lay), true) = (&let_bins, lost > 0.0) {
                let step = LetStep {
                    e_in: p.energy_mev,
                    e_out,
                    path_cm: d_exit,
                };
                score_let(lay, v, t, rho, stretch, step, score);
            }
            p.energy_mev = e_out;
            p.pos = p.pos + p.dir * (d_exit + 1e-9);
            if p.energy_mev <= 0.0 {
                return;
            }
        }
    }
}

impl Transport<'_> {
    /// An alpha outside the grid: along its straight track through the world medium (if any)
    /// to rest, out of the world, or back into the grid (true: `p` is just inside it, with the
    /// energy left). What it loses in the world counts as deposited, what it carries out of the
    /// world as escaped.
    fn alpha_world_flight(
        &self,
        tables: &[IonTable],
        p: &mut Particle,
        stretch: f64,
        score: &mut HistoryScore,
    ) -> bool {
        let (Some(w), Geometry::Voxels(ph)) = (&self.world, &self.geometry) else {
            score.escaped += p.energy_mev;
            return false;
        };
        if !w.contains(p.pos) {
            score.escaped += p.energy_mev;
            return false;
        }
        let t = &tables[w.material];
        let r_cm = if w.density > 0.0 {
            stretch * t.range(p.energy_mev) / w.density
        } else {
            f64::INFINITY
        };
        let d_in = world::box_entry_cm(p.pos, p.dir, ph.size_cm);
        let d = d_in.min(w.exit_cm(p.pos, p.dir));
        if r_cm <= d {
            score.deposited += p.energy_mev;
            return false;
        }
        let e_out = if w.density > 0.0 {
            t.energy_at_range(t.range(p.energy_mev) - d * w.density / stretch)
                .min(p.energy_mev)
        } else {
            p.energy_mev
        };
        score.deposited += p.energy_mev - e_out;
        p.energy_mev = e_out;
        p.pos = p.pos + p.dir * (d + world::NUDGE_CM);
        if d_in > d || !world::in_grid(p.pos, ph.size_cm) {
            // out of the world (or grazing the grid's edge on the way out)
            score.escaped += e_out;
            return false;
        }
        e_out > 0.0
    }
}

/// One straight step of an ion inside a voxel.
struct LetStep {
    e_in: f64,
    e_out: f64,
    path_cm: f64,
}

/// Scores the energy, LET-weighted energy, path and LET-weighted path of one step in voxel `v`
/// (medium table `t`, density `rho`, track stretch factor `stretch`).
#[inline]
fn score_let(
    lay: &LetLayout,
    v: usize,
    t: &IonTable,
    rho: f64,
    stretch: f64,
    s: LetStep,
    score: &mut HistoryScore,
) {
    let k = KEV_UM_PER_MEV_CM / LET_SCALE_KEV_UM;
    let edep_let = k * rho * (t.let_dose_integral(s.e_in) - t.let_dose_integral(s.e_out));
    let path_let = k * stretch * (t.let_track_integral(s.e_in) - t.let_track_integral(s.e_out));
    let bin = |q: usize| lay.bin(v, q) as u32;
    score.score_aux(bin(0), s.e_in - s.e_out);
    score.score_aux(bin(1), edep_let.max(0.0));
    score.score_aux(bin(2), s.path_cm);
    score.score_aux(bin(3), path_let.max(0.0));
}
