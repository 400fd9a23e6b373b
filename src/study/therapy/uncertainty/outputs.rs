//! Outputs of the budget: `uncertainty.csv`, the `<quantity>_ci95` / `<quantity>_median` keys of
//! `metrics.json`, a tornado figure per lesion and organ at risk, and the report's section.

use super::sample::{QuantityBudget, RegionBudget};
use super::Budget;
use crate::plot;
use crate::study::common::write_atomic;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The extra metrics keys of one region: `<quantity>_ci95` ([low, high]) and
/// `<quantity>_median` for every quantity of its budget.
pub fn interval_keys(b: &RegionBudget) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    for q in &b.quantities {
        m.insert(format!("{}_ci95", q.quantity), json!([q.low, q.high]));
        m.insert(format!("{}_median", q.quantity), json!(q.median));
    }
    if let Some(p) = &b.percist_probability {
        m.insert("percist_probability".into(), json!(p));
    }
    m
}

/// The region's budget by name.
pub fn region<'a>(budget: Option<&'a Budget>, name: &str) -> Option<&'a RegionBudget> {
    budget?.regions.iter().find(|r| r.name == name)
}

/// Writes `uncertainty.csv` (quantity, region, median, low, high, dominant_input) and
/// `tornado.csv` (quantity, region, input, nominal, low, high: the quantity with the input alone
/// at its 2.5th and 97.5th percentile, widest first).
pub fn write_csv(out: &Path, b: &Budget) -> Result<()> {
    let mut t = String::from("quantity,region,input,nominal,low,high\n");
    for r in &b.regions {
        for q in &r.quantities {
            for x in &q.tornado {
                let _ = writeln!(
                    t,
                    "{},{},{},{:.6},{:.6},{:.6}",
                    q.quantity,
                    r.name,
                    x.input.key(),
                    q.nominal,
                    x.low,
                    x.high
                );
            }
        }
    }
    write_atomic(&out.join("tornado.csv"), t.as_bytes())?;
    let mut t = String::from("quantity,region,median,low,high,dominant_input\n");
    for r in &b.regions {
        for q in &r.quantities {
            let _ = writeln!(
                t,
                "{},{},{:.6},{:.6},{:.6},{}",
                q.quantity,
                r.name,
                q.median,
                q.low,
                q.high,
                q.dominant.map_or("none", |i| i.key())
            );
        }
    }
    write_atomic(&out.join("uncertainty.csv"), t.as_bytes())
}

/// The quantity a region's tornado shows: TCP of a lesion, NTCP of an organ at risk, else the
/// mean dose.
fn tornado_quantity<'a>(r: &'a RegionBudget, preferred: &str) -> Option<&'a QuantityBudget> {
    r.quantities
        .iter()
        .find(|q| q.quantity == preferred)
        .or_else(|| r.quantities.iter().find(|q| q.quantity == "mean_dose_gy"))
}

/// Axis words of a quantity.
fn words(q: &str) -> &str {
    match q {
        "tcp" => "TCP",
        "ntcp" => "NTCP",
        "mean_dose_gy" => "mean dose (Gy)",
        _ => q,
    }
}

/// Writes `tornado_<region>.png` (and SVG, as `[figures]` says) for each named region:
/// `regions` holds (name, preferred quantity) pairs. Bars: the change of the quantity from its
/// nominal value with each input at its 2.5th (one group) and 97.5th percentile (the other),
/// the widest first, at most ten inputs.
///
/// # Errors
/// A figure that cannot be written.
pub fn write_tornados(
    out: &Path,
    figures: &plot::FiguresSpec,
    b: &Budget,
    regions: &[(String, &str)],
) -> Result<()> {
    for (name, preferred) in regions {
        let Some(r) = b.regions.iter().find(|r| r.name == *name) else {
            continue;
        };
        let Some(q) = tornado_quantity(r, preferred) else {
            continue;
        };
        let bars: Vec<_> = q.tornado.iter().take(10).collect();
        if bars.is_empty() {
            continue;
        }
        let categories: Vec<String> = bars.iter().map(|t| t.input.key().to_string()).collect();
        let low: Vec<f64> = bars.iter().map(|t| t.low - q.nominal).collect();
        let high: Vec<f64> = bars.iter().map(|t| t.high - q.nominal).collect();
        let title = format!(
            "{name}: {} {:.3} (95% interval {:.3} to {:.3})",
            words(&q.quantity),
            q.nominal,
            q.low,
            q.high
        );
        let y_label = format!("change of {} from nominal", words(&q.quantity));
        let fig = plot::BarFigure {
            title: &title,
            x_label: "input",
            y_label: &y_label,
            categories: &categories,
            groups: &[
                plot::BarGroup {
                    name: "input at its 2.5th percentile",
                    values: &low,
                },
                plot::BarGroup {
                    name: "input at its 97.5th percentile",
                    values: &high,
                },
            ],
            ref_lines: &[],
        };
        let path = out.join(format!("tornado_{name}.png"));
        plot::with_figures(figures, || {
            plot::written(plot::bar_png(&path, &fig)).map(|_| ())
        })?;
    }
    Ok(())
}

fn f3(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.3}"),
        None => "n/a".into(),
    }
}

/// The assumptions of a therapy study's budget, as its report states them.
const THERAPY_ASSUMPTIONS: &str =
    "\nAssumptions of the budget: the transport is not rerun (dose linear in the activity); \
     a region's dose scales with its own activity (self-dose); recovery and volume act on \
     the mean dose as factors; the follow-up SUVpeak scales with the lesion's mean relative \
     uptake (PET noise not resampled); every sweep point carries its own budget.\n";

/// The report's budget section from `metrics.json`'s `uncertainty` (empty without one).
pub fn report_section(m: &Value) -> String {
    budget_section(m, THERAPY_ASSUMPTIONS)
}

/// The report's budget section from the `uncertainty` of `m` (empty without one), ending with
/// the paragraph `assumptions`.
pub fn budget_section(m: &Value, assumptions: &str) -> String {
    let Some(u) = m.get("uncertainty").filter(|u| !u.is_null()) else {
        return String::new();
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Uncertainty budget\n\n{} samples (seed {}, at most {} dose bins per region, {:.1} s); \
         median and 95% interval of every quantity and the input that moves it most (one at a \
         time, at its 2.5th and 97.5th percentile). Table: `uncertainty.csv`; figures: \
         `tornado.csv`, `tornado_*.png`; inputs and their sources: `[uncertainty]` of the study file and \
         `data/biology/uncertainty.toml`.\n\n| region | quantity | nominal | median | 95% interval | dominant input |\n|---|---|---|---|---|---|",
        u["samples"], u["seed"], u["bins"], u["seconds"].as_f64().unwrap_or(0.0)
    );
    for r in u["regions"].as_array().into_iter().flatten() {
        for q in r["quantities"].as_array().into_iter().flatten() {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} to {} | {} |",
                r["name"].as_str().unwrap_or(""),
                q["quantity"].as_str().unwrap_or(""),
                f3(&q["nominal"]),
                f3(&q["median"]),
                f3(&q["low"]),
                f3(&q["high"]),
                q["dominant"].as_str().unwrap_or("none")
            );
        }
    }
    let percist: Vec<&Value> = u["regions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r.get("percist_probability").is_some())
        .collect();
    if !percist.is_empty() {
        let _ = writeln!(
            md,
            "\nPERCIST category of each lesion over the samples (the reported scans' SUVpeaks, the \
             follow-up scaled by the sample's mean relative uptake):\n\n| lesion | CMR | PMR | SMD | \
             PMD |\n|---|---|---|---|---|"
        );
        for r in percist {
            let p = &r["percist_probability"];
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                r["name"].as_str().unwrap_or(""),
                f3(&p["CMR"]),
                f3(&p["PMR"]),
                f3(&p["SMD"]),
                f3(&p["PMD"])
            );
        }
    }
    let _ = writeln!(
        md,
        "\nInputs (factor distributions; `fit` and `monte_carlo` scale the study's own \
         estimates):\n\n| input | distribution | rel_sd |\n|---|---|---|"
    );
    for (k, d) in u["inputs"].as_object().unwrap_or(&Map::new()) {
        let _ = writeln!(
            md,
            "| {k} | {} | {} |",
            d["distribution"].as_str().unwrap_or(""),
            d["rel_sd"]
        );
    }
    let _ = writeln!(
        md,
        "\nCheck: MIRD-style analytic propagation of the mean doses (relative uncertainties of \
         calibration, decay data, recovery, volume, TIA (delta method) and Monte Carlo in \
         quadrature):\n\n| region | mean dose (Gy) | analytic 95% | sampled 95% | width ratio |\n|---|---|---|---|---|"
    );
    for a in u["analytic"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {} | {} to {} | {} to {} | {} |",
            a["region"].as_str().unwrap_or(""),
            f3(&a["mean_dose_gy"]),
            f3(&a["ci95"][0]),
            f3(&a["ci95"][1]),
            f3(&a["sampled_ci95"][0]),
            f3(&a["sampled_ci95"][1]),
            f3(&a["width_ratio"])
        );
    }
    md.push_str(assumptions);
    md
}
