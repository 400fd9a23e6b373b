//! `theradose dose`: the command-line face of [`theradose::study::dose`] (absorbed dose from a
//! time-integrated activity map by Monte Carlo, voxel S-values or local deposition).
//! Writes `dose.nii.gz` (Gy), `regions.csv`, `dvh.csv`, `dvh.png`, `dose_coronal.png` and
//! `summary.json`; `mc` also writes `uncertainty.nii.gz` and checkpoints to `tally.bin`.

use anyhow::Result;
use std::path::PathBuf;
use theradose::context::Context;
use theradose::study::dose::{run_files, DoseFiles, DoseMethod, DoseSpec};

/// Arguments of `theradose dose`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "A folder that already holds a checkpoint or results is refused unless --resume (continue it; a larger --histories extends a finished run) or --force (replace it).\n\nExamples:\n  theradose dose --method mc --phantom adult --tia tia/tia.nii.gz --nuclide Lu-177 --histories 1e6 --out dose_mc\n  theradose dose --method mc --phantom adult --tia tia/tia.nii.gz --nuclide Lu-177 --histories 4e6 --resume --out dose_mc\n  theradose dose --method vsv --phantom adult --tia tia/tia.nii.gz --nuclide Lu-177 --tissue-kernels --out dose_vsv"
)]
pub struct DoseArgs {
    /// mc (Monte Carlo), vsv (voxel S-value convolution) or ldm (local deposition)
    #[arg(long)]
    pub method: String,
    /// built-in phantom name (`theradose phantom list`) or phantom TOML, voxelised at the
    /// voxel size of --tia; or a CT in HU (DICOM folder or file, NIfTI, MetaImage; Schneider
    /// calibration; anisotropic voxels allowed), onto whose grid --tia is resampled
    /// (activity-conserving) when it lies on another
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
    /// optional shape groups of the phantom, e.g. lesions
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// time-integrated activity map (Bq s per voxel, NIfTI or MetaImage) on the phantom grid
    #[arg(long)]
    pub tia: PathBuf,
    /// radionuclide, e.g. Lu-177
    #[arg(long)]
    pub nuclide: String,
    /// include the decay chain at secular equilibrium (e.g. Ac-225 and its daughters)
    #[arg(long)]
    pub chain: bool,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
    /// Monte Carlo decays (mc)
    #[arg(long, value_parser = crate::cli::args::count, default_value_t = 1_000_000)]
    pub histories: u64,
    /// random seed: the same seed gives the same result, bit for bit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// mc: stop when the mean dose of --region reaches this relative uncertainty (1 sigma)
    #[arg(long)]
    pub target_uncertainty: Option<f64>,
    /// region for --target-uncertainty
    #[arg(long)]
    pub region: Option<String>,
    /// vsv: kernel medium (ignored with --tissue-kernels)
    #[arg(long, default_value = "soft-tissue")]
    pub kernel_medium: String,
    /// vsv: one kernel per tissue class (soft-tissue, lung, cortical-bone) by voxel material
    #[arg(long)]
    pub tissue_kernels: bool,
    /// vsv: scale the dose by kernel density / voxel density
    #[arg(long)]
    pub density_correction: bool,
    /// vsv: kernel half-width in voxels (S for offsets 0..n-1 per axis); default covers 6 cm
    #[arg(long)]
    pub kernel_n: Option<usize>,
    /// vsv: decays per kernel (per chain member)
    #[arg(long, value_parser = crate::cli::args::count, default_value_t = 2_000_000)]
    pub kernel_histories: u64,
    /// vsv: folder of cached kernels (default: the user's cache folder, $XDG_CACHE_HOME/theradose/vsv or ~/.cache/theradose/vsv)
    #[arg(long)]
    pub kernel_cache: Option<PathBuf>,
    /// doses (Gy) for the V(x Gy) columns of regions.csv
    #[arg(long, value_delimiter = ',', default_values_t = vec![2.0, 5.0, 10.0, 20.0])]
    pub v_gy: Vec<f64>,
    /// extra region: a mask volume on the phantom grid (nonzero voxels), named by its file
    #[arg(long)]
    pub mask: Vec<PathBuf>,
    /// also write the dose as DICOM RT Dose (DIR/dose.dcm, 32-bit, DoseGridScaling); on a
    /// DICOM CT it joins the CT's patient, study and frame of reference
    #[arg(long)]
    pub dicom: bool,
    /// output folder
    #[arg(long)]
    pub out: PathBuf,
    /// mc: continue the checkpoint (tally.bin) in --out; a larger --histories extends a
    /// finished run to the result of one longer run
    #[arg(long)]
    pub resume: bool,
    /// replace the checkpoint and results in --out (without --resume or --force a folder
    /// holding them is refused)
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
}

impl DoseArgs {
    /// The library job of these arguments.
    ///
    /// # Errors
    /// An unknown method (a spec error on `method`).
    pub fn to_job(&self) -> Result<DoseFiles> {
        let spec = DoseSpec {
            method: DoseMethod::parse(&self.method)?,
            nuclide: self.nuclide.clone(),
            chain: self.chain,
            histories: self.histories,
            seed: self.seed,
            threads: self.threads,
            target_uncertainty: self.target_uncertainty,
            region: self.region.clone(),
            kernel_medium: self.kernel_medium.clone(),
            tissue_kernels: self.tissue_kernels,
            density_correction: self.density_correction,
            kernel_n: self.kernel_n,
            kernel_histories: self.kernel_histories,
            kernel_cache: self.kernel_cache.clone(),
            decay_data: self.decay_data,
        };
        Ok(DoseFiles {
            phantom: self.phantom.clone(),
            labels: self.labels.clone(),
            label_names: self.label_names.clone(),
            series: self.series.clone(),
            groups: self.groups.clone(),
            tia: self.tia.clone(),
            masks: self.mask.clone(),
            v_gy: self.v_gy.clone(),
            dicom: self.dicom,
            out: self.out.clone(),
            spec,
            existing: theradose::run::guard::Existing::of_flags(self.resume, self.force),
        })
    }
}

/// Runs `theradose dose`.
pub fn run(args: &DoseArgs) -> Result<()> {
    let job = args.to_job()?;
    let ctx = Context::load()?;
    theradose::run::install_interrupt_handler();
    let r = run_files(&ctx, &job).inspect_err(super::run::print_hint)?;
    eprintln!(
        "dose ({}) written to {}; regions.csv: {} regions",
        args.method,
        args.out.display(),
        r.regions.len()
    );
    println!(
        "{:<20} {:>12} {:>13} {:>10} {:>13} {:>13}",
        "region", "mass (g)", "mean (Gy)", "rel. unc.", "D90 (Gy)", "D2 (Gy)"
    );
    for g in &r.regions {
        println!(
            "{:<20} {:>12.3} {:>13.4e} {:>9.2}% {:>13.4e} {:>13.4e}",
            g.name,
            g.mass_g,
            g.mean_gy,
            100.0 * g.rel_uncertainty,
            g.d90_gy,
            g.d2_gy
        );
    }
    super::run::print_figure_of_merit(&r.method_info);
    Ok(())
}
