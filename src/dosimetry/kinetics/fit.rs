//! Fitting one exponential model: starting values (log-linear fits and curve peeling), several
//! Levenberg–Marquardt runs, the physical-decay clamp, validity checks and the covariance.

use super::kind::Model;
use super::lm::{self, Data};
use super::model::{self, Param};

/// A rate (or amplitude share) this small relative to its reference means a component has left
/// the model: the fit is degenerate, the simpler model describes the data.
const VANISHING: f64 = 1e-6;

/// The result of one exponential fit (natural parameters, unscaled covariance).
#[derive(Clone, Debug)]
pub(super) struct ExpFit {
    pub param: Param,
    pub p: Vec<f64>,
    /// `(J^T W J)^-1` over the natural parameters; rows and columns of a clamped rate are 0.
    pub cov: Vec<Vec<f64>>,
    /// Weighted residual sum of squares.
    pub chi2: f64,
}

/// Fits `model` to the data with every rate at least `floor` (1/h). `Err` says why the model
/// is rejected.
pub(super) fn fit_exp(model: Model, d: Data, floor: f64) -> Result<ExpFit, String> {
    let mut param = Param {
        model,
        floor,
        clamped: false,
    };
    let mut best: Option<(Vec<f64>, f64)> = None;
    for p0 in starts(model, d, floor) {
        let Some(th0) = param.theta(&p0) else {
            continue;
        };
        let (th, c) = lm::minimise(&param, &th0, d);
        if c.is_finite() && best.as_ref().is_none_or(|b| c < b.1) {
            best = Some((th, c));
        }
    }
    let (mut theta, mut c) = best.ok_or("no usable starting values")?;
    // Effective decay slower than physical decay is impossible; the fit runs into the bound
    // (biological rate -> 0): clamp the slowest rate to the physical one and refit the rest.
    if floor > 0.0 && theta[1].exp() < VANISHING * floor {
        let mut p = param.natural(&theta);
        param.clamped = true;
        p[1] = floor;
        let th0 = param.theta(&p).ok_or("clamped start invalid")?;
        (theta, c) = lm::minimise(&param, &th0, d);
    }
    let p = param.natural(&theta);
    check_valid(&param, &p)?;
    let cov = covariance(&param, &p, d)?;
    Ok(ExpFit {
        param,
        p,
        cov,
        chi2: c,
    })
}

/// Rejects fits where a component vanished or two rates merged (the data support fewer
/// components), or the integral is not finite.
fn check_valid(param: &Param, p: &[f64]) -> Result<(), String> {
    let amps: Vec<f64> = param.amp_indices().iter().map(|&i| p[i]).collect();
    let rates: Vec<f64> = param.rate_indices().iter().map(|&i| p[i]).collect();
    // Each component's share of the integral.
    if param.model != Model::UptakeWashout && amps.len() > 1 {
        let parts: Vec<f64> = amps.iter().zip(&rates).map(|(a, l)| a / l).collect();
        let total: f64 = parts.iter().sum();
        let peak: f64 = amps.iter().cloned().fold(0.0, f64::max);
        if parts
            .iter()
            .zip(&amps)
            .any(|(s, a)| *s < VANISHING * total || *a < VANISHING * peak)
        {
            return Err("a component vanished (its amplitude or integral share -> 0)".into());
        }
    }
    for w in rates.windows(2) {
        if w[1] - w[0] < VANISHING * w[1] {
            return Err("two rates merged".into());
        }
    }
    if rates[0].is_nan() || rates[0] <= 0.0 {
        return Err("slowest rate is 0: unbounded integral".into());
    }
    let tia = model::integral(param.model, p);
    if !(tia.is_finite() && tia > 0.0) {
        return Err(format!("integral {tia} not positive and finite"));
    }
    Ok(())
}

/// `(J^T W J)^-1` over the fitted natural parameters, embedded in the full natural layout.
fn covariance(param: &Param, p: &[f64], d: Data) -> Result<Vec<Vec<f64>>, String> {
    let j = lm::jacobian_natural(param, p, d);
    let k = param.n_free();
    let mut jtj = vec![vec![0.0; k]; k];
    for row in &j {
        for a in 0..k {
            for b in 0..k {
                jtj[a][b] += row[a] * row[b];
            }
        }
    }
    let inv = lm::inverse_spd(&jtj)
        .ok_or("parameters not identifiable (singular J^T W J)".to_string())?;
    let free = param.free_indices();
    let n = param.n_natural();
    let mut cov = vec![vec![0.0; n]; n];
    for (a, &ia) in free.iter().enumerate() {
        for (b, &ib) in free.iter().enumerate() {
            cov[ia][ib] = inv[a][b];
        }
    }
    Ok(cov)
}

/// Weighted log-linear fit `ln y = ln A - lambda t` over points with `y > 0` (weights
/// `w y^2`, the variance of `ln y` being `sigma^2 / y^2`); `None` with fewer than 2 points.
pub(super) fn log_linear(t: &[f64], y: &[f64], w: &[f64]) -> Option<(f64, f64)> {
    let (mut s, mut st, mut sl, mut stt, mut stl) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut n = 0;
    for i in 0..t.len() {
        if y[i] > 0.0 {
            let (wl, l) = (w[i] * y[i] * y[i], y[i].ln());
            s += wl;
            st += wl * t[i];
            sl += wl * l;
            stt += wl * t[i] * t[i];
            stl += wl * t[i] * l;
            n += 1;
        }
    }
    let det = s * stt - st * st;
    if n < 2 || det.is_nan() || det <= 0.0 {
        return None;
    }
    let slope = (s * stl - st * sl) / det;
    let icpt = (sl - slope * st) / s;
    Some((icpt.exp(), -slope))
}

/// Starting points (natural parameters) for `model`.
fn starts(model: Model, d: Data, floor: f64) -> Vec<Vec<f64>> {
    let t_max = d.t_h.iter().cloned().fold(0.0, f64::max).max(1e-9);
    // A rate the data can resolve at least: one e-fold over ten times the sampling span.
    let slow = (floor * 1.05).max(0.1 / t_max);
    let (a0, l0) = log_linear(d.t_h, d.y, d.w).unwrap_or((d.y[0].abs().max(1e-30), slow));
    let l0 = l0.max(slow);
    let y_max = d.y.iter().cloned().fold(0.0, f64::max).max(1e-30);
    match model {
        Model::Mono => vec![vec![a0, l0]],
        Model::Bi | Model::Tri => {
            let k = if model == Model::Bi { 2 } else { 3 };
            let mut out = vec![peel(k, d, slow)];
            for spread in [5.0f64, 20.0] {
                let mut p = Vec::new();
                for c in 0..k {
                    p.push(a0 / k as f64 * spread.powi(c as i32));
                    p.push(l0 * spread.powi(c as i32));
                }
                out.push(p);
            }
            out
        }
        _ => {
            // Washout from the points after the maximum, uptake a few times faster.
            let peak = (0..d.y.len())
                .max_by(|&a, &b| d.y[a].total_cmp(&d.y[b]))
                .unwrap_or(0);
            let (aw, lw) =
                log_linear(&d.t_h[peak..], &d.y[peak..], &d.w[peak..]).unwrap_or((a0, l0));
            let (aw, lw) = (aw.max(y_max), lw.max(slow));
            let t_peak = d.t_h[peak].max(1e-3 * t_max);
            let mut out: Vec<Vec<f64>> = [3.0, 30.0].iter().map(|f| vec![aw, lw, lw * f]).collect();
            out.push(vec![aw, lw, lw + 3.0 / t_peak]);
            out
        }
    }
}

/// Curve peeling (e.g. Gibaldi & Perrier, Pharmacokinetics, 2nd ed. 1982, ch. 3): the slowest
/// component from a log-linear fit to the last points, subtracted, the next from the earlier
/// residuals, and so on; components that cannot be peeled get rates spaced by 5x.
fn peel(k: usize, d: Data, slow: f64) -> Vec<f64> {
    let n = d.y.len();
    let mut resid: Vec<f64> = d.y.to_vec();
    let mut end = n;
    let mut comps: Vec<(f64, f64)> = Vec::new();
    for c in 0..k {
        let take = if c + 1 == k {
            end
        } else {
            (end / (k - c)).max(2)
        };
        let start = end.saturating_sub(take);
        let prev = comps.last().map_or(slow / 5.0, |p| p.1);
        let fit = log_linear(&d.t_h[start..end], &resid[start..end], &d.w[start..end]);
        let (a, l) = match fit {
            Some((a, l)) if l > prev * 1.5 && a.is_finite() => (a, l),
            _ => {
                let a = comps.last().map_or(d.y[n - 1].abs(), |p| p.0);
                (a.max(1e-30), prev * 5.0)
            }
        };
        comps.push((a, l));
        for (r, t) in resid.iter_mut().zip(d.t_h).take(start) {
            *r -= a * (-l * t).exp();
        }
        end = start;
        if end < 2 {
            end = 2.min(n);
        }
    }
    comps.iter().flat_map(|&(a, l)| [a, l]).collect()
}
