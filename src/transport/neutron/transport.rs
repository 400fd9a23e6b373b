//! The neutron transport settings, their set-up and the history loop with its tracking.

use super::types::{
    Component, HistoryExtra, NeutronGeometry, EPITHERMAL_MAX_MEV, GY_PER_MEV_PER_G, N_MAJ,
    ROULETTE_BELOW, ROULETTE_SURVIVOR, THERMAL_MAX_MEV,
};
use crate::numerics::{LogGrid, Vec3};
use crate::particle::Particle;
use crate::phantom::geometry::{sphere_exit_cm, sphere_shell, VoxelLookup};
use crate::physics::neutron::collision::{
    CollisionModel, Deposit, Incident, NeutronBalance, Products,
};
use crate::physics::neutron::{NeutronPhysics, E_MAX_MEV, E_MIN_MEV};
use crate::rng::HistoryRng;
use crate::source::neutron_beam::SourceNeutron;
use crate::tally::HistoryScore;
use crate::transport::Transport;

/// Neutron transport settings and the physics they use.
pub struct NeutronTransport<'a> {
    pub geometry: NeutronGeometry<'a>,
    pub physics: &'a NeutronPhysics,
    /// photon transport for capture and inelastic gammas (same geometry); None: local
    pub photon: Option<&'a Transport<'a>>,
    pub implicit_capture: bool,
    /// voxels: score the boron and nitrogen doses by the kerma estimator (fluence x kerma
    /// factor at every tentative collision) instead of at the capture sites; much lower
    /// variance for thin boron distributions
    pub kerma_estimator: bool,
    /// optional totals derived per history (e.g. per region and dose component, for exact
    /// region uncertainties): `n` tally bins after the components, filled by `f` at the end of
    /// each history from its neutron score (into which it scores with `score_extra(0..n, ..)`)
    /// and its photon score
    pub history_extra: Option<HistoryExtra<'a>>,
    grid: LogGrid,
    /// per material, per grid node: 10B and 14N kerma (MeV cm2/g) times sqrt(E), for linear
    /// interpolation in ln E (exact for 1/v cross sections)
    kerma_bn: Vec<Vec<[f64; 2]>>,
    /// per grid node: 10B kerma per ug/g (MeV cm2/g) times sqrt(E)
    kerma_b_ppm: Vec<f64>,
    majorant: Vec<f64>,
    voxels: Option<VoxelLookup>,
}

impl<'a> NeutronTransport<'a> {
    pub fn new(geometry: NeutronGeometry<'a>, physics: &'a NeutronPhysics) -> Self {
        let grid = LogGrid::new(E_MIN_MEV, E_MAX_MEV, N_MAJ + 1);
        let mut majorant = vec![0.0f64; N_MAJ];
        let voxels = match &geometry {
            NeutronGeometry::Voxels(ph) => {
                let mut rho_max = vec![0.0f64; physics.materials.len()];
                for (m, d) in ph.material.iter().zip(&ph.density) {
                    let m = *m as usize;
                    if m < rho_max.len() {
                        rho_max[m] = rho_max[m].max(*d as f64);
                    }
                }
                for (i, maj) in majorant.iter_mut().enumerate() {
                    let (lo, hi) = (grid.node(i), grid.node(i + 1));
                    for (m, rho) in rho_max.iter().enumerate() {
                        if *rho > 0.0 {
                            *maj = (*maj).max(physics.majorant_mass(m, lo, hi) * rho);
                        }
                    }
                    *maj = (*maj).max(1e-12);
                }
                Some(ph.voxel_lookup())
            }
            NeutronGeometry::Sphere { .. } => None,
        };
        let kerma_bn = physics
            .materials
            .iter()
            .enumerate()
            .map(|(m, _)| {
                (0..=N_MAJ)
                    .map(|i| {
                        let e = grid.node(i);
                        let k = physics.kerma(m, e);
                        let f = e.sqrt() / GY_PER_MEV_PER_G;
                        [k.boron * f, k.nitrogen * f]
                    })
                    .collect()
            })
            .collect();
        let kerma_b_ppm = (0..=N_MAJ)
            .map(|i| {
                let e = grid.node(i);
                physics.boron_kerma_per_ppm(e) * e.sqrt() / GY_PER_MEV_PER_G
            })
            .collect();
        NeutronTransport {
            geometry,
            physics,
            photon: None,
            implicit_capture: true,
            kerma_estimator: true,
            history_extra: None,
            kerma_bn,
            kerma_b_ppm,
            grid,
            majorant,
            voxels,
        }
    }

    /// Number of cells (voxels or shells).
    pub fn cells(&self) -> usize {
        match &self.geometry {
            NeutronGeometry::Voxels(ph) => ph.len(),
            NeutronGeometry::Sphere { shells, .. } => *shells,
        }
    }

    /// The cell at `pos`, with its material and density, or None outside.
    #[inline]
    fn cell_at(&self, pos: Vec3) -> Option<(usize, usize, f64)> {
        match &self.geometry {
            NeutronGeometry::Voxels(_) => {
                let (v, vx) = self.voxels.as_ref()?.at(pos)?;
                Some((v, vx.material as usize, vx.density as f64))
            }
            NeutronGeometry::Sphere {
                radius_cm,
                material,
                density,
                shells,
            } => {
                let b = sphere_shell(pos.norm(), *radius_cm, *shells)?;
                Some((b, *material, *density))
            }
        }
    }

    #[inline]
    fn bin(&self, c: Component, cell: usize) -> u32 {
        (c as usize * self.cells() + cell) as u32
    }

    /// One neutron history from `src`; its deposits and fluences go to `score`, its energy to
    /// `bal`, the photons it creates are left on `stack`. The run driver (`crate::run::neutron`)
    /// runs histories and their photons.
    pub fn history(
        &self,
        src: SourceNeutron,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) {
        let (mut e, mut pos, mut dir) = (src.energy_mev, src.pos, src.dir);
        let mut w = 1.0f64;
        let model = CollisionModel {
            physics: self.physics,
            photons: self.photon.is_some(),
            charged_by_kerma: self.kerma_estimator && self.voxels.is_some(),
        };
        loop {
            // 1. distance to the next real collision (Woodcock or exact), scoring fluence
            let Some((cell, m, rho, sig_t)) = self.next_collision(e, w, &mut pos, dir, rng, score)
            else {
                bal.escaped += w * e;
                return;
            };
            // 2. the nuclide
            let (n, x) = self.physics.pick_nuclide(m, e, rho, sig_t, rng);
            let mut inc = Incident {
                nuclide: n,
                e_mev: e,
                dir,
                pos,
                weight: w,
            };
            let scatter = x.elastic + x.inelastic;
            // 3. absorption, analogue or implicit
            let p_abs = ((x.total - scatter) / x.total).clamp(0.0, 1.0);
            let w_abs = if self.implicit_capture {
                w * p_abs
            } else if rng.uniform() < p_abs {
                w
            } else {
                0.0
            };
            if w_abs > 0.0 {
                score.score(self.bin(Component::Absorbed, cell), w_abs);
                let absorbed = Incident {
                    weight: w_abs,
                    ..inc
                };
                let products = model.absorb(&absorbed, &x, rng, bal);
                self.score_products(&products, cell, score, stack);
                w -= w_abs;
                if w <= 0.0 {
                    return;
                }
            }
            // 4. scattering
            inc.weight = w;
            let (e_new, d_new, products) = if rng.uniform() * scatter < x.inelastic {
                model.inelastic(&inc, rng, bal)
            } else {
                model.elastic(&inc, rng, bal)
            };
            self.score_products(&products, cell, score, stack);
            e = e_new.max(E_MIN_MEV);
            dir = d_new;
            // 5. roulette
            if w < ROULETTE_BELOW {
                if rng.uniform() * ROULETTE_SURVIVOR < w {
                    bal.roulette -= (ROULETTE_SURVIVOR - w) * e;
                    w = ROULETTE_SURVIVOR;
                } else {
                    bal.roulette += w * e;
                    return;
                }
            }
        }
    }

    /// Scores the local deposits of a collision in `cell` and puts its photon on `stack`.
    #[inline]
    fn score_products(
        &self,
        p: &Products,
        cell: usize,
        score: &mut HistoryScore,
        stack: &mut Vec<Particle>,
    ) {
        for (d, e) in p.deposits() {
            let c = match d {
                Deposit::Boron => Component::Boron,
                Deposit::Nitrogen => Component::Nitrogen,
                Deposit::Hydrogen => Component::Hydrogen,
                Deposit::GammaLocal => Component::GammaLocal,
            };
            score.score(self.bin(c, cell), e);
        }
        if let Some(photon) = p.photon {
            stack.push(photon);
        }
    }

    /// Moves the neutron to its next real collision; returns (cell, material, density, sigma_t)
    /// or None when it leaves the geometry.
    fn next_collision(
        &self,
        e: f64,
        w: f64,
        pos: &mut Vec3,
        dir: Vec3,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
    ) -> Option<(usize, usize, f64, f64)> {
        let fl = if e < THERMAL_MAX_MEV {
            Component::FluenceThermal
        } else if e < EPITHERMAL_MAX_MEV {
            Component::FluenceEpithermal
        } else {
            Component::FluenceFast
        };
        match &self.geometry {
            NeutronGeometry::Voxels(_) => {
                let (i, f) = self.grid.locate(e);
                let maj = self.majorant[i.min(N_MAJ - 1)];
                let inv_sqrt_e = 1.0 / e.sqrt();
                loop {
                    *pos = *pos + dir * (rng.mfp() / maj);
                    let (cell, m, rho) = self.cell_at(*pos)?;
                    score.score(self.bin(fl, cell), w / maj);
                    if rho <= 0.0 {
                        continue;
                    }
                    if self.kerma_estimator {
                        let t = &self.kerma_bn[m];
                        let k = |c: usize| (t[i][c] + f * (t[i + 1][c] - t[i][c])) * inv_sqrt_e;
                        let fl_mass = w / maj * rho;
                        let (kb, kn) = (k(0), k(1));
                        let kp = self.kerma_b_ppm[i]
                            + f * (self.kerma_b_ppm[i + 1] - self.kerma_b_ppm[i]);
                        score.score(
                            self.bin(Component::BoronPerPpm, cell),
                            fl_mass * kp * inv_sqrt_e,
                        );
                        if kb > 0.0 {
                            score.score(self.bin(Component::Boron, cell), fl_mass * kb);
                        }
                        if kn > 0.0 {
                            score.score(self.bin(Component::Nitrogen, cell), fl_mass * kn);
                        }
                    }
                    let sig_t = self.physics.mass_coefficients(m, e).0 * rho;
                    debug_assert!(sig_t <= maj * (1.0 + 1e-9), "majorant too small at {e} MeV");
                    if rng.uniform() * maj < sig_t {
                        return Some((cell, m, rho, sig_t));
                    }
                }
            }
            NeutronGeometry::Sphere {
                radius_cm,
                material,
                density,
                ..
            } => {
                let sig_t = self.physics.mass_coefficients(*material, e).0 * density;
                let s = rng.mfp() / sig_t;
                if s >= sphere_exit_cm(*pos, dir, *radius_cm) {
                    return None;
                }
                *pos = *pos + dir * s;
                let (cell, m, rho) = self.cell_at(*pos)?;
                score.score(self.bin(fl, cell), w / sig_t);
                Some((cell, m, rho, sig_t))
            }
        }
    }
}
