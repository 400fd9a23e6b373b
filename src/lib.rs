//! theradose: Monte Carlo dosimetry and theranostics.
//!
//! Modules are layered (see `../shared/DESIGN.md`): a module uses only modules of lower layers.
//! L0 `units`, `numerics`; L1 `rng`, `tables`, `io`; L2 `materials`, `phantom`, `particle`;
//! L3 `physics`, `source`, `tally`; L4 `transport`, `run`; L6 `study`, `plot`.

pub mod io;
pub mod plot;
