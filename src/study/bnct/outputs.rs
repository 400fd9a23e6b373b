//! The files of a BNCT study: `depth.csv`, `regions.csv`, `dvh.csv`, `radiobiology.csv`, the
//! NIfTI volumes and `summary.json` (figures: [`super::figures`], `report.md`: [`super::report`]).

use super::radiobiology;
use super::regions::RegionRow;
use super::run::BnctResult;
use super::spec::BnctStudy;
use crate::io::{write_volume, Volume};
use crate::source::neutron_beam::Field;
use crate::study::common::{write_atomic, PhantomInfo};
use crate::transport::neutron::{EPITHERMAL_MAX_MEV, THERMAL_MAX_MEV};
use anyhow::{Context as _, Result};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// regions.csv: doses over the treatment (Gy, weighted Gy-eq) with relative uncertainties.
pub fn regions_csv(rows: &[RegionRow]) -> String {
    let mut s = String::from(
        "region,mass_g,cbe,boron_ppm_mean,dose_boron_gy,dose_boron_rel_unc,dose_nitrogen_gy,\
         dose_nitrogen_rel_unc,dose_hydrogen_gy,dose_hydrogen_rel_unc,dose_gamma_gy,\
         dose_gamma_rel_unc,dose_weighted_gy_eq,dose_weighted_rel_unc,weighted_d98_gy_eq,\
         weighted_d2_gy_eq,weighted_max_gy_eq,weighted_peak_gy_eq\n",
    );
    for r in rows {
        let _ = write!(
            s,
            "{},{:.6},{},{:.6}",
            r.region, r.mass_g, r.cbe, r.boron_ppm_mean
        );
        for q in 0..5 {
            let _ = write!(s, ",{:e},{:.4e}", r.mean[q], r.rel_unc[q]);
        }
        let _ = writeln!(
            s,
            ",{:.6e},{:.6e},{:.6e},{:.6e}",
            r.weighted_d98, r.weighted_d2, r.weighted_max, r.weighted_peak
        );
    }
    s
}

/// `depth.csv`: the depth curve per source neutron.
pub fn depth_csv(depth: &[[f64; 9]]) -> String {
    let mut s = String::from(crate::dosimetry::bnct::DEPTH_HEADER);
    s.push('\n');
    for r in depth {
        s.push_str(&format!("{:.4}", r[0]));
        for x in &r[1..] {
            s.push_str(&format!(",{x:.6e}"));
        }
        s.push('\n');
    }
    s
}

impl BnctResult {
    /// Writes `depth.csv`, `regions.csv`, `dvh.csv`, `radiobiology.csv` and the NIfTI volumes
    /// into `out` (which must exist).
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, study: &BnctStudy, out: &Path) -> Result<()> {
        write_atomic(
            &out.join("depth.csv"),
            depth_csv(&self.neutrons.depth).as_bytes(),
        )?;
        write_atomic(
            &out.join("regions.csv"),
            regions_csv(&self.regions).as_bytes(),
        )?;
        let d = &self.dvh;
        write_atomic(
            &out.join("dvh.csv"),
            crate::dosimetry::regions::dvh_csv(&d.names, &d.grid, &d.curves).as_bytes(),
        )?;
        write_atomic(
            &out.join("radiobiology.csv"),
            radiobiology::csv(&self.bio).as_bytes(),
        )?;
        self.write_volumes(study, out)
    }

    fn write_volumes(&self, study: &BnctStudy, out: &Path) -> Result<()> {
        let (boron, ph) = (&self.boron, &self.phantom);
        let mut vols: Vec<(&str, &[f64], &str)> = self
            .neutrons
            .maps
            .iter()
            .map(|(n, d)| (*n, d.as_slice(), "per source neutron"))
            .collect();
        vols.push((
            "dose_weighted_treatment",
            &self.weighted_gy,
            "Gy-eq over the treatment",
        ));
        vols.push(("boron_ppm", &boron.ppm, "10B ug/g"));
        if let (Some(pet), Some(truth)) = (&boron.pet_suv, &boron.truth_suv) {
            vols.push(("fbpa_pet_suv", pet, "reconstructed 18F-FBPA SUV"));
            vols.push(("fbpa_truth_suv", truth, "true 18F-FBPA SUV"));
        }
        for (name, data, what) in vols {
            let path = out.join(format!("{name}.nii.gz"));
            let vol = Volume {
                grid: ph.grid.clone(),
                data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            };
            write_volume(
                &path,
                &vol,
                &format!("theradose {} {name} {what}", study.name),
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// `summary.json` of the study, naming the figures written and the total time (s).
    pub fn summary(&self, study: &BnctStudy, figures: &[String], seconds_total: f64) -> Value {
        let run = &self.neutrons;
        let tumour = study.tumour_region();
        let t_row = self.regions.iter().find(|r| r.region == tumour);
        let t_rel = t_row.map_or(0.0, |r| r.rel_unc[4]);
        let regions: Map<String, Value> = self
            .regions
            .iter()
            .map(|r| {
                (
                    r.region.clone(),
                    serde_json::to_value(r).unwrap_or_default(),
                )
            })
            .collect();
        json!({
            "study": study.name,
            "file": study.file.display().to_string(),
            "version": crate::VERSION,
            "seed": study.run.seed,
            "histories": run.histories,
            "threads": run.threads,
            "seconds_transport": run.seconds,
            "histories_per_second": run.histories as f64 / run.seconds.max(1e-9),
            "seconds_total": seconds_total,
            "energy_balance_relative_discrepancy": run.energy_balance,
            "phantom": PhantomInfo::of(&self.phantom),
            "beam": self.beam_json(study),
            "aperture_epithermal_flux_cm-2_s-1": study.beam.aperture_epithermal_flux,
            "source_neutrons_per_second": self.source_per_s,
            "boron": self.boron.info,
            "weighting": {
                "rbe_nitrogen": self.weights.rbe_nitrogen,
                "rbe_hydrogen": self.weights.rbe_hydrogen,
                "rbe_gamma": self.weights.rbe_gamma,
                "cbe": study.weighting.cbe,
                "cbe_default": study.weighting.cbe_default,
            },
            "prescription": {
                "kind": study.prescription.kind,
                "dose_gy_eq": study.prescription.dose_gy_eq,
                "metric": self.metric_what,
                "metric_gy_eq_per_source_neutron": self.metric_gy_eq,
                "peak_rel_unc": self.peak_rel_unc,
            },
            "warnings": self.warnings,
            "treatment_time_min": self.treatment_s / 60.0,
            "treatment_source_neutrons": self.scale,
            "tumour": {
                "region": tumour,
                "weighted_mean_gy_eq": t_row.map_or(0.0, |r| r.mean[4]),
                "weighted_d98_gy_eq": t_row.map_or(0.0, |r| r.weighted_d98),
                "weighted_rel_unc": t_rel,
                // Monte Carlo variance falls as 1/N: time to 2% = time x (rel / 0.02)^2
                "seconds_to_2pct": run.seconds * (t_rel / 0.02).powi(2),
                "histories_to_2pct": (run.histories as f64 * (t_rel / 0.02).powi(2)).ceil(),
            },
            "cpu_seconds": run.cpu_seconds,
            "figure_of_merit": crate::run::figure_of_merit(
                t_rel,
                run.histories,
                run.new_histories,
                run.cpu_seconds,
            )
            .map(|f| crate::run::FigureOfMerit {
                region: tumour.to_string(),
                quantity: Some("weighted dose".into()),
                rel_uncertainty: t_rel,
                per_cpu_second: f,
            }),
            "regions": regions,
            "radiobiology": self.bio
                .iter()
                .map(|r| (r.region.clone(), serde_json::to_value(r).unwrap_or_default()))
                .collect::<Map<String, Value>>(),
            "units": "regions: doses over the treatment (Gy; weighted Gy-eq); depth.csv and *.nii.gz per source neutron (fluence cm-2, dose Gy) unless named _treatment",
            "depth_curve": format!("body voxels within {} cm of the beam axis, by depth from the body surface along the axis", crate::dosimetry::bnct::AXIS_RADIUS_CM),
            "figures": figures,
        })
    }

    fn beam_json(&self, study: &BnctStudy) -> Value {
        let beam = &self.aimed.beam;
        let field = match beam.field {
            Field::Disc { radius_cm } => format!("disc of {:.1} cm diameter", 2.0 * radius_cm),
            Field::Rectangle {
                half_x_cm,
                half_y_cm,
            } => format!(
                "rectangle {:.1} x {:.1} cm",
                2.0 * half_x_cm,
                2.0 * half_y_cm
            ),
        };
        let d = beam.dir;
        let e = self.aimed.body_entry;
        json!({
            "spectrum": study.beam.spectrum,
            "spectrum_description": beam.spectrum.description,
            "spectrum_source": beam.spectrum.source,
            "spectrum_fractions": {
                "thermal": beam.spectrum.fraction_between(0.0, THERMAL_MAX_MEV),
                "epithermal": self.epithermal_fraction,
                "fast": beam.spectrum.fraction_between(EPITHERMAL_MAX_MEV, 1e3),
            },
            "field": field,
            "field_area_cm2": beam.area_cm2(),
            "direction": [d.x, d.y, d.z],
            "aim_mm": study.beam.aim_mm,
            "body_entry_local_cm": [e.x, e.y, e.z],
            "gamma_transport": study.beam.gamma_transport,
        })
    }
}
