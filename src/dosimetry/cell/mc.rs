//! Monte Carlo cellular S values: the project's condensed-history transport in a water sphere
//! (radius 3 RC, micrometre shells) with an electron cut-off down to 1 keV.
//!
//! Each history is one decay of the nuclide (all its radiations, the chain at secular
//! equilibrium with `chain`), at a point drawn uniformly in the source region, in an infinite
//! water medium truncated at 3 RC (electrons that leave it would have to turn back over 2 RC of
//! water to reach the cell again). Photons and electrons follow [`crate::transport`]:
//! class II condensed history (PENELOPE's mixed elastic scheme, Moller delta rays above the
//! cut-off, soft straggling), electron tables from 1 keV, the geometric step limit set to a
//! tenth of the thinner of nucleus radius and cytoplasm shell. Electrons below the cut-off
//! deposit where they are (the Cole range of 1 keV is 0.068 um; the Auger electrons of I-125
//! below 1 keV carry 10.9% of its electron energy, 2.1 of 19.2 keV per decay). A source on the
//! cell surface sits a hair inside or outside it (one half each), so that half of the energy
//! deposited at the decay site counts in the cell. Alpha particles follow straight CSDA tracks
//! with the ASTAR water tables and Bohr range straggling, as the project's alpha transport does
//! in voxels, with their energy loss between the entry and exit of each region computed exactly
//! from the range-energy table. Recoil nuclei deposit at the decay site when `recoil` is set.
//!
//! Scoring: the energy deposited in the nucleus (shells below RN') and in the cytoplasm per
//! history, and its square, so that every S value has a relative standard uncertainty. The
//! nucleus radius is rounded to the shell grid (RC / 2000), RN' = round(2000 RN / RC) RC / 2000,
//! for sources and targets alike (an error below 0.05% in radius).
//!
//! Chunks of 256 histories run in parallel (rayon) and their sums are merged in chunk order,
//! so the result is bit-identical for any number of threads.

use super::analytic::{pairs, target_mass_kg, N_PAIRS};
use super::geometry::{CellGeometry, SourceRegion, TargetRegion};
use crate::context::Context;
use crate::numerics::Vec3;
use crate::particle::{BornLocal, Particle, ParticleKind};
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::ion::{build_table, Ion, IonTable};
use crate::physics::photon::PhotonPhysics;
use crate::rng::HistoryRng;
use crate::source::{Source, Spatial, Spectrum};
use crate::transport::{Geometry, Transport};
use crate::units::MEV_TO_J;
use anyhow::Result;
use rayon::prelude::*;

/// Shells inside the cell radius.
const SHELLS_IN_CELL: usize = 2000;
/// The water sphere's radius in cell radii.
const WORLD_IN_CELLS: usize = 3;
/// Histories per chunk (the unit of the deterministic merge).
const CHUNK: u64 = 256;

/// Settings of a Monte Carlo S-value run.
#[derive(Clone, Debug)]
pub struct McSettings {
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
    pub electron_cutoff_kev: f64,
    pub recoil: bool,
}

/// S values and their relative standard uncertainties, in the order of [`pairs`].
#[derive(Clone, Debug)]
pub struct McResult {
    pub s: [f64; N_PAIRS],
    pub rel_uncertainty: [f64; N_PAIRS],
    /// the nucleus radius on the shell grid (um)
    pub nucleus_radius_um: f64,
    /// energy emitted per decay (MeV) and its share deposited in the water sphere
    pub emitted_mev_per_decay: f64,
    pub deposited_fraction: f64,
    /// (deposited + escaped - emitted) / emitted over all histories (energy conservation)
    pub energy_balance_relative_discrepancy: f64,
}

/// Sums over histories of the energy (MeV) in nucleus and cytoplasm, their squares and the
/// square of their sum (for the cell).
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    n: [f64; 3],
    n2: [f64; 3],
    emitted: f64,
    deposited: f64,
    escaped: f64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        for k in 0..3 {
            self.n[k] += o.n[k];
            self.n2[k] += o.n2[k];
        }
        self.emitted += o.emitted;
        self.deposited += o.deposited;
        self.escaped += o.escaped;
    }
}

/// What a run needs: the transport and the source.
struct Setup<'a> {
    transport: Transport<'a>,
    source: Source,
    alpha: &'a IonTable,
    g: CellGeometry,
    n_nucleus_shells: u32,
    recoil: bool,
}

/// Monte Carlo S values of the cell `g` for the nuclide source `spectrum`.
///
/// # Errors
/// When water or its tables cannot be loaded.
pub fn run(
    ctx: &Context,
    g: CellGeometry,
    spectrum: Spectrum,
    st: &McSettings,
) -> Result<McResult> {
    let rc = g.cell_radius_um;
    let w = rc / SHELLS_IN_CELL as f64;
    let n_nuc = ((g.nucleus_radius_um / w).round() as usize).clamp(1, SHELLS_IN_CELL - 1);
    let g = CellGeometry {
        cell_radius_um: rc,
        nucleus_radius_um: n_nuc as f64 * w,
    };
    let water = ctx.materials.get("water")?.clone();
    let mats = std::slice::from_ref(&water);
    let photon = PhotonPhysics::new(mats)?;
    let cut = st.electron_cutoff_kev * 1e-3;
    let electron = ElectronPhysics::new(mats, CondensedParams::new(cut, cut))?;
    let alpha = build_table(ctx.ion_data()?, Ion::Alpha, &water)?;
    let geometry = Geometry::Sphere {
        radius_cm: WORLD_IN_CELLS as f64 * rc * 1e-4,
        material: 0,
        density: water.nominal_density,
        shells: WORLD_IN_CELLS * SHELLS_IN_CELL,
    };
    let mut transport = Transport::new(geometry, &photon, cut).with_electrons(&electron);
    let (rn, rcy) = (g.nucleus_radius_um, rc - g.nucleus_radius_um);
    transport.lepton_max_step_cm = 0.1 * rn.min(rcy) * 1e-4;
    let setup = Setup {
        transport,
        source: Source {
            particle: ParticleKind::Electron,
            spatial: Spatial::Point(Vec3::new(0.0, 0.0, 0.0)),
            escape: vec![],
            spectrum,
        },
        alpha: &alpha,
        g,
        n_nucleus_shells: n_nuc as u32,
        recoil: st.recoil,
    };
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = st.threads {
            b = b.num_threads(t.max(1));
        }
        b.build()?
    };
    let mut s = [0.0; N_PAIRS];
    let mut rel = [0.0; N_PAIRS];
    let (mut emitted, mut deposited, mut escaped) = (0.0, 0.0, 0.0);
    for (k_src, src) in SourceRegion::ALL.iter().enumerate() {
        let key = HistoryRng::run_key(st.seed ^ (0x5EED_0000_u64 + k_src as u64));
        let chunks = st.histories.div_ceil(CHUNK);
        let parts: Vec<Sums> = pool.install(|| {
            (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(st.histories));
                    setup.chunk(*src, key, lo, hi)
                })
                .collect()
        });
        let mut tot = Sums::default();
        parts.iter().for_each(|p| tot.add(p));
        emitted += tot.emitted;
        deposited += tot.deposited;
        escaped += tot.escaped;
        let h = st.histories as f64;
        for (k, &(t, ss)) in pairs().iter().enumerate() {
            if ss != *src {
                continue;
            }
            let i = match t {
                TargetRegion::Nucleus => 0,
                TargetRegion::Cytoplasm => 1,
                TargetRegion::Cell => 2,
            };
            let mean = tot.n[i] / h;
            let var = (tot.n2[i] / h - mean * mean).max(0.0) / (h - 1.0).max(1.0);
            s[k] = mean * MEV_TO_J / target_mass_kg(&g, t);
            rel[k] = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
        }
    }
    Ok(McResult {
        s,
        rel_uncertainty: rel,
        nucleus_radius_um: g.nucleus_radius_um,
        emitted_mev_per_decay: emitted / (4.0 * st.histories as f64),
        deposited_fraction: if emitted > 0.0 {
            deposited / emitted
        } else {
            0.0
        },
        energy_balance_relative_discrepancy: if emitted > 0.0 {
            (deposited + escaped - emitted) / emitted
        } else {
            0.0
        },
    })
}

impl Setup<'_> {
    /// Histories `lo..hi` from source region `src`.
    fn chunk(&self, src: SourceRegion, key: u64, lo: u64, hi: u64) -> Sums {
        let mut sums = Sums::default();
        let mut stack: Vec<Particle> = Vec::new();
        // every electron on the stack: this driver moves the particles to its own source point
        let mut keep_all = BornLocal::default();
        let mut score = self.transport.new_score();
        for i in lo..hi {
            let mut rng = HistoryRng::from_key(key, i);
            let pos_um = sample_position(&self.g, src, &mut rng);
            let pos = pos_um * 1e-4;
            stack.clear();
            score.clear();
            sums.emitted += self.source.emit(&mut rng, &mut stack, &mut keep_all);
            let mut e = [0.0; 2];
            let (mut alpha_dep, mut alpha_esc) = (0.0, 0.0);
            // alphas and recoils here; photons and electrons through the transport
            let mut k = 0;
            while k < stack.len() {
                let p = &mut stack[k];
                p.pos = pos;
                match p.kind {
                    ParticleKind::Alpha => {
                        let a = stack.swap_remove(k);
                        let d = self.alpha_track(pos_um, a.dir, a.energy_mev, &mut rng);
                        e[0] += d[0];
                        e[1] += d[1];
                        alpha_dep += d[0] + d[1] + d[2];
                        alpha_esc += a.energy_mev - (d[0] + d[1] + d[2]);
                    }
                    ParticleKind::Recoil => {
                        let r = stack.swap_remove(k);
                        if self.recoil {
                            let k = region_of(&self.g, pos_um.norm());
                            if k < 2 {
                                e[k] += r.energy_mev;
                            }
                            alpha_dep += r.energy_mev;
                        } else {
                            sums.emitted -= r.energy_mev;
                        }
                    }
                    _ => k += 1,
                }
            }
            self.transport.run(&mut rng, &mut stack, &mut score);
            for &(bin, de) in score.entries() {
                if bin < self.n_nucleus_shells {
                    e[0] += de;
                } else if bin < SHELLS_IN_CELL as u32 {
                    e[1] += de;
                }
            }
            sums.deposited += score.scored_total() + alpha_dep;
            sums.escaped += score.escaped + alpha_esc;
            let all = [e[0], e[1], e[0] + e[1]];
            for ((n, n2), x) in sums.n.iter_mut().zip(sums.n2.iter_mut()).zip(all) {
                *n += x;
                *n2 += x * x;
            }
        }
        sums
    }

    /// Energy (MeV) an alpha of `e_mev` starting at `p_um` along `dir` deposits in the nucleus,
    /// the cytoplasm and the rest of the water sphere: a straight CSDA track (ASTAR water) stretched by a Gaussian range
    /// straggling factor, its loss between region boundaries from the range-energy table.
    fn alpha_track(&self, p_um: Vec3, dir: Vec3, e_mev: f64, rng: &mut HistoryRng) -> [f64; 3] {
        let t = self.alpha;
        let r = t.range(e_mev);
        let rel = if r > 0.0 {
            t.range_straggling(e_mev) / r
        } else {
            0.0
        };
        let gauss =
            (-2.0 * rng.uniform_open().ln()).sqrt() * (std::f64::consts::TAU * rng.uniform()).cos();
        let stretch = (1.0 + rel * gauss).max(0.5);
        let len_um = r * 1e4 * stretch;
        // residual energy after a path s (um)
        let e_at = |s: f64| -> f64 {
            if s >= len_um {
                0.0
            } else {
                t.energy_at_range((len_um - s) / stretch * 1e-4).min(e_mev)
            }
        };
        let (rn, rc) = (self.g.nucleus_radius_um, self.g.cell_radius_um);
        // path lengths where the track crosses the spheres RN and RC
        let mut cuts = vec![0.0, len_um];
        let world = WORLD_IN_CELLS as f64 * rc;
        for a in [rn, rc, world] {
            let b = p_um.dot(dir);
            let c = p_um.dot(p_um) - a * a;
            let disc = b * b - c;
            if disc > 0.0 {
                let q = disc.sqrt();
                cuts.extend(
                    [-b - q, -b + q]
                        .into_iter()
                        .filter(|s| *s > 0.0 && *s < len_um),
                );
            }
        }
        cuts.sort_by(f64::total_cmp);
        let mut out = [0.0; 3];
        for w in cuts.windows(2) {
            let r = (p_um + dir * (0.5 * (w[0] + w[1]))).norm();
            if r < world {
                out[region_of(&self.g, r)] += e_at(w[0]) - e_at(w[1]);
            }
        }
        out
    }
}

/// 0 nucleus, 1 cytoplasm, 2 outside the cell.
fn region_of(g: &CellGeometry, r_um: f64) -> usize {
    if r_um < g.nucleus_radius_um {
        0
    } else if r_um < g.cell_radius_um {
        1
    } else {
        2
    }
}

/// A point (um) uniform in the source region.
fn sample_position(g: &CellGeometry, s: SourceRegion, rng: &mut HistoryRng) -> Vec3 {
    let (rn, rc) = (g.nucleus_radius_um, g.cell_radius_um);
    let r = match s {
        SourceRegion::Nucleus => rn * rng.uniform().cbrt(),
        SourceRegion::Cell => rc * rng.uniform().cbrt(),
        SourceRegion::Cytoplasm => {
            let (a, b) = (rn.powi(3), rc.powi(3));
            (a + (b - a) * rng.uniform()).cbrt()
        }
        // on the surface itself a zero-range deposit (an electron below the cut-off) would fall
        // in the inner or outer shell by the rounding of |p| (94% outside): half the decays sit
        // a hair inside, half a hair outside, so that half of those deposits count in the cell,
        // as an isotropic emission on the surface gives (psi(0) = 1/2 in the CSDA method)
        SourceRegion::CellSurface => {
            if rng.uniform() < 0.5 {
                rc * (1.0 - 1e-9)
            } else {
                rc * (1.0 + 1e-9)
            }
        }
    };
    let d = crate::particle::isotropic_rng(rng);
    d * r
}
