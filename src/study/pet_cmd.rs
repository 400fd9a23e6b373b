//! CLI command `theradose pet` (issue 7; being built).

use anyhow::Result;

/// Arguments of `theradose pet`.
#[derive(clap::Args, Debug)]
pub struct PetArgs {}

/// Runs `theradose pet`.
pub fn run(_args: &PetArgs) -> Result<()> {
    anyhow::bail!("`theradose pet` is not built yet (issue 7)")
}
