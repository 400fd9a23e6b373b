//! The two-image overlay of a registration check: the fixed image in the green channel and
//! the moving (registered) image in red and blue, each scaled over the same window. Where the
//! images agree the pixel is grey; where only the fixed image is bright it is green, where only
//! the moving one is, magenta.

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{drawing, font, render, Canvas, Figure};
use super::common::{DESC_PT, LEGEND_PT, TICK_PT, TITLE_PT};
use super::ticks::{self, TickAxis};

/// Two slices of the same size to overlay.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    /// the fixed (reference) image, row-major `width x height` (row 0 at the bottom)
    pub fixed: &'a [f64],
    /// the moving image after registration, on the same pixels
    pub moving: &'a [f64],
    pub width: usize,
    pub height: usize,
    /// pixel size (mm) along the columns and the rows
    pub pixel_mm: [f64; 2],
    /// the values shown black and white in each channel (e.g. an HU window)
    pub window: (f64, f64),
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
}

/// Writes the overlay as PNG (or SVG if the path ends with `.svg`), with axes in mm and a
/// legend of the colours.
///
/// # Errors
/// Images of another size than `width x height`, a pixel size or window that is not positive
/// and finite, or a file that cannot be written.
pub fn overlay_png(path: &Path, o: &Overlay) -> anyhow::Result<()> {
    let n = o.width.saturating_mul(o.height);
    ensure!(n > 0, "overlay of {}x{} pixels", o.width, o.height);
    ensure!(
        o.fixed.len() == n && o.moving.len() == n,
        "overlay: {} and {} values, expected {n}",
        o.fixed.len(),
        o.moving.len()
    );
    ensure!(
        o.pixel_mm.iter().all(|d| d.is_finite() && *d > 0.0),
        "pixel_mm {:?}: expected positive sizes",
        o.pixel_mm
    );
    ensure!(
        o.window.0.is_finite() && o.window.1.is_finite() && o.window.1 > o.window.0,
        "window {:?}: expected finite values, low < high",
        o.window
    );
    render(path, o).with_context(|| format!("figure {}", path.display()))
}

impl Overlay<'_> {
    fn level(&self, v: f64) -> u8 {
        let t = (v - self.window.0) / (self.window.1 - self.window.0);
        (255.0
            * if t.is_finite() {
                t.clamp(0.0, 1.0)
            } else {
                0.0
            })
        .round() as u8
    }
}

impl Figure for Overlay<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _cx: &Canvas,
    ) -> anyhow::Result<()> {
        let body = root.titled(self.title, font(TITLE_PT)).map_err(drawing)?;
        let (ex, ey) = (
            self.width as f64 * self.pixel_mm[0],
            self.height as f64 * self.pixel_mm[1],
        );
        let (w, h) = body.dim_in_pixel();
        // keep the image's aspect: shrink the side that has room to spare
        let (avail_w, avail_h) = (w.saturating_sub(140) as f64, h.saturating_sub(120) as f64);
        let s = (avail_w / ex).min(avail_h / ey);
        let pad_x = ((avail_w - ex * s) / 2.0).max(0.0) as u32;
        let pad_y = ((avail_h - ey * s) / 2.0).max(0.0) as u32;
        let (xt, sx) = ticks::linear(0.0, ex, 7);
        let (yt, sy) = ticks::linear(0.0, ey, 7);
        let mut chart = ChartBuilder::on(&body)
            .margin(14)
            .margin_left(14 + pad_x)
            .margin_right(14 + pad_x)
            .margin_top(14 + pad_y)
            .margin_bottom(14 + pad_y)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(TickAxis::new(0.0, ex, xt), TickAxis::new(0.0, ey, yt))
            .map_err(drawing)?;
        let fx = |v: &f64| ticks::label(*v, sx);
        let fy = |v: &f64| ticks::label(*v, sy);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(TICK_PT))
            .axis_desc_style(font(DESC_PT))
            .draw()
            .map_err(drawing)?;
        let [dx, dy] = self.pixel_mm;
        let rects = (0..self.height).flat_map(|j| {
            (0..self.width).map(move |i| {
                let k = j * self.width + i;
                let (f, m) = (self.level(self.fixed[k]), self.level(self.moving[k]));
                let c = RGBColor(m, f, m);
                let corners = [
                    (i as f64 * dx, j as f64 * dy),
                    ((i + 1) as f64 * dx, (j + 1) as f64 * dy),
                ];
                Rectangle::new(corners, c.filled())
            })
        });
        chart.draw_series(rects).map_err(drawing)?;
        for (label, c) in [
            ("reference only", RGBColor(0, 200, 0)),
            ("registered only", RGBColor(200, 0, 200)),
            ("both (grey)", RGBColor(160, 160, 160)),
        ] {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(drawing)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
        }
        chart
            .configure_series_labels()
            .label_font(font(LEGEND_PT))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(drawing)?;
        Ok(())
    }
}
