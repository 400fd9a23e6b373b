//! `theradose svalues`: organ S-values of a nuclide in a built-in phantom or a CT with its
//! labels ([`theradose::dosimetry::svalues`]).

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::dosimetry::svalues::{compute, nuclide_run_file};
use theradose::run::phantom_arg::phantom_spec;

/// Arguments of `theradose svalues`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  theradose svalues --phantom adult --voxel-mm 8 --nuclide Lu-177 --sources kidneys,liver --histories 1e6"
)]
pub struct SvaluesArgs {
    /// built-in phantom name or phantom TOML; or a CT in HU (DICOM folder or file, NIfTI,
    /// MetaImage) whose --labels are the regions
    #[arg(long)]
    pub phantom: String,
    /// with a CT phantom: regions from a label map on the CT grid, an RTSTRUCT or a DICOM SEG
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// names of the ids of a --labels label map: JSON {"1": "liver"} or CSV id,name
    #[arg(long)]
    pub label_names: Option<PathBuf>,
    /// with a CT folder holding several CT series: the SeriesInstanceUID of the one to use
    /// (without it the error lists the series)
    #[arg(long)]
    pub series: Option<String>,
    /// voxel size of a built-in phantom (mm; default the phantom's)
    #[arg(long)]
    pub voxel_mm: Option<f64>,
    /// shape groups to include, e.g. lesions
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// radionuclide, e.g. Lu-177 (every radiation of each decay)
    #[arg(long)]
    pub nuclide: String,
    /// include the decay chain at secular equilibrium
    #[arg(long)]
    pub chain: bool,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
    /// source regions (default: every region)
    #[arg(long, value_delimiter = ',')]
    pub sources: Vec<String>,
    /// decays per source region
    #[arg(long, value_parser = crate::cli::args::count, default_value_t = 1_000_000)]
    pub histories: u64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// output CSV (default results/svalues/<phantom>_<voxel>mm_<nuclide>.csv)
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `theradose svalues`: writes the CSV table and prints where.
pub fn run(a: &SvaluesArgs) -> Result<()> {
    let ctx = Context::load()?;
    let mut file = nuclide_run_file(
        &a.phantom,
        a.voxel_mm,
        &a.groups,
        (&a.nuclide, a.decay_data),
        a.chain,
        a.histories,
        a.seed,
    )?;
    file.phantom = phantom_spec(
        &a.phantom,
        a.labels.as_deref(),
        a.label_names.as_deref(),
        a.series.as_deref(),
        a.voxel_mm,
        &a.groups,
    )?;
    let out = a.out.clone().unwrap_or_else(|| {
        let stem = Path::new(&a.phantom)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("phantom")
            .to_string();
        let v = a.voxel_mm.map(|v| format!("_{v}mm")).unwrap_or_default();
        // ENDF tables get their own name; ICRP-107 (the default) keeps the plain one
        let (bare, data) = theradose::source::nuclide::split_data_prefix(&a.nuclide, a.decay_data)
            .unwrap_or((&a.nuclide, a.decay_data));
        let suffix = match data {
            theradose::source::DecayData::Endf => "_endf",
            theradose::source::DecayData::Icrp107 => "",
        };
        PathBuf::from("results/svalues").join(format!("{stem}{v}_{bare}{suffix}.csv"))
    });
    // the output is checked before the Monte Carlo (minutes), not after it
    theradose::run::guard::check_writable_parent(&out)?;
    let table = compute(&ctx, file, &a.sources, a.threads)?;
    table.write_csv(&out)?;
    eprintln!(
        "S-values of {} ({}) in {}: {}",
        a.nuclide,
        table.decay_data.map(|d| d.label()).unwrap_or("-"),
        a.phantom,
        out.display()
    );
    Ok(())
}
