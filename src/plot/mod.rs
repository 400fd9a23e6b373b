//! Figures (PNG/SVG) with plotters and the bundled DejaVu Sans font.
//!
//! The figure kinds: an image slice with a colour bar ([`slice_png`]), a line plot with
//! error bars ([`line_png`]), a grouped bar chart with category labels ([`bar_png`]) and a
//! time-activity curve ([`tac_png`]). The inputs are plain slices so that any layer can feed them.
//! A path ending in `.svg` gives SVG, anything else PNG; files are written atomically
//! (a temporary file in the same folder, then a rename).

mod bar;
mod color_scale;
mod colormap;
mod common;
mod line;
mod overlay;
mod slice;
pub mod tac;
mod ticks;

pub use bar::{bar_png, BarFigure, BarGroup, RefLine};
pub use colormap::Colormap;
pub use line::{line_png, Series};
pub use overlay::{overlay_png, Overlay};
pub use slice::{slice_png, Slice, SliceFigure};
pub use tac::{tac_png, TacFigure};
