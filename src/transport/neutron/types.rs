//! Scored components, energy-group bounds, geometry, energy balance and outcome of a neutron run.

use crate::phantom::Phantom;
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
pub(super) const GY_PER_MEV_PER_G: f64 = crate::units::MEV_TO_J * 1e3;
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
    pub(super) fn add(&mut self, o: &NeutronBalance) {
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
