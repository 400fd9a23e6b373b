//! PET simulation (issue 7): projector, noise, reconstruction, metrics, response criteria and
//! the `theradose pet` command. Each test names its reference or the exact answer it knows.

use theradose::io::Grid;
use theradose::materials::MaterialDb;
use theradose::pet::criteria::{eortc, percist, Category};
use theradose::pet::geometry::{Ray, SinoGeom};
use theradose::pet::metrics::{self, Threshold};
use theradose::pet::noise::poisson_sinogram;
use theradose::pet::phantom_activity as pa;
use theradose::pet::projector::Projector;
use theradose::pet::{simulate, PetOptions, Scanner};
use theradose::phantom::{builtin, Phantom};
use theradose::rng::HistoryRng;

/// A water cylinder of radius 100 mm and length 60 mm in a 216 x 216 x 48 mm air box, so the
/// cylinder fills every slice (a uniform cylinder in every plane).
const CYLINDER: &str = r#"
name = "cylinder"
description = "water cylinder, radius 100 mm"
size_mm = [216.0, 216.0, 48.0]
background = "air"
default_voxel_mm = 4.0

[[shape]]
label = "water"
material = "water"
density = 1.0
kind = "cylinder"
center_mm = [0.0, 0.0, 0.0]
radius_mm = 100.0
half_length_mm = 30.0
axis = "z"
"#;

fn cylinder(voxel_mm: f64) -> (tempfile::TempDir, std::path::PathBuf, Phantom) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cylinder.toml");
    std::fs::write(&path, CYLINDER).unwrap();
    let db = MaterialDb::load().unwrap();
    let def = builtin::load_def(path.to_str().unwrap()).unwrap();
    let ph = def.voxelise(&db, voxel_mm, 3, &[]).unwrap();
    (dir, path, ph)
}

fn noise_free() -> PetOptions {
    PetOptions {
        noise: false,
        duration_s: 600.0,
        ..PetOptions::default()
    }
}

#[test]
fn uniform_cylinder_reconstructs_to_its_concentration() {
    // Issue 7 requirement: noise-free PET of a uniform cylinder reconstructs to the true
    // concentration within 2% in its centre, attenuation corrected (mu of water at 511 keV
    // in the system model; without correction the centre of a 20 cm water cylinder would read
    // about exp(-0.096 x 20) = 15% of it).
    let (_d, _p, ph) = cylinder(4.0);
    let act = pa::uniform(&ph, 5000.0).unwrap();
    let sc = Scanner::load("clinical").unwrap();
    let img = simulate(&ph, &act, "F-18", &sc, &noise_free()).unwrap();
    let central = pa::central_voxels(&ph, pa::largest_region(&ph).unwrap());
    assert!(central.len() > 100);
    let mean = metrics::suv_mean(&img.recon_bq_ml, &central);
    assert!(
        (mean / 5000.0 - 1.0).abs() < 0.02,
        "central mean {mean} Bq/mL"
    );
}

#[test]
fn noisy_cylinder_with_scatter_and_randoms_is_unbiased() {
    // With about 4e7 trues (9e7 prompts), a scatter fraction of 0.4 and a randoms fraction of
    // 0.2 (known to the reconstruction, as after ideal corrections), the central mean of the
    // uniform cylinder stays within 2% of the truth: the Poisson data are unbiased and OSEM's
    // bias at this count level is far below it (its noise over ~2000 central voxels is ~0.3%).
    let (_d, _p, ph) = cylinder(4.0);
    let act = pa::uniform(&ph, 5000.0).unwrap();
    let sc = Scanner::load("clinical").unwrap();
    let opts = PetOptions {
        scatter_fraction: 0.4,
        randoms_fraction: 0.2,
        ..PetOptions::default()
    };
    let img = simulate(&ph, &act, "F-18", &sc, &opts).unwrap();
    let central = pa::central_voxels(&ph, pa::largest_region(&ph).unwrap());
    let mean = metrics::suv_mean(&img.recon_bq_ml, &central);
    assert!(
        (mean / 5000.0 - 1.0).abs() < 0.02,
        "central mean {mean} Bq/mL"
    );
    assert!(img.prompts > 1e7, "{}", img.prompts);
}

#[test]
fn nema_recovery_rises_with_sphere_size() {
    // Partial-volume recovery of the NEMA IEC spheres rises monotonically with diameter
    // (NEMA NU 2-2018 section 7; e.g. Hsu et al. 2017 J Nucl Med 58:1511, contrast recovery
    // 53.7% (10 mm) to 90.7% (37 mm) on the Discovery MI).
    let db = MaterialDb::load().unwrap();
    let ph = builtin::build("nema-iec", &db, Some(4.0), &[]).unwrap();
    let act = pa::sphere_to_background(&ph, 4.0, 5000.0).unwrap();
    let sc = Scanner::load("clinical").unwrap();
    let img = simulate(&ph, &act, "F-18", &sc, &noise_free()).unwrap();
    let rc = pa::sphere_recovery(&ph, &img.recon_bq_ml, &img.truth_bq_ml);
    let d: Vec<f64> = rc.iter().map(|r| r.diameter_mm).collect();
    assert_eq!(d, [10.0, 13.0, 17.0, 22.0, 28.0, 37.0]);
    for w in rc.windows(2) {
        assert!(w[1].mean > w[0].mean, "{rc:?}");
    }
    assert!(
        rc[0].mean < 0.9 && rc[5].mean > 0.8 && rc[5].mean < 1.05,
        "{rc:?}"
    );
}

#[test]
fn expected_trues_follow_the_sensitivity() {
    // In (nearly) unattenuating air the expected trues are efficiency x positron yield x
    // decays during the scan: 0.048 (clinical model) x 0.9673 (F-18 positrons per decay,
    // ICRP-107) x C V (1 - exp(-lambda T)) / lambda, T1/2 = 109.77 min (ICRP-107).
    // Tolerance 1%: air at 511 keV removes 0.1% over 10 cm (mu/rho 0.087 cm2/g x 0.0012 g/cm3)
    // and the sum of chords over bins approximates the source area by the midpoint rule.
    let db = MaterialDb::load().unwrap();
    let air = db.get("air").unwrap().clone();
    let ph = Phantom::homogeneous(air, 0.001205, [30, 30, 6], 4.0, "air").unwrap();
    let mut act = vec![0.0; ph.len()];
    for k in 2..4 {
        for j in 5..25 {
            for i in 5..25 {
                act[ph.grid.index(i, j, k)] = 1000.0;
            }
        }
    }
    let sc = Scanner::load("clinical").unwrap();
    let opts = PetOptions {
        positron_histories: 0,
        iterations: 1,
        ..noise_free()
    };
    let img = simulate(&ph, &act, "F-18", &sc, &opts).unwrap();
    let lambda = std::f64::consts::LN_2 / (109.77 * 60.0);
    let tau = (1.0 - (-lambda * 600.0f64).exp()) / lambda;
    let bq = 1000.0 * 800.0 * 0.064; // Bq/mL x voxels x mL per voxel
    let want = 0.048 * 0.9673 * bq * tau;
    assert!(
        (img.expected_trues / want - 1.0).abs() < 0.01,
        "{} vs {want}",
        img.expected_trues
    );
    // one half-life of uptake before the scan halves the truth and the counts
    let later = PetOptions {
        uptake_s: 109.77 * 60.0,
        ..opts
    };
    let half = simulate(&ph, &act, "F-18", &sc, &later).unwrap();
    assert!((half.expected_trues / img.expected_trues - 0.5).abs() < 1e-9);
    assert!((metrics::suv_max(&half.truth_bq_ml, &[0, 5 + 30 * 5 + 1800]) - 500.0).abs() < 1e-9);
}

/// Chord length of the line {p . (c, s) = t} through [-hx, hx] x [-hy, hy] by Liang-Barsky
/// clipping of the parametric line (independent of the Siddon walk).
fn chord(c: f64, s: f64, t: f64, hx: f64, hy: f64) -> f64 {
    let (p, u) = ([t * c, t * s], [-s, c]);
    let (mut a, mut b) = (f64::NEG_INFINITY, f64::INFINITY);
    for (pa, ua, h) in [(p[0], u[0], hx), (p[1], u[1], hy)] {
        if ua.abs() < 1e-300 {
            if pa.abs() >= h {
                return 0.0;
            }
            continue;
        }
        let (t0, t1) = ((-h - pa) / ua, (h - pa) / ua);
        a = a.max(t0.min(t1));
        b = b.min(t0.max(t1));
    }
    (b - a).max(0.0)
}

#[test]
fn siddon_lengths_sum_to_the_chord() {
    // The intersection lengths of a line with the pixels of a box sum to the chord of the
    // line through the box (exact geometry; 1e-9 relative allows rounding only).
    let g = SinoGeom {
        nx: 37,
        ny: 23,
        nz: 1,
        dx_mm: 2.5,
        dy_mm: 4.0,
        n_views: 1,
        n_bins: 1,
        bin_mm: 1.0,
    };
    let (hx, hy) = (0.5 * 37.0 * 2.5, 0.5 * 23.0 * 4.0);
    let mut rng = HistoryRng::new(7, 0);
    let mut ray = Ray::default();
    let mut hits = 0;
    for _ in 0..20_000 {
        let phi = std::f64::consts::PI * rng.uniform();
        let t = (2.0 * rng.uniform() - 1.0) * 60.0;
        let (s, c) = phi.sin_cos();
        g.trace_line(c, s, t, &mut ray);
        let want = chord(c, s, t, hx, hy);
        assert!(
            (ray.total_mm() - want).abs() <= 1e-9 * want.max(1.0),
            "phi {phi} t {t}: {} vs {want}",
            ray.total_mm()
        );
        assert!(ray
            .len_mm
            .iter()
            .all(|&l| l > 0.0 && l <= 2.5f64.hypot(4.0) + 1e-12));
        assert!(ray.pixel.iter().all(|&p| (p as usize) < 37 * 23));
        hits += usize::from(want > 0.0);
    }
    assert!(hits > 10_000);
}

#[test]
fn backprojector_is_the_adjoint() {
    // <P x, y> = <x, P^T y> (same traversals both ways); 20 planes span two plane blocks.
    let g = SinoGeom {
        nx: 19,
        ny: 14,
        nz: 20,
        dx_mm: 3.0,
        dy_mm: 3.0,
        n_views: 24,
        n_bins: 31,
        bin_mm: 1.5,
    };
    let p = Projector::new(g.clone());
    let mut rng = HistoryRng::new(3, 1);
    let x: Vec<f64> = (0..19 * 14 * 20).map(|_| rng.uniform()).collect();
    let mut y = p.zeros();
    y.data.iter_mut().for_each(|v| *v = rng.uniform());
    for views in [(0..24).collect::<Vec<_>>(), (1..24).step_by(4).collect()] {
        let mut px = p.zeros();
        p.forward(&x, &views, &mut px);
        let mut ys = p.zeros();
        for r in p.view_ranges(&views) {
            ys.data[r.clone()].copy_from_slice(&y.data[r]);
        }
        let lhs: f64 = px.data.iter().zip(&ys.data).map(|(a, b)| a * b).sum();
        let pty = p.back(&ys, &views);
        let rhs: f64 = x.iter().zip(&pty).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() <= 1e-9 * lhs.abs(), "{lhs} vs {rhs}");
    }
}

#[test]
fn poisson_noise_has_its_mean_and_variance_for_any_thread_count() {
    // A Poisson variable has variance equal to its mean; n = 96,000 LORs of mean 7.3: the
    // sample mean is within 5 sigma = 5 sqrt(7.3 / n) and the sample variance within
    // 5 sqrt(2 m^2 / n + m / n) (the variance of the sample variance).
    let g = SinoGeom {
        nx: 4,
        ny: 4,
        nz: 20,
        dx_mm: 1.0,
        dy_mm: 1.0,
        n_views: 60,
        n_bins: 80,
        bin_mm: 1.0,
    };
    let p = Projector::new(g);
    let mut mean = p.zeros();
    mean.data.iter_mut().for_each(|v| *v = 7.3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| poisson_sinogram(&p, &mean, 11))
    };
    let a = run(1);
    assert_eq!(a, run(3), "noise differs between 1 and 3 threads");
    let n = a.data.len() as f64;
    let m = a.data.iter().sum::<f64>() / n;
    let var = a.data.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    assert!((m - 7.3).abs() < 5.0 * (7.3 / n).sqrt(), "mean {m}");
    let sd_var = (2.0 * 7.3 * 7.3 / n + 7.3 / n).sqrt();
    assert!((var - 7.3).abs() < 5.0 * sd_var, "variance {var}");
    assert!(a.data.iter().all(|x| x.fract() == 0.0 && *x >= 0.0));
}

#[test]
fn noisy_scan_is_identical_for_any_thread_count() {
    let (_d, _p, ph) = cylinder(8.0);
    let act = pa::uniform(&ph, 2000.0).unwrap();
    let sc = Scanner::load("clinical").unwrap();
    let opts = PetOptions {
        duration_s: 30.0,
        iterations: 2,
        subsets: 4,
        positron_histories: 2000,
        scatter_fraction: 0.3,
        randoms_fraction: 0.1,
        ..PetOptions::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| simulate(&ph, &act, "F-18", &sc, &opts).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.recon_bq_ml, b.recon_bq_ml);
    assert!(a.prompts > a.expected_trues);
}

#[test]
fn suv_peak_and_mtv_of_a_uniform_sphere() {
    // A sphere of radius 12 mm holding 10 in a background of 1 (1 mm voxels): the 1 mL peak
    // sphere (radius 6.2 mm) fits inside it, so SUVpeak = SUVmax = SUVmean = 10 exactly; the
    // 41% isocontour (4.1) and the SUV >= 2.5 threshold both select the sphere's voxels, whose
    // volume is 4/3 pi 1.2^3 = 7.238 mL within the voxelisation error (2% at 12 voxels radius).
    let grid = Grid::new([40, 40, 40], [1.0; 3]);
    let mut img = vec![1.0; grid.len()];
    let mut inside = 0usize;
    for k in 0..40 {
        for j in 0..40 {
            for i in 0..40 {
                let r2 = [i, j, k]
                    .map(|a| (a as f64 - 19.5).powi(2))
                    .iter()
                    .sum::<f64>();
                if r2 <= 144.0 {
                    img[grid.index(i, j, k)] = 10.0;
                    inside += 1;
                }
            }
        }
    }
    let voi: Vec<u32> = (0..grid.len() as u32).collect();
    let peak = metrics::suv_peak(&img, &grid, &voi).unwrap();
    assert!((peak.value - 10.0).abs() < 1e-12, "{peak:?}");
    assert_eq!(metrics::suv_max(&img, &voi), 10.0);
    let analytic = 4.0 / 3.0 * std::f64::consts::PI * 1.2f64.powi(3);
    for t in [Threshold::FractionOfMax(0.41), Threshold::Absolute(2.5)] {
        let m = metrics::mtv(&img, &grid, &voi, t);
        assert_eq!(m.voxels.len(), inside);
        assert!(
            (m.volume_ml / analytic - 1.0).abs() < 0.02,
            "{}",
            m.volume_ml
        );
        assert!((m.mean - 10.0).abs() < 1e-12);
        assert!((m.tlg - 10.0 * m.volume_ml).abs() < 1e-9);
    }
    let lm = metrics::lesion_metrics(&img, &grid, &voi).unwrap();
    assert_eq!(
        (lm.suv_max, lm.mtv41_ml, lm.mtv25_ml),
        (10.0, lm.mtv25_ml, inside as f64 * 1e-3)
    );
    assert!((lm.suv_peak - 10.0).abs() < 1e-12 && (lm.tlg41 - 10.0 * lm.mtv41_ml).abs() < 1e-9);
    assert!(metrics::lesion_metrics(&img, &grid, &[]).is_none());
    // the peak sphere's voxel weights add up to its 1 mL volume (8^3 sub-samples: 1%)
    let w: f64 = metrics::sphere_weights([1.0; 3], 6.2035)
        .iter()
        .map(|x| x.1)
        .sum();
    assert!((w / 1000.0 - 1.0).abs() < 0.01, "{w}");
}

#[test]
fn suv_scale_by_hand() {
    // SUV = C / (A_inj 2^(-t/T) / m): 370 MBq F-18 (T = 109.77 min, ICRP-107), 60 min uptake,
    // 70 kg: A(t) = 370e6 x 2^(-60/109.77) = 253.31 MBq; 5000 Bq/mL -> SUV = 5000 x 70000 /
    // 2.5331e8 = 1.3817.
    let s = metrics::suv_scale(370e6, 70e3, 3600.0, 109.77 * 60.0).unwrap();
    let a = 370e6 * 2f64.powf(-60.0 / 109.77);
    assert!((5000.0 * s - 5000.0 * 70e3 / a).abs() < 1e-12);
    assert!((5000.0 * s - 1.3817).abs() < 1e-4);
    assert!(metrics::suv_scale(0.0, 70e3, 0.0, 1.0).is_err());
}

#[test]
fn percist_at_and_around_its_thresholds() {
    // PERCIST 1.0 (Wahl et al. 2009 J Nucl Med 50 Suppl 1:122S, Table 3): PMR for a SULpeak
    // decrease of at least 30% and at least 0.8 SUL; PMD for an increase of more than 30% and
    // more than 0.8 SUL; CMR when uptake falls to the background level.
    let p = |b, f| percist(b, f, None).unwrap();
    assert_eq!(p(10.0, 7.0), Category::Pmr); // -30%, -3.0: at the threshold
    assert_eq!(p(10.0, 7.01), Category::Smd); // -29.9%
    assert_eq!(p(2.0, 1.4), Category::Smd); // -30% but only -0.6 SUL
    assert_eq!(p(4.0, 3.2), Category::Smd); // -20%, -0.8
    assert_eq!(p(2.6, 1.8), Category::Pmr); // -30.8%, -0.8 SUL: both at or beyond
    assert_eq!(p(4.0, 5.2), Category::Smd); // +30% exactly, +1.2: not more than 30%
    assert_eq!(p(4.0, 5.21), Category::Pmd); // +30.25%, +1.21
    assert_eq!(p(2.0, 2.7), Category::Smd); // +35% but +0.7 SUL
    assert_eq!(p(10.0, 10.0), Category::Smd);
    assert_eq!(percist(10.0, 1.5, Some(2.0)).unwrap(), Category::Cmr);
    assert_eq!(percist(10.0, 2.5, Some(2.0)).unwrap(), Category::Pmr);
    assert!(percist(0.0, 1.0, None).is_err());
    assert!(percist(f64::NAN, 1.0, None).is_err());
}

#[test]
fn eortc_at_and_around_its_thresholds() {
    // EORTC (Young et al. 1999 Eur J Cancer 35:1773): PMR for a decrease of at least 15% after
    // one cycle and more than 25% after more cycles; PMD for an increase of more than 25%.
    let e = |b, f, c| eortc(b, f, c, None).unwrap();
    assert_eq!(e(10.0, 8.5, 1), Category::Pmr); // -15% after one cycle
    assert_eq!(e(10.0, 8.6, 1), Category::Smd); // -14%
    assert_eq!(e(10.0, 8.0, 2), Category::Smd); // -20% after two cycles
    assert_eq!(e(10.0, 7.5, 2), Category::Smd); // -25%: not more than 25%
    assert_eq!(e(10.0, 7.4, 3), Category::Pmr); // -26%
    assert_eq!(e(10.0, 12.5, 2), Category::Smd); // +25%
    assert_eq!(e(10.0, 12.6, 2), Category::Pmd); // +26%
    assert_eq!(eortc(10.0, 0.9, 2, Some(1.0)).unwrap(), Category::Cmr);
    assert!(eortc(10.0, 5.0, 0, None).is_err());
    assert_eq!(Category::Pmd.to_string(), "PMD");
}

#[test]
fn scanner_models_load_with_their_resolution() {
    // Moses 2011 budget without positron range: sqrt((d/2)^2 + (0.0022 D)^2 + b^2)
    let c = Scanner::load("clinical").unwrap();
    let want = (1.975f64.powi(2) + (0.0022f64 * 744.0).powi(2) + 4.0).sqrt();
    assert!((c.transaxial_fwhm_mm() - want).abs() < 1e-12);
    let p = Scanner::load("preclinical").unwrap();
    assert!(p.transaxial_fwhm_mm() < 1.5 && p.efficiency > 0.0);
    let e = Scanner::load("nonexistent").unwrap_err().to_string();
    assert!(e.contains("clinical") && e.contains("preclinical"), "{e}");
}

#[test]
fn positron_range_kernel_keeps_the_transport_rms() {
    // Linear splitting of a uniform source voxel adds delta^2/6 to the variance of the 1D
    // offsets (E[f (1 - f)] delta^2 with f uniform); at 0.05 mm bins the kernel's rms must be
    // sqrt(rms^2 + delta^2/6) to the trimmed tail (1e-5 of the weight; 1%).
    use theradose::pet::positron_range_kernel as prk;
    let nuc = theradose::source::nuclide::Nuclide::load("Ga-68").unwrap();
    let s = prk::samples_1d_mm(&MaterialDb::load().unwrap(), &nuc, 4000, 5).unwrap();
    let rms = prk::rms_mm(&s);
    let k = prk::kernel(&s, 0.05);
    let want = (rms * rms + 0.05f64.powi(2) / 6.0).sqrt();
    assert!(
        (k.rms() * 0.05 / want - 1.0).abs() < 0.01,
        "{} {want}",
        k.rms() * 0.05
    );
    assert!((k.w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Ga-68 (Emax 1.9 MeV) ranges much further than F-18 (0.63 MeV)
    let f = prk::samples_1d_mm(
        &MaterialDb::load().unwrap(),
        &theradose::source::nuclide::Nuclide::load("F-18").unwrap(),
        4000,
        5,
    )
    .unwrap();
    assert!(rms > 2.5 * prk::rms_mm(&f));
}

#[test]
fn cli_writes_images_summary_and_recovery() {
    let out = tempfile::tempdir().unwrap();
    let (_d, path, _ph) = cylinder(8.0);
    let bin = env!("CARGO_BIN_EXE_theradose");
    let run = |args: &[&str], dir: &std::path::Path| {
        let o = std::process::Command::new(bin)
            .arg("pet")
            .args(args)
            .arg("--out")
            .arg(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let a = out.path().join("cyl");
    let p = path.to_str().unwrap();
    let common = [
        "--nuclide",
        "F-18",
        "--scanner",
        "clinical",
        "--duration-s",
        "60",
    ];
    let args = [
        &["--phantom", p, "--uniform-bq-ml", "3000"][..],
        &common[..],
    ]
    .concat();
    run(
        &[
            &args[..],
            &["--voxel-mm", "8", "--positron-histories", "2000"],
        ]
        .concat(),
        &a,
    );
    for f in ["pet.nii.gz", "truth.nii.gz", "summary.json", "pet.png"] {
        assert!(a.join(f).metadata().unwrap().len() > 0, "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["true_bq_ml_central"].as_f64(), Some(3000.0));
    assert!(s["mean_bq_ml_central"].as_f64().unwrap() > 0.0);
    assert!(s["version"].is_string() && s["seed"].is_number());
    let truth = theradose::io::read_volume(&a.join("truth.nii.gz")).unwrap();
    assert_eq!(truth.data.iter().cloned().fold(0.0, f64::max), 3000.0);

    let b = out.path().join("nema");
    let nema = ["--phantom", "nema-iec", "--sphere-to-background", "4"];
    let fast = [
        "--background-bq-ml",
        "5000",
        "--voxel-mm",
        "8",
        "--noise-free",
    ];
    let quick = [
        "--iterations",
        "1",
        "--subsets",
        "4",
        "--positron-histories",
        "0",
    ];
    run(
        &[&nema[..], &fast[..], &quick[..], &common[..]].concat(),
        &b,
    );
    let csv = std::fs::read_to_string(b.join("recovery.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("sphere_diameter_mm,recovery_mean,recovery_max")
    );
    assert_eq!(lines.count(), 6);
}
