//! `theradose table`, `kernel`, `vsv` and `positron-range`: coefficient tables, point kernels,
//! voxel S-values and positron ranges of a homogeneous medium.

use anyhow::{Context as _, Result};
use std::path::PathBuf;
use theradose::context::Context;
use theradose::dosimetry::coefficients;
use theradose::dosimetry::point_kernel as lib;
use theradose::dosimetry::vsv::{run_vsv, VsvSpec};
use theradose::io::write_file_atomic;
use theradose::pet::positron_range::{run_positron_range, PositronRangeSpec};

/// What `--spectrum` and `--lines` accept (the end of the help of `kernel` and `vsv`).
macro_rules! spectrum_help {
    () => {
        "--spectrum FILE: a CSV with units in its header ('#' lines are comments), normalised to one particle:\n\
         \x20 points, linear in between:  energy_mev,probability_per_mev   (or energy_kev,probability_per_kev)\n\
         \x20 bins, flat inside:          energy_lo_mev,energy_hi_mev,fraction   (or _kev; bins may overlap, e.g. branches)\n\
         e.g.\n  energy_mev,probability_per_mev\n  0,2.1\n  0.1,3.4\n  0.4983,0\n\
         --lines: yields per event (0.1038 for 10.38 %), a yield above 1 emits several particles;\n\
         \x20 e.g. --particle electron --spectrum lu177_beta.csv --lines photon:0.2084:0.1038,photon:0.1129:0.062,0.1024:0.0684"
    };
}

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
    after_help = concat!(
        "Examples:\n  theradose kernel --particle photon --energy 0.1405 --medium water --radius 20 --shells 40 --histories 1e6 --out shells.csv\n",
        "  theradose kernel --particle photon --energy 0.14 --photon-electrons transport --electron-cutoff-kev 10 --medium water --radius 10 --shells 40 --histories 1e6 --out p.csv\n",
        "  theradose kernel --nuclide Lu-177 --medium water --radius 1 --shells 50 --histories 2e5 --out k.csv\n",
        "  theradose kernel --particle electron --spectrum y90_beta.csv --medium water --radius 1.2 --shells 48 --histories 2e5 --out y90.csv\n",
        "  theradose kernel --particle photon --lines 0.1129:0.062,0.2084:0.1038 --medium water --radius 10 --shells 40 --histories 1e6 --out g.csv\n",
        "\n", spectrum_help!()
    )
)]
pub struct KernelArgs {
    /// photon, electron, positron or alpha: the particle of --energy, --spectrum and of the
    /// --lines that name none; not with --nuclide
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
    /// with --particle instead of --energy: a CSV of a continuous spectrum, one particle per
    /// event (forms below)
    #[arg(long, value_name = "FILE")]
    pub spectrum: Option<PathBuf>,
    /// with --particle instead of --energy: lines E:Y,E:Y,... (MeV, yield per event; an item
    /// P:E:Y names its particle), or a CSV file particle,energy_mev,yield_per_decay
    #[arg(long)]
    pub lines: Option<String>,
    /// photon sources: local (default) deposits the electrons photons set in motion where they
    /// start; transport follows them down to --electron-cutoff-kev
    #[arg(long, default_value = "local", value_parser = lib::PhotonElectrons::parse)]
    pub photon_electrons: lib::PhotonElectrons,
}

/// Arguments of `theradose vsv`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = concat!(
        "Examples:\n  theradose vsv --nuclide Lu-177 --voxel-mm 2.21 --medium soft-tissue --n 6 --histories 4e5 --out vsv.csv\n",
        "  theradose vsv --particle electron --spectrum lu177_beta.csv --lines lu177_lines.csv --voxel-mm 4.42 --medium water --n 4 --histories 2e6 --out vsv.csv\n",
        "\n", spectrum_help!()
    )
)]
pub struct VsvArgs {
    /// radionuclide, e.g. Lu-177 (every radiation of each decay); or give --particle with
    /// --spectrum and/or --lines
    #[arg(long)]
    pub nuclide: Option<String>,
    /// instead of --nuclide: the particle of --spectrum and of the --lines that name none
    #[arg(long)]
    pub particle: Option<String>,
    /// a CSV of a continuous spectrum, one particle per decay (forms below)
    #[arg(long, value_name = "FILE")]
    pub spectrum: Option<PathBuf>,
    /// lines E:Y,E:Y,... (MeV, yield per decay; an item P:E:Y names its particle), or a CSV
    /// file particle,energy_mev,yield_per_decay
    #[arg(long)]
    pub lines: Option<String>,
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
    let emissions = emission_spec(
        a.particle.as_deref(),
        a.spectrum.as_ref(),
        a.lines.as_deref(),
    )?;
    let r = match (a.nuclide, a.particle, a.energy) {
        (_, _, _) if emissions.is_some() && a.energy.is_some() => {
            anyhow::bail!("kernel: give --energy, or --spectrum/--lines, not both")
        }
        (None, Some(_), None) if emissions.is_some() => lib::run_emission_kernel(
            &ctx,
            &lib::EmissionKernelSpec {
                emissions: emissions.expect("checked"),
                medium: a.medium,
                radius_cm: a.radius,
                shells: a.shells,
                histories: a.histories,
                seed: a.seed,
                threads: a.threads,
                electron_cutoff_kev: a.electron_cutoff_kev,
                photon_cutoff_kev: a.photon_cutoff_kev,
                photon_electrons: a.photon_electrons,
            },
        )?,
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
            anyhow::bail!("kernel: give --nuclide N, or --particle P with --energy, --spectrum or --lines, not both")
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
                photon_electrons: a.photon_electrons,
            },
        )?,
        (None, _, _) => anyhow::bail!(
            "kernel: expected --particle P with --energy E (MeV), --spectrum FILE or --lines, \
             or --nuclide N (e.g. Lu-177)"
        ),
    };
    r.write_csv(&a.out)?;
    println!("{}", serde_json::to_string(&r.summary)?);
    Ok(())
}

/// Runs `theradose vsv`: the CSV to `out`, the JSON summary on stdout.
pub fn vsv(a: VsvArgs) -> Result<()> {
    let emissions = emission_spec(
        a.particle.as_deref(),
        a.spectrum.as_ref(),
        a.lines.as_deref(),
    )?;
    if a.nuclide.is_some() == emissions.is_some() {
        anyhow::bail!(
            "vsv: give --nuclide N, or --particle P with --spectrum FILE and/or --lines (one of the two)"
        );
    }
    let spec = VsvSpec {
        nuclide: a.nuclide.unwrap_or_default(),
        emissions,
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

/// The emissions of `--spectrum` and `--lines` (None when neither is given).
fn emission_spec(
    particle: Option<&str>,
    spectrum: Option<&PathBuf>,
    lines: Option<&str>,
) -> Result<Option<theradose::source::emitter::EmissionSpec>> {
    if spectrum.is_none() && lines.is_none() {
        return Ok(None);
    }
    let Some(particle) = particle else {
        anyhow::bail!(
            "--spectrum and --lines need --particle (photon, electron, positron or alpha)"
        );
    };
    let lines = match lines {
        Some(t) => theradose::source::emitter::parse_lines(t).context("--lines")?,
        None => Vec::new(),
    };
    Ok(Some(theradose::source::emitter::EmissionSpec {
        particle: particle.to_string(),
        spectrum_file: spectrum.cloned(),
        lines,
    }))
}

/// Checks an output file before the simulation: its folder writable, and an existing file
/// replaced only with `--force`.
fn check_out(out: &std::path::Path, force: bool) -> Result<()> {
    use theradose::run::guard::{check_existing_file, check_writable_parent, Existing};
    check_writable_parent(out)?;
    check_existing_file(out, Existing::of_flags(false, force))
}
