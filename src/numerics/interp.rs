//! Interpolation in tables of (x, y) with x increasing, clamped at the ends.

/// The interval of a table with x increasing that holds `x`: `Ok((lo, hi))` with
/// xs[lo] <= x < xs[hi], or `Err(i)`, the index whose value is taken as it is: the first or last
/// at or beyond an end, or `hi` of an interval of zero width (a duplicate x).
fn bracket(xs: &[f64], x: f64) -> Result<(usize, usize), usize> {
    let n = xs.len();
    if x <= xs[0] {
        return Err(0);
    }
    if x >= xs[n - 1] {
        return Err(n - 1);
    }
    // first index with xs[i] > x
    let hi = xs.partition_point(|&v| v <= x);
    if xs[hi] <= xs[hi - 1] {
        return Err(hi);
    }
    Ok((hi - 1, hi))
}

/// Log-log interpolation in a table of (x, y) with x increasing (duplicates at edges allowed:
/// the upper value is taken at the edge itself). Zero y values interpolate linearly.
pub fn interp_loglog(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    debug_assert_eq!(xs.len(), ys.len());
    let (lo, hi) = match bracket(xs, x) {
        Ok(b) => b,
        Err(i) => return ys[i],
    };
    let (x0, x1, y0, y1) = (xs[lo], xs[hi], ys[lo], ys[hi]);
    if y0 > 0.0 && y1 > 0.0 && x0 > 0.0 {
        let t = (x / x0).ln() / (x1 / x0).ln();
        (y0.ln() + t * (y1 / y0).ln()).exp()
    } else {
        y0 + (x - x0) / (x1 - x0) * (y1 - y0)
    }
}

/// Linear interpolation in a table with x increasing, clamped at the ends.
pub fn interp_linear(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    match bracket(xs, x) {
        Ok((lo, hi)) => ys[lo] + (x - xs[lo]) / (xs[hi] - xs[lo]) * (ys[hi] - ys[lo]),
        Err(i) => ys[i],
    }
}
