//! Bateman solution against the analytic two- and three-member solutions (Bateman 1910; e.g.
//! Cetnar, Ann. Nucl. Energy 33 (2006) 640, eq. 2), a branching chain, and chain equilibrium
//! ratios of the Pb-212 and Ac-225 chains from the decay data against ICRP-107 activity ratios
//! (tests/reference/decay_icrp107.csv: radioactivedecay 0.6.1 with ICRP-107 data).

use theradose::source::bateman::Chain;
use theradose::source::nuclide::{DecayData, Nuclide};

fn lam(t_half: f64) -> f64 {
    std::f64::consts::LN_2 / t_half
}

#[test]
fn two_member_analytic() {
    // A (10 h) -> B (1 h): N_B = N_A0 l_A / (l_B - l_A) (exp(-l_A t) - exp(-l_B t))
    let c = Chain::new(&["A", "B"], &[36_000.0, 3_600.0], &[(0, 1, 1.0)]).unwrap();
    let s = c.solve(&[1e6, 0.0]).unwrap();
    let (la, lb) = (lam(36_000.0), lam(3_600.0));
    for t in [0.0, 600.0, 3_600.0, 36_000.0, 200_000.0] {
        let n = s.atoms(t);
        let nb = 1e6 * la / (lb - la) * ((-la * t).exp() - (-lb * t).exp());
        assert!((n[0] - 1e6 * (-la * t).exp()).abs() <= 1e-9 * 1e6);
        assert!((n[1] - nb).abs() <= 1e-9 * 1e6, "t {t}: {} vs {nb}", n[1]);
    }
}

#[test]
fn three_member_analytic() {
    // A -> B -> C with initial A and B; the Bateman sum over the exponentials of A, B and C
    let th = [50_000.0, 8_000.0, 1_000.0];
    let c = Chain::new(&["A", "B", "C"], &th, &[(0, 1, 1.0), (1, 2, 1.0)]).unwrap();
    let (n_a0, n_b0) = (1e6, 2e5);
    let s = c.solve(&[n_a0, n_b0, 0.0]).unwrap();
    let l = th.map(lam);
    for t in [100.0, 5_000.0, 50_000.0, 300_000.0] {
        let e = l.map(|x| (-x * t).exp());
        let from_a = n_a0
            * l[0]
            * l[1]
            * (e[0] / ((l[1] - l[0]) * (l[2] - l[0]))
                + e[1] / ((l[0] - l[1]) * (l[2] - l[1]))
                + e[2] / ((l[0] - l[2]) * (l[1] - l[2])));
        let from_b = n_b0 * l[1] / (l[2] - l[1]) * (e[1] - e[2]);
        let n = s.atoms(t);
        assert!((n[2] - (from_a + from_b)).abs() <= 1e-9 * n_a0, "t {t}");
    }
}

#[test]
fn branching_chain_conserves_atoms_and_splits_by_branching() {
    // A -> B (0.3), A -> C (0.7), B -> D, C -> D (stable): total atoms are conserved and the
    // atoms that passed through B are 0.3 of those that left A
    let inf = f64::INFINITY;
    let c = Chain::new(
        &["A", "B", "C", "D"],
        &[1_000.0, 300.0, 50.0, inf],
        &[(0, 1, 0.3), (0, 2, 0.7), (1, 3, 1.0), (2, 3, 1.0)],
    )
    .unwrap();
    let s = c.solve(&[1.0, 0.0, 0.0, 0.0]).unwrap();
    let (la, lb) = (lam(1_000.0), lam(300.0));
    for t in [10.0, 500.0, 3_000.0, 20_000.0] {
        let n = s.atoms(t);
        assert!((n.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let nb = 0.3 * la / (lb - la) * ((-la * t).exp() - (-lb * t).exp());
        assert!((n[1] - nb).abs() < 1e-12);
    }
    assert_eq!(c.secular_ratios(), vec![1.0, 0.3, 0.7, 1.0]);
}

#[test]
fn pb212_transient_equilibrium() {
    // ICRP-107 / radioactivedecay 0.6.1, activity ratios to Pb-212 at 3 d from pure Pb-212:
    // Bi-212 1.1048, Po-212 0.70773, Tl-208 0.39897. Transient equilibrium: Bi-212/Pb-212 =
    // l_Bi / (l_Bi - l_Pb) = 1 / (1 - 60.55 min / 10.64 h), 10% above the branching-product
    // (secular) ratio 1. Tolerance 0.2% (ENDF and ICRP half-lives and branchings agree to 0.05%).
    let pb = Nuclide::load("Pb-212").unwrap();
    let c = Chain::from_nuclide(&pb).unwrap();
    let mut n0 = vec![0.0; c.names.len()];
    n0[0] = 1e10;
    let a = c.solve(&n0).unwrap().activities(3.0 * 86_400.0);
    let ratio = |name: &str| a[c.names.iter().position(|n| n == name).unwrap()] / a[0];
    for (name, reference) in [("Bi-212", 1.1048), ("Po-212", 0.70773), ("Tl-208", 0.39897)] {
        let r = ratio(name);
        eprintln!("{name}/Pb-212 at 3 d: {r:.5} (ICRP-107 via radioactivedecay {reference})");
        assert!(
            (r / reference - 1.0).abs() < 0.002,
            "{name}: {r} vs {reference}"
        );
    }
    let (l_pb, l_bi) = (c.lambda_per_s[0], c.lambda_per_s[1]);
    assert!((ratio("Bi-212") - l_bi / (l_bi - l_pb)).abs() < 1e-6);
    // secular (branching-product) ratios used by `decay --chain`
    let sec = c.secular_ratios();
    assert!((sec[1] - 1.0).abs() < 1e-12);
}

#[test]
fn ac225_chain_ratios_at_10_days() {
    // radioactivedecay 0.6.1 (ICRP-107), pure Ac-225 at t = 0, activity ratios at 10 d:
    // Fr-221 1.0003, At-217 1.0003, Bi-213 1.0034, Po-213 0.98243, Pb-209 1.0172, Tl-209
    // 0.02097 (0.2%). The default data are ICRP-107 (issue 18), so Tl-209 is checked against
    // radioactivedecay's ICRP-107 ratio directly; with ENDF/B-VIII.1 (Bi-213 alpha branching
    // 0.0220 vs ICRP's 0.0209: 5% apart by evaluation) against 0.0220 x Bi-213's ratio.
    let ac = Nuclide::load("Ac-225").unwrap();
    let c = Chain::from_nuclide(&ac).unwrap();
    let mut n0 = vec![0.0; c.names.len()];
    n0[0] = 1e12;
    let a = c.solve(&n0).unwrap().activities(10.0 * 86_400.0);
    let ratio = |name: &str| a[c.names.iter().position(|n| n == name).unwrap()] / a[0];
    let refs = [
        ("Fr-221", 1.0003),
        ("At-217", 1.0003),
        ("Bi-213", 1.0034),
        ("Pb-209", 1.0172),
    ];
    for (name, reference) in refs {
        let r = ratio(name);
        eprintln!("{name}/Ac-225 at 10 d: {r:.5} (ICRP-107 via radioactivedecay {reference})");
        assert!(
            (r / reference - 1.0).abs() < 0.002,
            "{name}: {r} vs {reference}"
        );
    }
    // Po-213 = 0.978 (ENDF; ICRP 0.9791) x Bi-213 ratio
    let po = ratio("Po-213");
    assert!((po / 0.98243 - 1.0).abs() < 0.002, "Po-213: {po}");
    let tl = ratio("Tl-209");
    assert!((tl / 0.02097 - 1.0).abs() < 0.002, "Tl-209: {tl}");
    let endf =
        Chain::from_nuclide(&Nuclide::load_from("Ac-225", DecayData::Endf).unwrap()).unwrap();
    let mut n0e = vec![0.0; endf.names.len()];
    n0e[0] = 1e12;
    let ae = endf.solve(&n0e).unwrap().activities(10.0 * 86_400.0);
    let ratio_e = |name: &str| ae[endf.names.iter().position(|n| n == name).unwrap()] / ae[0];
    let tl_e = ratio_e("Tl-209");
    assert!(
        (tl_e / (0.022 * ratio_e("Bi-213")) - 1.0).abs() < 0.002,
        "ENDF Tl-209: {tl_e}"
    );
    assert!(
        c.names.iter().all(|n| n != "Bi-209"),
        "stable Bi-209 has no data file"
    );
}
