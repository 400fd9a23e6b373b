//! `theradose beam`: a BNCT neutron beam into a phantom ([`theradose::dosimetry::bnct`]), or
//! a broad beam of photons, electrons, positrons or alphas (a run file with a `kind = "beam"`
//! source, run by [`theradose::study::runfile::run_file`]).
//!
//! This file uses only the library, clap and the standard library, so that tests can include
//! it to parse the flags exactly as the command does.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::dosimetry::bnct::driver::{
    merge_beam_parts, write_beam_spec, BEAM_SPEC_FILE, TALLY_FILE,
};
use theradose::dosimetry::bnct::{merge_beam, run_beam_with, BeamControl, BeamRun, BeamSpec};
use theradose::run::spec::{PhantomSpec, RunFile, RunSpec, SourceSpec};
use theradose::study::runfile::{self, RunOptions};

/// Arguments of `theradose beam`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example: theradose beam --spectrum epithermal --phantom mouse --groups tumour \
    --field-diameter-cm 2 --boron-ppm 20 --histories 100000 --out results/beam\n\
A 1 MeV electron broad beam on water (depth.csv: depth_cm,dose_gy_per_particle,rel_uncertainty):\n  \
  theradose beam --particle electron --energy 1 --phantom water-cube --voxel-mm 1 \
--field-cm 10x10 --histories 1e5 --out results/beam-e\n\
Split over 3 jobs (e.g. a Slurm array) and combine:\n  \
  theradose beam ... --jobs 3 --job-index I --out parts/I   (I = 0, 1, 2)\n  \
  theradose merge parts/0 parts/1 parts/2 --out results/beam"
)]
// exactly one of the two field flags
#[command(group(
    clap::ArgGroup::new("field")
        .required(true)
        .args(["field_diameter_cm", "field_cm"])
))]
pub struct BeamArgs {
    /// neutron (BNCT: depth fluences and dose components), photon, electron, positron or alpha
    /// (dose map, depth.csv of the dose per source particle, summary.json)
    #[arg(long, default_value = "neutron")]
    pub particle: String,
    /// neutron beams: epithermal, thermal (data/neutron/beams.toml) or a CSV
    /// energy_lo_mev,energy_hi_mev,fraction. Photon, electron, positron and alpha beams: a CSV
    /// energy_mev,intensity of discrete lines (as --lines)
    #[arg(long)]
    pub spectrum: Option<String>,
    /// photon, electron, positron and alpha beams: kinetic energy (MeV); or --lines
    #[arg(long, conflicts_with = "lines")]
    pub energy: Option<f64>,
    /// photon, electron, positron and alpha beams: lines E:I,E:I (MeV and relative intensity),
    /// e.g. 1.173:1,1.332:1
    #[arg(long, value_parser = parse_lines)]
    pub lines: Option<Lines>,
    /// photon and alpha beams: a radionuclide whose discrete lines (gamma and X-ray, or alpha)
    /// the beam emits by their yields, e.g. Co-60 (one particle per history: dose per emitted
    /// particle, not per decay); instead of --energy or --lines
    #[arg(long, conflicts_with_all = ["energy", "lines"])]
    pub nuclide: Option<String>,
    /// photon, electron, positron and alpha beams: electron and positron cut-off (keV; default:
    /// the energy whose CSDA range in water is a hundredth of the voxel, within 10-1000 keV)
    #[arg(long)]
    pub electron_cutoff_kev: Option<f64>,
    /// photon, electron, positron and alpha beams: photon cut-off (keV; default 1)
    #[arg(long)]
    pub photon_cutoff_kev: Option<f64>,
    /// photon, electron, positron and alpha beams: replace a result already in --out (without
    /// it such a folder is refused unless --resume)
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// built-in phantom name or phantom TOML path
    #[arg(long)]
    pub phantom: String,
    /// diameter of a circular field (cm); or give --field-cm
    #[arg(long)]
    pub field_diameter_cm: Option<f64>,
    /// rectangular field W x H (cm), e.g. 10x6, instead of --field-diameter-cm. W lies along
    /// the first axis across the beam, u = direction x z (direction x x for beams within about
    /// 25 degrees of z), H along direction x u: for +-x and +-z beams W is along y, for +-y
    /// beams along x; H is along z for +-x and +-y beams, along x for +-z beams
    #[arg(long, value_name = "WxH", value_parser = parse_field_cm)]
    pub field_cm: Option<[f64; 2]>,
    /// 10B in normal tissue (ug/g)
    #[arg(long, default_value_t = 0.0)]
    pub boron_ppm: f64,
    /// 10B in the tumour regions (ug/g; default: --boron-ppm)
    #[arg(long)]
    pub tumour_ppm: Option<f64>,
    /// regions that are tumour (default: regions whose name contains "tumour" or "tumor")
    #[arg(long, value_delimiter = ',')]
    pub tumour_regions: Vec<String>,
    /// beam direction along the phantom's voxel axes (built-in phantoms: +x patient left, +y
    /// posterior, +z superior): +z (default), -z, +x, -x, +y, -y, or a vector ux,uy,uz
    /// (normalised; oblique beams). An axis (or a vector along one) without --aim-mm: the beam
    /// enters the phantom face opposite to it, centred on that face, and depth.csv is measured
    /// from that face. Otherwise (oblique, or --aim-mm given) the beam's central axis passes
    /// through the aim point, its source plane outside the phantom, and depth.csv is measured
    /// along that axis from where it first enters the body (the first labelled voxel: the skin)
    #[arg(long, default_value = "+z", allow_hyphen_values = true)]
    pub direction: String,
    /// a point x,y,z (mm) of the beam's central axis (default: the phantom centre): for a
    /// built-in phantom in its definition's frame (that of its shapes' center_mm, origin at the
    /// box centre), for a CT in the image's world coordinates
    #[arg(long, value_name = "X,Y,Z", value_parser = parse_aim_mm, allow_hyphen_values = true)]
    pub aim_mm: Option<[f64; 3]>,
    /// source particles; 1e6-style counts accepted
    #[arg(long, value_parser = theradose::units::parse_count)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    /// voxel size of a built-in phantom (mm)
    #[arg(long)]
    pub voxel_mm: Option<f64>,
    /// 10B map (ug/g per voxel, NIfTI or MetaImage on the phantom grid) for the boron dose,
    /// instead of the uniform --boron-ppm / --tumour-ppm (which still set the absorption)
    #[arg(long)]
    pub boron_map: Option<PathBuf>,
    /// 18F-BPA (FBPA) PET in SUV on the phantom grid: the boron dose uses
    /// --boron-ppm x SUV / --fbpa-reference-suv per voxel (tumour-to-normal ratio from the PET)
    #[arg(long)]
    pub fbpa_pet: Option<PathBuf>,
    /// SUV of the reference (blood or normal tissue) that carries --boron-ppm
    #[arg(long, default_value_t = 1.0)]
    pub fbpa_reference_suv: f64,
    /// optional shape groups of a built-in phantom (e.g. "tumour" of the mouse)
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// deposit capture gammas locally instead of transporting them
    #[arg(long)]
    pub local_gamma: bool,
    /// epithermal fluence rate at the beam aperture (n cm-2 s-1) for dose rates and treatment
    /// time; default 1e9, the minimum IAEA-TECDOC-1223 (2001) recommends for clinical beams
    #[arg(long, default_value_t = 1e9)]
    pub aperture_epithermal_flux: f64,
    /// prescribed weighted dose (Gy-eq): the treatment time reaches it at the largest weighted
    /// dose on the beam axis, or in the tumour (mean) when the phantom has one. The axis maximum
    /// is the largest of noisy depth-bin means, biased high at few histories (the treatment time
    /// then comes out short): check that depth.csv is smooth around it, or use a study's
    /// `normal_peak` prescription, which reports its uncertainty
    #[arg(long)]
    pub prescription_gy: Option<f64>,
    /// output folder (neutrons: maps, depth.csv, dvh.csv, summary.json; photons and charged
    /// particles: dose.nii.gz, uncertainty.nii.gz, depth.csv, regions.csv, summary.json; tally.bin
    /// is the checkpoint)
    #[arg(long)]
    pub out: PathBuf,
    /// split the run into this many jobs (combine their folders with `theradose merge`)
    #[arg(long, default_value_t = 1)]
    pub jobs: u64,
    /// which job this is, 0 <= i < jobs
    #[arg(long, default_value_t = 0)]
    pub job_index: u64,
    /// continue from the checkpoint (tally.bin) in the output folder
    #[arg(long)]
    pub resume: bool,
    /// stop when the charged-particle energy deposited in the phantom per source neutron (boron,
    /// nitrogen and hydrogen kerma, all voxels) reaches this relative uncertainty (1 sigma, e.g.
    /// 0.01); checked every 32768 neutrons
    #[arg(long)]
    pub target_uncertainty: Option<f64>,
    /// seconds between checkpoints of the tally (tally.bin in the output folder)
    #[arg(long, default_value_t = 10.0)]
    pub checkpoint_every: f64,
}

impl BeamArgs {
    /// The library spec of the arguments (all but `--out`).
    pub fn spec(&self) -> BeamSpec {
        BeamSpec {
            particle: self.particle.clone(),
            spectrum: self.spectrum.clone().unwrap_or_default(),
            phantom: self.phantom.clone(),
            field_diameter_cm: self.field_diameter_cm,
            field_cm: self.field_cm,
            boron_ppm: self.boron_ppm,
            tumour_ppm: self.tumour_ppm,
            tumour_regions: self.tumour_regions.clone(),
            direction: self.direction.clone(),
            aim_mm: self.aim_mm,
            histories: self.histories,
            seed: self.seed,
            threads: self.threads,
            voxel_mm: self.voxel_mm,
            boron_map: self.boron_map.clone(),
            fbpa_pet: self.fbpa_pet.clone(),
            fbpa_reference_suv: self.fbpa_reference_suv,
            groups: self.groups.clone(),
            local_gamma: self.local_gamma,
            aperture_epithermal_flux: self.aperture_epithermal_flux,
            prescription_gy: self.prescription_gy,
        }
    }
}

/// Lines of `--lines`: (energy MeV, relative intensity).
pub type Lines = Vec<(f64, f64)>;

/// Flags of the neutron beam that a photon or charged-particle beam does not take, with whether
/// they were given.
fn neutron_only(a: &BeamArgs) -> Vec<&'static str> {
    let given = [
        ("--boron-ppm", a.boron_ppm != 0.0),
        ("--tumour-ppm", a.tumour_ppm.is_some()),
        ("--tumour-regions", !a.tumour_regions.is_empty()),
        ("--boron-map", a.boron_map.is_some()),
        ("--fbpa-pet", a.fbpa_pet.is_some()),
        ("--local-gamma", a.local_gamma),
        ("--prescription-gy", a.prescription_gy.is_some()),
        ("--target-uncertainty", a.target_uncertainty.is_some()),
        ("--fbpa-reference-suv", a.fbpa_reference_suv != 1.0),
        (
            "--aperture-epithermal-flux",
            a.aperture_epithermal_flux != 1e9,
        ),
    ];
    given.iter().filter(|g| g.1).map(|g| g.0).collect()
}

impl BeamArgs {
    /// The run file of a photon, electron, positron or alpha beam: the phantom (built-in, phantom
    /// TOML or CT by extension), a `kind = "beam"` source and the run settings.
    ///
    /// # Errors
    /// Flags of the neutron beam given with another particle.
    pub fn run_file(&self) -> Result<RunFile> {
        let extra = neutron_only(self);
        if !extra.is_empty() {
            bail!(
                "{} apply to neutron beams only, not to --particle {}",
                extra.join(", "),
                self.particle
            );
        }
        let is_ct = [".nii", ".nii.gz", ".mhd", ".mha"]
            .iter()
            .any(|x| self.phantom.ends_with(x));
        Ok(RunFile {
            name: format!("beam-{}", self.particle),
            description: format!("theradose beam --particle {}", self.particle),
            phantom: PhantomSpec {
                builtin: (!is_ct).then(|| self.phantom.clone()),
                ct: is_ct.then(|| PathBuf::from(&self.phantom)),
                ct_series: None,
                labels: None,
                label_names: Default::default(),
                hu_calibration: None,
                voxel_mm: self.voxel_mm.map(Into::into),
                groups: self.groups.clone(),
                world: None,
            },
            source: SourceSpec {
                particle: self.particle.clone(),
                kind: "beam".into(),
                position_mm: None,
                region: None,
                map: None,
                energy_mev: self.energy,
                lines: match &self.spectrum {
                    Some(path) if self.lines.is_none() => Some(read_lines_csv(Path::new(path))?),
                    Some(_) => bail!("give --lines or --spectrum, not both"),
                    None => self.lines.clone(),
                },
                nuclide: self.nuclide.clone(),
                chain: None,
                daughter_escape: Vec::new(),
                decay_data: Default::default(),
                emitted_particles: None,
                direction: Some(self.direction.clone()),
                field_diameter_cm: self.field_diameter_cm,
                field_cm: self.field_cm,
                aim_mm: self.aim_mm,
            },
            run: RunSpec {
                histories: self.histories,
                seed: self.seed,
                photon_cutoff_kev: self.photon_cutoff_kev,
                compton_binding: None,
                target_uncertainty: None,
                target_region: None,
                electron_transport: None,
                electron_cutoff_kev: self.electron_cutoff_kev,
            },
            scoring: Default::default(),
            figures: Default::default(),
            materials: Default::default(),
        })
    }
}

/// `theradose beam` of photons, electrons, positrons or alphas: the run driver of run files
/// (checkpoints, --resume, --jobs) into `--out`, with depth.csv; the beam's summary on stdout.
fn run_charged(args: &BeamArgs) -> Result<()> {
    let rf = args.run_file()?;
    let opt = RunOptions {
        histories: None,
        seed: None,
        threads: args.threads,
        jobs: args.jobs,
        job_index: args.job_index,
        resume: args.resume,
        force: args.force,
        target_uncertainty: None,
        region: None,
        checkpoint_every_s: Some(args.checkpoint_every),
    };
    let r = runfile::run_file(&Context::load()?, rf, &args.out, &opt)?;
    let s = r.summary.to_json();
    let out = serde_json::json!({
        "particle": args.particle,
        "histories": s["histories"],
        "dose_unit": s["dose_unit"],
        "beam": s["beam"],
        "histories_per_second": s["histories_per_second"],
        "threads": s["threads"],
    });
    println!("{}", serde_json::to_string(&out)?);
    if args.jobs > 1 {
        eprintln!(
            "job {} of {}: combine the job folders with `theradose merge`",
            args.job_index, args.jobs
        );
    }
    eprintln!(
        "wrote {} (depth.csv, dose.nii.gz, uncertainty.nii.gz, summary.json)",
        args.out.display()
    );
    Ok(())
}

/// Runs `theradose beam`: writes depth.csv, NIfTI maps of every component (and their relative
/// uncertainties), dvh.csv and summary.json into `--out`, prints the summary.
pub fn run(args: &BeamArgs) -> Result<()> {
    if args.particle != "neutron" {
        return run_charged(args);
    }
    theradose::run::install_interrupt_handler();
    let spec = args.spec();
    let ctx = Context::load()?;
    write_beam_spec(&args.out, &spec)?;
    let tally_path = args.out.join(TALLY_FILE);
    let control = BeamControl {
        tally_path: Some(tally_path.clone()),
        checkpoint_every_s: args.checkpoint_every,
        resume: args.resume,
        jobs: args.jobs,
        job_index: args.job_index,
        target_uncertainty: args.target_uncertainty,
    };
    match run_beam_with(&ctx, &spec, &control)? {
        BeamRun::Done(r) => {
            r.write(&args.out)?;
            println!("{}", serde_json::to_string(&r.summary)?);
            if let Some(f) = &r.summary.figure_of_merit {
                eprintln!("{}", f.describe(r.summary.cpu_seconds));
            }
        }
        BeamRun::Part { histories } => eprintln!(
            "job {} of {}: {histories} neutrons in {}; combine the job folders with `theradose merge`",
            args.job_index,
            args.jobs,
            tally_path.display()
        ),
        BeamRun::Interrupted { histories, planned } => bail!(
            "stopped after {histories} of {planned} neutrons; checkpoint in {}; continue with --resume",
            tally_path.display()
        ),
    }
    Ok(())
}

/// Whether `dir` is the output folder of `theradose beam` (for `theradose merge`).
pub fn is_beam_folder(dir: &Path) -> bool {
    dir.join(BEAM_SPEC_FILE).is_file()
}

/// `theradose merge` of `theradose beam --jobs N` folders: the merged tally, maps, depth.csv,
/// dvh.csv and summary.json in `out`, bit-identical to a single run of all neutrons.
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<()> {
    let (spec, tally, header) = merge_beam_parts(parts)?;
    if tally.histories != spec.histories {
        eprintln!(
            "warning: the parts hold {} of the run's {} neutrons",
            tally.histories, spec.histories
        );
    }
    let r = merge_beam(&Context::load()?, &spec, &tally)?;
    write_beam_spec(out, &spec)?;
    theradose::tally::file::write(&out.join(TALLY_FILE), &header, &tally)?;
    r.write(out)?;
    println!("{}", serde_json::to_string(&r.summary)?);
    Ok(())
}

/// `--field-cm WxH`: two numbers (cm) joined by x; their signs are checked by the library.
fn parse_field_cm(s: &str) -> std::result::Result<[f64; 2], String> {
    let v: Option<Vec<f64>> = s.split(['x', 'X']).map(|x| x.trim().parse().ok()).collect();
    match v.as_deref() {
        Some(&[w, h]) => Ok([w, h]),
        _ => Err(format!("expected WxH in cm, e.g. 10x6, got '{s}'")),
    }
}

/// `--lines E:I,E:I`: energies (MeV) and relative intensities; their values are checked by the
/// library.
fn parse_lines(s: &str) -> std::result::Result<Lines, String> {
    s.split(',')
        .map(|l| {
            let v: Option<Vec<f64>> = l.split(':').map(|x| x.trim().parse().ok()).collect();
            match v.as_deref() {
                Some(&[e, i]) => Ok((e, i)),
                _ => Err(format!(
                    "expected E:I,E:I (MeV:intensity), e.g. 1.173:1,1.332:1, got '{s}'"
                )),
            }
        })
        .collect()
}

/// The lines of a `--spectrum` CSV for photon and charged-particle beams: a header, then
/// `energy_mev,intensity` rows (`#` comments and blank lines skipped).
fn read_lines_csv(path: &Path) -> Result<Lines> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("--spectrum {}: cannot read: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (n, row) in text.lines().enumerate().skip(1) {
        let row = row.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let v: Option<Vec<f64>> = row.split(',').map(|x| x.trim().parse().ok()).collect();
        match v.as_deref() {
            Some(&[e, i]) => lines.push((e, i)),
            _ => bail!(
                "--spectrum {}: line {}: expected energy_mev,intensity, got '{row}'",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(lines)
}

/// `--aim-mm x,y,z`: three numbers (mm).
fn parse_aim_mm(s: &str) -> std::result::Result<[f64; 3], String> {
    let v: Option<Vec<f64>> = s.split(',').map(|x| x.trim().parse().ok()).collect();
    match v.as_deref() {
        Some(&[x, y, z]) if x.is_finite() && y.is_finite() && z.is_finite() => Ok([x, y, z]),
        _ => Err(format!("expected x,y,z in mm, e.g. -35,0,20, got '{s}'")),
    }
}
