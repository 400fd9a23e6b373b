//! Study and run files (TOML), result folders and the commands built on them.
//!
//! A run file names a phantom, a source and run settings; `theradose run FILE.toml` transports
//! it and writes `dose.nii.gz`, `uncertainty.nii.gz`, `summary.json`, `regions.csv` and a PNG.

pub mod bnct;
pub mod bnct_study;
pub mod dose;
pub mod dosimetry_images;
pub mod dosimetry_report;
pub mod dosimetry_study;
pub mod output;
pub mod therapy;

pub use crate::run::problem::{
    build_phantom, build_source, make_transport, particle_kind, range_rejection_cutoff_mev, Problem,
};
pub use crate::run::spec::{
    fnv1a, DaughterEscapeSpec, PhantomSpec, RunFile, RunSpec, ScoringSpec, SourceSpec,
};
