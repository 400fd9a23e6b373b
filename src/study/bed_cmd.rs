//! `theradose bed`: biologically effective dose of a radionuclide dose delivered with an
//! exponentially decaying dose rate (optionally after an uptake phase), linear-quadratic model
//! with the Lea–Catcheside G factor (issue 7).
//!
//! Prints a JSON object with keys `bed_gy`, `eqd2_gy`, `g_factor` (contract), and `dose_gy`,
//! `model`, `inputs`, `version`.

use crate::biology::gfactor::{g_mono_exponential, g_uptake_exponential};
use crate::biology::lq::{bed_cycles_gy, eqd2_gy};
use anyhow::{bail, Result};
use serde_json::json;

/// Arguments of `theradose bed`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Biologically effective dose of an absorbed dose delivered by a radionuclide: \
        dose rate R(t) ∝ exp(-λe t) (instantaneous uptake) or ∝ exp(-λe t) - exp(-λu t) (with \
        --uptake-half-time-h), λ = ln2/T. BED = D (1 + G D / (α/β)) with the Lea-Catcheside \
        factor G for mono-exponential repair of half-time TR (Dale 1985); \
        EQD2 = BED / (1 + 2 Gy/(α/β)). An alpha-particle dose adds RBE·D_alpha to the BED \
        (no repair, no quadratic term). Several cycles, weeks apart, add their BEDs.\n\n\
        Example: theradose bed --dose-gy 20 --alpha-beta-gy 2.6 --repair-half-time-h 2.8 \
        --effective-half-life-h 50"
)]
pub struct BedArgs {
    /// Absorbed low-LET (beta/gamma) dose per cycle, Gy.
    #[arg(long, value_name = "GY", allow_negative_numbers = true)]
    pub dose_gy: f64,
    /// α/β ratio of the tissue, Gy (e.g. 2.6 kidney, 10 tumour).
    #[arg(long, value_name = "GY", allow_negative_numbers = true)]
    pub alpha_beta_gy: f64,
    /// Half-time of repair of sublethal damage, hours (e.g. 2.8 kidney, 1.5 tumour).
    #[arg(long, value_name = "H", allow_negative_numbers = true)]
    pub repair_half_time_h: f64,
    /// Effective (biological and physical) half-life of the dose rate, hours.
    #[arg(long, value_name = "H", allow_negative_numbers = true)]
    pub effective_half_life_h: f64,
    /// Uptake half-time, hours; without it the uptake is instantaneous.
    #[arg(long, value_name = "H", allow_negative_numbers = true)]
    pub uptake_half_time_h: Option<f64>,
    /// Number of identical cycles, each delivering --dose-gy (their BEDs add).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub cycles: u32,
    /// Alpha-particle absorbed dose per cycle, Gy (weighted by --rbe, purely linear).
    #[arg(
        long,
        value_name = "GY",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub alpha_dose_gy: f64,
    /// Relative biological effectiveness of the alpha dose.
    #[arg(
        long,
        value_name = "RBE",
        default_value_t = 5.0,
        allow_negative_numbers = true
    )]
    pub rbe: f64,
}

fn positive(flag: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        bail!("{flag} {v}: expected a positive number");
    }
    Ok(())
}

/// The JSON object of `theradose bed`.
///
/// # Errors
/// A non-positive or non-finite dose, α/β, repair half-time, effective half-life, uptake
/// half-time or RBE; a negative alpha dose; zero cycles.
pub fn bed_json(a: &BedArgs) -> Result<serde_json::Value> {
    positive("--dose-gy", a.dose_gy)?;
    positive("--alpha-beta-gy", a.alpha_beta_gy)?;
    positive("--repair-half-time-h", a.repair_half_time_h)?;
    positive("--effective-half-life-h", a.effective_half_life_h)?;
    if let Some(tu) = a.uptake_half_time_h {
        positive("--uptake-half-time-h", tu)?;
    }
    positive("--rbe", a.rbe)?;
    if !(a.alpha_dose_gy.is_finite() && a.alpha_dose_gy >= 0.0) {
        bail!(
            "--alpha-dose-gy {}: expected a non-negative number",
            a.alpha_dose_gy
        );
    }
    if a.cycles == 0 {
        bail!("--cycles 0: expected at least 1");
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
    Ok(json!({
        "bed_gy": bed,
        "eqd2_gy": eqd2_gy(bed, a.alpha_beta_gy),
        "g_factor": g,
        "dose_gy": n as f64 * (a.dose_gy + a.alpha_dose_gy),
        "model": model,
        "inputs": {
            "dose_gy_per_cycle": a.dose_gy,
            "alpha_beta_gy": a.alpha_beta_gy,
            "repair_half_time_h": a.repair_half_time_h,
            "effective_half_life_h": a.effective_half_life_h,
            "uptake_half_time_h": a.uptake_half_time_h,
            "cycles": a.cycles,
            "alpha_dose_gy_per_cycle": a.alpha_dose_gy,
            "rbe_alpha": a.rbe,
        },
        "version": crate::VERSION,
    }))
}

/// Runs `theradose bed`.
pub fn run(args: &BedArgs) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(&bed_json(args)?)?);
    Ok(())
}
