//! `theradose study`, `run` and `merge`: run files and study files into result folders.

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::study::{self, output};

/// Runs `theradose study [FILE]`: a run file ([source]), a dosimetry study or a therapy study,
/// by content.
pub fn study(
    file: Option<PathBuf>,
    out: Option<PathBuf>,
    histories: Option<u64>,
    threads: Option<usize>,
) -> Result<()> {
    let file = file.unwrap_or_else(|| PathBuf::from("studies/quickstart.toml"));
    let opts = study::therapy::StudyOptions { histories, threads };
    let out = study::therapy::run_study_file(&file, out.as_deref(), &opts)?;
    eprintln!("results in {}", out.display());
    Ok(())
}

/// Runs `theradose run FILE`: transports a run file into `out` (default results/<name>).
pub fn run(file: &Path, out: Option<PathBuf>, opt: output::RunOptions) -> Result<()> {
    let rf = study::RunFile::load(file)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&rf.name));
    let s = output::run_file(rf, &out, &opt)?;
    print_run_summary(&s, &out);
    Ok(())
}

/// Runs `theradose merge PARTS --out DIR`.
pub fn merge(parts: &[PathBuf], out: &Path) -> Result<()> {
    let s = output::merge(parts, out)?;
    print_run_summary(&s, out);
    Ok(())
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
