//! `report.md` of a patient study: inputs, scans, region kinetics and the dose table per
//! method, with the files beside it.

use super::regions::dose_rows;
use super::run::PatientResult;
use super::spec::PatientSpec;
use crate::study::therapy::uncertainty::outputs::budget_section;
use std::fmt::Write as _;

/// The text of `report.md`.
pub fn report(r: &PatientResult, spec: &PatientSpec) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Patient dosimetry: {} (theradose {})\n",
        spec.nuclide,
        crate::VERSION
    );
    let _ = writeln!(
        s,
        "Administered {} MBq of {}{}; reference CT `{}` ({} voxels of {:?} mm).\n",
        spec.injected_mbq,
        spec.nuclide,
        r.injection_time
            .as_ref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default(),
        spec.timepoint[0].ct.display(),
        r.phantom.grid.dims_string(),
        r.phantom.grid.spacing_mm
    );
    let _ = writeln!(
        s,
        "## Scans\n\n| # | time (h) | acquired | units | registration |\n|---|---|---|---|---|"
    );
    for (i, sc) in r.scans.iter().enumerate() {
        let reg = sc
            .registration
            .as_ref()
            .map_or("reference CT".to_string(), |g| {
                let t = g.transform;
                format!(
                    "rigid: {:.2} deg, [{:.1}, {:.1}, {:.1}] mm, NCC {:.3}",
                    t.angle_rad().to_degrees(),
                    t.translation_mm[0],
                    t.translation_mm[1],
                    t.translation_mm[2],
                    g.ncc
                )
            });
        let _ = writeln!(
            s,
            "| {i} | {:.2} | {} | {} | {reg} |",
            sc.time_h,
            sc.scan_time.as_deref().unwrap_or("-"),
            sc.units
        );
    }
    let _ = writeln!(s, "\n## Kinetics\n\n| region | volume (mL) | recovery | model | TIA (MBq h) | T_eff (h) |\n|---|---|---|---|---|---|");
    for g in &r.regions {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.3} | {} | {:.4} ± {:.1}% | {:.1} |",
            g.name,
            g.volume_ml,
            g.recovery_coefficient,
            g.tia_model,
            g.tia_mbq_h,
            100.0 * g.tia_rel_uncertainty,
            g.effective_half_life_h
        );
    }
    let _ = writeln!(s, "\n## Absorbed dose\n\n| method | region | mass (g) | mean (Gy) | Gy/GBq | D98 (Gy) | D50 (Gy) | D2 (Gy) | rel. unc. (1σ) |\n|---|---|---|---|---|---|---|---|---|");
    for d in dose_rows(&r.regions, &r.doses, spec.injected_mbq) {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.2}% |",
            d.method,
            d.region,
            d.mass_g,
            d.mean_gy,
            d.gy_per_gbq,
            d.d98_gy,
            d.d50_gy,
            d.d2_gy,
            100.0 * d.rel_uncertainty
        );
    }
    let _ = writeln!(
        s,
        "\nFiles: `doses.csv`, `tac.csv`, `tac/*.png`, `tia.nii.gz` (Bq s per voxel), `dose_<method>/`, \
         `dvh.png`, `rt_dose.dcm` ({} dose on the reference CT), `registered/`, `summary.json`.\n\n\
         Method: region TACs are the sums of the registered activity images over each region \
         (divided by the recovery coefficient of its volume when `[recovery]` is given), fitted \
         ({}); the voxel TIA map is a mono-exponential fit per voxel (trapezoid where it fails), \
         0 in air. The relative uncertainty is the Monte Carlo's (1 sigma) for mc, 0 for the \
         deterministic methods; it does not include the uncertainty of the TIA (the \
         budget below does).",
        r.doses.first().map_or("-", |d| d.spec.method.name()),
        spec.dose.tia_model
    );
    let budget = serde_json::json!({ "uncertainty": r.uncertainty });
    s.push_str(&budget_section(&budget, super::uncertainty::ASSUMPTIONS));
    s
}
