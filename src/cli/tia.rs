//! `theradose tia`: time-integrated activity of one time-activity curve, printed as JSON.
//!
//! `theradose tia --times-h T1,T2,... --values V1,V2,... [--nuclide N]
//! [--model auto|mono|bi|tri|uptake|trapezoid|hanscheid|madsen]` with values in MBq prints the
//! JSON of [`theradose::dosimetry::tia::tia`]. `--uncertainties` gives one standard deviation
//! per point, each absolute (MBq) or relative (`5%`); `--csv` reads the points from a file.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use theradose::dosimetry::kinetics::TacFit;
use theradose::dosimetry::tia::{tia, TiaResult, TiaSpec};

/// Two-sided 95 % normal quantile, for the figure's band.
const Z95: f64 = 1.959_964;

/// Arguments of `theradose tia`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  theradose tia --times-h 4,24,96,168 --values 120,95,40,15 --nuclide Lu-177"
)]
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
    /// decay data, icrp107 (default) or endf
    #[arg(long, default_value = "icrp107", value_parser = super::decay::parse, help = super::decay::HELP)]
    pub decay_data: theradose::source::DecayData,
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
    let r = tia(&spec(args)?)?;
    if let Some(p) = &args.plot {
        plot(p, &r)?;
    }
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}

/// The library spec of the arguments: numbers parsed, percent uncertainties made absolute.
fn spec(args: &TiaArgs) -> Result<TiaSpec> {
    let times_h = numbers("--times-h", &args.times_h)?;
    let values = numbers("--values", &args.values)?;
    let uncertainties = match &args.uncertainties {
        Some(items) => Some(sigmas(items, &values)?),
        None => None,
    };
    Ok(TiaSpec {
        times_h,
        values,
        uncertainties,
        nuclide: args.nuclide.clone(),
        decay_data: args.decay_data,
        model: args.model.clone(),
        effective_half_life_h: args.effective_half_life_h,
        trapezoid_start: args.trapezoid_start.clone(),
        administered_mbq: args.administered_mbq,
    })
}

/// The arguments with times, values (and uncertainties, when the CSV has a third column) read
/// from a CSV file `time_h,activity_mbq[,sd_mbq]`.
fn from_csv(args: &TiaArgs, path: &Path) -> Result<TiaArgs> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default();
    if !header.starts_with("time_h,activity_mbq") {
        bail!(
            "{}: header '{header}', expected time_h,activity_mbq[,sd_mbq]",
            path.display()
        );
    }
    let (mut t, mut v, mut sd) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let f: Vec<String> = line.split(',').map(|x| x.trim().to_string()).collect();
        if f.len() < 2 {
            bail!(
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
        bail!(
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
        decay_data: args.decay_data,
        model: args.model.clone(),
        effective_half_life_h: args.effective_half_life_h,
        trapezoid_start: args.trapezoid_start.clone(),
        administered_mbq: args.administered_mbq,
        plot: args.plot.clone(),
    })
}

/// Parses a comma list of numbers, naming the flag and entry of a bad one.
fn numbers(flag: &str, items: &[String]) -> Result<Vec<f64>> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| anyhow::anyhow!("{flag}: entry {} '{s}' is not a number", i + 1))
        })
        .collect()
}

/// Standard deviations (MBq) of `--uncertainties`: MBq, or "N%" of the value at that point.
/// A count that does not match the values is left to the library to report.
fn sigmas(items: &[String], values: &[f64]) -> Result<Vec<f64>> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
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
            let v = values.get(i).copied().unwrap_or(f64::NAN);
            Ok(if pct { x / 100.0 * v } else { x })
        })
        .collect()
}

/// The TAC figure: points with their errors, the curve to 1.25x the last time, 95 % band.
fn plot(path: &Path, r: &TiaResult) -> Result<()> {
    let fit: &TacFit = &r.fit;
    let (times, values, sigma) = (&r.inputs.times_h, &r.inputs.values_mbq, &r.inputs.sigma_mbq);
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
        r.nuclide.as_deref().unwrap_or("no nuclide")
    );
    let label = format!("{} fit", fit.model.name());
    theradose::plot::tac_png(
        path,
        &theradose::plot::TacFigure {
            title: &title,
            y_label: "activity (MBq)",
            times_h: times,
            values,
            errors: r.absolute_sigmas.then_some(sigma.as_slice()),
            curve: &curve,
            curve_label: &label,
            band: band.as_ref().map(|(l, h)| (l.as_slice(), h.as_slice())),
        },
    )
}
