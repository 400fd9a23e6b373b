//! Cellular dosimetry (L5): S values of concentric-sphere cells (MIRD cellular S values) by the
//! CSDA straight-line method ([`analytic`]) or by Monte Carlo ([`mc`]).
//!
//! The cell is two concentric spheres of unit-density water (cell radius RC, nucleus radius RN,
//! in micrometres) in an infinite water medium. Sources are uniform in the nucleus, the
//! cytoplasm, the whole cell or on the cell surface; targets are the nucleus, the cytoplasm and
//! the cell. S(T<-S) is the mean absorbed dose to T per decay in S (Gy per Bq s).
//!
//! Reciprocity: in a homogeneous infinite medium the specific absorbed fraction is symmetric,
//! phi(T<-S)/m_T = phi(S<-T)/m_S (the pair density of [`geometry`] is symmetric), hence
//! S(T<-S) = S(S<-T) for two volume regions, e.g. S(nucleus<-cytoplasm) = S(cytoplasm<-nucleus).
//! It does not hold for the cell surface, which is a surface source and not a target.

pub mod analytic;
pub mod cluster;
pub mod cluster_out;
pub mod cross;
pub mod geometry;
pub mod label;
pub mod mc;
pub mod nucleus;
pub mod packing;
pub mod range;
pub mod spectrum;

use crate::context::Context;
use crate::error::SpecField;
use crate::physics::ion::{build_table, Ion};
use crate::source::decay_data::DecayData;
use crate::source::nuclide::Nuclide;
use crate::source::Spectrum;
use crate::spec_bail;
use anyhow::{Context as _, Result};
use geometry::{CellGeometry, SourceRegion, TargetRegion};
use range::{Particle, RangeEnergy};
use serde::{Deserialize, Serialize};
use spectrum::EmissionLine;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// How S values are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// the CSDA straight-line method of the MIRD cellular S values (Goddu et al. 1994, 1997)
    #[default]
    Analytic,
    /// Monte Carlo transport (condensed-history electrons to 1 keV, straight CSDA alphas)
    Mc,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Analytic => "analytic",
            Method::Mc => "mc",
        }
    }
}

fn default_histories() -> u64 {
    100_000
}
fn default_seed() -> u64 {
    1
}
fn default_cutoff_kev() -> f64 {
    1.0
}

/// A cellular S-value computation (the `theradose cell-svalues` flags, a study's `[cell]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSValueSpec {
    /// radionuclide, e.g. "I-125", "Ac-225" (a data prefix "endf:" is allowed)
    pub nuclide: String,
    /// cell radius (um)
    pub cell_radius_um: f64,
    /// nucleus radius (um), smaller than the cell radius
    pub nucleus_radius_um: f64,
    #[serde(default)]
    pub method: Method,
    /// the decay chain at secular equilibrium (Ac-225, Pb-212, Ra-223, ...)
    #[serde(default)]
    pub chain: bool,
    /// decay data (ICRP-107 by default)
    #[serde(default)]
    pub decay_data: DecayData,
    /// count the recoil energy of alpha-decay daughters as a deposit at the decay site (the MIRD
    /// cellular S values do not)
    #[serde(default)]
    pub recoil: bool,
    /// Monte Carlo: decays per source region
    #[serde(default = "default_histories")]
    pub histories: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub threads: Option<usize>,
    /// Monte Carlo: electron and photon cut-off (keV, 1 to 100)
    #[serde(default = "default_cutoff_kev")]
    pub electron_cutoff_kev: f64,
}

impl CellSValueSpec {
    /// A spec with the defaults for everything but the nuclide and the radii.
    pub fn new(nuclide: &str, cell_radius_um: f64, nucleus_radius_um: f64) -> Self {
        CellSValueSpec {
            nuclide: nuclide.to_string(),
            cell_radius_um,
            nucleus_radius_um,
            method: Method::default(),
            chain: false,
            decay_data: DecayData::default(),
            recoil: false,
            histories: default_histories(),
            seed: default_seed(),
            threads: None,
            electron_cutoff_kev: default_cutoff_kev(),
        }
    }

    /// Checks the radii and Monte Carlo settings; returns the geometry.
    ///
    /// # Errors
    /// A spec error naming the field: non-positive or non-finite radii, a nucleus not smaller
    /// than the cell, no histories, a cut-off outside 1 to 100 keV.
    pub fn geometry(&self) -> Result<CellGeometry> {
        check_radius("cell_radius_um", self.cell_radius_um)?;
        check_radius("nucleus_radius_um", self.nucleus_radius_um)?;
        if self.nucleus_radius_um >= self.cell_radius_um {
            spec_bail!(
                "nucleus_radius_um",
                "{} um is not smaller than the cell radius {} um (cell_radius_um): the nucleus \
                 must lie inside the cell",
                self.nucleus_radius_um,
                self.cell_radius_um
            );
        }
        if self.method == Method::Mc {
            if self.histories < 2 {
                spec_bail!("histories", "must be at least 2, got {}", self.histories);
            }
            if !(1.0..=100.0).contains(&self.electron_cutoff_kev) {
                spec_bail!(
                    "electron_cutoff_kev",
                    "{} keV: expected 1 to 100 keV (the electron tables start at 1 keV)",
                    self.electron_cutoff_kev
                );
            }
        }
        Ok(CellGeometry {
            cell_radius_um: self.cell_radius_um,
            nucleus_radius_um: self.nucleus_radius_um,
        })
    }
}

fn check_radius(field: &str, r: f64) -> Result<()> {
    if !(r.is_finite() && r > 0.0) {
        spec_bail!(field, "{r}: expected a positive radius in micrometres");
    }
    if r > 1e4 {
        spec_bail!(
            field,
            "{r} um: expected a cell-sized radius (at most 10 mm)"
        );
    }
    Ok(())
}

/// Cellular S values with their uncertainties and provenance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellSValues {
    pub nuclide: String,
    pub chain: bool,
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    pub method: String,
    /// S values (Gy per Bq s), keyed "target<-source"
    pub s_gy_per_bq_s: BTreeMap<String, f64>,
    /// relative standard uncertainty of each S value (0 for the analytic method)
    pub rel_uncertainty: BTreeMap<String, f64>,
    /// particulate energy per decay counted (MeV): electrons (beta, CE, Auger), alphas
    pub electron_energy_per_decay_mev: f64,
    pub alpha_energy_per_decay_mev: f64,
    pub recoil: bool,
    pub decay_data: String,
    pub decay_data_source: String,
    /// Monte Carlo only: decays per source region, seed, cut-off, energy balance
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histories: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub electron_cutoff_kev: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_balance_relative_discrepancy: Option<f64>,
    pub method_reference: String,
    pub version: String,
}

/// The key of a pair: "nucleus<-cytoplasm".
pub fn pair_key(t: TargetRegion, s: SourceRegion) -> String {
    format!("{}<-{}", t.name(), s.name())
}

impl CellSValues {
    /// S value (Gy per Bq s) of a pair.
    pub fn s(&self, t: TargetRegion, s: SourceRegion) -> f64 {
        self.s_gy_per_bq_s[&pair_key(t, s)]
    }
    /// Relative standard uncertainty of a pair's S value.
    pub fn rel(&self, t: TargetRegion, s: SourceRegion) -> f64 {
        self.rel_uncertainty[&pair_key(t, s)]
    }

    /// The CSV table `target,source,s_gy_per_bq_s,rel_uncertainty` (with `#` provenance lines).
    pub fn csv(&self) -> String {
        let mut out = format!(
            "# cellular S values of {}{} (method {}), RC {} um, RN {} um; decay data: {}\n",
            self.nuclide,
            if self.chain { " with its chain" } else { "" },
            self.method,
            self.cell_radius_um,
            self.nucleus_radius_um,
            self.decay_data_source
        );
        out.push_str("target,source,s_gy_per_bq_s,rel_uncertainty\n");
        for t in TargetRegion::ALL {
            for s in SourceRegion::ALL {
                let k = pair_key(t, s);
                let _ = writeln!(
                    out,
                    "{},{},{:.6e},{:.4e}",
                    t.name(),
                    s.name(),
                    self.s_gy_per_bq_s[&k],
                    self.rel_uncertainty[&k]
                );
            }
        }
        out
    }

    /// Writes the CSV table to `path` (folders created).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        std::fs::write(path, self.csv()).with_context(|| format!("writing {}", path.display()))
    }
}

/// Loads the nuclide source (with its chain) of a spec.
fn nuclide_spectrum(spec: &CellSValueSpec) -> Result<Spectrum> {
    Nuclide::load_from(&spec.nuclide, spec.decay_data).spec_field("nuclide")?;
    Spectrum::nuclide_from(&spec.nuclide, spec.chain, spec.decay_data).spec_field("nuclide")
}

/// The particulate emission lines of one decay of the spec's nuclide (and chain).
///
/// # Errors
/// An unknown nuclide (the error lists the closest names).
pub fn emission_lines(spec: &CellSValueSpec) -> Result<Vec<EmissionLine>> {
    let Spectrum::Nuclides(members) = nuclide_spectrum(spec)? else {
        unreachable!("a nuclide source");
    };
    let mut lines = Vec::new();
    for m in &members {
        spectrum::nuclide_lines(&m.nuclide, m.expected_decays, spec.recoil, &mut lines);
    }
    Ok(lines)
}

/// The range-energy relations a set of lines needs (the ASTAR alpha table only with alphas).
///
/// # Errors
/// When the ion data cannot be loaded.
pub fn range_energy(ctx: &Context, lines: &[EmissionLine]) -> Result<RangeEnergy> {
    let alpha = if lines.iter().any(|l| l.particle == Particle::Alpha) {
        let water = ctx.materials.get("water")?;
        Some(build_table(ctx.ion_data()?, Ion::Alpha, water)?)
    } else {
        None
    };
    Ok(RangeEnergy { alpha })
}

/// Computes the cellular S values of a spec.
///
/// # Errors
/// Spec errors naming the field (radii, nuclide, histories), or data that cannot be loaded.
pub fn compute(ctx: &Context, spec: &CellSValueSpec) -> Result<CellSValues> {
    let g = spec.geometry()?;
    let lines = emission_lines(spec)?;
    let ps = analytic::pairs();
    let (s, rel, rn, balance) = match spec.method {
        Method::Analytic => {
            let re = range_energy(ctx, &lines)?;
            let s = analytic::AnalyticCell::new(g).svalues(&re, &lines);
            (s, [0.0; analytic::N_PAIRS], g.nucleus_radius_um, None)
        }
        Method::Mc => {
            let st = mc::McSettings {
                histories: spec.histories,
                seed: spec.seed,
                threads: spec.threads,
                electron_cutoff_kev: spec.electron_cutoff_kev,
                recoil: spec.recoil,
            };
            let r = mc::run(ctx, g, nuclide_spectrum(spec)?, &st)?;
            let b = Some(r.energy_balance_relative_discrepancy);
            (r.s, r.rel_uncertainty, r.nucleus_radius_um, b)
        }
    };
    let key = |k: usize| pair_key(ps[k].0, ps[k].1);
    let mc = spec.method == Method::Mc;
    Ok(CellSValues {
        nuclide: Nuclide::load_from(&spec.nuclide, spec.decay_data)?.name,
        chain: spec.chain,
        cell_radius_um: g.cell_radius_um,
        nucleus_radius_um: rn,
        method: spec.method.name().into(),
        s_gy_per_bq_s: (0..ps.len()).map(|k| (key(k), s[k])).collect(),
        rel_uncertainty: (0..ps.len()).map(|k| (key(k), rel[k])).collect(),
        electron_energy_per_decay_mev: spectrum::mean_energy_mev(&lines, Particle::Electron),
        alpha_energy_per_decay_mev: spectrum::mean_energy_mev(&lines, Particle::Alpha),
        recoil: spec.recoil,
        decay_data: spec.decay_data.name().into(),
        decay_data_source: spec.decay_data.label().into(),
        histories: mc.then_some(spec.histories),
        seed: mc.then_some(spec.seed),
        electron_cutoff_kev: mc.then_some(spec.electron_cutoff_kev),
        energy_balance_relative_discrepancy: balance,
        method_reference: match spec.method {
            Method::Analytic => "CSDA straight-line method of the MIRD cellular S values (Goddu, Howell, Rao, J Nucl Med 35:303, 1994; Goddu et al., MIRD Cellular S Values, SNM 1997): Cole (1969) electron range-energy relation, ASTAR water alpha ranges; photons not counted".into(),
            Method::Mc => "theradose condensed-history electron and photon transport in water (cut-off electron_cutoff_kev), straight CSDA alpha tracks (ASTAR water, Bohr straggling)".into(),
        },
        version: crate::VERSION.into(),
    })
}
