//! Lea–Catcheside dose-protraction factor G of the linear-quadratic model.
//!
//! For a dose-rate curve R(t) (Gy/h) delivering D = ∫R dt and mono-exponential repair of
//! sublethal damage with rate μ = ln2/T_rep,
//!
//! G = (2/D²) ∫₀^∞ R(t) ∫₀^t R(w) e^{-μ(t-w)} dw dt,
//!
//! so that the log cell kill is αD + βGD² and BED = D(1 + GD/(α/β)) (Lea & Catcheside 1942;
//! Dale 1985 Br J Radiol 58:515). G = 1 for an instantaneous dose and G → 0 for a dose spread
//! over a time much longer than the repair half-time.
//!
//! Closed forms for sums of exponentials (the fitted kinetics) and a general O(n) numerical G for
//! any tabulated, piecewise-linear dose-rate curve (recursive convolution, exact per interval).

use anyhow::{bail, Result};
use std::f64::consts::LN_2;

/// Decay (or repair) rate per hour of a half-time in hours.
pub fn rate_per_h(half_time_h: f64) -> f64 {
    LN_2 / half_time_h
}

/// G for R(t) ∝ exp(-λt) (instantaneous uptake, effective half-life `effective_half_life_h`):
/// G = λ/(λ+μ) (Dale 1985 Br J Radiol 58:515, eq. for a permanent decaying source).
pub fn g_mono_exponential(effective_half_life_h: f64, repair_half_time_h: f64) -> f64 {
    let lambda = rate_per_h(effective_half_life_h);
    let mu = rate_per_h(repair_half_time_h);
    lambda / (lambda + mu)
}

/// G for R(t) ∝ exp(-λe t) − exp(-λu t) (uptake half-time TU, effective half-life TE):
/// G = λe λu (λe + λu + μ) / ((λe + λu)(λe + μ)(λu + μ)).
///
/// This is the bi-exponential G of Baechler et al 2008 (Med Phys 35:1123) and Gustafsson et al
/// 2013; it follows from [`g_sum_of_exponentials`] with terms (+1, λe), (−1, λu), is symmetric in
/// λe and λu, finite at λe = λu, and tends to λe/(λe + μ) for TU → 0.
pub fn g_uptake_exponential(
    uptake_half_time_h: f64,
    effective_half_life_h: f64,
    repair_half_time_h: f64,
) -> f64 {
    let le = rate_per_h(effective_half_life_h);
    let lu = rate_per_h(uptake_half_time_h);
    let mu = rate_per_h(repair_half_time_h);
    le * lu * (le + lu + mu) / ((le + lu) * (le + mu) * (lu + mu))
}

/// G for a constant dose rate over `duration_h` (an external or BNCT irradiation of that length):
/// G = 2(x − 1 + e^{-x})/x², x = μT (Lea & Catcheside 1942; Fowler 1989 Br J Radiol 62:679).
pub fn g_constant_rate(duration_h: f64, repair_half_time_h: f64) -> f64 {
    let x = rate_per_h(repair_half_time_h) * duration_h;
    2.0 * kernel(x).j00
}

/// G and dose of R(t) = Σ cᵢ exp(-aᵢ t) (t ≥ 0), `terms` = [(cᵢ in Gy/h, aᵢ in 1/h)]:
/// D = Σ cᵢ/aᵢ and G = (2/D²) Σᵢ Σⱼ cᵢ cⱼ / ((aᵢ + aⱼ)(aᵢ + μ)).
///
/// Returns `(dose_gy, g)`. The caller guarantees aᵢ > 0 and R(t) ≥ 0 (as for fitted kinetics).
pub fn g_sum_of_exponentials(terms: &[(f64, f64)], repair_half_time_h: f64) -> (f64, f64) {
    let mu = rate_per_h(repair_half_time_h);
    let dose: f64 = terms.iter().map(|(c, a)| c / a).sum();
    let mut s = 0.0;
    for (ci, ai) in terms {
        for (cj, aj) in terms {
            s += ci * cj / ((ai + aj) * (ai + mu));
        }
    }
    (dose, 2.0 * s / (dose * dose))
}

/// Dose and G of a tabulated dose-rate curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TabulatedG {
    /// absorbed dose ∫R dt (Gy)
    pub dose_gy: f64,
    /// Lea–Catcheside factor (dimensionless, 0..1)
    pub g: f64,
}

/// G of a dose-rate curve sampled at `times_h` (increasing, h) with values `dose_rate_gy_h`
/// (Gy/h, ≥ 0), linear between samples. After the last sample the rate is zero, or, with
/// `tail_decay_per_h = Some(λ)`, decays as R_n e^{-λ(t − t_n)} (a fitted terminal phase).
///
/// The double integral is evaluated in O(n) by the recursive convolution
/// Y(t) = ∫₀^t R(w) e^{-μ(t−w)} dw, exact for piecewise-linear R (see [`step_increments`]).
///
/// # Errors
/// Mismatched lengths, fewer than two samples, non-increasing or non-finite times, negative or
/// non-finite rates, zero dose, non-positive repair half-time or tail rate.
pub fn g_tabulated(
    times_h: &[f64],
    dose_rate_gy_h: &[f64],
    repair_half_time_h: f64,
    tail_decay_per_h: Option<f64>,
) -> Result<TabulatedG> {
    validate_curve(times_h, dose_rate_gy_h)?;
    if !(repair_half_time_h.is_finite() && repair_half_time_h > 0.0) {
        bail!("repair half-time {repair_half_time_h} h: expected a positive number");
    }
    let mu = rate_per_h(repair_half_time_h);
    let (mut dose, mut p, mut y) = (0.0, 0.0, 0.0);
    for k in 0..times_h.len() - 1 {
        let h = times_h[k + 1] - times_h[k];
        let inc = step_increments(h, dose_rate_gy_h[k], dose_rate_gy_h[k + 1], mu, y);
        dose += inc.dose;
        p += inc.quad;
        y = inc.y_end;
    }
    if let Some(lambda) = tail_decay_per_h {
        if !(lambda.is_finite() && lambda > 0.0) {
            bail!("tail decay rate {lambda} per h: expected a positive number");
        }
        // ∫ R_n e^{-λs} [e^{-μs} Y_n + R_n ∫₀^s e^{-λu} e^{-μ(s−u)} du] ds
        let rn = dose_rate_gy_h[dose_rate_gy_h.len() - 1];
        dose += rn / lambda;
        p += rn * y / (lambda + mu) + rn * rn / (2.0 * lambda * (lambda + mu));
    }
    if dose <= 0.0 {
        bail!("dose-rate curve delivers no dose");
    }
    Ok(TabulatedG {
        dose_gy: dose,
        g: 2.0 * p / (dose * dose),
    })
}

/// Checks a tabulated dose-rate curve.
pub fn validate_curve(times_h: &[f64], rate: &[f64]) -> Result<()> {
    if times_h.len() != rate.len() {
        bail!(
            "dose-rate curve: {} times but {} rates",
            times_h.len(),
            rate.len()
        );
    }
    if times_h.len() < 2 {
        bail!("dose-rate curve: expected at least 2 samples");
    }
    if times_h.iter().any(|t| !t.is_finite()) || times_h.windows(2).any(|w| w[1] <= w[0]) {
        bail!("dose-rate curve: times must be finite and strictly increasing");
    }
    if rate.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
        bail!("dose-rate curve: rates must be finite and non-negative (Gy/h)");
    }
    Ok(())
}

/// What one interval of a piecewise-linear dose-rate curve adds.
#[derive(Clone, Copy, Debug)]
pub struct StepIncrement {
    /// dose delivered in the interval (Gy)
    pub dose: f64,
    /// increment of P = ∫R(t)Y(t)dt over the interval (Gy²); G = 2P/D² and the quadratic log
    /// kill of the interval is 2βP
    pub quad: f64,
    /// repair-weighted dose Y at the interval's end (Gy)
    pub y_end: f64,
}

/// Exact increments over an interval of length `h` (h) where the rate goes linearly from `r0` to
/// `r1` (Gy/h), with repair rate `mu` (1/h) and Y = `y0` (Gy) at the interval's start.
pub fn step_increments(h: f64, r0: f64, r1: f64, mu: f64, y0: f64) -> StepIncrement {
    let k = kernel(mu * h);
    let d = r1 - r0;
    let cross = y0 * h * (r0 * k.i0 + d * k.i1);
    let own = h * h * (r0 * r0 * k.j00 + r0 * d * (k.j10 + k.j01) + d * d * k.j11);
    StepIncrement {
        dose: h * (r0 + 0.5 * d),
        quad: cross + own,
        y_end: (-mu * h).exp() * y0 + h * (r0 * k.i0 + d * (k.i0 - k.i1)),
    }
}

/// Integrals of the exponential kernel on the unit interval, x = μh:
/// Iₚ = ∫₀¹ σᵖ e^{-xσ} dσ and Jₚq = ∫₀¹∫₀^σ σᵖ υ^q e^{-x(σ−υ)} dυ dσ.
struct Kernel {
    i0: f64,
    i1: f64,
    j00: f64,
    j01: f64,
    j10: f64,
    j11: f64,
}

fn kernel(x: f64) -> Kernel {
    if x <= 1.0 {
        // power series: Iₚ = Σ (−x)ⁿ/(n!(n+p+1)), Jₚq = Σ (−x)ⁿ q!/((q+n+1)!(p+q+n+2))
        let mut k = Kernel {
            i0: 0.0,
            i1: 0.0,
            j00: 0.0,
            j01: 0.0,
            j10: 0.0,
            j11: 0.0,
        };
        let mut pow_over_fact = 1.0; // (−x)ⁿ/n!
        for n in 0..24 {
            let nf = n as f64;
            let a = pow_over_fact;
            // (−x)ⁿ/(n+1)! and (−x)ⁿ/(n+2)! (times q! = 1 for q = 1)
            let b1 = a / (nf + 1.0);
            let b2 = b1 / (nf + 2.0);
            k.i0 += a / (nf + 1.0);
            k.i1 += a / (nf + 2.0);
            k.j00 += b1 / (nf + 2.0);
            k.j10 += b1 / (nf + 3.0);
            k.j01 += b2 / (nf + 3.0);
            k.j11 += b2 / (nf + 4.0);
            pow_over_fact *= -x / (nf + 1.0);
        }
        k
    } else {
        let e = (-x).exp();
        let (x2, x3) = (x * x, x * x * x);
        Kernel {
            i0: (1.0 - e) / x,
            i1: (1.0 - (1.0 + x) * e) / x2,
            j00: (x - 1.0 + e) / x2,
            j01: 0.5 / x - 1.0 / x2 + (1.0 - e) / x3,
            j10: 0.5 / x - 1.0 / x3 + (x + 1.0) * e / x3,
            j11: 1.0 / (3.0 * x) - 0.5 / x2 + (1.0 - (x + 1.0) * e) / (x2 * x2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_series_matches_closed_form_at_switch() {
        // both branches are exact; they must agree where they meet (x = 1)
        let a = kernel(1.0);
        let b = kernel(1.0 + 1e-12);
        for (p, q) in [
            (a.i0, b.i0),
            (a.i1, b.i1),
            (a.j00, b.j00),
            (a.j01, b.j01),
            (a.j10, b.j10),
            (a.j11, b.j11),
        ] {
            assert!((p - q).abs() < 1e-11, "{p} vs {q}");
        }
    }

    #[test]
    fn constant_rate_limits() {
        // G → 1 for a short irradiation, G ≈ 2/(μT) for a long one (Fowler 1989)
        assert!((g_constant_rate(1e-6, 1.5) - 1.0).abs() < 1e-6);
        let g = g_constant_rate(1e4, 1.0);
        assert!((g * LN_2 * 1e4 / 2.0 - 1.0).abs() < 1e-3);
    }
}
