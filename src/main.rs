//! The `theradose` command line: a thin layer over the library.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use theradose::materials::MaterialDb;
use theradose::phantom::builtin;
use theradose::study::{self, kernel, output};

#[derive(Parser)]
#[command(
    name = "theradose",
    version,
    about = "Monte Carlo dosimetry and theranostics: photon transport in voxel phantoms, dose with uncertainty.\nUnits: MeV, cm, g/cm3, s, Bq, Gy (mm where a name says so)."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
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
    /// Merge the folders of job parts (`run --jobs N --job-index i`) into one result.
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
    Kernel {
        /// photon, electron or positron (with --energy); not with --nuclide
        #[arg(long)]
        particle: Option<String>,
        /// source energy (MeV)
        #[arg(long)]
        energy: Option<f64>,
        /// a radionuclide (e.g. Lu-177): every radiation of each decay; energy fractions are
        /// relative to the mean energy emitted per decay
        #[arg(long)]
        nuclide: Option<String>,
        #[arg(long)]
        medium: String,
        /// sphere radius (cm)
        #[arg(long)]
        radius: f64,
        /// number of equal-width shells
        #[arg(long)]
        shells: usize,
        #[arg(long)]
        histories: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        threads: Option<usize>,
        /// shells CSV
        #[arg(long)]
        out: PathBuf,
        /// electron/positron cut-off and delta-ray threshold (keV; default E/100 within [1, 10])
        #[arg(long)]
        electron_cutoff_kev: Option<f64>,
        /// photon cut-off and bremsstrahlung threshold (keV; default 1)
        #[arg(long)]
        photon_cutoff_kev: Option<f64>,
    },
    /// Decay data of a radionuclide as JSON: half-life, mean energy per decay by radiation
    /// type, yields and daughters.
    Decay {
        /// nuclide, e.g. Lu-177, Ac-225
        #[arg(long)]
        nuclide: String,
        /// sum energies and yields over the decay chain at secular equilibrium
        #[arg(long)]
        chain: bool,
    },
    /// Voxel S-values of a radionuclide: activity uniform in voxel (0,0,0) of a homogeneous
    /// medium; CSV `i,j,k,s_mgy_per_mbq_s,rel_uncertainty` for 0 <= i,j,k < n.
    Vsv {
        #[arg(long)]
        nuclide: String,
        /// voxel size (mm)
        #[arg(long)]
        voxel_mm: f64,
        #[arg(long)]
        medium: String,
        /// S-values for 0 <= i, j, k < n
        #[arg(long)]
        n: usize,
        #[arg(long)]
        histories: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Positron range of a nuclide in a medium: JSON statistics of the emission-to-annihilation
    /// distance (3D) and of its projection on one axis (1D); optional 1D histogram CSV.
    PositronRange {
        #[arg(long)]
        nuclide: String,
        #[arg(long)]
        medium: String,
        #[arg(long)]
        histories: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        threads: Option<usize>,
        /// 1D histogram CSV `x_mm,probability_per_mm`
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Built-in phantoms.
    Phantom {
        #[command(subcommand)]
        cmd: PhantomCmd,
    },
    /// Time-integrated activity from a time-activity curve (fits, AICc model choice).
    Tia(study::tia_cmd::TiaArgs),
    /// Time-integrated activity map (Bq s per voxel) from registered serial activity images.
    TiaMap(study::tia_map_cmd::TiaMapArgs),
    /// Dose from a time-integrated activity map: Monte Carlo, voxel S-values (FFT) or local deposition.
    Dose(study::dose_cmd::DoseArgs),
    /// Biologically effective dose of a decaying dose rate (LQ with Lea-Catcheside G-factor).
    Bed(study::bed_cmd::BedArgs),
    /// Simulate a PET scan (projection, attenuation, noise, OSEM) of a phantom and activity.
    Pet(study::pet_cmd::PetArgs),
    /// Organ S-values (mGy per MBq s, MIRD schema) of a nuclide in a built-in phantom by Monte
    /// Carlo: every source region in turn, all target regions (CSV).
    Svalues(study::svalues::SvaluesArgs),
    /// Neutron beam (BNCT) into a phantom: depth fluence and dose components.
    Beam(study::beam_cmd::BeamArgs),
}

#[derive(Subcommand)]
enum PhantomCmd {
    /// List the built-in phantoms.
    List,
    /// Regions, materials and masses (voxelised vs reference) of a built-in phantom.
    Show {
        name: String,
        /// voxel size (mm; default: the phantom's)
        #[arg(long)]
        voxel_mm: Option<f64>,
        /// include optional shape groups (e.g. lesions)
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// also write a PNG of the central coronal slice (density with region outlines)
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Voxelise a built-in phantom and write its density (g/cm3) to FILE.nii.gz, the label map
    /// to FILE_labels.nii.gz, material ids to FILE_materials.nii.gz and names to FILE.json.
    Export {
        name: String,
        #[arg(long)]
        voxel_mm: f64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
    },
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Study {
            file,
            out,
            histories,
            threads,
        } => {
            // a run file ([source]), a dosimetry study or a therapy study, by content
            let file = file.unwrap_or_else(|| PathBuf::from("studies/quickstart.toml"));
            let opts = study::StudyOptions { histories, threads };
            let ctx = theradose::context::Context::load()?;
            let r = study::run_study(&ctx, &file, out.as_deref(), &opts)
                .inspect_err(print_resume_hint)?;
            match r.kind {
                study::StudyKind::Run => {
                    println!("{}", serde_json::to_string_pretty(&r.metrics)?)
                }
                study::StudyKind::Therapy => {
                    print!("{}", study::therapy::report::summary_text(&r.metrics))
                }
                _ => {}
            }
            eprintln!("results in {}", r.out_dir.display());
        }
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
        } => {
            let rf = study::RunFile::load(&file)?;
            let out = out.unwrap_or_else(|| Path::new("results").join(&rf.name));
            let opt = output::RunOptions {
                histories,
                seed,
                threads,
                jobs,
                job_index,
                resume,
                target_uncertainty,
                region,
                checkpoint_every_s: Some(checkpoint_every),
            };
            let s = output::run_file(rf, &out, &opt).inspect_err(print_resume_hint)?;
            print_run_summary(&s, &out);
        }
        Cmd::Merge { parts, out } => {
            let s = output::merge(&parts, &out)?;
            print_run_summary(&s, &out);
        }
        Cmd::Table {
            particle,
            medium,
            energies,
            boron_ppm,
        } => match boron_ppm {
            Some(c) => print!("{}", kernel::table_boron(&particle, &medium, &energies, c)?),
            None => print!("{}", kernel::table(&particle, &medium, &energies)?),
        },
        Cmd::Decay { nuclide, chain } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&study::decay_cmd::decay_json(&nuclide, chain)?)?
            );
        }
        Cmd::Kernel {
            particle,
            energy,
            nuclide,
            medium,
            radius,
            shells,
            histories,
            seed,
            threads,
            out,
            electron_cutoff_kev,
            photon_cutoff_kev,
        } => {
            let r = match (nuclide, particle, energy) {
                (Some(nuclide), None, None) => {
                    kernel::run_nuclide_kernel(&kernel::NuclideKernelSpec {
                        nuclide,
                        medium,
                        radius_cm: radius,
                        shells,
                        histories,
                        seed,
                        threads,
                        electron_cutoff_kev,
                        photon_cutoff_kev,
                    })?
                }
                (Some(_), _, _) => {
                    anyhow::bail!("kernel: give --nuclide N, or --particle P --energy E, not both")
                }
                (None, Some(particle), Some(energy)) => kernel::run_kernel(&kernel::KernelSpec {
                    particle,
                    energy_mev: energy,
                    medium,
                    radius_cm: radius,
                    shells,
                    histories,
                    seed,
                    threads,
                    electron_cutoff_kev,
                    photon_cutoff_kev,
                })?,
                (None, _, _) => anyhow::bail!(
                    "kernel: expected --particle P --energy E (MeV), or --nuclide N (e.g. Lu-177)"
                ),
            };
            output::write_atomic(&out, r.csv.as_bytes())?;
            println!("{}", serde_json::to_string(&r.summary)?);
        }
        Cmd::Vsv {
            nuclide,
            voxel_mm,
            medium,
            n,
            histories,
            seed,
            threads,
            out,
        } => {
            let spec = study::vsv::VsvSpec {
                nuclide,
                voxel_mm,
                medium,
                n,
                histories,
                seed,
                threads,
            };
            let (csv, summary) = study::vsv::run_vsv(&spec)?;
            output::write_atomic(&out, csv.as_bytes())?;
            println!("{}", serde_json::to_string(&summary)?);
        }
        Cmd::PositronRange {
            nuclide,
            medium,
            histories,
            seed,
            threads,
            out,
        } => {
            let spec = study::positron_range::PositronRangeSpec {
                nuclide,
                medium,
                histories,
                seed,
                threads,
            };
            let (summary, csv) = study::positron_range::run_positron_range(&spec)?;
            if let Some(p) = out {
                output::write_atomic(&p, csv.as_bytes())?;
            }
            println!("{}", serde_json::to_string(&summary)?);
        }
        Cmd::Phantom { cmd } => phantom_cmd(cmd)?,
        Cmd::Tia(a) => study::tia_cmd::run(&a)?,
        Cmd::TiaMap(a) => study::tia_map_cmd::run(&a)?,
        Cmd::Dose(a) => study::dose_cmd::run(&a)?,
        Cmd::Bed(a) => study::bed_cmd::run(&a)?,
        Cmd::Pet(a) => study::pet_cmd::run(&a)?,
        Cmd::Beam(a) => study::beam_cmd::run(&a)?,
        Cmd::Svalues(a) => study::svalues::run(&a)?,
    }
    Ok(())
}

/// The hint after an interrupted run (the library's error names no flag).
fn print_resume_hint(e: &anyhow::Error) {
    if let Some(i) = e.downcast_ref::<study::runfile::RunInterrupted>() {
        eprintln!(
            "stopped after {} histories; checkpoint in {}; continue with --resume",
            i.histories,
            i.checkpoint.display()
        );
    }
}

fn print_run_summary(s: &serde_json::Value, out: &Path) {
    eprintln!("wrote {}", out.display());
    if let Some(regions) = s["regions"].as_array() {
        eprintln!(
            "{:<20} {:>12} {:>14} {:>10}",
            "region", "mass (g)", "dose", "rel. unc."
        );
        for r in regions {
            eprintln!(
                "{:<20} {:>12.3} {:>14.4e} {:>9.2}%",
                r["name"].as_str().unwrap_or(""),
                r["mass_g"].as_f64().unwrap_or(0.0),
                r["mean_dose_gy"].as_f64().unwrap_or(0.0),
                100.0 * r["rel_uncertainty"].as_f64().unwrap_or(0.0)
            );
        }
        eprintln!("dose unit: {}", s["dose_unit"].as_str().unwrap_or(""));
    }
    if let Some(h) = s["histories_per_second"].as_f64() {
        eprintln!(
            "{} histories, {:.0} histories/s on {} threads",
            s["histories"], h, s["threads"]
        );
    }
}

fn phantom_cmd(cmd: PhantomCmd) -> Result<()> {
    match cmd {
        PhantomCmd::List => {
            for n in builtin::list() {
                let d = builtin::load_def(&n)?;
                println!("{:<14} {}", n, d.description);
            }
        }
        PhantomCmd::Show {
            name,
            voxel_mm,
            groups,
            png,
        } => {
            let db = MaterialDb::load()?;
            let def = builtin::load_def(&name)?;
            let ph = builtin::build(&name, &db, voxel_mm, &groups)?;
            println!("{}: {}", def.name, def.description);
            if let Some(r) = &def.reference {
                println!("reference: {r}");
            }
            println!(
                "grid {} x {} x {} voxels of {} mm; optional groups: {}",
                ph.grid.dims[0],
                ph.grid.dims[1],
                ph.grid.dims[2],
                ph.grid.spacing_mm[0],
                def.groups().join(", ")
            );
            println!("region,mass_g,reference_mass_g,ratio,volume_cm3,source");
            let masses = ph.region_masses_g();
            let vv = ph.voxel_volume_cm3();
            let mut counts = vec![0usize; ph.regions.len()];
            for l in &ph.label {
                counts[*l as usize] += 1;
            }
            for (id, r) in ph.regions.iter().enumerate().skip(1) {
                let refm = r
                    .reference_mass_g
                    .map(|m| format!("{m:.3}"))
                    .unwrap_or_default();
                let ratio = r
                    .reference_mass_g
                    .map(|m| format!("{:.3}", masses[id] / m))
                    .unwrap_or_default();
                println!(
                    "{},{:.3},{},{},{:.3},\"{}\"",
                    r.name,
                    masses[id],
                    refm,
                    ratio,
                    counts[id] as f64 * vv,
                    r.source.clone().unwrap_or_default()
                );
            }
            let total: f64 = masses.iter().skip(1).sum();
            println!("total (all regions),{total:.1},,,,");
            if let Some(p) = png {
                output::phantom_png(&ph, &p)?;
                eprintln!("wrote {}", p.display());
            }
        }
        PhantomCmd::Export {
            name,
            voxel_mm,
            out,
            groups,
        } => {
            let db = MaterialDb::load()?;
            let ph = builtin::build(&name, &db, Some(voxel_mm), &groups)?;
            theradose::phantom::export(&ph, &out)?;
            eprintln!(
                "wrote {} (density g/cm3) with its label map, material ids and names",
                out.display()
            );
        }
    }
    Ok(())
}
