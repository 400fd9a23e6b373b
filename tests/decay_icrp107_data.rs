//! The ICRP-107 decay data of `data/decay/icrp107/` (issue 18) against ICRP Publication 107's own
//! numbers (K.F. Eckerman and A. Endo, Ann. ICRP 38(3), 2008):
//! - mean energy per decay by radiation type of EVERY nuclide, from the loaded tables, against
//!   tests/reference/icrp107_totals.csv (sum of E x yield of each emission list of the
//!   icrp107-database 0.0.3 JSON, written by scripts/gen_icrp107.py straight from the JSON), 0.5%;
//!   and the JSON totals against ICRP-07.NDX's own printed totals (5 decimals);
//! - each beta branch: the solved endpoint reproduces ICRP's branch mean within 0.1%, and lies
//!   within 2% of the ENDF/B-VIII.1 endpoint (data/decay/) where both list the branch;
//! - the largest solved beta- endpoint against the end of ICRP-07.BET's summed spectrum;
//! - sampled decays of 30 nuclides and of the Ac-225, Pb-212 and Ra-223 chains: mean energy per
//!   decay by type against the same totals, 0.5% where the statistics allow;
//! - chains (ICRP-07.NDX daughters and branching) and the nuclide list.
//!
//! The summed beta spectra against ICRP-07.BET are in tests/decay_icrp107_spectra.rs.

use std::collections::HashMap;
use theradose::rng::HistoryRng;
use theradose::source::bateman::Chain;
use theradose::source::nuclide::{self, DecayData, Emission, EmissionKind, Nuclide};

const ME: f64 = 0.510_998_95; // m_e c^2, MeV (CODATA 2018)

/// ICRP-107 totals (MeV per decay) by column name, per nuclide.
fn totals() -> HashMap<String, HashMap<String, f64>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/icrp107_totals.csv"
    ))
    .unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let row = header[1..]
                .iter()
                .zip(&f[1..])
                .map(|(h, v)| (h.to_string(), v.parse::<f64>().unwrap()))
                .collect();
            (f[0].to_string(), row)
        })
        .collect()
}

/// ICRP's totals in theradose's components: beta-, beta+, CE + Auger, gamma + X, annihilation,
/// alpha, recoil.
fn reference(t: &HashMap<String, f64>) -> [f64; 7] {
    [
        t["beta_minus"],
        t["beta_plus"],
        t["conversion"] + t["auger"],
        t["gamma"] + t["xray"],
        t["annihilation"],
        t["alpha"],
        t["recoil"],
    ]
}

const NAMES: [&str; 7] = [
    "beta-",
    "beta+",
    "CE+Auger",
    "gamma+X",
    "annihilation",
    "alpha",
    "recoil",
];

fn table(n: &Nuclide) -> [f64; 7] {
    let m = n.mean_energy();
    [
        m.beta_minus,
        m.beta_plus,
        m.ce_auger,
        m.photon,
        m.annihilation,
        m.alpha,
        m.recoil,
    ]
}

#[test]
fn every_nuclide_reproduces_icrp107_totals_and_branch_means() {
    let tot = totals();
    let names = nuclide::list(DecayData::Icrp107);
    // ICRP-107 lists 1,252 nuclides (Eckerman & Endo 2008, section 1)
    assert_eq!(names.len(), 1252);
    assert_eq!(tot.len(), 1252);
    let (mut worst, mut worst_branch) = ((0.0f64, String::new()), (0.0f64, String::new()));
    for name in &names {
        let n = Nuclide::load_from(name, DecayData::Icrp107).unwrap();
        assert_eq!(&n.name, name);
        let r = reference(&tot[name]);
        let t = table(&n);
        for k in 0..7 {
            // 0.5% (issue 18); components below 1e-9 MeV per decay compared absolutely
            let err = (t[k] - r[k]).abs() / r[k].max(1e-9);
            if err > worst.0 {
                worst = (err, format!("{name} {}", NAMES[k]));
            }
            assert!(
                err < 0.005,
                "{name} {}: table {} vs ICRP-107 {}",
                NAMES[k],
                t[k],
                r[k]
            );
        }
        // each solved branch has ICRP's mean within 0.1% (issue 18)
        for b in n.beta_minus.iter().chain(&n.ec_beta_plus) {
            let (Some(mean), Some(s)) = (b.mean_mev, &b.spectrum) else {
                panic!("{name}: ICRP branch without mean or spectrum");
            };
            let err = (s.mean_mev / mean - 1.0).abs();
            if err > worst_branch.0 {
                worst_branch = (err, format!("{name} mean {mean}"));
            }
            assert!(err < 1e-3, "{name}: branch mean {mean} -> {}", s.mean_mev);
            assert!(s.params.endpoint_mev > mean);
        }
    }
    eprintln!(
        "worst total {:.2e} ({}), worst branch mean {:.2e} ({})",
        worst.0, worst.1, worst_branch.0, worst_branch.1
    );
}

#[test]
fn icrp107_json_totals_agree_with_icrp07_ndx() {
    // ICRP-07.NDX prints alpha (incl. recoil; f7.0, 4 decimals, truncated), electron (beta-,
    // beta+, IE, Auger, and the delayed betas of spontaneous fission) and photon (gamma, X,
    // annihilation; f8.0, 5 decimals) energies per decay: the JSON sums must agree within 0.5%
    // or the printed digits (1e-4 MeV alpha, 1e-5 MeV electrons and photons)
    let tot = totals();
    for (name, t) in &tot {
        for (sum, ndx, digits) in [
            (t["alpha"] + t["recoil"], t["ndx_alpha"], 1e-4),
            (
                t["beta_minus"] + t["beta_plus"] + t["conversion"] + t["auger"] + t["beta_delayed"],
                t["ndx_electron"],
                1e-5,
            ),
            (
                t["gamma"] + t["xray"] + t["annihilation"],
                t["ndx_photon"],
                1e-5,
            ),
        ] {
            assert!(
                (sum - ndx).abs() <= 0.005 * ndx + digits,
                "{name}: JSON {sum} vs NDX {ndx}"
            );
        }
    }
}

/// (ENDF endpoint, ICRP solved endpoint, ENDF intensity, ICRP intensity) of the branches both
/// evaluations list: ICRP gives no level energies, so a branch is identified by its intensity
/// (within a factor 1.5) and, among those, the nearest endpoint, one to one (pairs taken in
/// order of their endpoint difference). Branches below 1e-4 per decay are left out (ENSDF's weak
/// branches differ between the evaluations and carry no dose).
fn matched(endf: &Nuclide, icrp: &Nuclide, plus: bool) -> Vec<(f64, f64, f64, f64)> {
    let pick = |n: &Nuclide| -> Vec<(f64, f64)> {
        if plus {
            n.ec_beta_plus
                .iter()
                .filter_map(|b| {
                    let s = b.spectrum.as_ref()?;
                    Some((s.params.endpoint_mev, b.positron_intensity))
                })
                .filter(|b| b.1 >= 1e-4)
                .collect()
        } else {
            n.beta_minus
                .iter()
                .map(|b| (b.energy_mev, b.intensity))
                .filter(|b| b.1 >= 1e-4)
                .collect()
        }
    };
    let (e, i) = (pick(endf), pick(icrp));
    let mut pairs = vec![];
    for (ki, b) in i.iter().enumerate() {
        for (ke, a) in e.iter().enumerate() {
            if b.1 / a.1 > 1.0 / 1.5 && b.1 / a.1 < 1.5 {
                pairs.push(((b.0 / a.0 - 1.0).abs(), ki, ke));
            }
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut used_i, mut used_e) = (vec![false; i.len()], vec![false; e.len()]);
    let mut out = vec![];
    for (_, ki, ke) in pairs {
        if !used_i[ki] && !used_e[ke] {
            used_i[ki] = true;
            used_e[ke] = true;
            out.push((e[ke].0, i[ki].0, e[ke].1, i[ki].1));
        }
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

/// Branches whose solved endpoint differs from ENDF's by more than 2%, with the reason: (nuclide,
/// ENDF endpoint MeV, or 0 for every branch of the nuclide, reason). ENDF endpoints from
/// data/decay/<name>.txt (ENDF/B-VIII.1), ICRP-107 means from its JSON. Every one of them is
/// below 0.4% per decay except the Pb-212 5% branch, the Dy-166 5% branch and those of Pb-211 and
/// Tb-152, whose evaluations differ as a whole; the main branches of the therapy nuclides agree
/// within 0.7% (Lu-177 -0.54%, Y-90 +0.03%, I-131 0.00%, Tb-161 -0.07%, Ho-166 -0.08%,
/// Re-188 -0.02%, Sm-153 +0.20%, Pb-212 +1.33%).
const ENDPOINT_EXCEPTIONS: &[(&str, f64, &str)] = &[
    ("Pb-211", 0.0, "every branch +12.3 keV: ICRP-107's Q(beta-) is 12 keV above ENDF's 1.367 MeV"),
    ("Pb-212", 0.15463, "both branches +4.4 keV: ICRP-107's Q(beta-) is 4 keV above ENDF's 0.5699 MeV"),
    ("Tb-152", 0.0, "ENDF (EVAL-NOV05) and ICRP-107 list different EC/beta+ feedings and Q: branches shift by +0.12 to +0.14 MeV and weak ones do not correspond"),
    ("Dy-166", 0.43266, "ICRP-107 gives two 4.84% branches (means 0.1413, 0.1462 MeV) where ENDF gives 5.0% and 2.0%: different feedings"),
    ("Na-22", 1.82102, "ground-state branch 3+ -> 0+ is second-forbidden unique; ENDF does not mark it and theradose gives it the allowed shape, ICRP-107's mean includes the unique shape"),
    ("I-131", 0.80687, "ground-state branch (0.48% in ICRP-107, 0.39% in ENDF), a forbidden transition: ICRP-107's mean 0.2832 MeV implies a harder shape than the allowed one theradose gives it"),
    ("Bi-207", 0.8058, "0.04% positron branch: different Q_EC in the two evaluations"),
    ("Ho-166", 0.02417, "0.04% branch of 24 keV: 0.7 keV difference of the level energy"),
    ("Sm-153", 0.65518, "0.04% branch: a level the two evaluations place differently"),
    ("Tb-161", 0.38058, "0.01% branch: a level the two evaluations place differently"),
    ("Y-86", 1.4295, "0.05% positron branch: a level the two evaluations place differently"),
    ("Y-86", 1.57573, "0.05% positron branch: a level the two evaluations place differently"),
];

#[test]
fn solved_endpoints_agree_with_endf() {
    let mut n_checked = 0;
    let mut worst = (0.0f64, String::new());
    let mut off = vec![];
    for name in nuclide::list(DecayData::Endf) {
        let endf = Nuclide::load_from(&name, DecayData::Endf).unwrap();
        let Ok(icrp) = Nuclide::load_from(&name, DecayData::Icrp107) else {
            continue;
        };
        for plus in [false, true] {
            for (e_endf, e_icrp, i_endf, i_icrp) in matched(&endf, &icrp, plus) {
                let rel = e_icrp / e_endf - 1.0;
                let what = format!(
                    "{name} {} ENDF {e_endf:.5} MeV ({i_endf:.4}) ICRP {e_icrp:.5} MeV ({i_icrp:.4}) {:+.2}%",
                    if plus { "beta+" } else { "beta-" },
                    rel * 100.0
                );
                eprintln!("{what}");
                n_checked += 1;
                if rel.abs() > worst.0 {
                    worst = (rel.abs(), what.clone());
                }
                if rel.abs() > 0.02 {
                    off.push((name.clone(), e_endf, what));
                }
            }
        }
    }
    eprintln!(
        "{n_checked} branches compared; worst {:.2}%: {}",
        worst.0 * 100.0,
        worst.1
    );
    for (name, e, what) in &off {
        let known = ENDPOINT_EXCEPTIONS
            .iter()
            .any(|x| x.0 == name && (x.1 == 0.0 || (x.1 / e - 1.0).abs() < 1e-3));
        assert!(known, "endpoint off by more than 2%: {what}");
    }
}

#[test]
fn largest_solved_endpoint_matches_icrp107_beta_spectrum() {
    // ICRP-07.BET tabulates each nuclide's summed beta spectrum (beta- and beta+) up to the
    // largest endpoint (Lu-177: 0.4978 MeV): for the medical nuclides (MEDICAL) the largest
    // solved endpoint must end there within 2%. Over all 927 nuclides with a BET spectrum (the
    // 28 spontaneous-fission nuclides left out: their BET spectrum holds the delayed betas of
    // the fission products, Cm-250: 4 MeV) 10 are off by more than 2% (printed; 90 before the
    // shapes of the nuclides without an ENDF table were chosen from ICRP-07.BET, issue 18:
    // Sr-90 +10.6% and K-40 +13.0% with the allowed shape, now -0.01% and +0.02%): forbidden
    // transitions to which ICRP-107 gives a shape factor that no unique order reproduces (Na-22,
    // I-131, Tc-99m, Y-90m, Bi-207 from the ENDF flags; As-71, Ge-66, N-16, Ca-45 with no order
    // within 2%; Ir-194m, whose most energetic branch changed with its chosen shape); their mean
    // energies are still ICRP's.
    let tot = totals();
    let (mut n, mut worst) = (0, (0.0f64, String::new()));
    let mut off = vec![];
    for (name, t) in &tot {
        let end = t["bspectrum_end_mev"];
        if end <= 0.0 || t["fission"] > 0.0 {
            continue;
        }
        let nuc = Nuclide::load_from(name, DecayData::Icrp107).unwrap();
        let max = nuc
            .beta_minus
            .iter()
            .filter_map(|b| Some(b.spectrum.as_ref()?.params.endpoint_mev))
            .chain(
                nuc.ec_beta_plus
                    .iter()
                    .filter_map(|b| Some(b.spectrum.as_ref()?.params.endpoint_mev)),
            )
            .fold(0.0, f64::max);
        let rel = max / end - 1.0;
        n += 1;
        let what = format!(
            "{name}: solved {max:.5} MeV, BET {end} MeV ({:+.2}%)",
            rel * 100.0
        );
        if rel.abs() > worst.0 {
            worst = (rel.abs(), what.clone());
        }
        if rel.abs() > 0.02 {
            eprintln!("off: {what}");
            if MEDICAL.contains(&name.as_str()) {
                off.push(what);
            }
        }
    }
    eprintln!("{n} nuclides; worst {:.2}%: {}", worst.0 * 100.0, worst.1);
    // I-131: its largest branch is the second forbidden one of SHAPE_EXCEPTIONS (+4.85%);
    // Tc-99m: its beta- branch (3.7e-5 per decay), 1/2- -> Ru-99 5/2+, is first forbidden unique
    // and not flagged (+12.6%)
    off.retain(|o| !o.starts_with("I-131:") && !o.starts_with("Tc-99m:"));
    let lu = Nuclide::load_from("Lu-177", DecayData::Icrp107).unwrap();
    let e0 = lu
        .beta_minus
        .iter()
        .map(|b| b.energy_mev)
        .fold(0.0, f64::max);
    // ICRP-07.BET: Lu-177 spectrum ends at 0.4978 MeV
    assert!((e0 / 0.4978 - 1.0).abs() < 0.002, "Lu-177 E0 {e0}");
    assert!(off.is_empty(), "off by more than 2%: {off:?}");
}

/// The therapy, imaging and theranostic nuclides of the sampled and spectrum tests.
const MEDICAL: [&str; 36] = [
    "Lu-177", "Y-90", "I-131", "Tb-161", "Ac-225", "Pb-212", "Ra-223", "Zr-89", "Cu-64", "Ga-68",
    "F-18", "Tc-99m", "In-111", "I-123", "I-125", "Sm-153", "Ho-166", "Re-188", "Sr-89", "P-32",
    "Tb-149", "Tb-152", "Tb-155", "Sc-44", "Sc-47", "Cu-67", "Pb-203", "Er-169", "At-211",
    "Th-227", "Re-186", "Bi-212", "Bi-213", "Tl-208", "Cs-137", "Lu-177m",
];

// ---- sampled decays ----

/// Energy of one decay by component; an electron at the energy of a tabulated line is a
/// conversion or Auger electron, any other electron a beta particle.
fn classify(nuc: &Nuclide, out: &[Emission], d: &mut [f64; 7]) {
    for e in out {
        let t = e.energy_mev;
        match e.kind {
            EmissionKind::Electron if nuc.electrons.iter().any(|l| l.energy_mev == t) => d[2] += t,
            EmissionKind::Electron => d[0] += t,
            EmissionKind::Positron => {
                d[1] += t;
                d[4] += 2.0 * ME;
            }
            EmissionKind::Photon => d[3] += t,
            EmissionKind::Alpha => d[5] += t,
            EmissionKind::Recoil => d[6] += t,
        }
    }
}

/// Mean and standard error per parent decay of each component for `n` parent decays; member j
/// decays floor(r_j) times plus once with probability frac(r_j).
fn sample(members: &[(Nuclide, f64)], n: u64, seed: u64) -> ([f64; 7], [f64; 7]) {
    let (mut s, mut s2) = ([0.0; 7], [0.0; 7]);
    let mut out = Vec::new();
    for i in 0..n {
        let mut rng = HistoryRng::new(seed, i);
        let mut d = [0.0; 7];
        for (m, r) in members {
            let times = r.floor() as usize + usize::from(rng.uniform() < r - r.floor());
            for _ in 0..times {
                out.clear();
                m.sample_decay(&mut rng, &mut out);
                classify(m, &out, &mut d);
            }
        }
        for k in 0..7 {
            s[k] += d[k];
            s2[k] += d[k] * d[k];
        }
    }
    let nf = n as f64;
    let mean = s.map(|v| v / nf);
    let mut se = [0.0; 7];
    for k in 0..7 {
        se[k] = ((s2[k] / nf - mean[k] * mean[k]).max(0.0) / nf).sqrt();
    }
    (mean, se)
}

/// Decays per nuclide or chain (a few seconds in all in release builds).
const N_DECAYS: u64 = 200_000;

/// Checks sampled means against ICRP-107's totals: within 0.5% where the standard error allows
/// (4 standard errors <= 0.5%), else within 4 standard errors (then a test of the sampler
/// against the same reference at the precision the history count gives). Returns the number of
/// components checked at 0.5%.
fn check_sampled(what: &str, mean: &[f64; 7], se: &[f64; 7], reference: &[f64; 7]) -> usize {
    let mut at_half_percent = 0;
    for k in 0..7 {
        let r = reference[k];
        if r < 1e-6 {
            // components ICRP gives as (almost) zero must sample as (almost) zero
            assert!(
                mean[k] < 1e-5 + 4.0 * se[k],
                "{what} {}: {}",
                NAMES[k],
                mean[k]
            );
            continue;
        }
        let tol = if 4.0 * se[k] <= 0.005 * r {
            at_half_percent += 1;
            0.005 * r
        } else {
            4.0 * se[k]
        };
        eprintln!(
            "{what:16} {:13} ICRP {r:.6} sampled {:+.3}% (se {:.3}%, tolerance {:.2}%)",
            NAMES[k],
            (mean[k] / r - 1.0) * 100.0,
            se[k] / r * 100.0,
            tol / r * 100.0
        );
        assert!(
            (mean[k] - r).abs() <= tol,
            "{what} {}: sampled {} vs ICRP-107 {r}",
            NAMES[k],
            mean[k]
        );
    }
    at_half_percent
}

#[test]
fn sampled_decays_reproduce_icrp107_totals() {
    let tot = totals();
    // therapy, imaging and theranostic nuclides (issue 18's list and the ones a user asks for)
    let names = [
        "Lu-177", "Y-90", "I-131", "Tb-161", "Ac-225", "Pb-212", "Ra-223", "Zr-89", "Cu-64",
        "Ga-68", "F-18", "Tc-99m", "In-111", "I-123", "I-125", "Sm-153", "Ho-166", "Re-188",
        "Sr-89", "P-32", "Tb-149", "Tb-152", "Tb-155", "Sc-44", "Sc-47", "Cu-67", "Pb-203",
        "Er-169", "At-211", "Th-227",
    ];
    let mut strict = 0;
    for (i, name) in names.iter().enumerate() {
        let n = Nuclide::load_from(name, DecayData::Icrp107).unwrap();
        let (mean, se) = sample(&[(n, 1.0)], N_DECAYS, 1000 + i as u64);
        strict += check_sampled(name, &mean, &se, &reference(&tot[*name]));
    }
    eprintln!("{strict} components checked at 0.5%");
}

#[test]
fn sampled_chains_reproduce_icrp107_totals() {
    // reference: sum over members of (decays per parent decay at secular equilibrium, from
    // ICRP-07.NDX branching) x ICRP-107 totals of the member
    let tot = totals();
    for (i, parent) in ["Ac-225", "Pb-212", "Ra-223"].iter().enumerate() {
        let p = Nuclide::load_from(parent, DecayData::Icrp107).unwrap();
        let chain = Chain::from_nuclide(&p).unwrap();
        let ratios = chain.secular_ratios();
        let mut reference_sum = [0.0; 7];
        let mut members = vec![];
        for (m, r) in chain.names.iter().zip(&ratios) {
            let rm = reference(&tot[m]);
            for k in 0..7 {
                reference_sum[k] += r * rm[k];
            }
            members.push((Nuclide::load_from(m, DecayData::Icrp107).unwrap(), *r));
        }
        let (mean, se) = sample(&members, N_DECAYS, 2000 + i as u64);
        check_sampled(&format!("{parent} chain"), &mean, &se, &reference_sum);
    }
}

#[test]
fn chains_follow_icrp07_ndx() {
    // ICRP-07.NDX: Ac-225 -> Fr-221 -> At-217 -> Bi-213 -> Po-213 (97.8%) / Tl-209 (2.2%) ->
    // Pb-209; Bi-212 -> Po-212 64.06%, Tl-208 35.94%
    let names = |p: &str| {
        let n = Nuclide::load_from(p, DecayData::Icrp107).unwrap();
        Chain::from_nuclide(&n).unwrap()
    };
    let c = names("Ac-225");
    for m in [
        "Ac-225", "Fr-221", "At-217", "Bi-213", "Po-213", "Tl-209", "Pb-209",
    ] {
        assert!(c.names.iter().any(|n| n == m), "{m} not in {:?}", c.names);
    }
    let c = names("Pb-212");
    let r = c.secular_ratios();
    let at = |n: &str| r[c.names.iter().position(|x| x == n).unwrap()];
    assert!((at("Po-212") - 0.6406).abs() < 1e-9 && (at("Tl-208") - 0.3594).abs() < 1e-9);
    let c = names("Ra-223");
    for m in ["Rn-219", "Po-215", "Pb-211", "Bi-211", "Tl-207", "Po-211"] {
        assert!(c.names.iter().any(|n| n == m), "{m} not in {:?}", c.names);
    }
    // chains of nuclides that have no ENDF table (ICRP-07.NDX): Th-226 (30.6 min) -> Ra-222
    // (38 s) -> Rn-218 (35 ms) -> Po-214 (164 us) -> Pb-210 (22.2 y: longer than the parent, ends
    // the chain); Tb-149 (4.1 h): EC to Gd-149 (9.28 d) and alpha to Eu-145 (5.93 d), both
    // longer-lived: the chain is the parent alone
    let c = names("Th-226");
    assert_eq!(c.names, ["Th-226", "Ra-222", "Rn-218", "Po-214"]);
    assert_eq!(names("Tb-149").names, ["Tb-149"]);
    // isomers: Tc-99m -> Tc-99 (longer-lived: not a member); Lu-177m -> Lu-177 (IT)
    assert_eq!(names("Tc-99m").names, vec!["Tc-99m".to_string()]);
    // second isomers ("n"): Sb-124n (20.2 min) -> IT -> Sb-124m (93 s) -> IT 75% Sb-124
    // (60.2 d, ends the chain), beta- 25% to stable Te-124
    let c = names("sb124n");
    assert_eq!(c.names, ["Sb-124n", "Sb-124m"]);
    assert!((c.secular_ratios()[1] - 1.0).abs() < 1e-12);
}

#[test]
fn lists_and_names() {
    let icrp = nuclide::list(DecayData::Icrp107);
    let endf = nuclide::list(DecayData::Endf);
    assert_eq!(icrp.len(), 1252);
    assert_eq!(endf.len(), 76);
    // every ENDF nuclide is in ICRP-107
    for n in &endf {
        assert!(icrp.contains(n), "{n}");
    }
    assert_eq!(nuclide::canonical_name("99mTc"), "Tc-99m");
    assert_eq!(nuclide::canonical_name("bi212n"), "Bi-212n");
    assert_eq!(nuclide::canonical_name("54Mn"), "Mn-54");
    assert_eq!(nuclide::canonical_name("170Tm"), "Tm-170");
    assert_eq!(nuclide::canonical_name("113sn"), "Sn-113");
    assert!(Nuclide::load("Sc-43").is_ok() && Nuclide::load("Tb-152").is_ok());
    let err = Nuclide::load("Lu-200").unwrap_err().to_string();
    assert!(err.contains("ICRP-107") && err.contains("Lu-180"), "{err}");
    let err = Nuclide::load_from("Lu-178", DecayData::Endf)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ENDF") && err.contains("Lu-177"), "{err}");
    assert_eq!("endf".parse::<DecayData>().unwrap(), DecayData::Endf);
    assert_eq!("ICRP107".parse::<DecayData>().unwrap(), DecayData::Icrp107);
    assert_eq!(DecayData::default(), DecayData::Icrp107);
    assert_eq!(serde_json::to_string(&DecayData::Endf).unwrap(), "\"endf\"");
}
