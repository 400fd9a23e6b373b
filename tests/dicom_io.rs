//! DICOM reading against files written by an independent writer (pydicom, by
//! `scripts/make_dicom_testdata.py`; the numbers below are the ones that script writes).

use std::path::{Path, PathBuf};
use theradose::io::dicom::rtstruct::rtstruct_labels;
use theradose::io::dicom::{list_series, read_series};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dicom")
        .join(name)
}

#[test]
fn ct_series_in_shuffled_files_with_a_second_series() {
    let dir = data("ct_two_series");
    let series = list_series(&dir).unwrap();
    assert_eq!(series.len(), 2);
    // two CT series: no choice without a UID, and the error lists both
    for select in [None, Some("CT")] {
        let e = read_series(&dir, select).unwrap_err().to_string();
        assert!(
            e.contains("1.2.826.0.1.3680043.8.498.16.10") && e.contains("localizer"),
            "{e}"
        );
    }
    let img = read_series(&dir, Some("1.2.826.0.1.3680043.8.498.16.10")).unwrap();
    let g = &img.volume.grid;
    assert_eq!(g.dims, [24, 20, 6]);
    assert_eq!(g.spacing_mm, [2.0, 1.5, 2.5]);
    // LPS (-23, -14.25, -10) -> RAS (23, 14.25, -10); rows along L, columns along P
    assert_eq!(g.origin_mm, [23.0, 14.25, -10.0]);
    assert_eq!(
        g.direction,
        [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]]
    );
    assert_eq!((img.modality.as_str(), img.units.as_str()), ("CT", "HU"));
    assert_eq!(img.series.len(), 2);
    assert_eq!(img.identity.patient_id, "TD-016");
    assert_eq!(img.instances.len(), 6);
    let v = |i, j, k| img.volume.data[g.index(i, j, k)];
    for k in 0..6 {
        // slices sorted by position whatever the file names; slope 2 on odd slices
        assert_eq!(v(10, 8, k), 500.0 + 100.0 * k as f64, "bone rod, slice {k}");
        assert_eq!(v(0, 0, k), -1000.0);
        assert_eq!(v(5, 5, k), 0.0);
    }
}

#[test]
fn pet_suv_of_a_uniform_phantom_is_one_for_start_and_admin() {
    for (case, correction) in [("pet_start", "START"), ("pet_admin", "ADMIN")] {
        let img = read_series(&data(case), None).unwrap();
        let pet = img.pet.as_ref().unwrap();
        assert_eq!(pet.decay_correction, correction);
        assert_eq!(img.units, "BQML");
        assert_eq!(pet.weight_kg, Some(70.0));
        assert!((pet.injected_mbq.unwrap() - 370.0).abs() < 1e-9);
        assert_eq!(pet.injection_time.as_deref(), Some("2026-01-05T10:00:00"));
        assert_eq!(pet.scan_start.as_deref(), Some("2026-01-05T11:00:00"));
        let f = pet.suv_bw_factor.unwrap();
        for &c in &img.volume.data {
            let suv = c * f;
            assert!((suv - 1.0).abs() < 0.005, "{case}: SUV {suv}");
        }
    }
}

#[test]
fn nm_multiframe_spect_in_counts() {
    let img = read_series(&data("nm_multiframe.dcm"), None).unwrap();
    let g = &img.volume.grid;
    assert_eq!(g.dims, [16, 16, 10]);
    assert_eq!(g.spacing_mm, [4.42, 4.42, 4.42]);
    assert_eq!(g.origin_mm, [33.15, 33.15, -20.0]);
    assert_eq!(img.units, "COUNTS");
    assert_eq!(img.volume.data[g.index(8, 7, 3)], 900.0);
    assert_eq!(img.volume.data[g.index(6, 6, 9)], 100.0);
    assert_eq!(
        img.volume.data.iter().sum::<f64>(),
        10.0 * 16.0 * 100.0 + 800.0
    );
}

#[test]
fn bad_series_are_named_with_what_was_found() {
    let cases = [
        ("bad_missing", "missing slice"),
        ("bad_uneven", "uneven slice spacing"),
        ("bad_tilt", "gantry tilt of 15 degrees"),
        (
            "bad_compressed",
            "1.2.840.10008.1.2.4.57 (JPEG lossless) holds compressed pixel data",
        ),
    ];
    for (case, expected) in cases {
        let e = read_series(&data(case), None).unwrap_err().to_string();
        assert!(e.contains(expected), "{case}: {e}");
        assert!(
            e.contains(case) && e.contains(".dcm"),
            "{case}: names the file: {e}"
        );
    }
}

/// Sphere R 20 mm and a ring (R 30 mm, hole R 15 mm, 30 mm high) at 2 mm voxels: the label
/// volumes within 2% of the analytic ones.
#[test]
fn rtstruct_sphere_and_ring_with_a_hole() {
    let ct = read_series(&data("ct_rt"), None).unwrap();
    let map = rtstruct_labels(&data("rtstruct.dcm"), &ct.volume.grid).unwrap();
    let names: Vec<&str> = map.names.iter().map(|n| n.1.as_str()).collect();
    assert_eq!(names, ["Sphere", "Ring"]);
    let sphere = 4.0 / 3.0 * std::f64::consts::PI * 20f64.powi(3) * 1e-3;
    let ring = std::f64::consts::PI * (30f64.powi(2) - 15f64.powi(2)) * 30.0 * 1e-3;
    for (r, analytic) in [(0, sphere), (1, ring)] {
        let v = map.volumes_ml[r];
        eprintln!(
            "{}: {v:.3} mL (sub-voxel), analytic {analytic:.3} mL",
            names[r]
        );
        assert!(
            (v / analytic - 1.0).abs() < 0.02,
            "{}: {v} mL vs {analytic} mL",
            names[r]
        );
    }
    let v = map.label_volumes_ml[0];
    assert!(
        (v / sphere - 1.0).abs() < 0.02,
        "sphere label map: {v} mL vs {sphere} mL"
    );
    // The ring's axis lies on a voxel corner: its label map (voxels at least half inside) is
    // the 544 voxel centres per slice with 7.5 < r <= 15 voxels (counted independently:
    // numpy over the half-integer lattice), 2.6% above the analytic 530.1 voxels per slice.
    assert_eq!(map.label_volumes_ml[1], 544.0 * 15.0 * 0.008);
    // the hole of the ring is empty: the voxel at the ring's axis, z = 23 mm (slice 36)
    let g = &map.labels.grid;
    assert_eq!(map.labels.data[g.index(23, 23, 36)], 0);
    assert_eq!(map.labels.data[g.index(23 + 11, 23, 36)], 2);
    assert_eq!(map.labels.data[g.index(23, 23, 12)], 1);
}

/// Real files shipped with pydicom (tests/data/dicom/real/README.md): a GE CT slice read as
/// pydicom reads it, and a JPEG 2000 NM image refused with its transfer syntax named.
#[test]
fn real_pydicom_files() {
    let dir = data("real");
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
    let img = read_series(&dir.join("CT_small.dcm"), None).unwrap();
    let g = &img.volume.grid;
    assert_eq!(g.dims, [128, 128, 1]);
    let ipp: Vec<f64> = e["ipp_lps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(g.origin_mm, [-ipp[0], -ipp[1], ipp[2]]);
    assert_eq!(g.spacing_mm[..2], [0.661468, 0.661468]);
    assert_eq!(
        img.series_instance_uid,
        e["series_instance_uid"].as_str().unwrap()
    );
    for p in e["hu"].as_array().unwrap() {
        let (r, c, hu) = (
            p[0].as_u64().unwrap() as usize,
            p[1].as_u64().unwrap() as usize,
            p[2].as_f64().unwrap(),
        );
        assert_eq!(img.volume.data[g.index(c, r, 0)], hu, "row {r} column {c}");
    }
    let err = read_series(&dir.join("JPEG2000.dcm"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("JPEG2000.dcm") && err.contains("1.2.840.10008.1.2.4.91 (JPEG 2000)"),
        "{err}"
    );
}

/// A DICOM SEG written by highdicom: each segment's voxels as the writer's masks.
#[test]
fn seg_segments_on_the_ct_grid() {
    let ct = read_series(&data("ct_rt"), None).unwrap();
    let map = theradose::io::dicom::structure_labels(&data("seg.dcm"), &ct.volume.grid).unwrap();
    let text = std::fs::read_to_string(data("seg_counts.json")).unwrap();
    let counts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = map.names.iter().map(|n| n.1.as_str()).collect();
    assert_eq!(names, ["Sphere", "Cylinder"]);
    for (r, name) in names.iter().enumerate() {
        let n = counts[name].as_f64().unwrap();
        assert_eq!(map.volumes_ml[r], n * 0.008, "{name}");
    }
    // the segments are apart: each keeps all its voxels in the label map
    assert_eq!(map.label_volumes_ml, map.volumes_ml);
    let g = &map.labels.grid;
    assert_eq!(map.labels.data[g.index(23, 23, 12)], 1);
    // voxel (28, 23, 30) is at LPS (9, -1, 11) mm, inside the cylinder (axis x = 10, R 12)
    assert_eq!(map.labels.data[g.index(28, 23, 30)], 2);
    // an RTSTRUCT goes the same way
    let rs = theradose::io::dicom::structure_labels(&data("rtstruct.dcm"), &ct.volume.grid);
    assert_eq!(rs.unwrap().names.len(), 2);
}

/// An Enhanced multi-frame CT (highdicom's Legacy Converted Enhanced CT of the 6-slice series
/// of `ct_two_series`: frames stored in descending z, RescaleSlope 1 and 2 per frame in
/// PixelValueTransformationSequence, positions in PlanePositionSequence) reads as the same
/// volume as the single-frame series it was made from: same grid, same HU in every voxel.
#[test]
fn enhanced_multiframe_ct_reads_as_its_single_frame_series() {
    let enh = read_series(&data("enhanced_ct.dcm"), None).unwrap();
    let ser = read_series(
        &data("ct_two_series"),
        Some("1.2.826.0.1.3680043.8.498.16.10"),
    )
    .unwrap();
    assert_eq!(enh.modality, "CT");
    assert_eq!(enh.units, "HU");
    assert_eq!(enh.volume.grid.dims, [24, 20, 6]);
    assert!(
        enh.volume.grid.same_geometry(&ser.volume.grid, 1e-6),
        "{:?} vs {:?}",
        enh.volume.grid,
        ser.volume.grid
    );
    assert_eq!(enh.volume.data, ser.volume.data);
    // the bone rod's HU grows by 100 per slice (500 + 100 k): the frames are in z order
    let rod: Vec<f64> = (0..6).map(|k| *enh.volume.at(10, 8, k)).collect();
    assert_eq!(rod, [500.0, 600.0, 700.0, 800.0, 900.0, 1000.0]);
    assert_eq!(enh.instances.len(), 1);
}
