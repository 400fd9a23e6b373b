//! Sources: where particles start (a point, uniform in a region, or a voxelised map sampled by an
//! alias table), with what energy (one line or a set of lines with yields) and which particle.

pub mod bateman;
pub mod beta;
pub mod nuclide;

use crate::numerics::{AliasTable, Vec3};
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::phantom::Phantom;
use crate::rng::HistoryRng;
use anyhow::{bail, Result};

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
}

/// A source: isotropic emission of `particle`.
#[derive(Clone, Debug)]
pub struct Source {
    pub particle: ParticleKind,
    pub spatial: Spatial,
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
    /// Mean energy (MeV).
    pub fn mean(&self) -> f64 {
        match self {
            Spectrum::Mono(e) => *e,
            Spectrum::Lines {
                energies, probs, ..
            } => energies.iter().zip(probs).map(|(e, p)| e * p).sum(),
        }
    }
}

impl Source {
    /// Samples one source particle.
    #[inline]
    pub fn sample(&self, rng: &mut HistoryRng) -> Particle {
        let pos = match &self.spatial {
            Spatial::Point(p) => *p,
            Spatial::Voxels {
                voxels,
                alias,
                voxel_cm,
                dims,
            } => {
                let v = voxels[alias.sample(rng.uniform(), rng.uniform())] as usize;
                let (i, j, k) = (
                    v % dims[0],
                    (v / dims[0]) % dims[1],
                    v / (dims[0] * dims[1]),
                );
                Vec3::new(
                    (i as f64 + rng.uniform()) * voxel_cm[0],
                    (j as f64 + rng.uniform()) * voxel_cm[1],
                    (k as f64 + rng.uniform()) * voxel_cm[2],
                )
            }
        };
        let energy = match &self.spectrum {
            Spectrum::Mono(e) => *e,
            Spectrum::Lines {
                energies, alias, ..
            } => energies[alias.sample(rng.uniform(), rng.uniform())],
        };
        let dir = isotropic_rng(rng);
        Particle::new(self.particle, energy, pos, dir)
    }
}
