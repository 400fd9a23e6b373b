//! Typed errors at the library boundary (L0).
//!
//! A computation that rejects a value of its spec returns a [`SpecError`] naming the spec field
//! (the key of the study TOML section, or the keyword of the Python call) and the value, e.g.
//! `histories: must be at least 1, got 0`. It travels inside an `anyhow::Error` like every other
//! error of the library, so callers find it with [`spec_error_of`]: the command line maps the
//! field to its flag (`--histories`), the Python package raises `ValueError`.

use std::fmt;

/// A value of a spec field that the computation cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    /// the spec field, as spelled in TOML and Python (`histories`, `source.kind`)
    pub field: String,
    /// what is wrong, with the value and what was expected
    pub message: String,
}

impl SpecError {
    /// A spec error for `field` with a message (which should quote the value and the expectation).
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> SpecError {
        SpecError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// An `anyhow::Error` carrying a [`SpecError`]: `return Err(spec_error("histories", "must be at
/// least 1, got 0"))`.
pub fn spec_error(field: impl Into<String>, message: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(SpecError::new(field, message))
}

/// Returns early with a [`SpecError`]: `spec_bail!("histories", "must be at least 1, got {n}")`.
#[macro_export]
macro_rules! spec_bail {
    ($field:expr, $($fmt:tt)+) => {
        return Err($crate::error::spec_error($field, format!($($fmt)+)))
    };
}

/// The first [`SpecError`] in an error's chain, if any.
pub fn spec_error_of(e: &anyhow::Error) -> Option<&SpecError> {
    e.chain().find_map(|c| c.downcast_ref::<SpecError>())
}

/// Set when a run stopped because the user interrupted it (Ctrl-C, or a Python
/// `KeyboardInterrupt`): partial results were kept where the computation writes checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("interrupted after {histories} histories")]
pub struct Interrupted {
    /// histories in the tally when the run stopped
    pub histories: u64,
}

/// Turns any error of a result into a [`SpecError`] of `field` (its message the whole error
/// chain): `Nuclide::load(name).spec_field("nuclide")`.
pub trait SpecField<T> {
    /// The result with its error, if any, attributed to the spec field `field`.
    ///
    /// # Errors
    /// The original error, as a [`SpecError`] of `field`.
    fn spec_field(self, field: &str) -> anyhow::Result<T>;
}

impl<T> SpecField<T> for anyhow::Result<T> {
    fn spec_field(self, field: &str) -> anyhow::Result<T> {
        self.map_err(|e| match spec_error_of(&e) {
            Some(_) => e,
            None => spec_error(field, format!("{e:#}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_error_is_found_through_context() {
        let e = spec_error("histories", "must be at least 1, got 0").context("dose");
        let s = spec_error_of(&e).expect("spec error in chain");
        assert_eq!(s.field, "histories");
        assert_eq!(
            s.to_string(),
            "histories: must be at least 1, got 0",
            "display names the field and the value"
        );
        assert!(spec_error_of(&anyhow::anyhow!("plain")).is_none());
    }

    fn bails(n: u64) -> anyhow::Result<u64> {
        if n == 0 {
            spec_bail!("histories", "must be at least 1, got {n}");
        }
        Ok(n)
    }

    #[test]
    fn spec_bail_returns_a_spec_error() {
        let e = bails(0).unwrap_err();
        assert_eq!(spec_error_of(&e).unwrap().field, "histories");
        assert_eq!(bails(3).unwrap(), 3);
    }
}
