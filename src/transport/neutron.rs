//! Neutron histories, 20 MeV to thermal, for BNCT.
//!
//! - Geometry: a voxel phantom tracked by Woodcock (delta) tracking with a majorant per
//!   log-energy interval over all materials at their largest density, or a homogeneous sphere
//!   (point kernels) tracked exactly.
//! - Collisions: the nuclide by its share of the total cross section; then elastic scattering
//!   (bound hydrogen in water below 1 eV by [`ThermalH2O`]; free-gas target motion below
//!   400 kT, for bound hydrogen at the effective temperature of its scattering law; target at
//!   rest above, with the ENDF centre-of-mass angular distribution and exact
//!   two-body kinematics), inelastic scattering (one level: the first excited state, isotropic in
//!   the centre of mass, its gamma to the photon transport), or absorption.
//! - Absorption: analogue, or implicit capture (survival biasing: the weight is multiplied by
//!   sigma_s / sigma_t at each collision and the absorbed fraction is scored; Russian roulette
//!   below weight 0.25, survivors at 0.5). Photons are unweighted: a capture gamma is emitted
//!   with probability w sigma_c / sigma_t, so its expected number is right.
//! - Deposits (local, at the collision site): 10B(n,alpha) alpha and 7Li (Q + E), 14N(n,p)
//!   proton and 14C (Q + E), elastic and inelastic recoils (target at rest), the other charged-particle
//!   reactions (Q + E) and other non-elastic reactions (E, neutron ended) as the "hydrogen"
//!   (fast-neutron) component. Gammas: capture (Q + E), the 0.478 MeV 7Li* line and inelastic
//!   level gammas go to the photon transport when one is attached, else are deposited locally
//!   as the gamma component.
//! - Scores (per cell: voxel or shell): [`Component`] bins; fluence by the collision estimator of
//!   delta tracking (weight / majorant at every tentative collision; weight / sigma_t at every
//!   collision in the sphere), i.e. track length per unit volume in expectation. In voxels the
//!   10B and 14N doses are scored by the same estimator times the kerma factor (the expected
//!   energy of the (n,alpha) and (n,p) products per unit fluence), not at the capture sites.

use super::voxels::VoxelLookup;
use super::Transport;
use crate::numerics::{LogGrid, Vec3};
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::phantom::Phantom;
use crate::physics::neutron::{
    NeutronPhysics, Role, E_MAX_MEV, E_MIN_MEV, FREE_GAS_CUTOFF_KT, SAB_MAX_MEV,
};
use crate::rng::HistoryRng;
pub use crate::source::neutron_beam::SourceNeutron;
use crate::tally::{ChunkScore, HistoryScore, Tally};
use anyhow::Result;
use rayon::prelude::*;
use std::sync::Mutex;

/// Scored quantities, each a block of `cells` tally bins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// 10B(n,alpha)7Li energy (MeV)
    Boron = 0,
    /// 14N(n,p)14C energy (MeV)
    Nitrogen = 1,
    /// recoil nuclei and other charged products (MeV), the fast-neutron dose
    Hydrogen = 2,
    /// gamma energy deposited locally when no photon transport is attached (MeV)
    GammaLocal = 3,
    /// fluence x volume (cm), E < 0.5 eV
    FluenceThermal = 4,
    /// fluence x volume (cm), 0.5 eV <= E < 10 keV
    FluenceEpithermal = 5,
    /// fluence x volume (cm), E >= 10 keV
    FluenceFast = 6,
    /// neutrons absorbed (expected number)
    Absorbed = 7,
    /// 10B(n,alpha) energy per ug/g of 10B (MeV per ppm; kerma estimator, voxels only), for boron
    /// maps applied after the run (the transport itself absorbs in the materials' boron)
    BoronPerPpm = 8,
}

/// Number of [`Component`]s.
pub const N_COMPONENTS: usize = 9;
/// Thermal / epithermal boundary (MeV), 0.5 eV (the cadmium cut-off used in BNCT dosimetry).
pub const THERMAL_MAX_MEV: f64 = 0.5e-6;
/// Epithermal / fast boundary (MeV), 10 keV (IAEA-TECDOC-1223 (2001) beam definitions).
pub const EPITHERMAL_MAX_MEV: f64 = 1e-2;
/// Weight below which Russian roulette is played, and the survivors' weight.
const ROULETTE_BELOW: f64 = 0.25;
const ROULETTE_SURVIVOR: f64 = 0.5;
/// 1 MeV/g in Gy.
const GY_PER_MEV_PER_G: f64 = crate::units::MEV_TO_J * 1e3;
/// Majorant grid: log-uniform intervals over 1e-5 eV - 20 MeV.
const N_MAJ: usize = 1300;

/// Where neutrons are tracked.
pub enum NeutronGeometry<'a> {
    /// a voxel phantom (material ids index the physics' materials); cells are voxels
    Voxels(&'a Phantom),
    /// a homogeneous sphere at the origin; cells are `shells` equal-width shells
    Sphere {
        radius_cm: f64,
        material: usize,
        density: f64,
        shells: usize,
    },
}

/// Energy bookkeeping of a run (MeV, summed over histories, weighted).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NeutronBalance {
    /// kinetic energy of the source neutrons
    pub source: f64,
    /// reaction Q values released (negative for endothermic reactions)
    pub q_released: f64,
    /// energy exchanged with the thermal motion of the medium (gained by the neutron counts
    /// negative)
    pub thermal_exchange: f64,
    /// charged particles and recoils deposited locally
    pub charged: f64,
    /// gamma energy created (to photons or deposited locally)
    pub gamma: f64,
    /// kinetic energy of neutrons leaving the geometry
    pub escaped: f64,
    /// kinetic energy removed (roulette) or added (roulette survivors): expected value zero
    pub roulette: f64,
}

impl NeutronBalance {
    fn add(&mut self, o: &NeutronBalance) {
        self.source += o.source;
        self.q_released += o.q_released;
        self.thermal_exchange += o.thermal_exchange;
        self.charged += o.charged;
        self.gamma += o.gamma;
        self.escaped += o.escaped;
        self.roulette += o.roulette;
    }
    /// |in - out| / in, with in = source + Q and out = charged + gamma + escaped + thermal
    /// exchange + roulette.
    pub fn relative_discrepancy(&self) -> f64 {
        let inp = self.source + self.q_released;
        let out = self.charged + self.gamma + self.escaped + self.thermal_exchange + self.roulette;
        if inp > 0.0 {
            (inp - out).abs() / inp
        } else {
            0.0
        }
    }
}

/// The result of a neutron run.
pub struct NeutronOutcome {
    /// N_COMPONENTS x cells bins (component-major)
    pub tally: Tally,
    /// photon transport tally (bins of the photon geometry), when photons were transported
    pub photon_tally: Option<Tally>,
    pub balance: NeutronBalance,
    pub cells: usize,
    pub seconds: f64,
    pub threads: usize,
}

/// Per-history derived totals: (number of extra tally bins, the function that fills them from a
/// history's neutron score and its photon score).
pub type HistoryExtra<'a> = (
    usize,
    &'a (dyn Fn(&mut HistoryScore, Option<&HistoryScore>) + Sync),
);

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
                Some(VoxelLookup::new(ph))
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
                let r = pos.norm();
                if r >= *radius_cm {
                    return None;
                }
                let b = ((r / radius_cm) * *shells as f64) as usize;
                Some((b.min(shells - 1), *material, *density))
            }
        }
    }

    #[inline]
    fn bin(&self, c: Component, cell: usize) -> u32 {
        (c as usize * self.cells() + cell) as u32
    }

    /// Runs `histories` histories from `source` (history index -> source neutron) with `seed`,
    /// on `threads` threads (None: all). Results do not depend on the thread count.
    ///
    /// # Errors
    /// Zero histories; a thread pool that cannot be built.
    pub fn execute<F>(
        &self,
        source: F,
        seed: u64,
        histories: u64,
        threads: Option<usize>,
    ) -> Result<NeutronOutcome>
    where
        F: Fn(&mut HistoryRng) -> SourceNeutron + Sync,
    {
        if histories == 0 {
            crate::spec_bail!("histories", "must be at least 1, got 0");
        }
        const CHUNK: u64 = 512;
        let cells = self.cells();
        let n_extra = self.history_extra.map_or(0, |x| x.0);
        let tally = Mutex::new(Tally::new(N_COMPONENTS * cells + n_extra));
        let photon_tally = Mutex::new(self.photon.map(|t| Tally::new(t.n_bins())));
        let balances: Mutex<Vec<(u64, NeutronBalance)>> = Mutex::new(Vec::new());
        let pool = {
            let mut b = rayon::ThreadPoolBuilder::new();
            if let Some(t) = threads {
                b = b.num_threads(t.max(1));
            }
            b.build()?
        };
        let start = std::time::Instant::now();
        let n_chunks = histories.div_ceil(CHUNK);
        pool.install(|| {
            (0..n_chunks).into_par_iter().for_each(|c| {
                let mut hist = HistoryScore::with_extra((N_COMPONENTS * cells) as u32, n_extra);
                let mut phist = self.photon.map(|t| t.new_score());
                let mut chunk = ChunkScore::default();
                let mut pchunk = ChunkScore::default();
                let mut bal = NeutronBalance::default();
                let mut stack = Vec::new();
                for index in c * CHUNK..((c + 1) * CHUNK).min(histories) {
                    let mut rng = HistoryRng::new(seed, index);
                    let src = source(&mut rng);
                    bal.source += src.energy_mev;
                    self.history(src, &mut rng, &mut hist, &mut bal, &mut stack);
                    if let (Some(t), Some(ph)) = (self.photon, phist.as_mut()) {
                        t.run(&mut rng, &mut stack, ph);
                    }
                    if let Some((_, f)) = self.history_extra {
                        f(&mut hist, phist.as_ref());
                    }
                    if let Some(ph) = phist.as_mut() {
                        pchunk.close_history(ph);
                    }
                    stack.clear();
                    chunk.close_history(&mut hist);
                }
                tally.lock().expect("tally").absorb(&mut chunk);
                if let Some(t) = photon_tally.lock().expect("tally").as_mut() {
                    t.absorb(&mut pchunk);
                }
                balances.lock().expect("balance").push((c, bal));
            });
        });
        // float balances summed in chunk order: the same for any thread count
        let mut b = balances.into_inner().expect("balance");
        b.sort_by_key(|x| x.0);
        let mut balance = NeutronBalance::default();
        for (_, x) in &b {
            balance.add(x);
        }
        Ok(NeutronOutcome {
            tally: tally.into_inner().expect("tally"),
            photon_tally: photon_tally.into_inner().expect("tally"),
            balance,
            cells,
            seconds: start.elapsed().as_secs_f64(),
            threads: pool.current_num_threads(),
        })
    }

    /// One neutron history; photons it creates are left on `stack`.
    fn history(
        &self,
        src: SourceNeutron,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) {
        let (mut e, mut pos, mut dir) = (src.energy_mev, src.pos, src.dir);
        let mut w = 1.0f64;
        loop {
            // 1. distance to the next real collision (Woodcock or exact), scoring fluence
            let Some((cell, m, rho, sig_t)) = self.next_collision(e, w, &mut pos, dir, rng, score)
            else {
                bal.escaped += w * e;
                return;
            };
            // 2. the nuclide
            let (n, x) = self.pick_nuclide(m, e, rho, sig_t, rng);
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
                self.absorb(n, &x, e, w_abs, pos, cell, rng, score, bal, stack);
                w -= w_abs;
                if w <= 0.0 {
                    return;
                }
            }
            // 4. scattering
            let (e_new, d_new) = if rng.uniform() * scatter < x.inelastic {
                self.inelastic(n, e, dir, w, pos, cell, rng, score, bal, stack)
            } else {
                self.elastic(n, e, dir, w, cell, rng, score, bal)
            };
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
                let b = pos.dot(dir);
                let c = pos.dot(*pos) - radius_cm * radius_cm;
                let to_surface = -b + (b * b - c).max(0.0).sqrt();
                if s >= to_surface {
                    return None;
                }
                *pos = *pos + dir * s;
                let (cell, m, rho) = self.cell_at(*pos)?;
                score.score(self.bin(fl, cell), w / sig_t);
                Some((cell, m, rho, sig_t))
            }
        }
    }

    /// Picks the collision nuclide in material `m` by its share of sigma_t.
    fn pick_nuclide(
        &self,
        m: usize,
        e: f64,
        rho: f64,
        sig_t: f64,
        rng: &mut HistoryRng,
    ) -> (usize, crate::physics::neutron::MicroXs) {
        let list = &self.physics.materials[m].nuclides;
        let mut u = rng.uniform() * sig_t / rho;
        for &(n, nd) in list {
            let x = self.physics.micro(n, e);
            u -= nd * x.total;
            if u < 0.0 {
                return (n, x);
            }
        }
        let n = list.last().expect("material has nuclides").0;
        (n, self.physics.micro(n, e))
    }

    /// Scores the products of an absorption of weight `wa` on nuclide `n`.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    fn absorb(
        &self,
        n: usize,
        x: &crate::physics::neutron::MicroXs,
        e: f64,
        wa: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) {
        let nuc = &self.physics.nuclides[n];
        let abs = x.total - x.elastic - x.inelastic;
        if abs <= 0.0 {
            return;
        }
        let charged_comp = match self.physics.roles[n] {
            Role::Boron10 => Component::Boron,
            Role::Nitrogen14 => Component::Nitrogen,
            _ => Component::Hydrogen,
        };
        let ground = (x.nalpha - x.nalpha1).max(0.0);
        // expected charged energy per absorption, by channel (Q + E, with E the neutron's)
        let f = |s: f64| wa * s / abs;
        let np = f(x.np) * (nuc.q_np_mev + e).max(0.0);
        let na0 = f(ground) * (nuc.q_nalpha_mev + e).max(0.0);
        let na1 = f(x.nalpha1) * (nuc.q_nalpha1_mev + e).max(0.0);
        let other = f(x.other()) * e;
        let by_kerma = self.kerma_estimator
            && self.voxels.is_some()
            && matches!(charged_comp, Component::Boron | Component::Nitrogen);
        if !by_kerma {
            score.score(self.bin(charged_comp, cell), np + na0 + na1);
        }
        score.score(self.bin(Component::Hydrogen, cell), other);
        bal.charged += np + na0 + na1 + other;
        bal.q_released += f(x.np) * nuc.q_np_mev
            + f(ground) * nuc.q_nalpha_mev
            + f(x.nalpha1) * nuc.q_nalpha_mev
            + f(x.capture) * nuc.q_capture_mev;
        // photons: unweighted, emitted with probability = their expected number
        let u = rng.uniform();
        let p_cap = f(x.capture);
        let p_li = f(x.nalpha1);
        let e_cap = nuc.q_capture_mev + e;
        let e_li = nuc.q_nalpha_mev - nuc.q_nalpha1_mev;
        // the gamma energy is accounted in expectation; the photon itself is sampled
        bal.gamma += p_cap * e_cap + p_li * e_li;
        if u < p_cap {
            self.gamma_sampled(e_cap, pos, cell, rng, score, stack);
        } else if u < p_cap + p_li {
            self.gamma_sampled(e_li, pos, cell, rng, score, stack);
        }
    }

    /// A sampled (unit-weight) photon; its energy is already in the balance.
    fn gamma_sampled(
        &self,
        e: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        stack: &mut Vec<Particle>,
    ) {
        if self.photon.is_some() {
            stack.push(Particle::new(
                ParticleKind::Photon,
                e,
                pos,
                isotropic_rng(rng),
            ));
        } else {
            score.score(self.bin(Component::GammaLocal, cell), e);
        }
    }

    /// Elastic scattering; returns the new energy and direction.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    fn elastic(
        &self,
        n: usize,
        e: f64,
        dir: Vec3,
        w: f64,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
    ) -> (f64, Vec3) {
        let nuc = &self.physics.nuclides[n];
        let a = nuc.awr;
        if let (Role::Hydrogen1, Some(t), true) = (
            self.physics.roles[n],
            &self.physics.thermal,
            e < SAB_MAX_MEV,
        ) {
            let (ep, mu) = t.sample(e, rng);
            let (c, s) = rng.azimuth();
            bal.thermal_exchange += w * (e - ep);
            return (ep, dir.rotated_cs(mu, c, s));
        }
        let kt = self.physics.target_kt_mev(n);
        if e < FREE_GAS_CUTOFF_KT * kt {
            let vt = sample_target_velocity(e, a, kt, dir, rng);
            let vn = dir * e.sqrt();
            let vcm = (vn + vt * a) * (1.0 / (a + 1.0));
            let u = vn - vcm;
            let speed = u.norm();
            let mu = nuc.sample_mu_cm(e, rng);
            let (c, s) = rng.azimuth();
            let u_dir = if speed > 0.0 {
                (u * (1.0 / speed)).rotated_cs(mu, c, s)
            } else {
                isotropic_rng(rng)
            };
            let v_out = vcm + u_dir * speed;
            let ep = v_out.dot(v_out);
            bal.thermal_exchange += w * (e - ep);
            let d = if ep > 0.0 {
                v_out * (1.0 / ep.sqrt())
            } else {
                isotropic_rng(rng)
            };
            return (ep, d);
        }
        // target at rest: exact two-body kinematics
        let mu = nuc.sample_mu_cm(e, rng);
        let q = a * a + 2.0 * a * mu + 1.0;
        let ep = e * q / ((a + 1.0) * (a + 1.0));
        let mu_lab = (1.0 + a * mu) / q.sqrt();
        let recoil = (e - ep).max(0.0);
        score.score(self.bin(Component::Hydrogen, cell), w * recoil);
        bal.charged += w * recoil;
        let (c, s) = rng.azimuth();
        (ep, dir.rotated_cs(mu_lab.clamp(-1.0, 1.0), c, s))
    }

    /// Inelastic scattering to the first excited level (isotropic in the centre of mass); the
    /// level's gamma is emitted, the recoil deposited.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    fn inelastic(
        &self,
        n: usize,
        e: f64,
        dir: Vec3,
        w: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) -> (f64, Vec3) {
        let nuc = &self.physics.nuclides[n];
        let a = nuc.awr;
        let level = nuc.inelastic_level_mev.max(0.0);
        let t_cm = e * a / (a + 1.0);
        if t_cm <= level {
            return self.elastic(n, e, dir, w, cell, rng, score, bal);
        }
        let e_cm = (t_cm - level) * a / (a + 1.0);
        let mu_cm = 2.0 * rng.uniform() - 1.0;
        let ep = e_cm + e / ((a + 1.0) * (a + 1.0)) + 2.0 * mu_cm * (e_cm * e).sqrt() / (a + 1.0);
        let mu_lab = ((e_cm.sqrt() * mu_cm + e.sqrt() / (a + 1.0)) / ep.sqrt()).clamp(-1.0, 1.0);
        let recoil = (e - ep - level).max(0.0);
        score.score(self.bin(Component::Hydrogen, cell), w * recoil);
        bal.charged += w * recoil;
        // the level gamma: expected energy w * level, emitted as a unit photon with probability w
        bal.gamma += w * level;
        if rng.uniform() < w {
            self.gamma_sampled(level, pos, cell, rng, score, stack);
        }
        let (c, s) = rng.azimuth();
        (ep, dir.rotated_cs(mu_lab, c, s))
    }
}

/// Samples the velocity of a free-gas target (units: velocity^2 = energy in MeV per unit mass)
/// for a neutron of energy `e` moving along `dir`, constant cross section: the algorithm of
/// MCNP and OpenMC ("cxs"; Romano & Walsh, Ann. Nucl. Energy 114 (2018) 318, sec. 2).
pub fn sample_target_velocity(e: f64, awr: f64, kt: f64, dir: Vec3, rng: &mut HistoryRng) -> Vec3 {
    let beta_vn = (awr * e / kt).sqrt();
    let alpha = 1.0 / (1.0 + std::f64::consts::PI.sqrt() * beta_vn / 2.0);
    loop {
        let beta_vt2 = if rng.uniform() < alpha {
            // x^3 exp(-x^2)
            -(rng.uniform_open() * rng.uniform_open()).ln()
        } else {
            // x^2 exp(-x^2)
            let c = (std::f64::consts::FRAC_PI_2 * rng.uniform()).cos();
            -rng.uniform_open().ln() - rng.uniform_open().ln() * c * c
        };
        let beta_vt = beta_vt2.sqrt();
        let mu = 2.0 * rng.uniform() - 1.0;
        let rel = (beta_vn * beta_vn + beta_vt2 - 2.0 * beta_vn * beta_vt * mu).sqrt();
        if rng.uniform() * (beta_vn + beta_vt) < rel {
            let (c, s) = rng.azimuth();
            let speed = beta_vt * (kt / awr).sqrt();
            return dir.rotated_cs(mu, c, s) * speed;
        }
    }
}
