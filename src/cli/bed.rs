//! `theradose bed`: biologically effective dose of a decaying dose rate, printed as JSON
//! ([`theradose::biology::bed::bed`]).

use anyhow::Result;
use theradose::biology::bed::{bed, BedSpec};

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

impl From<&BedArgs> for BedSpec {
    fn from(a: &BedArgs) -> BedSpec {
        BedSpec {
            dose_gy: a.dose_gy,
            alpha_beta_gy: a.alpha_beta_gy,
            repair_half_time_h: a.repair_half_time_h,
            effective_half_life_h: a.effective_half_life_h,
            uptake_half_time_h: a.uptake_half_time_h,
            cycles: a.cycles,
            alpha_dose_gy: a.alpha_dose_gy,
            rbe: a.rbe,
        }
    }
}

/// Runs `theradose bed`.
pub fn run(args: &BedArgs) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(&bed(&args.into())?)?);
    Ok(())
}
