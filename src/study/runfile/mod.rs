//! Run-file studies (a study file with `[source]`, `theradose run` / `theradose study`): a
//! phantom, a source and run settings ([`crate::run::spec::RunFile`]) transported into a result
//! folder.
//!
//! Parts: [`spec`] (the overrides of a run file), [`mod@run`] (transport with checkpoints),
//! [`mod@merge`] (job parts), [`result`] (the typed result and `summary.json`), [`outputs`] (the
//! files), [`figures`] (`dose_coronal.png`), [`depth`] (the depth curve of a beam source).

pub mod depth;
pub mod figures;
pub mod merge;
pub mod outputs;
pub mod result;
pub mod run;
pub mod spec;

pub use merge::merge;
pub use result::{RunResult, RunSummary, Timing};
pub use run::{run_file, RunInterrupted};
pub use spec::RunOptions;
