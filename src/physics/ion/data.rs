//! Parsing of `data/ion/icru49_stopping.txt`: ICRU-49 fit coefficients, mean excitation
//! energies, effective-charge and nuclear-stopping constants (each with its source in the file).

use crate::tables;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;

/// ICRU-49 coefficients and mean excitation energies of one element.
#[derive(Clone, Debug)]
pub struct ElementIon {
    pub z: u8,
    /// g/mol
    pub atomic_weight: f64,
    /// mean excitation energy of the element as in the fitted data (gas or elemental solid), eV
    pub i_elem_ev: f64,
    /// mean excitation energy of the atom bound in a condensed compound (ICRU 37), eV
    pub i_cond_ev: f64,
    /// proton fit A1..A5 (T in keV/u, S in eV/(1e15 atoms/cm2))
    pub proton: [f64; 5],
    /// helium fit B1..B5 (T in MeV, S in eV/(1e15 atoms/cm2))
    pub alpha: [f64; 5],
}

/// Everything in the data file, keyed by section and name.
#[derive(Clone, Debug)]
pub struct IonData {
    /// `[section] -> key -> numbers`
    pub values: BTreeMap<String, BTreeMap<String, Vec<f64>>>,
    /// elements by Z
    pub elements: BTreeMap<u8, ElementIon>,
    /// source lines of the file header
    pub provenance: String,
}

impl IonData {
    /// Loads `data/ion/icru49_stopping.txt`.
    ///
    /// # Errors
    /// When the file is missing or malformed (the message names the file and line).
    pub fn load() -> Result<Self> {
        let (path, text) = tables::read_data_file("ion/icru49_stopping.txt")?;
        Self::parse(&text)
            .with_context(|| format!("{}: malformed ion stopping table", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let mut values: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        let mut elements = BTreeMap::new();
        let mut provenance = String::new();
        let mut section = String::new();
        for (ln, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if let Some(c) = line.strip_prefix('#') {
                if section.is_empty() {
                    provenance.push_str(c.trim());
                    provenance.push('\n');
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = s.to_string();
                continue;
            }
            let toks: Vec<&str> = line.split_whitespace().collect();
            if section == "elements" {
                if toks.len() != 15 {
                    bail!("line {}: expected 15 columns in [elements]", ln + 1);
                }
                let num = |i: usize| -> Result<f64> {
                    toks[i]
                        .parse::<f64>()
                        .map_err(|e| anyhow!("line {}: column {}: {e}", ln + 1, i + 1))
                };
                let z: u8 = toks[0].parse()?;
                let mut proton = [0.0; 5];
                let mut alpha = [0.0; 5];
                for k in 0..5 {
                    proton[k] = num(5 + k)?;
                    alpha[k] = num(10 + k)?;
                }
                elements.insert(
                    z,
                    ElementIon {
                        z,
                        atomic_weight: num(2)?,
                        i_elem_ev: num(3)?,
                        i_cond_ev: num(4)?,
                        proton,
                        alpha,
                    },
                );
            } else {
                let v = toks[1..]
                    .iter()
                    .map(|s| s.parse::<f64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| anyhow!("line {}: {e}", ln + 1))?;
                if v.is_empty() {
                    bail!("line {}: key '{}' without a value", ln + 1, toks[0]);
                }
                values
                    .entry(section.clone())
                    .or_default()
                    .insert(toks[0].to_string(), v);
            }
        }
        if elements.is_empty() {
            bail!("no [elements] rows");
        }
        Ok(IonData {
            values,
            elements,
            provenance,
        })
    }

    /// The numbers of `key` in `[section]`.
    ///
    /// # Errors
    /// When the key is missing.
    pub fn get(&self, section: &str, key: &str) -> Result<&[f64]> {
        self.values
            .get(section)
            .and_then(|s| s.get(key))
            .map(|v| v.as_slice())
            .ok_or_else(|| anyhow!("ion data: missing '{key}' in [{section}]"))
    }

    /// The single number of `key` in `[section]`.
    ///
    /// # Errors
    /// When the key is missing.
    pub fn scalar(&self, section: &str, key: &str) -> Result<f64> {
        Ok(self.get(section, key)?[0])
    }

    /// Material-specific mean excitation energy override (eV), if any.
    pub fn material_i_ev(&self, name: &str) -> Option<f64> {
        self.values
            .get("material_mean_excitation_ev")
            .and_then(|m| m.get(name))
            .map(|v| v[0])
    }
}
