//! `theradose image info|convert` and `theradose rtstruct`: the command-line faces of
//! [`theradose::io::image`] (any image with what is known of it) and
//! [`theradose::io::dicom::rtstruct`] (contours rasterised onto a CT).

use anyhow::Result;
use std::path::PathBuf;
use theradose::io::dicom::structure_labels;
use theradose::io::image::{counts_to_bq_ml, in_units, read_image, ImageUnits};

/// Subcommands of `theradose image`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ImageCmd {
    /// Print what is known of an image as JSON: format, modality, dims, spacing_mm, origin_mm,
    /// direction (RAS+), units, series_instance_uid, series (all found) and, for PET,
    /// suv_bw_factor, decay_correction, injected_mbq, weight_kg, injection_time, scan_start.
    #[command(
        after_help = "Examples:\n  theradose image info ct_dicom/\n  theradose image info spect.nii.gz"
    )]
    Info {
        /// DICOM folder or file, NIfTI or MetaImage
        path: PathBuf,
        /// DICOM series to read (SeriesInstanceUID or modality) when the folder holds several
        #[arg(long)]
        series: Option<String>,
    },
    /// Write an image as NIfTI (or MetaImage) with its geometry, in the units asked for.
    #[command(
        after_help = "Examples:\n  theradose image convert pet_dicom/ --units suv --out pet_suv.nii.gz\n  theradose image convert ct_dicom/ --out ct.nii.gz"
    )]
    Convert {
        /// DICOM folder or file, NIfTI or MetaImage
        path: PathBuf,
        /// output volume (.nii.gz, .nii, .mhd, .mha)
        #[arg(long)]
        out: PathBuf,
        /// DICOM series (SeriesInstanceUID or modality)
        #[arg(long)]
        series: Option<String>,
        /// bq_ml, suv, hu or counts (default: the units of the image); bq_ml of an NM image
        /// in counts needs --calibration-cps-per-mbq
        #[arg(long)]
        units: Option<String>,
        /// NM in counts: system sensitivity, counts per second per MBq
        #[arg(long)]
        calibration_cps_per_mbq: Option<f64>,
        /// NM in counts: acquisition time (s), when the header lacks it
        #[arg(long)]
        acquisition_s: Option<f64>,
    },
}

/// Arguments of `theradose rtstruct`.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Example:\n  theradose rtstruct rs.dcm --ct ct_dicom/ --out labels.nii.gz")]
pub struct RtstructArgs {
    /// RTSTRUCT file (or a DICOM SEG)
    pub rtstruct: PathBuf,
    /// the CT the contours were drawn on (DICOM folder, NIfTI or MetaImage)
    #[arg(long)]
    pub ct: PathBuf,
    /// label map to write (.nii.gz, .nii, .mhd); labels.json is written beside it
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `theradose image ...`.
pub fn run(cmd: &ImageCmd) -> Result<()> {
    match cmd {
        ImageCmd::Info { path, series } => {
            let img = read_image(path, series.as_deref())?;
            println!("{}", serde_json::to_string_pretty(&img.info)?);
        }
        ImageCmd::Convert {
            path,
            out,
            series,
            units,
            calibration_cps_per_mbq,
            acquisition_s,
        } => {
            let img = read_image(path, series.as_deref())?;
            let wanted = units.as_deref().map(ImageUnits::parse).transpose()?;
            let vol = match (wanted, calibration_cps_per_mbq) {
                (Some(ImageUnits::BqMl), Some(cf)) => {
                    counts_to_bq_ml(path, &img, *cf, *acquisition_s)?
                }
                (Some(u), _) => in_units(path, &img, u)?,
                (None, _) => img.volume.clone(),
            };
            let unit = units.clone().unwrap_or_else(|| img.info.units.clone());
            let desc = format!("theradose {} {}", img.info.modality, unit);
            theradose::io::write_volume(out, &vol, &desc)?;
            eprintln!(
                "{} {} ({}) in {unit} -> {}",
                img.info.modality,
                img.volume.grid.dims_string(),
                img.info.format,
                out.display()
            );
        }
    }
    Ok(())
}

/// Runs `theradose rtstruct`: writes the label map and labels.json, prints each ROI's volume.
pub fn rtstruct(a: &RtstructArgs) -> Result<()> {
    let ct = read_image(&a.ct, Some("CT"))?;
    let map = structure_labels(&a.rtstruct, &ct.volume.grid)?;
    map.write(&a.out)?;
    println!("id,name,volume_ml,label_volume_ml");
    for r in map.summary() {
        println!(
            "{},{},{:.3},{:.3}",
            r.id, r.name, r.volume_ml, r.label_volume_ml
        );
    }
    eprintln!(
        "{} ROIs -> {} and {}",
        map.names.len(),
        a.out.display(),
        a.out.with_file_name("labels.json").display()
    );
    Ok(())
}
