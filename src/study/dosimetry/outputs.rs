//! The files of a dosimetry study: the synthetic images (`images/`), per-region results
//! (`doses.csv`), the comparison of the dose methods against the first (`comparison.csv`,
//! voxel-level statistics in `comparison.json`), `svalues.csv`, the nucleus dose of labelled
//! cells (`labelled_cells.csv`), `report.md` ([`super::report`]) and `summary.json`; the figures
//! are [`super::figures`].

use super::cells::labelled_cells_csv;
use super::figures::{histogram, tac_figure};
use super::regions::{RegionResult, ORGAN_S};
use super::run::DosimetryResult;
use super::spec::DosimetrySpec;
use crate::dosimetry::regions::RegionDose;
use crate::io::{read_volume, write_volume, Volume};
use crate::phantom::Phantom;
use crate::study::common::write_atomic;
use anyhow::{Context as _, Result};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;

/// `doses.csv`: per region the TIA, the fit, the mean dose per method per cycle and for all
/// cycles.
fn doses_csv(spec: &DosimetrySpec, regions: &[RegionResult], methods: &[&str]) -> String {
    let cycles = spec.therapy.cycles;
    let mut csv = String::from(
        "region,mass_g,tia_mbq_h,tia_rel_uncertainty,tia_coefficient_h,tia_true_mbq_h,tia_model,effective_half_life_h,uptake_half_time_h",
    );
    for m in methods {
        let _ = write!(csv, ",{m}_gy_per_cycle");
    }
    let _ = writeln!(
        csv,
        ",rel_uncertainty,d90_gy,d50_gy,d2_gy,max_gy,alpha_gy_per_cycle,rbe_weighted_gy_per_cycle,cycles,mean_gy_all_cycles,rbe_weighted_gy_all_cycles"
    );
    for r in regions {
        let _ = write!(
            csv,
            "{},{:.3},{:.6e},{:.4},{:.4e},{:.6e},{},{:.2},{:.2}",
            r.name,
            r.mass_g,
            r.tia_mbq_h,
            r.tia_rel_uncertainty,
            r.tia_mbq_h / spec.therapy.activity_per_cycle_mbq,
            r.tia_true_mbq_h,
            r.tia_model,
            r.effective_half_life_h,
            r.uptake_half_time_h
        );
        for m in methods {
            let _ = write!(csv, ",{:.6e}", r.mean_gy[*m]);
        }
        let _ = writeln!(
            csv,
            ",{:.4e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{cycles},{:.6e},{:.6e}",
            r.rel_uncertainty,
            r.d90_gy,
            r.d50_gy,
            r.d2_gy,
            r.max_gy,
            r.alpha_gy,
            r.rbe_weighted_gy,
            r.mean_gy_total,
            r.rbe_weighted_gy * cycles as f64
        );
    }
    csv
}

/// `comparison.csv`: per region the mean dose of every method and its difference (%) from the
/// first.
fn comparison_csv(regions: &[RegionResult], methods: &[&str]) -> String {
    let reference = methods[0];
    let mut cmp = String::from("region,mass_g");
    for m in methods {
        let _ = write!(cmp, ",{m}_gy");
    }
    for m in methods.iter().skip(1) {
        let _ = write!(cmp, ",{m}_vs_{reference}_percent");
    }
    cmp.push('\n');
    for r in regions {
        let base = r.mean_gy[reference];
        let _ = write!(cmp, "{},{:.3}", r.name, r.mass_g);
        for m in methods {
            let _ = write!(cmp, ",{:.6e}", r.mean_gy[*m]);
        }
        for m in methods.iter().skip(1) {
            let _ = write!(cmp, ",{:.2}", 100.0 * (r.mean_gy[*m] / base - 1.0));
        }
        cmp.push('\n');
    }
    cmp
}

/// Writes `doses.csv`, `comparison.csv`, `comparison.json` and the comparison figures.
///
/// # Errors
/// When a file cannot be written or a method's dose cannot be read back.
pub fn write_tables(
    spec: &DosimetrySpec,
    out: &Path,
    ph: &Phantom,
    regions: &[RegionResult],
    per_method: &[(String, Vec<RegionDose>)],
    reference_dose: &[f64],
) -> Result<()> {
    // the dose-map methods, then the organ-level MIRD dose when the study computed it
    let mut methods: Vec<&str> = per_method.iter().map(|m| m.0.as_str()).collect();
    if regions
        .first()
        .is_some_and(|r| r.mean_gy.contains_key(ORGAN_S))
    {
        methods.push(ORGAN_S);
    }
    let csv = doses_csv(spec, regions, &methods);
    write_atomic(&out.join("doses.csv"), csv.as_bytes())?;
    let reference = methods[0];
    let cmp = comparison_csv(regions, &methods);
    write_atomic(&out.join("comparison.csv"), cmp.as_bytes())?;
    // voxel level: relative differences in the voxels above 10% of the reference maximum
    let max = (0..ph.len())
        .filter(|&v| ph.density[v] >= 0.01)
        .map(|v| reference_dose[v])
        .fold(0.0, f64::max);
    let mut voxel_stats = serde_json::Map::new();
    let mut series_pts = Vec::new();
    let mut hist_series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for m in per_method.iter().skip(1).map(|x| x.0.as_str()) {
        let d = read_volume(&out.join(format!("dose_{m}")).join("dose.nii.gz"))?.data;
        let diffs: Vec<f64> = (0..ph.len())
            .filter(|&v| ph.density[v] >= 0.01 && reference_dose[v] > 0.1 * max)
            .map(|v| d[v] / reference_dose[v] - 1.0)
            .collect();
        let n = diffs.len().max(1) as f64;
        let mean = diffs.iter().sum::<f64>() / n;
        let sd = (diffs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        hist_series.push((format!("{m} vs {reference}"), histogram(&diffs)));
        voxel_stats.insert(
            m.to_string(),
            json!({"voxels": diffs.len(), "mean_relative_difference": mean, "sd_relative_difference": sd,
                "threshold_gy": 0.1 * max}),
        );
    }
    for m in methods.iter().skip(1) {
        let mut pts: Vec<(f64, f64)> = regions
            .iter()
            .map(|r| (r.mean_gy[reference], r.mean_gy[*m]))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        series_pts.push((format!("{m} (region means)"), pts));
    }
    write_atomic(
        &out.join("comparison.json"),
        serde_json::to_string_pretty(&json!({"reference": reference, "voxels": voxel_stats}))?
            .as_bytes(),
    )?;
    super::figures::comparison_figures(out, reference, &hist_series, &series_pts, regions)
}

impl DosimetryResult {
    /// Writes what [`super::run::run`] kept in memory into `out`: `images/` (synthetic serial
    /// images, Bq/mL), `tac/` (region TAC fits, PNG), `doses.csv` (per region: TIA, fits, mean
    /// dose per method per cycle and for all cycles), `comparison.csv`, `comparison.json` and
    /// their figures (methods against the first), `svalues.csv` (with organ S-values),
    /// `labelled_cells.csv` (with regions given as labelled cells), `report.md` and
    /// `summary.json`.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, spec: &DosimetrySpec, out: &Path) -> Result<()> {
        spec.figures.check()?;
        crate::plot::with_figures(&spec.figures, || self.write_files(spec, out))
    }

    fn write_files(&self, spec: &DosimetrySpec, out: &Path) -> Result<()> {
        let ph = &self.phantom;
        let times = &spec.imaging.times_h;
        std::fs::create_dir_all(out.join("images"))
            .with_context(|| format!("cannot create {}", out.display()))?;
        std::fs::create_dir_all(out.join("tac"))?;
        let inv_ml = 1.0 / ph.voxel_volume_cm3();
        for (img, t) in self.images_bq.iter().zip(times) {
            write_volume(
                &out.join("images").join(format!("activity_{t:.0}h.nii.gz")),
                &Volume {
                    grid: ph.grid.clone(),
                    data: img.iter().map(|&x| (x * inv_ml) as f32).collect(),
                },
                &format!(
                    "theradose {} synthetic activity Bq/mL at {t} h",
                    crate::VERSION
                ),
            )?;
        }
        let stack: Vec<&[f64]> = self.images_bq.iter().map(|x| x.as_slice()).collect();
        for (k, f) in spec.kinetics.iter().zip(&self.fits) {
            tac_figure(
                &out.join("tac").join(format!("{}.png", k.region)),
                &k.region,
                times,
                &stack,
                ph,
                f,
            )?;
        }
        if let Some(table) = &self.svalues {
            write_atomic(&out.join("svalues.csv"), table.csv().as_bytes())?;
        }
        write_tables(
            spec,
            out,
            ph,
            &self.regions,
            &self.per_method,
            &self.dose_gy,
        )?;
        if !self.labelled_cells.is_empty() {
            write_atomic(
                &out.join("labelled_cells.csv"),
                labelled_cells_csv(&self.labelled_cells).as_bytes(),
            )?;
        }
        write_atomic(
            &out.join("report.md"),
            super::report::report(spec, self).as_bytes(),
        )?;
        write_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&self.summary)?.as_bytes(),
        )
    }
}
