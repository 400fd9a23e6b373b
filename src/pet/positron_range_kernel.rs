//! Positron-range blur of a nuclide from the project's own positron transport, per medium.
//!
//! Positrons are sampled from the nuclide's beta+ branches (branch by positron intensity,
//! energy from its Fermi spectrum), emitted isotropically at the centre of an infinite sphere
//! of one medium at its nominal density and tracked with the condensed-history electron physics
//! to a 1 keV cut-off. This set-up ([`PositronSpectrum`], [`PositronMedium`], [`history`]) is
//! shared with `theradose positron-range` (`study::positron_range`). The x, y and z components
//! of each emission-to-annihilation vector are three samples of the 1D marginal distribution,
//! symmetrised by adding each sample with both signs.
//!
//! Density: in a medium of one composition every distance of the transport scales as 1/density
//! (cross sections and stopping powers per cm are proportional to the density; the density
//! effect of the stopping power is neglected), so a voxel of density rho of a material
//! transported at its nominal density rho0 uses the samples scaled by rho0/rho. Lung at
//! 0.26 g/cm3 thus blurs about 4 times wider than water, cortical bone (1.92 g/cm3) about half.
//!
//! The kernel on a voxel grid is the transfer from a voxel uniformly filled with emitters to
//! its neighbours along one axis: a sample at offset x from an emitter spreads the emitters'
//! voxel (a segment of one voxel width) over two neighbouring voxels with weights 1 - f and f,
//! f the fractional part of x / voxel (linear splitting, exact for a uniform source voxel).
//! The 3D blur is the product of three such 1D kernels: it keeps the exact 1D marginals (the
//! rms range along each axis) but not the 3D cusp of the true distribution.
//!
//! [`blur_by_medium`] applies it to an activity map: voxels are grouped into classes by
//! material and density (bins of 10% in density), each class's activity is spread with the
//! kernel of its medium (the emitter's medium: a positron crossing into another medium keeps
//! the range of the medium it was emitted in) and the results are summed.
//!
//! The samples are computed once per (nuclide, medium, histories, seed) in a process and
//! cached. History `i` draws from `HistoryRng::new(seed, i)`; chunks are collected in order, so
//! the kernel is the same for any thread count.

use super::blur::{apply_by_class, Blur3, Kernel1d};
use crate::materials::{Material, MaterialDb};
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::phantom::Phantom;
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::Lepton;
use crate::physics::photon::PhotonPhysics;
use crate::rng::HistoryRng;
use crate::source::beta::BetaSpectrum;
use crate::source::nuclide::Nuclide;
use crate::tally::HistoryScore;
use crate::transport::{Geometry, Transport};
use anyhow::{bail, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// Tracking cut-off of the positron (MeV): 1 keV, the lowest energy of the electron tables; the
/// residual range of a 1 keV positron in water is about 0.05 um.
pub const CUTOFF_MEV: f64 = 1e-3;
/// Delta-ray and bremsstrahlung thresholds (MeV): losses below are continuous, with straggling.
/// 10 keV keeps the hard events that deflect the positron noticeably while the runs stay fast.
pub const HARD_THRESHOLD_MEV: f64 = 1e-2;
const CHUNK: u64 = 1024;
/// Kernel weights below this fraction are trimmed (a negligible tail).
const TAIL: f64 = 1e-5;
/// Width of a density class: voxels of one material whose densities differ by less than this
/// factor share a kernel (scaled to their activity-weighted mean density; error below 5%).
const DENSITY_BIN_RATIO: f64 = 1.1;

/// The beta+ branches of a nuclide, sampled by positron intensity.
pub struct PositronSpectrum<'a> {
    spectra: Vec<&'a BetaSpectrum>,
    /// cumulative positron intensity, normalised to 1 at the end
    cumulative: Vec<f64>,
    /// highest endpoint energy of the branches (MeV)
    pub max_endpoint_mev: f64,
}

impl<'a> PositronSpectrum<'a> {
    /// # Errors
    /// A nuclide without positron emission.
    pub fn new(nuclide: &'a Nuclide) -> Result<Self> {
        let mut spectra = Vec::new();
        let mut cumulative = Vec::new();
        let mut sum = 0.0;
        for b in &nuclide.ec_beta_plus {
            if let (Some(s), true) = (&b.spectrum, b.positron_intensity > 0.0) {
                sum += b.positron_intensity;
                spectra.push(s);
                cumulative.push(sum);
            }
        }
        if spectra.is_empty() {
            bail!(
                "nuclide {}: no positron emission in its decay data (expected a beta+ emitter \
                 such as F-18, C-11, Ga-68, Cu-64, Zr-89 or Rb-82)",
                nuclide.name
            );
        }
        cumulative.iter_mut().for_each(|c| *c /= sum);
        let max_endpoint_mev = spectra
            .iter()
            .map(|s| s.params.endpoint_mev)
            .fold(0.0, f64::max);
        Ok(PositronSpectrum {
            spectra,
            cumulative,
            max_endpoint_mev,
        })
    }

    /// A positron energy (MeV): branch by intensity, then its Fermi spectrum.
    pub fn sample(&self, rng: &mut HistoryRng) -> f64 {
        let u = rng.uniform();
        let i = self
            .cumulative
            .partition_point(|&c| c <= u)
            .min(self.spectra.len() - 1);
        self.spectra[i].sample(rng.uniform())
    }
}

/// The physics of one homogeneous medium for positron tracks, at its nominal density.
pub struct PositronMedium {
    electron: ElectronPhysics,
    photon: PhotonPhysics,
    /// g/cm3
    pub density: f64,
    /// CSDA range of a positron at the highest endpoint of the spectrum (cm)
    pub csda_max_cm: f64,
}

impl PositronMedium {
    /// Electron and photon physics of `material` with the cut-off and thresholds above.
    ///
    /// # Errors
    /// Physics tables that fail to load for the material.
    pub fn new(material: &Material, max_endpoint_mev: f64) -> Result<Self> {
        if material.is_vacuum() {
            anyhow::bail!("positron range kernel: vacuum has no matter to stop positrons in");
        }
        let density = material.nominal_density;
        let mut params = CondensedParams::new(CUTOFF_MEV, HARD_THRESHOLD_MEV);
        params.cuts.delta_mev = HARD_THRESHOLD_MEV;
        let electron = ElectronPhysics::new(std::slice::from_ref(material), params)?;
        let photon = PhotonPhysics::new(std::slice::from_ref(material))?;
        let csda_max_cm = electron
            .tables(0, Lepton::Positron)
            .stopping
            .at(max_endpoint_mev)
            .csda_range
            / density;
        Ok(PositronMedium {
            electron,
            photon,
            density,
            csda_max_cm,
        })
    }

    /// The transport in a sphere of the medium ten CSDA ranges in radius (infinite for the
    /// positrons), with no geometric step limit (the medium is homogeneous).
    pub fn transport(&self) -> Transport<'_> {
        let geometry = Geometry::Sphere {
            radius_cm: 10.0 * self.csda_max_cm,
            material: 0,
            density: self.density,
            shells: 1,
        };
        let mut t = Transport::new(geometry, &self.photon, HARD_THRESHOLD_MEV)
            .with_electrons(&self.electron);
        t.lepton_max_step_cm = f64::INFINITY;
        t
    }
}

/// One positron history from the origin: the end of its track (cm), None if it escaped.
pub fn history(
    t: &Transport,
    spectrum: &PositronSpectrum,
    seed: u64,
    index: u64,
    stack: &mut Vec<Particle>,
    score: &mut HistoryScore,
) -> Option<Vec3> {
    let mut rng = HistoryRng::new(seed, index);
    let e = spectrum.sample(&mut rng);
    let dir = isotropic_rng(&mut rng);
    let p = Particle::new(ParticleKind::Positron, e, Vec3::default(), dir);
    score.clear();
    let track = t.track_lepton(p, &mut rng, stack, score);
    stack.clear();
    (!track.escaped).then_some(track.end)
}

type Cache = Mutex<HashMap<String, Arc<Vec<f64>>>>;
static CACHE: OnceLock<Cache> = OnceLock::new();

/// 1D samples (mm) of the emission-to-annihilation offset of `nuclide`'s positrons in the water
/// of `db`: 3 per history (x, y and z components).
///
/// # Errors
/// See [`samples_1d_mm_in`]; also when `db` has no water.
pub fn samples_1d_mm(
    db: &MaterialDb,
    nuclide: &Nuclide,
    histories: u64,
    seed: u64,
) -> Result<Arc<Vec<f64>>> {
    samples_1d_mm_in(nuclide, db.get("water")?, histories, seed)
}

/// 1D samples (mm) of the emission-to-annihilation offset of `nuclide`'s positrons in
/// `material` at its nominal density: 3 per history (x, y and z components).
///
/// # Errors
/// A nuclide without positron emission, zero histories, or physics tables that fail to load.
pub fn samples_1d_mm_in(
    nuclide: &Nuclide,
    material: &Material,
    histories: u64,
    seed: u64,
) -> Result<Arc<Vec<f64>>> {
    let key = format!(
        "{}:{}:{:x}:{histories}:{seed}",
        nuclide.name,
        material.name,
        material.nominal_density.to_bits()
    );
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(s) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(s);
    }
    let s = Arc::new(transport_samples(nuclide, material, histories, seed)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, s.clone());
    }
    Ok(s)
}

fn transport_samples(
    nuclide: &Nuclide,
    material: &Material,
    histories: u64,
    seed: u64,
) -> Result<Vec<f64>> {
    if histories == 0 {
        bail!("positron range: at least one history is needed");
    }
    let spectrum = PositronSpectrum::new(nuclide)?;
    let medium = PositronMedium::new(material, spectrum.max_endpoint_mev)?;
    let t = medium.transport();
    let n_chunks = histories.div_ceil(CHUNK);
    let chunks: Vec<Vec<f64>> = (0..n_chunks)
        .into_par_iter()
        .map_init(
            || (Vec::with_capacity(64), t.new_score()),
            |(stack, score), c| {
                let mut out = Vec::with_capacity(3 * CHUNK as usize);
                for i in c * CHUNK..((c + 1) * CHUNK).min(histories) {
                    if let Some(v) = history(&t, &spectrum, seed, i, stack, score) {
                        out.extend([v.x * 10.0, v.y * 10.0, v.z * 10.0]);
                    }
                }
                out
            },
        )
        .collect();
    Ok(chunks.concat())
}

/// The 1D positron-range kernel on voxels of `voxel_mm` (see the module docs).
pub fn kernel(samples_mm: &[f64], voxel_mm: f64) -> Kernel1d {
    kernel_within(samples_mm, voxel_mm, usize::MAX)
}

/// [`kernel`] holding only offsets up to `max_half` voxels (a grid's extent: weight beyond it
/// leaves any grid of that size, so it is dropped and not renormalised onto the rest).
pub fn kernel_within(samples_mm: &[f64], voxel_mm: f64, max_half: usize) -> Kernel1d {
    let max = samples_mm.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let full_half = (max / voxel_mm).floor() as usize + 1;
    let half = full_half.min(max_half.max(1));
    let mut w = vec![0.0; 2 * half + 1];
    for &x in samples_mm {
        for y in [x / voxel_mm, -x / voxel_mm] {
            let m = y.floor();
            let f = y - m;
            let i = m as i64 + half as i64;
            for (j, wj) in [(i, 1.0 - f), (i + 1, f)] {
                if (0..w.len() as i64).contains(&j) {
                    w[j as usize] += wj;
                }
            }
        }
    }
    let total = 2.0 * samples_mm.len().max(1) as f64;
    while w.len() > 1 && w[0] < TAIL * total && w[w.len() - 1] < TAIL * total {
        w.remove(0);
        w.pop();
    }
    if half == full_half {
        Kernel1d::normalised(w)
    } else {
        w.iter_mut().for_each(|x| *x /= total);
        Kernel1d { w }
    }
}

/// Root-mean-square of the 1D samples (mm).
pub fn rms_mm(samples_mm: &[f64]) -> f64 {
    (samples_mm.iter().map(|x| x * x).sum::<f64>() / samples_mm.len().max(1) as f64).sqrt()
}

/// Blurs `activity` (the phantom's grid order) in place by the positron range of `nuclide`,
/// each voxel's activity with the kernel of its medium (material and density; see the module
/// docs). Returns the activity-weighted rms of the 1D range (mm). Activity carried beyond the
/// grid is lost, as for any blur here; otherwise the total is conserved.
///
/// # Errors
/// See [`samples_1d_mm_in`].
pub fn blur_by_medium(
    phantom: &Phantom,
    nuclide: &Nuclide,
    activity: &mut [f64],
    histories: u64,
    seed: u64,
) -> Result<f64> {
    let g = &phantom.grid;
    debug_assert_eq!(activity.len(), phantom.len());
    // classes: (material, density bin) in sorted order, so the sum order is fixed
    let bin = |m: u8, rho: f32| {
        let rho0 = phantom.materials[m as usize].nominal_density;
        let r = (rho as f64).max(1e-6) / rho0;
        (m, (r.ln() / DENSITY_BIN_RATIO.ln()).round() as i32)
    };
    let mut keys = BTreeMap::new();
    for (&m, &rho) in phantom.material.iter().zip(&phantom.density) {
        keys.entry(bin(m, rho)).or_insert(0usize);
    }
    for (c, v) in keys.values_mut().enumerate() {
        *v = c;
    }
    let class: Vec<u16> = phantom
        .material
        .iter()
        .zip(&phantom.density)
        .map(|(&m, &rho)| keys[&bin(m, rho)] as u16)
        .collect();
    // activity and activity-weighted density of each class
    let mut act = vec![0.0f64; keys.len()];
    let mut act_rho = vec![0.0f64; keys.len()];
    for ((&c, &a), &rho) in class.iter().zip(activity.iter()).zip(&phantom.density) {
        act[c as usize] += a;
        act_rho[c as usize] += a * rho as f64;
    }
    let total: f64 = act.iter().sum();
    let mut blurs = Vec::with_capacity(keys.len());
    let mut rms_sum = 0.0;
    for (&(m, _), &c) in &keys {
        if act[c] <= 0.0 {
            blurs.push(Blur3 {
                k: [
                    Kernel1d::identity(),
                    Kernel1d::identity(),
                    Kernel1d::identity(),
                ],
            });
            continue;
        }
        let mat = &phantom.materials[m as usize];
        let s = samples_1d_mm_in(nuclide, mat, histories, seed)?;
        // distances scale as rho0/rho: a sample x at rho0 is x rho0/rho here
        let scale = mat.nominal_density / (act_rho[c] / act[c]);
        rms_sum += act[c] * rms_mm(&s) * scale;
        let k = |a: usize| kernel_within(&s, g.spacing_mm[a] / scale, g.dims[a]);
        blurs.push(Blur3 {
            k: [k(0), k(1), k(2)],
        });
    }
    apply_by_class(activity, g.dims, &class, &blurs);
    Ok(if total > 0.0 { rms_sum / total } else { 0.0 })
}
