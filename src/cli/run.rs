//! `theradose study`, `run` and `merge`: run files and study files into result folders.
//! Tables go to stdout; progress, notes and hints to stderr.

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::run::guard::{OutputExists, OutputLocked};
use theradose::study::{self, runfile};

/// The default study, built into the binary: used when `theradose study` gets no file and the
/// current folder has no `studies/quickstart.toml`.
const QUICKSTART: &str = include_str!("../../studies/quickstart.toml");

/// Arguments of `theradose study`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Without FILE: studies/quickstart.toml of the current folder if there is one, \
else the copy of it built into this binary (so it runs from any folder).\n\n\
Examples:\n  theradose study\n  theradose study studies/lu177-psma.toml --histories 2e6 --threads 2\n  \
theradose study studies/sweep-nuclide-size.toml --sweep-point 1 --out results/sweep-part1"
)]
pub struct StudyArgs {
    /// study file (TOML); default: studies/quickstart.toml (see below)
    pub file: Option<PathBuf>,
    /// output folder (default results/<name>)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Monte Carlo histories (decays; source neutrons for BNCT), overriding the file; 1e6-style
    /// counts accepted
    #[arg(long, value_parser = crate::cli::args::count)]
    pub histories: Option<u64>,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// replace the checkpoints (tally.bin) found in the output folder; without it a study
    /// continues the checkpoint of the same run and refuses one of another run
    #[arg(long)]
    pub force: bool,
    /// run only this point (0-based) of the study's [sweep] into OUT/sweep/<point>/, e.g.
    /// $SLURM_ARRAY_TASK_ID (then --collect)
    #[arg(long, conflicts_with_all = ["collect", "sweep_points"])]
    pub sweep_point: Option<usize>,
    /// print the number of sweep points of the study and stop (the array is 0..points-1)
    #[arg(long, conflicts_with = "collect")]
    pub sweep_points: bool,
    /// the collect step of a split sweep: run the nominal study and gather the points that
    /// --sweep-point wrote into sweep.csv and metrics.json
    #[arg(long)]
    pub collect: bool,
}

/// Runs `theradose study [FILE]`: a run file ([source]), a dosimetry study or a therapy study,
/// by content.
pub fn study(a: StudyArgs) -> Result<()> {
    let (file, _tmp) = match a.file {
        Some(f) => (f, None),
        None => default_study()?,
    };
    let opts = study::StudyOptions {
        histories: a.histories,
        threads: a.threads,
    };
    if a.force {
        for p in study::remove_checkpoints(&file, a.out.as_deref())? {
            eprintln!("--force: removed the checkpoint {}", p.display());
        }
    }
    let split = a.sweep_point.is_some() || a.sweep_points || a.collect;
    if split && study::study_kind(&file)? != study::StudyKind::Therapy {
        anyhow::bail!(
            "{}: --sweep-point, --sweep-points and --collect apply to therapy studies with a [sweep]",
            file.display()
        );
    }
    if a.sweep_points {
        println!("{}", study::therapy::split::sweep_points(&file)?);
        return Ok(());
    }
    let ctx = Context::load()?;
    if let Some(i) = a.sweep_point {
        let dir = study::therapy::split::run_sweep_point(&ctx, &file, a.out.as_deref(), &opts, i)
            .inspect_err(print_hint)?;
        eprintln!("sweep point {i} in {}", dir.display());
        return Ok(());
    }
    let r = if a.collect {
        let (out_dir, metrics) =
            study::therapy::run_therapy(&ctx, &file, a.out.as_deref(), &opts, true)?;
        study::StudyResult {
            kind: study::StudyKind::Therapy,
            out_dir,
            metrics,
        }
    } else {
        study::run_study(&ctx, &file, a.out.as_deref(), &opts).inspect_err(print_hint)?
    };
    match r.kind {
        study::StudyKind::Run => println!("{}", serde_json::to_string_pretty(&r.metrics)?),
        study::StudyKind::Therapy => {
            print!("{}", study::therapy::report::summary_text(&r.metrics))
        }
        study::StudyKind::Bnct => print_figure_of_merit(&r.metrics),
        _ => {}
    }
    eprintln!("results in {}", r.out_dir.display());
    Ok(())
}

/// A temporary file removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The default study: `studies/quickstart.toml` here, else the built-in copy (written to a
/// temporary file for the time of the run).
fn default_study() -> Result<(PathBuf, Option<TempFile>)> {
    let here = PathBuf::from("studies/quickstart.toml");
    if here.is_file() {
        return Ok((here, None));
    }
    let tmp =
        std::env::temp_dir().join(format!("theradose-quickstart-{}.toml", std::process::id()));
    std::fs::write(&tmp, QUICKSTART)?;
    eprintln!("no studies/quickstart.toml here: running the copy built into theradose");
    Ok((tmp.clone(), Some(TempFile(tmp))))
}

/// Arguments of `theradose run`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "A folder that already holds a checkpoint or results is refused unless \
--resume (continue it; a larger --histories extends a finished run to the result of one longer \
run, bit for bit) or --force (replace it). A lock file (theradose.lock) keeps two runs out of one \
folder.\n\n\
Examples:\n  theradose run studies/kidneys-lu177.toml --out results/q --histories 5e6 --threads 2\n  \
theradose run studies/kidneys-lu177.toml --out results/q --resume --histories 1e7\n  \
theradose run studies/kidneys-lu177.toml --target-uncertainty 0.01 --region kidneys\n  \
theradose run study.toml --jobs 3 --job-index $SLURM_ARRAY_TASK_ID --out part$SLURM_ARRAY_TASK_ID"
)]
pub struct RunArgs {
    /// run file (TOML)
    pub file: PathBuf,
    /// output folder (default results/<name>)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// histories of the whole run (overrides the file); 1e6-style counts accepted
    #[arg(long, value_parser = crate::cli::args::count)]
    pub histories: Option<u64>,
    /// random seed (overrides the file)
    #[arg(long)]
    pub seed: Option<u64>,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// split the run into this many jobs (combine them with `theradose merge`)
    #[arg(long, default_value_t = 1)]
    pub jobs: u64,
    /// which job this is, 0 <= i < jobs (e.g. $SLURM_ARRAY_TASK_ID)
    #[arg(long, default_value_t = 0)]
    pub job_index: u64,
    /// continue from the checkpoint (tally.bin) in the output folder; with more --histories,
    /// extend a finished run
    #[arg(long)]
    pub resume: bool,
    /// replace the checkpoint and results in the output folder
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// stop when the mean dose of --region reaches this relative uncertainty (1 sigma, e.g. 0.02)
    #[arg(long)]
    pub target_uncertainty: Option<f64>,
    /// region for --target-uncertainty
    #[arg(long)]
    pub region: Option<String>,
    /// seconds between checkpoints of the tally (tally.bin in the output folder)
    #[arg(long, default_value_t = 10.0)]
    pub checkpoint_every: f64,
}

/// Runs `theradose run FILE`: transports a run file into `out` (default results/<name>).
pub fn run(a: RunArgs) -> Result<()> {
    let rf = study::RunFile::load(&a.file)?;
    let out = a.out.unwrap_or_else(|| Path::new("results").join(&rf.name));
    let opt = runfile::RunOptions {
        histories: a.histories,
        seed: a.seed,
        threads: a.threads,
        jobs: a.jobs,
        job_index: a.job_index,
        resume: a.resume,
        force: a.force,
        target_uncertainty: a.target_uncertainty,
        region: a.region,
        checkpoint_every_s: Some(a.checkpoint_every),
    };
    let ctx = Context::load()?;
    let s = runfile::run_file(&ctx, rf, &out, &opt).inspect_err(print_hint)?;
    print_run_summary(&s.summary.to_json(), &out);
    Ok(())
}

/// Arguments of `theradose merge`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  theradose merge part0 part1 part2 --out merged   # after run --jobs 3 --job-index 0, 1, 2"
)]
pub struct MergeArgs {
    /// the output folders of the job parts (`run --jobs N --job-index i`)
    pub parts: Vec<PathBuf>,
    /// folder of the merged result
    #[arg(long)]
    pub out: PathBuf,
    /// replace a result already in --out (without it such a folder is refused)
    #[arg(long)]
    pub force: bool,
}

/// Runs `theradose merge PARTS --out DIR`.
pub fn merge(a: MergeArgs) -> Result<()> {
    use theradose::run::guard::{check_existing, Existing, OutputLock};
    let _lock = OutputLock::acquire(&a.out, &theradose::run::progress::note)?;
    check_existing(&a.out, Existing::of_flags(false, a.force)).inspect_err(print_hint)?;
    if a.parts
        .first()
        .is_some_and(|p| super::beam::is_beam_folder(p))
    {
        return super::beam::merge(&a.parts, &a.out);
    }
    let s = runfile::merge(&Context::load()?, &a.parts, &a.out)?;
    print_run_summary(&s.summary.to_json(), &a.out);
    Ok(())
}

/// The hint after an interrupted run or a refused output folder (the library's errors name no
/// flag).
pub fn print_hint(e: &anyhow::Error) {
    if let Some(i) = e.downcast_ref::<runfile::RunInterrupted>() {
        eprintln!(
            "stopped after {} histories; checkpoint in {}; continue with --resume",
            i.histories,
            i.checkpoint.display()
        );
    }
    if let Some(i) = e.downcast_ref::<theradose::error::Interrupted>() {
        eprintln!(
            "stopped after {} histories; the checkpoint tally.bin in the output folder keeps them; \
             continue with --resume",
            i.histories
        );
    }
    if let Some(x) = e.downcast_ref::<OutputExists>() {
        eprintln!(
            "{}: replace it with --force; a run's checkpoint can also be continued with --resume \
             (a larger --histories extends a finished run)",
            x.path.display()
        );
    }
    if e.downcast_ref::<OutputLocked>().is_some() {
        eprintln!("(a lock left by a run that no longer runs is taken over automatically)");
    }
}

/// The regions table of a run summary on stdout; where it went and the speed on stderr.
fn print_run_summary(s: &serde_json::Value, out: &Path) {
    eprintln!("wrote {}", out.display());
    if let Some(regions) = s["regions"].as_array() {
        let unit = s["dose_unit"].as_str().unwrap_or("");
        println!(
            "{:<20} {:>12} {:>14} {:>10}",
            "region", "mass (g)", "dose", "rel. unc."
        );
        for r in regions {
            let dose = r["mean_dose_gy"]
                .as_f64()
                .or_else(|| r["mean_dose_gy_per_particle"].as_f64())
                .unwrap_or(0.0);
            println!(
                "{:<20} {:>12.3} {:>14.4e} {:>9.2}%",
                r["name"].as_str().unwrap_or(""),
                r["mass_g"].as_f64().unwrap_or(0.0),
                dose,
                100.0 * r["rel_uncertainty"].as_f64().unwrap_or(0.0)
            );
        }
        println!("dose unit: {unit}");
    }
    print_target(s);
    if let Some(h) = s["histories_per_second"].as_f64() {
        eprintln!(
            "{} histories, {:.0} histories/s on {} threads",
            s["histories"], h, s["threads"]
        );
    }
    print_figure_of_merit(s);
}

/// The figure of merit of the summary (stderr, with the speed): 1 / (rel^2 x CPU s).
pub(crate) fn print_figure_of_merit(s: &serde_json::Value) {
    let fom = serde_json::from_value::<theradose::run::FigureOfMerit>(s["figure_of_merit"].clone());
    if let (Ok(f), Some(cpu)) = (fom, s["cpu_seconds"].as_f64()) {
        eprintln!("{}", f.describe(cpu));
    }
}

/// Whether the target uncertainty was reached (stdout, beside the table).
fn print_target(s: &serde_json::Value) {
    let inputs = &s["inputs"]["run"];
    let (Some(rel), Some(region)) = (
        inputs["target_uncertainty"].as_f64(),
        inputs["target_region"].as_str(),
    ) else {
        return;
    };
    let reached = s["target_uncertainty_reached"].as_bool() == Some(true);
    let got = s["regions"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == region))
        .and_then(|r| r["rel_uncertainty"].as_f64())
        .unwrap_or(f64::NAN);
    println!(
        "target uncertainty {:.2}% on {region}: {} ({:.2}% after {} histories)",
        100.0 * rel,
        if reached {
            "reached"
        } else {
            "NOT reached: all histories ran; resume with more --histories"
        },
        100.0 * got,
        s["histories"]
    );
}
