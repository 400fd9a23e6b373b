//! Neutron physics (filled in by the BNCT work): cross sections, kerma, thermal scattering.
