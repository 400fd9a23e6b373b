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

mod transport;
mod types;

pub use crate::physics::neutron::collision::NeutronBalance;
pub use crate::physics::neutron::free_gas::sample_target_velocity;
pub use crate::source::neutron_beam::SourceNeutron;
pub use transport::NeutronTransport;
pub use types::{
    Component, HistoryExtra, NeutronGeometry, NeutronOutcome, EPITHERMAL_MAX_MEV, GY_PER_MEV_PER_G,
    N_COMPONENTS, THERMAL_MAX_MEV,
};
