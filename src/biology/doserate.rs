//! Time shape of the dose rate of one therapy cycle, normalised to unit dose, and its G factor.

use super::gfactor::{
    g_mono_exponential, g_sum_of_exponentials, g_tabulated, g_uptake_exponential, rate_per_h,
    validate_curve,
};
use anyhow::{bail, Result};
#[cfg(test)]
use std::f64::consts::LN_2;

/// Shape of the dose rate of one cycle (closed set; each variant states its assumption).
#[derive(Clone, Debug, PartialEq)]
pub enum DoseRateShape {
    /// All dose at the cycle's start (G = 1): the limit of a very short effective half-life.
    Instantaneous,
    /// Instantaneous uptake, then mono-exponential clearance: R ∝ exp(−λt), λ = ln2/TE.
    Exponential { effective_half_life_h: f64 },
    /// Uptake phase then clearance: R ∝ exp(−λe t) − exp(−λu t), λu = ln2/TU, λe = ln2/TE.
    UptakeExponential {
        uptake_half_time_h: f64,
        effective_half_life_h: f64,
    },
    /// Sum of exponentials R ∝ Σ cᵢ e^{−aᵢ t} (fitted kinetics: mono-, bi-, tri-exponential or
    /// uptake), `terms` = [(cᵢ, aᵢ in 1/h)], any scale; R must stay ≥ 0 (checked on a grid).
    Exponentials { terms: Vec<(f64, f64)> },
    /// Sampled dose-rate curve, linear between samples, zero before the first and after the
    /// last sample; `rate` (1/h) normalised to unit area — build it with
    /// [`DoseRateShape::tabulated`].
    Tabulated { times_h: Vec<f64>, rate: Vec<f64> },
}

fn positive(name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        bail!("{name} = {v}: expected a positive number");
    }
    Ok(())
}

impl DoseRateShape {
    /// A tabulated shape from samples of a dose rate of any positive scale (e.g. Gy/h or the
    /// activity of a fitted time-activity curve), `times_h` in hours after the cycle's start.
    ///
    /// # Errors
    /// Mismatched lengths, fewer than two samples, non-increasing times, negative rates, zero area.
    pub fn tabulated(times_h: &[f64], rate: &[f64]) -> Result<Self> {
        validate_curve(times_h, rate)?;
        let a = area(times_h, rate);
        if a <= 0.0 {
            bail!("dose-rate curve delivers no dose");
        }
        Ok(Self::Tabulated {
            times_h: times_h.to_vec(),
            rate: rate.iter().map(|r| r / a).collect(),
        })
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Instantaneous => Ok(()),
            Self::Exponential {
                effective_half_life_h,
            } => positive("effective half-life (h)", *effective_half_life_h),
            Self::UptakeExponential {
                uptake_half_time_h,
                effective_half_life_h,
            } => {
                positive("uptake half-time (h)", *uptake_half_time_h)?;
                positive("effective half-life (h)", *effective_half_life_h)
            }
            Self::Exponentials { terms } => {
                if terms.is_empty()
                    || terms
                        .iter()
                        .any(|(c, a)| !(c.is_finite() && a.is_finite() && *a > 0.0))
                {
                    bail!("exponential terms: expected finite amplitudes and positive rates (1/h)");
                }
                let dose: f64 = terms.iter().map(|(c, a)| c / a).sum();
                let scale: f64 = terms.iter().map(|(c, _)| c.abs()).sum();
                let (lo, hi) = self.time_scales_h();
                // R(t) ≥ 0 on a log grid from fast/100 to 40·slow (and at 0)
                let negative = (0..=400).any(|k| {
                    let t = if k == 0 {
                        0.0
                    } else {
                        lo / 100.0 * (4000.0 * hi / lo).powf(k as f64 / 400.0)
                    };
                    exp_sum(terms, t) < -1e-12 * scale
                });
                if dose.is_nan() || dose <= 0.0 || negative {
                    bail!("exponential terms: the dose rate must be non-negative with a positive integral");
                }
                Ok(())
            }
            Self::Tabulated { times_h, rate } => {
                validate_curve(times_h, rate)?;
                if (area(times_h, rate) - 1.0).abs() > 1e-9 {
                    bail!("tabulated dose-rate shape not normalised: use DoseRateShape::tabulated");
                }
                Ok(())
            }
        }
    }

    /// Lea–Catcheside factor of one cycle for repair half-time `repair_half_time_h` (h).
    pub fn g_factor(&self, repair_half_time_h: f64) -> Result<f64> {
        self.validate()?;
        positive("repair half-time (h)", repair_half_time_h)?;
        Ok(match self {
            Self::Instantaneous => 1.0,
            Self::Exponential {
                effective_half_life_h,
            } => g_mono_exponential(*effective_half_life_h, repair_half_time_h),
            Self::UptakeExponential {
                uptake_half_time_h,
                effective_half_life_h,
            } => g_uptake_exponential(
                *uptake_half_time_h,
                *effective_half_life_h,
                repair_half_time_h,
            ),
            Self::Exponentials { terms } => g_sum_of_exponentials(terms, repair_half_time_h).1,
            Self::Tabulated { times_h, rate } => {
                g_tabulated(times_h, rate, repair_half_time_h, None)?.g
            }
        })
    }

    /// Normalised dose rate (1/h, integrates to 1) at time `t_h` after the cycle's start; at a
    /// jump, `right` selects the value just after `t_h`.
    pub fn unit_rate(&self, t_h: f64, right: bool) -> f64 {
        if t_h < 0.0 || (t_h == 0.0 && !right) {
            return 0.0;
        }
        match self {
            Self::Instantaneous => 0.0,
            Self::Exponential {
                effective_half_life_h,
            } => {
                let l = rate_per_h(*effective_half_life_h);
                l * (-l * t_h).exp()
            }
            Self::UptakeExponential {
                uptake_half_time_h,
                effective_half_life_h,
            } => {
                let le = rate_per_h(*effective_half_life_h);
                let lu = rate_per_h(*uptake_half_time_h);
                if ((lu - le) / le).abs() < 1e-9 {
                    // limit λu → λe: λ² t e^{−λt}
                    le * le * t_h * (-le * t_h).exp()
                } else {
                    ((-le * t_h).exp() - (-lu * t_h).exp()) / (1.0 / le - 1.0 / lu)
                }
            }
            Self::Exponentials { terms } => {
                let dose: f64 = terms.iter().map(|(c, a)| c / a).sum();
                exp_sum(terms, t_h) / dose
            }
            Self::Tabulated { times_h, rate } => {
                let n = times_h.len();
                if t_h < times_h[0] || t_h > times_h[n - 1] || (t_h == times_h[n - 1] && right) {
                    return 0.0;
                }
                crate::numerics::interp_linear(times_h, rate, t_h)
            }
        }
    }

    /// Time after the cycle's start beyond which the remaining dose is negligible (< 1e-12 of the
    /// cycle's dose), h.
    pub fn duration_h(&self) -> f64 {
        // e^{−28 ln2 ...}: 40 half-lives leave 2^-40 ≈ 1e-12
        match self {
            Self::Instantaneous => 0.0,
            Self::Exponential {
                effective_half_life_h,
            } => 40.0 * effective_half_life_h,
            Self::UptakeExponential {
                uptake_half_time_h,
                effective_half_life_h,
            } => 40.0 * effective_half_life_h.max(*uptake_half_time_h),
            Self::Exponentials { .. } => 40.0 * self.time_scales_h().1,
            Self::Tabulated { times_h, .. } => times_h[times_h.len() - 1],
        }
    }

    /// Fastest and slowest time scales of the shape (h), which set the integration steps; a
    /// tabulated shape has none (its samples are nodes of the integration).
    pub fn time_scales_h(&self) -> (f64, f64) {
        match self {
            Self::Instantaneous | Self::Tabulated { .. } => (f64::INFINITY, f64::INFINITY),
            Self::Exponentials { terms } => {
                let half = |a: &f64| std::f64::consts::LN_2 / a; // half-time of rate a
                let fast = terms
                    .iter()
                    .map(|(_, a)| half(a))
                    .fold(f64::INFINITY, f64::min);
                let slow = terms.iter().map(|(_, a)| half(a)).fold(0.0, f64::max);
                (fast, slow)
            }
            Self::Exponential {
                effective_half_life_h,
            } => (*effective_half_life_h, *effective_half_life_h),
            Self::UptakeExponential {
                uptake_half_time_h,
                effective_half_life_h,
            } => (
                effective_half_life_h.min(*uptake_half_time_h),
                effective_half_life_h.max(*uptake_half_time_h),
            ),
        }
    }
}

/// Σ cᵢ e^{−aᵢ t}.
fn exp_sum(terms: &[(f64, f64)], t_h: f64) -> f64 {
    terms.iter().map(|(c, a)| c * (-a * t_h).exp()).sum()
}

/// Area under a piecewise-linear curve (trapezoid rule, exact for it).
fn area(t: &[f64], r: &[f64]) -> f64 {
    t.windows(2)
        .zip(r.windows(2))
        .map(|(t, r)| 0.5 * (t[1] - t[0]) * (r[0] + r[1]))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulated_shape_is_normalised_and_matches_exponential() {
        // an exponential sampled for 40 half-lives at 1/40 half-life: G within 1e-5 of λ/(λ+μ)
        // (piecewise-linear error (ln2/40)²/12 = 2.5e-5 of the local rate, partly cancelling)
        let te = 60.0;
        let t: Vec<f64> = (0..=1600).map(|k| k as f64 * te / 40.0).collect();
        let r: Vec<f64> = t.iter().map(|t| 7.0 * (-LN_2 * t / te).exp()).collect();
        let tab = DoseRateShape::tabulated(&t, &r).unwrap();
        let g = tab.g_factor(1.5).unwrap();
        assert!((g / g_mono_exponential(te, 1.5) - 1.0).abs() < 1e-5, "{g}");
        assert!(
            (area(
                &t,
                match &tab {
                    DoseRateShape::Tabulated { rate, .. } => rate,
                    _ => unreachable!(),
                }
            ) - 1.0)
                .abs()
                < 1e-12
        );
        // sum of exponentials: the uptake shape as (+1, λe), (−1, λu)
        let (le, lu) = (LN_2 / 60.0, LN_2 / 2.0);
        let sum = DoseRateShape::Exponentials {
            terms: vec![(3.0, le), (-3.0, lu)],
        };
        let up = DoseRateShape::UptakeExponential {
            uptake_half_time_h: 2.0,
            effective_half_life_h: 60.0,
        };
        assert!((sum.g_factor(1.5).unwrap() - up.g_factor(1.5).unwrap()).abs() < 1e-12);
        for t in [0.5, 5.0, 50.0] {
            assert!((sum.unit_rate(t, true) / up.unit_rate(t, true) - 1.0).abs() < 1e-12);
        }
        assert_eq!(sum.time_scales_h(), (2.0, 60.0));
        let negative = DoseRateShape::Exponentials {
            terms: vec![(-1.0, le), (1.0, lu)],
        };
        assert!(negative.validate().is_err());
        let raw = DoseRateShape::Tabulated {
            times_h: t,
            rate: r,
        };
        assert!(raw.validate().is_err());
        assert!(DoseRateShape::tabulated(&[0.0, 1.0], &[0.0, 0.0]).is_err());
    }
}
