//! Scored components, energy-group bounds, geometry, energy balance and outcome of a neutron run.

use crate::phantom::Phantom;
use crate::physics::neutron::collision::NeutronBalance;
use crate::tally::{HistoryScore, Tally};

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
pub(super) const ROULETTE_BELOW: f64 = 0.25;
pub(super) const ROULETTE_SURVIVOR: f64 = 0.5;
/// 1 MeV/g in Gy.
pub const GY_PER_MEV_PER_G: f64 = crate::units::MEV_TO_J * 1e3;
/// Majorant grid: log-uniform intervals over 1e-5 eV - 20 MeV.
pub(super) const N_MAJ: usize = 1300;

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

/// The result of a neutron run.
pub struct NeutronOutcome {
    /// N_COMPONENTS x cells bins (component-major)
    pub tally: Tally,
    /// photon transport tally (bins of the photon geometry), when photons were transported
    pub photon_tally: Option<Tally>,
    pub balance: NeutronBalance,
    pub cells: usize,
    /// wall-clock seconds of this invocation (0 for a merged result)
    pub seconds: f64,
    /// CPU seconds of this invocation, every thread (0 for a merged result)
    pub cpu_seconds: f64,
    pub threads: usize,
    /// histories simulated by this invocation (without those resumed from a checkpoint)
    pub new_histories: u64,
    /// stopped by an interrupt before all histories ran (the checkpoint holds those done)
    pub interrupted: bool,
    /// stopped early because the target uncertainty was reached
    pub reached_target: bool,
}

/// Per-history derived totals: (number of extra tally bins, the function that fills them from a
/// history's neutron score and its photon score).
pub type HistoryExtra<'a> = (
    usize,
    &'a (dyn Fn(&mut HistoryScore, Option<&HistoryScore>) + Sync),
);
