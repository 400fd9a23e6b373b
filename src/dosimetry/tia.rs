//! Time-integrated activity of one time-activity curve (the JSON of `theradose tia`).
//!
//! [`tia`] fits the curve of a [`TiaSpec`] (times in h, activities in MBq) with the model it
//! names (`auto`: AICc among mono, bi, tri, uptake) and returns a [`TiaResult`] whose serde
//! serialisation is the JSON the command prints: `model, tia_mbq_h, tia_rel_uncertainty,
//! effective_half_life_h, aicc` and more (parameters, candidates with their AICc, notes,
//! version). Uncertainties, when given, are absolute standard deviations (MBq); without them
//! the weights are relative, 10 % of each value (10 % of 1e-3 of the largest for values near 0),
//! and the covariance is scaled by the reduced chi-square.

use crate::dosimetry::kinetics::{
    fit_tac, Model, ModelChoice, TacFit, TacOptions, TrapezoidStart, Weights,
};
use crate::error::{spec_error, SpecField};
use crate::source::nuclide::Nuclide;
use crate::spec_bail;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Relative weight of each point when no uncertainties are given (a typical quantitative
/// SPECT/PET activity uncertainty; only relative sizes matter, the scale comes from the fit).
pub const DEFAULT_REL_SIGMA: f64 = 0.10;
/// Values below this fraction of the largest get the weight of a value at it.
const SIGMA_FLOOR_FRACTION: f64 = 1e-3;

/// What to fit: one time-activity curve and the model (the TOML section / Python keywords).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiaSpec {
    /// times after injection (h), strictly increasing
    pub times_h: Vec<f64>,
    /// activities at those times (MBq)
    pub values: Vec<f64>,
    /// one standard deviation per point (MBq), taken as known; default: relative weights of
    /// 10 %, covariance scaled by the reduced chi-square
    #[serde(default)]
    pub uncertainties: Option<Vec<f64>>,
    /// nuclide (e.g. Lu-177): its physical decay bounds the fitted rates and gives the
    /// trapezoid tail
    #[serde(default)]
    pub nuclide: Option<String>,
    /// decay data of `nuclide`: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1)
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
    /// auto (AICc among mono, bi, tri, uptake), mono, bi, tri, uptake, trapezoid, hanscheid,
    /// madsen
    #[serde(default = "default_model")]
    pub model: String,
    /// population effective half-life (h), for model madsen
    #[serde(default)]
    pub effective_half_life_h: Option<f64>,
    /// trapezoid before the first point: zero (linear from 0 at injection) or constant
    #[serde(default = "default_trapezoid_start")]
    pub trapezoid_start: String,
    /// administered activity (MBq): adds the TIA coefficient (residence time, h)
    #[serde(default)]
    pub administered_mbq: Option<f64>,
}

/// Default of [`TiaSpec::model`]: `auto`.
pub fn default_model() -> String {
    "auto".into()
}

/// Default of [`TiaSpec::trapezoid_start`]: `zero`.
pub fn default_trapezoid_start() -> String {
    "zero".into()
}

impl TiaSpec {
    /// A spec of the curve with every option at its default.
    pub fn new(times_h: Vec<f64>, values: Vec<f64>) -> TiaSpec {
        TiaSpec {
            times_h,
            values,
            uncertainties: None,
            nuclide: None,
            decay_data: Default::default(),
            model: default_model(),
            effective_half_life_h: None,
            trapezoid_start: default_trapezoid_start(),
            administered_mbq: None,
        }
    }
}

/// The fitted curve: serialises (keys in alphabetical order) to the JSON of `theradose tia`.
#[derive(Clone, Debug, Serialize)]
pub struct TiaResult {
    /// corrected AIC of the chosen model (null for non-fitted methods)
    pub aicc: Option<f64>,
    /// models tried by the automatic choice
    pub candidates: Vec<TiaCandidate>,
    /// weighted residual sum of squares
    pub chi2: f64,
    /// the slowest rate ran into the physical decay constant and was fixed there
    pub clamped_to_physical: bool,
    /// the decay data of the nuclide's half-life ("icrp107" or "endf"; null without a nuclide)
    pub decay_data: Option<crate::source::DecayData>,
    /// terminal effective half-life (h)
    pub effective_half_life_h: Option<f64>,
    /// the inputs as used (sigmas included)
    pub inputs: TiaInputs,
    /// the chosen model
    pub model: String,
    /// number of points
    pub n_points: usize,
    /// remarks on choices made (fallbacks, clamps)
    pub notes: Vec<String>,
    /// the nuclide of the spec
    pub nuclide: Option<String>,
    /// standard deviation of each parameter (only when the TIA has one)
    pub parameter_sd: BTreeMap<String, f64>,
    /// fitted parameters (amplitudes MBq, rates 1/h)
    pub parameters: BTreeMap<String, f64>,
    /// physical half-life of the nuclide (h)
    pub physical_half_life_h: Option<f64>,
    /// TIA / administered activity (h)
    pub tia_coefficient_h: Option<f64>,
    /// time-integrated activity (MBq h)
    pub tia_mbq_h: f64,
    /// time-integrated activity (MBq s)
    pub tia_mbq_s: f64,
    /// relative standard deviation of the TIA
    pub tia_rel_uncertainty: Option<f64>,
    /// standard deviation of the TIA (MBq h)
    pub tia_sd_mbq_h: Option<f64>,
    /// units of the numbers
    pub units: TiaUnits,
    /// theradose version
    pub version: String,
    /// how the points were weighted
    pub weights: String,
    /// the fit itself (curve and covariance), for figures
    #[serde(skip)]
    pub fit: TacFit,
    /// whether the sigmas are absolute (given) rather than relative weights
    #[serde(skip)]
    pub absolute_sigmas: bool,
}

/// One candidate model of the automatic choice.
#[derive(Clone, Debug, Serialize)]
pub struct TiaCandidate {
    /// its AICc, when fitted and valid
    pub aicc: Option<f64>,
    /// model name
    pub model: String,
    /// why it was not considered
    pub rejected: Option<String>,
    /// its TIA (MBq h), when fitted and valid
    pub tia_mbq_h: Option<f64>,
}

/// The inputs of a fit as used.
#[derive(Clone, Debug, Serialize)]
pub struct TiaInputs {
    /// population effective half-life (h) of the spec
    pub effective_half_life_h: Option<f64>,
    /// model of the spec
    pub model: String,
    /// standard deviation (or relative weight) of each point (MBq)
    pub sigma_mbq: Vec<f64>,
    /// times (h)
    pub times_h: Vec<f64>,
    /// trapezoid start of the spec
    pub trapezoid_start: String,
    /// activities (MBq)
    pub values_mbq: Vec<f64>,
}

/// Units of a [`TiaResult`].
#[derive(Clone, Debug, Serialize)]
pub struct TiaUnits {
    /// `1/h`
    pub rates: &'static str,
    /// `h`
    pub time: &'static str,
    /// `MBq`
    pub values: &'static str,
}

/// Standard deviations of the spec (absolute), or the default relative ones.
fn sigmas(spec: &TiaSpec) -> Result<(Vec<f64>, bool)> {
    let values = &spec.values;
    let Some(s) = &spec.uncertainties else {
        let vmax = values.iter().cloned().fold(0.0, f64::max);
        let s = values
            .iter()
            .map(|v| DEFAULT_REL_SIGMA * v.max(SIGMA_FLOOR_FRACTION * vmax))
            .collect();
        return Ok((s, false));
    };
    if s.len() != values.len() {
        spec_bail!(
            "uncertainties",
            "{} given for {} values, expected one per value",
            s.len(),
            values.len()
        );
    }
    Ok((s.clone(), true))
}

/// The fit options of a spec; returns them with the physical half-life (h).
fn options(spec: &TiaSpec) -> Result<(TacOptions, Option<f64>)> {
    let choice = match spec.model.trim().to_ascii_lowercase().as_str() {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
            spec_error(
                "model",
                format!(
                    "'{m}': expected auto, mono, bi, tri, uptake, trapezoid, hanscheid or madsen"
                ),
            )
        })?),
    };
    let half_life_h = match &spec.nuclide {
        Some(n) => Some(
            Nuclide::load_from(n, spec.decay_data)
                .spec_field("nuclide")?
                .half_life_s
                / 3600.0,
        ),
        None => None,
    };
    let mut o = TacOptions::new(choice, half_life_h.map(|h| std::f64::consts::LN_2 / h));
    o.trapezoid_start = match spec.trapezoid_start.as_str() {
        "zero" => TrapezoidStart::Zero,
        "constant" => TrapezoidStart::Constant,
        s => spec_bail!("trapezoid_start", "'{s}': expected zero or constant"),
    };
    o.effective_half_life_h = spec.effective_half_life_h;
    if choice == ModelChoice::Fixed(Model::Madsen) && o.effective_half_life_h.is_none() {
        spec_bail!(
            "effective_half_life_h",
            "needed by model madsen (population effective half-life, h)"
        );
    }
    Ok((o, half_life_h))
}

/// Fits the time-activity curve of `spec` and integrates it.
///
/// # Errors
/// Spec errors (naming the field) for a count of values or uncertainties that does not match
/// the times, an unknown model, nuclide or trapezoid start, model madsen without
/// `effective_half_life_h`; a fit that fails (too few points for the model, ...).
pub fn tia(spec: &TiaSpec) -> Result<TiaResult> {
    let (times, values) = (&spec.times_h, &spec.values);
    if values.len() != times.len() {
        spec_bail!(
            "values",
            "{} given for {} times, expected one value per time",
            values.len(),
            times.len()
        );
    }
    let (sigma, absolute) = sigmas(spec)?;
    let (opts, half_life_h) = options(spec)?;
    let weights = if absolute {
        Weights::Absolute(&sigma)
    } else {
        Weights::Relative(&sigma)
    };
    let fit = fit_tac(times, values, weights, &opts)?;
    let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
    let names = fit.model.param_names();
    let parameters = names
        .iter()
        .zip(&fit.params)
        .map(|(n, p)| (n.to_string(), *p))
        .collect();
    let parameter_sd = names
        .iter()
        .enumerate()
        .filter(|(i, _)| fit.cov.len() > *i && fit.tia_sd.is_some())
        .map(|(i, n)| (n.to_string(), fit.cov[i][i].max(0.0).sqrt()))
        .collect();
    let candidates = fit
        .candidates
        .iter()
        .map(|c| TiaCandidate {
            aicc: finite(c.aicc),
            model: c.model.name().into(),
            rejected: c.rejected.clone(),
            tia_mbq_h: finite(c.tia),
        })
        .collect();
    Ok(TiaResult {
        aicc: finite(fit.aicc),
        candidates,
        chi2: fit.chi2,
        clamped_to_physical: fit.clamped_to_physical,
        decay_data: match &spec.nuclide {
            Some(n) => {
                Some(crate::source::DecayData::of_name(n, spec.decay_data).spec_field("nuclide")?)
            }
            None => None,
        },
        effective_half_life_h: finite(fit.effective_half_life_h),
        inputs: TiaInputs {
            effective_half_life_h: spec.effective_half_life_h,
            model: spec.model.clone(),
            sigma_mbq: sigma,
            times_h: times.clone(),
            trapezoid_start: spec.trapezoid_start.clone(),
            values_mbq: values.clone(),
        },
        model: fit.model.name().into(),
        n_points: fit.n_points,
        notes: fit.notes.clone(),
        nuclide: spec.nuclide.clone(),
        parameter_sd,
        parameters,
        physical_half_life_h: finite(half_life_h),
        tia_coefficient_h: finite(spec.administered_mbq.map(|a| fit.tia / a)),
        tia_mbq_h: fit.tia,
        tia_mbq_s: fit.tia * 3600.0,
        tia_rel_uncertainty: finite(fit.tia_rel_uncertainty()),
        tia_sd_mbq_h: finite(fit.tia_sd),
        units: TiaUnits {
            rates: "1/h",
            time: "h",
            values: "MBq",
        },
        version: crate::VERSION.into(),
        weights: if absolute {
            "absolute (given)"
        } else {
            "relative 10 %, covariance scaled by reduced chi-square"
        }
        .into(),
        fit,
        absolute_sigmas: absolute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::spec_error_of;

    #[test]
    fn spec_from_toml_takes_defaults_and_rejects_unknown_keys() {
        let s: TiaSpec =
            toml::from_str("times_h = [4.0, 24.0]\nvalues = [10.0, 5.0]\nnuclide = \"Lu-177\"")
                .unwrap();
        assert_eq!(s.model, "auto");
        assert_eq!(s.trapezoid_start, "zero");
        let e = toml::from_str::<TiaSpec>("times_h = [4.0]\nvalues = [1.0]\nmodell = \"bi\"")
            .unwrap_err();
        assert!(e.to_string().contains("modell"), "{e}");
    }

    #[test]
    fn bad_values_name_their_field() {
        let mut s = TiaSpec::new(vec![4.0, 24.0], vec![1.0]);
        let e = tia(&s).unwrap_err();
        assert_eq!(spec_error_of(&e).unwrap().field, "values");
        s.values = vec![10.0, 5.0];
        s.model = "quad".into();
        let e = tia(&s).unwrap_err();
        assert_eq!(
            spec_error_of(&e).unwrap().to_string(),
            "model: 'quad': expected auto, mono, bi, tri, uptake, trapezoid, hanscheid or madsen"
        );
    }

    #[test]
    fn json_keys_are_the_commands() {
        let mut s = TiaSpec::new(vec![4.0, 24.0, 96.0, 168.0], vec![120.0, 95.0, 40.0, 16.0]);
        s.nuclide = Some("Lu-177".into());
        let v = serde_json::to_value(tia(&s).unwrap()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "aicc",
                "candidates",
                "chi2",
                "clamped_to_physical",
                "decay_data",
                "effective_half_life_h",
                "inputs",
                "model",
                "n_points",
                "notes",
                "nuclide",
                "parameter_sd",
                "parameters",
                "physical_half_life_h",
                "tia_coefficient_h",
                "tia_mbq_h",
                "tia_mbq_s",
                "tia_rel_uncertainty",
                "tia_sd_mbq_h",
                "units",
                "version",
                "weights"
            ]
        );
        assert_eq!(v["tia_coefficient_h"], serde_json::Value::Null);
    }

    /// `theradose tia --times-h 4,24,96,168 --values 120,95,40,16 --nuclide Lu-177` before the
    /// typed API (commit b2bcf14), version aside: the same text, key for key and digit for digit.
    #[test]
    fn json_is_the_commands_text() {
        let expected = r#"{
  "aicc": -0.39076030695597197,
  "candidates": [
    {
      "aicc": -0.39076030695597197,
      "model": "mono",
      "rejected": null,
      "tia_mbq_h": 10370.180820492293
    },
    {
      "aicc": null,
      "model": "uptake",
      "rejected": "needs more than 4 points for AICc",
      "tia_mbq_h": null
    },
    {
      "aicc": null,
      "model": "bi",
      "rejected": "needs more than 5 points for AICc",
      "tia_mbq_h": null
    },
    {
      "aicc": null,
      "model": "tri",
      "rejected": "needs more than 7 points for AICc",
      "tia_mbq_h": null
    }
  ],
  "chi2": 0.06644400503208366,
  "clamped_to_physical": false,
  "decay_data": "icrp107",
  "effective_half_life_h": 56.448956065755944,
  "inputs": {
    "effective_half_life_h": null,
    "model": "auto",
    "sigma_mbq": [
      12.0,
      9.5,
      4.0,
      1.6
    ],
    "times_h": [
      4.0,
      24.0,
      96.0,
      168.0
    ],
    "trapezoid_start": "zero",
    "values_mbq": [
      120.0,
      95.0,
      40.0,
      16.0
    ]
  },
  "model": "mono",
  "n_points": 4,
  "notes": [],
  "nuclide": "Lu-177",
  "parameter_sd": {
    "a1": 1.7424782561145087,
    "lambda1_per_h": 0.00013982818977996875
  },
  "parameters": {
    "a1": 127.33736987532355,
    "lambda1_per_h": 0.012279185105788598
  },
  "physical_half_life_h": 159.52800000000002,
  "tia_coefficient_h": null,
  "tia_mbq_h": 10370.180820492293,
  "tia_mbq_s": 37332650.953772254,
  "tia_rel_uncertainty": 0.009190338431733893,
  "tia_sd_mbq_h": 95.30547133860003,
  "units": {
    "rates": "1/h",
    "time": "h",
    "values": "MBq"
  },
  "version": "VERSION",
  "weights": "relative 10 %, covariance scaled by reduced chi-square"
}"#
        .replace("VERSION", crate::VERSION);
        let mut s = TiaSpec::new(vec![4.0, 24.0, 96.0, 168.0], vec![120.0, 95.0, 40.0, 16.0]);
        s.nuclide = Some("Lu-177".into());
        let r = tia(&s).unwrap();
        assert_eq!(serde_json::to_string_pretty(&r).unwrap(), expected);
    }
}
