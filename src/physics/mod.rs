//! Physics per particle and process: cross sections and sampling. Physics never writes a tally:
//! it returns local deposits and pushes secondaries.

pub mod electron;
pub mod ion;
pub mod neutron;
pub mod photon;
