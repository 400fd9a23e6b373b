//! Organ-level S-values (MIRD schema, Bolch et al 2009, MIRD Pamphlet 21): the mean absorbed
//! dose to each target region per decay uniformly distributed (by volume) in a source region,
//! computed with the project's Monte Carlo in a built-in phantom, stored as a CSV table per
//! phantom, voxel size and nuclide (`theradose svalues`), and the organ dose
//! D(target) = sum over sources of TIA(source) x S(target <- source).
//!
//! S(t <- s) = (mean energy deposited in t per decay in s) / m_t; the region bins of the tally
//! give it, with its exact history-by-history uncertainty, for every target at once.

use crate::context::Context;
use crate::run::problem::{build_phantom, make_transport, Problem};
use crate::run::spec::RunFile;
use crate::run::{execute, RunSettings};
use crate::source::{DecayData, Spatial};
use crate::units;
use anyhow::{bail, Context as _, Result};
use std::fmt::Write as _;

/// mGy per (MBq s) per (Gy per decay).
const MGY_PER_MBQ_S: f64 = 1e6 * 1e3;

/// One computed table: `S[source][target]` in mGy/(MBq s) with relative uncertainties.
#[derive(Clone, Debug)]
pub struct SvalueTable {
    /// source regions, in the order of the rows of `s`
    pub sources: Vec<String>,
    /// target regions (every region of the phantom), in the order of the columns of `s`
    pub targets: Vec<String>,
    /// mass of each target (g)
    pub target_mass_g: Vec<f64>,
    /// `S[source][target]` (mGy per MBq s)
    pub s: Vec<Vec<f64>>,
    /// relative uncertainty (1 sigma) of each S
    pub rel: Vec<Vec<f64>>,
    /// the decay data of the nuclide source (`None` for a source that is not a nuclide)
    pub decay_data: Option<DecayData>,
}

impl SvalueTable {
    /// Writes the CSV table to `path` (atomically), creating its folder, and beside it
    /// the same name with `.json` ([`SvalueTable::provenance`]: the decay data and the version).
    ///
    /// # Errors
    /// When the folder or the files cannot be written.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        crate::io::write_file_atomic(path, self.csv().as_bytes())?;
        crate::io::write_file_atomic(
            &path.with_extension("json"),
            serde_json::to_string_pretty(&self.provenance())?.as_bytes(),
        )
    }

    /// What made the table, as JSON: `version`, `decay_data` ("icrp107" or "endf"),
    /// `decay_data_source` ("ICRP-107" or "ENDF/B-VIII.1"), `sources`, `targets`, `units`.
    pub fn provenance(&self) -> serde_json::Value {
        serde_json::json!({
            "version": crate::VERSION,
            "decay_data": self.decay_data,
            "decay_data_source": self.decay_data.map(|d| d.label()),
            "sources": self.sources,
            "targets": self.targets,
            "units": "s_mgy_per_mbq_s: mGy per MBq s; target_mass_g: g",
        })
    }

    /// CSV with header `source,target,target_mass_g,s_mgy_per_mbq_s,rel_uncertainty`.
    pub fn csv(&self) -> String {
        let mut out = String::from("source,target,target_mass_g,s_mgy_per_mbq_s,rel_uncertainty\n");
        for (i, src) in self.sources.iter().enumerate() {
            for (j, t) in self.targets.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{src},{t},{:.4},{:.6e},{:.4e}",
                    self.target_mass_g[j], self.s[i][j], self.rel[i][j]
                );
            }
        }
        out
    }

    /// S(target <- source), mGy/(MBq s).
    pub fn get(&self, target: &str, source: &str) -> Option<f64> {
        let i = self.sources.iter().position(|s| s == source)?;
        let j = self.targets.iter().position(|t| t == target)?;
        Some(self.s[i][j])
    }

    /// Organ doses (Gy) from TIAs per source region (MBq s): D_t = sum_s TIA_s S(t <- s).
    pub fn organ_dose_gy(&self, tia_mbq_s: &[(String, f64)]) -> Result<Vec<(String, f64)>> {
        let mut d = vec![0.0; self.targets.len()];
        for (src, tia) in tia_mbq_s {
            let Some(i) = self.sources.iter().position(|s| s == src) else {
                bail!(
                    "no S-values for source region '{src}' (sources: {})",
                    self.sources.join(", ")
                );
            };
            for (j, x) in d.iter_mut().enumerate() {
                *x += tia * self.s[i][j] * 1e-3;
            }
        }
        Ok(self.targets.iter().cloned().zip(d).collect())
    }
}

/// Computes S-values for a run file's phantom and source spectrum (its `source.kind`,
/// `region` and `emitted_particles` are ignored): every named source region in turn (all
/// regions with voxels when `sources` is empty), `file.run.histories` decays each.
///
/// # Errors
/// An unknown or empty source region, or an invalid run file.
pub fn compute(
    ctx: &Context,
    mut file: RunFile,
    sources: &[String],
    threads: Option<usize>,
) -> Result<SvalueTable> {
    file.source.kind = "region".into();
    file.source.emitted_particles = None;
    file.source.region = match sources.first() {
        Some(s) => Some(s.clone()),
        None => {
            let ph = build_phantom(&file.phantom, &ctx.materials.with_user(&file.materials)?)?;
            let masses = ph.region_masses_g();
            let first = (1..ph.regions.len()).find(|&i| masses[i] > 0.0);
            Some(
                ph.regions[first.context("the phantom has no regions")?]
                    .name
                    .clone(),
            )
        }
    };
    let mut problem = Problem::build(ctx, file).context("S-value run")?;
    let ph_regions: Vec<String> = problem
        .phantom
        .regions
        .iter()
        .skip(1)
        .map(|r| r.name.clone())
        .collect();
    let masses = problem.phantom.region_masses_g();
    let sources: Vec<String> = if sources.is_empty() {
        ph_regions
            .iter()
            .enumerate()
            .filter(|(i, _)| masses[i + 1] > 0.0)
            .map(|(_, n)| n.clone())
            .collect()
    } else {
        sources.to_vec()
    };
    let n = problem.phantom.len();
    let (mut s, mut rel) = (Vec::new(), Vec::new());
    for (k, src) in sources.iter().enumerate() {
        problem.source.spatial = Spatial::region(&problem.phantom, src)?;
        let transport = make_transport(&problem);
        let mut settings =
            RunSettings::new(problem.file.run.seed + k as u64, problem.file.run.histories);
        settings.threads = threads;
        settings.label = format!("decays in {src}");
        let out = execute(&transport, &problem.source, &settings)?;
        let (mut row, mut row_rel) = (Vec::new(), Vec::new());
        for (j, _) in ph_regions.iter().enumerate() {
            let (m, r) = out.tally.mean_and_rel_uncertainty(n + j + 1);
            let mass = masses[j + 1];
            row.push(if mass > 0.0 {
                units::dose_gy(m, mass) * MGY_PER_MBQ_S
            } else {
                0.0
            });
            row_rel.push(r);
        }
        s.push(row);
        rel.push(row_rel);
    }
    Ok(SvalueTable {
        sources,
        targets: ph_regions,
        target_mass_g: masses[1..].to_vec(),
        s,
        rel,
        decay_data: problem.source.spectrum.decay_data(),
    })
}

/// The run file of an S-value computation: a nuclide (with its chain or not, from
/// `decay_data`) in a built-in phantom, `histories` decays per source region.
///
/// # Errors
/// Names that do not make a valid run file.
pub fn nuclide_run_file(
    phantom: &str,
    voxel_mm: Option<f64>,
    groups: &[String],
    (nuclide, decay_data): (&str, DecayData),
    chain: bool,
    histories: u64,
    seed: u64,
) -> Result<RunFile> {
    let text = format!(
        "name = \"svalues\"\n[phantom]\nbuiltin = {phantom:?}\ngroups = {groups:?}\n{}[source]\nkind = \"region\"\nnuclide = {nuclide:?}\nchain = {chain}\ndecay_data = \"{decay_data}\"\n[run]\nhistories = {histories}\nseed = {seed}\n",
        voxel_mm.map(|v| format!("voxel_mm = {v}\n")).unwrap_or_default(),
    );
    toml::from_str(&text).context("S-value run file")
}
