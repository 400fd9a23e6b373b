//! `theradose pet`: a simulated PET scan of a phantom ([`theradose::pet::scan`]); the images
//! and summary go to `--out`, with `pet.png`, the reconstruction as a wash over the phantom's
//! density in the transverse (axial) plane holding the most true activity.

use anyhow::Result;
use std::path::{Path, PathBuf};
use theradose::context::Context;
use theradose::pet::scan::{scan, PetScanSpec};
use theradose::phantom::Phantom;

/// Arguments of `theradose pet`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  theradose pet --phantom water-cube --uniform-bq-ml 5000 --nuclide F-18 --scanner clinical --duration-s 600 --out results/pet"
)]
pub struct PetArgs {
    /// built-in phantom name (`theradose phantom list`, e.g. nema-iec) or a phantom TOML file;
    /// or a CT in HU (DICOM folder or file, NIfTI, MetaImage), scanned on its own grid
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
    /// activity concentration map (Bq/mL at scan start) on the phantom grid (NIfTI / MetaImage)
    #[arg(long)]
    pub activity: Option<PathBuf>,
    /// uniform concentration (Bq/mL) in every fillable region (not walls, lung or outside)
    #[arg(long)]
    pub uniform_bq_ml: Option<f64>,
    /// hot-region (sphere*, lesion*, tumour*) to background concentration ratio
    #[arg(long)]
    pub sphere_to_background: Option<f64>,
    /// background concentration (Bq/mL) in the largest region, with --sphere-to-background
    #[arg(long)]
    pub background_bq_ml: Option<f64>,
    /// positron emitter, e.g. F-18, Ga-68, Cu-64, Zr-89
    #[arg(long)]
    pub nuclide: String,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
    /// scanner model: clinical, preclinical, or a scanner TOML file
    #[arg(long)]
    pub scanner: String,
    /// scan duration per bed position (s)
    #[arg(long)]
    pub duration_s: f64,
    /// reconstruct the expected counts (no Poisson noise)
    #[arg(long)]
    pub noise_free: bool,
    /// OSEM iterations
    #[arg(long, default_value_t = 4)]
    pub iterations: usize,
    /// OSEM subsets (ordered subsets of the projection angles)
    #[arg(long, default_value_t = 8)]
    pub subsets: usize,
    /// voxel size (mm; default: the scanner's, 4 clinical, 0.8 preclinical)
    #[arg(long)]
    pub voxel_mm: Option<f64>,
    /// optional shape groups of a built-in phantom (e.g. lesions, tumour)
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// resolution modelling in the reconstruction
    #[arg(long)]
    pub psf: bool,
    /// Gaussian post-filter FWHM (mm)
    #[arg(long, default_value_t = 0.0)]
    pub post_filter_mm: f64,
    /// scatter fraction S/(T+S), e.g. the scanner's NEMA value
    #[arg(long, default_value_t = 0.0)]
    pub scatter_fraction: f64,
    /// randoms fraction R/(T+S+R)
    #[arg(long, default_value_t = 0.0)]
    pub randoms_fraction: f64,
    /// positron histories of the range kernel (0: no positron range)
    #[arg(long, value_parser = crate::cli::args::count, default_value_t = 20_000)]
    pub positron_histories: u64,
    /// projection angles (default: pi/2 x image diagonal in voxels, at most crystals/2)
    #[arg(long)]
    pub views: Option<usize>,
    /// injected activity (MBq) for the SUV image
    #[arg(long)]
    pub injected_mbq: Option<f64>,
    /// body weight (kg) for SUV (default: the phantom's mass)
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// time from injection to scan start (min), for SUV
    #[arg(long, default_value_t = 60.0)]
    pub uptake_min: f64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// output folder of the simulated scan (volumes, summary.json, figures)
    #[arg(long)]
    pub out: PathBuf,
}

/// The library spec of the arguments (all but `--out`), with progress messages.
fn spec(a: &PetArgs) -> PetScanSpec {
    PetScanSpec {
        phantom: a.phantom.clone(),
        labels: a.labels.clone(),
        label_names: a.label_names.clone(),
        series: a.series.clone(),
        activity: a.activity.clone(),
        uniform_bq_ml: a.uniform_bq_ml,
        sphere_to_background: a.sphere_to_background,
        background_bq_ml: a.background_bq_ml,
        nuclide: a.nuclide.clone(),
        decay_data: a.decay_data,
        scanner: a.scanner.clone(),
        duration_s: a.duration_s,
        noise_free: a.noise_free,
        iterations: a.iterations,
        subsets: a.subsets,
        voxel_mm: a.voxel_mm,
        groups: a.groups.clone(),
        psf: a.psf,
        post_filter_mm: a.post_filter_mm,
        scatter_fraction: a.scatter_fraction,
        randoms_fraction: a.randoms_fraction,
        positron_histories: a.positron_histories,
        views: a.views,
        injected_mbq: a.injected_mbq,
        weight_kg: a.weight_kg,
        uptake_min: a.uptake_min,
        seed: a.seed,
        threads: a.threads,
        progress: true,
    }
}

/// Runs `theradose pet`.
pub fn run(args: &PetArgs) -> Result<()> {
    theradose::run::guard::check_writable_dir(&args.out)?;
    let r = scan(&Context::load()?, &spec(args))?;
    r.write(&args.out)?;
    figure(
        &r.phantom,
        &r.recon_bq_ml,
        &r.truth_bq_ml,
        &args.out.join("pet.png"),
    )?;
    eprintln!(
        "wrote {}: central mean {:.1} Bq/mL (true {:.1})",
        args.out.display(),
        r.summary.mean_bq_ml_central,
        r.summary.true_bq_ml_central
    );
    Ok(())
}

/// The reconstruction as a wash over the phantom's density in the axial (transverse) plane
/// holding the most true activity, with the region outlines.
fn figure(ph: &Phantom, recon: &[f64], truth: &[f64], path: &Path) -> Result<()> {
    use theradose::study::maps::{self, MapStyle};
    let [nx, ny, nz] = ph.grid.dims;
    let slab_sum = |k: usize| truth[k * nx * ny..(k + 1) * nx * ny].iter().sum::<f64>();
    let k = (0..nz).fold(0, |b, k| if slab_sum(k) > slab_sum(b) { k } else { b });
    let spec = theradose::plot::FiguresSpec {
        slices: vec!["axial".into()],
        ..theradose::plot::current()
    };
    let title = format!("{}: reconstruction", ph.name);
    let style = MapStyle {
        title: &title,
        colorbar_label: "activity (Bq/mL)",
        colormap: theradose::plot::Colormap::Inferno,
        range: None,
        log_scale: false,
        isolevels: &[],
        iso_unit: "",
        notes: &[],
    };
    maps::anatomy_map(ph, &spec, [nx / 2, ny / 2, k], recon, path, &style)?;
    Ok(())
}
