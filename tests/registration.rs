//! Rigid registration: a known transform (5 degrees, 12 mm) recovered within 1 mm and 0.5
//! degrees, on a smooth CT-like image (Gaussian blobs of different sizes, asymmetric).

use theradose::dosimetry::register::{apply_rigid, register_rigid, Rigid};
use theradose::io::{Grid, Volume};

/// A smooth CT-like value at `p` (mm): Gaussian blobs for a body, organs and a spine.
fn blobs_at(p: [f64; 3]) -> f64 {
    // (centre mm, sigma mm, height)
    let b: [([f64; 3], f64, f64); 5] = [
        ([0.0, 0.0, 0.0], 45.0, 1.0),
        ([25.0, 10.0, 15.0], 14.0, 1.5),
        ([-20.0, -15.0, -10.0], 10.0, 2.0),
        ([0.0, -35.0, 0.0], 7.0, 3.0),
        ([-10.0, 25.0, 25.0], 9.0, -0.8),
    ];
    b.iter()
        .map(|(c, s, h)| {
            let r2: f64 = (0..3).map(|a| (p[a] - c[a]).powi(2)).sum();
            h * (-r2 / (2.0 * s * s)).exp()
        })
        .sum()
}

/// `f` at every voxel centre of `grid`.
fn sample(grid: &Grid, f: impl Fn([f64; 3]) -> f64) -> Volume<f64> {
    let mut data = Vec::with_capacity(grid.len());
    for k in 0..grid.dims[2] {
        for j in 0..grid.dims[1] {
            for i in 0..grid.dims[0] {
                data.push(f(grid.world_mm([i as f64, j as f64, k as f64])));
            }
        }
    }
    Volume {
        grid: grid.clone(),
        data,
    }
}

#[test]
fn a_known_rigid_transform_is_recovered() {
    let grid = Grid::new([48, 48, 40], [3.0, 3.0, 3.5]);
    let fixed = sample(&grid, blobs_at);
    // fixed(p) = moving(truth(p)): the moving image at q is the fixed one at truth^-1(q)
    let truth = Rigid {
        rotation_rad: [0.0, 0.0, 5f64.to_radians()],
        translation_mm: [12.0, 0.0, 0.0],
        centre_mm: grid.world_mm([23.5, 23.5, 19.5]),
    };
    let m = truth.matrix();
    let inverse = |q: [f64; 3]| -> [f64; 3] {
        let d: [f64; 3] =
            std::array::from_fn(|r| q[r] - truth.translation_mm[r] - truth.centre_mm[r]);
        std::array::from_fn(|c| (0..3).map(|r| m[r][c] * d[r]).sum::<f64>() + truth.centre_mm[c])
    };
    let moving = sample(&grid, |q| blobs_at(inverse(q)));
    let r = register_rigid(&fixed, &moving).unwrap();
    let t = r.transform;
    // compare the two transforms where it matters: the largest displacement of a grid corner
    let mut worst = 0.0f64;
    for corner in 0..8 {
        let ijk: [f64; 3] = std::array::from_fn(|c| {
            if corner >> c & 1 == 1 {
                (grid.dims[c] - 1) as f64
            } else {
                0.0
            }
        });
        let p = grid.world_mm(ijk);
        let (a, b) = (t.apply(p), truth.apply(p));
        worst = worst.max((0..3).map(|c| (a[c] - b[c]).powi(2)).sum::<f64>().sqrt());
    }
    let dt: f64 = (0..3)
        .map(|c| (t.translation_mm[c] - truth.translation_mm[c]).powi(2))
        .sum::<f64>()
        .sqrt();
    let dang = (t.angle_rad() - truth.angle_rad()).abs().to_degrees();
    eprintln!("registration: translation error {dt:.3} mm, angle error {dang:.3} deg, corner error {worst:.3} mm, NCC {:.5}, {} evaluations", r.ncc, r.evaluations);
    assert!(dt < 1.0 && dang < 0.5, "{t:?}");
    // the registered moving image matches the fixed one
    let back = apply_rigid(&moving, &grid, &t).unwrap();
    let centre = grid.index(24, 24, 20);
    assert!((back.data[centre] / fixed.data[centre] - 1.0).abs() < 0.01);
}

/// `theradose register` on NIfTI files: transform.json and the emission image carried over.
#[test]
fn register_command_writes_the_transform_and_registered_images() {
    let grid = Grid::new([40, 40, 32], [3.5, 3.5, 4.0]);
    let fixed = sample(&grid, blobs_at);
    // the moving frame: the fixed content shifted by (8, -6, 4) mm
    let moving = sample(&grid, |q| blobs_at([q[0] - 8.0, q[1] + 6.0, q[2] - 4.0]));
    let dir = tempfile::tempdir().unwrap();
    let (f, m) = (dir.path().join("ct1.nii.gz"), dir.path().join("ct2.nii.gz"));
    theradose::io::write_volume(&f, &fixed, "fixed").unwrap();
    theradose::io::write_volume(&m, &moving, "moving").unwrap();
    let out = dir.path().join("reg");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_theradose"))
        .args([
            "register",
            "--fixed",
            f.to_str().unwrap(),
            "--moving",
            m.to_str().unwrap(),
        ])
        .args([
            "--apply",
            m.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("transform.json")).unwrap())
            .unwrap();
    let t: Vec<f64> = j["transform"]["translation_mm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in t.iter().zip([8.0, -6.0, 4.0]) {
        assert!((got - want).abs() < 0.5, "{t:?}");
    }
    assert!(out.join("check.png").is_file());
    let back = theradose::io::read_volume(&out.join("ct2_registered.nii.gz")).unwrap();
    let c = grid.index(20, 20, 16);
    assert!((back.data[c] / fixed.data[c] - 1.0).abs() < 0.01);
}
