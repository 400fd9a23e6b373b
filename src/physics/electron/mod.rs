//! Electron and positron physics (issue 3): stopping powers, CSDA ranges; condensed history
//! to come.

use anyhow::{bail, Result};

/// `theradose table --particle electron|positron`: CSV
/// `energy_mev,stopping_power_mev_cm2_g,csda_range_g_cm2`.
pub fn table_csv(particle: &str, medium: &str, energies_mev: &[f64]) -> Result<String> {
    let _ = (medium, energies_mev);
    bail!("--particle {particle}: electron stopping powers are not available yet")
}
