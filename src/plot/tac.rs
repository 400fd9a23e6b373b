//! Time-activity curve figure: measured points with error bars, the fitted curve and its
//! uncertainty band, time in h and activity in the caller's unit (e.g. MBq).

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::colormap::OKABE_ITO;
use super::common::{draw_legend, drawing, font, render, Canvas, Figure};
use super::common::{DESC_PT, TICK_PT, TITLE_PT};
use super::ticks::{self, TickAxis};

/// Okabe-Ito vermillion (points) and blue (the fit).
const POINT_COLOR: RGBColor = OKABE_ITO[3];
const CURVE_COLOR: RGBColor = OKABE_ITO[0];
/// Half width of an error-bar cap, pixels.
const CAP_PX: i32 = 4;

/// What a TAC figure shows.
#[derive(Debug, Clone, Copy)]
pub struct TacFigure<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// Vertical axis label with its unit, e.g. "activity (MBq)".
    pub y_label: &'a str,
    /// Measurement times, h.
    pub times_h: &'a [f64],
    /// Measured values.
    pub values: &'a [f64],
    /// Optional one-sigma errors of the values, drawn as error bars.
    pub errors: Option<&'a [f64]>,
    /// The fitted curve `(t_h, value)`, in drawing order.
    pub curve: &'a [(f64, f64)],
    /// Legend entry of the curve, e.g. "bi-exponential fit".
    pub curve_label: &'a str,
    /// Optional band `(lower, upper)` at the curve's times (e.g. 95 % confidence), shaded.
    pub band: Option<(&'a [f64], &'a [f64])>,
}

/// Writes the TAC figure (PNG and SVG, as the `[figures]` settings say; the path's own format
/// always).
///
/// # Errors
/// When `values`/`errors` do not match `times_h` in length, the band does not match the
/// curve, or the file cannot be written.
pub fn tac_png(path: &Path, fig: &TacFigure) -> anyhow::Result<()> {
    validate(fig).with_context(|| format!("figure {}", path.display()))?;
    render(path, &TacPlot { fig: *fig })
}

fn validate(fig: &TacFigure) -> anyhow::Result<()> {
    let n = fig.times_h.len();
    ensure!(
        fig.values.len() == n,
        "{} values for {n} times",
        fig.values.len()
    );
    if let Some(e) = fig.errors {
        ensure!(e.len() == n, "{} errors for {n} times", e.len());
    }
    if let Some((lo, hi)) = fig.band {
        let m = fig.curve.len();
        ensure!(
            lo.len() == m && hi.len() == m,
            "band of {} and {} values for a curve of {m} points",
            lo.len(),
            hi.len()
        );
    }
    Ok(())
}

struct TacPlot<'a> {
    fig: TacFigure<'a>,
}

impl TacPlot<'_> {
    /// Axis ranges over every finite thing drawn; time starts at 0 (injection), activity at 0.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let f = &self.fig;
        let xs = f.times_h.iter().chain(f.curve.iter().map(|p| &p.0));
        let x_hi = xs.filter(|v| v.is_finite()).fold(0.0f64, |a, &b| a.max(b));
        let err = |i: usize| f.errors.map_or(0.0, |e| e[i].abs());
        let pts = (0..f.values.len()).map(|i| f.values[i] + err(i));
        let band = f.band.into_iter().flat_map(|(_, hi)| hi.iter().copied());
        let y_hi = pts
            .chain(f.curve.iter().map(|p| p.1))
            .chain(band)
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let x_hi = if x_hi > 0.0 { x_hi * 1.03 } else { 1.0 };
        let y_hi = if y_hi > 0.0 { y_hi * 1.08 } else { 1.0 };
        ((0.0, x_hi), (0.0, y_hi))
    }
}

impl Figure for TacPlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _cx: &Canvas,
    ) -> anyhow::Result<()> {
        let f = &self.fig;
        let ((x0, x1), (y0, y1)) = self.ranges();
        let (xt, sx) = ticks::linear(x0, x1, 8);
        let (yt, sy) = ticks::linear(y0, y1, 7);
        let mut chart = ChartBuilder::on(root)
            .caption(f.title, font(TITLE_PT))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(TickAxis::new(x0, x1, xt), TickAxis::new(y0, y1, yt))
            .map_err(drawing)?;
        let fx = |v: &f64| ticks::label(*v, sx);
        let fy = |v: &f64| ticks::label(*v, sy);
        chart
            .configure_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .x_desc("time after injection (h)")
            .y_desc(f.y_label)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(TICK_PT))
            .axis_desc_style(font(DESC_PT))
            .draw()
            .map_err(drawing)?;

        if let Some((lo, hi)) = f.band {
            let mut poly: Vec<(f64, f64)> = Vec::with_capacity(2 * lo.len());
            for (k, p) in f.curve.iter().enumerate() {
                poly.push((p.0, hi[k].min(y1)));
            }
            for (k, p) in f.curve.iter().enumerate().rev() {
                poly.push((p.0, lo[k].max(0.0)));
            }
            poly.retain(|p| p.0.is_finite() && p.1.is_finite());
            chart
                .draw_series([Polygon::new(poly, CURVE_COLOR.mix(0.2).filled())])
                .map_err(drawing)?
                .label("95 % band")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], CURVE_COLOR.mix(0.2).filled())
                });
        }
        let curve = f
            .curve
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite());
        chart
            .draw_series(LineSeries::new(curve, CURVE_COLOR.stroke_width(2)))
            .map_err(drawing)?
            .label(f.curve_label)
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 22, y)], CURVE_COLOR.stroke_width(2))
            });

        if let Some(err) = f.errors {
            for (i, (&t, &v)) in f.times_h.iter().zip(f.values).enumerate() {
                let e = err[i].abs();
                let (lo, hi) = ((v - e).max(0.0), v + e);
                let cap = || PathElement::new(vec![(-CAP_PX, 0), (CAP_PX, 0)], POINT_COLOR);
                chart
                    .draw_series([PathElement::new(vec![(t, lo), (t, hi)], POINT_COLOR)])
                    .map_err(drawing)?;
                chart
                    .draw_series([
                        EmptyElement::at((t, lo)) + cap(),
                        EmptyElement::at((t, hi)) + cap(),
                    ])
                    .map_err(drawing)?;
            }
        }
        let points = f
            .times_h
            .iter()
            .zip(f.values)
            .map(|(&t, &v)| Circle::new((t, v), 5, POINT_COLOR.filled()));
        chart
            .draw_series(points)
            .map_err(drawing)?
            .label("measured")
            .legend(|(x, y)| Circle::new((x + 11, y), 5, POINT_COLOR.filled()));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    }
}
