//! Condensed-history (class II) transport of electrons and positrons: the step loop.
//!
//! Each step (PENELOPE's mixed scheme with a random hinge; Baro et al., NIM B 100 (1995) 31):
//! 1. stop below the cut-off, or where the residual range cannot reach the nearest face of the
//!    voxel or kernel shell (range rejection; local deposit, scored as below_cutoff; positrons
//!    annihilate at rest);
//! 2. look up the medium at the current position (a voxel's material and density, or the sphere);
//! 3. limit the step (g/cm2) by the largest mean fractional energy loss, by the geometric maximum
//!    step (voxel size or shell width) and by the residual range to the cut-off;
//! 4. sample the distance to the next hard inelastic event (delta ray, bremsstrahlung,
//!    annihilation in flight) with the larger of their cross sections at the two ends of the
//!    step as a majorant (a rejected event is a null event);
//! 5. move along the step's path ([`Transport::step_path`]): the hard elastic collisions deflect
//!    at their places along it, the soft elastic deflection at a random point (random hinge); the
//!    continuous (restricted) energy loss, with soft straggling, is deposited at one point
//!    uniform along the step's path; a segment leaving the geometry is cut at the boundary and
//!    the particle escapes;
//! 6. perform the hard inelastic event, pushing delta rays and photons on the stack.
//!
//! Voxel phantoms: a step uses the material and density of the voxel where it starts and does not
//! stop at faces between voxels of the same material and density (as DPM does); the geometric
//! step limit keeps it within about one voxel. A segment that would enter a voxel of another
//! material or density is cut at that face and a new step starts there, skipping the rest of the
//! step (PENELOPE's interface rule: with a random hinge, stopping at the interface corresponds to
//! a hinge beyond it, and the exponential distance to the hard event has no memory). Without
//! this cut, steps starting in a dense voxel carried its stopping power into light neighbours and
//! the Fano test (`tests/electron_interface.rs`) failed by 2.6% in 0.3 g/cm3 slabs.

pub use super::lepton_path::LeptonTrack;
use super::lepton_path::Segment;
use super::world::{box_distance_cm, in_grid};
use super::{Geometry, Transport, VoxelSite};
use crate::numerics::Vec3;
use crate::particle::{Particle, ParticleKind};
use crate::physics::electron::condensed::beta2;
use crate::physics::electron::{moller, Lepton};
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;
use crate::units::ELECTRON_MASS_MEV;

/// A length longer than any phantom (cm): a flight through vacuum ends at the next voxel of
/// matter or at the phantom's boundary.
const VACUUM_FLIGHT_CM: f64 = 1e6;

/// A lepton's medium at a point: material, density (g/cm3; 0 in vacuum) and voxel (None in a
/// sphere or the world medium); see `Transport::lepton_medium`.
pub(super) type LeptonMedium = (usize, f64, Option<VoxelSite>);

/// The longest step a kernel's electron takes, as a fraction of its distance from the source
/// point, where its steps may grow past the shell width ([`Transport::geometric_step_cm`]).
const FAR_STEP_OF_RADIUS: f64 = 0.5;

/// Rest energy a positron carries (and returns as annihilation photons), MeV.
const TWO_MC2: f64 = 2.0 * ELECTRON_MASS_MEV;

impl Transport<'_> {
    /// Transports one electron or positron to the end of its track, scoring its continuous and
    /// cut-off deposits and pushing its secondaries (delta rays, bremsstrahlung and annihilation
    /// photons) on `stack`.
    ///
    /// # Panics
    /// If the transport has no electron physics or `p` is a photon.
    pub fn track_lepton(
        &self,
        mut p: Particle,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) -> LeptonTrack {
        let ep = self.electron.expect("electron physics attached");
        let lepton = match p.kind {
            ParticleKind::Electron => Lepton::Electron,
            ParticleKind::Positron => Lepton::Positron,
            _ => panic!("track_lepton called with a {:?}", p.kind),
        };
        let prm = &ep.params;
        let cut = prm.cutoff_mev;
        let mut track = LeptonTrack::default();
        // the mean free paths left over at the end of a step without an event, to the next
        // hard inelastic event and to the next hard elastic candidate: the next step goes on
        // from them (a Poisson process has no memory, so this is exact with the next step's own
        // majorant, and saves a logarithm per step); an interface cut starts afresh
        let (mut carry_inel, mut carry_el): (Option<f64>, Option<f64>) = (None, None);
        // the medium where the last step ended, when that step could not leave its voxel
        let mut known: Option<LeptonMedium> = None;
        loop {
            // 1. stop below the cut-off
            let e0 = p.energy_mev;
            let Some((m, rho, site)) = known.take().or_else(|| self.lepton_medium(p.pos)) else {
                return self.escape(p, lepton, track, score);
            };
            if rho == 0.0 {
                // vacuum: straight on, without loss, to the next voxel of matter or out
                match self.lepton_advance(&mut p, VACUUM_FLIGHT_CM, &mut track).0 {
                    Segment::Escaped => return self.escape(p, lepton, track, score),
                    Segment::Done | Segment::Interface => continue,
                }
            }
            if e0 <= cut {
                return self.stop_lepton(p, lepton, site, track, rng, stack, score);
            }
            let tab = ep.tables(m, lepton);
            let loc0 = ep.grid.locate(e0);
            let r0 = ep.range_loc(tab, loc0);
            // range rejection before the step limits: most electrons of a beta emitter in
            // voxels of millimetres stop here
            let (reach, per_cm) = self.rejection_reach(p.pos, lepton);
            if r0 / rho * per_cm < reach {
                return self.stop_lepton(p, lepton, site, track, rng, stack, score);
            }
            // 3. step limit (g/cm2)
            // the step's energy-loss limit E (1 - f) sits a fixed distance below E on the ln E
            // grid
            let (f_lim, dx_lim) = ep.loss_limit(e0);
            let x_lim = loc0.0 as f64 + loc0.1 + dx_lim;
            let e_lim = e0 * (1.0 - f_lim);
            let i_lim = crate::numerics::clamped_index(x_lim, ep.grid.n);
            let loc_lim = (i_lim, x_lim - i_lim as f64);
            let by_loss = e_lim > cut && x_lim > 0.0;
            let r_lim = if by_loss {
                ep.range_loc(tab, loc_lim)
            } else {
                ep.range(tab, cut)
            };
            let t_geo = self.geometric_step_cm(p.pos) * rho;
            let t_lim = (r0 - r_lim).min(t_geo);
            if t_lim <= 1e-12 * r0.max(1e-30) {
                return self.stop_lepton(p, lepton, site, track, rng, stack, score);
            }
            // 4. distance to the next hard event
            let n0 = ep.at_loc(tab, loc0);
            // a step limited by its energy loss ends at E (1 - f), whose grid location is known
            let (e_end_lim, loc_end) = if by_loss && r0 - r_lim <= t_geo {
                (e_lim, loc_lim)
            } else {
                ep.energy_at_range_below(tab, r0 - t_lim, loc0.0)
            };
            let n_end = ep.at_loc(tab, loc_end);
            let sig_maj = n0.sig_inel.max(n_end.sig_inel);
            // majorant mean free paths to it: what the last step left over, or a fresh draw
            let mfp = carry_inel.take().unwrap_or_else(|| rng.mfp());
            let t_hard = if sig_maj > 0.0 {
                mfp / sig_maj
            } else {
                f64::INFINITY
            };
            let (t, hard) = if t_hard < t_lim {
                (t_hard, true)
            } else {
                carry_inel = Some(if sig_maj > 0.0 {
                    (t_hard - t_lim) * sig_maj
                } else {
                    mfp
                });
                (t_lim, false)
            };
            let (e_end, n1) = if hard {
                let (e, loc) = ep.energy_at_range_below(tab, r0 - t, loc0.0);
                (e, ep.at_loc(tab, loc))
            } else {
                (e_end_lim, n_end)
            };
            // continuous loss over the step, with soft straggling
            let mean_loss = (e0 - e_end).max(0.0);
            let loss = if prm.straggling && mean_loss > 0.0 {
                let e_mid = 0.5 * (e0 + e_end);
                let w_max = moller::max_fraction(lepton) * e_mid;
                let var = tab.straggling_k * prm.cuts.delta_mev.min(w_max) * t / beta2(e_mid);
                sample_straggled_loss(mean_loss, var, rng).min(e0)
            } else {
                mean_loss
            };
            // 5. the step's path: hard elastic collisions at their places, the soft deflection
            // at the random hinge
            // a step whose whole path is shorter than the reach cannot leave its voxel (or
            // shell): its segments need no geometry, its deposit no look-up
            let within = (t / rho * per_cm < reach).then_some(site);
            match self.step_path(
                &mut p,
                (&n0, &n1),
                (rho, within),
                t / rho,
                loss,
                score,
                &mut track,
                rng,
                &mut carry_el,
            ) {
                Segment::Done => {}
                Segment::Escaped => return self.escape(p, lepton, track, score),
                Segment::Interface => {
                    // (step_path has already dropped the elastic carry)
                    carry_inel = None;
                    continue;
                }
            }
            p.energy_mev = (e0 - loss).max(0.0);
            if within.is_some() {
                known = Some((m, rho, site));
            }
            // 6. hard event (or null event)
            if hard && p.energy_mev > cut {
                let n = ep.at(tab, p.energy_mev);
                let r = rng.uniform() * sig_maj;
                if r < n.sig_inel && self.hard_event(ep, tab, lepton, &mut p, r, &n, rng, stack) {
                    self.record_annihilation(p.pos, score);
                    track.end = p.pos;
                    track.annihilated = true;
                    return track;
                }
            }
        }
    }

    /// The particle stops here: its kinetic energy is deposited (scored as below the cut-off)
    /// and a positron annihilates at rest.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn stop_lepton(
        &self,
        p: Particle,
        lepton: Lepton,
        site: Option<VoxelSite>,
        mut track: LeptonTrack,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        score: &mut HistoryScore,
    ) -> LeptonTrack {
        self.deposit_at(site, p.pos, p.energy_mev, score);
        score.below_cutoff += p.energy_mev;
        track.end = p.pos;
        if lepton == Lepton::Positron {
            self.annihilate_at_rest(p.pos, rng, stack);
            self.record_annihilation(p.pos, score);
            track.annihilated = true;
        }
        track
    }

    /// Range rejection (as EGSnrc's, Kawrakow & Rogers, the EGSnrc system, NRCC PIRS-701
    /// section 3.6): a particle whose CSDA range is shorter than the distance from `pos` to
    /// the nearest face of its scoring bin cannot leave the bin, so its energy is deposited
    /// there at once. Only its bremsstrahlung, under 0.1% of the energy of an electron below
    /// 1 MeV in tissue (ESTAR radiation yield), is not transported. The bins are voxels, or
    /// the spherical shells of a kernel where [`Transport::shell_range_rejection`] is on (for
    /// electrons only there, so the annihilation photons of positron kernels start where the
    /// positrons stop). In the world medium around the grid, the same rule with the nearer of
    /// the grid and the world's outer boundary in place of the voxel's faces.
    ///
    /// Returns that distance (the reach: a CSDA range below it is rejected, and a step whose
    /// path is shorter stays in the bin) and its unit per cm: cm (1) in voxels and the world
    /// medium, shell widths (`shells_per_cm`) in a kernel's sphere; a reach of 0 where no
    /// range rejection applies.
    // inlined into the step loop: a call there cost about 2 % of the 1 MeV kernel
    #[inline(always)]
    pub(super) fn rejection_reach(&self, pos: Vec3, lepton: Lepton) -> (f64, f64) {
        let Some(lookup) = &self.voxels else {
            let Geometry::Sphere { shells, .. } = &self.geometry else {
                return (0.0, 1.0);
            };
            if !self.shell_range_rejection || lepton == Lepton::Positron {
                return (0.0, 1.0);
            }
            // shell k spans [k, k + 1) / shells_per_cm; the outermost shell's outer face is the
            // sphere's boundary
            let x = pos.norm() * self.shells_per_cm;
            let k = crate::numerics::clamped_index(x, *shells) as f64;
            return ((x - k).min(k + 1.0 - x), self.shells_per_cm);
        };
        if let (Some(w), Geometry::Voxels(ph)) = (&self.world, &self.geometry) {
            if !in_grid(pos, ph.size_cm) {
                return (
                    box_distance_cm(pos, ph.size_cm).min(w.boundary_distance_cm(pos)),
                    1.0,
                );
            }
        }
        (
            (0.5 * self.lepton_max_step_cm).min(lookup.nearest_face_cm(pos)),
            1.0,
        )
    }

    /// The geometric limit (cm) of an electron step that starts at `pos`: `lepton_max_step_cm`
    /// (the smallest voxel, or the shell width), or in a kernel's sphere with
    /// `lepton_far_step_cm` set, half the distance from the centre between the two (the steps
    /// grow away from the source point, where a long first step would show; see the point
    /// kernels' step cap).
    #[inline(always)]
    pub(super) fn geometric_step_cm(&self, pos: Vec3) -> f64 {
        if self.lepton_far_step_cm > self.lepton_max_step_cm {
            (FAR_STEP_OF_RADIUS * pos.norm())
                .clamp(self.lepton_max_step_cm, self.lepton_far_step_cm)
        } else {
            self.lepton_max_step_cm
        }
    }

    /// The material and density (g/cm3) at `pos`, and its voxel (None in a sphere or the world
    /// medium); None outside the geometry. The density is 0 only in vacuum; other densities are
    /// at least 1e-6 g/cm3.
    #[inline]
    pub(super) fn lepton_medium(&self, pos: Vec3) -> Option<LeptonMedium> {
        match &self.geometry {
            Geometry::Voxels(_) => {
                let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
                match lookup.at(pos) {
                    Some((v, vx)) => {
                        let rho = vx.density as f64;
                        Some((
                            vx.material as usize,
                            if rho > 0.0 { rho.max(1e-6) } else { 0.0 },
                            Some(VoxelSite::of(v, vx)),
                        ))
                    }
                    None => self
                        .world
                        .filter(|w| w.contains(pos))
                        .map(|w| (w.material, w.density, None)),
                }
            }
            Geometry::Sphere {
                radius_cm,
                material,
                density,
                ..
            } => (pos.dot(pos) <= radius_cm * radius_cm).then_some((*material, *density, None)),
        }
    }

    /// The particle leaves the geometry with its kinetic energy (and, for a positron, its rest
    /// energy).
    fn escape(
        &self,
        p: Particle,
        lepton: Lepton,
        mut track: LeptonTrack,
        score: &mut HistoryScore,
    ) -> LeptonTrack {
        score.escaped += p.energy_mev;
        if lepton == Lepton::Positron {
            score.escaped += TWO_MC2;
            if let Geometry::Sphere { shells, .. } = &self.geometry {
                score.mark(*shells as u32 + 1);
            }
        }
        track.end = p.pos;
        track.escaped = true;
        track
    }
}

/// Shape mean^2 / variance of the soft loss above which [`sample_straggled_loss`] draws a
/// Gaussian instead of a gamma distribution of the same mean and variance: the gamma's skewness
/// 2 / sqrt(shape) is below 0.2 there, and its third moment is a property of the model, not of
/// the restricted soft loss, whose collisions below the delta-ray cut it only summarises by two
/// moments (PENELOPE, too, samples its soft loss from simple distributions fixed by the mean
/// and variance alone; Baro et al., NIM B 100 (1995) 31). 99.6 % of the steps of a 1 MeV water
/// kernel and 98 % of those of Lu-177 in 4.42 mm voxels are above 100 (counted in session 19);
/// the Gaussian's chance of a negative loss there, 8e-24, is cut at zero.
const GAUSSIAN_STRAGGLING_SHAPE: f64 = 100.0;

/// The step's soft energy loss with the given mean and variance: a Gaussian above
/// [`GAUSSIAN_STRAGGLING_SHAPE`] (one normal deviate and a square root), else a gamma
/// distribution (Marsaglia & Tsang, ACM TOMS 26 (2000) 363, their normal deviates from
/// `rand_distr`'s ziggurat; shape below 1 by Stuart's u^(1/shape) boost), which costs two more
/// divisions, a square root, a cube and a uniform number.
fn sample_straggled_loss(mean: f64, var: f64, rng: &mut HistoryRng) -> f64 {
    if var <= 0.0 {
        return mean;
    }
    if mean * mean > GAUSSIAN_STRAGGLING_SHAPE * var {
        let x: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
        return (mean + var.sqrt() * x).max(0.0);
    }
    let shape = mean * mean / var;
    let scale = var / mean;
    let (k, boost) = if shape < 1.0 {
        (shape + 1.0, rng.uniform_open().powf(1.0 / shape))
    } else {
        (shape, 1.0)
    };
    let d = k - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        // standard normal by the ziggurat (no logarithm in about 99% of draws)
        let x: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.uniform_open();
        // squeeze (Marsaglia & Tsang): accepts most samples without the logarithms
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d - d * v + d * v.ln() {
            return d * v * scale * boost;
        }
    }
}
