//! The colour scale of a slice figure: values to [0, 1], linear or logarithmic, with its ticks.

use super::ticks;

/// The lowest value of a log scale, as a fraction of its top.
const LOG_DECADES_FLOOR: f64 = 1e-3;

/// Maps values to [0, 1] on a linear or logarithmic scale.
#[derive(Debug, Clone, Copy)]
pub(super) struct ColorScale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) log: bool,
}

impl ColorScale {
    /// The scale of `values`, or of a given `range`; `log` for a logarithmic one.
    pub(super) fn new(values: &[f64], range: Option<(f64, f64)>, log: bool) -> Self {
        let (min, max) = finite_min_max(values).unwrap_or((0.0, 1.0));
        let (lo, hi) = range.unwrap_or((min, max));
        if log {
            let hi = if hi > 0.0 { hi } else { 1.0 };
            let lo = if range.is_some() && lo > 0.0 && lo < hi {
                lo
            } else {
                hi * LOG_DECADES_FLOOR
            };
            return Self { lo, hi, log: true };
        }
        if hi > lo {
            Self { lo, hi, log: false }
        } else {
            // A constant image: zero gets the scale 0..1, anything else +-50 % around it.
            let pad = if lo == 0.0 { 1.0 } else { 0.5 * lo.abs() };
            let lo = if lo == 0.0 { 0.0 } else { lo - pad };
            Self {
                lo,
                hi: hi + pad,
                log: false,
            }
        }
    }

    /// Position in [0, 1]; NaN, infinities and values below the scale give 0.
    pub(super) fn t(&self, v: f64) -> f64 {
        if !v.is_finite() {
            return 0.0;
        }
        let t = if self.log {
            if v <= self.lo {
                0.0
            } else {
                (v / self.lo).ln() / (self.hi / self.lo).ln()
            }
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        t.clamp(0.0, 1.0)
    }

    /// Tick positions in [0, 1] with their labels.
    pub(super) fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            ticks::log(self.lo, self.hi)
                .into_iter()
                .map(|v| (self.t(v), ticks::label(v, v)))
                .collect()
        } else {
            let (vals, step) = ticks::linear(self.lo, self.hi, 6);
            vals.into_iter()
                .map(|v| (self.t(v), ticks::label(v, step)))
                .collect()
        }
    }
}

/// The smallest and largest finite values, if any.
pub(super) fn finite_min_max(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}
