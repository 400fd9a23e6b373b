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
