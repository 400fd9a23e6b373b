//! `theradose decay --nuclide N [--chain]`: decay data of a nuclide as JSON (issue 4).

use anyhow::{bail, Result};

/// The JSON object of `theradose decay`.
pub fn decay_json(nuclide: &str, chain: bool) -> Result<serde_json::Value> {
    let _ = chain;
    bail!("unknown nuclide '{nuclide}': the nuclide library is not available yet")
}
