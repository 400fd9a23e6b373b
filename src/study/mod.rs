//! Study and run files (TOML), result folders and the commands built on them.
//!
//! Every study kind is a folder with the same parts: `spec` (the TOML sections as serde
//! structs), `run` (the computation, spec in, typed result out), `outputs` (the result's
//! files), `figures` and, where the kind writes one, `report` (`report.md`):
//! [`runfile`] (run files, `theradose run`), [`dosimetry`], [`therapy`], [`bnct`] and
//! [`patient`], [`cell_tracking`]; [`calibration`] writes the files of a response-model
//! calibration.
//! [`dispatch`] classifies a study file and runs it by its kind; [`common`] holds what the kinds
//! share. Imports go one way: `dispatch` -> kinds -> `common` (therapy also uses `dosimetry`,
//! whose sections it embeds).

pub mod bnct;
pub mod calibration;
pub mod cell_tracking;
pub mod common;
pub mod dispatch;
pub mod dose;
pub mod dosimetry;
pub mod maps;
pub mod patient;
pub mod runfile;
pub mod therapy;

pub use common::StudyOptions;
pub use dispatch::{
    remove_checkpoints, run_study, run_study_file, study_kind, StudyKind, StudyResult,
};

pub use crate::run::problem::{
    build_phantom, build_source, make_transport, particle_kind, range_rejection_cutoff_mev, Problem,
};
pub use crate::run::spec::{
    fnv1a, DaughterEscapeSpec, PhantomSpec, RunFile, RunSpec, ScoringSpec, SourceSpec,
};
