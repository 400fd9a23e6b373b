//! What a decay emits: the kind and energy of each particle, and the discrete lines of a
//! nuclide's data (re-exported by [`super::nuclide`]).

/// Kind of an emitted particle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmissionKind {
    Photon,
    Electron,
    Positron,
    Alpha,
    /// the daughter nucleus recoiling from an alpha decay (deposits locally)
    Recoil,
}

/// One emitted particle of a decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emission {
    pub kind: EmissionKind,
    pub energy_mev: f64,
}

/// A discrete line (photon, electron or alpha) with its yield per decay.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub energy_mev: f64,
    pub intensity: f64,
    /// alpha lines: recoil energy of the daughter (MeV)
    pub recoil_mev: f64,
}
