//! Files of a response-model calibration ([`crate::biology::calibration`]): `calibration.json`
//! (the whole result), `calibration.csv` (one row per observation), `calibration.png/.svg`
//! (observed against predicted, with the 95 % predictive intervals) and
//! `dose_response.png/.svg` (the fitted dose-response curve of each study arm with its 95 %
//! band and the observed dose bins).

use crate::biology::calibration::{CalibrationResult, RowResult};
use crate::io::write_file_atomic;
use crate::plot::{self, LinePanel, Series};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The columns of `calibration.csv`.
pub const CSV_HEADER: &str = "id,study,endpoint,split,dose_median_gy,n_lesions,n_responders,\
observed,predicted,low95,high95,inside";

/// Writes the calibration's files into `out` (created if needed); returns the paths written.
///
/// # Errors
/// When the folder or a file cannot be written.
pub fn write(res: &CalibrationResult, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    let json = out.join("calibration.json");
    write_file_atomic(&json, serde_json::to_string_pretty(res)?.as_bytes())?;
    written.push(json);
    let csv = out.join("calibration.csv");
    write_file_atomic(&csv, csv_text(&res.rows).as_bytes())?;
    written.push(csv);
    let fig = out.join("calibration.png");
    if plot::written(observed_vs_predicted(res, &fig))? {
        written.push(fig);
    }
    let fig = out.join("dose_response.png");
    if plot::written(dose_response(res, &fig))? {
        written.push(fig);
    }
    Ok(written)
}

/// The text of `calibration.csv`.
pub fn csv_text(rows: &[RowResult]) -> String {
    let mut s = String::from(CSV_HEADER);
    s.push('\n');
    for r in rows {
        let o = &r.obs;
        let split = serde_json::to_value(o.split)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{:.4},{:.4},{:.4},{:.4},{}",
            o.id,
            o.study,
            o.endpoint.name(),
            split,
            o.dose_median_gy,
            o.n_lesions,
            o.n_responders,
            r.observed,
            r.predicted,
            r.low95,
            r.high95,
            r.inside
        );
    }
    s
}

/// Binomial standard error of an observed fraction.
fn binomial_se(r: &RowResult) -> f64 {
    let p = r.observed;
    (p * (1.0 - p) / f64::from(r.obs.n_lesions)).sqrt()
}

fn observed_vs_predicted(res: &CalibrationResult, path: &Path) -> Result<()> {
    use crate::biology::calibration::data::Split;
    let identity = [(0.0, 0.0), (1.0, 1.0)];
    let pick = |split: Split| -> (Vec<(f64, f64)>, Vec<f64>) {
        res.rows
            .iter()
            .filter(|r| r.obs.split == split)
            .map(|r| ((r.predicted, r.observed), binomial_se(r)))
            .unzip()
    };
    let (fit_pts, fit_err) = pick(Split::Fit);
    let (hold_pts, hold_err) = pick(Split::Holdout);
    let series = [
        Series {
            name: "identity",
            points: &identity,
            y_err: None,
            y_band: None,
            scatter: false,
        },
        Series {
            name: "fit rows",
            points: &fit_pts,
            y_err: Some(&fit_err),
            y_band: None,
            scatter: true,
        },
        Series {
            name: "held-out rows",
            points: &hold_pts,
            y_err: Some(&hold_err),
            y_band: None,
            scatter: true,
        },
    ];
    plot::line_png(
        path,
        "Observed vs predicted response (± binomial SE)",
        "predicted response probability",
        "observed fraction responding",
        &series,
        false,
    )
}

fn dose_response(res: &CalibrationResult, path: &Path) -> Result<()> {
    struct Panel {
        title: String,
        curve: Vec<(f64, f64)>,
        band: Vec<[f64; 2]>,
        obs: Vec<(f64, f64)>,
        err: Vec<f64>,
    }
    let panels: Vec<Panel> = res
        .curves
        .iter()
        .map(|c| {
            let rows: Vec<&RowResult> = res
                .rows
                .iter()
                .filter(|r| r.obs.study == c.study && r.obs.endpoint == c.endpoint)
                .collect();
            Panel {
                title: format!("{} {}", c.study, c.endpoint.name()),
                curve: c
                    .dose_gy
                    .iter()
                    .copied()
                    .zip(c.probability.iter().copied())
                    .collect(),
                band: c
                    .low95
                    .iter()
                    .zip(&c.high95)
                    .map(|(l, h)| [*l, *h])
                    .collect(),
                obs: rows.iter().map(|r| (bin_dose(r), r.observed)).collect(),
                err: rows.iter().map(|r| binomial_se(r)).collect(),
            }
        })
        .collect();
    let series: Vec<[Series; 2]> = panels
        .iter()
        .map(|p| {
            [
                Series {
                    name: "model, 95 % band",
                    points: &p.curve,
                    y_err: None,
                    y_band: Some(&p.band),
                    scatter: false,
                },
                Series {
                    name: "observed bins",
                    points: &p.obs,
                    y_err: Some(&p.err),
                    y_band: None,
                    scatter: true,
                },
            ]
        })
        .collect();
    let lp: Vec<LinePanel> = panels
        .iter()
        .zip(&series)
        .map(|(p, s)| LinePanel {
            title: &p.title,
            x_label: "lesion mean absorbed dose (Gy)",
            y_label: "response probability",
            series: s,
            log_y: false,
        })
        .collect();
    plot::line_panels_png(
        path,
        "Lesion dose response: calibrated model and observations",
        &lp,
    )
}

/// The representative dose of a bin for the figure: the median of its restricted log-normal.
fn bin_dose(r: &RowResult) -> f64 {
    let o = &r.obs;
    let (mu, s) = (o.dose_median_gy.ln(), o.dose_gsd.ln());
    let cdf = |d: f64| -> f64 {
        if d <= 0.0 {
            0.0
        } else if d.is_infinite() {
            1.0
        } else {
            crate::biology::special::normal_cdf((d.ln() - mu) / s)
        }
    };
    let (a, b) = (cdf(o.dose_low_gy), cdf(o.dose_high_gy));
    let target = 0.5 * (a + b);
    // bisection on z for the bin's median
    let (mut lo, mut hi) = (-8.0f64, 8.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if crate::biology::special::normal_cdf(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (mu + s * 0.5 * (lo + hi)).exp()
}
