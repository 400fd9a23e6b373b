//! The colour scale of a slice figure: values to [0, 1], linear or logarithmic, with its ticks.

use super::ticks;

/// The lowest value of a log scale, as a fraction of its top.
const LOG_DECADES_FLOOR: f64 = 1e-3;

/// Maps values to [0, 1] on a linear or logarithmic scale.
#[derive(Debug, Clone, Copy)]
pub(super) struct ColorScale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) log: bool,
}

impl ColorScale {
    /// The scale of `values`, or of a given `range`; `log` for a logarithmic one.
    pub(super) fn new(values: &[f64], range: Option<(f64, f64)>, log: bool) -> Self {
        let (min, max) = finite_min_max(values).unwrap_or((0.0, 1.0));
        let (lo, hi) = range.unwrap_or((min, max));
        if log {
            let hi = if hi > 0.0 { hi } else { 1.0 };
            let lo = if range.is_some() && lo > 0.0 && lo < hi {
                lo
            } else {
                hi * LOG_DECADES_FLOOR
            };
            return Self { lo, hi, log: true };
        }
        if hi > lo {
            Self { lo, hi, log: false }
        } else {
            // A constant image: zero gets the scale 0..1, anything else +-50 % around it.
            let pad = if lo == 0.0 { 1.0 } else { 0.5 * lo.abs() };
            let lo = if lo == 0.0 { 0.0 } else { lo - pad };
            Self {
                lo,
                hi: hi + pad,
                log: false,
            }
        }
    }

    /// Position in [0, 1]; NaN, infinities and values below the scale give 0.
    pub(super) fn t(&self, v: f64) -> f64 {
        if !v.is_finite() {
            return 0.0;
        }
        let t = if self.log {
            if v <= self.lo {
                0.0
            } else {
                (v / self.lo).ln() / (self.hi / self.lo).ln()
            }
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        t.clamp(0.0, 1.0)
    }

    /// Tick positions in [0, 1] with their labels.
    pub(super) fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            ticks::log(self.lo, self.hi)
                .into_iter()
                .map(|v| (self.t(v), ticks::label(v, v)))
                .collect()
        } else {
            let (vals, step) = ticks::linear(self.lo, self.hi, 6);
            vals.into_iter()
                .map(|v| (self.t(v), ticks::label(v, step)))
                .collect()
        }
    }
}

/// The smallest and largest finite values, if any.
pub(super) fn finite_min_max(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Draws a vertical colour bar of `scale` in `cmap` into `area` (bar on the left, ticks and the
/// label on the right), leaving `top`/`bottom` drawing units free above and below. The bar is
/// an image of 256 rows (no seams between bands).
pub(super) fn draw_colorbar<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    cx: &super::common::Canvas,
    scale: &ColorScale,
    cmap: super::Colormap,
    label: &str,
    (top, bottom): (u32, u32),
) -> anyhow::Result<()> {
    use super::common::{drawing, font, DESC_PT, TICK_PT};
    use plotters::prelude::*;
    const BANDS: usize = 256;
    let (w, _) = area.dim_in_pixel();
    let bar_w = 24.min(w / 3);
    let ticks = scale.ticks();
    let positions = ticks.iter().map(|(t, _)| *t).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(2)
        .margin_top(top)
        .margin_bottom(bottom)
        .right_y_label_area_size(w.saturating_sub(bar_w + 10))
        .build_cartesian_2d(0.0..1.0, ticks::TickAxis::new(0.0, 1.0, positions))
        .map_err(drawing)?;
    let fmt = |t: &f64| {
        ticks
            .iter()
            .find(|(p, _)| (p - t).abs() < 1e-12)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    };
    let n = BANDS as f64;
    let (x0, y1) = chart.backend_coord(&(0.0, 0.0));
    let (x1, y0) = chart.backend_coord(&(1.0, 1.0));
    // rows top down: the top row is the top of the scale
    let rgb: Vec<u8> = (0..BANDS)
        .rev()
        .flat_map(|k| {
            let c = cmap.rgb((k as f64 + 0.5) / n);
            [c.0, c.1, c.2]
        })
        .collect();
    cx.image(super::raster::Raster {
        x0: f64::from(x0),
        y0: f64::from(y0),
        x1: f64::from(x1),
        y1: f64::from(y1),
        w: 1,
        h: BANDS as u32,
        rgb,
    });
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .set_tick_mark_size(LabelAreaPosition::Right, 5)
        .y_label_formatter(&fmt)
        .y_desc(label)
        .label_style(font(TICK_PT))
        .axis_desc_style(font(DESC_PT))
        .draw()
        .map_err(drawing)?;
    chart
        .draw_series([Rectangle::new(
            [(0.0, 0.0), (1.0, 1.0)],
            BLACK.stroke_width(1),
        )])
        .map_err(drawing)?;
    Ok(())
}
