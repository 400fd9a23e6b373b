//! The result folder of a run: `dose.nii.gz` (Gy, or Gy per source particle),
//! `uncertainty.nii.gz` (relative, 1 sigma), `annihilations.nii.gz` (when scored),
//! `labels.nii.gz`, `let_dose_averaged.nii.gz` and `let_track_averaged.nii.gz` (keV/um, with
//! `[scoring] let = true`), `regions.csv`, `depth.csv` (beam sources) and `summary.json`.

use super::result::RunResult;
use crate::io::{write_volume, Volume};
use crate::phantom::Phantom;
use crate::study::common::write_atomic;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;

impl RunResult {
    /// Writes the volumes, `regions.csv` and `summary.json` into `out` (which must exist); the
    /// figure is [`super::figures::dose_coronal_png`].
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, ph: &Phantom, out: &Path) -> Result<()> {
        let s = &self.summary;
        let vol = |data: Vec<f32>| Volume {
            grid: ph.grid.clone(),
            data,
        };
        let desc = format!(
            "theradose {} dose {} seed {} histories {}",
            crate::VERSION,
            s.dose_unit,
            s.seed,
            s.histories
        );
        let f32s = |x: &[f64]| x.iter().map(|&d| d as f32).collect::<Vec<f32>>();
        write_volume(&out.join("dose.nii.gz"), &vol(f32s(&self.dose_gy)), &desc)?;
        write_volume(
            &out.join("uncertainty.nii.gz"),
            &vol(f32s(&self.rel_uncertainty)),
            &format!(
                "theradose {} relative uncertainty (1 sigma) of dose",
                crate::VERSION
            ),
        )?;
        if let Some(ann) = &self.annihilations {
            let what = if s.inputs.source.emitted_particles.is_some() {
                "total"
            } else {
                "per source event"
            };
            write_volume(
                &out.join("annihilations.nii.gz"),
                &vol(ann.clone()),
                &format!(
                    "theradose {} positron annihilations per voxel ({what})",
                    crate::VERSION
                ),
            )?;
        }
        write_volume(
            &out.join("labels.nii.gz"),
            &Volume {
                grid: ph.grid.clone(),
                data: ph.label.clone(),
            },
            "theradose region labels",
        )?;
        if let Some((ld, lt)) = &self.let_maps {
            for (name, data, what) in [
                ("let_dose_averaged.nii.gz", ld, "dose-averaged"),
                ("let_track_averaged.nii.gz", lt, "track-averaged"),
            ] {
                write_volume(
                    &out.join(name),
                    &vol(data.clone()),
                    &format!(
                        "theradose {} {what} LET of alpha tracks keV/um",
                        crate::VERSION
                    ),
                )?;
            }
        }
        write_atomic(&out.join("regions.csv"), self.regions_csv().as_bytes())?;
        if let Some(rows) = &self.depth {
            let csv = super::depth::depth_csv(rows, s.dose_unit);
            write_atomic(&out.join("depth.csv"), csv.as_bytes())?;
        }
        write_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&s.to_json())?.as_bytes(),
        )?;
        Ok(())
    }

    /// `regions.csv`: `region,mass_g,mean_dose_gy,rel_uncertainty` (`mean_dose_gy_per_particle`
    /// without `source.emitted_particles`) and, with LET scoring,
    /// `let_d_kev_um,let_t_kev_um`.
    pub fn regions_csv(&self) -> String {
        let dose_column = if self.summary.dose_unit == "Gy" {
            "mean_dose_gy"
        } else {
            "mean_dose_gy_per_particle"
        };
        let mut csv = format!("region,mass_g,{dose_column},rel_uncertainty");
        csv.push_str(if self.let_maps.is_some() {
            ",let_d_kev_um,let_t_kev_um\n"
        } else {
            "\n"
        });
        for r in &self.summary.regions {
            let _ = write!(
                csv,
                "{},{:.6},{:.6e},{:.4e}",
                r.name,
                r.mass_g,
                r.dose(),
                r.rel_uncertainty
            );
            if let (Some(ld), Some(lt)) = (r.let_d_kev_um, r.let_t_kev_um) {
                let _ = write!(csv, ",{ld:.4},{lt:.4}");
            }
            csv.push('\n');
        }
        csv
    }
}

/// Writes a run's result folder: [`RunResult::write`] and the figure `dose_coronal.png`.
///
/// # Errors
/// When a file cannot be written.
pub fn write_all(problem: &crate::run::problem::Problem, r: &RunResult, out: &Path) -> Result<()> {
    r.write(&problem.phantom, out)?;
    super::figures::dose_coronal_png(
        problem,
        &r.dose_gy,
        &out.join("dose_coronal.png"),
        r.summary.dose_unit,
    )
}
