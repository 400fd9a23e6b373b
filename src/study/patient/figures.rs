//! Figures of a patient study: each region's TAC with its fit (`tac/<region>.png`), the DVH of
//! the reference method (`dvh.png`), and the registration check of each registered scan.

use super::regions::PatientRegion;
use super::run::PatientResult;
use crate::dosimetry::regions::dvh;
use crate::dosimetry::register::axial_pair;
use crate::plot::{overlay_png, tac_png, Overlay, TacFigure};
use crate::study::dose::dvh_png;
use anyhow::Result;
use std::path::Path;

/// A file-name-safe version of a region name.
pub fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The TAC figure of one region: corrected activity (MBq) with the fit and its 95% band.
fn tac_figure(path: &Path, r: &PatientRegion, times: &[f64]) -> Result<()> {
    let Some(fit) = &r.fit else {
        return Ok(());
    };
    let values: Vec<f64> = r.tac_bq.iter().map(|a| a * 1e-6).collect();
    let t_end = times.last().copied().unwrap_or(1.0) * 1.3;
    let ts: Vec<f64> = (0..=200).map(|i| t_end * i as f64 / 200.0).collect();
    let curve: Vec<(f64, f64)> = ts.iter().map(|&t| (t, fit.eval(t) * 1e-6)).collect();
    let sd: Vec<f64> = ts
        .iter()
        .map(|&t| fit.eval_sd(t).unwrap_or(0.0) * 1e-6)
        .collect();
    let lo: Vec<f64> = curve
        .iter()
        .zip(&sd)
        .map(|(c, s)| (c.1 - 1.96 * s).max(0.0))
        .collect();
    let hi: Vec<f64> = curve.iter().zip(&sd).map(|(c, s)| c.1 + 1.96 * s).collect();
    let label = format!(
        "{} fit, TIA {:.1} MBq h, T_eff {:.1} h",
        fit.model.name(),
        r.tia_mbq_h,
        r.effective_half_life_h
    );
    let rc = if r.recovery_coefficient != 1.0 {
        format!(", divided by RC {:.3}", r.recovery_coefficient)
    } else {
        String::new()
    };
    tac_png(
        path,
        &TacFigure {
            title: &format!(
                "{}: time-activity curve ({:.1} mL{rc})",
                r.name, r.volume_ml
            ),
            y_label: "activity (MBq)",
            times_h: times,
            values: &values,
            errors: None,
            curve: &curve,
            curve_label: &label,
            band: Some((&lo, &hi)),
        },
    )
}

/// `tac/<region>.png` for every region with activity.
///
/// # Errors
/// A figure that cannot be written.
pub fn tac_figures(r: &PatientResult, dir: &Path) -> Result<()> {
    let times: Vec<f64> = r.scans.iter().map(|s| s.time_h).collect();
    for reg in &r.regions {
        tac_figure(
            &dir.join(format!("{}.png", file_stem(&reg.name))),
            reg,
            &times,
        )?;
    }
    Ok(())
}

/// `dvh.png`: cumulative DVHs of the reported regions by the reference (first) method.
///
/// # Errors
/// A figure that cannot be written.
pub fn dvh_figure(r: &PatientResult, path: &Path) -> Result<()> {
    let Some(d) = r.doses.first() else {
        return Ok(());
    };
    let ph = &r.phantom;
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let voxels: Vec<Vec<u32>> = r.regions.iter().map(|x| ph.region_voxels(x.id)).collect();
    let names: Vec<String> = r.regions.iter().map(|x| x.name.clone()).collect();
    let (grid, curves) = dvh(&d.dose_gy, &mass, &voxels, 200);
    dvh_png(path, &names, &grid, &curves, d.spec.method.name())
}

/// The registration check of scan `i`: the central axial slice of the reference CT (green)
/// over the registered CT (magenta), grey where they agree, HU window -200..400.
///
/// # Errors
/// A figure that cannot be written.
pub fn registration_check(r: &PatientResult, i: usize, path: &Path) -> Result<()> {
    let Some(moved) = &r.scans[i].ct_registered else {
        return Ok(());
    };
    let fixed = &r.reference_hu;
    let g = &fixed.grid;
    let k = g.dims[2] / 2;
    let (f, m, width, height) = axial_pair(fixed, moved, k);
    let title = format!("time point {i}: registration check, axial slice k = {k}");
    overlay_png(
        path,
        &Overlay {
            fixed: &f,
            moving: &m,
            width,
            height,
            pixel_mm: [g.spacing_mm[0], g.spacing_mm[1]],
            window: (-200.0, 400.0),
            title: &title,
            x_label: "i (mm)",
            y_label: "j (mm)",
        },
    )
}
