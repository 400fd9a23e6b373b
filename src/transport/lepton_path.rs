//! The path of one condensed-history step of an electron or positron: straight segments between
//! the hard elastic collisions and the soft deflection of the random hinge; the step's
//! continuous energy loss goes to one point uniform along the path walked.

use super::world::{box_entry_cm, in_grid, NUDGE_CM};
use super::{Geometry, Transport, VoxelSite};
use crate::numerics::Vec3;
use crate::particle::Particle;
use crate::phantom::geometry::{box_exit_cm, sphere_exit_cm};
use crate::physics::electron::condensed::Node;
use crate::physics::electron::elastic::sample_soft;
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;

/// What happened to one transported electron or positron (for tests and range statistics).
#[derive(Clone, Copy, Debug, Default)]
pub struct LeptonTrack {
    /// total path length (cm)
    pub path_cm: f64,
    /// where the track ended (annihilation, stop or exit point)
    pub end: Vec3,
    pub escaped: bool,
    pub annihilated: bool,
}

impl Transport<'_> {
    /// Moves `p` along one step of `len_cm` (cm) that loses `loss` MeV, from the tables `n0` at
    /// its start to `n1` at its end (CSDA energies), in a medium of density `rho` (g/cm3).
    ///
    /// The hard elastic collisions (deflections beyond the cut x_c of the mixed scheme) happen at
    /// their places along the step: a Poisson process whose rate per cm is sig_hard_el rho,
    /// linear in the path between the two ends (loss at most 20% per step), sampled by thinning
    /// with the larger end as majorant; each deflects by the Wentzel DCS beyond x_c, with the
    /// screening and cut at its place. `carry` holds the majorant mean free paths the last step
    /// left between its end and its next candidate (None: draw afresh); this step starts from
    /// them and leaves its own, or None when it is cut at a boundary or interface. The soft
    /// deflection, with the step's exact soft moments exp(K_l(E_end) - K_l(E_0)), happens at
    /// the random hinge, a uniform point of the step.
    /// The step's continuous loss is deposited at one point, uniform along the path walked (so
    /// the expected deposit is spread evenly along the path, as the continuous loss is); a step
    /// cut at a boundary or interface deposits the share of the path done. `within` is
    /// Some(the voxel, None in a sphere) when the step's path cannot leave its voxel (or kernel
    /// shell), shorter than the distance to its nearest face: its segments then move without
    /// geometry and its deposit goes to that voxel without a look-up.
    ///
    /// Until session 14 a hard elastic collision ended the step, so each cost a whole step
    /// (table look-ups, range and straggling, two segments): at 1 MeV in water, 34 of the 75
    /// steps per primary of a 48-shell kernel. Here a hard collision costs one segment. Checked
    /// with the water kernels (24 shells to 1.2 r0) against C1 = C2 = loss fraction = 0.05 with
    /// steps ended at each collision (see `CondensedParams::new`). Kinked steps of equal length
    /// showed that a deposit at each segment's midpoint piles energy into fixed radii (up to 2%
    /// of the kernel's peak in the first shells, without straggling).
    #[allow(clippy::too_many_arguments)] // the step state of one particle
    pub(super) fn step_path(
        &self,
        p: &mut Particle,
        (n0, n1): (&Node, &Node),
        (rho, within): (f64, Option<Option<VoxelSite>>),
        len_cm: f64,
        loss: f64,
        score: &mut HistoryScore,
        track: &mut LeptonTrack,
        rng: &mut HistoryRng,
        carry: &mut Option<f64>,
    ) -> Segment {
        let (h0, h1) = (n0.sig_hard_el * rho, n1.sig_hard_el * rho);
        let h_maj = h0.max(h1);
        // next hard elastic collision beyond path `from` (cm), infinity beyond the step
        let next_hard = |from: f64,
                         mut carried: Option<f64>,
                         rng: &mut HistoryRng,
                         out: &mut Option<f64>|
         -> f64 {
            if h_maj <= 0.0 {
                *out = carried;
                return f64::INFINITY;
            }
            let mut s = from;
            loop {
                s += carried.take().unwrap_or_else(|| rng.mfp()) / h_maj;
                if s >= len_cm {
                    *out = Some((s - len_cm) * h_maj);
                    return f64::INFINITY;
                }
                if rng.uniform() * h_maj < h0 + (h1 - h0) * (s / len_cm) {
                    return s;
                }
            }
        };
        let hinge = rng.uniform() * len_cm;
        let mut hinge_done = false;
        let mut hard = next_hard(0.0, carry.take(), rng, carry);
        let mut done = 0.0;
        // the step's loss goes to one point, uniform along the path walked (reservoir sampling
        // over the segments: one uniform number per segment), except in a step known to stay
        // in its voxel, whose deposit goes to that voxel wherever the point is
        let sample_point = !matches!(within, Some(Some(_)));
        let (mut walked, mut at) = (0.0, p.pos);
        loop {
            let at_hinge = !hinge_done && hinge <= hard;
            let to = if at_hinge { hinge } else { hard.min(len_cm) };
            let (start, dir) = (p.pos, p.dir);
            let (kind, d) = if within.is_some() {
                let len = to - done;
                p.pos = p.pos + p.dir * len;
                track.path_cm += len;
                (Segment::Done, len)
            } else {
                self.lepton_advance(p, to - done, track)
            };
            if d > 0.0 && sample_point {
                walked += d;
                let u = rng.uniform() * walked;
                if u < d {
                    at = start + dir * u;
                }
            }
            if kind != Segment::Done {
                *carry = None;
                self.lose(p, loss * (walked / len_cm), (at, None), score);
                return kind;
            }
            done = to;
            if at_hinge {
                hinge_done = true;
                let (m1, p2) = n0.soft_moments_to(n1);
                let mu = sample_soft(m1, p2, rng);
                let (c, s) = rng.azimuth();
                p.dir = p.dir.rotated_cs(mu, c, s);
            } else if to < len_cm {
                let (w, x_c) = n0.hard_elastic_toward(n1, to / len_cm);
                let x = w.sample_hard(x_c, rng.uniform());
                let (c, s) = rng.azimuth();
                p.dir = p.dir.rotated_cs(1.0 - x, c, s);
                hard = next_hard(to, None, rng, carry);
            } else {
                self.lose(p, loss, (at, within.flatten()), score);
                return Segment::Done;
            }
        }
    }

    /// Moves `p` up to `len_cm` along its direction, without energy loss; returns how the
    /// segment ended and the path done (cm). A segment leaving the geometry is cut at the
    /// boundary (`Escaped`), one entering a voxel of another material or density at that face
    /// (`Interface`, the particle then just inside the new voxel); one leaving the grid into the
    /// world medium, or coming back, ends just beyond that face (`Interface`).
    #[inline]
    pub(super) fn lepton_advance(
        &self,
        p: &mut Particle,
        len_cm: f64,
        track: &mut LeptonTrack,
    ) -> (Segment, f64) {
        let end = p.pos + p.dir * len_cm;
        let (len, kind) = match &self.geometry {
            Geometry::Sphere { radius_cm, .. } => {
                if end.dot(end) > radius_cm * radius_cm {
                    let d = sphere_exit_cm(p.pos, p.dir, *radius_cm).clamp(0.0, len_cm);
                    (d, Segment::Escaped)
                } else {
                    (len_cm, Segment::Done)
                }
            }
            Geometry::Voxels(ph) if self.world.is_some() && !in_grid(p.pos, ph.size_cm) => {
                let w = self.world.as_ref().expect("a world");
                let d_out = w.exit_cm(p.pos, p.dir);
                let d_in = box_entry_cm(p.pos, p.dir, ph.size_cm);
                if len_cm < d_out.min(d_in) {
                    (len_cm, Segment::Done)
                } else if d_in <= d_out {
                    // back into the grid: cut there, the particle just inside
                    p.pos = p.pos + p.dir * (d_in + NUDGE_CM);
                    track.path_cm += d_in;
                    return (Segment::Interface, d_in);
                } else {
                    (d_out, Segment::Escaped)
                }
            }
            Geometry::Voxels(ph) => {
                let inside = (0..3).all(|a| {
                    let x = end.get(a);
                    x >= 0.0 && x < ph.size_cm[a]
                });
                let (d, kind) = if inside {
                    (len_cm, Segment::Done)
                } else {
                    let d = box_exit_cm(p.pos, p.dir, ph.size_cm).clamp(0.0, len_cm);
                    (d, Segment::Escaped)
                };
                let lookup = self.voxels.as_ref().expect("voxel geometry has a lookup");
                if let Some((d_face, axis, face_cm)) = lookup.first_medium_change(p.pos, p.dir, d) {
                    p.pos = p.pos + p.dir * d_face;
                    // just inside the new voxel, whatever the rounding of the path
                    let nudge = 1e-9 * p.dir.get(axis).signum();
                    p.pos = match axis {
                        0 => Vec3::new(face_cm + nudge, p.pos.y, p.pos.z),
                        1 => Vec3::new(p.pos.x, face_cm + nudge, p.pos.z),
                        _ => Vec3::new(p.pos.x, p.pos.y, face_cm + nudge),
                    };
                    track.path_cm += d_face;
                    return (Segment::Interface, d_face);
                }
                (d, kind)
            }
        };
        p.pos = p.pos + p.dir * len;
        track.path_cm += len;
        if let (Segment::Escaped, Some(w), Geometry::Voxels(ph)) =
            (kind, &self.world, &self.geometry)
        {
            // out of the grid into the world: the particle just outside, on in the world
            let out = p.pos + p.dir * NUDGE_CM;
            if w.contains(out) || in_grid(out, ph.size_cm) {
                p.pos = out;
                return (Segment::Interface, len);
            }
        }
        (kind, len)
    }

    /// Deposits `de` MeV (at most the particle's kinetic energy) at `at`, in `site` when the
    /// caller knows its voxel, taking it from `p`.
    #[inline]
    fn lose(
        &self,
        p: &mut Particle,
        de: f64,
        (at, site): (Vec3, Option<VoxelSite>),
        score: &mut HistoryScore,
    ) {
        let de = de.min(p.energy_mev).max(0.0);
        self.deposit_at(site, at, de, score);
        score.deposited += de;
        p.energy_mev -= de;
    }
}

/// How a segment of a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Segment {
    /// moved the whole length
    Done,
    /// left the geometry
    Escaped,
    /// stopped at the face of a voxel of another material or density
    Interface,
}
