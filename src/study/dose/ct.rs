//! A patient's (or animal's) CT as the phantom of a dose: a DICOM folder or file, NIfTI or
//! MetaImage in HU, converted with the Schneider calibration (or the one given), with labels
//! from a label map (+ names file) or an RTSTRUCT; and the TIA map carried onto the CT grid.

use crate::context::Context;
use crate::dosimetry::resample::{resample, ResampleMode};
use crate::io::dicom::DoseReference;
use crate::io::image::{in_units, read_image, ImageUnits};
use crate::io::labels::read_label_names;
use crate::io::Volume;
use crate::materials::HuCalibration;
use crate::phantom::Phantom;
use anyhow::{bail, Result};
use std::path::Path;

/// True when a `phantom` argument names a CT rather than a built-in phantom (a name or a
/// phantom TOML): an existing folder, a NIfTI or MetaImage file, or another existing file that
/// is not `.toml` (a DICOM file).
pub fn is_ct(phantom: &str) -> bool {
    crate::io::image::is_image_path(Path::new(phantom))
}

/// The phantom of a CT with optional labels (a label map with an optional names file, or an
/// RTSTRUCT), and, for a DICOM CT, what an RT Dose needs to reference it. `series` chooses a
/// SeriesInstanceUID when the folder holds several CT series (else the error lists them).
///
/// # Errors
/// Unreadable files, a DICOM image not in HU, labels on another grid.
pub fn ct_phantom(
    ctx: &Context,
    ct_path: &Path,
    labels: Option<&Path>,
    names: Option<&Path>,
    calibration: Option<&Path>,
    series: Option<&str>,
) -> Result<(Phantom, Option<DoseReference>)> {
    let img = read_image(ct_path, series.or(Some("CT")))?;
    let hu = if img.dicom.is_some() {
        in_units(ct_path, &img, ImageUnits::Hu)?
    } else {
        img.volume.clone()
    };
    let cal = match calibration {
        Some(p) => HuCalibration::from_file(p)?,
        None => HuCalibration::default_schneider()?,
    };
    let names = match names {
        Some(p) => read_label_names(p)?,
        None => Vec::new(),
    };
    let ph = Phantom::from_ct_volume(
        ct_path,
        hu,
        &cal,
        &ctx.materials,
        labels.map(|l| (l, names.as_slice())),
    )?;
    let reference = img.dicom.map(|d| DoseReference {
        identity: d.identity,
        instances: d.instances,
    });
    Ok((ph, reference))
}

/// The TIA map (Bq s per voxel) on the phantom's grid: as it is when the grids agree, else
/// resampled conserving activity. A map that leaves more than half its activity outside the
/// CT is refused, with both geometries in RAS+ named (a map written in LPS lands mirrored).
///
/// # Errors
/// Grids that cannot be resampled, or that barely overlap.
pub fn tia_on_grid(tia: Volume<f64>, tia_path: &Path, ph: &Phantom) -> Result<Volume<f64>> {
    if tia.grid.same_geometry(&ph.grid, 1e-3) {
        return Ok(tia);
    }
    let total: f64 = tia.data.iter().sum();
    let out = resample(&tia, &ph.grid, ResampleMode::ConserveActivity)?;
    let kept: f64 = out.data.iter().sum();
    if total > 0.0 && kept < 0.5 * total {
        bail!(
            "{}: only {:.1}% of the TIA lies inside the CT: map {} of {:?} mm at origin {:?} mm, direction {:?} (RAS+), CT {} of {:?} mm at {:?} mm, direction {:?} (RAS+); a map whose geometry is in LPS lands mirrored in x and y",
            tia_path.display(),
            100.0 * kept / total,
            tia.grid.dims_string(),
            tia.grid.spacing_mm,
            tia.grid.origin_mm,
            tia.grid.direction,
            ph.grid.dims_string(),
            ph.grid.spacing_mm,
            ph.grid.origin_mm,
            ph.grid.direction,
        );
    }
    eprintln!(
        "{}: resampled from {} of {:?} mm onto the CT grid {} of {:?} mm, {:.2}% of the activity kept",
        tia_path.display(),
        tia.grid.dims_string(),
        tia.grid.spacing_mm,
        ph.grid.dims_string(),
        ph.grid.spacing_mm,
        if total > 0.0 { 100.0 * kept / total } else { 100.0 }
    );
    Ok(out)
}
