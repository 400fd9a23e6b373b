//! `theradose table`, `kernel`, `vsv` and `positron-range`: coefficient tables, point kernels,
//! voxel S-values and positron ranges of a homogeneous medium.

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::dosimetry::coefficients;
use theradose::dosimetry::point_kernel as lib;
use theradose::dosimetry::vsv::{run_vsv, VsvSpec};
use theradose::io::write_file_atomic;
use theradose::pet::positron_range::{run_positron_range, PositronRangeSpec};

/// Runs `theradose table`: the CSV on stdout.
pub fn table(particle: &str, medium: &str, energies: &[f64], boron_ppm: Option<f64>) -> Result<()> {
    match boron_ppm {
        Some(c) => print!(
            "{}",
            coefficients::table_boron(&Context::load()?, particle, medium, energies, c)?
        ),
        None => print!(
            "{}",
            coefficients::table(&Context::load()?, particle, medium, energies)?
        ),
    }
    Ok(())
}

/// The flags of `theradose kernel`.
pub struct KernelArgs {
    pub particle: Option<String>,
    pub energy: Option<f64>,
    pub nuclide: Option<String>,
    pub medium: String,
    pub radius: f64,
    pub shells: usize,
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub electron_cutoff_kev: Option<f64>,
    pub photon_cutoff_kev: Option<f64>,
}

/// Runs `theradose kernel`: the shells CSV to `--out`, the JSON summary on stdout.
pub fn kernel(a: KernelArgs) -> Result<()> {
    let ctx = Context::load()?;
    let r = match (a.nuclide, a.particle, a.energy) {
        (Some(nuclide), None, None) => lib::run_nuclide_kernel(
            &ctx,
            &lib::NuclideKernelSpec {
                nuclide,
                medium: a.medium,
                radius_cm: a.radius,
                shells: a.shells,
                histories: a.histories,
                seed: a.seed,
                threads: a.threads,
                electron_cutoff_kev: a.electron_cutoff_kev,
                photon_cutoff_kev: a.photon_cutoff_kev,
            },
        )?,
        (Some(_), _, _) => {
            anyhow::bail!("kernel: give --nuclide N, or --particle P --energy E, not both")
        }
        (None, Some(particle), Some(energy)) => lib::run_kernel(
            &ctx,
            &lib::KernelSpec {
                particle,
                energy_mev: energy,
                medium: a.medium,
                radius_cm: a.radius,
                shells: a.shells,
                histories: a.histories,
                seed: a.seed,
                threads: a.threads,
                electron_cutoff_kev: a.electron_cutoff_kev,
                photon_cutoff_kev: a.photon_cutoff_kev,
            },
        )?,
        (None, _, _) => anyhow::bail!(
            "kernel: expected --particle P --energy E (MeV), or --nuclide N (e.g. Lu-177)"
        ),
    };
    r.write_csv(&a.out)?;
    println!("{}", serde_json::to_string(&r.summary)?);
    Ok(())
}

/// Runs `theradose vsv`: the CSV to `out`, the JSON summary on stdout.
pub fn vsv(spec: VsvSpec, out: &Path) -> Result<()> {
    let (csv, summary) = run_vsv(&Context::load()?, &spec)?;
    write_file_atomic(out, csv.as_bytes())?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

/// Runs `theradose positron-range`: the histogram CSV to `out` (if given), the JSON summary on
/// stdout.
pub fn positron_range(spec: PositronRangeSpec, out: Option<&Path>) -> Result<()> {
    let (summary, csv) = run_positron_range(&Context::load()?, &spec)?;
    if let Some(p) = out {
        write_file_atomic(p, csv.as_bytes())?;
    }
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
