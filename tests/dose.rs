//! Dose methods of `theradose dose` (issue 6): FFT convolution against direct summation, voxel
//! S-value convolution and local deposition against full Monte Carlo in a homogeneous water
//! phantom, region statistics, and bad inputs.

use std::path::Path;
use theradose::context::Context;
use theradose::dosimetry::convolve::{convolve_direct, convolve_fft, Kernel};
use theradose::dosimetry::regions::RegionDose;
use theradose::io::{write_volume, Volume};
use theradose::materials::MaterialDb;
use theradose::phantom::builtin;
use theradose::study::dose::{run_files, DoseFiles};

/// Runs `theradose dose` as the command does (reads the files, computes, writes the outputs).
fn compute(a: &DoseFiles) -> anyhow::Result<Vec<RegionDose>> {
    Ok(run_files(&Context::load()?, a)?.regions)
}

/// A deterministic pseudo-random value in [0, 1) (splitmix64).
fn hash01(i: u64) -> f64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Largest |a - b| over the largest |a| (relative difference of two convolutions).
fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    worst / scale
}

#[test]
fn fft_convolution_equals_direct_convolution() {
    // an asymmetric kernel with different half-widths per axis, on a grid whose sizes need
    // padding (odd, prime) and a sparse source with voxels at every face
    let dims = [13, 7, 11];
    let n = dims.iter().product::<usize>();
    let src: Vec<f64> = (0..n as u64)
        .map(|i| {
            if hash01(i) < 0.3 {
                hash01(i + 1000)
            } else {
                0.0
            }
        })
        .collect();
    let half = [3, 2, 4];
    let w: usize = half.iter().map(|h| 2 * h + 1).product();
    let kernel = Kernel {
        half,
        data: (0..w as u64).map(|i| hash01(i + 7777) - 0.2).collect(),
    };
    let a = convolve_direct(&src, dims, &kernel).unwrap();
    let b = convolve_fft(&src, dims, &kernel).unwrap();
    // issue 6: FFT equals direct convolution to 1e-9 relative
    let d = max_rel_diff(&a, &b);
    assert!(d <= 1e-9, "relative difference {d:e}");
    // a kernel wider than the grid (its wrapped copy must not overlap itself)
    let small = [3, 4, 2];
    let src_s: Vec<f64> = (0..24u64).map(|i| hash01(i + 99)).collect();
    let wide = Kernel::from_octant(6, |i, j, k| 1.0 / (1.0 + (i + 2 * j + 3 * k) as f64));
    let a = convolve_direct(&src_s, small, &wide).unwrap();
    let b = convolve_fft(&src_s, small, &wide).unwrap();
    let d = max_rel_diff(&a, &b);
    assert!(d <= 1e-9, "wide kernel: relative difference {d:e}");
    // a symmetric kernel from an octant
    let k = Kernel::from_octant(4, |i, j, k| 1.0 / (1.0 + (i * i + j * j + k * k) as f64));
    assert_eq!(k.at([-3, 2, -1]), k.at([3, 2, 1]));
    let a = convolve_direct(&src, dims, &k).unwrap();
    let b = convolve_fft(&src, dims, &k).unwrap();
    let d = max_rel_diff(&a, &b);
    assert!(d <= 1e-9, "relative difference {d:e}");
}

/// Writes a TIA map uniform in the voxels of `water-cube` (8 mm voxels, 25^3) whose centres lie
/// within 24 mm of the centre voxel's centre (123 voxels), `bq_s` per voxel; and the mask.
fn sphere_tia(dir: &Path, bq_s: f64) -> (std::path::PathBuf, std::path::PathBuf, usize) {
    let db = MaterialDb::load().unwrap();
    let ph = builtin::build("water-cube", &db, Some(8.0), &[]).unwrap();
    assert_eq!(ph.grid.dims, [25, 25, 25]);
    let mut data = vec![0.0f64; ph.len()];
    let mut count = 0;
    for (v, d) in data.iter_mut().enumerate() {
        let (i, j, k) = ph.ijk(v);
        let r2 = [i, j, k]
            .iter()
            .map(|&x| (x as f64 - 12.0).powi(2))
            .sum::<f64>();
        if r2 <= 9.0 + 1e-9 {
            *d = bq_s;
            count += 1;
        }
    }
    let tia = dir.join("tia.nii.gz");
    let mask = dir.join("sphere.nii.gz");
    write_volume(
        &tia,
        &Volume {
            grid: ph.grid.clone(),
            data: data.clone(),
        },
        "test TIA Bq s",
    )
    .unwrap();
    let m: Vec<f32> = data
        .iter()
        .map(|&x| if x > 0.0 { 1.0 } else { 0.0 })
        .collect();
    write_volume(
        &mask,
        &Volume {
            grid: ph.grid.clone(),
            data: m,
        },
        "sphere mask",
    )
    .unwrap();
    (tia, mask, count)
}

fn read(p: &Path) -> Vec<f64> {
    theradose::io::read_volume(p).unwrap().data
}

fn column(csv: &str, region: &str, col: &str) -> f64 {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == col).unwrap();
    let row = lines
        .find(|l| l.starts_with(&format!("{region},")))
        .unwrap();
    row.split(',').nth(c).unwrap().parse().unwrap()
}

/// Uniform Lu-177 in a 24 mm-radius sphere of 8 mm voxels in water: the VSV convolution
/// (kernel from the project's `vsv` computation in water at 8 mm) agrees with the full Monte
/// Carlo within 3% in every voxel above 10% of the maximum (issue 6). Statistics: 1e7 MC
/// decays over 123 source voxels give about 0.45% (1 sigma) per source voxel; the kernel's
/// 2e6 decays about 0.1% on S(0,0,0), which carries most of the dose.
///
/// LDM against MC on the sphere's mean dose: LDM deposits the electron energy (0.1479 MeV per
/// decay, ICRP-107 Lu-177: beta 0.1333 + conversion/Auger 0.0146) and ignores the photons
/// (0.0617 MeV). The Monte Carlo adds the photon energy absorbed in the sphere and removes the
/// electron energy escaping through its surface. Expected MC/LDM - 1 = phi_gamma E_gamma / E_e -
/// f_esc, where
/// - phi_gamma, the absorbed fraction of Lu-177 photons in a 63 g water sphere, is about 0.04 to
///   0.08 (Stabin & Konijnenberg 2000, J Nucl Med 41:149, photons of 100-200 keV in spheres of
///   tens of grams), i.e. +1.7 to +3.3%;
/// - f_esc, the electron energy escaping, is about (S / 4V) x (energy-weighted mean penetration,
///   about 0.3-0.4 mm for Lu-177 betas): the voxelised sphere's surface S is about 115 cm2
///   (1.5 times the sphere's), V = 63 cm3, so f_esc is 1.4 to 1.8%.
///
/// So MC/LDM - 1 is expected within -0.1% to +1.9%; the test allows [-1%, +3%].
#[test]
fn vsv_and_ldm_agree_with_monte_carlo_in_a_water_sphere() {
    let dir = tempfile::tempdir().unwrap();
    let (tia, mask, n_src) = sphere_tia(dir.path(), 1e9);
    assert_eq!(n_src, 123);
    let cache = dir.path().join("cache");
    let run = |method: &str, hist: u64| {
        let out = dir.path().join(method);
        let mut a = DoseFiles::with_method(method, "water-cube", &tia, "Lu-177", &out).unwrap();
        a.spec.histories = hist;
        a.spec.kernel_medium = "water".into();
        a.spec.kernel_cache = Some(cache.clone());
        a.spec.kernel_n = Some(12);
        a.masks = vec![mask.clone()];
        compute(&a).unwrap();
        out
    };
    let mc = run("mc", 10_000_000);
    // the Monte Carlo reports its figure of merit (1 / (rel^2 x CPU s)) of the hottest region
    let sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(mc.join("summary.json")).unwrap()).unwrap();
    let info = &sum["method_info"];
    let f = &info["figure_of_merit"];
    let (rel, cpu) = (
        f["rel_uncertainty"].as_f64().unwrap(),
        info["cpu_seconds"].as_f64().unwrap(),
    );
    let fom = f["per_cpu_second"].as_f64().unwrap();
    assert!(f["region"].is_string() && rel > 0.0 && cpu > 0.0, "{info}");
    assert!((fom * rel * rel * cpu - 1.0).abs() < 1e-9, "{f}");
    let vsv = run("vsv", 0);
    let ldm = run("ldm", 0);
    let (dm, dv) = (
        read(&mc.join("dose.nii.gz")),
        read(&vsv.join("dose.nii.gz")),
    );
    let unc = read(&mc.join("uncertainty.nii.gz"));
    let max = dm.iter().cloned().fold(0.0, f64::max);
    let mut checked = 0;
    let mut worst: f64 = 0.0;
    for v in 0..dm.len() {
        if dm[v] > 0.1 * max {
            checked += 1;
            let d = (dv[v] - dm[v]) / dm[v];
            assert!(
                d.abs() <= 0.03,
                "voxel {v}: VSV {} Gy, MC {} Gy (+-{:.2}%), difference {:.2}%",
                dv[v],
                dm[v],
                100.0 * unc[v],
                100.0 * d
            );
            worst = worst.max(d.abs());
        }
    }
    assert!(
        checked >= n_src,
        "{checked} voxels above 10% of the maximum"
    );
    eprintln!("VSV vs MC: {checked} voxels, worst {:.2}%", 100.0 * worst);
    let csv = |d: &Path| std::fs::read_to_string(d.join("regions.csv")).unwrap();
    let (m_mc, m_ldm) = (
        column(&csv(&mc), "sphere", "mean_gy"),
        column(&csv(&ldm), "sphere", "mean_gy"),
    );
    let ratio = m_mc / m_ldm - 1.0;
    eprintln!(
        "sphere mean dose: MC {m_mc} Gy, LDM {m_ldm} Gy, MC/LDM - 1 = {:.2}%",
        100.0 * ratio
    );
    assert!((-0.01..=0.03).contains(&ratio), "MC/LDM - 1 = {ratio}");
    // LDM is exactly the electron energy per decay over the voxel mass (8 mm water: 0.512 g)
    let e_e = 0.1479; // MeV per decay, ICRP-107 Lu-177 (electrons incl. conversion and Auger)
    let expect = 1e9 * e_e * 1.602_176_634e-13 / 0.512e-3;
    assert!(
        (m_ldm / expect - 1.0).abs() < 0.01,
        "LDM {m_ldm} vs {expect}"
    );
}

/// Bad inputs give errors that name the file and what was expected (issue 6).
#[test]
fn bad_tia_maps_are_rejected_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (good, _, _) = sphere_tia(dir.path(), 1e6);
    let mut vol = theradose::io::read_volume(&good).unwrap();
    let err = |path: &Path, method: &str| {
        let a = DoseFiles::with_method(
            method,
            "water-cube",
            path,
            "Lu-177",
            &dir.path().join("out"),
        );
        format!("{:#}", a.and_then(|a| compute(&a)).unwrap_err())
    };
    // NaN voxel
    vol.data[100] = f64::NAN;
    let p = dir.path().join("nan.nii.gz");
    write_volume(&p, &vol, "nan").unwrap();
    let e = err(&p, "ldm");
    assert!(
        e.contains("nan.nii.gz") && e.contains("NaN") && e.contains("(0, 4, 0)"),
        "{e}"
    );
    // negative voxel
    vol.data[100] = -5.0;
    let p = dir.path().join("neg.nii.gz");
    write_volume(&p, &vol, "neg").unwrap();
    let e = err(&p, "vsv");
    assert!(
        e.contains("neg.nii.gz") && e.contains("non-negative"),
        "{e}"
    );
    // a grid that does not match the phantom voxelised at its voxel size
    let small = Volume {
        grid: theradose::io::Grid::new([10, 10, 10], [8.0, 8.0, 8.0]),
        data: vec![1.0f64; 1000],
    };
    let p = dir.path().join("small.nii.gz");
    write_volume(&p, &small, "small").unwrap();
    let e = err(&p, "mc");
    assert!(
        e.contains("small.nii.gz") && e.contains("expected 25x25x25"),
        "{e}"
    );
    // anisotropic voxels: the built-in phantom is voxelised at 8 x 8 x 4 mm, whose grid
    // (25 x 25 x 50 over the 200 mm cube) the 10 x 10 x 10 map does not match
    let aniso = Volume {
        grid: theradose::io::Grid::new([10, 10, 10], [8.0, 8.0, 4.0]),
        data: vec![1.0f64; 1000],
    };
    let p = dir.path().join("aniso.nii.gz");
    write_volume(&p, &aniso, "aniso").unwrap();
    let e = err(&p, "ldm");
    assert!(
        e.contains("aniso.nii.gz") && e.contains("expected 25x25x50"),
        "{e}"
    );
    // an unknown method
    let e = err(&good, "fft");
    assert!(e.contains("expected mc, vsv or ldm"), "{e}");
}

/// Serial images -> `tia-map` -> `dose`: noise-free mono-exponential images in Bq/mL give the
/// analytic TIA (A0 / lambda_eff) in every voxel, and the map feeds `dose`.
#[test]
fn tia_map_from_images_feeds_the_dose_command() {
    let dir = tempfile::tempdir().unwrap();
    let (tia, _, n) = sphere_tia(dir.path(), 1.0);
    let unit = theradose::io::read_volume(&tia).unwrap();
    let ml = unit.grid.voxel_volume_cm3();
    let t_eff_h = 40.0;
    let a0_bq = 2e6; // per source voxel at t = 0
    let times = [4.0, 24.0, 96.0, 168.0];
    let mut images = Vec::new();
    for t in times {
        let f = (-(std::f64::consts::LN_2 / t_eff_h) * t).exp();
        let data: Vec<f64> = unit.data.iter().map(|&u| u * a0_bq * f / ml).collect();
        let p = dir.path().join(format!("img_{t}h.nii.gz"));
        write_volume(
            &p,
            &Volume {
                grid: unit.grid.clone(),
                data,
            },
            "Bq/mL",
        )
        .unwrap();
        images.push(p.display().to_string());
    }
    let out = dir.path().join("tia");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "tia-map",
            "--times-h",
            "4,24,96,168",
            "--images",
            &images.join(","),
            "--nuclide",
            "Lu-177",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let map = read(&out.join("tia.nii.gz"));
    let expect = a0_bq * t_eff_h * 3600.0 / std::f64::consts::LN_2; // Bq s
    let total: f64 = map.iter().sum();
    // exact for noise-free mono-exponential data (issue 6: <= 0.5%)
    assert!(
        (total / (expect * n as f64) - 1.0).abs() < 0.005,
        "{total} vs {}",
        expect * n as f64
    );
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "dose",
            "--method",
            "ldm",
            "--dicom",
            "--phantom",
            "water-cube",
            "--nuclide",
            "Lu-177",
            "--tia",
        ])
        .arg(out.join("tia.nii.gz"))
        .arg("--out")
        .arg(dir.path().join("ldm"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    // the RT Dose export holds the same dose on the same grid (32-bit quantisation; NIfTI f32)
    let nii = theradose::io::read_volume(&dir.path().join("ldm/dose.nii.gz")).unwrap();
    let dcm = theradose::io::dicom::read_rt_dose(&dir.path().join("ldm/dose.dcm")).unwrap();
    assert!(dcm.grid.same_geometry(&nii.grid, 1e-4));
    let max = nii.data.iter().cloned().fold(0.0, f64::max);
    assert!(nii
        .data
        .iter()
        .zip(&dcm.data)
        .all(|(a, b)| (a - b).abs() <= 1e-6 * max));
    let csv = std::fs::read_to_string(dir.path().join("ldm/regions.csv")).unwrap();
    assert!(csv.starts_with("region,mass_g,mean_gy,rel_uncertainty,d90_gy,d50_gy,d2_gy,max_gy"));
    // mismatched counts are refused
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "tia-map",
            "--times-h",
            "4,24",
            "--images",
            &images.join(","),
            "--nuclide",
            "Lu-177",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("expected one time per image"));
}

/// `dose --method mc` into a folder holding the checkpoint of another map is refused (the run
/// name hashes the map; issue 20: nothing is replaced unasked), starts afresh when forced, and
/// resumes its own: a map scaled by 2 gives exactly twice the dose (same seed, same relative
/// source), a repeated run the same dose.
#[test]
fn mc_checkpoints_belong_to_their_map() {
    use theradose::run::guard::Existing;
    let dir = tempfile::tempdir().unwrap();
    let (tia1, _, _) = sphere_tia(dir.path(), 1e9);
    let d2 = dir.path().join("x2");
    std::fs::create_dir_all(&d2).unwrap();
    let (tia2, _, _) = sphere_tia(&d2, 2e9);
    let out = dir.path().join("mc");
    let job = |tia: &Path, existing: Existing| {
        let mut a = DoseFiles::with_method("mc", "water-cube", tia, "Lu-177", &out).unwrap();
        a.spec.histories = 20_000;
        a.existing = existing;
        a
    };
    let run = |tia: &Path, existing: Existing| {
        compute(&job(tia, existing)).unwrap();
        read(&out.join("dose.nii.gz"))
    };
    let a = run(&tia1, Existing::Resume);
    let e = compute(&job(&tia2, Existing::Resume)).unwrap_err();
    assert!(format!("{e:#}").contains("different run"), "{e:#}");
    let b = run(&tia2, Existing::Force);
    let again = run(&tia2, Existing::Resume);
    let i = a
        .iter()
        .enumerate()
        .fold(0, |m, (i, &x)| if x > a[m] { i } else { m });
    assert!((b[i] / a[i] - 2.0).abs() < 1e-6, "{} vs {}", b[i], a[i]);
    assert_eq!(b, again);
}
