//! What every figure shares: the fonts and their sizes, the [`Figure`] trait, and the writing of
//! a figure as SVG (text as text, the physical size in mm) and as PNG (the SVG rasterised with
//! resvg at the chosen dpi, with a pHYs chunk) and PDF (see [`super::pdf`]), atomically.

use std::cell::RefCell;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::{bail, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::font;
use super::options::{self, FiguresSpec};
use super::pdf;
use super::raster::{self, Raster};

/// The font family every text uses; the bundled DejaVu Sans is registered under this name.
pub(super) const FONT: &str = "sans-serif";
/// Font sizes in drawing units (see [`FiguresSpec::units_per_pt`]: 16 units are 7 pt on paper).
pub(super) const TITLE_PT: f64 = 22.0;
pub(super) const DESC_PT: f64 = 19.0;
pub(super) const TICK_PT: f64 = 16.0;
pub(super) const LEGEND_PT: f64 = 16.0;
/// The font families written into SVG files: DejaVu Sans (the subset embedded in the file),
/// then look-alikes for viewers that ignore `@font-face`.
const SVG_FONTS: &str = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";

/// DejaVu Sans (Bitstream Vera licence, freely redistributable), bundled so that figures need
/// no system fonts.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The shape of a figure: one panel (a journal column) or several (the page width), and its
/// height over its width.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) wide: bool,
    pub(super) aspect: f64,
}

/// The default shape: one column, 7:9.
pub(super) const ONE_PANEL: Shape = Shape {
    wide: false,
    aspect: 7.0 / 9.0,
};

/// Where a figure is drawn: the scale from drawing units to PNG pixels, and the images
/// (rasters) placed under the vector drawing.
pub(super) struct Canvas {
    /// PNG pixels per drawing unit.
    pub(super) px_per_unit: f64,
    pub(super) rasters: RefCell<Vec<Raster>>,
}

impl Canvas {
    /// Places an RGB image (`w` x `h` pixels, rows top to bottom) over the drawing-unit box
    /// `(x0, y0)` to `(x1, y1)`, under every vector element.
    pub(super) fn image(&self, r: Raster) {
        self.rasters.borrow_mut().push(r);
    }
}

/// A figure that can draw itself on any plotters backend.
pub(super) trait Figure {
    /// One panel or several, and the aspect ratio.
    fn shape(&self) -> Shape {
        ONE_PANEL
    }
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cx: &Canvas,
    ) -> anyhow::Result<()>;
}

/// The sizes of a figure under `spec`: drawing units, PNG pixels and mm.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    pub(super) units: (u32, u32),
    pub(super) px: (u32, u32),
    pub(super) mm: (f64, f64),
}

pub(super) fn sizes(spec: &FiguresSpec, shape: Shape) -> Sizes {
    let w_mm = spec.width_of(shape.wide);
    let w_units = (w_mm / 25.4 * 72.0 * spec.units_per_pt()).round().max(64.0);
    let h_units = (w_units * shape.aspect).round().max(48.0);
    let w_px = (w_mm / 25.4 * spec.dpi).round().max(16.0);
    let h_px = (w_px * h_units / w_units).round().max(12.0);
    Sizes {
        units: (w_units as u32, h_units as u32),
        px: (w_px as u32, h_px as u32),
        mm: (w_mm, w_mm * h_units / w_units),
    }
}

/// Writes `fig` in every format of the settings in force ([`options::with_figures`]), each
/// beside `path` with its own extension; a path ending in `.svg` asks for SVG explicitly, so
/// SVG is then written whatever the settings say (a `.png` path only names the figure).
pub(super) fn render(path: &Path, fig: &impl Figure) -> anyhow::Result<()> {
    let spec = options::current();
    spec.check()?;
    let size = sizes(&spec, fig.shape());
    let cx = Canvas {
        px_per_unit: f64::from(size.px.0) / f64::from(size.units.0),
        rasters: RefCell::new(Vec::new()),
    };
    let svg = draw_svg(fig, &cx, size).with_context(|| format!("drawing {}", path.display()))?;
    let own = match path.extension().map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "svg" => "svg",
        _ => "png",
    };
    let mut formats: Vec<&str> = spec.formats.iter().map(String::as_str).collect();
    if own == "svg" && !formats.contains(&own) {
        formats.push(own);
    }
    for f in formats {
        let target = if f == own {
            path.to_path_buf()
        } else {
            path.with_extension(f)
        };
        let bytes = match f {
            "svg" => svg.clone().into_bytes(),
            "pdf" => pdf::to_pdf(&svg, size.mm, &usvg_options())
                .with_context(|| format!("writing figure {}", target.display()))?,
            _ => to_png(&svg, size.px, spec.dpi)?,
        };
        write_atomic(&target, &bytes)
            .with_context(|| format!("writing figure {}", target.display()))?;
    }
    Ok(())
}

/// The SVG document of `fig`: drawn by plotters in drawing units, then given its size in mm,
/// the font list and the rasters (under everything, after the white background).
fn draw_svg(fig: &impl Figure, cx: &Canvas, size: Sizes) -> anyhow::Result<String> {
    register_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size.units).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        fig.draw(&root, cx)?;
        root.present().map_err(drawing)?;
    }
    let (w, h) = size.units;
    let head = format!("<svg width=\"{w}\" height=\"{h}\"");
    let sized = format!(
        "<svg width=\"{:.2}mm\" height=\"{:.2}mm\"",
        size.mm.0, size.mm.1
    );
    let mut s = s.replacen(&head, &sized, 1);
    s = s.replace(
        &format!("font-family=\"{FONT}\""),
        &format!("font-family=\"{SVG_FONTS}\""),
    );
    let images: String = cx.rasters.borrow().iter().map(raster::svg_image).collect();
    // the white background is the first element after the <svg> tag
    let at = s
        .find("<rect")
        .and_then(|r| s[r..].find("/>").map(|e| r + e + 2))
        .unwrap_or_else(|| s.find('>').map_or(0, |k| k + 1));
    s.insert_str(at, &format!("\n{images}"));
    // the font subset, as the family the texts name first, right after the <svg> tag
    let style = font::font_face_style(&s, DEJAVU_SANS, "DejaVu Sans")?;
    let open = s
        .find("<svg")
        .and_then(|k| s[k..].find('>').map(|e| k + e + 1));
    s.insert_str(open.unwrap_or(0), &format!("\n{style}"));
    Ok(s)
}

/// The fonts resvg draws with: only the bundled DejaVu Sans, as every family.
fn font_db() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(DEJAVU_SANS.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// How the SVG drawn is read back (for PNG and PDF): with the bundled font only.
fn usvg_options() -> resvg::usvg::Options<'static> {
    resvg::usvg::Options {
        fontdb: font_db(),
        font_family: "DejaVu Sans".into(),
        ..resvg::usvg::Options::default()
    }
}

/// Rasterises the SVG at `px` pixels (white background) and encodes it as an RGB PNG with the
/// resolution `dpi` in its pHYs chunk.
pub(super) fn to_png(svg: &str, px: (u32, u32), dpi: f64) -> anyhow::Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg_options()).context("reading back the SVG drawn")?;
    let Some(mut pixmap) = tiny_skia::Pixmap::new(px.0, px.1) else {
        bail!("figure size {}x{} pixels", px.0, px.1);
    };
    pixmap.fill(tiny_skia::Color::WHITE);
    let ts = tree.size();
    let scale =
        tiny_skia::Transform::from_scale(px.0 as f32 / ts.width(), px.1 as f32 / ts.height());
    resvg::render(&tree, scale, &mut pixmap.as_mut());
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    raster::encode_png(&rgb, px, 3, Some(dpi))
}

/// Writes `bytes` into a temporary file next to `path` and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, bytes)
        .with_context(|| format!("writing {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path).with_context(|| format!("renaming {}", tmp.display()))
        });
    if result.is_err() {
        // The temporary file may be half written or absent; neither matters to the caller.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.{name}.{pid}.{n}.tmp` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Registers the bundled font under [`FONT`] once per process (plotters measures text with it).
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
