//! Cellular S values (issue 17): `theradose::dosimetry::cell`.
//!
//! References and tolerances, beside each test:
//! - the alpha self-dose of the nucleus against an independent straight-track CSDA integral of
//!   the NIST ASTAR water table (`tests/reference/astar_alpha_water.csv`, source in its header):
//!   2%, the stated agreement of the project's ion stopping model with ASTAR;
//! - reciprocity S(N<-Cy) = S(Cy<-N) in a homogeneous infinite medium: 1e-9 for the analytic
//!   method (an identity of the pair density), 3 standard deviations for the Monte Carlo;
//! - energy conservation per decay: the whole electron energy of I-125 (ICRP-107 electron energy
//!   per decay, `tests/reference/icrp107_totals.csv`) absorbed in a cell far larger than the
//!   electron ranges, to 1e-4; the Monte Carlo energy balance to 1e-9;
//! - Monte Carlo against the CSDA method where they should agree (self-dose of nucleus, cell and
//!   cytoplasm for I-125, Tc-99m and At-211): 10%.
//!
//! - the analytic method against the published MIRD cellular S values (Goddu et al. 1997) of
//!   monoenergetic electrons (1, 5, 10 keV; RC 5 um, RN 2 um; N<-N, N<-Cy, C<-C, C<-CS) as quoted
//!   in Liu et al., NIM B 2009, Table 1 (`tests/reference/mird_cellular_svalues.csv`): 3%.
//!
//! Radionuclides against MIRDcell V3 run as a peer code (the MIRD cellular S value method of
//! Goddu 1997, its own Java classes driven by `scripts/mirdcell_reference`; I-125, In-111, Tc-99m,
//! F-18, At-211, Po-210 and monoenergetic electrons): `tests/cell_svalues_mirdcell.rs`. The
//! published Goddu 1994/1997 tables of radionuclides themselves could not be read here.

use theradose::context::Context;
use theradose::dosimetry::cell::analytic::AnalyticCell;
use theradose::dosimetry::cell::geometry::{CellGeometry, SourceRegion as S, TargetRegion as T};
use theradose::dosimetry::cell::range::{Particle, RangeEnergy};
use theradose::dosimetry::cell::{compute, range_energy, CellSValueSpec, CellSValues, Method};
use theradose::error::spec_error_of;
use theradose::units::MEV_TO_J;

fn analytic(n: &str, rc: f64, rn: f64) -> CellSValues {
    let ctx = Context::load().unwrap();
    compute(&ctx, &CellSValueSpec::new(n, rc, rn)).unwrap()
}

fn mc(n: &str, rc: f64, rn: f64, histories: u64, threads: usize) -> CellSValues {
    let ctx = Context::load().unwrap();
    let mut spec = CellSValueSpec::new(n, rc, rn);
    spec.method = Method::Mc;
    spec.histories = histories;
    spec.threads = Some(threads);
    compute(&ctx, &spec).unwrap()
}

/// ASTAR alpha in water: (E MeV, R_CSDA g/cm2).
fn astar_range() -> Vec<(f64, f64)> {
    std::fs::read_to_string("tests/reference/astar_alpha_water.csv")
        .expect("ASTAR reference")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("energy"))
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().expect("number")).collect();
            (v[0], v[3])
        })
        .collect()
}

/// Log-log interpolation of y(x) in a table of increasing x.
fn loglog(t: &[(f64, f64)], x: f64) -> f64 {
    let k = t.partition_point(|p| p.0 <= x).clamp(1, t.len() - 1);
    let (a, b) = (t[k - 1], t[k]);
    let f = (x / a.0).ln() / (b.0 / a.0).ln();
    (a.1.ln() + f * (b.1 / a.1).ln()).exp()
}

/// Self-absorbed fraction of an alpha of `e` MeV emitted uniformly and isotropically in a water
/// sphere of radius `a_um`, on straight CSDA tracks with the ASTAR range table: the energy lost
/// inside is E - E_ASTAR(R(E) - d) for the distance d to the surface; midpoint rule over the
/// volume fraction (r/a)^3 and the direction cosine.
fn astar_self_fraction(e: f64, a_um: f64) -> f64 {
    let t = astar_range();
    let inv: Vec<(f64, f64)> = t.iter().map(|&(e, r)| (r, e)).collect();
    let r0 = loglog(&t, e) * 1e4; // um
    let e_at = |res_um: f64| {
        if res_um <= 0.0 {
            0.0
        } else if res_um * 1e-4 < inv[0].0 {
            // below the table: R ~ sqrt(E) (velocity-proportional stopping)
            inv[0].1 * (res_um * 1e-4 / inv[0].0).powi(2)
        } else {
            loglog(&inv, res_um * 1e-4)
        }
    };
    let n = 300;
    let mut sum = 0.0;
    for i in 0..n {
        let r = a_um * ((i as f64 + 0.5) / n as f64).cbrt();
        for j in 0..n {
            let mu = -1.0 + 2.0 * (j as f64 + 0.5) / n as f64;
            let d = -r * mu + (a_um * a_um - r * r * (1.0 - mu * mu)).sqrt();
            sum += e - e_at(r0 - d);
        }
    }
    sum / (n * n) as f64 / e
}

/// The alpha self-dose of the nucleus (Po-210: one 5.304 MeV alpha per decay, ICRP-107) by the
/// analytic method against the independent ASTAR straight-track integral. Tolerance 2% (the
/// project's ion stopping model against ASTAR, `tests/ion_stopping.rs`).
#[test]
fn alpha_self_dose_matches_astar_straight_track_integral() {
    let ctx = Context::load().unwrap();
    let water = ctx.materials.get("water").unwrap();
    let table = theradose::physics::ion::build_table(
        ctx.ion_data().unwrap(),
        theradose::physics::ion::Ion::Alpha,
        water,
    )
    .unwrap();
    let re = RangeEnergy { alpha: Some(table) };
    for (rc, rn) in [(5.0, 3.0), (10.0, 8.0)] {
        let cell = AnalyticCell::new(CellGeometry {
            cell_radius_um: rc,
            nucleus_radius_um: rn,
        });
        let phi = cell.absorbed_fractions(&re, Particle::Alpha, 5.304)[0];
        let reference = astar_self_fraction(5.304, rn);
        let dev = phi / reference - 1.0;
        println!(
            "RN {rn} um: phi(N<-N) {phi:.5} vs ASTAR straight-track {reference:.5} ({:+.2}%)",
            dev * 100.0
        );
        assert!(dev.abs() < 0.02, "RN {rn}: {phi} vs {reference}");
        // the S value of Po-210 (alpha yield 0.999988, ICRP-107) from the same fraction
        let s = analytic("Po-210", rc, rn).s(T::Nucleus, S::Nucleus);
        let m_kg = 4.0 / 3.0 * std::f64::consts::PI * rn.powi(3) * 1e-15;
        let expect = 0.999988 * 5.30443 * reference * MEV_TO_J / m_kg;
        assert!(
            (s / expect - 1.0).abs() < 0.025,
            "S(N<-N) Po-210 {s} vs {expect}"
        );
    }
}

/// Reciprocity in a homogeneous infinite medium: phi(T<-S)/m_T = phi(S<-T)/m_S, so for S per
/// decay per unit target mass S(T<-S) = S(S<-T) (volume regions only; the cell surface is not a
/// target). Analytic: an identity of the pair-distance density, to 1e-9. Monte Carlo: within 3
/// standard deviations.
#[test]
fn reciprocity_nucleus_cytoplasm() {
    for n in ["I-125", "Tc-99m", "At-211", "F-18"] {
        let a = analytic(n, 5.0, 3.0);
        let (x, y) = (a.s(T::Nucleus, S::Cytoplasm), a.s(T::Cytoplasm, S::Nucleus));
        assert!((x / y - 1.0).abs() < 1e-9, "{n}: {x} vs {y}");
        let (x, y) = (a.s(T::Cell, S::Nucleus), a.s(T::Nucleus, S::Cell));
        assert!((x / y - 1.0).abs() < 1e-9, "{n}: {x} vs {y}");
    }
    let m = mc("I-125", 5.0, 3.0, 20_000, 2);
    let (x, y) = (m.s(T::Nucleus, S::Cytoplasm), m.s(T::Cytoplasm, S::Nucleus));
    let sd = ((x * m.rel(T::Nucleus, S::Cytoplasm)).powi(2)
        + (y * m.rel(T::Cytoplasm, S::Nucleus)).powi(2))
    .sqrt();
    println!("MC I-125 S(N<-Cy) {x:.4e} S(Cy<-N) {y:.4e} (sd of difference {sd:.2e})");
    assert!((x - y).abs() < 3.0 * sd, "{x} vs {y} +- {sd}");
}

/// Energy conservation per decay. Analytic: in a cell far larger than the electron ranges
/// (RC 400 um, RN 200 um; I-125 electrons stop within 20 um), the energy absorbed in the cell
/// per decay in the nucleus, S(C<-N) m_C, is all the electron energy: 19.24 keV per decay
/// (ICRP-107: CE + Auger electron energy of I-125, tests/reference/icrp107_totals.csv). Monte
/// Carlo: emitted = deposited + escaped for every history.
#[test]
fn energy_conservation_per_decay() {
    let a = analytic("I-125", 400.0, 200.0);
    let m_c = 4.0 / 3.0 * std::f64::consts::PI * 400f64.powi(3) * 1e-15;
    let absorbed_mev = a.s(T::Cell, S::Nucleus) * m_c / MEV_TO_J;
    println!(
        "I-125: absorbed {absorbed_mev:.6} MeV, electrons {:.6} MeV per decay",
        a.electron_energy_per_decay_mev
    );
    assert!((absorbed_mev / a.electron_energy_per_decay_mev - 1.0).abs() < 1e-4);
    // ICRP-107: conversion 0.0072795 + Auger 0.0119601 MeV per decay of I-125
    // (tests/reference/icrp107_totals.csv)
    assert!((a.electron_energy_per_decay_mev / 0.0192396 - 1.0).abs() < 1e-3);
    let m = mc("At-211", 5.0, 3.0, 2_000, 2);
    let b = m.energy_balance_relative_discrepancy.unwrap();
    assert!(b.abs() < 1e-9, "energy balance {b}");
}

/// Monte Carlo (condensed history to 1 keV, straight CSDA alphas) against the CSDA method where
/// both should agree: the self-doses of nucleus, cytoplasm and cell, within 10%.
///
/// Where they should not: the cross-doses N<-Cy and N<-CS of the Auger emitters (I-125: MC
/// higher by about 15% and 55%, In-111 by 40-50%) — the straight-line method sends every
/// electron along its initial direction, while scattered and back-scattered electrons emitted
/// away from the nucleus still reach it. (F-18, 17% apart while the analytic method used the
/// power-law form of Cole's relation, now agrees within 3%: `tests/cell_svalues_mirdcell.rs`.)
#[test]
fn monte_carlo_agrees_with_csda_for_self_doses() {
    for (n, h) in [("I-125", 20_000), ("Tc-99m", 20_000), ("At-211", 10_000)] {
        let a = analytic(n, 5.0, 3.0);
        let m = mc(n, 5.0, 3.0, h, 2);
        for (t, s) in [
            (T::Nucleus, S::Nucleus),
            (T::Cytoplasm, S::Cytoplasm),
            (T::Cell, S::Cell),
        ] {
            let (x, y) = (m.s(t, s), a.s(t, s));
            println!(
                "{n} {t:?}<-{s:?}: MC {x:.4e} (+-{:.1}%) CSDA {y:.4e} ({:+.1}%)",
                100.0 * m.rel(t, s),
                100.0 * (x / y - 1.0)
            );
            assert!((x / y - 1.0).abs() < 0.10, "{n} {t:?}<-{s:?}: {x} vs {y}");
            assert!(m.rel(t, s) < 0.02);
        }
    }
}

/// The Monte Carlo is bit-identical for any number of threads.
#[test]
fn monte_carlo_is_reproducible_across_threads() {
    let a = mc("I-125", 4.0, 2.0, 1_000, 1);
    let b = mc("I-125", 4.0, 2.0, 1_000, 3);
    assert_eq!(a.s_gy_per_bq_s, b.s_gy_per_bq_s);
    assert_eq!(a.rel_uncertainty, b.rel_uncertainty);
}

/// The CSDA absorbed fractions: all the energy of electrons whose range (Cole: 0.15 MeV, 300 um)
/// is shorter than the distance from the source to the target's edge (RC - RN = 500 um).
#[test]
fn absorbed_fractions_limits() {
    let ctx = Context::load().unwrap();
    let spec = CellSValueSpec::new("I-125", 5.0, 3.0);
    let re = range_energy(
        &ctx,
        &theradose::dosimetry::cell::emission_lines(&spec).unwrap(),
    )
    .unwrap();
    let big = AnalyticCell::new(CellGeometry {
        cell_radius_um: 1000.0,
        nucleus_radius_um: 500.0,
    });
    for e in [0.0005, 0.005, 0.05, 0.15] {
        let phi = big.absorbed_fractions(&re, Particle::Electron, e);
        let k = theradose::dosimetry::cell::analytic::pairs()
            .iter()
            .position(|&p| p == (T::Cell, S::Nucleus))
            .unwrap();
        assert!((phi[k] - 1.0).abs() < 1e-5, "{e} MeV: {}", phi[k]);
    }
}

/// The CSV table and the JSON keys of the contract.
#[test]
fn outputs_follow_the_contract() {
    let a = analytic("In-111", 5.0, 3.0);
    let json = serde_json::to_value(&a).unwrap();
    for k in [
        "nuclide",
        "cell_radius_um",
        "nucleus_radius_um",
        "method",
        "s_gy_per_bq_s",
        "rel_uncertainty",
    ] {
        assert!(json.get(k).is_some(), "{k}");
    }
    for k in [
        "nucleus<-nucleus",
        "nucleus<-cytoplasm",
        "nucleus<-cell_surface",
        "cell<-cell",
        "cell<-cell_surface",
        "cytoplasm<-cytoplasm",
        "cytoplasm<-nucleus",
    ] {
        assert!(json["s_gy_per_bq_s"][k].as_f64().unwrap() > 0.0, "{k}");
        assert_eq!(json["rel_uncertainty"][k].as_f64().unwrap(), 0.0, "{k}");
    }
    let csv = a.csv();
    assert!(csv
        .lines()
        .any(|l| l == "target,source,s_gy_per_bq_s,rel_uncertainty"));
    assert!(csv.lines().any(|l| l.starts_with("nucleus,cell_surface,")));
}

/// The Auger and conversion electrons of the nuclides are in the ICRP-107 data.
#[test]
fn auger_and_ce_lines_are_present() {
    for n in ["I-125", "In-111", "Tc-99m", "Tb-161", "Lu-177", "Zr-89"] {
        let nuc = theradose::source::nuclide::Nuclide::load(n).unwrap();
        let low = nuc.electrons.iter().filter(|l| l.energy_mev < 0.01).count();
        assert!(low >= 3, "{n}: {low} electron lines below 10 keV");
        assert!(nuc.mean_energy().ce_auger > 0.0, "{n}");
    }
}

/// Bad input: errors name the spec field.
#[test]
fn bad_input_names_the_field() {
    let ctx = Context::load().unwrap();
    let field = |spec: CellSValueSpec| {
        let e = compute(&ctx, &spec).unwrap_err();
        (
            spec_error_of(&e).expect("spec error").field.clone(),
            format!("{e:#}"),
        )
    };
    let (f, _) = field(CellSValueSpec::new("I-125", 5.0, 6.0));
    assert_eq!(f, "nucleus_radius_um");
    let (f, _) = field(CellSValueSpec::new("I-125", -5.0, 3.0));
    assert_eq!(f, "cell_radius_um");
    let (f, _) = field(CellSValueSpec::new("I-125", 5.0, 0.0));
    assert_eq!(f, "nucleus_radius_um");
    let (f, msg) = field(CellSValueSpec::new("I-12", 5.0, 3.0));
    assert_eq!(f, "nuclide");
    assert!(msg.contains("I-125") || msg.contains("I-122"), "{msg}");
    let mut spec = CellSValueSpec::new("I-125", 5.0, 3.0);
    spec.method = Method::Mc;
    spec.histories = 0;
    assert_eq!(field(spec).0, "histories");
}

/// The analytic (CSDA) method against the published MIRD cellular S values (Goddu et al. 1997)
/// of monoenergetic electrons (1, 5, 10 keV; RC 5 um, RN 2 um; N<-N, N<-Cy, C<-C, C<-CS), as
/// quoted in Liu et al., NIM B 2009, Table 1 column B (`tests/reference/
/// mird_cellular_svalues.csv`, source in its header). Tolerance 3% (issue 17); the published
/// values carry 3 significant figures (at most 1% rounding at 1.0x).
#[test]
fn analytic_matches_published_mird_monoenergetic_electrons() {
    let text = std::fs::read_to_string("tests/reference/mird_cellular_svalues.csv")
        .expect("MIRD reference");
    let re = RangeEnergy { alpha: None };
    let ps = theradose::dosimetry::cell::analytic::pairs();
    let mut worst: f64 = 0.0;
    let mut n = 0;
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("target"))
    {
        let f: Vec<&str> = l.split(',').collect();
        let t = match f[0] {
            "nucleus" => T::Nucleus,
            "cytoplasm" => T::Cytoplasm,
            "cell" => T::Cell,
            x => panic!("target {x}"),
        };
        let s = match f[1] {
            "nucleus" => S::Nucleus,
            "cytoplasm" => S::Cytoplasm,
            "cell_surface" => S::CellSurface,
            "cell" => S::Cell,
            x => panic!("source {x}"),
        };
        let (rc, rn, e_kev, reference): (f64, f64, f64, f64) = (
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
            f[4].parse().unwrap(),
            f[5].parse().unwrap(),
        );
        let g = CellGeometry {
            cell_radius_um: rc,
            nucleus_radius_um: rn,
        };
        let cell = AnalyticCell::new(g);
        let k = ps.iter().position(|&p| p == (t, s)).unwrap();
        let e_mev = e_kev * 1e-3;
        let phi = cell.absorbed_fractions(&re, Particle::Electron, e_mev)[k];
        let sv =
            e_mev * phi * MEV_TO_J / theradose::dosimetry::cell::analytic::target_mass_kg(&g, t);
        let dev = sv / reference - 1.0;
        println!(
            "{}<-{} RC {rc} RN {rn} {e_kev} keV: {sv:.4e} vs MIRD {reference:.3e} ({:+.2}%)",
            t.name(),
            s.name(),
            dev * 100.0
        );
        worst = worst.max(dev.abs());
        n += 1;
        assert!(
            dev.abs() < 0.03,
            "{}<-{} {e_kev} keV: {sv} vs {reference}",
            t.name(),
            s.name()
        );
    }
    assert_eq!(n, 12);
    println!("worst |deviation| {:.2}%", worst * 100.0);
}
