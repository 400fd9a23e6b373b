//! Neutron data: thermal cross sections, kerma factors and macroscopic cross sections of water
//! against published values (numbers copied here with their sources).

use theradose::materials::{Material, MaterialDb};
use theradose::physics::neutron::{table_csv, NeutronPhysics, NuclideTable};

/// 0.0253 eV (2200 m/s) in MeV.
const E_TH: f64 = 2.53e-8;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Thermal (2200 m/s) absorption cross sections (barn), Sears, Neutron News 3 (1992) 26, as
/// shipped in periodictable 2.1.0. The evaluations (ENDF/B-VIII.1) and this compilation agree
/// within about 1%; the tolerance is 2%.
#[test]
fn thermal_absorption_vs_sears_1992() {
    for (name, sears_b) in [
        ("H-1", 0.3326),
        ("B-10", 3835.0),
        ("N-14", 1.91),
        ("Na-23", 0.53),
        ("P-31", 0.172),
    ] {
        let t = NuclideTable::load(name).unwrap();
        let x = t.xs_at(E_TH);
        let a = x.capture + x.np + x.nalpha;
        assert!(
            rel(a, sears_b) < 0.02,
            "{name}: absorption {a:.4} b vs Sears {sears_b} b"
        );
    }
}

/// Free-atom scattering cross sections (barn) in the epithermal plateau, derived from the Sears
/// (1992) bound-atom values as sigma_bound (A/(A+1))^2: H-1 20.49 b, C-12 4.73 b, N-14 10.03 b.
#[test]
fn epithermal_free_atom_scattering() {
    for (name, free_b) in [("H-1", 20.49), ("C-12", 4.73), ("N-14", 10.03)] {
        let t = NuclideTable::load(name).unwrap();
        let s = t.xs_at(1e-6).elastic;
        assert!(rel(s, free_b) < 0.02, "{name}: {s:.3} b vs {free_b} b");
    }
}

/// 10B kerma factor at 0.0253 eV per ug/g: derived from sigma_a(10B) = 3835 b (Sears 1992), the
/// branch energies 2.790 MeV (6%) and 2.312 MeV (94%, plus a 0.478 MeV gamma that is not kerma;
/// Q values and branching as in the issue and /shared/reference/bnct.csv, from AME masses):
/// 1e-6 N_A / 10.0129 x 3835e-24 cm2 x 2.3410 MeV x 1.602177e-10 Gy g/MeV = 8.651e-14 Gy cm2.
/// The value quoted in BNCT dosimetry is 8.66e-14 Gy cm2 per ug/g. Tolerance 1%.
#[test]
fn boron10_kerma_factor_per_ppm() {
    let db = MaterialDb::load().unwrap();
    let water = db.get("water").unwrap().clone();
    let ph = NeutronPhysics::new(&[water.clone(), water], &[0.0, 1.0]).unwrap();
    let k = ph.kerma(1, E_TH).boron - ph.kerma(0, E_TH).boron;
    assert!(rel(k, 8.651e-14) < 0.01, "10B kerma {k:.4e} Gy cm2 per ppm");
}

/// 14N(n,p) kerma at 0.0253 eV: 7.892e-14 Gy cm2 per 1 wt% N (0.01 N_A / 14.003 x 1.83 b x
/// 0.6259 MeV, /shared/reference/bnct.csv, Sears 1992 and AME Q value), so 3.4 wt% N (ICRU-44
/// soft tissue) gives 2.683e-13. Tolerance 1%.
#[test]
fn nitrogen_kerma_factor() {
    let db = MaterialDb::load().unwrap();
    let st = db.get("soft-tissue").unwrap().clone();
    let ph = NeutronPhysics::new(&[st], &[]).unwrap();
    let k = ph.kerma(0, E_TH).nitrogen;
    assert!(rel(k, 3.4 * 7.892e-14) < 0.01, "N kerma {k:.4e}");
}

/// Macroscopic total cross section of water in the epithermal plateau (10 eV, 100 eV, where the
/// chemical binding and the target motion change it by less than 0.2%): free-atom values
/// n (2 x 20.49 + 3.745 b) with n = N_A / 18.0153 per cm3 = 1.4952 /cm (Sears 1992, derived
/// free-atom values; /shared/reference/bnct.csv). Tolerance 1%.
#[test]
fn water_epithermal_total() {
    let csv = table_csv("water", 0.0, &[1e-5, 1e-4]).unwrap();
    for line in csv.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(
            rel(v[1], 1.4952) < 0.01,
            "water total {} /cm at {} MeV",
            v[1],
            v[0]
        );
    }
}

/// The table header is the CLI contract.
#[test]
fn table_header_and_boron() {
    let csv = table_csv("soft-tissue", 30.0, &[2.53e-8, 1.0]).unwrap();
    assert!(csv.starts_with("energy_mev,sigma_total_cm-1,sigma_absorption_cm-1,kerma_gy_cm2\n"));
    assert_eq!(csv.lines().count(), 3);
    assert!(table_csv("water", -1.0, &[1.0]).is_err());
    assert!(table_csv("water", 0.0, &[30.0]).is_err());
    let m = Material::new("x", &[(92, 1.0)], 1.0, "test").unwrap();
    assert!(NeutronPhysics::new(&[m], &[]).is_err());
}
