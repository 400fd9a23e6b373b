//! Validation of the condensed-history electron and positron transport (issue 3): energy
//! conservation per history, positron bookkeeping, CSDA path length, step-size independence,
//! chi-square tests of the delta-ray and hard elastic samplers, and scaled dose point kernels in
//! water against EGSnrc (`tests/reference/dpk_egsnrc_water.csv`: 15 keV, 0.1 and 1 MeV) and
//! EGSnrc-corrected ETRAN (`tests/reference/dpk_etran_water.csv`: 0.5 MeV).

use theradose::dosimetry::point_kernel::{run_kernel_with, KernelResult, KernelSpec, KernelSteps};
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::{isotropic_rng, Particle, ParticleKind};
use theradose::phantom::Phantom;
use theradose::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use theradose::physics::electron::elastic::Wentzel;
use theradose::physics::electron::{moller, Lepton, StoppingTable};
use theradose::physics::photon::PhotonPhysics;
use theradose::rng::HistoryRng;
use theradose::transport::{Geometry, Transport};
use theradose::units::ELECTRON_MASS_MEV;

/// The loaded data of the library.
fn ctx() -> theradose::context::Context {
    theradose::context::Context::load().unwrap()
}

fn water() -> theradose::materials::Material {
    MaterialDb::load().unwrap().get("water").unwrap().clone()
}

/// The unrestricted electron stopping table of `w` at 1 g/cm3 (its CSDA ranges are the r0 of
/// the kernels).
fn water_stopping(w: &theradose::materials::Material) -> StoppingTable {
    StoppingTable::new(
        &theradose::physics::electron::ElectronMedium::new(w, 1.0).unwrap(),
        Lepton::Electron,
        None,
    )
}

/// Per history: emitted (kinetic energy, plus 2 m c^2 for a positron) = deposited +
/// below_cutoff + escaped, to 1e-9 MeV; the scored bins hold deposited + below_cutoff.
/// Returns (histories where energy escaped, primaries that annihilated, primaries that left the
/// geometry); each primary must end in exactly one of the two ways or stop (electrons).
fn conservation(
    t: &Transport,
    kind: ParticleKind,
    e_mev: f64,
    start: Vec3,
    n: u64,
) -> (u64, u64, u64) {
    let mut score = t.new_score();
    let mut stack = Vec::new();
    let (mut escaped_some, mut annihilated, mut left) = (0, 0, 0);
    for h in 0..n {
        let mut rng = HistoryRng::new(5, h);
        score.clear();
        score.emitted = e_mev
            + if kind == ParticleKind::Positron {
                2.0 * ELECTRON_MASS_MEV
            } else {
                0.0
            };
        let d = isotropic_rng(&mut rng);
        let track = t.track_lepton(
            Particle::new(kind, e_mev, start, d),
            &mut rng,
            &mut stack,
            &mut score,
        );
        assert!(!(track.annihilated && track.escaped), "history {h}");
        annihilated += u64::from(track.annihilated);
        left += u64::from(track.escaped);
        t.run(&mut rng, &mut stack, &mut score);
        let out = score.deposited + score.below_cutoff + score.escaped;
        assert!(
            (out - score.emitted).abs() < 1e-9,
            "history {h}: emitted {} vs out {out}",
            score.emitted
        );
        let local = score.deposited + score.below_cutoff;
        assert!((score.scored_total() - local).abs() < 1e-9);
        escaped_some += u64::from(score.escaped > 0.0);
    }
    (escaped_some, annihilated, left)
}

#[test]
fn energy_conservation_and_positron_bookkeeping() {
    let w = water();
    let photon = PhotonPhysics::new(std::slice::from_ref(&w)).unwrap();
    let ep =
        ElectronPhysics::new(std::slice::from_ref(&w), CondensedParams::new(0.01, 0.01)).unwrap();
    // a sphere of 0.3 cm: 2 MeV electrons (range 0.98 cm) partly escape
    let sphere = Geometry::Sphere {
        radius_cm: 0.3,
        material: 0,
        density: 1.0,
        shells: 10,
    };
    let t = Transport::new(sphere, &photon, 0.01).with_electrons(&ep);
    let n = 2000;
    let (esc, _, _) = conservation(&t, ParticleKind::Electron, 2.0, Vec3::default(), n);
    assert!(esc > 0);
    // every positron annihilates (at rest or in flight) or escapes: the photons here (< 2 MeV)
    // cannot make pairs, so the count is exact
    let (_, ann, pesc) = conservation(&t, ParticleKind::Positron, 2.0, Vec3::default(), n);
    println!("2 MeV positrons, r = 0.3 cm: {ann} annihilations + {pesc} escaped of {n}");
    assert_eq!(ann + pesc, n);
    assert!(pesc > 0);
    // the sphere's tally counts them too (bins after the shells)
    let src = theradose::source::Source {
        escape: Vec::new(),
        particle: ParticleKind::Positron,
        spatial: theradose::source::Spatial::Point(Vec3::default()),
        spectrum: theradose::source::Spectrum::Mono(2.0),
    };
    let out =
        theradose::run::execute(&t, &src, &theradose::run::RunSettings::new(3, 4000)).unwrap();
    let (a_bin, e_bin) = t.annihilation_bin().unwrap();
    let a = out.tally.mean_and_rel_uncertainty(a_bin).0;
    let e = out.tally.mean_and_rel_uncertainty(e_bin).0;
    println!("tally: {a} annihilations + {e} escaped per positron");
    assert!((a + e - 1.0).abs() < 1e-12 && e > 0.0);

    // a 2 cm voxel cube of 1 mm water voxels, source near a face
    let ph = Phantom::homogeneous(w.clone(), 1.0, [20, 20, 20], 1.0, "water").unwrap();
    let tv = Transport::new(Geometry::Voxels(&ph), &photon, 0.01).with_electrons(&ep);
    let (esc, _, _) = conservation(
        &tv,
        ParticleKind::Electron,
        3.0,
        Vec3::new(1.0, 1.0, 0.2),
        n,
    );
    assert!(esc > 0);
    let (_, ann, pesc) = conservation(
        &tv,
        ParticleKind::Positron,
        1.0,
        Vec3::new(1.0, 1.0, 0.2),
        n,
    );
    assert_eq!(ann + pesc, n);
}

#[test]
fn csda_path_length_equals_csda_range() {
    // Without delta rays, bremsstrahlung and straggling the continuous loss is the total stopping
    // power, so the path to the cut-off must be R_CSDA(E0) - R_CSDA(E_cut) of the stopping table
    // (ICRU-37 theory as in ESTAR: 1 MeV water 0.4367 g/cm2), within 1%.
    let w = water();
    let photon = PhotonPhysics::new(std::slice::from_ref(&w)).unwrap();
    let mut prm = CondensedParams::new(0.01, 0.01);
    prm.hard_losses = false;
    prm.straggling = false;
    let ep = ElectronPhysics::new(std::slice::from_ref(&w), prm).unwrap();
    let sphere = Geometry::Sphere {
        radius_cm: 5.0,
        material: 0,
        density: 1.0,
        shells: 10,
    };
    let t = Transport::new(sphere, &photon, 0.01).with_electrons(&ep);
    let st = water_stopping(&w);
    let expect = st.csda_range(1.0) - st.csda_range(0.01);
    let mut score = t.new_score();
    let mut stack = Vec::new();
    let n = 200;
    let mut sum = 0.0;
    for h in 0..n {
        let mut rng = HistoryRng::new(9, h);
        let p = Particle::new(
            ParticleKind::Electron,
            1.0,
            Vec3::default(),
            Vec3::new(0.0, 0.0, 1.0),
        );
        sum += t.track_lepton(p, &mut rng, &mut stack, &mut score).path_cm;
        stack.clear();
    }
    let mean = sum / n as f64;
    println!("1 MeV path {mean:.5} cm vs CSDA range difference {expect:.5} g/cm2");
    assert!((mean / expect - 1.0).abs() < 0.01, "{mean} vs {expect}");
}

/// Chi-square statistic of `samples` (values in [lo, hi]) against the density `pdf` (any
/// normalisation) in `bins` equal bins of `map(value)`; returns (chi2, degrees of freedom).
fn chi2(samples: &[f64], bins: usize, lo: f64, hi: f64, pdf: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut counts = vec![0f64; bins];
    for &s in samples {
        let b = (((s - lo) / (hi - lo)) * bins as f64) as usize;
        counts[b.min(bins - 1)] += 1.0;
    }
    let sub = 200;
    let mut p = vec![0f64; bins];
    for (b, pb) in p.iter_mut().enumerate() {
        for k in 0..sub {
            let x = lo + (hi - lo) * (b as f64 + (k as f64 + 0.5) / sub as f64) / bins as f64;
            *pb += pdf(x);
        }
    }
    let tot: f64 = p.iter().sum();
    let n = samples.len() as f64;
    let c = counts
        .iter()
        .zip(&p)
        .map(|(o, e)| {
            let e = e / tot * n;
            (o - e).powi(2) / e
        })
        .sum();
    (c, (bins - 1) as f64)
}

/// Accept chi2 within 4 standard deviations of its mean (dof), sd = sqrt(2 dof).
fn assert_chi2(what: &str, (c, dof): (f64, f64)) {
    println!("{what}: chi2 = {c:.1} for {dof} dof");
    assert!(
        c < dof + 4.0 * (2.0 * dof).sqrt(),
        "{what}: chi2 {c} for {dof} dof"
    );
}

#[test]
fn moller_and_bhabha_samplers_follow_their_dcs() {
    // Moller (electrons, eps in [eps_c, 1/2]) and Bhabha (positrons, eps in [eps_c, 1]) DCS of
    // ICRU-37 / Geant4 G4MollerBhabhaModel; binned in ln(eps) to resolve the 1/eps^2 peak
    let mut rng = HistoryRng::new(3, 0);
    for (lepton, t) in [
        (Lepton::Electron, 1.0),
        (Lepton::Electron, 0.05),
        (Lepton::Positron, 1.0),
        (Lepton::Positron, 0.05),
    ] {
        let cut = 0.002;
        let s: Vec<f64> = (0..200_000)
            .map(|_| (moller::sample(lepton, t, cut, &mut rng) / t).ln())
            .collect();
        let (lo, hi) = ((cut / t).ln(), moller::max_fraction(lepton).ln());
        let r = chi2(&s, 50, lo, hi, |l| {
            let e = l.exp();
            moller::dcs(lepton, t, e) * e
        });
        assert_chi2(&format!("{lepton:?} {t} MeV"), r);
    }
}

#[test]
fn hard_elastic_sampler_follows_wentzel_dcs() {
    // dsigma/dx = k/(x + 2A)^2 on [x_c, 2] (x = 1 - cos theta); binned in ln(x)
    let mut rng = HistoryRng::new(4, 0);
    for (a, xc) in [(1e-4f64, 1e-3f64), (2e-2, 0.05), (1e-6, 0.0)] {
        let w = Wentzel { k: 1.0, a };
        let lo_x = xc.max(1e-12);
        let s: Vec<f64> = (0..200_000)
            .map(|_| w.sample_hard(xc, rng.uniform()).max(lo_x).ln())
            .collect();
        let r = chi2(&s, 50, lo_x.ln(), 2f64.ln(), |l| {
            let x = l.exp();
            x / (x + 2.0 * a).powi(2)
        });
        assert_chi2(&format!("Wentzel A = {a}, x_c = {xc}"), r);
    }
}

fn spec(e: f64, r0: f64, histories: u64) -> KernelSpec {
    KernelSpec {
        particle: "electron".into(),
        energy_mev: e,
        medium: "water".into(),
        radius_cm: 1.2 * r0,
        shells: 24,
        histories,
        seed: 17,
        threads: None,
        electron_cutoff_kev: None,
        photon_cutoff_kev: None,
        photon_electrons: Default::default(),
    }
}

/// The kernel of `s` with its default condensed-history parameters and the given steps.
fn kernel_with(s: &KernelSpec, steps: KernelSteps) -> KernelResult {
    run_kernel_with(&ctx(), s, s.condensed_params().unwrap(), steps).unwrap()
}

/// The kernel of `s` with its default condensed-history parameters and steps.
fn kernel(s: &KernelSpec) -> KernelResult {
    kernel_with(s, KernelSteps::default())
}

/// Column `col` of a reference kernel file in tests/reference/.
fn reference_in(file: &str, col: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference")
            .join(file),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('r'))
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect()
}

/// EGSnrc j(r/r0) column of `dpk_egsnrc_water.csv` (bins of 0.05 r0).
fn reference(col: usize) -> Vec<f64> {
    reference_in("dpk_egsnrc_water.csv", col)
}

/// ETRAN j(r/r0) column of `dpk_etran_water.csv` (values every 0.025 r0) averaged over the
/// 0.05 r0 bins of the EGSnrc table (Simpson's rule on the three values of each bin).
fn etran_binned(col: usize) -> Vec<f64> {
    let v = reference_in("dpk_etran_water.csv", col);
    (0..24)
        .map(|k| (v[2 * k] + 4.0 * v[2 * k + 1] + v[2 * k + 2]) / 6.0)
        .collect()
}

/// Energy fraction per shell and its absolute sigma.
fn with_sigma(r: &KernelResult) -> (Vec<f64>, Vec<f64>) {
    let s = r
        .fractions
        .iter()
        .zip(&r.rel_uncertainty)
        .map(|(f, u)| f * u)
        .collect();
    (r.fractions.clone(), s)
}

/// Scaled kernel j = (energy fraction per shell) / (shell width in r0) and its absolute sigma,
/// for the 24-shell kernels (0.05 r0 wide).
fn scaled(r: &KernelResult) -> (Vec<f64>, Vec<f64>) {
    let (f, s) = with_sigma(r);
    let by_width = |v: Vec<f64>| v.into_iter().map(|x| x / 0.05).collect();
    (by_width(f), by_width(s))
}

/// Chi-square of the difference of two kernels (values and absolute sigmas) over `shells`,
/// counting the shells where `counted(shell)` holds; returns (chi2, degrees of freedom).
fn chi2_of_difference(
    (a, sa): (&[f64], &[f64]),
    (b, sb): (&[f64], &[f64]),
    shells: std::ops::Range<usize>,
    counted: impl Fn(usize) -> bool,
) -> (f64, f64) {
    let (mut chi, mut dof) = (0.0, 0.0);
    for k in shells {
        let var = sa[k] * sa[k] + sb[k] * sb[k];
        if var > 0.0 && counted(k) {
            chi += (a[k] - b[k]).powi(2) / var;
            dof += 1.0;
        }
    }
    (chi, dof)
}

/// Largest |j - reference| for r/r0 < 0.9, as a fraction of the reference peak.
fn worst_deviation(j: &[f64], reference: &[f64]) -> f64 {
    let peak = reference.iter().cloned().fold(0.0, f64::max);
    j.iter()
        .zip(reference)
        .enumerate()
        .filter(|(i, _)| (*i as f64 + 0.5) * 0.05 < 0.9)
        .map(|(_, (a, b))| (a - b).abs() / peak)
        .fold(0.0, f64::max)
}

/// Largest deviation from the published EGSnrc kernels for r/r0 < 0.9, as a fraction of the
/// peak: issue 21's criterion (2%, with 2e5 histories, whose standard deviation is at most
/// 0.24% of the peak per shell at 1 MeV); issue 3 asked for 3%, which the 0.5 MeV kernel keeps,
/// its reference being ETRAN corrected by the EGSnrc-ETRAN difference at other energies.
const EGSNRC_TOLERANCE: f64 = 0.02;

/// Tolerance of the 0.5 MeV kernel, whose reference is a construction (ETRAN plus the
/// EGSnrc-ETRAN difference at 0.1 and 1 MeV): issue 3's 3% of the peak.
const CONSTRUCTED_REFERENCE_TOLERANCE: f64 = 0.03;

/// Compares a kernel with a reference; `tolerance` is the largest |j - reference| for
/// r/r0 < 0.9 as a fraction of the reference peak.
fn compare_dpk(e: f64, j: &[f64], reference: &[f64], tolerance: f64) {
    let peak = reference.iter().cloned().fold(0.0, f64::max);
    let mut worst: f64 = 0.0;
    for (i, (a, b)) in j.iter().zip(reference).enumerate() {
        let x = (i as f64 + 0.5) * 0.05;
        println!(
            "{e} MeV r/r0 {x:.3}: j = {a:.3}, reference {b:.3} ({:+.1}% of peak)",
            100.0 * (a - b) / peak
        );
        if x < 0.9 {
            worst = worst.max((a - b).abs() / peak);
        }
    }
    println!(
        "{e} MeV: largest deviation for r/r0 < 0.9: {:.2}% of the peak",
        100.0 * worst
    );
    assert!(
        worst < tolerance,
        "{e} MeV kernel deviates by {:.2}% of the peak",
        100.0 * worst
    );
}

#[test]
fn dose_point_kernels_match_egsnrc_and_do_not_depend_on_step_size() {
    // r0: CSDA range of the stopping table (ESTAR: 0.4367 and 0.01431 g/cm2)
    let st = water_stopping(&water());
    // 1 MeV, 10 keV cut-off as EGSnrc. 6e5 histories: at 2e5 the shells near 0.7 r0 scatter by
    // +-0.4% of the peak between seeds (session 16, six seeds of 3e5), on a systematic of about
    // 1.3% there against these spin-off kernels, which left the largest deviation at 1.1-1.7%
    // depending on the random sequence alone
    let s1 = spec(1.0, st.csda_range(1.0), 600_000);
    let base = kernel(&s1);
    let (j1, e1) = scaled(&base);
    compare_dpk(1.0, &j1, &reference(2), EGSNRC_TOLERANCE);
    // step-size independence: C1 (below and above 30 keV), C2, the step energy-loss fraction and
    // the geometric step limit all halved; the kernel must agree within its statistical
    // uncertainty (chi-square over the shells within 4 sd of its mean)
    let mut half = s1.condensed_params().unwrap();
    half.c1 *= 0.5;
    half.c1_high *= 0.5;
    half.c2 *= 0.5;
    half.max_loss_fraction *= 0.5;
    half.max_loss_fraction_low *= 0.5;
    let mut s1b = s1.clone();
    s1b.seed = 18;
    let (j2, e2) = scaled(
        &run_kernel_with(
            &ctx(),
            &s1b,
            half,
            KernelSteps {
                factor: 0.5,
                ..KernelSteps::default()
            },
        )
        .unwrap(),
    );
    let c = chi2_of_difference((&j1, &e1), (&j2, &e2), 0..j1.len(), |i| j1[i] > 0.01);
    assert_chi2("1 MeV kernel, halved steps vs default", c);
    // 100 keV, 1 keV cut-off as EGSnrc (the kernel default E/100)
    let s01 = spec(0.1, st.csda_range(0.1), 200_000);
    let (j, _) = scaled(&kernel(&s01));
    compare_dpk(0.1, &j, &reference(1), EGSNRC_TOLERANCE);
}

/// A kernel of coarse shells takes electron steps of at most 0.05 r0, not of a whole shell: the
/// 0.3 MeV kernel in 6 shells to 1.2 r0 (0.2 r0 each) matches the 24-shell kernel summed in
/// fours. With steps of a coarse shell it did not (session 17, against steps ended at every
/// collision: up to 0.74 % of the peak, chi2 160 over 6 shells at 1e6 histories; capped at
/// 0.05 r0, chi2 9.4).
#[test]
fn coarse_shells_do_not_lengthen_the_electron_steps() {
    let st = water_stopping(&water());
    let fine = spec(0.3, st.csda_range(0.3), 1_000_000);
    let mut coarse = fine.clone();
    coarse.shells = 6;
    coarse.seed = 18;
    let run = |s: &KernelSpec| theradose::dosimetry::point_kernel::run_kernel(&ctx(), s).unwrap();
    let (f, c) = (run(&fine), run(&coarse));
    let (mut chi, mut dof) = (0.0, 0.0);
    for k in 0..6 {
        let four = 4 * k..4 * k + 4;
        let sum: f64 = f.fractions[four.clone()].iter().sum();
        let var: f64 = four
            .map(|i| (f.fractions[i] * f.rel_uncertainty[i]).powi(2))
            .sum::<f64>()
            + (c.fractions[k] * c.rel_uncertainty[k]).powi(2);
        if var > 0.0 {
            chi += (c.fractions[k] - sum).powi(2) / var;
            dof += 1.0;
        }
    }
    assert_chi2("0.3 MeV kernel, 6 shells vs 24 summed in fours", (chi, dof));
}

/// Where the shells are narrower than 0.05 r0, a kernel's steps grow past the shell width with
/// their distance from the source point (half of it, to at most 0.05 r0): the 0.1 MeV kernel in
/// 48 shells to 1.2 r0 (0.025 r0 each) matches the same kernel with every step held to one
/// shell, over all shells and over the first 8 (to 0.2 r0), where a long step from the source
/// point shows. Steps of 0.05 r0 from the source point failed this (two seed pairs at 1e6
/// histories each: chi2 78 and 111 over 43 shells, 55 and 79 over the first 8, whose first two
/// moved by +-0.27 % of the peak); steps as long as the distance from the source point came
/// near the limit (18 and 25 over the first 8); half of it gave 12.8 and 12.6 (session 21).
#[test]
fn fine_shell_kernel_steps_grow_away_from_the_source() {
    let st = water_stopping(&water());
    let mut grown = spec(0.1, st.csda_range(0.1), 1_000_000);
    grown.shells = 48;
    let mut held = grown.clone();
    held.seed = 18;
    let (g, gs) = with_sigma(&kernel(&grown));
    let (h, hs) = with_sigma(&kernel_with(
        &held,
        KernelSteps {
            grow: false,
            ..KernelSteps::default()
        },
    ));
    let peak = h.iter().cloned().fold(0.0, f64::max);
    let chi2_over =
        |shells| chi2_of_difference((&g, &gs), (&h, &hs), shells, |k| h[k] > 0.01 * peak);
    assert_chi2(
        "0.1 MeV kernel in 48 shells, grown vs one-shell steps",
        chi2_over(0..48),
    );
    assert_chi2("the same, first 8 shells", chi2_over(0..8));
}

#[test]
fn positron_kernel_reports_annihilations() {
    let mut s = spec(0.5, 0.17, 2000);
    s.particle = "positron".into();
    s.radius_cm = 20.0;
    let r = theradose::dosimetry::point_kernel::run_kernel(&ctx(), &s).unwrap();
    let a = r.summary.annihilations.unwrap();
    // in a 20 cm sphere every 0.5 MeV positron annihilates
    assert!((a - 1.0).abs() < 1e-12, "annihilations per primary {a}");
    assert!(r.summary.energy_balance_relative_discrepancy < 1e-9);
}

// 0.05 and 2 MeV (issue 3) have no test: no numeric Monte Carlo kernel table at exactly these
// energies was found (searched 2026-11: Geant4 TestEm12 berger/ EGSnrc 10, 15, 100 keV, 1 MeV and
// ETRAN 10, 100, 500 keV, 1 MeV; OpenGATE GateBenchmarks t6_dpk, the same four EGSnrc files;
// Berger NBSIR 73-107, MIRD 7, Seltzer 1991, Uusijarvi 2009, Botta 2011, Maigne 2011 and
// Papadimitroulas 2012 are not available as text). Interpolating between energies is no reference.
#[test]
fn dose_point_kernels_at_15_kev_and_500_kev() {
    let st = water_stopping(&water());
    // 15 keV, 1 keV cut-off as EGSnrc (the kernel default E/100 clamped to 1 keV); 6e5
    // histories, as at 1 MeV: at 2e5 the largest deviation moved between 0.67 % and 1.43 % of
    // the peak with the random streams alone (session 19's straggling change)
    let s = spec(0.015, st.csda_range(0.015), 600_000);
    let (j, _) = scaled(&kernel(&s));
    compare_dpk(0.015, &j, &reference(4), EGSNRC_TOLERANCE);

    // 500 keV: no EGSnrc table was found; the published ETRAN kernel (Seltzer 1991) differs from
    // EGSnrc at 0.1 and 1 MeV by up to 6.6% and 4.6% of the peak, with the same shape at both
    // energies (ETRAN higher at the peak, lower in the tail). The reference is therefore the
    // ETRAN 500 keV kernel plus the EGSnrc - ETRAN difference of the published tables at 0.1 and
    // 1 MeV, interpolated in ln E (weight ln 5 / ln 10 on 1 MeV); tolerance 3% of the peak (issue
    // 3), looser than the 2% for the EGSnrc kernels since the reference is a construction.
    let s = spec(0.5, st.csda_range(0.5), 200_000);
    let (j, _) = scaled(&kernel(&s));
    let (et01, et05, et1) = (etran_binned(1), etran_binned(2), etran_binned(3));
    let (eg01, eg1) = (reference(1), reference(2));
    let wt = 5f64.ln() / 10f64.ln();
    let corrected: Vec<f64> = (0..24)
        .map(|k| et05[k] + wt * (eg1[k] - et1[k]) + (1.0 - wt) * (eg01[k] - et01[k]))
        .collect();
    println!(
        "500 keV vs the uncorrected ETRAN kernel: largest deviation {:.2}% of the peak",
        100.0 * worst_deviation(&j, &et05)
    );
    compare_dpk(0.5, &j, &corrected, CONSTRUCTED_REFERENCE_TOLERANCE);
}
