//! Outputs of a multicellular computation: `cells.csv` (one row per cell), `histograms.csv`
//! (nucleus dose and alpha specific energy, labelled and unlabelled cells apart) and
//! `summary.json`.

use super::cluster::{CellCluster, CellRow};
use anyhow::{Context as _, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// A per-cell quantity for a histogram.
type Quantity = fn(&CellRow) -> f64;

/// Means over a group of cells.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    pub cells: usize,
    pub mean_nucleus_dose_gy: f64,
    pub mean_self_dose_gy: f64,
    pub mean_cross_dose_gy: f64,
    pub mean_alpha_dose_gy: f64,
    pub mean_alpha_hits: f64,
    /// fraction of these cells that survive (mean of the per-cell surviving fractions)
    pub surviving_fraction: f64,
}

/// The summary JSON.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterSummary {
    pub nuclide: String,
    pub arrangement: String,
    pub cells: usize,
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    pub source: String,
    pub extent_radius_um: f64,
    pub labelled_fraction: f64,
    pub activity_per_cell_bq: f64,
    pub activity_sigma: f64,
    pub decays_per_bq: f64,
    pub s_self_gy_per_bq_s: f64,
    pub s_self_alpha_gy_per_bq_s: f64,
    pub alpha_hits_self_per_decay: f64,
    pub all: GroupSummary,
    pub labelled: GroupSummary,
    pub unlabelled: GroupSummary,
    /// share of the mean nucleus dose of all cells that comes from the cell's own activity
    pub self_fraction: f64,
    pub alpha_per_gy: f64,
    pub alpha_beta_gy: f64,
    pub rbe_alpha: f64,
    pub g_factor: f64,
    pub tissue: String,
    pub seed: u64,
    pub method: String,
    pub version: String,
}

fn group(cells: &[&CellRow]) -> GroupSummary {
    let n = cells.len();
    let mean = |f: &dyn Fn(&CellRow) -> f64| {
        if n == 0 {
            0.0
        } else {
            cells.iter().map(|c| f(c)).sum::<f64>() / n as f64
        }
    };
    GroupSummary {
        cells: n,
        mean_nucleus_dose_gy: mean(&|c| c.nucleus_dose_gy),
        mean_self_dose_gy: mean(&|c| c.self_dose_gy),
        mean_cross_dose_gy: mean(&|c| c.cross_dose_gy),
        mean_alpha_dose_gy: mean(&|c| c.alpha_dose_gy),
        mean_alpha_hits: mean(&|c| c.mean_alpha_hits),
        surviving_fraction: mean(&|c| c.surviving_fraction),
    }
}

impl CellCluster {
    /// The summary of the cells.
    pub fn summary(&self) -> ClusterSummary {
        let all: Vec<&CellRow> = self.cells.iter().collect();
        let lab: Vec<&CellRow> = self.cells.iter().filter(|c| c.labelled).collect();
        let unl: Vec<&CellRow> = self.cells.iter().filter(|c| !c.labelled).collect();
        let a = group(&all);
        let s = &self.spec;
        ClusterSummary {
            nuclide: self.nuclide.clone(),
            arrangement: s.arrangement.name().into(),
            cells: s.cells,
            cell_radius_um: s.cell_radius_um,
            nucleus_radius_um: s.nucleus_radius_um,
            source: s.source.name().into(),
            extent_radius_um: self.extent_radius_um,
            labelled_fraction: s.labelled_fraction,
            activity_per_cell_bq: s.activity_per_cell_bq,
            activity_sigma: s.activity_sigma,
            decays_per_bq: self.mean_life_s,
            s_self_gy_per_bq_s: self.s_self_low + self.s_self_alpha,
            s_self_alpha_gy_per_bq_s: self.s_self_alpha,
            alpha_hits_self_per_decay: self.hits_self,
            self_fraction: if a.mean_nucleus_dose_gy > 0.0 {
                a.mean_self_dose_gy / a.mean_nucleus_dose_gy
            } else {
                0.0
            },
            all: a,
            labelled: group(&lab),
            unlabelled: group(&unl),
            alpha_per_gy: self.alpha_per_gy,
            alpha_beta_gy: self.alpha_beta_gy,
            rbe_alpha: self.rbe_alpha,
            g_factor: self.g_factor,
            tissue: s.tissue.clone(),
            seed: s.seed,
            method: "CSDA straight-line self- and cross-dose (MIRD cellular S values, Goddu et al. 1997; MIRDcell, Vaziri et al. 2014); LQ survival with RBE-weighted alpha dose".into(),
            version: crate::VERSION.into(),
        }
    }

    /// `cells.csv`: one row per cell.
    pub fn cells_csv(&self) -> String {
        let mut out = String::from(
            "cell,x_um,y_um,z_um,labelled,activity_bq,decays,self_dose_gy,cross_dose_gy,\
             nucleus_dose_gy,alpha_dose_gy,mean_alpha_hits,alpha_hits,specific_energy_gy,\
             surviving_fraction\n",
        );
        for (i, c) in self.cells.iter().enumerate() {
            let _ = writeln!(
                out,
                "{i},{:.4},{:.4},{:.4},{},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{},{:.6e},{:.6e}",
                c.x_um,
                c.y_um,
                c.z_um,
                u8::from(c.labelled),
                c.activity_bq,
                c.decays,
                c.self_dose_gy,
                c.cross_dose_gy,
                c.nucleus_dose_gy,
                c.alpha_dose_gy,
                c.mean_alpha_hits,
                c.alpha_hits,
                c.specific_energy_gy,
                c.surviving_fraction
            );
        }
        out
    }

    /// `histograms.csv`: 40 equal bins from 0 to the largest value of the nucleus dose and of
    /// the alpha specific energy, counts of labelled and unlabelled cells.
    pub fn histograms_csv(&self) -> String {
        let mut out =
            String::from("quantity,bin_low_gy,bin_high_gy,labelled_cells,unlabelled_cells\n");
        let quantities: [(&str, Quantity); 2] = [
            ("nucleus_dose_gy", |c| c.nucleus_dose_gy),
            ("specific_energy_gy", |c| c.specific_energy_gy),
        ];
        for (name, f) in quantities {
            let max = self.cells.iter().map(f).fold(0.0, f64::max);
            if max <= 0.0 {
                continue;
            }
            let nb = 40;
            let mut counts = vec![[0usize; 2]; nb];
            for c in &self.cells {
                let b = ((f(c) / max * nb as f64) as usize).min(nb - 1);
                counts[b][usize::from(!c.labelled)] += 1;
            }
            for (b, n) in counts.iter().enumerate() {
                let w = max / nb as f64;
                let _ = writeln!(
                    out,
                    "{name},{:.6e},{:.6e},{},{}",
                    b as f64 * w,
                    (b + 1) as f64 * w,
                    n[0],
                    n[1]
                );
            }
        }
        out
    }

    /// Writes `cells.csv`, `histograms.csv` and `summary.json` into `dir` (created).
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let w = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
        };
        w("cells.csv", self.cells_csv())?;
        w("histograms.csv", self.histograms_csv())?;
        w(
            "summary.json",
            serde_json::to_string_pretty(&self.summary())? + "\n",
        )
    }
}
