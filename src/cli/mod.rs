//! The `theradose` command line (L7, part of the binary only): clap arguments, conversion into
//! the library's typed specs, terminal output. The library never depends on this module.
//!
//! Errors: a [`theradose::error::SpecError`] names a spec field; [`render_error`] shows it as
//! the command's flag (`histories` -> `--histories`).

mod beam;
mod bed;
mod dose;
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
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use theradose::error::spec_error_of;

#[derive(Parser)]
#[command(
    name = "theradose",
    version,
    about = "Monte Carlo dosimetry and theranostics: photon transport in voxel phantoms, dose with uncertainty.\nUnits: MeV, cm, g/cm3, s, Bq, Gy (mm where a name says so)."
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
    Study {
        /// study file (TOML)
        file: Option<PathBuf>,
        /// output folder (default results/<name>)
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        histories: Option<u64>,
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Transport a run file (phantom + source) and write dose.nii.gz, uncertainty.nii.gz,
    /// summary.json, regions.csv and a PNG slice.
    Run {
        /// run file (TOML)
        file: PathBuf,
        /// output folder (default results/<name>)
        #[arg(long)]
        out: Option<PathBuf>,
        /// histories of the whole run (overrides the file)
        #[arg(long)]
        histories: Option<u64>,
        /// random seed (overrides the file)
        #[arg(long)]
        seed: Option<u64>,
        /// worker threads (default: all cores); results do not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// split the run into this many jobs (combine them with `theradose merge`)
        #[arg(long, default_value_t = 1)]
        jobs: u64,
        /// which job this is, 0 <= i < jobs
        #[arg(long, default_value_t = 0)]
        job_index: u64,
        /// continue from the checkpoint (tally.bin) in the output folder
        #[arg(long)]
        resume: bool,
        /// stop when the mean dose of --region reaches this relative uncertainty (1 sigma, e.g. 0.02)
        #[arg(long)]
        target_uncertainty: Option<f64>,
        /// region for --target-uncertainty
        #[arg(long)]
        region: Option<String>,
        /// seconds between checkpoints of the tally (tally.bin in the output folder)
        #[arg(long, default_value_t = 10.0)]
        checkpoint_every: f64,
    },
    /// Merge the folders of job parts (`run` or `beam` with `--jobs N --job-index i`) into one result.
    Merge {
        parts: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print interaction coefficients of a medium as CSV.
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
        #[arg(long, default_value = "icrp107", value_parser = |s: &str| s.parse::<theradose::source::DecayData>().map_err(|e| e.to_string()))]
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
    /// Simulate a PET scan (projection, attenuation, noise, OSEM) of a phantom and activity.
    Pet(pet::PetArgs),
    /// Organ S-values (mGy per MBq s, MIRD schema) of a nuclide in a built-in phantom by Monte
    /// Carlo: every source region in turn, all target regions (CSV).
    Svalues(svalues::SvaluesArgs),
    /// Neutron beam (BNCT) into a phantom: depth fluence and dose components.
    Beam(beam::BeamArgs),
    /// Images (DICOM series, NIfTI, MetaImage): what they hold, and conversion to NIfTI.
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
            Cmd::Study { .. } => "study",
            Cmd::Run { .. } => "run",
            Cmd::Merge { .. } => "merge",
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
            Cmd::Pet(_) => "pet",
            Cmd::Svalues(_) => "svalues",
            Cmd::Beam(_) => "beam",
            Cmd::Image { .. } => "image",
            Cmd::Rtstruct(_) => "rtstruct",
            Cmd::Register(_) => "register",
        }
    }
}

/// Parses the command line, runs the command and returns the process exit code; errors are
/// printed as `error: ...` on stderr.
pub fn main() -> i32 {
    theradose::run::progress::set_progress_sink(std::sync::Arc::new(progress::Terminal));
    let cli = Cli::parse();
    let name = cli.cmd.name();
    match dispatch(cli.cmd) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", render_error(name, &e));
            1
        }
    }
}

fn dispatch(cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Study {
            file,
            out,
            histories,
            threads,
        } => run::study(file, out, histories, threads),
        Cmd::Run {
            file,
            out,
            histories,
            seed,
            threads,
            jobs,
            job_index,
            resume,
            target_uncertainty,
            region,
            checkpoint_every,
        } => run::run(
            &file,
            out,
            theradose::study::runfile::RunOptions {
                histories,
                seed,
                threads,
                jobs,
                job_index,
                resume,
                target_uncertainty,
                region,
                checkpoint_every_s: Some(checkpoint_every),
            },
        ),
        Cmd::Merge { parts, out } => run::merge(&parts, &out),
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
        Cmd::Pet(a) => pet::run(&a),
        Cmd::Beam(a) => beam::run(&a),
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
    }
}
