//! Sources: where particles start (a point, uniform in a region, or a voxelised map sampled by an
//! alias table), with what energy (one line, a set of lines with yields, every radiation of a
//! radionuclide's decay, optionally with its chain at secular equilibrium, or emissions given as
//! a tabulated spectrum and lines, [`emitter`]) and which particle.

pub mod bateman;
pub mod beam;
pub mod beta;
pub mod decay_data;
pub mod decay_info;
mod emission;
pub mod emitter;
mod line_sampler;
mod linear_sampler;
pub mod neutron_beam;
pub mod nuclide;
pub mod nuclide_names;
pub mod tabulated;

use crate::numerics::{AliasTable, Vec3};
use crate::particle::{place_emitted, BornLocal, Particle, ParticleKind};
use crate::phantom::Phantom;
use crate::rng::HistoryRng;
use anyhow::{bail, Result};
pub use nuclide::DecayData;
use nuclide::{EmissionKind, Nuclide};
use std::sync::Arc;

/// Where source particles start.
#[derive(Clone, Debug)]
pub enum Spatial {
    /// a point in the local frame (cm)
    Point(Vec3),
    /// uniform within voxels chosen by an alias table over `voxels` (uniform in a region, or
    /// proportional to a map)
    Voxels {
        voxels: Vec<u32>,
        alias: AliasTable,
        voxel_cm: [f64; 3],
        dims: [usize; 3],
    },
    /// a parallel beam ([`beam::Placement`]): start points uniform over its field, on the
    /// phantom face or moved from the source plane to where their ray enters the phantom box
    /// `box_cm`; every particle along the beam direction (not isotropic)
    Beam {
        placement: beam::Placement,
        box_cm: [f64; 3],
    },
}

/// Energies of source particles.
#[derive(Clone, Debug)]
pub enum Spectrum {
    Mono(f64),
    /// discrete lines (MeV) with relative intensities
    Lines {
        energies: Vec<f64>,
        probs: Vec<f64>,
        alias: AliasTable,
    },
    /// Decays of radionuclides: each source event samples all radiations of one decay of every
    /// member, member m decaying with probability `expected_decays` (1 for the parent; the
    /// branching products of the chain at secular equilibrium for daughters).
    Nuclides(Vec<NuclideSource>),
    /// Emissions given by the user: a tabulated continuous spectrum and lines with yields per
    /// event, each with its particle ([`emitter::Emitter`]).
    Emitted(Arc<emitter::Emitter>),
}

/// One member of a nuclide source.
#[derive(Clone, Debug)]
pub struct NuclideSource {
    pub nuclide: Arc<Nuclide>,
    /// expected decays of this member per source event (<= 1)
    pub expected_decays: f64,
    /// the daughter-escape rule this member follows (its own, or its nearest ancestor's)
    pub escape_rule: Option<usize>,
}

/// A fraction of a daughter (and its descendants) leaves the parent's decay site, e.g. Bi-213
/// released from its carrier by the Ac-225 decay recoil: it decays uniformly in a named region
/// (`to` = Some) or is lost from the body (`to` = None).
#[derive(Clone, Debug)]
pub struct EscapeRule {
    pub nuclide: String,
    pub fraction: f64,
    pub to: Option<Spatial>,
}

/// At most this many escape rules per source.
pub const MAX_ESCAPE_RULES: usize = 4;

/// A source: isotropic emission of `particle` (along the beam for a [`Spatial::Beam`]).
#[derive(Clone, Debug)]
pub struct Source {
    pub particle: ParticleKind,
    pub spatial: Spatial,
    /// daughter-escape rules of a nuclide source (empty: daughters decay where the parent did)
    pub escape: Vec<EscapeRule>,
    pub spectrum: Spectrum,
}

impl Spatial {
    /// Uniform activity concentration in region `name` of the phantom.
    pub fn region(ph: &Phantom, name: &str) -> Result<Self> {
        let id = ph.region_id(name)?;
        let voxels = ph.region_voxels(id);
        if voxels.is_empty() {
            bail!(
                "region '{name}' of phantom '{}' has no voxels at this voxel size",
                ph.name
            );
        }
        let alias = AliasTable::new(&vec![1.0; voxels.len()]).expect("non-empty");
        Ok(Spatial::Voxels {
            voxels,
            alias,
            voxel_cm: ph.voxel_cm,
            dims: ph.grid.dims,
        })
    }

    /// Activity proportional to a map on the phantom grid (Bq or Bq s per voxel).
    pub fn map(ph: &Phantom, values: &[f64], what: &str) -> Result<Self> {
        if values.len() != ph.len() {
            bail!(
                "{what}: {} voxels, expected {} like the phantom {:?}",
                values.len(),
                ph.len(),
                ph.grid.dims
            );
        }
        let mut voxels = Vec::new();
        let mut w = Vec::new();
        for (i, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                let (a, b, c) = ph.ijk(i);
                bail!("{what}: voxel ({a}, {b}, {c}) is {v}, expected a finite activity");
            }
            if v < 0.0 {
                let (a, b, c) = ph.ijk(i);
                bail!("{what}: voxel ({a}, {b}, {c}) has negative activity {v}");
            }
            if v > 0.0 {
                voxels.push(i as u32);
                w.push(v);
            }
        }
        let Some(alias) = AliasTable::new(&w) else {
            bail!("{what}: the map holds no activity");
        };
        Ok(Spatial::Voxels {
            voxels,
            alias,
            voxel_cm: ph.voxel_cm,
            dims: ph.grid.dims,
        })
    }
}

impl Spectrum {
    pub fn lines(lines: &[(f64, f64)]) -> Result<Self> {
        if lines
            .iter()
            .any(|l| !(l.0.is_finite() && l.0 > 0.0 && l.1.is_finite() && l.1 >= 0.0))
        {
            bail!("source lines: energies must be positive and intensities non-negative");
        }
        let Some(alias) = AliasTable::new(&lines.iter().map(|l| l.1).collect::<Vec<_>>()) else {
            bail!("source lines: no line has a positive intensity");
        };
        let total: f64 = lines.iter().map(|l| l.1).sum();
        Ok(Spectrum::Lines {
            energies: lines.iter().map(|l| l.0).collect(),
            probs: lines.iter().map(|l| l.1 / total).collect(),
            alias,
        })
    }
    /// Mean energy emitted per source event (MeV), annihilation photons included.
    pub fn mean(&self) -> f64 {
        match self {
            Spectrum::Mono(e) => *e,
            Spectrum::Lines {
                energies, probs, ..
            } => energies.iter().zip(probs).map(|(e, p)| e * p).sum(),
            Spectrum::Nuclides(members) => members
                .iter()
                .map(|m| {
                    let e = m.nuclide.mean_energy();
                    m.expected_decays
                        * (e.beta_minus
                            + e.beta_plus
                            + e.ce_auger
                            + e.alpha
                            + e.recoil
                            + e.photon
                            + e.annihilation)
                })
                .sum(),
            Spectrum::Emitted(em) => em.mean_mev(),
        }
    }
}

impl Source {
    /// Highest kinetic energy (MeV) of the electrons and positrons this source emits (0 if
    /// none).
    pub fn max_lepton_mev(&self) -> f64 {
        let lepton = matches!(
            self.particle,
            ParticleKind::Electron | ParticleKind::Positron
        );
        match &self.spectrum {
            Spectrum::Nuclides(m) => m
                .iter()
                .map(|m| m.nuclide.max_lepton_mev())
                .fold(0.0, f64::max),
            Spectrum::Emitted(em) => em.max_lepton_mev(),
            _ if !lepton => 0.0,
            Spectrum::Mono(e) => *e,
            Spectrum::Lines { energies, .. } => energies.iter().copied().fold(0.0, f64::max),
        }
    }

    /// Whether this source emits alpha particles.
    pub fn emits_alphas(&self) -> bool {
        match &self.spectrum {
            Spectrum::Nuclides(m) => m.iter().any(|m| m.nuclide.mean_energy().alpha > 0.0),
            Spectrum::Emitted(em) => em.emits(ParticleKind::Alpha),
            _ => self.particle == ParticleKind::Alpha,
        }
    }

    /// Whether this source emits positrons (so annihilation sites are worth tallying).
    pub fn emits_positrons(&self) -> bool {
        match &self.spectrum {
            Spectrum::Nuclides(m) => m.iter().any(|m| m.nuclide.mean_energy().beta_plus > 0.0),
            Spectrum::Emitted(em) => em.emits(ParticleKind::Positron),
            _ => self.particle == ParticleKind::Positron,
        }
    }

    /// Samples the particles of one source event (one particle, or all radiations of one decay),
    /// pushes them on `stack`, or in `born` the electrons that stop at once, and returns the
    /// energy they carry (kinetic energy, plus the rest energy of positrons, which reappears as
    /// annihilation photons).
    #[inline]
    pub fn emit(
        &self,
        rng: &mut HistoryRng,
        stack: &mut Vec<Particle>,
        born: &mut BornLocal,
    ) -> f64 {
        let pos = self.sample_position(rng);
        let beam_dir = match &self.spatial {
            Spatial::Beam { placement, .. } => Some(placement.beam.dir),
            _ => None,
        };
        match &self.spectrum {
            Spectrum::Mono(e) => {
                place_emitted(stack, born, (self.particle, *e), pos, beam_dir, rng)
            }
            Spectrum::Lines {
                energies, alias, ..
            } => {
                let e = energies[alias.sample(rng.uniform(), rng.uniform())];
                place_emitted(stack, born, (self.particle, e), pos, beam_dir, rng)
            }
            Spectrum::Emitted(em) => em.emit(rng, pos, stack, born),
            Spectrum::Nuclides(members) => {
                let mut total = 0.0;
                // per rule: None undecided, Some(None) lost, Some(Some(pos)) where it decays
                let mut fate: [Option<Option<Vec3>>; MAX_ESCAPE_RULES] = [None; MAX_ESCAPE_RULES];
                for m in members {
                    if m.expected_decays < 1.0 && rng.uniform() >= m.expected_decays {
                        continue;
                    }
                    let mut at = pos;
                    if let Some(r) = m.escape_rule {
                        let rule = &self.escape[r];
                        let f = *fate[r].get_or_insert_with(|| {
                            if rng.uniform() >= rule.fraction {
                                Some(pos)
                            } else {
                                rule.to.as_ref().map(|sp| sample_in(sp, rng))
                            }
                        });
                        match f {
                            Some(p) => at = p,
                            None => continue,
                        }
                    }
                    // each radiation is placed as it is drawn (no list of the decay's)
                    m.nuclide.for_each_emission(rng, |kind, e, rng| {
                        if e <= 0.0 {
                            return;
                        }
                        let kind = match kind {
                            EmissionKind::Photon => ParticleKind::Photon,
                            EmissionKind::Electron => ParticleKind::Electron,
                            EmissionKind::Positron => ParticleKind::Positron,
                            EmissionKind::Alpha => ParticleKind::Alpha,
                            EmissionKind::Recoil => ParticleKind::Recoil,
                        };
                        total += place_emitted(stack, born, (kind, e), at, None, rng);
                    });
                }
                total
            }
        }
    }

    #[inline]
    fn sample_position(&self, rng: &mut HistoryRng) -> Vec3 {
        sample_in(&self.spatial, rng)
    }
}

/// A position uniform within a spatial distribution.
#[inline]
fn sample_in(spatial: &Spatial, rng: &mut HistoryRng) -> Vec3 {
    {
        match spatial {
            Spatial::Point(p) => *p,
            Spatial::Beam { placement, box_cm } => {
                if placement.on_face {
                    placement.beam.sample_position(rng)
                } else {
                    placement.beam.sample_position_into_box(rng, *box_cm)
                }
            }
            Spatial::Voxels {
                voxels,
                alias,
                voxel_cm,
                dims,
            } => {
                // (a single voxel, as `vsv`'s source, needs no draw)
                let v = if voxels.len() == 1 {
                    voxels[0]
                } else {
                    voxels[alias.sample(rng.uniform(), rng.uniform())]
                };
                // in 32 bits (voxel indices are u32): a shorter division than in 64
                let (nx, ny) = (dims[0] as u32, dims[1] as u32);
                let (i, j, k) = (v % nx, (v / nx) % ny, v / (nx * ny));
                Vec3::new(
                    (i as f64 + rng.uniform()) * voxel_cm[0],
                    (j as f64 + rng.uniform()) * voxel_cm[1],
                    (k as f64 + rng.uniform()) * voxel_cm[2],
                )
            }
        }
    }
}

impl Spectrum {
    /// The decay data a nuclide source was read from (every member of a chain shares its
    /// parent's); `None` for a source that is not a nuclide.
    pub fn decay_data(&self) -> Option<DecayData> {
        match self {
            Spectrum::Nuclides(m) => m.first().map(|x| x.nuclide.data),
            _ => None,
        }
    }

    /// A nuclide source from the default decay data (ICRP-107): the parent alone, or with its
    /// chain at secular equilibrium.
    pub fn nuclide(name: &str, chain: bool) -> Result<Self> {
        Self::nuclide_from(name, chain, DecayData::default())
    }

    /// A nuclide source from the given decay data (ICRP-107 or ENDF/B-VIII.1).
    pub fn nuclide_from(name: &str, chain: bool, data: DecayData) -> Result<Self> {
        Self::nuclide_with_escape_from(name, chain, &[], data)
    }

    /// A nuclide source (default decay data) whose members follow the daughter-escape rules
    /// named by nuclide (a member follows the rule of itself or of its nearest ancestor that has
    /// one).
    pub fn nuclide_with_escape(name: &str, chain: bool, rules: &[EscapeRule]) -> Result<Self> {
        Self::nuclide_with_escape_from(name, chain, rules, DecayData::default())
    }

    /// `nuclide_with_escape` from the given decay data (a data prefix on `name`, "endf:Ac-225",
    /// overrides `data`).
    pub fn nuclide_with_escape_from(
        name: &str,
        chain: bool,
        rules: &[EscapeRule],
        data: DecayData,
    ) -> Result<Self> {
        let parent = Nuclide::load_from(name, data)?;
        // a data prefix on the name ("endf:Ac-225") applies to the whole chain
        let data = parent.data;
        if rules.len() > MAX_ESCAPE_RULES {
            bail!("source: at most {MAX_ESCAPE_RULES} daughter_escape rules");
        }
        if !chain {
            if let Some(r) = rules.first() {
                bail!(
                    "source.daughter_escape names {}: it needs chain = true",
                    r.nuclide
                );
            }
            return Ok(Spectrum::Nuclides(vec![NuclideSource {
                nuclide: Arc::new(parent),
                expected_decays: 1.0,
                escape_rule: None,
            }]));
        }
        let c = bateman::Chain::from_nuclide(&parent)?;
        for r in rules {
            let canon = Nuclide::load_from(&r.nuclide, data)?.name.clone();
            if !c.names.contains(&canon) || canon == c.names[0] {
                bail!(
                    "source.daughter_escape: {} is not a daughter in the chain of {} ({})",
                    r.nuclide,
                    c.names[0],
                    c.names.join(", ")
                );
            }
            if !(0.0..=1.0).contains(&r.fraction) {
                bail!(
                    "source.daughter_escape: fraction {} for {}, expected 0 to 1",
                    r.fraction,
                    r.nuclide
                );
            }
        }
        let ratios = c.secular_ratios();
        let mut rule_of: Vec<Option<usize>> = vec![None; c.names.len()];
        let mut members = Vec::new();
        for (j, (name, r)) in c.names.iter().zip(ratios).enumerate() {
            let own = rules
                .iter()
                .position(|x| nuclide::canonical_name(&x.nuclide) == *name);
            rule_of[j] = own.or_else(|| c.feeds[j].first().and_then(|&(p, _)| rule_of[p]));
            if r > 0.0 {
                members.push(NuclideSource {
                    nuclide: Arc::new(Nuclide::load_from(name, data)?),
                    expected_decays: r.min(1.0),
                    escape_rule: rule_of[j],
                });
            }
        }
        Ok(Spectrum::Nuclides(members))
    }
}
