//! Maps of a study over its phantom: the per-voxel quantity as a colour wash over the density
//! in grey, in the planes of `[figures] slices` through `[figures] through` (else the study's
//! target), with the outlines of `[figures] regions` ([`crate::plot::map_png`]).

use crate::error::spec_error;
use crate::phantom::Phantom;
use crate::plot::{self, Colormap, FiguresSpec, MapNote, MapPanel, Plane, Through};
use anyhow::Result;
use std::path::Path;

/// The density shown black (air) and white (dense bone), g/cm3.
pub const DENSITY_WINDOW: (f64, f64) = (0.0, 1.8);

/// The voxel nearest a region's centroid, if the region has voxels.
pub fn region_centroid(ph: &Phantom, id: u16) -> Option<[usize; 3]> {
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for (v, _) in ph.label.iter().enumerate().filter(|(_, &l)| l == id) {
        let (i, j, k) = ph.ijk(v);
        sum[0] += i as f64;
        sum[1] += j as f64;
        sum[2] += k as f64;
        n += 1.0;
    }
    (n > 0.0).then(|| [0, 1, 2].map(|a| (sum[a] / n).round() as usize))
}

/// The voxel the planes pass through: `[figures] through` (a region's centroid or a point in
/// world mm), else the centroid of `default_region`, else the grid's centre.
///
/// # Errors
/// A [`crate::error::SpecError`] of `figures.through`: an unknown or empty region, a point
/// outside the phantom.
pub fn through_voxel(
    ph: &Phantom,
    spec: &FiguresSpec,
    default_region: Option<&str>,
) -> Result<[usize; 3]> {
    let centre = ph.grid.dims.map(|d| d / 2);
    match &spec.through {
        Some(Through::Region(name)) => {
            let id = ph
                .region_id(name)
                .map_err(|e| spec_error("figures.through", format!("{e:#}")))?;
            region_centroid(ph, id).ok_or_else(|| {
                spec_error("figures.through", format!("region '{name}' has no voxel"))
            })
        }
        Some(Through::PointMm(p)) => {
            let v = ph.voxel_at(ph.world_to_local(*p)).ok_or_else(|| {
                spec_error(
                    "figures.through",
                    format!("point {p:?} mm lies outside the phantom"),
                )
            })?;
            let (i, j, k) = ph.ijk(v);
            Ok([i, j, k])
        }
        None => Ok(default_region
            .and_then(|r| ph.region_id(r).ok())
            .filter(|&id| id != 0)
            .and_then(|id| region_centroid(ph, id))
            .unwrap_or(centre)),
    }
}

/// The planes of `[figures] slices`, in the order axial, coronal, sagittal.
pub fn planes(spec: &FiguresSpec) -> Vec<Plane> {
    plot::PLANES
        .iter()
        .filter(|p| spec.shows_plane(p))
        .filter_map(|p| Plane::parse(p))
        .collect()
}

/// The ids of the regions to outline: every region but the background, or those named in
/// `[figures] regions`; none when `[figures] outlines = false`.
pub fn outline_ids(ph: &Phantom, spec: &FiguresSpec) -> Vec<u16> {
    if !spec.outlines {
        return Vec::new();
    }
    ph.regions
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| spec.shows_region(&r.name))
        .map(|(id, _)| id as u16)
        .collect()
}

/// How one map is drawn.
#[derive(Debug, Clone, Copy)]
pub struct MapStyle<'a> {
    pub title: &'a str,
    pub colorbar_label: &'a str,
    pub colormap: Colormap,
    pub range: Option<(f64, f64)>,
    pub log_scale: bool,
    /// iso-lines at these values, labelled `value iso_unit`
    pub isolevels: &'a [f64],
    pub iso_unit: &'a str,
    pub notes: &'a [MapNote<'a>],
}

/// Writes the map of `values` (one per voxel of `ph`) over its density in the planes of `spec`
/// through `at`, with the region outlines of `spec`. Returns whether the figure was written
/// (not when it has nothing to show; the reason is printed).
///
/// # Errors
/// A figure that cannot be written.
pub fn anatomy_map(
    ph: &Phantom,
    spec: &FiguresSpec,
    at: [usize; 3],
    values: &[f64],
    path: &Path,
    style: &MapStyle,
) -> Result<bool> {
    let density: Vec<f64> = ph.density.iter().map(|&d| f64::from(d)).collect();
    let panels: Vec<MapPanel> = planes(spec)
        .into_iter()
        .map(|plane| MapPanel {
            values,
            plane,
            label: "",
        })
        .collect();
    let outline = outline_ids(ph, spec);
    let fig = plot::MapFigure {
        title: style.title,
        grid: &ph.grid,
        panels: &panels,
        through: at,
        colorbar_label: style.colorbar_label,
        colormap: style.colormap,
        range: style.range,
        log_scale: style.log_scale,
        anatomy: Some(&density),
        anatomy_window: DENSITY_WINDOW,
        labels: Some(&ph.label),
        outline: &outline,
        isolevels: style.isolevels,
        iso_unit: style.iso_unit,
        notes: style.notes,
    };
    plot::with_figures(spec, || plot::written(plot::map_png(path, &fig)))
}

/// The value below which the top `1 - q` of `values` lie where `inside` holds (the
/// `q`-quantile), e.g. the 99.5th percentile of the dose in the body, so that single noisy
/// voxels set neither the colour scale nor the isodose levels.
pub fn quantile_where(values: &[f64], inside: impl Fn(usize) -> bool, q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values
        .iter()
        .enumerate()
        .filter(|(k, x)| inside(*k) && x.is_finite())
        .map(|(_, x)| *x)
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let k = ((q * v.len() as f64) as usize).min(v.len() - 1);
    Some(v[k])
}

/// Whether a region is a target (tumour, lesion, GTV/CTV/PTV) rather than an organ at risk.
pub fn is_target(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["tumour", "tumor", "lesion", "gtv", "ptv", "ctv"]
        .iter()
        .any(|t| lower.contains(t))
}

/// What a DVH figure shows: region names, the dose grid and one curve per region.
#[derive(Debug, Clone, Copy)]
pub struct DvhCurves<'a> {
    pub names: &'a [String],
    pub grid: &'a [f64],
    /// per region, the value at each grid dose (e.g. the volume fraction receiving at least it)
    pub curves: &'a [Vec<f64>],
    /// the factor from a curve's values to the y axis' unit (100 for %)
    pub y_scale: f64,
}

/// Writes a DVH in two panels, targets (`is_target` or `extra_target`) and organs at risk,
/// each with its legend beside it; the regions of `[figures] regions` only. Returns whether it
/// was written.
///
/// # Errors
/// A figure that cannot be written.
pub fn dvh_panels_png(
    path: &Path,
    title: &str,
    d: &DvhCurves,
    (x_label, y_label): (&str, &str),
    extra_target: Option<&str>,
) -> Result<bool> {
    let spec = plot::current();
    let pts: Vec<Vec<(f64, f64)>> = d
        .curves
        .iter()
        .map(|c| {
            d.grid
                .iter()
                .zip(c)
                .map(|(x, f)| (*x, d.y_scale * f))
                .collect()
        })
        .collect();
    let (mut targets, mut oars) = (Vec::new(), Vec::new());
    for (p, n) in pts.iter().zip(d.names) {
        if !spec.shows_region(n) {
            continue;
        }
        let s = plot::Series {
            name: n,
            points: p,
            y_err: None,
            y_band: None,
            scatter: false,
        };
        if is_target(n) || extra_target == Some(n.as_str()) {
            targets.push(s);
        } else {
            oars.push(s);
        }
    }
    let panel = |title, series| plot::LinePanel {
        title,
        x_label,
        y_label,
        series,
        log_y: false,
    };
    let panels = [
        panel("targets", &targets[..]),
        panel("organs at risk", &oars[..]),
    ];
    plot::written(plot::line_panels_png(path, title, &panels))
}
