//! The grouped bar chart: categories on x with their text labels, one coloured bar per group
//! in each category, optional horizontal reference lines; values may be negative.

use std::path::Path;

use anyhow::{ensure, Context};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colormap::OKABE_ITO;
use super::common::{draw_legend, drawing, font, render, Canvas, Figure};
use super::common::{DESC_PT, LEGEND_PT, TICK_PT, TITLE_PT};
use super::ticks::{self, TickAxis};
use super::NothingToShow;

/// One group of bars (a legend entry): a value per category.
#[derive(Debug, Clone, Copy)]
pub struct BarGroup<'a> {
    /// The legend entry; an empty name gets no entry.
    pub name: &'a str,
    /// One value per category; a non-finite value (e.g. a region the point lacks) draws no bar.
    pub values: &'a [f64],
}

/// A horizontal reference line across the chart, e.g. a response threshold.
#[derive(Debug, Clone, Copy)]
pub struct RefLine<'a> {
    /// The legend entry.
    pub name: &'a str,
    /// Its height, in the unit of the y axis.
    pub y: f64,
}

/// What a grouped bar chart shows.
#[derive(Debug, Clone, Copy)]
pub struct BarFigure<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// Horizontal axis label, e.g. "region".
    pub x_label: &'a str,
    /// Vertical axis label with its unit, e.g. "SUVpeak change (%)".
    pub y_label: &'a str,
    /// The category labels, left to right (drawn vertically when they do not fit side by side).
    pub categories: &'a [String],
    /// The groups: in each category one bar per group, side by side, in this order.
    pub groups: &'a [BarGroup<'a>],
    /// Horizontal reference lines, drawn dashed with a legend entry; may be empty.
    pub ref_lines: &'a [RefLine<'a>],
}

/// Writes a grouped bar chart (PNG and SVG, as the `[figures]` settings say): bars from zero
/// (downwards for negative values; a zero is a 2-pixel bar, a non-finite value none), the
/// category labels under the axis, a legend of the groups and reference lines placed where no
/// bar reaches.
///
/// # Errors
/// When there is no category or no group, a group's value count differs from the category
/// count, a reference line is not finite, or the file cannot be written; [`NothingToShow`]
/// when no value is finite.
pub fn bar_png(path: &Path, fig: &BarFigure) -> anyhow::Result<()> {
    grouped_bar_png(path, fig, &[])
}

/// [`bar_png`] with one-sigma error bars: `errors[g]`, when given, holds one error per category
/// for group `g` (a non-finite or zero error draws no bar).
///
/// # Errors
/// As [`interval_bar_png`].
pub fn grouped_bar_png(
    path: &Path,
    fig: &BarFigure,
    errors: &[Option<&[f64]>],
) -> anyhow::Result<()> {
    // value -+ error per bar; the counts are checked once, by interval_bar_png
    let ends: Vec<Option<Vec<[f64; 2]>>> = errors
        .iter()
        .enumerate()
        .map(|(j, e)| {
            e.map(|e| {
                e.iter()
                    .enumerate()
                    .map(|(k, e)| {
                        let v = fig.groups.get(j).and_then(|g| g.values.get(k));
                        let v = v.copied().unwrap_or(f64::NAN);
                        [v - e.abs(), v + e.abs()]
                    })
                    .collect()
            })
        })
        .collect();
    let refs: Vec<Option<&[[f64; 2]]>> = ends.iter().map(|e| e.as_deref()).collect();
    interval_bar_png(path, fig, &refs)
}

/// [`bar_png`] with error bars from interval ends: `intervals[g]`, when given, holds one
/// [low, high] per category for group `g` (e.g. a 95 % interval, asymmetric about the bar; a
/// non-finite or empty interval draws no bar).
///
/// # Errors
/// As [`bar_png`]; more interval lists than groups, or a list whose length is not the
/// category count.
pub fn interval_bar_png(
    path: &Path,
    fig: &BarFigure,
    intervals: &[Option<&[[f64; 2]]>],
) -> anyhow::Result<()> {
    validate(fig).with_context(|| format!("figure {}", path.display()))?;
    let n = fig.categories.len();
    ensure!(
        intervals.len() <= fig.groups.len(),
        "figure {}: {} interval lists for {} groups",
        path.display(),
        intervals.len(),
        fig.groups.len()
    );
    for e in intervals.iter().flatten() {
        ensure!(
            e.len() == n,
            "figure {}: {} intervals for {n} categories",
            path.display(),
            e.len()
        );
    }
    let any = fig
        .groups
        .iter()
        .any(|g| g.values.iter().any(|v| v.is_finite()));
    if !any {
        return Err(NothingToShow(format!("{}: no finite bar", path.display())).into());
    }
    let mut errs: Vec<Option<&[[f64; 2]]>> = intervals.to_vec();
    errs.resize(fig.groups.len(), None);
    render(
        path,
        &BarPlot {
            fig: *fig,
            errors: errs,
        },
    )
}

fn validate(fig: &BarFigure) -> anyhow::Result<()> {
    let n = fig.categories.len();
    ensure!(n > 0, "bar chart without categories");
    ensure!(!fig.groups.is_empty(), "bar chart without groups");
    for g in fig.groups {
        ensure!(
            g.values.len() == n,
            "bar group '{}': {} values for {n} categories",
            g.name,
            g.values.len()
        );
    }
    for r in fig.ref_lines {
        ensure!(r.y.is_finite(), "reference line '{}': y = {}", r.name, r.y);
    }
    Ok(())
}

/// Fraction of a category slot covered by its bars.
const FILL: f64 = 0.8;
/// Labels are cut to this many characters.
const MAX_LABEL_CHARS: usize = 32;
/// Reference lines cycle through these colours.
const REF_COLORS: [RGBColor; 3] = [
    RGBColor(0, 0, 0),
    RGBColor(214, 39, 40),
    RGBColor(90, 90, 90),
];

struct BarPlot<'a> {
    fig: BarFigure<'a>,
    /// per group, optional error-bar ends [low, high] per category
    errors: Vec<Option<&'a [[f64; 2]]>>,
}

impl BarPlot<'_> {
    /// The bar of group `j` in category `k`: its x extent.
    fn bar_x(&self, k: usize, j: usize) -> (f64, f64) {
        let w = FILL / self.fig.groups.len() as f64;
        let x0 = k as f64 + 0.5 * (1.0 - FILL) + j as f64 * w;
        (x0 + 0.04 * w, x0 + 0.96 * w)
    }

    /// The y range: zero, every finite value and every reference line, 5 % margin (none below
    /// a zero minimum; 0 to 1 when all are zero), then raised until the legend (`legend` = its fraction of the plot width
    /// and height) fits above the bars in the upper corner where they reach lowest.
    /// Returns the range and whether the legend goes left.
    fn y_range(&self, legend: (f64, f64)) -> ((f64, f64), bool) {
        let f = &self.fig;
        let finite = |v: &f64| v.is_finite();
        let ends = |j: usize, k: usize, v: f64| match self.errors[j].map(|e| e[k]) {
            Some([lo, hi]) if lo.is_finite() && hi.is_finite() => [v.min(lo), v.max(hi)],
            _ => [v, v],
        };
        let vals: Vec<f64> = f
            .groups
            .iter()
            .enumerate()
            .flat_map(|(j, g)| {
                g.values
                    .iter()
                    .enumerate()
                    .flat_map(move |(k, &v)| ends(j, k, v))
            })
            .filter(|v| finite(v))
            .collect();
        let refs = f.ref_lines.iter().map(|r| r.y);
        let (lo, hi) = vals
            .iter()
            .copied()
            .chain(refs.clone())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        if hi == lo {
            // nothing but zeros (or nothing)
            return ((0.0, 1.0), false);
        }
        let span = hi - lo;
        let lo = if lo < 0.0 { lo - 0.05 * span } else { 0.0 };
        let hi = hi + 0.05 * span;
        // the highest thing under each upper corner: bar tops and the reference lines
        let n = f.categories.len();
        let corner = n as f64 * legend.0;
        let top_in = |left: bool| {
            let inside = |k: usize| {
                let (a, b) = (k as f64, k as f64 + 1.0);
                if left {
                    a < corner
                } else {
                    b > n as f64 - corner
                }
            };
            (0..n)
                .filter(|&k| inside(k))
                .flat_map(|k| {
                    f.groups
                        .iter()
                        .enumerate()
                        .map(move |(j, g)| ends(j, k, g.values[k])[1])
                })
                .filter(|v| v.is_finite())
                .chain(refs.clone())
                .fold(0.0, f64::max)
        };
        let (left, right) = (top_in(true), top_in(false));
        let go_left = left < right;
        let top = left.min(right);
        // (hi' - top) / (hi' - lo) >= legend height fraction
        let need = legend.1.min(0.6);
        let hi = hi.max((top - need * lo) / (1.0 - need));
        ((lo, hi), go_left)
    }

    /// The category labels, cut to [`MAX_LABEL_CHARS`].
    fn labels(&self) -> Vec<String> {
        let cut = |s: &String| {
            if s.chars().count() > MAX_LABEL_CHARS {
                let head: String = s.chars().take(MAX_LABEL_CHARS - 1).collect();
                format!("{head}…")
            } else {
                s.clone()
            }
        };
        self.fig.categories.iter().map(cut).collect()
    }

    /// The legend entries: named groups, then reference lines.
    fn legend_names(&self) -> Vec<&str> {
        let groups = self.fig.groups.iter().map(|g| g.name);
        let refs = self.fig.ref_lines.iter().map(|r| r.name);
        groups.chain(refs).filter(|s| !s.is_empty()).collect()
    }
}

/// Pixels of the layout: chart margin, y label area, x label gap.
const MARGIN_PX: u32 = 20;
const Y_AREA_PX: u32 = 90;
const GAP_PX: u32 = 8;
/// The least bar height in pixels (a zero value is a thin bar on the zero line).
const MIN_BAR_PX: i32 = 2;

impl BarPlot<'_> {
    /// The layout on `root`: whether the category labels are rotated, the height of the x
    /// label area (px), and the legend's size as fractions of the plot area.
    fn layout<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        labels: &[String],
        names: &[&str],
    ) -> anyhow::Result<(bool, u32, (f64, f64))> {
        let f = &self.fig;
        let n = f.categories.len();
        let tick = font(TICK_PT);
        let size = |s: &str, style: &TextStyle| root.estimate_text_size(s, style).map_err(drawing);
        let mut widest = 0u32;
        let mut tallest = 0u32;
        for l in labels {
            let (w, h) = size(l, &tick)?;
            widest = widest.max(w);
            tallest = tallest.max(h);
        }
        let (fig_w, fig_h) = root.dim_in_pixel();
        let plot_w = fig_w - 2 * MARGIN_PX - Y_AREA_PX;
        let rotate = f64::from(widest) > 0.9 * f64::from(plot_w) / n as f64;
        let label_px = if rotate { widest } else { tallest };
        let desc_px = size("Ag", &font(DESC_PT))?.1;
        let x_area = label_px + desc_px + 3 * GAP_PX;

        // legend size as a fraction of the plot area (rows as plotters spaces them)
        let mut legend_w = 0u32;
        for s in names {
            legend_w = legend_w.max(size(s, &font(LEGEND_PT))?.0);
        }
        let title_px = size(f.title, &font(TITLE_PT))?.1;
        let plot_h = fig_h.saturating_sub(2 * MARGIN_PX + title_px + x_area + 10);
        let legend = if names.is_empty() {
            (0.0, 0.0)
        } else {
            let w = f64::from(legend_w + 60) / f64::from(plot_w);
            let h = (names.len() as f64 * (LEGEND_PT + 8.0) + 30.0) / f64::from(plot_h.max(1));
            (w, h)
        };
        Ok((rotate, x_area, legend))
    }
}

impl BarPlot<'_> {
    /// The error bar of group `j` in category `k` (value `v`) at `x`, in black with caps.
    fn draw_error<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &ChartContext<DB, Cartesian2d<TickAxis, TickAxis>>,
        (j, k, v): (usize, usize, f64),
        x: f64,
    ) -> anyhow::Result<()> {
        let Some([lo, hi]) = self.errors[j].map(|e| e[k]) else {
            return Ok(());
        };
        if !(lo.is_finite() && hi.is_finite() && hi > lo && v.is_finite()) {
            return Ok(());
        }
        let (px, lo) = chart.backend_coord(&(x, lo));
        let (_, hi) = chart.backend_coord(&(x, hi));
        let cap = 4;
        for seg in [
            vec![(px, lo), (px, hi)],
            vec![(px - cap, lo), (px + cap, lo)],
            vec![(px - cap, hi), (px + cap, hi)],
        ] {
            root.draw(&PathElement::new(seg, BLACK.stroke_width(1)))
                .map_err(drawing)?;
        }
        Ok(())
    }
}

impl Figure for BarPlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _cx: &Canvas,
    ) -> anyhow::Result<()> {
        let f = &self.fig;
        let n = f.categories.len();
        let labels = self.labels();
        let tick = font(TICK_PT);
        let names = self.legend_names();
        let (rotate, x_area, legend) = self.layout(root, &labels, &names)?;
        let ((y0, y1), go_left) = self.y_range(legend);

        let (yt, sy) = ticks::linear(y0, y1, 7);
        let xt: Vec<f64> = (0..n).map(|k| k as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(f.title, font(TITLE_PT))
            .margin(MARGIN_PX)
            .x_label_area_size(x_area)
            .y_label_area_size(Y_AREA_PX)
            .build_cartesian_2d(TickAxis::new(0.0, n as f64, xt), TickAxis::new(y0, y1, yt))
            .map_err(drawing)?;
        let fy = |v: &f64| ticks::label(*v, sy);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .x_desc(f.x_label)
            .y_desc(f.y_label)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&fy)
            .label_style(font(TICK_PT))
            .axis_desc_style(font(DESC_PT))
            .draw()
            .map_err(drawing)?;

        // category labels under their slots, hanging down and read upwards when rotated
        let style = if rotate {
            tick.transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center))
        } else {
            tick.pos(Pos::new(HPos::Center, VPos::Top))
        };
        for (k, l) in labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(k as f64 + 0.5, y0));
            root.draw_text(l, &style, (x, y + GAP_PX as i32))
                .map_err(drawing)?;
        }

        for (j, g) in f.groups.iter().enumerate() {
            let color = OKABE_ITO[j % OKABE_ITO.len()];
            let bars = g.values.iter().enumerate().filter(|(_, v)| v.is_finite());
            for (k, &v) in bars {
                // in pixels, at least MIN_BAR_PX tall: a zero is told from a missing value
                let (a, b) = self.bar_x(k, j);
                let (x0, zero) = chart.backend_coord(&(a, 0.0));
                let (x1, top) = chart.backend_coord(&(b, v));
                let top = if v >= 0.0 {
                    top.min(zero - MIN_BAR_PX)
                } else {
                    top.max(zero + MIN_BAR_PX)
                };
                let bar = Rectangle::new([(x0, top), (x1, zero)], color.filled());
                root.draw(&bar).map_err(drawing)?;
                self.draw_error(root, &chart, (j, k, v), (a + b) / 2.0)?;
            }
            if !g.name.is_empty() {
                // an empty series that only makes the legend entry
                let none = std::iter::empty::<Rectangle<(f64, f64)>>();
                let anno = chart.draw_series(none).map_err(drawing)?;
                anno.label(g.name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], color.filled())
                });
            }
        }
        if y0 < 0.0 {
            let zero = PathElement::new(vec![(0.0, 0.0), (n as f64, 0.0)], BLACK);
            chart.draw_series([zero]).map_err(drawing)?;
        }
        for (i, r) in f.ref_lines.iter().enumerate() {
            let color = REF_COLORS[i % REF_COLORS.len()];
            let pts = [(0.0, r.y), (n as f64, r.y)];
            let line = DashedLineSeries::new(pts, 10, 6, color.stroke_width(2));
            let anno = chart.draw_series(line).map_err(drawing)?;
            if !r.name.is_empty() {
                anno.label(r.name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(2))
                });
            }
        }
        if !names.is_empty() {
            let corner = if go_left {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            };
            draw_legend(&mut chart, corner)?;
        }
        Ok(())
    }
}
