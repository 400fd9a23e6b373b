//! Electron and positron stopping powers and CSDA ranges (src/physics/electron) against NIST
//! ESTAR (Berger, Coursey, Zucker & Chang; ICRU Report 37 methods) for liquid water, ICRP soft
//! tissue and ICRP cortical bone, 10 keV - 5 MeV. Reference values with their sources:
//! tests/reference/electron_estar.csv.
//!
//! Tolerances: total and collision stopping power and CSDA range 2% (issue 3; ICRU-37 gives
//! 1-2% uncertainty for collision stopping powers above 100 keV, 2-3% at 10 keV); radiative
//! stopping power 3% (here EEDL, there Seltzer & Berger 1986, from which EEDL derives; ICRU-37
//! gives ~5% uncertainty for radiative stopping powers below 2 MeV).

use std::process::Command;
use theradose::materials::{Material, MaterialDb};
use theradose::physics::electron::data::MediaData;
use theradose::physics::electron::medium::{bragg_i_ev, ElementCache};
use theradose::physics::electron::{
    Cuts, DensityEffect, ElectronMedium, ExcitationSource, Lepton, StoppingTable,
};

struct Ref {
    material: String,
    e: f64,
    col: f64,
    rad: f64,
    tot: f64,
    range: f64,
}

fn reference() -> Vec<Ref> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/electron_estar.csv"
    ))
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(7, ',').collect();
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            Ref {
                material: f[0].to_string(),
                e: n(1),
                col: n(2),
                rad: n(3),
                tot: n(4),
                range: n(5),
            }
        })
        .collect()
}

/// The ESTAR media. Water from data/materials.toml (NIST XAAMDI composition, 0.111898 H, vs
/// ESTAR's 0.111894: a 4e-5 difference in Z/A); ICRP soft tissue (1.00 g/cm3) and ICRP cortical
/// bone (1.85 g/cm3) with the ESTAR compositions, NIST compos matno 261 and 120 (also PNNL-15870
/// Rev. 1 entries 320 and 33; the PDG atomic-properties page for soft tissue (ICRP) lists the same
/// fractions).
fn estar_media() -> Vec<(&'static str, Material)> {
    let db = MaterialDb::load().unwrap();
    let st = Material::new(
        "soft-tissue-icrp",
        &[
            (1, 0.104472),
            (6, 0.232190),
            (7, 0.024880),
            (8, 0.630238),
            (11, 0.001130),
            (12, 0.000130),
            (15, 0.001330),
            (16, 0.001990),
            (17, 0.001340),
            (19, 0.001990),
            (20, 0.000230),
            (26, 0.000050),
            (30, 0.000030),
        ],
        1.0,
        "NIST ESTAR compos matno 261, Tissue, Soft (ICRP)",
    )
    .unwrap();
    let bone = Material::new(
        "cortical-bone-icrp",
        &[
            (1, 0.047234),
            (6, 0.144330),
            (7, 0.041990),
            (8, 0.446096),
            (12, 0.002200),
            (15, 0.104970),
            (16, 0.003150),
            (20, 0.209930),
            (30, 0.000100),
        ],
        1.85,
        "NIST ESTAR compos matno 120, Bone, Cortical (ICRP)",
    )
    .unwrap();
    vec![
        ("water_liquid", db.get("water").unwrap().clone()),
        ("tissue_soft_ICRP", st),
        ("bone_cortical_ICRP", bone),
    ]
}

fn rel(a: f64, b: f64) -> f64 {
    a / b - 1.0
}

#[test]
fn electron_stopping_powers_and_ranges_match_estar() {
    let refs = reference();
    assert_eq!(refs.len(), 30);
    for (key, mat) in estar_media() {
        let med = ElectronMedium::new(&mat, mat.nominal_density).unwrap();
        assert!(
            matches!(med.excitation_source, ExcitationSource::Tabulated(_)),
            "{key}: expected the tabulated I"
        );
        assert!(matches!(med.density_effect, DensityEffect::Published(_)));
        let table = StoppingTable::new(&med, Lepton::Electron, None);
        let (mut worst_col, mut worst_rad, mut worst_tot, mut worst_r) = (0f64, 0f64, 0f64, 0f64);
        for r in refs.iter().filter(|r| r.material == key) {
            let v = table.at(r.e);
            let (dc, dr) = (rel(v.collision, r.col), rel(v.radiative, r.rad));
            let (dt, dg) = (rel(v.total(), r.tot), rel(v.csda_range, r.range));
            eprintln!(
                "{key} {:>5} MeV: S_col {:.4} ({:+.2}%)  S_rad {:.5} ({:+.2}%)  S_tot {:.4} \
                 ({:+.2}%)  R {:.5} ({:+.2}%)",
                r.e,
                v.collision,
                100.0 * dc,
                v.radiative,
                100.0 * dr,
                v.total(),
                100.0 * dt,
                v.csda_range,
                100.0 * dg
            );
            assert!(dc.abs() <= 0.02, "{key} {} MeV collision {dc:+.4}", r.e);
            assert!(dr.abs() <= 0.03, "{key} {} MeV radiative {dr:+.4}", r.e);
            assert!(dt.abs() <= 0.02, "{key} {} MeV total {dt:+.4}", r.e);
            assert!(dg.abs() <= 0.02, "{key} {} MeV CSDA range {dg:+.4}", r.e);
            worst_col = worst_col.max(dc.abs());
            worst_rad = worst_rad.max(dr.abs());
            worst_tot = worst_tot.max(dt.abs());
            worst_r = worst_r.max(dg.abs());
        }
        eprintln!(
            "{key}: worst |dev| collision {:.2}%, radiative {:.2}%, total {:.2}%, range {:.2}%",
            100.0 * worst_col,
            100.0 * worst_rad,
            100.0 * worst_tot,
            100.0 * worst_r
        );
    }
}

/// Published Sternheimer-Berger-Seltzer (1984) fits against the Sternheimer-Peierls general
/// formula: both stay within 2% of ESTAR's collision stopping power; the fits are closer (ESTAR
/// computes delta from the same oscillator model the fits were made to).
#[test]
fn published_density_effect_fits_beat_the_general_formula() {
    let refs = reference();
    for (key, mat) in estar_media() {
        let med = ElectronMedium::new(&mat, mat.nominal_density).unwrap();
        let mut general = med.clone();
        general.density_effect = DensityEffect::general(med.i_ev, med.density, med.z_over_a);
        let (mut w_fit, mut w_gen) = (0f64, 0f64);
        for r in refs.iter().filter(|r| r.material == key) {
            let f = rel(med.collision(Lepton::Electron, r.e), r.col).abs();
            let g = rel(general.collision(Lepton::Electron, r.e), r.col).abs();
            w_fit = w_fit.max(f);
            w_gen = w_gen.max(g);
        }
        eprintln!(
            "{key}: worst collision deviation from ESTAR: fit {:.2}%, general formula {:.2}%",
            100.0 * w_fit,
            100.0 * w_gen
        );
        assert!(w_fit <= 0.01 && w_gen <= 0.02);
        assert!(w_fit <= w_gen, "{key}: fit {w_fit} vs general {w_gen}");
    }
}

/// ICRU-37's Bragg rule with its I values for atoms in condensed compounds (H 19.2, C 81, N 82,
/// O 106 eV, others 1.13 x elemental) reproduces ICRU-37's own I of ICRP soft tissue (72.3 eV)
/// and ICRP cortical bone (106.4 eV) within 0.5%.
#[test]
fn bragg_rule_reproduces_icru37_tissue_i_values() {
    let media = MediaData::load().unwrap();
    let mut cache = ElementCache::default();
    let m = estar_media();
    let st = bragg_i_ev(&m[1].1, &media, &mut cache).unwrap();
    let bone = bragg_i_ev(&m[2].1, &media, &mut cache).unwrap();
    eprintln!("Bragg I: ICRP soft tissue {st:.2} eV, ICRP cortical bone {bone:.2} eV");
    assert!(rel(st, 72.3).abs() < 0.005, "{st}");
    assert!(rel(bone, 106.4).abs() < 0.005, "{bone}");
    // a material that is not tabulated (spongiosa) falls back to the Bragg rule and the general
    // density effect
    let db = MaterialDb::load().unwrap();
    let sp = db.get("spongiosa").unwrap();
    let med = ElectronMedium::new(sp, sp.nominal_density).unwrap();
    assert_eq!(med.excitation_source, ExcitationSource::Bragg);
    assert!(matches!(med.density_effect, DensityEffect::General(_)));
    // a tabulated name with another composition is not given the tabulated I
    let fake = Material::new("water", &[(1, 0.5), (6, 0.5)], 1.0, "test").unwrap();
    let med = ElectronMedium::new(&fake, 1.0).unwrap();
    assert_eq!(med.excitation_source, ExcitationSource::Bragg);
}

/// Positron vs electron (ICRU-37 eqs. 2.2-2.3 and sec. 2.5): without the exchange term of
/// Moller scattering the positron loses more energy at low energy; at high energy the Bhabha
/// function F+ lies below F-, so the positron loses less. In water at 10 keV F+ - F- = 0.99 on a
/// stopping number of about 10 (positron about +10%); at 1 MeV F+ - F- = -0.40 on about 19.4
/// (about -2%). Positron bremsstrahlung is weaker than electron bremsstrahlung (Kim et al. 1986:
/// ratio well below 1 at 10 keV, approaching 1 at high energy).
#[test]
fn positron_differs_from_electron_with_the_right_sign_and_size() {
    let db = MaterialDb::load().unwrap();
    let w = db.get("water").unwrap();
    let med = ElectronMedium::new(w, 1.0).unwrap();
    let ratio = |e: f64| med.collision(Lepton::Positron, e) / med.collision(Lepton::Electron, e);
    let (r10, r1000) = (ratio(0.01), ratio(1.0));
    eprintln!("water collision e+/e-: 10 keV {r10:.4}, 1 MeV {r1000:.4}");
    assert!((1.07..1.13).contains(&r10), "{r10}");
    assert!((0.97..0.995).contains(&r1000), "{r1000}");
    let rr10 = med.radiative(Lepton::Positron, 0.01) / med.radiative(Lepton::Electron, 0.01);
    let rr1000 = med.radiative(Lepton::Positron, 1.0) / med.radiative(Lepton::Electron, 1.0);
    eprintln!("water radiative e+/e-: 10 keV {rr10:.4}, 1 MeV {rr1000:.4}");
    assert!(rr10 < rr1000 && rr1000 < 1.0 && rr10 > 0.0);
    // the positron's CSDA range is shorter at 10 keV, longer at 1 MeV
    let te = StoppingTable::new(&med, Lepton::Electron, None);
    let tp = StoppingTable::new(&med, Lepton::Positron, None);
    assert!(tp.csda_range(0.01) < te.csda_range(0.01));
    assert!(tp.csda_range(1.0) > te.csda_range(1.0));
}

/// The `theradose table` CLI contract: header and total stopping power / CSDA range columns.
#[test]
fn table_cli_prints_total_stopping_power_and_range() {
    let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "table",
            "--particle",
            "electron",
            "--medium",
            "water",
            "--energies",
            "0.01,0.1,1,5",
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
        lines.next(),
        Some("energy_mev,stopping_power_mev_cm2_g,csda_range_g_cm2")
    );
    let refs = reference();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    for row in rows {
        let r = refs
            .iter()
            .find(|r| r.material == "water_liquid" && r.e == row[0])
            .unwrap();
        assert!(rel(row[1], r.tot).abs() <= 0.02, "{row:?}");
        assert!(rel(row[2], r.range).abs() <= 0.02, "{row:?}");
    }
    // positrons are accepted; energies outside the tables and unknown media are errors
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_theradose"))
            .args(args)
            .output()
            .unwrap()
    };
    let p = run(&[
        "table",
        "--particle",
        "positron",
        "--medium",
        "soft-tissue",
        "--energies",
        "0.5",
    ]);
    assert!(p.status.success());
    let bad = run(&[
        "table",
        "--particle",
        "electron",
        "--medium",
        "water",
        "--energies",
        "50",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("outside the electron tables"));
    let bad = run(&[
        "table",
        "--particle",
        "electron",
        "--medium",
        "unobtainium",
        "--energies",
        "1",
    ]);
    assert!(!bad.status.success());
}

/// Table lookups equal direct evaluation; the range inverts; restricted stopping powers lie
/// below the unrestricted ones and reach them when the cuts reach the largest transfers.
#[test]
fn stopping_table_lookup_restricted_and_inverse_range() {
    let db = MaterialDb::load().unwrap();
    let w = db.get("water").unwrap();
    let med = ElectronMedium::new(w, 1.0).unwrap();
    let cuts = Cuts {
        delta_mev: 0.01,
        photon_mev: 0.01,
    };
    for lep in [Lepton::Electron, Lepton::Positron] {
        let t = StoppingTable::new(&med, lep, Some(cuts));
        for e in [0.0011, 0.0137, 0.25, 1.0, 3.3, 19.0] {
            let v = t.at(e);
            assert!(
                rel(v.total(), med.total(lep, e)).abs() < 1e-4,
                "{lep:?} {e}"
            );
            let direct = med.restricted_collision(lep, e, cuts.delta_mev)
                + med.radiative_below(lep, e, cuts.photon_mev);
            assert!(rel(v.restricted(), direct).abs() < 1e-4, "{lep:?} {e}");
            assert!(v.restricted() <= v.total() * (1.0 + 1e-12));
            assert!(rel(t.energy_at_range(v.csda_range), e).abs() < 1e-6);
        }
        // below twice the delta cut (electrons) or the cut (positrons) every collision loss is
        // continuous
        let e = 0.015;
        let v = t.at(e);
        if lep == Lepton::Electron {
            assert!(rel(v.restricted_collision, v.collision).abs() < 1e-4);
        } else {
            assert!(v.restricted_collision < v.collision);
        }
        // at 1 MeV a 10 keV delta cut removes a sizeable part of the collision loss
        let v = t.at(1.0);
        let frac = v.restricted_collision / v.collision;
        eprintln!("{lep:?} water 1 MeV: restricted/unrestricted collision (10 keV cut) {frac:.3}");
        assert!((0.6..0.9).contains(&frac), "{frac}");
    }
}

/// The medium at another density: the mass collision stopping power falls as the density (and
/// with it the density effect) rises; a gas (air) keeps almost the full relativistic rise.
#[test]
fn density_scaling_of_the_density_effect() {
    let db = MaterialDb::load().unwrap();
    let w = db.get("water").unwrap();
    let lo = ElectronMedium::new(w, 0.5).unwrap();
    let nom = ElectronMedium::new(w, 1.0).unwrap();
    let hi = ElectronMedium::new(w, 2.0).unwrap();
    for e in [1.0, 5.0, 20.0] {
        let (a, b, c) = (
            lo.collision(Lepton::Electron, e),
            nom.collision(Lepton::Electron, e),
            hi.collision(Lepton::Electron, e),
        );
        assert!(a > b && b > c, "{e}: {a} {b} {c}");
    }
    // no density effect at 10 keV in water
    let d = (lo.collision(Lepton::Electron, 0.01) - hi.collision(Lepton::Electron, 0.01)).abs();
    assert!(d < 1e-9);
    let air = db.get("air").unwrap();
    let air = ElectronMedium::new(air, air.nominal_density).unwrap();
    assert!(matches!(air.density_effect, DensityEffect::Published(_)));
    // at 20 MeV the density effect in air is still small: S(20)/S(1) larger than in water
    let rise = |m: &ElectronMedium| {
        m.collision(Lepton::Electron, 20.0) / m.collision(Lepton::Electron, 1.0)
    };
    assert!(rise(&air) > rise(&nom) + 0.05);
    assert!(ElectronMedium::new(w, 0.0).is_err());
}
