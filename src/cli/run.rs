//! `theradose study`, `run` and `merge`: run files and study files into result folders.

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::study::{self, runfile};

/// Runs `theradose study [FILE]`: a run file ([source]), a dosimetry study or a therapy study,
/// by content.
pub fn study(
    file: Option<PathBuf>,
    out: Option<PathBuf>,
    histories: Option<u64>,
    threads: Option<usize>,
) -> Result<()> {
    let file = file.unwrap_or_else(|| PathBuf::from("studies/quickstart.toml"));
    let opts = study::StudyOptions { histories, threads };
    let ctx = Context::load()?;
    let r = study::run_study(&ctx, &file, out.as_deref(), &opts).inspect_err(print_resume_hint)?;
    match r.kind {
        study::StudyKind::Run => println!("{}", serde_json::to_string_pretty(&r.metrics)?),
        study::StudyKind::Therapy => {
            print!("{}", study::therapy::report::summary_text(&r.metrics))
        }
        _ => {}
    }
    eprintln!("results in {}", r.out_dir.display());
    Ok(())
}

/// Runs `theradose run FILE`: transports a run file into `out` (default results/<name>).
pub fn run(file: &Path, out: Option<PathBuf>, opt: runfile::RunOptions) -> Result<()> {
    let rf = study::RunFile::load(file)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&rf.name));
    let ctx = Context::load()?;
    let s = runfile::run_file(&ctx, rf, &out, &opt).inspect_err(print_resume_hint)?;
    print_run_summary(&s.summary.to_json(), &out);
    Ok(())
}

/// Runs `theradose merge PARTS --out DIR`.
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<()> {
    if parts
        .first()
        .is_some_and(|p| super::beam::is_beam_folder(p))
    {
        return super::beam::merge(parts, out);
    }
    let s = runfile::merge(&Context::load()?, parts, out)?;
    print_run_summary(&s.summary.to_json(), out);
    Ok(())
}

/// The hint after an interrupted run (the library's error names no flag).
fn print_resume_hint(e: &anyhow::Error) {
    if let Some(i) = e.downcast_ref::<runfile::RunInterrupted>() {
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
