//! `theradose tia-map`: a time-integrated activity map from registered serial activity images
//! ([`theradose::dosimetry::tia_map`]).

use anyhow::Result;
use std::path::PathBuf;
use theradose::dosimetry::tia_map::{tia_map_images, TiaMapSpec};

/// Arguments of `theradose tia-map`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  theradose tia-map --times-h 4,24,96 --images d0.nii.gz,d1.nii.gz,d4.nii.gz --nuclide Lu-177 --out tia"
)]
pub struct TiaMapArgs {
    /// scan times after administration (h), increasing, one per image
    #[arg(long, value_delimiter = ',', required = true)]
    pub times_h: Vec<f64>,
    /// activity images (NIfTI or MetaImage), one per time, registered to each other
    #[arg(long, value_delimiter = ',', required = true)]
    pub images: Vec<PathBuf>,
    /// radionuclide (physical decay of the tail and the lower bound of fitted rates)
    #[arg(long)]
    pub nuclide: String,
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
    /// image units: bq-ml (activity concentration) or bq (activity per voxel)
    #[arg(long, default_value = "bq-ml")]
    pub units: String,
    /// factor applied to every image value first
    #[arg(long, default_value_t = 1.0)]
    pub calibration: f64,
    /// voxel model: mono (default), auto (AICc, ten times slower), bi, uptake, trapezoid
    #[arg(long, default_value = "mono")]
    pub model: String,
    /// relative noise (1 sigma) of a voxel value, for the fit weights and the uncertainty map
    #[arg(long, default_value_t = 0.1)]
    pub noise_rel: f64,
    /// resample every image to the grid of this volume (default: the first image's grid)
    #[arg(long)]
    pub grid_like: Option<PathBuf>,
    /// make the map on a CT's grid (DICOM folder or file, NIfTI, MetaImage in HU; or a
    /// built-in phantom at the images' voxel size): no TIA in air, and with --labels the TIA of
    /// each region in summary.json
    #[arg(long)]
    pub phantom: Option<String>,
    /// with a CT --phantom: regions from a label map on the CT grid, an RTSTRUCT or a DICOM SEG
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// names of the ids of a --labels label map: JSON {"1": "liver"} or CSV id,name
    #[arg(long)]
    pub label_names: Option<PathBuf>,
    /// with a CT folder holding several CT series: the SeriesInstanceUID of the one to use
    /// (without it the error lists the series)
    #[arg(long)]
    pub series: Option<String>,
    /// output folder: tia.nii.gz (Bq s per voxel), tia_uncertainty.nii.gz, summary.json
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `theradose tia-map`: the maps and summary into `--out`.
pub fn run(a: &TiaMapArgs) -> Result<()> {
    let spec = TiaMapSpec {
        times_h: a.times_h.clone(),
        images: a.images.clone(),
        nuclide: a.nuclide.clone(),
        decay_data: a.decay_data,
        units: a.units.clone(),
        calibration: a.calibration,
        model: a.model.clone(),
        noise_rel: a.noise_rel,
        grid_like: a.grid_like.clone(),
        phantom: a.phantom.clone(),
        labels: a.labels.clone(),
        label_names: a.label_names.clone(),
        series: a.series.clone(),
    };
    theradose::run::guard::check_writable_dir(&a.out)?;
    let r = tia_map_images(&spec)?;
    for note in &r.resampled {
        eprintln!("{note}");
    }
    r.write(&a.out)?;
    for g in &r.summary.regions {
        eprintln!(
            "{}: {:.4e} MBq h ({:.1} mL)",
            g.name, g.tia_mbq_h, g.volume_ml
        );
    }
    eprintln!(
        "TIA map: {:.4e} MBq h in total -> {}",
        r.summary.tia_total_mbq_h,
        a.out.join("tia.nii.gz").display()
    );
    Ok(())
}
