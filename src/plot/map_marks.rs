//! The marks on a map panel: labels on white boxes, the orientation letters, the scale bar,
//! and the short numbers they print.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{drawing, font, LEGEND_PT, TICK_PT};
use super::panel::PlaneImage;

/// A text centred at `at` (mm) on a white box, in `color`.
pub(super) fn label_box<'b, DB: DrawingBackend + 'b>(
    chart: &mut ChartContext<'b, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    at: (f64, f64),
    text: &str,
    color: RGBColor,
) -> anyhow::Result<()> {
    let style = font(LEGEND_PT)
        .color(&color)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let area = chart.plotting_area();
    let (tw, th) = area.estimate_text_size(text, &style).map_err(drawing)?;
    let (px, py) = chart.backend_coord(&at);
    let (hw, hh) = (tw as i32 / 2 + 3, th as i32 / 2 + 2);
    let base = area.get_base_pixel();
    let (x, y) = (px - base.0, py - base.1);
    let area = chart.plotting_area().strip_coord_spec();
    area.draw(&Rectangle::new(
        [(x - hw, y - hh), (x + hw, y + hh)],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(drawing)?;
    area.draw_text(text, &style, (x, y)).map_err(drawing)
}

/// The orientation letters at the middle of each edge and a scale bar in the lower left,
/// in white on the image (`k` drawing units per mm).
pub(super) fn draw_frame_marks<DB: DrawingBackend, T>(
    img: &DrawingArea<DB, Shift>,
    im: &PlaneImage<T>,
    k: f64,
) -> anyhow::Result<()> {
    let (w, h) = img.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let t = font(TICK_PT).color(&WHITE);
    let at = |hp, vp| t.pos(Pos::new(hp, vp));
    let [left, right, top, bottom] = &im.letters;
    img.draw_text(left, &at(HPos::Left, VPos::Center), (4, h / 2))
        .map_err(drawing)?;
    img.draw_text(right, &at(HPos::Right, VPos::Center), (w - 4, h / 2))
        .map_err(drawing)?;
    img.draw_text(top, &at(HPos::Center, VPos::Top), (w / 2, 4))
        .map_err(drawing)?;
    img.draw_text(bottom, &at(HPos::Center, VPos::Bottom), (w / 2, h - 4))
        .map_err(drawing)?;
    // a scale bar of a round length near a quarter of the width
    let len_mm = nice_length(0.25 * im.extent_mm.0);
    let len = (len_mm * k).round() as i32;
    if len >= 8 {
        let (x0, y0) = (10, h - 12);
        img.draw(&Rectangle::new(
            [(x0, y0 - 2), (x0 + len, y0 + 1)],
            WHITE.filled(),
        ))
        .map_err(drawing)?;
        let label = format!("{} mm", super::ticks::label(len_mm, len_mm));
        img.draw_text(&label, &at(HPos::Left, VPos::Bottom), (x0, y0 - 5))
            .map_err(drawing)?;
    }
    Ok(())
}

/// A value with three significant digits at most, trailing zeros dropped: 3.0 -> "3",
/// 0.125 -> "0.125", 1234 -> "1234", 12.34 -> "12.3".
pub(super) fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let d = (2.0 - v.abs().log10().floor()).clamp(0.0, 9.0) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// 1, 2 or 5 times a power of ten, at most `x`.
pub(super) fn nice_length(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v <= x)
        .unwrap_or(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_length(37.0), 20.0);
        assert_eq!(nice_length(60.0), 50.0);
        assert_eq!(nice_length(1.0), 1.0);
        assert_eq!(nice_length(0.3), 0.2);
        assert_eq!(short(3.0), "3");
        assert_eq!(short(0.125), "0.125");
        assert_eq!(short(12.34), "12.3");
        assert_eq!(short(1234.0), "1234");
    }
}
