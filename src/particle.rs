//! Particle state and the secondary stack.

use crate::numerics::Vec3;
use crate::rng::HistoryRng;

/// The kinds of particle the transport knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParticleKind {
    Photon,
    /// Transported by condensed history when the transport has electron physics attached
    /// (`Transport::with_electrons`), else deposited locally at their creation point.
    Electron,
    /// As electrons; a positron ends by annihilation (in flight, or at rest into two 511 keV
    /// photons) or by leaving the geometry. Without electron physics it deposits its kinetic
    /// energy locally and annihilates there at rest.
    Positron,
    /// Alpha particles: deposited locally where they are emitted (ranges of 40-100 um in
    /// tissue, below the voxel size) until straight-line CSDA tracks exist.
    Alpha,
    /// Recoiling daughter nuclei of alpha decay: deposited locally (ranges of tens of nm).
    Recoil,
}

/// One particle: kinetic energy (MeV), position (cm, phantom frame), unit direction.
#[derive(Clone, Copy, Debug)]
pub struct Particle {
    pub kind: ParticleKind,
    pub energy_mev: f64,
    pub pos: Vec3,
    pub dir: Vec3,
}

impl ParticleKind {
    /// Parses a source particle name: photon (or gamma), electron, positron or alpha.
    ///
    /// # Errors
    /// Any other name, with the list of names accepted.
    pub fn from_name(name: &str) -> anyhow::Result<Self> {
        match name {
            "photon" | "gamma" => Ok(ParticleKind::Photon),
            "electron" => Ok(ParticleKind::Electron),
            "positron" => Ok(ParticleKind::Positron),
            "alpha" => Ok(ParticleKind::Alpha),
            p => anyhow::bail!("particle '{p}': expected photon, electron, positron or alpha"),
        }
    }
}

impl Particle {
    pub fn new(kind: ParticleKind, energy_mev: f64, pos: Vec3, dir: Vec3) -> Self {
        Particle {
            kind,
            energy_mev,
            pos,
            dir,
        }
    }
}

/// Electrons a source emits that stop where they are born: those at or below `max_mev` (the
/// transport's electron cut-off; 0 keeps every electron on the stack) get no direction and no
/// place on the stack, only an entry (position cm, energy MeV) in `sites` for the transport to
/// deposit (`Transport::deposit_born`), as its step loop would have at once. A Lu-177 decay
/// emits 1.4 of them at a 50 keV cut-off (Auger electrons, the low end of the beta spectrum).
/// With `range_test` (where the transport has a range rejection), electrons above `max_mev`
/// emitted without a given direction are kept as well: the transport's range rejection, which
/// does not depend on the direction, deposits most of them where they are born, and only the
/// others get an isotropic direction and a place on the stack. `Transport::born_local` sets
/// both for a transport.
///
/// Photons below `photon_below_mev` (the transport's photon cut-off) are kept too, and
/// deposited where they are born, as the photon loop would have at once, each without a
/// direction, a stack entry and a voxel look-up of its own (ICRP-107 gives Lu-177 1.28 X-rays
/// of 19 eV per decay).
#[derive(Clone, Debug, Default)]
pub struct BornLocal {
    pub max_mev: f64,
    pub range_test: bool,
    pub photon_below_mev: f64,
    /// (position cm, energy MeV, whether a photon)
    pub sites: Vec<(Vec3, f64, bool)>,
}

impl BornLocal {
    /// Keeps a particle of `kind` and energy `e` (MeV) born at `pos`, with a direction of its
    /// own if `directed`, if it is an electron at or below the threshold, any undirected
    /// electron under `range_test`, or a photon below `photon_below_mev`; false if it is to go
    /// on the stack.
    #[inline]
    pub fn keep(&mut self, kind: ParticleKind, pos: Vec3, e: f64, directed: bool) -> bool {
        let keep = match kind {
            ParticleKind::Electron => e <= self.max_mev || (!directed && self.range_test),
            ParticleKind::Photon => e < self.photon_below_mev,
            _ => false,
        };
        if keep {
            self.sites.push((pos, e, kind == ParticleKind::Photon));
        }
        keep
    }
}

/// Puts one particle a source emits (kind, kinetic energy MeV) born at `pos` on `stack`, with
/// direction `dir` or else an isotropic one (drawn only then), or in `born` if it stops at once;
/// returns the energy it carries: the kinetic energy, plus 2 m_e c^2 for a positron (which
/// reappears as annihilation photons).
#[inline]
pub fn place_emitted(
    stack: &mut Vec<Particle>,
    born: &mut BornLocal,
    (kind, e): (ParticleKind, f64),
    pos: Vec3,
    dir: Option<Vec3>,
    rng: &mut HistoryRng,
) -> f64 {
    if !born.keep(kind, pos, e, dir.is_some()) {
        let dir = dir.unwrap_or_else(|| isotropic_rng(rng));
        stack.push(Particle::new(kind, e, pos, dir));
    }
    e + if kind == ParticleKind::Positron {
        2.0 * crate::units::ELECTRON_MASS_MEV
    } else {
        0.0
    }
}

/// Samples an isotropic unit direction from two uniform numbers.
#[inline]
pub fn isotropic(u1: f64, u2: f64) -> Vec3 {
    let w = 2.0 * u1 - 1.0;
    let s = (1.0 - w * w).max(0.0).sqrt();
    let (sp, cp) = (std::f64::consts::TAU * u2).sin_cos();
    Vec3::new(s * cp, s * sp, w)
}

/// Samples an isotropic unit direction (cos theta uniform, azimuth by disk rejection).
#[inline]
pub fn isotropic_rng(rng: &mut HistoryRng) -> Vec3 {
    let w = 2.0 * rng.uniform() - 1.0;
    let s = (1.0 - w * w).max(0.0).sqrt();
    let (c, sn) = rng.azimuth();
    Vec3::new(s * c, s * sn, w)
}
