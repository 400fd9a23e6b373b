//! CLI command `theradose dose` (issue 6; being built).

use anyhow::Result;

/// Arguments of `theradose dose`.
#[derive(clap::Args, Debug)]
pub struct DoseArgs {}

/// Runs `theradose dose`.
pub fn run(_args: &DoseArgs) -> Result<()> {
    anyhow::bail!("`theradose dose` is not built yet (issue 6)")
}
