//! CLI command `theradose tia` (issue 6; being built).

use anyhow::Result;

/// Arguments of `theradose tia`.
#[derive(clap::Args, Debug)]
pub struct TiaArgs {}

/// Runs `theradose tia`.
pub fn run(_args: &TiaArgs) -> Result<()> {
    anyhow::bail!("`theradose tia` is not built yet (issue 6)")
}
