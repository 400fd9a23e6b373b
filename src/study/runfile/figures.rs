//! The figure of a run: `dose_coronal.png`, the dose over the phantom's density.

use crate::plot::{Colormap, FiguresSpec};
use crate::run::problem::Problem;
use crate::study::maps::{self, MapStyle};
use anyhow::Result;
use std::path::Path;

/// The dose (in `unit`) as a wash over the phantom's density in a coronal panel through the
/// source (the centroid of its voxels) or `[figures] through`, with region outlines; voxels
/// below 0.01 g/cm3 (air) are blanked, their dose being meaningless noise over a tiny mass.
/// The other formats of `[figures]` are written beside it.
///
/// # Errors
/// When the figure cannot be written.
pub fn dose_coronal_png(problem: &Problem, dose: &[f64], path: &Path, unit: &str) -> Result<()> {
    let ph = &problem.phantom;
    let spec = FiguresSpec {
        slices: vec!["coronal".into()],
        ..crate::plot::effective(&problem.file.figures)
    };
    spec.check()?;
    let at = match &spec.through {
        Some(_) => maps::through_voxel(ph, &spec, None)?,
        None => source_voxel(problem),
    };
    let value: Vec<f64> = (0..ph.len())
        .map(|v| if ph.density[v] >= 0.01 { dose[v] } else { 0.0 })
        .collect();
    let max = value
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let style = MapStyle {
        title: &format!("{}: absorbed dose", problem.file.name),
        colorbar_label: &format!("dose ({unit})"),
        colormap: Colormap::Magma,
        range: (max > 0.0).then_some((max * 1e-3, max)),
        log_scale: true,
        isolevels: &[],
        iso_unit: "",
        notes: &[],
    };
    maps::anatomy_map(ph, &spec, at, &value, path, &style)?;
    Ok(())
}

/// The voxel of a point source or a beam's aim point, or the voxel nearest the centroid of a voxel source.
fn source_voxel(problem: &Problem) -> [usize; 3] {
    let ph = &problem.phantom;
    let centre = ph.grid.dims.map(|d| d / 2);
    match &problem.source.spatial {
        crate::source::Spatial::Point(p)
        | crate::source::Spatial::Beam {
            placement: crate::source::beam::Placement { aim: p, .. },
            ..
        } => ph
            .voxel_at(*p)
            .map(|v| {
                let (i, j, k) = ph.ijk(v);
                [i, j, k]
            })
            .unwrap_or(centre),
        crate::source::Spatial::Voxels { voxels, .. } => {
            let mut s = [0.0; 3];
            for &v in voxels {
                let (i, j, k) = ph.ijk(v as usize);
                s[0] += i as f64;
                s[1] += j as f64;
                s[2] += k as f64;
            }
            let n = voxels.len().max(1) as f64;
            let d = ph.grid.dims;
            [0, 1, 2].map(|a| ((s[a] / n).round() as usize).min(d[a] - 1))
        }
    }
}
