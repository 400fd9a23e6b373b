//! Biologically effective dose of a radionuclide dose delivered with an exponentially decaying
//! dose rate (optionally after an uptake phase), linear-quadratic model with the
//! Lea–Catcheside G factor (issue 7): the JSON of `theradose bed`.
//!
//! Dose rate R(t) ∝ exp(-λe t) (instantaneous uptake) or ∝ exp(-λe t) - exp(-λu t) (with an
//! uptake half-time), λ = ln2/T. BED = D (1 + G D / (α/β)) with the Lea-Catcheside factor G
//! for mono-exponential repair of half-time TR (Dale 1985); EQD2 = BED / (1 + 2 Gy/(α/β)). An
//! alpha-particle dose adds RBE·D_alpha to the BED (no repair, no quadratic term). Several
//! cycles, weeks apart, add their BEDs.

use crate::biology::gfactor::{g_mono_exponential, g_uptake_exponential};
use crate::biology::lq::{bed_cycles_gy, eqd2_gy};
use crate::spec_bail;
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// The dose and the tissue (the TOML section / Python keywords of `bed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BedSpec {
    /// absorbed low-LET (beta/gamma) dose per cycle (Gy)
    pub dose_gy: f64,
    /// α/β ratio of the tissue (Gy; e.g. 2.6 kidney, 10 tumour)
    pub alpha_beta_gy: f64,
    /// half-time of repair of sublethal damage (h; e.g. 2.8 kidney, 1.5 tumour)
    pub repair_half_time_h: f64,
    /// effective (biological and physical) half-life of the dose rate (h)
    pub effective_half_life_h: f64,
    /// uptake half-time (h); without it the uptake is instantaneous
    #[serde(default)]
    pub uptake_half_time_h: Option<f64>,
    /// number of identical cycles, each delivering `dose_gy` (their BEDs add)
    #[serde(default = "default_cycles")]
    pub cycles: u32,
    /// alpha-particle absorbed dose per cycle (Gy; weighted by `rbe`, purely linear)
    #[serde(default)]
    pub alpha_dose_gy: f64,
    /// relative biological effectiveness of the alpha dose
    #[serde(default = "default_rbe")]
    pub rbe: f64,
}

/// Default of [`BedSpec::cycles`]: 1.
pub fn default_cycles() -> u32 {
    1
}

/// Default of [`BedSpec::rbe`]: 5.
pub fn default_rbe() -> f64 {
    5.0
}

impl BedSpec {
    /// A spec with one cycle, no alpha dose and RBE 5.
    pub fn new(
        dose_gy: f64,
        alpha_beta_gy: f64,
        repair_half_time_h: f64,
        effective_half_life_h: f64,
    ) -> BedSpec {
        BedSpec {
            dose_gy,
            alpha_beta_gy,
            repair_half_time_h,
            effective_half_life_h,
            uptake_half_time_h: None,
            cycles: default_cycles(),
            alpha_dose_gy: 0.0,
            rbe: default_rbe(),
        }
    }
}

/// BED, EQD2 and G: serialises (keys in alphabetical order) to the JSON of `theradose bed`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BedResult {
    /// biologically effective dose over all cycles (Gy)
    pub bed_gy: f64,
    /// total absorbed dose, low-LET and alpha, over all cycles (Gy)
    pub dose_gy: f64,
    /// equivalent dose in 2 Gy fractions (Gy)
    pub eqd2_gy: f64,
    /// Lea-Catcheside factor of one cycle
    pub g_factor: f64,
    /// the inputs as used
    pub inputs: BedInputs,
    /// `exponential` or `uptake-exponential`
    pub model: String,
    /// theradose version
    pub version: String,
}

/// The inputs of a [`BedResult`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BedInputs {
    /// α/β (Gy)
    pub alpha_beta_gy: f64,
    /// alpha dose per cycle (Gy)
    pub alpha_dose_gy_per_cycle: f64,
    /// cycles
    pub cycles: u32,
    /// low-LET dose per cycle (Gy)
    pub dose_gy_per_cycle: f64,
    /// effective half-life (h)
    pub effective_half_life_h: f64,
    /// RBE of the alpha dose
    pub rbe_alpha: f64,
    /// repair half-time (h)
    pub repair_half_time_h: f64,
    /// uptake half-time (h)
    pub uptake_half_time_h: Option<f64>,
}

/// `field` must hold a positive finite number.
fn positive(field: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        spec_bail!(field, "{v}: expected a positive number");
    }
    Ok(())
}

/// The BED of a spec.
///
/// # Errors
/// A spec error naming the field for a non-positive or non-finite dose, α/β, repair
/// half-time, effective half-life, uptake half-time or RBE; a negative alpha dose; zero
/// cycles.
pub fn bed(a: &BedSpec) -> Result<BedResult> {
    positive("dose_gy", a.dose_gy)?;
    positive("alpha_beta_gy", a.alpha_beta_gy)?;
    positive("repair_half_time_h", a.repair_half_time_h)?;
    positive("effective_half_life_h", a.effective_half_life_h)?;
    if let Some(tu) = a.uptake_half_time_h {
        positive("uptake_half_time_h", tu)?;
    }
    positive("rbe", a.rbe)?;
    if !(a.alpha_dose_gy.is_finite() && a.alpha_dose_gy >= 0.0) {
        spec_bail!(
            "alpha_dose_gy",
            "{}: expected a non-negative number",
            a.alpha_dose_gy
        );
    }
    if a.cycles == 0 {
        spec_bail!("cycles", "0: expected at least 1");
    }
    let (g, model) = match a.uptake_half_time_h {
        None => (
            g_mono_exponential(a.effective_half_life_h, a.repair_half_time_h),
            "exponential",
        ),
        Some(tu) => (
            g_uptake_exponential(tu, a.effective_half_life_h, a.repair_half_time_h),
            "uptake-exponential",
        ),
    };
    let n = a.cycles as usize;
    let bed =
        bed_cycles_gy(&vec![a.dose_gy; n], g, a.alpha_beta_gy) + n as f64 * a.rbe * a.alpha_dose_gy;
    Ok(BedResult {
        bed_gy: bed,
        dose_gy: n as f64 * (a.dose_gy + a.alpha_dose_gy),
        eqd2_gy: eqd2_gy(bed, a.alpha_beta_gy),
        g_factor: g,
        inputs: BedInputs {
            alpha_beta_gy: a.alpha_beta_gy,
            alpha_dose_gy_per_cycle: a.alpha_dose_gy,
            cycles: a.cycles,
            dose_gy_per_cycle: a.dose_gy,
            effective_half_life_h: a.effective_half_life_h,
            rbe_alpha: a.rbe,
            repair_half_time_h: a.repair_half_time_h,
            uptake_half_time_h: a.uptake_half_time_h,
        },
        model: model.into(),
        version: crate::VERSION.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::spec_error_of;

    #[test]
    fn json_is_the_commands() {
        // `theradose bed --dose-gy 20 --alpha-beta-gy 2.6 --repair-half-time-h 2.8
        // --effective-half-life-h 50` before the typed API (commit b2bcf14), version aside
        let expected = r#"{
  "bed_gy": 28.158508158508155,
  "dose_gy": 20.0,
  "eqd2_gy": 15.915678524374176,
  "g_factor": 0.053030303030303025,
  "inputs": {
    "alpha_beta_gy": 2.6,
    "alpha_dose_gy_per_cycle": 0.0,
    "cycles": 1,
    "dose_gy_per_cycle": 20.0,
    "effective_half_life_h": 50.0,
    "rbe_alpha": 5.0,
    "repair_half_time_h": 2.8,
    "uptake_half_time_h": null
  },
  "model": "exponential",
  "version": "VERSION"
}"#
        .replace("VERSION", crate::VERSION);
        let r = bed(&BedSpec::new(20.0, 2.6, 2.8, 50.0)).unwrap();
        assert_eq!(serde_json::to_string_pretty(&r).unwrap(), expected);
    }

    #[test]
    fn toml_spec_defaults_and_unknown_keys() {
        let s: BedSpec = toml::from_str(
            "dose_gy = 20.0\nalpha_beta_gy = 2.6\nrepair_half_time_h = 2.8\neffective_half_life_h = 50.0",
        )
        .unwrap();
        assert_eq!(s, BedSpec::new(20.0, 2.6, 2.8, 50.0));
        let e = toml::from_str::<BedSpec>(
            "dose_gy = 20.0\nalpha_beta_gy = 2.6\nrepair_half_time_h = 2.8\neffective_half_life_h = 50.0\nrbe_alpha = 3.0",
        )
        .unwrap_err();
        assert!(e.to_string().contains("rbe_alpha"), "{e}");
    }

    #[test]
    fn bad_value_names_the_field() {
        let mut s = BedSpec::new(20.0, 2.6, 0.0, 50.0);
        let e = bed(&s).unwrap_err();
        assert_eq!(
            spec_error_of(&e).unwrap().to_string(),
            "repair_half_time_h: 0: expected a positive number"
        );
        s.repair_half_time_h = 2.8;
        s.cycles = 0;
        assert_eq!(
            spec_error_of(&bed(&s).unwrap_err()).unwrap().field,
            "cycles"
        );
    }
}
