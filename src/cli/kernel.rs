//! `theradose table`, `kernel`, `vsv` and `positron-range`: coefficient tables, point kernels,
//! voxel S-values and positron ranges of a homogeneous medium.

use anyhow::Result;
use std::path::PathBuf;
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

/// Arguments of `theradose kernel`.
#[derive(clap::Args, Debug)]
pub struct KernelArgs {
    /// photon, electron or positron (with --energy); not with --nuclide
    #[arg(long)]
    pub particle: Option<String>,
    /// source energy (MeV)
    #[arg(long)]
    pub energy: Option<f64>,
    /// a radionuclide (e.g. Lu-177): every radiation of each decay; energy fractions are
    /// relative to the mean energy emitted per decay
    #[arg(long)]
    pub nuclide: Option<String>,
    #[arg(long)]
    pub medium: String,
    /// sphere radius (cm)
    #[arg(long)]
    pub radius: f64,
    /// number of equal-width shells
    #[arg(long)]
    pub shells: usize,
    #[arg(long)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    /// shells CSV
    #[arg(long)]
    pub out: PathBuf,
    /// electron/positron cut-off and delta-ray threshold (keV; default E/100 within [1, 10])
    #[arg(long)]
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV; default 1)
    #[arg(long)]
    pub photon_cutoff_kev: Option<f64>,
    /// with --nuclide: decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
}

/// Arguments of `theradose vsv`.
#[derive(clap::Args, Debug)]
pub struct VsvArgs {
    #[arg(long)]
    pub nuclide: String,
    /// voxel size (mm)
    #[arg(long)]
    pub voxel_mm: f64,
    #[arg(long)]
    pub medium: String,
    /// S-values for 0 <= i, j, k < n
    #[arg(long)]
    pub n: usize,
    #[arg(long)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long)]
    pub out: PathBuf,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
}

/// Arguments of `theradose positron-range`.
#[derive(clap::Args, Debug)]
pub struct PositronRangeArgs {
    #[arg(long)]
    pub nuclide: String,
    #[arg(long)]
    pub medium: String,
    #[arg(long)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    /// 1D histogram CSV `x_mm,probability_per_mm`
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
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
                decay_data: a.decay_data,
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
pub fn vsv(a: VsvArgs) -> Result<()> {
    let spec = VsvSpec {
        nuclide: a.nuclide,
        voxel_mm: a.voxel_mm,
        medium: a.medium,
        n: a.n,
        histories: a.histories,
        seed: a.seed,
        threads: a.threads,
        decay_data: a.decay_data,
    };
    let (csv, summary) = run_vsv(&Context::load()?, &spec)?;
    write_file_atomic(&a.out, csv.as_bytes())?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

/// Runs `theradose positron-range`: the histogram CSV to `out` (if given), the JSON summary on
/// stdout.
pub fn positron_range(a: PositronRangeArgs) -> Result<()> {
    let spec = PositronRangeSpec {
        nuclide: a.nuclide,
        medium: a.medium,
        histories: a.histories,
        seed: a.seed,
        threads: a.threads,
        decay_data: a.decay_data,
    };
    let (summary, csv) = run_positron_range(&Context::load()?, &spec)?;
    if let Some(p) = &a.out {
        write_file_atomic(p, csv.as_bytes())?;
    }
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
