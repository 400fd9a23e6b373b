//! Radionuclide decay data (`data/decay/<name>.txt`, generated from ENDF/B-VIII.1 by
//! `scripts/gen_decay_tables.py`) and the sampling of all radiations of one decay.
//!
//! Sampling model of one decay (`Nuclide::sample_decay`):
//! 1. the branch intensities of each decay mode are scaled to add up to the mode's branching
//!    fraction, then one primary branch is chosen by intensity (alias table) among the beta- branches, the
//!    positron branches, the EC-without-positron parts of EC/beta+ branches, the alpha lines and,
//!    for the remainder up to one, a branch without a particle (isomeric transition); beta and
//!    positron energies come from the Fermi-theory spectrum of the branch (`beta.rs`), an alpha
//!    line emits the alpha and its recoil nucleus (E_alpha m_alpha / m_daughter);
//! 2. every gamma, X-ray, conversion or Auger electron line is emitted independently of the
//!    branch and of the other lines: floor(y) times plus once more with probability y - floor(y),
//!    for a yield y per decay. Mean yields and energies per decay are exact; correlations between
//!    lines of a cascade (coincidences) are not kept, because ENDF-6 decay files hold no level
//!    scheme.
//!
//! Annihilation photons are not emitted: the positron carries them (the transport annihilates
//! it); `mean_energy.annihilation` reports 2 m_e c^2 per positron.

use super::beta::{BetaParams, BetaSign, BetaSpectrum};
use crate::numerics::AliasTable;
use crate::rng::HistoryRng;
use crate::tables::{data_dir, read_data_file};
use crate::units::ELECTRON_MASS_MEV;
use anyhow::{anyhow, bail, Context, Result};

/// Kind of an emitted particle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmissionKind {
    Photon,
    Electron,
    Positron,
    Alpha,
    /// the daughter nucleus recoiling from an alpha decay (deposits locally)
    Recoil,
}

/// One emitted particle of a decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emission {
    pub kind: EmissionKind,
    pub energy_mev: f64,
}

/// A decay mode with its daughter.
#[derive(Clone, Debug)]
pub struct DecayMode {
    /// "beta-", "ec/beta+", "it", "alpha", ...
    pub mode: String,
    pub daughter: String,
    pub branching: f64,
    pub q_mev: f64,
}

/// A beta-minus branch or an EC/beta+ branch.
#[derive(Clone, Debug)]
pub struct BetaBranch {
    /// beta-: endpoint; EC/beta+: decay energy to the level (positron endpoint + 2 m_e c^2)
    pub energy_mev: f64,
    /// beta-: intensity; EC/beta+: EC + beta+ intensity (per decay)
    pub intensity: f64,
    /// positron intensity (per decay; 0 for beta-)
    pub positron_intensity: f64,
    /// "allowed", "1st-forbidden", "1st-forbidden-unique", ...
    pub transition: String,
    pub spectrum: Option<BetaSpectrum>,
}

/// A discrete line (photon, electron or alpha) with its yield per decay.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub energy_mev: f64,
    pub intensity: f64,
    /// alpha lines: recoil energy of the daughter (MeV)
    pub recoil_mev: f64,
}

/// Mean energies per decay (MeV) by radiation type.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanEnergies {
    pub beta_minus: f64,
    pub beta_plus: f64,
    /// conversion and Auger electrons
    pub ce_auger: f64,
    /// alpha kinetic energy (without recoil)
    pub alpha: f64,
    pub recoil: f64,
    /// gamma and X-ray photons (without annihilation)
    pub photon: f64,
    /// annihilation photons, 2 m_e c^2 per positron
    pub annihilation: f64,
}

/// What a primary branch emits.
#[derive(Clone, Copy, Debug)]
enum Primary {
    None,
    BetaMinus(usize),
    Positron(usize),
    Alpha(usize),
}

/// Decay data of one radionuclide.
#[derive(Clone, Debug)]
pub struct Nuclide {
    pub name: String,
    pub z: u32,
    pub a: u32,
    pub half_life_s: f64,
    pub modes: Vec<DecayMode>,
    pub beta_minus: Vec<BetaBranch>,
    pub ec_beta_plus: Vec<BetaBranch>,
    pub alphas: Vec<Line>,
    pub gammas: Vec<Line>,
    pub xrays: Vec<Line>,
    /// conversion and Auger electrons
    pub electrons: Vec<Line>,
    /// header lines of the data file (source, processing)
    pub provenance: String,
    primaries: Vec<Primary>,
    primary_alias: AliasTable,
}

/// Canonical spelling of a nuclide name: "lu177", "177Lu", "LU-177" -> "Lu-177"; "tc99m" -> "Tc-99m".
pub fn canonical_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let letters: String = s.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let lower = letters.to_ascii_lowercase();
    let (sym, meta) = match lower.strip_suffix('m') {
        Some(rest) if !rest.is_empty() && s.to_ascii_lowercase().ends_with('m') => (rest, "m"),
        _ => (lower.as_str(), ""),
    };
    let mut c = sym.chars();
    let sym = match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    };
    format!("{sym}-{digits}{meta}")
}

/// Names of all nuclides with a data file.
pub fn available() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data_dir().join("decay"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".txt")
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Levenshtein distance, case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to six known names closest to `name` (same element or mass number first).
pub fn close_names(name: &str) -> Vec<String> {
    let c = canonical_name(name);
    let (sym, mass) = c.split_once('-').unwrap_or((&c, ""));
    let mass = mass.trim_end_matches('m');
    let mut v: Vec<(usize, String)> = available()
        .into_iter()
        .map(|n| {
            let (s, m) = n.split_once('-').unwrap_or((&n, ""));
            let bonus = usize::from(s == sym) + usize::from(m.trim_end_matches('m') == mass);
            (distance(&c, &n) * 2 + 4 - 2 * bonus, n)
        })
        .collect();
    v.sort();
    v.into_iter().take(6).map(|x| x.1).collect()
}

impl Nuclide {
    /// Loads `data/decay/<name>.txt`; `name` like "Lu-177", "Tc-99m" (case and dash optional).
    ///
    /// # Errors
    /// An unknown nuclide gives an error that lists the closest known names.
    pub fn load(name: &str) -> Result<Self> {
        let canon = canonical_name(name);
        let path = data_dir().join("decay").join(format!("{canon}.txt"));
        if canon.len() < 3 || !path.exists() {
            bail!(
                "unknown nuclide '{name}': no decay data in {}; close names: {}",
                data_dir().join("decay").display(),
                close_names(name).join(", ")
            );
        }
        let (p, text) = read_data_file(&format!("decay/{canon}.txt"))?;
        Self::parse(&text).with_context(|| format!("{}: malformed decay table", p.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let mut n = Nuclide {
            name: String::new(),
            z: 0,
            a: 0,
            half_life_s: 0.0,
            modes: vec![],
            beta_minus: vec![],
            ec_beta_plus: vec![],
            alphas: vec![],
            gammas: vec![],
            xrays: vec![],
            electrons: vec![],
            provenance: String::new(),
            primaries: vec![],
            primary_alias: AliasTable::new(&[1.0]).expect("one weight"),
        };
        let mut section = String::new();
        for (ln, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(c) = line.strip_prefix('#') {
                if section.is_empty() {
                    n.provenance += c.trim();
                    n.provenance.push('\n');
                }
                continue;
            }
            if let Some(s) = line.strip_prefix('[') {
                section = s.trim_end_matches(']').to_string();
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.is_empty() {
                continue;
            }
            let num = |i: usize| -> Result<f64> {
                f.get(i)
                    .ok_or_else(|| anyhow!("line {}: missing column {}", ln + 1, i + 1))?
                    .parse::<f64>()
                    .with_context(|| format!("line {}: bad number", ln + 1))
            };
            let word = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            let branch = |positron: f64, transition: String| -> Result<BetaBranch> {
                Ok(BetaBranch {
                    energy_mev: num(0)?,
                    intensity: num(1)?,
                    positron_intensity: positron,
                    transition,
                    spectrum: None,
                })
            };
            let recoil = if section == "alpha" { num(2)? } else { 0.0 };
            let line_ = || -> Result<Line> {
                Ok(Line {
                    energy_mev: num(0)?,
                    intensity: num(1)?,
                    recoil_mev: recoil,
                })
            };
            match section.as_str() {
                "" => match f[0] {
                    "nuclide" => n.name = word(1),
                    "z" => n.z = num(1)? as u32,
                    "a" => n.a = num(1)? as u32,
                    "half_life_s" => n.half_life_s = num(1)?,
                    _ => {}
                },
                "modes" => n.modes.push(DecayMode {
                    mode: word(0),
                    daughter: word(1),
                    branching: num(2)?,
                    q_mev: num(3)?,
                }),
                "beta_minus" => n.beta_minus.push(branch(0.0, word(2))?),
                "ec_beta_plus" => n.ec_beta_plus.push(branch(num(2)?, word(3))?),
                "alpha" => n.alphas.push(line_()?),
                "gamma" => n.gammas.push(line_()?),
                "xray" => n.xrays.push(line_()?),
                "electrons" => n.electrons.push(line_()?),
                _ => {}
            }
        }
        if n.name.is_empty() || n.z == 0 || n.a == 0 || n.half_life_s <= 0.0 {
            bail!("missing nuclide, z, a or half_life_s");
        }
        n.build()?;
        Ok(n)
    }

    /// Normalises the branches and builds the beta spectra and the primary-branch sampler.
    fn build(&mut self) -> Result<()> {
        let (z, a) = (self.z, self.a);
        // Scale the branches of each decay mode so their intensities add up to the mode's
        // branching fraction: every decay then emits exactly one primary particle. ENDF's sums
        // differ from the branchings by up to 5% (Dy-166; Tb-161 beta- 1.0088, Ac-225 alpha
        // 0.9980); ICRP-107 normalises the same way.
        let mode_sum = |m: &str| {
            self.modes
                .iter()
                .filter(|d| d.mode == m)
                .map(|d| d.branching)
                .sum::<f64>()
        };
        let scale = |want: f64, have: f64| {
            if want > 0.0 && have > 0.0 {
                want / have
            } else {
                1.0
            }
        };
        let f = scale(
            mode_sum("beta-"),
            self.beta_minus.iter().map(|b| b.intensity).sum(),
        );
        self.beta_minus.iter_mut().for_each(|b| b.intensity *= f);
        let f = scale(
            mode_sum("ec/beta+"),
            self.ec_beta_plus.iter().map(|b| b.intensity).sum(),
        );
        self.ec_beta_plus.iter_mut().for_each(|b| {
            b.intensity *= f;
            b.positron_intensity *= f;
        });
        let f = scale(
            mode_sum("alpha"),
            self.alphas.iter().map(|l| l.intensity).sum(),
        );
        self.alphas.iter_mut().for_each(|l| l.intensity *= f);
        let unique = |t: &str| u32::from(t.ends_with("-unique")) * t[..1].parse().unwrap_or(0);
        let (mut primaries, mut weights) = (vec![], vec![]);
        for (i, b) in self.beta_minus.iter_mut().enumerate() {
            b.spectrum = Some(BetaSpectrum::new(BetaParams {
                sign: BetaSign::Minus,
                z_daughter: z + 1,
                a,
                endpoint_mev: b.energy_mev,
                unique_order: unique(&b.transition),
            }));
            primaries.push(Primary::BetaMinus(i));
            weights.push(b.intensity);
        }
        let mut ec_only = 0.0;
        for (i, b) in self.ec_beta_plus.iter_mut().enumerate() {
            let endpoint = b.energy_mev - 2.0 * ELECTRON_MASS_MEV;
            if b.positron_intensity > 0.0 && endpoint > 0.0 {
                b.spectrum = Some(BetaSpectrum::new(BetaParams {
                    sign: BetaSign::Plus,
                    z_daughter: z - 1,
                    a,
                    endpoint_mev: endpoint,
                    unique_order: unique(&b.transition),
                }));
                primaries.push(Primary::Positron(i));
                weights.push(b.positron_intensity);
            }
            ec_only += (b.intensity - b.positron_intensity).max(0.0);
        }
        for (i, l) in self.alphas.iter().enumerate() {
            primaries.push(Primary::Alpha(i));
            weights.push(l.intensity);
        }
        // EC without positron and isomeric transitions emit no primary particle
        let rest = (1.0 - weights.iter().sum::<f64>()).max(0.0).max(ec_only);
        primaries.push(Primary::None);
        weights.push(rest);
        self.primary_alias = AliasTable::new(&weights)
            .ok_or_else(|| anyhow!("{}: no decay branch has a positive intensity", self.name))?;
        self.primaries = primaries;
        Ok(())
    }

    /// Decay constant (1/s).
    pub fn lambda_per_s(&self) -> f64 {
        std::f64::consts::LN_2 / self.half_life_s
    }

    /// Mean energies per decay by radiation type, from the tables and the beta spectra.
    pub fn mean_energy(&self) -> MeanEnergies {
        let sum = |v: &[Line]| v.iter().map(|l| l.energy_mev * l.intensity).sum::<f64>();
        let mean = |b: &BetaBranch| b.spectrum.as_ref().map_or(0.0, |s| s.mean_mev);
        MeanEnergies {
            beta_minus: self.beta_minus.iter().map(|b| b.intensity * mean(b)).sum(),
            beta_plus: self
                .ec_beta_plus
                .iter()
                .map(|b| b.positron_intensity * mean(b))
                .sum(),
            ce_auger: sum(&self.electrons),
            alpha: sum(&self.alphas),
            recoil: self.alphas.iter().map(|l| l.recoil_mev * l.intensity).sum(),
            photon: sum(&self.gammas) + sum(&self.xrays),
            annihilation: 2.0 * ELECTRON_MASS_MEV * self.positron_yield(),
        }
    }

    /// Positrons per decay.
    pub fn positron_yield(&self) -> f64 {
        self.ec_beta_plus
            .iter()
            .filter(|b| b.spectrum.is_some())
            .map(|b| b.positron_intensity)
            .sum()
    }

    /// Alpha particles per decay.
    pub fn alpha_yield(&self) -> f64 {
        self.alphas.iter().map(|l| l.intensity).sum()
    }

    /// Gamma and X-ray photons per decay (annihilation photons not counted).
    pub fn photon_yield(&self) -> f64 {
        self.gammas
            .iter()
            .chain(&self.xrays)
            .map(|l| l.intensity)
            .sum()
    }

    /// Samples all radiations of one decay into `out` (appended; `out` is not cleared).
    pub fn sample_decay(&self, rng: &mut HistoryRng, out: &mut Vec<Emission>) {
        let push =
            |out: &mut Vec<Emission>, kind, energy_mev| out.push(Emission { kind, energy_mev });
        match self.primaries[self.primary_alias.sample(rng.uniform(), rng.uniform())] {
            Primary::None => {}
            Primary::BetaMinus(i) => {
                let s = self.beta_minus[i]
                    .spectrum
                    .as_ref()
                    .expect("beta- spectrum");
                push(out, EmissionKind::Electron, s.sample(rng.uniform()));
            }
            Primary::Positron(i) => {
                let s = self.ec_beta_plus[i]
                    .spectrum
                    .as_ref()
                    .expect("beta+ spectrum");
                push(out, EmissionKind::Positron, s.sample(rng.uniform()));
            }
            Primary::Alpha(i) => {
                push(out, EmissionKind::Alpha, self.alphas[i].energy_mev);
                push(out, EmissionKind::Recoil, self.alphas[i].recoil_mev);
            }
        }
        let sets = [
            (&self.gammas, EmissionKind::Photon),
            (&self.xrays, EmissionKind::Photon),
            (&self.electrons, EmissionKind::Electron),
        ];
        for (lines, kind) in sets {
            for l in lines.iter() {
                let n = l.intensity.floor();
                let extra = rng.uniform() < l.intensity - n;
                for _ in 0..(n as usize + usize::from(extra)) {
                    push(out, kind, l.energy_mev);
                }
            }
        }
    }
}
