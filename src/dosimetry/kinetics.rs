//! Time-activity curves (TACs) and time-integrated activity (TIA).
//!
//! [`fit_tac`] fits one TAC (times in h, values in any activity unit, e.g. MBq) with a
//! mono-, bi- or tri-exponential or an uptake-washout model by weighted least squares
//! (Levenberg–Marquardt), or takes the model-free trapezoid with a physical-decay tail, or a
//! single-time-point method (Hänscheid 2018, Madsen 2018). The TIA `integral_0^inf A dt` is
//! analytic for the fitted models, in value times h, with its standard deviation by error
//! propagation (`g^T C g`, `g` the gradient of the integral, `C` the parameter covariance).
//! [`ModelChoice::Auto`] picks among the exponential models by corrected AIC.
//! [`voxel::tia_map`] and [`voxel::fit_regions`] apply it to image stacks and regions.

mod fit;
mod kind;
mod lm;
mod model;
mod select;
pub mod simple;
pub mod voxel;

use anyhow::{bail, Result};
use std::f64::consts::LN_2;

pub use kind::Model;
pub use select::{aicc, fit_tac};
pub use simple::TrapezoidStart;

/// Which model [`fit_tac`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// The exponential model (mono, bi, tri, uptake-washout) with the lowest AICc among those
    /// with `n > k + 1` points and valid parameters; with too few points for any, mono when
    /// `n >= 3`.
    Auto,
    /// This model.
    Fixed(Model),
}

/// The per-point standard deviations of the values.
#[derive(Clone, Copy, Debug)]
pub enum Weights<'a> {
    /// Known standard deviations (value unit): the covariance is `(J^T W J)^-1`.
    Absolute(&'a [f64]),
    /// Standard deviations known up to a common factor (e.g. 10 % of each value): the
    /// covariance is scaled by the reduced chi-square `chi2 / (n - k)`. The model-free and
    /// single-point methods, which have no residuals, take them as absolute.
    Relative(&'a [f64]),
}

impl Weights<'_> {
    fn sigma(&self) -> &[f64] {
        match self {
            Weights::Absolute(s) | Weights::Relative(s) => s,
        }
    }
}

/// Options of [`fit_tac`].
#[derive(Clone, Copy, Debug)]
pub struct TacOptions {
    /// The model or automatic choice.
    pub choice: ModelChoice,
    /// Physical decay constant (1/h) of the nuclide: lower bound of every fitted rate, and
    /// the rate of the trapezoid tail (which needs it).
    pub lambda_phys_per_h: Option<f64>,
    /// Start of the trapezoid.
    pub trapezoid_start: TrapezoidStart,
    /// Population effective half-life (h) for [`Model::Madsen`].
    pub effective_half_life_h: Option<f64>,
}

impl TacOptions {
    /// Options with the given model and nuclide decay constant, other fields default.
    pub fn new(choice: ModelChoice, lambda_phys_per_h: Option<f64>) -> Self {
        TacOptions {
            choice,
            lambda_phys_per_h,
            trapezoid_start: TrapezoidStart::default(),
            effective_half_life_h: None,
        }
    }
}

/// One model tried by the automatic choice.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The model.
    pub model: Model,
    /// Its AICc, when it was fitted and valid.
    pub aicc: Option<f64>,
    /// Its TIA (value times h), when it was fitted and valid.
    pub tia: Option<f64>,
    /// Why it was not considered, when it was not.
    pub rejected: Option<String>,
}

/// The curve behind a [`TacFit`], for evaluation and plotting.
#[derive(Clone, Debug)]
enum Curve {
    Exp {
        model: Model,
        p: Vec<f64>,
    },
    Piecewise {
        t_h: Vec<f64>,
        y: Vec<f64>,
        sigma: Vec<f64>,
        start: TrapezoidStart,
        lambda_tail: f64,
    },
    Single {
        t_h: f64,
        y: f64,
        sigma: f64,
        lambda: f64,
    },
}

/// A fitted (or integrated) time-activity curve.
#[derive(Clone, Debug)]
pub struct TacFit {
    /// The model used.
    pub model: Model,
    /// Parameters named by [`Model::param_names`] (amplitudes in the value unit, rates 1/h).
    pub params: Vec<f64>,
    /// Their covariance (rows like `params`); zero rows for a parameter held fixed.
    pub cov: Vec<Vec<f64>>,
    /// Time-integrated activity `integral_0^inf A dt`, value times h.
    pub tia: f64,
    /// Its standard deviation (value times h); `None` when it cannot be estimated (relative
    /// weights and no degrees of freedom).
    pub tia_sd: Option<f64>,
    /// ln 2 / (slowest rate): the terminal (dominant washout) effective half-life, h. For the
    /// trapezoid, from the last two points when they decrease; for the single-point methods,
    /// the assumed one.
    pub effective_half_life_h: Option<f64>,
    /// Corrected AIC (`None` with `n <= k + 1` or for non-fitted methods).
    pub aicc: Option<f64>,
    /// Weighted residual sum of squares.
    pub chi2: f64,
    /// Number of points.
    pub n_points: usize,
    /// The slowest rate ran into the physical decay constant and was fixed there.
    pub clamped_to_physical: bool,
    /// Models tried by the automatic choice (empty for a fixed model).
    pub candidates: Vec<Candidate>,
    /// Remarks on choices made (fallbacks, clamps).
    pub notes: Vec<String>,
    curve: Curve,
}

impl TacFit {
    /// The curve at `t_h` (value unit).
    pub fn eval(&self, t_h: f64) -> f64 {
        match &self.curve {
            Curve::Exp { model, p } => model::eval(*model, p, t_h),
            Curve::Piecewise {
                t_h: ts,
                y,
                start,
                lambda_tail,
                ..
            } => piecewise(ts, y, *start, *lambda_tail, t_h).0,
            Curve::Single {
                t_h: t0, y, lambda, ..
            } => y * (-lambda * (t_h - t0)).exp(),
        }
    }

    /// Standard deviation of the curve at `t_h` (delta method `g^T C g` for the fitted models;
    /// the interpolated point errors for the trapezoid; the point error scaled for the
    /// single-point methods). `None` when the covariance is unknown.
    pub fn eval_sd(&self, t_h: f64) -> Option<f64> {
        self.tia_sd?;
        match &self.curve {
            Curve::Exp { model, p } => {
                let mut g = vec![0.0; p.len()];
                model::gradient(*model, p, t_h, &mut g);
                Some(quadratic_form(&g, &self.cov).max(0.0).sqrt())
            }
            Curve::Piecewise {
                t_h: ts,
                sigma,
                start,
                lambda_tail,
                ..
            } => {
                let (_, w) = piecewise(ts, sigma, *start, *lambda_tail, t_h);
                Some(w)
            }
            Curve::Single {
                t_h: t0,
                sigma,
                lambda,
                ..
            } => Some(sigma * (-lambda * (t_h - t0)).exp()),
        }
    }

    /// The curve as a sum of exponentials `sum a_k e^(-lambda_k t)`: `(a_k, lambda_k per h)`
    /// with signed amplitudes (uptake-washout gives `[(A, lambda_w), (-A, lambda_u)]`; the
    /// single-point methods one term through their point). `None` for the trapezoid. For
    /// dose-rate shapes (e.g. the BED G-factor of a sum of exponentials).
    pub fn exponential_terms(&self) -> Option<Vec<(f64, f64)>> {
        match &self.curve {
            Curve::Exp { model, p } => model.exponential_terms(p),
            Curve::Single { t_h, y, lambda, .. } => Some(vec![(y * (lambda * t_h).exp(), *lambda)]),
            Curve::Piecewise { .. } => None,
        }
    }

    /// `tia_sd / tia`.
    pub fn tia_rel_uncertainty(&self) -> Option<f64> {
        self.tia_sd
            .map(|s| if self.tia > 0.0 { s / self.tia } else { 0.0 })
    }
}

/// The trapezoid curve through `(ts, y)` at `t`: `(linear interpolation, interpolation in
/// quadrature)`; the first is the curve when `y` are values, the second its standard deviation
/// when `y` are independent point standard deviations.
fn piecewise(ts: &[f64], y: &[f64], start: TrapezoidStart, lambda: f64, t: f64) -> (f64, f64) {
    let n = ts.len();
    if t >= ts[n - 1] {
        let f = (-lambda * (t - ts[n - 1])).exp();
        return (y[n - 1] * f, y[n - 1] * f);
    }
    if t < ts[0] {
        let f = match start {
            TrapezoidStart::Zero => (t / ts[0]).max(0.0),
            TrapezoidStart::Constant => 1.0,
        };
        return (y[0] * f, y[0] * f);
    }
    let k = ts.partition_point(|&x| x <= t).clamp(1, n - 1);
    let f = (t - ts[k - 1]) / (ts[k] - ts[k - 1]);
    let lin = (1.0 - f) * y[k - 1] + f * y[k];
    let quad = ((1.0 - f) * y[k - 1]).hypot(f * y[k]);
    (lin, quad)
}

/// `g^T C g`.
fn quadratic_form(g: &[f64], c: &[Vec<f64>]) -> f64 {
    (0..g.len())
        .map(|i| (0..g.len()).map(|j| g[i] * c[i][j] * g[j]).sum::<f64>())
        .sum()
}

/// Checks one TAC: equal lengths, at least one point, finite numbers, times `>= 0` and strictly
/// increasing, values `>= 0`, standard deviations `> 0`.
///
/// # Errors
/// A message naming the field (times, values, uncertainties), the position and what was
/// expected.
pub fn validate_tac(times_h: &[f64], values: &[f64], sigma: &[f64]) -> Result<()> {
    if times_h.is_empty() {
        bail!("times (h): none given, expected at least one time point");
    }
    if values.len() != times_h.len() {
        bail!(
            "values: {} given for {} times, expected one value per time",
            values.len(),
            times_h.len()
        );
    }
    if sigma.len() != times_h.len() {
        bail!(
            "uncertainties: {} given for {} times, expected one per time",
            sigma.len(),
            times_h.len()
        );
    }
    for (i, &t) in times_h.iter().enumerate() {
        if !(t.is_finite() && t >= 0.0) {
            bail!(
                "times (h): entry {} is {t}, expected a finite time >= 0 after injection",
                i + 1
            );
        }
        if i > 0 && t <= times_h[i - 1] {
            bail!(
                "times (h): entry {} ({t}) is not after entry {} ({}), expected strictly increasing times",
                i + 1,
                i,
                times_h[i - 1]
            );
        }
    }
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            bail!("values: entry {} is {v}, expected a finite number", i + 1);
        }
        if v < 0.0 {
            bail!(
                "values: entry {} is {v}, expected a non-negative activity",
                i + 1
            );
        }
    }
    for (i, &s) in sigma.iter().enumerate() {
        if !(s.is_finite() && s > 0.0) {
            bail!(
                "uncertainties: entry {} is {s}, expected a positive finite standard deviation",
                i + 1
            );
        }
    }
    if values.iter().all(|&v| v == 0.0) {
        bail!("values: all zero, expected some activity");
    }
    Ok(())
}

/// ln 2 / half-life: decay constant (1/h) from a half-life (h).
pub fn lambda_from_half_life_h(half_life_h: f64) -> f64 {
    LN_2 / half_life_h
}
