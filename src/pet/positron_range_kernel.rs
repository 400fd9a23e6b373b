//! Positron-range blur of a nuclide from the project's own positron transport.
//!
//! Positrons are sampled from the nuclide's beta+ branches (branch by positron intensity,
//! energy from its Fermi spectrum), emitted isotropically at the centre of an infinite water
//! medium and tracked with the condensed-history electron physics to a 1 keV cut-off, as
//! `theradose positron-range` does (`study::positron_range`, whose settings are reused). The
//! x, y and z components of each emission-to-annihilation vector are three samples of the 1D
//! marginal distribution, symmetrised by adding each sample with both signs.
//!
//! The kernel on a voxel grid is the transfer from a voxel uniformly filled with emitters to
//! its neighbours along one axis: a sample at offset x from an emitter spreads the emitters'
//! voxel (a segment of one voxel width) over two neighbouring voxels with weights 1 - f and f,
//! f the fractional part of x / voxel (linear splitting, exact for a uniform source voxel).
//! The 3D blur is the product of three such 1D kernels: it keeps the exact 1D marginals (the
//! rms range along each axis) but not the 3D cusp of the true distribution, and water stands for
//! every tissue (the range in lung, at a quarter of the density, is longer).
//!
//! The samples are computed once per (nuclide, histories, seed) in a process and cached.
//! History `i` draws from `HistoryRng::new(seed, i)`; chunks are collected in order, so the
//! kernel is the same for any thread count.

use super::blur::Kernel1d;
use crate::materials::MaterialDb;
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::Lepton;
use crate::physics::photon::PhotonPhysics;
use crate::rng::HistoryRng;
use crate::source::nuclide::Nuclide;
use crate::transport::{Geometry, Transport};
use anyhow::{bail, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Tracking cut-off (MeV), as `theradose positron-range` (residual range of 1 keV ~ 0.05 um).
const CUTOFF_MEV: f64 = 1e-3;
/// Hard-event thresholds (MeV), as `theradose positron-range`.
const HARD_THRESHOLD_MEV: f64 = 1e-2;
const CHUNK: u64 = 1024;
/// Kernel weights below this fraction are trimmed (a negligible tail).
const TAIL: f64 = 1e-5;

type Cache = Mutex<HashMap<String, Arc<Vec<f64>>>>;
static CACHE: OnceLock<Cache> = OnceLock::new();

/// 1D samples (mm) of the emission-to-annihilation offset of `nuclide`'s positrons in water:
/// 3 per history (x, y and z components).
///
/// # Errors
/// A nuclide without positron emission, zero histories, or physics tables that fail to load.
pub fn samples_1d_mm(nuclide: &Nuclide, histories: u64, seed: u64) -> Result<Arc<Vec<f64>>> {
    let key = format!("{}:{histories}:{seed}", nuclide.name);
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(s) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(s);
    }
    let s = Arc::new(transport_samples(nuclide, histories, seed)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, s.clone());
    }
    Ok(s)
}

/// The 1D positron-range kernel on voxels of `voxel_mm` (see the module docs).
pub fn kernel(samples_mm: &[f64], voxel_mm: f64) -> Kernel1d {
    let max = samples_mm.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let half = (max / voxel_mm).floor() as usize + 1;
    let mut w = vec![0.0; 2 * half + 1];
    for &x in samples_mm {
        for y in [x / voxel_mm, -x / voxel_mm] {
            let m = y.floor();
            let f = y - m;
            let i = (m as i64 + half as i64) as usize;
            w[i] += 1.0 - f;
            w[i + 1] += f;
        }
    }
    let total: f64 = w.iter().sum();
    while w.len() > 1 && w[0] < TAIL * total && w[w.len() - 1] < TAIL * total {
        w.remove(0);
        w.pop();
    }
    Kernel1d::normalised(w)
}

/// Root-mean-square of the 1D samples (mm).
pub fn rms_mm(samples_mm: &[f64]) -> f64 {
    (samples_mm.iter().map(|x| x * x).sum::<f64>() / samples_mm.len().max(1) as f64).sqrt()
}

fn transport_samples(nuclide: &Nuclide, histories: u64, seed: u64) -> Result<Vec<f64>> {
    if histories == 0 {
        bail!("positron range: at least one history is needed");
    }
    let mut branches = Vec::new();
    let mut cumulative = Vec::new();
    let mut sum = 0.0;
    for b in &nuclide.ec_beta_plus {
        if let (Some(s), true) = (&b.spectrum, b.positron_intensity > 0.0) {
            sum += b.positron_intensity;
            branches.push(s);
            cumulative.push(sum);
        }
    }
    if branches.is_empty() {
        bail!(
            "nuclide {}: no positron emission in its decay data (a PET nuclide emits positrons: \
             F-18, C-11, Ga-68, Cu-64, Zr-89, ...)",
            nuclide.name
        );
    }
    cumulative.iter_mut().for_each(|c| *c /= sum);
    let max_endpoint = branches
        .iter()
        .map(|s| s.params.endpoint_mev)
        .fold(0.0, f64::max);
    let db = MaterialDb::load()?;
    let water = db.get("water")?.clone();
    let density = water.nominal_density;
    let mut params = CondensedParams::new(CUTOFF_MEV, HARD_THRESHOLD_MEV);
    params.cuts.delta_mev = HARD_THRESHOLD_MEV;
    let electron = ElectronPhysics::new(std::slice::from_ref(&water), params)?;
    let photon = PhotonPhysics::new(std::slice::from_ref(&water))?;
    let csda_cm = electron
        .tables(0, Lepton::Positron)
        .stopping
        .at(max_endpoint)
        .csda_range
        / density;
    let geometry = Geometry::Sphere {
        radius_cm: 10.0 * csda_cm,
        material: 0,
        density,
        shells: 1,
    };
    let mut t = Transport::new(geometry, &photon, HARD_THRESHOLD_MEV).with_electrons(&electron);
    t.lepton_max_step_cm = f64::INFINITY;
    let n_chunks = histories.div_ceil(CHUNK);
    let chunks: Vec<Vec<f64>> = (0..n_chunks)
        .into_par_iter()
        .map_init(
            || (Vec::with_capacity(64), t.new_score()),
            |(stack, score), c| {
                let mut out = Vec::with_capacity(3 * CHUNK as usize);
                for i in c * CHUNK..((c + 1) * CHUNK).min(histories) {
                    let mut rng = HistoryRng::new(seed, i);
                    let u = rng.uniform();
                    let k = cumulative
                        .partition_point(|&c| c <= u)
                        .min(branches.len() - 1);
                    let e = branches[k].sample(rng.uniform());
                    let dir = isotropic_rng(&mut rng);
                    let p = Particle::new(ParticleKind::Positron, e, Vec3::default(), dir);
                    score.clear();
                    let track = t.track_lepton(p, &mut rng, stack, score);
                    stack.clear();
                    if !track.escaped {
                        let v = track.end;
                        out.extend([v.x * 10.0, v.y * 10.0, v.z * 10.0]);
                    }
                }
                out
            },
        )
        .collect();
    Ok(chunks.concat())
}
