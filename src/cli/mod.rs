//! The `theradose` command line (L7, part of the binary only): clap arguments, conversion into
//! the library's typed specs, terminal output. The library never depends on this module.
//!
//! Errors: a [`theradose::error::SpecError`] names a spec field; [`render_error`] shows it as
//! the command's flag (`histories` -> `--histories`).

mod args;
mod beam;
mod bed;
mod calibrate;
mod cell;
mod decay;
mod dose;
mod help;
mod image;
mod kernel;
mod pet;
mod phantom;
mod progress;
mod register;
mod run;
mod svalues;
mod tia;
mod tia_map;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use theradose::error::spec_error_of;

#[derive(Parser)]
#[command(
    name = "theradose",
    version,
    about = "Monte Carlo dosimetry and theranostics: photon transport in voxel phantoms, dose with uncertainty.\nUnits: MeV, cm, g/cm3, s, Bq, Gy (mm where a name says so).",
    after_help = concat!(
        "Environment:\n  THERADOSE_DATA      folder of the physics data tables (default: the data/ folder theradose was built from, ",
        env!("CARGO_MANIFEST_DIR"),
        "/data)\n  THERADOSE_PHANTOMS  folder of the built-in phantom files (default: its phantoms/)\n  THERADOSE_NO_PROGRESS  set: log lines instead of a progress bar\n\n",
        "Example:\n  theradose study                 # the default study, into results/quickstart/\n  theradose run --help            # help and examples of a command"
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Run a study file into results/<name>/: a therapy study (default studies/quickstart.toml:
    /// Lu-177-PSMA from a Ga-68-PSMA PET to the predicted follow-up PET), a dosimetry study
    /// (kind = "dosimetry") or a run file ([source]).
    Study(run::StudyArgs),
    /// Transport a run file (phantom + source) and write dose.nii.gz, uncertainty.nii.gz,
    /// summary.json, regions.csv and a PNG slice; the regions table on stdout.
    Run(run::RunArgs),
    /// Merge the folders of job parts (`run` or `beam` with `--jobs N --job-index i`) into one result.
    Merge(run::MergeArgs),
    /// Print interaction coefficients of a medium as CSV.
    #[command(
        after_help = "Examples:\n  theradose table --particle photon --medium water --energies 0.03,0.1,0.662\n  theradose table --particle neutron --medium water --energies 2.53e-8,1e-3 --boron-ppm 30"
    )]
    Table {
        /// photon (mu/rho, mu_en/rho), electron or positron (stopping power, CSDA range), alpha or proton, neutron (macroscopic cross sections, kerma)
        #[arg(long)]
        particle: String,
        /// medium name (theradose phantom materials: air, water, soft-tissue, adipose, muscle, brain, blood, lung, cortical-bone, spongiosa, pmma)
        #[arg(long)]
        medium: String,
        /// energies in MeV, comma separated
        #[arg(long, value_delimiter = ',')]
        energies: Vec<f64>,
        /// neutron only: 10B added to the medium (ug/g)
        #[arg(long)]
        boron_ppm: Option<f64>,
    },
    /// Point kernel: isotropic point source at the centre of a homogeneous sphere; energy
    /// fraction deposited per spherical shell (CSV) and a JSON summary on stdout.
    Kernel(kernel::KernelArgs),
    /// Decay data of a radionuclide as JSON: half-life, mean energy per decay by radiation
    /// type, yields and daughters.
    #[command(
        after_help = "Examples:\n  theradose decay --nuclide Lu-177\n  theradose decay --nuclide Ac-225 --chain\n  theradose decay --nuclide Lu-177 --decay-data endf\n  theradose decay --list"
    )]
    Decay {
        /// nuclide, e.g. Lu-177, Ac-225 (an "endf:" or "icrp107:" prefix chooses the data)
        #[arg(long, required_unless_present = "list")]
        nuclide: Option<String>,
        /// sum energies and yields over the decay chain at secular equilibrium
        #[arg(long)]
        chain: bool,
        /// decay data: icrp107 (ICRP Publication 107, the default) or endf (ENDF/B-VIII.1)
        #[arg(long, default_value = "icrp107", value_parser = decay::parse)]
        decay_data: theradose::source::DecayData,
        /// print every nuclide of the chosen decay data, one per line
        #[arg(long, conflicts_with = "nuclide")]
        list: bool,
    },
    /// Voxel S-values of a radionuclide: activity uniform in voxel (0,0,0) of a homogeneous
    /// medium; CSV `i,j,k,s_mgy_per_mbq_s,rel_uncertainty` for 0 <= i,j,k < n.
    Vsv(kernel::VsvArgs),
    /// Positron range of a nuclide in a medium: JSON statistics of the emission-to-annihilation
    /// distance (3D) and of its projection on one axis (1D); optional 1D histogram CSV.
    PositronRange(kernel::PositronRangeArgs),
    /// Built-in phantoms.
    #[command(
        after_help = "Examples:\n  theradose phantom list\n  theradose phantom show adult --groups lesions"
    )]
    Phantom {
        #[command(subcommand)]
        cmd: phantom::PhantomCmd,
    },
    /// Time-integrated activity from a time-activity curve (fits, AICc model choice).
    Tia(tia::TiaArgs),
    /// Time-integrated activity map (Bq s per voxel) from registered serial activity images.
    TiaMap(tia_map::TiaMapArgs),
    /// Dose from a time-integrated activity map: Monte Carlo, voxel S-values (FFT) or local deposition.
    Dose(dose::DoseArgs),
    /// Biologically effective dose of a decaying dose rate (LQ with Lea-Catcheside G-factor).
    Bed(bed::BedArgs),
    /// Calibrate the tumour response model against published lesion-level outcomes: fit the
    /// population of radiosensitivities, predict the held-out studies with 95 % intervals.
    CalibrateResponse(calibrate::CalibrateArgs),
    /// Simulate a PET scan (projection, attenuation, noise, OSEM) of a phantom and activity.
    Pet(pet::PetArgs),
    /// Organ S-values (mGy per MBq s, MIRD schema) of a nuclide in a built-in phantom by Monte
    /// Carlo: every source region in turn, all target regions (CSV).
    Svalues(svalues::SvaluesArgs),
    /// Beam into a phantom: neutrons (BNCT: depth fluence and dose components), or photons,
    /// electrons, positrons or alphas (depth dose per source particle).
    Beam(beam::BeamArgs),
    /// Cellular S values (Gy per Bq s) of a nuclide in a concentric-sphere cell: MIRD CSDA
    /// method (analytic) or Monte Carlo (mc); JSON on stdout, --out CSV.
    CellSvalues(cell::CellSvaluesArgs),
    /// Multicellular dosimetry: a cluster or monolayer of cells, labelled fraction, log-normal
    /// activity, self- and cross-dose per nucleus, alpha hits, survival (CSV, JSON).
    CellCluster(cell::CellClusterArgs),
    /// Images (DICOM series, NIfTI, MetaImage): what they hold, and conversion to NIfTI.
    #[command(
        after_help = "Examples:\n  theradose image info ct_dicom/\n  theradose image convert pet_dicom/ --units suv --out pet_suv.nii.gz"
    )]
    Image {
        #[command(subcommand)]
        cmd: image::ImageCmd,
    },
    /// Rasterise an RTSTRUCT onto its CT: a label map, labels.json and each ROI's volume (mL).
    Rtstruct(image::RtstructArgs),
    /// Rigid registration (6 dof, NCC, coarse to fine) of a CT to a reference CT, applied to
    /// the emission images of the same time point: transform.json and registered volumes.
    Register(register::RegisterArgs),
}

impl Cmd {
    /// The subcommand's name, as typed.
    fn name(&self) -> &'static str {
        match self {
            Cmd::Study(_) => "study",
            Cmd::Run(_) => "run",
            Cmd::Merge(_) => "merge",
            Cmd::Table { .. } => "table",
            Cmd::Kernel(_) => "kernel",
            Cmd::Decay { .. } => "decay",
            Cmd::Vsv(_) => "vsv",
            Cmd::PositronRange(_) => "positron-range",
            Cmd::Phantom { .. } => "phantom",
            Cmd::Tia(_) => "tia",
            Cmd::TiaMap(_) => "tia-map",
            Cmd::Dose(_) => "dose",
            Cmd::Bed(_) => "bed",
            Cmd::CalibrateResponse(_) => "calibrate-response",
            Cmd::Pet(_) => "pet",
            Cmd::Svalues(_) => "svalues",
            Cmd::Beam(_) => "beam",
            Cmd::CellSvalues(_) => "cell-svalues",
            Cmd::CellCluster(_) => "cell-cluster",
            Cmd::Image { .. } => "image",
            Cmd::Rtstruct(_) => "rtstruct",
            Cmd::Register(_) => "register",
        }
    }
}

/// Parses the command line, runs the command and returns the process exit code; errors are
/// printed as `error: ...` on stderr.
pub fn main() -> i32 {
    // a file-size limit (ulimit -f) makes a write fail with EFBIG, reported like a full disk,
    // instead of killing the process with SIGXFSZ half-way through a checkpoint
    // SAFETY: setting a signal to "ignore" installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    theradose::run::progress::set_progress_sink(std::sync::Arc::new(progress::Terminal));
    let matches = help::patched(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let name = cli.cmd.name();
    match dispatch(cli.cmd) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", render_error(name, &e));
            if !matches!(name, "run" | "dose" | "study" | "merge") {
                // (those print their hints themselves, before the error)
                run::print_hint(&e);
            }
            1
        }
    }
}

fn dispatch(cmd: Cmd) -> Result<()> {
    theradose::tables::check_data_dir()?;
    match cmd {
        Cmd::Study(a) => run::study(a),
        Cmd::Run(a) => run::run(a),
        Cmd::Merge(a) => run::merge(a),
        Cmd::Table {
            particle,
            medium,
            energies,
            boron_ppm,
        } => kernel::table(&particle, &medium, &energies, boron_ppm),
        Cmd::Decay {
            nuclide,
            chain,
            decay_data,
            list,
        } => {
            if list {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for n in theradose::source::nuclide::list(decay_data) {
                    // a closed pipe (`| head`) ends the list quietly
                    if writeln!(out, "{n}").is_err() {
                        break;
                    }
                }
                return Ok(());
            }
            let nuclide = nuclide.unwrap_or_default();
            let d = theradose::source::decay_info::decay_from(&nuclide, chain, decay_data)?;
            println!("{}", serde_json::to_string_pretty(&d)?);
            Ok(())
        }
        Cmd::Kernel(a) => kernel::kernel(a),
        Cmd::Vsv(a) => kernel::vsv(a),
        Cmd::PositronRange(a) => kernel::positron_range(a),
        Cmd::Phantom { cmd } => phantom::run(cmd),
        Cmd::Tia(a) => tia::run(&a),
        Cmd::TiaMap(a) => tia_map::run(&a),
        Cmd::Dose(a) => dose::run(&a),
        Cmd::Bed(a) => bed::run(&a),
        Cmd::CalibrateResponse(a) => calibrate::run(&a),
        Cmd::Pet(a) => pet::run(&a),
        Cmd::Beam(a) => beam::run(&a),
        Cmd::CellSvalues(a) => cell::run(&a),
        Cmd::CellCluster(a) => cell::cluster(&a),
        Cmd::Svalues(a) => svalues::run(&a),
        Cmd::Image { cmd } => image::run(&cmd),
        Cmd::Rtstruct(a) => image::rtstruct(&a),
        Cmd::Register(a) => register::run(&a),
    }
}

/// The flag of a spec field of command `cmd`: the field's last part with `-` for `_`
/// (`times_h` -> `--times-h`), except where the flag is spelled otherwise.
pub fn flag_of(cmd: &str, field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field);
    let renamed = match (cmd, last) {
        // a study file's fields are shown as its keys
        ("study", _) => return field.to_string(),
        ("kernel", "energy_mev") => "energy",
        ("kernel" | "vsv", "spectrum_file") => "spectrum",
        ("beam", "energy_mev") => "energy",
        ("kernel", "radius_cm") => "radius",
        ("dose", "n") => "kernel-n",
        ("run", "checkpoint_every_s") => "checkpoint-every",
        ("run", f)
            if ![
                "histories",
                "seed",
                "threads",
                "jobs",
                "job_index",
                "resume",
                "force",
                "target_uncertainty",
                "region",
            ]
            .contains(&f) =>
        {
            return field.to_string()
        }
        (_, f) => f,
    };
    format!("--{}", renamed.replace('_', "-"))
}

/// An error as the command line shows it: the whole chain, with a spec error's field shown as
/// the command's flag (`--histories: must be at least 1, got 0`).
pub fn render_error(cmd: &str, e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    match spec_error_of(e) {
        Some(s) => text.replacen(
            &s.to_string(),
            &format!("{}: {}", flag_of(cmd, &s.field), s.message),
            1,
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_errors_show_the_flag() {
        let e = theradose::error::spec_error("histories", "must be at least 1, got 0");
        assert_eq!(
            render_error("vsv", &e),
            "--histories: must be at least 1, got 0"
        );
        let e = theradose::error::spec_error("radius_cm", "0: expected a positive radius in cm")
            .context("kernel");
        assert_eq!(
            render_error("kernel", &e),
            "kernel: --radius: 0: expected a positive radius in cm"
        );
        assert_eq!(flag_of("tia", "times_h"), "--times-h");
        assert_eq!(flag_of("vsv", "emissions.spectrum_file"), "--spectrum");
        assert_eq!(flag_of("kernel", "emissions.lines"), "--lines");
    }
}
