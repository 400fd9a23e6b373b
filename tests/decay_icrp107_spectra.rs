//! ICRP-107 summed beta spectra (issue 18): theradose's Fermi-theory spectra, with each branch's
//! endpoint solved from ICRP's branch mean, against ICRP-07.BET (ICRP Publication 107, K.F.
//! Eckerman and A. Endo, Ann. ICRP 38(3), 2008), copied by scripts/gen_icrp107.py to
//! tests/reference/icrp107_beta_spectra.csv for 30 beta emitters. (Moved out of
//! tests/decay_icrp107_data.rs, which holds the other ICRP-107 checks.)

use theradose::source::nuclide::{DecayData, Nuclide};

/// Nuclides whose ICRP-07.BET spectrum theradose does not reproduce within the tolerance, with
/// the reason: ICRP-107 gives the second-forbidden non-unique ground-state branches of Cs-137
/// and I-131 an experimental shape factor; theradose gives non-unique forbidden branches the
/// allowed shape, or (Tc-99, Rb-87: no ENDF table) the unique shape chosen from ICRP-07.BET
/// (scripts/icrp107_shapes.csv), which is only an effective one.
const SHAPE_EXCEPTIONS: &[(&str, &str)] = &[
    ("Cs-137", "1.176 MeV branch (5.6%), 7/2+ -> 3/2+, second forbidden non-unique: ICRP's shape factor; -18% at 1 MeV"),
    ("I-131", "0.807 MeV branch (0.48%), 7/2+ -> 3/2+, second forbidden non-unique: ICRP's shape factor; -9.5% at 0.65 MeV where that branch alone remains"),
    ("Tc-99", "0.294 MeV branch (100%), 9/2+ -> 5/2+, second forbidden non-unique: ICRP's shape factor; theradose's effective shape, chosen from ICRP-07.BET (first unique: endpoint +0.3%, allowed +17%), +2.4% at 0.26 MeV"),
    ("Rb-87", "0.283 MeV branch (100%), 3/2- -> 9/2+, third forbidden non-unique: ICRP's shape factor; theradose's effective shape, chosen from ICRP-07.BET (second unique: endpoint +0.9%, allowed +35%), +3.7% at 0.24 MeV"),
    ("Ho-166", "with its 1.774 MeV branch (48.7%, 0- -> 2+) first forbidden unique (scripts/gen_icrp107.py; allowed gave -20%), mean 0.46%, +4.0% at 1.6 MeV: cause not identified (Y-90's first unique shape agrees within 0.2%)"),
];

#[test]
fn summed_beta_spectra_match_icrp07_bet() {
    // ICRP-07.BET (tests/reference/icrp107_beta_spectra.csv): ICRP-107's own summed beta
    // spectra (beta- and beta+ together: Cu-64's integrates to 0.565 = 0.390 + 0.174 per decay),
    // N(E) per MeV per decay, computed by ICRP with its shape factors. theradose's spectra (Fermi
    // theory, endpoints solved from ICRP's branch means) must match them between 10% and 90% of
    // the largest endpoint: within 2% at every point, except SHAPE_EXCEPTIONS (checked to be
    // off, so the list stays true). Measured: 0.02-0.14% mean, at most 0.8% (Lu-177m). The last
    // ten (Sr-90 ... Ca-45) have no ENDF table: the shape of their most energetic branch is chosen
    // from ICRP-07.BET (scripts/icrp107_shapes.csv, issue 18); measured at most 0.63% (Kr-85)
    // except Tc-99 and Rb-87 (SHAPE_EXCEPTIONS), and Ca-45 (no order fits its endpoint, +16.8%,
    // allowed shape kept) matches within 0.08% between 10% and 90% of its endpoint.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/icrp107_beta_spectra.csv"
    ))
    .unwrap();
    let mut by: Vec<(String, Vec<(f64, f64)>)> = vec![];
    for l in text.lines().skip(2) {
        let f: Vec<&str> = l.split(',').collect();
        let (e, n): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        match by.last_mut() {
            Some((name, v)) if name == f[0] => v.push((e, n)),
            _ => by.push((f[0].to_string(), vec![(e, n)])),
        }
    }
    assert_eq!(by.len(), 30);
    for (name, points) in &by {
        let nuc = Nuclide::load_from(name, DecayData::Icrp107).unwrap();
        let ours = |t: f64| {
            let bm: f64 = nuc
                .beta_minus
                .iter()
                .map(|b| b.intensity * b.spectrum.as_ref().unwrap().pdf(t))
                .sum();
            let bp: f64 = nuc
                .ec_beta_plus
                .iter()
                .filter_map(|b| Some(b.positron_intensity * b.spectrum.as_ref()?.pdf(t)))
                .sum();
            bm + bp
        };
        let emax = points.iter().map(|p| p.0).fold(0.0, f64::max);
        let (mut worst, mut at) = (0.0f64, 0.0);
        let (mut sum, mut n) = (0.0, 0);
        for &(e, r) in points
            .iter()
            .filter(|p| p.0 >= 0.1 * emax && p.0 <= 0.9 * emax)
        {
            let d = ours(e) / r - 1.0;
            sum += d.abs();
            n += 1;
            if d.abs() > worst.abs() {
                (worst, at) = (d, e);
            }
        }
        eprintln!(
            "{name:8} {n:3} points: mean |diff| {:.2}%, worst {:+.2}% at {at} MeV",
            sum / n as f64 * 100.0,
            worst * 100.0
        );
        let exception = SHAPE_EXCEPTIONS.iter().any(|x| x.0 == name);
        assert!(n >= 20, "{name}: {n} points");
        assert_eq!(
            worst.abs() <= 0.02,
            !exception,
            "{name}: worst {:+.2}% at {at} MeV",
            worst * 100.0
        );
    }
}
