//! `theradose calibrate-response`: the tumour response model fitted to published lesion-level
//! outcomes and tested on held-out ones ([`theradose::biology::calibration`]).

use anyhow::Result;
use std::path::PathBuf;
use theradose::biology::calibration::{calibrate, CalibrationSpec};

/// Arguments of `theradose calibrate-response`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Fits the population of tumour radiosensitivities of the response model \
    (mean alpha and its spread sigma_alpha, 1/Gy) to the `fit` rows of a table of grouped \
    lesion-level outcomes (lesions and responders per dose bin, with the study's endpoint and \
    follow-up), by maximum likelihood, and predicts the `holdout` rows with 95 % intervals \
    (parameter uncertainty and binomial sampling). Reports the fraction of held-out \
    observations inside their intervals and the calibration slope.\n\n\
    The bundled table, data/biology/outcomes/lesion_response.csv, holds Y-90 resin microsphere \
    studies (its header cites every number). Columns: id,study,tumour,therapy,endpoint,\
    followup_d,effective_half_life_h,dose_low_gy,dose_high_gy,dose_median_gy,dose_gsd,\
    n_lesions,n_responders,split (endpoints tlg_decrease_15, tlg_decrease_50, \
    mrecist_disease_control, mrecist_response; split fit or holdout).\n\n\
    Writes calibration.json, calibration.csv, calibration.png and dose_response.png into --out.\n\n\
    Example: theradose calibrate-response --out results/calibration"
)]
pub struct CalibrateArgs {
    /// Outcome table (CSV); default the bundled data/biology/outcomes/lesion_response.csv.
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "results/calibration")]
    pub out: PathBuf,
    /// Tissue of data/biology/tissues.toml for alpha/beta, repair, clearance and doubling time.
    #[arg(long, default_value = "tumour")]
    pub tissue: String,
    /// Tracer of the FDG endpoints (data/biology/tissues.toml).
    #[arg(long, default_value = "fdg")]
    pub tracer: String,
    /// Draws for the predictive intervals.
    #[arg(long, default_value_t = 4000)]
    pub samples: usize,
    /// Seed of the draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs `theradose calibrate-response`.
pub fn run(a: &CalibrateArgs) -> Result<()> {
    let spec = CalibrationSpec {
        data: a.data.clone(),
        tissue: a.tissue.clone(),
        tracer: a.tracer.clone(),
        samples: a.samples,
        seed: a.seed,
    };
    let res = calibrate(&spec)?;
    println!(
        "mean alpha {:.4} +- {:.4} /Gy, sigma_alpha {:.4} +- {:.4} /Gy (correlation {:.2}), \
         from {} fit rows ({} lesions)",
        res.alpha_mean_per_gy,
        res.alpha_mean_se,
        res.sigma_alpha_per_gy,
        res.sigma_alpha_se,
        res.correlation,
        res.fit_rows,
        res.fit_lesions
    );
    println!("id,split,observed,predicted,low95,high95,inside");
    for r in &res.rows {
        println!(
            "{},{:?},{:.3},{:.3},{:.3},{:.3},{}",
            r.obs.id, r.obs.split, r.observed, r.predicted, r.low95, r.high95, r.inside
        );
    }
    let h = &res.holdout_score;
    println!(
        "held out: {} rows, {:.0} % inside the 95 % intervals, calibration slope {}",
        h.rows,
        100.0 * h.inside_fraction,
        match (h.slope, h.slope_se) {
            (Some(b), Some(se)) => format!("{b:.2} +- {se:.2}"),
            _ => "n/a".into(),
        }
    );
    for c in &res.curves {
        let gy = |v: Option<f64>| v.map_or("n/a".to_string(), |d| format!("{d:.1}"));
        println!(
            "{} {}: D50 {} Gy (95 % {}-{} Gy)",
            c.study,
            c.endpoint.name(),
            gy(c.d50_gy),
            gy(c.d50_low95_gy),
            gy(c.d50_high95_gy)
        );
    }
    for p in theradose::study::calibration::write(&res, &a.out)? {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}
