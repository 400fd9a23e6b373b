//! `theradose cell-svalues`: cellular S values of concentric-sphere cells
//! ([`theradose::dosimetry::cell`]).

use anyhow::Result;
use std::path::PathBuf;
use theradose::context::Context;
use theradose::dosimetry::cell::{compute, CellSValueSpec, Method};
use theradose::source::decay_data::DecayData;

/// Arguments of `theradose cell-svalues`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example (the MIRD cellular S values of I-125, RC 5 um, RN 3 um):\n  \
    theradose cell-svalues --nuclide I-125 --cell-radius-um 5 --nucleus-radius-um 3\n  \
    theradose cell-svalues --nuclide Ac-225 --chain --cell-radius-um 6 --nucleus-radius-um 4 \
    --method mc --histories 20000 --out ac225.csv\n\
    Prints JSON: nuclide, cell_radius_um, nucleus_radius_um, method, s_gy_per_bq_s and \
    rel_uncertainty keyed \"target<-source\" (targets nucleus, cytoplasm, cell; sources nucleus, \
    cytoplasm, cell_surface, cell)."
)]
pub struct CellSvaluesArgs {
    /// radionuclide, e.g. I-125, In-111, Tc-99m, Lu-177, At-211, Ac-225
    #[arg(long)]
    pub nuclide: String,
    /// cell radius (um)
    #[arg(long, allow_hyphen_values = true)]
    pub cell_radius_um: f64,
    /// nucleus radius (um), smaller than the cell radius
    #[arg(long, allow_hyphen_values = true)]
    pub nucleus_radius_um: f64,
    /// analytic (CSDA straight-line method of the MIRD cellular S values) or mc (Monte Carlo)
    #[arg(long, default_value = "analytic", value_parser = parse_method)]
    pub method: Method,
    /// include the decay chain at secular equilibrium (Ac-225, Pb-212, Ra-223, ...)
    #[arg(long)]
    pub chain: bool,
    /// Monte Carlo: decays per source region
    #[arg(long, value_parser = crate::cli::args::count, default_value_t = 100_000)]
    pub histories: u64,
    /// Monte Carlo: random seed (the same seed gives the same result, bit for bit)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Monte Carlo: worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// Monte Carlo: electron and photon cut-off (keV)
    #[arg(long, default_value_t = 1.0)]
    pub electron_cutoff_kev: f64,
    /// count the alpha-decay recoil energy as a deposit at the decay site
    #[arg(long)]
    pub recoil: bool,
    /// decay data: icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = |s: &str| s.parse::<DecayData>())]
    pub decay_data: DecayData,
    /// also write the table as CSV: target,source,s_gy_per_bq_s,rel_uncertainty
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_method(s: &str) -> Result<Method, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "analytic" => Ok(Method::Analytic),
        "mc" | "montecarlo" | "monte-carlo" => Ok(Method::Mc),
        _ => Err(format!("unknown method '{s}': expected analytic or mc")),
    }
}

/// Runs `theradose cell-svalues`: prints the JSON, writes the CSV when asked.
pub fn run(a: &CellSvaluesArgs) -> Result<()> {
    if let Some(out) = &a.out {
        theradose::run::guard::check_writable_parent(out)?;
    }
    let ctx = Context::load()?;
    let mut spec = CellSValueSpec::new(&a.nuclide, a.cell_radius_um, a.nucleus_radius_um);
    spec.method = a.method;
    spec.chain = a.chain;
    spec.histories = a.histories;
    spec.seed = a.seed;
    spec.threads = a.threads;
    spec.electron_cutoff_kev = a.electron_cutoff_kev;
    spec.recoil = a.recoil;
    spec.decay_data = a.decay_data;
    if spec.method == Method::Mc {
        eprintln!(
            "cell-svalues: {} decays of {} per source region (4 regions), Monte Carlo ...",
            spec.histories, spec.nuclide
        );
    }
    let t0 = std::time::Instant::now();
    let r = compute(&ctx, &spec)?;
    if spec.method == Method::Mc {
        eprintln!("cell-svalues: done in {:.1} s", t0.elapsed().as_secs_f64());
    }
    {
        use std::io::Write;
        // a closed pipe (`| head`) ends the output quietly
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&r)?
        );
    }
    if let Some(out) = &a.out {
        r.write_csv(out)?;
        eprintln!("cell-svalues: {}", out.display());
    }
    Ok(())
}

/// Arguments of `theradose cell-cluster`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example (a 1000-cell cluster, 30% of the cells labelled with At-211):\n  \
    theradose cell-cluster --nuclide At-211 --cell-radius-um 5 --nucleus-radius-um 3 \
    --cells 1000 --labelled-fraction 0.3 --activity-per-cell-bq 0.01 --activity-sigma 1 \
    --out results/cluster-at211\n\
    Writes cells.csv (per cell: position, activity, decays, self/cross/nucleus dose, alpha \
    hits, specific energy, surviving fraction), histograms.csv and summary.json."
)]
pub struct CellClusterArgs {
    /// radionuclide of the label, e.g. At-211, I-125, Lu-177, Ac-225
    #[arg(long)]
    pub nuclide: String,
    /// include the decay chain at secular equilibrium (Ac-225, Pb-212, Ra-223, ...)
    #[arg(long)]
    pub chain: bool,
    /// radius of every cell (um)
    #[arg(long, allow_hyphen_values = true)]
    pub cell_radius_um: f64,
    /// radius of every nucleus (um), smaller than the cell radius
    #[arg(long, allow_hyphen_values = true)]
    pub nucleus_radius_um: f64,
    /// cluster (cells in a sphere) or monolayer (cells in a plane)
    #[arg(long, default_value = "cluster", value_parser = parse_arrangement)]
    pub arrangement: theradose::dosimetry::cell::packing::Arrangement,
    /// number of cells
    #[arg(long, default_value_t = 500)]
    pub cells: usize,
    /// volume (cluster, at most 0.38) or area (monolayer, at most 0.54) fraction of cells
    #[arg(long)]
    pub packing_fraction: Option<f64>,
    /// fraction of cells that carry activity
    #[arg(long, default_value_t = 1.0)]
    pub labelled_fraction: f64,
    /// mean initial activity of a labelled cell (Bq)
    #[arg(long, allow_hyphen_values = true)]
    pub activity_per_cell_bq: f64,
    /// log-normal shape sigma of the activity per labelled cell (0: all equal)
    #[arg(long, default_value_t = 0.0)]
    pub activity_sigma: f64,
    /// where the activity sits: nucleus, cytoplasm, cell_surface or cell
    #[arg(long, default_value = "cell", value_parser = parse_source)]
    pub source: theradose::dosimetry::cell::geometry::SourceRegion,
    /// effective half-life of the label in the cells (h; default the physical half-life)
    #[arg(long)]
    pub effective_half_life_h: Option<f64>,
    /// exposure time (h; default complete decay)
    #[arg(long)]
    pub exposure_h: Option<f64>,
    /// tissue of data/biology/tissues.toml (alpha, alpha/beta, repair, RBE)
    #[arg(long, default_value = "tumour")]
    pub tissue: String,
    /// random seed of the cell positions, labels, activities and hits
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// output folder
    #[arg(long, default_value = "results/cell-cluster")]
    pub out: PathBuf,
}

fn parse_arrangement(s: &str) -> Result<theradose::dosimetry::cell::packing::Arrangement, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase()))
        .map_err(|_| format!("unknown arrangement '{s}': expected cluster or monolayer"))
}

fn parse_source(s: &str) -> Result<theradose::dosimetry::cell::geometry::SourceRegion, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase())).map_err(|_| {
        format!("unknown source '{s}': expected nucleus, cytoplasm, cell_surface or cell")
    })
}

/// Runs `theradose cell-cluster`: writes the folder and prints the summary.
pub fn cluster(a: &CellClusterArgs) -> Result<()> {
    theradose::run::guard::check_writable_dir(&a.out)?;
    use theradose::dosimetry::cell::cluster::{compute, CellClusterSpec};
    let ctx = Context::load()?;
    let spec = CellClusterSpec {
        nuclide: a.nuclide.clone(),
        chain: a.chain,
        decay_data: DecayData::default(),
        cell_radius_um: a.cell_radius_um,
        nucleus_radius_um: a.nucleus_radius_um,
        arrangement: a.arrangement,
        cells: a.cells,
        packing_fraction: a.packing_fraction,
        labelled_fraction: a.labelled_fraction,
        activity_per_cell_bq: a.activity_per_cell_bq,
        activity_sigma: a.activity_sigma,
        source: a.source,
        effective_half_life_h: a.effective_half_life_h,
        exposure_h: a.exposure_h,
        tissue: a.tissue.clone(),
        seed: a.seed,
    };
    eprintln!("cell-cluster: {} cells, {} ...", spec.cells, spec.nuclide);
    let r = compute(&ctx, &spec)?;
    r.write(&a.out)?;
    let s = r.summary();
    eprintln!(
        "cell-cluster: mean nucleus dose {:.3e} Gy (labelled {:.3e}, unlabelled {:.3e}), self \
         fraction {:.2}, surviving fraction labelled {:.3}, unlabelled {:.3}; {}",
        s.all.mean_nucleus_dose_gy,
        s.labelled.mean_nucleus_dose_gy,
        s.unlabelled.mean_nucleus_dose_gy,
        s.self_fraction,
        s.labelled.surviving_fraction,
        s.unlabelled.surviving_fraction,
        a.out.display()
    );
    Ok(())
}
