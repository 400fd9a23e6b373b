//! The image-slice figure: pixels as filled rectangles, outlines, iso-lines and a colour bar.

use std::path::Path;

use anyhow::{bail, ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::color_scale::{draw_colorbar, finite_min_max, ColorScale};
use super::colormap::{Colormap, OKABE_ITO};
use super::common::{drawing, font, render, Canvas, Figure};
use super::common::{DESC_PT, LEGEND_PT, TICK_PT, TITLE_PT};
use super::contour;
use super::raster::Raster;
use super::ticks::{self, TickAxis};

/// A 2-D image slice: values row-major, `width` columns (first image axis, drawn left to right)
/// and `height` rows (second axis, drawn bottom to top, i.e. row 0 at the bottom), each pixel
/// `pixel_mm = [dx, dy]` in size.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a> {
    /// `width * height` values, row-major (index `row * width + column`).
    pub values: &'a [f64],
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
    /// Pixel size (mm) along the columns and the rows.
    pub pixel_mm: [f64; 2],
}

/// How to draw a [`Slice`].
#[derive(Debug, Clone, Copy)]
pub struct SliceFigure<'a> {
    /// The title above the image.
    pub title: &'a str,
    /// The colour bar label with its unit, e.g. "dose (Gy)".
    pub colorbar_label: &'a str,
    /// The horizontal axis label, e.g. "x (mm)".
    pub x_label: &'a str,
    /// The vertical axis label, e.g. "z (mm)".
    pub y_label: &'a str,
    /// The colour map.
    pub colormap: Colormap,
    /// A logarithmic colour scale over `[max * 1e-3, max]` (or over `range` when given and
    /// positive).
    pub log_scale: bool,
    /// The values at the bottom and top of the colour scale; else min..max of finite values.
    pub range: Option<(f64, f64)>,
    /// Optional label map of the same size: region outlines (pixel edges where the label
    /// changes) are drawn in thin white lines.
    pub outline_labels: Option<&'a [u16]>,
    /// Optional iso-lines as fractions of the maximum finite value (e.g. `[0.2, 0.5, 0.8]`),
    /// smooth contours of the bilinearly interpolated image in distinct colours with a legend;
    /// may be empty.
    pub isolines: &'a [f64],
}

/// Writes an image slice as PNG and SVG (the formats of the `[figures]` settings in force, see
/// [`super::with_figures`], and the format of the path's extension): axes in mm, the image
/// with its true aspect ratio, a vertical colour bar with ticks and its label, and the optional
/// region outlines and iso-lines. NaN and infinite values are drawn in the lowest colour.
///
/// # Errors
/// When `values` (or `outline_labels`) does not hold `width * height` entries, the size is zero,
/// a pixel size is not positive and finite, `range` is not finite or reversed, or the file
/// cannot be written.
pub fn slice_png(path: &Path, slice: &Slice, fig: &SliceFigure) -> anyhow::Result<()> {
    validate(slice, fig).with_context(|| format!("figure {}", path.display()))?;
    render(path, &SlicePlot::new(slice, fig))
}

/// Layout in pixels: label areas, margin, colour bar column and bar width.
const Y_LABEL_PX: u32 = 80;
const X_LABEL_PX: u32 = 60;
const MARGIN_PX: u32 = 14;
const CBAR_COLUMN_PX: u32 = 140;
/// Iso-line colours: Okabe-Ito orange, sky blue, green, purple, yellow, vermillion.
const ISO_COLORS: [RGBColor; 6] = [
    OKABE_ITO[1],
    OKABE_ITO[5],
    OKABE_ITO[2],
    OKABE_ITO[4],
    OKABE_ITO[6],
    OKABE_ITO[3],
];

/// Checks sizes and numbers once, so that drawing can assume them.
pub(super) fn validate(s: &Slice, fig: &SliceFigure) -> anyhow::Result<()> {
    ensure!(
        s.width > 0 && s.height > 0,
        "image size {}x{}, expected at least 1x1",
        s.width,
        s.height
    );
    let n = s.width.saturating_mul(s.height);
    ensure!(
        s.values.len() == n,
        "image values: {} entries, expected {}x{} = {n}",
        s.values.len(),
        s.width,
        s.height
    );
    if let Some(labels) = fig.outline_labels {
        ensure!(
            labels.len() == n,
            "outline_labels: {} entries, expected {n} like the image",
            labels.len()
        );
    }
    ensure!(
        s.pixel_mm.iter().all(|d| d.is_finite() && *d > 0.0),
        "pixel_mm {:?}: expected positive finite sizes",
        s.pixel_mm
    );
    if let Some((lo, hi)) = fig.range {
        ensure!(
            lo.is_finite() && hi.is_finite() && lo <= hi,
            "colour range ({lo}, {hi}): expected finite values with min <= max"
        );
    }
    if let Some(f) = fig.isolines.iter().find(|f| !f.is_finite()) {
        bail!("iso-line fraction {f}: expected a finite fraction of the maximum");
    }
    Ok(())
}

/// A validated slice and its figure settings.
pub(super) struct SlicePlot<'a> {
    slice: Slice<'a>,
    fig: SliceFigure<'a>,
    scale: ColorScale,
}

impl<'a> SlicePlot<'a> {
    pub(super) fn new(slice: &Slice<'a>, fig: &SliceFigure<'a>) -> Self {
        let scale = ColorScale::new(slice.values, fig.range, fig.log_scale);
        Self {
            slice: *slice,
            fig: *fig,
            scale,
        }
    }

    fn extent_mm(&self) -> (f64, f64) {
        let s = &self.slice;
        (
            s.width as f64 * s.pixel_mm[0],
            s.height as f64 * s.pixel_mm[1],
        )
    }
}

/// Where the image goes: the horizontal offset and width of the image column, the image size
/// and the extra space above and below it, all in pixels.
struct Layout {
    left_pad: u32,
    column_w: u32,
    top_pad: u32,
    bottom_pad: u32,
}

fn layout(area: (u32, u32), extent_mm: (f64, f64)) -> Layout {
    let avail_w = area
        .0
        .saturating_sub(CBAR_COLUMN_PX + Y_LABEL_PX + 2 * MARGIN_PX)
        .max(1);
    let avail_h = area.1.saturating_sub(X_LABEL_PX + 2 * MARGIN_PX).max(1);
    let px_per_mm = (avail_w as f64 / extent_mm.0).min(avail_h as f64 / extent_mm.1);
    let img_w = ((extent_mm.0 * px_per_mm).round() as u32).clamp(1, avail_w);
    let img_h = ((extent_mm.1 * px_per_mm).round() as u32).clamp(1, avail_h);
    let extra_h = avail_h - img_h;
    Layout {
        left_pad: (avail_w - img_w) / 2,
        column_w: Y_LABEL_PX + 2 * MARGIN_PX + img_w,
        top_pad: extra_h / 2,
        bottom_pad: extra_h - extra_h / 2,
    }
}

impl Figure for SlicePlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Canvas,
    ) -> anyhow::Result<()> {
        let body = root
            .titled(self.fig.title, font(TITLE_PT))
            .map_err(drawing)?;
        let (ex, ey) = self.extent_mm();
        let lay = layout(body.dim_in_pixel(), (ex, ey));
        let (_, rest) = body.split_horizontally(lay.left_pad);
        let (main, rest) = rest.split_horizontally(lay.column_w);
        let (cbar, _) = rest.split_horizontally(CBAR_COLUMN_PX);

        let (xt, sx) = ticks::linear(0.0, ex, 7);
        let (yt, sy) = ticks::linear(0.0, ey, 7);
        let mut chart = ChartBuilder::on(&main)
            .margin(MARGIN_PX)
            .margin_top(MARGIN_PX + lay.top_pad)
            .margin_bottom(MARGIN_PX + lay.bottom_pad)
            .x_label_area_size(X_LABEL_PX)
            .y_label_area_size(Y_LABEL_PX)
            .build_cartesian_2d(TickAxis::new(0.0, ex, xt), TickAxis::new(0.0, ey, yt))
            .map_err(drawing)?;
        let fx = |v: &f64| ticks::label(*v, sx);
        let fy = |v: &f64| ticks::label(*v, sy);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.fig.x_label)
            .y_desc(self.fig.y_label)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(TICK_PT))
            .axis_desc_style(font(DESC_PT))
            .draw()
            .map_err(drawing)?;

        cx.image(self.raster(&chart, cx));
        if let Some(labels) = self.fig.outline_labels {
            let segs = self.edges(|a, b| labels[a] != labels[b]);
            chart
                .draw_series(segs.into_iter().map(|s| PathElement::new(s, WHITE)))
                .map_err(drawing)?;
        }
        self.draw_isolines(&mut chart)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (ex, ey)],
                BLACK.stroke_width(1),
            )))
            .map_err(drawing)?;

        let top = MARGIN_PX + lay.top_pad;
        let bottom = MARGIN_PX + lay.bottom_pad + X_LABEL_PX;
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

type Seg = Vec<(f64, f64)>;

impl SlicePlot<'_> {
    /// The image as one raster over the plot area, a PNG pixel per sample up to 8 samples
    /// per image pixel (nearest pixel: the image's own pixels stay visible).
    fn raster<DB: DrawingBackend>(
        &self,
        chart: &ChartContext<DB, Cartesian2d<TickAxis, TickAxis>>,
        cx: &Canvas,
    ) -> Raster {
        let s = &self.slice;
        let (ex, ey) = self.extent_mm();
        let (x0, y1) = chart.backend_coord(&(0.0, 0.0));
        let (x1, y0) = chart.backend_coord(&(ex, ey));
        let n = |units: i32, pixels: usize| {
            let want = (f64::from(units.max(1)) * cx.px_per_unit).round();
            want.min(8.0 * pixels as f64).max(pixels as f64) as u32
        };
        let (rw, rh) = (n(x1 - x0, s.width), n(y1 - y0, s.height));
        let mut rgb = Vec::with_capacity((rw * rh * 3) as usize);
        for v in 0..rh {
            // raster rows top down; image row 0 at the bottom
            let j = s.height - 1 - (v as usize * s.height / rh as usize);
            for u in 0..rw {
                let i = u as usize * s.width / rw as usize;
                let c = self
                    .fig
                    .colormap
                    .rgb(self.scale.t(s.values[j * s.width + i]));
                rgb.extend([c.0, c.1, c.2]);
            }
        }
        Raster {
            x0: f64::from(x0),
            y0: f64::from(y0),
            x1: f64::from(x1),
            y1: f64::from(y1),
            w: rw,
            h: rh,
            rgb,
        }
    }

    /// Pixel edges (in mm) between neighbours `a`, `b` (flat indices) where `differs(a, b)`,
    /// with collinear neighbouring edges merged into one segment.
    fn edges(&self, differs: impl Fn(usize, usize) -> bool) -> Vec<Seg> {
        let s = &self.slice;
        let (w, h) = (s.width, s.height);
        let [dx, dy] = s.pixel_mm;
        let mut segs = Vec::new();
        // Vertical edges at x = (i + 1) dx, between columns i and i + 1, runs along rows.
        for i in 0..w.saturating_sub(1) {
            let x = (i + 1) as f64 * dx;
            let on = |j: usize| differs(j * w + i, j * w + i + 1);
            for (j0, j1) in runs(h, on) {
                segs.push(vec![(x, j0 as f64 * dy), (x, j1 as f64 * dy)]);
            }
        }
        // Horizontal edges at y = (j + 1) dy, between rows j and j + 1, runs along columns.
        for j in 0..h.saturating_sub(1) {
            let y = (j + 1) as f64 * dy;
            let on = |i: usize| differs(j * w + i, (j + 1) * w + i);
            for (i0, i1) in runs(w, on) {
                segs.push(vec![(i0 as f64 * dx, y), (i1 as f64 * dx, y)]);
            }
        }
        segs
    }

    fn draw_isolines<'a, DB: DrawingBackend + 'a, CT>(
        &self,
        chart: &mut ChartContext<'a, DB, CT>,
    ) -> anyhow::Result<()>
    where
        CT: CoordTranslate<From = (f64, f64)>,
    {
        let Some((_, max)) = finite_min_max(self.slice.values) else {
            return Ok(());
        };
        if self.fig.isolines.is_empty() || max <= 0.0 {
            return Ok(());
        }
        let s = &self.slice;
        let [dx, dy] = s.pixel_mm;
        for (n, &frac) in self.fig.isolines.iter().enumerate() {
            let level = frac * max;
            let color = ISO_COLORS[n % ISO_COLORS.len()];
            let style = color.stroke_width(2);
            let lines = contour::isolines(s.values, s.width, s.height, level);
            let segs = lines.into_iter().map(|l| {
                l.into_iter()
                    .map(|(x, y)| (x * dx, y * dy))
                    .collect::<Seg>()
            });
            chart
                .draw_series(segs.into_iter().map(|s| PathElement::new(s, style)))
                .map_err(drawing)?
                .label(format!("{} % of max", percent(frac)))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(LEGEND_PT))
            .draw()
            .map_err(drawing)
    }
}

/// Maximal runs `[start, end)` of indices in `0..n` where `on` holds.
fn runs(n: usize, on: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for k in 0..=n {
        match (start, k < n && on(k)) {
            (None, true) => start = Some(k),
            (Some(s), false) => {
                out.push((s, k));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// A fraction as a percentage without needless decimals: 0.5 -> "50", 0.125 -> "12.5".
fn percent(frac: f64) -> String {
    let p = frac * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{:.0}", p)
    } else {
        format!("{}", (p * 100.0).round() / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig() -> SliceFigure<'static> {
        SliceFigure {
            title: "",
            colorbar_label: "",
            x_label: "",
            y_label: "",
            colormap: Colormap::Gray,
            log_scale: false,
            range: None,
            outline_labels: None,
            isolines: &[],
        }
    }

    #[test]
    fn scale_handles_constant_nan_and_log() {
        let s = ColorScale::new(&[0.0, 0.0], fig().range, fig().log_scale);
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
        assert_eq!(s.t(0.0), 0.0);
        let s = ColorScale::new(
            &[f64::NAN, 2.0, 4.0, f64::INFINITY],
            fig().range,
            fig().log_scale,
        );
        assert_eq!((s.lo, s.hi), (2.0, 4.0));
        assert_eq!(s.t(f64::NAN), 0.0);
        assert_eq!(s.t(3.0), 0.5);
        let log = SliceFigure {
            log_scale: true,
            ..fig()
        };
        let s = ColorScale::new(&[0.0, 10.0], log.range, log.log_scale);
        assert!((s.lo - 0.01).abs() < 1e-15);
        assert!((s.t(0.1f64.sqrt()) - 0.5).abs() < 1e-12);
        assert_eq!(s.t(0.0), 0.0);
    }

    #[test]
    fn runs_and_edges() {
        assert_eq!(
            runs(5, |k| k == 1 || k == 2 || k == 4),
            vec![(1, 3), (4, 5)]
        );
        let labels = [0u16, 1, 1, 1];
        let values = [0.0; 4];
        let slice = Slice {
            values: &values,
            width: 2,
            height: 2,
            pixel_mm: [1.0, 2.0],
        };
        let plot = SlicePlot::new(&slice, &fig());
        let segs = plot.edges(|a, b| labels[a] != labels[b]);
        assert_eq!(
            segs,
            vec![vec![(1.0, 0.0), (1.0, 2.0)], vec![(0.0, 2.0), (1.0, 2.0)]]
        );
        assert_eq!(percent(0.5), "50");
        assert_eq!(percent(0.125), "12.5");
    }
}
