//! Range rejection where a source's electrons are born (`BornLocal::range_test`,
//! `Transport::deposit_born`): an electron whose CSDA range is shorter than the distance to the
//! nearest face of its voxel is deposited there without a direction or a place on the stack,
//! as the step loop's range rejection (EGSnrc's, Kawrakow & Rogers, NRCC PIRS-701 section 3.6)
//! would have stopped it before its first step; the others are transported.
//!
//! Checks: (1) the bookkeeping of one decay's electrons, and of photons below the photon
//! cut-off (kept there too), exactly; (2) the whole transport with and without the test at
//! birth: 1 cm water voxels, 0.3 MeV electrons (CSDA range 0.084 cm, ESTAR) uniform in the
//! central voxel, isotropic. The range rejection does not depend on the direction, so both
//! must give the same energy per voxel within the statistics (chi-square of the 27 voxels'
//! difference below the 0.999 quantile of chi-square with 27 degrees of freedom, 55.5), and
//! the energy balance must close to 1e-12.

use theradose::io::Grid;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::{isotropic_rng, Particle, ParticleKind};
use theradose::phantom::{Phantom, Region};
use theradose::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use theradose::physics::photon::PhotonPhysics;
use theradose::rng::HistoryRng;
use theradose::transport::{Geometry, Transport};

const VOXEL_CM: f64 = 1.0;
const E0_MEV: f64 = 0.3;
const CUT_MEV: f64 = 0.05;
/// an X-ray below the 1 keV photon cut-off (MeV)
const X_MEV: f64 = 5e-4;

fn water_cube() -> Phantom {
    let w = MaterialDb::load().unwrap().get("water").unwrap().clone();
    let region = |name: &str| Region {
        name: name.into(),
        reference_mass_g: None,
        source: None,
    };
    Phantom::new(
        "cube",
        Grid::new([3, 3, 3], [10.0 * VOXEL_CM; 3]),
        vec![0; 27],
        vec![1.0; 27],
        vec![1; 27],
        vec![w],
        vec![region("outside"), region("water")],
    )
    .unwrap()
}

#[test]
fn born_electrons_are_deposited_or_stacked_by_their_range() {
    let ph = water_cube();
    let w = &ph.materials;
    let photon = PhotonPhysics::new(w).unwrap();
    let ep = ElectronPhysics::new(w, CondensedParams::new(CUT_MEV, 1.0)).unwrap();
    let t = Transport::new(Geometry::Voxels(&ph), &photon, 1e-3).with_electrons(&ep);
    let mut born = t.born_local();
    assert!(born.range_test);
    assert_eq!(born.max_mev, CUT_MEV);
    let centre = Vec3::new(1.5, 1.5, 1.5);
    // 0.01 cm from a face: a 0.3 MeV electron (range 0.084 cm) may leave
    let near_face = Vec3::new(1.99, 1.5, 1.5);
    for (pos, e) in [(centre, E0_MEV), (centre, 0.02), (near_face, E0_MEV)] {
        assert!(born.keep(ParticleKind::Electron, pos, e, false));
    }
    // a directed electron above the cut-off (a beam's) keeps its direction: not kept
    assert!(!born.keep(ParticleKind::Electron, centre, E0_MEV, true));
    assert!(!born.keep(ParticleKind::Photon, centre, E0_MEV, false));
    // photons below the photon cut-off (1 keV) stop where they are born, as in the photon
    // loop: one at the centre (deposited with the electrons there), one outside the grid
    // (counted below the cut-off, scored nowhere)
    assert_eq!(born.photon_below_mev, 1e-3);
    assert!(!born.keep(ParticleKind::Photon, centre, 1e-3, false));
    assert!(born.keep(ParticleKind::Photon, centre, X_MEV, false));
    assert!(born.keep(ParticleKind::Photon, Vec3::new(5.0, 1.5, 1.5), X_MEV, false));
    let mut rng = HistoryRng::new(1, 0);
    let mut stack = Vec::new();
    let mut score = t.new_score();
    t.deposit_born(&mut born, &mut rng, &mut stack, &mut score);
    assert!(born.sites.is_empty());
    assert_eq!(
        stack.len(),
        1,
        "only the electron near the face is transported"
    );
    let p: &Particle = &stack[0];
    assert_eq!(
        (p.kind, p.energy_mev, p.pos),
        (ParticleKind::Electron, E0_MEV, near_face)
    );
    assert!((p.dir.norm() - 1.0).abs() < 1e-12);
    // the two electrons and the photon at the centre: their sum in the central voxel (13); the
    // photon outside is below the cut-off too, and nothing escapes
    assert_eq!(score.entries(), &[(13, E0_MEV + 0.02 + X_MEV)]);
    assert!((score.below_cutoff - (E0_MEV + 0.02 + 2.0 * X_MEV)).abs() < 1e-15);
    assert_eq!(score.escaped, 0.0);
}

/// Energy per voxel (MeV per history, sums of x and x^2) and the energy balance of `n`
/// histories of 0.3 MeV electrons uniform in the central voxel.
fn run(range_test: bool, n: u64) -> (Vec<f64>, Vec<f64>, f64) {
    let ph = water_cube();
    let w = &ph.materials;
    let photon = PhotonPhysics::new(w).unwrap();
    let ep = ElectronPhysics::new(w, CondensedParams::new(CUT_MEV, 1.0)).unwrap();
    let t = Transport::new(Geometry::Voxels(&ph), &photon, 1e-3).with_electrons(&ep);
    let (mut s1, mut s2, mut unbalanced) = (vec![0.0; 27], vec![0.0; 27], 0.0f64);
    let mut born = t.born_local();
    born.range_test = range_test;
    let (mut stack, mut score) = (Vec::new(), t.new_score());
    for i in 0..n {
        let mut rng = HistoryRng::new(u64::from(range_test), i);
        let pos = Vec3::new(
            1.0 + rng.uniform(),
            1.0 + rng.uniform(),
            1.0 + rng.uniform(),
        );
        score.clear();
        if !born.keep(ParticleKind::Electron, pos, E0_MEV, false) {
            stack.push(Particle::new(
                ParticleKind::Electron,
                E0_MEV,
                pos,
                isotropic_rng(&mut rng),
            ));
        }
        t.deposit_born(&mut born, &mut rng, &mut stack, &mut score);
        t.run(&mut rng, &mut stack, &mut score);
        let mut per_voxel = [0.0; 27];
        for &(v, e) in score.entries() {
            per_voxel[v as usize] += e;
        }
        for v in 0..27 {
            s1[v] += per_voxel[v];
            s2[v] += per_voxel[v] * per_voxel[v];
        }
        let scored: f64 = per_voxel.iter().sum();
        unbalanced = unbalanced.max((E0_MEV - scored - score.escaped).abs());
    }
    (s1, s2, unbalanced)
}

#[test]
fn range_test_at_birth_leaves_the_voxel_energies_unchanged() {
    let n = 200_000u64;
    let (a1, a2, bal_a) = run(false, n);
    let (b1, b2, bal_b) = run(true, n);
    assert!(
        bal_a < 1e-12 && bal_b < 1e-12,
        "balance {bal_a:e} {bal_b:e}"
    );
    let nf = n as f64;
    let mut chi2 = 0.0;
    for v in 0..27 {
        let var = |s1: f64, s2: f64| (s2 / nf - (s1 / nf).powi(2)) / nf;
        let (va, vb) = (var(a1[v], a2[v]), var(b1[v], b2[v]));
        if va + vb > 0.0 {
            chi2 += (a1[v] / nf - b1[v] / nf).powi(2) / (va + vb);
        }
    }
    // the central voxel keeps most of the energy; its neighbours across the faces get some
    let centre = a1[13] / nf / E0_MEV;
    assert!(centre > 0.9 && centre < 0.999, "central fraction {centre}");
    assert!(a1[14] > 0.0 && b1[14] > 0.0);
    assert!(chi2 < 55.5, "chi2 {chi2:.1} over 27 voxels");
    println!("central fraction {centre:.5}, chi2 {chi2:.1} / 27");
}
