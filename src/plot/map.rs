//! Maps over anatomy: a quantity (dose, BED, PET, boron) as a translucent colour wash over the
//! CT or phantom density in greyscale, in axial, coronal and sagittal panels through one voxel,
//! with smooth labelled iso-lines, region outlines, notes at regions, a scale bar, orientation
//! letters in the patient's frame and one colour bar.

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::color_scale::{draw_colorbar, finite_min_max, ColorScale};
use super::colormap::{Colormap, OKABE_ITO};
use super::common::{drawing, font, render, sizes, Canvas, Figure, Shape};
use super::common::{DESC_PT, TITLE_PT};
use super::contour;
use super::map_marks::{draw_frame_marks, label_box, short};
use super::panel::{common_scale, plane_image, Plane, PlaneImage};
use super::raster::Raster;
use super::{options, NothingToShow};
use crate::io::Grid;

/// One panel: a per-voxel quantity of the figure's grid cut in a plane.
#[derive(Debug, Clone, Copy)]
pub struct MapPanel<'a> {
    /// One value per voxel (index `i + nx * (j + ny * k)`).
    pub values: &'a [f64],
    /// The plane through [`MapFigure::through`].
    pub plane: Plane,
    /// Text before the plane's name in the panel's title, e.g. "baseline"; may be empty.
    pub label: &'a str,
}

/// A text at a region's centre in every panel the region is cut by (e.g. "SUVpeak 6.1").
#[derive(Debug, Clone, Copy)]
pub struct MapNote<'a> {
    /// The region id in [`MapFigure::labels`].
    pub region: u16,
    pub text: &'a str,
    /// The panel (index) the note is drawn in; `None`: every panel.
    pub panel: Option<usize>,
}

/// What a map figure shows.
#[derive(Debug, Clone, Copy)]
pub struct MapFigure<'a> {
    /// The title above the panels.
    pub title: &'a str,
    /// The voxel grid of every per-voxel array (world coordinates RAS+, mm).
    pub grid: &'a Grid,
    /// The panels, left to right.
    pub panels: &'a [MapPanel<'a>],
    /// The voxel every plane passes through.
    pub through: [usize; 3],
    /// The colour bar's label with its unit, e.g. "absorbed dose (Gy)".
    pub colorbar_label: &'a str,
    /// A perceptually uniform map ([`Colormap::Viridis`], [`Colormap::Magma`], ...).
    pub colormap: Colormap,
    /// The values at the ends of the colour scale; else the finite range of all panels.
    pub range: Option<(f64, f64)>,
    /// A logarithmic colour scale (three decades under the top unless `range` says).
    pub log_scale: bool,
    /// The anatomy under the wash (CT in HU or density in g/cm3), one value per voxel; without
    /// it the wash is drawn on black.
    pub anatomy: Option<&'a [f64]>,
    /// The anatomy values drawn black and white.
    pub anatomy_window: (f64, f64),
    /// Region ids per voxel (for outlines and notes).
    pub labels: Option<&'a [u16]>,
    /// The region ids outlined (thin white lines, smooth); may be empty.
    pub outline: &'a [u16],
    /// Iso-lines at these values of the quantity, labelled with `value unit`; may be empty.
    pub isolevels: &'a [f64],
    /// The unit written after an iso-line's value, e.g. "Gy".
    pub iso_unit: &'a str,
    /// Texts placed at regions' centres.
    pub notes: &'a [MapNote<'a>],
}

/// Writes a map figure ([`MapFigure`]) in the formats of the `[figures]` settings in force.
///
/// # Errors
/// Arrays whose length is not the grid's voxel count, a voxel outside the grid, no panel, a
/// range that is not finite or reversed; [`NothingToShow`] when no panel holds a finite value;
/// a file that cannot be written.
pub fn map_png(path: &Path, fig: &MapFigure) -> anyhow::Result<()> {
    validate(fig).with_context(|| format!("figure {}", path.display()))?;
    let finite = fig
        .panels
        .iter()
        .any(|p| p.values.iter().any(|v| v.is_finite()));
    if !finite {
        return Err(NothingToShow(format!("{}: no finite value to map", path.display())).into());
    }
    let all: Vec<f64> = fig
        .panels
        .iter()
        .flat_map(|p| p.values.iter().copied())
        .collect();
    let scale = ColorScale::new(&all, fig.range, fig.log_scale);
    let anatomy = fig.anatomy.map(|a| {
        let (lo, hi) = fig.anatomy_window;
        ColorScale::new(a, Some((lo, hi.max(lo + 1e-9))), false)
    });
    render(
        path,
        &MapPlot {
            fig: *fig,
            scale,
            anatomy,
        },
    )
}

fn validate(f: &MapFigure) -> anyhow::Result<()> {
    let n: usize = f.grid.dims.iter().product();
    ensure!(!f.panels.is_empty(), "map figure without panels");
    ensure!(n > 0, "empty grid {:?}", f.grid.dims);
    for p in f.panels {
        ensure!(
            p.values.len() == n,
            "panel '{}': {} values for a grid of {n} voxels",
            p.label,
            p.values.len()
        );
    }
    if let Some(a) = f.anatomy {
        ensure!(a.len() == n, "anatomy: {} values for {n} voxels", a.len());
    }
    if let Some(l) = f.labels {
        ensure!(l.len() == n, "labels: {} values for {n} voxels", l.len());
    }
    ensure!(
        (0..3).all(|a| f.through[a] < f.grid.dims[a]),
        "voxel {:?} outside the grid {:?}",
        f.through,
        f.grid.dims
    );
    if let Some((lo, hi)) = f.range {
        ensure!(
            lo.is_finite() && hi.is_finite() && lo <= hi,
            "colour range ({lo}, {hi}): expected finite values with min <= max"
        );
    }
    Ok(())
}

struct MapPlot<'a> {
    fig: MapFigure<'a>,
    scale: ColorScale,
    anatomy: Option<ColorScale>,
}

/// Drawing units: the colour bar column, a panel's title band, the gap around panels.
const CBAR_W: u32 = 150;
const SUB_H: u32 = 30;
const GAP: u32 = 8;
/// Opacity of the colour wash over the anatomy; the wash fades in over the lowest
/// `FADE` of the colour scale so that the anatomy shows where the quantity is small.
const WASH_ALPHA: f64 = 0.7;
const FADE: f64 = 0.08;
/// The Okabe-Ito colours of iso-lines, in order (orange, sky blue, green, purple, yellow,
/// vermillion, blue): the light ones first, as they read well on grey and on the wash.
const ISO_ORDER: [usize; 7] = [1, 5, 2, 4, 6, 3, 0];

impl MapPlot<'_> {
    fn image(&self, p: &MapPanel) -> PlaneImage {
        plane_image(self.fig.grid, p.values, p.plane, self.fig.through)
    }

    /// The title band, the width of one panel and the tallest image (drawing units) on a
    /// canvas `w` wide.
    fn layout(&self, w: u32) -> (u32, u32, u32) {
        let n = self.fig.panels.len() as u32;
        let title_h = if self.fig.title.is_empty() { GAP } else { 40 };
        let panel_w = (w.saturating_sub(CBAR_W) / n.max(1)).max(40);
        let img_w = f64::from(panel_w.saturating_sub(2 * GAP).max(1));
        let extents: Vec<(f64, f64)> = self
            .fig
            .panels
            .iter()
            .map(|p| self.image(p).extent_mm)
            .collect();
        let k = common_scale(extents.iter().copied(), (img_w, f64::INFINITY));
        let tallest = extents.iter().map(|e| k * e.1).fold(0.0, f64::max);
        (title_h, panel_w, tallest.round() as u32)
    }
}

impl Figure for MapPlot<'_> {
    fn shape(&self) -> Shape {
        let wide = self.fig.panels.len() > 1;
        let spec = options::current();
        let w = sizes(&spec, Shape { wide, aspect: 1.0 }).units.0;
        let (title_h, _, tallest) = self.layout(w);
        let h = f64::from(title_h + SUB_H + tallest + 3 * GAP);
        Shape {
            wide,
            aspect: (h / f64::from(w)).clamp(0.25, 1.6),
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Canvas,
    ) -> anyhow::Result<()> {
        let (w, h) = root.dim_in_pixel();
        let (title_h, panel_w, tallest) = self.layout(w);
        if !self.fig.title.is_empty() {
            let style = font(TITLE_PT).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text(self.fig.title, &style, (w as i32 / 2, title_h as i32 / 2))
                .map_err(drawing)?;
        }
        let mut x = 0;
        for (n, p) in self.fig.panels.iter().enumerate() {
            let area = root
                .clone()
                .shrink((x, title_h), (panel_w, h.saturating_sub(title_h)));
            self.draw_panel(&area, p, n, cx)?;
            x += panel_w;
        }
        let cbar = root.clone().shrink(
            (x, title_h),
            (w.saturating_sub(x), h.saturating_sub(title_h)),
        );
        let top = SUB_H + GAP;
        let bottom = h.saturating_sub(title_h + top + tallest).max(GAP);
        draw_colorbar(
            &cbar,
            cx,
            &self.scale,
            self.fig.colormap,
            self.fig.colorbar_label,
            (top, bottom),
        )
    }
}

impl MapPlot<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &MapPanel,
        n: usize,
        cx: &Canvas,
    ) -> anyhow::Result<()> {
        let im = self.image(p);
        let (aw, ah) = area.dim_in_pixel();
        let title = if p.label.is_empty() {
            im.title.clone()
        } else {
            format!("{}, {}", p.label, im.title)
        };
        let style = font(DESC_PT).pos(Pos::new(HPos::Center, VPos::Center));
        area.draw_text(&title, &style, (aw as i32 / 2, SUB_H as i32 / 2))
            .map_err(drawing)?;
        // the image box: the panel less its title band and gaps, at the image's aspect ratio
        let (ex, ey) = im.extent_mm;
        let avail = (
            f64::from(aw.saturating_sub(2 * GAP).max(1)),
            f64::from(ah.saturating_sub(SUB_H + 2 * GAP).max(1)),
        );
        let extents = self.fig.panels.iter().map(|q| self.image(q).extent_mm);
        let k = common_scale(extents, avail);
        let (bw, bh) = ((ex * k).round() as u32, (ey * k).round() as u32);
        let img = area.clone().shrink(
            (aw.saturating_sub(bw) / 2, SUB_H + GAP),
            (bw.max(1), bh.max(1)),
        );
        let mut chart = ChartBuilder::on(&img)
            .build_cartesian_2d(0.0..ex, 0.0..ey)
            .map_err(drawing)?;
        self.place_raster(&img, p, &im, cx);
        let to_mm = |(x, y): (f64, f64)| (x * im.pixel_mm[0], ey - y * im.pixel_mm[1]);
        self.draw_outlines(&mut chart, &im, p, to_mm)?;
        self.draw_isolines(&mut chart, &im, to_mm)?;
        self.draw_notes(&mut chart, &im, (p, n), to_mm)?;
        draw_frame_marks(&img, &im, k)?;
        Ok(())
    }

    /// The composited image (anatomy in grey under the translucent wash), bilinearly sampled at
    /// the PNG's resolution, placed under the vector drawing.
    fn place_raster<DB: DrawingBackend>(
        &self,
        img: &DrawingArea<DB, Shift>,
        p: &MapPanel,
        im: &PlaneImage,
        cx: &Canvas,
    ) {
        let (bw, bh) = img.dim_in_pixel();
        let (x0, y0) = img.get_base_pixel();
        let (rw, rh) = super::raster::raster_size((bw, bh), cx.px_per_unit, im.w, im.h);
        let anat = self
            .fig
            .anatomy
            .map(|a| plane_image(self.fig.grid, a, p.plane, self.fig.through));
        let alpha = if anat.is_some() { WASH_ALPHA } else { 1.0 };
        let mut rgb = Vec::with_capacity((rw * rh * 3) as usize);
        for v in 0..rh {
            let y = (f64::from(v) + 0.5) / f64::from(rh) * im.h as f64 - 0.5;
            for u in 0..rw {
                let x = (f64::from(u) + 0.5) / f64::from(rw) * im.w as f64 - 0.5;
                let grey = match (&anat, &self.anatomy) {
                    (Some(a), Some(s)) => s.t(a.sample(x, y)),
                    _ => 0.0,
                };
                let t = self.scale.t(im.sample(x, y));
                let c = self.fig.colormap.rgb(t);
                let a = alpha * (t / FADE).clamp(0.0, 1.0);
                let mix = |ch: u8| ((1.0 - a) * grey * 255.0 + a * f64::from(ch)).round() as u8;
                rgb.extend([mix(c.0), mix(c.1), mix(c.2)]);
            }
        }
        cx.image(Raster {
            x0: f64::from(x0),
            y0: f64::from(y0),
            x1: f64::from(x0) + f64::from(bw),
            y1: f64::from(y0) + f64::from(bh),
            w: rw,
            h: rh,
            rgb,
        });
    }

    fn draw_outlines<'b, DB: DrawingBackend + 'b>(
        &self,
        chart: &mut ChartContext<'b, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        im: &PlaneImage,
        p: &MapPanel,
        to_mm: impl Fn((f64, f64)) -> (f64, f64),
    ) -> anyhow::Result<()> {
        let Some(labels) = self.fig.labels else {
            return Ok(());
        };
        let lab = plane_image(self.fig.grid, labels, p.plane, self.fig.through);
        let style = WHITE.mix(0.8).stroke_width(1);
        for &id in self.fig.outline {
            let ind: Vec<f64> = lab
                .values
                .iter()
                .map(|&l| f64::from(u8::from(l == id)))
                .collect();
            if !ind.iter().any(|&v| v > 0.0) {
                continue;
            }
            for l in contour::isolines(&ind, im.w, im.h, 0.5) {
                let pts: Vec<_> = l.into_iter().map(&to_mm).collect();
                chart
                    .draw_series([PathElement::new(pts, style)])
                    .map_err(drawing)?;
            }
        }
        Ok(())
    }

    fn draw_isolines<'b, DB: DrawingBackend + 'b>(
        &self,
        chart: &mut ChartContext<'b, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        im: &PlaneImage,
        to_mm: impl Fn((f64, f64)) -> (f64, f64),
    ) -> anyhow::Result<()> {
        let mut placed: Vec<(f64, f64)> = Vec::new();
        for (n, &level) in self.fig.isolevels.iter().enumerate() {
            let color = OKABE_ITO[ISO_ORDER[n % ISO_ORDER.len()]];
            let lines = contour::isolines(&im.values, im.w, im.h, level);
            let style = color.stroke_width(2);
            for l in &lines {
                let pts: Vec<_> = l.iter().copied().map(&to_mm).collect();
                chart
                    .draw_series([PathElement::new(pts, style)])
                    .map_err(drawing)?;
            }
            // the label on the longest line, at the point farthest from the labels placed
            if let Some(l) = lines
                .iter()
                .max_by(|a, b| contour::length(a).total_cmp(&contour::length(b)))
            {
                let far = |p: &(f64, f64)| {
                    placed
                        .iter()
                        .map(|q| (p.0 - q.0).hypot(p.1 - q.1))
                        .fold(f64::INFINITY, f64::min)
                };
                let at = (0..16)
                    .map(|k| to_mm(l[k * (l.len() - 1) / 16]))
                    .max_by(|a, b| far(a).total_cmp(&far(b)))
                    .unwrap_or_else(|| to_mm(l[0]));
                placed.push(at);
                let text = format!("{} {}", short(level), self.fig.iso_unit);
                label_box(chart, at, &text, color)?;
            }
        }
        Ok(())
    }

    fn draw_notes<'b, DB: DrawingBackend + 'b>(
        &self,
        chart: &mut ChartContext<'b, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        im: &PlaneImage,
        (p, panel): (&MapPanel, usize),
        to_mm: impl Fn((f64, f64)) -> (f64, f64),
    ) -> anyhow::Result<()> {
        let Some(labels) = self.fig.labels else {
            return Ok(());
        };
        let lab = plane_image(self.fig.grid, labels, p.plane, self.fig.through);
        let here = |n: &&MapNote| n.panel.is_none_or(|k| k == panel);
        for note in self.fig.notes.iter().filter(here) {
            let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
            for (k, &l) in lab.values.iter().enumerate() {
                if l == note.region {
                    sx += (k % im.w) as f64 + 0.5;
                    sy += (k / im.w) as f64 + 0.5;
                    n += 1.0;
                }
            }
            if n > 0.0 {
                // just above the region's centre
                let (x, y) = to_mm((sx / n, sy / n));
                let up = 0.08 * im.extent_mm.1;
                label_box(chart, (x, y + up), note.text, BLACK)?;
            }
        }
        Ok(())
    }
}

/// The finite range of every panel (for callers that share one scale between figures).
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    finite_min_max(values)
}
