//! The cell-tracking study file (`kind = "cell_tracking"`): phantom, cells, label strategies,
//! migration, scans, detection threshold, sweep and figures. Every value is checked once here;
//! errors name the file and the field (migration errors also the time).

use crate::dosimetry::cell::geometry::SourceRegion;
use crate::dosimetry::cell::label::check_half_time;
use crate::dosimetry::cell::CellSValueSpec;
use crate::source::nuclide::Nuclide;
use crate::study::common::spec_in_file;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A cell-tracking study file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellTrackingStudy {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub phantom: PhantomPart,
    pub cells: CellsPart,
    /// the label strategies (`[[label]]`), each `direct` or `reporter`
    pub label: Vec<LabelPart>,
    pub migration: MigrationPart,
    pub scans: ScansPart,
    #[serde(default)]
    pub detection: DetectionPart,
    /// `[sweep]`: strategies (label names) and activities per cell of the direct labels
    #[serde(default)]
    pub sweep: SweepPart,
    #[serde(default)]
    pub figures: crate::plot::FiguresSpec,
    /// the study file (set on load)
    #[serde(skip)]
    pub file: PathBuf,
}

/// `[phantom]`: a built-in phantom (`mouse`, `adult`) or a phantom TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhantomPart {
    pub builtin: String,
    pub voxel_mm: Option<f64>,
}

/// `[cells]`: the administered cells.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellsPart {
    /// cells administered
    pub number: f64,
    /// cell and nucleus radii (um)
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    /// doubling time in vivo (h; absent: no proliferation)
    pub doubling_time_h: Option<f64>,
    /// half-time of death and clearance (h; absent: none)
    pub death_half_time_h: Option<f64>,
    /// LQ α (per Gy), α/β (Gy) and repair half-time (h) of the cells
    pub alpha_per_gy: f64,
    pub alpha_beta_gy: f64,
    #[serde(default = "repair")]
    pub repair_half_time_h: f64,
}

fn repair() -> f64 {
    1.5
}

/// How the cells carry their signal.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// labelled ex vivo with a radionuclide (Zr-89-oxine, Cu-64-PTSM, F-18-FDG)
    Direct,
    /// a reporter gene whose tracer is injected before each scan (NIS, HSV1-sr39tk, D2R)
    Reporter,
}

/// `[[label]]`: one label strategy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelPart {
    /// the strategy's name (rows of the tables, `sweep.strategy`)
    pub name: String,
    pub kind: LabelKind,
    /// the positron emitter (the label's, or the reporter tracer's)
    pub nuclide: String,
    /// where the activity sits in the cell
    #[serde(default = "cytoplasm")]
    pub compartment: SourceRegion,
    /// direct: activity per cell at administration (Bq)
    pub activity_per_cell_bq: Option<f64>,
    /// direct: half-time of the label's efflux from the cells (h; absent: none)
    pub efflux_half_time_h: Option<f64>,
    /// direct: the region where effluxed label accumulates (absent: spread over the body)
    pub released_to: Option<String>,
    /// reporter: the reporter gene and its tracer (documentation)
    pub reporter: Option<String>,
    pub tracer: Option<String>,
    /// reporter: tracer per cell at the scan start per injected MBq (Bq/MBq)
    pub uptake_per_cell_bq_per_mbq: Option<f64>,
    /// reporter: tracer injected before each scan (MBq) and the uptake time (min)
    pub injected_mbq: Option<f64>,
    pub uptake_min: Option<f64>,
    /// reporter: free tracer in the other tissues at the scan (% injected per g)
    #[serde(default)]
    pub background_pct_id_per_g: f64,
}

fn cytoplasm() -> SourceRegion {
    SourceRegion::Cytoplasm
}

/// `[migration]`: the fraction of the administered cells' population in each region over time,
/// piecewise linear in time (constant after the last time); the rest is elsewhere in the body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationPart {
    pub regions: Vec<String>,
    pub times_h: Vec<f64>,
    /// one row per time, one column per region
    pub fractions: Vec<Vec<f64>>,
}

/// `[scans]`: the PET scans.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScansPart {
    /// scan start times after the cells' administration (h)
    pub times_h: Vec<f64>,
    /// scanner name (data/pet) or file
    pub scanner: String,
    pub duration_s: f64,
    #[serde(default = "iters")]
    pub iterations: usize,
    #[serde(default = "subsets")]
    pub subsets: usize,
    #[serde(default = "pos_hist")]
    #[serde(deserialize_with = "crate::units::deserialize_count")]
    pub positron_histories: u64,
    #[serde(default)]
    pub post_filter_mm: f64,
    /// projection angles (default: the PET model's)
    pub views: Option<usize>,
    #[serde(default = "seed")]
    pub seed: u64,
    /// the scans cover the planes of the migration regions plus this margin (mm)
    #[serde(default = "margin")]
    pub margin_mm: f64,
}

fn iters() -> usize {
    3
}
fn subsets() -> usize {
    8
}
fn pos_hist() -> u64 {
    20_000
}
fn seed() -> u64 {
    1
}
fn margin() -> f64 {
    4.0
}

/// `[detection]`: the Rose criterion.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionPart {
    #[serde(default = "rose")]
    pub cnr_threshold: f64,
}

impl Default for DetectionPart {
    fn default() -> Self {
        DetectionPart {
            cnr_threshold: rose(),
        }
    }
}

fn rose() -> f64 {
    5.0
}

/// `[sweep]`: label strategies by name and activities per cell (direct labels).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPart {
    #[serde(default)]
    pub strategy: Vec<String>,
    #[serde(default)]
    pub activity_per_cell_bq: Vec<f64>,
}

impl CellTrackingStudy {
    /// Reads and checks a study file.
    ///
    /// # Errors
    /// Invalid TOML or values (the message names the file and the field).
    pub fn load(path: &Path) -> Result<CellTrackingStudy> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read study file {}", path.display()))?;
        let mut s: CellTrackingStudy =
            toml::from_str(&text).with_context(|| format!("{}: invalid study", path.display()))?;
        s.file = path.to_path_buf();
        s.validate()?;
        Ok(s)
    }

    fn err(&self, field: &str, msg: String) -> anyhow::Error {
        spec_in_file(&self.file.display().to_string(), field, msg)
    }

    /// Checks every value (done by [`CellTrackingStudy::load`]).
    ///
    /// # Errors
    /// The first bad value, naming the file and the field.
    pub fn validate(&self) -> Result<()> {
        if self.kind != "cell_tracking" {
            return Err(self.err(
                "kind",
                format!("\"{}\", expected \"cell_tracking\"", self.kind),
            ));
        }
        self.check_cells()?;
        if self.label.is_empty() {
            return Err(self.err("label", "expected at least one [[label]]".into()));
        }
        for (i, l) in self.label.iter().enumerate() {
            self.check_label(i, l)?;
        }
        self.check_migration()?;
        self.check_scans()?;
        let k = self.detection.cnr_threshold;
        if !(k.is_finite() && k > 0.0) {
            return Err(self.err("detection.cnr_threshold", format!("{k}: expected > 0")));
        }
        for s in &self.sweep.strategy {
            if !self.label.iter().any(|l| &l.name == s) {
                return Err(self.err(
                    "sweep.strategy",
                    format!("'{s}' is not the name of a [[label]]"),
                ));
            }
        }
        for a in &self.sweep.activity_per_cell_bq {
            check_activity(a).map_err(|m| self.err("sweep.activity_per_cell_bq", m))?;
        }
        self.figures.check().context("[figures]")
    }

    fn check_cells(&self) -> Result<()> {
        let c = &self.cells;
        if !(c.number.is_finite() && c.number >= 1.0) {
            return Err(self.err("cells.number", format!("{}: expected >= 1", c.number)));
        }
        let cs = CellSValueSpec::new("F-18", c.cell_radius_um, c.nucleus_radius_um);
        if let Err(e) = cs.geometry() {
            let (f, m) = crate::error::spec_error_of(&e)
                .map(|s| (s.field.clone(), s.message.clone()))
                .unwrap_or_else(|| ("cell_radius_um".into(), format!("{e:#}")));
            return Err(self.err(&format!("cells.{f}"), m));
        }
        check_half_time("cells.doubling_time_h", c.doubling_time_h)
            .and_then(|_| check_half_time("cells.death_half_time_h", c.death_half_time_h))
            .and_then(|_| check_half_time("cells.repair_half_time_h", Some(c.repair_half_time_h)))
            .map_err(|e| self.err("cells", format!("{e:#}")))?;
        if !(c.alpha_per_gy >= 0.0 && c.alpha_beta_gy > 0.0) {
            return Err(self.err(
                "cells.alpha_per_gy",
                "expected alpha_per_gy >= 0 and alpha_beta_gy > 0".into(),
            ));
        }
        Ok(())
    }

    fn check_label(&self, i: usize, l: &LabelPart) -> Result<()> {
        let f = |k: &str| format!("label[{i}] ('{}').{k}", l.name);
        Nuclide::load(&l.nuclide).map_err(|e| self.err(&f("nuclide"), format!("{e:#}")))?;
        if self.label[..i].iter().any(|o| o.name == l.name) {
            return Err(self.err(&f("name"), "two labels have this name".into()));
        }
        match l.kind {
            LabelKind::Direct => {
                let a = l.activity_per_cell_bq.ok_or_else(|| {
                    self.err(
                        &f("activity_per_cell_bq"),
                        "required for a direct label".into(),
                    )
                })?;
                check_activity(&a).map_err(|m| self.err(&f("activity_per_cell_bq"), m))?;
                check_half_time(&f("efflux_half_time_h"), l.efflux_half_time_h)
                    .map_err(|e| self.err(&f("efflux_half_time_h"), format!("{e:#}")))?;
            }
            LabelKind::Reporter => {
                for (k, v) in [
                    ("uptake_per_cell_bq_per_mbq", l.uptake_per_cell_bq_per_mbq),
                    ("injected_mbq", l.injected_mbq),
                    ("uptake_min", l.uptake_min),
                ] {
                    match v {
                        Some(x) if x.is_finite() && x > 0.0 => {}
                        _ => {
                            return Err(
                                self.err(&f(k), "required for a reporter, a positive value".into())
                            )
                        }
                    }
                }
                if !(l.background_pct_id_per_g.is_finite() && l.background_pct_id_per_g >= 0.0) {
                    return Err(self.err(&f("background_pct_id_per_g"), "expected >= 0".into()));
                }
            }
        }
        Ok(())
    }

    fn check_migration(&self) -> Result<()> {
        let m = &self.migration;
        if m.regions.is_empty() || m.times_h.is_empty() {
            return Err(self.err("migration", "expected regions and times_h".into()));
        }
        if m.times_h
            .windows(2)
            .any(|w| !(w[1].is_finite() && w[1] > w[0]))
            || !(m.times_h[0].is_finite() && m.times_h[0] >= 0.0)
        {
            return Err(self.err(
                "migration.times_h",
                "expected increasing times from 0 h on".into(),
            ));
        }
        if m.fractions.len() != m.times_h.len() {
            return Err(self.err(
                "migration.fractions",
                format!(
                    "{} rows, expected one per time ({})",
                    m.fractions.len(),
                    m.times_h.len()
                ),
            ));
        }
        for (t, row) in m.times_h.iter().zip(&m.fractions) {
            if row.len() != m.regions.len() {
                return Err(self.err(
                    "migration.fractions",
                    format!(
                        "at time_h = {t}: {} values, expected one per region ({})",
                        row.len(),
                        m.regions.len()
                    ),
                ));
            }
            if let Some((r, f)) = m
                .regions
                .iter()
                .zip(row)
                .find(|(_, f)| !(0.0..=1.0).contains(*f))
            {
                return Err(self.err(
                    "migration.fractions",
                    format!("at time_h = {t}: region '{r}' has {f}, expected a fraction in [0, 1]"),
                ));
            }
            let sum: f64 = row.iter().sum();
            if sum > 1.0 + 1e-9 {
                return Err(self.err(
                    "migration.fractions",
                    format!("at time_h = {t}: the fractions sum to {sum}, more than 1 (the cells in all regions cannot exceed the cells administered)"),
                ));
            }
        }
        Ok(())
    }

    fn check_scans(&self) -> Result<()> {
        let s = &self.scans;
        if s.times_h.is_empty() || s.times_h.iter().any(|t| !(t.is_finite() && *t >= 0.0)) {
            return Err(self.err("scans.times_h", "expected scan times >= 0 h".into()));
        }
        if !(s.duration_s.is_finite() && s.duration_s > 0.0) {
            return Err(self.err(
                "scans.duration_s",
                format!("{}: expected > 0", s.duration_s),
            ));
        }
        if s.iterations == 0 || s.subsets == 0 {
            return Err(self.err(
                "scans.iterations",
                "iterations and subsets must be >= 1".into(),
            ));
        }
        crate::pet::Scanner::load(&s.scanner)
            .map_err(|e| self.err("scans.scanner", format!("{e:#}")))?;
        Ok(())
    }

    /// The label named `name`.
    pub fn label_named(&self, name: &str) -> Option<&LabelPart> {
        self.label.iter().find(|l| l.name == name)
    }

    /// The migration fraction of region index `r` at `t_h` (linear between the given times,
    /// the first value before the first, the last after the last).
    pub fn fraction(&self, r: usize, t_h: f64) -> f64 {
        let m = &self.migration;
        let ts = &m.times_h;
        if t_h <= ts[0] {
            return m.fractions[0][r];
        }
        for i in 1..ts.len() {
            if t_h <= ts[i] {
                let w = (t_h - ts[i - 1]) / (ts[i] - ts[i - 1]);
                return (1.0 - w) * m.fractions[i - 1][r] + w * m.fractions[i][r];
            }
        }
        m.fractions[ts.len() - 1][r]
    }
}

fn check_activity(a: &f64) -> std::result::Result<(), String> {
    if a.is_finite() && *a > 0.0 {
        Ok(())
    } else {
        Err(format!("{a} Bq: expected a positive activity per cell"))
    }
}
