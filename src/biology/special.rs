//! Special functions the biology models need: the standard normal CDF (for LKB NTCP) and
//! Gauss–Legendre quadrature nodes (for the population average of radiosensitivity in TCP).

use std::f64::consts::PI;

/// Error function erf(x), accurate to about 1e-15 absolute.
///
/// Maclaurin series for |x| < 2.5 (Abramowitz & Stegun 7.1.5), continued fraction of erfc for
/// larger |x| (A&S 7.1.14, evaluated with the modified Lentz method).
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() < 2.5 {
        // erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        for n in 1..200 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        2.0 / PI.sqrt() * sum
    } else if x > 0.0 {
        1.0 - erfc_cf(x)
    } else {
        erfc_cf(-x) - 1.0
    }
}

/// Complementary error function erfc(x) = 1 - erf(x), accurate in the far tail.
pub fn erfc(x: f64) -> f64 {
    if x >= 2.5 {
        erfc_cf(x)
    } else {
        1.0 - erf(x)
    }
}

/// erfc(x) for x >= 2.5 by the continued fraction
/// erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (A&S 7.1.14).
fn erfc_cf(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..500 {
        let a = k as f64 / 2.0;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / PI.sqrt() / f
}

/// Standard normal cumulative distribution Φ(t) = erfc(-t/√2)/2.
pub fn normal_cdf(t: f64) -> f64 {
    0.5 * erfc(-t / std::f64::consts::SQRT_2)
}

/// Nodes and weights of n-point Gauss–Legendre quadrature on [-1, 1]: ∫ f ≈ Σ wᵢ f(xᵢ).
/// Newton iteration on the Legendre recurrence (Press et al., Numerical Recipes 3rd ed., §4.6
/// `gauleg`). Nodes in ascending order.
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let nf = n as f64;
    for i in 0..n.div_ceil(2) {
        let mut z = (PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut pp = 0.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (1.0, 0.0);
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = ((2.0 * jf + 1.0) * z * p2 - jf * p3) / (jf + 1.0);
            }
            pp = nf * (z * p1 - p2) / (z * z - 1.0);
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 {
                break;
            }
        }
        x[i] = -z;
        x[n - 1 - i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * pp * pp);
        w[n - 1 - i] = w[i];
    }
    (x, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_reference_values() {
        // A&S Table 7.1: erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650
        assert!((erf(0.5) - 0.520_499_877_8).abs() < 1e-10);
        assert!((erf(1.0) - 0.842_700_792_9).abs() < 1e-10);
        assert!((erf(2.0) - 0.995_322_265_0).abs() < 1e-10);
        // erfc(3) = 2.209049699858544e-05 (A&S 7.1, Table 7.1 extended)
        assert!((erfc(3.0) / 2.209_049_699_858_544e-5 - 1.0).abs() < 1e-10);
        assert!((erf(2.4999) - erf(2.5001)).abs() < 1e-5);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        // Φ(1.959963985) = 0.975
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-9);
    }

    #[test]
    fn gauss_legendre_is_exact_for_polynomials() {
        // an n-point rule integrates x^k exactly for k < 2n: ∫_{-1}^{1} x^k = 2/(k+1) (k even)
        let (x, w) = gauss_legendre(8);
        for k in 0..16 {
            let s: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(k)).sum();
            let exact = if k % 2 == 0 {
                2.0 / (k as f64 + 1.0)
            } else {
                0.0
            };
            assert!((s - exact).abs() < 1e-14, "k = {k}: {s}");
        }
        assert!(x.windows(2).all(|p| p[0] < p[1]));
    }
}
