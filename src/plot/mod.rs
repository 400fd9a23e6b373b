//! Figures a journal accepts, drawn with plotters and the bundled DejaVu Sans font.
//!
//! The figure kinds: maps over anatomy in axial, coronal and sagittal panels ([`map_png`]), a
//! phantom's regions in a qualitative palette over its density ([`region_map_png`]), line
//! plots with error bars ([`line_png`]) and in panels with the legend outside
//! ([`line_panels_png`]), grouped bar charts with error bars ([`bar_png`], [`grouped_bar_png`])
//! and a time-activity curve ([`tac_png`]). The inputs are plain slices so that any layer can
//! feed them.
//!
//! Every figure is drawn once as SVG (text as text, sized in mm, the bundled font's glyphs it
//! uses embedded as an `@font-face`) and written in the formats of
//! the `[figures]` settings in force ([`FiguresSpec`], set for a scope by [`with_figures`];
//! default PNG and SVG, 300 dpi, 88 mm wide, 180 mm for several panels): the PNG is the SVG
//! rasterised by resvg with the same bundled font, with its dpi in a pHYs chunk. The path given
//! names the figure (`dose.png` writes `dose.png` and `dose.svg`); its own format is always
//! written. Files are written atomically (a temporary file in the same folder, then a rename).
//! A figure with nothing to show is not written: the writer returns [`NothingToShow`], which
//! [`written`] turns into a message.

mod bar;
mod color_scale;
mod colormap;
mod common;
mod contour;
mod font;
mod line;
mod map;
mod map_marks;
mod options;
mod overlay;
mod panel;
mod pdf;
mod raster;
mod region_map;
pub mod tac;
mod ticks;

pub use bar::{bar_png, grouped_bar_png, interval_bar_png, BarFigure, BarGroup, RefLine};
pub use colormap::{qualitative, Colormap, Dash, OKABE_ITO};
pub use line::{line_panels_png, line_png, LinePanel, Series};
pub use map::{finite_range, map_png, MapFigure, MapNote, MapPanel};
pub use options::{
    current, effective, with_figures, with_figures_override, FigureStyle, FiguresSpec, Through,
    FORMATS, PLANES,
};
pub use overlay::{overlay_png, Overlay};
pub use panel::Plane;
pub use region_map::{region_map_png, RegionMapFigure, REGION_PALETTE};
pub use tac::{tac_png, TacFigure};

/// A figure that was not written because it would show nothing (no finite value, no curve);
/// the message names the file and why.
#[derive(Debug, Clone)]
pub struct NothingToShow(pub String);

impl std::fmt::Display for NothingToShow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "figure not written, nothing to show: {}", self.0)
    }
}

impl std::error::Error for NothingToShow {}

/// Whether a figure writer's result says the figure was written: `Ok(true)`; `Ok(false)`, with
/// the reason on stderr, for [`NothingToShow`]; any other error as it is.
///
/// # Errors
/// The writer's error when it is not [`NothingToShow`].
pub fn written(result: anyhow::Result<()>) -> anyhow::Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(e) => match e.downcast_ref::<NothingToShow>() {
            Some(n) => {
                eprintln!("{n}");
                Ok(false)
            }
            None => Err(e),
        },
    }
}

/// Isolines of an image for tests and callers that draw their own: the contours at `level` of
/// a `w` x `h` row-major image, as polylines in pixel units (pixel `(i, j)`'s centre at
/// `(i + 0.5, j + 0.5)`), from marching squares on the bilinear interpolation, islands of under
/// four pixels (a lone voxel's footprint) dropped.
pub fn isolines(values: &[f64], w: usize, h: usize, level: f64) -> Vec<Vec<(f64, f64)>> {
    contour::isolines(values, w, h, level)
}

/// Renders an SVG document (as written by these figures) to PNG bytes of `px` pixels with
/// `dpi` in the pHYs chunk, with the bundled font.
///
/// # Errors
/// An SVG that cannot be parsed.
pub fn svg_to_png(svg: &str, px: (u32, u32), dpi: f64) -> anyhow::Result<Vec<u8>> {
    common::to_png(svg, px, dpi)
}
