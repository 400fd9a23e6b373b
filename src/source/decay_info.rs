//! Decay data of a nuclide as a typed summary (the JSON of `theradose decay`, issue 4).
//!
//! Fields: `nuclide`, `half_life_s`, `mean_energy_per_decay_mev` {beta_minus, beta_plus,
//! ce_auger, alpha, recoil, photon, annihilation}, `yield_per_decay` {positron, alpha, photon}
//! and `daughters` [{nuclide, branching, mode}]. `photon` counts gamma and X-ray photons, not
//! annihilation photons (those are under `annihilation`); `alpha` is the alpha kinetic energy
//! without the recoil. With `chain`, energies and yields are summed over the chain per decay of
//! the parent at secular equilibrium (activity of each member = product of branching fractions
//! along the paths to it; members as in `Chain::from_nuclide`), and `chain_members` lists them.
//!
//! Serialised with serde, every struct writes its keys in alphabetical order, as the JSON of
//! the command always has.

use crate::error::SpecField;
use crate::source::bateman::Chain;
use crate::source::nuclide::{DecayData, Nuclide};
use anyhow::Result;
use serde::Serialize;

/// Provenance of the ENDF decay data, written in every summary that uses them.
pub const DECAY_DATA_SOURCE: &str =
    "ENDF/B-VIII.1 decay sublibrary via data/decay (scripts/gen_decay_tables.py)";
/// Provenance of the ICRP-107 decay data, written in every summary that uses them.
pub const ICRP107_SOURCE: &str =
    "ICRP Publication 107 (Eckerman and Endo 2008) via data/decay/icrp107 (scripts/gen_icrp107.py)";

/// The provenance text of a decay data set.
pub fn source_of(data: DecayData) -> &'static str {
    match data {
        DecayData::Icrp107 => ICRP107_SOURCE,
        DecayData::Endf => DECAY_DATA_SOURCE,
    }
}

/// Decay data of a nuclide (or of its chain per parent decay): the `theradose decay` JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecayInfo {
    /// whether energies and yields are summed over the chain at secular equilibrium
    pub chain: bool,
    /// chain members and their decays per parent decay (only with `chain`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_members: Option<Vec<ChainMember>>,
    /// the parent's decay modes
    pub daughters: Vec<Daughter>,
    /// the decay data used: `icrp107` or `endf`
    pub decay_data: DecayData,
    /// half-life of the parent (s)
    pub half_life_s: f64,
    /// mean energy emitted per (parent) decay by radiation type (MeV)
    pub mean_energy_per_decay_mev: MeanEnergyPerDecay,
    /// canonical name of the parent, e.g. `Lu-177`
    pub nuclide: String,
    /// where the decay data come from ([`source_of`])
    pub source: String,
    /// particles emitted per (parent) decay
    pub yield_per_decay: YieldPerDecay,
}

/// Mean energy emitted per decay by radiation type (MeV).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MeanEnergyPerDecay {
    /// alpha kinetic energy, without the recoil
    pub alpha: f64,
    /// annihilation photons of the positrons
    pub annihilation: f64,
    /// beta-minus electrons
    pub beta_minus: f64,
    /// positrons (kinetic)
    pub beta_plus: f64,
    /// conversion and Auger electrons
    pub ce_auger: f64,
    /// gamma and X-ray photons (not annihilation)
    pub photon: f64,
    /// recoiling daughter nuclei
    pub recoil: f64,
}

/// Particles emitted per decay.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct YieldPerDecay {
    /// alpha particles
    pub alpha: f64,
    /// gamma and X-ray photons (not annihilation)
    pub photon: f64,
    /// positrons
    pub positron: f64,
}

/// One decay mode of the parent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Daughter {
    /// branching fraction (per decay)
    pub branching: f64,
    /// "beta-", "ec/beta+", "it", "alpha", ...
    pub mode: String,
    /// the daughter nuclide
    pub nuclide: String,
}

/// A member of the chain with its decays per parent decay at secular equilibrium.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainMember {
    /// decays of this member per decay of the parent
    pub activity_per_parent_decay: f64,
    /// the member nuclide
    pub nuclide: String,
}

/// Decay data of `nuclide` (any spelling `Nuclide::load` accepts, e.g. `Lu-177`, `177Lu`);
/// with `chain`, summed over the decay chain at secular equilibrium.
///
/// # Errors
/// An unknown nuclide (a spec error of `nuclide` listing close names), or decay data of a chain
/// member that cannot be read.
pub fn decay(nuclide: &str, chain: bool) -> Result<DecayInfo> {
    decay_from(nuclide, chain, DecayData::default())
}

/// [`decay`] from a chosen decay data set (an `endf:` or `icrp107:` prefix on the name wins).
///
/// # Errors
/// As [`decay`].
pub fn decay_from(nuclide: &str, chain: bool, data: DecayData) -> Result<DecayInfo> {
    let parent = Nuclide::load_from(nuclide, data).spec_field("nuclide")?;
    let mut members = vec![(parent.clone(), 1.0)];
    if chain {
        let c = Chain::from_nuclide(&parent)?;
        let ratios = c.secular_ratios();
        members = c
            .names
            .iter()
            .zip(ratios)
            .map(|(n, r)| Ok((Nuclide::load_from(n, parent.data)?, r)))
            .collect::<Result<_>>()?;
    }
    let mut e = MeanEnergyPerDecay::default();
    let mut y = YieldPerDecay::default();
    for (n, r) in &members {
        let m = n.mean_energy();
        e.beta_minus += r * m.beta_minus;
        e.beta_plus += r * m.beta_plus;
        e.ce_auger += r * m.ce_auger;
        e.alpha += r * m.alpha;
        e.recoil += r * m.recoil;
        e.photon += r * m.photon;
        e.annihilation += r * m.annihilation;
        y.positron += r * n.positron_yield();
        y.alpha += r * n.alpha_yield();
        y.photon += r * n.photon_yield();
    }
    let daughters = parent
        .modes
        .iter()
        .map(|m| Daughter {
            branching: m.branching,
            mode: m.mode.clone(),
            nuclide: m.daughter.clone(),
        })
        .collect();
    let chain_members = chain.then(|| {
        members
            .iter()
            .map(|(n, r)| ChainMember {
                activity_per_parent_decay: *r,
                nuclide: n.name.clone(),
            })
            .collect()
    });
    Ok(DecayInfo {
        chain,
        chain_members,
        daughters,
        decay_data: parent.data,
        half_life_s: parent.half_life_s,
        mean_energy_per_decay_mev: e,
        nuclide: parent.name.clone(),
        source: source_of(parent.data).to_string(),
        yield_per_decay: y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON of `theradose decay --nuclide Lu-177` before the typed API (commit b2bcf14).
    const LU177_JSON: &str = r#"{
  "chain": false,
  "daughters": [
    {
      "branching": 1.0,
      "mode": "beta-",
      "nuclide": "Hf-177"
    }
  ],
  "decay_data": "endf",
  "half_life_s": 574300.8,
  "mean_energy_per_decay_mev": {
    "alpha": 0.0,
    "annihilation": 0.0,
    "beta_minus": 0.13484219051534826,
    "beta_plus": 0.0,
    "ce_auger": 0.013228280594581256,
    "photon": 0.03315258946409366,
    "recoil": 0.0
  },
  "nuclide": "Lu-177",
  "source": "ENDF/B-VIII.1 decay sublibrary via data/decay (scripts/gen_decay_tables.py)",
  "yield_per_decay": {
    "alpha": 0.0,
    "photon": 0.23900619611999996,
    "positron": 0.0
  }
}"#;

    #[test]
    fn json_is_the_commands() {
        // the ENDF tables, whose JSON the command printed before issue 18
        let d = decay("endf:Lu-177", false).unwrap();
        assert_eq!(serde_json::to_string_pretty(&d).unwrap(), LU177_JSON);
        let c = decay("Ac-225", true).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["chain_members"][0]["nuclide"], "Ac-225");
        assert!(
            c.yield_per_decay.alpha > 3.9,
            "four alphas per Ac-225 decay"
        );
    }

    #[test]
    fn unknown_nuclide_names_the_field() {
        let e = decay("Lu-999", false).unwrap_err();
        let s = crate::error::spec_error_of(&e).expect("spec error");
        assert_eq!(s.field, "nuclide");
        assert!(s.message.contains("close names"), "{}", s.message);
    }
}
