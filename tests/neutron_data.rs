//! Neutron data: thermal cross sections, kerma factors and macroscopic cross sections of water
//! against published values (numbers copied here with their sources).

use theradose::materials::{Material, MaterialDb};
use theradose::physics::neutron::{table_csv, NeutronPhysics, NuclideTable};

/// The material library.
fn db() -> theradose::materials::MaterialDb {
    theradose::materials::MaterialDb::load().unwrap()
}

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
        ("Cl-35", 44.1),
        ("K-39", 2.1),
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

/// Natural chlorine through the isotopic mixture (75.76% Cl-35, 24.24% Cl-37, IUPAC 2013):
/// thermal absorption 33.5 b (Sears 1992, natural Cl; the Cl-35 share is built from Sears' Cl-35
/// value, the Cl-37 share is the ENDF/B-VIII.1 Reich-Moore reconstruction). Tolerance 2%.
#[test]
fn natural_chlorine_absorption() {
    let m = Material::new("cl", &[(17, 1.0)], 1.0, "test").unwrap();
    let ph = NeutronPhysics::new(&[m], &[]).unwrap();
    let (_, a) = ph.mass_coefficients(0, E_TH);
    // per atom: cm2/g x molar mass / N_A (natural Cl 35.453 g/mol)
    let per_atom_b = a * 35.453 / 6.022_140_76e23 * 1e24;
    assert!(
        rel(per_atom_b, 33.5) < 0.02,
        "natural Cl absorption {per_atom_b:.3} b vs Sears 33.5 b"
    );
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
    let csv = table_csv(&db(), "water", 0.0, &[1e-5, 1e-4]).unwrap();
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
    let csv = table_csv(&db(), "soft-tissue", 30.0, &[2.53e-8, 1.0]).unwrap();
    assert!(csv.starts_with("energy_mev,sigma_total_cm-1,sigma_absorption_cm-1,kerma_gy_cm2\n"));
    assert_eq!(csv.lines().count(), 3);
    assert!(table_csv(&db(), "water", -1.0, &[1.0]).is_err());
    assert!(table_csv(&db(), "water", 0.0, &[30.0]).is_err());
    let m = Material::new("x", &[(92, 1.0)], 1.0, "test").unwrap();
    assert!(NeutronPhysics::new(&[m], &[]).is_err());
}

/// Evaluated scattering cross section of hydrogen bound in water (barn per H atom): the CAB model
/// of ENDF/B-VIII.0 (Marquez Damian, Granada & Malaspina, Ann. Nucl. Energy 65 (2014) 280; the
/// ENDF/B-VIII.1 file is the same model with refitted temperature dependence), processed by
/// NJOY2016 into the ACE table of its test 25 (njoy/NJOY2016 tests/25/referenceTape70, "H in H2O
/// @300K from ENDF/B-VIII.0b6", inelastic cross section of the ITIE block), at 300 K:
/// (energy eV, barn). Values at the table's energies; 1.05 and 4.9 eV lie above our scattering
/// law (free gas at its effective temperature).
const CAB_H_IN_H2O_300K: [(f64, f64); 8] = [
    (0.01, 69.434),
    (0.0253, 51.617),
    (0.05, 39.513),
    (0.1035, 32.293),
    (0.2, 27.460),
    (0.5033, 22.686),
    (1.05, 21.444),
    (4.9, 20.634),
];

/// Macroscopic total cross section of water at thermal and epithermal energies vs the evaluated
/// ENDF/B-VIII CAB model (above): Sigma = N (2 sigma_H + sigma_O + sigma_a), N = N_A / 18.0153
/// per cm3, with free-gas oxygen (the evaluation's prescription: free O, 3.79 b, times the
/// free-gas factor at 293.6 K) and the 1/v absorption of 2 H + O (0.6652 b at 0.0253 eV, Sears
/// 1992). Our law is at 293.6 K, the reference at 300 K: between 0.01 and 5 eV the temperature
/// changes the bound-H cross section by less than 0.3% (our model at both temperatures).
/// Tolerance 2% (the translational diffusion of the water molecule is not modelled; it matters
/// below about 5 meV, where our cross section is 4% low at 1 meV and not tested).
#[test]
fn water_thermal_total_vs_evaluated_cab_model() {
    use theradose::physics::neutron::{free_gas_factor, kt_mev};
    let n = 6.022_140_76e23 / 18.0153 * 1e-24;
    let es: Vec<f64> = CAB_H_IN_H2O_300K.iter().map(|p| p.0 * 1e-6).collect();
    let csv = table_csv(&db(), "water", 0.0, &es).unwrap();
    for (line, &(e_ev, s_h)) in csv.lines().skip(1).zip(&CAB_H_IN_H2O_300K) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let s_o = 3.7939 * free_gas_factor(15.858 * e_ev * 1e-6 / kt_mev());
        let s_a = 0.6652 * (0.0253 / e_ev).sqrt();
        let reference = n * (2.0 * s_h + s_o + s_a);
        assert!(
            rel(v[1], reference) < 0.02,
            "water total {:.4} /cm at {e_ev} eV vs evaluated {reference:.4} /cm",
            v[1]
        );
    }
}
