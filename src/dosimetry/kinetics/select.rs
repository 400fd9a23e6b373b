//! [`fit_tac`]: validation, the method asked for or the AICc choice, and the [`TacFit`] result.

use anyhow::{bail, ensure, Result};
use std::f64::consts::LN_2;

use super::fit::{fit_exp, ExpFit};
use super::lm::Data;
use super::simple::{hanscheid, madsen, trapezoid_tail};
use super::{model, quadratic_form, validate_tac, Candidate, Curve, Model, ModelChoice};
use super::{TacFit, TacOptions, Weights};

/// The exponential models the automatic choice tries, simplest first.
const AUTO_MODELS: [Model; 4] = [Model::Mono, Model::UptakeWashout, Model::Bi, Model::Tri];

/// Residual sums below this fraction of `sum w y^2` (residuals below ~1e-8 of the values)
/// count as an exact fit in the AICc: finer differences are round-off, not information.
const CHI2_FLOOR: f64 = 1e-16;

/// Corrected Akaike information criterion for a least-squares fit with `k` parameters to `n`
/// points and weighted residual sum of squares `wrss` (Burnham & Anderson, Model Selection and
/// Multimodel Inference, 2nd ed. 2002, eqs. 2.13–2.14; as used for TACs by Glatting et al.,
/// Med Phys 34 (2007) 4285): `n ln(wrss / n) + 2k + 2k(k+1)/(n-k-1)`. `None` unless
/// `n > k + 1` and `wrss > 0`.
pub fn aicc(wrss: f64, n: usize, k: usize) -> Option<f64> {
    if n <= k + 1 || wrss.is_nan() || wrss <= 0.0 {
        return None;
    }
    let (nf, kf) = (n as f64, k as f64);
    Some(nf * (wrss / nf).ln() + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0))
}

/// Fits (or integrates) one time-activity curve.
///
/// `times_h` after injection (h), `values` in any activity unit (the TIA comes in that unit
/// times h), `weights` the per-point standard deviations. The exponential fits need at least
/// `k + 1` points (mono 3, uptake-washout 4, bi 5, tri 7); the automatic choice ranks models
/// with `n > k + 1` by AICc. With `lambda_phys_per_h`, no fitted rate is slower than the
/// physical decay: a fit that runs into that bound has its slowest rate clamped to it (and one
/// parameter fewer), reported in `clamped_to_physical`.
///
/// # Errors
/// Invalid inputs (see [`validate_tac`]), too few points for the model, a single-point method
/// with more than one point, a trapezoid or a Madsen estimate without its decay constant or
/// half-life, or a fit that fails (with the reason).
pub fn fit_tac(
    times_h: &[f64],
    values: &[f64],
    weights: Weights,
    opts: &TacOptions,
) -> Result<TacFit> {
    let sigma = weights.sigma();
    validate_tac(times_h, values, sigma)?;
    if let Some(l) = opts.lambda_phys_per_h {
        ensure!(
            l.is_finite() && l > 0.0,
            "physical decay constant {l} 1/h: expected positive and finite"
        );
    }
    let w: Vec<f64> = sigma.iter().map(|s| 1.0 / (s * s)).collect();
    let d = Data {
        t_h: times_h,
        y: values,
        w: &w,
    };
    let n = times_h.len();
    match opts.choice {
        ModelChoice::Fixed(Model::Trapezoid) => trapezoid(d, sigma, opts),
        ModelChoice::Fixed(m @ (Model::Hanscheid | Model::Madsen)) => single(m, d, sigma, opts),
        ModelChoice::Fixed(m) => {
            let k = m.n_params();
            ensure!(
                n > k,
                "model {}: {n} time points, expected at least {} for its {k} parameters",
                m.name(),
                k + 1
            );
            let floor = opts.lambda_phys_per_h.unwrap_or(0.0);
            let f = fit_exp(m, d, floor)
                .map_err(|e| anyhow::anyhow!("model {}: fit rejected: {e}", m.name()))?;
            Ok(exp_result(f, d, weights))
        }
        ModelChoice::Auto => auto(d, sigma, weights, opts),
    }
}

/// The AICc choice among [`AUTO_MODELS`].
fn auto(d: Data, sigma: &[f64], weights: Weights, opts: &TacOptions) -> Result<TacFit> {
    let n = d.y.len();
    let floor = opts.lambda_phys_per_h.unwrap_or(0.0);
    let mut candidates = Vec::new();
    let mut best: Option<TacFit> = None;
    for m in AUTO_MODELS {
        let k = m.n_params();
        if n <= k + 1 {
            candidates.push(rejected(
                m,
                format!("needs more than {} points for AICc", k + 1),
            ));
            continue;
        }
        match fit_exp(m, d, floor) {
            Err(e) => candidates.push(rejected(m, e)),
            Ok(f) => {
                let r = exp_result(f, d, weights);
                candidates.push(Candidate {
                    model: m,
                    aicc: r.aicc,
                    tia: Some(r.tia),
                    rejected: None,
                });
                let score = |f: &TacFit| f.aicc.unwrap_or(f64::INFINITY);
                if best.as_ref().is_none_or(|b| score(&r) < score(b)) {
                    best = Some(r);
                }
            }
        }
    }
    let mut out = match best {
        Some(b) => b,
        None if n >= 3 => {
            let f = fit_exp(Model::Mono, d, floor)
                .map_err(|e| anyhow::anyhow!("auto: no model fits; mono: {e}"))?;
            let mut r = exp_result(f, d, weights);
            r.notes
                .push(format!("auto: {n} points are too few for AICc; mono taken"));
            r
        }
        None if opts.lambda_phys_per_h.is_some() => {
            let mut r = trapezoid(d, sigma, opts)?;
            r.notes
                .push(format!("auto: {n} points are too few for a fit; trapezoid taken"));
            r
        }
        None => bail!(
            "auto: {n} time points, expected at least 3 for a fit (or give a nuclide for the trapezoid)"
        ),
    };
    out.candidates = candidates;
    Ok(out)
}

fn rejected(model: Model, why: String) -> Candidate {
    Candidate {
        model,
        aicc: None,
        tia: None,
        rejected: Some(why),
    }
}

/// The [`TacFit`] of an exponential fit: covariance scaled for relative weights, TIA and its
/// standard deviation, AICc.
fn exp_result(f: ExpFit, d: Data, weights: Weights) -> TacFit {
    let n = d.y.len();
    let m = f.param.model;
    let k = f.param.n_free();
    let mut cov = f.cov;
    let mut known = true;
    if let Weights::Relative(_) = weights {
        if n > k {
            let s2 = f.chi2 / (n - k) as f64;
            cov.iter_mut().flatten().for_each(|c| *c *= s2);
        } else {
            known = false;
        }
    }
    let tia = model::integral(m, &f.p);
    let g = model::integral_gradient(m, &f.p);
    let tia_sd = known.then(|| quadratic_form(&g, &cov).max(0.0).sqrt());
    let scale: f64 = (0..n).map(|i| d.w[i] * d.y[i] * d.y[i]).sum();
    let mut notes = Vec::new();
    if f.param.clamped {
        notes.push(format!(
            "slowest rate clamped to the physical decay constant {:.6e} 1/h",
            f.param.floor
        ));
    }
    TacFit {
        model: m,
        effective_half_life_h: Some(LN_2 / f.p[1]),
        aicc: aicc(f.chi2.max(CHI2_FLOOR * scale), n, k),
        chi2: f.chi2,
        n_points: n,
        clamped_to_physical: f.param.clamped,
        candidates: Vec::new(),
        notes,
        curve: Curve::Exp {
            model: m,
            p: f.p.clone(),
        },
        params: f.p,
        cov,
        tia,
        tia_sd,
    }
}

/// Trapezoid with physical-decay tail; point errors propagated as independent.
fn trapezoid(d: Data, sigma: &[f64], opts: &TacOptions) -> Result<TacFit> {
    let Some(lambda) = opts.lambda_phys_per_h else {
        bail!("model trapezoid: the physical-decay tail needs the nuclide (its decay constant)");
    };
    let (tia, c) = trapezoid_tail(d.t_h, d.y, lambda, opts.trapezoid_start);
    let var: f64 = c.iter().zip(sigma).map(|(c, s)| c * c * s * s).sum();
    let n = d.y.len();
    let half_life = (n >= 2 && d.y[n - 1] > 0.0 && d.y[n - 2] > d.y[n - 1])
        .then(|| LN_2 * (d.t_h[n - 1] - d.t_h[n - 2]) / (d.y[n - 2] / d.y[n - 1]).ln());
    Ok(TacFit {
        model: Model::Trapezoid,
        params: Vec::new(),
        cov: Vec::new(),
        tia,
        tia_sd: Some(var.sqrt()),
        effective_half_life_h: half_life,
        aicc: None,
        chi2: 0.0,
        n_points: n,
        clamped_to_physical: false,
        candidates: Vec::new(),
        notes: vec![format!(
            "trapezoid from injection ({:?} start) plus tail A_n / lambda_phys after the last point",
            opts.trapezoid_start
        )],
        curve: Curve::Piecewise {
            t_h: d.t_h.to_vec(),
            y: d.y.to_vec(),
            sigma: sigma.to_vec(),
            start: opts.trapezoid_start,
            lambda_tail: lambda,
        },
    })
}

/// Hänscheid or Madsen single-time-point estimate.
fn single(m: Model, d: Data, sigma: &[f64], opts: &TacOptions) -> Result<TacFit> {
    ensure!(
        d.y.len() == 1,
        "model {}: a single-time-point method, got {} time points, expected exactly 1",
        m.name(),
        d.y.len()
    );
    let (t, y, s) = (d.t_h[0], d.y[0], sigma[0]);
    ensure!(
        t > 0.0,
        "model {}: time 0 h, expected a measurement after injection",
        m.name()
    );
    // TIA per unit value at t, h.
    let (factor, half_life) = if m == Model::Hanscheid {
        (hanscheid(t, 1.0), t)
    } else {
        let Some(th) = opts.effective_half_life_h else {
            bail!("model madsen: needs the population effective half-life (h)");
        };
        ensure!(
            th.is_finite() && th > 0.0,
            "effective half-life {th} h: expected positive and finite"
        );
        (madsen(t, 1.0, th), th)
    };
    let lambda = LN_2 / half_life;
    let tia = y * factor;
    let mut notes = vec![
        "uncertainty from the measured value only; the assumed half-life adds a model error"
            .to_string(),
    ];
    if opts.lambda_phys_per_h.is_some_and(|l| lambda < l) {
        notes.push(format!(
            "assumed effective half-life {half_life} h is longer than the physical one: the estimate is biased high"
        ));
    }
    Ok(TacFit {
        model: m,
        params: vec![y, lambda],
        cov: vec![vec![s * s, 0.0], vec![0.0, 0.0]],
        tia,
        tia_sd: Some(s * factor),
        effective_half_life_h: Some(half_life),
        aicc: None,
        chi2: 0.0,
        n_points: 1,
        clamped_to_physical: false,
        candidates: Vec::new(),
        notes,
        curve: Curve::Single {
            t_h: t,
            y,
            sigma: s,
            lambda,
        },
    })
}
