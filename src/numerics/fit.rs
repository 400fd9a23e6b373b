//! Small least-squares fits.

/// The least-squares parabola y = c0 + c1 x + c2 x^2 through `points` (x, y), by its normal
/// equations and Cramer's rule: [c0, c1, c2], or None with fewer than 3 points or a singular
/// system (all x nearly equal). The caller centres x near its points where that matters.
pub fn fit_quadratic(points: impl IntoIterator<Item = (f64, f64)>) -> Option<[f64; 3]> {
    let mut m = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    let mut n = 0;
    for (x, y) in points {
        let p = [1.0, x, x * x];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += p[i] * p[j];
            }
            r[i] += p[i] * y;
        }
        n += 1;
    }
    let det = |a: &[[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let dm = det(&m);
    if n < 3 || dm.abs() < 1e-300 {
        return None;
    }
    Some([0, 1, 2].map(|c| {
        let mut a = m;
        for i in 0..3 {
            a[i][c] = r[i];
        }
        det(&a) / dm
    }))
}

#[cfg(test)]
mod tests {
    use super::fit_quadratic;

    #[test]
    fn recovers_an_exact_parabola_and_refuses_too_few_points() {
        let c = fit_quadratic((0..6).map(|k| {
            let x = k as f64 - 2.0;
            (x, 1.5 - 0.25 * x + 0.75 * x * x)
        }))
        .unwrap();
        for (got, want) in c.iter().zip([1.5, -0.25, 0.75]) {
            assert!((got - want).abs() < 1e-12, "{c:?}");
        }
        assert!(fit_quadratic([(0.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(fit_quadratic([(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]).is_none());
    }
}
