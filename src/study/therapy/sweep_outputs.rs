//! The summary of a sweep: `sweep.csv` (a column per swept key, the regions of every point),
//! the sweep section of `metrics.json`, and its figures (line plots against the first numeric
//! axis, or bar charts when every axis is categorical).

use super::sweep::{show, Axis, Point};
use crate::plot;
use crate::study::common::write_atomic;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

const LESION_KEYS: [&str; 4] = ["mean_dose_gy", "bed_gy", "tcp", "suv_peak_change_pct"];
const OAR_KEYS: [&str; 3] = ["mean_dose_gy", "bed_gy", "ntcp"];

fn rows(m: &Value, sec: &str) -> Vec<(String, Value)> {
    m[sec]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Writes `sweep.csv` and the figures against the first numeric axis; returns the summary
/// JSON for `metrics.json`.
///
/// # Errors
/// I/O or figure errors.
pub fn write_summary(out: &Path, axes: &[Axis], points: &[Point]) -> Result<Value> {
    if points.is_empty() {
        return Ok(Value::Null);
    }
    // regions of every point (a variant sweep may change the phantom and its lesions)
    let union = |sec: &str| {
        let mut names: Vec<String> = Vec::new();
        for p in points {
            for (n, _) in rows(&p.metrics, sec) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    };
    let lesions = union("lesions");
    let oars = union("organs_at_risk");
    let mut csv: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    for l in &lesions {
        csv.extend(LESION_KEYS.iter().map(|k| format!("{l}_{k}")));
        csv.push(format!("{l}_percist"));
    }
    for o in &oars {
        csv.extend(OAR_KEYS.iter().map(|k| format!("{o}_{k}")));
    }
    let mut text = csv.join(",") + "\n";
    let mut json_points = Vec::new();
    for p in points {
        let mut cells: Vec<String> = p.values.iter().map(show).collect();
        let mut jl = Map::new();
        let mut jo = Map::new();
        for l in &lesions {
            let v = &p.metrics["lesions"][l];
            cells.extend(LESION_KEYS.iter().map(|k| fmt(&v[*k])));
            cells.push(v["percist"].as_str().unwrap_or("").to_string());
            jl.insert(
                l.clone(),
                pick(v, &[&LESION_KEYS[..], &["percist"]].concat()),
            );
        }
        for o in &oars {
            let v = &p.metrics["organs_at_risk"][o];
            cells.extend(OAR_KEYS.iter().map(|k| fmt(&v[*k])));
            jo.insert(o.clone(), pick(v, &OAR_KEYS));
        }
        let _ = writeln!(text, "{}", cells.join(","));
        let values: Map<String, Value> = axes
            .iter()
            .zip(&p.values)
            .map(|(a, v)| {
                (
                    a.path.clone(),
                    serde_json::to_value(v).unwrap_or(Value::Null),
                )
            })
            .collect();
        json_points.push(json!({"values": values, "lesions": jl, "organs_at_risk": jo}));
    }
    write_atomic(&out.join("sweep.csv"), text.as_bytes())?;
    figures(out, axes, points, &lesions, &oars)?;
    Ok(
        json!({"axes": axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>(),
        "points": json_points}),
    )
}

fn fmt(v: &Value) -> String {
    v.as_f64().map_or(String::new(), |x| format!("{x:.6}"))
}

/// The `keys` of `v`, each with its 95% interval `<key>_ci95` where the point's uncertainty
/// budget gave one.
fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        m.insert(k.to_string(), v[*k].clone());
        let ci = format!("{k}_ci95");
        if let Some(x) = v.get(&ci) {
            m.insert(ci, x.clone());
        }
    }
    Value::Object(m)
}

/// TCP / NTCP and SUVpeak change against the first numeric axis, one series per region and
/// per combination of the other axes; a sweep of categorical axes only (nuclide, variant) gets
/// bar charts instead ([`bar_figures`]).
fn figures(
    out: &Path,
    axes: &[Axis],
    points: &[Point],
    lesions: &[String],
    oars: &[String],
) -> Result<()> {
    let Some(ax) = axes.iter().position(|a| {
        a.values
            .iter()
            .all(|v| v.as_float().or(v.as_integer().map(|i| i as f64)).is_some())
    }) else {
        return bar_figures(out, axes, points, lesions, oars);
    };
    let xval = |p: &Point| {
        p.values[ax]
            .as_float()
            .or(p.values[ax].as_integer().map(|i| i as f64))
            .unwrap_or(f64::NAN)
    };
    let group = |p: &Point| {
        let others: Vec<String> = axes
            .iter()
            .zip(&p.values)
            .enumerate()
            .filter(|(i, _)| *i != ax)
            .map(|(_, (a, v))| format!("{}={}", a.leaf(), show(v)))
            .collect();
        others.join(", ")
    };
    let mut groups: Vec<String> = points.iter().map(group).collect();
    groups.dedup();
    groups.sort();
    groups.dedup();
    let leaf = axes[ax].leaf();
    let words = super::titles::axis_title(&axes[ax].path);
    let make = |file: String, title: &str, y: &str, specs: Vec<MetricSpec>| {
        let mut names = Vec::new();
        let mut pts: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut bands: Vec<Vec<[f64; 2]>> = Vec::new();
        for g in &groups {
            for (region, sec, key) in &specs {
                let mut s: Vec<(f64, f64, [f64; 2])> = points
                    .iter()
                    .filter(|p| group(p) == *g)
                    .map(|p| {
                        let m = &p.metrics[*sec][region];
                        let v = m[*key].as_f64().unwrap_or(f64::NAN);
                        // the point's 95% interval from its uncertainty budget, if any
                        let ci = &m[format!("{key}_ci95")];
                        let band = [0, 1].map(|i| ci[i].as_f64().unwrap_or(f64::NAN));
                        (xval(p), v, band)
                    })
                    .collect();
                s.sort_by(|a, b| a.0.total_cmp(&b.0));
                let suffix = if g.is_empty() {
                    String::new()
                } else {
                    format!(" [{g}]")
                };
                names.push(format!("{} {region}{suffix}", metric_name(key)));
                pts.push(s.iter().map(|&(x, v, _)| (x, v)).collect());
                bands.push(s.iter().map(|&(_, _, b)| b).collect());
            }
        }
        let series: Vec<plot::Series> = names
            .iter()
            .zip(&pts)
            .zip(&bands)
            .map(|((n, p), b)| plot::Series {
                name: n,
                points: p,
                y_err: None,
                y_band: Some(b),
                scatter: false,
            })
            .collect();
        let banded = bands.iter().flatten().any(|b| b[0].is_finite());
        let y = match banded {
            true => format!("{y} (bands: 95% interval)"),
            false => y.to_string(),
        };
        plot::written(plot::line_png(
            &out.join(file),
            title,
            &words,
            &y,
            &series,
            false,
        ))
    };
    let (prob, suv) = figure_metrics(lesions, oars);
    make(
        format!("tcp_ntcp_vs_{leaf}.png"),
        &format!("TCP and NTCP against {words}"),
        "probability",
        prob,
    )?;
    make(
        format!("suv_change_vs_{leaf}.png"),
        &format!("predicted SUVpeak change against {words}"),
        "SUVpeak change (%)",
        suv,
    )
    .map(|_| ())
}

/// A metric key in words for legends.
fn metric_name(key: &str) -> &str {
    match key {
        "tcp" => "TCP",
        "ntcp" => "NTCP",
        "suv_peak_change_pct" => "SUVpeak change",
        other => other,
    }
}

/// One figure metric: (region, metrics.json section, key).
type MetricSpec = (String, &'static str, &'static str);

/// The metrics of the sweep figures: TCP of the lesions with NTCP of the organs at risk, and
/// the lesions' predicted SUVpeak change.
fn figure_metrics(lesions: &[String], oars: &[String]) -> (Vec<MetricSpec>, Vec<MetricSpec>) {
    let prob = lesions
        .iter()
        .map(|l| (l.clone(), "lesions", "tcp"))
        .chain(oars.iter().map(|o| (o.clone(), "organs_at_risk", "ntcp")))
        .collect();
    let suv = lesions
        .iter()
        .map(|l| (l.clone(), "lesions", "suv_peak_change_pct"))
        .collect();
    (prob, suv)
}

/// Bar charts of a categorical sweep: the regions on x, in each one bar per sweep point (legend:
/// the point's values; no bar where the point lacks the region), TCP and NTCP in one figure, the
/// predicted SUVpeak change in another.
fn bar_figures(
    out: &Path,
    axes: &[Axis],
    points: &[Point],
    lesions: &[String],
    oars: &[String],
) -> Result<()> {
    let leaf = axes.iter().map(|a| a.leaf()).collect::<Vec<_>>().join("_");
    let words = axes
        .iter()
        .map(|a| super::titles::axis_title(&a.path))
        .collect::<Vec<_>>()
        .join(" and ");
    let names: Vec<String> = points
        .iter()
        .map(|p| {
            axes.iter()
                .zip(&p.values)
                .map(|(a, v)| format!("{}={}", a.leaf(), show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let make = |file: String, title: &str, y: &str, specs: Vec<MetricSpec>| {
        let regions: Vec<String> = specs.iter().map(|(r, _, _)| r.clone()).collect();
        let values: Vec<Vec<f64>> = points
            .iter()
            .map(|p| {
                let v = |(r, sec, key): &MetricSpec| p.metrics[*sec][r][*key].as_f64();
                specs.iter().map(|s| v(s).unwrap_or(f64::NAN)).collect()
            })
            .collect();
        let groups: Vec<plot::BarGroup> = names
            .iter()
            .zip(&values)
            .map(|(name, values)| plot::BarGroup { name, values })
            .collect();
        let fig = plot::BarFigure {
            title,
            x_label: "region",
            y_label: y,
            categories: &regions,
            groups: &groups,
            ref_lines: &[],
        };
        plot::written(plot::bar_png(&out.join(file), &fig))
    };
    let (prob, suv) = figure_metrics(lesions, oars);
    make(
        format!("tcp_ntcp_by_{leaf}.png"),
        &format!("TCP (lesions) and NTCP (organs at risk) by {words}"),
        "probability",
        prob,
    )?;
    make(
        format!("suv_change_by_{leaf}.png"),
        &format!("predicted SUVpeak change by {words}"),
        "SUVpeak change (%)",
        suv,
    )
    .map(|_| ())
}
