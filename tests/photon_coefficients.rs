//! Photon interaction coefficients against Hubbell & Seltzer (NIST SRD 126, XAAMDI, Table 4).
//!
//! Reference: `tests/reference/photon_attenuation_hubbell_seltzer.csv`, table energies only
//! (10 keV to 2 MeV) for water, soft tissue (ICRU-44), cortical bone (ICRU-44) and lung (ICRU-44);
//! each row names its transcription.
//!
//! Tolerances (physics tolerances, not fitted to the code):
//! - mu/rho within 2 %: theradose mixes ENDF/B-VIII.1 (EPDL97-based) element cross sections by
//!   mass fraction; XAAMDI uses XCOM (Scofield photoeffect, Hubbell incoherent functions). The
//!   two libraries agree to about 1 % for Z <= 20 above 10 keV.
//! - mu_en/rho within 3 %: theradose reports the mass energy-TRANSFER coefficient (no (1 - g)
//!   radiative factor). For these low-Z media g is below 0.8 % up to 2 MeV (water: g = 0.11 % at
//!   1 MeV, 0.24 % at 2 MeV; Seltzer 1993, Radiat. Res. 136:147), so the missing factor uses at
//!   most a third of the tolerance; the rest covers the library difference and the fluorescence
//!   escape treatment.
//!
//! Also checked: the O(1) grid lookup the transport uses agrees with the direct evaluation, and
//! the `theradose table` command line prints the same numbers.

use std::process::Command;
use theradose::materials::MaterialDb;
use theradose::physics::photon::{PhotonPhysics, E_MAX_MEV, E_MIN_MEV};
use theradose::tables::ElementPhotonData;

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/photon_attenuation_hubbell_seltzer.csv"
);
/// |theradose / Hubbell-Seltzer - 1| allowed for mu/rho.
const TOL_MU: f64 = 0.02;
/// |theradose / Hubbell-Seltzer - 1| allowed for mu_en/rho (mu_tr/rho in theradose).
const TOL_MU_EN: f64 = 0.03;
/// |grid lookup / direct evaluation - 1| allowed away from absorption edges.
const TOL_GRID: f64 = 0.005;

struct RefRow {
    material: String,
    energy_kev: f64,
    mu_rho: f64,
    mu_en_rho: f64,
}

fn reference_rows() -> Vec<RefRow> {
    let text = std::fs::read_to_string(REFERENCE).expect("reference table");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "material,energy_kev,mu_rho_cm2_g,mu_en_rho_cm2_g,source"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(5, ',').collect();
            assert_eq!(f.len(), 5, "row without a source: {l}");
            assert!(f[4].contains("Hubbell & Seltzer"), "row source: {l}");
            RefRow {
                material: f[0].to_string(),
                energy_kev: f[1].parse().unwrap(),
                mu_rho: f[2].parse().unwrap(),
                mu_en_rho: f[3].parse().unwrap(),
            }
        })
        .collect()
}

fn physics_of(db: &MaterialDb, name: &str) -> PhotonPhysics {
    let m = db.get(name).unwrap().clone();
    PhotonPhysics::new(std::slice::from_ref(&m)).unwrap()
}

#[test]
fn coefficients_match_hubbell_seltzer() {
    let db = MaterialDb::load().unwrap();
    let rows = reference_rows();
    // 4 media x 12 table energies (10, 15, 20, 30, 50, 100, 200, 500, 600, 1000, 1500, 2000 keV)
    assert_eq!(rows.len(), 48);
    let mut failures = Vec::new();
    println!(
        "Hubbell & Seltzer NIST SRD 126 Table 4 vs theradose (mu/rho tol 2 %, mu_en/rho tol 3 %)"
    );
    println!(
        "{:<14} {:>7} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}",
        "medium", "E keV", "mu/rho HS", "theradose", "ratio", "mu_en HS", "mu_tr td", "ratio"
    );
    let mut current = String::new();
    let mut ph = None;
    for r in &rows {
        if r.material != current {
            ph = Some(physics_of(&db, &r.material));
            current = r.material.clone();
        }
        let c = ph.as_ref().unwrap().coefficients(0, r.energy_kev * 1e-3);
        let q_mu = c.total() / r.mu_rho;
        let q_en = c.energy_transfer / r.mu_en_rho;
        println!(
            "{:<14} {:>7} {:>10.4e} {:>10.4e} {:>7.4} {:>10.4e} {:>10.4e} {:>7.4}",
            r.material,
            r.energy_kev,
            r.mu_rho,
            c.total(),
            q_mu,
            r.mu_en_rho,
            c.energy_transfer,
            q_en
        );
        if !q_mu.is_finite() || (q_mu - 1.0).abs() > TOL_MU {
            failures.push(format!(
                "{} {} keV mu/rho ratio {q_mu:.4}",
                r.material, r.energy_kev
            ));
        }
        if !q_en.is_finite() || (q_en - 1.0).abs() > TOL_MU_EN {
            failures.push(format!(
                "{} {} keV mu_en/rho ratio {q_en:.4}",
                r.material, r.energy_kev
            ));
        }
    }
    assert!(failures.is_empty(), "outside tolerance: {failures:#?}");
}

/// Absorption edges (MeV) of the elements of a medium: an edge appears as a repeated energy in
/// the element table.
fn edges_of(db: &MaterialDb, name: &str) -> Vec<f64> {
    let mut edges = Vec::new();
    for &(z, _) in &db.get(name).unwrap().elements {
        let d = ElementPhotonData::load(z).unwrap();
        for w in d.energy_mev.windows(2) {
            if w[0] == w[1] {
                edges.push(w[0]);
            }
        }
    }
    edges
}

#[test]
fn grid_lookup_agrees_with_direct_evaluation_away_from_edges() {
    // The transport interpolates mu/rho linearly in ln E on a 2048-node grid (1 keV - 20 MeV);
    // away from edges that must reproduce the log-log interpolation of the element tables
    // within 0.5 %. Energies within 2 % of an edge are skipped (the grid straddles the jump
    // there by design).
    let db = MaterialDb::load().unwrap();
    let n = 600;
    let mut worst = (0.0f64, String::new());
    let mut checked = 0;
    for name in [
        "water",
        "soft-tissue",
        "cortical-bone",
        "lung",
        "air",
        "spongiosa",
    ] {
        let ph = physics_of(&db, name);
        let edges = edges_of(&db, name);
        for k in 0..n {
            let e = E_MIN_MEV
                * 1.001
                * ((E_MAX_MEV * 0.999) / (E_MIN_MEV * 1.001)).powf(k as f64 / (n - 1) as f64);
            if edges.iter().any(|&x| (e / x).ln().abs() < 0.02) {
                continue;
            }
            let (i, f) = ph.locate(e);
            let grid = ph.mu_rho(0, i, f);
            let direct = ph.coefficients(0, e).total();
            let dev = (grid / direct - 1.0).abs();
            checked += 1;
            if dev > worst.0 {
                worst = (
                    dev,
                    format!(
                        "{name} at {:.4} keV: grid {grid:.6e} direct {direct:.6e}",
                        e * 1e3
                    ),
                );
            }
            assert!(
                dev <= TOL_GRID,
                "{name} at {e} MeV: grid {grid} vs direct {direct}"
            );
        }
    }
    println!(
        "grid vs direct: {checked} energies, worst relative deviation {:.2e} ({})",
        worst.0, worst.1
    );
    assert!(checked > 3000);
}

#[test]
fn cli_table_prints_water_coefficients() {
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "table",
            "--particle",
            "photon",
            "--medium",
            "water",
            "--energies",
            "0.03,0.1,1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("energy_mev,mu_rho_cm2_g,mu_en_rho_cm2_g")
    );
    // Hubbell & Seltzer NIST SRD 126 Table 4, Water Liquid (see the reference CSV):
    // (E MeV, mu/rho, mu_en/rho) ; tolerances 2 % and 3 % as above.
    let expected = [
        (0.03, 0.3756, 0.1557),
        (0.1, 0.1707, 0.02546),
        (1.0, 0.07072, 0.03103),
    ];
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3, "{text}");
    for (row, (e, mu, mu_en)) in rows.iter().zip(expected) {
        let f: Vec<f64> = row.split(',').map(|s| s.parse().unwrap()).collect();
        assert_eq!(f.len(), 3, "{row}");
        assert!((f[0] - e).abs() < 1e-12, "{row}");
        assert!((f[1] / mu - 1.0).abs() <= TOL_MU, "{row}: mu/rho vs {mu}");
        assert!(
            (f[2] / mu_en - 1.0).abs() <= TOL_MU_EN,
            "{row}: mu_en/rho vs {mu_en}"
        );
    }
}

#[test]
fn cli_table_unknown_medium_lists_known_media() {
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "table",
            "--particle",
            "photon",
            "--medium",
            "unobtainium",
            "--energies",
            "0.1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unobtainium"), "{err}");
    for known in ["water", "soft-tissue", "cortical-bone", "lung"] {
        assert!(
            err.contains(known),
            "message does not list '{known}': {err}"
        );
    }
}
