//! `theradose tia`: time-integrated activity of one time-activity curve, printed as JSON.
//!
//! `theradose tia --times-h T1,T2,... --values V1,V2,... [--nuclide N]
//! [--model auto|mono|bi|tri|uptake|trapezoid|hanscheid|madsen]` with values in MBq prints
//! `model, tia_mbq_h, tia_rel_uncertainty, effective_half_life_h, aicc` and more (parameters,
//! candidates with their AICc, notes, version). Uncertainties: `--uncertainties` per point, each
//! absolute (MBq) or relative (`5%`), taken as known standard deviations; without it the
//! weights are relative, 10 % of each value (10 % of 1e-3 of the largest for values near 0),
//! and the covariance is scaled by the reduced chi-square.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::dosimetry::kinetics::{
    fit_tac, Model, ModelChoice, TacFit, TacOptions, TrapezoidStart, Weights,
};
use crate::source::nuclide::Nuclide;

/// Relative weight of each point when no uncertainties are given (a typical quantitative
/// SPECT/PET activity uncertainty; only relative sizes matter, the scale comes from the fit).
const DEFAULT_REL_SIGMA: f64 = 0.10;
/// Values below this fraction of the largest get the weight of a value at it.
const SIGMA_FLOOR_FRACTION: f64 = 1e-3;
/// Two-sided 95 % normal quantile, for the figure's band.
const Z95: f64 = 1.959_964;

/// Arguments of `theradose tia`.
#[derive(clap::Args, Debug)]
pub struct TiaArgs {
    /// Times after injection (h), comma-separated, strictly increasing.
    #[arg(
        long = "times-h",
        value_delimiter = ',',
        required_unless_present = "csv",
        allow_hyphen_values = true
    )]
    pub times_h: Vec<String>,
    /// Activities at those times (MBq), comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "csv",
        allow_hyphen_values = true
    )]
    pub values: Vec<String>,
    /// A region's time-activity values as CSV instead of --times-h/--values: header
    /// `time_h,activity_mbq` with an optional third column `sd_mbq` (one standard deviation).
    #[arg(long, conflicts_with_all = ["times_h", "values"])]
    pub csv: Option<PathBuf>,
    /// One standard deviation per point: MBq, or percent of the value ("5%"). Default:
    /// relative weights of 10 %, covariance scaled by the reduced chi-square.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub uncertainties: Option<Vec<String>>,
    /// Nuclide (e.g. Lu-177): its physical decay bounds the fitted rates and gives the
    /// trapezoid tail.
    #[arg(long)]
    pub nuclide: Option<String>,
    /// auto (AICc among mono, bi, tri, uptake), mono, bi, tri, uptake, trapezoid, hanscheid,
    /// madsen.
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// Population effective half-life (h) for --model madsen.
    #[arg(long = "effective-half-life-h")]
    pub effective_half_life_h: Option<f64>,
    /// Trapezoid before the first point: zero (linear from 0 at injection) or constant.
    #[arg(long = "trapezoid-start", default_value = "zero")]
    pub trapezoid_start: String,
    /// Administered activity (MBq): adds the TIA coefficient (residence time, h).
    #[arg(long = "administered-mbq")]
    pub administered_mbq: Option<f64>,
    /// Write the TAC figure (PNG, or SVG by extension).
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

/// Runs `theradose tia`.
pub fn run(args: &TiaArgs) -> Result<()> {
    let with_csv;
    let args = match &args.csv {
        Some(path) => {
            with_csv = from_csv(args, path)?;
            &with_csv
        }
        None => args,
    };
    let (v, fit) = tia_json(args)?;
    if let Some(p) = &args.plot {
        plot(p, args, &fit)?;
    }
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// The arguments with times, values (and uncertainties, when the CSV has a third column) read
/// from a CSV file `time_h,activity_mbq[,sd_mbq]`.
fn from_csv(args: &TiaArgs, path: &std::path::Path) -> Result<TiaArgs> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default();
    if !header.starts_with("time_h,activity_mbq") {
        anyhow::bail!(
            "{}: header '{header}', expected time_h,activity_mbq[,sd_mbq]",
            path.display()
        );
    }
    let (mut t, mut v, mut sd) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let f: Vec<String> = line.split(',').map(|x| x.trim().to_string()).collect();
        if f.len() < 2 {
            anyhow::bail!(
                "{} row {}: expected time_h,activity_mbq",
                path.display(),
                i + 2
            );
        }
        t.push(f[0].clone());
        v.push(f[1].clone());
        if let Some(x) = f.get(2) {
            sd.push(x.clone());
        }
    }
    if !sd.is_empty() && sd.len() != t.len() {
        anyhow::bail!(
            "{}: sd_mbq given on {} of {} rows",
            path.display(),
            sd.len(),
            t.len()
        );
    }
    Ok(TiaArgs {
        times_h: t,
        values: v,
        uncertainties: if sd.is_empty() {
            args.uncertainties.clone()
        } else {
            Some(sd)
        },
        csv: None,
        nuclide: args.nuclide.clone(),
        model: args.model.clone(),
        effective_half_life_h: args.effective_half_life_h,
        trapezoid_start: args.trapezoid_start.clone(),
        administered_mbq: args.administered_mbq,
        plot: args.plot.clone(),
    })
}

/// Parses a comma list of numbers, naming the field and entry of a bad one.
fn numbers(field: &str, items: &[String]) -> Result<Vec<f64>> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| anyhow::anyhow!("{field}: entry {} '{s}' is not a number", i + 1))
        })
        .collect()
}

/// Standard deviations from `--uncertainties` (MBq or "N%"), or the default relative ones.
fn sigmas(args: &TiaArgs, values: &[f64]) -> Result<(Vec<f64>, bool)> {
    let Some(items) = &args.uncertainties else {
        let vmax = values.iter().cloned().fold(0.0, f64::max);
        let s = values
            .iter()
            .map(|v| DEFAULT_REL_SIGMA * v.max(SIGMA_FLOOR_FRACTION * vmax))
            .collect();
        return Ok((s, false));
    };
    if items.len() != values.len() {
        bail!(
            "--uncertainties: {} given for {} values, expected one per value",
            items.len(),
            values.len()
        );
    }
    let s = items
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (s, v))| {
            let s = s.trim();
            let (num, pct) = match s.strip_suffix('%') {
                Some(n) => (n, true),
                None => (s, false),
            };
            let x: f64 = num.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "--uncertainties: entry {} '{s}' is not a number or N%",
                    i + 1
                )
            })?;
            Ok(if pct { x / 100.0 * v } else { x })
        })
        .collect::<Result<_>>()?;
    Ok((s, true))
}

/// The options from the arguments; returns them with the physical half-life (h).
fn options(args: &TiaArgs) -> Result<(TacOptions, Option<f64>)> {
    let choice = match args.model.trim().to_ascii_lowercase().as_str() {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).with_context(|| {
            format!(
                "--model '{m}': expected auto, mono, bi, tri, uptake, trapezoid, hanscheid or madsen"
            )
        })?),
    };
    let half_life_h = match &args.nuclide {
        Some(n) => Some(Nuclide::load(n).context("--nuclide")?.half_life_s / 3600.0),
        None => None,
    };
    let mut o = TacOptions::new(choice, half_life_h.map(|h| std::f64::consts::LN_2 / h));
    o.trapezoid_start = match args.trapezoid_start.as_str() {
        "zero" => TrapezoidStart::Zero,
        "constant" => TrapezoidStart::Constant,
        s => bail!("--trapezoid-start '{s}': expected zero or constant"),
    };
    o.effective_half_life_h = args.effective_half_life_h;
    if choice == ModelChoice::Fixed(Model::Madsen) && o.effective_half_life_h.is_none() {
        bail!("--model madsen needs --effective-half-life-h (population effective half-life, h)");
    }
    Ok((o, half_life_h))
}

/// The JSON of `theradose tia` and the fit behind it.
pub fn tia_json(args: &TiaArgs) -> Result<(Value, TacFit)> {
    let times = numbers("--times-h", &args.times_h)?;
    let values = numbers("--values", &args.values)?;
    if values.len() != times.len() {
        bail!(
            "--values: {} given for {} times (--times-h), expected one value per time",
            values.len(),
            times.len()
        );
    }
    let (sigma, absolute) = sigmas(args, &values)?;
    let (opts, half_life_h) = options(args)?;
    let weights = if absolute {
        Weights::Absolute(&sigma)
    } else {
        Weights::Relative(&sigma)
    };
    let fit = fit_tac(&times, &values, weights, &opts)?;
    let num = |x: Option<f64>| {
        x.filter(|v| v.is_finite())
            .map_or(Value::Null, |v| json!(v))
    };
    let names = fit.model.param_names();
    let params: serde_json::Map<String, Value> = names
        .iter()
        .zip(&fit.params)
        .map(|(n, p)| (n.to_string(), json!(p)))
        .collect();
    let param_sd: serde_json::Map<String, Value> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| fit.cov.len() > *i && fit.tia_sd.is_some())
        .map(|(i, n)| (n.to_string(), json!(fit.cov[i][i].max(0.0).sqrt())))
        .collect();
    let candidates: Vec<Value> = fit
        .candidates
        .iter()
        .map(|c| {
            json!({"model": c.model.name(), "aicc": num(c.aicc), "tia_mbq_h": num(c.tia),
                   "rejected": c.rejected})
        })
        .collect();
    let coefficient = args.administered_mbq.map(|a| fit.tia / a);
    let v = json!({
        "model": fit.model.name(),
        "tia_mbq_h": fit.tia,
        "tia_rel_uncertainty": num(fit.tia_rel_uncertainty()),
        "effective_half_life_h": num(fit.effective_half_life_h),
        "aicc": num(fit.aicc),
        "tia_sd_mbq_h": num(fit.tia_sd),
        "tia_mbq_s": fit.tia * 3600.0,
        "tia_coefficient_h": num(coefficient),
        "parameters": params,
        "parameter_sd": param_sd,
        "chi2": fit.chi2,
        "n_points": fit.n_points,
        "weights": if absolute { "absolute (given)" } else { "relative 10 %, covariance scaled by reduced chi-square" },
        "nuclide": args.nuclide,
        "physical_half_life_h": num(half_life_h),
        "clamped_to_physical": fit.clamped_to_physical,
        "candidates": candidates,
        "notes": fit.notes,
        "units": {"time": "h", "values": "MBq", "rates": "1/h"},
        "inputs": {"times_h": times, "values_mbq": values, "sigma_mbq": sigma,
                   "model": args.model, "trapezoid_start": args.trapezoid_start,
                   "effective_half_life_h": args.effective_half_life_h},
        "version": crate::VERSION,
    });
    Ok((v, fit))
}

/// The TAC figure: points with their errors, the curve to 1.25x the last time, 95 % band.
fn plot(path: &std::path::Path, args: &TiaArgs, fit: &TacFit) -> Result<()> {
    let times = numbers("--times-h", &args.times_h)?;
    let values = numbers("--values", &args.values)?;
    let (sigma, absolute) = sigmas(args, &values)?;
    let t_end = times.last().copied().unwrap_or(1.0) * 1.25;
    let curve: Vec<(f64, f64)> = (0..=400)
        .map(|i| {
            let t = t_end * i as f64 / 400.0;
            (t, fit.eval(t))
        })
        .collect();
    let sd: Option<Vec<f64>> = curve.iter().map(|p| fit.eval_sd(p.0)).collect();
    let band = sd.map(|sd| {
        let lo: Vec<f64> = curve
            .iter()
            .zip(&sd)
            .map(|(p, s)| (p.1 - Z95 * s).max(0.0))
            .collect();
        let hi: Vec<f64> = curve.iter().zip(&sd).map(|(p, s)| p.1 + Z95 * s).collect();
        (lo, hi)
    });
    let unc = fit
        .tia_rel_uncertainty()
        .map_or(String::new(), |u| format!(" ± {:.1} %", 100.0 * u));
    let title = format!(
        "TIA {:.1} MBq h{unc} ({})",
        fit.tia,
        args.nuclide.as_deref().unwrap_or("no nuclide")
    );
    let label = format!("{} fit", fit.model.name());
    crate::plot::tac_png(
        path,
        &crate::plot::TacFigure {
            title: &title,
            y_label: "activity (MBq)",
            times_h: &times,
            values: &values,
            errors: absolute.then_some(sigma.as_slice()),
            curve: &curve,
            curve_label: &label,
            band: band.as_ref().map(|(l, h)| (l.as_slice(), h.as_slice())),
        },
    )
}
