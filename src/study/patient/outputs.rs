//! The files of a patient study:
//! - `registered/tp<i>_activity_bq_ml.nii.gz` (each scan on the reference CT grid, Bq/mL) and,
//!   for a registered scan, `tp<i>_ct.nii.gz` (its CT carried onto the reference, HU),
//!   `tp<i>_transform.json` and `tp<i>_check.png`;
//! - `tac.csv` and `tac/<region>.png` (region TACs with their fits);
//! - `tia.nii.gz` (Bq s per voxel);
//! - `dose_<method>/` as `theradose dose` writes it;
//! - `doses.csv`, `dvh.png`, `report.md`, `rt_dose.dcm` (the reference method's dose, on the
//!   reference CT's frame of reference) and `summary.json`;
//! - with the uncertainty budget (the default): `uncertainty.csv`, `tornado.csv` and
//!   `tornado_<region>.png`, and the budget in `summary.json` and `report.md`.

use super::figures::{dvh_figure, registration_check, tac_figures};
use super::regions::dose_rows;
use super::run::PatientResult;
use super::spec::PatientSpec;
use crate::io::{write_file_atomic, write_volume, Volume};
use crate::study::common::{create_dir, PhantomInfo};
use crate::study::therapy::uncertainty::outputs as budget;
use anyhow::Result;
use serde_json::json;
use std::f64::consts::LN_2;
use std::fmt::Write as _;
use std::path::Path;

/// The V(x Gy) columns of each method's `regions.csv`.
const V_GY: [f64; 4] = [2.0, 5.0, 10.0, 20.0];

impl PatientResult {
    /// Writes every file of the study into `out` (see the module doc).
    ///
    /// # Errors
    /// A file that cannot be written.
    pub fn write(&self, spec: &PatientSpec, out: &Path) -> Result<()> {
        create_dir(out)?;
        self.write_registered(&out.join("registered"))?;
        create_dir(&out.join("tac"))?;
        tac_figures(self, &out.join("tac"))?;
        write_file_atomic(&out.join("tac.csv"), self.tac_csv().as_bytes())?;
        let tia_path = out.join("tia.nii.gz");
        write_volume(
            &tia_path,
            &Volume {
                grid: self.phantom.grid.clone(),
                data: self.tia_bq_s.clone(),
            },
            &format!("theradose {} TIA Bq s per voxel", crate::VERSION),
        )?;
        for d in &self.doses {
            let dir = out.join(format!("dose_{}", d.spec.method.name()));
            create_dir(&dir)?;
            d.write(&self.phantom, &dir, &V_GY, None, Some(&tia_path))?;
        }
        write_file_atomic(&out.join("doses.csv"), self.doses_csv(spec).as_bytes())?;
        dvh_figure(self, &out.join("dvh.png"))?;
        if let Some(b) = &self.uncertainty {
            budget::write_csv(out, b)?;
            let regions: Vec<(String, &str)> = b
                .regions
                .iter()
                .map(|r| (r.name.clone(), "mean_dose_gy"))
                .collect();
            budget::write_tornados(out, &spec.figures, b, &regions)?;
        }
        if let Some(d) = self.doses.first() {
            let desc = format!(
                "theradose {} patient dose Gy method {} nuclide {}",
                crate::VERSION,
                d.spec.method.name(),
                spec.nuclide
            );
            crate::io::dicom::write_rt_dose_for(
                &out.join("rt_dose.dcm"),
                &self.phantom.grid,
                &d.dose_gy,
                &desc,
                self.reference.as_ref(),
            )?;
        }
        write_file_atomic(
            &out.join("report.md"),
            super::report::report(self, spec).as_bytes(),
        )?;
        write_file_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&self.summary(spec))?.as_bytes(),
        )
    }

    fn write_registered(&self, dir: &Path) -> Result<()> {
        create_dir(dir)?;
        for (i, s) in self.scans.iter().enumerate() {
            write_volume(
                &dir.join(format!("tp{i}_activity_bq_ml.nii.gz")),
                &s.bq_ml,
                &format!(
                    "theradose {} activity Bq/mL at {:.2} h on the reference CT",
                    crate::VERSION,
                    s.time_h
                ),
            )?;
            if let (Some(r), Some(ct)) = (&s.registration, &s.ct_registered) {
                write_volume(
                    &dir.join(format!("tp{i}_ct.nii.gz")),
                    ct,
                    "CT registered to the reference CT, HU",
                )?;
                write_file_atomic(
                    &dir.join(format!("tp{i}_transform.json")),
                    serde_json::to_string_pretty(r)?.as_bytes(),
                )?;
                registration_check(self, i, &dir.join(format!("tp{i}_check.png")))?;
            }
        }
        Ok(())
    }

    /// `tac.csv`: per region and scan, the imaged and corrected activity and the fit.
    pub fn tac_csv(&self) -> String {
        let mut s = String::from(
            "region,time_h,activity_imaged_mbq,recovery_coefficient,activity_mbq,fit_mbq\n",
        );
        for r in &self.regions {
            for (j, scan) in self.scans.iter().enumerate() {
                let fit = r.fit.as_ref().map_or(0.0, |f| f.eval(scan.time_h));
                let _ = writeln!(
                    s,
                    "{},{},{:.6e},{},{:.6e},{:.6e}",
                    r.name,
                    scan.time_h,
                    r.tac_imaged_bq[j] * 1e-6,
                    r.recovery_coefficient,
                    r.tac_bq[j] * 1e-6,
                    fit * 1e-6
                );
            }
        }
        s
    }

    /// `doses.csv`: one row per method and region (see [`super::regions::DoseRow`]).
    pub fn doses_csv(&self, spec: &PatientSpec) -> String {
        let mut s = String::from(
            "method,region,mass_g,tia_mbq_h,effective_half_life_h,mean_gy,gy_per_gbq,d98_gy,d50_gy,d2_gy,rel_uncertainty\n",
        );
        for r in dose_rows(&self.regions, &self.doses, spec.injected_mbq) {
            let _ = writeln!(
                s,
                "{},{},{:.4},{:.6e},{:.4},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.4e}",
                r.method,
                r.region,
                r.mass_g,
                r.tia_mbq_h,
                r.effective_half_life_h,
                r.mean_gy,
                r.gy_per_gbq,
                r.d98_gy,
                r.d50_gy,
                r.d2_gy,
                r.rel_uncertainty
            );
        }
        s
    }

    /// The JSON of `summary.json`.
    pub fn summary(&self, spec: &PatientSpec) -> serde_json::Value {
        let scans: Vec<_> = self
            .scans
            .iter()
            .map(|s| {
                json!({"time_h": s.time_h, "scan_time": s.scan_time, "units": s.units,
                    "registration": s.registration})
            })
            .collect();
        let doses: Vec<_> = self
            .doses
            .iter()
            .map(|d| {
                json!({"method": d.spec.method.name(), "decays": d.decays, "seed": d.spec.seed,
                    "seconds": d.seconds, "method_info": d.method_info, "regions": d.regions})
            })
            .collect();
        json!({
            "version": crate::VERSION,
            "study": spec,
            "phantom": PhantomInfo::of(&self.phantom),
            "injection_time": self.injection_time,
            "physical_half_life_h": LN_2 / self.lambda_phys_per_h,
            "scans": scans,
            "regions": self.regions,
            "doses": doses,
            "rows": self.rows_json(spec),
            "uncertainty": self.uncertainty,
        })
    }

    /// The dose rows; those of the reference method (the first) with the budget's
    /// `mean_gy_median`, `mean_gy_ci95` and `gy_per_gbq_ci95` ([low, high]).
    fn rows_json(&self, spec: &PatientSpec) -> serde_json::Value {
        let rows = dose_rows(&self.regions, &self.doses, spec.injected_mbq);
        let reference = self.doses.first().map(|d| d.spec.method.name());
        let mut v = serde_json::to_value(&rows).unwrap_or_default();
        for row in v.as_array_mut().into_iter().flatten() {
            if row["method"].as_str() != reference {
                continue;
            }
            let name = row["region"].as_str().unwrap_or("").to_string();
            let q = budget::region(self.uncertainty.as_ref(), &name)
                .and_then(|b| b.quantities.iter().find(|q| q.quantity == "mean_dose_gy"));
            if let (Some(q), Some(o)) = (q, row.as_object_mut()) {
                let gbq = spec.injected_mbq / 1000.0;
                o.insert("mean_gy_median".into(), json!(q.median));
                o.insert("mean_gy_ci95".into(), json!([q.low, q.high]));
                o.insert("gy_per_gbq_ci95".into(), json!([q.low / gbq, q.high / gbq]));
            }
        }
        v
    }
}
