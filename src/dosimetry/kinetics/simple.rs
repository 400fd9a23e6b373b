//! Model-free and single-time-point time-integrated activity.

use std::f64::consts::LN_2;

/// How the trapezoid treats `0 <= t < t_1` (before the first measurement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrapezoidStart {
    /// Activity rises linearly from 0 at injection to the first value (uptake phase; adds
    /// `t_1 A_1 / 2`). Underestimates when the first value is already on the washout.
    #[default]
    Zero,
    /// The first value held back to injection (adds `t_1 A_1`): overestimates an uptake,
    /// underestimates a washout that started at injection.
    Constant,
}

/// Trapezoid rule over the measured points plus the physical-decay tail `A_n / lambda_phys`
/// after the last point (no biological clearance assumed after it, so the tail is an upper
/// bound for a clearing tracer). Returns the integral (value times h) and the weights `c_i`
/// with `integral = sum c_i y_i`, so that independent point errors propagate as
/// `var = sum c_i^2 sigma_i^2`.
///
/// Inputs are assumed validated (times increasing, at least one point, `lambda_phys_per_h > 0`).
pub fn trapezoid_tail(
    times_h: &[f64],
    values: &[f64],
    lambda_phys_per_h: f64,
    start: TrapezoidStart,
) -> (f64, Vec<f64>) {
    let n = times_h.len();
    debug_assert!(n >= 1 && values.len() == n && lambda_phys_per_h > 0.0);
    let mut c = vec![0.0; n];
    c[0] += match start {
        TrapezoidStart::Zero => 0.5 * times_h[0],
        TrapezoidStart::Constant => times_h[0],
    };
    for i in 1..n {
        let dt = times_h[i] - times_h[i - 1];
        c[i - 1] += 0.5 * dt;
        c[i] += 0.5 * dt;
    }
    c[n - 1] += 1.0 / lambda_phys_per_h;
    let tia = c.iter().zip(values).map(|(a, b)| a * b).sum();
    (tia, c)
}

/// Hänscheid et al., J Nucl Med 59 (2018) 75–81: `TIA ~= A(t) 2 t / ln 2` from one measurement
/// at `t`. It is the mono-exponential integral `A(t) e^(lambda t) / lambda` with the effective
/// half-life taken equal to `t` (exact then; within about +-10 % for half-lives between about
/// 0.5 t and 2 t, since e^(lambda t)/lambda is flat near its minimum at lambda t = 1).
/// Returns value times h.
pub fn hanscheid(t_h: f64, value: f64) -> f64 {
    value * 2.0 * t_h / LN_2
}

/// Madsen et al., Med Phys 45 (2018) 2318–2324: `TIA = A(t) e^(lambda t) / lambda` with
/// `lambda = ln 2 / T_eff` from a population effective half-life `T_eff` (h) and one
/// measurement at `t`, i.e. a mono-exponential through the point. Returns value times h.
pub fn madsen(t_h: f64, value: f64, effective_half_life_h: f64) -> f64 {
    let lambda = LN_2 / effective_half_life_h;
    value * (lambda * t_h).exp() / lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hanscheid_is_madsen_with_half_life_equal_to_time() {
        let (t, a) = (96.0, 3.5);
        assert!((hanscheid(t, a) - madsen(t, a, t)).abs() < 1e-12 * hanscheid(t, a));
    }
}
