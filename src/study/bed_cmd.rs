//! CLI command `theradose bed` (issue 7; being built).

use anyhow::Result;

/// Arguments of `theradose bed`.
#[derive(clap::Args, Debug)]
pub struct BedArgs {}

/// Runs `theradose bed`.
pub fn run(_args: &BedArgs) -> Result<()> {
    anyhow::bail!("`theradose bed` is not built yet (issue 7)")
}
