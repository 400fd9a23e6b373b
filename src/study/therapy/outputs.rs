//! Outputs of a therapy study: `metrics.json`, `regions.csv`, `lesions.csv` and the NIfTI
//! volumes (the metrics: [`super::metrics`]; figures: [`super::figures`]; `report.md`:
//! [`super::report`]).

use super::radiobiology::Bio;
use super::scan::{Response, Scan};
use super::spec::TherapyStudy;
use crate::io::{self, Grid, Volume};
use crate::study::common::write_atomic;
use crate::study::dosimetry::DosimetryResult;
use anyhow::Result;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// Everything one run of the chain produced.
pub struct RunContext<'a> {
    pub study: &'a TherapyStudy,
    pub dosimetry: &'a DosimetryResult,
    /// factor applied to the dosimetry's per-cycle doses (sweeps over the activity)
    pub dose_scale: f64,
    pub dosimetry_dir: &'a Path,
    pub bio: &'a Bio,
    /// the planning scan (`baseline_pet`) when the comparison's baseline is another tracer's
    /// pre-therapy scan (FDG after PSMA); None: `baseline` is the planning scan
    pub planning: Option<&'a Scan>,
    /// the baseline of the comparison (same tracer as the follow-up)
    pub baseline: &'a Scan,
    pub followup: &'a Scan,
    pub response: &'a Response,
    /// the uncertainty budget (None: `samples = 0`)
    pub budget: Option<&'a super::uncertainty::Budget>,
}

/// Writes `metrics.json`.
pub fn write_metrics(out: &Path, m: &Value) -> Result<()> {
    write_atomic(
        &out.join("metrics.json"),
        serde_json::to_string_pretty(m)?.as_bytes(),
    )
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.6}"))
}

/// Writes `regions.csv` and `lesions.csv`.
pub fn write_tables(out: &Path, c: &RunContext) -> Result<()> {
    let mut t = String::from(
        "region,tissue,role,mass_g,mean_dose_per_cycle_gy,mean_dose_gy,alpha_dose_gy,\
         rel_uncertainty,effective_half_life_h,uptake_half_time_h,g_factor,bed_gy,eqd2_gy,\
         geud_gy,tcp,ntcp\n",
    );
    for r in &c.bio.regions {
        let _ = writeln!(
            t,
            "{},{},{},{:.3},{:.6},{:.6},{:.6},{:.5},{:.3},{:.3},{:.6},{:.6},{:.6},{:.6},{},{}",
            r.name,
            r.tissue.as_deref().unwrap_or(""),
            r.role.code(),
            r.mass_g,
            r.mean_dose_per_cycle_gy,
            r.mean_dose_gy,
            r.alpha_dose_gy,
            r.rel_uncertainty,
            r.effective_half_life_h,
            r.uptake_half_time_h,
            r.g_factor,
            r.bed_gy,
            r.eqd2_gy,
            r.geud_gy,
            opt(r.tcp),
            opt(r.ntcp)
        );
    }
    write_atomic(&out.join("regions.csv"), t.as_bytes())?;
    let mut l = String::from(
        "lesion,suv_max_baseline,suv_peak_baseline,suv_mean_baseline,mtv41_ml_baseline,\
         tlg41_baseline,suv_max_followup,suv_peak_followup,suv_mean_followup,mtv41_ml_followup,\
         tlg41_followup,suv_peak_baseline_noise_free,suv_peak_followup_noise_free,\
         suv_peak_change_pct,percist,eortc\n",
    );
    for r in &c.response.lesions {
        let (b, f) = (&r.baseline, &r.followup);
        let _ = writeln!(
            l,
            "{},{:.4},{:.4},{:.4},{:.3},{:.3},{:.4},{:.4},{:.4},{:.3},{:.3},{:.4},{:.4},{:.2},{},{}",
            r.name,
            b.suv_max,
            b.suv_peak,
            b.suv_mean,
            b.mtv41_ml,
            b.tlg41,
            f.suv_max,
            f.suv_peak,
            f.suv_mean,
            f.mtv41_ml,
            f.tlg41,
            r.baseline_noise_free.suv_peak,
            r.followup_noise_free.suv_peak,
            r.suv_peak_change_pct,
            r.percist,
            r.eortc
        );
    }
    write_atomic(&out.join("lesions.csv"), l.as_bytes())?;
    match c.budget {
        Some(b) => super::uncertainty::outputs::write_csv(out, b),
        None => Ok(()),
    }
}

fn write_f32(path: &Path, grid: &Grid, data: &[f64], what: &str) -> Result<()> {
    let vol = Volume {
        grid: grid.clone(),
        data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
    };
    io::write_volume(path, &vol, what)?;
    Ok(())
}

/// Writes the NIfTI volumes (dose, BED, surviving fraction, relative uptake on the phantom
/// grid; the PET SUV images on the scanned planes).
pub fn write_volumes(out: &Path, c: &RunContext) -> Result<()> {
    let g = &c.dosimetry.phantom.grid;
    let b = &c.bio;
    write_f32(&out.join("dose.nii.gz"), g, &b.total_dose_gy, "dose Gy")?;
    write_f32(&out.join("bed.nii.gz"), g, &b.bed_gy, "BED Gy")?;
    write_f32(
        &out.join("surviving_fraction.nii.gz"),
        g,
        &b.surviving_fraction,
        "surviving fraction",
    )?;
    write_f32(
        &out.join("relative_uptake.nii.gz"),
        g,
        &b.relative_uptake,
        "follow-up/baseline",
    )?;
    let scans = [
        Some(("baseline", c.baseline)),
        Some(("followup", c.followup)),
        c.planning.map(|p| ("planning", p)),
    ];
    for (name, s) in scans.into_iter().flatten() {
        let pg = &s.phantom.grid;
        write_f32(
            &out.join(format!("pet_{name}_suv_noise_free.nii.gz")),
            pg,
            &s.noise_free_suv,
            "SUV bw",
        )?;
        if let Some(n) = &s.noisy_suv {
            write_f32(&out.join(format!("pet_{name}_suv.nii.gz")), pg, n, "SUV bw")?;
        }
    }
    Ok(())
}
