//! The history loop: the only place where physics, geometry and scoring meet.
//!
//! Geometry is a closed set: a voxel phantom tracked by Woodcock (delta) tracking with a
//! per-energy majorant, or a homogeneous sphere scored in concentric shells (point kernels).
//! Woodcock tracking was chosen over exact voxel traversal: for photons in voxel phantoms it needs
//! no boundary crossings and measured faster (see `benches/photon.rs`).
//!
//! Electrons and positrons follow the condensed-history step loop of [`electron`] when electron
//! physics is attached ([`Transport::with_electrons`]) and `electrons_local` is false; otherwise
//! they deposit their kinetic energy where they are created (positrons then annihilate there at
//! rest).

use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::phantom::geometry::VoxelLookup;
use crate::phantom::Phantom;
use crate::physics::electron::condensed::ElectronPhysics;
use crate::physics::photon::{Fate, PhotonPhysics};
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;
use crate::units::ELECTRON_MASS_MEV;

mod alpha;
mod born;
pub mod electron;
mod lepton_events;
mod lepton_path;
pub mod neutron;
pub mod world;

pub use electron::LeptonTrack;

/// Where particles are tracked and how deposits map to tally bins.
pub enum Geometry<'a> {
    /// A voxel phantom; bins are voxels, followed by one bin per region (region totals per
    /// history, for exact region uncertainties).
    Voxels(&'a Phantom),
    /// A homogeneous sphere centred at the origin; bins are `shells` equal-width shells.
    Sphere {
        radius_cm: f64,
        material: usize,
        density: f64,
        shells: usize,
    },
}

/// Transport settings and the physics they use.
pub struct Transport<'a> {
    pub geometry: Geometry<'a>,
    pub photon: &'a PhotonPhysics,
    /// photons below this energy are deposited locally (MeV)
    pub photon_cutoff_mev: f64,
    /// condensed-history electron and positron physics (None: local deposition)
    pub electron: Option<&'a ElectronPhysics>,
    /// alpha stopping tables per material: straight CSDA tracks (else alphas deposit locally)
    pub alpha: Option<&'a [crate::physics::ion::table::IonTable]>,
    /// deposit electrons and positrons locally even when electron physics is attached
    pub electrons_local: bool,
    /// geometric limit of one electron step (cm): the smallest voxel size, or the shell width
    /// (in a sphere with `lepton_far_step_cm` set, the limit near its centre only)
    pub lepton_max_step_cm: f64,
    /// in a sphere, where above `lepton_max_step_cm`: the geometric limit of an electron step
    /// grows with its distance from the centre (half of it, see
    /// [`Transport::geometric_step_cm`]) up to this length (cm); 0: off
    pub lepton_far_step_cm: f64,
    /// range rejection in the shells of a sphere (kernels scored by shell): off by default,
    /// since it ends tracks early (their path length and end point are then not the analogue
    /// ones), which positron-range and track-statistics users of the sphere need
    pub shell_range_rejection: bool,
    /// count annihilation sites per voxel (tally bins after the voxels and regions)
    pub annihilation_tally: bool,
    /// score voxel deposits in their regions' totals only, not in the voxels' bins
    pub region_totals_only: bool,
    /// score LET of alpha tracks (voxel geometry): 4 bins per voxel after all others
    pub let_scoring: bool,
    /// a homogeneous medium around the voxel grid ([`world::World`]); None: particles that
    /// leave the grid escape
    pub world: Option<world::World>,
    /// Woodcock majorant (1/cm) per photon energy-grid interval
    majorant: Vec<f64>,
    /// 1 / majorant (cm), to step by a multiplication
    inv_majorant: Vec<f64>,
    voxels: Option<VoxelLookup>,
    /// sphere: shells per cm (shell index = radius x this)
    shells_per_cm: f64,
}

impl<'a> Transport<'a> {
    pub fn new(geometry: Geometry<'a>, photon: &'a PhotonPhysics, photon_cutoff_mev: f64) -> Self {
        let n = photon.grid.n;
        let mut majorant = vec![0.0f64; n - 1];
        if let Geometry::Voxels(ph) = &geometry {
            let mut rho_max = vec![0.0f64; ph.materials.len()];
            for (m, d) in ph.material.iter().zip(&ph.density) {
                rho_max[*m as usize] = rho_max[*m as usize].max(*d as f64);
            }
            for (i, maj) in majorant.iter_mut().enumerate() {
                for (m, rho) in rho_max.iter().enumerate() {
                    if *rho > 0.0 {
                        *maj = (*maj).max(photon.mu_rho_interval_max(m, i) * rho);
                    }
                }
                // guard against a vacuum-only phantom and rounding in the interpolation
                *maj = (*maj).max(1e-12) * (1.0 + 1e-9);
            }
        }
        let voxels = match &geometry {
            Geometry::Voxels(ph) => Some(ph.voxel_lookup()),
            Geometry::Sphere { .. } => None,
        };
        let lepton_max_step_cm = match &geometry {
            Geometry::Voxels(ph) => ph.voxel_cm.iter().copied().fold(f64::INFINITY, f64::min),
            Geometry::Sphere {
                radius_cm, shells, ..
            } => radius_cm / *shells as f64,
        };
        let shells_per_cm = match &geometry {
            Geometry::Sphere {
                radius_cm, shells, ..
            } => *shells as f64 / radius_cm,
            Geometry::Voxels(_) => 0.0,
        };
        Transport {
            geometry,
            photon,
            photon_cutoff_mev: photon_cutoff_mev.max(crate::physics::photon::E_MIN_MEV),
            electron: None,
            alpha: None,
            electrons_local: false,
            lepton_max_step_cm,
            lepton_far_step_cm: 0.0,
            shell_range_rejection: false,
            annihilation_tally: false,
            region_totals_only: false,
            let_scoring: false,
            world: None,
            inv_majorant: majorant.iter().map(|m| 1.0 / m).collect(),
            majorant,
            voxels,
            shells_per_cm,
        }
    }

    /// Attaches condensed-history electron and positron physics (its materials indexed like the
    /// photon physics').
    /// Tracks alpha particles as straight CSDA tracks with these per-material tables.
    pub fn with_alphas(mut self, tables: &'a [crate::physics::ion::table::IonTable]) -> Self {
        self.alpha = Some(tables);
        self
    }

    /// Surrounds the voxel grid with a homogeneous world medium (voxel geometry only).
    pub fn with_world(mut self, w: world::World) -> Self {
        if matches!(self.geometry, Geometry::Voxels(_)) {
            self.world = Some(w);
        }
        self
    }

    pub fn with_electrons(mut self, electron: &'a ElectronPhysics) -> Self {
        self.electron = Some(electron);
        // electron segments look for medium changes; photon-only runs never do, so they skip
        // the pass that lets uniform surroundings short-cut the search
        if let Some(lookup) = &mut self.voxels {
            lookup.mark_same_medium_around();
        }
        self
    }

    /// Prepares a history score for this geometry (region totals as extra bins after the voxels).
    pub fn new_score(&self) -> HistoryScore {
        match &self.geometry {
            Geometry::Voxels(ph) if self.region_totals_only => {
                HistoryScore::with_extra(ph.len() as u32, ph.regions.len()).totals_only()
            }
            Geometry::Voxels(ph) => HistoryScore::with_extra(ph.len() as u32, ph.regions.len()),
            Geometry::Sphere { .. } => HistoryScore::default(),
        }
    }

    /// Scores deposits in the region totals only (voxel geometry): the voxels' bins stay empty
    /// (see [`HistoryScore::totals_only`]).
    pub fn with_region_totals_only(mut self) -> Self {
        self.region_totals_only = true;
        self
    }

    /// Counts annihilation sites per voxel (voxel geometry): bins
    /// `[voxels + regions, voxels + regions + voxels)` hold annihilations per history.
    pub fn with_annihilation_tally(mut self) -> Self {
        self.annihilation_tally = true;
        self
    }

    /// Records a positron annihilation at `pos`: in a sphere, one count in the annihilation bin
    /// ([`Self::annihilation_bin`]); in a voxel phantom with the annihilation tally, one count
    /// in the voxel's annihilation bin. Counts are per-history tally entries, merged like
    /// deposits (no shared counter in the hot loop; deterministic for any thread count).
    #[inline]
    pub(crate) fn record_annihilation(&self, pos: Vec3, score: &mut HistoryScore) {
        match (&self.geometry, &self.voxels) {
            (Geometry::Voxels(ph), Some(lookup)) if self.annihilation_tally => {
                if let Some((v, _)) = lookup.at(pos) {
                    score.mark((ph.len() + ph.regions.len() + v) as u32);
                }
            }
            (Geometry::Sphere { shells, .. }, _) => score.mark(*shells as u32),
            _ => {}
        }
    }

    /// Sphere geometry: the tally bins counting positron annihilations and positrons that left
    /// the sphere (per history, after the shells); None in a voxel phantom.
    pub fn annihilation_bin(&self) -> Option<(usize, usize)> {
        match &self.geometry {
            Geometry::Sphere { shells, .. } => Some((*shells, *shells + 1)),
            Geometry::Voxels(_) => None,
        }
    }

    /// Number of tally bins this geometry scores into.
    pub fn n_bins(&self) -> usize {
        match &self.geometry {
            Geometry::Voxels(ph) => {
                ph.len()
                    + ph.regions.len()
                    + if self.annihilation_tally { ph.len() } else { 0 }
                    + self.let_bins()
            }
            // the shells, then the annihilation and positron-escape counts
            Geometry::Sphere { shells, .. } => *shells + 2,
        }
    }

    /// Transports everything on `stack` (the source particles of one history and all their
    /// secondaries) to the end.
    pub fn run(&self, rng: &mut HistoryRng, stack: &mut Vec<Particle>, score: &mut HistoryScore) {
        while let Some(p) = stack.pop() {
            match p.kind {
                ParticleKind::Photon => self.track_photon(p, rng, stack, score),
                ParticleKind::Electron | ParticleKind::Positron
                    if self.electron.is_some() && !self.electrons_local =>
                {
                    self.track_lepton(p, rng, stack, score);
                }
                ParticleKind::Alpha if self.alpha.is_some() => {
                    self.track_alpha(self.alpha.expect("alpha tables"), p, rng, score);
                }
                ParticleKind::Electron | ParticleKind::Alpha | ParticleKind::Recoil => {
                    self.deposit(p.pos, p.energy_mev, score);
                    score.deposited += p.energy_mev;
                }
                ParticleKind::Positron => {
                    self.deposit(p.pos, p.energy_mev, score);
                    score.deposited += p.energy_mev;
                    let d = isotropic_rng(rng);
                    stack.push(Particle::new(
                        ParticleKind::Photon,
                        ELECTRON_MASS_MEV,
                        p.pos,
                        d,
                    ));
                    stack.push(Particle::new(
                        ParticleKind::Photon,
                        ELECTRON_MASS_MEV,
                        p.pos,
                        d * -1.0,
                    ));
                    self.record_annihilation(p.pos, score);
                }
            }
        }
    }

    /// Scores a local deposit at a position.
    #[inline]
    fn deposit(&self, pos: Vec3, e: f64, score: &mut HistoryScore) {
        if e <= 0.0 {
            return;
        }
        match &self.geometry {
            Geometry::Voxels(_) => {
                let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
                if let Some((v, vx)) = lookup.at(pos) {
                    VoxelSite::of(v, vx).score(e, score);
                }
            }
            Geometry::Sphere { shells, .. } => {
                let b = crate::numerics::clamped_index(pos.norm() * self.shells_per_cm, *shells);
                score.score(b as u32, e);
            }
        }
    }

    /// Scores a local deposit at `pos`, in `site` when the caller has looked up its voxel.
    #[inline]
    fn deposit_at(&self, site: Option<VoxelSite>, pos: Vec3, e: f64, score: &mut HistoryScore) {
        match site {
            Some(s) if e > 0.0 => s.score(e, score),
            Some(_) => {}
            None => self.deposit(pos, e, score),
        }
    }

    fn track_photon(
        &self,
        mut p: Particle,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) {
        let ph = self.photon;
        // photo- and Compton electrons that would stop at once are deposited at the site here,
        // with the bookkeeping `run` and `track_lepton` give them
        let (local_electron_mev, local_is_cutoff) = match self.transported_electron_cutoff_mev() {
            Some(cut) => (cut, true),
            None => (f64::INFINITY, false),
        };
        // grid location of the energy, kept while the energy does not change (Rayleigh)
        let (mut located_mev, mut i, mut f) = (f64::NAN, 0, 0.0);
        loop {
            if p.energy_mev < self.photon_cutoff_mev {
                self.deposit(p.pos, p.energy_mev, score);
                score.below_cutoff += p.energy_mev;
                return;
            }
            if p.energy_mev != located_mev {
                (i, f) = ph.locate(p.energy_mev);
                located_mev = p.energy_mev;
            }
            // sample the next real interaction site, its material and (voxels) its bins
            // (material, bins, uniform number for the interaction type)
            let (m, site, u_kind) = match &self.geometry {
                Geometry::Voxels(_) => {
                    let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
                    let maj = self.majorant[i];
                    let inv_maj = self.inv_majorant[i];
                    loop {
                        if let Some(w) = &self.world {
                            if !world::in_grid(p.pos, self.grid_size_cm()) {
                                match self.photon_world_flight(w, &mut p, i, f, rng) {
                                    world::Flight::Interacts => {
                                        break (w.material, None, rng.uniform())
                                    }
                                    world::Flight::Reentered => {}
                                    world::Flight::Escaped => {
                                        score.escaped += p.energy_mev;
                                        return;
                                    }
                                }
                            }
                        }
                        let from = p.pos;
                        p.pos = p.pos + p.dir * (rng.mfp() * inv_maj);
                        let Some((v, vx)) = lookup.at(p.pos) else {
                            let Some(w) = &self.world else {
                                score.escaped += p.energy_mev;
                                return;
                            };
                            p.pos = from;
                            match self.photon_world_flight(w, &mut p, i, f, rng) {
                                world::Flight::Interacts => {
                                    break (w.material, None, rng.uniform())
                                }
                                world::Flight::Reentered => continue,
                                world::Flight::Escaped => {
                                    score.escaped += p.energy_mev;
                                    return;
                                }
                            }
                        };
                        let m = vx.material as usize;
                        let mu = ph.mu_rho(m, i, f) * vx.density as f64;
                        let t = rng.uniform() * maj;
                        if t < mu {
                            // t / mu is uniform on [0, 1) given the acceptance: it also picks
                            // the interaction type (one random number fewer per interaction)
                            break (m, Some(VoxelSite::of(v, vx)), t / mu);
                        }
                    }
                }
                Geometry::Sphere {
                    radius_cm,
                    material,
                    density,
                    ..
                } => {
                    let mu = ph.mu_rho(*material, i, f) * density;
                    let s = rng.mfp() / mu;
                    // the sphere is convex: the flight stays inside exactly when its end does
                    // (no square root for the distance to the surface)
                    let end = p.pos + p.dir * s;
                    if end.dot(end) >= radius_cm * radius_cm {
                        score.escaped += p.energy_mev;
                        return;
                    }
                    p.pos = end;
                    (*material, None, rng.uniform())
                }
            };
            let kind = ph.select(m, i, f, u_kind);
            let (fate, local_mev) = ph.interact(m, kind, &mut p, rng, stack, local_electron_mev);
            if local_mev > 0.0 {
                self.deposit_at(site, p.pos, local_mev, score);
                if local_is_cutoff {
                    score.below_cutoff += local_mev;
                } else {
                    score.deposited += local_mev;
                }
            }
            if fate == Fate::Absorbed {
                return;
            }
        }
    }

    /// The size (cm) of the voxel grid (zero for a sphere).
    #[inline]
    fn grid_size_cm(&self) -> [f64; 3] {
        match &self.geometry {
            Geometry::Voxels(ph) => ph.size_cm,
            Geometry::Sphere { .. } => [0.0; 3],
        }
    }

    /// A photon at `p.pos` that leaves the grid (or is outside it) flies through the world: to
    /// the grid's face first when it is inside, then an exponential flight in the world medium.
    fn photon_world_flight(
        &self,
        w: &world::World,
        p: &mut Particle,
        i: usize,
        f: f64,
        rng: &mut HistoryRng,
    ) -> world::Flight {
        let Geometry::Voxels(ph) = &self.geometry else {
            return world::Flight::Escaped;
        };
        if world::in_grid(p.pos, ph.size_cm) {
            let d = crate::phantom::geometry::box_exit_cm(p.pos, p.dir, ph.size_cm);
            p.pos = p.pos + p.dir * (d + world::NUDGE_CM);
        }
        if !w.contains(p.pos) {
            return world::Flight::Escaped;
        }
        let mu = self.photon.mu_rho(w.material, i, f) * w.density;
        world::photon_flight(w, &mut p.pos, p.dir, mu, rng.mfp(), ph.size_cm)
    }
}

/// The voxel holding a point and its region label: where a local deposit there is scored.
#[derive(Clone, Copy, Debug)]
struct VoxelSite {
    voxel: u32,
    label: u16,
}

impl VoxelSite {
    #[inline]
    fn of(v: usize, vx: crate::phantom::geometry::PackedVoxel) -> Self {
        VoxelSite {
            voxel: v as u32,
            label: vx.label,
        }
    }

    /// Adds `e` (MeV) to the voxel's bin and its region's total.
    #[inline]
    fn score(self, e: f64, score: &mut HistoryScore) {
        score.score_site(self.voxel, self.label as usize, e);
    }
}
