//! Tick positions and tick labels for linear and logarithmic axes.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A linear f64 axis whose ticks are exactly the given values (plotters' own f64 axis chooses
/// its ticks itself, and its key-point wrapper loses the label formatter).
#[derive(Debug, Clone)]
pub(crate) struct TickAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickAxis {
    /// The axis `[lo, hi]` (with `hi > lo`) with ticks at `ticks`.
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Self { lo, hi, ticks }
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// About `target` "nice" ticks (1, 2 or 5 times a power of ten) inside `[lo, hi]`, and their step.
pub(crate) fn linear(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (vec![lo], 1.0);
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// Ticks for a log axis covering `[lo, hi]` (both > 0), returned as the values themselves:
/// the decades, plus 2x and 5x when fewer than two decades fall inside.
pub(crate) fn log(lo: f64, hi: f64) -> Vec<f64> {
    let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let inside = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let decades: Vec<f64> = (k0..=k1).map(|k| 10f64.powi(k)).filter(inside).collect();
    if decades.len() >= 2 {
        return decades;
    }
    let dense: Vec<f64> = (k0..=k1)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k)))
        .filter(inside)
        .collect();
    if dense.len() >= 2 {
        dense
    } else {
        linear(lo, hi, 4)
            .0
            .into_iter()
            .filter(|v| *v > 0.0)
            .collect()
    }
}

/// A tick label: fixed notation with as many decimals as `step` needs, scientific for very
/// large or small magnitudes.
pub(crate) fn label(v: f64, step: f64) -> String {
    if v == 0.0 || v.abs() < step.abs() * 1e-9 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        // Three significant digits, trailing zeros trimmed by the round trip through f64.
        let rounded: f64 = format!("{v:.2e}").parse().unwrap_or(v);
        return format!("{rounded:e}");
    }
    let decimals = (-step.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_nice() {
        let (t, s) = linear(0.0, 64.0, 7);
        assert_eq!(s, 10.0);
        assert_eq!(t, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        let (t, s) = linear(0.0, 1.0, 5);
        assert_eq!(s, 0.2);
        assert_eq!(t.len(), 6);
        assert_eq!(label(t[3], s), "0.6");
    }

    #[test]
    fn log_ticks() {
        assert_eq!(log(2.37e-3, 2.37), vec![0.01, 0.1, 1.0]);
        assert_eq!(log(3.0, 40.0), vec![5.0, 10.0, 20.0]);
    }

    #[test]
    fn labels() {
        assert_eq!(label(1e-4, 1e-4), "1e-4");
        assert_eq!(label(250000.0, 50000.0), "2.5e5");
        assert_eq!(label(12.0, 2.0), "12");
        assert_eq!(label(0.05, 0.05), "0.05");
        assert_eq!(label(1e-17, 0.1), "0");
    }
}
