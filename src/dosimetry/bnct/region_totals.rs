//! Per-region totals of the BNCT dose components, scored history by history (so a region's
//! mean dose has an exact Monte Carlo uncertainty, not a bound from its voxels'), and the
//! figure of merit of a neutron run built on them.

use crate::phantom::Phantom;
use crate::run::FigureOfMerit;
use crate::source::neutron_beam::Weighting;
use crate::tally::HistoryScore;
use crate::transport::neutron::{Component, NeutronOutcome, GY_PER_MEV_PER_G, N_COMPONENTS};

/// Dose quantities of the region totals, in this order.
pub const REGION_QUANTITIES: [&str; 5] = ["boron", "nitrogen", "hydrogen", "gamma", "weighted"];
/// Number of [`REGION_QUANTITIES`].
pub const NQ: usize = REGION_QUANTITIES.len();
/// Index of the weighted dose among [`REGION_QUANTITIES`].
pub const WEIGHTED: usize = 4;

/// Where the boron dose of a voxel comes from.
#[derive(Clone, Copy, Debug)]
pub enum BoronDose<'a> {
    /// the per-ppm boron kerma times the voxel's 10B concentration (ug/g, one per voxel)
    PerPpm(&'a [f64]),
    /// the boron kerma of the voxel's material (its own concentration)
    Material,
}

/// What a history's neutron and photon deposits add to the region totals: per region label,
/// the [`REGION_QUANTITIES`] (MeV, the weighted one MeV x weight).
#[derive(Clone, Copy, Debug)]
pub struct RegionFold<'a> {
    pub ph: &'a Phantom,
    pub boron: BoronDose<'a>,
    /// CBE per region label
    pub cbe: &'a [f64],
    pub weights: Weighting,
}

impl RegionFold<'_> {
    /// Extra tally bins the totals need (regions x quantities).
    pub fn n_extra(&self) -> usize {
        self.ph.regions.len() * NQ
    }

    /// Folds the history's deposits into the region totals (the transport's `history_extra`).
    pub fn apply(&self, h: &mut HistoryScore, photon: Option<&HistoryScore>) {
        let (ph, w) = (self.ph, &self.weights);
        let cells = ph.len();
        h.fold_into_extra(|bin| {
            let (c, v) = (bin as usize / cells, bin as usize % cells);
            let r = ph.label[v] as usize * NQ;
            let (q, f) = match (c, self.boron) {
                (c, BoronDose::PerPpm(ppm)) if c == Component::BoronPerPpm as usize => (0, ppm[v]),
                (c, BoronDose::Material) if c == Component::Boron as usize => (0, 1.0),
                (c, _) if c == Component::Nitrogen as usize => (1, 1.0),
                (c, _) if c == Component::Hydrogen as usize => (2, 1.0),
                (c, _) if c == Component::GammaLocal as usize => (3, 1.0),
                _ => return [(0, 0.0); 2],
            };
            let wq = [
                self.cbe[ph.label[v] as usize],
                w.rbe_nitrogen,
                w.rbe_hydrogen,
                w.rbe_gamma,
            ][q];
            [(r + q, f), (r + WEIGHTED, wq * f)]
        });
        if let Some(p) = photon {
            for &(bin, e) in p.entries() {
                let v = bin as usize;
                if v < cells && e > 0.0 {
                    let r = ph.label[v] as usize * NQ;
                    h.score_extra(r + 3, e);
                    h.score_extra(r + WEIGHTED, w.rbe_gamma * e);
                }
            }
        }
    }
}

/// Mean dose (Gy per source neutron) and relative uncertainty of each region total, per region
/// label and [`REGION_QUANTITIES`], from a run whose transport folded with a [`RegionFold`].
pub fn region_totals(ph: &Phantom, out: &NeutronOutcome) -> Vec<[(f64, f64); NQ]> {
    let masses = ph.region_masses_g();
    let offset = N_COMPONENTS * ph.len();
    (0..ph.regions.len())
        .map(|r| {
            std::array::from_fn(|q| {
                let (m, rel) = out.tally.mean_and_rel_uncertainty(offset + r * NQ + q);
                let gy = if masses[r] > 0.0 {
                    m / masses[r] * GY_PER_MEV_PER_G
                } else {
                    0.0
                };
                (gy, rel)
            })
        })
        .collect()
}

/// The figure of merit of the weighted mean dose of region `region` (a label of `ph`), from
/// its region total: 1 / (rel^2 x CPU s) ([`crate::run::figure_of_merit`]); None without a
/// timing or an uncertainty.
pub fn weighted_figure_of_merit(
    ph: &Phantom,
    totals: &[[(f64, f64); NQ]],
    region: usize,
    out: &NeutronOutcome,
) -> Option<FigureOfMerit> {
    let rel = totals.get(region)?[WEIGHTED].1;
    let fom =
        crate::run::figure_of_merit(rel, out.tally.histories, out.new_histories, out.cpu_seconds)?;
    Some(FigureOfMerit {
        region: ph.regions.get(region)?.name.clone(),
        quantity: Some("weighted dose".into()),
        rel_uncertainty: rel,
        per_cpu_second: fom,
    })
}
