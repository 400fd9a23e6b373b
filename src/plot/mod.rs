//! Figures (PNG/SVG) with plotters and the bundled DejaVu Sans font.
//!
//! The figure kinds: an image slice with a colour bar ([`slice_png`]), a line plot with
//! error bars ([`line_png`]), a grouped bar chart with category labels ([`bar_png`]) and a
//! time-activity curve ([`tac_png`]). The inputs are plain slices so that any layer can feed them.
//! A path ending in `.svg` gives SVG, anything else PNG; files are written atomically
//! (a temporary file in the same folder, then a rename).

mod bar;
mod colormap;
mod line;
mod slice;
pub mod tac;
mod ticks;

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use anyhow::{bail, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

pub use bar::{bar_png, BarFigure, BarGroup, RefLine};
pub use colormap::Colormap;
pub use tac::{tac_png, TacFigure};

/// The figure size in pixels (width, height).
const FIGURE_PX: (u32, u32) = (900, 700);
/// The font family every text uses; the bundled DejaVu Sans is registered under this name.
const FONT: &str = "sans-serif";
const TITLE_PT: f64 = 26.0;
const DESC_PT: f64 = 20.0;
const TICK_PT: f64 = 16.0;
const LEGEND_PT: f64 = 16.0;

/// DejaVu Sans (Bitstream Vera licence, freely redistributable), bundled so that figures need
/// no system fonts.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

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
    /// drawn along pixel edges in distinct colours with a legend; may be empty.
    pub isolines: &'a [f64],
}

/// One named series of a line plot.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// The legend entry; an empty name gets no entry.
    pub name: &'a str,
    /// The (x, y) points in drawing order; points with a non-finite coordinate are skipped.
    pub points: &'a [(f64, f64)],
    /// Optional one-sigma y errors, one per point, drawn as error bars.
    pub y_err: Option<&'a [f64]>,
}

/// Writes a PNG (or SVG if the path ends with `.svg`) of an image slice: axes in mm, the image
/// with its true aspect ratio, a vertical colour bar with ticks and its label, and the optional
/// region outlines and iso-lines. NaN and infinite values are drawn in the lowest colour.
///
/// # Errors
/// When `values` (or `outline_labels`) does not hold `width * height` entries, the size is zero,
/// a pixel size is not positive and finite, `range` is not finite or reversed, or the file
/// cannot be written.
pub fn slice_png(path: &Path, slice: &Slice, fig: &SliceFigure) -> anyhow::Result<()> {
    slice::validate(slice, fig).with_context(|| format!("figure {}", path.display()))?;
    render(path, &slice::SlicePlot::new(slice, fig))
}

/// Writes a line plot (PNG, or SVG if the path ends with `.svg`): several named series with
/// optional y error bars, axis labels (with units), a legend and an optional log y axis.
///
/// # Errors
/// When a series' `y_err` length differs from its point count, `log_y` is asked for with no
/// positive y value, or the file cannot be written.
pub fn line_png(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> anyhow::Result<()> {
    let plot = line::LinePlot::new(title, x_label, y_label, series, log_y)
        .with_context(|| format!("figure {}", path.display()))?;
    render(path, &plot)
}

/// A figure that can draw itself on any plotters backend.
trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

/// Draws `fig` into a temporary file next to `path` and renames it into place.
fn render(path: &Path, fig: &impl Figure) -> anyhow::Result<()> {
    register_font()?;
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let tmp = temp_path(path, if svg { "svg" } else { "png" });
    let drawn = if svg {
        draw_on(SVGBackend::new(&tmp, FIGURE_PX), fig)
    } else {
        draw_on(BitMapBackend::new(&tmp, FIGURE_PX), fig)
    };
    let result = drawn.and_then(|()| {
        std::fs::rename(&tmp, path).with_context(|| format!("renaming {}", tmp.display()))
    });
    if result.is_err() {
        // The temporary file may be half written or absent; neither matters to the caller.
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing figure {}", path.display()))
}

fn draw_on<DB: DrawingBackend>(backend: DB, fig: &impl Figure) -> anyhow::Result<()> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(drawing)?;
    fig.draw(&root)?;
    root.present().map_err(drawing)
}

/// `.{name}.{pid}.{n}.tmp.{ext}` beside `path`; the extension tells the encoder the format.
fn temp_path(path: &Path, ext: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp.{ext}", std::process::id()))
}

/// Registers the bundled font under [`FONT`] once per process.
fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if !ok {
        bail!("the bundled font assets/DejaVuSans.ttf could not be loaded");
    }
    Ok(())
}

/// Turns a plotters error (generic over the backend) into an `anyhow::Error`.
fn drawing<E: Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e}")
}

/// Draws the legend of a chart's labelled series at `pos`, in the style of every figure here
/// (white translucent box, black border, legend font).
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(font(LEGEND_PT))
        .draw()
        .map_err(drawing)
}

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().into()
}
