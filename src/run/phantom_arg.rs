//! The `--phantom` argument of the commands (`dose`, `pet`, `svalues`): a built-in phantom
//! name or phantom TOML, or a CT (DICOM folder or file, NIfTI or MetaImage in HU) with optional
//! labels (a label map with a names file, an RTSTRUCT or a DICOM SEG), as a [`PhantomSpec`].

use super::spec::PhantomSpec;
use crate::io::image::is_image_path;
use crate::io::labels::read_label_names;
use anyhow::{bail, Result};
use std::path::Path;

/// The phantom spec of a `--phantom` argument: a CT when [`is_image_path`] says so (then
/// `voxel_mm` and `groups` do not apply, and `series` chooses among several CT series of a
/// DICOM folder), else a built-in phantom at `voxel_mm` with `groups`.
///
/// # Errors
/// Labels, a names file or a series with a built-in phantom, an unreadable names file.
pub fn phantom_spec(
    phantom: &str,
    labels: Option<&Path>,
    label_names: Option<&Path>,
    series: Option<&str>,
    voxel_mm: Option<f64>,
    groups: &[String],
) -> Result<PhantomSpec> {
    if !is_image_path(Path::new(phantom)) {
        if let Some(s) = series {
            bail!("series {s}: a series applies to a CT phantom, not to the built-in phantom '{phantom}'");
        }
        if let Some(l) = labels.or(label_names) {
            bail!(
                "labels {}: labels apply to a CT phantom, not to the built-in phantom '{phantom}'",
                l.display()
            );
        }
        return Ok(PhantomSpec {
            builtin: Some(phantom.to_string()),
            ct: None,
            ct_series: None,
            labels: None,
            label_names: Default::default(),
            hu_calibration: None,
            voxel_mm: voxel_mm.map(Into::into),
            groups: groups.to_vec(),
            world: None,
        });
    }
    let names = match label_names {
        Some(p) => read_label_names(p)?,
        None => Vec::new(),
    };
    Ok(PhantomSpec {
        builtin: None,
        ct: Some(phantom.into()),
        ct_series: series.map(String::from),
        labels: labels.map(Path::to_path_buf),
        label_names: names
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        hu_calibration: None,
        voxel_mm: None,
        world: None,
        groups: Vec::new(),
    })
}
