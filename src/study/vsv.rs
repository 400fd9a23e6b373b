//! `theradose vsv`: voxel S-values of a radionuclide in a homogeneous medium (issue 4).

use anyhow::{bail, Result};

/// Options of `theradose vsv`.
#[derive(Clone, Debug)]
pub struct VsvSpec {
    pub nuclide: String,
    pub voxel_mm: f64,
    pub medium: String,
    /// S-values for 0 <= i, j, k < n
    pub n: usize,
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// Runs the voxel S-value calculation; returns the CSV text
/// (`i,j,k,s_mgy_per_mbq_s,rel_uncertainty`) and a JSON summary.
pub fn run_vsv(spec: &VsvSpec) -> Result<(String, serde_json::Value)> {
    bail!("vsv for {} is not available yet", spec.nuclide)
}
