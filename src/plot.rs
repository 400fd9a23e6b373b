//! Figures (PNG/SVG) with plotters and the bundled DejaVu Sans font.
