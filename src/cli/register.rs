//! `theradose register`: the command-line face of [`theradose::dosimetry::register`] (rigid
//! registration of a time point's CT to the reference CT, applied to its emission image).

use anyhow::Result;
use std::path::PathBuf;
use theradose::dosimetry::register::{apply_rigid, axial_pair, register_rigid};
use theradose::io::image::read_image;
use theradose::io::write_volume;
use theradose::plot::{overlay_png, Overlay};

/// Arguments of `theradose register`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  theradose register --fixed day1/ct --moving day4/ct --apply day4/spect.nii.gz --out day4_registered"
)]
pub struct RegisterArgs {
    /// reference image (the first time point's CT): DICOM folder or file, NIfTI, MetaImage
    #[arg(long)]
    pub fixed: PathBuf,
    /// image to register to it (this time point's CT)
    #[arg(long)]
    pub moving: PathBuf,
    /// images on the moving image's frame to carry onto the fixed grid (e.g. the SPECT of
    /// this time point; values interpolated as concentrations)
    #[arg(long, value_delimiter = ',')]
    pub apply: Vec<PathBuf>,
    /// output folder: transform.json, moving_registered.nii.gz, <name>_registered.nii.gz and
    /// check.png (the central axial slice: the fixed image in green, the registered one in
    /// magenta, grey where they agree; HU window -200..400 for CTs)
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `theradose register`.
pub fn run(a: &RegisterArgs) -> Result<()> {
    theradose::run::guard::check_writable_dir(&a.out)?;
    let fixed = read_image(&a.fixed, None)?;
    let moving = read_image(&a.moving, None)?;
    let r = register_rigid(&fixed.volume, &moving.volume)?;
    std::fs::create_dir_all(&a.out)?;
    theradose::io::write_file_atomic(
        &a.out.join("transform.json"),
        serde_json::to_string_pretty(&r)?.as_bytes(),
    )?;
    let grid = &fixed.volume.grid;
    let moved = apply_rigid(&moving.volume, grid, &r.transform)?;
    write_volume(
        &a.out.join("moving_registered.nii.gz"),
        &moved,
        "registered",
    )?;
    let k = grid.dims[2] / 2;
    let (f, m, width, height) = axial_pair(&fixed.volume, &moved, k);
    let title = format!("registration check, axial slice k = {k}");
    overlay_png(
        &a.out.join("check.png"),
        &Overlay {
            fixed: &f,
            moving: &m,
            width,
            height,
            pixel_mm: [grid.spacing_mm[0], grid.spacing_mm[1]],
            window: window(&f),
            title: &title,
            x_label: "i (mm)",
            y_label: "j (mm)",
        },
    )?;
    for p in &a.apply {
        let img = read_image(p, None)?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = name.split('.').next().unwrap_or("image").to_string();
        let v = apply_rigid(&img.volume, grid, &r.transform)?;
        write_volume(
            &a.out.join(format!("{stem}_registered.nii.gz")),
            &v,
            "registered",
        )?;
    }
    let t = r.transform;
    eprintln!(
        "rigid: rotation {:.3} deg, translation [{:.2}, {:.2}, {:.2}] mm, NCC {:.4} -> {}",
        t.angle_rad().to_degrees(),
        t.translation_mm[0],
        t.translation_mm[1],
        t.translation_mm[2],
        r.ncc,
        a.out.display()
    );
    Ok(())
}

/// The display window of a check image: -200..400 HU for a CT (values below -500 present),
/// else the range of the fixed slice.
fn window(fixed: &[f64]) -> (f64, f64) {
    let lo = fixed.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = fixed.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if lo < -500.0 {
        (-200.0, 400.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}
