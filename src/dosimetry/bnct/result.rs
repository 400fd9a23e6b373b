//! The result of a BNCT beam run: per-voxel maps, the depth curve and the summary, and the
//! files they are written to.

use crate::dosimetry::bnct::maps::{dvh_csv, Maps, DEPTH_HEADER};
use crate::io::{write_file_atomic, write_volume, Volume};
use crate::phantom::Phantom;
use anyhow::{Context as _, Result};
use std::fmt::Write as _;
use std::path::Path;

/// Per-voxel results of a beam run, per source neutron.
pub struct BeamResult {
    /// the phantom as transported (tumour voxels with their boron-loaded materials)
    pub phantom: Phantom,
    /// (name, values per voxel): fluences (cm-2), doses (Gy)
    pub maps: Maps,
    /// depth curve rows: depth_cm then the 8 columns of depth.csv
    pub depth: Vec<[f64; 9]>,
    /// the summary (`summary.json`, printed by `theradose beam`)
    pub summary: super::summary::BeamSummary,
}

impl BeamResult {
    /// Writes depth.csv, NIfTI maps of every component (and their relative uncertainties),
    /// dvh.csv (weighted dose per region; in Gy-eq over the treatment time when a prescription
    /// was given, else per source neutron) and summary.json into the folder `out`.
    ///
    /// # Errors
    /// An output folder or file that cannot be written.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        write_file_atomic(&out.join("depth.csv"), self.depth_csv().as_bytes())?;
        for (name, data) in &self.maps {
            let vol = Volume {
                grid: self.phantom.grid.clone(),
                data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            };
            let path = out.join(format!("{name}.nii.gz"));
            write_volume(
                &path,
                &vol,
                &format!("theradose beam {name} per source neutron"),
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
        }
        // DVH of the weighted dose: absolute over the treatment time when prescribed
        // (a non-finite value, null in the JSON, counts as absent)
        let finite = |x: f64| x.is_finite().then_some(x);
        let scale = match (
            self.summary.treatment_time_min.and_then(finite),
            finite(self.summary.source_neutrons_per_second),
        ) {
            (Some(t), Some(per_s)) => t * 60.0 * per_s,
            _ => 1.0,
        };
        write_file_atomic(
            &out.join("dvh.csv"),
            dvh_csv(&self.phantom, &self.maps, scale).as_bytes(),
        )?;
        let summary = serde_json::to_string_pretty(&self.summary)?;
        write_file_atomic(&out.join("summary.json"), summary.as_bytes())
    }

    /// depth.csv text (header [`DEPTH_HEADER`]).
    pub fn depth_csv(&self) -> String {
        let mut s = String::from(DEPTH_HEADER);
        s.push('\n');
        for r in &self.depth {
            let _ = writeln!(
                s,
                "{:.4},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e}",
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]
            );
        }
        s
    }

    /// Depth (cm) of the largest thermal fluence on the axis: the vertex of a least-squares
    /// parabola through the points within 1.2 cm of the largest bin (the curve is flat near its
    /// maximum, so a wider fit is less noisy than the largest bin).
    pub fn thermal_peak_depth_cm(&self) -> f64 {
        let d = &self.depth;
        let Some(k) = (0..d.len()).max_by(|&a, &b| d[a][1].total_cmp(&d[b][1])) else {
            return 0.0;
        };
        let x0 = d[k][0];
        // y = c0 + c1 t + c2 t^2, t = x - x0
        let near = d.iter().filter(|row| (row[0] - x0).abs() <= 1.2);
        let Some([_, c1, c2]) =
            crate::numerics::fit_quadratic(near.map(|row| (row[0] - x0, row[1])))
        else {
            return x0;
        };
        if c2.is_nan() || c2 >= 0.0 {
            return x0;
        }
        (x0 - 0.5 * c1 / c2).clamp(x0 - 1.2, x0 + 1.2)
    }
}
