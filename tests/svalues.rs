//! Organ S-values by Monte Carlo (issue 6): reciprocity for photons and the self-dose limit.

use theradose::dosimetry::svalues::compute;
use theradose::study::RunFile;

/// The loaded data of the library.
fn ctx() -> theradose::context::Context {
    theradose::context::Context::load().unwrap()
}

fn run_file(phantom: &str, source: &str, histories: u64) -> RunFile {
    toml::from_str(&format!(
        "name = \"s\"\n[phantom]\nbuiltin = {phantom:?}\n{source}\nkind = \"region\"\n[run]\nhistories = {histories}\n"
    ))
    .unwrap()
}

/// Reciprocity theorem (Loevinger, Budinger & Watson 1988, MIRD Primer; Cristy 1983): in a
/// homogeneous medium, for isotropic sources, the specific absorbed fraction is symmetric,
/// Phi(A <- B) = Phi(B <- A), so S(A <- B) = S(B <- A) (the issue's form
/// phi(A <- B) m_B = phi(B <- A) m_A with absorbed fractions phi = Phi m). Two water boxes of
/// different shapes and masses (125 g and 162 g) 3 cm apart in the middle of a 30 cm water
/// cube (a 15 cm margin makes the boundary's asymmetry negligible), 0.5 MeV photons.
#[test]
fn photon_s_values_are_reciprocal_in_water() {
    let dir = tempfile::tempdir().unwrap();
    let ph = dir.path().join("two-boxes.toml");
    std::fs::write(
        &ph,
        r#"name = "two-boxes"
description = "two labelled water boxes in a 30 cm water cube"
reference = "test geometry"
size_mm = [300.0, 300.0, 300.0]
background = "water"
default_voxel_mm = 10.0

[[shape]]
label = "a"
material = "water"
density = 1.0
kind = "box"
center_mm = [-40.0, 0.0, 0.0]
half_size_mm = [25.0, 25.0, 25.0]

[[shape]]
label = "b"
material = "water"
density = 1.0
kind = "box"
center_mm = [45.0, 0.0, 0.0]
half_size_mm = [30.0, 15.0, 45.0]
"#,
    )
    .unwrap();
    let f = run_file(
        ph.to_str().unwrap(),
        "[source]\nparticle = \"photon\"\nenergy_mev = 0.5",
        1_500_000,
    );
    let t = compute(&ctx(), f, &["a".into(), "b".into()], None).unwrap();
    let (ia, ib) = (0, 1);
    let ja = t.targets.iter().position(|x| x == "a").unwrap();
    let jb = t.targets.iter().position(|x| x == "b").unwrap();
    let s_ab = t.s[ib][ja]; // S(a <- b)
    let s_ba = t.s[ia][jb]; // S(b <- a)
    let sigma = (t.rel[ib][ja].powi(2) + t.rel[ia][jb].powi(2)).sqrt();
    let d = s_ab / s_ba - 1.0;
    eprintln!(
        "S(a<-b) {s_ab:.4e}, S(b<-a) {s_ba:.4e} mGy/MBq s: {:.2}% (sigma {:.2}%)",
        100.0 * d,
        100.0 * sigma
    );
    assert!(
        d.abs() < 3.0 * sigma,
        "reciprocity: {d} vs 3 sigma {}",
        3.0 * sigma
    );
    assert!(sigma < 0.012);
}

/// Self-dose of a large organ tends to the energy per decay over the organ mass when the
/// radiation is absorbed in it: 100 keV electrons (CSDA range 0.14 mm) uniform in the liver of
/// the adult phantom (1.77 kg at 8 mm): S(liver <- liver) m = E, within the energy escaping
/// through the surface (about S/4V x 0.14 mm x 1/2, below 0.1%) and the bremsstrahlung yield
/// (0.06%, ESTAR) — 0.5% allowed.
#[test]
fn self_dose_of_a_large_organ_is_energy_per_decay_over_mass() {
    let mut f = run_file(
        "adult",
        "[source]\nparticle = \"electron\"\nenergy_mev = 0.1",
        100_000,
    );
    f.phantom.voxel_mm = Some(8.0.into());
    let t = compute(&ctx(), f, &["liver".into()], None).unwrap();
    let j = t.targets.iter().position(|x| x == "liver").unwrap();
    let s = t.s[0][j]; // mGy/(MBq s)
    let mass = t.target_mass_g[j];
    let expect = 0.1 * 1.602_176_634e-13 / (mass * 1e-3) * 1e9;
    eprintln!("S(liver<-liver) {s:.5e}, E/m {expect:.5e}");
    assert!((s / expect - 1.0).abs() < 0.005, "{s} vs {expect}");
    // organ dose from a TIA: D = TIA S
    let d = t.organ_dose_gy(&[("liver".into(), 1e6)]).unwrap();
    assert!((d[j].1 - 1e6 * s * 1e-3).abs() < 1e-12);
}
