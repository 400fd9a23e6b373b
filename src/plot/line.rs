//! The line plot: series of points with optional y error bars, linear or log y.

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::colormap::{qualitative, Dash};
use super::common::{draw_legend, drawing, font, render, Canvas, Figure, Shape};
use super::common::{DESC_PT, LEGEND_PT, TICK_PT, TITLE_PT};
use super::ticks::{self, TickAxis};
use super::NothingToShow;

/// One named series of a line plot.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// The legend entry; an empty name gets no entry.
    pub name: &'a str,
    /// The (x, y) points in drawing order; points with a non-finite coordinate are skipped.
    pub points: &'a [(f64, f64)],
    /// Optional one-sigma y errors, one per point, drawn as error bars.
    pub y_err: Option<&'a [f64]>,
    /// Optional band [low, high] per point (e.g. a 95 % interval), drawn as a translucent area
    /// of the series' colour; a point with a non-finite end breaks the band.
    pub y_band: Option<&'a [[f64; 2]]>,
    /// Markers only, no connecting line (observations rather than a curve).
    pub scatter: bool,
}

/// Writes a line plot (PNG and SVG, as the `[figures]` settings in force say): several named
/// series with optional y error bars, axis labels (with units), a legend and an optional log y
/// axis. Series take the Okabe-Ito colours in order, then dashed, dotted and dash-dotted
/// lines, so that no two curves of a figure look alike.
///
/// # Errors
/// When a series' `y_err` length differs from its point count, `log_y` is asked for with no
/// positive y value, or the file cannot be written; [`NothingToShow`] when no series has a
/// finite point.
pub fn line_png(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> anyhow::Result<()> {
    let plot = LinePlot::new(title, x_label, y_label, series, log_y)
        .with_context(|| format!("figure {}", path.display()))?;
    if plot.is_empty() {
        return Err(NothingToShow(format!("{}: no finite point to plot", path.display())).into());
    }
    render(path, &plot)
}

/// One panel of a [`line_panels_png`] figure.
#[derive(Debug, Clone, Copy)]
pub struct LinePanel<'a> {
    /// The panel's title, e.g. "targets".
    pub title: &'a str,
    /// Horizontal axis label with its unit.
    pub x_label: &'a str,
    /// Vertical axis label with its unit.
    pub y_label: &'a str,
    /// The curves; their colours continue from the previous panels'.
    pub series: &'a [Series<'a>],
    /// A logarithmic y axis.
    pub log_y: bool,
}

/// Writes line plots side by side (PNG and SVG): each panel with its legend outside the data,
/// on its right; no colour and line style is used twice in the figure. Panels without a finite
/// point are left out.
///
/// # Errors
/// As [`line_png`]; [`NothingToShow`] when no panel has a finite point.
pub fn line_panels_png(path: &Path, title: &str, panels: &[LinePanel]) -> anyhow::Result<()> {
    let mut plots = Vec::with_capacity(panels.len());
    let mut offset = 0;
    for p in panels {
        let plot = LinePlot::new(p.title, p.x_label, p.y_label, p.series, p.log_y)
            .with_context(|| format!("figure {}, panel '{}'", path.display(), p.title))?;
        let n = p.series.len();
        if !plot.is_empty() {
            plots.push((plot, offset));
        }
        offset += n;
    }
    if plots.is_empty() {
        return Err(NothingToShow(format!("{}: no finite point to plot", path.display())).into());
    }
    render(path, &LinePanels { title, plots })
}

struct LinePanels<'a> {
    title: &'a str,
    plots: Vec<(LinePlot<'a>, usize)>,
}

impl Figure for LinePanels<'_> {
    fn shape(&self) -> Shape {
        let n = self.plots.len() as f64;
        Shape {
            wide: n > 1.0,
            aspect: if n > 1.0 { 0.42 } else { 0.62 },
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _cx: &Canvas,
    ) -> anyhow::Result<()> {
        let body = root.titled(self.title, font(TITLE_PT)).map_err(drawing)?;
        let areas = body.split_evenly((1, self.plots.len()));
        for ((plot, offset), area) in self.plots.iter().zip(&areas) {
            let (w, _) = area.dim_in_pixel();
            let (chart, legend) = area.split_horizontally(w * 64 / 100);
            plot.draw_on(&chart, *offset, Some(&legend))?;
        }
        Ok(())
    }
}

/// Draws the legend `entries` (name, colour, dash) as a column at the top left of `area`.
fn outside_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, Dash)],
    top: i32,
) -> anyhow::Result<()> {
    let row = (LEGEND_PT * 1.35).round() as i32;
    for (k, (name, color, dash)) in entries.iter().enumerate() {
        let y = top + row * k as i32 + row / 2;
        let style = color.stroke_width(2);
        match dash {
            Dash::Solid => area.draw(&PathElement::new(vec![(4, y), (30, y)], style)),
            Dash::Dashed(on, off) => {
                let pts = [(4, y), (30, y)];
                let dashed = DashedLineSeries::new(pts, *on, *off, style);
                dashed.into_iter().try_for_each(|e| area.draw(&e))
            }
        }
        .map_err(drawing)?;
        let t = font(LEGEND_PT).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw_text(name, &t, (36, y)).map_err(drawing)?;
    }
    Ok(())
}
/// Series with at most this many points get a marker on each point.
const MAX_MARKED_POINTS: usize = 60;
/// Half width of an error-bar cap, pixels.
const CAP_PX: i32 = 4;

/// One series in plotting coordinates (y is log10(y) on a log axis): points and error bars.
struct Prepared {
    name: String,
    points: Vec<(f64, f64)>,
    bars: Vec<(f64, f64, f64)>,
    /// runs of consecutive band points (x, low, high)
    bands: Vec<Vec<(f64, f64, f64)>>,
    scatter: bool,
}

/// A validated line plot with its axis ranges.
pub(super) struct LinePlot<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    log_y: bool,
    series: Vec<Prepared>,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

impl<'a> LinePlot<'a> {
    /// Whether no series has a point to draw.
    fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }

    pub(super) fn new(
        title: &'a str,
        x_label: &'a str,
        y_label: &'a str,
        series: &[Series],
        log_y: bool,
    ) -> anyhow::Result<Self> {
        let mut prepared = Vec::with_capacity(series.len());
        for s in series {
            prepared.push(prepare(s, log_y)?);
        }
        if log_y && series.iter().any(|s| !s.points.is_empty()) {
            ensure!(
                prepared.iter().any(|p| !p.points.is_empty()),
                "log y axis: no series has a positive finite y value"
            );
        }
        let xs = prepared.iter().flat_map(|p| p.points.iter().map(|q| q.0));
        let ys = prepared.iter().flat_map(|p| {
            let bars = p.bars.iter().flat_map(|b| [b.1, b.2]);
            let bands = p.bands.iter().flatten().flat_map(|b| [b.1, b.2]);
            p.points.iter().map(|q| q.1).chain(bars).chain(bands)
        });
        let x_range = padded(min_max(xs), 0.02);
        let y_range = padded(min_max(ys), 0.05);
        Ok(Self {
            title,
            x_label,
            y_label,
            log_y,
            series: prepared,
            x_range,
            y_range,
        })
    }

    /// The upper corner with fewer points under it (the legend goes there).
    fn legend_corner(&self) -> SeriesLabelPosition {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let (mut left, mut right) = (0, 0);
        for &(x, y) in self.series.iter().flat_map(|s| s.points.iter()) {
            if y > y1 - 0.3 * (y1 - y0) {
                left += usize::from(x < x0 + 0.35 * (x1 - x0));
                right += usize::from(x > x1 - 0.35 * (x1 - x0));
            }
        }
        if right > left {
            SeriesLabelPosition::UpperLeft
        } else {
            SeriesLabelPosition::UpperRight
        }
    }

    /// Y ticks in plotting coordinates with their labels.
    fn y_ticks(&self) -> (Vec<f64>, Vec<String>) {
        let (lo, hi) = self.y_range;
        if self.log_y {
            let vals = ticks::log(10f64.powf(lo), 10f64.powf(hi));
            let labels = vals.iter().map(|v| ticks::label(*v, *v)).collect();
            (vals.iter().map(|v| v.log10()).collect(), labels)
        } else {
            let (vals, step) = ticks::linear(lo, hi, 7);
            let labels = vals.iter().map(|v| ticks::label(*v, step)).collect();
            (vals, labels)
        }
    }
}

fn prepare(s: &Series, log_y: bool) -> anyhow::Result<Prepared> {
    if let Some(err) = s.y_err {
        ensure!(
            err.len() == s.points.len(),
            "series '{}': {} y errors for {} points",
            s.name,
            err.len(),
            s.points.len()
        );
    }
    if let Some(band) = s.y_band {
        ensure!(
            band.len() == s.points.len(),
            "series '{}': {} band intervals for {} points",
            s.name,
            band.len(),
            s.points.len()
        );
    }
    let ty = |y: f64| if log_y { y.log10() } else { y };
    let usable = |(x, y): (f64, f64)| x.is_finite() && y.is_finite() && (!log_y || y > 0.0);
    let mut points = Vec::with_capacity(s.points.len());
    let mut bars = Vec::new();
    let mut bands: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for (k, &(x, y)) in s.points.iter().enumerate() {
        let band = s
            .y_band
            .map(|b| b[k])
            .filter(|[lo, hi]| x.is_finite() && usable((x, *lo)) && usable((x, *hi)) && lo <= hi);
        match band {
            Some([lo, hi]) => bands.last_mut().expect("a run").push((x, ty(lo), ty(hi))),
            None if bands.last().is_some_and(|r| !r.is_empty()) => bands.push(Vec::new()),
            None => {}
        }
        if !usable((x, y)) {
            continue;
        }
        points.push((x, ty(y)));
        let e = s.y_err.map_or(0.0, |e| e[k].abs());
        if e > 0.0 && e.is_finite() {
            // On a log axis a bar reaching zero or below is cut at a tenth of the point.
            let low = if log_y && y - e <= 0.0 {
                y / 10.0
            } else {
                y - e
            };
            bars.push((x, ty(low), ty(y + e)));
        }
    }
    bands.retain(|r| r.len() >= 2);
    Ok(Prepared {
        name: s.name.to_string(),
        points,
        bars,
        bands,
        scatter: s.scatter,
    })
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The range widened by `frac` of its span on both sides; a single value gets +-1 (or +-10 %).
fn padded(range: Option<(f64, f64)>, frac: f64) -> (f64, f64) {
    match range {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi > lo => {
            let pad = frac * (hi - lo);
            (lo - pad, hi + pad)
        }
        Some((v, _)) => {
            let pad = if v == 0.0 { 1.0 } else { 0.1 * v.abs() };
            (v - pad, v + pad)
        }
    }
}

impl Figure for LinePlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _cx: &Canvas,
    ) -> anyhow::Result<()> {
        self.draw_on(root, 0, None)
    }
}

impl LinePlot<'_> {
    /// Draws the plot on `root`, its series taking the looks from `offset` on; the legend inside
    /// (an upper corner) or in `legend` beside the plot.
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        offset: usize,
        legend: Option<&DrawingArea<DB, Shift>>,
    ) -> anyhow::Result<()> {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let (xt, sx) = ticks::linear(x0, x1, 8);
        let (yt, ylabels) = self.y_ticks();
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, font(TITLE_PT))
            .margin(14)
            .x_label_area_size(56)
            .y_label_area_size(84)
            .build_cartesian_2d(TickAxis::new(x0, x1, xt), TickAxis::new(y0, y1, yt.clone()))
            .map_err(drawing)?;
        let fx = |v: &f64| ticks::label(*v, sx);
        let fy = |v: &f64| {
            let k = yt.iter().position(|t| (t - v).abs() < 1e-12);
            k.map(|k| ylabels[k].clone()).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(font(TICK_PT))
            .axis_desc_style(font(DESC_PT))
            .draw()
            .map_err(drawing)?;

        let mut entries = Vec::new();
        for (n, s) in self.series.iter().enumerate() {
            let (color, dash) = qualitative(offset + n);
            for run in &s.bands {
                let outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|&(x, _, hi)| (x, hi))
                    .chain(run.iter().rev().map(|&(x, lo, _)| (x, lo)))
                    .collect();
                chart
                    .draw_series([Polygon::new(outline, color.mix(0.2).filled())])
                    .map_err(drawing)?;
            }
            let bars = s.bars.iter().map(|&(x, lo, hi)| {
                let cap = || PathElement::new(vec![(-CAP_PX, 0), (CAP_PX, 0)], color);
                let line = PathElement::new(vec![(x, lo), (x, hi)], color);
                let caps = (
                    EmptyElement::at((x, lo)) + cap(),
                    EmptyElement::at((x, hi)) + cap(),
                );
                (line, caps)
            });
            for (line, (c0, c1)) in bars {
                chart.draw_series([line]).map_err(drawing)?;
                chart.draw_series([c0, c1]).map_err(drawing)?;
            }
            let marker = if s.points.len() <= MAX_MARKED_POINTS {
                3
            } else {
                0
            };
            let style = color.stroke_width(2);
            let pts = s.points.iter().copied();
            let anno = match dash {
                _ if s.scatter => {
                    let marks = s.points.iter().map(|&p| Circle::new(p, 4, color.filled()));
                    chart.draw_series(marks).map_err(drawing)?
                }
                Dash::Solid => chart
                    .draw_series(LineSeries::new(pts, style).point_size(marker))
                    .map_err(drawing)?,
                Dash::Dashed(on, off) => {
                    let marks = s
                        .points
                        .iter()
                        .map(|&p| Circle::new(p, marker, color.filled()));
                    chart.draw_series(marks).map_err(drawing)?;
                    chart
                        .draw_series(DashedLineSeries::new(pts, on, off, style))
                        .map_err(drawing)?
                }
            };
            if !s.name.is_empty() {
                entries.push((s.name.clone(), color, dash));
                anno.label(s.name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(2))
                });
            }
        }
        match legend {
            Some(area) if !entries.is_empty() => {
                let top = chart.plotting_area().get_base_pixel().1 - area.get_base_pixel().1;
                outside_legend(area, &entries, top)?;
            }
            None if !entries.is_empty() => draw_legend(&mut chart, self.legend_corner())?,
            _ => {}
        }
        Ok(())
    }
}
