//! Statistical and analytic checks of photon sampling and transport:
//! - the Klein-Nishina sampler against its own density (chi-square);
//! - the free-path sampler against exp(-x) (chi-square with its tail, mean, variance);
//! - narrow-beam attenuation through a heterogeneous (water / cortical bone) slab tracked by the
//!   Woodcock transport, against exp(-sum mu_i x_i) from the coefficient tables;
//! - energy conservation per history in a water cube, with and without pair production.
//!
//! All runs use fixed seeds, so each test is deterministic; the statistical thresholds were
//! chosen before looking at the results (0.999 chi-square quantile, 3 standard errors).

use theradose::io::Grid;
use theradose::materials::MaterialDb;
use theradose::numerics::Vec3;
use theradose::particle::{Particle, ParticleKind};
use theradose::phantom::{Phantom, Region};
use theradose::physics::photon::compton::{
    klein_nishina_dcs, klein_nishina_total, sample_klein_nishina,
};
use theradose::physics::photon::{isotropic_direction, PhotonPhysics};
use theradose::rng::HistoryRng;
use theradose::tally::{ChunkScore, Tally, DEPOSIT_UNIT_MEV};
use theradose::transport::{Geometry, Transport};
use theradose::units::ELECTRON_MASS_MEV;

// ---------------------------------------------------------------------------------------------
// Klein-Nishina sampler

/// Regularized lower incomplete gamma P(a, x) by its power series (Abramowitz & Stegun 6.5.29),
/// adequate for the chi-square quantiles used here (a ~ 20, x ~ 36).
fn gamma_p(a: f64, x: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut n = a;
    for _ in 0..10_000 {
        n += 1.0;
        term *= x / n;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

/// ln Gamma(a) by the Lanczos approximation (g = 7, n = 9; Numerical Recipes 3rd ed. 6.1),
/// relative error below 1e-15 for a > 0.5.
fn ln_gamma(a: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = a - 1.0;
    let mut s = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        s += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// The p-quantile of the chi-square distribution with `df` degrees of freedom (bisection on
/// P(df/2, x/2)).
fn chi2_quantile(p: f64, df: usize) -> f64 {
    let (mut lo, mut hi) = (0.0, 10.0 * df as f64 + 100.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(0.5 * df as f64, 0.5 * mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[test]
fn chi2_quantile_matches_tables() {
    // 0.999 quantiles from standard tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4):
    // df = 10: 29.588, df = 39: 72.055, df = 50: 86.661.
    for (df, q) in [(10, 29.588), (39, 72.055), (50, 86.661)] {
        let c = chi2_quantile(0.999, df);
        assert!((c - q).abs() < 2e-3, "df {df}: {c} vs {q}");
    }
}

/// Integral of the Klein-Nishina d sigma / d cos(theta) over [c0, c1] (composite Simpson, 64
/// panels: the integrand is smooth, error far below the statistical resolution).
fn kn_integral(k_mev: f64, c0: f64, c1: f64) -> f64 {
    let n = 64;
    let h = (c1 - c0) / n as f64;
    let mut s = klein_nishina_dcs(k_mev, c0) + klein_nishina_dcs(k_mev, c1);
    for j in 1..n {
        let w = if j % 2 == 1 { 4.0 } else { 2.0 };
        s += w * klein_nishina_dcs(k_mev, c0 + j as f64 * h);
    }
    s * h / 3.0
}

#[test]
fn klein_nishina_sampler_matches_its_density() {
    // Chi-square test of cos(theta) in 40 equal bins on [-1, 1] with 1e6 samples per energy
    // (with 1e6 samples a sampler run at an energy 3 % off is rejected; with 2e5 it was not).
    // Expected bin probabilities: klein_nishina_dcs integrated over the bin, normalised by the
    // integral over [-1, 1], which must equal the closed-form klein_nishina_total (Klein &
    // Nishina 1929; checked to 1e-6). Threshold: the 0.999 quantile of chi-square with 39
    // degrees of freedom (72.05, computed here and checked against tables above), so a correct
    // sampler fails one energy with probability 1e-3. Every sample must also satisfy the Compton
    // relation eps = 1 / (1 + k (1 - cos theta)), k = E / m_e c^2, to 1e-12.
    let n_bins = 40;
    let n_samples = 1_000_000;
    let threshold = chi2_quantile(0.999, n_bins - 1);
    println!(
        "chi-square threshold (0.999, df {}): {threshold:.3}",
        n_bins - 1
    );
    for (idx, &e) in [0.03, 0.14, 0.511, 2.0].iter().enumerate() {
        let total = klein_nishina_total(e);
        let edges: Vec<f64> = (0..=n_bins)
            .map(|j| -1.0 + 2.0 * j as f64 / n_bins as f64)
            .collect();
        let p: Vec<f64> = edges
            .windows(2)
            .map(|w| kn_integral(e, w[0], w[1]))
            .collect();
        let norm: f64 = p.iter().sum();
        assert!(
            (norm / total - 1.0).abs() < 1e-6,
            "{e} MeV: integral {norm} vs total {total}"
        );
        let mut counts = vec![0u64; n_bins];
        let mut rng = HistoryRng::new(20_240_611, idx as u64);
        let k = e / ELECTRON_MASS_MEV;
        for _ in 0..n_samples {
            let (eps, cos_t) = sample_klein_nishina(e, &mut rng);
            assert!((-1.0..=1.0).contains(&cos_t), "cos {cos_t}");
            let eps_expect = 1.0 / (1.0 + k * (1.0 - cos_t));
            assert!(
                (eps / eps_expect - 1.0).abs() < 1e-12,
                "{e} MeV: eps {eps} but Compton relation gives {eps_expect} (cos {cos_t})"
            );
            let b = (((cos_t + 1.0) * 0.5 * n_bins as f64) as usize).min(n_bins - 1);
            counts[b] += 1;
        }
        let chi2: f64 = counts
            .iter()
            .zip(&p)
            .map(|(&c, &pi)| {
                let expect = n_samples as f64 * pi / norm;
                (c as f64 - expect).powi(2) / expect
            })
            .sum();
        println!(
            "Klein-Nishina {e} MeV: chi2 = {chi2:.2} (df {}, threshold {threshold:.2})",
            n_bins - 1
        );
        assert!(chi2 < threshold, "{e} MeV: chi2 {chi2} >= {threshold}");
    }
}

#[test]
fn free_path_sampler_is_exponential() {
    // `HistoryRng::mfp` (ziggurat, Marsaglia & Tsang 2000) against the exact density exp(-x):
    // chi-square in 42 bins, the 40 equal-probability bins x_j = -ln(1 - j/40) with the last one
    // split at 7 and 9 mean free paths so that the ziggurat's tail (beyond 7.70) is tested on its
    // own (expected 2e6 exp(-9) = 247 counts beyond 9). Threshold: the 0.999 chi-square quantile
    // for 41 degrees of freedom. Moments: mean 1 and variance 1 within 4 standard errors
    // (sqrt(1/n) and sqrt(8/n): the fourth central moment of exp(-x) is 9).
    let n = 2_000_000u64;
    let mut edges: Vec<f64> = (0..40).map(|j| -(1.0 - j as f64 / 40.0).ln()).collect();
    edges.extend([7.0, 9.0, f64::INFINITY]);
    let prob: Vec<f64> = edges
        .windows(2)
        .map(|w| (-w[0]).exp() - (-w[1]).exp())
        .collect();
    let mut counts = vec![0u64; prob.len()];
    let mut rng = HistoryRng::new(20_261_124, 0);
    let (mut s1, mut s2) = (0.0, 0.0);
    for _ in 0..n {
        let x = rng.mfp();
        assert!(x >= 0.0 && x.is_finite(), "free path {x}");
        s1 += x;
        s2 += x * x;
        counts[edges.partition_point(|&e| e <= x) - 1] += 1;
    }
    let nf = n as f64;
    let chi2: f64 = counts
        .iter()
        .zip(&prob)
        .map(|(&c, &p)| (c as f64 - nf * p).powi(2) / (nf * p))
        .sum();
    let threshold = chi2_quantile(0.999, prob.len() - 1);
    let (mean, var) = (s1 / nf, s2 / nf - (s1 / nf).powi(2));
    println!(
        "free paths: chi2 = {chi2:.2} (df {}, threshold {threshold:.2}), beyond 9: {} (expected \
         {:.0}), mean {mean:.5}, variance {var:.5}",
        prob.len() - 1,
        counts[prob.len() - 1],
        nf * prob[prob.len() - 1]
    );
    assert!(chi2 < threshold, "chi2 {chi2} >= {threshold}");
    assert!((mean - 1.0).abs() < 4.0 / nf.sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 4.0 * (8.0 / nf).sqrt(),
        "variance {var}"
    );
}

// ---------------------------------------------------------------------------------------------
// Narrow-beam attenuation with Woodcock tracking

/// Design of the narrow-beam test.
///
/// The phantom is one column of N voxels along z, alternating water (1.00 g/cm3) and cortical
/// bone (ICRU-44, 1.92 g/cm3), and only 0.1 um wide in x and y. A photon starts on the axis at
/// the entrance face heading +z and is tracked by `Transport::run` (Woodcock tracking with the
/// majorant of the bone). The transport does not report whether a photon interacted, only what
/// it deposited, so the observable is: the history deposited nothing (`scored_total() == 0`).
///
/// - an uncollided photon deposits nothing: probability T = exp(-sum_i mu_i x_i);
/// - a first incoherent, photoelectric or pair interaction always deposits (electrons are local);
/// - a first coherent interaction deposits nothing, and the deflected photon leaves the 0.1 um
///   column at the next Woodcock step unless it is scattered within ~1e-5 rad of the axis (the
///   chance of a later deposit is below 1e-5, i.e. below 1 % of one standard error).
///
/// Hence P(no deposit) = T + sum_i (mu_coh,i / mu_i) T_(<i) (1 - exp(-mu_i x_i)), where T_(<i) is
/// the transmission up to layer i. mu and mu_coh come from `PhotonPhysics::coefficients` (direct
/// evaluation of the tables) times the voxel density; the transport uses its own grid lookup and
/// the rejection of virtual collisions, which is what this tests. The uncollided part T is the
/// larger term (0.36 of 0.38-0.41 here). With 1e6 histories one standard error is 0.0005, so a
/// 0.5 % error in sum mu_i x_i (0.0018 in T) moves P by more than 3 sigma.
fn narrow_beam(e_mev: f64, n_voxels: usize, voxel_cm: f64, histories: u64, seed: u64) {
    let db = MaterialDb::load().unwrap();
    let water = db.get("water").unwrap().clone();
    let bone = db.get("cortical-bone").unwrap().clone();
    let rho = [1.0f64, 1.92];
    let width_mm = 1e-4; // 0.1 um (grid spacing is in mm)
    let grid = Grid::new([1, 1, n_voxels], [width_mm, width_mm, voxel_cm * 10.0]);
    let material: Vec<u8> = (0..n_voxels).map(|k| (k % 2) as u8).collect();
    let density: Vec<f32> = material.iter().map(|&m| rho[m as usize] as f32).collect();
    let regions = vec![
        Region {
            name: "outside".into(),
            reference_mass_g: None,
            source: None,
        },
        Region {
            name: "slab".into(),
            reference_mass_g: None,
            source: None,
        },
    ];
    let phantom = Phantom::new(
        "water-bone slab",
        grid,
        material.clone(),
        density,
        vec![1; n_voxels],
        vec![water.clone(), bone.clone()],
        regions,
    )
    .unwrap();
    let physics = PhotonPhysics::new(&[water, bone]).unwrap();
    let transport = Transport::new(Geometry::Voxels(&phantom), &physics, 1e-3);

    // expected probability of no deposit
    let mut t_before = 1.0f64;
    let mut p_coh_escape = 0.0f64;
    let mut sum_mu_x = 0.0f64;
    for &m in &material {
        let c = physics.coefficients(m as usize, e_mev);
        let mu = c.total() * rho[m as usize];
        let t_layer = (-mu * voxel_cm).exp();
        p_coh_escape += c.coherent / c.total() * t_before * (1.0 - t_layer);
        t_before *= t_layer;
        sum_mu_x += mu * voxel_cm;
    }
    let t_uncollided = t_before;
    let p_expect = t_uncollided + p_coh_escape;

    let w = phantom.voxel_cm[0];
    let start = Vec3::new(0.5 * w, 0.5 * w, 0.0);
    let dir = Vec3::new(0.0, 0.0, 1.0);
    let mut score = transport.new_score();
    let mut stack = Vec::new();
    let mut no_deposit = 0u64;
    for h in 0..histories {
        let mut rng = HistoryRng::new(seed, h);
        score.clear();
        score.emitted = e_mev;
        stack.push(Particle::new(ParticleKind::Photon, e_mev, start, dir));
        transport.run(&mut rng, &mut stack, &mut score);
        if score.scored_total() == 0.0 {
            no_deposit += 1;
            // nothing deposited: the photon left with its full energy
            assert_eq!(score.escaped, e_mev);
        }
    }
    let n = histories as f64;
    let p_meas = no_deposit as f64 / n;
    let sigma = (p_expect * (1.0 - p_expect) / n).sqrt();
    let z = (p_meas - p_expect) / sigma;
    println!(
        "narrow beam {:>6.3} MeV, {n_voxels} x {voxel_cm} cm water/bone: sum mu x = {sum_mu_x:.4}, \
         T = exp(-sum mu x) = {t_uncollided:.5}, + coherent-escape {p_coh_escape:.5} = {p_expect:.5}; \
         measured {p_meas:.5} +- {sigma:.5} (z = {z:+.2}); implied T = {:.5}",
        e_mev,
        p_meas - p_coh_escape
    );
    assert!(
        z.abs() <= 3.0,
        "{e_mev} MeV: no-deposit fraction {p_meas} vs expected {p_expect} ({z:+.2} sigma)"
    );
}

#[test]
fn narrow_beam_30_kev_through_water_and_bone() {
    // 10 layers of 0.7 mm: sum mu x ~ 1.03 (H&S: water 0.3756, bone 1.331 cm2/g at 30 keV)
    narrow_beam(0.030, 10, 0.07, 1_000_000, 11);
}

#[test]
fn narrow_beam_140_kev_through_water_and_bone() {
    // 10 layers of 4.5 mm: sum mu x ~ 1.0
    narrow_beam(0.1405, 10, 0.45, 1_000_000, 12);
}

#[test]
fn narrow_beam_1_mev_through_water_and_bone() {
    // 10 layers of 1 cm: sum mu x ~ 0.98 (H&S: water 0.07072, bone 0.06566 cm2/g at 1 MeV)
    narrow_beam(1.0, 10, 1.0, 1_000_000, 13);
}

// ---------------------------------------------------------------------------------------------
// Energy conservation per history

/// A 20 cm water cube of 1 cm voxels, isotropic point source at its centre. Every history must
/// account for its energy exactly: emitted = deposited + below_cutoff + escaped (to 1e-9
/// relative; the caller sets `emitted`, `Transport::run` does not). Each local deposit is scored
/// in its voxel bin (`scored_total()`) and in its region's extra bin (`extra_total()`, the
/// per-history region totals), so both equal deposited + below_cutoff; a history whose photons
/// all stayed inside scored its whole emitted energy. The folded tally must hold the same totals in
/// the voxel bins and in the region bin, to the fixed-point quantum.
fn energy_balance(e_mev: f64, histories: u64, seed: u64) {
    let db = MaterialDb::load().unwrap();
    let water = db.get("water").unwrap().clone();
    let phantom = Phantom::homogeneous(water.clone(), 1.0, [20, 20, 20], 10.0, "water").unwrap();
    let physics = PhotonPhysics::new(&[water]).unwrap();
    let c = physics.coefficients(0, e_mev);
    let pair_fraction = c.pair / c.total();
    if e_mev > 4.0 {
        assert!(
            pair_fraction > 0.01,
            "pair fraction {pair_fraction} at {e_mev} MeV"
        );
    }
    let transport = Transport::new(Geometry::Voxels(&phantom), &physics, 1e-3);
    let centre = Vec3::new(10.0, 10.0, 10.0);
    let mut score = transport.new_score();
    let mut chunk = ChunkScore::default();
    let mut tally = Tally::new(transport.n_bins());
    let mut stack = Vec::new();
    let (mut contained, mut escaped_some) = (0u64, 0u64);
    let (mut local_total, mut entries_bound) = (0.0f64, 0u64);
    for h in 0..histories {
        let mut rng = HistoryRng::new(seed, h);
        score.clear();
        score.emitted = e_mev;
        let dir = isotropic_direction(&mut rng);
        stack.push(Particle::new(ParticleKind::Photon, e_mev, centre, dir));
        transport.run(&mut rng, &mut stack, &mut score);
        let local = score.deposited + score.below_cutoff;
        let out = local + score.escaped;
        assert!(
            (score.emitted - out).abs() <= 1e-9 * score.emitted,
            "history {h}: emitted {} vs deposited {} + below cut-off {} + escaped {}",
            score.emitted,
            score.deposited,
            score.below_cutoff,
            score.escaped
        );
        assert!(
            (score.scored_total() - local).abs() <= 1e-9 * score.emitted
                && (score.extra_total() - local).abs() <= 1e-9 * score.emitted,
            "history {h}: scored {} (regions {}) vs local {}",
            score.scored_total(),
            score.extra_total(),
            local
        );
        if score.escaped == 0.0 {
            contained += 1;
            assert!((score.scored_total() - e_mev).abs() <= 1e-9 * e_mev);
        } else {
            escaped_some += 1;
        }
        local_total += local;
        entries_bound += 1;
        chunk.close_history(&mut score);
    }
    tally.absorb(&mut chunk);
    let n_vox = phantom.len();
    let q = DEPOSIT_UNIT_MEV;
    let voxel_sum: f64 = (0..n_vox).map(|b| tally.sum(b) as f64 * q).sum();
    let region_sum: f64 = (n_vox..tally.n_bins())
        .map(|b| tally.sum(b) as f64 * q)
        .sum();
    // each history rounds each bin to the quantum: at most n_bins_hit/2 quanta of error; bound
    // generously by (histories x 1000) quanta
    let tol = entries_bound as f64 * 1000.0 * q;
    assert!(
        (region_sum - local_total).abs() <= tol,
        "region bins {region_sum} vs {local_total}"
    );
    assert!(
        (voxel_sum - local_total).abs() <= tol,
        "voxel bins {voxel_sum} vs {local_total}"
    );
    assert!(tally.balance.relative_discrepancy() < 1e-12);
    assert_eq!(tally.histories, histories);
    println!(
        "energy balance {e_mev} MeV: {histories} histories ({contained} fully absorbed, \
         {escaped_some} with escape), pair/total {pair_fraction:.4}, absorbed fraction {:.4}, \
         run discrepancy {:.1e}",
        local_total / (histories as f64 * e_mev),
        tally.balance.relative_discrepancy()
    );
    // both kinds of history must occur for the checks above to mean something
    assert!(contained > 0 && escaped_some > 0);
}

#[test]
fn energy_is_conserved_per_history_at_1_mev() {
    energy_balance(1.0, 100_000, 21);
}

#[test]
fn energy_is_conserved_per_history_at_5_mev_with_pair_production() {
    // the first interaction is pair production (electron, positron, two 511 keV annihilation
    // photons) in a few percent of the histories; `energy_balance` asserts that fraction is > 1 %
    energy_balance(5.0, 100_000, 22);
}
