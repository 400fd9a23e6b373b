//! Heavy charged particles (alpha, proton, 7Li; issue 4): stopping powers and CSDA ranges.

use anyhow::{bail, Result};

/// `theradose table --particle alpha|proton`: CSV
/// `energy_mev,stopping_power_mev_cm2_g,csda_range_g_cm2`.
pub fn table_csv(particle: &str, medium: &str, energies_mev: &[f64]) -> Result<String> {
    let _ = (medium, energies_mev);
    bail!("--particle {particle}: ion stopping powers are not available yet")
}
