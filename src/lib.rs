//! theradose: Monte Carlo dosimetry and theranostics.
//!
//! Modules are layered (see `../shared/DESIGN.md`): a module uses only modules of lower layers.
//! L0 `units`, `numerics`; L1 `rng`, `tables`, `io`; L2 `materials`, `phantom`, `particle`;
//! L0 also holds `error` (typed spec errors); L3 `physics`, `source`, `tally`; L4 `transport`,
//! `run`, `context` (data loaded once); L5 `dosimetry`, `biology`, `pet`; L6 `study`, `plot`.
//! The command line (`src/cli/`, L7) belongs to the binary and the Python package to `python/`.

pub mod biology;
pub mod context;
pub mod dosimetry;
pub mod error;
pub mod io;
pub mod materials;
pub mod numerics;
pub mod particle;
pub mod pet;
pub mod phantom;
pub mod physics;
pub mod plot;
pub mod rng;
pub mod run;
pub mod source;
pub mod study;
pub mod tables;
pub mod tally;
pub mod transport;
pub mod units;

/// The crate version, recorded in every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
