//! `decay_data` in run files and study files (issue 18): `decay_data = "endf"` gives the result
//! of ENDF/B-VIII.1 data (bit for bit the run that names "endf:Lu-177"), the outputs record it,
//! a chain takes its parent's data for every member, and a bad value names the field and the
//! choices.

use std::path::{Path, PathBuf};
use std::process::Command;
use theradose::context::Context;
use theradose::dosimetry::vsv_cache::{kernel_set, KernelOptions};
use theradose::materials::MaterialDb;
use theradose::phantom::builtin;
use theradose::source::DecayData;
use theradose::study::dosimetry::{run_into, DosimetrySpec};

/// A run file: Lu-177 uniform in the water of `water-cube` at 40 mm voxels.
fn run_file(dir: &Path, name: &str, source: &str) -> PathBuf {
    let p = dir.join(format!("{name}.toml"));
    let text = format!(
        "name = \"{name}\"\n[phantom]\nbuiltin = \"water-cube\"\nvoxel_mm = 40.0\n[source]\nkind = \"region\"\nregion = \"water\"\n{source}\n[run]\nhistories = 3000\nseed = 7\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `theradose run FILE`; returns the output folder and its summary.json.
fn run(file: &Path, out: &Path) -> (Vec<f64>, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(["run", file.to_str().unwrap(), "--threads", "1", "--out"])
        .arg(out)
        .env("THERADOSE_NO_PROGRESS", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let dose = theradose::io::read_volume(&out.join("dose.nii.gz"))
        .unwrap()
        .data;
    (dose, s)
}

/// `[source] decay_data = "endf"` equals, bit for bit, the run of `nuclide = "endf:Lu-177"`,
/// differs from the default (ICRP-107) run, and summary.json records the data; a bad value is
/// refused naming the key and both choices.
#[test]
fn run_file_decay_data() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let endf = run_file(d, "endf", "nuclide = \"Lu-177\"\ndecay_data = \"endf\"");
    let prefix = run_file(d, "prefix", "nuclide = \"endf:Lu-177\"");
    let icrp = run_file(d, "icrp", "nuclide = \"Lu-177\"");
    let (de, se) = run(&endf, &d.join("out_endf"));
    let (dp, sp) = run(&prefix, &d.join("out_prefix"));
    let (di, si) = run(&icrp, &d.join("out_icrp"));
    assert!(
        de == dp,
        "decay_data = \"endf\" against nuclide = \"endf:Lu-177\""
    );
    assert!(de != di, "ENDF against ICRP-107");
    assert_eq!(se["decay_data"], "endf");
    assert_eq!(sp["decay_data"], "endf");
    assert_eq!(si["decay_data"], "icrp107");
    assert_eq!(se["inputs"]["source"]["decay_data"], "endf");
    // a photon source has no decay data to record
    let photons = run_file(d, "photons", "energy_mev = 0.5");
    let (_, sph) = run(&photons, &d.join("out_photons"));
    assert!(sph.get("decay_data").is_none(), "{sph}");
    let bad = run_file(d, "bad", "nuclide = \"Lu-177\"\ndecay_data = \"jeff\"");
    let o = Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args(["run", bad.to_str().unwrap(), "--out"])
        .arg(d.join("out_bad"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    for w in ["bad.toml", "decay_data", "jeff", "icrp107", "endf"] {
        assert!(e.contains(w), "'{w}' not in: {e}");
    }
}

const STUDY: &str = r#"
[phantom]
builtin = "adult"
voxel_mm = 16.0

[therapy]
nuclide = "NUCLIDE"
activity_per_cycle_mbq = 7400.0
DECAY_DATA

[[kinetics]]
region = "kidneys"
uptake_fraction = 0.04
uptake_half_time_h = 1.0
biological_half_life_h = 53.0

[[kinetics]]
region = "liver"
uptake_fraction = 0.024
uptake_half_time_h = 0.5
biological_half_life_h = 96.0

[imaging]
times_h = [4.0, 24.0, 96.0, 168.0]
fwhm_mm = 10.0
noise_rel = 0.05

[dose]
methods = ["ldm"]
histories = 1000
kernel_histories = 1000
organ_s_histories = 0
"#;

fn study(nuclide: &str, decay_data: &str) -> DosimetrySpec {
    let text = STUDY
        .replace("NUCLIDE", nuclide)
        .replace("DECAY_DATA", decay_data);
    toml::from_str(&text).unwrap()
}

/// A dosimetry study with `[therapy] decay_data = "endf"`: the LDM dose is the ENDF one (equal
/// to the study of "endf:Lu-177"; to the ICRP-107 study times the ratio of the electron
/// energies per decay, ENDF 0.148070 / ICRP-107 0.147923 MeV, to 1e-9: Lu-177's half-life is
/// 6.647 d in both, so the TIA maps are the same), and summary.json records it.
#[test]
fn dosimetry_study_decay_data() {
    let ctx = Context::load().unwrap();
    let t = tempfile::tempdir().unwrap();
    let runs: Vec<_> = [
        ("Lu-177", "decay_data = \"endf\""),
        ("endf:Lu-177", ""),
        ("Lu-177", ""),
    ]
    .iter()
    .enumerate()
    .map(|(i, (n, dd))| {
        let out = t.path().join(format!("s{i}"));
        let r = run_into(&ctx, &study(n, dd), &out, Some(1)).unwrap();
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        (r.dose_gy, s["decay_data"].clone())
    })
    .collect();
    assert!(
        runs[0].0 == runs[1].0,
        "decay_data = endf against endf:Lu-177"
    );
    assert_eq!(runs[0].1, "endf");
    assert_eq!(runs[1].1, "endf");
    assert_eq!(runs[2].1, "icrp107");
    let local = |d: DecayData| {
        let e = theradose::source::nuclide::Nuclide::load_from("Lu-177", d)
            .unwrap()
            .mean_energy();
        e.beta_minus + e.beta_plus + e.ce_auger + e.alpha + e.recoil
    };
    let want = local(DecayData::Endf) / local(DecayData::Icrp107);
    let (e, i): (f64, f64) = (runs[0].0.iter().sum(), runs[2].0.iter().sum());
    assert!(i > 0.0);
    assert!(
        (e / i / want - 1.0).abs() < 1e-9,
        "{} against {want}",
        e / i
    );
    let bad: Result<DosimetrySpec, _> = toml::from_str(
        &STUDY
            .replace("NUCLIDE", "Lu-177")
            .replace("DECAY_DATA", "decay_data = \"jeff\""),
    );
    let e = bad.unwrap_err().to_string();
    for w in ["decay_data", "jeff", "icrp107", "endf"] {
        assert!(e.contains(w), "'{w}' not in: {e}");
    }
}

/// The kernels of a chain (`dose --method vsv --chain`) are every member's from the parent's
/// data: `decay_data = endf` and an "endf:" parent give ENDF kernels for Pb-212, Bi-212,
/// Po-212 and Tl-208 (cached without the `_icrp107` suffix), the default gives ICRP-107 ones.
#[test]
fn chain_kernels_use_the_parents_data() {
    let ctx = Context::load().unwrap();
    let t = tempfile::tempdir().unwrap();
    let db = MaterialDb::load().unwrap();
    let ph = builtin::build("water-cube", &db, Some(20.0), &[]).unwrap();
    let opts = |nuclide: &str, data: DecayData| KernelOptions {
        nuclide: nuclide.into(),
        chain: true,
        voxel_mm: 20.0,
        medium: "water".into(),
        tissue_kernels: false,
        n: Some(1),
        histories: 200,
        seed: 1,
        threads: Some(1),
        cache: t.path().to_path_buf(),
        decay_data: data,
    };
    for (nuclide, data, want) in [
        ("Pb-212", DecayData::Endf, DecayData::Endf),
        ("endf:Pb-212", DecayData::Icrp107, DecayData::Endf),
        ("Pb-212", DecayData::Icrp107, DecayData::Icrp107),
    ] {
        let (_, _, info) = kernel_set(&ctx, &opts(nuclide, data), &ph).unwrap();
        let members = &info[0].members;
        let names: Vec<&str> = members.iter().map(|m| m.nuclide.as_str()).collect();
        for m in ["Pb-212", "Bi-212", "Po-212", "Tl-208"] {
            assert!(names.contains(&m), "{m} not in {names:?}");
        }
        for m in members {
            assert_eq!(m.decay_data, want, "{nuclide} {data}: {}", m.nuclide);
            let file = m.file.file_name().unwrap().to_str().unwrap();
            assert_eq!(
                file.ends_with("_icrp107.csv"),
                want == DecayData::Icrp107,
                "{file}"
            );
        }
    }
}
