//! The `[uncertainty]` section of a therapy study: the number of samples, the seed, and the
//! distribution of every input; defaults (with their sources) in `data/biology/uncertainty.toml`.

use crate::tables::read_data_file;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The defaults file, relative to `data/`.
pub const DEFAULTS_FILE: &str = "biology/uncertainty.toml";

/// Default number of samples of the budget.
pub const DEFAULT_SAMPLES: usize = 1000;

/// How an input's factor is drawn from a standard normal z.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DistKind {
    /// factor = exp(rel_sd z): median 1, never negative
    Lognormal,
    /// factor = 1 + rel_sd z, cut at [`MIN_FACTOR`]
    Normal,
    /// factor = 1: the input is left out
    Fixed,
}

/// The smallest factor a normal draw gives (a parameter never turns zero or negative).
pub const MIN_FACTOR: f64 = 1e-3;

/// One input's distribution (relative standard deviation `rel_sd`; for `fit` and
/// `monte_carlo` a scale on the study's own standard deviations).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Dist {
    pub distribution: DistKind,
    pub rel_sd: f64,
}

impl Dist {
    /// The fixed (left out) input.
    pub const FIXED: Dist = Dist {
        distribution: DistKind::Fixed,
        rel_sd: 0.0,
    };

    /// The factor at standard-normal `z`.
    pub fn factor(&self, z: f64) -> f64 {
        match self.distribution {
            DistKind::Lognormal => (self.rel_sd * z).exp(),
            DistKind::Normal => (1.0 + self.rel_sd * z).max(MIN_FACTOR),
            DistKind::Fixed => 1.0,
        }
    }

    /// The scale a `fit` or `monte_carlo` input puts on the study's own standard deviations
    /// (0 when fixed).
    pub fn scale(&self) -> f64 {
        match self.distribution {
            DistKind::Fixed => 0.0,
            _ => self.rel_sd,
        }
    }

    /// Whether the input varies.
    pub fn varies(&self) -> bool {
        self.distribution != DistKind::Fixed && self.rel_sd != 0.0
    }
}

/// A partial distribution as a study file gives it; unset fields keep the default.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    pub distribution: Option<DistKind>,
    pub rel_sd: Option<f64>,
}

/// The inputs of the budget, in the order of every table and figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    Calibration,
    Recovery,
    Volume,
    Fit,
    MonteCarlo,
    Decay,
    AlphaBeta,
    Alpha,
    RepairHalfTime,
    Rbe,
    ClonogenDensity,
    LkbTd50,
    LkbM,
    LkbN,
    ClearanceHalfTime,
    DoublingTime,
    /// the population spread sigma_alpha of the TCP (last: drawn after every other input, so
    /// that adding it left the other inputs' draws unchanged)
    SigmaAlpha,
}

/// Number of inputs.
pub const N_INPUTS: usize = 17;

impl Input {
    /// Every input, in order.
    pub const ALL: [Input; N_INPUTS] = [
        Input::Calibration,
        Input::Recovery,
        Input::Volume,
        Input::Fit,
        Input::MonteCarlo,
        Input::Decay,
        Input::AlphaBeta,
        Input::Alpha,
        Input::RepairHalfTime,
        Input::Rbe,
        Input::ClonogenDensity,
        Input::LkbTd50,
        Input::LkbM,
        Input::LkbN,
        Input::ClearanceHalfTime,
        Input::DoublingTime,
        Input::SigmaAlpha,
    ];

    /// The key in the study file, the defaults file and the outputs.
    pub fn key(self) -> &'static str {
        match self {
            Input::Calibration => "calibration",
            Input::Recovery => "recovery",
            Input::Volume => "volume",
            Input::Fit => "fit",
            Input::MonteCarlo => "monte_carlo",
            Input::Decay => "decay",
            Input::AlphaBeta => "alpha_beta",
            Input::Alpha => "alpha",
            Input::RepairHalfTime => "repair_half_time",
            Input::Rbe => "rbe",
            Input::ClonogenDensity => "clonogen_density",
            Input::LkbTd50 => "lkb_td50",
            Input::LkbM => "lkb_m",
            Input::LkbN => "lkb_n",
            Input::ClearanceHalfTime => "clearance_half_time",
            Input::DoublingTime => "doubling_time",
            Input::SigmaAlpha => "sigma_alpha",
        }
    }

    /// Its index in [`Input::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether it is drawn once per tissue (radiobiology) rather than per sample or region.
    pub fn per_tissue(self) -> bool {
        self.index() >= Input::AlphaBeta.index()
    }
}

/// `[uncertainty]` of a study file (unknown keys land in `inputs` and are refused by
/// [`UncertaintySpec::resolve`]: serde's deny_unknown_fields does not combine with flatten).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct UncertaintySpec {
    /// number of samples (0: no budget)
    #[serde(default = "default_samples")]
    pub samples: usize,
    /// seed of the samples' streams (default: `dose.seed`)
    pub seed: Option<u64>,
    /// the inputs by [`Input::key`]; unnamed ones keep the defaults
    #[serde(flatten)]
    pub inputs: BTreeMap<String, DistSpec>,
}

impl Default for UncertaintySpec {
    fn default() -> Self {
        UncertaintySpec {
            samples: DEFAULT_SAMPLES,
            seed: None,
            inputs: BTreeMap::new(),
        }
    }
}

fn default_samples() -> usize {
    DEFAULT_SAMPLES
}

/// The resolved distribution of every input ([`Input::index`] order).
pub type Inputs = [Dist; N_INPUTS];

/// Every input fixed (for tests: switch on the ones to study).
pub fn all_fixed() -> Inputs {
    [Dist::FIXED; N_INPUTS]
}

/// Reads the defaults of `data/biology/uncertainty.toml`.
///
/// # Errors
/// An unreadable file, an input missing from it, a bad value.
pub fn defaults() -> Result<Inputs> {
    let (path, text) = read_data_file(DEFAULTS_FILE)?;
    let origin = path.display().to_string();
    let table: BTreeMap<String, DistSpec> =
        toml::from_str(&text).with_context(|| format!("{origin}: invalid uncertainty file"))?;
    let mut out = all_fixed();
    for input in Input::ALL {
        let d = table
            .get(input.key())
            .ok_or_else(|| anyhow!("{origin}: missing [{}]", input.key()))?;
        let (Some(kind), Some(rel_sd)) = (d.distribution, d.rel_sd) else {
            bail!("{origin}: [{}] needs distribution and rel_sd", input.key());
        };
        out[input.index()] =
            checked(kind, rel_sd).with_context(|| format!("{origin}: [{}]", input.key()))?;
    }
    Ok(out)
}

fn checked(distribution: DistKind, rel_sd: f64) -> Result<Dist> {
    if !(rel_sd.is_finite() && rel_sd >= 0.0) {
        bail!("rel_sd = {rel_sd}: expected a number >= 0");
    }
    Ok(Dist {
        distribution,
        rel_sd,
    })
}

impl UncertaintySpec {
    /// The defaults with this section's overrides.
    ///
    /// # Errors
    /// An unknown input name or a bad value, named by `file` and the field.
    pub fn resolve(&self, file: &str) -> Result<Inputs> {
        let mut out = defaults()?;
        for (k, d) in &self.inputs {
            let Some(input) = Input::ALL.iter().find(|i| i.key() == k) else {
                let keys: Vec<&str> = Input::ALL.iter().map(|i| i.key()).collect();
                bail!("{file}: uncertainty.{k}: unknown input, expected samples, seed or one of {keys:?}");
            };
            let cur = out[input.index()];
            out[input.index()] = checked(
                d.distribution.unwrap_or(cur.distribution),
                d.rel_sd.unwrap_or(cur.rel_sd),
            )
            .with_context(|| format!("{file}: uncertainty.{k}"))?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_overrides_apply() {
        let d = defaults().unwrap();
        assert!(d.iter().all(|x| x.rel_sd >= 0.0));
        let spec: UncertaintySpec = toml::from_str(
            "samples = 10\ncalibration = { rel_sd = 0.02 }\nrbe = { distribution = \"fixed\" }",
        )
        .unwrap();
        let r = spec.resolve("s.toml").unwrap();
        assert_eq!(r[Input::Calibration.index()].rel_sd, 0.02);
        assert!(!r[Input::Rbe.index()].varies());
        let bad: UncertaintySpec = toml::from_str("calibraton = { rel_sd = 0.02 }").unwrap();
        let e = bad.resolve("s.toml").unwrap_err().to_string();
        assert!(e.contains("uncertainty.calibraton"), "{e}");
        for (i, input) in Input::ALL.iter().enumerate() {
            assert_eq!(input.index(), i);
        }
    }
}
