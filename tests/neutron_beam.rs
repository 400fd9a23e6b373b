//! BNCT beam: an epithermal beam into a water phantom.

use theradose::study::beam_cmd::{run, BeamArgs, DEPTH_HEADER};

fn args(out: &str, histories: u64) -> BeamArgs {
    BeamArgs {
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
        out: std::env::temp_dir().join(out),
    }
}

/// Depth of the thermal-fluence maximum of an epithermal beam (the built-in generic spectrum,
/// 95% 1/E epithermal, 12 cm field) in a water phantom. Reference: about 2 cm, the depth quoted
/// for epithermal BNCT beams with 1/E-like spectra (FiR 1, MIT FCB, KUR) in water; attributed to
/// IAEA-TECDOC-1223 (2001). STILL NOT VERIFIED: a second search (2026-11-24: IAEA-TECDOC-1223,
/// Bisceglie 2000, Yanch 1991/92, Riley 2003/2008 dosimetry exchange, FiR 1, HFR Petten, KUR
/// HWNIF, C-BENS, NeuCure, iBNCT, Herve 2021, Torres-Sanchez 2021) found no published depth with
/// its beam, field and phantom in the material reachable here; the only checked number is for
/// another set-up: 3 cm in a polyethylene head phantom for the Georgia Tech prototype beam (Med.
/// Phys. 13 (1986), doi 10.1118/1.595899, abstract), not comparable (denser hydrogen, curved
/// phantom, a spectrum spanning five decades behind Al/S filters). Tolerance +-0.5 cm
/// (published beams differ in spectrum and field size by that much). The peak is that of the
/// depth curve smoothed over three 4 mm bins (parabola through the largest and its neighbours),
/// 50 000 histories (statistical spread about 0.1 cm); measured 1.95 cm with the ENDF/B-VIII.0
/// oxygen (1.96 cm with the former constant 3.85 b).
#[test]
fn epithermal_beam_thermal_peak_depth_in_water() {
    let a = args("theradose-neutron-beam-test", 50_000);
    run(&a).unwrap();
    let csv = std::fs::read_to_string(a.out.join("depth.csv")).unwrap();
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
        assert!(a.out.join(f).exists(), "{f} missing");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.out.join("summary.json")).unwrap())
            .unwrap();
    let raw_peak = s["thermal_fluence_peak_depth_cm"].as_f64().unwrap();
    // depth curve smoothed over 3 bins; parabolic vertex through the maximum and its neighbours
    let rows: Vec<(f64, f64)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[0], v[1])
        })
        .collect();
    let sm: Vec<f64> = (1..rows.len() - 1)
        .map(|i| (rows[i - 1].1 + rows[i].1 + rows[i + 1].1) / 3.0)
        .collect();
    let k = (1..sm.len() - 1)
        .max_by(|&i, &j| sm[i].total_cmp(&sm[j]))
        .unwrap();
    let (y0, y1, y2) = (sm[k - 1], sm[k], sm[k + 1]);
    let dz = rows[1].0 - rows[0].0;
    let peak = rows[k + 1].0 + 0.5 * dz * (y0 - y2) / (y0 - 2.0 * y1 + y2);
    eprintln!(
        "thermal fluence maximum at {peak:.2} cm (smoothed; raw {raw_peak:.2} cm; reference about 2 cm)"
    );
    assert!((peak - 2.0).abs() <= 0.5, "thermal peak at {peak} cm");
    assert!(s["treatment_time_min"].as_f64().unwrap() > 0.0);
    assert!(s["energy_balance_relative_discrepancy"].as_f64().unwrap() < 1e-6);
    // every column is finite and non-negative
    for line in csv.lines().skip(1) {
        assert!(line
            .split(',')
            .all(|x| x.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0)));
    }
    let _ = std::fs::remove_dir_all(&a.out);
}

#[test]
fn bad_arguments_are_reported() {
    let mut a = args("theradose-neutron-beam-bad", 10);
    a.spectrum = "nonsense".into();
    assert!(run(&a).is_err());
    let mut a = args("theradose-neutron-beam-bad", 10);
    a.field_diameter_cm = Some(-1.0);
    assert!(run(&a).is_err());
    let mut a = args("theradose-neutron-beam-bad", 10);
    a.direction = "up".into();
    assert!(run(&a).is_err());
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
    let base = |name: &str| {
        let mut a = args(name, 1500);
        a.voxel_mm = Some(20.0);
        a
    };
    let boron = |a: &BeamArgs| {
        let r = theradose::study::beam_cmd::run_beam(a).unwrap();
        r.maps
            .iter()
            .find(|m| m.0 == "dose_boron")
            .unwrap()
            .1
            .clone()
    };
    let uniform = boron(&base("u"));
    let mut a = base("m");
    a.boron_map = Some(map);
    let mapped = boron(&a);
    let mut a = base("p");
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
        let mut a = args("d", 800);
        a.voxel_mm = Some(20.0);
        a.threads = Some(threads);
        theradose::study::beam_cmd::run_beam(&a).unwrap()
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
