//! What every figure shares: the size, the fonts and their sizes, the [`Figure`] trait and the
//! atomic rendering to PNG or SVG.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use anyhow::{bail, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The figure size in pixels (width, height).
pub(super) const FIGURE_PX: (u32, u32) = (900, 700);
/// The font family every text uses; the bundled DejaVu Sans is registered under this name.
pub(super) const FONT: &str = "sans-serif";
pub(super) const TITLE_PT: f64 = 26.0;
pub(super) const DESC_PT: f64 = 20.0;
pub(super) const TICK_PT: f64 = 16.0;
pub(super) const LEGEND_PT: f64 = 16.0;

/// DejaVu Sans (Bitstream Vera licence, freely redistributable), bundled so that figures need
/// no system fonts.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// A figure that can draw itself on any plotters backend.
pub(super) trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

/// Draws `fig` into a temporary file next to `path` and renames it into place.
pub(super) fn render(path: &Path, fig: &impl Figure) -> anyhow::Result<()> {
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
pub(super) fn drawing<E: Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e}")
}

/// Draws the legend of a chart's labelled series at `pos`, in the style of every figure here
/// (white translucent box, black border, legend font).
pub(super) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
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

pub(super) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().into()
}
