//! `theradose decay --nuclide N [--chain]`: decay data of a nuclide as JSON (issue 4).
//!
//! Keys: `nuclide`, `half_life_s`, `mean_energy_per_decay_mev` {beta_minus, beta_plus, ce_auger,
//! alpha, recoil, photon, annihilation}, `yield_per_decay` {positron, alpha, photon} and
//! `daughters` [{nuclide, branching}]. `photon` counts gamma and X-ray photons, not annihilation
//! photons (those are under `annihilation`); `alpha` is the alpha kinetic energy without the
//! recoil. With `chain`, energies and yields are summed over the chain per decay of the parent
//! at secular equilibrium (activity of each member = product of branching fractions along the
//! paths to it; members as in `Chain::from_nuclide`), and `chain_members` lists them.

use crate::source::bateman::Chain;
use crate::source::nuclide::{MeanEnergies, Nuclide};
use anyhow::Result;
use serde_json::json;

/// The JSON object of `theradose decay`.
pub fn decay_json(nuclide: &str, chain: bool) -> Result<serde_json::Value> {
    let parent = Nuclide::load(nuclide)?;
    let mut members = vec![(parent.clone(), 1.0)];
    if chain {
        let c = Chain::from_nuclide(&parent)?;
        let ratios = c.secular_ratios();
        members = c
            .names
            .iter()
            .zip(ratios)
            .map(|(n, r)| Ok((Nuclide::load(n)?, r)))
            .collect::<Result<_>>()?;
    }
    let mut e = MeanEnergies::default();
    let (mut y_pos, mut y_alpha, mut y_photon) = (0.0, 0.0, 0.0);
    for (n, r) in &members {
        let m = n.mean_energy();
        e.beta_minus += r * m.beta_minus;
        e.beta_plus += r * m.beta_plus;
        e.ce_auger += r * m.ce_auger;
        e.alpha += r * m.alpha;
        e.recoil += r * m.recoil;
        e.photon += r * m.photon;
        e.annihilation += r * m.annihilation;
        y_pos += r * n.positron_yield();
        y_alpha += r * n.alpha_yield();
        y_photon += r * n.photon_yield();
    }
    let daughters: Vec<_> = parent
        .modes
        .iter()
        .map(|m| json!({"nuclide": m.daughter, "branching": m.branching, "mode": m.mode}))
        .collect();
    let mut v = json!({
        "nuclide": parent.name,
        "half_life_s": parent.half_life_s,
        "mean_energy_per_decay_mev": {
            "beta_minus": e.beta_minus,
            "beta_plus": e.beta_plus,
            "ce_auger": e.ce_auger,
            "alpha": e.alpha,
            "recoil": e.recoil,
            "photon": e.photon,
            "annihilation": e.annihilation,
        },
        "yield_per_decay": {"positron": y_pos, "alpha": y_alpha, "photon": y_photon},
        "daughters": daughters,
        "chain": chain,
        "source": "ENDF/B-VIII.1 decay sublibrary via data/decay (scripts/gen_decay_tables.py)",
    });
    if chain {
        v["chain_members"] = members
            .iter()
            .map(|(n, r)| json!({"nuclide": n.name, "activity_per_parent_decay": r}))
            .collect();
    }
    Ok(v)
}
