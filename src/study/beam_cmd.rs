//! CLI command `theradose beam` (issue 5; being built).

use anyhow::Result;

/// Arguments of `theradose beam`.
#[derive(clap::Args, Debug)]
pub struct BeamArgs {}

/// Runs `theradose beam`.
pub fn run(_args: &BeamArgs) -> Result<()> {
    anyhow::bail!("`theradose beam` is not built yet (issue 5)")
}
