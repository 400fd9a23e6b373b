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
#[command(
    after_help = "Examples:\n  theradose kernel --particle photon --energy 0.1405 --medium water --radius 20 --shells 40 --histories 1e6 --out shells.csv\n  theradose kernel --nuclide Lu-177 --medium water --radius 1 --shells 50 --histories 2e5 --out k.csv"
)]
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
    /// homogeneous medium (air, water, soft-tissue, adipose, muscle, brain, blood, lung,
    /// cortical-bone, spongiosa, pmma)
    #[arg(long)]
    pub medium: String,
    /// sphere radius (cm)
    #[arg(long)]
    pub radius: f64,
    /// number of equal-width shells
    #[arg(long)]
    pub shells: usize,
    /// source particles (decays with --nuclide); 1e5-style counts accepted
    #[arg(long, value_parser = crate::cli::args::count)]
    pub histories: u64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
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
    /// replace --out if it exists (without it an existing file is kept and the command refused)
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `theradose vsv`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  theradose vsv --nuclide Lu-177 --voxel-mm 2.21 --medium soft-tissue --n 6 --histories 4e5 --out vsv.csv"
)]
pub struct VsvArgs {
    /// radionuclide, e.g. Lu-177 (every radiation of each decay)
    #[arg(long)]
    pub nuclide: String,
    /// voxel size (mm)
    #[arg(long)]
    pub voxel_mm: f64,
    /// homogeneous medium (e.g. water, soft-tissue, cortical-bone)
    #[arg(long)]
    pub medium: String,
    /// S-values for 0 <= i, j, k < n
    #[arg(long)]
    pub n: usize,
    /// decays in the source voxel; 1e5-style counts accepted
    #[arg(long, value_parser = crate::cli::args::count)]
    pub histories: u64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// CSV `i,j,k,s_mgy_per_mbq_s,rel_uncertainty`
    #[arg(long)]
    pub out: PathBuf,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
    /// replace --out if it exists (without it an existing file is kept and the command refused)
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `theradose positron-range`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  theradose positron-range --nuclide Ga-68 --medium water --histories 2e5 --out ga68_1d.csv"
)]
pub struct PositronRangeArgs {
    /// positron emitter, e.g. Ga-68, F-18
    #[arg(long)]
    pub nuclide: String,
    /// homogeneous medium (e.g. water, lung, cortical-bone)
    #[arg(long)]
    pub medium: String,
    /// positrons emitted; 1e5-style counts accepted
    #[arg(long, value_parser = crate::cli::args::count)]
    pub histories: u64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
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
    check_out(&a.out, a.force)?;
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
    check_out(&a.out, a.force)?;
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
    if let Some(p) = &a.out {
        theradose::run::guard::check_writable_parent(p)?;
    }
    let (summary, csv) = run_positron_range(&Context::load()?, &spec)?;
    if let Some(p) = &a.out {
        write_file_atomic(p, csv.as_bytes())?;
    }
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

/// Checks an output file before the simulation: its folder writable, and an existing file
/// replaced only with `--force`.
fn check_out(out: &std::path::Path, force: bool) -> Result<()> {
    use theradose::run::guard::{check_existing_file, check_writable_parent, Existing};
    check_writable_parent(out)?;
    check_existing_file(out, Existing::of_flags(false, force))
}
