//! Loading the electron data of `data/electron/`: per-element radiative (bremsstrahlung) tables
//! generated from the EEDL-based ENDF/B-VIII.1 files by `scripts/gen_electron_tables.py`, and the
//! mean excitation energies and density-effect parameters of `data/electron/media.toml`.

use crate::numerics::interp_loglog;
use crate::tables::{numbers, read_data_file, SectionedText, SYMBOLS};
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Radiative-loss data of one element (EEDL via ENDF/B-VIII.1, MF23/MF26 MT527).
#[derive(Clone, Debug)]
pub struct ElementRadiative {
    pub z: u8,
    /// g/mol (IUPAC 2013, as in the photon tables)
    pub atomic_weight: f64,
    /// kinetic energies (MeV), increasing
    energy_mev: Vec<f64>,
    /// radiative stopping cross section sigma_brems * mean loss (MeV barn per atom)
    loss_mev_b: Vec<f64>,
    /// photon-energy fractions kappa = k/E of the cumulative spectra
    kappa: Vec<f64>,
    /// (ln E, F(kappa_j)): fraction of the radiative loss carried by photons below kappa_j E
    spectra: Vec<(f64, Vec<f64>)>,
    /// the header lines of the file
    pub provenance: String,
}

impl ElementRadiative {
    /// Loads `data/electron/Z###_Sym.txt`.
    pub fn load(z: u8) -> Result<Self> {
        let sym = SYMBOLS.get(z as usize).copied().unwrap_or("");
        let rel = format!("electron/Z{z:03}_{sym}.txt");
        let (path, text) = read_data_file(&rel)?;
        Self::parse(&text).with_context(|| format!("{}: malformed electron table", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let t = SectionedText::parse(text);
        let mut d = ElementRadiative {
            z: t.value("Z")?,
            atomic_weight: t.value("atomic_weight")?,
            energy_mev: vec![],
            loss_mev_b: vec![],
            kappa: vec![],
            spectra: vec![],
            provenance: t.provenance.clone(),
        };
        for (ln, line) in t.rows("radiative") {
            let v = numbers(ln, line, 3)?;
            if v.len() != 3 {
                bail!("line {ln}: expected 3 columns in [radiative]");
            }
            d.energy_mev.push(v[0]);
            d.loss_mev_b.push(v[1] * v[2]);
        }
        for (ln, line) in t.rows("spectra") {
            if let Some(rest) = line.strip_prefix("kappa") {
                d.kappa = numbers(ln, rest, 1)?;
                continue;
            }
            let v = numbers(ln, line, d.kappa.len() + 1)?;
            if v.len() != d.kappa.len() + 1 {
                bail!("line {ln}: expected 1 + {} columns", d.kappa.len());
            }
            d.spectra.push((v[0].ln(), v[1..].to_vec()));
        }
        if d.z == 0 || d.atomic_weight <= 0.0 || d.energy_mev.len() < 2 || d.spectra.is_empty() {
            bail!("missing Z, atomic_weight, [radiative] rows or [spectra]");
        }
        if d.energy_mev.windows(2).any(|w| w[1] < w[0]) {
            bail!("[radiative] energies must not decrease");
        }
        Ok(d)
    }

    /// Radiative stopping cross section (MeV barn per atom) at kinetic energy `e_mev`, log-log
    /// interpolated in the EEDL table.
    pub fn loss_mev_b(&self, e_mev: f64) -> f64 {
        interp_loglog(&self.energy_mev, &self.loss_mev_b, e_mev)
    }

    /// Fraction of the radiative energy loss carried by photons with energy below `kappa` times
    /// the electron kinetic energy `e_mev` (0 at kappa = 0, 1 at kappa >= 1). Linear in kappa
    /// between the tabulated kappa values and linear in ln E between the EEDL spectrum energies
    /// (clamped at the end energies).
    pub fn loss_fraction_below(&self, e_mev: f64, kappa: f64) -> f64 {
        if kappa >= 1.0 {
            return 1.0;
        }
        if kappa <= 0.0 {
            return 0.0;
        }
        let frac_at = |row: &[f64]| crate::numerics::interp_linear(&self.kappa, row, kappa);
        let le = e_mev.ln();
        let s = &self.spectra;
        if le <= s[0].0 {
            return frac_at(&s[0].1);
        }
        if le >= s[s.len() - 1].0 {
            return frac_at(&s[s.len() - 1].1);
        }
        let hi = s.partition_point(|r| r.0 <= le);
        let (a, b) = (&s[hi - 1], &s[hi]);
        let t = (le - a.0) / (b.0 - a.0);
        (1.0 - t) * frac_at(&a.1) + t * frac_at(&b.1)
    }
}

/// Sternheimer's fit of the density-effect correction,
/// delta(X) = 2 ln10 X - cbar + a (x1 - X)^m for x0 <= X < x1 (X = log10(beta gamma)),
/// 2 ln10 X - cbar above x1, delta0 10^(2 (X - x0)) below x0 (conductors; 0 for insulators).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
pub struct SternheimerFit {
    /// g/cm3: the density the parameters refer to
    pub density: f64,
    pub cbar: f64,
    pub x0: f64,
    pub x1: f64,
    pub a: f64,
    pub m: f64,
    pub delta0: f64,
}

/// A medium of `data/electron/media.toml`.
#[derive(Clone, Debug, Deserialize)]
pub struct MediumEntry {
    pub source: String,
    #[serde(rename = "I_ev")]
    pub i_ev: f64,
    pub z_over_a: f64,
    pub sternheimer: Option<SternheimerFit>,
}

#[derive(Deserialize)]
struct ElementsSection {
    #[allow(dead_code)] // kept in the file for the reader
    source: String,
    #[serde(rename = "I_ev")]
    i_ev: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct ConstituentSection {
    #[allow(dead_code)] // kept in the file for the reader
    source: String,
    #[serde(rename = "I_ev")]
    i_ev: BTreeMap<String, f64>,
    other_factor: f64,
}

#[derive(Deserialize)]
struct MediaFile {
    elements: ElementsSection,
    compound_constituents: ConstituentSection,
    media: BTreeMap<String, MediumEntry>,
}

/// Mean excitation energies and density-effect parameters (`data/electron/media.toml`).
#[derive(Clone, Debug)]
pub struct MediaData {
    /// I of the elements (eV), by Z
    pub element_i_ev: BTreeMap<u8, f64>,
    /// I of atoms bound in condensed compounds (eV), by Z, for the Bragg rule
    pub constituent_i_ev: BTreeMap<u8, f64>,
    /// factor on the elemental I for constituents not listed
    pub other_factor: f64,
    pub media: BTreeMap<String, MediumEntry>,
}

impl MediaData {
    /// Loads `data/electron/media.toml`.
    pub fn load() -> Result<Self> {
        let (path, text) = read_data_file("electron/media.toml")?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let f: MediaFile = toml::from_str(text)?;
        let by_z = |m: &BTreeMap<String, f64>, what: &str| -> Result<BTreeMap<u8, f64>> {
            let mut out = BTreeMap::new();
            for (sym, &v) in m {
                let z = crate::tables::atomic_number(sym)
                    .ok_or_else(|| anyhow!("{what}: unknown element symbol '{sym}'"))?;
                if !(v.is_finite() && v > 0.0) {
                    bail!("{what}: I of {sym} is {v} eV, expected a positive number");
                }
                out.insert(z, v);
            }
            Ok(out)
        };
        for (name, m) in &f.media {
            if !(m.i_ev > 0.0 && m.z_over_a > 0.0) {
                bail!("media.{name}: I_ev and z_over_a must be positive");
            }
            if let Some(s) = m.sternheimer {
                if !(s.density > 0.0 && s.x1 > s.x0 && s.m > 0.0) {
                    bail!("media.{name}.sternheimer: expected density > 0, x1 > x0, m > 0");
                }
            }
        }
        Ok(MediaData {
            element_i_ev: by_z(&f.elements.i_ev, "elements.I_ev")?,
            constituent_i_ev: by_z(&f.compound_constituents.i_ev, "compound_constituents.I_ev")?,
            other_factor: f.compound_constituents.other_factor,
            media: f.media,
        })
    }
}
