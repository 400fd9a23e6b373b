//! A phantom's regions as a qualitative map: each region a colour of [`REGION_PALETTE`] (no
//! colour twice in a figure) washed over the density in grey, in axial, coronal and sagittal
//! panels, with smooth outlines, a legend beside the panels, a scale bar and orientation
//! letters in the patient's frame.

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{drawing, font, render, sizes, Canvas, Figure, Shape};
use super::common::{DESC_PT, LEGEND_PT, TITLE_PT};
use super::contour;
use super::map_marks::draw_frame_marks;
use super::panel::{common_scale, plane_image, Plane, PlaneImage};
use super::raster::Raster;
use super::{options, NothingToShow};
use crate::io::Grid;

/// Kelly's colours of maximum contrast (K. L. Kelly, "Twenty-two colors of maximum contrast",
/// Color Engineering 3(6):26-27, 1965; sRGB values as in common use), less white, black and
/// grey, which would read as density: 19 colours, none used twice in a figure.
pub const REGION_PALETTE: [RGBColor; 19] = [
    RGBColor(0xF3, 0xC3, 0x00), // vivid yellow
    RGBColor(0x87, 0x56, 0x92), // strong purple
    RGBColor(0xF3, 0x84, 0x00), // vivid orange
    RGBColor(0xA1, 0xCA, 0xF1), // very light blue
    RGBColor(0xBE, 0x00, 0x32), // vivid red
    RGBColor(0xC2, 0xB2, 0x80), // greyish yellow
    RGBColor(0x00, 0x88, 0x56), // vivid green
    RGBColor(0xE6, 0x8F, 0xAC), // strong purplish pink
    RGBColor(0x00, 0x67, 0xA5), // strong blue
    RGBColor(0xF9, 0x93, 0x79), // strong yellowish pink
    RGBColor(0x60, 0x4E, 0x97), // strong violet
    RGBColor(0xF6, 0xA6, 0x00), // vivid orange yellow
    RGBColor(0xB3, 0x44, 0x6C), // strong purplish red
    RGBColor(0xDC, 0xD3, 0x00), // vivid greenish yellow
    RGBColor(0x88, 0x2D, 0x17), // strong reddish brown
    RGBColor(0x8D, 0xB6, 0x00), // vivid yellowish green
    RGBColor(0x65, 0x45, 0x22), // deep yellowish brown
    RGBColor(0xE2, 0x58, 0x22), // vivid reddish orange
    RGBColor(0x2B, 0x3D, 0x26), // dark olive green
];

/// What a region map shows.
#[derive(Debug, Clone, Copy)]
pub struct RegionMapFigure<'a> {
    /// The title above the panels.
    pub title: &'a str,
    /// The voxel grid (world coordinates RAS+, mm).
    pub grid: &'a Grid,
    /// Region id per voxel (0: background, never coloured).
    pub labels: &'a [u16],
    /// Region names by id (the legend's entries).
    pub names: &'a [String],
    /// Density (g/cm3) per voxel, drawn in grey under the colours.
    pub density: &'a [f64],
    /// The densities drawn black and white.
    pub density_window: (f64, f64),
    /// The planes of the panels, left to right.
    pub planes: &'a [Plane],
    /// The voxel every plane passes through.
    pub through: [usize; 3],
    /// The region ids coloured and listed (0, the background, never is).
    pub regions: &'a [u16],
}

/// Writes a region map ([`RegionMapFigure`]) in the formats of the `[figures]` settings in
/// force. Regions cut by no panel are left out of the legend; past [`REGION_PALETTE`]'s 19
/// colours, regions are outlined only (a white swatch in the legend).
///
/// # Errors
/// Arrays whose length is not the grid's voxel count, a voxel outside the grid, no plane;
/// [`NothingToShow`] when no panel cuts a region; a file that cannot be written.
pub fn region_map_png(path: &Path, fig: &RegionMapFigure) -> anyhow::Result<()> {
    validate(fig).with_context(|| format!("figure {}", path.display()))?;
    let images: Vec<PlaneImage<u16>> = fig
        .planes
        .iter()
        .map(|&p| plane_image(fig.grid, fig.labels, p, fig.through))
        .collect();
    let wanted = |id: u16| id != 0 && fig.regions.contains(&id);
    let mut shown: Vec<u16> = images
        .iter()
        .flat_map(|im| im.values.iter().copied())
        .filter(|&id| wanted(id))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    if shown.is_empty() {
        return Err(
            NothingToShow(format!("{}: no region in the planes drawn", path.display())).into(),
        );
    }
    let colours = shown
        .iter()
        .enumerate()
        .map(|(n, &id)| (id, REGION_PALETTE.get(n).copied()))
        .collect();
    render(
        path,
        &RegionPlot {
            fig: *fig,
            images,
            colours,
        },
    )
}

fn validate(f: &RegionMapFigure) -> anyhow::Result<()> {
    let n: usize = f.grid.dims.iter().product();
    ensure!(!f.planes.is_empty(), "region map without planes");
    ensure!(n > 0, "empty grid {:?}", f.grid.dims);
    ensure!(
        f.labels.len() == n,
        "labels: {} for {n} voxels",
        f.labels.len()
    );
    ensure!(
        f.density.len() == n,
        "density: {} for {n} voxels",
        f.density.len()
    );
    ensure!(
        (0..3).all(|a| f.through[a] < f.grid.dims[a]),
        "voxel {:?} outside the grid {:?}",
        f.through,
        f.grid.dims
    );
    Ok(())
}

struct RegionPlot<'a> {
    fig: RegionMapFigure<'a>,
    images: Vec<PlaneImage<u16>>,
    /// The regions shown, in legend order, with their colour (`None`: outlined only).
    colours: Vec<(u16, Option<RGBColor>)>,
}

/// Drawing units: the legend column, a panel's title band, the gap around panels, a legend row.
const LEGEND_W: u32 = 190;
const SUB_H: u32 = 30;
const GAP: u32 = 8;
const ROW_H: u32 = 21;
const TITLE_H: u32 = 40;
/// Opacity of a region's colour over the grey density.
const FILL_ALPHA: f64 = 0.55;

impl RegionPlot<'_> {
    /// The width of one panel and the tallest image (drawing units) on a canvas `w` wide.
    fn layout(&self, w: u32) -> (u32, u32) {
        let n = self.images.len() as u32;
        let panel_w = (w.saturating_sub(LEGEND_W) / n.max(1)).max(40);
        let img_w = f64::from(panel_w.saturating_sub(2 * GAP).max(1));
        let k = common_scale(self.extents(), (img_w, f64::INFINITY));
        let tallest = self.extents().map(|e| k * e.1).fold(0.0, f64::max);
        (panel_w, tallest.round() as u32)
    }

    fn extents(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.images.iter().map(|im| im.extent_mm)
    }

    fn colour_of(&self, id: u16) -> Option<RGBColor> {
        self.colours
            .iter()
            .find(|(r, _)| *r == id)
            .and_then(|(_, c)| *c)
    }
}

impl Figure for RegionPlot<'_> {
    fn shape(&self) -> Shape {
        let wide = self.images.len() > 1;
        let w = sizes(&options::current(), Shape { wide, aspect: 1.0 })
            .units
            .0;
        let (_, tallest) = self.layout(w);
        let legend = ROW_H * self.colours.len() as u32 + 2 * GAP;
        let h = f64::from(TITLE_H + SUB_H + tallest.max(legend) + 3 * GAP);
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
        let (panel_w, _) = self.layout(w);
        let style = font(TITLE_PT).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(self.fig.title, &style, (w as i32 / 2, TITLE_H as i32 / 2))
            .map_err(drawing)?;
        let mut x = 0;
        for n in 0..self.images.len() {
            let area = root
                .clone()
                .shrink((x, TITLE_H), (panel_w, h.saturating_sub(TITLE_H)));
            self.draw_panel(&area, n, cx)?;
            x += panel_w;
        }
        let legend = root.clone().shrink(
            (x + GAP, TITLE_H + SUB_H + GAP),
            (
                w.saturating_sub(x + GAP),
                h.saturating_sub(TITLE_H + SUB_H + GAP),
            ),
        );
        self.draw_legend(&legend)
    }
}

impl RegionPlot<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        n: usize,
        cx: &Canvas,
    ) -> anyhow::Result<()> {
        let labels = &self.images[n];
        let (aw, ah) = area.dim_in_pixel();
        let style = font(DESC_PT).pos(Pos::new(HPos::Center, VPos::Center));
        area.draw_text(&labels.title, &style, (aw as i32 / 2, SUB_H as i32 / 2))
            .map_err(drawing)?;
        let (ex, ey) = labels.extent_mm;
        let avail = (
            f64::from(aw.saturating_sub(2 * GAP).max(1)),
            f64::from(ah.saturating_sub(SUB_H + 2 * GAP).max(1)),
        );
        let k = common_scale(self.extents(), avail);
        let (bw, bh) = ((ex * k).round() as u32, (ey * k).round() as u32);
        let img = area.clone().shrink(
            (aw.saturating_sub(bw) / 2, SUB_H + GAP),
            (bw.max(1), bh.max(1)),
        );
        let plane = self.fig.planes[n];
        let density = plane_image(self.fig.grid, self.fig.density, plane, self.fig.through);
        self.place_raster(&img, labels, &density, cx);
        let mut chart = ChartBuilder::on(&img)
            .build_cartesian_2d(0.0..ex, 0.0..ey)
            .map_err(drawing)?;
        let to_mm = |(x, y): (f64, f64)| (x * labels.pixel_mm[0], ey - y * labels.pixel_mm[1]);
        let line = WHITE.mix(0.85).stroke_width(1);
        for &(id, _) in &self.colours {
            let ind: Vec<f64> = labels
                .values
                .iter()
                .map(|&l| f64::from(u8::from(l == id)))
                .collect();
            for l in contour::isolines(&ind, labels.w, labels.h, 0.5) {
                let pts: Vec<_> = l.into_iter().map(to_mm).collect();
                chart
                    .draw_series([PathElement::new(pts, line)])
                    .map_err(drawing)?;
            }
        }
        draw_frame_marks(&img, labels, k)
    }

    /// The grey density with each sample's region colour over it; a sample takes the region
    /// of the largest bilinear weight among its four nearest voxels, so that the colours end
    /// where the smooth outlines run.
    fn place_raster<DB: DrawingBackend>(
        &self,
        img: &DrawingArea<DB, Shift>,
        labels: &PlaneImage<u16>,
        density: &PlaneImage<f64>,
        cx: &Canvas,
    ) {
        let (bw, bh) = img.dim_in_pixel();
        let (x0, y0) = img.get_base_pixel();
        let (rw, rh) = super::raster::raster_size((bw, bh), cx.px_per_unit, labels.w, labels.h);
        let (lo, hi) = self.fig.density_window;
        let mut rgb = Vec::with_capacity((rw * rh * 3) as usize);
        for v in 0..rh {
            let y = (f64::from(v) + 0.5) / f64::from(rh) * labels.h as f64 - 0.5;
            for u in 0..rw {
                let x = (f64::from(u) + 0.5) / f64::from(rw) * labels.w as f64 - 0.5;
                let g = ((density.sample(x, y) - lo) / (hi - lo).max(1e-9)).clamp(0.0, 1.0);
                let grey = g * 255.0;
                let mix = |c: u8, a: f64| ((1.0 - a) * grey + a * f64::from(c)).round() as u8;
                let px = match self.colour_of(region_at(labels, x, y)) {
                    Some(c) => [
                        mix(c.0, FILL_ALPHA),
                        mix(c.1, FILL_ALPHA),
                        mix(c.2, FILL_ALPHA),
                    ],
                    None => [mix(0, 0.0); 3],
                };
                rgb.extend(px);
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

    /// One row per region shown: its colour (white when outlined only) and its name.
    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let style = font(LEGEND_PT).pos(Pos::new(HPos::Left, VPos::Center));
        for (n, &(id, colour)) in self.colours.iter().enumerate() {
            let y = (n as u32 * ROW_H) as i32;
            let sw = (ROW_H - 6) as i32;
            let fill = colour.unwrap_or(WHITE);
            area.draw(&Rectangle::new(
                [(0, y + 3), (sw, y + 3 + sw)],
                fill.filled(),
            ))
            .map_err(drawing)?;
            area.draw(&Rectangle::new(
                [(0, y + 3), (sw, y + 3 + sw)],
                BLACK.stroke_width(1),
            ))
            .map_err(drawing)?;
            let name = self
                .fig
                .names
                .get(usize::from(id))
                .map_or_else(|| format!("region {id}"), Clone::clone);
            let text = if colour.is_some() {
                name
            } else {
                format!("{name} (outline)")
            };
            area.draw_text(&text, &style, (sw + 6, y + ROW_H as i32 / 2))
                .map_err(drawing)?;
        }
        Ok(())
    }
}

/// The region at `(x, y)` (pixel-centre units): of the four voxels around the point, the
/// region whose bilinear weights sum highest.
fn region_at(im: &PlaneImage<u16>, x: f64, y: f64) -> u16 {
    let x = x.clamp(0.0, (im.w - 1) as f64);
    let y = y.clamp(0.0, (im.h - 1) as f64);
    let (c0, r0) = (x.floor() as usize, y.floor() as usize);
    let (c1, r1) = ((c0 + 1).min(im.w - 1), (r0 + 1).min(im.h - 1));
    let (tx, ty) = (x - c0 as f64, y - r0 as f64);
    let corners = [
        (im.values[r0 * im.w + c0], (1.0 - tx) * (1.0 - ty)),
        (im.values[r0 * im.w + c1], tx * (1.0 - ty)),
        (im.values[r1 * im.w + c0], (1.0 - tx) * ty),
        (im.values[r1 * im.w + c1], tx * ty),
    ];
    let weight = |id: u16| -> f64 {
        corners
            .iter()
            .filter(|(l, _)| *l == id)
            .map(|(_, w)| w)
            .sum()
    };
    corners
        .iter()
        .map(|&(l, _)| l)
        .max_by(|&a, &b| weight(a).total_cmp(&weight(b)).then(b.cmp(&a)))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_never_repeats_a_colour() {
        for (a, ca) in REGION_PALETTE.iter().enumerate() {
            for (b, cb) in REGION_PALETTE.iter().enumerate().skip(a + 1) {
                assert_ne!(ca, cb, "colours {a} and {b}");
            }
        }
    }

    #[test]
    fn a_sample_takes_the_region_of_the_larger_weight() {
        let g = Grid::new([2, 2, 1], [1.0, 1.0, 1.0]);
        let im = plane_image(&g, &[1u16, 2, 1, 2], Plane::Axial, [0, 0, 0]);
        // columns: which voxel lies left depends on the grid's direction; take the values
        let left = im.values[0];
        let right = im.values[1];
        assert_eq!(region_at(&im, 0.2, 0.5), left);
        assert_eq!(region_at(&im, 0.8, 0.5), right);
    }
}
