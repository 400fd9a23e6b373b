//! Voxel-interface test of the condensed-history electron transport (issue 3): a Fano cavity
//! test, the classic check of condensed-history boundary crossing (Kawrakow, Med. Phys. 27
//! (2000) 499; Sempau & Andreo, Phys. Med. Biol. 51 (2006) 3533). Fano's theorem: in a medium of
//! one composition whose density varies from place to place, a source emitting uniformly per unit
//! mass gives a uniform dose, whatever the density pattern, where charged-particle equilibrium
//! holds. Here: water slabs of 0.5 mm whose densities cycle through 1.0, 0.3 and 1.8 g/cm3 (the
//! same material, so mass stopping powers and cross sections do not depend on the density),
//! 0.5 mm being the geometric step limit, so most steps cross a density interface. A
//! condensed-history scheme that mishandles steps across voxel faces (e.g. one step's energy loss
//! placed with the wrong density) shows up as a dose step between dense and light slabs.
//!
//! Geometry: a 2.4 x 2.4 x 4 cm box of 3 x 3 x 80 voxels (8 x 8 x 0.5 mm); 0.5 MeV electrons,
//! isotropic, emitted uniformly per unit mass in the central 8 x 8 mm column over the whole depth.
//! The CSDA range at 0.5 MeV (0.177 g/cm2, 0.59 cm at 0.3 g/cm3) is shorter than the 8 mm lateral
//! margin, so no energy leaves laterally, and by lateral translational invariance the energy a
//! slab receives over its whole area, divided by (slab mass per unit area) x (column area), is
//! the dose of a laterally infinite source. Slabs farther than 0.6 cm from the end faces are in
//! equilibrium; there the expected dose is exactly E0 / (source column mass) per history.
//! Bremsstrahlung is not produced (photon threshold above E0: radiative loss is continuous), as
//! photons would escape the finite box.
//! Tolerance (issue 3, Fano test): dose uniform within 1% + 3 standard deviations per density
//! class, 1% + 4 standard deviations per slab.

use rayon::prelude::*;
use theradose::io::Grid;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::{isotropic_rng, Particle, ParticleKind};
use theradose::phantom::{Phantom, Region};
use theradose::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use theradose::physics::photon::PhotonPhysics;
use theradose::rng::HistoryRng;
use theradose::transport::{Geometry, Transport};

const NZ: usize = 80;
const SLAB_CM: f64 = 0.05;
const LAT_CM: f64 = 0.8;
const DENSITIES: [f64; 3] = [1.0, 0.3, 1.8];
const E0: f64 = 0.5;
/// slabs within this distance of an end face are out of equilibrium and not tested
const MARGIN_SLABS: usize = 12;

fn density(k: usize) -> f64 {
    DENSITIES[k % DENSITIES.len()]
}

/// Per-slab sums over histories of the slab energy and its square.
fn run_chunk(t: &Transport, chunk: u64, n: u64) -> (Vec<f64>, Vec<f64>, [f64; 3], [f64; 3]) {
    let rho_max = DENSITIES.iter().cloned().fold(0.0, f64::max);
    let mut score = t.new_score();
    let mut stack = Vec::new();
    let (mut s1, mut s2) = (vec![0.0; NZ], vec![0.0; NZ]);
    let (mut c1, mut c2) = ([0.0; 3], [0.0; 3]);
    let mut slab = vec![0.0; NZ];
    for h in chunk * n..(chunk + 1) * n {
        let mut rng = HistoryRng::new(23, h);
        // uniform per unit mass in the central column: uniform in volume, kept with rho/rho_max
        let pos = loop {
            let z = rng.uniform() * NZ as f64 * SLAB_CM;
            let k = ((z / SLAB_CM) as usize).min(NZ - 1);
            if rng.uniform() * rho_max < density(k) {
                break Vec3::new(
                    LAT_CM * (1.0 + rng.uniform()),
                    LAT_CM * (1.0 + rng.uniform()),
                    z,
                );
            }
        };
        score.clear();
        let d = isotropic_rng(&mut rng);
        stack.push(Particle::new(ParticleKind::Electron, E0, pos, d));
        t.run(&mut rng, &mut stack, &mut score);
        assert!(score.escaped == 0.0 || pos.z < 0.6 || pos.z > NZ as f64 * SLAB_CM - 0.6);
        slab.iter_mut().for_each(|s| *s = 0.0);
        for &(bin, e) in score.entries() {
            slab[bin as usize / 9] += e;
        }
        let mut class = [0.0; 3];
        for (k, e) in slab.iter().enumerate() {
            s1[k] += e;
            s2[k] += e * e;
            if (MARGIN_SLABS..NZ - MARGIN_SLABS).contains(&k) {
                class[k % 3] += e;
            }
        }
        for c in 0..3 {
            c1[c] += class[c];
            c2[c] += class[c] * class[c];
        }
    }
    (s1, s2, c1, c2)
}

#[test]
fn fano_test_slabs_of_varying_density() {
    let w = MaterialDb::load().unwrap().get("water").unwrap().clone();
    let n_vox = 9 * NZ;
    let dens: Vec<f32> = (0..n_vox).map(|v| density(v / 9) as f32).collect();
    let region = |name: &str| Region {
        name: name.into(),
        reference_mass_g: None,
        source: None,
    };
    let ph = Phantom::new(
        "fano",
        Grid::new([3, 3, NZ], [10.0 * LAT_CM, 10.0 * LAT_CM, 10.0 * SLAB_CM]),
        vec![0; n_vox],
        dens,
        vec![1; n_vox],
        vec![w.clone()],
        vec![region("outside"), region("slabs")],
    )
    .unwrap();
    let photon = PhotonPhysics::new(std::slice::from_ref(&w)).unwrap();
    // 10 keV electron cut-off and delta threshold; no bremsstrahlung photons below 1 MeV
    let ep =
        ElectronPhysics::new(std::slice::from_ref(&w), CondensedParams::new(0.01, 1.0)).unwrap();
    let t = Transport::new(Geometry::Voxels(&ph), &photon, 1.0).with_electrons(&ep);
    let (chunks, per) = (40u64, 4000u64);
    let n = (chunks * per) as f64;
    let parts: Vec<_> = (0..chunks)
        .into_par_iter()
        .map(|c| run_chunk(&t, c, per))
        .collect();
    let (mut s1, mut s2) = (vec![0.0; NZ], vec![0.0; NZ]);
    let (mut c1, mut c2) = ([0.0; 3], [0.0; 3]);
    for (a1, a2, b1, b2) in &parts {
        for k in 0..NZ {
            s1[k] += a1[k];
            s2[k] += a2[k];
        }
        for c in 0..3 {
            c1[c] += b1[c];
            c2[c] += b2[c];
        }
    }
    // expected energy per history in slab k: E0 x (slab mass) / (column mass)
    let rho_sum: f64 = (0..NZ).map(density).sum();
    let expect = |k: usize| E0 * density(k) / rho_sum;
    let mean_sd = |a: f64, b: f64| {
        let m = a / n;
        (m, ((b / n - m * m).max(0.0) / (n - 1.0)).sqrt())
    };
    for c in 0..3 {
        let e: f64 = (MARGIN_SLABS..NZ - MARGIN_SLABS)
            .filter(|k| k % 3 == c)
            .map(expect)
            .sum();
        let (m, sd) = mean_sd(c1[c], c2[c]);
        let (r, u) = (m / e, sd / e);
        println!(
            "slabs of {} g/cm3: dose / expected = {r:.4} +- {u:.4}",
            DENSITIES[c]
        );
        assert!(
            (r - 1.0).abs() < 0.01 + 3.0 * u,
            "density {}: dose ratio {r} +- {u}",
            DENSITIES[c]
        );
    }
    let mut worst: f64 = 0.0;
    for k in MARGIN_SLABS..NZ - MARGIN_SLABS {
        let (m, sd) = mean_sd(s1[k], s2[k]);
        let (r, u) = (m / expect(k), sd / expect(k));
        worst = worst.max((r - 1.0).abs() / u);
        assert!(
            (r - 1.0).abs() < 0.01 + 4.0 * u,
            "slab {k} ({} g/cm3): dose ratio {r} +- {u}",
            density(k)
        );
    }
    println!("largest slab deviation: {worst:.2} standard deviations");
}
