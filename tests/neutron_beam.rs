//! BNCT beam: an epithermal beam into a water phantom.

use theradose::context::Context;
use theradose::dosimetry::bnct::{run_beam, BeamSpec, DEPTH_HEADER};

/// The loaded data of the library.
fn ctx() -> Context {
    Context::load().unwrap()
}

fn args(histories: u64) -> BeamSpec {
    BeamSpec {
        particle: "neutron".into(),
        spectrum: "epithermal".into(),
        phantom: "water-cube".into(),
        field_diameter_cm: Some(12.0),
        field_cm: None,
        boron_ppm: 15.0,
        tumour_ppm: None,
        tumour_regions: vec![],
        direction: "+z".into(),
        aim_mm: None,
        histories,
        seed: 3,
        threads: Some(2),
        voxel_mm: None,
        groups: vec![],
        boron_map: None,
        fbpa_pet: None,
        fbpa_reference_suv: 1.0,
        local_gamma: false,
        aperture_epithermal_flux: 1e9,
        prescription_gy: Some(10.0),
    }
}

/// The FiR 1 reference water phantom: a 51 x 51 x 47 cm box of light water, the beam entering
/// a 51 x 51 cm face (AvilaLabs/OpenBNCT validation/fir1-k63-water-phantom/README.md: "cubical
/// light-water phantom, 51 x 51 x 47 cm, matching the large cubical phantom used for FiR 1
/// depth/radial dosimetry (the Seppala 2002 / Koivunoro-era measurement campaigns)").
const FIR1_PHANTOM: &str = r#"name = "fir1-water-phantom"
description = "FiR 1 reference water phantom, 51 x 51 x 47 cm"
reference = "analytic: 51 cm x 51 cm x 47 cm x 1.0 g/cm3"
size_mm = [510.0, 510.0, 470.0]
background = "air"
default_voxel_mm = 5.0

[[shape]]
label = "water"
material = "water"
density = 1.0
kind = "box"
center_mm = [0.0, 0.0, 0.0]
half_size_mm = [255.0, 255.0, 235.0]

[regions.water]
reference_mass_g = 122247.0
source = "analytic: 51 x 51 x 47 cm3 x 1.000 g/cm3"
"#;

/// Radius around the beam axis over which the thermal fluence is averaged per depth (cm): within
/// 3 cm of the axis of a 14 cm field the depth curve is that of the axis (a 1 cm radius gives
/// the same peak depth within its larger noise), with nine times the voxels of the 1 cm curve.
const FIR1_AXIS_RADIUS_CM: f64 = 3.0;

/// Vertex of the least-squares parabola through the points (depth, value) within `half_cm` of
/// the largest value.
fn parabola_vertex(curve: &[(f64, f64)], half_cm: f64) -> f64 {
    let k = (0..curve.len())
        .max_by(|&i, &j| curve[i].1.total_cmp(&curve[j].1))
        .unwrap();
    let x0 = curve[k].0;
    // normal equations of y = c0 + c1 t + c2 t^2, t = x - x0, solved by Cramer's rule
    let (mut m, mut r) = ([[0.0f64; 3]; 3], [0.0f64; 3]);
    for &(x, y) in curve.iter().filter(|p| (p.0 - x0).abs() <= half_cm + 1e-9) {
        let p = [1.0, x - x0, (x - x0) * (x - x0)];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += p[i] * p[j];
            }
            r[i] += p[i] * y;
        }
    }
    let det = |a: &[[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let solve = |c: usize| {
        let mut a = m;
        (0..3).for_each(|i| a[i][c] = r[i]);
        det(&a) / det(&m)
    };
    let (c1, c2) = (solve(1), solve(2));
    assert!(c2 < 0.0, "no maximum near {x0} cm");
    x0 - 0.5 * c1 / c2
}

/// Depth of the thermal-fluence maximum in water for the FiR 1 epithermal beam (issue 5).
///
/// Reference: the thermal-neutron fluence maximum of the FiR 1 beam (14 cm aperture) in its
/// reference water phantom lies at about 2-2.5 cm depth, from Mn-55 and Au-197 activation foils
/// on the phantom axis: Seppala T. (2002), University of Helsinki Report Series in Physics
/// HU-P-D103 (http://hdl.handle.net/10138/23247), and Seren T. et al. (1999), Proc. 8th Int.
/// Symp. on Neutron Capture Therapy. This is the statement as transcribed in the public
/// repository AvilaLabs/OpenBNCT, measurements/fir1-k63-water-phantom.json
/// ("thermal-fluence-max-depth": "Seppala 2002 and Seren 1999 place the maximum at
/// approximately 2-2.5 cm depth ... the figure-derived value is not tabulated"; its README
/// says "~2.0 cm"). NOT checked against the primary publications (not reachable here); the
/// foil spacing and the uncertainty of the depth are not stated there.
///
/// Set-up as published (same sources): 51 x 51 x 47 cm water box (`FIR1_PHANTOM`), beam on the
/// 51 x 51 cm face, uniform 14 cm disc, unboronated water, the measured three-group FiR 1
/// spectrum (`tests/reference/bnct_fir1_spectrum.csv`). Not reproduced: the beam divergence
/// (`theradose beam` has parallel beams only; FiR 1's measured current-to-fluence ratio is 0.77,
/// Seppala 2002 Table 4 as quoted by the same repository, where a parallel beam's is 1), so the
/// computed maximum is expected at or deeper than the measured one: the same beam tilted 30,
/// 45 and 60 degrees from the normal puts it at 1.99, 1.94 and 1.82 cm of perpendicular depth
/// (100 000 histories each), so the divergence accounts for about 0.1 cm.
///
/// Tolerance: the reference interval 2.0-2.5 cm widened by 3 standard deviations of the
/// computed depth (0.05 cm at 100 000 histories: spread of seeds 1-4 on this set-up with the
/// capture gammas deposited locally, 2.07, 2.15, 2.05, 2.15 cm), i.e. 2.25 +- (0.25 + 0.15) cm.
/// Measured (5 mm voxels, thermal fluence averaged within 3 cm of the axis, least-squares
/// parabola over +-1 cm of the largest bin):
/// 2.07 cm here (seed 3, 100 000 histories, about 25 s on 2 threads); 2.14 cm with 800 000
/// histories (2.17 cm on the axis, within 1 cm); 2.17 cm with the 120-bin INEEL spectrum of the
/// same repository in place of the three groups (400 000 histories).
#[test]
fn epithermal_beam_thermal_peak_depth_in_water() {
    let dir = std::env::temp_dir().join("theradose-neutron-beam-fir1");
    std::fs::create_dir_all(&dir).unwrap();
    let phantom = dir.join("fir1-water-phantom.toml");
    std::fs::write(&phantom, FIR1_PHANTOM).unwrap();
    let mut a = args(100_000);
    a.spectrum = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/bnct_fir1_spectrum.csv"
    )
    .into();
    a.phantom = phantom.to_str().unwrap().into();
    a.field_diameter_cm = Some(14.0);
    a.boron_ppm = 0.0;
    let out = std::env::temp_dir().join("theradose-neutron-beam-test");
    run_beam(&ctx(), &a).unwrap().write(&out).unwrap();
    let csv = std::fs::read_to_string(out.join("depth.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), DEPTH_HEADER);
    for f in [
        "summary.json",
        "dvh.csv",
        "dose_boron.nii.gz",
        "dose_nitrogen.nii.gz",
        "dose_hydrogen.nii.gz",
        "dose_gamma.nii.gz",
        "dose_weighted.nii.gz",
        "fluence_thermal.nii.gz",
        "fluence_epithermal.nii.gz",
        "fluence_fast.nii.gz",
        "dose_weighted_rel_unc.nii.gz",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let frac = &s["spectrum_fractions"];
    for (group, f) in [
        ("thermal", 0.0611),
        ("epithermal", 0.9093),
        ("fast", 0.0296),
    ] {
        assert!((frac[group].as_f64().unwrap() - f).abs() < 1e-6, "{group}");
    }
    // thermal fluence per depth, averaged over the voxels within FIR1_AXIS_RADIUS_CM of the axis
    let th = theradose::io::read_volume(&out.join("fluence_thermal.nii.gz")).unwrap();
    let [nx, ny, nz] = th.grid.dims;
    let v_cm = th.grid.spacing_mm.map(|x| 0.1 * x);
    let (cx, cy) = (0.5 * nx as f64 * v_cm[0], 0.5 * ny as f64 * v_cm[1]);
    let curve: Vec<(f64, f64)> = (0..nz)
        .map(|k| {
            let (mut sum, mut n) = (0.0, 0);
            for j in 0..ny {
                for i in 0..nx {
                    let x = (i as f64 + 0.5) * v_cm[0] - cx;
                    let y = (j as f64 + 0.5) * v_cm[1] - cy;
                    if x * x + y * y <= FIR1_AXIS_RADIUS_CM * FIR1_AXIS_RADIUS_CM {
                        sum += th.at(i, j, k);
                        n += 1;
                    }
                }
            }
            ((k as f64 + 0.5) * v_cm[2], sum / n as f64)
        })
        .collect();
    let peak = parabola_vertex(&curve, 1.0);
    let on_axis = s["thermal_fluence_peak_depth_cm"].as_f64().unwrap();
    eprintln!(
        "FiR 1 thermal fluence maximum at {peak:.3} cm (within {FIR1_AXIS_RADIUS_CM} cm of the \
         axis; {on_axis:.2} cm within 1 cm); published 2-2.5 cm"
    );
    assert!(
        (peak - 2.25).abs() <= 0.25 + 0.15,
        "thermal peak at {peak} cm"
    );
    assert!(s["treatment_time_min"].as_f64().unwrap() > 0.0);
    assert!(s["energy_balance_relative_discrepancy"].as_f64().unwrap() < 1e-6);
    // every column is finite and non-negative
    for line in csv.lines().skip(1) {
        assert!(line
            .split(',')
            .all(|x| x.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0)));
    }
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_are_reported() {
    let mut a = args(10);
    a.spectrum = "nonsense".into();
    assert!(run_beam(&ctx(), &a).is_err());
    let mut a = args(10);
    a.field_diameter_cm = Some(-1.0);
    assert!(run_beam(&ctx(), &a).is_err());
    let mut a = args(10);
    a.direction = "up".into();
    assert!(run_beam(&ctx(), &a).is_err());
}

/// A boron map (or an FBPA PET scaled by its reference SUV) sets the boron dose per voxel: a
/// uniform map equal to --boron-ppm reproduces the uniform run, a PET at twice the reference SUV
/// doubles it (the per-ppm kerma tally is exact for 10B, whose kerma is linear in ppm).
#[test]
fn boron_map_and_fbpa_pet() {
    use theradose::io::{write_volume, Volume};
    use theradose::materials::MaterialDb;
    let db = MaterialDb::load().unwrap();
    let ph = theradose::phantom::builtin::build("water-cube", &db, Some(20.0), &[]).unwrap();
    let dir = std::env::temp_dir().join("theradose-neutron-boron-map");
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("ppm.nii.gz");
    let suv = dir.join("suv.nii.gz");
    for (p, v) in [(&map, 15.0f32), (&suv, 2.0f32)] {
        let vol = Volume {
            grid: ph.grid.clone(),
            data: vec![v; ph.len()],
        };
        write_volume(p, &vol, "test").unwrap();
    }
    let base = || {
        let mut a = args(1500);
        a.voxel_mm = Some(20.0);
        a
    };
    let boron = |a: &BeamSpec| {
        let r = run_beam(&ctx(), a).unwrap();
        r.maps
            .iter()
            .find(|m| m.0 == "dose_boron")
            .unwrap()
            .1
            .clone()
    };
    let uniform = boron(&base());
    let mut a = base();
    a.boron_map = Some(map);
    let mapped = boron(&a);
    let mut a = base();
    a.fbpa_pet = Some(suv);
    let pet = boron(&a);
    let total: f64 = uniform.iter().sum();
    assert!(total > 0.0);
    for ((u, m), p) in uniform.iter().zip(&mapped).zip(&pet) {
        assert!((u - m).abs() <= 1e-9 * total, "{u} vs {m}");
        assert!((2.0 * u - p).abs() <= 2e-9 * total, "{u} vs {p}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The beam maps (voxel geometry, Woodcock tracking, kerma estimator, photon transport) are
/// bit-identical for 1 and 2 threads.
#[test]
fn beam_deterministic_across_threads() {
    let run_with = |threads| {
        let mut a = args(800);
        a.voxel_mm = Some(20.0);
        a.threads = Some(threads);
        run_beam(&ctx(), &a).unwrap()
    };
    let (one, two) = (run_with(1), run_with(2));
    for (a, b) in one.maps.iter().zip(&two.maps) {
        assert_eq!(a.0, b.0);
        assert!(
            a.1.iter()
                .zip(&b.1)
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "{} differs",
            a.0
        );
    }
}

/// Rectangular field: source points fill the w x h rectangle across the beam uniformly (its
/// first axis u = dir x z, second v = dir x u), and the sampled area fraction of a centred
/// sub-rectangle is its area fraction (binomial, 4 sigma).
#[test]
fn rectangular_field_is_uniform_over_its_rectangle() {
    use theradose::numerics::Vec3;
    use theradose::rng::HistoryRng;
    use theradose::source::neutron_beam::{Field, NeutronBeam, NeutronSpectrum};
    let beam = NeutronBeam {
        centre: Vec3::new(0.0, 0.0, 0.0),
        dir: Vec3::new(1.0, 0.0, 0.0),
        field: Field::Rectangle {
            half_x_cm: 4.0,
            half_y_cm: 2.0,
        },
        spectrum: NeutronSpectrum::from_name("epithermal").unwrap(),
    };
    assert!((beam.area_cm2() - 32.0).abs() < 1e-12);
    let (u, v) = beam.field_axes();
    assert!(
        u.dot(beam.dir).abs() < 1e-12 && v.dot(beam.dir).abs() < 1e-12 && u.dot(v).abs() < 1e-12
    );
    let n = 20_000;
    let mut inner = 0;
    for i in 0..n {
        let s = beam.sample(&mut HistoryRng::new(5, i));
        let (a, b) = (s.pos.dot(u), s.pos.dot(v));
        assert!(s.pos.x.abs() < 1e-12, "on the source plane");
        assert!(a.abs() <= 4.0 && b.abs() <= 2.0, "{a} {b}");
        if a.abs() <= 2.0 && b.abs() <= 1.0 {
            inner += 1;
        }
    }
    let p = inner as f64 / n as f64;
    let sigma = (0.25f64 * 0.75 / n as f64).sqrt();
    assert!((p - 0.25).abs() < 4.0 * sigma, "{p}");
}

/// Oblique beam: a neutron sampled on a source plane outside the box is moved along its
/// direction onto the box surface (exact ray-box entry), its direction unchanged; a ray that
/// misses the box stays outside.
#[test]
fn oblique_beam_enters_the_box_on_its_surface() {
    use theradose::numerics::Vec3;
    use theradose::rng::HistoryRng;
    use theradose::source::neutron_beam::{ray_box_entry, Field, NeutronBeam, NeutronSpectrum};
    let size = [10.0, 8.0, 6.0];
    // exact entry: from (-1, 4, 3) along (1, 0, 0) the box is entered at t = 1
    let t = ray_box_entry(Vec3::new(-1.0, 4.0, 3.0), Vec3::new(1.0, 0.0, 0.0), size).unwrap();
    assert!((t - 1.0).abs() < 1e-12);
    assert!(ray_box_entry(Vec3::new(-1.0, 9.0, 3.0), Vec3::new(1.0, 0.0, 0.0), size).is_none());
    let dir = Vec3::new(1.0, 1.0, 0.5).normalized();
    let aim = Vec3::new(5.0, 4.0, 3.0);
    let beam = NeutronBeam {
        centre: aim - dir * 20.0,
        dir,
        field: Field::Disc { radius_cm: 2.0 },
        spectrum: NeutronSpectrum::from_name("thermal").unwrap(),
    };
    for i in 0..2000 {
        let s = beam.sample_into_box(&mut HistoryRng::new(9, i), size);
        assert!((s.dir.dot(dir) - 1.0).abs() < 1e-12);
        let inside = (0..3).all(|a| s.pos.get(a) >= 0.0 && s.pos.get(a) <= size[a]);
        // every ray of a 2 cm disc around an axis through the box centre enters the box
        assert!(inside, "{:?}", s.pos);
        let on_face = (0..3).any(|a| s.pos.get(a) < 1e-6 || (size[a] - s.pos.get(a)).abs() < 1e-6);
        assert!(on_face, "{:?}", s.pos);
        // still on the ray of its source point: distance from the axis at most the radius
        let w = s.pos - aim;
        let r = w - dir * w.dot(dir);
        assert!(r.norm() <= 2.0 + 1e-9);
    }
}

/// The figure of merit of a neutron beam (issue 21, item 4) follows the weighted mean dose of a
/// region scored history by history, so its uncertainty must be the spread of independent runs:
/// 8 seeds of 1500 neutrons on the water cube (20 mm voxels); the standard deviation of the
/// eight weighted region means against the mean reported uncertainty. With 7 degrees of freedom
/// the sample SD scatters by about 27 % (1 sigma): the ratio must lie in [0.5, 1.6] (about 2.5
/// sigma each side). Also FoM = 1 / (rel^2 x CPU s) of the summary's own numbers, and the
/// uncertainty falls as 1/sqrt(N) (6000 against 1500 neutrons: ratio 2 within 15 %).
#[test]
fn region_uncertainty_and_figure_of_merit() {
    let run_seed = |seed: u64, n: u64| {
        let mut a = args(n);
        a.voxel_mm = Some(20.0);
        a.prescription_gy = None;
        a.seed = seed;
        run_beam(&ctx(), &a).unwrap().summary
    };
    let runs: Vec<_> = (1..=8).map(|s| run_seed(s, 1500)).collect();
    let (name, _) = runs[0].regions.iter().next().unwrap();
    let means: Vec<f64> = runs
        .iter()
        .map(|s| s.regions[name].doses["dose_weighted_mean_gy"])
        .collect();
    let m = means.iter().sum::<f64>() / 8.0;
    let sd = (means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 7.0).sqrt() / m;
    let reported = runs
        .iter()
        .map(|s| s.regions[name].weighted_rel_uncertainty)
        .sum::<f64>()
        / 8.0;
    eprintln!("region {name}: spread of 8 seeds {sd:.4}, reported {reported:.4}");
    assert!(
        (0.5..=1.6).contains(&(sd / reported)),
        "spread {sd} vs reported {reported}"
    );
    for s in &runs {
        let f = s.figure_of_merit.as_ref().expect("figure of merit");
        assert_eq!(&f.region, name);
        let want = 1.0 / (f.rel_uncertainty.powi(2) * s.cpu_seconds);
        assert!((f.per_cpu_second / want - 1.0).abs() < 1e-12);
    }
    let long = run_seed(1, 6000);
    let ratio = runs[0].regions[name].weighted_rel_uncertainty
        / long.regions[name].weighted_rel_uncertainty;
    assert!((ratio / 2.0 - 1.0).abs() < 0.15, "1/sqrt(N): ratio {ratio}");
}
