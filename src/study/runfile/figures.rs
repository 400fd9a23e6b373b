//! The figure of a run: `dose_coronal.png`.

use crate::plot;
use crate::run::problem::Problem;
use crate::study::common::coronal_figure;
use anyhow::Result;
use std::path::Path;

/// Coronal slice (x-z plane) through the source (centroid of its voxels) of the dose (in
/// `unit`), with region outlines; voxels below 0.01 g/cm3 (air) are blanked, their dose being
/// meaningless noise over a tiny mass.
///
/// # Errors
/// When the PNG cannot be written.
pub fn dose_coronal_png(problem: &Problem, dose: &[f64], path: &Path, unit: &str) -> Result<()> {
    let ph = &problem.phantom;
    let [nx, ny, _] = ph.grid.dims;
    let j = match &problem.source.spatial {
        crate::source::Spatial::Point(p) => (p.y / ph.voxel_cm[1]).floor().max(0.0) as usize,
        crate::source::Spatial::Voxels { voxels, .. } => {
            let s: f64 = voxels
                .iter()
                .map(|&v| ((v as usize / nx) % ny) as f64)
                .sum();
            (s / voxels.len().max(1) as f64).round() as usize
        }
    }
    .min(ny - 1);
    let title = format!(
        "{}: dose, coronal slice j = {} (y = {:.0} mm)",
        problem.file.name,
        j,
        (j as f64 + 0.5) * ph.grid.spacing_mm[1]
    );
    let cb = format!("dose ({unit})");
    let value = |v: usize| if ph.density[v] >= 0.01 { dose[v] } else { 0.0 };
    coronal_figure(
        ph,
        j,
        value,
        path,
        &title,
        &cb,
        plot::Colormap::Inferno,
        true,
        None,
    )
}
