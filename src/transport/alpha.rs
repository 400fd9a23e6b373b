//! Alpha particles in voxel phantoms: straight-line continuous-slowing-down tracks (ICRU-49 /
//! ASTAR stopping powers of `physics::ion`), depositing in each voxel the energy lost along the
//! chord through it: E_out = E(R(E_in) - rho * chord). A track that ends inside its voxel (the
//! common case at mm voxels: 40-100 um ranges) deposits locally after one range lookup. Range
//! straggling: each track's path length is the CSDA range scaled by (1 + delta), delta normal
//! with the Bohr sigma_R/R of the starting energy and material (about 1 % for alphas); the energy
//! loss curve is stretched by the same factor. Angular deflection is neglected.

use super::{Geometry, Transport};
use crate::particle::Particle;
use crate::physics::ion::table::IonTable;
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;

impl Transport<'_> {
    /// Transports one alpha particle to rest along a straight line.
    pub(crate) fn track_alpha(
        &self,
        tables: &[IonTable],
        mut p: Particle,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
    ) {
        let Geometry::Voxels(ph) = &self.geometry else {
            self.deposit(p.pos, p.energy_mev, score);
            score.deposited += p.energy_mev;
            return;
        };
        let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
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
                score.escaped += p.energy_mev;
                return;
            };
            let rho = vx.density as f64;
            let t = &tables[vx.material as usize];
            let r_cm = if rho > 0.0 {
                stretch * t.range(p.energy_mev) / rho
            } else {
                f64::INFINITY
            };
            // distance to the exit face of this voxel
            let (i, j, k) = ph.ijk(v);
            let idx = [i, j, k];
            let mut d_exit = f64::INFINITY;
            for (a, &ia) in idx.iter().enumerate() {
                let d = p.dir.get(a);
                let w = ph.voxel_cm[a];
                let x = p.pos.get(a);
                let s = if d > 0.0 {
                    ((ia + 1) as f64 * w - x) / d
                } else if d < 0.0 {
                    (ia as f64 * w - x) / d
                } else {
                    f64::INFINITY
                };
                d_exit = d_exit.min(s.max(0.0));
            }
            if r_cm <= d_exit {
                self.deposit(p.pos, p.energy_mev, score);
                score.deposited += p.energy_mev;
                return;
            }
            let e_out = t
                .energy_at_range(t.range(p.energy_mev) - d_exit * rho / stretch)
                .min(p.energy_mev);
            let lost = p.energy_mev - e_out;
            // score the loss in this voxel (at the chord's midpoint), then step just past the face
            self.deposit(p.pos + p.dir * (0.5 * d_exit), lost, score);
            score.deposited += lost;
            p.energy_mev = e_out;
            p.pos = p.pos + p.dir * (d_exit + 1e-9);
            if p.energy_mev <= 0.0 {
                return;
            }
        }
    }
}
