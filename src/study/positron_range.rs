//! `theradose positron-range`: distribution of the distance from positron emission to
//! annihilation for a nuclide in a medium (issue 3).

use anyhow::{bail, Result};

/// Options of `theradose positron-range`.
#[derive(Clone, Debug)]
pub struct PositronRangeSpec {
    pub nuclide: String,
    pub medium: String,
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// Runs it; returns the JSON summary and the 1D histogram CSV (`x_mm,probability_per_mm`).
pub fn run_positron_range(spec: &PositronRangeSpec) -> Result<(serde_json::Value, String)> {
    bail!("positron-range for {} is not available yet", spec.nuclide)
}
